"""Accessibility (WCAG 2.1 AA, axe-core) of the enterprise inspection pages: the plans, a plan, a
draw, an inspection case's page, the register of market entities (with the administrator's upload
form), and the public pages the enterprise and anyone read without logging in."""
import pytest

from tests.browser.conftest import log_in, log_in_as
from tests.browser.test_axe import check, first_link, page  # noqa: F401 - the fixture

pytestmark = [pytest.mark.xdist_group("browser_workbench")]


def test_the_inspection_pages_have_no_wcag_21_aa_violation(page):  # noqa: F811
    problems: dict = {}
    check(page, "/public/inspection-plans", problems)
    log_in(page, "officer1")
    check(page, "/inspection/plans", problems)
    plan = first_link(page, '[data-testid="plan"] a')
    check(page, plan, problems)
    draw = first_link(page, '[data-testid="plan-draw"] a')
    check(page, draw, problems)
    case = first_link(page, '[data-testid="draw-case"]')
    check(page, case.replace("/cases/", "/inspection/cases/"), problems)
    page.goto("/cases?kind=inspection")
    registered = [a.get_attribute("href") for a in page.locator("main table a[href^='/cases/']").all()]
    link = None
    for href in registered:
        page.goto(href.replace("/cases/", "/inspection/cases/"))
        if page.get_by_test_id("visit-link").count():
            link = page.get_by_test_id("visit-link").inner_text()
            break
    assert link, "a registered visit in the demo"
    log_in_as(page, "admin")
    check(page, "/market-entities", problems)
    page.goto("about:blank")
    page.context.clear_cookies()
    check(page, link, problems)
    assert problems == {}, problems
