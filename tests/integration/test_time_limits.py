"""The decision clock and the steps taken "at any time" (APL 48, 60; 市场监督管理行政处罚程序规定
Art. 18, 64): an extension is requested by the officer and approved or refused by the head, each
a step, and an approved one moves the due time of the step it governs; the periods the law does
not count move the decision's due time; a revoked decision's disclosure is withdrawn within 3
working days, even after the case was closed. All through the API, each move traced."""
from datetime import datetime, timedelta

import pytest

from tests.helpers import (
    DAY,
    FIXED_DATES_AS_OF,
    TO_DECISION,
    days_ago,
    reached,
    to_decision_after,
    to_decision_filed,
)
from workflow_app.oversight.calendar import LOCAL_TZ, add_calendar_days, working_days_after

pytestmark = pytest.mark.dates

RECEIVED = days_ago(2)
INTAKE = ("clue_intake", {"received_on": RECEIVED, "violation_date": days_ago(5)})


def filing_due(working_days: int) -> str:
    """The end of the n-th working day after the clue was received, as the API shows it."""
    day = working_days_after(datetime.fromisoformat(RECEIVED).date(), working_days)
    return f"{day.isoformat()}T23:59:59+08:00"


def beijing(due) -> str:
    """As the API shows a due time: Beijing time, to the second, with its offset."""
    return due.at.astimezone(LOCAL_TZ).replace(microsecond=0).isoformat()


def request(api, case, kind, data, as_="officer1", expect=200):
    r = api.post(f"/api/v1/cases/{case['id']}/requests/{kind}", as_=as_, json={"data": data})
    assert r.status_code == expect, (kind, r.status_code, r.json)
    return r.json if expect == 200 else r


def decide(api, case, data, as_="head1", expect=200):
    task = api.task(case, "extension_approval")
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", as_=as_, json={"data": data})
    assert r.status_code == expect, (r.status_code, r.json)
    return r.json if expect == 200 else r


def trace(api, case):
    return api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]


def moved(api, case):
    return [e for e in trace(api, case) if e["action"] == "deadline.moved"]


def refused(api, case):
    return [e for e in trace(api, case) if e["action"] == "step.refused"]


def approve(days=None, **extra):
    return {"decision": "approve", "decided_on": days_ago(0), "opinion": "同意延期",
            **({"approved_days": days} if days else {}), **extra}


def extension(limit, days, reason="案情复杂，需要补充调查"):
    return {"limit": limit, "days": days, "reason": reason, "requested_on": days_ago(0)}


def filed_days_ago(api, clock, n, *steps):
    """The case opened and filed through the API, the clue received n + 2 days ago and the head's
    filing approval `n` days ago by the app's clock and its recorded 立案日期 (the 90-day limit
    runs from it); then `steps`, today."""
    case = api.run(api.open_case(), ("clue_intake", {"received_on": days_ago(n + 2), "violation_date": days_ago(n + 5)}))
    api.headers("head1")  # logged in today: a token issued n days ago would have expired by now
    with clock.frozen(clock.utcnow() - timedelta(days=n)):
        case = api.run(case, ("filing_approval", {"filed_on": days_ago(0)}))
    return api.run(case, *steps)


def recorded_filing(n: int) -> str:
    """The start of the day of a filing recorded n days ago, as decision_due reads it."""
    return f"{days_ago(n)}T00:00:00+08:00"


def decision_due(case_filed_at: str, days: int, excluded=frozenset()) -> str:
    return beijing(add_calendar_days(datetime.fromisoformat(case_filed_at), days, excluded))


