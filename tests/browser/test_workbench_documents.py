"""A draft's Word documents in the workbench ([8/9]), in a real browser on the demo data: author1
starts a draft of the summary procedure, opens its documents from the draft's page, downloads the
decision's template, uploads it with a misspelt field and reads the field named with its place,
uploads a good one, adds a new document with its step and sees its preview filled from the forms'
examples (sample values marked), and downloads the preview. On a phone's width the page fits; axe
finds nothing on it."""
import io
import re

import docx
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, fresh_page, log_in, screenshot
from tests.browser.test_axe import AXE, violations
from tests.helpers import docx_with_text

pytestmark = [pytest.mark.xdist_group("browser_workbench")]

WIDE = """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right >
    document.documentElement.clientWidth + 1).map(e => e.tagName + '.' + e.className).slice(0, 5)
    .concat(document.documentElement.scrollWidth > document.documentElement.clientWidth ? ['the page scrolls sideways'] : [])"""


def too_wide(page) -> list[str]:
    """What sticks out sideways once the page has settled: its fonts loaded (a page measured while
    a font still loads is measured in the fallback's widths: in one full run the refused page
    scrolled sideways with no element past the edge) and, for up to 3 s, until nothing does."""
    page.evaluate("() => document.fonts.ready.then(() => true)")
    try:
        page.wait_for_function(f"() => ({WIDE})().length === 0", timeout=3000)
    except PlaywrightTimeout:
        pass
    return page.evaluate(WIDE)


