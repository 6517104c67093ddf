"""Unlawful steps are refused, named and traced (issue 6 §2-3; DOMAIN.md, the refuse-the-step rule).

Each test walks a case as an officer would, shows the step the law forbids refused (422 with the
code, the article and the message in Chinese and English, a `step.refused` trace event, the case
unchanged) and the lawful step next to it accepted. Fixed dates around the 2026 National Day
holiday (10-01 to 10-07, Saturday 10-10 a working day) show the working-day periods of APL 85:
those tests run as of FIXED_DATES_AS_OF, the others as of the suite's day (`dates`).
"""
from datetime import date

import pytest

from tests.helpers import FIXED_DATES_AS_OF, FSL_124_REPORT, STEPS, TO_DECISION, days_ago
from workflow_app.oversight.identity import with_resident_check
from workflow_app.oversight.late_fee import late_fee

pytestmark = pytest.mark.dates


def assert_refused(api, case, response, code, article, *fields):
    """The step is refused with `code` and `article`, names `fields`, is traced, changes nothing."""
    assert response.status_code == 422, response.json
    body = response.json
    assert body["error"] == code
    assert article in body["article"]
    assert body["message"] and body["message_en"] and body["message"] != body["message_en"]
    for field in fields:
        assert any(m.startswith(f"{code}:") for m in body["errors"][field]), (field, body["errors"])
    trace = api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]
    refused = trace[-1]
    assert refused["action"] == "step.refused"
    assert refused["data"]["code"] == code and article in refused["data"]["article"]
    after = api.get(f"/api/v1/cases/{case['id']}").json
    assert (after["status"], api.ready(after)) == (case["status"], api.ready(case))
    assert [e["action"] for e in api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]][-1] == "step.refused"


# -- DATES_OUT_OF_ORDER ------------------------------------------------------------------------------
def test_a_clue_received_in_the_future_is_refused_and_today_is_accepted(api):
    case = api.open_case()
    r = api.complete(case, "clue_intake", expect=422, received_on=days_ago(-1))
    assert_refused(api, case, r, "DATES_OUT_OF_ORDER", "第44条", "clue_intake.received_on")
    assert "晚于今天" in r.json["message"]
    case = api.complete(case, "clue_intake", received_on=days_ago(0))
    assert api.ready(case) == ["filing_approval"]


@pytest.mark.as_of(FIXED_DATES_AS_OF)
def test_a_clue_received_before_the_violation_is_refused_naming_both_dates(api):
    case = api.open_case()
    r = api.complete(case, "clue_intake", expect=422, violation_date="2026-09-11", received_on="2026-09-10")
    assert_refused(api, case, r, "DATES_OUT_OF_ORDER", "第44条", "clue_intake.received_on",
                   "clue_intake.violation_date")
    api.complete(case, "clue_intake", violation_date="2026-09-10", received_on="2026-09-10")


def test_a_decision_dated_before_the_notice_was_served_is_refused(api):
    case = api.run(api.open_case(), *TO_DECISION)
    notice_served = STEPS["penalty_notice"][1]["served_on"]
    r = api.complete(case, "penalty_decision", expect=422, decided_on=days_ago(100))
    assert_refused(api, case, r, "DATES_OUT_OF_ORDER", "第44条", "penalty_decision.decided_on",
                   "penalty_notice.served_on")
    assert notice_served in r.json["message"]
    case = api.complete(case, "penalty_decision")
    assert case["status"] == "decided"


def test_a_payment_before_the_decision_was_served_is_refused(api):
    case = api.run(api.open_case(), *TO_DECISION, "penalty_decision", "disclosure", "service")
    r = api.complete(case, "execution", expect=422, paid_on=days_ago(47))  # served 46 days ago
    assert_refused(api, case, r, "DATES_OUT_OF_ORDER", "第44条", "execution.paid_on", "service.served_on")
    case = api.complete(case, "execution", paid_on=days_ago(46))
    assert api.ready(case) == ["closing"]


def test_a_hearing_may_be_set_for_a_future_day_but_not_held_on_one(api):
    case = api.run(api.open_case(), *TO_DECISION[:-1], ("statement_defence", {"hearing_requested": True}))
    case = api.complete(case, "hearing_notice", notice_served_on=days_ago(0), hearing_date=days_ago(-30))
    r = api.complete(case, "hearing_record", as_="officer3", expect=422, held_on=days_ago(-30))
    assert_refused(api, case, r, "DATES_OUT_OF_ORDER", "第44条", "hearing_record.held_on")


