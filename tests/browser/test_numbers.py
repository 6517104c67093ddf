"""The numbers the system issues, in a real browser on the demo data: the decision's form shows its
number (文号) read-only, to be issued when the step is completed; once the head decides, the case
page lists the decision with the number the department's pattern gave it, and the document prints it."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import decide_a_warning, log_in, screenshot

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]


def test_a_head_decides_and_sees_the_decision_number_the_system_issued_on_the_case_page(page):
    log_in(page, "head1")
    page.goto("/cases?step=penalty_decision")
    page.locator('[data-testid="cases"] tbody tr a').last.click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    case_url = page.url
    case_number = page.get_by_test_id("case-number").inner_text()
    assert re.fullmatch(r"清市监立〔\d{4}〕\d+号", case_number), case_number
    page.locator('[data-testid="task-link"][data-bpmn-id="penalty_decision"]').click()
    expect(page.get_by_test_id("form-title")).to_have_text("作出行政处罚决定")
    issued = page.get_by_test_id("issued-decision_number")
    expect(issued).to_have_attribute("readonly", "")
    expect(issued).to_have_value("")
    expect(page.locator('[name="decision_number"]')).to_have_count(0)  # nothing to type, nothing sent
    screenshot(page, "40-decision-number-issued-on-completion")

    decide_a_warning(page)
    page.fill('textarea[name="performance_manner"], input[name="performance_manner"]', "自收到本决定书之日起履行")
    page.fill('textarea[name="reconsideration_body"], input[name="reconsideration_body"]', "清河区人民政府")
    page.fill('textarea[name="litigation_court"], input[name="litigation_court"]', "清河区人民法院")
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(case_url)
    expect(page.locator(".flash.success")).to_contain_text("“作出行政处罚决定”已办理")

    number = page.get_by_test_id("document-number-penalty_decision")
    expect(number).to_have_text(re.compile(r"^清市监罚〔\d{4}〕\d+号$"))
    printed = number.inner_text()
    screenshot(page, "41-case-page-decision-number")
    # the print page (read as a download: a page of its own would ask for a favicon it has none of)
    document = page.request.get(case_url + "/documents/penalty_decision.html")
    assert document.ok and f'<p class="number">{printed}</p>' in document.text()
