"""The finding on the lists on the legal reviewer's sheet, in a real browser, on the demo data: the
reviewer opens, from the review queue, the demo case the report found on the light-penalty list
(从轻减轻处罚清单, APL Art. 32; SCJG-CQ-003) and reads beside the checklist the item, its conditions and
legal ground, the officer's finding, that the register shows the party a first violator, and that
the proposed fine agrees with the item; in English too. Then an officer proposing an ordinary fine for
a case on the same list reads, beside the report's form, that it departs from the item and raises
LIGHT_LIST_NOT_APPLIED, when the form comes back refused for a slip (a report dated tomorrow). The
item grounds 从轻 only (its tier, `lighter`): the sheets and the lists' register page say so."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, log_in_as, screenshot
from tests.browser.test_review_journeys import Api
from tests.helpers import STEPS
from workflow_app.oversight.identity import with_uscc_check
from workflow_app.wall_clock import local_today

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]

ITEM = "SCJG-CQ-003"  # the demo's light-penalty item of Food Safety Law Art. 126 (进货查验)
PARTY = with_uscc_check("91990105MA0LB3RT4")


def light_list_review(api: Api) -> int:
    """The legal review of a demo case found on the light-penalty list (the stage light_list_review)."""
    for task in api.call("GET", "/api/v1/tasks?mine=1&per_page=100", "reviewer2")["items"]:
        found = api.call("GET", f"/api/v1/tasks/{task['id']}/review-sheet", "reviewer2")["penalty_list"]
        if found and found["code"] == ITEM:
            return task["id"]
    raise AssertionError("the demo has no case at legal review found on the light-penalty list")


def test_a_reviewer_reads_the_light_list_finding_beside_the_checklist(page, demo_server):
    task_id = light_list_review(Api(demo_server))
    log_in(page, "reviewer2")
    page.goto("/inbox?queue=reviews")
    page.locator(f'[data-testid="review-link"][href="/tasks/{task_id}/review"]').click()
    expect(page).to_have_url(re.compile(rf"/tasks/{task_id}/review$"))

    lists = page.get_by_test_id("review-penalty-list")
    expect(lists.get_by_role("heading", level=2)).to_have_text("不予处罚和从轻减轻处罚清单")
    sheet = lists.get_by_test_id("list-finding-sheet")
    expect(sheet).to_have_attribute("data-code", ITEM)
    expect(sheet).to_have_attribute("data-meets", "yes")
    expect(sheet.get_by_test_id("list-finding")).to_contain_text(f"调查终结报告认定本案符合清单事项{ITEM}")
    expect(sheet.get_by_test_id("list-finding-item")).to_contain_text("从轻减轻处罚清单")
    expect(sheet.get_by_test_id("list-finding-item")).to_contain_text("未按规定建立并遵守进货查验记录制度")
    expect(sheet.get_by_test_id("list-finding-item")).to_have_attribute("data-tier", "lighter")
    expect(sheet.get_by_test_id("list-finding-tier")).to_have_attribute("data-tier", "lighter")
    expect(sheet).to_contain_text("主动补建进货查验记录")  # the item's conditions
    expect(sheet).to_contain_text("《中华人民共和国行政处罚法》第三十二条第一项")
    expect(sheet.get_by_test_id("list-finding-first")).to_have_attribute("data-first", "yes")
    expect(sheet.get_by_test_id("list-finding-first")).to_contain_text("属于初次违法")
    consistency = sheet.get_by_test_id("list-consistency")
    expect(consistency).to_have_attribute("data-consistent", "yes")
    expect(consistency).to_contain_text("裁量阶次为“从轻”，罚款8000元不高于裁量基准SCJG-SP-126-03“从轻”档的上限18500元")
    expect(page.get_by_test_id("benchmark")).to_have_attribute("data-within", "yes")  # the same report's benchmark
    expect(page.locator(".check-item")).to_have_count(8)  # beside the checklist
    lists.scroll_into_view_if_needed()
    screenshot(page, "46-light-list-finding-on-the-review-sheet")

    page.get_by_role("button", name="English").click()
    sheet = page.get_by_test_id("list-finding-sheet")
    expect(sheet.get_by_test_id("list-finding")).to_contain_text(f"The investigation report found that the case meets item {ITEM}.")
    expect(sheet.get_by_test_id("list-consistency")).to_contain_text(
        f"consistent with item {ITEM} of the light-penalty list")
    expect(sheet.get_by_test_id("list-finding-tier")).to_have_text("Lighter (within the statutory range)")
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_test_id("list-finding-sheet")).to_contain_text("适用条件")


def complete(api: Api, case: dict, bpmn_id: str, **changes) -> dict:
    user, data = STEPS[bpmn_id]
    task = next(t for t in case["tasks"] if t["bpmn_id"] == bpmn_id)
    return api.call("POST", f"/api/v1/tasks/{task['id']}/complete", user, {"data": {**data, **changes}})


def test_an_officer_proposing_an_ordinary_fine_on_the_light_list_reads_that_it_departs_before_the_step(page, demo_server):
    api = Api(demo_server)
    case = api.call("POST", "/api/v1/cases", "officer1", {
        "procedure_id": "general_penalty", "title": "某食品店未按规定查验记录进货案", "department": "market",
        "party": {"name": "清河区浏览器从轻测试食品店", "kind": "organization", "id_number": PARTY}})
    case = complete(api, case, "clue_intake", party_id_number=PARTY)
    for bpmn_id in ("filing_approval", "investigation"):
        case = complete(api, case, bpmn_id)
    task_id = next(t["id"] for t in case["tasks"] if t["bpmn_id"] == "investigation_report")

    log_in_as(page, "officer1")
    page.goto(f"/tasks/{task_id}")
    page.get_by_label("拟予行政处罚", exact=True).check()
    page.select_option('select[name="cause"]', "SCJG-SP-126-03")
    page.fill('[name="violated_provision"]', "《中华人民共和国食品安全法》第五十三条第一款")
    page.fill('[name="penalty_provision"]', "《中华人民共和国食品安全法》第一百二十六条第一款第三项")
    page.select_option('select[name="penalty_list_item"]', ITEM)
    page.get_by_label("符合", exact=True).check()
    page.select_option('select[name="benchmark_tier"]', "ordinary")
    page.locator('input[name="proposed_penalty_kinds"][value="fine"]').check()
    page.fill('input[name="proposed_fine"]', "30000")
    page.fill('textarea[name="facts"]', "当事人未查验供货者许可证和产品合格证明，立案调查期间已补建进货查验记录并下架相关食品")
    page.fill('input[name="reported_on"]', (local_today() + timedelta(days=1)).isoformat())  # a slip: tomorrow
    page.get_by_test_id("submit").click()  # refused (a date in the future): the form comes back, nothing recorded

    expect(page.get_by_test_id("form-banner")).to_be_visible()
    listed = page.get_by_test_id("penalty-list-sheet").locator(f'[data-testid="list-item"][data-code="{ITEM}"]')
    expect(listed.get_by_test_id("list-item-tier")).to_have_attribute("data-tier", "lighter")
    sheet = page.get_by_test_id("penalty-list-sheet").get_by_test_id("list-finding-sheet")
    expect(sheet).to_have_attribute("data-consistent", "no")
    expect(sheet.get_by_test_id("list-finding")).to_contain_text(f"本表记载本案符合清单事项{ITEM}")
    consistency = sheet.get_by_test_id("list-consistency")
    expect(consistency).to_contain_text("裁量阶次却为“一般”")
    expect(consistency).to_contain_text("高于裁量基准SCJG-SP-126-03“从轻”档的上限18500元")
    expect(consistency).to_contain_text("LIGHT_LIST_NOT_APPLIED")
    sheet.scroll_into_view_if_needed()
    screenshot(page, "47-light-list-departure-on-the-report")


def test_the_lists_register_page_shows_what_each_light_item_grounds(page, demo_server):
    log_in(page, "officer1")
    page.goto("/penalty-lists?department=market")
    lists = page.get_by_test_id("penalty-lists")
    expect(lists).to_have_attribute("data-department", "market")
    for code, tier in (("SCJG-CQ-001", "lighter_or_mitigated"), ("SCJG-CQ-002", "mitigated"), (ITEM, "lighter"),
                       ("SCJG-BCF-001", "")):
        expect(lists.locator(f'[data-testid="list-item"][data-code="{code}"]')).to_have_attribute("data-tier", tier)
    no_penalty = lists.locator('[data-testid="list-item"][data-code="SCJG-BCF-001"]')
    expect(no_penalty.get_by_test_id("list-item-tier")).to_have_text("—")
    page.select_option("#kind", "light")
    page.get_by_role("button", name="显示").click()
    expect(page).to_have_url(re.compile(r"kind=light"))
    expect(lists.get_by_test_id("list-item")).to_have_count(3)
    screenshot(page, "48-light-list-tiers-on-the-register")

    page.get_by_role("button", name="English").click()
    lists = page.get_by_test_id("penalty-lists")
    expect(lists.locator(f'[data-testid="list-item"][data-code="{ITEM}"]').get_by_test_id("list-item-tier")).to_have_text(
        "Lighter (within the statutory range)")
    expect(lists.locator('[data-testid="list-item"][data-code="SCJG-CQ-002"]').get_by_test_id(
        "list-item-tier")).to_have_text("Mitigated (below the statutory minimum)")
    expect(lists.locator('[data-testid="list-item"][data-code="SCJG-CQ-001"]').get_by_test_id(
        "list-item-tier")).to_have_text("Lighter or mitigated")
    expect(page.get_by_role("columnheader", name="Lighter or mitigated")).to_be_visible()
    page.get_by_role("button", name="中文").click()
