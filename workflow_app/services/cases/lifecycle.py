"""Cases: opening one on a procedure and moving it through its steps.

Every state change of a case is one transaction: workflow state, task projection, case fields,
legal review rows and trace events commit together or not at all. Concurrent changes of one case
are serialized by the case's version counter: exactly one wins, the others get Conflict (409).
"""
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case as sql_case
from sqlalchemy.orm import joinedload, selectinload

from ...engine.errors import TaskNotReady
from ...engine.specs import INITIAL_STATUS
from ...extensions import db
from ...models import (
    Alert,
    Case,
    LegalReview,
    OrgUnit,
    ProcedureVersion,
    Task,
    TraceEvent,
    User,
    WorkflowState,
)
from ...models.types import utcnow
from ...oversight import bindings, step_rules
from ...wall_clock import local_today
from .. import paging
from ..audit import trail as audit
from ..errors import Invalid, NotFound, NotReady, StepRefused, refusal_line, tr
from ..evidence import attachments
from ..evidence import items as evidence
from ..oversight import alerts
from ..people import named as people
from ..people import parties
from ..people.access import (
    check_may_act,
    require_role,
    require_task_in_scope,
    scope_filter,
    visible_case,
    visible_task,
)
from ..procedures.forms import validate_form
from ..procedures.versions import latest_version, procedure_info
from ..registers import causes, numbering, penalty_lists, printed_numbers
from . import legal_review, paper_entry, referrals, time_limits
from . import links as case_links
from . import record as case_record
from .step_path import StepPath, act_day, check_read_version, ready_task_rows, refusals_traced

PARTY_KINDS = parties.PARTY_KINDS
# The lists' orders, matched by their indexes: cases newest first; tasks due first (undated last).
CASE_ORDER = [paging.SortKey(Case.created_at, descending=True, kind=datetime),
              paging.SortKey(Case.id, descending=True)]
TASK_ORDER = [paging.SortKey(Task.due_at, nullable=True, kind=datetime), paging.SortKey(Task.id)]
TRACE_ORDER = [paging.SortKey(TraceEvent.seq)]  # one chain: (chain, seq) is unique


# -- opening a case -------------------------------------------------------------------------------
def open_case(user: User, *, process_id: str, title: str, department_code: str, party: dict,
              answered=None, paper: dict | None = None, linked_from: dict | None = None) -> Case:
    """立案前线索登记: an officer opens a case on the latest version of a procedure. `party`: one of
    the register (`id`), a party registered with the case (name, kind, id_number, …), or an
    anonymous tip's party not yet identified (name and kind only; services/people/parties.py). `answered`:
    called with the new case inside its transaction, after its trace (the API keeps its answer to
    an idempotent request there: services/idempotency.py). `paper`: a case begun on paper, entered
    with its real dates ({reason, reference?}, services/cases/paper_entry.py). `linked_from`: the case
    it is opened from ({case_id, kind, reason?}, services/cases/links.py), linked in its opening
    transaction."""
    require_role(user, "officer", tr("opening a case"))
    paper = paper_entry.parse(paper)
    link = case_links.parse(linked_from)
    origin = case_links.origin_for_opening(user, link) if link is not None else None
    named, party, to_register = parties.party_for_opening(user, party)
    department = db.session.execute(
        db.select(OrgUnit).where(OrgUnit.code == department_code)).scalar_one_or_none()
    if department is None:
        raise Invalid({"department": [tr("no department with code %(code)s", code=repr(department_code))]})
    if not user.org_unit.contains(department):
        raise Invalid({"department": [tr("outside your org scope")]})
    version = latest_version(process_id)
    referrals.check_opened_by_hand(version)
    if origin is not None and link["kind"] == referrals.AGAIN:
        referrals.check_refer_again(origin, process_id, department)
    initial = {"party_kind": party["kind"], "party_name": party["name"],
               "department": department.code, "case_title": title}
    path = StepPath(user, failed="case.open_failed", failure_data={
        "procedure": process_id, "version": version.version, "department": department.code})
    step = path.engine("start", {"data": initial}, version)
    now = utcnow()
    case = Case(title=title, procedure_version_id=version.id, department_id=department.id,
                party_name=party["name"], party_kind=party["kind"], status=INITIAL_STATUS, created_by_id=user.id,
                created_at=now, updated_at=now)
    case.party = named
    paper_traced = paper_entry.start(case, paper, now) if paper is not None else None
    issued = []
    registered = False

    def take_number():  # and a new party registered: what is written, where it is written
        nonlocal named, registered
        if to_register is not None:
            named, registered = parties.register_new(user, to_register)
            case.party = named
        issued.append(numbering.case_number(department, now, version.kind))
        case.number = issued[0].number

    with path.write(case, None, step, now, before=take_number):
        if registered:
            audit.record("party.registered", actor=user, data=parties.registered_data(named), at=now)
        audit.record("case.opened", actor=user, case_id=case.id, at=now, data={
            "number": case.number, "title": title, "procedure": process_id, "version": version.version,
            "department": department.code, "party": {"name": party["name"], "kind": party["kind"],
                                                     **({"id": named.id} if named is not None else {})},
            **({"paper_entry": paper_traced} if paper_traced else {}),
            **({"linked_from": {"id": origin.id, "number": origin.number, "kind": link["kind"]}} if origin else {})})
        numbering.keep(issued, case=case, task_id=None, actor=user, now=now)
        if origin is not None:
            case_links.add(user, origin, case, link["kind"], link["reason"], now)
        if answered is not None:
            answered(case)
    return case


