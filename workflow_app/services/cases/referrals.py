"""线索移送 (clue referral): a clue or a case sent by one department (or by the justice bureau's
supervision) to the department with jurisdiction, received in that department's inbox, answered
within the period set.

Each side reads only what is its own (services/people/access.py: a case is read in its department's
scope). The referring department works its own `referral` case (bpmn/referral: the letter, the
head's approval, then the wait for the feedback: a receive task in nobody's inbox, watched by a
boundary timer at the due time that marks the case 逾期未反馈 and raises REFERRAL_FEEDBACK_OVERDUE);
the receiving department gets a case of its own, the receipt (bpmn/referral_receipt), holding a
copy of what was sent; a `Referral` row (models.Referral) is what passes between the two. The
steps that reach the other side are marked in the BPMN (`crossDepartment`, engine/specs.py) and
run here, inside the transaction of the step that makes them (services/cases/lifecycle.complete_task):

- `referral_letter`: the receiving department is a department of the org tree other than this one
  (its name written onto the letter), and the enclosed evidence is on the origin case's list or
  this case's own; the instant the feedback is due (`feedback_due_at`: the date's last day carried
  to the next working day, as the watch's `deadline` counts it) is written onto the letter, the
  time of the wait's timer;
- `referral_send`: the head's approval sends it: the receipt case opened in the receiving
  department (its answer task due when the feedback is), the copy of the letter and of the
  enclosed evidence kept with it, the two cases linked (`referral_receipt`), traced on both chains;
- `referral_feedback`: the referring case's wait for the answer's message (case_messages refuses
  it by hand, 403; in versions before 0033 a user task, refused by hand here);
- `referral_answer`: the receiving officer accepts (a general-procedure case opened in their
  department, linked from the receipt, kind `referral`) or returns with reasons; the answer is
  delivered to the referring case's wait (services/cases/messages.py's delivery, `message.delivered`
  by the receiving officer on the referring case's chain) in the same transaction, which ends the
  wait and its timer (a timer already due fires first in that step: the alert, as the worker
  would have raised it).

A referral returned by the receiving department (退回, e.g. 不属本局管辖) is referred again from a
new referral case opened from the returned one (link `referred_again`, `check_refer_again`): one
letter per referral case, each with its own number, approval, due time and answer, the earlier one
staying closed as returned. The chain is read both ways (`chain`): its origin and its evidence are
the first referral's, and every case of it lists every letter with its outcome (`shown`). A letter
to a department that returned the clue already must state why (`again_reason`); docs/referrals.md
says why a new case rather than a loop back to the letter step.

The justice bureau's supervision (执法监督, role `supervisor`) refers a clue, or a case it audits,
by `refer_by_supervision`: no referral case (the supervision is no department with officers and a
head), the letter sent at once in the supervising unit's name, the receipt opened exactly as above;
its answer recorded on the row; its period watched by the worker on the row's due time
(services/oversight/alerts.py: REFERRAL_FEEDBACK_OVERDUE on the receipt).

Every step is one transaction over the cases it changes, each traced on its own chain.
"""
from dataclasses import dataclass, replace
from datetime import date, datetime

from ...engine.specs import CROSS_DEPARTMENT_STEPS
from ...extensions import db
from ...models import Case, CaseLink, Evidence, OrgUnit, Procedure, ProcedureVersion, Referral, Task, User
from ...models.types import utcnow
from ...oversight.calendar import LOCAL_TZ, add_calendar_days, end_of_day
from ...wall_clock import local_today
from ..audit import trail as audit
from ..errors import Conflict, Forbidden, Invalid, tr
from ..oversight import alerts
from ..people.access import require_role, scope_filter
from ..procedures.versions import procedure_info
from ..transactions import one_transaction
from . import links as case_links
from . import messages as case_messages
from . import record as case_record

LETTER, SEND, FEEDBACK, ANSWER = CROSS_DEPARTMENT_STEPS
REFERRAL_PROCESS = "referral"  # the referring department's procedure (bpmn/referral)
RECEIPT_PROCESS = "referral_receipt"  # the receiving department's procedure (bpmn/referral_receipt)
FILING_PROCESS = "general_penalty"  # the case an accepted referral is filed as
LETTER_FORM = "referral_letter"
OUTCOMES = {"accept": "accepted", "return": "returned"}
AGAIN = "referred_again"  # the link from a returned referral case to the one that refers its clue again
MAX_CHAIN = 50  # letters of one clue followed (a bound on the walk; nobody refers a clue 50 times)


def part_of(info, task: Task) -> str | None:
    """The part a step plays in a referral (its BPMN `crossDepartment`), None for any other step."""
    return (info.task_specs.get(task.bpmn_id) or {}).get("cross_department")


def opened_by_hand(version: ProcedureVersion) -> bool:
    """Whether a case of the version may be opened by hand: not a receipt, which a sending opens."""
    return not any(meta.get("cross_department") == ANSWER for meta in procedure_info(version).task_specs.values())


def check_opened_by_hand(version: ProcedureVersion) -> None:
    """A receipt is opened by a sending, never by hand (it would answer no referral)."""
    if not opened_by_hand(version):
        raise Invalid({"process_id": [tr("this procedure is opened only by another department's referral")]})


