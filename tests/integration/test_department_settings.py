"""A department's settings on the org register (services/registers/org_settings.py): the bank, account and
place where its fines are paid (APL 59, 67), the body that reconsiders its decisions (the people's
government at its own level, 行政复议法 Art. 24, unless set to the department above where that law
names it) and the court with jurisdiction (行政诉讼法 Art. 18). An administrator sets them from the
CLI, the API returns them, the decision is prefilled from them, and a decision naming another
body or court is refused. The late fee (APL 72) is the system's to count: shown with the case,
offered on the execution form, and a recorded one above it refused."""
import json
from datetime import date

import pytest

from tests.helpers import TO_DECISION, days_ago, migration_sandbox
from workflow_app.extensions import db
from workflow_app.models import OrgUnit, TraceEvent
from workflow_app.oversight.late_fee import late_fee
from workflow_app.services.registers import org_settings


def task_detail(api, case, bpmn_id, as_="officer1"):
    return api.get(f"/api/v1/tasks/{api.task(case, bpmn_id)['id']}", as_=as_).json


def settings(app, code="market") -> dict:
    with app.app_context():
        unit = db.session.execute(db.select(OrgUnit).where(OrgUnit.code == code)).scalar_one()
        return org_settings.settings_of(unit)


# -- the register ------------------------------------------------------------------------------------
def test_every_demo_department_names_the_district_government_court_and_bank(api):
    body = api.get("/api/v1/departments/market").json
    assert body["code"] == "market" and body["parent"] == "qinghe"
    assert body["settings"] == {"payment_bank": "清河区农村商业银行", "payment_account": "6230 5100 0000 1001",
                                "payment_place": "清河区农商银行各营业网点",
                                "reconsideration_body": "清河区人民政府", "court": "清河区人民法院"}
    assert set(body["settings_set"]) == set(org_settings.FIELDS)
    assert api.get("/api/v1/departments/environment").json["settings"]["reconsideration_body"] == "清河区人民政府"


def test_an_unknown_department_is_a_404_naming_it(api):
    r = api.get("/api/v1/departments/nowhere")
    assert r.status_code == 404 and "nowhere" in r.json["message"]
    r = api.get("/api/v1/departments/" + "x" * 300)
    assert r.status_code in (404, 422)


def test_an_administrator_sets_the_settings_from_the_cli_and_an_empty_one_falls_back_to_the_tree(app, api):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["org", "settings", "market", "--reconsideration-body", "清河市市场监督管理局",
                            "--court", " 清河区人民法院 ", "--payment-place", "清河区政务服务中心一楼"])
    assert r.exit_code == 0, r.output
    assert "reconsideration_body: 清河市市场监督管理局" in r.output and "payment_place: 清河区政务服务中心一楼" in r.output
    assert settings(app)["court"] == "清河区人民法院"  # trimmed
    # "" removes the setting: the people's government at the department's level (行政复议法 Art. 24)
    r = runner.invoke(args=["org", "settings", "market", "--reconsideration-body", "", "--court", ""])
    assert r.exit_code == 0, r.output
    assert "reconsideration_body: 清河区人民政府  (derived)" in r.output and "court: 清河区人民法院  (derived)" in r.output
    body = api.get("/api/v1/departments/market").json
    assert body["settings"]["reconsideration_body"] == "清河区人民政府"
    assert "reconsideration_body" not in body["settings_set"]
    with app.app_context():  # each change is in the audit trail, with what was set
        events = db.session.execute(db.select(TraceEvent).where(TraceEvent.action == "org_unit.settings_set")
                                    .order_by(TraceEvent.id)).scalars().all()
        assert [json.loads(e.data_json)["settings"].get("reconsideration_body") for e in events] == ["清河市市场监督管理局", None]


@pytest.mark.parametrize("args, field", [
    (["--court", "清河区\x00人民法院"], "court"),
    (["--reconsideration-body", "府" * 301], "reconsideration_body"),
    (["--payment-account", "\ud800"], "payment_account"),
])
def test_the_cli_refuses_junk_and_overlong_settings_and_changes_nothing(app, args, field):
    before = settings(app)
    r = app.test_cli_runner().invoke(args=["org", "settings", "market", *args])
    assert r.exit_code != 0 and "Traceback" not in r.output and f"{field}:" in r.output, r.output
    assert settings(app) == before


def test_the_cli_names_an_unknown_unit(app):
    r = app.test_cli_runner().invoke(args=["org", "settings", "nowhere", "--court", "某法院"])
    assert r.exit_code == 1 and "nowhere" in r.output, r.output


# -- the decision -------------------------------------------------------------------------------------
def test_the_decision_is_prefilled_from_the_departments_settings(api):
    case = api.run(api.open_case(), *TO_DECISION)
    decision = task_detail(api, case, "penalty_decision", as_="head1")
    assert decision["prefill"]["reconsideration_body"] == {"value": "清河区人民政府",
                                                           "source": "department.reconsideration_body"}
    assert decision["prefill"]["litigation_court"] == {"value": "清河区人民法院", "source": "department.court"}
    manner = decision["prefill"]["performance_manner"]["value"]
    assert "清河区农商银行各营业网点" in manner and "6230 5100 0000 1001" in manner and "百分之三" in manner


