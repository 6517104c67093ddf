"""The workbench's form editor ([8/9]) in a real browser on the demo data: author1 makes a form for a
step of a new procedure from the link the diagram's panel gives (`forms/new?step=`), adds a field with
a choice and its Chinese labels and sees the preview (the task page's own form) change, types an
example the form refuses into the preview and sees the server's message beside that field, corrects
it and saves on the revision read; a second window of the same author saving a stale copy is told so
and keeps its form (download it). The form's JSON taken back is checked as JSON first. A reader sees
the form without the editor. axe-core and a 360 px phone on its pages."""
import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, fresh_page, log_in, log_in_as, screenshot
from tests.browser.test_axe import AXE, violations
from tests.browser.test_workbench import api, start_new_procedure

pytestmark = [pytest.mark.xdist_group("browser_workbench")]

TIMEOUT = 20000


def editor_ready(page, revision: int | None = None):
    """The script has started and the server's first check is in."""
    expect(page.get_by_test_id("save")).to_be_enabled(timeout=TIMEOUT)
    expect(page.get_by_test_id("example-status")).not_to_have_text(re.compile("检查中|Checking"), timeout=TIMEOUT)
    expect(page.get_by_test_id("deploy-count")).not_to_have_text(re.compile("检查中|Checking"), timeout=TIMEOUT)
    if revision is not None:
        expect(page.get_by_test_id("draft-revision")).to_have_text(str(revision))


def card(page, name: str):
    return page.locator(f'[data-testid="field-card"][data-name="{name}"]')


def add_field(page, name: str, title: str, kind: str):
    page.get_by_test_id("add-field").click()
    new = page.locator('[data-testid="field-card"]').last
    new.get_by_test_id("field-name").fill(name)
    new.get_by_test_id("field-name").press("Tab")
    expect(card(page, name)).to_be_visible()
    card(page, name).get_by_test_id("field-title").fill(title)
    card(page, name).get_by_test_id("field-kind").select_option(kind)
    return card(page, name)


def stored_form(page, draft_id: int, key: str) -> dict:
    r = api(page, "GET", f"/api/v1/drafts/{draft_id}/forms/{key}")
    assert r["status"] == 200, r
    return json.loads(r["text"])


