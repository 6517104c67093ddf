"""The party lookup, in a real browser: an officer opening a case types a part of a party's name,
picks the party from the register's matches (the page's script asks the server as they type),
opens the case, and from the case page reaches the party's record, which lists its cases - the
demo's earlier ones and the new one, so the repeat violation shows."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]

PARTY = "清河区鲜果多超市有限公司"  # a demo party (workflow_app/demo/cases.py PARTIES)


def test_an_officer_opens_a_case_on_a_party_found_by_name_and_sees_its_cases(page):
    log_in(page, "officer1")
    page.get_by_test_id("new-case").click()
    page.fill('input[name="title"]', "鲜果多超市再次未建立进货查验记录案")
    page.locator('input[name="party_q"]').press_sequentially("鲜果多", delay=30)
    match = page.get_by_test_id("party-match").filter(has_text=PARTY)
    expect(match).to_have_count(1)  # the script put the server's matches under the box
    expect(match).to_contain_text("91990105MA01XGD1K")  # an organisation's code is public: in full
    match.locator('input[name="party_id"]').check()
    screenshot(page, "parties-01-new-case-lookup")
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_contain_text("已登记")
    expect(page.get_by_test_id("case-party")).to_contain_text(PARTY)
    expect(page.get_by_test_id("party-repeat-tag")).to_be_visible()
    number = page.get_by_test_id("case-number").inner_text()
    page.get_by_test_id("case-party-link").click()
    expect(page.get_by_test_id("party-name")).to_contain_text(PARTY)
    rows = page.get_by_test_id("party-case")
    expect(rows.first).to_contain_text(number)  # newest first: the case just opened
    expect(rows.first).to_contain_text("鲜果多超市再次未建立进货查验记录案")
    assert rows.count() >= 2  # and the demo's earlier cases of the party
    expect(page.get_by_test_id("party-repeat")).to_contain_text("再次违法")
    screenshot(page, "parties-02-party-record")


def test_an_anonymous_tips_party_is_identified_from_the_register_on_the_case_page(page):
    log_in(page, "officer1")
    page.get_by_test_id("new-case").click()
    page.fill('input[name="title"]', "匿名举报某药房销售过期药品案")
    page.fill('input[name="party_name"]', "匿名举报所涉药房")  # no number: the party is not identified yet
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("party-unidentified")).to_be_visible()
    section = page.get_by_test_id("identify-party")
    section.locator('input[name="party_q"]').fill("惠民药房")
    section.get_by_role("button", name="查找").click()
    section = page.get_by_test_id("identify-party")
    section.get_by_test_id("party-match").filter(has_text="清河区惠民药房").locator('input[name="party_id"]').check()
    screenshot(page, "parties-03-identify-on-the-case")
    section.get_by_test_id("identify-submit").click()
    expect(page.locator(".flash.success")).to_contain_text("当事人已查明")
    expect(page.get_by_test_id("case-party-link")).to_have_text("清河区惠民药房")
    expect(page.get_by_test_id("identify-party")).to_have_count(0)
