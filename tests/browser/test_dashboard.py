"""The supervision dashboard in the browser: a supervisor opens it, the charts are drawn over their
tables (no console error: the conftest fails on any, a CSP refusal included), a figure leads by
keyboard to the list it counts; the page in English; without JavaScript the tables alone."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]

CHARTS = ("alerts_by_rule", "alerts_by_department", "cases_by_status", "steps_by_department", "alerts_per_week")


def raise_the_demos_alerts(demo_flask):
    """The demo's cases past their due times get their alerts from the worker's pass."""
    demo_flask("oversight", "scan")


def test_a_supervisor_sees_the_charts_and_follows_a_figure_to_the_filtered_list(page, demo_flask):
    raise_the_demos_alerts(demo_flask)
    log_in(page, "supervisor1")
    page.get_by_test_id("nav-dashboard").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.locator("h1")).to_contain_text("执法监督看板")
    for name in CHARTS:  # each chart drawn on its canvas, its table folded behind its summary
        chart = page.locator(f'[data-chart="{name}"]')
        expect(chart.locator("canvas")).to_have_count(1)
        assert chart.bounding_box()["height"] >= 150, name
    expect(page.locator("details.chart-table[open]")).to_have_count(0)
    figures = {sev: int(page.get_by_test_id(f"figure-alerts-{sev}").locator(".figure-value").inner_text())
               for sev in ("high", "medium", "low")}
    assert sum(figures.values()) > 0, "the scan raised no alert on the demo's cases"
    rules = page.get_by_test_id("alerts-by-rule-table")
    rules.locator("summary").click()  # the table, one click away
    expect(rules.locator("tbody tr").first).to_be_visible()
    screenshot(page, "dashboard-supervisor")

    # a tooltip on hover (drawn on the canvas: the CSP refuses ECharts' HTML tooltips' inline styles)
    box = page.locator('[data-chart="alerts_by_rule"]').bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)
    overdue = int(page.get_by_test_id("figure-overdue-steps").locator(".figure-value").inner_text())
    page.get_by_test_id("figure-overdue-steps").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cases\?time_left=overdue$"))
    expect(page.locator('select[name="time_left"]')).to_have_value("overdue")
    if overdue:
        expect(page.get_by_test_id("cases").locator("tbody tr").first).to_be_visible()
    screenshot(page, "dashboard-overdue-cases")


def test_a_click_on_a_bar_opens_the_list_it_counts(page, demo_flask):
    log_in(page, "supervisor1")
    page.goto("/dashboard")
    chart = page.locator('[data-chart="steps_by_department"]')
    expect(chart.locator("canvas")).to_have_count(1)
    chart.scroll_into_view_if_needed()  # the mouse clicks within the viewport
    data = page.evaluate("JSON.parse(document.getElementById('dashboard-data').textContent).steps_by_department")
    top = data["series"][0]  # overdue, the first department (drawn at the top: the last category of the axis)
    assert top["values"][0] > 0, data
    x, y = page.evaluate("""([value, row]) => {
        const chart = echarts.getInstanceByDom(document.querySelector('[data-chart="steps_by_department"]'));
        return chart.convertToPixel({seriesIndex: 0}, [value, row]);
    }""", [top["values"][0] / 2, len(data["categories"]) - 1])
    box = chart.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    expect(page).to_have_url(re.compile(re.escape(top["links"][0]) + "$"))
    expect(page.locator('select[name="time_left"]')).to_have_value("overdue")


def test_a_department_is_picked_and_the_links_keep_it(page, demo_flask):
    raise_the_demos_alerts(demo_flask)
    log_in(page, "supervisor1")
    page.goto("/dashboard")
    page.select_option('select[name="department"]', "market")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"/dashboard\?department=market$"))
    href = page.get_by_test_id("figure-alerts-high").get_attribute("href")
    assert href == "/alerts?status=active&department=market&severity=high"
    expect(page.locator('[data-chart="cases_by_status"] canvas')).to_have_count(1)


def test_the_dashboard_in_english(page, demo_flask):
    raise_the_demos_alerts(demo_flask)
    log_in(page, "head1")
    page.goto("/dashboard")
    page.get_by_test_id("lang-switch").click()
    expect(page.locator("h1")).to_contain_text("Supervision dashboard")
    expect(page.locator('[data-chart="steps_by_department"] canvas')).to_have_count(1)
    expect(page.get_by_test_id("figures")).to_contain_text("active alerts, high")
    screenshot(page, "dashboard-head-en")
    page.get_by_test_id("lang-switch").click()  # back to Chinese for the other tests of this user


def test_without_javascript_the_tables_are_the_dashboard(browser, demo_server, demo_flask):
    raise_the_demos_alerts(demo_flask)
    context = browser.new_context(base_url=demo_server, viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                  java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, "supervisor1")
        page.goto("/dashboard")
        expect(page.locator("canvas")).to_have_count(0)
        expect(page.locator("details.chart-table[open]")).to_have_count(len(CHARTS))
        expect(page.get_by_test_id("cases-by-status-table").locator("tbody a").first).to_be_visible()
        screenshot(page, "dashboard-no-javascript")
    finally:
        context.close()