@dataclass
class Opening:
    """A case opened inside a transaction already begun, by another case's step (a referral's
    receipt in the receiving department, the case it files: services/cases/referrals.py): its engine
    step taken before the transaction (`prepare_opening`), its rows written by `write`."""

    actor: User
    process_id: str
    version: ProcedureVersion
    case: Case
    path: StepPath
    step: object

    def write(self, now: datetime, traced: dict | None = None):
        """The case's rows, number and `case.opened` (with `traced` beside what every opening
        records), in the caller's transaction; yields the case after its flush (the caller's own
        events and links), the step's events traced when the block ends."""
        return _write_opening(self, now, traced or {})


def prepare_opening(actor: User, process_id: str, department: OrgUnit, title: str, party: dict,
                    data: dict | None = None, named=None) -> Opening:
    """The engine step opening a case of `process_id` in `department` on the actor's behalf, the
    permission being the caller's (a sending the head approved, an answer of the receiving
    officer). `party`: {name, kind} as the case prints it, `named` the register's party if known;
    `data`: more of the process's data."""
    version = latest_version(process_id)
    initial = {"party_kind": party["kind"], "party_name": party["name"], "department": department.code,
               "case_title": title, **(data or {})}
    path = StepPath(actor, failed="case.open_failed", failure_data={
        "procedure": process_id, "version": version.version, "department": department.code})
    step = path.engine("start", {"data": initial}, version)
    case = Case(title=title, procedure_version_id=version.id, department_id=department.id, department=department,
                party_name=party["name"], party_kind=party["kind"], status=INITIAL_STATUS, created_by_id=actor.id)
    case.party = named
    return Opening(actor, process_id, version, case, path, step)


@contextmanager
def _write_opening(opening: Opening, now: datetime, traced: dict):
    case = opening.case
    case.created_at = case.updated_at = now
    issued = []

    def take_number():
        issued.append(numbering.case_number(case.department, now, opening.version.kind))
        case.number = issued[0].number

    with opening.path.write(case, None, opening.step, now, before=take_number, commit=False):
        audit.record("case.opened", actor=opening.actor, case_id=case.id, at=now, data={
            "number": case.number, "title": case.title, "procedure": opening.process_id,
            "version": opening.version.version, "department": case.department.code,
            "party": {"name": case.party_name, "kind": case.party_kind,
                      **({"id": case.party.id} if case.party is not None else {})}, **traced})
        numbering.keep(issued, case=case, task_id=None, actor=opening.actor, now=now)
        yield case


