"""No accepted step may leave a case unable to move, through the API, the engine workers and the
timer worker, on SQLite and PostgreSQL.

A step whose state could not be stored and loaded again, or that would leave the case with nothing
to do, is refused (422 `engine_error`), the case as it was, the attempt traced like any other
engine failure (`task.failed`, `case.open_failed`, `timer.failed`). A timer on an event-based
gateway fires. Every step a person does is in the inbox of a role and can be completed.
"""
import io
import json
import time

from tests.helpers import STEPS
from tests.samples import HEADER, process, sequential
from tests.web_session import html, page_login
from workflow_app.extensions import db
from workflow_app.models import Case, TraceEvent, WorkflowState
from workflow_app.models.types import utcnow
from workflow_app.services.audit import verify as audit_verify
from workflow_app.services.cases import timers

EN = {"Accept-Language": "en"}
SIGNAL = '<bpmn:signal id="sig" name="sig"/>'
NEVER = ('<bpmn:intermediateCatchEvent id="never" name="never"><bpmn:signalEventDefinition signalRef="sig"/>'
         "</bpmn:intermediateCatchEvent>")
WAIT_1S = ('<bpmn:intermediateCatchEvent id="wait" name="wait"><bpmn:timerEventDefinition id="td">'
           '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT1S"</bpmn:timeDuration>'
           "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>")


def deploy(api, data: bytes, expect: int | tuple = (200, 201)):
    r = api.post("/api/v1/procedures", as_="author1", data={"file": (io.BytesIO(data), "x.bpmn")},
                 content_type="multipart/form-data", headers=EN)
    assert r.status_code in (expect if isinstance(expect, tuple) else (expect,)), r.json
    return r


def declare(xml: bytes, declarations: str) -> bytes:
    return xml.replace(b"<bpmn:process", declarations.encode() + b"<bpmn:process", 1)


def chain(process_id: str, elements: list[tuple[str, str]], declarations: str = "") -> bytes:
    """start → each (id, xml) in order → end, in the officer lane."""
    ids = ["start", *(i for i, _ in elements), "end"]
    body = '<bpmn:startEvent id="start"/>' + "".join(x for _, x in elements) + '<bpmn:endEvent id="end"/>'
    flows = [(f"f{n}", a, b) for n, (a, b) in enumerate(zip(ids, ids[1:], strict=False))]
    xml = process(process_id, body, ids, flows)
    return declare(xml, declarations) if declarations else xml


def traced(case_id, action: str) -> list[dict]:
    return [json.loads(e.data_json) for e in db.session.execute(db.select(TraceEvent).where(
        TraceEvent.case_id == case_id, TraceEvent.action == action)).scalars()]


# -- the state a step leaves must load again --------------------------------------------------------
def test_a_step_whose_data_could_not_be_loaded_again_is_refused_the_case_unchanged_and_traced(api, ctx, app):
    """Form data nested deeper than the engine copies safely: the check is the last thing every
    step does in the engine worker, whatever put the data there (lowered here so that an ordinary
    form's list of evidence items is too deep)."""
    case = api.run(api.open_case(), "clue_intake", "filing_approval")
    before = db.session.get(WorkflowState, case["id"]).state
    app.config["ENGINE_MAX_DATA_DEPTH"] = 2
    task = api.task(case, "investigation")
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": STEPS["investigation"][1]}, headers=EN)
    assert r.status_code == 422 and r.json["error"] == "engine_error", r.json
    assert "'evidence' nests more than 2 levels deep" in r.json["errors"]["_engine"][0]
    db.session.expire_all()
    assert db.session.get(WorkflowState, case["id"]).state == before
    assert api.ready(api.get(f"/api/v1/cases/{case['id']}").json) == ["investigation"]
    assert "levels deep" in traced(case["id"], "task.failed")[0]["error"]
    app.config["ENGINE_MAX_DATA_DEPTH"] = None
    assert api.complete(api.get(f"/api/v1/cases/{case['id']}").json, "investigation")["tasks"]
    assert audit_verify.verify(case["id"]).ok


def test_a_script_leaving_nan_fails_its_task_naming_the_script(api, ctx):
    deploy(api, sequential("leaves_nan", [("user", "t1", {}), ("script", "ratio", "r = float('nan')"),
                                          ("user", "t2", {})]))
    case = api.open_case(procedure_id="leaves_nan")
    r = api.post(f"/api/v1/tasks/{api.task(case, 't1')['id']}/complete", json={}, headers=EN)
    assert r.status_code == 422 and r.json["details"]["element_id"] == "ratio"
    assert "not a JSON number" in r.json["errors"]["_engine"][0]
    assert api.ready(api.get(f"/api/v1/cases/{case['id']}").json) == ["t1"]


