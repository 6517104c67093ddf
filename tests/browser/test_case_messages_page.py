"""A case waiting for a message from outside, in a real browser: the officer records the party's
written reply through the form its BPMN element declares (a missing field said beside it, then
the reply recorded with a flash), then the returned receipt on a confirmation; recording the reply
again from a stale page is refused in words. The procedure is the fixture
tests/fixtures/packages/party_reply, deployed onto the demo server."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, log_in, log_in_as, screenshot

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]

PARTY_REPLY = ROOT / "tests" / "fixtures" / "packages" / "party_reply"


@pytest.fixture(scope="module")
def party_reply(demo_flask):
    demo_flask("procedures", "deploy", str(PARTY_REPLY))


def test_an_officer_records_the_partys_reply_and_the_returned_receipt_from_the_case_page(page, party_reply):
    log_in(page, "officer1")
    page.get_by_test_id("new-case").click()
    page.select_option('select[name="procedure"]', "party_reply")
    page.fill('input[name="title"]', "某商户答复案")
    page.fill('input[name="party_name"]', "某商户")
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_contain_text("送达答复通知")
    case_url = page.url
    assert page.get_by_test_id("message-link").count() == 0  # nothing waited for yet
    page.locator('[data-testid="task-link"][data-bpmn-id="notify"]').click()
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(case_url)
    expect(page.locator(".flash.success")).to_contain_text("下一步：暂无，案件等待后续事项")  # not "ended"
    expect(page.get_by_test_id("case-waits")).to_be_visible()

    reply = page.get_by_test_id("message-link")
    expect(reply).to_have_count(1)
    expect(reply).to_have_text("记录：当事人书面答复")  # the BPMN element's Chinese name
    screenshot(page, "messages-01-case-waits-for-the-reply")
    reply.click()
    expect(page.get_by_test_id("form-title")).to_have_text("当事人书面答复")
    reply_url = page.url
    page.fill('textarea[name="reply_text"], input[name="reply_text"]', "对告知内容无异议")
    page.check('input[name="accepts"][value="accepts"]')
    page.locator('input[name="replied_on"]').evaluate("e => e.removeAttribute('required')")  # past the browser
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("error-replied_on")).to_be_visible()  # the server's word, beside the field
    page.fill('input[name="replied_on"]', "2026-11-02")
    screenshot(page, "messages-02-reply-form")
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(case_url)
    expect(page.locator(".flash.success")).to_contain_text("“当事人书面答复”已记录")

    receipt = page.get_by_test_id("message-link")
    expect(receipt).to_have_text("记录：答复回执已退回")  # the next message waited for, no form
    receipt.click()
    expect(page.get_by_test_id("message-confirm")).to_contain_text("确认“答复回执已退回”已收到")
    expect(page.get_by_test_id("submit")).to_have_text("确认")
    screenshot(page, "messages-03-confirmation")
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_contain_text("下一步：处理答复")
    expect(page.locator('[data-testid="task-link"][data-bpmn-id="handle"]')).to_be_visible()
    expect(page.get_by_test_id("message-link")).to_have_count(0)

    page.goto(reply_url)  # the reply again, from a page opened before
    page.fill('textarea[name="reply_text"], input[name="reply_text"]', "再次答复")
    page.check('input[name="accepts"][value="objects"]')
    page.fill('input[name="replied_on"]', "2026-11-03")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("form-banner")).to_contain_text("本案当前未在等待消息 'party_reply'")
    screenshot(page, "messages-04-refused-in-words")
    page.goto(case_url)
    expect(page.locator('[data-testid="task-link"][data-bpmn-id="handle"]')).to_be_visible()  # unchanged


def test_a_head_who_does_not_deliver_the_message_is_not_offered_it(page, party_reply, demo_flask):
    log_in(page, "officer1")
    page.get_by_test_id("new-case").click()
    page.select_option('select[name="procedure"]', "party_reply")
    page.fill('input[name="title"]', "某商户答复案二")
    page.fill('input[name="party_name"]', "某商户")
    page.get_by_test_id("submit").click()
    page.locator('[data-testid="task-link"][data-bpmn-id="notify"]').click()
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("message-link")).to_have_count(1)
    case_url = page.url
    log_in_as(page, "head1")
    page.goto(case_url)
    expect(page.get_by_test_id("case-actions")).to_be_visible()
    expect(page.get_by_test_id("message-link")).to_have_count(0)
    assert re.search(r"/cases/\d+$", page.url)
