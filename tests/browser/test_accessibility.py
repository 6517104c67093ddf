"""Accessibility the keyboard and the screen reader rely on (issue 13 §5), in a real browser: the
login's errors are tied to their fields and take the focus, a refused form puts the focus on its
first field in error, checkboxes and radios are 24 px targets, the focus ring stands out at 3:1,
and the diagram (hidden from assistive technology: the step list says it in words) holds no tab
stop."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]


def _focused(page) -> dict:
    return page.evaluate("""() => { const el = document.activeElement;
        return {id: el.id, name: el.getAttribute('name'), invalid: el.getAttribute('aria-invalid'),
                described: el.getAttribute('aria-describedby'), tag: el.tagName}; }""")


def _refusals_answered(page):
    """A refused form comes back with its status (400, 422), which the browser logs as a failed
    load: the page's own answer here, not an error of the page."""
    page.console_errors[:] = [e for e in page.console_errors if not re.search(r"status of (400|422)", e)]


def _contrast(rgb: str, against=(255, 255, 255)) -> float:
    def lum(c):
        c = [v / 255 for v in c]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    color = tuple(int(v) for v in re.findall(r"\d+", rgb)[:3])
    high, low = sorted((lum(color), lum(against)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_logins_errors_are_tied_to_their_fields_and_take_the_focus(page):
    page.goto("/login")
    page.fill('input[name="username"]', "officer1")
    page.click('button[type="submit"].primary')  # no password
    expect(page.locator("#password")).to_be_focused()
    focused = _focused(page)
    assert (focused["id"], focused["invalid"], focused["described"]) == ("password", "true", "password-error")
    expect(page.locator("#password-error")).to_have_text("请输入密码。")
    log_in(page, "officer1", "not-the-password")
    expect(page.locator("#username")).to_be_focused()
    focused = _focused(page)
    assert (focused["id"], focused["invalid"], focused["described"]) == ("username", "true", "login-error")
    expect(page.locator("#login-error")).to_have_text("用户名或密码错误。")
    _refusals_answered(page)


def test_a_refused_form_puts_the_focus_on_its_first_field_in_error(page):
    log_in(page, "officer1")
    page.goto("/cases/new")
    page.fill("#f-title", "   ")  # past the browser's own check: the server refuses a blank title
    page.fill("#f-party_name", "某公司")
    page.get_by_test_id("submit").click()
    expect(page.locator('main [aria-invalid="true"]').first).to_be_focused()
    focused = _focused(page)
    assert (focused["id"], focused["invalid"], focused["described"]) == ("f-title", "true", "f-title-error")
    box = page.locator('input[name="party_kind"]').first.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24, box  # a radio is a 24 px target
    _refusals_answered(page)


def test_the_focus_ring_stands_out_and_the_diagram_holds_no_tab_stop(page):
    log_in(page, "officer1")
    page.goto("/cases?status=investigating")
    page.locator('[data-testid="cases"] tbody tr a').first.click()
    expect(page.get_by_test_id("diagram")).to_have_class(re.compile("diagram-ready"), timeout=15000)
    page.keyboard.press("Tab")
    ring = page.evaluate("() => getComputedStyle(document.activeElement).outlineColor")
    assert _contrast(ring) >= 3, ring
    stops = page.evaluate("""() => Array.from(document.querySelectorAll('.diagram-canvas *'))
        .filter(el => el.tabIndex >= 0 && !el.closest('[hidden]')).length""")
    assert stops == 0
    # Tabbing through the whole page never lands inside the drawing.
    for _ in range(60):
        page.keyboard.press("Tab")
        assert not page.evaluate("() => !!document.activeElement.closest('.diagram-canvas')")