def word(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def start_summary_draft(page) -> int:
    page.goto("/workbench")
    form = page.get_by_test_id("draft-from-version")
    form.locator("select").select_option(form.locator("option", has_text="(summary_penalty v").first
                                         .get_attribute("value"))
    form.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/workbench/drafts/\d+$"))
    return int(re.search(r"/workbench/drafts/(\d+)", page.url)[1])


def choose(page, selector: str, tmp_path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    page.set_input_files(selector, str(path))


def refused_answer(page) -> None:
    """The page answering a refused upload is a 422 (the browser logs it as a failed load): expected."""
    assert any("status of 422" in e for e in page.console_errors), page.console_errors
    page.console_errors[:] = [e for e in page.console_errors if "status of 422" not in e]


def test_an_author_downloads_uploads_and_previews_a_drafts_word_templates(page, tmp_path):
    log_in(page, "author1")
    draft_id = start_summary_draft(page)
    page.get_by_test_id("documents-link").click()
    expect(page).to_have_url(re.compile(rf"/workbench/drafts/{draft_id}/documents$"))
    decision = page.locator('[data-testid="document"][data-kind="summary_decision"]')
    expect(decision).to_contain_text("当场行政处罚决定书")
    expect(decision.get_by_test_id("document-steps")).to_contain_text("decide")
    expect(decision.get_by_test_id("document-filled-in-by")).to_contain_text("serve")

    with page.expect_download() as got:
        decision.get_by_test_id("download-template").click()
    template = open(got.value.path(), "rb").read()
    assert got.value.suggested_filename == "summary_decision.docx"
    downloaded = docx.Document(io.BytesIO(template))
    assert "summary_decision.decision_number" in " ".join(
        [p.text for p in downloaded.paragraphs] + [c.text for t in downloaded.tables for r in t.rows for c in r.cells])

    # a misspelt field: refused, the field named with its place, nothing saved
    choose(page, "#replace-file", tmp_path, "misspelt.docx",
           docx_with_text(template, "罚款数额：{{ summary_decision.fine_amout|yuan }}"))
    page.get_by_test_id("replace-submit").click()
    problems = page.get_by_test_id("template-problems")
    expect(problems).to_contain_text("fine_amout")
    expect(problems).to_contain_text("没有字段")
    expect(problems).to_contain_text("fine_amount")  # what was meant
    expect(problems).to_contain_text("罚款数额：")  # where
    expect(page.get_by_test_id("draft-revision")).to_have_text("1")
    screenshot(page, "workbench-documents-01-refused")
    refused_answer(page)

    # a good one: saved on the revision read
    choose(page, "#replace-file", tmp_path, "good.docx",
           docx_with_text(template, "罚款数额：{{ summary_decision.fine_amount|yuan }}"))
    page.get_by_test_id("replace-submit").click()
    expect(page.locator(".flash")).to_contain_text("summary_decision.docx")
    expect(page.get_by_test_id("draft-revision")).to_have_text("2")

    # a new document with its entry, then its preview from the forms' examples
    form = page.get_by_test_id("new-form")
    form.locator("#new-title").fill("缴款通知书")
    form.locator("#new-kind").fill("payment_notice")
    form.locator("#new-step").select_option("decide")
    form.locator('input[name="filled_in_by"][value="serve"]').check()
    choose(page, "#new-file", tmp_path, "notice.docx",
           word("{{ authority }}", "{{ case.party_name }}：", "请于{{ summary_decision.decided_on|days_after(15)|date_cn }}前缴纳罚款"
                "{{ summary_decision.fine_amount|yuan }}。"))
    page.get_by_test_id("new-submit").click()
    expect(page).to_have_url(re.compile(r"preview=payment_notice"))
    expect(page.get_by_test_id("draft-revision")).to_have_text("3")
    sample = page.get_by_test_id("sample-document")
    expect(sample).to_contain_text("（样例）某某商贸有限公司：")
    expect(sample).to_contain_text("前缴纳罚款")
    expect(page.get_by_test_id("sample-mark")).to_be_visible()
    expect(page.locator('[data-testid="document"][data-kind="payment_notice"]')).to_contain_text("缴款通知书")
    screenshot(page, "workbench-documents-02-preview")
    with page.expect_download() as filled:
        page.get_by_test_id("preview-download").click()
    text = "\n".join(p.text for p in docx.Document(filled.value.path()).paragraphs)
    assert "（样例）某某商贸有限公司：" in text and "元。" in text

    # the decision's own preview: the print page's shape, a signature drawn where an example signed
    page.locator('[data-testid="document"][data-kind="summary_decision"]').get_by_test_id("preview-link").click()
    expect(page.get_by_test_id("sample-document")).to_contain_text("（样例）")
    screenshot(page, "workbench-documents-03-decision-preview")


def test_the_documents_page_fits_a_phone_and_has_no_wcag_21_aa_violation(browser, demo_server, tmp_path):
    assert AXE.exists(), "axe-core is installed by `make assets` (npm ci)"
    with fresh_page(browser, demo_server, viewport=PHONE, bypass_csp=True) as page:
        log_in(page, "author1")
        draft_id = start_summary_draft(page)
        problems = {}
        page.goto(f"/workbench/drafts/{draft_id}/documents?preview=summary_decision")
        expect(page.get_by_test_id("sample-document")).to_be_visible()
        page.get_by_test_id("document-edit").first.locator("summary").click()  # a document's own form, open
        expect(page.get_by_test_id("edit-form").first).to_be_visible()
        assert too_wide(page) == []
        problems["preview"] = violations(page)
        screenshot(page, "workbench-documents-04-phone")
        choose(page, "#replace-file", tmp_path, "bad.docx", word("{{ summary_decision.nope }}", "{{ case.number "))
        page.get_by_test_id("replace-submit").click()
        expect(page.get_by_test_id("refused")).to_be_visible()
        assert too_wide(page) == []
        problems["refused"] = violations(page)
        screenshot(page, "workbench-documents-05-phone-refused")
        refused_answer(page)
        assert {k: v for k, v in problems.items() if v} == {}


def test_an_author_renames_a_document_changes_its_steps_and_removes_one(page, tmp_path):
    """A document's entry changed in its own form on the page (title, the steps filling it in), a
    refusal shown beside the field with what was typed kept, then a document removed with its
    template: each a new revision, the list as the page says."""
    log_in(page, "author1")
    draft_id = start_summary_draft(page)
    page.goto(f"/workbench/drafts/{draft_id}/documents")
    decision = page.locator('[data-testid="document"][data-kind="summary_decision"]')
    edit = decision.get_by_test_id("document-edit")
    expect(edit.get_by_test_id("edit-form")).to_be_hidden()
    edit.locator("summary").click()
    title = edit.locator('input[name="title"]')
    expect(title).to_have_value("当场行政处罚决定书")
    expect(edit.locator('input[name="step"][value="decide"]')).to_be_checked()
    # no step chosen: refused beside the field, the typed title kept, nothing saved
    edit.locator('input[name="step"][value="decide"]').uncheck()
    title.fill("当场处罚决定书（新）")
    edit.get_by_test_id("edit-submit").click()
    decision = page.locator('[data-testid="document"][data-kind="summary_decision"]')
    expect(decision.get_by_test_id("error-edit-summary_decision-step")).to_be_visible()
    expect(decision.locator('input[name="title"]')).to_have_value("当场处罚决定书（新）")
    expect(page.get_by_test_id("draft-revision")).to_have_text("1")
    refused_answer(page)
    decision.locator('input[name="step"][value="decide"]').check()
    decision.locator('input[name="filled_in_by"][value="serve"]').uncheck()
    decision.get_by_test_id("edit-submit").click()
    expect(page.locator(".flash")).to_contain_text("当场处罚决定书（新）")
    expect(page.get_by_test_id("draft-revision")).to_have_text("2")
    decision = page.locator('[data-testid="document"][data-kind="summary_decision"]')
    expect(decision.locator("h3")).to_contain_text("当场处罚决定书（新）")
    expect(decision.get_by_test_id("document-filled-in-by")).to_have_count(0)
    screenshot(page, "workbench-documents-06-changed")

    # a new document, then removed: the list and its template both gone
    form = page.get_by_test_id("new-form")
    form.locator("#new-title").fill("缴款通知书")
    form.locator("#new-kind").fill("payment_notice")
    form.locator("#new-step").select_option("decide")
    choose(page, "#new-file", tmp_path, "notice.docx", word("{{ case.number }}"))
    page.get_by_test_id("new-submit").click()
    expect(page.get_by_test_id("draft-revision")).to_have_text("3")
    notice = page.locator('[data-testid="document"][data-kind="payment_notice"]')
    notice.get_by_test_id("document-edit").locator("summary").click()
    notice.get_by_test_id("remove-submit").click()
    expect(page.locator(".flash")).to_contain_text("payment_notice")
    expect(page.get_by_test_id("draft-revision")).to_have_text("4")
    expect(page.locator('[data-testid="document"][data-kind="payment_notice"]')).to_have_count(0)
    expect(page.get_by_test_id("unlisted")).to_have_count(0)
