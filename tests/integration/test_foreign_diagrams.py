"""Diagrams no one here wrote (tests/fixtures/foreign: the classes of element that SpiffWorkflow's own
test diagrams, the BPMN MIWG reference files and other modellers use) go through deploy, open and
complete like any procedure. Each is refused at deploy with every problem located (an element or
a line), or runs without ever stranding a case: after every accepted step, and after every refused
one, the case is ended, or has a ready step some role's user can do, or waits for a timer the timer
worker has indexed, or for a message. A refused step is a 422 with the case unchanged.
"""
import io
from pathlib import Path

import pytest

from tests.helpers import load_engine_state
from workflow_app.extensions import db
from workflow_app.models import Case, Task, WorkflowState

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "foreign"
EN = {"Accept-Language": "en"}
# Who does a step of each role's lane (the demo users of `market`).
USERS = {"officer": "officer1", "legal_reviewer": "reviewer1", "department_head": "head1", "supervisor": "supervisor1"}
# The files the deploy refuses, and words of the problem that says why.
REFUSED = {
    "camunda_expressions.bpmn": "SyntaxError",  # JUEL ${...}: another engine's expression language
    "foreign_lane_names.bpmn": "not a known role",  # lanes named for departments, not roles
    "miwg_no_lanes.bpmn": "must be in a lane",  # tasks nobody could be given
    "miwg_not_executable.bpmn": "executable process",  # a drawing
    "multi_instance_over_a_list.bpmn": "second instance cannot start",  # sequential, no output item
    "reserved_ids.bpmn": "name the engine gives its own tasks",  # ids "Start" and "End"
    "timer_cycle_reminder.bpmn": "repeating timer",  # a reminder every day, forever
}
MAX_STEPS = 20


def assert_can_move(api, case_id: int) -> str:
    """The invariant; returns how the case stands ("ended", "ready", "timer", "message")."""
    db.session.expire_all()
    row = db.session.get(Case, case_id)
    engine = load_engine_state(case_id)
    if engine.is_completed():
        assert row.status == "closed"
        return "ended"
    projected = api.get(f"/api/v1/cases/{case_id}").json["tasks"]
    rows = db.session.execute(db.select(Task.engine_task_id).where(Task.case_id == case_id, Task.state == "ready"))
    assert sorted(rows.scalars()) == sorted(t.engine_task_id for t in engine.ready_human_tasks())
    if projected:
        for task in projected:
            assert task["lane"] in USERS, task  # a role some user holds
            inbox = api.get("/api/v1/tasks?mine=1&per_page=200", as_=USERS[task["lane"]]).json["items"]
            assert task["id"] in {t["id"] for t in inbox}
        return "ready"
    stuck, element = engine.stranded_at()
    assert not stuck, f"stranded at {element}"
    due = engine.next_timer_at()
    if due is not None:
        assert row.next_timer_at == due  # indexed for the timer worker
        return "timer"
    return "message"


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.bpmn")))
def test_a_foreign_diagram_is_refused_located_or_never_strands_a_case(api, ctx, name):
    r = api.post("/api/v1/procedures", as_="author1", content_type="multipart/form-data", headers=EN,
                 data={"file": (io.BytesIO((CORPUS / name).read_bytes()), name)})
    if name in REFUSED:
        assert r.status_code == 422, r.json
        problems = r.json["details"]["problems"]
        assert problems and all(p["element_id"] or p["line"] for p in problems), problems
        assert any(REFUSED[name] in p["message"] for p in problems), problems
        return
    assert r.status_code == 201, r.json
    opened = api.post("/api/v1/cases", headers=EN, json={
        "procedure_id": r.json["procedure_id"], "title": name, "department": "market",
        "party": {"name": "某公司", "kind": "organization"}})
    assert opened.status_code == 201, opened.json
    case_id, stands = opened.json["id"], []
    for _ in range(MAX_STEPS):
        stands.append(assert_can_move(api, case_id))
        if stands[-1] != "ready":
            break
        task = api.get(f"/api/v1/cases/{case_id}").json["tasks"][0]
        before = db.session.get(WorkflowState, case_id).state
        done = api.post(f"/api/v1/tasks/{task['id']}/complete", as_=USERS[task["lane"]], headers=EN)
        if done.status_code == 422:  # refused: the case as it was, and still able to move
            assert done.json["error"] == "engine_error", done.json
            db.session.expire_all()
            assert db.session.get(WorkflowState, case_id).state == before
            stands.append(f"refused at {done.json['details']['element_id']}")
            assert assert_can_move(api, case_id) == "ready"
            break
        assert done.status_code == 200, done.json
    assert stands[-1] != "ready", f"{name} still running after {MAX_STEPS} steps: {stands}"
    assert stands[-1] == EXPECTED[name], stands


# How each diagram that deploys stands when the driver stops: what the test shows per class.
EXPECTED = {
    "boundary_timers.bpmn": "ended",  # the reply was made in time; the boundary timers were withdrawn
    "call_activity.bpmn": "ended",  # the called process's task in its reviewers' lane, then the subprocess
    "event_gateway_timer_message.bpmn": "timer",  # the event-based gateway's timer is indexed
    "loops.bpmn": "ended",  # a standard loop and a gateway back-edge
    "multi_instance.bpmn": "ended",  # parallel and sequential multi-instance
    "multi_instance_collecting.bpmn": "ended",  # a sequential one over a list, collecting an output item
    "parallel_lanes_and_error.bpmn": "ended",  # two roles' branches, an error caught on a boundary
    "plain_tasks_in_lanes.bpmn": "ended",  # plain tasks, as manual tasks of their lanes
    "receive_task_and_event_subprocess.bpmn": "message",  # the court's answer: a message
    "timer_from_missing_data.bpmn": "refused at Wait",  # the timer's expression fails: never reached
    "timer_start_event.bpmn": "timer",  # opened waiting for its start timer
    "waits_for_a_signal.bpmn": "refused at Go",  # nothing sends the signal: never reached
}


def test_every_file_of_the_corpus_has_its_expected_outcome():
    names = {p.name for p in CORPUS.glob("*.bpmn")}
    assert names == set(REFUSED) | set(EXPECTED) and not set(REFUSED) & set(EXPECTED)