def prepare(user: User, task: Task, case: Case, info, data: dict):
    """Before the step's engine step: the checks of a referral's step and the other case's engine
    steps; returns what to write in the step's transaction (None: nothing beyond this case)."""
    part = part_of(info, task)
    if part is None:
        return None
    if part == LETTER:
        _check_letter(case, data, info, task.bpmn_id)
        return None
    if part == SEND:
        return _prepare_send(user, case) if data.get("approval_decision") == "approve" else None
    if part == FEEDBACK:  # a version before 0033, whose wait was a user task
        raise Forbidden(tr("the feedback is recorded by the receiving department's answer, not by hand"),
                        code="answered_by_receiving_department")
    return _prepare_answer(user, task, case, data)


# -- the letter ------------------------------------------------------------------------------------
def _receiving_department(case: Case, code, field_name: str = "receiving_department") -> OrgUnit:
    unit = db.session.execute(db.select(OrgUnit).where(OrgUnit.code == code)).scalar_one_or_none() \
        if isinstance(code, str) and code else None
    if unit is None or unit.kind != "department":
        raise Invalid({field_name: [tr("no department with code %(code)s", code=repr(str(code)[:64]))]})
    if unit.id == case.department_id:
        raise Invalid({field_name: [tr("a clue is referred to another department, not to this one")]})
    return unit


def origin_of(case: Case) -> Case | None:
    """The case a referral was opened from (its link of kind `referred`), if any; for a referral
    referred again, the first referral's."""
    first = chain(case)[0]
    return db.session.execute(db.select(Case).join(CaseLink, CaseLink.from_case_id == Case.id).where(
        CaseLink.to_case_id == first.id, CaseLink.kind == "referred").order_by(CaseLink.id).limit(1)).scalar()


def _linked(case_id: int, *, back: bool) -> Case | None:
    """The referral case before (`back`) or after this one in its chain (link `referred_again`)."""
    mine, other = (CaseLink.to_case_id, CaseLink.from_case_id) if back else (CaseLink.from_case_id, CaseLink.to_case_id)
    return db.session.execute(db.select(Case).join(CaseLink, other == Case.id).where(
        mine == case_id, CaseLink.kind == AGAIN).order_by(CaseLink.id).limit(1)).scalar()


def chain(case: Case) -> list[Case]:
    """The referral cases of one clue, first letter first: the case itself when it was never
    returned and referred again."""
    first, seen = case, 0
    while seen < MAX_CHAIN and (before := _linked(first.id, back=True)) is not None:
        first, seen = before, seen + 1
    found = [first]
    while len(found) < MAX_CHAIN and (after := _linked(found[-1].id, back=False)) is not None:
        found.append(after)
    return found


def check_refer_again(returned: Case, process_id: str, department: OrgUnit) -> None:
    """Opening a referral case from a returned one (link `referred_again`): the new case is a
    referral of the same department, and the one it follows was returned by the receiving
    department and not referred again already (422 naming the field; 409 for a second time)."""
    if process_id != REFERRAL_PROCESS:
        raise Invalid({"linked_from.kind": [tr("a clue is referred again by a new referral case (procedure %(process)s)",
                                               process=REFERRAL_PROCESS)]})
    row = db.session.execute(db.select(Referral).where(Referral.referral_case_id == returned.id)).scalar()
    if row is None or row.outcome != "returned":
        raise Invalid({"linked_from.case_id": [tr("is no referral returned by the receiving department: only a "
                                                  "returned referral is referred again")]})
    if returned.department_id != department.id:
        raise Invalid({"department": [tr("a clue is referred again by the department that referred it (%(department)s)",
                                         department=returned.department.name)]})
    later = _linked(returned.id, back=False)
    if later is not None:
        raise Conflict(tr("this referral was referred again already, by %(number)s", number=later.number),
                       code="already_referred_again")


def returned_by(case: Case) -> dict[int, Referral]:
    """department id -> the referral of this clue it returned, over the earlier letters of the chain."""
    ids = [c.id for c in chain(case) if c.id != case.id]
    rows = db.session.execute(db.select(Referral).where(Referral.referral_case_id.in_(ids),
                                                        Referral.outcome == "returned").order_by(Referral.id)
                              ).scalars() if ids else []
    return {row.to_department_id: row for row in rows}


def _enclosed(case: Case, ids) -> list[Evidence]:
    """The evidence the letter encloses: items of the origin case's list or of the referral's own,
    not withdrawn (422 naming the field otherwise)."""
    ids = [i for i in ids or [] if isinstance(i, int) and not isinstance(i, bool)]
    if not ids:
        return []
    cases = list(_enclosing_cases(case))
    found = {item.id: item for item in db.session.execute(db.select(Evidence).where(
        Evidence.case_id.in_(cases), Evidence.id.in_(ids))).scalars()}
    errors = []
    for i in ids:
        if i not in found:
            errors.append(tr("%(id)s is not an item of the evidence list of the origin case or of this case", id=i))
        elif found[i].withdrawal is not None:
            errors.append(tr("item %(id)s was withdrawn from the evidence list", id=i))
    if errors:
        raise Invalid({"origin_evidence": errors})
    return [found[i] for i in ids]


