"""The parties register (当事人): natural persons by their resident identity number, organisations by
their unified social credit code, each checked by its check character (oversight/identity.py);
one party per number. A case names its party, so a party's record lists its cases and a repeat
violation shows when the penalty is proposed.

A case's party is named when the case is opened (a party of the register, or a new one registered
then), or later: an anonymous tip (匿名举报) is opened with the party unidentified (only a name as
the case prints it) and its party is identified on the case (`identify_party`, traced
`case.party_identified`), or by the step whose form records the party's number (a field marked
`"x-party": "id_number"`, such as the clue intake's) - by the notice at the latest: the rule kind
`party_identified` refuses the notice of a case without one (APL 44, 59).

Who may see a party: supervisors and administrators; everyone whose org scope holds a case of the
party or the unit that registered it. A natural person's number is shown in full only to the
officers of the party's cases (who opened one or completed one of its steps) and to whoever
registered the party; everyone else sees it masked (4401**********123X). An organisation's credit
code is public (it is printed on its business licence) and never masked.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import exists, false, or_, true
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ...extensions import db
from ...models import Case, Party, Task, User
from ...models.types import utcnow
from ...oversight.identity import masked_id_number, normalized_number, number_problem
from .. import paging
from ..audit import trail as audit
from ..errors import Conflict, Invalid, NotFound, tr
from ..transactions import one_transaction
from .access import require_role, scope_unit_ids, visible_case

PARTY_KINDS = ("person", "organization")
NAME_MAX, NUMBER_MAX, ADDRESS_MAX, REPRESENTATIVE_MAX, PHONE_MAX = 200, 18, 300, 100, 40
QUERY_MAX = 100
# Characters no name, address or number holds: the C0 controls (a line break included) and DEL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{2,38}[0-9]$")
PARTY_ORDER = [paging.SortKey(Party.id, descending=True)]
SEES_EVERY_PARTY = ("supervisor", "admin")


# -- checking what is typed ---------------------------------------------------------------------------
def checked_fields(raw: dict, prefix: str = "") -> dict:
    """A party as typed (kind, name, id_number; address, legal_representative, phone optional),
    cleaned: blanks trimmed, the number upper case and checked against its kind. Invalid names each
    field wrong as `<prefix><field>` (`party.id_number` in a case's body)."""
    errors: dict[str, list] = {}
    out: dict = {}
    kind = raw.get("kind")
    if kind not in PARTY_KINDS:
        errors[f"{prefix}kind"] = [tr("must be one of %(choices)s", choices=", ".join(PARTY_KINDS))]
    limits = {"name": NAME_MAX, "id_number": 64, "address": ADDRESS_MAX,
              "legal_representative": REPRESENTATIVE_MAX, "phone": PHONE_MAX}
    for name, limit in limits.items():
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip() and name not in ("name", "id_number")):
            out[name] = None
            continue
        if not isinstance(value, str):
            errors[f"{prefix}{name}"] = [tr("must be text")]
            continue
        value = value.strip()
        if not value:
            errors[f"{prefix}{name}"] = [tr("must not be empty")]
        elif len(value) > limit:
            errors[f"{prefix}{name}"] = [tr("must have at most %(limit)s characters", limit=limit)]
        elif _CONTROL.search(value):
            errors[f"{prefix}{name}"] = [tr("must not contain control characters or line breaks")]
        else:
            out[name] = value
    for required in ("name", "id_number"):
        if raw.get(required) is None:
            errors[f"{prefix}{required}"] = [tr("is required: a known party is registered with its number")
                                             if required == "id_number" else tr("is required")]
    number = out.get("id_number")
    if number is not None and kind in PARTY_KINDS:
        number = out["id_number"] = normalized_number(number)
        problem = number_problem(kind, number)
        if problem is not None:
            errors[f"{prefix}id_number"] = [problem]
    if out.get("phone") and not _PHONE.match(out["phone"]):
        errors[f"{prefix}phone"] = [tr("must be a telephone number: digits, with spaces or hyphens, a leading +")]
    if out.get("legal_representative") and kind == "person":
        errors[f"{prefix}legal_representative"] = [tr("only an organisation has a legal representative")]
    if errors:
        raise Invalid(errors)
    out["kind"] = kind
    return out


def by_number(number: str) -> Party | None:
    return db.session.execute(db.select(Party).where(Party.id_number == number)).scalar_one_or_none()


