"""[8/9]'s "done when", in one browser journey on the demo data: an author creates a new small
procedure in the workbench — one lane of officers, two steps each with its own form, a statutory
deadline and a bound rule of the law — sees two problems the deploy would refuse (a deadline
anchored on a field no step records, on its element and in the list; a rule whose fields are not
chosen yet, on its binding at once and in the list once the diagram builds), fixes both, test-runs it (the rule refuses a review dated before the record, the deadline
is shown in words), asks for publication; approver1 reads the comparison and approves it; and an
officer opens a case on the new procedure, whose first step is in the inbox with its form."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, log_in_as, screenshot
from tests.browser.test_workbench import (
    EDITOR_TIMEOUT,
    api,
    editor_ready,
    main_file,
    select,
    start_new_procedure,
)
from tests.helpers import days_ago

pytestmark = [pytest.mark.xdist_group("browser_workbench")]

PROCESS = "wb_store_visit"
TITLE = "门店走访登记"
REVIEW_FORM = "wb_store_visit_review"


def problems(page):
    return page.locator('[data-testid="problems-panel"] [data-testid="problems"] li')


def save(page):
    before = int(page.get_by_test_id("draft-revision").inner_text())
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("save-status")).to_have_class(re.compile("is-ok"), timeout=EDITOR_TIMEOUT)
    expect(page.get_by_test_id("draft-revision")).not_to_have_text(str(before))
    editor_ready(page)


def choose(page, selector: str, value: str):
    page.select_option(selector, value)
    page.locator(selector).blur()


def draw_second_step(page) -> str:
    """登记 → (new) 复核 → end, drawn with the modeler's context pad: the skeleton's end goes, a task
    is appended to 登记 and made a user task, named, and an end appended to it."""
    select(page, "end")
    page.locator('.djs-context-pad [data-action="delete"]').click()
    select(page, "record")
    page.locator('.djs-context-pad [data-action="append.append-task"]').click()
    review = page.get_by_test_id("selected-id").inner_text()
    page.locator('.djs-context-pad [data-action="replace"]').click()
    page.locator('.djs-popup [data-id="replace-with-user-task"]').click()
    select(page, review)
    page.fill("#prop-name", "复核")
    page.press("#prop-name", "Tab")
    page.locator('.djs-context-pad [data-action="append.end-event"]').click()
    return review


def make_review_form(page, draft_id: int, review: str):
    """The second step's own form, made in the form editor from the step's link."""
    select(page, review)
    page.get_by_test_id("new-form-link").click()
    expect(page).to_have_url(re.compile(rf"/workbench/drafts/{draft_id}/forms/new\?step={review}$"))
    page.locator("#new-form-key").fill(REVIEW_FORM)
    page.locator("#new-form-title").fill("复核")
    page.get_by_test_id("form-create").click()
    expect(page).to_have_url(re.compile(rf"/workbench/drafts/{draft_id}/forms/{REVIEW_FORM}(\?step={review})?$"))
    expect(page.get_by_test_id("choose-on-step")).to_contain_text(review)
    page.get_by_test_id("add-field").click()
    field = page.locator('[data-testid="field-card"]').last
    field.get_by_test_id("field-name").fill("reviewed_on")
    field.get_by_test_id("field-name").press("Tab")
    card = page.locator('[data-testid="field-card"][data-name="reviewed_on"]')
    card.get_by_test_id("field-title").fill("复核日期")
    card.get_by_test_id("field-kind").select_option("date")
    card.locator('input[type="checkbox"][id$="-required"]').check()
    preview = page.get_by_test_id("form-preview")
    expect(preview.locator('[data-field="reviewed_on"]')).to_be_visible(timeout=EDITOR_TIMEOUT)
    preview.locator('input[name="reviewed_on"]').fill(days_ago(1))
    preview.locator('input[name="reviewed_on"]').press("Tab")
    expect(page.get_by_test_id("example-status")).to_have_text("示例符合表单要求。", timeout=EDITOR_TIMEOUT)
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("save-status")).to_have_class(re.compile("is-ok"), timeout=EDITOR_TIMEOUT)


def test_an_author_builds_checks_runs_and_publishes_a_new_procedure_and_an_officer_opens_a_case_on_it(page):
    log_in(page, "author1")
    draft_id = start_new_procedure(page, PROCESS, TITLE)
    editor_ready(page, 1)

    # the second step, drawn; saved with the diagram before its form is made
    review = draw_second_step(page)
    save(page)
    expect(problems(page)).to_have_count(0)

    # its own form, from the step's link into the form editor
    make_review_form(page, draft_id, review)
    page.goto(f"/workbench/drafts/{draft_id}")
    editor_ready(page)
    select(page, review)
    choose(page, "#prop-form", REVIEW_FORM)

    # problem 1: a deadline typed by hand, anchored on a field no step records
    page.locator('[data-testid="deadline-section"] summary').click()
    page.fill("#prop-deadline", "15 working days from record.visited_on")
    page.press("#prop-deadline", "Tab")
    # problem 2: the law's rule added to the step, its fields not chosen yet
    section = page.get_by_test_id("rules-section")
    expect(section).to_be_visible(timeout=EDITOR_TIMEOUT)
    if section.get_by_test_id("rules-start").count():
        section.get_by_test_id("rules-start").click()
    section.get_by_test_id("rule-add").click()
    section.get_by_test_id("rule-search").fill("dates_in_order")
    section.locator('[data-testid="kind-choice"]:visible').first.click()
    save(page)
    # the deploy's list names both at once: the diagram's problem does not hide the rule's (which is
    # on its binding already, in the section's words)
    listed = problems(page)
    expect(listed).to_have_count(2, timeout=EDITOR_TIMEOUT)
    expect(listed.first).to_contain_text("record.visited_on")
    expect(listed.nth(1)).to_contain_text("rules.json")
    binding = page.locator('[data-testid="rule-binding"][data-kind="dates_in_order"]')
    expect(binding.get_by_test_id("rule-problem")).to_have_count(1, timeout=EDITOR_TIMEOUT)
    screenshot(page, "workbench-new-procedure-01-problems")
    # the deadline's problem is on its element: a click selects it
    listed.first.get_by_test_id("problem").click()
    expect(page.get_by_test_id("selected-id")).to_have_text(review)

    # fixed: the anchor chosen from the earlier step's dates
    choose(page, "#prop-deadline-anchor", "record.recorded_on")
    choose(page, "#prop-deadline-unit", "working_days")
    page.fill("#prop-deadline-amount", "15")
    page.press("#prop-deadline-amount", "Tab")
    expect(page.get_by_test_id("deadline-words")).to_contain_text("自“登记·登记日期”起15个工作日",
                                                                  timeout=EDITOR_TIMEOUT)
    save(page)
    # now the deploy's list names the rule bound without its fields
    expect(listed).to_have_count(1, timeout=EDITOR_TIMEOUT)
    expect(listed.first).to_contain_text("rules.json")
    expect(listed.first).to_contain_text("order")

    # fixed: the rule's pair of dates chosen from the package's fields
    select(page, review)
    binding = page.locator('[data-testid="rule-binding"][data-kind="dates_in_order"]')
    if not binding.get_by_test_id("rule-body").is_visible():
        binding.get_by_test_id("rule-open").click()
    if binding.get_by_test_id("rule-row").count() == 0:
        binding.get_by_test_id("rule-row-add").first.click()
    pair = binding.get_by_test_id("rule-row").last.locator("select")
    pair.nth(0).select_option(f"{PROCESS}_record.recorded_on")  # a rule reads forms, a deadline steps
    pair.nth(1).select_option(f"{REVIEW_FORM}.reviewed_on")
    expect(binding.get_by_test_id("rule-problem")).to_have_count(0, timeout=EDITOR_TIMEOUT)
    save(page)
    expect(problems(page)).to_have_count(0, timeout=EDITOR_TIMEOUT)
    expect(page.locator('[data-testid="problems-panel"] [data-testid="problem-count"]')).to_contain_text(
        "没有问题")
    xml = main_file(page, draft_id, PROCESS)
    assert f'value="{REVIEW_FORM}"' in xml and "15 working days from record.recorded_on" in xml
    rules = api(page, "GET", f"/api/v1/drafts/{draft_id}/file?path=bpmn/{PROCESS}/rules.json")
    assert rules["status"] == 200 and "dates_in_order" in rules["text"] and "reviewed_on" in rules["text"]

    # the test run: the record, then a review dated before it (refused with its article), then in order
    page.get_by_test_id("test-run-link").click()
    start = page.get_by_test_id("start-run-form")
    start.locator("select[name=department]").select_option("market")
    start.get_by_test_id("start-run-submit").click()
    form = page.get_by_test_id("task-form")
    form.locator('input[name="recorded_on"]').fill(days_ago(2))
    form.get_by_test_id("submit").click()
    expect(page.locator('[data-testid="done-step"][data-bpmn-id="record"]')).to_be_visible()
    ready = page.locator(f'[data-testid="ready-step"][data-bpmn-id="{review}"]')
    expect(ready.get_by_test_id("ready-deadline")).to_contain_text("15个工作日")
    form = page.get_by_test_id("task-form")
    form.locator('input[name="reviewed_on"]').fill(days_ago(3))
    form.get_by_test_id("submit").click()
    expect(page.get_by_test_id("form-banner")).to_have_class(re.compile(r"\brefused\b"))
    expect(page.get_by_test_id("refusal-article")).not_to_be_empty()
    form = page.get_by_test_id("task-form")
    form.locator('input[name="reviewed_on"]').fill(days_ago(1))
    form.get_by_test_id("submit").click()
    expect(page.locator(f'[data-testid="done-step"][data-bpmn-id="{review}"]')).to_be_visible()
    screenshot(page, "workbench-new-procedure-02-test-run")

    # publication: asked by the author, approved by a second person after the comparison
    page.goto(f"/workbench/drafts/{draft_id}")
    editor_ready(page)
    page.fill("#submit-note", "新增门店走访登记程序：登记、复核两步，复核期限15个工作日。")
    page.get_by_test_id("submit-draft").click()
    expect(page.get_by_test_id("draft-status")).to_have_class(re.compile("draft-status-submitted"))
    log_in_as(page, "approver1")
    page.goto(f"/workbench/drafts/{draft_id}")
    page.get_by_test_id("review-compare-link").click()
    expect(page).to_have_url(re.compile(rf"/workbench/drafts/{draft_id}/compare$"))
    page.go_back()
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("draft-status")).to_have_class(re.compile("draft-status-published"))
    expect(page.get_by_test_id("published-version-link")).to_be_visible()

    # an officer opens a case on it: its first step, with its form, is in the inbox
    log_in_as(page, "officer1")
    page.goto("/cases/new")
    page.select_option('select[name="procedure"]', PROCESS)
    page.fill('input[name="title"]', "清河路12号门店走访")
    page.fill('input[name="party_name"]', "清河路便利店")
    page.locator('input[name="party_kind"][value="organization"]').check()
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator("body")).to_contain_text("登记")
    screenshot(page, "workbench-new-procedure-03-officer-case")
