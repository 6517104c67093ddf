"""Decision tables (DMN) in a real browser on the demo data ([8/9], docs/decisions.md): an author opens a
draft's decision table in the dmn-js Modeler (the fixture package benchmark_fine: the register's item
SCJG-SP-126-03 as a table), changes a cell, saves on the draft's revision, reloads and sees it; a second
window saving a stale copy is told so and keeps its table (download it, reload); a cell the engine would
refuse is a problem of the table; a new table is added to the draft; the diagram saved in the BPMN
editor keeps its business rule task's decision, which the panel chooses among the draft's tables. An administrator edits an item of the discretion
benchmarks register as a decision table and the register shows it; officers read the register without
the editor. axe-core finds no WCAG 2.1 AA violation on the pages, and they are usable at 360 px.

dmn-js 17's production bundle holds Inferno's development build, which logs one console error when it
loads ("It looks like you're using a minified copy of the development build of Inferno"): that message,
and only it, is not counted as a page error here."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, fresh_page, log_in, log_in_as, screenshot
from tests.browser.test_axe import AXE, violations

pytestmark = [pytest.mark.xdist_group("browser_workbench")]

EDITOR_TIMEOUT = 20000
FIXTURE = ROOT / "tests" / "fixtures" / "packages" / "benchmark_fine" / "bpmn" / "benchmark_fine"
DECISION = "benchmark_SCJG-SP-126-03"
INFERNO_NOISE = "minified copy of the development build of Inferno"
PHONE = {"width": 360, "height": 740}
# the editor's words, in Chinese once the catalogue has them (/work/notes/zh-wbdmn.json), English before
NO_PROBLEMS = re.compile("没有问题|No problems")
UNSAVED = re.compile("尚未保存|Unsaved")
SAVED = re.compile("已保存|Saved")


class _PageErrors(list):
    """A page's console errors, without dmn-js's one known message (see the module's docstring)."""

    def append(self, text):
        if INFERNO_NOISE not in str(text):
            super().append(text)


def quiet(page):
    page.console_errors = _PageErrors(page.console_errors)
    return page


@pytest.fixture(scope="module")
def benchmark_fine(demo_flask):
    """The fixture package deployed on the demo server (deploying it again is a no-op)."""
    demo_flask("procedures", "deploy", str(FIXTURE))


@pytest.fixture
def page(browser, demo_server, benchmark_fine):
    with fresh_page(browser, demo_server, viewport={"width": 1280, "height": 900}) as page:
        yield quiet(page)


def cell(page, rule_tier: str, output: str):
    return page.locator(f'[data-testid="dmn-canvas"] td[data-element-id="{DECISION}_{rule_tier}_{output}"]')


def table_ready(page, revision: int | None = None):
    expect(page.get_by_test_id("dmn-save")).to_be_enabled(timeout=EDITOR_TIMEOUT)
    expect(page.get_by_test_id("dmn-canvas").locator(".tjs-table")).to_be_visible()
    if revision is not None:
        expect(page.get_by_test_id("draft-revision")).to_have_text(str(revision))


def type_into(page, target, text: str):
    """A cell of the table edited as an author does: a click in it, its text replaced, a click elsewhere."""
    target.locator(".content-editable").click()
    page.keyboard.press("Control+a")
    page.keyboard.type(text)
    page.locator("h1").click()


def draft_of_benchmark_fine(page) -> int:
    page.goto("/workbench")
    form = page.get_by_test_id("draft-from-version")
    value = form.locator("option", has_text="(benchmark_fine v").first.get_attribute("value")
    form.locator("select").select_option(value)
    form.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/workbench/drafts/\d+$"))
    return int(re.search(r"/workbench/drafts/(\d+)", page.url)[1])


def draft_file(page, draft_id: int, path: str) -> str:
    return page.evaluate("""async url => (await fetch(url, {credentials: 'same-origin', headers: {
        'X-CSRFToken': document.querySelector('meta[name="csrf-token"]').content}})).text()""",
                         f"/api/v1/drafts/{draft_id}/file?path={path}")


def test_an_author_edits_a_drafts_decision_table_meets_a_stale_save_and_adds_a_table(page, browser, demo_server):
    log_in(page, "author1")
    draft_id = draft_of_benchmark_fine(page)
    path = f"bpmn/benchmark_fine/{DECISION}.dmn"
    page.get_by_test_id("dmn-tables-link").click()
    row = page.locator(f'[data-testid="dmn-table"][data-path="{path}"]')
    expect(row).to_contain_text(DECISION)
    screenshot(page, "workbench-dmn-01-tables")
    row.get_by_test_id("dmn-table-link").click()
    table_ready(page, 1)
    expect(page.get_by_test_id("decision-id")).to_have_text(DECISION)
    expect(cell(page, "lighter", "min_fine")).to_have_text("5000")
    expect(page.get_by_test_id("dmn-problem-count")).to_contain_text(NO_PROBLEMS)
    # dmn-js in Chinese, its logo kept
    expect(page.get_by_test_id("dmn-canvas").locator(".hit-policy")).to_contain_text(re.compile("命中策略|Hit policy"))
    expect(page.get_by_test_id("dmn-powered-by")).to_be_visible()

    # a cell changed, saved on the revision read, there after a reload
    type_into(page, cell(page, "lighter", "min_fine"), "6000")
    expect(page.get_by_test_id("dmn-status")).to_contain_text(UNSAVED)
    page.get_by_test_id("dmn-save").click()
    expect(page.get_by_test_id("draft-revision")).to_have_text("2")
    expect(page.get_by_test_id("dmn-status")).to_contain_text(SAVED)
    assert "<text>6000</text>" in draft_file(page, draft_id, path)
    page.reload()
    table_ready(page, 2)
    expect(cell(page, "lighter", "min_fine")).to_have_text("6000")
    screenshot(page, "workbench-dmn-02-table")

    # a second window of the same author, on revision 2; the first saves first
    with fresh_page(browser, demo_server, viewport={"width": 1280, "height": 900}) as other:
        quiet(other)
        log_in(other, "author1")
        other.goto(page.url)
        table_ready(other, 2)
        type_into(page, cell(page, "heavier", "max_fine"), "60000")
        page.get_by_test_id("dmn-save").click()
        expect(page.get_by_test_id("draft-revision")).to_have_text("3")
        type_into(other, cell(other, "ordinary", "max_fine"), "40000")
        other.get_by_test_id("dmn-save").click()
        expect(other.get_by_test_id("dmn-conflict")).to_be_visible()
        expect(other.get_by_test_id("dmn-conflict-message")).to_contain_text("3")
        expect(cell(other, "ordinary", "max_fine")).to_have_text("40000")  # kept on screen
        screenshot(other, "workbench-dmn-03-conflict")
        with other.expect_download() as download:
            other.get_by_test_id("dmn-download-mine").click()
        assert "<text>40000</text>" in open(download.value.path(), encoding="utf-8").read()
        saved = draft_file(other, draft_id, path)
        assert "<text>60000</text>" in saved and "<text>40000</text>" not in saved  # nothing of it was saved
        other.get_by_test_id("dmn-reload").click()
        expect(other.get_by_test_id("dmn-conflict")).to_be_hidden()
        expect(cell(other, "heavier", "max_fine")).to_have_text("60000")
        expect(other.get_by_test_id("draft-revision")).to_have_text("3")
        other.console_errors[:] = [e for e in other.console_errors if "status of 412" not in e]

    # a cell the restricted engine refuses: a problem of this table, named by its rule
    page.reload()
    table_ready(page, 3)
    type_into(page, cell(page, "ordinary", "min_fine"), "__import__('os')")
    page.get_by_test_id("dmn-save").click()
    problem = page.get_by_test_id("dmn-problem")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text(re.compile(r"第 2 条规则，第 1 个输出|rule 2, output 1"))
    type_into(page, cell(page, "ordinary", "min_fine"), "18500")
    page.get_by_test_id("dmn-save").click()
    expect(page.get_by_test_id("dmn-problem")).to_have_count(0)
    expect(page.get_by_test_id("draft-revision")).to_have_text("5")

    # a new table added to the draft opens in the editor
    page.goto(f"/workbench/drafts/{draft_id}/tables")
    form = page.get_by_test_id("dmn-new")
    form.locator('input[name="decision_id"]').fill("seizure_days")
    form.locator('input[name="title"]').fill("查封期限")
    form.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/tables/seizure_days$"))
    table_ready(page, 6)
    expect(page.get_by_test_id("decision-id")).to_have_text("seizure_days")
    expect(page.get_by_test_id("dmn-problem-count")).to_contain_text(NO_PROBLEMS)
    # the same id again is refused beside its field
    page.goto(f"/workbench/drafts/{draft_id}/tables")
    form.locator('input[name="decision_id"]').fill("seizure_days")
    form.locator('input[name="title"]').fill("再来一张")
    form.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("error-decision_id")).to_contain_text("seizure_days")
    expect(page.locator('[data-testid="dmn-table"]')).to_have_count(2)
    page.console_errors[:] = [e for e in page.console_errors if "status of 422" not in e]

    # the diagram saved in the BPMN editor keeps its business rule task's decision
    page.goto(f"/workbench/drafts/{draft_id}")
    expect(page.get_by_test_id("save")).to_be_enabled(timeout=EDITOR_TIMEOUT)
    page.locator('[data-testid="modeler"] .djs-element.djs-shape[data-element-id="decide"] .djs-hit').first.click()
    page.fill("#prop-name", "作出处罚决定")
    page.press("#prop-name", "Tab")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("draft-revision")).to_have_text("7")
    bpmn = draft_file(page, draft_id, "bpmn/benchmark_fine/benchmark_fine.bpmn")
    assert "作出处罚决定" in bpmn
    assert re.search(rf"<spiffworkflow:calledDecisionId>{DECISION}</spiffworkflow:calledDecisionId>", bpmn), bpmn
    # the business rule task's decision, chosen in the panel among the draft's tables
    page.locator('[data-testid="modeler"] .djs-element.djs-shape[data-element-id="benchmark"] .djs-hit').first.click()
    expect(page.get_by_test_id("selected-id")).to_have_text("benchmark")
    expect(page.locator("#prop-decision")).to_have_value(DECISION)
    expect(page.locator("#prop-decision option")).to_have_count(3)  # none, and the draft's two tables
    page.select_option("#prop-decision", "seizure_days")
    page.locator("#prop-decision").blur()
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("draft-revision")).to_have_text("8")
    bpmn = draft_file(page, draft_id, "bpmn/benchmark_fine/benchmark_fine.bpmn")
    assert re.search(r"<spiffworkflow:calledDecisionId>seizure_days</spiffworkflow:calledDecisionId>", bpmn), bpmn
    expect(page.locator('[data-testid="problems-panel"] [data-testid="problem"]')).to_have_count(0)
    screenshot(page, "workbench-dmn-07-business-rule-task")


