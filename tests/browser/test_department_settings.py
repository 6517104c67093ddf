"""The department's settings, in a real browser on the demo data: a head opens a decision and finds
the reconsideration body, the court and the manner of payment filled in from the department's
settings on the org register, each saying where it came from; a court other than the one with
jurisdiction is refused in Chinese, naming the court expected and the article."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import decide_a_warning, log_in, screenshot

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]


def test_a_head_finds_the_remedies_filled_in_from_the_departments_settings_and_another_court_refused(page):
    log_in(page, "head1")
    page.goto("/cases?step=penalty_decision")
    page.locator('[data-testid="cases"] tbody tr a').last.click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    page.locator('[data-testid="task-link"][data-bpmn-id="penalty_decision"]').click()
    expect(page.get_by_test_id("form-title")).to_have_text("作出行政处罚决定")
    body = page.locator('textarea[name="reconsideration_body"], input[name="reconsideration_body"]')
    court = page.locator('textarea[name="litigation_court"], input[name="litigation_court"]')
    manner = page.locator('textarea[name="performance_manner"], input[name="performance_manner"]')
    expect(body).to_have_value("清河区人民政府")
    expect(court).to_have_value("清河区人民法院")
    expect(manner).to_have_value(re.compile("清河区农商银行各营业网点"))
    expect(page.get_by_test_id("prefilled-reconsideration_body")).to_contain_text("已根据")
    screenshot(page, "settings-01-decision-remedies-prefilled")

    decide_a_warning(page)
    court.fill("清河市中级人民法院")
    page.get_by_test_id("submit").click()
    banner = page.get_by_test_id("form-banner")
    expect(banner).to_have_attribute("data-code", "REMEDY_BODY_MISNAMED")
    expect(banner).to_contain_text("应为清河区人民法院")
    expect(page.get_by_test_id("refusal-article")).to_contain_text("行政诉讼法")
    screenshot(page, "settings-02-another-court-refused")
    # the page's own answer (422), not an error of the page
    page.console_errors[:] = [e for e in page.console_errors if not re.search(r"status of (400|422)", e)]