def _new_party(user: User, fields: dict) -> tuple[Party, bool]:
    """The party of the number, registered now in the caller's transaction (True) or found
    registered meanwhile (False): INSERT … ON CONFLICT (id_number) DO NOTHING, so two officers
    opening cases against the same new party at once both name it (the second waits for the
    first's commit) instead of one of them getting a conflict. Called where the step writes, after
    its engine step: the key's lock (SQLite's whole write lock) is held only while it commits."""
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = {"kind": fields["kind"], "name": fields["name"], "id_number": fields["id_number"],
              "address": fields.get("address"), "legal_representative": fields.get("legal_representative"),
              "phone": fields.get("phone"), "registered_by_id": user.id, "registered_unit_id": user.org_unit_id,
              "registered_at": utcnow()}
    with db.session.no_autoflush:
        new_id = db.session.execute(insert(Party).values(**values)
                                    .on_conflict_do_nothing(index_elements=["id_number"])
                                    .returning(Party.id)).scalar_one_or_none()
        if new_id is None:
            return by_number(fields["id_number"]), False
        return db.session.get(Party, new_id), True


def registered_data(party: Party) -> dict:
    """What the trail records of a party (its number included: the record of the act)."""
    return {"id": party.id, "kind": party.kind, "name": party.name, "id_number": party.id_number}


# -- registering ----------------------------------------------------------------------------------------
def register(user: User, raw: dict) -> Party:
    """An officer registers a party (before or without a case); a number registered already is a
    409 naming it where the officer may see it."""
    require_role(user, "officer", tr("registering a party"))
    fields = checked_fields(raw)
    existing = by_number(fields["id_number"])
    if existing is not None:
        raise _taken(user, existing)
    with one_transaction():
        party, created = _new_party(user, fields)
        if not created:  # registered by another request since the check above
            raise _taken(user, party)
        audit.record("party.registered", actor=user, data=registered_data(party))
    return party


def _taken(user: User, existing: Party) -> Conflict:
    visible = may_see(user, existing)
    return Conflict(tr("a party with this number is registered already"),
                    errors={"id_number": [tr("is registered already (party %(id)s): choose that party", id=existing.id)
                                          if visible else tr("is registered already")]},
                    details={"party_id": existing.id} if visible else {})


def party_for_opening(user: User, party: dict, prefix: str = "party.") -> tuple[Party | None, dict, dict | None]:
    """The party a new case names: `{"id": n}` one of the register the user may see; `{"name",
    "kind", "id_number", …}` a party registered with the case (its number registered already: that
    party, if of the same kind); `{"name", "kind"}` alone an anonymous tip's party, unidentified.
    Returns (the party found or None, {"name", "kind"} as the case prints it, the checked fields of
    a party to register, or None): `register_new` registers it where the case is written."""
    if party.get("id") is not None:
        found = db.session.get(Party, party["id"])
        if found is None or not may_see(user, found):
            raise Invalid({f"{prefix}id": [tr("no party %(id)s in the register that you may see", id=party["id"])]})
        return found, {"name": found.name, "kind": found.kind}, None
    if party.get("id_number") is None:
        _check_name_and_kind(party, prefix)
        if party.get("address") or party.get("legal_representative") or party.get("phone"):
            raise Invalid({f"{prefix}id_number": [tr("is required: a known party is registered with its number")]})
        return None, {"name": party["name"].strip(), "kind": party["kind"]}, None
    fields = checked_fields(party, prefix)
    printed = {"name": fields["name"], "kind": fields["kind"]}
    existing = by_number(fields["id_number"])
    if existing is None:
        return None, printed, {**fields, "prefix": prefix}
    _check_kind(existing, fields["kind"], prefix)
    return existing, printed, None


def register_new(user: User, fields: dict) -> tuple[Party, bool]:
    """The party `party_for_opening` left to register, in the caller's transaction: (the party,
    whether registered now). Registered meanwhile by another request with the other kind: 422."""
    prefix = fields.get("prefix", "")
    party, created = _new_party(user, {k: v for k, v in fields.items() if k != "prefix"})
    _check_kind(party, fields["kind"], prefix)
    return party, created


def _check_kind(party: Party, kind: str, prefix: str) -> None:
    if party.kind != kind:
        raise Invalid({f"{prefix}kind": [tr("the number is registered to a party of the other kind")]})


def _check_name_and_kind(party: dict, prefix: str) -> None:
    errors = {}
    if party.get("kind") not in PARTY_KINDS:
        errors[f"{prefix}kind"] = [tr("must be one of %(choices)s", choices=", ".join(PARTY_KINDS))]
    name = party.get("name")
    if not isinstance(name, str) or not name.strip():
        errors[f"{prefix}name"] = [tr("is required")]
    elif len(name.strip()) > NAME_MAX:
        errors[f"{prefix}name"] = [tr("must have at most %(limit)s characters", limit=NAME_MAX)]
    elif _CONTROL.search(name):
        errors[f"{prefix}name"] = [tr("must not contain control characters or line breaks")]
    if errors:
        raise Invalid(errors)


