"""PAYMENT_OVERDUE (APL 67, 72) follows what the law measures, as the package declares it (rules.json:
the execution's act is its payment date only for a payment, `act_dates`; no overdue alert when the
decision fined nothing or the step records nothing to execute, `overdue_alert_unless`): a fine paid
after its 15 days, or not paid by then, raises it; a fine paid in time and recorded late does not,
nor a warning recorded late. The worker, which sees the step open past its due time, reads the same
declaration. Deploy refuses a declaration that does not hold, naming it. Through the API, on SQLite
and PostgreSQL."""
import io
import json
from datetime import date

import pytest

from tests.helpers import DAY, TO_DECISION, days_ago, package_archive, package_files
from workflow_app.extensions import db
from workflow_app.models import Alert
from workflow_app.oversight.late_fee import late_fee
from workflow_app.services.oversight import alerts

pytestmark = pytest.mark.dates

NO_PAYMENT = {"paid_on": None, "amount_paid": None}
WARNING = (*TO_DECISION[:3], ("investigation_report", {"proposed_penalty_kinds": ["warning"], "proposed_fine": None}),
           ("penalty_notice", {"notified_penalty": "警告", "notified_fine": None, "notified_penalty_kinds": ["warning"]}),
           "statement_defence", ("penalty_decision", {"penalty_kinds": ["warning"], "fine_amount": None}),
           "disclosure", "service")
FINED = (*TO_DECISION, "penalty_decision", "disclosure", "service")  # 20,000 yuan, served DAY["served"] days ago


def overdue(case) -> list[tuple[str, str, dict]]:
    db.session.expire_all()
    return [(a.code, a.raised_by, a.details) for a in db.session.execute(
        db.select(Alert).where(Alert.case_id == case["id"], Alert.code == "PAYMENT_OVERDUE")).scalars()]


def fee_to(paid_on: str) -> float:
    return late_fee(20000, date.fromisoformat(days_ago(DAY["served"])), date.fromisoformat(paid_on)).yuan


# -- the step recorded after its due time -------------------------------------------------------------
def test_a_warning_recorded_as_needing_no_execution_long_after_service_raises_no_payment_overdue(api, ctx):
    case = api.run(api.open_case(), *WARNING)
    assert api.ready(api.complete(case, "execution", outcome="not_applicable", **NO_PAYMENT)) == ["closing"]
    assert overdue(case) == []


def test_a_fine_paid_in_time_and_recorded_late_raises_no_payment_overdue(api, ctx):
    """Served 46 days ago, paid 6 days later, recorded today: the payment was in time."""
    case = api.run(api.open_case(), *FINED)
    api.complete(case, "execution", outcome="paid", paid_on=days_ago(DAY["served"] - 6), amount_paid=20000)
    assert overdue(case) == []


def test_a_fine_paid_after_its_15_days_raises_payment_overdue_on_the_day_of_payment(api, ctx):
    case = api.run(api.open_case(), *FINED)
    paid_on = days_ago(DAY["served"] - 20)
    api.complete(case, "execution", outcome="paid_late", paid_on=paid_on, late_fee=fee_to(paid_on),
                 amount_paid=20000 + fee_to(paid_on))
    [(code, by, details)] = overdue(case)
    assert by == alerts.STEP_RULES and details["act_on"] == paid_on and details["step"] == "execution"


def test_a_demand_after_the_15_days_raises_payment_overdue_on_the_day_it_is_recorded(api, ctx):
    """The fine was not paid by its due date. A payment date typed beside a demand dates nothing:
    only a payment is dated by its payment date."""
    case = api.run(api.open_case(), *FINED)
    api.complete(case, "execution", outcome="demanded", demand_served_on=days_ago(30),
                 paid_on=days_ago(DAY["served"] - 6), amount_paid=None)
    [(_, by, details)] = overdue(case)
    assert by == alerts.STEP_RULES and details["act_on"] == days_ago(0)


# -- the worker, while the step is open past its due time ---------------------------------------------
def test_the_worker_raises_payment_overdue_on_an_unpaid_fine_and_passes_over_a_warning(api, ctx):
    """The warning's execution is due first, yet the worker's pass (one alert at most) goes on to
    the fine: a step its alert does not apply to stands in no other's way."""
    warned = api.run(api.open_case(), *WARNING)
    fined = api.run(api.open_case(), *FINED[:-1], ("service", {"served_on": days_ago(20)}))
    assert api.task(warned, "execution")["due_at"] < api.task(fined, "execution")["due_at"]
    assert alerts.scan(limit=1).raised == [(fined["number"], "PAYMENT_OVERDUE")]
    assert alerts.scan().raised == []
    assert overdue(warned) == [] and [by for _, by, _ in overdue(fined)] == [alerts.SCANNER]
    api.complete(warned, "execution", outcome="not_applicable", **NO_PAYMENT)
    assert overdue(warned) == []


# -- deploy refuses a declaration that does not hold -------------------------------------------------
RULES = "bpmn/general_penalty/rules.json"
EXECUTION = "forms/general_penalty/execution.schema.json"
DOCUMENTS = "bpmn/general_penalty/documents/documents.json"


