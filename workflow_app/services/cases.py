"""Cases: opening one on a procedure and moving it through its steps.

Every state change of a case is one transaction: workflow state, task projection, case fields,
legal review rows and trace events commit together or not at all. Concurrent changes of one case
are serialized by the case's version counter: exactly one wins, the others get Conflict (409).
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import joinedload, selectinload

from ..engine.errors import EngineError, TaskNotReady
from ..engine.processor import SERIALIZER_VERSION, StepResult
from ..extensions import db
from ..models import Case, CaseNumberCounter, LegalReview, OrgUnit, Task, User, WorkflowState
from ..models.types import utcnow
from ..oversight import bindings, step_rules
from ..oversight.calendar import LOCAL_TZ
from ..oversight.deadlines import ANCHORS, form_date, parse_deadline
from . import alerts, audit, legal_review, paging, people, time_limits
from .access import (
    check_may_act,
    require_role,
    require_task_in_scope,
    scope_filter,
    visible_case,
    visible_task,
)
from .errors import Invalid, NotFound, NotReady, StepRefused, refusal_line, tr
from .forms import validate_form
from .procedures import latest_version, procedure_info, run_engine_step
from .transactions import one_transaction

# What reaching a milestone does to the case: (timestamp field, new status).
MILESTONE_EFFECTS = {
    "filed": ("filed_at", "investigating"),
    "not_filed": ("closed_at", "not_filed"),
    "decided": ("decided_at", "decided"),
    "served": ("served_at", "served"),
    "closed": ("closed_at", "closed"),
}
PARTY_KINDS = ("person", "organization")
CASE_RACE = tr("the case was changed by another request; reload it and try again")
STATUSES = ("intake", "investigating", "decided", "served", "closed", "not_filed")
# a case's status as the pages and the API name it (said in the reader's language by i18n.localized)
STATUS_WORDS = {"intake": tr("clue, not yet filed"), "investigating": tr("filed, under investigation"),
                "decided": tr("decided"), "served": tr("decision served"), "closed": tr("closed"),
                "not_filed": tr("not filed")}
# The lists' orders, matched by their indexes: cases newest first; tasks due first (undated last).
CASE_ORDER = [paging.SortKey(Case.created_at, descending=True, kind=datetime),
              paging.SortKey(Case.id, descending=True)]
TASK_ORDER = [paging.SortKey(Task.due_at, nullable=True, kind=datetime), paging.SortKey(Task.id)]


# -- opening a case -------------------------------------------------------------------------------
def open_case(user: User, *, process_id: str, title: str, department_code: str, party: dict) -> Case:
    """立案前线索登记: an officer opens a case on the latest version of a procedure."""
    require_role(user, "officer", "opening a case")
    department = db.session.execute(
        db.select(OrgUnit).where(OrgUnit.code == department_code)).scalar_one_or_none()
    if department is None:
        raise Invalid({"department": [tr("no department with code %(code)s", code=repr(department_code))]})
    if not user.org_unit.contains(department):
        raise Invalid({"department": [tr("outside your org scope")]})
    version = latest_version(process_id)
    now = utcnow()
    initial = {"party_kind": party["kind"], "party_name": party["name"],
               "department": department.code, "case_title": title}
    try:
        step = run_engine_step("start", {"data": initial}, version)
    except EngineError as err:
        db.session.rollback()
        audit.record_alone("case.open_failed", actor=user, data={
            "procedure": process_id, "version": version.version, "department": department.code,
            "element": err.element_id, "error": err.message})
        raise engine_invalid(err) from None
    with one_transaction(CASE_RACE):
        case = Case(
            number=_next_number(department, now), title=title, procedure_version_id=version.id,
            department_id=department.id, party_name=party["name"], party_kind=party["kind"],
            status="intake", created_by_id=user.id, created_at=now, updated_at=now,
        )
        case.open_tasks, case.reviews = [], []  # a new case has no task rows or reviews yet
        db.session.add(case)
        db.session.flush()  # the case id, for the state, the task rows and the trace
        db.session.add(WorkflowState(case_id=case.id, serializer_version=SERIALIZER_VERSION,
                                     state=step.state, updated_at=now))
        change = apply_engine_step(case, step, now)
        db.session.flush()  # the new task rows' ids, for their task.ready events
        audit.record("case.opened", actor=user, case_id=case.id, at=now, data={
            "number": case.number, "title": title, "procedure": process_id, "version": version.version,
            "department": department.code, "party": {"name": party["name"], "kind": party["kind"]}})
        change.trace(case, user, now)
    return case


def _next_number(department: OrgUnit, now: datetime) -> str:
    """MARKET-2026-00042: per department and year. The counter is bumped by one atomic UPDATE, so
    concurrent openings wait for each other instead of colliding (only the very first case of a
    department-year can lose a race on inserting the row: a 409, to be retried)."""
    year = now.astimezone(LOCAL_TZ).year
    last = db.session.execute(
        db.update(CaseNumberCounter)
        .where(CaseNumberCounter.department_id == department.id, CaseNumberCounter.year == year)
        .values(last=CaseNumberCounter.last + 1)
        .returning(CaseNumberCounter.last),
        execution_options={"synchronize_session": False},
    ).scalar_one_or_none()
    if last is None:
        last = 1
        db.session.add(CaseNumberCounter(department_id=department.id, year=year, last=last))
    return f"{department.code.upper()}-{year}-{last:05d}"


# -- completing a task ----------------------------------------------------------------------------
def complete_task(user: User, task_id: int, data: dict) -> Case:
    """Complete one READY human task with its form data and advance the case."""
    task, state, siblings = _task_for_completion(task_id)
    require_task_in_scope(user, task)
    case = task.case
    if task.state != "ready":
        raise NotReady(tr("task %(id)s is %(state)s, not ready", id=task_id, state=task.state))
    check_may_act(user, task, case)
    case.open_tasks = siblings  # the ready rows, read before anything changes
    version = case.procedure_version
    info = procedure_info(version)
    schema = info.forms.get(task.form_key) if task.form_key else None
    data = validate_form(schema, data)
    today = utcnow().astimezone(LOCAL_TZ).date()
    on = bindings.act_date(info.rules, task.form_key, data) or today  # the day of the step's act
    try:
        people.check_named_people(schema, data, case, on)
        people.check_acting_officer(user, task, case, on)
        if legal_review.is_legal_review(info, task):
            legal_review.check_reviewer(user, case, today)
        check_step_rules(task, data, user)
        time_limits.check_completion(task, data, case, info.task_specs, siblings)
    except StepRefused as refusal:
        _trace_attempt(case.id, user, task, "step.refused", {
            "code": refusal.code, "reason": refusal.message,
            **({"article": refusal.article} if refusal.article else {}), **refusal.details})
        raise

    try:
        step = run_engine_step("complete", {"state": state.state, "engine_task_id": task.engine_task_id,
                                            "data": data}, version)
    except TaskNotReady:
        # The projection said ready but the stored state says done: another request completed
        # the task between our reads. A lost race, not a failure: nothing to trace.
        db.session.rollback()
        raise NotReady(tr("task %(id)s was completed by another request; reload the case", id=task_id)) from None
    except EngineError as err:
        db.session.rollback()
        _trace_attempt(task.case_id, user, task, "task.failed",
                       {"element": err.element_id, "error": err.message})
        raise engine_invalid(err) from None
    now = utcnow()
    with one_transaction(CASE_RACE):
        task.state = "completed"
        task.completed_at = now
        task.completed_by_id = user.id
        task.data = data
        state.state = step.state
        state.updated_at = now
        change = apply_engine_step(case, step, now, completed=task)
        # One flush: the case row's version check comes first, so the loser of a race fails
        # fast, and row locks are always taken before the trace-chain lock (no deadlock).
        db.session.flush()
        case.reviews = _legal_reviews(case.id)  # for the response, read before the trace is written
        audit.record("task.completed", actor=user, case_id=case.id, task_id=task.id,
                     bpmn_id=task.bpmn_id, at=now,
                     data={"task": task.name, "form": data, "changes": step.changes})
        if legal_review.is_legal_review(info, task):
            case.reviews.append(legal_review.record(case, task, user, data, now))
            alerts.after_review(case, task, case.reviews, now)
        alerts.after_step(case, task, data, now)
        change.trace(case, user, now)
    return case


def check_step_rules(task: Task, data: dict, user: User) -> None:
    """The law's rule kinds (oversight/step_rules/) bound by the case's procedure package over the
    case's record: the first rule broken refuses the step; every breach found is listed in `errors`."""
    check_form_rules(task.form_key, task.case, data, user)


