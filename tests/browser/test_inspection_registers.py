"""The registers of enterprise inspections in a real browser on the demo data: an administrator
uploads a register of market entities with a wrong line and reads which line and why (nothing
imported), then a right one; an officer searches the register; anyone reads the published plans
without logging in; an officer of the market bureau sees the joint visit of the demo's complaint
with 生态环境分局, whose public check page lists both departments; and starts a joint visit from a
drawn inspection, whose registration form then opens on the joint visit's day, says so, and refuses
another day naming it."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import fresh_page, log_in_as, screenshot
from workflow_app.oversight.identity import with_uscc_check
from workflow_app.wall_clock import local_today

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]
HEADER = "credit_code,name,address,industry,risk_grade,region\n"
GOOD = with_uscc_check("91990105MA0BRWQ1X")


def test_an_administrator_uploads_the_register_and_reads_each_wrong_line(page, tmp_path):
    log_in_as(page, "admin")
    page.goto("/market-entities")
    wrong = tmp_path / "entities.csv"
    wrong.write_text(HEADER + f"{GOOD},清河区浏览器测试超市有限公司,清河区兴华路1号,F,B,qinghe\n"
                     f"{GOOD[:17]}0,清河区错码商店,清河区兴华路2号,Z,B,qinghe\n", encoding="utf-8-sig")
    page.set_input_files('input[name="file"]', str(wrong))
    page.get_by_test_id("entity-import").locator("button[type=submit]").click()
    errors = page.get_by_test_id("import-error")
    expect(errors).to_have_count(1)
    expect(errors).to_have_attribute("data-where", "line 3")
    expect(errors).to_contain_text("第3行")
    expect(errors).to_contain_text("校验码")
    screenshot(page, "inspection-entities-01-refused")
    page.console_errors[:] = [e for e in page.console_errors if "status of 422" not in e]  # the refusal's page
    page.fill('input[name="q"]', "浏览器测试")
    page.get_by_test_id("entity-filters").locator("button[type=submit]").click()
    expect(page.get_by_test_id("entity")).to_have_count(0)  # nothing of the refused file
    right = tmp_path / "right.csv"
    right.write_text(HEADER + f"{GOOD},清河区浏览器测试超市有限公司,清河区兴华路1号,F,B,qinghe\n", encoding="gbk")
    page.set_input_files('input[name="file"]', str(right))
    page.get_by_test_id("entity-import").locator("button[type=submit]").click()
    expect(page.locator(".flash.success")).to_contain_text("新增1个")

    log_in_as(page, "officer1")
    page.goto("/market-entities")
    expect(page.get_by_test_id("entity-import")).to_have_count(0)
    page.fill('input[name="q"]', "浏览器测试")
    page.get_by_test_id("entity-filters").locator("button[type=submit]").click()
    expect(page.get_by_test_id("entity")).to_have_count(1)
    expect(page.get_by_test_id("entity")).to_contain_text(GOOD)
    page.goto("/market-entities?industry=H&risk_grade=D")
    assert page.get_by_test_id("entity").count() > 0
    screenshot(page, "inspection-entities-02-search")


def test_the_published_plans_are_public_and_a_joint_visits_page_lists_both_departments(page, browser, demo_server):
    with fresh_page(browser, demo_server, viewport={"width": 1280, "height": 900}) as public:
        public.goto("/public/inspection-plans")
        plans = public.get_by_test_id("public-plan")
        expect(plans.filter(has_text="市场监督管理局")).to_have_count(1)
        expect(plans.filter(has_text="生态环境分局")).to_have_count(0)  # submitted, not published
        expect(public.locator("nav")).to_have_count(0)
        screenshot(public, "inspection-public-plans")

    # the environment branch's inspection visits the complaint's enterprise with the market bureau
    log_in_as(page, "environment_officer1")
    page.goto("/cases?kind=inspection")
    href = page.locator("main table a[href^='/cases/']").first.get_attribute("href")
    page.goto(href.replace("/cases/", "/inspection/cases/"))
    members = page.get_by_test_id("joint-visit-member")
    expect(members).to_have_count(2)
    expect(members.first).to_contain_text("市场监督管理局")
    expect(members.first.locator("a")).to_have_count(0)  # the market bureau's case is not the branch's to read
    expect(members.nth(1)).to_contain_text("生态环境分局")
    link = page.get_by_test_id("visit-link").inner_text()
    screenshot(page, "inspection-joint-01-case")
    with fresh_page(browser, demo_server, viewport={"width": 1280, "height": 900}) as enterprise:
        enterprise.goto(link)
        expect(enterprise.get_by_test_id("public-department")).to_have_text(["市场监督管理局", "生态环境分局"])
        expect(enterprise.get_by_test_id("public-officer")).to_have_count(4)
        expect(enterprise.get_by_test_id("public-trigger")).to_have_count(2)  # outside the plan: the kind only
        screenshot(enterprise, "inspection-joint-02-public")

    # an officer of the market bureau starts a joint visit from a drawn inspection
    log_in_as(page, "officer1")
    page.get_by_test_id("nav-inspections").click()
    page.locator('[data-testid="plan"]', has_text="市场监督管理局").get_by_role("link").click()
    page.get_by_test_id("plan-draw").first.get_by_role("link").click()
    first_case = page.get_by_test_id("draw-case").first.get_attribute("href")
    page.goto(first_case.replace("/cases/", "/inspection/cases/"))
    start = page.get_by_test_id("joint-visit-start")
    page.fill('input[name="visit_on"]', local_today().isoformat())
    start.get_by_role("button").click()
    expect(page.locator(".flash.success")).to_contain_text("本案已加入联合检查")
    expect(page.get_by_test_id("joint-visit-member")).to_have_count(1)
    expect(page.get_by_test_id("joint-visit-number")).to_contain_text("联合检查第")
    today = local_today().isoformat()
    expect(page.get_by_test_id("joint-visit-day")).to_contain_text(today)
    screenshot(page, "inspection-joint-03-started")

    # its registration opens on the joint visit's day, says so, and refuses another day naming it
    page.goto(first_case)
    page.locator('[data-testid="task-link"][data-bpmn-id="visit_registration"]').click()
    note = page.get_by_test_id("joint-visit-day")
    expect(note).to_have_attribute("data-day", today)
    expect(note).to_contain_text(today)
    expect(page.locator('input[name="visit_on"]')).to_have_value(today)
    screenshot(page, "inspection-joint-04-registration-on-its-day")
    page.fill('input[name="visit_on"]', (local_today() + timedelta(days=1)).isoformat())
    page.fill('input[name="registered_on"]', today)
    page.get_by_test_id("submit").click()
    banner = page.get_by_test_id("form-banner")
    expect(banner).to_have_attribute("data-code", "JOINT_VISIT_DAY_DIFFERS")
    expect(banner).to_contain_text(f"联合检查的日期{today}")
    expect(page.get_by_test_id("joint-visit-day")).to_have_attribute("data-day", today)
    screenshot(page, "inspection-joint-05-another-day-refused")


def _choose(page, name: str, value: str):
    """A choice field as the form renders it: a select, or radio buttons."""
    if page.locator(f'select[name="{name}"]').count():
        page.select_option(f'select[name="{name}"]', value)
    else:
        page.check(f'input[name="{name}"][value="{value}"]')


def test_an_inspection_is_ended_before_its_visit_with_the_heads_approval(page):
    """终止检查: an officer asks from the case page with the reason, the head approves, the case closes
    as 已终止检查 and the inspection's page says its check link lets nobody in."""
    today = local_today().isoformat()
    log_in_as(page, "officer1")
    page.goto("/cases/new?procedure=inspection")
    page.select_option('select[name="procedure"]', "inspection")
    page.fill('input[name="title"]', "清河区浏览器终止检查测试商店涉企行政检查")
    page.fill('input[name="party_name"]', "清河区浏览器终止检查测试商店")
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_be_visible()
    case_url = page.url
    page.locator('[data-testid="request-link"][data-kind="inspection_withdrawal"]').click()
    _choose(page, "withdrawal_reason", "deregistered")
    page.fill('textarea[name="withdrawal_details"], input[name="withdrawal_details"]',
              "经查询国家企业信用信息公示系统，该企业已办理注销登记。")
    page.fill('input[name="requested_on"]', today)
    screenshot(page, "inspection-withdrawal-01-request")
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_be_visible()

    log_in_as(page, "head1")
    page.goto(case_url)
    page.locator('[data-testid="task-link"][data-bpmn-id="withdrawal_approval"]').click()
    _choose(page, "withdrawal_decision", "approve")
    page.fill('textarea[name="opinion"], input[name="opinion"]', "企业已注销，同意终止检查。")
    page.fill('input[name="decided_on"]', today)
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_be_visible()
    page.goto(case_url)
    expect(page.get_by_test_id("case-status")).to_have_text("已终止检查")
    assert page.locator('[data-testid="task-link"]').count() == 0
    screenshot(page, "inspection-withdrawal-02-withdrawn")
    page.goto(case_url.replace("/cases/", "/inspection/cases/"))
    expect(page.get_by_test_id("visit-withdrawn")).to_be_visible()
