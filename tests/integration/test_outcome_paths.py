"""The lawful outcomes of the general procedure besides a penalty paid on time (issue 6 §3):
"no penalty" with its decision served (APL 30-33, 61), the transfer to the judiciary (APL 27;
国务院《行政执法机关移送涉嫌犯罪案件的规定》), execution that must actually finish before the
case closes (APL 66, 72; 行政强制法 53-54) and deferred or instalment payment approved by the
head (APL 66(2), 72). Each path is walked through the HTTP API; each new rule is refused with its
code and article, traced, next to the lawful step.
"""
from datetime import date, datetime

import pytest

from tests.helpers import DAY, NO_PENALTY_REPORT, STEPS, TO_DECISION, TRANSFER_REPORT, days_ago, reached
from tests.integration.test_step_rules import assert_refused
from workflow_app.oversight.calendar import LOCAL_TZ, add_calendar_days, add_working_days

pytestmark = pytest.mark.dates


def due_day(task: dict) -> str:
    """A task's due time as its Beijing calendar day."""
    return datetime.fromisoformat(task["due_at"]).astimezone(LOCAL_TZ).date().isoformat()


def start_of(iso: str) -> datetime:
    return datetime.combine(date.fromisoformat(iso), datetime.min.time(), tzinfo=LOCAL_TZ)


def trace_actions(api, case) -> list[str]:
    return [e["action"] for e in api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]]


