"""Linked cases: two cases that belong together, one opened from or for the other.

A seizure whose items are confiscated goes on in a penalty case opened from it; an inspection that
finds a violation opens a penalty case on the clue; a referred clue becomes a case of the receiving
department. The link is a relation of its own (models.CaseLink: the origin, the case opened from or
for it, the kind, the reason, who and when), made in two ways:

- opening a case from another (`POST /api/v1/cases` with `linked_from: {case_id, kind, reason?}`,
  the new-case page's "从本案立新案"): the link is made in the new case's opening transaction;
- linking two existing cases (`POST /api/v1/cases/{id}/links` with `{case_id, kind, reason?}`),
  the case of the URL being the origin.

Whoever links must be able to read both cases, and hold the officer's or the head's role in the
origin's department or above it. A link is never changed or removed: it is traced as
`case.linked` on both cases' chains (each event names the other case), so each case's trail is
complete on its own. A reader sees a case's links to cases they may read, and nothing of the
others (services/people/access.py scope: the other case's department in the reader's unit or below).

Rule kinds may ask whether a case has a link of a kind (oversight/step_rules `linked_case`: e.g. a
seizure ended by confiscation must name the penalty case that confiscates): the record reads the
case's links when a rule first asks.
"""
from dataclasses import dataclass
from datetime import datetime

from ...extensions import db
from ...messages import Text
from ...models import Case, CaseLink, User
from ...models.types import utcnow
from ..audit import trail as audit
from ..errors import Conflict, Invalid, NotFound, tr
from ..people.access import in_scope, require_role, scope_filter, visible_case
from ..transactions import one_transaction

REASON_MAX = 500
FIELDS = ("case_id", "kind", "reason")


@dataclass(frozen=True)
class LinkKind:
    code: str
    zh: str  # the relation, as the origin's page names the other case
    en: str
    zh_back: str  # as the other case's page names the origin
    en_back: str

    def label(self, lang: str, *, outgoing: bool) -> str:
        if outgoing:
            return self.en if lang == "en" else self.zh
        return self.en_back if lang == "en" else self.zh_back


KINDS = {kind.code: kind for kind in (
    LinkKind("confiscation", "没收涉案物品的处罚案件", "penalty case confiscating the items",
             "来源：查封扣押案件", "from the seizure case"),
    LinkKind("inspection_clue", "检查发现的违法线索立案", "case opened on the inspection's clue",
             "来源：行政检查", "from the inspection"),
    LinkKind("referred", "移送线索", "clue referred to another department", "移送来源案件",
             "case the clue was referred from"),
    LinkKind("referral_receipt", "受移送部门接收", "receipt in the receiving department", "来源：移送函",
             "from the referral letter"),
    LinkKind("referral", "移送后受移送部门的案件", "case of the department the clue was referred to",
             "来源：移送的线索", "referred from"),
    LinkKind("referred_again", "再次移送（前次被退回）", "clue referred again after a return",
             "前次移送（已被退回）", "earlier referral, returned"),
    LinkKind("related", "关联案件", "related case", "关联案件", "related case"),
)}
# Made only by opening a case from another (services/cases/referrals.py checks the referral it follows),
# never between two existing cases.
OPENING_ONLY = {"referred_again"}


def parse(value, field: str = "linked_from") -> dict | None:
    """A link as asked for ({case_id, kind, reason?}), checked in shape; None where none is asked.
    Errors name the request's fields (`linked_from.case_id`)."""
    if value is None:
        return None
    prefix = f"{field}." if field else ""
    if not isinstance(value, dict):
        raise Invalid({field or "_body": [tr("must be an object with case_id, kind and, optionally, reason")]})
    errors: dict[str, list[Text]] = {}
    unknown = sorted(set(value) - set(FIELDS))
    if unknown:
        errors[field or unknown[0]] = [tr("unknown field %(field)s", field=repr(unknown[0]))]
    case_id = value.get("case_id")
    if isinstance(case_id, bool) or not isinstance(case_id, int) or not 1 <= case_id <= 2**31 - 1:
        errors[f"{prefix}case_id"] = [tr("must be the id of a case")]
    kind = value.get("kind")
    if kind not in KINDS:
        errors[f"{prefix}kind"] = [tr("must be one of %(choices)s", choices=", ".join(KINDS))]
    reason = value.get("reason")
    if reason is not None:
        if not isinstance(reason, str):
            errors[f"{prefix}reason"] = [tr("must be text")]
        else:
            reason = reason.strip() or None
            if reason is not None and len(reason) > REASON_MAX:
                errors[f"{prefix}reason"] = [tr("at most %(max)d characters", max=REASON_MAX)]
    if errors:
        raise Invalid(errors)
    return {"case_id": case_id, "kind": kind, "reason": reason}


def origin_for_opening(user: User, asked: dict, field: str = "linked_from") -> Case:
    """The case a new case is opened from: one the user may read and link from, else a 422 on the
    field (a case the user may not read is answered as one that does not exist)."""
    origin = _readable(user, asked["case_id"], f"{field}.case_id")
    _require_may_link(user, origin, f"{field}.case_id")
    return origin