# -- HEAVIER_AFTER_DEFENCE (APL 45) --------------------------------------------------------------------
def test_a_fine_above_the_notified_one_is_refused_and_a_lighter_one_accepted(api):
    case = api.run(api.open_case(), *TO_DECISION)  # notified: a fine of 20,000 yuan
    r = api.complete(case, "penalty_decision", expect=422, fine_amount=30000)
    assert_refused(api, case, r, "HEAVIER_AFTER_DEFENCE", "第45条", "penalty_decision.fine_amount",
                   "penalty_notice.notified_fine")
    assert "30000" in r.json["message"] and "20000" in r.json["message"]
    case = api.complete(case, "penalty_decision", fine_amount=15000)
    assert case["status"] == "decided"


def test_a_penalty_kind_the_notice_did_not_name_is_refused(api):
    case = api.run(api.open_case(), *TO_DECISION)  # notified: a fine only
    r = api.complete(case, "penalty_decision", expect=422, penalty_kinds=["fine", "suspend_licence"])
    assert_refused(api, case, r, "HEAVIER_AFTER_DEFENCE", "第45条", "penalty_decision.penalty_kinds",
                   "penalty_notice.notified_penalty_kinds")
    assert "suspend_licence" in r.json["message"]
    case = api.complete(case, "penalty_decision", penalty_kinds=["fine"])
    assert case["status"] == "decided"


def test_the_kinds_notified_may_all_be_decided(api):
    case = api.run(api.open_case(), *TO_DECISION[:4],
                   ("penalty_notice", {"notified_penalty_kinds": ["warning", "fine"]}), TO_DECISION[5])
    case = api.complete(case, "penalty_decision", penalty_kinds=["warning", "fine"])
    assert case["status"] == "decided"


# -- DEFENCE_PERIOD_CUT (APL 44, 45, 64) ------------------------------------------------------------
def _notice_served_on_30_september(api):
    """Notice served 2026-09-30: the 5 working days (APL 85) are 10-08, 09, 10 (the Saturday made a
    working day), 12 and 13; the party may answer and ask for a hearing until 10-13."""
    return api.run(api.open_case(), ("clue_intake", {"violation_date": "2026-09-01", "received_on": "2026-09-10"}),
                   *TO_DECISION[1:4], ("penalty_notice", {"served_on": "2026-09-30"}),
                   ("statement_defence", {"answered_on": "2026-10-08"}))


@pytest.mark.as_of(FIXED_DATES_AS_OF)
def test_a_decision_inside_the_five_working_days_after_the_notice_is_refused(api):
    case = _notice_served_on_30_september(api)
    r = api.complete(case, "penalty_decision", expect=422, decided_on="2026-10-13")
    assert_refused(api, case, r, "DEFENCE_PERIOD_CUT", "第64条", "penalty_decision.decided_on",
                   "penalty_notice.served_on")
    assert "2026-10-13" in r.json["message_en"]
    case = api.complete(case, "penalty_decision", decided_on="2026-10-14")
    assert case["status"] == "decided"


@pytest.mark.as_of(FIXED_DATES_AS_OF)
def test_a_written_waiver_lets_the_decision_come_sooner(api):
    def answered(waived):
        return api.run(api.open_case(), ("clue_intake", {"violation_date": "2026-09-01", "received_on": "2026-09-10"}),
                       *TO_DECISION[1:4], ("penalty_notice", {"served_on": "2026-09-30"}),
                       ("statement_defence", {"answered_on": "2026-09-30", "waived": waived}))

    not_waived = answered(False)
    r = api.complete(not_waived, "penalty_decision", expect=422, decided_on="2026-10-08")
    assert_refused(api, not_waived, r, "DEFENCE_PERIOD_CUT", "第45条", "penalty_decision.decided_on")
    case = api.complete(answered(True), "penalty_decision", decided_on="2026-10-08")
    assert case["status"] == "decided"


