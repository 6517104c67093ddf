"""The task forms in a real browser, on the demo data: an officer opens a new case and records the
clue (stopped first by the browser's own check, then by the server's, then by the law), a head
approves filing from the inbox, an investigation the law refuses shows the banner with its
article, and keeps the rows added by a round-trip to the server (no script needed).
Screenshots at a laptop's 1280px and a tablet's 768px."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, log_in_as, screenshot
from tests.browser.test_layout import SCREENS, overflows_sideways
from workflow_app.wall_clock import local_today

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]


def day(offset: int) -> str:
    return (local_today() + timedelta(days=offset)).isoformat()


def fill_clue(page, received_on: str):
    page.select_option('select[name="source"]', "complaint")
    page.fill('input[name="received_on"]', received_on)
    page.fill('input[name="violation_date"]', day(-5))
    page.fill('input[name="party_id_number"]', "91110105MA01ABCD26")
    page.fill('textarea[name="summary"]', "群众投诉某便利店销售过期牛奶")


def test_an_officer_opens_a_case_records_the_clue_past_three_checks_and_a_head_files_it(page):
    log_in(page, "officer1")
    page.get_by_test_id("new-case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新建案件")
    screenshot(page, "09-new-case")
    page.fill('input[name="title"]', "某便利店销售过期牛奶案")
    page.fill('input[name="party_name"]', "清河某便利店")
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator(".flash.success")).to_contain_text("下一步：线索登记")
    number = page.get_by_test_id("case-number").inner_text()
    case_url = page.url

    page.locator('[data-testid="task-link"][data-bpmn-id="clue_intake"]').click()
    expect(page.get_by_test_id("form-title")).to_have_text("线索登记")
    fill_clue(page, day(-1))
    page.fill('textarea[name="summary"]', "")  # the one required field left out
    # 1. the browser's own check, from the schema's `required`: nothing is sent
    page.get_by_test_id("submit").click()
    assert page.locator('textarea[name="summary"]').evaluate("e => e.validity.valueMissing")
    expect(page.get_by_test_id("form-banner")).to_have_count(0)
    # 2. the server's check (the browser's switched off): the error beside its field, in Chinese
    page.locator('[data-testid="task-form"]').evaluate("f => { f.noValidate = true; }")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("error-summary")).to_have_text("此项为必填项")
    expect(page.locator('input[name="party_id_number"]')).to_have_value("91110105MA01ABCD26")
    screenshot(page, "10-clue-intake-missing-field")
    # 3. the law: a clue received tomorrow
    page.fill('textarea[name="summary"]', "群众投诉某便利店销售过期牛奶")
    page.fill('input[name="party_address"]', "清河区兴华路20号")
    page.fill('input[name="received_on"]', day(1))
    page.get_by_test_id("submit").click()
    banner = page.get_by_test_id("form-banner")
    expect(banner).to_contain_text("依法不能按所填内容办理此步骤")
    expect(banner).to_contain_text("不得记录将来的日期")
    expect(page.get_by_test_id("refusal-article")).not_to_be_empty()
    expect(page.locator('[data-field="received_on"]')).to_have_class(re.compile("is-refused"))
    expect(page.locator('input[name="party_address"]')).to_have_value("清河区兴华路20号")
    expect(page.locator('input[name="party_id_number"]')).to_have_value("91110105MA01ABCD26")
    screenshot(page, "11-clue-intake-refused-1280")
    page.set_viewport_size({"width": 768, "height": 1024})
    screenshot(page, "12-clue-intake-refused-768")
    page.set_viewport_size({"width": 1280, "height": 900})
    # 4. correctly: the case page names the next step and marks it on the diagram
    page.fill('input[name="received_on"]', day(-1))
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(case_url)
    expect(page.locator(".flash.success")).to_have_text("“线索登记”已办理。下一步：立案审批。")
    diagram = page.get_by_test_id("diagram")
    expect(diagram).to_have_class(re.compile("diagram-ready"), timeout=15000)
    expect(diagram.locator('.djs-element.step-ready[data-element-id="filing_approval"]')).to_have_count(1)
    expect(diagram.locator('.djs-element.step-done[data-element-id="clue_intake"]')).to_have_count(1)
    screenshot(page, "13-case-after-clue")
    page.locator('[data-testid="request-link"][data-kind="extension_request"]').click()
    expect(page.get_by_test_id("form-title")).to_have_text("延长办案期限申请")
    expect(page.locator('input[name="days"]')).to_have_attribute("max", "365")
    screenshot(page, "13b-extension-request")

    # a head approves filing from the inbox
    log_in_as(page, "head1")
    row = page.locator('[data-testid="inbox"] tbody tr', has_text=number)
    row.get_by_test_id("task-link").click()
    expect(page.get_by_test_id("form-title")).to_have_text("立案审批")
    page.get_by_label("予以立案", exact=True).check()
    page.fill('input[name="filed_on"]', local_today().isoformat())  # 立案日期: filed the day it is approved
    page.fill('textarea[name="reason"]', "有违法事实，符合立案条件")
    page.get_by_label(re.compile("已核查未超过行政处罚时效")).check()
    screenshot(page, "14-filing-approval")
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(case_url)
    expect(page.locator(".flash.success")).to_have_text("“立案审批”已办理。下一步：调查取证。")


def test_an_investigation_the_law_refuses_shows_the_banner_with_the_article_and_keeps_the_rows(page):
    log_in(page, "officer1")
    page.goto("/inbox?step=investigation")
    page.locator('[data-testid="inbox"] tbody tr').first.get_by_test_id("task-link").click()
    expect(page.get_by_test_id("form-title")).to_have_text("调查取证")
    page.get_by_label(re.compile(r"（officer2）")).check()
    page.get_by_label(re.compile(r"（officer3）")).check()  # but officer1 records it
    page.get_by_label(re.compile("已出示执法证件")).check()
    page.select_option('select[name="evidence-0-kind"]', "documentary")
    page.fill('textarea[name="evidence-0-description"]', "进货台账复印件")
    page.get_by_test_id("add-evidence").click()  # a round-trip to the server adds the row
    expect(page.locator('select[name="evidence-1-kind"]')).to_be_visible()
    expect(page.locator('textarea[name="evidence-0-description"]')).to_have_value("进货台账复印件")
    page.select_option('select[name="evidence-1-kind"]', "physical")
    page.fill('textarea[name="evidence-1-description"]', "过期牛奶十二盒")
    page.get_by_test_id("submit").click()
    banner = page.get_by_test_id("form-banner")
    expect(banner).to_have_attribute("data-code", "SINGLE_OFFICER")
    expect(page.get_by_test_id("refusal-article")).to_have_text("《行政处罚法》第42条、第55条")
    expect(page.locator('[data-field="officers"]')).to_have_class(re.compile("is-refused"))
    expect(page.locator('textarea[name="evidence-1-description"]')).to_have_value("过期牛奶十二盒")
    expect(page.get_by_label(re.compile(r"（officer3）"))).to_be_checked()
    screenshot(page, "15-investigation-refused-1280")
    page.set_viewport_size({"width": 768, "height": 1024})
    screenshot(page, "16-investigation-refused-768")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label(re.compile(r"（officer3）")).uncheck()
    page.get_by_label(re.compile(r"（officer1）")).check()
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator(".flash.success")).to_contain_text("“调查取证”已办理。下一步：")


def test_the_task_form_in_english(page):
    log_in(page, "officer1")
    page.get_by_test_id("lang-switch").click()
    page.goto("/inbox?step=clue_intake")
    rows = page.locator('[data-testid="inbox"] tbody tr')
    if rows.count() == 0:  # the first test recorded the demo's clue: open another
        page.goto("/cases/new")
        page.fill('input[name="title"]', "A shop selling expired milk")
        page.fill('input[name="party_name"]', "清河某商店")
        page.get_by_test_id("submit").click()
        page.locator('[data-testid="task-link"][data-bpmn-id="clue_intake"]').click()
    else:
        rows.first.get_by_test_id("task-link").click()
    expect(page.get_by_test_id("form-title")).to_have_text("Clue intake")
    expect(page.locator('label[for="f-summary"]')).to_contain_text("Details of the clue")
    expect(page.locator('select[name="source"] option[value="complaint"]')).to_have_text("Complaint or report")
    expect(page.locator('[data-testid="task-form"]')).not_to_contain_text("线索来源")
    page.locator('[data-testid="task-form"]').evaluate("f => { f.noValidate = true; }")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("error-summary")).to_have_text("This field is required")
    screenshot(page, "17-clue-intake-english")
    page.get_by_test_id("lang-switch").click()  # the language is the account's: back to Chinese for the others
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_test_id("error-summary")).to_have_count(0)


@pytest.mark.parametrize("name,viewport,scale", SCREENS, ids=[s[0] for s in SCREENS])
def test_a_task_form_with_rows_fits_a_tablet_and_125_percent_zoom(browser, demo_server, name, viewport, scale):
    context = browser.new_context(base_url=demo_server, viewport=viewport, device_scale_factor=scale, locale="zh-CN")
    page = context.new_page()
    try:
        log_in(page, "officer1")
        page.goto("/cases/new")
        page.fill('input[name="title"]', "某便利店销售过期面包案")
        page.fill('input[name="party_name"]', "清河某面包店")
        page.get_by_test_id("submit").click()
        page.locator('[data-testid="task-link"][data-bpmn-id="clue_intake"]').click()
        assert not overflows_sideways(page), "the clue intake scrolls sideways"
        page.goto("/inbox?step=investigation")
        page.locator('[data-testid="inbox"] tbody tr').first.get_by_test_id("task-link").click()
        page.get_by_test_id("add-evidence").click()
        expect(page.locator('select[name="evidence-1-kind"]')).to_be_visible()
        assert not overflows_sideways(page), "the investigation's rows scroll sideways"
        screenshot(page, f"layout-{name}-investigation")
    finally:
        context.close()
