"""The workbench's comparison and test-run pages ([8/9]) in a real browser on the demo data: author1
makes a draft of the deployed 普通程序, adds a step (线索核查) and shortens the filing approval's deadline
through the API; the comparison page marks both on the draft's diagram (a badge saying what changed)
and lists them in words, an entry of the list finding its element on the diagram, by mouse or
keyboard; the approver sees the counts and the link in the review. The author's test run goes
through two steps with one refusal of the law between, the diagram marking the steps done and the
ready one with its due date; nothing of it reaches an officer's pages. At 360 px, and axe-core on
both pages."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, fresh_page, log_in, log_in_as, screenshot
from tests.browser.test_axe import AXE, violations
from tests.browser.test_workbench import api, draft_id_of, editor_ready
from tests.draft_edits import (
    CHECK_FORM,
    MAIN,
    check_form,
    with_check_step,
    with_filing_deadline,
    with_step_renamed,
)
from tests.helpers import days_ago
from workflow_app.wall_clock import local_today

pytestmark = [pytest.mark.xdist_group("browser_workbench"), pytest.mark.dates]

DRAWN = 20000


def new_draft(page) -> int:
    """A draft of the deployed general procedure, from the workbench's form."""
    page.goto("/workbench")
    form = page.get_by_test_id("draft-from-version")
    value = form.locator("option", has_text="(general_penalty v").first.get_attribute("value")
    form.locator("select").select_option(value)
    form.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/workbench/drafts/\d+$"))
    return draft_id_of(page)


def edited_draft(page) -> int:
    """A draft of the deployed general procedure with the clue check added and the filing deadline
    shortened through the API (as the editor saves)."""
    draft_id = new_draft(page)
    assert api(page, "PUT", f"/api/v1/drafts/{draft_id}/file", {"path": CHECK_FORM, "content": check_form()},
               revision=1)["status"] == 200
    main = api(page, "GET", f"/api/v1/drafts/{draft_id}/file?path={MAIN}")["text"]
    saved = api(page, "PUT", f"/api/v1/drafts/{draft_id}/file",
                {"path": MAIN, "content": with_filing_deadline(with_check_step(main))}, revision=2)
    assert saved["status"] == 200, saved
    return draft_id


def drawn(page, which: str):
    box = page.locator(f'[data-testid="diagram"][data-which="{which}"]') if which else page.get_by_test_id("diagram")
    expect(box).to_have_class(re.compile("diagram-ready"), timeout=DRAWN)
    return box


def element(box, element_id: str):
    return box.locator(f'.djs-element[data-element-id="{element_id}"]')


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), \
        page.evaluate("document.documentElement.scrollWidth")


