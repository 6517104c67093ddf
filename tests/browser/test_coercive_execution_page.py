"""Coercive execution by the agency itself in a real browser (行政强制法 Arts. 13, 36, 37, 43): once the
market bureau's register names a means of execution (`flask org register market --power …
--power transfer_deposit`, as an administrator records a law giving it 划拨), the officer records at the
execution that the bureau executes the decision itself; hears the party's statement after the demand;
the head decides on execution, numbered 强执; the officer records it carried out at 22:30 and is
refused in Chinese (夜间, 第43条) until the emergency is recorded with its reason. The case reaches its
unpaid fine and the served demand through the API, as the officers would through the task pages."""
import re
from datetime import date, datetime, time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, log_in_as, screenshot
from tests.browser.test_review_journeys import Api
from tests.helpers import STEPS, TO_DECISION, days_ago
from tests.integration.test_coercive_execution import first_working_day_after
from workflow_app.oversight.calendar import working_days_after

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]

DEMANDED = 30  # days ago


def case_with_a_demand_served(api: Api) -> dict:
    case = api.call("POST", "/api/v1/cases", "officer1", {
        "procedure_id": "general_penalty", "title": "某超市拒不缴纳罚款案", "department": "market",
        "party": {"name": "清河某超市有限公司", "kind": "organization"}})
    steps = [(b, None) for b in (*TO_DECISION, "penalty_decision", "disclosure", "service")]
    steps.append(("execution", {"outcome": "demanded", "demand_served_on": days_ago(DEMANDED)}))
    for bpmn_id, data in steps:
        user, default = STEPS[bpmn_id]
        data = data if data is not None else default
        task = next(t for t in case["tasks"] if t["bpmn_id"] == bpmn_id)
        case = api.call("POST", f"/api/v1/tasks/{task['id']}/complete", user, {"data": data})
    return case


def task_of(api: Api, case_id: int, bpmn_id: str) -> int:
    case = api.call("GET", f"/api/v1/cases/{case_id}", "officer1")
    return next(t["id"] for t in case["tasks"] if t["bpmn_id"] == bpmn_id)


@pytest.fixture
def market_may_execute(demo_flask):
    """The market bureau's powers list with 划拨存款、汇款 added for the test, put back after it."""
    powers = re.search(r"powers: (\S+)", demo_flask("org", "register", "market")).group(1).split(",")
    args = [a for p in powers for a in ("--power", p)]
    demo_flask("org", "register", "market", *args, "--power", "transfer_deposit")
    yield
    demo_flask("org", "register", "market", *args)


def choose(page, name: str, value: str):
    """A choice of a form as the page renders it: a list to select from, or buttons to check."""
    select = page.locator(f'select[name="{name}"]')
    if select.count():
        select.select_option(value)
    else:
        page.locator(f'input[name="{name}"][value="{value}"]').check()


def test_the_bureau_executes_its_decision_itself_and_is_refused_at_night_until_the_emergency_is_recorded(
        page, demo_server, market_may_execute):
    api = Api(demo_server)
    case = case_with_a_demand_served(api)
    log_in(page, "officer1")
    page.goto(f"/tasks/{task_of(api, case['id'], 'execution')}")
    choose(page, "outcome", "coercive_execution")
    expect(page.locator("form").filter(has=page.locator('[name="outcome"]'))).to_contain_text("本机关依法强制执行")
    page.fill('input[name="demand_served_on"]', days_ago(DEMANDED))
    page.fill('input[name="amount_paid"]', "")
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_contain_text("“执行”已办理")

    page.goto(f"/tasks/{task_of(api, case['id'], 'coercive_statement')}")
    expect(page.get_by_test_id("form-title")).to_have_text("催告后的陈述、申辩")
    page.locator('input[name="statement_made"]').first.check()
    page.fill('input[name="statement_on"]', days_ago(DEMANDED - 2))
    page.fill('[name="statement"]', "当事人称资金周转困难，请求宽限")
    page.fill('[name="review"]', "经复核，所述理由不构成不履行的正当理由，不予采纳")
    choose(page, "after_demand", "not_performed")
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_contain_text("已办理")

    decided = first_working_day_after(working_days_after(date.fromisoformat(days_ago(DEMANDED)), 10))
    log_in_as(page, "head1")
    page.goto(f"/tasks/{task_of(api, case['id'], 'coercive_execution_decision')}")
    page.fill('input[name="decided_on"]', decided.isoformat())
    page.locator('input[name="methods"][value="transfer_deposit"]').check()
    page.fill('[name="obligation"]', "缴纳罚款20000元及加处罚款")
    page.fill('[name="reasons"]', "经催告，当事人逾期仍不履行，且无正当理由；依据《中华人民共和国行政强制法》第三十七条")
    page.locator('input[name="approved_by_head"]').first.check()
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_contain_text("已办理")
    documents = api.call("GET", f"/api/v1/cases/{case['id']}/documents", "officer1")["items"]
    number = next(d["number"] for d in documents if d["kind"] == "coercive_execution_decision")
    assert "强执" in number

    log_in_as(page, "officer1")
    page.goto(f"/tasks/{task_of(api, case['id'], 'coercive_execution_record')}")
    night = datetime.combine(decided, time(22, 30))
    assert night.date() < date.fromisoformat(days_ago(0))
    for officer in ("officer1", "officer2"):
        page.locator(f'input[name="officers"][value="{officer}"]').check()
    page.fill('input[name="started_at"]', night.strftime("%Y-%m-%dT%H:%M"))
    page.locator('input[name="credentials_shown"]').first.check()
    page.locator('input[name="utilities_untouched"]').first.check()
    page.fill('[name="place"]', "清河区兴华路18号")
    page.fill('[name="record"]', "依法划拨当事人银行存款29000元")
    choose(page, "result", "completed")
    page.get_by_test_id("submit").click()
    banner = page.get_by_test_id("form-banner")
    expect(banner).to_have_attribute("data-code", "EXECUTION_AT_NIGHT_OR_HOLIDAY")
    expect(banner).to_contain_text("夜间")
    expect(page.get_by_test_id("refusal-article")).to_contain_text("第43条")
    screenshot(page, "60-coercive-execution-at-night-refused")

    page.locator('input[name="urgent"]').first.check()
    page.fill('[name="urgent_reason"]', "当事人正在转移账户资金，须立即划拨")
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator(".flash.success")).to_contain_text("“实施强制执行”已办理")