# -- identifying an anonymous tip's party ---------------------------------------------------------------
def identify_party(user: User, case_id: int, raw: dict) -> Case:
    """查明当事人: the party of a case opened on an anonymous tip, named by the register (`party_id`)
    or registered now (name, kind, number …). The case then prints the party's name. An officer of
    the case's department, while the case is open and its party unidentified; the party's kind is
    the one the case was opened against (the procedure's data and its limits follow the kind)."""
    case = visible_case(user, case_id)
    require_role(user, "officer", tr("identifying a case's party"))
    if case.closed_at is not None:
        raise Conflict(tr("the case is closed"))
    if case.party_id is not None:
        raise Conflict(tr("the case's party is identified already"), details={"party_id": case.party_id})
    if raw.get("party_id") is not None:
        party, printed, to_register = party_for_opening(user, {"id": raw["party_id"]}, "party_")
    else:
        party, printed, to_register = party_for_opening(user, {**raw, "id_number": raw.get("id_number") or None}, "")
        if party is None and to_register is None:
            raise Invalid({"id_number": [tr("is required: a known party is registered with its number")]})
    if printed["kind"] != case.party_kind:
        raise Invalid({"kind": [tr("the case was opened against a party of the other kind")]})
    now = utcnow()
    with one_transaction():
        created = False
        if to_register is not None:
            party, created = register_new(user, to_register)
        db.session.flush()
        if created:
            audit.record("party.registered", actor=user, data=registered_data(party), at=now)
        link(case, party, user, now, printed_name=party.name, via="identified")
    return case


def link(case: Case, party: Party, actor: User, now, *, printed_name: str | None = None, via: str) -> None:
    """Name the case's party (in the caller's transaction), traced `case.party_identified` with
    the name the case prints from now on. `via`: identified (on the case) or the form's field."""
    _name(case, party, now, printed_name)
    db.session.flush()
    _trace_identified(case, party, actor, now, via)


def _name(case: Case, party: Party, now, printed_name: str | None = None) -> None:
    case.party = party
    if printed_name is not None:
        case.party_name = printed_name
    case.updated_at = now


def _trace_identified(case: Case, party: Party, actor: User, now, via: str) -> None:
    audit.record("case.party_identified", actor=actor, case_id=case.id, at=now,
                 data={"party": registered_data(party), "party_name": case.party_name, "via": via})


@dataclass
class FormIdentification:
    """A step's form records the party's number (`"x-party": "id_number"`): the party it names,
    found in the register, or to be registered (`register`: its fields) where the step writes."""

    party: Party | None
    field: str
    register: dict | None = None
    new: bool = False  # registered by this step


def party_from_form(user: User, case: Case, schema: dict | None, data: dict) -> FormIdentification | None:
    """The party the submitted form identifies, where the case has none yet and the form records a
    number of the case's kind of party (the address it records too, if any): found in the register
    or to be registered in the step's transaction (`name_from_form`). A number recorded on a case
    whose party is identified must be that party's. None: nothing to identify."""
    fields = ((schema or {}).get("properties") or {})
    marked = {spec.get("x-party"): name for name, spec in fields.items() if isinstance(spec, dict)}
    name = marked.get("id_number")
    value = data.get(name) if name else None
    if not isinstance(value, str) or not value.strip():
        return None
    number = normalized_number(value)
    if case.party_id is not None:
        if case.party is not None and case.party.id_number != number:
            raise Invalid({name: [tr("the case's party is registered with the number %(number)s: record that "
                                     "number", number=case.party.id_number)]})
        return None
    if number_problem(case.party_kind, number) is not None:
        return None  # not a number of this kind of party: the step's own rules say what is wrong
    party = by_number(number)
    if party is None:
        address = data.get(marked.get("address")) if marked.get("address") else None
        address = address.strip()[:ADDRESS_MAX] if isinstance(address, str) and address.strip() else None
        return FormIdentification(None, name, {"kind": case.party_kind, "name": case.party_name,
                                               "id_number": number, "address": address})
    if party.kind != case.party_kind:
        return None
    return FormIdentification(party, name)