def _readable(user: User, case_id: int, field: str) -> Case:
    try:
        return visible_case(user, case_id)
    except NotFound:
        raise Invalid({field: [tr("no case %(id)s that you may read", id=case_id)]}) from None


def _require_may_link(user: User, origin: Case, field: str) -> None:
    require_role(user, "officer", tr("linking cases"), "department_head")
    if not in_scope(user, origin.department):  # the role is held in the origin's department or above
        raise Invalid({field: [tr("no case %(id)s that you may read", id=origin.id)]})


def add(user: User, origin: Case, target: Case, kind: str, reason: str | None, now: datetime) -> CaseLink:
    """The link, in the current transaction, traced on both chains (after the flush that gives a
    new case its id)."""
    row = CaseLink(from_case_id=origin.id, to_case_id=target.id, kind=kind, reason=reason,
                   created_by_id=user.id, created_at=now)
    db.session.add(row)
    data = {"kind": kind, **({"reason": reason} if reason else {})}
    audit.record("case.linked", actor=user, case_id=origin.id, at=now,
                 data={**data, "to": {"id": target.id, "number": target.number}})
    audit.record("case.linked", actor=user, case_id=target.id, at=now,
                 data={**data, "from": {"id": origin.id, "number": origin.number}})
    return row


def case_by_number(user: User, number: str, field: str = "case_number") -> Case:
    """A case the user may read, by its 案号 as printed (the pages link by number, not by id)."""
    number = (number or "").strip()
    found = db.session.execute(db.select(Case).where(Case.number == number, scope_filter(user))).scalar_one_or_none() \
        if 0 < len(number) <= 64 else None
    if found is None:
        raise Invalid({field: [tr("no case numbered %(number)s that you may read", number=number[:64])]})
    return found


def may_link(user: User, case: Case) -> bool:
    """Whether the user may link the case to another (the case page offers it)."""
    return (user.has_role("officer") or user.has_role("department_head")) and in_scope(user, case.department)


def link_cases(user: User, case_id: int, asked: dict) -> CaseLink:
    """Link the case `case_id` (the origin) to an existing case, one transaction."""
    origin = visible_case(user, case_id)
    _require_may_link(user, origin, "case_id")
    target = _readable(user, asked["case_id"], "case_id")
    if target.id == origin.id:
        raise Invalid({"case_id": [tr("a case cannot be linked to itself")]})
    if asked["kind"] in OPENING_ONLY:
        raise Invalid({"kind": [tr("a returned referral is referred again by opening a new referral case from it, "
                                   "not by linking two cases")]})
    existing = db.session.execute(db.select(CaseLink.id).where(db.or_(
        db.and_(CaseLink.from_case_id == origin.id, CaseLink.to_case_id == target.id),
        db.and_(CaseLink.from_case_id == target.id, CaseLink.to_case_id == origin.id)))).first()
    if existing is not None:
        raise Conflict(tr("the cases %(one)s and %(other)s are already linked", one=origin.number, other=target.number),
                       code="already_linked")
    with one_transaction(tr("the cases were linked by another request; reload the case")):
        row = add(user, origin, target, asked["kind"], asked["reason"], utcnow())
    return row


@dataclass(frozen=True)
class Shown:
    """One link as a reader of `case` sees it: the other case, which way the link goes, its kind."""

    id: int
    kind: str
    outgoing: bool  # True: `case` is the origin
    other_id: int
    other_number: str
    other_title: str
    other_status: str
    other_department: str
    reason: str | None
    created_at: datetime
    created_by: str

    def label(self, lang: str) -> str:
        kind = KINDS.get(self.kind)
        return kind.label(lang, outgoing=self.outgoing) if kind else self.kind


def shown(user: User, case: Case) -> list[Shown]:
    """The case's links to cases the user may read, oldest first (one query)."""
    from ...models import OrgUnit

    other = db.aliased(Case)
    unit = db.aliased(OrgUnit)
    outgoing = CaseLink.from_case_id == case.id
    rows = db.session.execute(
        db.select(CaseLink, other.id, other.number, other.title, other.status, unit.name, User.username)
        .join(other, other.id == db.case((outgoing, CaseLink.to_case_id), else_=CaseLink.from_case_id))
        .join(unit, unit.id == other.department_id)
        .join(User, User.id == CaseLink.created_by_id)
        .where(db.or_(outgoing, CaseLink.to_case_id == case.id), scope_filter(user, other.department_id))
        .order_by(CaseLink.id)).all()
    return [Shown(link.id, link.kind, link.from_case_id == case.id, other_id, number, title, status, department,
                  link.reason, link.created_at, username)
            for link, other_id, number, title, status, department, username in rows]


def kinds_of(case: Case) -> list[dict]:
    """What the rule kinds see of a case's links, whoever acts: [{kind, outgoing, case_id}]."""
    if case.id is None:
        return []
    rows = db.session.execute(db.select(CaseLink.kind, CaseLink.from_case_id, CaseLink.to_case_id).where(
        db.or_(CaseLink.from_case_id == case.id, CaseLink.to_case_id == case.id)).order_by(CaseLink.id)).all()
    return [{"kind": kind, "outgoing": from_id == case.id, "case_id": to_id if from_id == case.id else from_id}
            for kind, from_id, to_id in rows]
