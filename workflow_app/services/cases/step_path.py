"""The one step path of a case: every change of a case's workflow goes through it.

Opening a case, completing a task, starting an ad-hoc request, firing a timer, delivering a
message and moving a case to another version each take the same unit of work:

1. the law's checks before the engine (the caller's), a refusal traced on its own (`refusals_traced`);
2. one engine step in an engine worker (`StepPath.engine`): a failure changes nothing but the
   trace (its own transaction) and is answered as the engine's error (`engine_invalid`);
3. one transaction (`StepPath.write`): the caller's own rows, the workflow state, the task
   projection with its due times, the case row and its milestones, one flush (the case's version
   check first, so the loser of a race fails fast and row locks come before the chain's lock),
   then the caller's trace events and the step's (milestones, cancelled, ready, moved due times).

The day a step's act happened (`act_day`) is the one date every check of the step reads.
"""
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.orm.attributes import set_committed_value

from ...engine.errors import EngineError, MigrationBlocked, NotWaiting, TaskNotReady
from ...engine.processor import SERIALIZER_VERSION, StepResult
from ...extensions import db
from ...models import Case, CaseMilestone, ProcedureVersion, Task, User, WorkflowState
from ...oversight import bindings
from ...oversight.calendar import LOCAL_TZ
from ...oversight.deadlines import parse_deadline
from ...wall_clock import local_today
from ..audit import trail as audit
from ..errors import Invalid, PreconditionFailed, StepRefused, tr
from ..oversight import alerts
from ..procedures.versions import actor_key_of, procedure_info, run_engine_step
from ..transactions import one_transaction
from . import decisions, time_limits
from . import record as case_record

CASE_RACE = tr("the case was changed by another request; reload it and try again")


def check_read_version(case: Case, read_version: int | None) -> None:
    """`read_version`: the case's version the client decided on (If-Match, or `version` in the
    body); a case changed since is refused (412), not changed over what the client has not seen."""
    if read_version is not None and read_version != case.version:
        raise PreconditionFailed(tr("the case changed after you read it (version %(read)d, now %(now)d): reload "
                                    "it and check the step again", read=read_version, now=case.version),
                                 details={"version": case.version})


def act_day(rules: dict | None, form_key: str | None, data: dict) -> date:
    """The day of a step's act: the date its form records for it (the package's act dates),
    else today (Beijing)."""
    return bindings.act_date(rules, form_key, data) or local_today()


@contextmanager
def refusals_traced(actor: User, case_id: int, *, bpmn_id: str | None, task_id: int | None = None) -> Iterator[None]:
    """The law's checks of a step: a refusal is itself part of the record (`step.refused`, in a
    transaction of its own, the case unchanged) and is raised on."""
    try:
        yield
    except StepRefused as refusal:
        db.session.rollback()
        audit.record_alone("step.refused", actor=actor, case_id=case_id, task_id=task_id, bpmn_id=bpmn_id, data={
            "code": refusal.code, "reason": refusal.message,
            **({"article": refusal.article} if refusal.article else {}), **refusal.details})
        raise


class StepPath:
    """One step of one case (or of a case being opened), from the engine to the commit.

    `failed`: the trace action of an engine failure (`task.failed`, `request.failed`,
    `case.open_failed`, `case.migration_failed`, `message.failed`); `failure_data`: what it records
    beside the element and the error. `actor`: a user, or a label such as "worker:timers"."""

    def __init__(self, actor: User | str, *, failed: str, case_id: int | None = None, task_id: int | None = None,
                 bpmn_id: str | None = None, failure_data: dict | None = None):
        self.actor = actor
        self.failed = failed
        self.case_id = case_id
        self.task_id = task_id
        self.bpmn_id = bpmn_id
        self.failure_data = failure_data or {}

    def engine(self, op: str, payload: dict, version: ProcedureVersion, *others: ProcedureVersion) -> StepResult:
        """One engine step. A lost race (the task was completed meanwhile: TaskNotReady), a move
        the target version refuses (MigrationBlocked) and a message the process is not waiting for
        (NotWaiting) are answers, not failures: nothing is
        traced and they are raised on; any other failure is traced and raised as Invalid."""
        try:
            return run_engine_step(op, payload, version, *others, actor_key=actor_key_of(self.actor))
        except (TaskNotReady, MigrationBlocked, NotWaiting):
            db.session.rollback()
            raise
        except EngineError as err:
            raise self.failure(err) from None

    def failure(self, err: EngineError) -> Invalid:
        """A failed engine step: nothing of it is kept, it is traced (`failed`, in a transaction of
        its own) and answered as the engine's error, to be raised."""
        db.session.rollback()
        audit.record_alone(self.failed, actor=self.actor, case_id=self.case_id, task_id=self.task_id,
                           bpmn_id=self.bpmn_id,
                           data={**self.failure_data, "element": err.element_id, "error": err.message})
        return engine_invalid(err)

    @contextmanager
    def write(self, case: Case, state: WorkflowState | None, step: StepResult, now: datetime,
              completed: Task | None = None, before=None, commit: bool = True) -> Iterator["Applied"]:
        """The one transaction of the step. The caller has set its own rows (the completed task,
        the case's new version) just before; `state` None: a new case (its row is made here).
        Inside the block, after the flush, the caller records its own trace events; the step's
        follow when the block ends, and everything commits together or not at all. `commit`
        False: the step of another case inside a transaction already begun (a referral sent or
        answered changes the other department's case with this one: services/cases/referrals.py)."""
        with one_transaction(CASE_RACE) if commit else nullcontext():
            if before is not None:
                before()  # what must be taken inside the transaction first (a new case's number)
            if case.id is None:
                case.open_tasks, case.reviews = [], []  # a new case has no task rows or reviews yet
                db.session.add(case)
                db.session.flush()  # the case id, for the state, the task rows and the trace
            if state is None:
                db.session.add(WorkflowState(case_id=case.id, serializer_version=SERIALIZER_VERSION,
                                             state=step.state, updated_at=now))
            change = apply_engine_step(case, step, now, completed=completed)
            version = case.version
            # One flush: the case row's version check comes first, so the loser of a race fails
            # fast, and row locks are always taken before the trace-chain lock (no deadlock).
            db.session.flush()
            if state is not None:
                _store_state(state, step.state, now)
            case_record.stepped(case, version, completed)
            self.case_id = case.id
            yield change
            change.trace(case, self.actor, now)