def test_the_comparison_shows_the_added_step_and_the_changed_deadline_on_the_diagram_and_in_the_list(page, browser,
                                                                                                       demo_server):
    log_in(page, "author1")
    draft_id = edited_draft(page)
    page.goto(f"/workbench/drafts/{draft_id}")
    editor_ready(page, 3)
    page.get_by_test_id("compare-link").click()
    expect(page).to_have_url(re.compile(rf"/workbench/drafts/{draft_id}/compare$"))
    expect(page.get_by_test_id("nav-workbench")).to_have_attribute("aria-current", "page")
    draft = drawn(page, "draft")
    base = drawn(page, "base")

    # on the draft's diagram: the step added, the step whose deadline changed, the new flow; badges say so
    expect(element(draft, "clue_check")).to_have_class(re.compile(r"\bdiff-added\b"))
    expect(element(draft, "filing_approval")).to_have_class(re.compile(r"\bdiff-changed\b"))
    expect(element(draft, "f_check")).to_have_class(re.compile(r"\bdiff-added\b"))
    expect(element(draft, "clue_intake")).not_to_have_class(re.compile(r"\bdiff-"))
    expect(draft.locator('[data-testid="diff-badge"][data-element-id="clue_check"]')).to_be_visible()
    changed_badge = draft.locator('[data-testid="diff-badge"][data-element-id="filing_approval"]')
    deadline_word = page.evaluate("""() => [...document.querySelectorAll('[data-testid="changes-steps"] li[data-id="filing_approval"] .change-field')]
        .map(e => e.textContent.replace('：', '').trim())[0]""")
    expect(changed_badge).to_contain_text(deadline_word)
    # the version's diagram is drawn too, with nothing removed
    expect(element(base, "filing_approval")).to_be_visible()
    expect(base.locator(".djs-element.diff-removed")).to_have_count(0)
    expect(element(base, "clue_check")).to_have_count(0)

    # in the list, in words: the step's name, the deadline old → new
    steps = page.get_by_test_id("changes-steps")
    added = steps.locator('li[data-id="clue_check"]')
    expect(added).to_contain_text("线索核查（clue_check）")
    expect(added).to_contain_text("执法人员")
    changed = steps.locator('li[data-id="filing_approval"]')
    expect(changed).to_contain_text("立案审批（filing_approval）")
    expect(changed.locator(".change-old")).to_contain_text("15个工作日")
    expect(changed.locator(".change-new")).to_contain_text("10个工作日")
    expect(page.get_by_test_id("count-steps").locator("td")).to_have_text(["1", "0", "1"])
    # the rest of the package is compared as well: its documents and other parts, unchanged here
    expect(page.get_by_test_id("count-documents").locator("td")).to_have_text(["0", "0", "0"])
    expect(page.get_by_test_id("count-others")).to_contain_text("流程包的其他部分")
    expect(page.get_by_test_id("could-move")).to_be_visible()
    screenshot(page, "workbench-compare-01")

    # a click on an entry finds its element: outlined and in the middle of the diagram
    changed.get_by_test_id("change-show").click()
    expect(element(draft, "filing_approval")).to_have_class(re.compile(r"\bdiff-selected\b"))
    expect(changed).to_have_class(re.compile(r"\bis-selected\b"))
    canvas = draft.locator(".diagram-canvas").bounding_box()
    shape = element(draft, "filing_approval").bounding_box()
    assert canvas["x"] < shape["x"] + shape["width"] / 2 < canvas["x"] + canvas["width"]
    assert canvas["y"] < shape["y"] + shape["height"] / 2 < canvas["y"] + canvas["height"]
    # and by the keyboard
    added.get_by_test_id("change-show").focus()
    page.keyboard.press("Enter")
    expect(element(draft, "clue_check")).to_have_class(re.compile(r"\bdiff-selected\b"))
    expect(element(draft, "filing_approval")).not_to_have_class(re.compile(r"\bdiff-selected\b"))
    expect(draft.locator(".diagram-detail")).to_contain_text("线索核查")
    screenshot(page, "workbench-compare-02-selected")

    # the approver reviews the comparison before approving
    page.goto(f"/workbench/drafts/{draft_id}")
    editor_ready(page, 3)
    page.get_by_test_id("submit-draft").click()
    expect(page.get_by_test_id("draft-status")).to_have_class(re.compile("draft-status-submitted"))
    log_in_as(page, "approver1")
    page.goto(f"/workbench/drafts/{draft_id}")
    review = page.get_by_test_id("review-comparison")
    expect(review.get_by_test_id("review-count-steps").locator("td")).to_have_text(["1", "0", "1"])
    expect(page.get_by_test_id("diagram")).to_have_class(re.compile("diagram-ready"), timeout=DRAWN)
    screenshot(page, "workbench-compare-03-review")
    review.get_by_test_id("review-compare-link").click()
    drawn(page, "draft")
    expect(page.get_by_test_id("changes-steps").locator('li[data-id="clue_check"]')).to_be_visible()

    # a phone: the page fits 360 px, the list and the diagram usable
    with fresh_page(browser, demo_server, viewport=PHONE, device_scale_factor=2, is_mobile=True,
                    has_touch=True) as phone:
        log_in(phone, "approver1")
        phone.goto(f"/workbench/drafts/{draft_id}/compare")
        drawn(phone, "draft")
        no_sideways_scroll(phone)
        phone.get_by_test_id("changes-steps").locator('li[data-id="filing_approval"]').get_by_test_id(
            "change-show").tap()
        expect(element(phone.locator('[data-which="draft"]'), "filing_approval")).to_have_class(
            re.compile(r"\bdiff-selected\b"))
        screenshot(phone, "workbench-compare-04-phone")