def test_a_form_that_both_requests_a_hearing_and_waives_it_is_refused(api):
    case = api.run(api.open_case(), *TO_DECISION[:-1])
    r = api.complete(case, "statement_defence", expect=422, hearing_requested=True, waived=True)
    assert_refused(api, case, r, "DEFENCE_PERIOD_CUT", "第64条", "statement_defence.waived",
                   "statement_defence.hearing_requested")
    case = api.complete(case, "statement_defence", hearing_requested=True, waived=False)
    assert api.ready(case) == ["hearing_notice"]


# -- HEARING_NOTICE_SHORT, HEARING_CHAIR_CONFLICT (APL 64) ------------------------------------------
def _hearing_requested(api):
    return api.run(api.open_case(), ("clue_intake", {"violation_date": "2026-09-01", "received_on": "2026-09-10"}),
                   *TO_DECISION[1:4], ("penalty_notice", {"served_on": "2026-09-20"}),
                   ("statement_defence", {"answered_on": "2026-09-25", "hearing_requested": True}))


@pytest.mark.as_of(FIXED_DATES_AS_OF)
def test_a_hearing_notified_fewer_than_seven_working_days_ahead_is_refused(api):
    """Notified on 2026-09-30, the 7th working day after is 2026-10-15 (APL 64, 85)."""
    case = _hearing_requested(api)
    r = api.complete(case, "hearing_notice", expect=422, notice_served_on="2026-09-30", hearing_date="2026-10-14")
    assert_refused(api, case, r, "HEARING_NOTICE_SHORT", "第64条", "hearing_notice.hearing_date",
                   "hearing_notice.notice_served_on")
    assert "2026-10-15" in r.json["message"]
    case = api.complete(case, "hearing_notice", notice_served_on="2026-09-30", hearing_date="2026-10-15")
    assert api.ready(case) == ["hearing_record"]


def test_an_investigator_may_not_preside_over_the_hearing(api):
    case = api.run(api.open_case(), *TO_DECISION[:-1], ("statement_defence", {"hearing_requested": True}))
    r = api.complete(case, "hearing_notice", expect=422, presiding_officer="officer2")  # investigated
    assert_refused(api, case, r, "HEARING_CHAIR_CONFLICT", "第64条", "hearing_notice.presiding_officer",
                   "investigation.officers")
    assert "officer2" in r.json["message"]
    case = api.complete(case, "hearing_notice", presiding_officer="officer3")
    assert api.ready(case) == ["hearing_record"]


@pytest.mark.parametrize("chair", ["reviewer1", "head1"])
def test_a_legal_reviewer_or_a_head_who_did_not_investigate_may_preside(api, chair):
    """APL 64: the agency designates a person who did not investigate, not necessarily an officer."""
    case = api.run(api.open_case(), *TO_DECISION[:-1], ("statement_defence", {"hearing_requested": True}))
    case = api.complete(case, "hearing_notice", presiding_officer=chair)
    assert api.ready(case) == ["hearing_record"]


def test_a_supervisor_may_not_preside_over_the_hearing(api):
    case = api.run(api.open_case(), *TO_DECISION[:-1], ("statement_defence", {"hearing_requested": True}))
    r = api.complete(case, "hearing_notice", expect=422, presiding_officer="supervisor1")
    [said] = r.json["errors"]["presiding_officer"]
    assert "supervisor1" in said and "执法人员或法制审核人员或部门负责人" in said, said


# -- LEGAL_REVIEW_INCONSISTENT (APL 58) ---------------------------------------------------------------
def test_a_review_approving_a_failed_finding_is_refused_and_returning_it_accepted(api):
    case = api.run(api.open_case(), *TO_DECISION[:3], ("investigation_report", {"major_case": True}),
                   *TO_DECISION[4:])
    findings = {**STEPS["legal_review"][1]["findings"], "procedure_lawful": {"result": "fail", "comment": "未告知"}}
    r = api.complete(case, "legal_review", expect=422, findings=findings, review_outcome="approve")
    assert_refused(api, case, r, "LEGAL_REVIEW_INCONSISTENT", "第58条", "legal_review.review_outcome",
                   "legal_review.findings.procedure_lawful")
    case = api.complete(case, "legal_review", findings=findings, review_outcome="return", opinions="程序违法，退回")
    assert api.ready(case) == ["investigation"]


