"""Coercive execution by the agency itself (行政机关强制执行, 行政强制法 Arts. 34-46: the shared subprocess
bpmn/shared/coercive_execution.bpmn the general procedure's execution calls), through the API on both
databases: chosen only by a department whose powers list names a means of execution (else the court,
Arts. 13, 53); after the demand (催告书) the party's statement heard and reviewed (Art. 36); an execution
agreement kept ends it, one broken resumes it (Art. 42); the decision only once the demand's ten working
days have passed, at once only on recorded evidence (Art. 37), by a means in the powers list, its late fee
not above the sum owed (Art. 45), numbered (强执) and printed; carried out by two officers, never at night
or on a day off save in an emergency recorded with its reason (Art. 43, EXECUTION_AT_NIGHT_OR_HOLIDAY)."""
from datetime import date, datetime, time, timedelta

import pytest

from tests.helpers import TO_DECISION, days_ago
from workflow_app.oversight.calendar import LOCAL_TZ, check_day, working_days_after
from workflow_app.services.people import users
from workflow_app.wall_clock import local_today

pytestmark = pytest.mark.dates

DECIDED = (*TO_DECISION, "penalty_decision", "disclosure", "service")
DEMAND_DAYS_AGO = 30
NO_PAYMENT = {"paid_on": None, "amount_paid": None}


@pytest.fixture
def powerless(ctx):
    """The market bureau's powers list without 查封, 扣押 or any means of execution: the court's path only."""
    unit = users.unit_by_code("market")
    users.set_register("cli:test", "market", powers=[p for p in unit.penalty_powers or [] if p not in ("seal", "seize")])
    return unit


@pytest.fixture
def empowered(ctx):
    """The market bureau given a means of execution in its powers list, as `flask org register market
    --power … --power transfer_deposit` would (a law giving it 划拨)."""
    unit = users.unit_by_code("market")
    users.set_register("cli:test", "market", powers=[*(unit.penalty_powers or []), "transfer_deposit"])
    return unit


def demanded(api) -> dict:
    """A fine served and unpaid; the demand (催告书) served DEMAND_DAYS_AGO days ago, recorded."""
    case = api.run(api.open_case(), *DECIDED)
    return api.complete(case, "execution", outcome="demanded", demand_served_on=days_ago(DEMAND_DAYS_AGO),
                        **NO_PAYMENT)


def to_execute(api, case: dict, **changes) -> dict:
    """The next execution record: the agency executes the decision itself."""
    return api.complete(case, "execution", outcome="coercive_execution",
                        demand_served_on=days_ago(DEMAND_DAYS_AGO), **NO_PAYMENT, **changes)


def statement(api, case: dict, after_demand="not_performed", expect=200):
    return api.submit(case, "coercive_statement", "officer1", {
        "statement_made": True, "statement_on": days_ago(DEMAND_DAYS_AGO - 2), "statement": "资金周转困难，请求宽限",
        "review": "经复核，所述理由不构成不履行的正当理由，不予采纳", "after_demand": after_demand}, expect)


def period_end() -> date:
    return working_days_after(date.fromisoformat(days_ago(DEMAND_DAYS_AGO)), 10)


def first_working_day_after(day: date) -> date:
    day += timedelta(days=1)
    while not check_day(day).working:
        day += timedelta(days=1)
    return day


def decision(api, case: dict, on: date | None = None, expect=200, **changes):
    on = on or first_working_day_after(period_end())
    data = {"decided_on": on.isoformat(), "methods": ["transfer_deposit"], "obligation": "缴纳罚款20000元及加处罚款",
            "reasons": "经催告，当事人逾期仍不履行，且无正当理由", "amount_owed": 20000, "late_fee": 9000,
            "approved_by_head": True, "reconsideration_body": "清河区人民政府", "litigation_court": "清河区人民法院"}
    return api.submit(case, "coercive_execution_decision", "head1", {**data, **changes}, expect)


def at(day: date, hour: int, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ).isoformat()