def name_from_form(user: User, found: FormIdentification | None, case: Case, now) -> None:
    """Where the step writes, before its flush: the party the form named becomes the case's (the
    case keeps the name it prints); a new one is registered first. One registered meanwhile with
    the other kind identifies nothing."""
    if found is None:
        return
    if found.register is not None:
        found.party, found.new = _new_party(user, found.register)
        if found.party.kind != case.party_kind:
            found.party, found.new = None, False
            return
    _name(case, found.party, now)


def trace_form_identification(found: FormIdentification | None, case: Case, actor: User, now) -> None:
    """After the step's flush, in its transaction: the party registered, the case's party named."""
    if found is None or found.party is None:
        return
    if found.new:
        audit.record("party.registered", actor=actor, data=registered_data(found.party), at=now)
    _trace_identified(case, found.party, actor, now, found.field)


# -- who may see a party, and its number --------------------------------------------------------------
def _sees_every_party(user: User) -> bool:
    return any(user.has_role(role) for role in SEES_EVERY_PARTY)


def visible_filter(user: User):
    """SQL condition: a party the user may see (a case of it, or its registering unit, in scope)."""
    if _sees_every_party(user):
        return true()
    units = scope_unit_ids(user)
    if not units:
        return false()
    return or_(Party.registered_unit_id.in_(units),
               exists().where(Case.party_id == Party.id, Case.department_id.in_(units)))


def may_see(user: User, party: Party) -> bool:
    return db.session.execute(db.select(Party.id).where(Party.id == party.id, visible_filter(user))).first() \
        is not None


def full_numbers_for(user: User, parties: list[Party]) -> set[int]:
    """The ids of those parties whose number the user sees in full: every organisation; a person
    registered by the user or with a case the user opened or did a step of."""
    shown = {p.id for p in parties if p.kind != "person" or p.registered_by_id == user.id}
    persons = [p.id for p in parties if p.id not in shown]
    if persons:
        handled = db.select(Case.party_id).where(Case.party_id.in_(persons), or_(
            Case.created_by_id == user.id,
            exists().where(Task.case_id == Case.id, Task.completed_by_id == user.id)))
        shown |= set(db.session.execute(handled).scalars())
    return shown


def shown_number(party: Party, full: set[int]) -> str:
    return party.id_number if party.id in full else masked_id_number(party.id_number)


# -- finding and reading -----------------------------------------------------------------------------
def parse_query(q: str | None) -> str | None:
    if q is None:
        return None
    q = q.strip()
    if len(q) > QUERY_MAX:
        raise Invalid({"q": [tr("must have at most %(limit)s characters", limit=QUERY_MAX)]})
    if _CONTROL.search(q):
        raise Invalid({"q": [tr("must not contain control characters or line breaks")]})
    return q or None


def search(user: User, q: str | None, *, after: str | None = None, page: int = 1, per_page: int = 20) -> paging.Page:
    """Parties the user may see whose name holds `q` or whose number starts with it, newest
    registered first."""
    query = db.select(Party).where(visible_filter(user))
    q = parse_query(q)
    if q:
        query = query.where(or_(Party.name.contains(q, autoescape=True),
                                Party.id_number.startswith(q.upper(), autoescape=True)))
    found = paging.fetch_page(query, PARTY_ORDER, after=after, page=page, per_page=per_page)
    full = full_numbers_for(user, found.items)
    for party in found.items:
        party.shown_id_number = shown_number(party, full)  # for the reader: masked or in full
    return found


@dataclass
class PartyCase:
    """One case of the party, as its record lists it: the decision where one was made."""

    case: Case
    decision: str | None = None  # the decision's document number
    fine: float | int | None = None  # yuan


@dataclass
class PartyRecord:
    party: Party
    id_number: str  # in full or masked, for this reader
    cases: list[PartyCase] = field(default_factory=list)
    elsewhere: int = 0  # cases of the party outside the reader's scope: counted, not shown


def get_party(user: User, party_id: int) -> Party:
    party = db.session.get(Party, party_id)
    if party is None or not may_see(user, party):
        raise NotFound(tr("party %(id)s not found", id=party_id))  # outside scope looks the same as absent
    return party


