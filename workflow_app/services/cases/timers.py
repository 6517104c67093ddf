"""The timer worker: BPMN timers fire when they are due, not when someone next touches the case.

A case waiting on a timer (an intermediate timer event, a boundary timer, the three years a closed
case stays open to the withdrawal of its disclosure) has `next_timer_at`, computed by the engine at
every step. `fire_due` finds the cases whose time has come through that indexed column (a pass
costs O(cases due), never O(all cases)), and for each runs one engine step in an engine worker
("timers": SpiffWorkflow's refresh_timers, then the engine steps that follow) and writes it in one
transaction like any other step: the state, the task projection, the case row and the trace
(`timer.fired`, then the milestones, tasks and due times the step changed; actor: worker:timers).

Several workers may run at once: the case row's version check lets one of them write a case and
the others lose the race (a Conflict, skipped: the case was advanced). A step that fails (a script
of the procedure raising) changes nothing but the case's `next_timer_at`, put back by RETRY_AFTER
so that one broken case cannot keep a worker busy; the failure is traced as `timer.failed`.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ...engine.errors import EngineError
from ...extensions import db
from ...models import Case, WorkflowState
from ...models.types import utcnow
from ..audit import trail as audit
from ..errors import Conflict, Unavailable
from ..procedures.versions import run_engine_step
from ..transactions import one_transaction
from .step_path import CASE_RACE, StepPath

RETRY_AFTER = timedelta(minutes=15)
BATCH = 100
ACTOR = "worker:timers"  # who fired a timer, in the trace


@dataclass
class TimerPass:
    """What one pass did, by case number."""

    fired: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (case number, why)
    skipped: list[str] = field(default_factory=list)  # advanced by another worker, or not due after all
    busy: bool = False  # every engine worker was busy: the rest waits for the next pass


def due_case_ids(now: datetime, limit: int = BATCH) -> list[int]:
    """The cases whose next timer is due at `now`, the longest overdue first."""
    return list(db.session.execute(
        db.select(Case.id).where(Case.next_timer_at.is_not(None), Case.next_timer_at <= now)
        .order_by(Case.next_timer_at, Case.id).limit(limit)).scalars())


def fire_due(now: datetime | None = None, limit: int = BATCH) -> TimerPass:
    """One pass: advance each case whose timer is due (at most `limit` of them)."""
    now = now or utcnow()
    result = TimerPass()
    for case_id in due_case_ids(now, limit):
        try:
            _fire(case_id, now, result)
        except Unavailable:
            db.session.rollback()
            result.busy = True
            break
        finally:
            db.session.expunge_all()  # one case at a time in memory, however many are due
    return result


def _fire(case_id: int, now: datetime, result: TimerPass) -> None:
    case = db.session.get(Case, case_id)
    if case is None or case.next_timer_at is None or case.next_timer_at > now:
        result.skipped.append(case.number if case else str(case_id))
        return
    state = db.session.get(WorkflowState, case.id)
    due_at = case.next_timer_at
    path = StepPath(ACTOR, failed="timer.failed", case_id=case.id)
    try:
        step = run_engine_step("timers", {"state": state.state, "now": now}, case.procedure_version,
                               actor_key=ACTOR)
    except EngineError as err:
        # Not the path's own failure: the timer is put back by RETRY_AFTER in the same record.
        db.session.rollback()
        _record_failure(case_id, due_at, now, err, result)
        return
    try:
        with path.write(case, state, step, now):
            audit.record("timer.fired", actor=ACTOR, case_id=case.id, at=now, data={
                "due_at": due_at.isoformat(),
                "next_timer_at": case.next_timer_at.isoformat() if case.next_timer_at else None})
    except Conflict:  # another worker advanced the case first
        result.skipped.append(case.number)
        return
    result.fired.append(case.number)


def _record_failure(case_id: int, due_at: datetime, now: datetime, err: EngineError, result: TimerPass) -> None:
    case = db.session.get(Case, case_id)
    retry_at = now + RETRY_AFTER
    try:
        with one_transaction(CASE_RACE):
            case.next_timer_at = retry_at
            case.updated_at = now
            db.session.flush()
            audit.record("timer.failed", actor=ACTOR, case_id=case.id, at=now, bpmn_id=err.element_id, data={
                "due_at": due_at.isoformat(), "element": err.element_id, "error": str(err.message),
                "retry_at": retry_at.isoformat()})
    except Conflict:
        result.skipped.append(case.number)
        return
    result.failed.append((case.number, str(err.message)))