def test_a_step_gone_from_the_draft_is_marked_on_the_versions_diagram_with_the_cases_it_keeps(page):
    log_in(page, "author1")
    draft_id = new_draft(page)
    main = api(page, "GET", f"/api/v1/drafts/{draft_id}/file?path={MAIN}")["text"]
    assert api(page, "PUT", f"/api/v1/drafts/{draft_id}/file", {"path": MAIN, "content": with_step_renamed(main)},
               revision=1)["status"] == 200
    page.goto(f"/workbench/drafts/{draft_id}/compare")
    draft, base = drawn(page, "draft"), drawn(page, "base")
    expect(element(base, "clue_intake")).to_have_class(re.compile(r"\bdiff-removed\b"))
    expect(base.locator('[data-testid="diff-badge"][data-element-id="clue_intake"]')).to_be_visible()
    expect(element(draft, "clue_register")).to_have_class(re.compile(r"\bdiff-added\b"))
    removed = page.get_by_test_id("changes-steps").locator('li[data-id="clue_intake"]')
    expect(removed).to_have_attribute("data-kind", "removed")
    removed.get_by_test_id("change-show").click()
    expect(element(base, "clue_intake")).to_have_class(re.compile(r"\bdiff-selected\b"))
    expect(base.locator(".diagram-detail")).to_contain_text("线索登记")
    # the running demo cases waiting at the clue intake could not move: their numbers and why
    expect(page.get_by_test_id("blocked-case").first).to_contain_text("线索登记（clue_intake）")
    screenshot(page, "workbench-compare-05-removed")