# -- completing a task ----------------------------------------------------------------------------
def complete_task(user: User, task_id: int, data: dict, read_version: int | None = None) -> Case:
    """Complete one READY human task with its form data and advance the case. `read_version`: the
    case's version the client decided on (If-Match, or `version` in the body); a case changed
    since is refused (412), not changed over what the client has not seen."""
    task, state, siblings = _task_for_completion(task_id)
    require_task_in_scope(user, task)
    case = task.case
    check_read_version(case, read_version)
    if task.state != "ready":
        raise NotReady(tr("task %(id)s is %(state)s, not ready", id=task_id, state=task.state))
    check_may_act(user, task, case)
    case.open_tasks = siblings  # the ready rows, read before anything changes
    version = case.procedure_version
    info = procedure_info(version)
    schema = info.forms.get(task.form_key) if task.form_key else None
    numbering.refuse_typed(schema, data)
    data = validate_form(schema, data, info.validators.get(task.form_key) if schema is not None else None)
    data = printed_numbers.read(schema, data)
    printed_numbers.check_free(user, schema, data, case)
    earlier = [s.data for s in case_record.completed_steps(case) if s.form_key == task.form_key]
    numbering.check_can_number(schema, case.department, data, earlier)
    attachments.check_signatures(schema, data, case)
    evidence.check_cited(schema, data, case)
    causes.check_chosen_cause(schema, data, case, info.forms)
    on = act_day(info.rules, task.form_key, data)
    penalty_lists.check_finding(schema, data, case, info.forms, on)  # judged on the day of the assessment
    identified = parties.party_from_form(user, case, schema, data)
    with refusals_traced(user, case.id, bpmn_id=task.bpmn_id, task_id=task.id):
        people.check_named_people(schema, data, case, on)
        people.check_acting_officer(user, task, case, on)
        if legal_review.is_legal_review(info, task):
            legal_review.check_reviewer(user, case, local_today())
        check_step_rules(task, data, user)
        time_limits.check_completion(task, data, case, info.task_specs, siblings)
    # a step reaching another department's case (线索移送): checked, and its engine steps taken, first
    delivery = referrals.prepare(user, task, case, info, data)

    path = StepPath(user, failed="task.failed", case_id=case.id, task_id=task.id, bpmn_id=task.bpmn_id)
    try:
        step = path.engine("complete", {"state": state.state, "engine_task_id": task.engine_task_id,
                                        "data": data}, version)
    except TaskNotReady:
        # The projection said ready but the stored state says done: another request completed
        # the task between our reads. A lost race, not a failure: nothing to trace.
        raise NotReady(tr("task %(id)s was completed by another request; reload the case", id=task_id)) from None
    now = utcnow()
    task.state = "completed"
    task.completed_at = now
    task.completed_by_id = user.id
    task.data = data
    parties.name_from_form(user, identified, case, now)
    case.reviews = case_record.legal_reviews(case)  # for the response
    issued = []

    def take_numbers():  # the document numbers the step prints, issued inside its transaction
        task.data, numbers = numbering.issue_for_form(schema, data, case.department, now, earlier)
        issued.extend(numbers)

    with path.write(case, state, step, now, completed=task, before=take_numbers):
        data = task.data
        # a pre-printed form's number, after the flush: a lost race on the case fails first
        printed_numbers.record(user, schema, data, case, task_id=task.id, now=now)
        numbering.keep(issued, case=case, task_id=task.id, actor=user, now=now)  # traced before the step
        audit.record("task.completed", actor=user, case_id=case.id, task_id=task.id,
                     bpmn_id=task.bpmn_id, at=now,
                     data={"task": task.name, "form": data, "changes": step.changes})
        parties.trace_form_identification(identified, case, user, now)
        if legal_review.is_legal_review(info, task):
            case.reviews.append(legal_review.record(case, task, user, data, now))
            case_record.forget(case)
            alerts.after_review(case, task, case.reviews, now)
        alerts.after_step(case, task, data, now, user, info)
        alerts.after_late_act(case, task, data, on, now, info, bindings.act_instant(info.rules, task.form_key, data))
        if delivery is not None:
            delivery.write(now)
    return case