# -- the 15-working-day filing limit (Art. 18) -------------------------------------------------------
def test_an_approved_filing_extension_moves_the_filing_due_time_by_15_working_days(api):
    """The working days follow China's calendar (tests/unit/test_deadlines.py: received 2026-09-30,
    due 10-27, extended to 11-17 across the National Day holiday and its adjusted Saturday)."""
    case = api.run(api.open_case(), INTAKE)
    assert api.task(case, "filing_approval")["due_at"] == filing_due(15)
    case = request(api, case, "extension_request", extension("filing", 15))
    assert api.ready(case) == ["extension_approval", "filing_approval"]
    assert api.task(case, "filing_approval")["due_at"] == filing_due(15)  # not yet approved
    case = decide(api, case, approve())
    assert api.task(case, "filing_approval")["due_at"] == filing_due(30)
    assert case["next_due_at"] == filing_due(30)
    [event] = moved(api, case)
    assert event["bpmn_id"] == "filing_approval"
    old, new = (datetime.fromisoformat(event["data"][k]) for k in ("old_due_at", "new_due_at"))
    assert old.astimezone(LOCAL_TZ).isoformat()[:19] == filing_due(15)[:19]  # stored in UTC
    assert new.astimezone(LOCAL_TZ).isoformat()[:19] == filing_due(30)[:19]
    assert "extension_approval: approve" in event["data"]["reason"]
    actions = [(e["action"], e["bpmn_id"]) for e in trace(api, case)]
    assert ("task.completed", "extension_request") in actions and ("task.completed", "extension_approval") in actions
    files = api.get(f"/api/v1/cases/{case['id']}/tasks").json["items"]
    request_row = next(t for t in files if t["bpmn_id"] == "extension_request")
    assert request_row["data"]["days"] == 15 and request_row["state"] == "completed"


def test_a_refused_extension_leaves_the_due_time_where_it_was(api):
    case = api.run(api.open_case(), INTAKE)
    case = request(api, case, "extension_request", extension("filing", 10))
    case = decide(api, case, {"decision": "refuse", "decided_on": days_ago(0), "opinion": "理由不充分"})
    assert api.task(case, "filing_approval")["due_at"] == filing_due(15)
    assert moved(api, case) == []
    assert "extension_approval" not in api.ready(case)


def test_a_filing_extension_longer_than_15_working_days_is_refused(api):
    case = api.run(api.open_case(), INTAKE)
    r = request(api, case, "extension_request", extension("filing", 16), expect=422)
    assert (r.json["error"], r.json["article"]) == ("EXTENSION_TOO_LONG", "《市场监督管理行政处罚程序规定》第18条")
    assert "extension_request.days" in r.json["errors"] and r.json["message_en"]
    assert refused(api, case)[-1]["data"]["code"] == "EXTENSION_TOO_LONG"


def test_the_filing_limit_is_extended_once_only(api):
    case = api.run(api.open_case(), INTAKE)
    case = decide(api, request(api, case, "extension_request", extension("filing", 5)), approve())
    r = request(api, case, "extension_request", extension("filing", 5), expect=422)
    assert r.json["error"] == "EXTENSION_EXHAUSTED"


def test_a_second_request_waits_for_the_heads_decision_on_the_first(api):
    case = api.run(api.open_case(), INTAKE)
    case = request(api, case, "extension_request", extension("filing", 5))
    r = request(api, case, "extension_request", extension("filing", 5), expect=422)
    assert r.json["error"] == "EXTENSION_PENDING"


@pytest.mark.as_of(FIXED_DATES_AS_OF)
def test_an_extension_after_the_limit_expired_is_refused(api, clock):
    """Received 2026-09-30: the filing limit expired at the end of 10-27."""
    case = api.run(api.open_case(), ("clue_intake", {"received_on": "2026-09-30", "violation_date": "2026-09-28"}))
    r = request(api, case, "extension_request", extension("filing", 15), expect=422)
    assert (r.json["error"], r.json["article"]) == ("EXTENSION_LATE", "《市场监督管理行政处罚程序规定》第18条")
    assert "2026-10-27 23:59:59" in r.json["message"]
    case = filed_days_ago(api, clock, 95, *to_decision_after(95)[:2])  # decision not reached, 90 days gone
    r = request(api, case, "extension_request", extension("decision", 30), expect=422)
    assert r.json["error"] == "EXTENSION_LATE"
    assert refused(api, case)[-1]["data"]["code"] == "EXTENSION_LATE"


