"""The timer worker (services/cases/timers.py, `flask timers fire|run`): a BPMN timer fires when it is
due, through the indexed next_timer_at, in one transaction with its trace; a failing step changes
nothing but the retry time; two workers at once advance a case once. On SQLite and PostgreSQL."""
import io
import json
from datetime import timedelta

import pytest

from tests.helpers import at_once
from tests.samples import process
from workflow_app.extensions import db
from workflow_app.models import Case, TraceEvent, WorkflowState
from workflow_app.models.types import utcnow
from workflow_app.services.audit import verify as audit_verify
from workflow_app.services.cases import timers

pytestmark = pytest.mark.dates

PAST_DUE = timedelta(seconds=2)  # the clock moved past the one-second timer (the `clock` fixture)
WAIT = ('<bpmn:intermediateCatchEvent id="wait" name="wait"><bpmn:timerEventDefinition id="td">'
        '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT1S"</bpmn:timeDuration>'
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>")


def waiting(process_id: str, after: str, after_id: str) -> bytes:
    """start → t1 → wait (a one-second timer) → <after> → end."""
    body = (f'<bpmn:startEvent id="start"/><bpmn:userTask id="t1" name="t1"/>{WAIT}{after}'
            '<bpmn:endEvent id="end"/>')
    return process(process_id, body, ["start", "t1", "wait", after_id, "end"],
                   [("f1", "start", "t1"), ("f2", "t1", "wait"), ("f3", "wait", after_id), ("f4", after_id, "end")])


def case_waiting(api, process_id: str, after: str, after_id: str) -> dict:
    r = api.post("/api/v1/procedures", as_="author1", content_type="multipart/form-data",
                 data={"file": (io.BytesIO(waiting(process_id, after, after_id)), "t.bpmn")})
    assert r.status_code in (200, 201), r.json
    case = api.open_case(procedure_id=process_id)
    r = api.post(f"/api/v1/tasks/{api.task(case, 't1')['id']}/complete", json={"data": {}})
    assert r.status_code == 200, r.json
    assert r.json["tasks"] == []  # waiting on the timer
    return r.json


def actions(case_id: int) -> list[str]:
    return list(db.session.execute(db.select(TraceEvent.action).where(TraceEvent.case_id == case_id)
                                   .order_by(TraceEvent.seq)).scalars())


def test_a_timer_fires_when_due_and_not_before_in_one_traced_step(api, ctx, clock):
    case = case_waiting(api, "p_timer", '<bpmn:userTask id="t2" name="t2"/>', "t2")
    row = db.session.get(Case, case["id"])
    due = row.next_timer_at
    assert due is not None and utcnow() - timedelta(seconds=5) < due < utcnow() + timedelta(seconds=5)
    early = timers.fire_due(now=due - timedelta(seconds=1))  # not due yet: not even looked at
    assert (early.fired, early.failed, early.skipped) == ([], [], [])
    clock.advance(PAST_DUE)
    done = timers.fire_due()
    assert done.fired == [case["number"]] and not done.failed
    after = api.get(f"/api/v1/cases/{case['id']}").json
    assert [t["bpmn_id"] for t in after["tasks"]] == ["t2"]  # the step after the timer is ready
    db.session.expire_all()
    assert db.session.get(Case, case["id"]).next_timer_at is None
    assert actions(case["id"])[-2:] == ["timer.fired", "task.ready"]
    fired = db.session.execute(db.select(TraceEvent).where(TraceEvent.case_id == case["id"],
                                                           TraceEvent.action == "timer.fired")).scalar_one()
    assert fired.actor == timers.ACTOR and json.loads(fired.data_json)["due_at"] == due.isoformat()
    assert audit_verify.verify(case["id"]).ok
    assert timers.fire_due().fired == []  # nothing due any more


def test_a_failing_step_after_a_timer_changes_nothing_but_the_retry_time_and_is_traced(api, ctx, clock):
    boom = '<bpmn:scriptTask id="boom" name="boom"><bpmn:script>x = 1 / 0</bpmn:script></bpmn:scriptTask>'
    case = case_waiting(api, "p_timer_boom", boom, "boom")
    state = db.session.get(WorkflowState, case["id"]).state
    clock.advance(PAST_DUE)
    now = utcnow()
    done = timers.fire_due(now=now)
    assert done.fired == [] and [n for n, _why in done.failed] == [case["number"]]
    assert "ZeroDivisionError" in done.failed[0][1]
    db.session.expire_all()
    row = db.session.get(Case, case["id"])
    assert row.next_timer_at == now + timers.RETRY_AFTER and row.status == case["status"]
    assert db.session.get(WorkflowState, case["id"]).state == state
    assert actions(case["id"])[-1] == "timer.failed"
    assert timers.fire_due(now=now + timedelta(minutes=1)).failed == []  # not retried before its time
    assert audit_verify.verify(case["id"]).ok


def test_two_workers_at_once_advance_a_case_once(app, api, ctx, clock):
    case = case_waiting(api, "p_timer_race", '<bpmn:userTask id="t2" name="t2"/>', "t2")
    clock.advance(PAST_DUE)
    results = at_once(app, lambda: timers.fire_due())
    assert sorted(len(r.fired) for r in results) == [0, 1], results
    db.session.expire_all()
    assert actions(case["id"]).count("timer.fired") == 1
    assert [t["bpmn_id"] for t in api.get(f"/api/v1/cases/{case['id']}").json["tasks"]] == ["t2"]
    assert audit_verify.verify(case["id"]).ok


def test_the_cli_fires_the_due_timers_and_says_which(app, api, ctx, clock):
    case = case_waiting(api, "p_timer_cli", '<bpmn:userTask id="t2" name="t2"/>', "t2")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["timers", "fire"]).output.startswith("Timers: 0 case(s) advanced")
    clock.advance(PAST_DUE)
    out = runner.invoke(args=["timers", "fire", "--limit", "5"])
    assert out.exit_code == 0 and f"1 case(s) advanced ({case['number']})" in out.output, out.output
    bad = runner.invoke(args=["timers", "fire", "--limit", "0"])
    assert bad.exit_code == 2 and "--limit" in bad.output


