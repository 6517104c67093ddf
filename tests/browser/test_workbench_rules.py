"""The rule bindings in the workbench's properties panel ([8/9], static/workbench-rules.js) in a real
browser on the demo data: author1 opens a draft of the summary procedure, selects its decision step
and sees the rule kinds bound to its form by their Chinese names (English second) with their
articles; changes a parameter to another field (and undoes it, then changes it again), adds a kind
from the law's list, removes one, saves with the diagram and finds rules.json so through the API,
every other part of the file as it was. A binding to a field of the wrong type is shown on its rule
before saving (the deploy's check, run by the server) and in the problems list after. A draft
without a rules file, or with one that is not JSON, says so and offers an empty one. At 360 px, and
axe-core finds no violation."""
import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, fresh_page, log_in, screenshot
from tests.browser.test_axe import AXE, violations
from tests.browser.test_workbench import (
    EDITOR_TIMEOUT,
    api,
    draft_id_of,
    editor_ready,
    select,
    start_new_procedure,
)

pytestmark = [pytest.mark.xdist_group("browser_workbench")]

RULES = "bpmn/summary_penalty/rules.json"


def summary_draft(page, process_id: str = "summary_penalty") -> int:
    """A new draft of the deployed summary procedure (or another), its editor ready."""
    page.goto("/workbench")
    form = page.get_by_test_id("draft-from-version")
    value = form.locator("option", has_text=f"({process_id} v").first.get_attribute("value")
    form.locator("select").select_option(value)
    form.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/workbench/drafts/\d+$"))
    editor_ready(page, 1)
    return draft_id_of(page)


def rules_file(page, draft_id: int, path: str = RULES):
    r = api(page, "GET", f"/api/v1/drafts/{draft_id}/file?path={path}")
    return json.loads(r["text"]) if r["status"] == 200 else None


def binding(page, kind: str):
    return page.locator(f'[data-testid="rule-binding"][data-kind="{kind}"]')


def save_all(page) -> int:
    """The page's Save (the diagram, then the rules file, each on the revision the one before left):
    the draft's revision after it."""
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("save-status")).to_have_class(re.compile("is-ok"), timeout=EDITOR_TIMEOUT)
    editor_ready(page)
    return int(page.get_by_test_id("draft-revision").inner_text())


def checked(page):
    """The section's check has answered (the deploy's check of the rules the page holds)."""
    expect(page.get_by_test_id("rules-status")).not_to_have_text(re.compile(r"^$|Checking|正在"), timeout=EDITOR_TIMEOUT)


