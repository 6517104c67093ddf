"""The 催告书 (demand to pay, 行政强制法 Art. 35; APL 72) has a number of its own (催), issued by the
execution record that records the demand and by no other; a later record keeping the same demand
carries that number, a demand served on another date takes the next one; gapless per department,
year and kind, never typed. The case's record, its list of documents and the 催告书 print it.
Through the API and the pages, on SQLite and PostgreSQL."""
import json
import re

import pytest

from tests.helpers import TO_DECISION, days_ago
from tests.integration.test_documents import documents, docx_text, download
from tests.web_session import html, page_login
from workflow_app.extensions import db
from workflow_app.models import IssuedNumber, NumberCounter, OrgUnit

pytestmark = pytest.mark.dates

DECIDED = (*TO_DECISION, "penalty_decision", "disclosure", "service")
NO_PAYMENT = {"paid_on": None, "amount_paid": None}


def demanded(api, on: int = 30) -> dict:
    """A fine served and unpaid, the demand served `on` days ago."""
    case = api.run(api.open_case(), *DECIDED)
    return api.complete(case, "execution", outcome="demanded", demand_served_on=days_ago(on), **NO_PAYMENT)


def execution_records(api, case) -> list[dict]:
    return [t["data"] for t in api.get(f"/api/v1/cases/{case['id']}/tasks").json["items"]
            if t["bpmn_id"] in ("execution", "execution_scheduled") and t["state"] == "completed"]


def issued_demands(ctx) -> list[str]:
    return list(db.session.execute(db.select(IssuedNumber.number).where(IssuedNumber.kind == "demand")
                                   .order_by(IssuedNumber.seq)).scalars())


def seq_of(number: str) -> int:
    return int(re.fullmatch(r".*〕(\d+)号", number).group(1))


def trail(api, case, action: str) -> list[dict]:
    return [e for e in api.get(f"/api/v1/cases/{case['id']}/trace").json["items"] if e["action"] == action]


# -- the 催告书's number (催) ---------------------------------------------------------------------------
def test_the_execution_record_that_records_the_demand_issues_its_number_which_the_list_and_the_reminder_print(
        api, ctx):
    case = demanded(api)
    number = documents(api, case)["payment_reminder"]["number"]
    assert re.fullmatch(r"清市监催〔20\d\d〕1号", number or ""), number
    [record] = execution_records(api, case)
    assert record["demand_number"] == number  # the case's record, as printed
    word, page = download(api, case, "payment_reminder"), download(api, case, "payment_reminder", "html")
    assert number in docx_text(word.data)
    assert f'<p class="number">{number}</p>' in page.get_data(as_text=True)  # the print page's header
    [event] = trail(api, case, "number.issued")[-1:]
    assert event["data"] == {"kind": "demand", "year": int(number[5:9]), "seq": 1, "number": number,
                             "field": "demand_number"}
    assert issued_demands(ctx) == [number]


def test_the_case_page_shows_the_demand_number_in_the_record_and_beside_the_reminder(app, api):
    case = demanded(api)
    number = documents(api, case)["payment_reminder"]["number"]
    browser = app.test_client()
    page_login(browser, "officer1")
    page = html(browser.get(f"/cases/{case['id']}"))
    assert f'<span class="document-number" data-testid="document-number-payment_reminder">{number}</span>' in page
    assert "催告书文号" in page and page.count(number) >= 2  # the execution's record names it too
    form = html(browser.get(f"/tasks/{api.task(case, 'execution')['id']}"))
    assert 'data-testid="issued-demand_number"' in form and "催告书送达日期" in form  # shown, not asked


def test_an_execution_record_without_a_demand_issues_no_demand_number(api, ctx):
    case = api.run(api.open_case(), *DECIDED)
    case = api.complete(case, "execution", outcome="deferral_requested", **NO_PAYMENT)
    assert "demand_number" not in execution_records(api, case)[0]
    paid = api.run(api.open_case(), *DECIDED, "execution")  # paid in time
    assert "demand_number" not in execution_records(api, paid)[0]
    assert issued_demands(ctx) == []
    assert "payment_reminder" not in documents(api, paid)


def test_a_later_record_of_the_same_demand_carries_its_number_and_a_new_demand_takes_the_next(api, ctx):
    """One number per demand date: the court applied to after the demand keeps the demand's date
    (the form offers it again) and its number; a second demand, served on another day, is a new
    催告书 with the next number, and the first stays as it was issued."""
    case = demanded(api, 30)
    first = documents(api, case)["payment_reminder"]["number"]
    case = api.complete(case, "execution", outcome="court_enforcement", demand_served_on=days_ago(30),
                        court_applied_on=days_ago(5), **NO_PAYMENT)
    assert [r.get("demand_number") for r in execution_records(api, case)] == [first, first]
    assert documents(api, case)["payment_reminder"]["number"] == first
    assert issued_demands(ctx) == [first]  # carried, not issued again
    assert len(trail(api, case, "number.issued")) == 3  # the notice's, the decision's, the demand's

    other = demanded(api, 30)  # another case's demand takes the next number of the department
    second = documents(api, other)["payment_reminder"]["number"]
    assert seq_of(second) == seq_of(first) + 1
    other = api.complete(other, "execution", outcome="demanded", demand_served_on=days_ago(20), **NO_PAYMENT)
    third = documents(api, other)["payment_reminder"]["number"]
    assert seq_of(third) == seq_of(second) + 1
    assert [r["demand_number"] for r in execution_records(api, other)] == [second, third]
    assert issued_demands(ctx) == [first, second, third]
    year = int(first[5:9])
    market = db.session.execute(db.select(OrgUnit.id).where(OrgUnit.code == "market")).scalar_one()
    assert db.session.get(NumberCounter, (market, year, "demand")).last == 3  # gapless: no number lost


def test_a_demand_recorded_again_later_on_its_first_date_keeps_its_first_number(api, ctx):
    case = demanded(api, 30)
    first = documents(api, case)["payment_reminder"]["number"]
    case = api.complete(case, "execution", outcome="demanded", demand_served_on=days_ago(20), **NO_PAYMENT)
    case = api.complete(case, "execution", outcome="court_enforcement", demand_served_on=days_ago(30),
                        court_applied_on=days_ago(5), **NO_PAYMENT)
    numbers = [r["demand_number"] for r in execution_records(api, case)]
    assert numbers[0] == numbers[2] == first and numbers[1] != first and len(set(issued_demands(ctx))) == 2


@pytest.mark.parametrize("typed", ["清市监催〔2026〕99号", "", "催\x00号", "催\ud800号", "催" * 100_000, {"n": 1}, 7, None],
                         ids=["a_number", "empty", "nul", "surrogate", "long", "object", "number", "null"])
def test_an_officer_cannot_type_the_demand_number(api, ctx, typed):
    case = api.run(api.open_case(), *DECIDED)
    task = api.task(case, "execution")
    data = {"outcome": "demanded", "demand_served_on": days_ago(30), "demand_number": typed}
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", data=json.dumps({"data": data}),
                 content_type="application/json")  # a lone surrogate escaped as JSON allows
    assert r.status_code == 422, r.json
    assert [key.split(".")[-1] for key in r.json["errors"]] == ["demand_number"], r.json
    assert issued_demands(ctx) == [] and api.ready(api.get(f"/api/v1/cases/{case['id']}").json) == ["execution"]