def test_an_extension_with_no_running_limit_to_extend_is_refused(api):
    case = api.run(api.open_case(), INTAKE)
    r = request(api, case, "extension_request", extension("decision", 30), expect=422)  # not filed yet
    assert r.json["error"] == "EXTENSION_NOT_APPLICABLE" and "extension_request.limit" in r.json["errors"]
    case = api.run(case, "filing_approval")
    r = request(api, case, "extension_request", extension("filing", 5), expect=422)  # filed already
    assert r.json["error"] == "EXTENSION_NOT_APPLICABLE"
    assert [e["data"]["code"] for e in refused(api, case)] == ["EXTENSION_NOT_APPLICABLE"] * 2


def test_only_the_head_approves_and_only_an_officer_of_the_department_requests(api):
    case = api.run(api.open_case(), INTAKE)
    r = request(api, case, "extension_request", extension("filing", 5), as_="head1", expect=403)
    assert "执法人员" in r.json["message"]
    case = request(api, case, "extension_request", extension("filing", 5))
    decide(api, case, approve(), as_="officer1", expect=403)


# -- the 90-day decision limit (APL 60; Art. 64) -----------------------------------------------------
def test_the_decision_limit_is_extended_by_30_days_then_further_only_by_collective_discussion(api):
    case = api.run(api.open_case(), *to_decision_filed(20))
    filed_at = recorded_filing(20)
    r = request(api, case, "extension_request", extension("decision", 31), expect=422)
    assert r.json["error"] == "EXTENSION_TOO_LONG"
    case = decide(api, request(api, case, "extension_request", extension("decision", 30)), approve())
    assert api.ready(case) == ["penalty_decision"]
    assert api.task(case, "penalty_decision")["due_at"] == decision_due(filed_at, 120)
    case = request(api, case, "extension_request", extension("decision", 20))
    r = decide(api, case, approve(), expect=422)
    assert (r.json["error"], r.json["article"]) == (
        "COLLECTIVE_DISCUSSION_REQUIRED", "《行政处罚法》第60条；《市场监督管理行政处罚程序规定》第64条")
    assert "extension_approval.collective_discussion" in r.json["errors"]
    discussion = {"held_on": days_ago(0), "members": ["head1", "head2", "head3"], "conclusion": "继续延长二十日"}
    case = decide(api, case, approve(collective_discussion=discussion))
    assert api.task(case, "penalty_decision")["due_at"] == decision_due(filed_at, 140)
    events = moved(api, case)
    assert [e["data"]["new_due_at"][:10] for e in events] == [
        add_calendar_days(datetime.fromisoformat(filed_at), n).at.date().isoformat() for n in (120, 140)]
    assert all(e["bpmn_id"] == "penalty_decision" for e in events)


def test_the_head_may_grant_fewer_days_than_requested_but_not_more(api):
    case = api.run(api.open_case(), *to_decision_filed(20))
    filed_at = recorded_filing(20)
    case = request(api, case, "extension_request", extension("decision", 20))
    r = decide(api, case, approve(25), expect=422)
    assert r.json["error"] == "EXTENSION_TOO_LONG" and "extension_approval.approved_days" in r.json["errors"]
    case = decide(api, case, approve(10))
    assert api.task(case, "penalty_decision")["due_at"] == decision_due(filed_at, 100)


