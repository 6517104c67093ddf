"""Engine requirements: restricted scripts, clean failures, formless tasks, spec-free state."""
import io
import json

from tests.helpers import STEPS
from tests.samples import sequential
from workflow_app.extensions import db
from workflow_app.models import Case, Task, TraceEvent, WorkflowState


def deploy(api, data):
    r = api.post("/api/v1/procedures", as_="author1", data={"file": (io.BytesIO(data), "x.bpmn")},
                 content_type="multipart/form-data")
    assert r.status_code in (200, 201), r.json
    return r.json


def open_case(api, process_id):
    return api.open_case(procedure_id=process_id)


def test_a_script_escaping_through_subclasses_is_rejected_at_deploy(api):
    data = sequential("escape", [("user", "t1", {}),
                                 ("script", "s1", "x = ().__class__.__base__.__subclasses__()")])
    r = api.post("/api/v1/procedures", as_="author1", data={"file": (io.BytesIO(data), "x.bpmn")},
                 content_type="multipart/form-data")
    assert r.status_code == 422
    assert [p["element_id"] for p in r.json["details"]["problems"]] == ["s1"]


def test_a_runaway_script_fails_the_task_cleanly_and_leaves_the_case_unharmed(api, ctx):
    deploy(api, sequential("runaway", [("user", "t1", {}), ("script", "spin", "while True:\n    pass"),
                                       ("user", "t2", {})]))
    case = open_case(api, "runaway")
    before = db.session.get(WorkflowState, case["id"]).state
    r = api.post(f"/api/v1/tasks/{api.task(case, 't1')['id']}/complete", json={"data": {}})
    assert r.status_code == 422 and r.json["error"] == "engine_error"
    assert r.json["details"]["element_id"] == "spin" and "CPU" in r.json["errors"]["_engine"][0]
    db.session.expire_all()
    assert db.session.get(WorkflowState, case["id"]).state == before
    assert api.ready(api.get(f"/api/v1/cases/{case['id']}").json) == ["t1"]
    failed = db.session.execute(db.select(TraceEvent).where(
        TraceEvent.case_id == case["id"], TraceEvent.action == "task.failed")).scalars().all()
    assert len(failed) == 1 and json.loads(failed[0].data_json)["element"] == "spin"


def test_a_script_error_names_the_element(api):
    deploy(api, sequential("broken", [("user", "t1", {}), ("script", "divide", "x = 1 / 0")]))
    case = open_case(api, "broken")
    r = api.post(f"/api/v1/tasks/{api.task(case, 't1')['id']}/complete", json={"data": {}})
    assert r.status_code == 422 and "divide" in r.json["errors"]["_engine"][0]
    assert "ZeroDivisionError" in r.json["errors"]["_engine"][0]


def test_a_user_task_without_form_key_completes_with_an_empty_form(api):
    deploy(api, sequential("formless", [("user", "t1", {}), ("user", "t2", {})]))
    case = open_case(api, "formless")
    task = api.task(case, "t1")
    assert task["form_key"] is None
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"x": 1}})
    assert r.status_code == 422 and "x" in r.json["errors"]
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", json={})
    assert r.status_code == 200 and api.ready(r.json) == ["t2"]
    r = api.post(f"/api/v1/tasks/{api.task(r.json, 't2')['id']}/complete")  # no body at all
    assert r.status_code == 200 and r.json["status"] == "closed"


def test_instance_state_is_stored_without_the_spec(api, ctx):
    case = api.run(api.open_case(), "clue_intake", "filing_approval")
    state = json.loads(db.session.get(WorkflowState, case["id"]).state)
    assert "spec" not in state and "subprocess_specs" not in state
    assert len(json.dumps(state)) < 20_000
    version = db.session.get(Case, case["id"]).procedure_version
    assert version.bpmn_xml.count("investigation") > 0  # the spec lives once, with the version