# -- no penalty (APL 30-33): decided, served, closed -----------------------------------------------
def test_a_decision_not_to_penalize_is_served_before_the_case_closes(api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval", "investigation", NO_PENALTY_REPORT)
    assert api.ready(case) == ["no_penalty_decision"]
    case = api.run(case, "no_penalty_decision")
    assert case["status"] == "decided" and api.ready(case) == ["no_penalty_service"]
    service = api.task(case, "no_penalty_service")
    decided = STEPS["no_penalty_decision"][1]["decided_on"]
    assert service["form_key"] == "service"  # the same service record, its rules and its stable fields
    assert due_day(service) == add_working_days(start_of(decided), 7).at.astimezone(LOCAL_TZ).date().isoformat()
    case = api.run(case, "no_penalty_service")
    assert case["status"] == "served" and reached(case, "served") and api.ready(case) == ["closing"]
    case = api.run(case, "closing")
    assert case["status"] == "closed" and case["tasks"] == []


def _no_penalty_decided(api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval", "investigation", NO_PENALTY_REPORT,
                   "no_penalty_decision")
    assert api.ready(case) == ["no_penalty_service"]
    return case


def test_the_no_penalty_decision_served_electronically_needs_the_partys_consent(api):
    case = _no_penalty_decided(api)
    r = api.complete(case, "no_penalty_service", expect=422, method="electronic")
    assert_refused(api, case, r, "ELECTRONIC_SERVICE_NO_CONSENT", "第61条", "service.electronic_consent")
    case = api.complete(case, "no_penalty_service", method="electronic", electronic_consent=True)
    assert api.ready(case) == ["closing"]


def test_the_no_penalty_decision_is_not_served_before_it_was_made(api):
    case = _no_penalty_decided(api)
    r = api.complete(case, "no_penalty_service", expect=422, served_on=days_ago(DAY["decided"] + 1))
    assert_refused(api, case, r, "DATES_OUT_OF_ORDER", "第61条", "service.served_on",
                   "no_penalty_decision.decided_on")
    api.complete(case, "no_penalty_service", served_on=days_ago(DAY["decided"]))


def test_the_no_penalty_decision_needs_its_ground_and_the_partys_remedies(api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval", "investigation", NO_PENALTY_REPORT)
    r = api.complete(case, "no_penalty_decision", expect=422, ground=None, reconsideration_body=None,
                     litigation_court=None)
    assert {"ground", "reconsideration_body", "litigation_court"} <= set(r.json["errors"])


# -- transfer to the judiciary (APL 27; 国务院令第310号) ----------------------------------------------
def _transfer_reported(api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval", "investigation", TRANSFER_REPORT)
    assert api.ready(case) == ["transfer_approval"]
    return case


def test_a_transfer_approved_made_served_and_accepted_closes_the_case(api):
    case = _transfer_reported(api)
    approval = api.task(case, "transfer_approval")
    assert approval["lane"] == "department_head"
    # Art. 5: the head decides within 3 days of the report
    reported = TRANSFER_REPORT[1]["reported_on"]
    assert due_day(approval) == add_calendar_days(start_of(reported), 3).at.astimezone(LOCAL_TZ).date().isoformat()
    case = api.run(case, "transfer_approval")
    transfer = api.task(case, "transfer")
    # Art. 5: transferred within 24 hours of the approval: by the end of the next day at the latest
    approved = STEPS["transfer_approval"][1]["decided_on"]
    assert due_day(transfer) == add_calendar_days(start_of(approved), 1).at.astimezone(LOCAL_TZ).date().isoformat()
    case = api.run(case, "transfer")
    assert api.ready(case) == ["transfer_service"]  # the party is informed of the transfer
    case = api.run(case, "transfer_service")
    assert api.ready(case) == ["transfer_feedback"]
    case = api.run(case, "transfer_feedback")
    assert api.ready(case) == ["closing"]
    case = api.run(case, ("closing", {"closing_report": "已移送公安机关立案侦查"}))
    assert case["status"] == "closed"
    assert "penalty_decision" not in [e for e in trace_actions(api, case)]


def test_a_transfer_the_police_do_not_accept_returns_to_the_administrative_path(api):
    case = _transfer_reported(api)
    case = api.run(case, "transfer_approval", "transfer", "transfer_service",
                   ("transfer_feedback", {"judicial_result": "not_accepted", "notice_number": None,
                                          "reason": "涉案金额未达到刑事立案追诉标准"}))
    assert api.ready(case) == ["investigation"]
    case = api.run(case, "investigation", "investigation_report", *TO_DECISION[4:], "penalty_decision")
    assert case["status"] == "decided" and api.ready(case) == ["disclosure", "service"]


def test_a_transfer_the_not_accepted_feedback_must_give_the_reason(api):
    case = api.run(_transfer_reported(api), "transfer_approval", "transfer", "transfer_service")
    r = api.complete(case, "transfer_feedback", expect=422, judicial_result="not_accepted")
    assert "reason" in r.json["errors"]


def test_a_transfer_the_head_refuses_goes_back_to_investigation(api):
    case = api.run(_transfer_reported(api), ("transfer_approval", {"transfer_decision": "refuse",
                                                                   "reason": "尚未达到刑事立案追诉标准"}))
    assert api.ready(case) == ["investigation"]


def test_a_transfer_not_copied_to_the_procuratorate_is_refused(api):
    case = api.run(_transfer_reported(api), "transfer_approval")
    r = api.complete(case, "transfer", expect=422, procuratorate_copied=False)
    assert_refused(api, case, r, "TRANSFER_NOT_COPIED", "移送涉嫌犯罪案件的规定", "transfer.procuratorate_copied")
    assert api.ready(api.complete(case, "transfer")) == ["transfer_service"]


def test_a_transfer_dated_before_its_approval_is_refused(api):
    case = api.run(_transfer_reported(api), "transfer_approval")
    r = api.complete(case, "transfer", expect=422, transferred_on=days_ago(DAY["transfer_approved"] + 1))
    assert_refused(api, case, r, "DATES_OUT_OF_ORDER", "第44条", "transfer.transferred_on",
                   "transfer_approval.decided_on")
    api.complete(case, "transfer")


def test_a_transfer_report_needs_its_date_and_the_suspected_crime(api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval", "investigation")
    r = api.complete(case, "investigation_report", expect=422,
                     **{**TRANSFER_REPORT[1], "reported_on": None, "suspected_crime": None})
    assert {"reported_on", "suspected_crime"} <= set(r.json["errors"])


# -- execution must finish (APL 66, 72; 行政强制法 53-54) -----------------------------------------------
def _served(api, **decision):
    return api.run(api.open_case(), *TO_DECISION, ("penalty_decision", decision), "disclosure", "service")


DEMAND = {"outcome": "demanded", "paid_on": None, "amount_paid": None, "demand_served_on": days_ago(45)}


def test_a_demand_served_leaves_execution_open_until_the_courts_result(api):
    case = api.run(_served(api), ("execution", DEMAND))
    assert api.ready(case) == ["execution"]  # a demand is not the end of execution
    applied = days_ago(20)
    case = api.run(case, ("execution", {**DEMAND, "outcome": "court_enforcement", "court_applied_on": applied}))
    assert api.ready(case) == ["execution"]  # applied to the court: its result is still to come
    case = api.run(case, ("execution", {**DEMAND, "outcome": "court_enforcement", "court_applied_on": applied,
                                        "court_outcome": "enforced", "court_result_on": days_ago(5)}))
    assert api.ready(case) == ["closing"]
    case = api.run(case, ("closing", {"closed_on": days_ago(1), "closing_report": "法院强制执行完毕"}))
    assert case["status"] == "closed"


def test_a_courts_result_needs_its_date_and_comes_after_the_application(api):
    case = api.run(_served(api), ("execution", DEMAND))
    r = api.complete(case, "execution", expect=422, **{**DEMAND, "outcome": "court_enforcement",
                                                      "court_applied_on": days_ago(20), "court_outcome": "enforced"})
    assert "court_result_on" in r.json["errors"]
    r = api.complete(case, "execution", expect=422, **{**DEMAND, "outcome": "court_enforcement",
                                                      "court_applied_on": days_ago(20), "court_outcome": "enforced",
                                                      "court_result_on": days_ago(21)})
    assert_refused(api, case, r, "DATES_OUT_OF_ORDER", "第44条", "execution.court_result_on",
                   "execution.court_applied_on")


def test_a_fine_recorded_as_needing_no_execution_is_refused(api):
    case = _served(api)
    r = api.complete(case, "execution", expect=422, outcome="not_applicable", paid_on=None, amount_paid=None)
    assert_refused(api, case, r, "EXECUTION_UNFINISHED", "第66条", "execution.outcome")
    assert api.ready(api.complete(case, "execution")) == ["closing"]


def test_a_warning_alone_needs_no_execution(api):
    case = api.run(api.open_case(), *TO_DECISION[:3],
                   ("investigation_report", {"proposed_penalty_kinds": ["warning"], "proposed_fine": None}),
                   ("penalty_notice", {"notified_penalty": "警告", "notified_fine": None,
                                       "notified_penalty_kinds": ["warning"]}),
                   "statement_defence", ("penalty_decision", {"penalty_kinds": ["warning"], "fine_amount": None}),
                   "disclosure", "service",
                   ("execution", {"outcome": "not_applicable", "paid_on": None, "amount_paid": None}))
    assert api.run(case, "closing")["status"] == "closed"


# -- deferred or instalment payment (APL 66(2), 72) --------------------------------------------------
def _plan_requested(api):
    case = api.run(_served(api), ("execution", {"outcome": "deferral_requested", "paid_on": None,
                                                "amount_paid": None}))
    assert api.ready(case) == ["payment_plan_application"]
    return api.run(case, "payment_plan_application")


def test_instalments_approved_by_the_head_are_paid_on_schedule_and_the_case_closes(api):
    case = _plan_requested(api)
    approval = api.task(case, "payment_plan_approval")
    assert approval["lane"] == "department_head"
    case = api.run(case, "payment_plan_approval")
    scheduled = api.task(case, "execution_scheduled")
    # the approved period, not 15 days from service; ending on a weekend or a holiday, it runs to the
    # next working day (APL 85)
    period_end = days_ago(DAY["instalment_2"])
    assert due_day(scheduled) == add_calendar_days(start_of(period_end), 0).at.astimezone(LOCAL_TZ).date().isoformat()
    assert due_day(scheduled) >= period_end
    case = api.run(case, "execution_scheduled")  # the first instalment
    assert api.ready(case) == ["execution_scheduled"]
    both = [{"paid_on": days_ago(DAY["instalment_1"]), "amount": 10000},
            {"paid_on": days_ago(DAY["instalment_2"]), "amount": 10000}]
    case = api.run(case, ("execution_scheduled", {"outcome": "paid", "amount_paid": 20000, "instalments_paid": both,
                                                  "paid_on": days_ago(DAY["instalment_2"])}))
    assert api.ready(case) == ["closing"]
    case = api.run(case, ("closing", {"closed_on": days_ago(DAY["instalment_2"] - 1)}))
    assert case["status"] == "closed"
    completed = [e for e in api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]
                 if e["action"] == "task.completed"]
    assert [e["bpmn_id"] for e in completed].count("execution_scheduled") == 2  # every instalment traced


def test_instalments_that_do_not_add_up_to_the_fine_are_refused(api):
    case = _plan_requested(api)
    short = [{"due_on": days_ago(DAY["instalment_1"]), "amount": 10000},
             {"due_on": days_ago(DAY["instalment_2"]), "amount": 5000}]
    r = api.complete(case, "payment_plan_approval", expect=422, instalments=short)
    assert_refused(api, case, r, "PAYMENT_SCHEDULE_MISMATCH", "第66条", "payment_plan_approval.instalments")
    assert "15000" in r.json["message"] and "20000" in r.json["message"]
    api.complete(case, "payment_plan_approval")


def test_the_approved_period_ends_with_the_last_instalment(api):
    case = _plan_requested(api)
    r = api.complete(case, "payment_plan_approval", expect=422, period_ends_on=days_ago(DAY["instalment_1"]))
    assert_refused(api, case, r, "PAYMENT_SCHEDULE_MISMATCH", "第66条", "payment_plan_approval.period_ends_on")


def test_a_refused_application_returns_to_ordinary_execution(api):
    case = api.run(_plan_requested(api), ("payment_plan_approval", {"plan_decision": "refuse", "instalments": None,
                                                                    "period_ends_on": None,
                                                                    "reason": "未提供经济困难的证明"}))
    assert api.ready(case) == ["execution"]
    r = api.complete(case, "execution", expect=422, outcome="instalment_paid", paid_on=None, amount_paid=10000,
                     instalments_paid=[{"paid_on": days_ago(42), "amount": 10000}])
    assert_refused(api, case, r, "PAYMENT_INCOMPLETE", "第66条", "execution.outcome")


def test_instalments_recorded_as_paid_in_full_must_add_up_to_the_fine(api):
    case = api.run(_plan_requested(api), "payment_plan_approval", "execution_scheduled")
    one = [{"paid_on": days_ago(DAY["instalment_1"]), "amount": 10000}]
    r = api.complete(case, "execution_scheduled", expect=422, outcome="paid", amount_paid=10000, instalments_paid=one,
                     paid_on=days_ago(DAY["instalment_1"]))
    assert_refused(api, case, r, "PAYMENT_INCOMPLETE", "第66条", "execution.amount_paid")
    r = api.complete(case, "execution_scheduled", expect=422, outcome="paid", amount_paid=20000, instalments_paid=one,
                     paid_on=days_ago(DAY["instalment_1"]))
    assert_refused(api, case, r, "PAYMENT_INCOMPLETE", "第66条", "execution.instalments_paid")


def test_no_late_fee_while_the_approved_instalments_are_paid_on_time(api):
    case = api.run(_plan_requested(api), "payment_plan_approval", "execution_scheduled")
    on_time = [{"paid_on": days_ago(DAY["instalment_1"]), "amount": 10000},
               {"paid_on": days_ago(DAY["instalment_2"]), "amount": 10000}]
    paid = {"outcome": "paid_late", "amount_paid": 20000, "instalments_paid": on_time,
            "paid_on": days_ago(DAY["instalment_2"]), "late_fee": 600}
    r = api.complete(case, "execution_scheduled", expect=422, **paid)
    assert_refused(api, case, r, "LATE_FEE_IN_DEFERRAL", "第72条", "execution.late_fee")
    # the second instalment paid three days after its due date: the late fee runs from then
    late = [on_time[0], {"paid_on": days_ago(DAY["instalment_2"] - 3), "amount": 10000}]
    case = api.complete(case, "execution_scheduled", **{**paid, "instalments_paid": late,
                                                        "paid_on": days_ago(DAY["instalment_2"] - 3)})
    assert api.ready(case) == ["closing"]


def test_instalments_without_an_approval_are_not_a_payment(api):
    case = _served(api)
    r = api.complete(case, "execution", expect=422, outcome="instalment_paid", amount_paid=10000,
                     instalments_paid=[{"paid_on": days_ago(40), "amount": 10000}])
    assert_refused(api, case, r, "PAYMENT_INCOMPLETE", "第66条", "execution.outcome")


def test_closing_is_refused_while_execution_is_unfinished_in_any_procedure_that_binds_the_rule(api):
    """general_penalty loops back to execution; a procedure that does not (an older version, or
    one an author deploys) still cannot close a case whose fine is only demanded, once its
    package binds the rule to its own forms."""
    import io
    import json
    from pathlib import Path

    from tests.samples import sequential
    from workflow_app.services.procedures.packages import to_zip

    forms = Path(__file__).resolve().parents[2] / "forms" / "general_penalty"
    xml = sequential("no_loop", [("user", "decide", {"formKey": "penalty_decision", "lane": "department_head"}),
                                 ("user", "execute", {"formKey": "execution"}),
                                 ("user", "close", {"formKey": "closing", "lane": "department_head"})])
    rules = {"rules": [{"kind": "nothing_left_to_execute", "on": ["execution", "closing"], "params": {
        "decided_kinds": "penalty_decision.penalty_kinds", "outcome": "execution.outcome",
        "court_result": "execution.court_outcome", "closed": "closing.closed_on"}}]}
    package = {"bpmn/no_loop/no_loop.bpmn": xml, "bpmn/no_loop/rules.json": json.dumps(rules).encode(),
               **{f"forms/no_loop/{key}.schema.json": (forms / f"{key}.schema.json").read_bytes()
                  for key in ("penalty_decision", "execution")},
               "forms/no_loop/closing.schema.json": (forms.parent / "shared" / "closing.schema.json").read_bytes()}
    r = api.post("/api/v1/procedures", as_="author1", data={"file": (io.BytesIO(to_zip(package)), "no_loop.zip")},
                 content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    case = api.open_case(procedure_id="no_loop")

    def complete(case, bpmn_id, step, as_, **changes):
        task = api.task(case, bpmn_id)
        data = {k: v for k, v in {**STEPS[step][1], **changes}.items() if v is not None}
        return api.post(f"/api/v1/tasks/{task['id']}/complete", as_=as_, json={"data": data})

    # the decision is the first step to name a cause: the market bureau's register has one
    case = complete(case, "decide", "penalty_decision", "head1", cause="SCJG-SP-126-03").json
    case = complete(case, "execute", "execution", "officer1", **DEMAND).json
    r = complete(case, "close", "closing", "head1")
    assert_refused(api, case, r, "EXECUTION_UNFINISHED", "第66条", "closing.closed_on", "execution.outcome")
    assert "demanded" in r.json["message_en"] and "执行情况" in r.json["message"]  # the field by its title


def test_an_instalment_paid_in_the_future_or_before_service_is_refused(api):
    case = api.run(_plan_requested(api), "payment_plan_approval")
    r = api.complete(case, "execution_scheduled", expect=422, instalments_paid=[{"paid_on": days_ago(-2),
                                                                                 "amount": 10000}])
    assert_refused(api, case, r, "DATES_OUT_OF_ORDER", "第66条", "execution.instalments_paid.0.paid_on")
    r = api.complete(case, "execution_scheduled", expect=422, instalments_paid=[{"paid_on": days_ago(DAY["served"] + 1),
                                                                                 "amount": 10000}])
    assert_refused(api, case, r, "DATES_OUT_OF_ORDER", "第66条", "execution.instalments_paid.0.paid_on",
                   "service.served_on")
    api.complete(case, "execution_scheduled")
