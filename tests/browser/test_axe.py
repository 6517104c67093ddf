"""Accessibility (WCAG 2.1 AA) of every page an officer, a reviewer, a head and a supervisor use,
checked by axe-core (npm, injected into the page from node_modules): no violation on any of them.
A failure lists each violation's rule, its impact and the elements it found."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, fresh_page, log_in, log_in_as

pytestmark = [pytest.mark.xdist_group("browser_workbench")]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page) -> list[str]:
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})
        .then(r => r.violations.map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`))""",
                          TAGS)
    return found


def check(page, url: str, problems: dict):
    page.goto(url)
    found = violations(page)
    if found:
        problems[url] = found


def first_link(page, selector: str) -> str | None:
    link = page.locator(selector).first
    return link.get_attribute("href") if link.count() else None


@pytest.fixture
def page(browser, demo_server):
    """A page whose CSP lets the test inject axe-core (the app's own scripts are unchanged)."""
    with fresh_page(browser, demo_server, viewport={"width": 1280, "height": 900}, bypass_csp=True) as page:
        yield page


def test_every_page_has_no_wcag_21_aa_violation(page):
    assert AXE.exists(), "axe-core is installed by `make assets` (npm ci)"
    problems: dict[str, list[str]] = {}
    page.goto("/login")
    found = violations(page)
    if found:
        problems["/login"] = found
    log_in(page, "officer1")
    expect(page).to_have_url(re.compile(r"/inbox$"))
    for url in ("/inbox", "/cases", "/cases/new", "/causes", "/penalty-lists"):
        check(page, url, problems)
    page.goto("/cases")
    case_url = first_link(page, '[data-testid="cases"] a[href^="/cases/"]')
    check(page, case_url, problems)
    check(page, case_url + "/evidence", problems)
    item = first_link(page, '[data-testid="evidence-link"]')
    if item:
        check(page, item, problems)
    page.goto("/inbox")
    task = first_link(page, '[data-testid="task-link"]')
    check(page, task, problems)
    page.goto(case_url)
    party = first_link(page, 'a[href^="/parties/"]')
    if party:
        check(page, party, problems)
    log_in_as(page, "reviewer1")
    check(page, "/inbox?queue=reviews", problems)
    # every review in the queue: the demo's include one with a finding on the light-penalty list
    for review in sorted({link.get_attribute("href") for link in page.locator('[data-testid="review-link"]').all()}):
        check(page, review, problems)
    log_in_as(page, "supervisor1")
    for url in ("/alerts", "/dashboard", "/procedures"):
        check(page, url, problems)
    page.goto("/alerts")
    alert = first_link(page, '[data-testid="alert-link"]')
    if alert:
        check(page, alert, problems)
    log_in_as(page, "admin")
    for url in ("/numbering", "/numbering/market"):
        check(page, url, problems)
    assert not problems, "\n".join(f"{url}: {v}" for url, found in problems.items() for v in found)
    # the check itself can fail: an image without a text alternative is a violation it reports
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/static/favicon.svg\">')")
    assert any(v.startswith("image-alt") for v in violations(page)), "axe-core did not run"