# -- a step may not leave the case with nothing to do -----------------------------------------------
def test_a_step_that_would_strand_the_case_is_refused_and_the_task_stays_workable(api, ctx):
    deploy(api, chain("strands", [("t1", '<bpmn:userTask id="t1" name="t1"/>'), ("never", NEVER),
                                  ("t2", '<bpmn:userTask id="t2" name="t2"/>')], SIGNAL))
    case = api.open_case(procedure_id="strands")
    before = db.session.get(WorkflowState, case["id"]).state
    r = api.post(f"/api/v1/tasks/{api.task(case, 't1')['id']}/complete", json={}, headers=EN)
    assert r.status_code == 422 and r.json["details"]["element_id"] == "never"
    assert "nothing to do" in r.json["errors"]["_engine"][0]
    db.session.expire_all()
    assert db.session.get(WorkflowState, case["id"]).state == before
    assert api.ready(api.get(f"/api/v1/cases/{case['id']}").json) == ["t1"]
    assert traced(case["id"], "task.failed")[0]["element"] == "never"


def test_a_case_that_would_open_stranded_is_not_opened_and_the_attempt_is_traced(api, ctx):
    deploy(api, chain("opens_stranded", [("never", NEVER)], SIGNAL))
    cases = db.session.execute(db.select(db.func.count(Case.id))).scalar()
    r = api.post("/api/v1/cases", json={"procedure_id": "opens_stranded", "title": "t", "department": "market",
                                        "party": {"name": "某公司", "kind": "organization"}}, headers=EN)
    assert r.status_code == 422 and r.json["details"]["element_id"] == "never"
    failed = db.session.execute(db.select(TraceEvent).where(TraceEvent.action == "case.open_failed")).scalars().all()
    assert [json.loads(e.data_json)["element"] for e in failed] == ["never"]
    assert db.session.execute(db.select(db.func.count(Case.id))).scalar() == cases


def test_a_timer_that_would_strand_the_case_fails_is_traced_and_retried_the_case_unchanged(api, ctx):
    deploy(api, chain("timer_strands", [("t1", '<bpmn:userTask id="t1" name="t1"/>'), ("wait", WAIT_1S),
                                        ("never", NEVER)], SIGNAL))
    case = api.open_case(procedure_id="timer_strands")
    r = api.post(f"/api/v1/tasks/{api.task(case, 't1')['id']}/complete", json={})
    assert r.status_code == 200 and r.json["tasks"] == []
    state = db.session.get(WorkflowState, case["id"]).state
    time.sleep(1.3)  # the engine worker's clock: SpiffWorkflow reads it there
    now = utcnow()
    done = timers.fire_due(now=now)
    assert done.fired == [] and [n for n, _ in done.failed] == [case["number"]] and "nothing to do" in done.failed[0][1]
    db.session.expire_all()
    assert db.session.get(WorkflowState, case["id"]).state == state
    assert db.session.get(Case, case["id"]).next_timer_at == now + timers.RETRY_AFTER
    assert traced(case["id"], "timer.failed")[0]["element"] == "never"
    assert audit_verify.verify(case["id"]).ok


# -- timers on an event-based gateway ---------------------------------------------------------------
def event_gateway(process_id: str) -> bytes:
    body = ('<bpmn:startEvent id="start"/><bpmn:userTask id="t1" name="t1"/><bpmn:eventBasedGateway id="gw"/>'
            + WAIT_1S + '<bpmn:intermediateCatchEvent id="answer"><bpmn:messageEventDefinition messageRef="m"/>'
            '</bpmn:intermediateCatchEvent><bpmn:userTask id="late" name="late"/>'
            '<bpmn:userTask id="answered" name="answered"/><bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>')
    xml = process(process_id, body, ["start", "t1", "gw", "wait", "answer", "late", "answered", "e1", "e2"],
                  [("f1", "start", "t1"), ("f2", "t1", "gw"), ("f3", "gw", "wait"), ("f4", "gw", "answer"),
                   ("f5", "wait", "late"), ("f6", "answer", "answered"), ("f7", "late", "e1"),
                   ("f8", "answered", "e2")])
    return declare(xml, '<bpmn:message id="m" name="m"/>')


def test_the_timer_of_an_event_based_gateway_is_indexed_and_the_timer_worker_fires_it(api, ctx):
    deploy(api, event_gateway("evgw"))
    case = api.open_case(procedure_id="evgw")
    r = api.post(f"/api/v1/tasks/{api.task(case, 't1')['id']}/complete", json={})
    assert r.status_code == 200 and r.json["tasks"] == []
    due = db.session.get(Case, case["id"]).next_timer_at
    assert due is not None
    time.sleep(max(0.0, (due - utcnow()).total_seconds()) + 0.3)
    assert timers.fire_due().fired == [case["number"]]
    assert api.ready(api.get(f"/api/v1/cases/{case['id']}").json) == ["late"]
    db.session.expire_all()
    assert db.session.get(Case, case["id"]).next_timer_at is None


