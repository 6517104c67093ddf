"""general_penalty driven through every branch via the API (DOMAIN.md, the general procedure)."""
import pytest

from tests.helpers import FIXED_DATES_AS_OF, NO_PENALTY_REPORT, TO_DECISION, TRANSFER_REPORT, reached
from workflow_app.oversight.identity import with_resident_check

pytestmark = pytest.mark.dates


def test_penalty_without_review_goes_from_intake_to_closing(api):
    case = api.open_case()
    assert case["status"] == "intake" and api.ready(case) == ["clue_intake"]
    case = api.run(case, *TO_DECISION)
    assert case["status"] == "investigating" and reached(case, "filed")
    assert api.ready(case) == ["penalty_decision"]  # 20,000 yuan for an organization: not major
    case = api.run(case, "penalty_decision")
    assert case["status"] == "decided" and api.ready(case) == ["disclosure", "service"]
    case = api.run(case, "disclosure", "service")
    assert case["status"] == "served" and api.ready(case) == ["execution"]
    case = api.run(case, "execution", "closing")
    assert case["status"] == "closed" and case["closed_at"] and case["tasks"] == []


def test_a_clue_not_filed_ends_the_case_as_not_filed(api):
    case = api.run(api.open_case(), "clue_intake", ("filing_approval", {"filing_decision": "not_file",
                                                                         "reason": "不属于本机关管辖"}))
    assert case["status"] == "not_filed" and case["closed_at"] and case["tasks"] == []
    assert reached(case, "filed") is None and reached(case, "not_filed") == case["closed_at"]


def test_a_proposal_not_to_penalize_goes_to_a_no_penalty_decision_served_and_closing(api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval", "investigation", NO_PENALTY_REPORT)
    assert api.ready(case) == ["no_penalty_decision"]
    case = api.run(case, "no_penalty_decision")
    assert case["status"] == "decided" and api.ready(case) == ["no_penalty_service"]  # APL 61: served
    case = api.run(case, "no_penalty_service")
    assert case["status"] == "served" and api.ready(case) == ["closing"]
    assert api.run(case, "closing")["status"] == "closed"


def test_a_proposal_to_transfer_goes_to_the_heads_approval_the_transfer_and_the_polices_answer(api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval", "investigation", TRANSFER_REPORT)
    assert api.ready(case) == ["transfer_approval"]
    case = api.run(case, "transfer_approval", "transfer", "transfer_service", "transfer_feedback")
    assert api.ready(case) == ["closing"]
    assert api.run(case, "closing")["status"] == "closed"


def test_a_requested_hearing_is_held_and_makes_review_and_discussion_required(api):
    case = api.run(api.open_case(), *TO_DECISION[:-1], ("statement_defence", {"hearing_requested": True}))
    assert api.ready(case) == ["hearing_notice"]
    case = api.run(case, "hearing_notice")
    assert api.ready(case) == ["hearing_record"]
    case = api.run(case, "hearing_record")
    assert api.ready(case) == ["legal_review"]  # APL 58: a hearing was held
    case = api.run(case, "legal_review")
    assert api.ready(case) == ["collective_discussion"]
    case = api.run(case, "collective_discussion")
    assert api.ready(case) == ["penalty_decision"]


def test_a_large_fine_for_an_individual_requires_legal_review(api):
    case = api.open_case(party={"name": "张某", "kind": "person"})
    case = api.run(case, ("clue_intake", {"party_id_number": with_resident_check("99010519850312001")}),
                   *TO_DECISION[1:3], ("investigation_report", {"proposed_fine": 10000}),
                   *TO_DECISION[4:])
    assert api.ready(case) == ["legal_review"]


def test_the_same_fine_for_an_organization_needs_no_review(api):
    case = api.run(api.open_case(), *TO_DECISION[:3], ("investigation_report", {"proposed_fine": 10000}),
                   *TO_DECISION[4:])
    assert api.ready(case) == ["penalty_decision"]


def test_licence_revocation_requires_review(api):
    case = api.run(api.open_case(), *TO_DECISION[:3],
                   ("investigation_report", {"proposed_penalty_kinds": ["fine", "revoke_licence"]}),
                   *TO_DECISION[4:])
    assert api.ready(case) == ["legal_review"]


def test_a_complex_case_goes_to_legal_review_and_collective_discussion(api):
    """APL Art. 58(1)(三): a complex case needs legal review; Art. 57(2): the heads discuss it."""
    case = api.run(api.open_case(), *TO_DECISION[:3], ("investigation_report", {"complex_case": True}),
                   *TO_DECISION[4:])
    assert api.ready(case) == ["legal_review"]
    case = api.run(case, "legal_review")
    assert api.ready(case) == ["collective_discussion"]
    case = api.run(case, "collective_discussion", "penalty_decision")
    assert case["status"] == "decided"


def test_a_returned_review_sends_the_case_back_to_investigation_with_opinions(api):
    case = api.run(api.open_case(), *TO_DECISION[:3], ("investigation_report", {"major_case": True}),
                   *TO_DECISION[4:])
    case = api.run(case, ("legal_review", {"review_outcome": "return", "opinions": "证据不足，补充调查"}))
    assert api.ready(case) == ["investigation"]
    # investigate again, new report (still major), new notice and answer
    case = api.run(case, "investigation", ("investigation_report", {"major_case": True}), *TO_DECISION[4:])
    assert api.ready(case) == ["legal_review"]
    case = api.run(case, "legal_review", "collective_discussion", "penalty_decision")
    assert case["status"] == "decided"
    actions = [e["action"] for e in api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]]
    assert actions.count("legal_review.returned") == 1 and actions.count("legal_review.approved") == 1
    returned = next(e for e in api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]
                    if e["action"] == "legal_review.returned")
    assert returned["data"]["opinions"] == "证据不足，补充调查" and returned["actor"] == "reviewer1"


