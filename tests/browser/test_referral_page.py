"""线索移送 in a real browser on the demo data: an officer of the market bureau refers the clue of one
of its penalty cases ("移送线索" on the case page), drafting the letter with the receiving department
chosen from the org tree; the head approves and so sends it, and nothing of the referral waits in
anyone's inbox on the referring side (its wait is the answer's message); the comprehensive
enforcement bureau's officer finds it in the inbox, reads what was sent on the receipt's page (its
own status words) and accepts it, filing the bureau's own case; back at the origin, the officer sees
the outcome. Neither side's page shows the other's case as a link. The justice bureau's supervisor
refers an audited case's clue from its page (执法监督移送), and the receiving officer reads the
supervision as its sender."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, log_in_as, screenshot
from workflow_app.wall_clock import local_today

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def open_step(page, bpmn_id: str):
    page.locator(f'[data-testid="task-link"][data-bpmn-id="{bpmn_id}"]').click()


def test_referred_from_a_case_answered_by_the_receiving_officer_and_the_origin_sees_the_outcome(page):
    today = local_today().isoformat()
    log_in(page, "officer1")
    page.goto("/cases?kind=penalty")
    page.locator('[data-testid="cases"] a[href^="/cases/"]').first.click()
    origin_url, origin_number = path_of(page), page.locator("h1").inner_text()
    section = page.get_by_test_id("case-referrals")
    section.get_by_test_id("refer-clue").click()

    expect(page.get_by_test_id("linked-from-case")).to_be_visible()
    expect(page.locator('select[name="procedure"]')).to_have_value("referral")
    expect(page.locator('select[name="link_kind"]')).to_have_value("referred")
    page.fill('input[name="title"]', "检查中发现的占道经营线索移送")
    if page.locator('input[name="party_name"]').input_value() == "" and not page.locator(
            'input[name="party_id"]:checked').count():
        page.fill('input[name="party_name"]', "清河某商贸有限公司")
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_contain_text("制作移送函")
    referral_url = path_of(page)

    open_step(page, "referral_letter")
    departments = page.locator('select[name="receiving_department"] option')
    assert "市场监督管理局" not in departments.all_inner_texts()  # not to itself
    page.select_option('select[name="receiving_department"]', "urban")
    page.fill('textarea[name="clue"]', "检查中发现当事人在店外人行道上占道经营")
    page.fill('textarea[name="reasons"]', "占道经营属城市管理综合执法部门管辖")
    page.fill('input[name="referred_on"]', today)
    page.fill('input[name="feedback_due_on"]', (local_today() + timedelta(days=14)).isoformat())
    expect(page.get_by_test_id("system-receiving_department_name")).to_be_visible()
    screenshot(page, "referral-01-letter")
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_contain_text("移送审批")

    log_in_as(page, "head1")
    page.goto(referral_url)
    open_step(page, "referral_approval")
    page.check('input[name="approval_decision"][value="approve"]')
    page.fill('textarea[name="opinion"], input[name="opinion"]', "同意移送")
    page.fill('input[name="decided_on"]', today)
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_be_visible()
    referral = page.get_by_test_id("referral")
    expect(referral).to_have_attribute("data-side", "referring")
    expect(referral.get_by_test_id("referral-outcome")).to_contain_text("待答复")
    expect(page.get_by_test_id("documents")).to_contain_text("移送函")
    expect(page.get_by_test_id("case-status")).to_have_text("已移送，待反馈")
    assert page.locator('[data-testid="task-link"]').count() == 0  # the wait is nobody's step
    screenshot(page, "referral-02-sent")
    log_in_as(page, "officer1")
    page.goto("/inbox")
    expect(page.locator('[data-testid="inbox"]')).not_to_contain_text("检查中发现的占道经营线索移送")

    log_in_as(page, "urban_officer1")
    page.goto("/inbox")
    row = page.locator('[data-testid="inbox"] tr', has_text="检查中发现的占道经营线索移送")
    row.locator('[data-testid="task-link"]', has_text="接收移送线索并答复").click()
    expect(page.get_by_test_id("form-title")).to_have_text("接收移送线索并答复")
    receipt_url = page.evaluate(r"""() => [...document.querySelectorAll('main a[href^="/cases/"]')]
        .map(a => a.getAttribute('href')).find(h => /^\/cases\/\d+$/.test(h))""")
    page.goto(receipt_url)
    expect(page.get_by_test_id("case-status")).to_have_text("已接收，待答复")
    received = page.get_by_test_id("referral")
    expect(received).to_have_attribute("data-side", "receiving")
    expect(received).to_contain_text("检查中发现当事人在店外人行道上占道经营")
    expect(received).to_contain_text("市场监督管理局")
    assert page.locator(f'a[href="{referral_url}"], a[href="{origin_url}"]').count() == 0  # named, never linked
    screenshot(page, "referral-03-received")
    open_step(page, "referral_answer")
    page.check('input[name="answer"][value="accept"]')
    page.fill('textarea[name="reasons"]', "属于本局管辖，已立案调查")
    page.fill('input[name="case_title"]', "占道经营案（市场监管局移送）")
    page.fill('input[name="answered_on"]', today)
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.get_by_test_id("referral-outcome")).to_contain_text("已受理")
    expect(page.get_by_test_id("case-status")).to_have_text("已受理，另案办理")
    page.get_by_test_id("referral-outcome").locator("a").click()  # the case the bureau filed, its own
    expect(page.locator("body")).to_contain_text("占道经营案（市场监管局移送）")

    log_in_as(page, "officer1")
    page.goto(origin_url)
    outcome = page.get_by_test_id("referral")
    expect(outcome).to_have_attribute("data-side", "origin")
    expect(outcome).to_have_attribute("data-outcome", "accepted")
    expect(outcome.get_by_test_id("referral-outcome")).to_contain_text("已受理")
    screenshot(page, "referral-04-origin-outcome")
    page.goto(referral_url)
    expect(page.get_by_test_id("referral").get_by_test_id("referral-reasons")).to_contain_text("属于本局管辖")
    expect(page.get_by_test_id("case-status")).to_have_text("受移送部门已受理")
    assert origin_number


def test_the_supervisor_refers_an_audited_cases_clue_and_the_receiving_officer_reads_the_supervision(page):
    today = local_today()
    log_in(page, "supervisor1")
    page.goto("/cases?kind=penalty&department=market")
    page.locator('[data-testid="cases"] a[href^="/cases/"]').nth(2).click()
    origin_url = path_of(page)
    page.get_by_test_id("refer-clue-supervision").click()
    expect(page.get_by_test_id("supervision-referral-form")).to_be_visible()
    expect(page.get_by_test_id("referred-case")).to_be_visible()
    page.select_option('select[name="receiving_department"]', "urban")
    page.fill('textarea[name="clue"]', "案卷评查发现当事人在店外人行道上占道经营，不属市场监管部门管辖")
    page.fill('textarea[name="reasons"]', "占道经营属城市管理综合执法部门管辖")
    page.fill('input[name="feedback_due_on"]', (today + timedelta(days=10)).isoformat())
    screenshot(page, "referral-05-supervision-letter")
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_contain_text("综合行政执法局")
    assert path_of(page) == origin_url
    sent = page.locator('[data-testid="referral"][data-by-supervision="1"]')
    expect(sent).to_have_attribute("data-side", "origin")
    expect(sent.get_by_test_id("referral-by-supervision")).to_be_visible()
    screenshot(page, "referral-06-supervision-sent")
    page.get_by_test_id("nav-supervision-referrals").click()
    row = page.locator('[data-testid="supervision-referral"]', has_text="案卷评查发现当事人在店外人行道上占道经营")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("referral-outcome")).to_contain_text("待答复")
    screenshot(page, "referral-07-supervision-list")

    log_in_as(page, "urban_officer1")
    page.goto("/inbox")
    page.locator('[data-testid="task-link"]', has_text="接收移送线索并答复").first.wait_for()
    receipt_url = page.evaluate(r"""() => [...document.querySelectorAll('[data-testid="inbox"] tr')]
        .filter(tr => tr.textContent.includes('接收移送线索并答复'))
        .map(tr => tr.querySelector('a[href^="/cases/"]')).filter(a => a && /^\/cases\/\d+$/.test(a.getAttribute('href')))
        .map(a => a.getAttribute('href'))""")
    for url in receipt_url:
        page.goto(url)
        if page.locator('[data-testid="referral"][data-by-supervision="1"]').count():
            break
    received = page.locator('[data-testid="referral"][data-by-supervision="1"]')
    expect(received).to_have_attribute("data-side", "receiving")
    expect(received.get_by_test_id("referral-sender")).to_contain_text("清河区司法局")
    expect(received.get_by_test_id("referral-sender")).to_contain_text("孙丽")
    expect(page.get_by_test_id("case-status")).to_have_text("已接收，待答复")
    assert page.locator(f'a[href="{origin_url}"]').count() == 0  # the audited case is never linked
    screenshot(page, "referral-08-supervision-received")


def test_a_returned_referral_is_referred_again_and_its_page_lists_every_letter(page):
    """The receiving department returned the clue (不属本局管辖): the officer refers it again from the
    returned referral's page ("再次移送"), a new referral case linked to it; the letter to the
    department that returned it is refused beside the field until the reason why is given, and is
    sent to another department instead; both pages list both letters, each with its outcome."""
    today = local_today()
    log_in(page, "officer1")
    page.goto("/cases?kind=referral&status=returned")
    page.locator('[data-testid="cases"] a[href^="/cases/"]').first.click()
    first_url, first_number = path_of(page), page.locator("h1").inner_text().split()[0]
    expect(page.get_by_test_id("referral")).to_have_attribute("data-outcome", "returned")
    returned_to = page.get_by_test_id("referral").locator("dd").first.inner_text()
    page.get_by_test_id("refer-again").click()

    expect(page.locator('select[name="link_kind"]')).to_have_value("referred_again")
    expect(page.locator('select[name="procedure"]')).to_have_value("referral")
    assert page.locator('input[name="title"]').input_value()  # the same clue's title, offered
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_contain_text("制作移送函")
    second_url = path_of(page)
    expect(page.locator('[data-testid="referral"][data-sequence="1"]')).to_have_attribute("data-outcome", "returned")

    open_step(page, "referral_letter")
    receiver = page.locator('select[name="receiving_department"]')
    code = receiver.locator("option", has_text=returned_to.split(" ")[0]).first.get_attribute("value")
    page.select_option('select[name="receiving_department"]', code)
    page.fill('textarea[name="clue"]', "检查中发现当事人在店外人行道上占道经营")
    page.fill('textarea[name="reasons"]', "占用道路属交通运输部门管辖")
    page.fill('input[name="referred_on"]', today.isoformat())
    page.fill('input[name="feedback_due_on"]', (today + timedelta(days=14)).isoformat())
    page.get_by_test_id("submit").click()
    refused = page.get_by_test_id("error-receiving_department")
    expect(refused).to_contain_text("已退回")
    expect(page.get_by_test_id("error-again_reason")).to_be_visible()
    screenshot(page, "referral-09-again-to-the-same-refused")
    page.console_errors[:] = [e for e in page.console_errors if not re.search(r"status of 422", e)]
    page.select_option('select[name="receiving_department"]', "transport")
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_contain_text("移送审批")

    log_in_as(page, "head1")
    page.goto(second_url)
    open_step(page, "referral_approval")
    page.check('input[name="approval_decision"][value="approve"]')
    page.fill('textarea[name="opinion"], input[name="opinion"]', "同意再次移送")
    page.fill('input[name="decided_on"]', today.isoformat())
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_be_visible()
    letters = page.get_by_test_id("referral-letter")
    expect(letters).to_have_count(2)
    expect(letters.first).to_contain_text(first_number)
    second = page.locator('[data-testid="referral"][data-sequence="2"]')
    expect(second).to_have_attribute("data-side", "referring")
    expect(second).to_contain_text("交通运输局")
    expect(second.get_by_test_id("referral-outcome")).to_contain_text("待答复")
    screenshot(page, "referral-10-two-letters")
    page.goto(first_url)
    expect(page.locator('[data-testid="referral"][data-sequence="2"]')).to_have_attribute("data-side", "chain")
    assert page.get_by_test_id("refer-again").count() == 0  # referred again already