# -- periods not counted (APL 60; Art. 64) -----------------------------------------------------------
def test_a_testing_period_is_not_counted_in_the_90_days_and_a_correction_moves_it_again(api, clock):
    case = filed_days_ago(api, clock, 30, *to_decision_after(30))
    filed_at = reached(api.get(f"/api/v1/cases/{case['id']}").json, "filed")
    assert filed_at[:10] == days_ago(30)  # clicked on the day it records
    assert api.task(case, "penalty_decision")["due_at"] == decision_due(filed_at, 90)
    period = {"kind": "testing", "start_on": days_ago(20), "end_on": days_ago(11), "basis": "委托检验通知书"}
    case = request(api, case, "excluded_period", period)
    ten_days = frozenset(datetime.fromisoformat(days_ago(n)).date() for n in range(11, 21))
    assert api.task(case, "penalty_decision")["due_at"] == decision_due(filed_at, 90, ten_days)
    assert api.task(case, "penalty_decision")["due_at"] == decision_due(filed_at, 100)
    [event] = moved(api, case)
    assert event["data"]["reason"].startswith("excluded_period: testing")
    files = api.get(f"/api/v1/cases/{case['id']}/tasks").json["items"]
    recorded = next(t for t in files if t["bpmn_id"] == "excluded_period")
    case = request(api, case, "excluded_period", {**period, "end_on": days_ago(16), "replaces": recorded["id"]})
    assert api.task(case, "penalty_decision")["due_at"] == decision_due(filed_at, 95)
    assert len(moved(api, case)) == 2


def test_the_hearing_period_is_not_counted_in_the_90_days(api, clock):
    """Filed 100 days ago; the party asked for a hearing DAY['answered'] days ago and it was held
    DAY['hearing'] days ago: those days, both ends included, stop the clock."""
    case = filed_days_ago(api, clock, 100, *TO_DECISION[2:-1], ("statement_defence", {"hearing_requested": True}),
                          "hearing_notice", "hearing_record", "legal_review", "collective_discussion")
    filed_at = reached(api.get(f"/api/v1/cases/{case['id']}").json, "filed")
    hearing_days = DAY["answered"] - DAY["hearing"] + 1
    assert api.task(case, "penalty_decision")["due_at"] == decision_due(filed_at, 90 + hearing_days)


def test_a_period_is_refused_when_the_decision_limit_is_not_running_or_before_filing(api):
    case = api.run(api.open_case(), INTAKE)
    period = {"kind": "expert_assessment", "start_on": days_ago(0), "basis": "鉴定委托书"}
    r = request(api, case, "excluded_period", period, expect=422)
    assert (r.json["error"], r.json["article"]) == (
        "PERIOD_NOT_APPLICABLE", "《行政处罚法》第60条；《市场监督管理行政处罚程序规定》第64条")
    case = api.run(case, "filing_approval")
    r = request(api, case, "excluded_period", {**period, "start_on": days_ago(3)}, expect=422)
    assert r.json["error"] == "PERIOD_NOT_APPLICABLE" and "excluded_period.start_on" in r.json["errors"]
    r = request(api, case, "excluded_period", {**period, "end_on": days_ago(-1)}, expect=422)
    assert r.json["error"] == "DATES_OUT_OF_ORDER"


def test_an_ongoing_period_runs_through_today(api, clock):
    case = filed_days_ago(api, clock, 30, *to_decision_after(30))
    filed_at = reached(api.get(f"/api/v1/cases/{case['id']}").json, "filed")
    case = request(api, case, "excluded_period", {"kind": "announcement", "start_on": days_ago(5), "basis": "公告"})
    assert api.task(case, "penalty_decision")["due_at"] == decision_due(filed_at, 96)  # 5 days ago … today


# -- unknown steps ----------------------------------------------------------------------------------
def test_an_unknown_ad_hoc_step_is_a_404_naming_those_the_procedure_has(api):
    case = api.open_case()
    r = request(api, case, "coffee_break", {}, expect=404)
    assert "extension_request" in r.json["message"] and "disclosure_revocation" in r.json["message"]
    r = request(api, case, "extension_request", {"limit": "lunch"}, expect=422)
    assert "limit" in r.json["errors"]


# -- withdrawal of the disclosure (APL 48(2)) ----------------------------------------------------------
REVOCATION = {"revoked_by": "reconsideration", "outcome": "revoked", "body": "清河区人民政府",
              "document_number": "清政复决〔2026〕2号"}