def test_an_author_changes_adds_and_removes_the_rules_of_the_summary_decision_and_saves_them(page):
    log_in(page, "author1")
    draft_id = summary_draft(page)
    before = rules_file(page, draft_id)
    on_decision = [b["kind"] for b in before["rules"] if "summary_decision" in b["on"]]

    select(page, "decide")
    section = page.get_by_test_id("rules-section")
    expect(section.get_by_test_id("rule-binding")).to_have_count(len(on_decision))
    checked(page)
    limit = binding(page, "summary_within_limit")
    expect(limit.get_by_test_id("rule-name")).to_have_text("当场处罚不超过限额")
    expect(limit.get_by_test_id("rule-name-other")).to_have_text("Summary decision within its limit")
    expect(limit.get_by_test_id("rule-article")).to_have_text("《行政处罚法》第51条")
    expect(limit.get_by_test_id("rule-effect")).to_have_text(re.compile("拒绝该步骤|Refuses the step"))
    expect(binding(page, "heavier_after_defence").get_by_test_id("rule-name")).to_have_text("不因陈述申辩加重处罚")
    expect(section.get_by_test_id("rule-problem")).to_have_count(0)
    # its settings are folded until asked for
    fine = limit.locator('select[data-param="fine"]')
    expect(fine).to_be_hidden()
    limit.get_by_test_id("rule-open").click()
    # a field parameter names the field by its form's title and its own
    expect(fine).to_have_value("summary_decision.fine_amount")
    expect(limit.locator('[data-param="fine"] .hint').first).to_contain_text("当场处罚决定 › 罚款金额")
    # what the kind and each parameter are, in Chinese (oversight/step_rules/words_zh.json)
    expect(limit.locator(".rule-doc")).to_contain_text("当场作出的处罚决定为警告")
    expect(limit.locator(".rule-doc")).to_have_attribute("lang", "zh-CN")
    expect(limit.locator('[data-param="person_limit"] .hint[lang="zh-CN"]')).to_contain_text("对个人的最高罚款数额")
    # a choice parameter chooses among the choices of the field its kinds parameter names
    allowed = limit.locator('fieldset[data-param="allowed_kinds"] input[type="checkbox"]')
    expect(allowed).to_have_count(2)
    expect(limit.locator('input[data-param="person_limit"]')).to_have_attribute("placeholder", "200")
    screenshot(page, "workbench-rules-01-decision")

    # a parameter changed to another field, undone, changed again
    fine.select_option("summary_notice.notified_fine")
    expect(limit.get_by_test_id("rule-change")).to_be_visible()
    expect(page.get_by_test_id("save-status")).to_have_class(re.compile("is-warn"))
    limit.get_by_test_id("rule-revert").click()
    expect(limit.locator('select[data-param="fine"]')).to_have_value("summary_decision.fine_amount")
    expect(limit.get_by_test_id("rule-change")).to_be_hidden()
    limit.locator('select[data-param="fine"]').select_option("summary_notice.notified_fine")
    expect(limit.locator('[data-param="fine"] .hint').first).to_contain_text("当场告知")

    # a kind added from the law's list, found by its Chinese name
    section.get_by_test_id("rule-add").click()
    expect(section.get_by_test_id("rule-chooser")).to_be_visible()
    section.get_by_test_id("rule-search").fill("个人号码")
    choice = section.locator('[data-testid="kind-choice"]:visible')
    expect(choice).to_have_count(1)
    expect(choice).to_contain_text("公开内容不含个人号码")
    screenshot(page, "workbench-rules-02-chooser")
    choice.click()
    added = binding(page, "no_personal_numbers_disclosed")
    expect(added).to_have_count(1)
    # its required parameter unset: the deploy's check says so on it before Save
    expect(added.get_by_test_id("rule-problem")).to_contain_text("text", timeout=EDITOR_TIMEOUT)
    added.locator('select[data-param="text"]').select_option("summary_decision.legal_basis")
    expect(added.get_by_test_id("rule-problem")).to_have_count(0, timeout=EDITOR_TIMEOUT)

    # one removed (and restored, and removed again)
    binding(page, "remedies_named_as_registered").get_by_test_id("rule-remove").click()
    expect(binding(page, "remedies_named_as_registered")).to_have_count(0)
    section.get_by_test_id("rule-restore").click()
    expect(binding(page, "remedies_named_as_registered")).to_have_count(1)
    binding(page, "remedies_named_as_registered").get_by_test_id("rule-remove").click()
    expect(section.get_by_test_id("rule-binding")).to_have_count(len(on_decision))
    checked(page)
    expect(section.get_by_test_id("rule-problem")).to_have_count(0)

    assert save_all(page) > 1
    expect(page.locator('[data-testid="problems-panel"] [data-testid="problems"] li')).to_have_count(0)
    after = rules_file(page, draft_id)
    assert {k: v for k, v in after.items() if k != "rules"} == {k: v for k, v in before.items() if k != "rules"}
    limit_before = next(b for b in before["rules"] if b["kind"] == "summary_within_limit" and b["on"] == ["summary_decision"])
    limit_after = next(b for b in after["rules"] if b["kind"] == "summary_within_limit" and b["on"] == ["summary_decision"])
    assert limit_after == {**limit_before, "params": {**limit_before["params"], "fine": "summary_notice.notified_fine"}}
    assert [b for b in after["rules"] if b["kind"] == "summary_within_limit" and b != limit_after] == [
        b for b in before["rules"] if b["kind"] == "summary_within_limit" and b != limit_before]
    assert [b for b in after["rules"] if b["kind"] == "no_personal_numbers_disclosed"] == [
        {"kind": "no_personal_numbers_disclosed", "on": ["summary_decision"],
         "params": {"text": "summary_decision.legal_basis"}}]
    assert not [b for b in after["rules"] if b["kind"] == "remedies_named_as_registered"]
    untouched = [b for b in before["rules"] if b not in (limit_before,) and b["kind"] != "remedies_named_as_registered"]
    assert [b for b in after["rules"] if b != limit_after and b["kind"] != "no_personal_numbers_disclosed"] == untouched
    # saved: nothing left to undo, the changes are the draft's
    expect(binding(page, "no_personal_numbers_disclosed").get_by_test_id("rule-change")).to_be_hidden()


