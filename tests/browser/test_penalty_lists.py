"""The no-penalty list in a real browser (首违不罚清单, APL Art. 33): an officer proposes a fine under
the market bureau's Food Safety Law Art. 126 cause without a finding on its list, is told beside the
field which items of the no-penalty list the cause has, reads them beside the form with whether the
party is a first violator, records that the case meets one and still proposes the fine; the head
decides the fine (the decision form says what the report found), and the supervisor finds
MINOR_FIRST_VIOLATION_PENALIZED on the case and on its alert's page. The steps around the report and
the decision go through the API, as the officers would through the task pages."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, log_in_as, screenshot
from tests.browser.test_review_journeys import Api
from tests.helpers import STEPS
from workflow_app.oversight.identity import with_uscc_check

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]

ART_126, MINOR = "SCJG-SP-126-03", "SCJG-BCF-002"
PARTY = with_uscc_check("91990105MA0BW7KL3")


def complete(api: Api, case: dict, bpmn_id: str, **changes) -> dict:
    user, data = STEPS[bpmn_id]
    task = next(t for t in case["tasks"] if t["bpmn_id"] == bpmn_id)
    return api.call("POST", f"/api/v1/tasks/{task['id']}/complete", user, {"data": {**data, **changes}})


def test_an_officer_reads_the_causes_no_penalty_list_and_a_fine_all_the_same_raises_the_alert(page, demo_server):
    api = Api(demo_server)
    case = api.call("POST", "/api/v1/cases", "officer1", {
        "procedure_id": "general_penalty", "title": "某食品店未按规定查验记录进货案", "department": "market",
        "party": {"name": "清河区浏览器测试食品店", "kind": "organization", "id_number": PARTY}})
    case = complete(api, case, "clue_intake", party_id_number=PARTY)
    for bpmn_id in ("filing_approval", "investigation"):
        case = complete(api, case, bpmn_id)
    task_id = next(t["id"] for t in case["tasks"] if t["bpmn_id"] == "investigation_report")

    log_in(page, "officer1")
    page.goto(f"/tasks/{task_id}")
    expect(page.get_by_test_id("form-title")).to_have_text("调查终结报告")
    page.fill('textarea[name="facts"]', "当事人销售的散装熟食未留存进货票据，执法人员指出后当场补建了进货查验记录，未造成危害后果")
    page.get_by_label("拟予行政处罚", exact=True).check()
    page.select_option('select[name="cause"]', ART_126)
    page.fill('[name="violated_provision"]', "《中华人民共和国食品安全法》第五十三条第一款")
    page.fill('[name="penalty_provision"]', "《中华人民共和国食品安全法》第一百二十六条第一款第三项")
    page.select_option('select[name="benchmark_tier"]', "ordinary")
    page.locator('input[name="proposed_penalty_kinds"][value="fine"]').check()
    page.fill('input[name="proposed_fine"]', "20000")
    page.get_by_test_id("submit").click()

    # told beside the field, with the cause's list items and the party's record beside the form
    expect(page.get_by_test_id("form-banner")).to_be_visible()
    expect(page.locator('[data-field="penalty_list_item"]')).to_contain_text("列入市场监督管理局的不予处罚清单")
    sheet = page.get_by_test_id("penalty-list-sheet")
    item = sheet.locator(f'[data-testid="list-item"][data-code="{MINOR}"]')
    expect(item).to_contain_text("当场补建进货查验记录")
    expect(item).to_contain_text("不予处罚清单")
    first_only = sheet.locator('[data-testid="list-item"][data-code="SCJG-BCF-001"]')
    expect(first_only.get_by_test_id("first-violation")).to_have_attribute("data-first", "yes")
    expect(first_only).to_contain_text("属于初次违法")
    screenshot(page, "42-no-penalty-list-on-the-report")

    page.select_option('select[name="penalty_list_item"]', MINOR)
    page.get_by_label("符合", exact=True).check()
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator(".flash.success")).to_contain_text("“调查终结报告”已办理")

    case = api.call("GET", f"/api/v1/cases/{case['id']}", "officer1")
    for bpmn_id in ("penalty_notice", "statement_defence"):
        case = complete(api, case, bpmn_id)
    decision = next(t["id"] for t in case["tasks"] if t["bpmn_id"] == "penalty_decision")
    log_in_as(page, "head1")
    page.goto(f"/tasks/{decision}")
    finding = page.get_by_test_id("list-finding")
    expect(finding).to_have_attribute("data-meets", "yes")
    expect(finding).to_contain_text("调查终结报告认定本案符合清单事项SCJG-BCF-002")
    expect(finding).to_contain_text("MINOR_FIRST_VIOLATION_PENALIZED")
    screenshot(page, "43-no-penalty-list-on-the-decision")
    complete(api, case, "penalty_decision")  # the head decides the fine all the same

    log_in_as(page, "supervisor1")
    page.goto(f"/cases/{case['id']}")
    alert = page.locator('[data-testid="case-alerts"] li[data-code="MINOR_FIRST_VIOLATION_PENALIZED"]')
    expect(alert).to_contain_text("首违不罚清单案件被处罚")
    alert.get_by_test_id("case-alert-link").click()
    expect(page.get_by_test_id("alert-basis")).to_have_text("《行政处罚法》第33条")
    expect(page.get_by_test_id("alert-list-item")).to_contain_text(f"{MINOR}: 违法行为轻微")
    screenshot(page, "44-minor-first-violation-penalized-alert")


def test_staff_read_the_lists_from_the_causes_register(page):
    log_in(page, "officer1")
    page.get_by_test_id("nav-causes").click()
    page.get_by_test_id("penalty-lists-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("不予处罚和从轻减轻处罚清单")
    lists = page.get_by_test_id("penalty-lists")
    expect(lists).to_have_attribute("data-department", "market")
    expect(lists.locator('[data-code="SCJG-BCF-000"]')).to_have_attribute("data-valid", "no")
    page.select_option('select[name="kind"]', "light")
    page.get_by_role("button", name="显示").click()
    expect(lists.locator('[data-testid="list-item"]').first).to_have_attribute("data-kind", "light")
    screenshot(page, "45-penalty-lists")
