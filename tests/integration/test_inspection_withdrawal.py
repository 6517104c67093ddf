"""终止检查: an inspection whose visit is not carried out yet is ended lawfully (bpmn/inspection's
event subprocess esp_withdrawal, an ad-hoc step started through /requests/inspection_withdrawal):
the officer asks with the reason, the head approves, the case closes as withdrawn (已终止检查) with
the waiting step cancelled; refused, the inspection goes on. After the on-site record it is refused
(INSPECTION_ALREADY_CARRIED_OUT). A withdrawn visit counts towards no frequency, raises no
INSPECTION_RESULT_NOT_DISCLOSED, and the enterprise's public check no longer shows it."""
import pytest

from tests.helpers import days_ago
from tests.inspection import Inspection
from tests.integration.test_inspection import alert_codes, planned
from workflow_app.extensions import db
from workflow_app.services.inspections import visits as inspections
from workflow_app.services.oversight import alerts

pytestmark = pytest.mark.dates

REQUEST = {"withdrawal_reason": "deregistered", "withdrawal_details": "经查询国家企业信用信息公示系统，该企业已办理注销登记。"}


def ask(api, case, expect=200, **changes):
    r = api.post(f"/api/v1/cases/{case['id']}/requests/inspection_withdrawal",
                 json={"data": {**REQUEST, "requested_on": days_ago(1), **changes}})
    assert r.status_code == expect, r.json
    return r.json


def decide(api, case, decision="approve", expect=200):
    return api.submit(case, "withdrawal_approval", "head1",
                      {"withdrawal_decision": decision, "decided_on": days_ago(0),
                       "opinion": "企业已注销，同意终止检查。" if decision == "approve" else "请先实地核实。"}, expect)


def trace(api, case) -> list[dict]:
    return api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]


def test_a_registered_visit_is_withdrawn_with_the_heads_approval_and_the_case_closes_as_withdrawn(app, api):
    inspection = Inspection(api)
    case = inspection.run(inspection.open(), "inspection_trigger", "visit_registration")
    offered = {s["kind"]: s for s in api.get(f"/api/v1/cases/{case['id']}/requests").json["items"]}
    assert offered["inspection_withdrawal"]["available"] is True
    case = ask(api, case)
    assert api.ready(case) == ["inspection_record", "withdrawal_approval"]  # the visit waits for the head
    assert case["status"] == "registered"
    case = decide(api, case)
    assert case["status"] == "withdrawn" and case["tasks"] == []
    assert case["closed_at"] and [m["milestone"] for m in case["milestones"]][-1] == "withdrawn"
    assert case["milestones"][-1]["bpmn_id"] == "inspection_withdrawn"
    tasks = api.get(f"/api/v1/cases/{case['id']}/tasks").json["items"]
    assert {t["bpmn_id"]: t["state"] for t in tasks}["inspection_record"] == "cancelled"
    events = trace(api, case)
    request = next(e for e in events if e["action"] == "task.completed" and e["bpmn_id"] == "inspection_withdrawal")
    assert request["data"]["form"]["withdrawal_reason"] == "deregistered" and request["actor"] == "officer1"
    assert any(e["action"] == "task.completed" and e["bpmn_id"] == "withdrawal_approval" and e["actor"] == "head1"
               for e in events)
    with app.app_context():
        alerts.scan()
        db.session.remove()
    assert alert_codes(app, case["id"]) == set()  # no result to disclose


def test_a_refused_withdrawal_leaves_the_inspection_where_it_was(api):
    inspection = Inspection(api)
    case = inspection.run(inspection.open(), "inspection_trigger", "visit_registration")
    case = decide(api, ask(api, case), "refuse")
    assert case["status"] == "registered" and api.ready(case) == ["inspection_record"]
    case = inspection.run(case, "inspection_record", "inspection_result", "inspection_disclosure",
                          "inspection_closing")
    assert case["status"] == "closed"