def carried_out(api, case: dict, started: str, expect=200, **changes):
    data = {"officers": ["officer1", "officer2"], "credentials_shown": True, "started_at": started,
            "place": "清河区兴华路18号", "utilities_untouched": True, "record": "依法划拨当事人银行存款29000元",
            "amount_collected": 29000, "result": "completed"}
    return api.submit(case, "coercive_execution_record", "officer1", {**data, **changes}, expect)


def a_working_morning_after(day: date) -> str:
    """10:00 of the first working day after `day` (before today: the test's dates stay in the past)."""
    when = first_working_day_after(day)
    assert when < local_today(), "the demand's period must end well before today for this test"
    return at(when, 10)


# -- who may execute ----------------------------------------------------------------------------------
def test_a_department_without_a_means_of_execution_is_refused_and_sent_to_the_court(api, powerless):
    case = demanded(api)
    r = to_execute(api, case, expect=422)
    assert "EXECUTION_WITHOUT_POWER" in str(r.json)
    assert "人民法院" in str(r.json) and "第13条" in str(r.json)
    court = api.complete(case, "execution", outcome="court_enforcement", demand_served_on=days_ago(DEMAND_DAYS_AGO),
                         court_applied_on=days_ago(5), **NO_PAYMENT)
    assert api.ready(court) == ["execution"]  # the court path of today, unchanged


def test_with_the_power_the_statement_decision_and_execution_run_and_the_case_closes(api, empowered):
    case = to_execute(api, demanded(api))
    assert "coercive_statement" in api.ready(case)
    case = statement(api, case)
    assert "coercive_execution_decision" in api.ready(case)
    case = decision(api, case)
    docs = {d["kind"]: d for d in api.get(f"/api/v1/cases/{case['id']}/documents").json["items"]}
    number = docs["coercive_execution_decision"]["number"]
    assert number and "强执" in number
    page = api.get(docs["coercive_execution_decision"]["links"]["html"]).data.decode()
    assert number in page and "划拨存款、汇款" in page and "资金周转困难" in page
    case = carried_out(api, case, a_working_morning_after(period_end()))
    assert api.ready(case) == ["closing"]
    trail = [e["action"] for e in api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]]
    assert trail.count("task.completed") >= 1 and "number.issued" in trail


def test_a_party_who_performs_after_the_demand_ends_the_execution(api, empowered):
    case = statement(api, to_execute(api, demanded(api)), after_demand="performed")
    assert api.ready(case) == ["closing"]


def test_a_kept_agreement_ends_it_and_a_broken_one_resumes_the_execution(api, empowered):
    kept = statement(api, to_execute(api, demanded(api)), after_demand="agreement")
    agreement = {"agreed_on": days_ago(DEMAND_DAYS_AGO - 3), "terms": "分两期缴清", "checked_on": days_ago(DEMAND_DAYS_AGO - 4)}
    kept = api.submit(kept, "execution_agreement", "officer1", {**agreement, "performance": "performed"})
    assert api.ready(kept) == ["closing"]
    broken = statement(api, to_execute(api, demanded(api)), after_demand="agreement")
    broken = api.submit(broken, "execution_agreement", "officer1", {**agreement, "performance": "breached"})
    assert "coercive_execution_decision" in api.ready(broken)


# -- the decision --------------------------------------------------------------------------------------
def test_a_decision_within_the_demand_period_is_refused_unless_immediate_on_recorded_evidence(api, empowered):
    case = statement(api, to_execute(api, demanded(api)))
    r = decision(api, case, on=period_end(), expect=422)
    assert "EXECUTION_BEFORE_DEMAND_PERIOD" in str(r.json) and str(period_end()) in str(r.json)
    assert api.ready(api.get(f"/api/v1/cases/{case['id']}").json) == ["coercive_execution_decision"]  # unchanged
    r = decision(api, case, on=period_end(), immediate=True, expect=422)
    assert "immediate_reason" in str(r.json)  # the evidence is not optional
    decision(api, case, on=period_end(), immediate=True, immediate_reason="当事人正在转移银行存款，有转账记录为证")


