"""The procedure workbench ([8/9]) in a real browser on the demo data: author1 starts a new procedure,
edits its step in the bpmn-js Modeler with the workbench's own properties panel (name, form; undo and
redo by the buttons and the keyboard), saves on the revision it read; a second window of the same
author saving a stale copy is told so and keeps its diagram (download it, reload); a lane whose role
does not exist is shown on the element and in the problems list, a click selecting it; the author
submits, approver1 returns it with a reason the author then reads, the author corrects and submits
again, approver1 approves it and follows the link to the new version. And axe-core on its pages."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import fresh_page, log_in, log_in_as, screenshot
from tests.browser.test_axe import AXE, violations

pytestmark = [pytest.mark.xdist_group("browser_workbench")]

EDITOR_TIMEOUT = 20000


def api(page, method: str, url: str, body: dict | None = None, revision: int | None = None) -> dict:
    """The JSON API from inside the page, on its login session (the CSRF token of the page's meta)."""
    return page.evaluate("""async ([method, url, body, revision]) => {
        const headers = {'X-CSRFToken': document.querySelector('meta[name="csrf-token"]').content};
        if (body) { headers['Content-Type'] = 'application/json'; }
        if (revision) { headers['If-Match'] = `"draft-r${revision}"`; }
        const r = await fetch(url, {method, headers, credentials: 'same-origin',
                                    body: body ? JSON.stringify(body) : undefined});
        const text = await r.text();
        return {status: r.status, text};
    }""", [method, url, body, revision])


def draft_id_of(page) -> int:
    return int(re.search(r"/workbench/drafts/(\d+)", page.url)[1])


def main_file(page, draft_id: int, process_id: str) -> str:
    r = api(page, "GET", f"/api/v1/drafts/{draft_id}/file?path=bpmn/{process_id}/{process_id}.bpmn")
    assert r["status"] == 200, r
    return r["text"]


def editor_ready(page, revision: int | None = None):
    expect(page.get_by_test_id("save")).to_be_enabled(timeout=EDITOR_TIMEOUT)
    expect(page.locator('[data-testid="problems-panel"] [data-testid="problem-count"]')).not_to_have_text(
        re.compile("Checking|检查中"), timeout=EDITOR_TIMEOUT)
    if revision is not None:
        expect(page.get_by_test_id("draft-revision")).to_have_text(str(revision))


def shape(page, element_id: str):
    return page.locator(f'[data-testid="modeler"] .djs-element.djs-shape[data-element-id="{element_id}"]')


def select(page, element_id: str):
    """A click on the element in the modeler selects it (the panel then shows its properties); a
    click on the element already selected would deselect it."""
    if "selected" not in (shape(page, element_id).get_attribute("class") or "").split():
        shape(page, element_id).locator(".djs-hit").first.click()
    expect(page.get_by_test_id("selected-id")).to_have_text(element_id)


def start_new_procedure(page, process_id: str, title: str) -> int:
    page.goto("/workbench")
    form = page.get_by_test_id("draft-new")
    form.locator('input[name="process_id"]').fill(process_id)
    form.locator('input[name="title"]').fill(title)
    form.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/workbench/drafts/\d+$"))
    return draft_id_of(page)


def test_an_author_edits_saves_meets_a_stale_save_and_an_approver_returns_then_approves(page, browser, demo_server):
    log_in(page, "author1")
    expect(page).to_have_url(re.compile(r"/workbench$"))
    expect(page.get_by_test_id("nav-workbench")).to_have_attribute("aria-current", "page")
    draft_id = start_new_procedure(page, "wb_check", "工作台检查登记")
    expect(page.get_by_test_id("draft-status")).to_have_class(re.compile("draft-status-editing"))
    editor_ready(page, 1)

    # a second form for the step to choose (the API, as a form editor would)
    form = api(page, "GET", f"/api/v1/drafts/{draft_id}/file?path=forms/wb_check/wb_check_record.schema.json")
    visit = form["text"].replace("wb_check_record", "wb_check_visit").replace('"登记"', '"走访"')
    added = api(page, "PUT", f"/api/v1/drafts/{draft_id}/file", {
        "path": "forms/wb_check/wb_check_visit.schema.json", "content": visit}, revision=1)
    assert added["status"] == 200, added
    page.reload()
    editor_ready(page, 2)
    expect(page.locator('[data-testid="problems-panel"] [data-testid="problem"]')).to_have_count(0)

    # the step renamed and given the other form in the panel
    select(page, "record")
    page.fill("#prop-name", "现场检查登记")
    page.press("#prop-name", "Tab")
    expect(shape(page, "record")).to_contain_text("现场检查登记")
    page.select_option("#prop-form", "wb_check_visit")
    page.locator("#prop-form").blur()
    # undo and redo by the buttons: the form goes back, then forth
    page.get_by_test_id("undo").click()
    select(page, "record")
    expect(page.locator("#prop-form")).to_have_value("wb_check_record")
    page.get_by_test_id("redo").click()
    select(page, "record")
    expect(page.locator("#prop-form")).to_have_value("wb_check_visit")
    # and by the keyboard, on the canvas
    page.locator('[data-testid="modeler"] svg[role="application"]').focus()
    page.keyboard.press("Control+z")
    expect(page.locator("#prop-form")).to_have_value("wb_check_record")
    page.keyboard.press("Control+y")
    expect(page.locator("#prop-form")).to_have_value("wb_check_visit")
    screenshot(page, "workbench-01-panel")

    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("draft-revision")).to_have_text("3")
    expect(page.get_by_test_id("save-status")).to_contain_text("3")
    xml = main_file(page, draft_id, "wb_check")
    assert 'name="现场检查登记"' in xml
    assert re.search(r'<spiffworkflow:property name="formKey" value="wb_check_visit"\s*/>', xml), xml
    assert "<bpmndi:BPMNShape" in xml  # the layout is saved with it

    # a second window of the same author, opened on revision 3
    with fresh_page(browser, demo_server, viewport={"width": 1280, "height": 900}) as other:
        log_in(other, "author1")
        other.goto(f"/workbench/drafts/{draft_id}")
        editor_ready(other, 3)
        # the first window saves first
        select(page, "record")
        page.fill("#prop-name", "现场检查登记甲")
        page.press("#prop-name", "Tab")
        page.get_by_test_id("save").click()
        expect(page.get_by_test_id("draft-revision")).to_have_text("4")
        # the second saves its stale copy: refused, its diagram kept
        select(other, "record")
        other.fill("#prop-name", "第二个窗口的名称")
        other.press("#prop-name", "Tab")
        other.get_by_test_id("save").click()
        conflict = other.get_by_test_id("conflict")
        expect(conflict).to_be_visible()
        expect(other.get_by_test_id("conflict-message")).to_contain_text("4")
        expect(shape(other, "record")).to_contain_text("第二个窗口的名称")
        expect(other.get_by_test_id("draft-revision")).to_have_text("3")
        screenshot(other, "workbench-02-conflict")
        with other.expect_download() as download:
            other.get_by_test_id("download-mine").click()
        mine = open(download.value.path(), encoding="utf-8").read()
        assert 'name="第二个窗口的名称"' in mine and "wb_check_visit" in mine
        assert 'name="现场检查登记甲"' in main_file(other, draft_id, "wb_check")  # nothing of it was saved
        other.get_by_test_id("reload").click()
        expect(shape(other, "record")).to_contain_text("现场检查登记甲")
        expect(conflict).to_be_hidden()
        expect(other.get_by_test_id("draft-revision")).to_have_text("4")
        other.console_errors[:] = [e for e in other.console_errors if "status of 412" not in e]

    # a lane whose role does not exist: on the element, in the list; a click selects it
    bad = main_file(page, draft_id, "wb_check").replace('name="officer"', 'name="nobody_holds_this"')
    assert api(page, "PUT", f"/api/v1/drafts/{draft_id}/file", {
        "path": "bpmn/wb_check/wb_check.bpmn", "content": bad}, revision=4)["status"] == 200
    page.reload()
    editor_ready(page, 5)
    problem = page.locator('[data-testid="problems-panel"] [data-testid="problem"]')
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("nobody_holds_this")
    lane = shape(page, "lane_officer")
    expect(lane).to_have_class(re.compile("has-problem"))
    expect(page.locator('[data-testid="modeler"] [data-testid="problem-badge"]')).to_have_count(1)
    problem.click()
    expect(lane).to_have_class(re.compile(r"\bselected\b"))
    expect(page.get_by_test_id("selected-id")).to_have_text("lane_officer")
    expect(page.locator("#prop-role")).to_have_value("")
    screenshot(page, "workbench-03-problem")
    # submitting it is refused while the problem stands
    page.get_by_test_id("submit-draft").click()
    expect(page.locator(".flash.error")).to_be_visible()
    editor_ready(page, 5)
    # the role chosen in the panel: the problem goes
    page.locator('[data-testid="problems-panel"] [data-testid="problem"]').click()
    page.select_option("#prop-role", "officer")
    page.locator("#prop-role").blur()
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("draft-revision")).to_have_text("6")
    expect(page.locator('[data-testid="problems-panel"] [data-testid="problem"]')).to_have_count(0)
    expect(lane).not_to_have_class(re.compile("has-problem"))
    assert 'name="执法人员"' in main_file(page, draft_id, "wb_check")

    page.fill("#submit-note", "新增现场检查登记程序")
    page.get_by_test_id("submit-draft").click()
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.get_by_test_id("draft-status")).to_have_class(re.compile("draft-status-submitted"))
    expect(page.get_by_test_id("workbench")).to_have_count(0)  # frozen: read only

    # the approver returns it with a reason
    log_in_as(page, "approver1")
    expect(page).to_have_url(re.compile(r"/workbench$"))
    page.locator(f'[data-testid="draft-row"][data-draft="{draft_id}"] [data-testid="draft-link"]').click()
    expect(page.get_by_test_id("submitted-note")).to_contain_text("新增现场检查登记程序")
    expect(page.get_by_test_id("diagram")).to_have_class(re.compile("diagram-ready"), timeout=EDITOR_TIMEOUT)
    expect(page.get_by_test_id("approve")).to_be_visible()
    screenshot(page, "workbench-04-review")
    page.fill("#return-reason", "步骤名称请与文书一致")
    page.get_by_test_id("return").click()
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.get_by_test_id("draft-status")).to_have_class(re.compile("draft-status-editing"))

    # the author reads the reason, corrects, submits again
    log_in_as(page, "author1")
    page.goto(f"/workbench/drafts/{draft_id}")
    expect(page.get_by_test_id("returned-reason")).to_contain_text("步骤名称请与文书一致")
    editor_ready(page, 8)  # 7 submitted, 8 returned
    select(page, "record")
    page.fill("#prop-name", "现场检查记录")
    page.press("#prop-name", "Tab")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("draft-revision")).to_have_text("9")
    page.get_by_test_id("submit-draft").click()
    expect(page.get_by_test_id("draft-status")).to_have_class(re.compile("draft-status-submitted"))

    # the approver approves and follows the link to the new version
    log_in_as(page, "approver1")
    page.goto(f"/workbench/drafts/{draft_id}")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("draft-status")).to_have_class(re.compile("draft-status-published"))
    page.get_by_test_id("published-version-link").click()
    expect(page).to_have_url(re.compile(r"/procedures/\d+$"))
    expect(page.locator("h1")).to_contain_text("工作台检查登记")
    expect(page.locator('[data-testid="steps"] tr[data-bpmn-id="record"]')).to_contain_text("现场检查记录")
    expect(page.locator('[data-testid="steps"] tr[data-bpmn-id="record"]')).to_contain_text("wb_check_visit")