def _enclosing_cases(case: Case) -> dict[int, str]:
    """case id -> number of the cases whose evidence a letter may enclose: the referral's own, the
    earlier letters' of its chain and the origin case's."""
    origin = origin_of(case)
    return {**{c.id: c.number for c in chain(case)}, **({origin.id: origin.number} if origin is not None else {})}


def _check_letter(case: Case, data: dict, info, letter_id: str) -> None:
    unit = _receiving_department(case, data.get("receiving_department"))
    earlier = returned_by(case).get(unit.id)
    if earlier is not None and not (data.get("again_reason") or "").strip():
        raise Invalid({"receiving_department": [tr(
            "%(department)s returned this clue already (%(reasons)s): refer it to another department, or state why "
            "it is referred to it again", department=unit.name, reasons=earlier.reasons or "-")],
            "again_reason": [tr("is required to refer the clue again to a department that returned it")]})
    _enclosed(case, data.get("origin_evidence"))
    data["receiving_department_name"] = unit.name  # the letter's address line, as the org tree names it
    # the instant the feedback is due, the time of the wait's timer (bpmn/referral: feedback_due)
    data["feedback_due_at"] = feedback_due_at(info, {letter_id: data}, data.get("feedback_due_on")).isoformat()


def _watch(info) -> tuple[str, dict] | None:
    """The element watching the period of the wait for the answer: the one declaring a `deadline`
    and an `overdueAlert` (the wait's boundary timer; in versions before 0033 the wait's user task)."""
    return next(((bpmn_id, meta) for bpmn_id, meta in info.task_specs.items()
                 if meta.get("overdue_alert") and meta.get("deadline")), None)


def feedback_due_at(info, forms: dict, due_on) -> datetime:
    """When the feedback is due: the period the watch of the wait declares (`0 days from
    referral_letter.feedback_due_on`: the letter's last day, carried to the next working day, to its
    end in Beijing), from `forms` (bpmn id -> form data); the letter's day by the same count where
    the procedure declares no watch."""
    watch = _watch(info)
    due = alerts.period_due(watch[1]["deadline"], forms.get) if watch is not None else None
    return due or add_calendar_days(end_of_day(date.fromisoformat(due_on)), 0).at


# -- sending -----------------------------------------------------------------------------------------
@dataclass
class _Sending:
    """A letter on its way: the receipt's engine step taken (`opening`), its rows still to write.
    `case`: the referring department's referral case, None for the supervision's referral (then
    `sender` is the supervision's unit and `origin` the case it was sent from, if any)."""

    user: User
    case: Case | None
    origin: Case | None
    sender: OrgUnit
    letter: dict
    to: OrgUnit
    due_on: date
    due_at: datetime
    enclosed: list[Evidence]
    opening: object
    referral: Referral | None = None  # the row, once written

    def write(self, now: datetime) -> None:
        case, letter, origin = self.case, self.letter, self.origin
        by_supervision = case is None
        copy = {key: letter.get(key) for key in ("clue", "reasons", "again_reason", "materials", "contact", "referred_on",
                                                  "feedback_due_on") if letter.get(key) not in (None, "")}
        copy["feedback_due_at"] = self.due_at.isoformat()
        copy.update({**({"referral_number": case.number} if case is not None else {}),
                     "from_department": self.sender.name,
                     **({"by_supervision": True, "supervisor": self.user.full_name} if by_supervision else {}),
                     "party": {"name": self.opening.case.party_name, "kind": self.opening.case.party_kind},
                     **({"origin_number": origin.number} if origin is not None else {}),
                     "enclosed": [{"title": e.title, "kind": e.kind} for e in self.enclosed]})
        traced = {"number": case.number} if case is not None else {"by_supervision": True}
        with self.opening.write(now, {"referral": {**traced, "from": self.sender.code}}) as receipt:
            referral = Referral(referral_case_id=case.id if case is not None else None, receipt_case_id=receipt.id,
                                origin_case_id=origin.id if by_supervision and origin is not None else None,
                                from_department_id=self.sender.id, to_department_id=self.to.id, letter=copy,
                                due_on=self.due_on, due_at=self.due_at, sent_by_id=self.user.id, sent_at=now)
            db.session.add(referral)
            # the answer is due when the referring case's feedback is (the letter's date, carried to the
            # next working day as every period: oversight/calendar.py), in the receiving officers' inbox
            for task in receipt.open_tasks:
                task.due_at = self.due_at
            receipt.next_due_at = self.due_at if receipt.open_tasks else None
            if case is not None:
                case_links.add(self.user, case, receipt, "referral_receipt", None, now)
            db.session.flush()
            # on the referral case's chain; the supervision's on the case it audits, else the system's
            audit.record("referral.sent", actor=self.user, case_id=case.id if case is not None else
                         (origin.id if origin is not None else None), at=now, data={
                             "referral": referral.id, "to": self.to.code, "receipt": receipt.number,
                             "due_on": self.due_on.isoformat(), "enclosed": [e.id for e in self.enclosed],
                             **({"by_supervision": True, "from": self.sender.code} if by_supervision else {})})
            audit.record("referral.received", actor=self.user, case_id=receipt.id, at=now, data={
                "referral": referral.id, "from": self.sender.code, "letter": copy})
            for item in self.enclosed:
                _copy_evidence(self.user, item, receipt, case or origin, now)
        self.referral = referral