def party_record(user: User, party_id: int) -> PartyRecord:
    """The party with its cases in the reader's scope (newest first), each with its decision and
    fine where one was decided, and how many more it has in other departments."""
    from ..procedures.versions import procedure_info

    party = get_party(user, party_id)
    rows = db.session.execute(db.select(Case).where(Case.party_id == party.id)
                              .order_by(Case.created_at.desc(), Case.id.desc())).scalars().all()
    units = set(scope_unit_ids(user))
    mine = [c for c in rows if c.department_id in units]
    record = PartyRecord(party, shown_number(party, full_numbers_for(user, [party])),
                         elsewhere=len(rows) - len(mine))
    party.shown_id_number, party.record = record.id_number, record
    decided = _decision_tasks(mine)
    for case in mine:
        item = PartyCase(case)
        task = decided.get(case.id)
        if task is not None and task.form_key:
            fields = (procedure_info(case.procedure_version).forms.get(task.form_key) or {}).get("properties") or {}
            for name, spec in fields.items():
                marker = spec.get("x-decision") if isinstance(spec, dict) else None
                value = (task.data or {}).get(name)
                if marker == "number" and isinstance(value, str):
                    item.decision = value
                elif marker == "fine" and isinstance(value, int | float) and not isinstance(value, bool):
                    item.fine = value
        record.cases.append(item)
    return record


def _decision_tasks(cases: list[Case]) -> dict[int, Task]:
    """case id -> the completed task at which it last reached its `decided` milestone."""
    wanted = {}
    for case in cases:
        decided = [m["bpmn_id"] for m in case.milestones or [] if m.get("milestone") == "decided"]
        if decided:
            wanted[case.id] = decided[-1]
    if not wanted:
        return {}
    tasks = db.session.execute(db.select(Task).where(Task.case_id.in_(wanted), Task.state == "completed")
                               .order_by(Task.completed_at, Task.id)).scalars().all()
    return {t.case_id: t for t in tasks if wanted.get(t.case_id) == t.bpmn_id}


def cases_of(party_id: int | None) -> int:
    """How many cases name the party, in every department (a count reveals no case)."""
    if party_id is None:
        return 0
    return db.session.execute(db.select(db.func.count()).select_from(Case).where(Case.party_id == party_id)).scalar()


@dataclass
class EarlierPenalty:
    """Another case of the same party in the same department, decided with a penalty."""

    case: Case
    cause: str | None  # the cause its steps chose last (`x-cause`)
    decided_on: date  # the decision's date (its form's act date), else the day it reached `decided`
    kinds: list[str]  # the penalty kinds decided (`x-decision: kinds`)
    fine: float | int | None  # yuan (`x-decision: fine`)


def earlier_penalties(case: Case) -> list[EarlierPenalty]:
    """The party's other cases in the case's department decided with a penalty — a decision whose
    kinds (the field marked `"x-decision": "kinds"`) are not empty or whose fine (`"x-decision":
    "fine"`) is above nothing; a no-penalty decision is none — oldest decision first. Empty while
    the case's party is unidentified. What a first violation (初次违法, APL Art. 33(1)) is judged
    by: services/registers/penalty_lists.py."""
    from ...oversight.bindings import act_date
    from ...oversight.calendar import LOCAL_TZ
    from ..procedures.versions import procedure_info
    from ..registers.causes import chosen_in

    if case.party_id is None:
        return []
    others = db.session.execute(db.select(Case).where(
        Case.party_id == case.party_id, Case.department_id == case.department_id, Case.id != case.id)).scalars().all()
    decided_at = {}
    for other in others:
        reached = [m for m in other.milestones or [] if m.get("milestone") == "decided"]
        if reached:
            decided_at[other.id] = reached[-1]
    if not decided_at:
        return []
    tasks = db.session.execute(db.select(Task).where(Task.case_id.in_(decided_at), Task.state == "completed")
                               .order_by(Task.completed_at, Task.id)).scalars().all()
    found = []
    for other in others:
        milestone = decided_at.get(other.id)
        if milestone is None:
            continue
        info = procedure_info(other.procedure_version)
        own = [t for t in tasks if t.case_id == other.id]
        cause = None
        for task in own:
            cause = chosen_in(info.forms.get(task.form_key or ""), task.data or {}) or cause
        decision = next((t for t in reversed(own) if t.bpmn_id == milestone.get("bpmn_id")), None)
        if decision is None:
            continue
        data = decision.data or {}
        kinds, fine = [], None
        fields = (info.forms.get(decision.form_key or "") or {}).get("properties") or {}
        for name, spec in fields.items():
            marker, value = spec.get("x-decision") if isinstance(spec, dict) else None, data.get(name)
            if marker == "kinds" and isinstance(value, list):
                kinds = [k for k in value if isinstance(k, str)]
            elif marker == "fine" and isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
                fine = value
        if not kinds and fine is None:
            continue
        day = act_date(info.rules, decision.form_key, data) or \
            datetime.fromisoformat(milestone["at"]).astimezone(LOCAL_TZ).date()
        found.append(EarlierPenalty(other, cause, day, kinds, fine))
    return sorted(found, key=lambda p: (p.decided_on, p.case.id))