def test_a_decision_naming_another_reconsideration_body_or_court_is_refused(api):
    case = api.run(api.open_case(), *TO_DECISION)
    r = api.complete(case, "penalty_decision", expect=422, reconsideration_body="清河市市场监督管理局")
    assert r.json["error"] == "REMEDY_BODY_MISNAMED"
    assert "应为清河区人民政府" in r.json["message"] and "行政复议法》第24条" in r.json["message"]
    assert list(r.json["errors"]) == ["penalty_decision.reconsideration_body"]
    r = api.complete(case, "penalty_decision", expect=422, litigation_court="清河市中级人民法院")
    assert "应为清河区人民法院" in r.json["message"] and "行政诉讼法》第18条" in r.json["message"]
    # whitespace and full-width forms are the same name
    case = api.complete(case, "penalty_decision", reconsideration_body=" 清河区　人民政府 ")
    assert "penalty_decision" not in [t["bpmn_id"] for t in case["tasks"]]


def test_where_the_law_names_the_department_above_the_setting_wins(app, api):
    """行政复议法 Art. 24(1)(…): a 税务 or 海关 department's decisions go to the organ above it."""
    assert app.test_cli_runner().invoke(args=["org", "settings", "market", "--reconsideration-body",
                                              "清河市市场监督管理局"]).exit_code == 0
    case = api.run(api.open_case(), *TO_DECISION)
    assert task_detail(api, case, "penalty_decision", as_="head1")["prefill"]["reconsideration_body"]["value"] \
        == "清河市市场监督管理局"
    r = api.complete(case, "penalty_decision", expect=422, reconsideration_body="清河区人民政府")
    assert "应为清河市市场监督管理局" in r.json["message"]
    api.complete(case, "penalty_decision", reconsideration_body="清河市市场监督管理局")


# -- the late fee -------------------------------------------------------------------------------------
def test_the_case_shows_the_late_fee_the_law_runs_and_the_execution_form_offers_it(api, client):
    from tests.web_session import html, page_login

    case = api.run(api.open_case(), *TO_DECISION, "penalty_decision", "disclosure", "service")  # served 46 days ago
    expected = late_fee(20000, date.fromisoformat(days_ago(46)), date.fromisoformat(days_ago(0)))
    assert expected.amount > 0
    body = api.get(f"/api/v1/cases/{case['id']}").json
    assert body["late_fee"]["amount"] == expected.yuan and body["late_fee"]["days"] == expected.days
    assert body["late_fee"]["to_payment"] is False and body["late_fee"]["fine"] == 20000
    execution = task_detail(api, case, "execution")
    assert execution["prefill"]["late_fee"] == {"value": expected.yuan, "source": "case.late_fee"}
    page_login(client, "officer1")
    page = html(client.get(f"/cases/{case['id']}"))
    assert 'data-testid="case-late-fee"' in page and f"{expected.yuan:.2f}" in page and "百分之三" in page


def test_no_late_fee_is_shown_before_the_decision_is_served(api):
    case = api.run(api.open_case(), *TO_DECISION)
    assert api.get(f"/api/v1/cases/{case['id']}").json["late_fee"] is None


def test_the_migration_adds_and_drops_the_settings_with_units_in_use(tmp_path):
    app, runner, sql = migration_sandbox(tmp_path)

    assert runner.invoke(args=["db", "upgrade", "0019"]).exit_code == 0
    sql("INSERT INTO org_unit (id, code, name, kind, path) VALUES (1, 'market', '市场监督管理局', 'department', '/1/')")
    sql("INSERT INTO user_account (id, username, full_name, password_hash, org_unit_id, active, session_version) "
        "VALUES (1, 'u', 'U', 'x', 1, 1, 0)")
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert sql("SELECT code, settings FROM org_unit") == [("market", None)]
    result = runner.invoke(args=["db", "downgrade", "0019"])
    assert result.exit_code == 0, result.output
    assert sql("SELECT code FROM org_unit") == [("market",)]
    with app.app_context():
        db.engine.dispose()


def test_the_register_page_shows_the_departments_settings_and_which_are_derived(app, client):
    from tests.web_session import html, page_login

    assert app.test_cli_runner().invoke(args=["org", "settings", "market", "--court", ""]).exit_code == 0
    page_login(client, "admin")
    page = html(client.get("/causes?department=market"))
    assert 'data-testid="department-settings"' in page
    assert "行政复议机关" in page and "清河区人民政府" in page and "清河区农商银行各营业网点" in page
    court = page.split('data-testid="setting-court">', 1)[1].split("</dd>", 1)[0]
    assert "清河区人民法院" in court and "按组织机构层级确定" in court
    assert "flask org settings market" in page  # an administrator is told how to set them