def _prepare_send(user: User, case: Case) -> _Sending:
    if db.session.execute(db.select(Referral.id).where(Referral.referral_case_id == case.id)).first() is not None:
        raise Conflict(tr("this referral was sent already"), code="already_sent")
    letter = case_record.latest_forms(case).get(LETTER_FORM) or {}
    to = _receiving_department(case, letter.get("receiving_department"), LETTER_FORM + ".receiving_department")
    enclosed = _enclosed(case, letter.get("origin_evidence"))
    due_at = datetime.fromisoformat(letter["feedback_due_at"]) if letter.get("feedback_due_at") else \
        feedback_due_at(procedure_info(case.procedure_version), {}, letter["feedback_due_on"])
    # the register's party: the same party, by its number
    return _sending(user, case, origin_of(case), case.department, letter, to, due_at, enclosed, case.title,
                    {"name": case.party_name, "kind": case.party_kind}, case.party)


def _sending(user: User, case: Case | None, origin: Case | None, sender: OrgUnit, letter: dict, to: OrgUnit,
             due_at: datetime, enclosed: list[Evidence], title: str, party: dict, named) -> _Sending:
    """The receipt's engine step, taken before the transaction (services/cases/lifecycle.prepare_opening)."""
    from .lifecycle import prepare_opening

    opening = prepare_opening(user, RECEIPT_PROCESS, to, title, party,
                              {"referred_from": sender.code, "feedback_due_on": letter["feedback_due_on"]}, named=named)
    return _Sending(user, case, origin, sender, letter, to, date.fromisoformat(letter["feedback_due_on"]), due_at,
                    enclosed, opening)


def _copy_evidence(user: User, item: Evidence, receipt: Case, referral_case: Case, now: datetime) -> None:
    """An enclosed item, kept on the receipt's evidence list (the same stored bytes, once by hash):
    the receiving department reads the copy, never the origin case's list. `referral_case`: the
    referral case, or the case the supervision referred."""
    copy = Evidence(case_id=receipt.id, task_id=None, bpmn_id=None, sha256=item.sha256, size=item.size,
                    content_type=item.content_type, filename=item.filename, title=item.title, kind=item.kind,
                    source=item.source, proves=item.proves, collected_on=item.collected_on,
                    collected_by_id=user.id, stored_at=now)
    db.session.add(copy)
    db.session.flush()
    audit.record("evidence.stored", actor=user, case_id=receipt.id, at=now, data={
        "id": copy.id, "sha256": copy.sha256, "size": copy.size, "content_type": copy.content_type,
        "filename": copy.filename, "title": copy.title, "kind": copy.kind, "source": copy.source,
        "proves": copy.proves, "collected_on": copy.collected_on.isoformat() if copy.collected_on else None,
        "referred_with": referral_case.number})


# -- answering ---------------------------------------------------------------------------------------
@dataclass
class _Answer:
    user: User
    task: Task  # the receipt's answer step being completed
    receipt: Case
    referral: Referral
    data: dict
    feedback: object  # _FeedbackMessage or _FeedbackTask: the referring case's step; None: no referring case
    filing: object = None

    def write(self, now: datetime) -> None:
        referral = self.referral
        accepted = None
        if self.filing is not None:
            with self.filing.write(now, {"linked_from": {"id": self.receipt.id, "number": self.receipt.number,
                                                         "kind": "referral"}}) as accepted:
                case_links.add(self.user, self.receipt, accepted, "referral", self.data.get("reasons") or None, now)
        answered_on = date.fromisoformat(self.data["answered_on"])
        if self.feedback is not None:
            self.feedback.write(now, accepted, answered_on)
        else:  # the supervision's referral: its period is watched on the receipt
            alerts.after_late_supervision_answer(self.receipt, self.task, referral, answered_on, now)
        referral.outcome = OUTCOMES[self.data["answer"]]
        referral.reasons = (self.data.get("reasons") or "").strip() or None
        referral.answered_on = answered_on
        referral.answered_by_id = self.user.id
        referral.answered_at = now
        referral.accepted_case_id = accepted.id if accepted is not None else None
        db.session.flush()
        audit.record("referral.answered", actor=self.user, case_id=self.receipt.id, at=now, data={
            "referral": referral.id, "outcome": referral.outcome, "to": referral.from_department.code,
            "referral_number": referral.referral_case.number if referral.referral_case is not None else None,
            **({"accepted_case": accepted.number} if accepted is not None else {})})


@dataclass
class _FeedbackMessage:
    """The answer delivered to the referring case's wait (its receive task's message, bpmn/referral):
    the delivery of services/cases/messages.py, inside the answer's transaction."""

    delivery: object

    def write(self, now: datetime, accepted: Case | None, answered_on: date) -> None:
        # answered after the due time before the worker fired the wait's timer: the engine fires it
        # in this step first, and its alert is raised here (services/oversight/alerts.after_milestones)
        with self.delivery.write(now, commit=False,
                                 traced={"accepted_case_number": accepted.number} if accepted is not None else None):
            pass