def _json(files, path, change):
    content = json.loads(files[path])
    change(content)
    files[path] = json.dumps(content, ensure_ascii=False).encode("utf-8")


def _unless(conditions):
    return lambda rules: rules.__setitem__("overdue_alert_unless", conditions)


def _act_date(entry):
    return lambda rules: rules["act_dates"].__setitem__("execution", entry)


def _marker(marker):
    return lambda form: form["properties"]["demand_number"].__setitem__("x-document-number", marker)


@pytest.mark.parametrize("path, change, needle", [
    (RULES, _unless({"zhixing": [{"field": "execution.outcome", "equals": "not_applicable"}]}),
     "overdue_alert_unless, form zhixing: the package has no form 'zhixing'"),
    (RULES, _unless({"execution": {"field": "execution.outcome", "equals": "not_applicable"}}),
     "overdue_alert_unless, form execution: a list of 1 to 20 conditions"),
    (RULES, _unless({"execution": []}), "a list of 1 to 20 conditions"),
    (RULES, _unless({"execution": [{"field": "execution.outcome", "is": "not_applicable"}]}),
     "overdue_alert_unless, form execution, condition 1: a condition is"),
    (RULES, _unless({"execution": [{"field": "execution.outcome", "equals": "nothing"}]}),
     "execution.outcome has no choice 'nothing'"),
    (RULES, _unless({"execution": [{"field": "execution.outcom", "filled": False}]}),
     "names execution.outcom, which is no field"),
    (RULES, _unless({"execution": [{"field": "penalty_decision.fine_amount", "excludes": 0}]}),
     "penalty_decision.fine_amount is no list"),
    (RULES, _unless({"execution": [{"field": "penalty_decision.penalty_kinds", "excludes": "fines"}]}),
     "penalty_decision.penalty_kinds has no choice 'fines'"),
    (RULES, _unless(["execution"]), '"overdue_alert_unless" is an object'),
    (RULES, _act_date([{"field": "paid_on", "when": {"field": "penalty_decision.penalty_kinds",
                                                     "includes": "fine"}}]),
     "the condition of a date reads the step's own form execution, not penalty_decision.penalty_kinds"),
    (RULES, _act_date([{"field": "paid_on", "when": {"field": "execution.outcome", "in": ["payed"]}}]),
     "execution.outcome has no choice 'payed'"),
    (RULES, _act_date([{"field": "paid_on"}]), 'a date given under a condition is {"field": <date field>'),
    (RULES, _act_date([{"field": "note", "when": {"field": "execution.outcome", "equals": "paid"}}]),
     "field execution.note is not of format date"),
    (EXECUTION, _marker({"kind": "demand", "per": "demand_served"}),
     "x-document-number per 'demand_served' names no other field"),
    (EXECUTION, _marker({"kind": "demand", "per": "demand_number"}), "names no other field"),
    (EXECUTION, _marker({"kind": "Demand", "per": "demand_served_on"}), 'is "<kind>" or {"kind": "<kind>"'),
    (EXECUTION, _marker({"kind": "demand", "per": "demand_served_on", "when": "x"}), 'is "<kind>" or'),
    (EXECUTION, _marker(7), 'is "<kind>" or'),
    (EXECUTION, lambda form: form["properties"]["instalments_paid"]["items"]["properties"]["amount"].__setitem__(
        "x-document-number", "demand"), "field instalments_paid.amount: x-document-number is read on a top-level"),
    (DOCUMENTS, lambda m: m["documents"][-2].__setitem__("filled_in_by", ["payment"]),
     "step 'payment' is no user task of the procedure"),
    (DOCUMENTS, lambda m: m["documents"][-2].__setitem__("filled_in_by", "closing"),
     "filled_in_by lists the bpmn ids of user tasks"),
], ids=["unless_form", "unless_not_list", "unless_empty", "unless_shape", "unless_choice", "unless_field",
        "excludes_scalar", "excludes_choice", "unless_not_object", "act_date_other_form", "act_date_choice",
        "act_date_no_when", "act_date_not_date", "per_no_field", "per_itself", "kind_not_a_name", "marker_extra_key",
        "marker_number", "marker_nested", "filled_in_by_step", "filled_in_by_text"])
def test_deploy_refuses_a_declaration_that_does_not_hold_naming_it(api, path, change, needle):
    files = dict(package_files())
    _json(files, path, change)
    r = api.post("/api/v1/procedures", as_="author1", content_type="multipart/form-data",
                 headers={"Accept-Language": "en"},
                 data={"file": (io.BytesIO(package_archive(files)), "general_penalty.zip")})
    assert r.status_code == 422, r.json
    problems = r.json["details"]["problems"]
    assert any(needle in p["message"] and p["file"] == path for p in problems), problems
    versions = [v for v in api.get("/api/v1/procedures", as_="author1").json["items"]
                if v["procedure_id"] == "general_penalty"]
    assert len(versions) == 1  # nothing deployed