# -- LIMITATION_EXPIRED (APL 36) ---------------------------------------------------------------------
@pytest.mark.as_of(FIXED_DATES_AS_OF)
def test_a_violation_discovered_more_than_two_years_later_is_not_penalized(api):
    case = api.open_case()
    r = api.complete(case, "clue_intake", expect=422, violation_date="2023-03-01", received_on="2025-03-02")
    assert_refused(api, case, r, "LIMITATION_EXPIRED", "第36条", "clue_intake.received_on",
                   "clue_intake.violation_date")
    case = api.complete(case, "clue_intake", violation_date="2023-03-01", received_on="2025-03-01")
    assert api.ready(case) == ["filing_approval"]


@pytest.mark.as_of(FIXED_DATES_AS_OF)
def test_five_years_where_life_health_or_financial_safety_was_endangered_with_harm(api):
    case = api.open_case()
    r = api.complete(case, "clue_intake", expect=422, violation_date="2020-03-01", received_on="2025-03-02",
                     endangered_with_harm=True)
    assert_refused(api, case, r, "LIMITATION_EXPIRED", "第36条", "clue_intake.received_on")
    case = api.complete(case, "clue_intake", violation_date="2020-03-01", received_on="2025-03-01",
                        endangered_with_harm=True)
    assert api.ready(case) == ["filing_approval"]


# -- HEARING_RIGHT_NOT_OFFERED (APL 63) ----------------------------------------------------------------
def test_a_large_fine_notified_without_the_right_to_a_hearing_is_refused(api):
    """较大数额罚款: 100,000 yuan for an organization (10,000 for a person); under the Food Safety Law
    Art. 124 cause, whose range (50,000 to 100,000 yuan) holds both."""
    case = api.run(api.open_case(), *TO_DECISION[:3], FSL_124_REPORT)
    r = api.complete(case, "penalty_notice", expect=422, notified_fine=100000, hearing_offered=False)
    assert_refused(api, case, r, "HEARING_RIGHT_NOT_OFFERED", "第63条", "penalty_notice.hearing_offered",
                   "penalty_notice.notified_fine")
    case = api.complete(case, "penalty_notice", notified_fine=99999, hearing_offered=False)
    assert api.ready(case) == ["statement_defence"]


def test_a_person_fined_ten_thousand_must_be_offered_a_hearing(api):
    case = api.run(api.open_case(party={"name": "王某某", "kind": "person"}),
                   ("clue_intake", {"party_id_number": with_resident_check("99010519850312001")}), *TO_DECISION[1:4])
    r = api.complete(case, "penalty_notice", expect=422, notified_fine=10000, hearing_offered=False)
    assert_refused(api, case, r, "HEARING_RIGHT_NOT_OFFERED", "第63条", "penalty_notice.hearing_offered")
    case = api.complete(case, "penalty_notice", notified_fine=10000, hearing_offered=True)
    assert api.ready(case) == ["statement_defence"]


def test_a_licence_revocation_notified_without_the_right_to_a_hearing_is_refused(api):
    """A fine an organisation's hearing would not need (60,000 yuan), with the licence revoked."""
    case = api.run(api.open_case(), *TO_DECISION[:3], FSL_124_REPORT)
    r = api.complete(case, "penalty_notice", expect=422, notified_fine=60000, hearing_offered=False,
                     notified_penalty_kinds=["fine", "revoke_licence"])
    assert_refused(api, case, r, "HEARING_RIGHT_NOT_OFFERED", "第63条", "penalty_notice.hearing_offered",
                   "penalty_notice.notified_penalty_kinds")
    assert "revoke_licence" in r.json["message_en"]
    case = api.complete(case, "penalty_notice", notified_fine=60000, hearing_offered=True,
                        notified_penalty_kinds=["fine", "revoke_licence"])
    assert api.ready(case) == ["statement_defence"]


# -- LATE_FEE_ABOVE_FINE (APL 72), PAYMENT_INCOMPLETE (APL 66, 67) -------------------------------------
def _served(api):
    return api.run(api.open_case(), *TO_DECISION, "penalty_decision", "disclosure", "service")  # fine 20,000


def _late_fee_to(paid_on: str) -> float:
    """The late fee the law runs on the 20,000 fine served 46 days ago, to `paid_on`."""
    return late_fee(20000, date.fromisoformat(days_ago(46)), date.fromisoformat(paid_on)).yuan