def check_form_rules(form_key: str | None, case: Case, data: dict, user: User) -> None:
    """The bindings of the case's version (its package's rules.json) that govern `form_key`; a
    version without bindings is governed by no rule. The record of earlier steps is read only
    when a rule asks for it."""
    info = procedure_info(case.procedure_version)
    governing = bindings.governing(bindings.bound(info.rules), form_key)
    if not governing:
        return
    department = case.department
    record = step_rules.CaseRecord(
        form_key, data, actor=user.username, today=utcnow().astimezone(LOCAL_TZ).date(),
        party_kind=case.party_kind, earlier=lambda: _completed_forms(case.id), department=department.name,
        powers=department.penalty_powers or (), forms=info.forms)
    refusals = step_rules.check(governing, record)
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


def _completed_forms(case_id: int) -> dict[str, dict]:
    """The latest data of each completed form of the case, by form key (one query)."""
    rows = db.session.execute(
        db.select(Task.form_key, Task.data)
        .where(Task.case_id == case_id, Task.state == "completed", Task.form_key.is_not(None))
        .order_by(Task.completed_at, Task.id)).all()
    return {form_key: data or {} for form_key, data in rows}


def _task_for_completion(task_id: int) -> tuple[Task, WorkflowState, list[Task]]:
    """The task, its case (with creator), the case's workflow state and its ready tasks, in one query."""
    case_of_task = db.select(Task.case_id).where(Task.id == task_id).scalar_subquery()
    rows = db.session.execute(
        db.select(Task, WorkflowState).join(WorkflowState, WorkflowState.case_id == Task.case_id)
        .options(joinedload(Task.case).joinedload(Case.created_by))
        .where(db.or_(Task.id == task_id, db.and_(Task.case_id == case_of_task, Task.state == "ready")))
        .order_by(Task.id)).all()
    task = next((t for t, _ in rows if t.id == task_id), None)
    if task is None:
        raise NotFound(tr("task %(id)s not found", id=task_id))
    return task, rows[0][1], [t for t, _ in rows if t.state == "ready"]