@dataclass
class _FeedbackTask:
    """The answer completing the referring case's feedback step, in a version before 0033 where
    the wait was a user task (a case stays on the version it began on)."""

    user: User
    task: Task
    state: object
    step: object
    path: object
    data: dict
    siblings: list

    def write(self, now: datetime, accepted: Case | None, answered_on: date) -> None:
        referring, task = self.task.case, self.task
        data = {**self.data, **({"accepted_case_number": accepted.number} if accepted is not None else {})}
        task.state, task.completed_at, task.completed_by_id, task.data = "completed", now, self.user.id, data
        referring.open_tasks = self.siblings
        info = procedure_info(referring.procedure_version)
        with self.path.write(referring, self.state, self.step, now, completed=task, commit=False):
            audit.record("task.completed", actor=self.user, case_id=referring.id, task_id=task.id,
                         bpmn_id=task.bpmn_id, at=now,
                         data={"task": task.name, "form": data, "changes": self.step.changes})
            alerts.after_late_act(referring, task, data, answered_on, now, info)


def _prepare_answer(user: User, task: Task, receipt: Case, data: dict) -> _Answer:
    from .lifecycle import prepare_opening

    referral = db.session.execute(db.select(Referral).where(Referral.receipt_case_id == receipt.id)).scalar()
    if referral is None:
        raise Invalid({"answer": [tr("this case was not opened by a referral: there is no one to answer")]})
    if referral.outcome is not None:
        raise Conflict(tr("this referral was answered already"), code="already_answered")
    errors = {}
    reasons = (data.get("reasons") or "").strip()
    if data.get("answer") == "return" and not reasons:
        errors["reasons"] = [tr("is required: a returned clue states the reasons")]
    answered_on = date.fromisoformat(data["answered_on"])
    sent_on = referral.sent_at.astimezone(LOCAL_TZ).date()
    if answered_on < sent_on:
        errors["answered_on"] = [tr("is before the referral was sent (%(day)s)", day=sent_on.isoformat())]
    if errors:
        raise Invalid(errors)
    data["referring_department_name"] = sender_name(referral)  # the return letter's address line
    feedback_data = {"feedback_outcome": OUTCOMES[data["answer"]], "answered_on": data["answered_on"],
                     "receiving_department_name": receipt.department.name, "receipt_number": receipt.number,
                     **({"reasons": reasons} if reasons else {})}
    referring = referral.referral_case
    feedback = _prepare_feedback(user, referring, feedback_data) if referring is not None else None
    filing = None
    if data["answer"] == "accept":
        title = (data.get("case_title") or "").strip() or receipt.title
        filing = prepare_opening(user, FILING_PROCESS, receipt.department, title,
                                 {"name": receipt.party_name, "kind": receipt.party_kind}, named=receipt.party)
    return _Answer(user, task, receipt, referral, data, feedback, filing)


def _prepare_feedback(user: User, referring: Case, feedback_data: dict):
    """The referring case's engine step the answer takes, before the transaction: the message its
    wait catches (its `crossDepartment` referral_feedback element), or in a version before 0033 the
    completion of its feedback step."""
    from .lifecycle import _task_for_completion
    from .step_path import StepPath

    info = procedure_info(referring.procedure_version)
    not_waiting = Conflict(tr("the referring case %(number)s no longer waits for an answer", number=referring.number),
                           code="not_waiting")
    wait = next((meta for meta in info.task_specs.values() if meta.get("cross_department") == FEEDBACK), {})
    if wait.get("message"):
        try:
            return _FeedbackMessage(case_messages.prepare(user, referring, wait["message"], feedback_data,
                                                          info.forms.get(wait.get("form_key") or "")))
        except Conflict:
            raise not_waiting from None
    waiting = db.session.execute(db.select(Task.id).where(Task.case_id == referring.id, Task.state == "ready")
                                 .order_by(Task.id)).scalars().all()
    feedback_id = next((i for i in waiting if part_of(info, db.session.get(Task, i)) == FEEDBACK), None)
    if feedback_id is None:
        raise not_waiting
    feedback, state, siblings = _task_for_completion(feedback_id)
    path = StepPath(user, failed="task.failed", case_id=referring.id, task_id=feedback.id, bpmn_id=feedback.bpmn_id)
    step = path.engine("complete", {"state": state.state, "engine_task_id": feedback.engine_task_id,
                                    "data": feedback_data}, referring.procedure_version)
    return _FeedbackTask(user, feedback, state, step, path, feedback_data, siblings)


def sender_name(referral: Referral) -> str:
    """Who sent the referral, as its letter names the sender: the referring department, or the
    supervision that sent it (its letter's `from_department`)."""
    return (referral.letter or {}).get("from_department") or referral.from_department.name


# -- referred by the supervision ---------------------------------------------------------------------
SUPERVISION_ROLE = "supervisor"