def test_a_binding_to_a_field_of_the_wrong_type_is_a_problem_before_and_after_saving(page):
    log_in(page, "author1")
    draft_id = summary_draft(page)
    rules = rules_file(page, draft_id)
    at = next(i for i, b in enumerate(rules["rules"]) if b["kind"] == "heavier_after_defence")
    rules["rules"][at]["params"]["decided_fine"] = "summary_decision.decided_on"  # a date, not a number
    rules["rules"].append({"kind": "no_such_kind", "on": ["summary_decision"], "params": {"x": 1}})
    saved = api(page, "PUT", f"/api/v1/drafts/{draft_id}/file",
                {"path": RULES, "content": json.dumps(rules, ensure_ascii=False, indent=2)}, revision=1)
    assert saved["status"] == 200, saved
    page.reload()
    editor_ready(page, 2)
    listed = page.locator('[data-testid="problems-panel"] [data-testid="problems"] li')
    expect(listed).to_have_count(2)
    expect(listed.first).to_contain_text("decided_fine")
    expect(listed.first).to_contain_text("summary_decision.decided_on")
    expect(listed.last).to_contain_text("no_such_kind")

    select(page, "decide")
    heavier = binding(page, "heavier_after_defence")
    expect(heavier.get_by_test_id("rule-problem")).to_have_count(1, timeout=EDITOR_TIMEOUT)
    expect(heavier.get_by_test_id("rule-problem")).to_contain_text("summary_decision.decided_on")
    wrong = heavier.locator('select[data-param="decided_fine"]')
    expect(wrong).to_have_attribute("aria-invalid", "true")
    expect(wrong).to_have_value("summary_decision.decided_on")  # kept, named as not fitting
    # the step's rules with problems are named at the top of the section, a click away
    jumps = page.get_by_test_id("rules-jumps").locator("button")
    expect(jumps).to_have_count(2)
    jumps.first.click()
    expect(heavier.locator("h5")).to_be_focused()
    expect(jumps.first).to_have_text("不因陈述申辩加重处罚")
    screenshot(page, "workbench-rules-03-wrong-type")
    # a kind the law's list does not have: said on it, removed
    unknown = binding(page, "no_such_kind")
    expect(unknown.get_by_test_id("rule-problem")).to_contain_text("no_such_kind")
    unknown.get_by_test_id("rule-remove").click()
    expect(unknown).to_have_count(0)
    wrong.select_option("summary_decision.fine_amount")
    expect(heavier.get_by_test_id("rule-problem")).to_have_count(0, timeout=EDITOR_TIMEOUT)
    expect(heavier.locator('select[data-param="decided_fine"]')).not_to_have_attribute("aria-invalid", "true")
    save_all(page)
    expect(listed).to_have_count(0)
    assert rules_file(page, draft_id)["rules"][at]["params"]["decided_fine"] == "summary_decision.fine_amount"


def pick(page, element_id: str):
    """The element selected as a click on it would (a large diagram's shapes are small)."""
    page.evaluate("""id => { const m = ZhifaWorkbench.modeler();
                             m.get('selection').select(m.get('elementRegistry').get(id)); }""", element_id)
    expect(page.get_by_test_id("selected-id")).to_have_text(element_id)


