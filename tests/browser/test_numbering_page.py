"""The numbering page (案号、文号编号规则) in a real browser on the demo data: an administrator opens
it from the navigation, picks a department, changes its pattern and sees the next numbers change;
a pattern that could print two numbers the same is refused beside its field, in Chinese; the page
fits a phone's 360 px."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_seizure_page import fits
from tests.browser.test_summary_phone import log_in
from workflow_app.wall_clock import local_today

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]


def test_an_administrator_changes_a_departments_pattern_and_a_bad_one_is_refused_beside_its_field(phone):
    year = local_today().year
    log_in(phone, "admin")
    phone.goto("/causes?department=archives")
    phone.get_by_test_id("numbering-link").click()
    expect(phone).to_have_url(re.compile(r"/numbering/archives$"))
    expect(phone.get_by_test_id("example-case")).to_have_text(f"清档立〔{year}〕1号")
    fits(phone, "numbering page")

    phone.fill("#numbering-pattern", "{abbr}{kind}字〔{year}〕第{seq:03}号")
    phone.fill("#code-penalty_decision", "处罚")
    phone.get_by_test_id("numbering-save").click()
    expect(phone.locator(".flash.success")).to_contain_text("档案馆的编号规则已修改")
    expect(phone.get_by_test_id("example-case")).to_have_text(f"清档立字〔{year}〕第001号")
    expect(phone.get_by_test_id("example-penalty_decision")).to_have_text(f"清档处罚字〔{year}〕第001号")
    screenshot(phone, "numbering-01-pattern-changed")

    phone.fill("#numbering-pattern", "{abbr}{kind}〔{year}〕号")
    phone.get_by_test_id("numbering-save").click()
    error = phone.get_by_test_id("error-pattern")
    expect(error).to_contain_text("{seq}")
    expect(error).to_contain_text("两个编号")
    # beside its field: right below the pattern's input, not only in a banner
    below = phone.evaluate("() => document.querySelector('#numbering-pattern').nextElementSibling.dataset.testid")
    assert below == "error-pattern"
    expect(phone.locator("#numbering-pattern")).to_have_attribute("aria-invalid", "true")
    expect(phone.get_by_test_id("example-case")).to_have_text(f"清档立字〔{year}〕第001号")  # nothing changed
    fits(phone, "numbering page, refused")
    screenshot(phone, "numbering-02-bad-pattern-refused")
    phone.console_errors[:] = [e for e in phone.console_errors if not re.search(r"status of 422", e)]

    phone.get_by_role("link", name=re.compile("案件和文书编号")).first.click()
    row = phone.locator('[data-testid="numbering-department"][data-code="archives"]')
    expect(row.get_by_test_id("next-case-number")).to_have_text(f"清档立字〔{year}〕第001号")
    fits(phone, "numbering list")
