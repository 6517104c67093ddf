"""The statutory range in a real browser (FINE_OUTSIDE_STATUTORY_RANGE, APL Art. 32): an officer
proposes a 20,000-yuan fine under the Food Safety Law Art. 124 cause of the market bureau's
register (minimum 50,000) as 从轻, is refused in Chinese naming the penalty provision and APL 32,
sees the cause's benchmark sheet beside the form, then records the APL 32 circumstance (减轻) and
the proposal is accepted. The case reaches the report through the API, as the officers would
through the task pages (tests/browser/test_task_forms.py walks those)."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot
from tests.browser.test_review_journeys import Api
from tests.helpers import STEPS

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]

FSL_124 = "SCJG-SP-124-01"


def case_at_the_report(api: Api) -> int:
    case = api.call("POST", "/api/v1/cases", "officer1", {
        "procedure_id": "general_penalty", "title": "某超市销售过期食品案", "department": "market",
        "party": {"name": "清河某超市有限公司", "kind": "organization"}})
    for bpmn_id in ("clue_intake", "filing_approval", "investigation"):
        user, data = STEPS[bpmn_id]
        task = next(t for t in case["tasks"] if t["bpmn_id"] == bpmn_id)
        case = api.call("POST", f"/api/v1/tasks/{task['id']}/complete", user, {"data": data})
    return next(t["id"] for t in case["tasks"] if t["bpmn_id"] == "investigation_report")


def test_a_fine_below_the_statutory_minimum_is_refused_until_an_apl_32_circumstance_is_recorded(page, demo_server):
    task_id = case_at_the_report(Api(demo_server))
    log_in(page, "officer1")
    page.goto(f"/tasks/{task_id}")
    expect(page.get_by_test_id("form-title")).to_have_text("调查终结报告")
    page.fill('textarea[name="facts"]', "当事人在其超市货架上销售超过保质期的预包装食品，货值金额共计3200元")
    page.get_by_label("拟予行政处罚", exact=True).check()
    page.fill('[name="violated_provision"]', "《中华人民共和国食品安全法》第三十四条第十项")
    page.fill('[name="penalty_provision"]', "《中华人民共和国食品安全法》第一百二十四条第一款第五项")
    page.select_option('select[name="cause"]', FSL_124)
    page.select_option('select[name="benchmark_tier"]', "lighter")
    page.locator('input[name="proposed_penalty_kinds"][value="fine"]').check()
    page.fill('input[name="proposed_fine"]', "20000")
    page.get_by_test_id("submit").click()

    banner = page.get_by_test_id("form-banner")
    expect(banner).to_have_attribute("data-code", "FINE_OUTSIDE_STATUTORY_RANGE")
    expect(banner).to_contain_text("依法不能按所填内容办理此步骤")
    expect(banner).to_contain_text("拟罚款金额20000元低于《中华人民共和国食品安全法》第一百二十四条第一款第五项规定的罚款幅度")
    expect(banner).to_contain_text("《行政处罚法》第32条")
    expect(page.get_by_test_id("refusal-article")).to_have_text("《行政处罚法》第32条")
    expect(page.locator('[data-field="proposed_fine"]')).to_have_class(re.compile("is-refused"))
    # the cause's sheet: its statutory range and its benchmark item with the tiers, as the reviewer sees it
    sheet = page.get_by_test_id("cause-sheet")
    expect(sheet.get_by_test_id("statutory-range")).to_contain_text("50000元以上100000元以下罚款")
    expect(sheet.get_by_test_id("benchmark")).to_have_attribute("data-within", "no")
    expect(sheet.locator("tr.chosen")).to_contain_text("从轻")
    expect(page.locator('input[name="proposed_fine"]')).to_have_value("20000")
    screenshot(page, "40-fine-below-statutory-minimum-refused")

    page.select_option('select[name="mitigating_circumstance"]', "eliminated_harm")
    page.fill('[name="mitigation_facts"]', "当事人在检查前已主动下架并销毁全部过期食品，未造成危害后果")
    page.select_option('select[name="benchmark_tier"]', "mitigated")
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator(".flash.success")).to_contain_text("“调查终结报告”已办理")


def test_staff_read_their_departments_causes_register_and_another_departments(page):
    log_in(page, "officer1")
    page.get_by_test_id("nav-causes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("案由清单")
    row = page.locator(f'[data-testid="cause"][data-code="{FSL_124}"]')
    expect(row).to_contain_text("经营超过保质期的食品")
    expect(row).to_contain_text("货值金额10000元以上的，货值金额10倍以上20倍以下罚款")
    screenshot(page, "41-causes-register")
    page.select_option('select[name="department"]', "environment")
    page.get_by_role("button", name="显示").click()
    expect(page.get_by_test_id("causes")).to_have_attribute("data-department", "environment")
    expect(page.locator('[data-testid="cause"][data-code="STHJ-DQ-99-02"]')).to_contain_text("100000元以上1000000元以下罚款")