def test_a_late_fee_above_the_fine_is_refused(api):
    case = _served(api)
    r = api.complete(case, "execution", expect=422, outcome="paid_late", late_fee=20001, amount_paid=40001,
                     paid_on=days_ago(0))
    assert_refused(api, case, r, "LATE_FEE_ABOVE_FINE", "第72条", "execution.late_fee",
                   "penalty_decision.fine_amount")
    fee = _late_fee_to(days_ago(0))
    assert 0 < fee < 20000
    case = api.complete(case, "execution", outcome="paid_late", late_fee=fee, amount_paid=20000 + fee,
                        paid_on=days_ago(0))
    assert api.ready(case) == ["closing"]


def test_a_late_fee_above_the_one_the_law_runs_is_refused_and_a_lower_one_taken(api):
    """3 % of the fine a day from the day after the 15 days (APL 72) to the day of payment; an
    enforcement agreement may reduce it (行政强制法 Art. 42), never raise it."""
    case = _served(api)
    paid_on = days_ago(46 - 19)
    fee = _late_fee_to(paid_on)
    r = api.complete(case, "execution", expect=422, outcome="paid_late", paid_on=paid_on, late_fee=fee + 0.01,
                     amount_paid=30000)
    assert_refused(api, case, r, "LATE_FEE_ABOVE_COMPUTED", "第72条", "execution.late_fee")
    assert f"{fee:g}元" in r.json["message"] and "百分之三" in r.json["message"]
    r = api.complete(case, "execution", expect=422, outcome="paid_late", paid_on=days_ago(46 - 15), late_fee=600,
                     amount_paid=20600)  # paid on the 15th day: no fee runs
    assert_refused(api, case, r, "LATE_FEE_ABOVE_COMPUTED", "第72条", "execution.late_fee")
    case = api.complete(case, "execution", outcome="paid_late", paid_on=paid_on, late_fee=fee / 2,
                        amount_paid=20000 + fee / 2)
    assert api.ready(case) == ["closing"]


def test_a_payment_19_days_after_service_recorded_as_on_time_is_refused(api):
    """Served 46 days ago: the 15 days ended at the latest on the first working day after the 31st."""
    case = _served(api)
    r = api.complete(case, "execution", expect=422, paid_on=days_ago(46 - 19))
    assert_refused(api, case, r, "PAID_LATE_RECORDED_ON_TIME", "第67条", "execution.outcome", "execution.paid_on")
    assert "逾期缴纳" in r.json["message"]
    fee = _late_fee_to(days_ago(46 - 19))
    case = api.complete(case, "execution", outcome="paid_late", paid_on=days_ago(46 - 19), late_fee=fee,
                        amount_paid=20000 + fee)
    assert api.ready(case) == ["closing"]


def test_a_partial_payment_recorded_as_paid_in_full_is_refused(api):
    case = _served(api)
    r = api.complete(case, "execution", expect=422, amount_paid=19999.5)
    assert_refused(api, case, r, "PAYMENT_INCOMPLETE", "第67条", "execution.amount_paid",
                   "penalty_decision.fine_amount")
    case = api.complete(case, "execution", amount_paid=20000)
    assert api.ready(case) == ["closing"]


# -- DEMAND_PERIOD_CUT (行政强制法 Art. 54, 69) ----------------------------------------------------------
@pytest.mark.as_of(FIXED_DATES_AS_OF)
def test_the_court_is_applied_to_only_after_ten_working_days_from_the_demand(api):
    """Demand served 2026-09-30: ten working days (AC 69) end on 2026-10-20 (National Day, the
    Saturday 10-10 made a working day), so the court may be applied to from 10-21."""
    case = api.run(api.open_case(), ("clue_intake", {"violation_date": "2026-07-01", "received_on": "2026-07-10"}),
                   *TO_DECISION[1:4], ("penalty_notice", {"served_on": "2026-07-20"}),
                   ("statement_defence", {"answered_on": "2026-07-21"}),
                   ("penalty_decision", {"decided_on": "2026-08-03"}), ("disclosure", {"published_on": "2026-08-04"}),
                   ("service", {"served_on": "2026-08-05"}))
    court = {"outcome": "court_enforcement", "demand_served_on": "2026-09-30", "paid_on": None, "amount_paid": None}
    r = api.complete(case, "execution", expect=422, **court, court_applied_on="2026-10-20")
    assert_refused(api, case, r, "DEMAND_PERIOD_CUT", "第54条", "execution.court_applied_on",
                   "execution.demand_served_on")
    case = api.complete(case, "execution", **court, court_applied_on="2026-10-21")
    assert api.ready(case) == ["execution"]  # applied: the court's result is still to be recorded