def test_officers_get_no_workbench(page):
    log_in(page, "officer1")
    expect(page.get_by_test_id("nav-workbench")).to_have_count(0)
    response = page.goto("/workbench")
    assert response.status == 403
    page.console_errors[:] = [e for e in page.console_errors if "status of 403" not in e]


@pytest.fixture
def axe_page(browser, demo_server):
    with fresh_page(browser, demo_server, viewport={"width": 1280, "height": 900}, bypass_csp=True) as page:
        yield page


def test_the_workbench_pages_have_no_wcag_21_aa_violation(axe_page):
    page = axe_page
    assert AXE.exists(), "axe-core is installed by `make assets` (npm ci)"
    problems = {}
    log_in(page, "author1")
    draft_id = start_new_procedure(page, "wb_axe", "无障碍检查")
    editor_ready(page, 1)
    for url in ("/workbench", f"/workbench/drafts/{draft_id}"):
        page.goto(url)
        if "drafts" in url:
            editor_ready(page)
            select(page, "record")
        found = violations(page)
        if found:
            problems[url] = found
        screenshot(page, "workbench-05-" + ("draft" if "drafts" in url else "list"))
    page.get_by_test_id("submit-draft").click()
    expect(page.get_by_test_id("draft-status")).to_have_class(re.compile("draft-status-submitted"))
    log_in_as(page, "approver1")
    page.goto(f"/workbench/drafts/{draft_id}")
    expect(page.get_by_test_id("diagram")).to_have_class(re.compile("diagram-ready"), timeout=EDITOR_TIMEOUT)
    found = violations(page)
    if found:
        problems["review"] = found
    assert problems == {}, problems