def test_a_means_outside_the_powers_list_and_a_late_fee_above_the_sum_owed_are_refused(api, empowered):
    case = statement(api, to_execute(api, demanded(api)))
    r = decision(api, case, methods=["substitute_performance"], expect=422)
    assert "EXECUTION_METHOD_OUTSIDE_POWERS" in str(r.json) and "代履行" in str(r.json)
    r = decision(api, case, late_fee=20001, expect=422)
    assert "LATE_FEE_ABOVE_FINE" in str(r.json)


# -- carrying it out (AC 43) ---------------------------------------------------------------------------
def test_execution_at_night_is_refused_and_allowed_in_an_emergency_recorded_with_its_reason(api, empowered):
    case = decision(api, statement(api, to_execute(api, demanded(api))))
    day = first_working_day_after(period_end())
    for hour in (22, 5):
        r = carried_out(api, case, at(day, hour, 30), expect=422)
        assert "EXECUTION_AT_NIGHT_OR_HOLIDAY" in str(r.json) and "夜间" in str(r.json)
    r = carried_out(api, case, at(day, 9), ended_at=at(day, 23), expect=422)  # ran into the night
    assert "EXECUTION_AT_NIGHT_OR_HOLIDAY" in str(r.json)
    r = carried_out(api, case, at(day, 22, 30), urgent=True, expect=422)
    assert "urgent_reason" in str(r.json)
    done = carried_out(api, case, at(day, 22, 30), urgent=True, urgent_reason="污染物正在持续排放，须立即代为处置")
    assert api.ready(done) == ["closing"]


def test_execution_on_a_day_off_is_refused(api, empowered):
    # decided at once (evidence recorded), so that a day off between the demand and today is open to it
    case = decision(api, statement(api, to_execute(api, demanded(api))), on=date.fromisoformat(days_ago(DEMAND_DAYS_AGO - 3)),
                    immediate=True, immediate_reason="当事人正在转移财产")
    day = date.fromisoformat(days_ago(DEMAND_DAYS_AGO - 3)) + timedelta(days=1)
    while check_day(day).working:
        day += timedelta(days=1)
    assert day < local_today()
    r = carried_out(api, case, at(day, 10), expect=422)
    assert "EXECUTION_AT_NIGHT_OR_HOLIDAY" in str(r.json) and "节假日" in str(r.json)
    carried_out(api, case, a_working_morning_after(day))


def test_the_execution_names_two_officers_one_of_whom_records_it(api, empowered):
    case = decision(api, statement(api, to_execute(api, demanded(api))))
    r = carried_out(api, case, a_working_morning_after(period_end()), officers=["officer1"], expect=422)
    assert "officers" in str(r.json)


# -- AC 46(3): the bureau that seized property auctions it to pay the fine -------------------------------------
def test_a_bureau_that_may_seize_auctions_what_it_seized_naming_the_seizure_and_nothing_else(api):
    """The market bureau's register names 查封 and 扣押 and no means of execution (the demo's): it may
    execute by 拍卖 of what it sealed up or seized, the decision naming the seizure; 划拨 it may not."""
    case = statement(api, to_execute(api, demanded(api)))
    r = decision(api, case, methods=["transfer_deposit"], expect=422)
    assert "EXECUTION_METHOD_OUTSIDE_POWERS" in str(r.json)
    r = decision(api, case, methods=["auction"], expect=422)
    assert "seized_items_decision" in str(r.json)  # which seizure's property is auctioned
    case = decision(api, case, methods=["auction"], seized_items_decision="清市监封扣〔2026〕3号")
    docs = {d["kind"]: d for d in api.get(f"/api/v1/cases/{case['id']}/documents").json["items"]}
    page = api.get(docs["coercive_execution_decision"]["links"]["html"]).data.decode()
    assert "清市监封扣〔2026〕3号" in page and "第四十六条第三款" in page
