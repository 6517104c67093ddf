"""The pages on a tablet, at 125% zoom, and by keyboard alone (issue [4/6]: usable on a laptop and
a tablet, keyboard-navigable, readable at 125% zoom)."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, log_in, screenshot

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


def overlaps(a: dict, b: dict) -> bool:
    """Whether two boxes (x, y, width, height) share any area."""
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def chart_legends(page) -> list[dict]:
    """Each drawn chart of the dashboard: its kind, its box, its legend's box (the list above it)
    and how many legends ECharts itself shows on the canvas."""
    return page.evaluate("""() => {
        const data = JSON.parse(document.getElementById('dashboard-data').textContent);
        const box = (el) => { const r = el.getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, height: r.height}; };
        return Array.from(document.querySelectorAll('[data-chart].chart-ready')).map((el) => {
            const name = el.getAttribute('data-chart');
            const legend = document.querySelector(`[data-legend-of="${name}"]`);
            const own = (echarts.getInstanceByDom(el).getOption().legend || []).filter((l) => l.show !== false);
            return {name, kind: data[name].kind, chart: box(el), legend: legend && box(legend),
                    legend_items: legend ? legend.querySelectorAll('li').length : 0, canvas_legends: own.length,
                    categories: data[name].categories.length, series: data[name].series.length};
        });
    }""")


@pytest.mark.parametrize("name,viewport,scale", SCREENS, ids=[s[0] for s in SCREENS])
def test_the_supervision_dashboard_fits_a_tablet_and_125_percent_zoom(browser, demo_server, name, viewport, scale):
    """And on a phone: no sideways scrolling, and no legend over its chart (the legends of the pie
    and of the stacked bars are lists above them, which wrap; ECharts' own, drawn on the canvas,
    covered the pie and the bars at 360 px)."""
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
        charts = chart_legends(page)
        kinds = {c["kind"] for c in charts}
        assert {"pie", "stacked"} <= kinds, charts  # the demo's data draws both kinds that have a legend
        for chart in charts:
            assert chart["canvas_legends"] == 0, chart
            if chart["kind"] in ("pie", "stacked"):
                assert chart["legend"] is not None, chart
                assert chart["legend_items"] == (chart["categories"] if chart["kind"] == "pie" else chart["series"]), chart
                assert not overlaps(chart["legend"], chart["chart"]), chart
                assert chart["legend"]["x"] + chart["legend"]["width"] <= viewport["width"], chart
            else:
                assert chart["legend"] is None, chart
        screenshot(page, f"layout-{name}-dashboard")
    finally:
        context.close()


def test_on_a_phone_a_case_with_a_long_evidence_list_does_not_scroll_sideways(browser, demo_server):
    """An investigation's many photos, with long names and what they prove: the case page and the
    evidence list (each item a block of labelled lines at 360 px) fit the phone's width."""
    import io

    from PIL import Image

    items = 30
    context = browser.new_context(base_url=demo_server, viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    try:
        log_in(page, "officer1")
        page.goto("/cases/new")
        page.fill('input[name="title"]', "某超市销售过期食品案（现场照片多）")
        page.fill('input[name="party_name"]', "清河某超市有限公司")
        page.get_by_test_id("submit").click()
        expect(page.locator(".flash.success")).to_be_visible()
        case_url = page.url
        page.get_by_test_id("evidence-list-link").click()
        token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
        for n in range(items):
            photo = io.BytesIO()
            Image.new("RGB", (640, 480), (n * 8, 120, 255 - n * 8)).save(photo, "JPEG")
            r = page.request.post(page.url, headers={"X-CSRFToken": token, "X-Requested-With": "fetch"}, multipart={
                "file": {"name": f"IMG_20261206_1015{n:02d}_货架陈列过期食品现场照片第{n + 1}张.jpg",
                         "mimeType": "image/jpeg", "buffer": photo.getvalue()},
                "source": "现场拍摄（执法记录仪及手机）", "kind": "physical",
                "proves": "货架上陈列的过期食品的名称、生产日期、保质期和数量，以及当事人的经营场所" * 2})
            assert r.status == 201, r.text()
        page.reload()
        expect(page.get_by_test_id("evidence-row")).to_have_count(items)
        assert not overflows_sideways(page), "the evidence list scrolls sideways on a phone"
        screenshot(page, "layout-phone-evidence-list")
        page.goto(case_url)
        expect(page.get_by_test_id("evidence-count")).to_have_text(f"{items} 项")
        expect(page.get_by_test_id("chain-status")).to_have_attribute("data-ok", "1")
        assert not overflows_sideways(page), "the case page scrolls sideways on a phone"
        screenshot(page, "layout-phone-case-with-evidence")
    finally:
        context.close()