def test_a_deployed_procedure_round_trips_through_the_modeler_with_its_extension_properties(page):
    """A draft of the deployed 线索移送 procedure, loaded in the modeler and saved with one step renamed:
    every spiffworkflow property (and the message variable) is still there, and the deploy's checks pass."""
    log_in(page, "author1")
    form = page.get_by_test_id("draft-from-version")
    value = form.locator("option", has_text="(referral v").first.get_attribute("value")
    form.locator("select").select_option(value)
    form.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/workbench/drafts/\d+$"))
    draft_id = draft_id_of(page)
    editor_ready(page, 1)
    before = main_file(page, draft_id, "referral")
    select(page, "referral_letter")
    name = page.locator("#prop-name").input_value()
    expect(page.locator("#prop-form")).to_have_value("referral_letter")
    page.fill("#prop-name", name + "（修订）")
    page.press("#prop-name", "Tab")
    page.get_by_test_id("save").click()
    editor_ready(page, 2)
    expect(page.locator('[data-testid="problems-panel"] [data-testid="problem"]')).to_have_count(0)
    expect(page.locator('[data-testid="problems-panel"] [data-testid="problems"] li')).to_have_count(0)
    after = main_file(page, draft_id, "referral")
    assert name + "（修订）" in after
    pattern = r'<spiffworkflow:property name="([^"]+)" value="([^"]*)"'
    assert sorted(re.findall(pattern, after)) == sorted(re.findall(pattern, before))
    assert "<spiffworkflow:messageVariable>feedback</spiffworkflow:messageVariable>" in after