# -- EVIDENCE_PRESERVATION_LATE (APL 56) -------------------------------------------------------------
@pytest.mark.as_of(FIXED_DATES_AS_OF)
def test_preserved_evidence_is_decided_on_within_seven_working_days(api):
    """Preserved on 2026-09-30: the 7th working day after is 2026-10-15 (APL 56, 85)."""
    case = api.run(api.open_case(), ("clue_intake", {"violation_date": "2026-09-01", "received_on": "2026-09-10"}),
                   "filing_approval")
    preserved = {"preservation_applied": True, "preserved_on": "2026-09-30"}
    r = api.complete(case, "investigation", expect=422, **preserved, preservation_decided_on="2026-10-16")
    assert_refused(api, case, r, "EVIDENCE_PRESERVATION_LATE", "第56条", "investigation.preservation_decided_on",
                   "investigation.preserved_on")
    assert "2026-10-15" in r.json["message"]
    case = api.complete(case, "investigation", **preserved, preservation_decided_on="2026-10-15")
    assert api.ready(case) == ["investigation_report"]


def test_preserved_evidence_without_the_decision_on_record_is_refused(api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval")
    r = api.complete(case, "investigation", expect=422, preservation_applied=True, preserved_on=days_ago(100))
    assert_refused(api, case, r, "EVIDENCE_PRESERVATION_LATE", "第56条", "investigation.preservation_decided_on")


def test_a_case_returned_by_legal_review_is_noticed_again_on_a_later_day(api):
    """The second round's dates follow the first round's: the old answer is not held against the new notice."""
    case = api.run(api.open_case(), *TO_DECISION[:3], ("investigation_report", {"major_case": True}),
                   *TO_DECISION[4:])
    findings = {**STEPS["legal_review"][1]["findings"], "facts_and_evidence": {"result": "fail"}}
    case = api.complete(case, "legal_review", findings=findings, review_outcome="return", opinions="补充证据")
    case = api.run(case, "investigation", ("investigation_report", {"major_case": True}),
                   ("penalty_notice", {"served_on": days_ago(70)}), ("statement_defence", {"answered_on": days_ago(65)}))
    assert api.ready(case) == ["legal_review"]
    case = api.run(case, "legal_review", "collective_discussion", "penalty_decision")
    assert case["status"] == "decided"


# -- SINGLE_OFFICER ----------------------------------------------------------------------------------
def test_an_investigation_recorded_by_an_officer_it_does_not_name_is_refused(api):
    """APL 42, 55: two officers investigate in person; officer3 may not record an investigation
    that officer1 and officer2 did. One of them records it."""
    case = api.run(api.open_case(), "clue_intake", "filing_approval")
    r = api.complete(case, "investigation", as_="officer3", expect=422)
    assert_refused(api, case, r, "SINGLE_OFFICER", "第42条", "investigation.officers")
    assert "officer3" in r.json["message"]
    case = api.complete(case, "investigation", as_="officer2")
    assert api.ready(case) == ["investigation_report"]


# -- ELECTRONIC_SERVICE_NO_CONSENT -------------------------------------------------------------------
def test_electronic_service_without_the_partys_written_consent_is_refused(api):
    """APL 61: a decision is served electronically only where the party agreed in writing."""
    case = api.run(api.open_case(), *TO_DECISION, "penalty_decision")
    r = api.complete(case, "service", expect=422, method="electronic")
    assert_refused(api, case, r, "ELECTRONIC_SERVICE_NO_CONSENT", "第61条", "service.electronic_consent")
    r = api.complete(case, "service", expect=422, method="electronic", electronic_consent=False)
    assert r.json["error"] == "ELECTRONIC_SERVICE_NO_CONSENT"
    case = api.complete(case, "service", method="electronic", electronic_consent=True)
    assert case["status"] == "served"