@pytest.mark.as_of(FIXED_DATES_AS_OF)
def test_deadlines_are_set_from_the_bpmn(api):
    case = api.run(api.open_case(), ("clue_intake", {"received_on": "2026-11-02", "violation_date": "2026-10-20"}))
    approval = api.task(case, "filing_approval")
    assert approval["deadline"] == "15 working days from clue_intake.received_on extendable as filing"
    assert approval["due_at"] == "2026-11-23T23:59:59+08:00"  # received 11-02: the 15th working day
    case = api.run(api.open_case(), *TO_DECISION)  # the recorded dates of the helpers, in legal order
    decision = api.task(case, "penalty_decision")
    assert decision["deadline"] == "90 calendar days from milestone.filed excluding periods, extendable as decision" and decision["due_at"]
    assert case["next_due_at"] == decision["due_at"]


def test_the_parallel_branches_join_in_either_order(api):
    case = api.run(api.open_case(), *TO_DECISION, "penalty_decision", "service", "execution")
    assert case["status"] == "served" and api.ready(case) == ["disclosure"]  # the join waits
    case = api.run(case, "disclosure")
    assert api.ready(case) == ["closing"]


LATE_ANCHOR = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="http://t">
  <bpmn:process id="late_anchor" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="officer">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>fork</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>report</bpmn:flowNodeRef><bpmn:flowNodeRef>file</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>filed</bpmn:flowNodeRef><bpmn:flowNodeRef>join</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:parallelGateway id="fork"/>
    <bpmn:userTask id="report" name="report"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="deadline" value="90 calendar days from milestone.filed"/>
    </spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>
    <bpmn:userTask id="file" name="file"/>
    <bpmn:intermediateThrowEvent id="filed"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="milestone" value="filed"/>
    </spiffworkflow:properties></bpmn:extensionElements></bpmn:intermediateThrowEvent>
    <bpmn:parallelGateway id="join"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fork"/>
    <bpmn:sequenceFlow id="f2" sourceRef="fork" targetRef="report"/>
    <bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="file"/>
    <bpmn:sequenceFlow id="f4" sourceRef="file" targetRef="filed"/>
    <bpmn:sequenceFlow id="f5" sourceRef="filed" targetRef="join"/>
    <bpmn:sequenceFlow id="f6" sourceRef="report" targetRef="join"/>
    <bpmn:sequenceFlow id="f7" sourceRef="join" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_deadline_whose_anchor_comes_later_is_set_when_it_arrives(api):
    import io

    r = api.post("/api/v1/procedures", as_="author1", data={"file": (io.BytesIO(LATE_ANCHOR.encode()), "x.bpmn")},
                 content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    case = api.open_case(procedure_id="late_anchor")
    assert api.task(case, "report")["due_at"] is None and case["next_due_at"] is None
    case = api.post(f"/api/v1/tasks/{api.task(case, 'file')['id']}/complete").json
    assert reached(case, "filed") and api.task(case, "report")["due_at"]
    assert case["next_due_at"] == api.task(case, "report")["due_at"]


def test_the_extension_path_the_officer_requests_the_head_approves_and_the_case_is_decided_in_time(api):
    """APL 60: the 90-day limit extended by 30 days with the head's approval, the decision made and
    the case closed; the request and the approval are steps of the case file."""
    from tests.helpers import days_ago, to_decision_filed

    case = api.run(api.open_case(), *to_decision_filed(60))  # the decision (DAY["decided"]) follows
    before = api.task(case, "penalty_decision")["due_at"]
    r = api.post(f"/api/v1/cases/{case['id']}/requests/extension_request", json={"data": {
        "limit": "decision", "days": 30, "reason": "案情复杂，需补充调查", "requested_on": days_ago(0)}})
    assert r.status_code == 200, r.json
    case = r.json
    assert api.ready(case) == ["extension_approval", "penalty_decision"]
    approval = api.task(case, "extension_approval")
    r = api.post(f"/api/v1/tasks/{approval['id']}/complete", as_="head1", json={"data": {
        "decision": "approve", "decided_on": days_ago(0), "opinion": "同意延长三十日"}})
    assert r.status_code == 200, r.json
    case = r.json
    assert api.ready(case) == ["penalty_decision"] and api.task(case, "penalty_decision")["due_at"] > before
    case = api.run(case, "penalty_decision", "service", "execution", "disclosure", "closing")
    assert case["status"] == "closed" and case["tasks"] == []
    done = sorted((t["completed_at"], t["id"], t["bpmn_id"])
                  for t in api.get(f"/api/v1/cases/{case['id']}/tasks").json["items"] if t["state"] == "completed")
    steps = [bpmn_id for _, _, bpmn_id in done]
    assert steps.index("extension_request") < steps.index("extension_approval") < steps.index("penalty_decision")