def test_a_revoked_decisions_disclosure_is_withdrawn_within_3_working_days_even_after_closing(api):
    case = api.run(api.open_case(), *TO_DECISION, "penalty_decision", "service", "execution", "disclosure", "closing")
    assert case["status"] == "closed" and api.ready(case) == []
    revoked_on = days_ago(10)
    case = request(api, case, "disclosure_revocation", {**REVOCATION, "revoked_on": revoked_on})
    assert case["status"] == "closed"
    withdrawal = api.task(case, "disclosure_withdrawal")
    due = working_days_after(datetime.fromisoformat(revoked_on).date(), 3)
    assert withdrawal["due_at"] == f"{due.isoformat()}T23:59:59+08:00"
    assert withdrawal["deadline"] == "3 working days from disclosure_revocation.revoked_on"
    r = api.post(f"/api/v1/tasks/{withdrawal['id']}/complete",
                 json={"data": {"withdrawn_on": days_ago(11), "method": "撤下", "channel": "区政府网站"}})
    assert r.status_code == 422 and r.json["error"] == "DATES_OUT_OF_ORDER"
    r = api.post(f"/api/v1/tasks/{withdrawal['id']}/complete",
                 json={"data": {"withdrawn_on": days_ago(9), "method": "在原公示栏目撤下并发布撤回说明",
                                "channel": "区政府网站"}})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "closed" and r.json["tasks"] == []
    completed = [(e["action"], e["bpmn_id"]) for e in trace(api, case)][-4:]
    assert completed[-1] == ("task.completed", "disclosure_withdrawal")


def test_a_revocation_without_a_disclosure_is_refused(api):
    case = api.run(api.open_case(), *TO_DECISION)
    r = request(api, case, "disclosure_revocation", {**REVOCATION, "revoked_on": days_ago(1)}, expect=422)
    assert (r.json["error"], r.json["article"]) == ("DISCLOSURE_NOT_MADE", "《行政处罚法》第48条第2款")
    assert refused(api, case)[-1]["data"]["code"] == "DISCLOSURE_NOT_MADE"


@pytest.mark.parametrize("kind", ["extension_request", "excluded_period", "disclosure_revocation"])
def test_a_case_that_was_not_filed_takes_no_ad_hoc_step(api, kind):
    case = api.run(api.open_case(), "clue_intake", ("filing_approval", {"filing_decision": "not_file"}))
    data = {"extension_request": extension("decision", 10),
            "excluded_period": {"kind": "testing", "start_on": days_ago(0), "basis": "x"},
            "disclosure_revocation": {**REVOCATION, "revoked_on": days_ago(0)}}[kind]
    r = request(api, case, kind, data, expect=422)
    assert r.json["error"] in ("EXTENSION_NOT_APPLICABLE", "PERIOD_NOT_APPLICABLE", "DISCLOSURE_NOT_MADE")


def test_a_correction_must_name_a_recorded_period_of_the_case(api):
    case = api.run(api.open_case(), *TO_DECISION)
    r = request(api, case, "excluded_period", {"kind": "testing", "start_on": days_ago(0), "basis": "x",
                                               "replaces": 999999}, expect=422)
    assert "replaces" in r.json["errors"]


def test_the_openapi_document_describes_the_ad_hoc_steps(api):
    doc = api.client.get("/api/v1/openapi.json").json
    operation = doc["paths"]["/cases/{case_id}/requests/{kind}"]["post"]
    assert {p["name"] for p in operation["parameters"]} == {"case_id", "kind"}
    assert {"200", "403", "404", "422"} <= set(operation["responses"])


def test_the_decision_limit_extended_during_the_investigation_governs_the_decision_when_it_comes(api):
    case = api.run(api.open_case(), *to_decision_filed(20)[:2])
    filed_at = recorded_filing(20)
    assert api.ready(case) == ["investigation"]
    case = decide(api, request(api, case, "extension_request", extension("decision", 30)), approve())
    assert moved(api, case) == []  # no step of the limit is open yet: nothing moved
    case = api.run(case, *to_decision_filed(20)[2:])
    assert api.task(case, "penalty_decision")["due_at"] == decision_due(filed_at, 120)
