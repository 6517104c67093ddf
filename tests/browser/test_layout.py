"""The pages on a tablet, at 125% zoom, and by keyboard alone (issue [4/6]: usable on a laptop and
a tablet, keyboard-navigable, readable at 125% zoom)."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, screenshot

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]

# (name, viewport in CSS pixels, device scale): a 768-pixel tablet held upright, and a 1280-pixel
# laptop screen at 125% zoom (1024 CSS pixels wide, drawn at 1.25), and a 360-pixel phone on site.
SCREENS = [("tablet", {"width": 768, "height": 1024}, 1), ("zoom125", {"width": 1024, "height": 720}, 1.25),
           ("phone", {"width": 360, "height": 740}, 2)]


def overflows_sideways(page) -> bool:
    """Whether the page itself scrolls sideways (a wide table or diagram may scroll in its own box).
    Read once the page a click led to has loaded (during the navigation there is no document)."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")


@pytest.mark.parametrize("name,viewport,scale", SCREENS, ids=[s[0] for s in SCREENS])
def test_the_daily_pages_fit_a_tablet_and_125_percent_zoom_without_scrolling_sideways(browser, demo_server, name,
                                                                                       viewport, scale):
    context = browser.new_context(base_url=demo_server, viewport=viewport, device_scale_factor=scale, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto("/login")
        assert not overflows_sideways(page)
        page.fill('input[name="username"]', "officer1")
        page.fill('input[name="password"]', DEMO_PASSWORD)
        page.click('button[type="submit"].primary')
        expect(page).to_have_url(re.compile(r"/inbox$"))
        assert not overflows_sideways(page), "the inbox scrolls sideways"
        screenshot(page, f"layout-{name}-inbox")
        page.goto("/cases")
        assert not overflows_sideways(page), "the case list scrolls sideways"
        page.locator('[data-testid="cases"] a[href^="/cases/"]').first.click()  # not the nav's /cases/new
        expect(page.get_by_test_id("diagram")).to_be_visible()
        assert not overflows_sideways(page), "the case page scrolls sideways"
        screenshot(page, f"layout-{name}-case")
        context.clear_cookies()  # the supervisors' pages: the alerts and one alert
        page.goto("/login")
        page.fill('input[name="username"]', "supervisor1")
        page.fill('input[name="password"]', DEMO_PASSWORD)
        page.click('button[type="submit"].primary')
        expect(page).to_have_url(re.compile(r"/alerts$"))
        assert not overflows_sideways(page), "the alert list scrolls sideways"
        screenshot(page, f"layout-{name}-alerts")
        page.locator('[data-testid="alerts"] [data-testid="alert-link"]').first.click()
        expect(page.get_by_test_id("alert-title")).to_be_visible()
        assert not overflows_sideways(page), "the alert page scrolls sideways"
        screenshot(page, f"layout-{name}-alert")
    finally:
        context.close()


def test_an_officer_logs_in_and_opens_a_case_with_the_keyboard_alone(page):
    page.goto("/login")
    focused = lambda: page.evaluate("document.activeElement && document.activeElement.name")  # noqa: E731
    for _ in range(15):  # Tab through the page until the username field has the focus
        if focused() == "username":
            break
        page.keyboard.press("Tab")
    assert focused() == "username"
    page.keyboard.type("officer1")
    page.keyboard.press("Tab")
    assert focused() == "password"
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/inbox$"))
    # Tab to the first case link of the inbox and follow it with Enter; the focus is visible.
    for _ in range(60):
        href = page.evaluate("document.activeElement && document.activeElement.getAttribute('href')")
        if href and re.match(r"^/cases/\d+", href):
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("no case link of the inbox can be reached with Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused link shows no focus ring"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cases/\d+"))
    expect(page.get_by_test_id("diagram")).to_be_visible()


@pytest.mark.parametrize("name,viewport,scale", SCREENS, ids=[s[0] for s in SCREENS])
def test_the_supervision_dashboard_fits_a_tablet_and_125_percent_zoom(browser, demo_server, name, viewport, scale):
    context = browser.new_context(base_url=demo_server, viewport=viewport, device_scale_factor=scale, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto("/login")
        page.fill('input[name="username"]', "supervisor1")
        page.fill('input[name="password"]', DEMO_PASSWORD)
        page.click('button[type="submit"].primary')
        page.goto("/dashboard")
        expect(page.locator('[data-chart="cases_by_status"] canvas')).to_have_count(1)
        assert not overflows_sideways(page), "the dashboard scrolls sideways"
        screenshot(page, f"layout-{name}-dashboard")
    finally:
        context.close()