def test_the_general_procedures_other_parts_are_shown_edited_where_they_concern_the_step_and_kept(page):
    """rules.json holds more than bindings (oversight/bindings.py): the execution's act dates (one under
    a condition, shown in words and kept) gain a field; the filed milestone's legal date is chosen on
    its event; the clock, the overdue alert's conditions, $comment and every binding stay as they were."""
    log_in(page, "author1")
    draft_id = summary_draft(page, "general_penalty")
    path = "bpmn/general_penalty/rules.json"
    before = rules_file(page, draft_id, path)
    pick(page, "execution")
    section = page.get_by_test_id("rules-section")
    expect(section.get_by_test_id("rule-binding")).to_have_count(
        len([b for b in before["rules"] if "execution" in b["on"]]), timeout=EDITOR_TIMEOUT)
    checked(page)
    expect(section.get_by_test_id("rule-problem")).to_have_count(0)
    expect(binding(page, "execution_power_held").get_by_test_id("rule-name")).to_have_text("具有强制执行权方可自行执行")
    unless = section.get_by_test_id("rules-unless").locator("li")
    expect(unless).to_have_count(2)
    expect(unless.first).to_contain_text("penalty_decision.penalty_kinds")
    act = section.get_by_test_id("rules-act-dates")
    expect(act.get_by_test_id("rule-row")).to_have_count(1)
    expect(act.get_by_test_id("rule-row")).to_contain_text("execution.paid_on")
    expect(act.get_by_test_id("rule-row")).to_contain_text("execution.outcome")
    act.get_by_test_id("rule-row-add").click()
    act.locator("select").last.select_option("court_applied_on")
    expect(act.get_by_test_id("rule-row")).to_have_count(2)
    screenshot(page, "workbench-rules-05-general-execution")

    pick(page, "ev_filed")
    milestone = section.get_by_test_id("rules-milestone-date")
    expect(milestone).to_have_value("filing_approval.filed_on")
    milestone.select_option("clue_intake.received_on")
    save_all(page)
    expect(page.locator('[data-testid="problems-panel"] [data-testid="problems"] li')).to_have_count(0)
    after = rules_file(page, draft_id, path)
    assert after["act_dates"]["execution"] == [*before["act_dates"]["execution"], "court_applied_on"]
    assert after["milestone_dates"] == {"filed": "clue_intake.received_on"}
    for key in before:
        if key not in ("act_dates", "milestone_dates"):
            assert after[key] == before[key], key
    assert {k: v for k, v in after["act_dates"].items() if k != "execution"} == {
        k: v for k, v in before["act_dates"].items() if k != "execution"}


def test_a_draft_without_a_rules_file_or_with_one_not_json_is_offered_an_empty_one(page):
    log_in(page, "author1")
    draft_id = start_new_procedure(page, "wb_rules", "规则绑定检查")
    editor_ready(page, 1)
    select(page, "record")
    section = page.get_by_test_id("rules-section")
    expect(section.get_by_test_id("rules-file-state")).to_contain_text("bpmn/wb_rules/rules.json")
    section.get_by_test_id("rules-start").click()
    expect(section.get_by_test_id("rules-none")).to_be_visible()
    section.get_by_test_id("rule-add").click()
    section.get_by_test_id("rule-search").fill("PERSONAL_INFO")
    section.locator('[data-testid="kind-choice"]:visible').click()
    added = binding(page, "no_personal_numbers_disclosed")
    added.locator('select[data-param="text"]').select_option("wb_rules_record.summary")
    revision = save_all(page)
    assert rules_file(page, draft_id, "bpmn/wb_rules/rules.json") == {"rules": [
        {"kind": "no_personal_numbers_disclosed", "on": ["wb_rules_record"], "params": {"text": "wb_rules_record.summary"}}]}

    # a rules file that is not JSON: said, never a script error; replaced by an empty one on request
    put = api(page, "PUT", f"/api/v1/drafts/{draft_id}/file", {"path": "bpmn/wb_rules/rules.json",
                                                               "content": "{\"rules\": [oops"}, revision=revision)
    assert put["status"] == 200, put
    page.reload()
    editor_ready(page, revision + 1)
    select(page, "record")
    expect(section.get_by_test_id("rules-file-state")).to_be_visible()
    expect(page.locator('[data-testid="problems-panel"] [data-testid="problems"] li')).to_contain_text("JSON")
    section.get_by_test_id("rules-start").click()
    save_all(page)
    assert rules_file(page, draft_id, "bpmn/wb_rules/rules.json") == {"rules": []}


@pytest.fixture
def axe_phone(browser, demo_server):
    with fresh_page(browser, demo_server, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                    bypass_csp=True) as page:
        yield page


def test_the_rules_section_works_at_360_px_and_has_no_wcag_21_aa_violation(axe_phone):
    page = axe_phone
    assert AXE.exists(), "axe-core is installed by `make assets` (npm ci)"
    log_in(page, "author1")
    summary_draft(page)
    pick(page, "decide")  # on a phone's small canvas, as a click on it would
    section = page.get_by_test_id("rules-section")
    expect(section.get_by_test_id("rule-binding").first).to_be_visible()
    checked(page)
    binding(page, "summary_within_limit").get_by_test_id("rule-open").click()
    binding(page, "dates_in_order").get_by_test_id("rule-open").click()
    binding(page, "dates_in_order").locator("details.rule-fold > summary").click()
    section.get_by_test_id("rule-add").click()
    section.get_by_test_id("rule-search").fill("51")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, width  # nothing wider than the phone
    box = section.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    screenshot(page, "workbench-rules-04-phone")
    found = violations(page)
    assert found == [], found