def test_an_administrator_edits_a_benchmark_item_as_a_decision_table(page, browser, demo_server):
    code = "SCJG-SP-124-01"  # the demo register's item: ordinary 65,000–85,000
    log_in(page, "officer1")
    page.goto("/causes")
    page.get_by_test_id("benchmarks-link").click()
    item = page.locator(f'[data-testid="benchmark-item"][data-code="{code}"]')
    expect(item.locator('[data-testid="benchmark-tier"][data-tier="ordinary"]')).to_contain_text("65000–85000")
    expect(item.get_by_test_id("benchmark-edit")).to_have_count(0)  # officers read it
    response = page.goto(f"/benchmarks/{code}/table")
    assert response.status == 403
    page.console_errors[:] = [e for e in page.console_errors if "status of 403" not in e]

    log_in_as(page, "admin")
    page.goto("/benchmarks")
    page.locator(f'[data-testid="benchmark-item"][data-code="{code}"]').get_by_test_id("benchmark-edit").click()
    table_ready(page)
    target = page.locator(f'[data-testid="dmn-canvas"] td[data-element-id="benchmark_{code}_ordinary_max_fine"]')
    expect(target).to_have_text("85000")
    type_into(page, target, "86000")
    page.get_by_test_id("dmn-save").click()
    expect(page.get_by_test_id("dmn-status")).to_contain_text(SAVED)
    screenshot(page, "workbench-dmn-04-benchmark")

    # a second administrator's window on the table as it was before: its save is refused, kept
    with fresh_page(browser, demo_server, viewport={"width": 1280, "height": 900}) as other:
        quiet(other)
        log_in(other, "admin")
        other.goto(page.url)
        table_ready(other)
        type_into(page, target, "87000")
        page.get_by_test_id("dmn-save").click()
        expect(page.get_by_test_id("dmn-status")).to_contain_text(SAVED)
        stale = other.locator(f'[data-testid="dmn-canvas"] td[data-element-id="benchmark_{code}_ordinary_min_fine"]')
        type_into(other, stale, "60000")
        other.get_by_test_id("dmn-save").click()
        expect(other.get_by_test_id("dmn-conflict")).to_be_visible()
        other.console_errors[:] = [e for e in other.console_errors if "status of 412" not in e]

    # a range the CSV import would refuse is refused, saying why, nothing written
    type_into(page, target, "1000")
    page.get_by_test_id("dmn-save").click()
    expect(page.get_by_test_id("dmn-status")).to_contain_text("min_fine")
    page.console_errors[:] = [e for e in page.console_errors if "status of 422" not in e]

    page.goto("/benchmarks")
    item = page.locator(f'[data-testid="benchmark-item"][data-code="{code}"]')
    expect(item.locator('[data-testid="benchmark-tier"][data-tier="ordinary"]')).to_contain_text("65000–87000")
    # the register as it was, for the other tests
    page.goto(f"/benchmarks/{code}/table")
    table_ready(page)
    type_into(page, target, "85000")
    page.get_by_test_id("dmn-save").click()
    expect(page.get_by_test_id("dmn-status")).to_contain_text(SAVED)