@dataclass
class _Applied:
    """What an engine step changed in the rows, still to be written to the trace (after the
    flush that gives new task rows their ids), in the order it happened."""

    milestones: list[tuple[str, str]]
    ended: bool  # closed because the process ended, with no closing milestone
    cancelled: list[Task]  # withdrawn by the engine (e.g. a boundary event)
    new_tasks: list[Task]
    moved: list[tuple[Task, datetime, datetime | None]]  # (task, old due, new due)
    reason: str

    def trace(self, case: Case, actor: User, now: datetime) -> None:
        for bpmn_id, milestone in self.milestones:
            audit.record(f"case.{milestone}", actor=actor, case_id=case.id, bpmn_id=bpmn_id, at=now,
                         data={"status": MILESTONE_EFFECTS[milestone][1]})
        if self.ended:
            audit.record("case.ended", actor=actor, case_id=case.id, at=now,
                         data={"status": case.status, "closed_at": case.closed_at.isoformat()})
        for t in self.cancelled:
            audit.record("task.cancelled", actor=None, case_id=case.id, task_id=t.id, bpmn_id=t.bpmn_id,
                         at=now, data={"task": t.name})
        for t in self.new_tasks:
            audit.record("task.ready", actor=None, case_id=case.id, task_id=t.id, bpmn_id=t.bpmn_id, at=now,
                         data={"task": t.name, "lane": t.lane,
                               "due_at": t.due_at.isoformat() if t.due_at else None})
        for t, old, new in self.moved:
            audit.record("deadline.moved", actor=None, case_id=case.id, task_id=t.id, bpmn_id=t.bpmn_id, at=now,
                         data={"task": t.name, "deadline": t.deadline, "old_due_at": old.isoformat(),
                               "new_due_at": new.isoformat() if new else None, "reason": self.reason})


