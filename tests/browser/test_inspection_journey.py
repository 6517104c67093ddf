"""Enterprise inspections in a real browser on the demo data: the transport bureau's draft plan is
submitted by its officer, approved and published by its head, then the officer draws an enterprise
and its inspectors at random; a supervisor re-draws and the page says it matches. On a phone
(360 x 740, touch), the officer registers the visit before entry; the enterprise opens the public
link with no login and sees only the department, the plan item, the officers with their
certificates and the day; the officer records the inspection with a photo taken in the page and
the enterprise's signature drawn with a finger, then its result."""
import io
import re

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, fresh_page, screenshot
from tests.browser.test_seizure_page import fits, submit
from tests.browser.test_summary_phone import INK, draw_with_a_finger, log_in
from workflow_app.demo.evidence import site_photo
from workflow_app.wall_clock import local_today

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]


def test_plan_approved_drawn_verified_then_the_visit_on_a_phone_and_the_public_check(page, phone, browser,
                                                                                      demo_server, tmp_path):
    today = local_today().isoformat()
    log_in(page, "transport_officer1")
    page.get_by_test_id("nav-inspections").click()
    page.locator('[data-testid="plan"]', has_text="交通运输局").get_by_role("link").click()
    expect(page.get_by_test_id("plan-status")).to_have_attribute("data-status", "draft")
    plan_url = page.url
    page.get_by_test_id("plan-submit").click()
    expect(page.get_by_test_id("plan-status")).to_have_attribute("data-status", "submitted")

    log_in(page, "transport_head")
    page.goto(plan_url)
    page.get_by_test_id("plan-approve").click()
    expect(page.get_by_test_id("plan-status")).to_have_attribute("data-status", "approved")
    page.get_by_test_id("plan-publish").click()
    expect(page.get_by_test_id("plan-status")).to_have_attribute("data-status", "published")
    expect(page.get_by_test_id("plan-history")).to_contain_text("transport_head")
    screenshot(page, "inspection-01-plan-published")

    log_in(page, "transport_officer1")
    page.goto(plan_url)
    page.fill('input[name="targets"]', "1")
    page.get_by_test_id("draw-submit").click()
    expect(page.locator(".flash.success")).to_contain_text("启动检查案件1件")
    seed = page.get_by_test_id("draw-seed").inner_text()
    assert re.fullmatch(r"[0-9a-f]{32}", seed)
    target = page.get_by_test_id("draw-target")
    expect(target).to_have_count(1)
    expect(target).to_contain_text("transport_officer1")
    draw_url = page.url
    case_url = target.get_by_test_id("draw-case").get_attribute("href")
    screenshot(page, "inspection-02-drawn")

    log_in(page, "supervisor1")
    page.goto(draw_url)
    page.get_by_test_id("draw-verify").click()
    expect(page.get_by_test_id("verification")).to_have_attribute("data-matches", "yes")
    expect(page.get_by_test_id("verification")).to_contain_text("复核一致")
    screenshot(page, "inspection-03-verified")

    # on the phone: the visit registered before entry
    log_in(phone, "transport_officer1")
    phone.goto(case_url)
    phone.locator('[data-testid="task-link"][data-bpmn-id="visit_registration"]').click()
    expect(phone.get_by_test_id("form-title")).to_have_text("入企检查登记")
    expect(phone.locator('input[name="officers"][value="transport_officer1"]')).to_be_checked()  # as drawn
    expect(phone.locator('input[name="officers"][value="transport_officer2"]')).to_be_checked()
    phone.fill('input[name="visit_on"]', today)
    phone.fill('input[name="registered_on"]', today)
    fits(phone, "the visit registration")
    submit(phone, "下一步：现场检查记录")
    phone.get_by_test_id("inspection-page-link").click()
    link = phone.get_by_test_id("visit-link").inner_text()
    screenshot(phone, "inspection-04-visit-link")
    # the QR code on the phone's screen reads back as the link, as the enterprise's camera would read it
    qr = phone.get_by_test_id("visit-qr").locator("svg")
    expect(qr).to_be_visible()
    assert [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))] == [link]
    fits(phone, "the visit's page with its QR code")

    # the enterprise opens the link on its own phone, without logging in
    with fresh_page(browser, demo_server, viewport=PHONE, is_mobile=True, has_touch=True) as enterprise:
        enterprise.goto(link)
        registration = enterprise.get_by_test_id("public-registration")
        expect(registration).to_have_count(1)
        expect(enterprise.get_by_test_id("public-department")).to_have_text("交通运输局")
        expect(enterprise.get_by_test_id("public-item")).to_contain_text("未取得道路运输经营许可")
        expect(enterprise.get_by_test_id("public-visit-on")).to_have_text(today)
        expect(enterprise.get_by_test_id("public-officer")).to_have_count(2)
        expect(enterprise.get_by_test_id("certificate-valid")).to_have_count(2)
        expect(enterprise.locator("nav")).to_have_count(0)  # nobody is logged in: no menu
        body = enterprise.locator("main").inner_text()
        assert "案" not in body.replace("检查", ""), body  # no case number, title or party data
        screenshot(enterprise, "inspection-05-public-check")

    # the record, on the phone: a photo taken in the page and the enterprise's signature
    phone.goto(case_url)
    phone.locator('[data-testid="task-link"][data-bpmn-id="inspection_record"]').click()
    expect(phone.get_by_test_id("form-title")).to_have_text("现场检查记录")
    phone.check('input[name="credentials_shown"]')
    phone.fill('input[name="inspected_on"]', today)
    phone.fill('textarea[name="findings"]', "抽查道路运输经营许可证及车辆营运证，证照齐全有效。")
    phone.check('input[name="party_present"]')
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(site_photo("检查现场", 9))
    phone.get_by_test_id("evidence-camera-photos").set_input_files(str(photo))
    # the upload and its thumbnail are asynchronous: a loaded machine (the whole suite on two cores)
    # may take longer than the default five seconds
    expect(phone.get_by_test_id("evidence-photos").locator('input[name="photos"]')).to_be_checked(timeout=30_000)
    canvas = phone.get_by_test_id("signature-canvas-party_signature")
    draw_with_a_finger(phone, canvas)
    assert canvas.evaluate(INK) > 200
    fits(phone, "the inspection record")
    screenshot(phone, "inspection-06-record")
    submit(phone, "下一步：检查结果")

    phone.locator('[data-testid="task-link"][data-bpmn-id="inspection_result"]').click()
    phone.check('input[name="result"][value="no_problem"]')  # three choices: radio buttons
    phone.fill('input[name="result_on"]', today)
    phone.fill('textarea[name="summary"]', "未发现问题")
    submit(phone, "下一步：检查结果公示")
    expect(phone.get_by_test_id("documents")).to_contain_text("现场检查记录")
    expect(phone.get_by_test_id("documents")).to_contain_text("行政检查结果告知书")
    screenshot(phone, "inspection-07-result")