def test_a_test_run_goes_through_two_steps_with_one_refusal_and_never_reaches_an_officer(page, browser, demo_server):
    log_in(page, "author1")
    draft_id = edited_draft(page)
    page.goto(f"/workbench/drafts/{draft_id}")
    editor_ready(page, 3)
    page.get_by_test_id("test-run-link").click()
    expect(page).to_have_url(re.compile(rf"/workbench/drafts/{draft_id}/test-run$"))
    start = page.get_by_test_id("start-run-form")
    start.locator("select[name=department]").select_option("market")
    start.locator("input[name=party_name]").fill("清河试运行超市")
    start.get_by_test_id("start-run-submit").click()
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.get_by_test_id("run-party")).to_contain_text("清河试运行超市")
    box = drawn(page, None)
    expect(element(box, "clue_intake")).to_have_class(re.compile(r"\bstep-ready\b"))

    # the clue intake, opened with its example; a clue received in the future: the law refuses it
    form = page.get_by_test_id("task-form")
    expect(form.locator('select[name="source"], input[name="source"]').first).to_be_attached()
    expect(form.locator('input[name="received_on"]')).not_to_have_value("")
    form.locator('input[name="received_on"]').fill("2999-01-01")
    form.get_by_test_id("submit").click()
    banner = page.get_by_test_id("form-banner")
    expect(banner).to_have_class(re.compile(r"\brefused\b"))
    expect(page.get_by_test_id("refusal-article")).not_to_be_empty()
    expect(page.locator('input[name="received_on"]')).to_have_value("2999-01-01")  # as typed
    expect(page.get_by_test_id("done-step")).to_have_count(0)  # the run unchanged
    screenshot(page, "workbench-run-01-refused")

    form = page.get_by_test_id("task-form")
    form.locator('input[name="received_on"]').fill(days_ago(3))
    form.locator('input[name="violation_date"]').fill(days_ago(5))
    form.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_contain_text("线索核查")
    expect(page.locator('[data-testid="done-step"][data-bpmn-id="clue_intake"]')).to_be_visible()

    # the added step: its own form, with its example
    expect(page.get_by_test_id("form-title")).to_contain_text("线索核查")
    form = page.get_by_test_id("task-form")
    form.locator('input[name="checked_on"]').fill(local_today().isoformat())
    form.get_by_test_id("submit").click()
    expect(page.locator('[data-testid="done-step"][data-bpmn-id="clue_check"]')).to_be_visible()

    # the filing approval is ready with the shortened deadline, in words and as a date on the diagram
    ready = page.locator('[data-testid="ready-step"][data-bpmn-id="filing_approval"]')
    expect(ready.get_by_test_id("ready-deadline")).to_contain_text("10个工作日")
    due = ready.get_by_test_id("ready-due").inner_text().strip()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", due) and due > days_ago(3), due
    box = drawn(page, None)
    expect(element(box, "clue_intake")).to_have_class(re.compile(r"\bstep-done\b"))
    expect(element(box, "clue_check")).to_have_class(re.compile(r"\bstep-done\b"))
    expect(element(box, "filing_approval")).to_have_class(re.compile(r"\bstep-ready\b"))
    expect(box.locator('[data-testid="due-badge"][data-element-id="filing_approval"]')).to_contain_text(due)
    screenshot(page, "workbench-run-02-two-steps")

    with fresh_page(browser, demo_server, viewport=PHONE, device_scale_factor=2, is_mobile=True,
                    has_touch=True) as phone:
        log_in(phone, "author1")
        phone.goto(f"/workbench/drafts/{draft_id}/test-run")
        drawn(phone, None)
        no_sideways_scroll(phone)
        expect(phone.get_by_test_id("task-form")).to_be_visible()
        screenshot(phone, "workbench-run-03-phone")

    # nothing of the run on an officer's pages
    log_in_as(page, "officer1")
    for url in ("/inbox", "/cases"):
        page.goto(url)
        expect(page.locator("main")).not_to_contain_text("清河试运行超市")
        expect(page.locator("main")).not_to_contain_text("试运行")

    # the author discards it
    log_in_as(page, "author1")
    page.goto(f"/workbench/drafts/{draft_id}/test-run")
    drawn(page, None)
    page.get_by_test_id("discard-run").click()
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.get_by_test_id("run")).to_have_count(0)
    expect(page.get_by_test_id("start-run-form")).to_be_visible()


@pytest.fixture
def axe_page(browser, demo_server):
    with fresh_page(browser, demo_server, viewport={"width": 1280, "height": 900}, bypass_csp=True) as page:
        yield page


def test_the_comparison_and_test_run_pages_have_no_wcag_21_aa_violation(axe_page):
    page = axe_page
    assert AXE.exists(), "axe-core is installed by `make assets` (npm ci)"
    log_in(page, "author1")
    draft_id = edited_draft(page)
    problems = {}
    page.goto(f"/workbench/drafts/{draft_id}/compare")
    drawn(page, "draft")
    drawn(page, "base")
    page.get_by_test_id("changes-steps").locator('li[data-id="filing_approval"]').get_by_test_id("change-show").click()
    if found := violations(page):
        problems["compare"] = found
    page.goto(f"/workbench/drafts/{draft_id}/test-run")
    if found := violations(page):
        problems["test-run start"] = found
    page.get_by_test_id("start-run-submit").click()
    drawn(page, None)
    form = page.get_by_test_id("task-form")
    form.locator('input[name="received_on"]').fill("2999-01-01")
    form.get_by_test_id("submit").click()
    expect(page.get_by_test_id("form-banner")).to_be_visible()
    drawn(page, None)
    if found := violations(page):
        problems["test-run refused"] = found
    assert problems == {}, problems
