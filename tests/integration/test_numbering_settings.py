"""A department's numbering set on a page and through the API (services/numbering.set_numbering):
administrators only, in their scope, checked as the CLI checks it, traced; the next number of each
kind shown as it would print, read without issuing one."""
from datetime import datetime

import pytest

from tests.helpers import TO_DECISION
from tests.web_session import csrf_of, html, page_login
from workflow_app.extensions import db
from workflow_app.models import TraceEvent
from workflow_app.oversight.calendar import LOCAL_TZ

URL = "/api/v1/departments/market/numbering"


def put(api, body, as_="admin", url=URL):
    return api.client.put(url, headers=api.headers(as_), json=body)


def kinds(body) -> dict:
    return {k["kind"]: k for k in body["kinds"]}


def test_the_api_shows_the_next_number_of_each_kind_without_issuing_it(api, clock):
    clock.set_now(datetime(2027, 3, 5, 10, 0, tzinfo=LOCAL_TZ))
    api.open_case()
    r = api.get(URL, as_="admin")
    assert r.status_code == 200, r.json
    assert (r.json["abbr"], r.json["pattern"], r.json["year"]) == ("清市监", "{abbr}{kind}〔{year}〕{seq}号", 2027)
    shown = kinds(r.json)
    assert shown["case"]["example"] == "清市监立〔2027〕2号" and shown["case"]["next_seq"] == 2
    assert shown["penalty_decision"]["example"] == "清市监罚〔2027〕1号" and not shown["penalty_decision"]["own"]
    assert kinds(api.get(URL, as_="admin").json)["case"]["next_seq"] == 2  # reading issued nothing
    assert api.open_case()["number"] == "清市监立〔2027〕2号"


def test_an_administrator_changes_the_pattern_and_a_code_and_the_next_numbers_follow_traced(api, clock):
    clock.set_now(datetime(2027, 3, 5, 10, 0, tzinfo=LOCAL_TZ))
    r = put(api, {"pattern": "{abbr}{kind}字〔{year}〕第{seq:03}号", "codes": {"penalty_decision": "处罚"}})
    assert r.status_code == 200, r.json
    shown = kinds(r.json)
    assert shown["penalty_decision"]["example"] == "清市监处罚字〔2027〕第001号" and shown["penalty_decision"]["own"]
    assert api.open_case()["number"] == "清市监立字〔2027〕第001号"
    case = api.run(api.open_case(), *TO_DECISION, "penalty_decision")
    documents = {d["kind"]: d for d in api.get(f"/api/v1/cases/{case['id']}/documents").json["items"]}
    assert documents["penalty_decision"]["number"] == "清市监处罚字〔2027〕第001号"
    # an empty code goes back to the default
    assert kinds(put(api, {"codes": {"penalty_decision": ""}}).json)["penalty_decision"]["code"] == "罚"
    with api.client.application.app_context():
        traced = db.session.execute(db.select(TraceEvent).where(TraceEvent.action == "org_unit.numbering_set")
                                    .order_by(TraceEvent.id)).scalars().all()
        assert [e.actor for e in traced][-2:] == ["admin", "admin"]
        assert '"处罚"' in traced[-2].data_json


@pytest.mark.parametrize("body, field", [
    ({"pattern": "{abbr}{kind}〔{year}〕号"}, "pattern"),  # no {seq}: two numbers would print the same
    ({"pattern": "{abbr.__class__}{kind}〔{year}〕{seq}号"}, "pattern"),
    ({"pattern": "{abbr}" * 20 + "{kind}{year}{seq}"}, "pattern"),
    ({"abbr": "清\x00市监"}, "abbr"),
    ({"abbr": " "}, "abbr"),
    ({"codes": {"penalty_notice": "罚"}}, "code"),  # the decision's code
    ({"codes": {"Penalty": "罚"}}, "code"),
    ({"pattern": 7}, "pattern"),
    ({"surprise": 1}, "surprise"),
])
def test_a_numbering_that_could_print_twice_is_a_422_naming_its_field_and_changes_nothing(api, body, field):
    before = api.get(URL, as_="admin").json
    r = put(api, body)
    assert r.status_code == 422 and field in r.json["errors"], r.json
    assert api.get(URL, as_="admin").json == before


@pytest.mark.parametrize("user", ["officer1", "head1", "supervisor1", "author1"])
def test_only_an_administrator_reads_or_sets_the_numbering(api, user):
    assert api.get(URL, as_=user).status_code == 403
    assert put(api, {"abbr": "某"}, as_=user).status_code == 403
    assert api.get(URL, as_="admin").json["abbr"] == "清市监"


def test_a_unit_that_is_no_department_or_does_not_exist_is_a_404(api):
    assert api.get("/api/v1/departments/qinghe/numbering", as_="admin").status_code == 404
    assert put(api, {"abbr": "某"}, url="/api/v1/departments/nowhere/numbering").status_code == 404


# -- the page ---------------------------------------------------------------------------------------
def test_the_page_lists_the_departments_and_changes_one_refusing_a_bad_pattern_beside_its_field(client, clock):
    clock.set_now(datetime(2027, 3, 5, 10, 0, tzinfo=LOCAL_TZ))
    page_login(client, "admin")
    listed = html(client.get("/numbering"))
    assert 'data-code="market"' in listed and "清市监立〔2027〕1号" in listed
    page = client.get("/numbering/market")
    assert page.status_code == 200 and "清市监罚〔2027〕1号" in html(page)
    form = {"csrf_token": csrf_of(html(page)), "abbr": "清市监", "pattern": "{abbr}{kind}〔{year}〕号",
            "code-penalty_decision": "罚"}
    refused = client.post("/numbering/market", data=form)
    assert refused.status_code == 422
    assert 'data-testid="error-pattern"' in html(refused) and "{seq}" in html(refused)
    assert 'value="{abbr}{kind}〔{year}〕号"' in html(refused)  # what was typed comes back to be corrected
    done = client.post("/numbering/market", data={**form, "pattern": "{abbr}{kind}〔{year}〕{seq:04}号"},
                       follow_redirects=True)
    assert done.status_code == 200 and "清市监罚〔2027〕0001号" in html(done)
    assert '<span class="muted">(' in html(done)  # the decision's code typed as its default stays the default


def test_the_page_is_for_administrators(client):
    page_login(client, "head1")
    assert client.get("/numbering").status_code == 403
    assert client.get("/numbering/market").status_code == 403