@pytest.mark.as_of("2031-03-03")
def test_a_timer_started_as_of_another_day_falls_due_by_the_apps_clock_in_the_engine_worker_too(api, ctx, clock):
    """The engine runs in worker processes: its timers read the instant the service gave the step
    (engine/timer_clock.py), so a clock pinned years away from the real one still times them."""
    from datetime import UTC, datetime

    case = case_waiting(api, "p_timer_day", '<bpmn:userTask id="t2" name="t2"/>', "t2")
    due = db.session.get(Case, case["id"]).next_timer_at
    assert timedelta(0) < due - datetime(2031, 3, 3, 2, tzinfo=UTC) < timedelta(seconds=30)
    clock.advance(PAST_DUE)
    assert timers.fire_due().fired == [case["number"]]
    assert [t["bpmn_id"] for t in api.get(f"/api/v1/cases/{case['id']}").json["tasks"]] == ["t2"]


def test_a_foreign_diagrams_boundary_timers_fire_through_the_worker(api, ctx, clock):
    """A diagram in another modeller's style (tests/fixtures/foreign/boundary_timers.bpmn, Camunda
    Modeler's export): its task's non-interrupting one-day timer and interrupting five-day timer
    fire through the timer worker like a shipped procedure's — the reminder after a day, beside
    the reply still open; after five days the reply withdrawn and the head's step ready."""
    from pathlib import Path

    name = "boundary_timers.bpmn"
    xml = (Path(__file__).resolve().parents[1] / "fixtures" / "foreign" / name).read_bytes()
    r = api.post("/api/v1/procedures", as_="author1", content_type="multipart/form-data",
                 data={"file": (io.BytesIO(xml), name)})
    assert r.status_code == 201, r.json
    case = api.open_case(procedure_id=r.json["procedure_id"])
    assert [t["bpmn_id"] for t in case["tasks"]] == ["Activity_reply"]

    def ready() -> list[str]:
        api._tokens.clear()  # days have passed: the morning's API token has expired; log in again
        return sorted(t["bpmn_id"] for t in api.get(f"/api/v1/cases/{case['id']}").json["tasks"])

    clock.advance(timedelta(hours=23))
    assert timers.fire_due().fired == []  # nothing due within the first day
    clock.advance(timedelta(hours=1, seconds=5))
    assert timers.fire_due().fired == [case["number"]]
    assert ready() == sorted(["Activity_reply", "Activity_remind"])  # the reminder, the reply still open
    clock.advance(timedelta(days=4))
    assert timers.fire_due().fired == [case["number"]]
    assert ready() == ["Activity_escalated", "Activity_remind"]  # the reply withdrawn, the head's step
    trail = actions(case["id"])
    assert trail.count("timer.fired") == 2 and "task.cancelled" in trail
    assert audit_verify.verify(case["id"]).ok
