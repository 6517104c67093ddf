"""The workbench's files page ([8/9]) in a real browser: the author of a draft of the summary
procedure opens its rule bindings as text from the list of its files, changes the decision clock's
comment and saves on the page's revision; a second window's older copy is refused, its text kept;
the draft's page then counts no problem. Usable at 360 px, and axe-core finds no violation."""
import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import fresh_page, log_in, screenshot
from tests.browser.test_axe import violations
from tests.browser.test_workbench import api

pytestmark = [pytest.mark.xdist_group("browser_workbench")]

RULES = "bpmn/summary_penalty/rules.json"
PHONE = {"width": 360, "height": 740}


def test_the_rule_bindings_edited_as_text_a_stale_copy_refused_and_the_pages_pass_axe(page, browser, demo_server):
    log_in(page, "author1")
    page.goto("/workbench")
    form = page.get_by_test_id("draft-from-version")
    form.locator("select").select_option(form.locator("option", has_text="(summary_penalty v").first.get_attribute("value"))
    form.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/workbench/drafts/\d+$"))
    draft_id = int(re.search(r"/workbench/drafts/(\d+)", page.url)[1])
    page.get_by_test_id("files-link").click()
    row = page.locator(f'[data-testid="file-row"][data-path="{RULES}"]')
    expect(row).to_be_visible()
    row.get_by_test_id("file-edit").click()
    text = page.get_by_test_id("file-text")
    rules = json.loads(text.input_value())
    rules["$comment"] = "本地规定：当场收缴以100元为限。"
    with fresh_page(browser, demo_server) as other:  # the same author, an older copy in another window
        log_in(other, "author1")
        other.goto(f"/workbench/drafts/{draft_id}/files/text?path={RULES}")
        text.fill(json.dumps(rules, ensure_ascii=False, indent=2))
        page.get_by_test_id("file-save").click()
        expect(page.locator(".flash.success")).to_contain_text(RULES)
        other.get_by_test_id("file-text").fill("{\"rules\": []}")
        other.get_by_test_id("file-save").click()
        expect(other.get_by_test_id("file-stale")).to_be_visible()
        expect(other.get_by_test_id("file-text")).to_have_value("{\"rules\": []}")  # kept, not saved
        assert [e for e in other.console_errors if "412" not in e] == []  # the refusal's own status
        other.console_errors.clear()
    saved = json.loads(api(page, "GET", f"/api/v1/drafts/{draft_id}/file?path={RULES}")["text"])
    assert saved["$comment"] == rules["$comment"] and saved["rules"] == rules["rules"]
    screenshot(page, "workbench-files-01-text")
    with fresh_page(browser, demo_server, viewport={"width": 1280, "height": 900}, bypass_csp=True) as checked:
        log_in(checked, "author1")  # axe-core is injected as a script: a context that lets it run
        for url in (f"/workbench/drafts/{draft_id}/files", f"/workbench/drafts/{draft_id}/files/text?path={RULES}"):
            checked.goto(url)
            assert violations(checked) == [], url
    with fresh_page(browser, demo_server, viewport=PHONE) as phone:
        log_in(phone, "author1")
        phone.goto(f"/workbench/drafts/{draft_id}/files")
        screenshot(phone, "workbench-files-02-phone")
        wide = phone.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)""")
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), wide
    page.goto(f"/workbench/drafts/{draft_id}")
    expect(page.locator('[data-testid="problems-panel"] [data-testid="problem-count"]')).to_contain_text(
        "没有问题", timeout=20000)