def test_a_second_withdrawal_while_the_first_awaits_the_head_is_refused_and_offered_again_once_decided(api):
    inspection = Inspection(api)
    case = ask(api, inspection.run(inspection.open(), "inspection_trigger", "visit_registration"))
    offered = {s["kind"]: s for s in api.get(f"/api/v1/cases/{case['id']}/requests").json["items"]}
    assert offered["inspection_withdrawal"]["available"] is False
    assert offered["inspection_withdrawal"]["refusal"]["code"] == "REQUEST_PENDING"
    refused = ask(api, case, expect=422)
    assert refused["details"]["rules"] == [{"code": "REQUEST_PENDING", "article": None}]
    assert "尚在办理中" in refused["message"] and refused["details"]["pending_step"] == "withdrawal_approval"
    assert api.ready(case) == ["inspection_record", "withdrawal_approval"]  # one approval, not two
    assert [e["action"] for e in trace(api, case)][-1] == "step.refused"
    case = decide(api, case, "refuse")
    again = ask(api, case)  # decided: it may be asked again
    assert api.ready(again) == ["inspection_record", "withdrawal_approval"]


def test_an_inspection_not_yet_triggered_may_be_withdrawn_too(api):
    inspection = Inspection(api)
    case = decide(api, ask(api, inspection.open(), requested_on=days_ago(0)))
    assert case["status"] == "withdrawn" and case["tasks"] == []


def test_a_visit_carried_out_is_not_withdrawn_it_ends_with_its_result(api):
    inspection = Inspection(api)
    case = inspection.run(inspection.open(), "inspection_trigger", "visit_registration", "inspection_record")
    offered = {s["kind"]: s for s in api.get(f"/api/v1/cases/{case['id']}/requests").json["items"]}
    assert offered["inspection_withdrawal"]["refusal"]["code"] == "INSPECTION_ALREADY_CARRIED_OUT"
    refused = ask(api, case, expect=422)
    assert refused["error"] == "INSPECTION_ALREADY_CARRIED_OUT" and "现场检查记录" in refused["message"]
    # asked before the record, the record made while the head had not decided: the approval is refused
    late = inspection.run(inspection.open(), "inspection_trigger", "visit_registration")
    late = inspection.run(ask(api, late), "inspection_record")
    r = decide(api, late, expect=422)
    assert r.json["error"] == "INSPECTION_ALREADY_CARRIED_OUT"
    case = decide(api, late, "refuse")
    assert api.ready(case) == ["inspection_result"]


def test_only_the_head_approves_and_a_reason_is_required(api):
    inspection = Inspection(api)
    case = inspection.run(inspection.open(), "inspection_trigger")
    r = api.post(f"/api/v1/cases/{case['id']}/requests/inspection_withdrawal",
                 json={"data": {"withdrawal_details": "企业已注销", "requested_on": days_ago(0)}})
    assert r.status_code == 422 and "withdrawal_reason" in r.json["errors"]
    case = ask(api, case, requested_on=days_ago(0))
    task = api.task(case, "withdrawal_approval")
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", as_="officer2",
                 json={"data": {"withdrawal_decision": "approve", "decided_on": days_ago(0), "opinion": "同意"}})
    assert r.status_code == 403


def test_a_withdrawn_visit_counts_towards_no_frequency_and_its_public_check_is_gone(app, api):
    inspection = Inspection(api)
    inspection.publish_plan(max_per_enterprise=1)
    withdrawn = inspection.run(inspection.open(), ("inspection_trigger", planned(inspection)), "visit_registration")
    with app.app_context():
        token = inspections.visit_token(withdrawn["id"])
    public = app.test_client()
    assert public.get(f"/visit/{token}").status_code == 200
    withdrawn = decide(api, ask(api, withdrawn))
    assert withdrawn["status"] == "withdrawn"
    assert public.get(f"/visit/{token}").status_code == 404  # nobody is let in on a withdrawn visit
    made = inspection.run(inspection.open(), ("inspection_trigger", planned(inspection)), "visit_registration",
                          "inspection_record")
    assert alert_codes(app, made["id"]) == set()  # the one visit made this year: the withdrawn one is none