def apply_engine_step(case: Case, step: StepResult, now: datetime, completed: Task | None = None) -> _Applied:
    """Apply milestones, bring the task projection in step with the engine, update the case
    row: every field set before the one flush. The returned record is traced after it.
    `completed`: the task this step completed (its form data may be a deadline's anchor)."""
    for _, milestone in step.milestones:
        field, status = MILESTONE_EFFECTS[milestone]
        setattr(case, field, now)
        case.status = status
    ended = step.completed and case.status not in ("closed", "not_filed")
    if ended:  # the process ended with no closing milestone in the BPMN
        case.status, case.closed_at = "closed", case.closed_at or now
    case.updated_at = now
    case.next_timer_at = step.next_timer_at
    new_tasks, open_tasks, cancelled = _sync_tasks(case, step, now)
    moved = _set_due_times(case, open_tasks, completed, now)
    open_due = [t.due_at for t in open_tasks if t.due_at is not None]
    case.next_due_at = min(open_due) if open_due else None
    case.open_tasks = open_tasks
    reason = time_limits.move_reason(completed) if completed is not None else "recomputed"
    return _Applied(list(step.milestones), ended, cancelled, new_tasks,
                    [m for m in moved if m[0] not in new_tasks], reason)


def _ready_tasks(case_id: int) -> list[Task]:
    return list(db.session.execute(
        db.select(Task).where(Task.case_id == case_id, Task.state == "ready").order_by(Task.id)
    ).scalars())


def _sync_tasks(case: Case, step: StepResult, now: datetime) -> tuple[list[Task], list[Task], list[Task]]:
    """Make the projection's ready rows equal the engine's READY human tasks.

    Rows that stay ready take their lane, form, name and deadline from the case's (possibly new)
    version: after a move to another version, permission checks and form validation follow it.
    Returns (rows created now, all ready rows, rows withdrawn now).
    """
    ready = {t.engine_task_id: t for t in step.ready}
    task_specs = procedure_info(case.procedure_version).task_specs
    rows = getattr(case, "open_tasks", None)
    if rows is None:
        with db.session.no_autoflush:  # the changes made so far go in the one flush, not now
            rows = _ready_tasks(case.id)
    known = {row.engine_task_id for row in rows}
    still_ready, cancelled = [], []
    for row in rows:
        if row.state != "ready":
            continue
        if row.engine_task_id in ready:
            still_ready.append(row)
            _refresh_from_version(row, ready[row.engine_task_id], task_specs.get(row.bpmn_id, {}), case)
        else:
            row.state = "cancelled"  # withdrawn by the engine (e.g. a boundary event)
            row.completed_at = now
            cancelled.append(row)
    created = []
    for engine_id, human in ready.items():
        if engine_id in known:
            continue
        meta = task_specs.get(human.bpmn_id, {})
        row = Task(case_id=case.id, department_id=case.department_id, engine_task_id=engine_id, bpmn_id=human.bpmn_id,
                   name=human.name,
                   lane=meta.get("lane", human.lane), form_key=meta.get("form_key"), state="ready",
                   ready_at=now, deadline=meta.get("deadline"))
        db.session.add(row)
        created.append(row)
    return created, still_ready + created, cancelled


def _refresh_from_version(row: Task, human, meta: dict, case: Case) -> None:
    lane, form_key, deadline = meta.get("lane", human.lane), meta.get("form_key"), meta.get("deadline")
    if (row.lane, row.form_key, row.name, row.deadline) != (lane, form_key, human.name, deadline):
        row.lane, row.form_key, row.name, row.deadline = lane, form_key, human.name, deadline
        row.due_at, row.due_provisional = None, False