def refer_by_supervision(user: User, letter, *, case_id: int | None = None, title=None, party=None) -> Referral:
    """执法监督移送: the justice bureau's supervision refers a clue, or the case it audits
    (`case_id`), to the department with jurisdiction. The letter is the referral letter's form
    (forms/referral/referral_letter), sent at once: a supervisor signs for the supervision, which
    has no referral case, head or approval step of its own in a department. The receiving
    department gets its receipt exactly as from a department's referral (its answer due on the
    letter's date, the copy, the enclosed evidence of the audited case); the letter names the
    supervising unit as its sender (`supervising_unit`). Traced with the supervisor as actor:
    `referral.sent` on the audited case's chain (the system's for a bare clue), `case.opened` and
    `referral.received` on the receipt's. The answer is recorded on the referral row; late, it
    raises REFERRAL_FEEDBACK_OVERDUE on the receipt (the worker's scan, or the answer's step)."""
    from ..people.access import visible_case
    from ..people.parties import party_for_opening
    from ..procedures.forms import validate_form
    from ..procedures.versions import latest_version

    require_role(user, SUPERVISION_ROLE, tr("referring a clue as the supervision"))
    origin = visible_case(user, case_id) if case_id is not None else None
    if origin is not None and _takes_part(origin):
        raise Invalid({"case_id": [tr("is a referral or its receipt: refer the clue of the case it came from")]})
    version = latest_version(REFERRAL_PROCESS)
    info = procedure_info(version)
    try:
        letter = validate_form(info.forms.get(LETTER_FORM), letter, info.validators.get(LETTER_FORM))
    except Invalid as err:
        raise Invalid({("letter." + k if k != "data" else "letter"): v for k, v in err.errors.items()}) from None
    errors: dict[str, list] = {}
    title = title.strip() if isinstance(title, str) else None
    if origin is None and not title:
        errors["title"] = [tr("is required for a clue that is not a case (1 to %(max)d characters)", max=300)]
    elif title is not None and not 0 < len(title) <= 300:
        errors["title"] = [tr("is required for a clue that is not a case (1 to %(max)d characters)", max=300)]
    today = local_today()
    referred_on, due_on = date.fromisoformat(letter["referred_on"]), date.fromisoformat(letter["feedback_due_on"])
    if referred_on > today:
        errors["letter.referred_on"] = [tr("cannot be in the future")]
    if due_on < max(referred_on, today):
        errors["letter.feedback_due_on"] = [tr("must be a date to come, not before the date of the referral")]
    if errors:
        raise Invalid(errors)
    to = _department_for_supervision(user, origin, letter.get("receiving_department"))
    enclosed = _enclosed_of(origin, letter.get("origin_evidence"), "letter.origin_evidence")
    if origin is not None:
        named, shown_party = origin.party, {"name": origin.party_name, "kind": origin.party_kind}
    else:
        if not isinstance(party, dict) or party.get("id_number") is not None:
            raise Invalid({"party": [tr("give the party as one of the register ({id}) or by name and kind; the "
                                        "receiving department identifies it")]})
        named, shown_party, _ = party_for_opening(user, party)
    sender = supervising_unit(user)
    letter["receiving_department_name"] = to.name
    letter_id = next((i for i, meta in info.task_specs.items() if meta.get("cross_department") == LETTER), LETTER_FORM)
    due_at = feedback_due_at(info, {letter_id: letter}, letter["feedback_due_on"])
    sending = _sending(user, None, origin, sender, letter, to, due_at, enclosed, title or origin.title, shown_party,
                       named)
    with one_transaction(tr("the case was changed by another request; reload it and try again")):
        sending.write(utcnow())
    return sending.referral


def supervising_unit(user: User) -> OrgUnit:
    """Who sends the supervision's referral: the justice bureau of the supervisor's level (行政执法
    监督条例, 国务院令第825号: the justice administration department of the government at or above
    county level does the supervision work), i.e. the unit of kind `bureau` directly under the
    supervisor's district, city or province; the supervisor's own unit where it is one, or where the
    tree names none."""
    unit = user.org_unit
    if unit.kind == "bureau":
        return unit
    level, seen = unit, 0
    while level is not None and level.kind not in ("district", "city", "province") and seen < 20:
        level, seen = level.parent, seen + 1
    if level is None:
        return unit
    bureau = db.session.execute(db.select(OrgUnit).where(OrgUnit.parent_id == level.id, OrgUnit.kind == "bureau")
                                .order_by(OrgUnit.id).limit(1)).scalar()
    return bureau or unit


def _department_for_supervision(user: User, origin: Case | None, code) -> OrgUnit:
    from ..people.access import in_scope

    field_name = "letter.receiving_department"
    unit = db.session.execute(db.select(OrgUnit).where(OrgUnit.code == code)).scalar_one_or_none() \
        if isinstance(code, str) and code else None
    if unit is None or unit.kind != "department" or not in_scope(user, unit):
        raise Invalid({field_name: [tr("no department with code %(code)s", code=repr(str(code)[:64]))]})
    if origin is not None and unit.id == origin.department_id:
        raise Invalid({field_name: [tr("is the case's own department: a supervision notice, not a referral, asks it "
                                       "to act")]})
    return unit


def _enclosed_of(origin: Case | None, ids, field_name: str) -> list[Evidence]:
    """The audited case's evidence a supervision's letter encloses (not withdrawn)."""
    ids = [i for i in ids or [] if isinstance(i, int) and not isinstance(i, bool)]
    if not ids:
        return []
    found = {item.id: item for item in db.session.execute(db.select(Evidence).where(
        Evidence.case_id == (origin.id if origin is not None else -1), Evidence.id.in_(ids))).scalars()}
    errors = [tr("%(id)s is not an item of the evidence list of the case", id=i) if i not in found
              else tr("item %(id)s was withdrawn from the evidence list", id=i)
              for i in ids if i not in found or found[i].withdrawal is not None]
    if errors:
        raise Invalid({field_name: errors})
    return [found[i] for i in ids]


