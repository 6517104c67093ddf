"""Journeys through the pages in a real browser, on the demo data."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, log_in_as, screenshot
from workflow_app.wall_clock import local_today

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]


def test_an_officer_is_refused_with_a_wrong_password_then_logs_in_and_lands_on_the_inbox(page):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    log_in(page, "officer1", "not-the-password")
    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误。")
    screenshot(page, "01-login-refused")
    log_in(page, "officer1")
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("我的待办")
    count = page.get_by_test_id("inbox-count")
    expect(count).to_have_text(re.compile(r"共 [1-9]\d* 项"))
    rows = page.locator('[data-testid="inbox"] tbody tr')
    assert rows.count() >= 1
    expect(rows.first.locator("td").nth(0)).to_contain_text("清市监立〔")
    screenshot(page, "02-inbox-officer1")


def test_each_role_lands_on_its_start_page(page):
    for username, url, heading in (("head1", r"/inbox$", "我的待办"),
                                   ("reviewer1", r"/inbox\?queue=reviews$", "法制审核待办"),
                                   ("supervisor1", r"/alerts$", "执法监督预警")):
        log_in_as(page, username)
        expect(page).to_have_url(re.compile(url))
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    screenshot(page, "03-alerts-supervisor1")


def test_the_case_page_shows_the_diagram_with_its_steps_marked_and_a_click_tells_who_did_a_step(page):
    log_in(page, "officer1")
    page.goto("/cases?status=investigating")
    page.locator('[data-testid="cases"] tbody tr a').first.click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    diagram = page.get_by_test_id("diagram")
    expect(diagram).to_have_class(re.compile("diagram-ready"), timeout=15000)
    done = diagram.locator(".djs-element.step-done")
    expect(done.first).to_be_visible()
    assert diagram.locator(".djs-element.step-ready, .djs-element.step-overdue").count() >= 1
    expect(diagram.locator(".bjs-powered-by")).to_be_visible()  # the bpmn.io watermark stays (its license)
    expect(page.get_by_test_id("chain-status")).to_have_attribute("data-ok", "1")
    expect(page.get_by_test_id("chain-status")).to_have_text("哈希链校验通过")
    expect(page.locator(".file-entry").first).to_contain_text("线索登记")
    # the first step may lie outside the part of a long diagram in view: the click goes to it directly
    page.locator('.djs-element.step-done[data-element-id="clue_intake"]').dispatch_event("click")
    expect(diagram.locator(".diagram-detail")).to_contain_text("线索登记 — 已完成")
    expect(diagram.locator(".diagram-detail a")).to_have_text("查看记录内容")
    screenshot(page, "04-case-page")


def test_the_case_page_draws_the_called_processes_and_marks_the_call_of_a_called_step(page):
    """A case whose legal review (a process of bpmn/shared/ the procedure calls) is to be done: its
    step is marked on the called process's diagram, and the call activity on the procedure's."""
    log_in(page, "reviewer1")
    page.goto("/inbox?queue=reviews")
    page.locator('[data-testid="inbox"] tbody tr td a[href*="/cases/"]').first.click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    main = page.get_by_test_id("diagram")
    expect(main).to_have_class(re.compile("diagram-ready"), timeout=15000)
    pressing = re.compile(r"step-(ready|overdue)")
    expect(main.locator('.djs-element[data-element-id="call_legal_review"]')).to_have_class(pressing)
    review = page.locator('[data-testid="called-diagram"][data-process-id="shared_legal_review"]')
    expect(review).to_have_class(re.compile("diagram-ready"), timeout=15000)
    expect(review.locator('.djs-element[data-element-id="legal_review"]')).to_have_class(pressing)
    expect(page.locator('[data-testid="called-diagram"].diagram-ready')).to_have_count(5, timeout=15000)  # hearing, review, discussion, service, coercive execution
    screenshot(page, "04b-case-page-called-processes")


def test_without_javascript_the_diagram_is_the_list_of_steps(browser, demo_server):
    context = browser.new_context(base_url=demo_server, java_script_enabled=False)
    page = context.new_page()
    log_in(page, "officer1")
    page.goto("/cases?status=investigating")
    page.locator('[data-testid="cases"] tbody tr a').first.click()
    steps = page.get_by_test_id("step-list")
    expect(steps).to_be_visible()
    expect(steps.locator("li.step-done").first).to_contain_text("已完成")
    screenshot(page, "05-case-page-no-js")
    context.close()


def test_the_language_switch_turns_the_pages_english_and_is_remembered(page):
    log_in(page, "officer1")
    page.get_by_test_id("lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("My tasks")
    page.goto("/cases")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cases")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot(page, "06-cases-english")
    page.locator('[data-testid="cases"] tbody tr a').first.click()
    expect(page.get_by_role("heading", name="Procedure diagram")).to_be_visible()
    screenshot(page, "07-case-english")
    page.get_by_test_id("lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", name="办案流程图")).to_be_visible()


def test_an_officer_sees_why_a_step_is_not_possible_now_and_starts_one_that_is(page):
    """A demo case awaiting its decision: nothing was disclosed, so the withdrawal of a disclosure
    is listed with the law's reason and article, not as a link; the extension of the decision limit
    is offered, and once requested it waits for the head, which the page then says."""
    log_in(page, "officer2")
    page.goto("/cases?step=penalty_decision")
    page.locator('[data-testid="cases"] tbody tr a').first.click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    case_url = page.url
    actions = page.get_by_test_id("case-actions")
    revocation = actions.locator('[data-testid="request-unavailable"][data-kind="disclosure_revocation"]')
    expect(revocation).to_contain_text("本案的处罚决定尚未公示，无须撤回公示")
    expect(revocation.get_by_test_id("request-article")).to_have_text("《行政处罚法》第48条第2款")
    expect(revocation.locator("a")).to_have_count(0)
    expect(actions.locator('[data-testid="request-link"][data-kind="disclosure_revocation"]')).to_have_count(0)
    extension = actions.locator('[data-testid="request-link"][data-kind="extension_request"]')
    expect(extension).to_have_text("延长办案期限申请")
    screenshot(page, "15-case-requests-offered")

    extension.click()
    expect(page.get_by_test_id("form-title")).to_have_text("延长办案期限申请")
    expect(page.get_by_test_id("form-banner")).to_have_count(0)
    page.locator('input[name="limit"][value="decision"]').check()
    page.fill('input[name="days"]', "30")
    page.fill('textarea[name="reason"]', "需向外地供货者调取销售记录，不能在九十日内作出处理决定")
    page.fill('input[name="requested_on"]', local_today().isoformat())
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(case_url)
    expect(page.locator(".flash.success")).to_contain_text("“延长办案期限申请”已办理")
    pending = actions.locator('[data-testid="request-unavailable"][data-kind="extension_request"]')
    expect(pending).to_have_attribute("data-code", "EXTENSION_PENDING")
    expect(pending).to_contain_text("延长办案期限申请 — 本案已有延期申请等待负责人审批")
    expect(actions.locator('[data-testid="request-link"][data-kind="extension_request"]')).to_have_count(0)
    expect(page.locator(".file-entry").last).to_contain_text("延长办案期限申请")
    screenshot(page, "16-case-extension-pending")

    page.goto(case_url + "/requests/extension_request")  # the form says it before anything is typed
    banner = page.get_by_test_id("form-banner")
    expect(banner).to_contain_text("依法本案现阶段不能办理此步骤")
    expect(banner).to_have_attribute("data-code", "EXTENSION_PENDING")
    expect(page.get_by_test_id("refusal-article")).to_have_text("《行政处罚法》第60条；《市场监督管理行政处罚程序规定》第64条")
    expect(page.get_by_test_id("task-form")).to_be_visible()
    screenshot(page, "17-extension-request-refused-before-typing")