def test_an_author_adds_a_choice_sees_the_preview_refuses_a_bad_example_saves_and_meets_a_stale_save(
        page, browser, demo_server):
    log_in(page, "author1")
    draft_id = start_new_procedure(page, "wbf_check", "表单编辑检查")
    # the draft's page links to its forms; the diagram's panel links to a new form for a step
    expect(page.get_by_test_id("draft-forms-link")).to_have_text(re.compile("1"))
    page.goto(f"/workbench/drafts/{draft_id}/forms/new?step=record")
    expect(page.locator("#new-form-key")).to_have_value("wbf_check_record_2")  # the step's own key is taken
    expect(page.locator("#new-form-title")).to_have_value("登记")
    expect(page.get_by_test_id("new-form-step")).to_contain_text("record")
    page.fill("#new-form-key", "wbf_check_visit")
    page.fill("#new-form-title", "现场走访")
    screenshot(page, "workbench-forms-01-new")
    page.get_by_test_id("form-create").click()
    expect(page).to_have_url(re.compile(r"/forms/wbf_check_visit\?step=record$"))
    expect(page.locator(".flash.success")).to_contain_text("record")
    expect(page.get_by_test_id("choose-on-step")).to_contain_text("record")
    editor_ready(page, 2)
    expect(page.get_by_test_id("preview-empty")).to_be_visible()

    # a field with a choice and its Chinese labels: the preview is the task page's radio buttons
    result = add_field(page, "result", "走访结果", "choice")
    choice = result.get_by_test_id("choice")
    expect(choice).to_have_count(1)
    choice.first.get_by_test_id("choice-value").fill("passed")
    choice.first.get_by_test_id("choice-label").fill("合格")
    result.get_by_test_id("add-choice").click()
    expect(choice).to_have_count(2)
    choice.nth(1).get_by_test_id("choice-value").fill("failed")
    choice.nth(1).get_by_test_id("choice-label").fill("不合格")
    choice.nth(1).get_by_test_id("choice-label-en").fill("Failed")
    choice.first.get_by_test_id("choice-label-en").fill("Passed")
    result.get_by_label("必填").check()
    preview = page.get_by_test_id("form-preview")
    field = preview.locator('[data-field="result"]')
    expect(field.locator('input[type="radio"]')).to_have_count(2)
    expect(field).to_contain_text("合格")
    expect(field).to_contain_text("不合格")
    expect(field.locator("legend")).to_contain_text("走访结果")
    # required, and the example (empty) has no result: said beside the field
    expect(preview.get_by_test_id("error-result")).to_contain_text("此项为必填项")
    expect(result.get_by_test_id("field-problems")).to_have_count(1)
    expect(result.get_by_test_id("field-flag")).to_be_hidden()  # no problem of the form itself

    # a number with a maximum; the example typed into the preview: refused beside its field
    fine = add_field(page, "fine", "罚款金额（元）", "number")
    fine.get_by_label("最大值").fill("1000")
    fine_input = preview.locator("#f-fine")
    expect(fine_input).to_have_attribute("max", "1000")
    fine_input.fill("5000")
    expect(preview.get_by_test_id("error-fine")).to_contain_text("1000")
    expect(page.get_by_test_id("example-status")).to_contain_text("2")
    expect(fine_input).to_be_focused()  # redrawn as it was typed into, the cursor kept
    screenshot(page, "workbench-forms-02-example-refused")
    preview.get_by_label("合格", exact=True).check()
    fine_input.fill("500")
    expect(preview.get_by_test_id("error-fine")).to_have_count(0)
    expect(preview.get_by_test_id("error-result")).to_have_count(0)
    expect(page.get_by_test_id("example-status")).to_have_text("示例符合表单要求。")

    # moved up, then saved on the revision read
    fine.get_by_test_id("field-up").click()
    expect(page.locator('[data-testid="field-card"]').first).to_have_attribute("data-name", "fine")
    expect(preview.locator("[data-field]").first).to_have_attribute("data-field", "fine")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("draft-revision")).to_have_text("3")
    expect(page.get_by_test_id("save-status")).to_contain_text("3")
    expect(page.get_by_test_id("deploy-count")).to_have_text("部署检查未发现此表单的问题。")
    form = stored_form(page, draft_id, "wbf_check_visit")
    schema = form["schema"]
    assert list(schema["properties"]) == ["fine", "result"]
    assert schema["properties"]["result"] == {"type": "string", "enum": ["passed", "failed"],
                                              "x-enum-labels": ["合格", "不合格"],
                                              "x-enum-labels-en": ["Passed", "Failed"], "title": "走访结果"}
    assert schema["properties"]["fine"]["maximum"] == 1000 and schema["required"] == ["result"]
    assert schema["examples"] == [{"fine": 500, "result": "passed"}]
    screenshot(page, "workbench-forms-03-saved")

    # a second window of the same author, opened on revision 3
    with fresh_page(browser, demo_server, viewport={"width": 1280, "height": 900}) as other:
        log_in(other, "author1")
        other.goto(f"/workbench/drafts/{draft_id}/forms/wbf_check_visit")
        editor_ready(other, 3)
        # the first window saves first
        page.get_by_test_id("form-title").fill("现场走访记录")
        page.get_by_test_id("save").click()
        expect(page.get_by_test_id("draft-revision")).to_have_text("4")
        # the second saves its stale copy: refused, its form kept on the screen
        card(other, "result").locator("summary").click()
        card(other, "result").get_by_test_id("field-title").fill("第二个窗口的标题")
        other.get_by_test_id("save").click()
        expect(other.get_by_test_id("conflict")).to_be_visible()
        expect(other.get_by_test_id("conflict-message")).to_contain_text("4")
        expect(other.get_by_test_id("draft-revision")).to_have_text("3")
        expect(card(other, "result").get_by_test_id("field-title")).to_have_value("第二个窗口的标题")
        screenshot(other, "workbench-forms-04-conflict")
        with other.expect_download() as download:
            other.get_by_test_id("download-mine").click()
        mine = json.loads(open(download.value.path(), encoding="utf-8").read())
        assert mine["properties"]["result"]["title"] == "第二个窗口的标题" and mine["title"] == "现场走访"
        stored = stored_form(other, draft_id, "wbf_check_visit")["schema"]
        assert stored["title"] == "现场走访记录" and stored["properties"]["result"]["title"] == "走访结果"
        other.console_errors[:] = [e for e in other.console_errors if "status of 412" not in e]
        other.on("dialog", lambda dialog: dialog.accept())  # leaving with unsaved changes

    # the JSON view: taken back only as JSON, then into the editor (what it does not show is kept)
    text = page.get_by_test_id("json-text")
    text.fill('{"title": ')
    page.get_by_test_id("json-apply").click()
    expect(page.get_by_test_id("error-schema")).to_contain_text("JSON")
    edited = {**stored_form(page, draft_id, "wbf_check_visit")["schema"], "x-kept": {"a": [1, 2]}}
    edited["properties"]["result"]["x-enum-labels"] = ["合格", "不合格"]
    text.fill(json.dumps(edited, ensure_ascii=False))
    page.get_by_test_id("json-save").click()
    expect(page.get_by_test_id("draft-revision")).to_have_text("5")
    assert stored_form(page, draft_id, "wbf_check_visit")["schema"]["x-kept"] == {"a": [1, 2]}
    page.on("dialog", lambda dialog: dialog.accept())


