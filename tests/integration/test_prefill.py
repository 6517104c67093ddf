"""Forms that fill themselves (services/cases/prefill.py, `x-prefill` on a form's field): the notice takes
the fine and the penalty kinds the report proposed, the decision those the notice gave; the page
shows the value with where it came from, and the API gives it beside the form; the officer may
change it; nothing is recorded until the form is submitted. Deploy refuses a source that names
nothing of the package or a field of another type."""
import io
import json

from tests.helpers import TO_DECISION, package_files
from tests.web_session import html, page_login
from workflow_app.services.procedures import packages


def task_detail(api, case, bpmn_id, as_="officer1"):
    return api.get(f"/api/v1/tasks/{api.task(case, bpmn_id)['id']}", as_=as_).json


def test_the_notice_offers_what_the_report_proposed_and_the_decision_what_the_notice_gave(api):
    case = api.run(api.open_case(), *TO_DECISION[:3], ("investigation_report", {"proposed_fine": 35000}))
    notice = task_detail(api, case, "penalty_notice")
    assert notice["prefill"]["notified_fine"] == {"value": 35000, "source": "investigation_report.proposed_fine"}
    assert notice["prefill"]["notified_penalty_kinds"]["value"] == ["fine"]
    assert "notice_number" not in notice["prefill"]
    case = api.run(case, ("penalty_notice", {"notified_fine": 30000}), TO_DECISION[5])  # the officer changed it
    decision = task_detail(api, case, "penalty_decision", as_="head1")
    assert decision["prefill"]["fine_amount"] == {"value": 30000, "source": "penalty_notice.notified_fine"}
    assert decision["prefill"]["legal_basis"]["value"] == "《食品安全法》第一百二十六条"
    assert decision["prefill"]["benchmark_tier"]["value"] == "ordinary"


def test_a_value_the_field_would_not_accept_is_not_offered(api):
    case = api.run(api.open_case(), *TO_DECISION[:3], ("investigation_report", {"benchmark_tier": "no_penalty"}))
    case = api.run(case, *TO_DECISION[4:])
    decision = task_detail(api, case, "penalty_decision", as_="head1")
    assert "benchmark_tier" not in decision["prefill"]  # the decision has no 不予处罚 tier


def test_the_page_shows_the_offered_value_and_its_source_and_records_only_what_is_submitted(client, api):
    case = api.run(api.open_case(), *TO_DECISION[:3], ("investigation_report", {"proposed_fine": 35000}))
    page_login(client, "officer1")
    task = api.task(case, "penalty_notice")
    page = html(client.get(f"/tasks/{task['id']}"))
    assert 'name="notified_fine" type="number"\n         value="35000"' in page or 'value="35000"' in page
    assert 'data-testid="prefilled-notified_fine"' in page and "调查终结报告" in page, page[:2000]
    # only shown: the step is still open, nothing recorded
    fresh = api.get(f"/api/v1/cases/{case['id']}").json
    assert [t["bpmn_id"] for t in fresh["tasks"]] == ["penalty_notice"]


def test_deploy_refuses_a_source_that_names_nothing_or_a_field_of_another_type(api):
    files = package_files()
    path = "forms/general_penalty/penalty_decision.schema.json"
    schema = json.loads(files[path])
    schema["properties"]["fine_amount"]["x-prefill"] = "penalty_notice.notified_penalty"  # a text
    schema["properties"]["legal_basis"]["x-prefill"] = ["investigation_report.penalty_clause", "case.color",
                                                        "transfer_of_another_package.basis", "origin.penalty_notice",
                                                        "origin.penalty_notice.no_such_field",
                                                        "origin.referral_letter.clue"]
    files[path] = json.dumps(schema, ensure_ascii=False).encode()
    r = api.post("/api/v1/procedures", as_="author1", content_type="multipart/form-data",
                 headers={"Accept-Language": "en"},
                 data={"file": (io.BytesIO(packages.to_zip(files)), "general_penalty.zip")})
    assert r.status_code == 422, r.json
    said = [p["message"] for p in r.json["details"]["problems"]]
    assert any("penalty_decision.fine_amount" in m and "string" in m for m in said), said
    assert any("investigation_report.penalty_clause" in m and "no such field" in m for m in said), said
    assert not any("transfer_of_another_package" in m for m in said), said  # a form reused elsewhere
    assert any("case.color" in m for m in said), said
    assert any("origin.penalty_notice " in m + " " and "origin.<form key>.<field>" in m for m in said), said
    assert any("penalty_notice.no_such_field" in m and "no such field" in m for m in said), said
    assert not any("referral_letter" in m for m in said), said  # the origin's form, of another package
    assert all(p["file"] == path for p in r.json["details"]["problems"])