def check_step_rules(task: Task, data: dict, user: User) -> None:
    """The law's rule kinds (oversight/step_rules/) bound by the case's procedure package over the
    case's record: the first rule broken refuses the step; every breach found is listed in `errors`."""
    check_form_rules(task.form_key, task.case, data, user)


def check_form_rules(form_key: str | None, case: Case, data: dict, user: User | None,
                     effects: tuple[str, ...] = (bindings.REFUSE, bindings.BEFORE_FORM)) -> None:
    """The bindings of the case's version (its package's rules.json) of those `effects` that
    govern `form_key`; a version without bindings is governed by no rule. The record of earlier
    steps is read only when a rule asks for it. With only BEFORE_FORM and no data: whether an
    ad-hoc step of that form may start now, whatever its form will say."""
    info = procedure_info(case.procedure_version)
    governing = bindings.governing(info.bindings, form_key, *effects)
    if governing:
        raise_refusals(step_rules.check(governing, case_record.rule_record(form_key, case, data, user, info.forms),
                                      effects))


def raise_refusals(refusals: list[step_rules.Refusal]) -> None:
    """StepRefused with every breach found, led by the first rule broken; nothing if none."""
    if not refusals:
        return
    first = refusals[0]
    errors: dict[str, list[str]] = {}
    for refusal in refusals:
        for breach in refusal.breaches:
            for ref in breach.fields:
                errors.setdefault(ref, []).append(refusal_line(refusal.kind.code, breach.message_en, breach.message))
    raise StepRefused(errors, first.breaches[0].message, code=first.kind.code, article=first.kind.article,
                      message_en=first.breaches[0].message_en,
                      details={"rules": [{"code": r.kind.code, "article": r.kind.article} for r in refusals]})


def _task_for_completion_query():
    """The one query of _task_for_completion, built once: building a statement and its cache key
    is as much CPU as running it (the task's id is its one parameter)."""
    task_id = db.bindparam("task_id")
    case_of_task = db.select(Task.case_id).where(Task.id == task_id).scalar_subquery()
    on_the_task = Task.id == task_id
    # whether the case has step alerts a correcting step would resolve (services/oversight/alerts.py
    # `_resolve_corrected`), on the task's row only: the lawful step then reads no alerts at all
    step_alerts = sql_case((on_the_task, db.exists().where(
        Alert.case_id == Task.case_id, Alert.raised_by == alerts.STEP_RULES,
        Alert.status.in_(alerts.CORRECTABLE))), else_=False).label("step_alerts")
    return (db.select(Task, Case, WorkflowState, LegalReview, step_alerts)
            .outerjoin(Case, db.and_(Case.id == Task.case_id, on_the_task))
            .outerjoin(WorkflowState, db.and_(WorkflowState.case_id == Task.case_id, on_the_task))
            .outerjoin(LegalReview, LegalReview.task_id == Task.id)
            .options(joinedload(Case.created_by))
            .where(db.or_(on_the_task, db.and_(Task.case_id == case_of_task, Task.state.in_(("ready", "completed")))))
            .order_by(Task.id))


_TASK_FOR_COMPLETION = _task_for_completion_query()


def _task_for_completion(task_id: int) -> tuple[Task, WorkflowState, list[Task]]:
    """The task, its case (with creator), the case's workflow state, its ready tasks and its
    record (the completed tasks with their legal reviews, services/cases/record.py), in one query.
    The case and the state (tens of KB) come on the task's own row only, not on every row (the
    other rows find their case in the session)."""
    rows = db.session.execute(_TASK_FOR_COMPLETION, {"task_id": task_id}).all()
    found = next(((t, state, flag) for t, _, state, _, flag in rows if t.id == task_id), None)
    if found is None:
        raise NotFound(tr("task %(id)s not found", id=task_id))
    task, state, step_alerts = found
    if task.state == "ready":
        case_record.remember(task.case, [(t, review) for t, _, _, review, _ in rows if t.state == "completed"])
        task.case.step_alerts_active = bool(step_alerts)
    return task, state, [t for t, _, _, _, _ in rows if t.state == "ready"]


