"""The documents the law prescribes, in a real browser on the demo data: a case whose fine went
unpaid lists, beside its decision, the records printed from the filing on to be filled in on the
spot and the 催告书 of its demand to pay (行政强制法 Art. 35) with the demand's own number (催); its
print page prints that number and states the fine, the late fee the system counts and the ten days
to pay."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]


def test_an_officer_opens_the_documents_of_a_case_with_a_demand_and_prints_the_reminder(page):
    log_in(page, "officer1")
    page.goto("/cases?step=execution")
    page.locator('[data-testid="cases"] tbody tr a').first.click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    party = page.get_by_test_id("case-party").inner_text().split("(")[0].strip()  # its name, before its kind
    listed = page.get_by_test_id("documents")
    for title in ("立案审批表", "询问笔录", "现场笔录", "调查终结报告", "行政处罚决定书", "催告书"):
        expect(listed).to_contain_text(title)
    expect(listed.locator("li", has_text="结案审批表")).to_have_count(0)  # not closed yet
    reminder = listed.locator("li", has_text="催告书")
    expect(reminder.locator('a[href$="/documents/payment_reminder.docx"]')).to_have_count(1)
    # the demand's own number (催), issued by the execution record that recorded it, beside its title
    number = reminder.get_by_test_id("document-number-payment_reminder")
    expect(number).to_have_text(re.compile(r"^清市监催〔\d{4}〕[1-9]\d*号$"))
    demand_number = number.inner_text()
    screenshot(page, "50-case-documents-with-reminder")

    # the print page, opened from the list: it has no icon of its own, so the browser's request for one is answered empty
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    reminder.locator('a[href$="/documents/payment_reminder.html"]').click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/documents/payment_reminder\.html$"))
    expect(page.locator("h1")).to_have_text("催告书")
    expect(page.locator("header .number")).to_have_text(demand_number)  # the same number, printed
    expect(page.locator("header .authority")).to_have_text("清河区市场监督管理局")
    document = page.locator("main.document")
    expect(document).to_contain_text("加处罚款")
    expect(document).to_contain_text(re.compile(r"自收到本催告书之日起十日内（\d{4}年\d{1,2}月\d{1,2}日前）"))
    expect(document).to_contain_text("有权进行陈述和申辩")
    expect(document.locator("th", has_text="尚未缴纳的罚款")).to_have_count(1)
    expect(document).to_contain_text(f"{party}：")  # addressed to the case's party
    screenshot(page, "51-payment-reminder-print-page")
