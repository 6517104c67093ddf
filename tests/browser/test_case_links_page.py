"""Linked cases in a real browser: an officer opens a new case from a demo case ("从本案立新案"),
the new case starts with the origin's party and names how it follows from it; both case pages show
the link; an existing case is linked by its number, a wrong number is refused in words; on a phone
the section fits the screen."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import fresh_page, log_in, screenshot

pytestmark = [pytest.mark.xdist_group("browser")]


def open_first_case(page) -> tuple[str, str]:
    page.goto("/cases")
    link = page.locator('[data-testid="cases"] a[href^="/cases/"]').first
    href, number = link.get_attribute("href"), link.inner_text().strip()
    page.goto(href)
    return href, number


def test_an_officer_opens_a_linked_case_and_links_an_existing_one(page):
    log_in(page, "officer1")
    origin_url, origin_number = open_first_case(page)
    party = page.get_by_test_id("case-party").inner_text()
    section = page.get_by_test_id("case-links")
    expect(section).to_be_visible()
    section.get_by_test_id("open-linked-case").click()

    expect(page.get_by_test_id("linked-from-case")).to_have_text(origin_number)
    page.select_option('select[name="link_kind"]', "confiscation")
    page.fill('input[name="link_reason"]', "查封的涉案物品拟依法没收")
    page.fill('input[name="title"]', "某公司销售假冒商品案（没收查封物品）")
    if page.locator('input[name="party_name"]').input_value() == "" and not page.locator(
            'input[name="party_id"]:checked').count():
        page.fill('input[name="party_name"]', "清河某商贸有限公司")
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_be_visible()
    new_url = re.sub(r"^https?://[^/]+", "", page.url)
    expect(page.get_by_test_id("case-party")).to_contain_text(party.split("(")[0].split("（")[0].strip())
    link = page.get_by_test_id("case-link")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("data-direction", "from")
    expect(link).to_contain_text("来源：查封扣押案件")
    expect(link).to_contain_text(origin_number)
    expect(link).to_contain_text("查封的涉案物品拟依法没收")
    new_number = page.locator("h1").inner_text()
    screenshot(page, "links-01-new-case")

    page.goto(origin_url)
    back = page.get_by_test_id("case-link").filter(has_text="没收涉案物品的处罚案件")
    expect(back).to_have_count(1)
    expect(back).to_have_attribute("data-direction", "to")
    back.locator("a").click()
    expect(page).to_have_url(re.compile(re.escape(new_url) + "$"))
    assert origin_number not in new_number

    page.goto(origin_url)
    form = page.get_by_test_id("link-existing")
    form.locator('input[name="case_number"]').fill("清市监立〔1999〕1号")
    form.get_by_test_id("link-submit").click()
    expect(page.locator(".flash.error")).to_contain_text("清市监立〔1999〕1号")
    page.goto("/cases")
    numbers = [t.strip() for t in page.locator('[data-testid="cases"] a[href^="/cases/"]').all_inner_texts()]
    other = next(n for n in numbers if n not in (origin_number,) and n not in new_number)
    page.goto(origin_url)
    form = page.get_by_test_id("link-existing")
    form.locator('input[name="case_number"]').fill(other)
    form.locator('input[name="reason"]').fill("同一当事人同一违法行为")
    form.get_by_test_id("link-submit").click()
    expect(page.locator(".flash.success")).to_contain_text(other)
    expect(page.get_by_test_id("case-link")).to_have_count(2)
    screenshot(page, "links-02-origin")


def test_the_linked_cases_section_fits_a_phone(browser, demo_server):
    with fresh_page(browser, demo_server, viewport={"width": 360, "height": 740}, is_mobile=True,
                    has_touch=True) as page:
        log_in(page, "officer1")
        open_first_case(page)
        section = page.get_by_test_id("case-links")
        section.scroll_into_view_if_needed()
        expect(section).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(page, "links-03-phone")
