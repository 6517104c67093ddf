"""The oversight alerts (预警) in a real browser, on the demo data: `flask demo cases` ends with the
oversight scan, so the late demo cases carry their alerts (SERVICE_LATE high, DISCLOSURE_LATE and
PAYMENT_OVERDUE medium)."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, log_in, screenshot

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]


def test_a_supervisor_lands_on_the_alerts_filters_opens_acknowledges_and_resolves_one(page):
    log_in(page, "supervisor1")
    expect(page).to_have_url(re.compile(r"/alerts$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("执法监督预警")
    expect(page.get_by_test_id("nav-alerts")).to_have_attribute("aria-current", "page")
    rows = page.locator('[data-testid="alerts"] tbody tr')
    expect(rows.first).to_be_visible()
    assert page.locator('[data-testid="alerts"] .sev-high').count() >= 1
    assert page.locator('[data-testid="alerts"] .sev-medium').count() >= 1
    screenshot(page, "30-alerts-supervisor1")

    filters = page.get_by_test_id("alert-filters")
    filters.locator('select[name="severity"]').select_option("high")
    filters.get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"severity=high"))
    severities = page.locator('[data-testid="alerts"] tbody tr .sev')
    expect(severities.first).to_have_text("高")
    assert set(severities.evaluate_all("els => els.map(e => e.dataset.severity)")) == {"high"}
    expect(page.get_by_test_id("alerts-count")).to_have_text(re.compile(r"共 [1-9]\d* 条"))
    screenshot(page, "31-alerts-high")

    first = rows.filter(has_text="送达超期").first  # a late service among the high alerts (the demo's seizures have theirs)
    alert_id = first.get_attribute("data-alert-id")
    case_number = first.get_by_test_id("case-link").inner_text()
    first.get_by_test_id("alert-link").click()
    expect(page).to_have_url(re.compile(rf"/alerts/{alert_id}$"))
    expect(page.get_by_test_id("alert-title")).to_have_text("送达超期")
    expect(page.get_by_test_id("alert-basis")).to_have_text("《行政处罚法》第61条")
    expect(page.get_by_test_id("case-link")).to_have_text(case_number)
    expect(page.locator('[data-testid="alert-history"] li')).to_have_count(1)
    screenshot(page, "32-alert-open")

    page.get_by_test_id("acknowledge").click()
    expect(page.locator(".flash.success")).to_have_text("预警已签收。")
    expect(page.get_by_test_id("acknowledge-form")).to_have_count(0)
    expect(page.locator('[data-testid="alert-history"] li[data-action="acknowledged"]')).to_contain_text("孙丽")

    reason = page.locator('textarea[name="reason"]')
    page.get_by_test_id("resolve").click()  # empty: the browser's own check holds the form back
    assert reason.evaluate("el => el.validity.valueMissing")
    expect(page).to_have_url(re.compile(rf"/alerts/{alert_id}$"))
    reason.fill("   ")  # only spaces: the server's check, beside the field
    page.get_by_test_id("resolve").click()
    expect(page.get_by_test_id("reason-error")).to_have_text("请填写理由（1至2000个字）")
    expect(reason).to_have_attribute("aria-invalid", "true")
    screenshot(page, "33-alert-reason-missing")
    reason.fill("已督促执法部门当日送达处罚决定书，并责令说明逾期原因")
    page.get_by_test_id("resolve").click()
    expect(page.locator(".flash.success")).to_contain_text("预警已办结")
    expect(page.get_by_test_id("close-form")).to_have_count(0)
    expect(page.get_by_test_id("history-reason")).to_contain_text("已督促执法部门当日送达处罚决定书")
    screenshot(page, "34-alert-resolved")

    page.get_by_test_id("nav-alerts").click()
    page.get_by_test_id("alert-filters").locator('select[name="status"]').select_option("resolved")
    page.get_by_test_id("alert-filters").get_by_role("button").click()
    resolved = page.locator(f'[data-testid="alerts"] tr[data-alert-id="{alert_id}"]')
    expect(resolved.locator(".alert-status")).to_have_text("已办结")
    screenshot(page, "35-alerts-resolved")


def test_an_officer_sees_the_alert_on_the_case_page_without_a_link_to_the_supervisors_pages(page):
    log_in(page, "officer1")
    page.goto("/cases?status=decided")
    cases = page.locator('[data-testid="cases"] tbody tr a')
    section = page.get_by_test_id("case-alerts")
    for i in range(cases.count()):  # the late decided cases carry SERVICE_LATE
        cases.nth(i).click()
        expect(page).to_have_url(re.compile(r"/cases/\d+$"))
        if section.count() and "送达超期" in section.inner_text():
            break
        page.go_back()
    expect(section).to_contain_text("送达超期：决定作出后7个工作日内未送达")
    expect(section.locator(".sev-high")).to_have_text("高")
    expect(section.locator("a")).to_have_count(0)
    expect(page.get_by_test_id("nav-alerts")).to_have_count(0)
    screenshot(page, "36-case-alerts-officer1")
    page.screenshot(path=str(SCREENSHOTS / "37-case-alerts-officer1-top.png"))  # the part in view


def test_a_supervisor_reaches_an_alert_and_its_reason_field_with_the_keyboard_alone(page):
    log_in(page, "supervisor1")
    expect(page).to_have_url(re.compile(r"/alerts$"))
    active = lambda: page.evaluate(  # noqa: E731
        "document.activeElement && (document.activeElement.dataset.testid || document.activeElement.name)")
    for _ in range(40):  # past the nav and the filters to the first alert's link
        if active() == "alert-link":
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError("no alert link can be reached with Tab")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/alerts/\d+$"))
    for _ in range(40):
        if active() == "reason":
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError("the reason field cannot be reached with Tab")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