def _takes_part(case: Case) -> bool:
    """Whether the case is itself a step of a referral (a referral case or a receipt)."""
    return any(meta.get("cross_department") for meta in procedure_info(case.procedure_version).task_specs.values())


def letter_form() -> dict:
    """The referral letter's form (of the referral procedure's latest version): what a supervisor's
    letter records, as a department's does."""
    from ..procedures.versions import latest_version

    return procedure_info(latest_version(REFERRAL_PROCESS)).forms[LETTER_FORM]


def may_refer_as_supervision(user: User, case: Case | None = None) -> bool:
    """Whether the page offers the supervision's referral (of `case`, or of a bare clue): a
    supervisor, the case in scope and no referral step itself, the referral procedure deployed."""
    from ..people.access import in_scope

    if not user.has_role(SUPERVISION_ROLE):
        return False
    if case is not None and (not in_scope(user, case.department) or _takes_part(case)):
        return False
    return db.session.execute(db.select(ProcedureVersion.id).join(ProcedureVersion.procedure)
                              .where(Procedure.process_id == REFERRAL_PROCESS).limit(1)).first() is not None


def supervision_choices(user: User, origin: Case | None) -> dict:
    """The supervision's letter's choices: the departments in the supervisor's scope (not the
    audited case's own), and the audited case's evidence it may enclose."""
    rows = db.session.execute(db.select(OrgUnit.code, OrgUnit.name).where(
        OrgUnit.kind == "department", scope_filter(user, OrgUnit.id),
        *([OrgUnit.id != origin.department_id] if origin is not None else [])).order_by(OrgUnit.id)).all()
    items = db.session.execute(db.select(Evidence).where(Evidence.case_id == origin.id).order_by(Evidence.id)
                               ).scalars() if origin is not None else []
    return {"x-department": [(code, name) for code, name in rows],
            "x-origin-evidence": [(str(item.id), f"{item.title}（{origin.number}）") for item in items
                                  if item.withdrawal is None]}


def as_supervision_sees(user: User, referral: Referral) -> "Shown":
    """One referral the supervision sent, as it sees it (side `supervision`)."""
    return _shown_rows(user, [referral], lambda r: "supervision")[0]


def sent_by_supervision(user: User, limit: int = 200) -> list["Shown"]:
    """The referrals the supervision sent to departments in the user's scope, newest first, as the
    supervision sees them (side `supervision`)."""
    require_role(user, SUPERVISION_ROLE, tr("reading the supervision's referrals"), "admin")
    rows = db.session.execute(db.select(Referral).where(
        Referral.referral_case_id.is_(None), scope_filter(user, Referral.to_department_id))
        .order_by(Referral.sent_at.desc(), Referral.id.desc()).limit(limit)).scalars().all()
    return _shown_rows(user, rows, lambda r: "supervision")


# -- reading -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Shown:
    """A referral as a reader of one of its cases sees it. `side`: `referring` (the referral case's
    page), `receiving` (the receipt's), `origin` (the case it was opened from, or the case the
    supervision referred), `supervision` (the supervision's list of what it sent). A case of the
    other side is named by its number only (its id where the reader may read it). `by_supervision`:
    sent by the justice bureau's supervision (no referral case: `referral_number` is None)."""

    side: str
    from_department: str
    to_department: str
    referral_number: str | None
    referral_case_id: int | None
    receipt_number: str
    receipt_case_id: int | None
    letter: dict
    due_on: date
    sent_at: datetime
    outcome: str | None
    reasons: str | None
    answered_on: date | None
    accepted_number: str | None
    accepted_case_id: int | None
    by_supervision: bool = False
    due_at: datetime | None = None
    sent_by: str | None = None
    origin_number: str | None = None
    origin_case_id: int | None = None
    sequence: int | None = None  # its place among the letters of one clue (第N次移送); None: the only one

    def as_json(self) -> dict:
        return {"side": self.side, "from_department": self.from_department, "to_department": self.to_department,
                "by_supervision": self.by_supervision, "sent_by": self.sent_by,
                "referral_case": ({"number": self.referral_number, "id": self.referral_case_id}
                                  if self.referral_number else None),
                "receipt_case": {"number": self.receipt_number, "id": self.receipt_case_id},
                "origin_case": ({"number": self.origin_number, "id": self.origin_case_id}
                                if self.origin_number else None),
                "letter": self.letter, "due_on": self.due_on, "due_at": self.due_at, "sent_at": self.sent_at,
                "outcome": self.outcome, "reasons": self.reasons,
                "answered_on": self.answered_on,
                "accepted_case": ({"number": self.accepted_number, "id": self.accepted_case_id}
                                  if self.accepted_number else None),
                "sequence": self.sequence}

    @property
    def overdue(self) -> bool:
        """Unanswered past its due time (the page's mark; the alert is the oversight's)."""
        return self.outcome is None and self.due_at is not None and self.due_at < utcnow()


