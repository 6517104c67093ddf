"""Forms that fill themselves, in a real browser: a head opens a decision waiting in the inbox and
finds the fine and the penalty kinds already filled in from the notice and the report, each saying
where it came from, and the case's cause with its legal basis from the causes register; the values
are there to check and change."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

pytestmark = [pytest.mark.xdist_group("browser")]


def test_a_head_finds_the_decision_filled_in_from_the_notice_and_the_report(page):
    log_in(page, "head1")
    expect(page).to_have_url(re.compile(r"/inbox$"))
    page.get_by_test_id("task-link").filter(has_text="处罚决定").first.click()
    expect(page.get_by_test_id("form-title")).to_contain_text("决定")
    fine = page.locator('input[name="fine_amount"]')
    assert fine.input_value() not in ("", "0"), "the fine is filled in"
    expect(page.get_by_test_id("prefilled-fine_amount")).to_contain_text("已根据")
    expect(page.get_by_test_id("prefilled-fine_amount")).to_contain_text("告知")
    # the report named its cause: the decision opens with it and the register's penalty provision
    expect(page.locator('select[name="cause"]')).to_have_value("SCJG-SP-126-03")
    expect(page.locator('textarea[name="legal_basis"]')).to_have_value(
        "《中华人民共和国食品安全法》第一百二十六条第一款第三项")
    expect(page.locator('input[name="penalty_kinds"][value="fine"]')).to_be_checked()
    screenshot(page, "prefill-01-decision")
    fine.fill("12345")  # the head may change what was offered
    assert fine.input_value() == "12345"
