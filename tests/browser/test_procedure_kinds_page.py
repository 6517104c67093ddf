"""Kinds of procedure in a real browser: the supervisor's dashboard counts each department's cases by
kind (行政处罚, 行政强制, …) and a count opens the case list filtered by that kind; an officer filters
the case list and the inbox by kind."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, log_in_as, screenshot

pytestmark = [pytest.mark.xdist_group("browser")]


def test_the_dashboard_counts_cases_by_kind_and_the_lists_filter_by_it(page):
    log_in(page, "supervisor1")
    page.goto("/dashboard")
    table = page.get_by_test_id("cases-by-kind")
    expect(table.locator("thead th[data-kind=penalty]")).to_have_text("行政处罚")
    expect(table.locator("thead th[data-kind=coercion]")).to_have_text("行政强制")
    market = table.locator("tbody tr[data-department=market]")
    expect(market).to_have_count(1)
    total = page.get_by_test_id("kind-total-penalty")
    expect(total).to_contain_text("办理中")
    screenshot(page, "kinds-01-dashboard")
    total.locator("a").click()
    expect(page).to_have_url(re.compile(r"/cases\?.*kind=penalty"))
    expect(page.locator('select[name="kind"]')).to_have_value("penalty")
    expect(page.locator('[data-testid="cases"] a[href^="/cases/"]').first).to_be_visible()

    log_in_as(page, "officer1")
    page.goto("/cases")
    page.select_option('select[name="kind"]', "coercion")
    page.locator('select[name="kind"]').evaluate("s => s.form.requestSubmit()")
    expect(page).to_have_url(re.compile(r"kind=coercion"))
    expect(page.locator('select[name="kind"]')).to_have_value("coercion")
    page.goto("/inbox?kind=penalty")
    expect(page.locator('select[name="kind"]')).to_have_value("penalty")