def test_the_engine_refuses_a_task_that_is_not_ready(api, ctx):
    """Pitfall 1: even if the projection says ready, the engine checks READY itself. A projection
    that disagrees with the stored state means another request won: 409, nothing traced."""
    from sqlalchemy import text

    case = api.run(api.open_case(), "clue_intake")
    done = db.session.execute(db.select(Task).where(Task.case_id == case["id"], Task.bpmn_id == "clue_intake")
                              ).scalar_one()
    db.session.execute(text("UPDATE case_task SET state = 'ready' WHERE id = :id"), {"id": done.id})
    db.session.commit()
    before = db.session.get(WorkflowState, case["id"]).state
    events = len(api.get(f"/api/v1/cases/{case['id']}/trace").json["items"])
    r = api.post(f"/api/v1/tasks/{done.id}/complete", json={"data": STEPS["clue_intake"][1]})
    assert r.status_code == 409 and r.json["error"] == "task_not_ready"
    db.session.expire_all()
    assert db.session.get(WorkflowState, case["id"]).state == before
    assert len(api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]) == events


TIMER_BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="http://zhifaflow.local/test">
  <bpmn:process id="timed" name="timed" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="officer">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>t1</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>wait</bpmn:flowNodeRef><bpmn:flowNodeRef>t2</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="t1" name="t1"/>
    <bpmn:intermediateCatchEvent id="wait" name="wait 5 days">
      <bpmn:timerEventDefinition id="td"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P5D"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="t2" name="t2"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t1"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t1" targetRef="wait"/>
    <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="t2"/>
    <bpmn:sequenceFlow id="f4" sourceRef="t2" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_waiting_timer_is_indexed_on_the_case_for_the_worker(api):
    from datetime import timedelta

    from workflow_app.wall_clock import utcnow

    deploy(api, TIMER_BPMN)
    case = open_case(api, "timed")
    assert case["tasks"] and api.ready(case) == ["t1"]
    r = api.post(f"/api/v1/tasks/{api.task(case, 't1')['id']}/complete", json={"data": {}})
    assert r.status_code == 200 and r.json["tasks"] == []
    with api.client.application.app_context():
        row = db.session.get(Case, case["id"])
        due = row.next_timer_at
    assert due is not None
    assert abs(due - (utcnow() + timedelta(days=5))) < timedelta(minutes=5)


LOOP_BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="http://t">
  <bpmn:process id="looping" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="officer">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>work</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>again</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="work" name="work"/>
    <bpmn:exclusiveGateway id="again" default="f_done"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="again"/>
    <bpmn:sequenceFlow id="f_back" sourceRef="again" targetRef="work">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">True</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_done" sourceRef="again" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_loop_taken_too_often_stops_with_a_clear_error_before_the_engine_loses_tasks(api, monkeypatch):
    """Pitfall 3: each pass of a back-edge deepens the task tree; SpiffWorkflow stops seeing READY
    tasks at depth ~1000. The engine refuses to go past its guard instead (lowered here)."""
    api.client.application.config["ENGINE_MAX_TREE_DEPTH"] = 40
    deploy(api, LOOP_BPMN)
    case = open_case(api, "looping")
    for _ in range(100):
        task = api.task(case, "work")
        r = api.post(f"/api/v1/tasks/{task['id']}/complete", headers={"Accept-Language": "en"})
        if r.status_code != 200:
            break
        case = r.json
    assert r.status_code == 422 and "loop" in r.json["errors"]["_engine"][0]
    assert api.ready(api.get(f"/api/v1/cases/{case['id']}").json) == ["work"]  # still workable


def test_a_worker_whose_server_ended_while_it_started_exits_quietly():
    """A server that stops while a worker is still starting must not leave a traceback behind."""
    import socket
    import subprocess
    import sys

    ours, theirs = socket.socketpair()
    ours.close()  # the server is gone before the worker says it is ready
    try:
        done = subprocess.run([sys.executable, "-m", "workflow_app.engine.worker", str(theirs.fileno()), "512"],
                              pass_fds=[theirs.fileno()], capture_output=True, text=True, timeout=60)
    finally:
        theirs.close()
    assert done.returncode == 0
    assert "Traceback" not in done.stderr, done.stderr