# -- reading ---------------------------------------------------------------------------------------
def get_case(user: User, case_id: int) -> Case:
    return visible_case(user, case_id)


def ready_tasks(case: Case) -> list[Task]:
    """The case's ready tasks: as this request's change left them, or from the database."""
    cached = getattr(case, "open_tasks", None)
    return sorted(cached, key=lambda t: t.id) if cached is not None else ready_task_rows(case.id)


def trace(user: User, case_id: int, *, after: str | None = None, per_page: int = 200) -> paging.Page:
    """A page of the case's audit trail, in order (by cursor: a case's evidence list may put
    thousands of events on its chain)."""
    case = visible_case(user, case_id)
    query = db.select(TraceEvent).where(TraceEvent.chain == audit.case_chain(case.id))
    return paging.fetch_page(query, TRACE_ORDER, after=after, per_page=per_page)


def list_cases(user: User, *, status: str | None = None, department_code: str | None = None,
               after: str | None = None, page: int = 1, per_page: int = 50,
               procedure_kind: str | None = None) -> paging.Page:
    """Cases in the user's scope, newest first (services/paging.py: cursor or page number);
    `procedure_kind`: those of procedures of that kind (行政处罚, 行政强制, …)."""
    query = db.select(Case).options(selectinload(Case.created_by)).where(scope_filter(user))
    if status:
        query = query.where(Case.status == status)
    if procedure_kind:
        query = query.where(of_kind(procedure_kind))
    if department_code:
        query = query.join(OrgUnit, Case.department_id == OrgUnit.id).where(OrgUnit.code == department_code)
    return paging.fetch_page(query, CASE_ORDER, after=after, page=page, per_page=per_page)


def of_kind(procedure_kind: str, column=Case.procedure_version_id):
    """SQL condition: the case's (or `column`'s) procedure version is of that kind. The versions are
    few: the case lists keep their order's index and filter the versions' ids."""
    return column.in_(db.select(ProcedureVersion.id).where(ProcedureVersion.kind == procedure_kind))


def case_file(user: User, case_id: int) -> tuple[Case, list[Task]]:
    """卷宗: every task of the case, oldest first, with the data recorded at each completed one."""
    case = visible_case(user, case_id)
    tasks = db.session.execute(
        db.select(Task).options(joinedload(Task.completed_by))
        .where(Task.case_id == case.id).order_by(Task.ready_at, Task.id)).scalars().all()
    return case, tasks


def legal_reviews(case: Case) -> list[LegalReview]:
    """The case's legal reviews: as this request's change left them, or from the database."""
    cached = getattr(case, "reviews", None)
    return list(cached) if cached is not None else _legal_reviews(case.id)


def _legal_reviews(case_id: int) -> list[LegalReview]:
    return list(db.session.execute(
        db.select(LegalReview).where(LegalReview.case_id == case_id).order_by(LegalReview.id)).scalars())


def task_with_form(user: User, task_id: int) -> tuple[Task, dict | None]:
    task = visible_task(user, task_id)
    form = procedure_info(task.case.procedure_version).forms.get(task.form_key) if task.form_key else None
    return task, form


def list_tasks(user: User, *, mine: bool, state: str = "ready", after: str | None = None, page: int = 1,
               per_page: int = 50) -> paging.Page:
    """Inbox: tasks in the user's scope, due first; `mine` keeps those whose lane is one of the
    user's roles. Ready tasks are read through their partial indexes (migration 0007)."""
    query = db.select(Task).options(joinedload(Task.completed_by)).where(scope_filter(user, Task.department_id))
    if state:
        query = query.where(Task.state == state)
    if mine:
        query = query.where(Task.lane.in_(sorted(user.roles)))
    return paging.fetch_page(query, TASK_ORDER, after=after, page=page, per_page=per_page)