@pytest.fixture
def axe_page(browser, demo_server, benchmark_fine):
    with fresh_page(browser, demo_server, viewport={"width": 1280, "height": 900}, bypass_csp=True) as page:
        yield quiet(page)


def test_the_decision_table_pages_have_no_wcag_21_aa_violation_and_fit_a_phone(axe_page, browser, demo_server):
    page = axe_page
    assert AXE.exists(), "axe-core is installed by `make assets` (npm ci)"
    log_in(page, "author1")
    draft_id = draft_of_benchmark_fine(page)
    urls = [f"/workbench/drafts/{draft_id}/tables", f"/workbench/drafts/{draft_id}/tables/{DECISION}"]
    problems = {}
    for url in urls:
        page.goto(url)
        if "/tables/" in url:
            table_ready(page)
        found = violations(page)
        if found:
            problems[url] = found
    log_in_as(page, "admin")
    for url in ("/benchmarks", "/benchmarks/SCJG-SP-126-03/table"):
        page.goto(url)
        if "table" in url:
            table_ready(page)
        found = violations(page)
        if found:
            problems[url] = found
    assert problems == {}, problems

    # at 360 px: no page scrolls sideways (the table scrolls within its frame), the save button is there
    with fresh_page(browser, demo_server, viewport=PHONE, device_scale_factor=2, is_mobile=True,
                    has_touch=True) as phone:
        quiet(phone)
        log_in(phone, "author1")
        for url in urls:
            phone.goto(url)
            if "/tables/" in url:
                table_ready(phone)
                type_into(phone, cell(phone, "ordinary", "min_fine"), "18600")
                expect(phone.get_by_test_id("dmn-status")).to_contain_text(UNSAVED)
                phone.get_by_test_id("dmn-save").click()
                expect(phone.get_by_test_id("dmn-status")).to_contain_text(SAVED)
            assert not phone.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"), url
            screenshot(phone, "workbench-dmn-05-phone-" + ("table" if "/tables/" in url else "tables"))
        log_in_as(phone, "admin")
        for url in ("/benchmarks", "/benchmarks/SCJG-SP-126-03/table"):
            phone.goto(url)
            if "table" in url:
                table_ready(phone)
            assert not phone.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"), url
            screenshot(phone, "workbench-dmn-06-phone-" + ("benchmark" if "table" in url else "benchmarks"))