_WORKFLOW_STATE = WorkflowState.__table__
_UPDATE_STATE = _WORKFLOW_STATE.update().where(_WORKFLOW_STATE.c.case_id == db.bindparam("b_case_id")).values(
    state=db.bindparam("state", type_=_WORKFLOW_STATE.c.state.type),
    updated_at=db.bindparam("updated_at", type_=_WORKFLOW_STATE.c.updated_at.type))


def _store_state(state: WorkflowState, text: str, now: datetime) -> None:
    """The case's new workflow state, by one UPDATE after the step's flush (the case row's version
    check is passed by then) rather than through the flush: the state row is the one object of its
    kind in the flush, and its unit-of-work bookkeeping cost more than the statement. The row
    object read with the task is set to what was written."""
    db.session.connection().execute(_UPDATE_STATE, {"b_case_id": state.case_id, "state": text, "updated_at": now})
    set_committed_value(state, "state", text)
    set_committed_value(state, "updated_at", now)


@dataclass
class Applied:
    """What an engine step changed in the rows, still to be written to the trace (after the
    flush that gives new task rows their ids), in the order it happened."""

    milestones: list[tuple[CaseMilestone, bool]]  # (row, whether reaching it closed the case)
    ended: bool  # closed because the process ended, with no closing milestone
    cancelled: list[Task]  # withdrawn by the engine (e.g. a boundary event)
    new_tasks: list[Task]
    moved: list[tuple[Task, datetime, datetime | None]]  # (task, old due, new due)
    reason: str
    # the decision tables the step's business rule tasks evaluated (engine/decisions.py
    # `evaluation`), an automatic step each: services/cases/decisions.py reads them back
    decisions: list[dict] = field(default_factory=list)

    def trace(self, case: Case, actor: User, now: datetime) -> None:
        for evaluated in self.decisions:
            decisions.record(case, evaluated, now)
        for row, closed in self.milestones:
            audit.record("case.milestone", actor=actor, case_id=case.id, bpmn_id=row.bpmn_id, at=now,
                         data={"milestone": row.milestone, "status": row.status, "id": row.id,
                               "closed_at": case.closed_at.isoformat() if closed else None})
        if self.milestones:  # a timer that watched a period and fired raises its alert (services/oversight/alerts.py)
            alerts.after_milestones(case, [row for row, _ in self.milestones], now)
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


def apply_engine_step(case: Case, step: StepResult, now: datetime, completed: Task | None = None) -> "Applied":
    """Apply milestones, bring the task projection in step with the engine, update the case
    row: every field set before the one flush. The returned record is traced after it.
    `completed`: the task this step completed (its form data may be a deadline's anchor)."""
    reached = []
    for bpmn_id, milestone, status, closes in step.milestones:
        row = CaseMilestone(case_id=case.id, milestone=milestone, status=status, bpmn_id=bpmn_id, at=now)
        db.session.add(row)
        case.milestones = [*(case.milestones or []), {"milestone": milestone, "status": status, "bpmn_id": bpmn_id,
                                                      "at": now.astimezone(UTC).isoformat()}]
        closing = closes and case.closed_at is None
        reached.append((row, closing))
        case.status = status
        if closing:
            case.closed_at = now
    ended = step.completed and case.closed_at is None
    if ended:  # the process ended with no closing milestone in the BPMN
        case.status, case.closed_at = "closed", now
    case.updated_at = now
    case.next_timer_at = step.next_timer_at
    new_tasks, open_tasks, cancelled = _sync_tasks(case, step, now)
    moved = _set_due_times(case, open_tasks, completed, now)
    open_due = [t.due_at for t in open_tasks if t.due_at is not None]
    case.next_due_at = min(open_due) if open_due else None
    case.open_tasks = open_tasks
    reason = time_limits.move_reason(case, completed) if completed is not None else "recomputed"
    return Applied(reached, ended, cancelled, new_tasks,
                    [m for m in moved if m[0] not in new_tasks], reason, list(step.decisions))


def ready_task_rows(case_id: int) -> list[Task]:
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
            rows = ready_task_rows(case.id)
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
    moved, milestones = [], None

    def milestone_of(code: str) -> datetime | None:  # read once, only where a deadline runs from one
        nonlocal milestones
        if milestones is None:
            milestones = time_limits.milestone_anchors(case, completed)
        return milestones.get(code)

    for row, deadline in deadlines.items():
        start = deadline.start(forms.get, milestone_of, row.ready_at)
        due = deadline.due({deadline.anchor: start}, extra=extensions.get(deadline.extendable_as, 0),
                           excluded=excluded)
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
    if missing and case.id is not None:
        for step in case_record.completed_steps(case):  # oldest first: the latest completion wins
            if step.bpmn_id in missing:
                forms[step.bpmn_id] = step.data
    return forms




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