def test_a_shipped_form_opened_and_saved_keeps_every_part_the_editor_does_not_model(page):
    """The 当场处罚决定 form of the deployed 简易程序 (conditions in allOf, x-decision, x-printed-number,
    x-prefill, a list of choices): drawn in the editor's cards, changed and changed back, saved: the
    same JSON, in the same order."""
    log_in(page, "author1")
    form = page.get_by_test_id("draft-from-version")
    value = form.locator("option", has_text="(summary_penalty v").first.get_attribute("value")
    form.locator("select").select_option(value)
    form.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/workbench/drafts/\d+$"))
    draft_id = int(re.search(r"/workbench/drafts/(\d+)", page.url)[1])
    before = stored_form(page, draft_id, "summary_decision")["schema"]
    page.goto(f"/workbench/drafts/{draft_id}/forms/summary_decision")
    editor_ready(page, 1)
    expect(page.locator('[data-testid="field-card"]')).to_have_count(len(before["properties"]))
    expect(card(page, "penalty_kinds").locator("summary")).to_contain_text("多选")
    expect(card(page, "decision_number").locator("summary")).to_contain_text("文本")
    card(page, "penalty_kinds").locator("summary").click()
    title = card(page, "penalty_kinds").get_by_test_id("field-title")
    original = title.input_value()
    title.fill("改一下")
    expect(page.get_by_test_id("form-preview").locator('[data-field="penalty_kinds"] legend')).to_contain_text("改一下")
    title.fill(original)
    expect(page.get_by_test_id("form-preview").locator('[data-field="penalty_kinds"] legend')).not_to_contain_text("改一下")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("save-status")).to_contain_text(re.compile("已保存|没有修改"))
    expect(page.get_by_test_id("draft-revision")).to_have_text("1")  # byte for byte the file it was
    after = stored_form(page, draft_id, "summary_decision")["schema"]
    assert json.dumps(after, ensure_ascii=False) == json.dumps(before, ensure_ascii=False)
    expect(page.get_by_test_id("deploy-count")).to_have_text("部署检查未发现此表单的问题。")


def test_a_reader_sees_the_form_without_the_editor(page):
    log_in(page, "author1")
    draft_id = start_new_procedure(page, "wbf_read", "表单只读检查")
    log_in_as(page, "approver1")
    page.goto(f"/workbench/drafts/{draft_id}/forms")
    expect(page.get_by_test_id("forms-read-only")).to_be_visible()
    page.get_by_test_id("form-link").first.click()
    expect(page.get_by_test_id("form-preview").locator('[data-field="summary"]')).to_be_visible()
    expect(page.get_by_test_id("form-editor")).to_have_count(0)
    expect(page.get_by_test_id("json-text")).to_have_attribute("readonly", "")


@pytest.fixture
def axe_page(browser, demo_server):
    with fresh_page(browser, demo_server, viewport={"width": 1280, "height": 900}, bypass_csp=True) as page:
        yield page


def test_the_form_pages_have_no_wcag_21_aa_violation_and_fit_a_phone(axe_page, browser, demo_server):
    page = axe_page
    assert AXE.exists(), "axe-core is installed by `make assets` (npm ci)"
    log_in(page, "author1")
    draft_id = start_new_procedure(page, "wbf_axe", "表单无障碍检查")
    problems = {}
    forms_url = f"/workbench/drafts/{draft_id}/forms"
    editor_url = f"{forms_url}/wbf_axe_record"
    for url in (forms_url, f"{forms_url}/new?step=record", editor_url):
        page.goto(url)
        if url == editor_url:
            editor_ready(page)
            add_field(page, "kind", "类别", "choices")
            card(page, "kind").get_by_test_id("add-source").click()
            card(page, "summary").locator("summary").click()
            expect(page.get_by_test_id("form-preview").locator('[data-field="kind"]')).to_be_visible()
        found = violations(page)
        if found:
            problems[url] = found
    screenshot(page, "workbench-forms-05-editor")
    assert problems == {}, problems
    page.on("dialog", lambda dialog: dialog.accept())

    with fresh_page(browser, demo_server, viewport=PHONE, device_scale_factor=2, is_mobile=True,
                    has_touch=True) as phone:
        log_in(phone, "author1")
        for url, name in ((forms_url, "list"), (editor_url, "editor")):
            phone.goto(url)
            if url == editor_url:
                editor_ready(phone)
                card(phone, "summary").locator("summary").click()
                add_field(phone, "result", "结果", "choice")
            assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
            screenshot(phone, f"workbench-forms-06-phone-{name}")
        phone.on("dialog", lambda dialog: dialog.accept())
