"""A case begun on paper (补录), in a real browser: the officer ticks "entered from paper" on the new
case page, is told the reason is needed, gives it with the paper file's reference, sees the case
page say the entry is in progress, and finishes it; the case's facts keep who finished it."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]


def test_an_officer_enters_a_paper_case_and_finishes_the_entry(page):
    log_in(page, "officer1")
    page.get_by_test_id("new-case").click()
    page.fill('input[name="title"]', "某餐馆使用超过保质期食材案（纸质案卷补录）")
    page.fill('input[name="party_name"]', "清河区某餐馆")
    section = page.get_by_test_id("paper-entry")
    section.locator('input[name="paper"]').check()
    page.get_by_test_id("submit").click()  # no reason given
    expect(page.locator("#f-paper_reason-error")).to_contain_text("请填写补录原因")
    expect(page.locator("#f-paper_reason")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("paper-entry").locator('input[name="paper"]')).to_be_checked()  # kept
    page.fill('input[name="paper_reason"]', "网络中断期间现场立案，依纸质案卷补录")
    page.fill('input[name="paper_reference"]', "纸质卷宗 2026-031")
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_be_visible()
    banner = page.get_by_test_id("paper-entry-banner")
    expect(banner).to_contain_text("依纸质案卷补录中")
    expect(banner).to_contain_text("网络中断期间现场立案")
    expect(banner).to_contain_text("纸质卷宗 2026-031")
    expect(page.get_by_test_id("case-paper-entry")).to_contain_text("补录中")
    screenshot(page, "paper-01-in-progress")
    banner.get_by_test_id("finish-paper-entry").click()
    expect(page.locator(".flash.success")).to_contain_text("补录已完成")
    expect(page.get_by_test_id("paper-entry-banner")).to_have_count(0)
    expect(page.get_by_test_id("case-paper-entry")).to_contain_text("完成补录")
    screenshot(page, "paper-02-finished")