def _set_due_times(case: Case, rows: list[Task], completed: Task | None,
                   now: datetime) -> list[tuple[Task, datetime, datetime | None]]:
    """The statutory due time of every ready task from its BPMN deadline, recomputed at every
    step: it appears once its anchor has happened (a milestone, or the date recorded in an
    earlier step's form) and moves when that date is corrected (the step done again), when an
    extension of its limit is approved, or when a period it does not count is recorded.
    Returns the due times that moved: (task, old, new)."""
    deadlines = {row: parse_deadline(row.deadline) for row in rows if row.deadline}
    forms = _anchor_forms(case, {d.form_anchor[0] for d in deadlines.values() if d.form_anchor}, completed)
    extensions, excluded = {}, frozenset()
    if any(d.excluding_periods or d.extendable_as for d in deadlines.values()):
        extensions, excluded = time_limits.clock_facts(case, completed, now.astimezone(LOCAL_TZ).date())
    moved = []
    for row, deadline in deadlines.items():
        if deadline.form_anchor:
            task_id, field = deadline.form_anchor
            anchors = {deadline.anchor: form_date((forms.get(task_id) or {}).get(field))}
        else:
            anchors = {anchor: row.ready_at if anchor == "task.ready"
                       else getattr(case, anchor.removeprefix("case.")) for anchor in ANCHORS}
        due = deadline.due(anchors, extra=extensions.get(deadline.extendable_as, 0), excluded=excluded)
        due_at, provisional = (due.at, due.provisional) if due else (None, False)
        if row.due_at is not None and row.due_at != due_at:
            moved.append((row, row.due_at, due_at))
        if (row.due_at, row.due_provisional) != (due_at, provisional):
            row.due_at, row.due_provisional = due_at, provisional
    return moved


def _anchor_forms(case: Case, task_ids: set[str], completed: Task | None) -> dict[str, dict]:
    """bpmn id -> the form data of the case's latest completed task of that id. The task this
    step completed is the latest of its id: when it is the only one needed, nothing is read."""
    forms = {}
    if completed is not None and completed.bpmn_id in task_ids:
        forms[completed.bpmn_id] = completed.data or {}
    missing = task_ids - forms.keys()
    if missing:
        with db.session.no_autoflush:  # the changes made so far go in the one flush, not now
            rows = db.session.execute(
                db.select(Task.bpmn_id, Task.data)
                .where(Task.case_id == case.id, Task.state == "completed", Task.bpmn_id.in_(sorted(missing)))
                .order_by(Task.completed_at, Task.id)).all()
        for bpmn_id, data in rows:  # oldest first: the latest completion wins
            forms[bpmn_id] = data or {}
    return forms


def _trace_attempt(case_id: int, user: User, task: Task, action: str, data: dict):
    """A refused or failed attempt is itself part of the record, in its own transaction."""
    db.session.rollback()
    audit.record_alone(action, actor=user, case_id=case_id, task_id=task.id, bpmn_id=task.bpmn_id, data=data)


def engine_invalid(err: EngineError) -> Invalid:
    """The engine's message (a Text, or SpiffWorkflow's English words) inside a translated frame."""
    if err.element_id:
        reason = tr("the procedure could not continue (BPMN element %(element)s): %(reason)s",
                    element=err.element_id, reason=err.message)
    else:
        reason = tr("the procedure could not continue: %(reason)s", reason=err.message)
    return Invalid({"_engine": [reason]},
                   tr("the procedure could not continue; the case is unchanged"), code="engine_error",
                   details={"element_id": err.element_id})


# -- reading ---------------------------------------------------------------------------------------
def get_case(user: User, case_id: int) -> Case:
    return visible_case(user, case_id)


def ready_tasks(case: Case) -> list[Task]:
    """The case's ready tasks: as this request's change left them, or from the database."""
    cached = getattr(case, "open_tasks", None)
    return sorted(cached, key=lambda t: t.id) if cached is not None else _ready_tasks(case.id)


def trace(user: User, case_id: int):
    case = visible_case(user, case_id)
    return audit.events_for_case(case.id)


def list_cases(user: User, *, status: str | None = None, department_code: str | None = None,
               after: str | None = None, page: int = 1, per_page: int = 50) -> paging.Page:
    """Cases in the user's scope, newest first (services/paging.py: cursor or page number)."""
    query = db.select(Case).options(selectinload(Case.created_by)).where(scope_filter(user))
    if status:
        query = query.where(Case.status == status)
    if department_code:
        query = query.join(OrgUnit, Case.department_id == OrgUnit.id).where(OrgUnit.code == department_code)
    return paging.fetch_page(query, CASE_ORDER, after=after, page=page, per_page=per_page)


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