def shown(user: User, case: Case) -> list[Shown]:
    """The referrals the case takes part in (as the referral, the receipt, or their origin), as
    `user`, who reads `case`, may see them. A referral case lists every letter of its clue's chain
    (side `chain` for the others, each with its place: 第N次移送), and the origin every letter of
    each clue it referred."""
    referring = [c.id for c in chain(case)] if _is_referral_case(case) else []
    from_case = db.session.execute(db.select(CaseLink.to_case_id).where(
        CaseLink.from_case_id == case.id, CaseLink.kind == "referred")).scalars().all()
    for first in from_case[:MAX_CHAIN]:
        referring += [c.id for c in chain(db.session.get(Case, first))]
    rows = db.session.execute(db.select(Referral).where(db.or_(
        Referral.referral_case_id == case.id, Referral.receipt_case_id == case.id,
        Referral.referral_case_id.in_(referring), Referral.origin_case_id == case.id)).order_by(Referral.id)
    ).scalars().all()
    place = {case_id: n for n, case_id in enumerate(referring, 1)} if len(referring) > 1 else {}
    if from_case:  # the origin's clues: each letter's place in its own chain
        place = {}
        for first in from_case[:MAX_CHAIN]:
            ids = [c.id for c in chain(db.session.get(Case, first))]
            place.update({i: n for n, i in enumerate(ids, 1)} if len(ids) > 1 else {})
    found = _shown_rows(user, rows, lambda r: "referring" if r.referral_case_id == case.id
                        else "receiving" if r.receipt_case_id == case.id
                        else "chain" if r.referral_case_id in referring and not from_case else "origin")
    return [replace(s, sequence=place.get(r.referral_case_id)) for s, r in zip(found, rows, strict=True)]


def _is_referral_case(case: Case) -> bool:
    return any(meta.get("cross_department") == LETTER for meta in procedure_info(case.procedure_version).task_specs.values())


def may_refer_again(user: User, case: Case) -> bool:
    """Whether the case page offers "再次移送": an officer of the department on a referral case the
    receiving department returned, not referred again yet."""
    from ..people.access import in_scope

    if not user.has_role("officer") or not in_scope(user, case.department) or not _is_referral_case(case):
        return False
    row = db.session.execute(db.select(Referral.outcome).where(Referral.referral_case_id == case.id)).scalar()
    return row == "returned" and _linked(case.id, back=False) is None


def _shown_rows(user: User, rows: list[Referral], side_of) -> list[Shown]:
    if not rows:
        return []
    ids = {i for r in rows for i in (r.referral_case_id, r.receipt_case_id, r.accepted_case_id, r.origin_case_id) if i}
    readable = set(db.session.execute(db.select(Case.id).where(Case.id.in_(ids), scope_filter(user))).scalars())

    def seen(case_id):
        return case_id if case_id in readable else None

    out = []
    for r in rows:
        accepted, referring, origin = r.accepted_case, r.referral_case, r.origin_case
        letter = dict(r.letter or {})
        out.append(Shown(side_of(r), sender_name(r), r.to_department.name,
                         referring.number if referring is not None else None, seen(r.referral_case_id),
                         r.receipt_case.number, seen(r.receipt_case_id), letter,
                         r.due_on, r.sent_at, r.outcome, r.reasons, r.answered_on,
                         accepted.number if accepted is not None else None,
                         seen(r.accepted_case_id) if accepted is not None else None,
                         by_supervision=referring is None, due_at=r.due_at or due_of_row(r),
                         sent_by=letter.get("supervisor") if referring is None else None,
                         origin_number=origin.number if origin is not None else None,
                         origin_case_id=seen(r.origin_case_id) if origin is not None else None))
    return out


def due_of_row(referral: Referral) -> datetime:
    """When the answer is due, for a row of 0032 (no `due_at`): its date counted by the law."""
    return add_calendar_days(end_of_day(referral.due_on), 0).at


def may_refer_from(user: User, case: Case) -> bool:
    """Whether the case page offers "移送线索": an officer of the case's department (or above) on a
    case that is no referral itself, with the referral procedure deployed."""
    from ..people.access import in_scope

    if not user.has_role("officer") or not in_scope(user, case.department):
        return False
    if procedure_info(case.procedure_version).task_specs and any(
            meta.get("cross_department") for meta in procedure_info(case.procedure_version).task_specs.values()):
        return False
    return db.session.execute(db.select(ProcedureVersion.id).join(ProcedureVersion.procedure)
                              .where(Procedure.process_id == REFERRAL_PROCESS).limit(1)).first() is not None


def enclosable(case: Case) -> list[tuple[Evidence, str]]:
    """The evidence a referral's letter may enclose: the items (not withdrawn) of the origin case's
    list and of the referral's own, each with its case's number."""
    cases = _enclosing_cases(case)
    items = db.session.execute(db.select(Evidence).where(Evidence.case_id.in_(cases)).order_by(Evidence.id)).scalars()
    return [(item, cases[item.case_id]) for item in items if item.withdrawal is None]


def departments(user: User, case: Case) -> list[tuple[str, str]]:
    """The departments a clue may be referred to from `case` (the letter's choice): every
    department of the org tree but the case's own, by name."""
    rows = db.session.execute(db.select(OrgUnit.code, OrgUnit.name).where(
        OrgUnit.kind == "department", OrgUnit.id != case.department_id).order_by(OrgUnit.id)).all()
    return [(code, name) for code, name in rows]