# -- every step a person does is in a role's inbox and can be completed --------------------------------
MANUAL_STEPS = HEADER.encode() + b"""<bpmn:process id="manual_steps" name="manual_steps" isExecutable="true">
<bpmn:laneSet id="ls">
  <bpmn:lane id="l_officer" name="officer"><bpmn:flowNodeRef>start</bpmn:flowNodeRef>
    <bpmn:flowNodeRef>sign</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane>
  <bpmn:lane id="l_head" name="\xe9\x83\xa8\xe9\x97\xa8\xe8\xb4\x9f\xe8\xb4\xa3\xe4\xba\xba"><bpmn:flowNodeRef>look</bpmn:flowNodeRef></bpmn:lane>
</bpmn:laneSet>
<bpmn:startEvent id="start"/><bpmn:manualTask id="sign" name="sign the record"/><bpmn:task id="look" name="look it over"/>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sign"/><bpmn:sequenceFlow id="f2" sourceRef="sign" targetRef="look"/>
<bpmn:sequenceFlow id="f3" sourceRef="look" targetRef="end"/>
</bpmn:process></bpmn:definitions>
"""


def inbox(api, username: str) -> list[str]:
    return [t["bpmn_id"] for t in api.get("/api/v1/tasks?mine=1&per_page=200", as_=username).json["items"]]


def test_a_manual_task_and_a_plain_task_wait_in_their_roles_inboxes_and_complete_without_a_form(api, client):
    deploy(api, MANUAL_STEPS)
    case = api.open_case(procedure_id="manual_steps")
    sign = api.task(case, "sign")
    assert sign["lane"] == "officer" and sign["form_key"] is None
    assert "sign" in inbox(api, "officer1") and "sign" not in inbox(api, "head1")
    page_login(client, "officer1")
    assert "sign the record" in html(client.get(f"/tasks/{sign['id']}"))  # the page of a step with no form
    r = api.post(f"/api/v1/tasks/{sign['id']}/complete")  # no body: a manual task has no form
    assert r.status_code == 200 and api.ready(r.json) == ["look"]
    look = api.task(r.json, "look")
    assert look["lane"] == "department_head" and "look" in inbox(api, "head1") and "look" not in inbox(api, "officer1")
    assert api.post(f"/api/v1/tasks/{look['id']}/complete", as_="officer1").status_code == 403
    r = api.post(f"/api/v1/tasks/{look['id']}/complete", as_="head1", json={"data": {}})
    assert r.status_code == 200 and r.json["status"] == "closed"


def problems(r) -> list[tuple[str | None, str]]:
    return [(p["element_id"], p["message"]) for p in r.json["details"]["problems"]]


def test_a_plain_task_without_a_role_lane_is_refused_at_deploy_located(api):
    no_lane = HEADER + ('<bpmn:process id="plain" isExecutable="true"><bpmn:startEvent id="start"/>'
                        '<bpmn:task id="t" name="t"/><bpmn:endEvent id="end"/>'
                        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t"/>'
                        '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="end"/></bpmn:process></bpmn:definitions>')
    r = deploy(api, no_lane.encode(), 422)
    assert [(e, "must be in a lane" in m) for e, m in problems(r)] == [("t", True)]
    assert r.json["details"]["problems"][0]["line"]
    r = deploy(api, MANUAL_STEPS.replace("部门负责人".encode(), b"cleaners"), 422)
    assert [e for e, _ in problems(r)] == ["l_head"] and "not a known role" in problems(r)[0][1]


def test_a_task_the_engine_puts_in_its_subprocess_lane_is_checked_in_that_lane(api):
    """SpiffWorkflow gives a task inside a subprocess the subprocess's lane, whatever the task's own
    flowNodeRef says: the deploy checks the lane the engine will use."""
    xml = HEADER + '''<bpmn:process id="sub_lane" isExecutable="true"><bpmn:laneSet id="ls">
<bpmn:lane id="a" name="officer"><bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>inner</bpmn:flowNodeRef>
<bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane><bpmn:lane id="b" name="Filing room"><bpmn:flowNodeRef>sub</bpmn:flowNodeRef></bpmn:lane>
</bpmn:laneSet><bpmn:startEvent id="start"/><bpmn:subProcess id="sub"><bpmn:startEvent id="s2"/><bpmn:userTask id="inner"/>
<bpmn:endEvent id="e2"/><bpmn:sequenceFlow id="g1" sourceRef="s2" targetRef="inner"/>
<bpmn:sequenceFlow id="g2" sourceRef="inner" targetRef="e2"/></bpmn:subProcess><bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub"/><bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="end"/>
</bpmn:process></bpmn:definitions>'''
    r = deploy(api, xml.encode(), 422)
    assert [e for e, _ in problems(r)] == ["inner"] and "'Filing room'" in problems(r)[0][1]


def test_a_repeating_timer_is_refused_at_deploy_located(api):
    from tests.samples import timer

    r = deploy(api, timer("cycle", '"R3/P1D"', "timeCycle"), 422)
    assert [e for e, _ in problems(r)] == ["wait"] and "repeating timer" in problems(r)[0][1]
