"""The evidence list in a real browser: an officer opens a case, adds a photo and a scanned PDF at
once (sent one by one with progress bars by static/evidence-upload.js), sees the photo's thumbnail,
opens the PDF drawn in the page by pdf.js, withdraws an item with a reason (it stays listed,
marked), and is told in Chinese why a web page is not evidence."""
import io
import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

pytestmark = [pytest.mark.xdist_group("browser")]


def photo() -> bytes:
    image = Image.new("RGB", (800, 600), (235, 235, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 100, 700, 500), outline=(160, 20, 20), width=12)
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def scan() -> bytes:
    """A two-page 'scanned' PDF, as a scanner writes it (an image per page)."""
    pages = [Image.new("RGB", (595, 842), (255, 255, 255)) for _ in range(2)]
    for n, page in enumerate(pages):
        ImageDraw.Draw(page).rectangle((60, 60 + 40 * n, 535, 200 + 40 * n), fill=(20, 20, 120))
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:])
    return out.getvalue()


def test_an_officer_adds_a_photo_and_a_scan_previews_them_and_withdraws_one(page):
    log_in(page, "officer1")
    page.get_by_test_id("new-case").click()
    page.fill('input[name="title"]', "某超市销售过期食品案（证据）")
    page.fill('input[name="party_name"]', "清河某超市有限公司")
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_be_visible()
    case_url = page.url
    expect(page.get_by_test_id("evidence-count")).to_have_text("0 项")
    page.get_by_test_id("evidence-list-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("证据清单")
    expect(page.locator("#f-camera")).to_have_attribute("capture", "environment")

    page.select_option("#f-kind", "physical")
    page.fill("#f-source", "现场拍摄、扫描")
    page.fill("#f-proves", "货架上陈列过期食品")
    page.set_input_files("#f-file", [
        {"name": "货架照片.jpg", "mimeType": "image/jpeg", "buffer": photo()},
        {"name": "现场笔录扫描件.pdf", "mimeType": "application/pdf", "buffer": scan()},
    ])
    page.get_by_test_id("submit").click()
    rows = page.get_by_test_id("evidence-row")
    expect(rows).to_have_count(2, timeout=20000)  # sent one by one, then the page reloads
    expect(rows.nth(0)).to_contain_text("货架照片.jpg")
    expect(rows.nth(0)).to_contain_text("物证")
    thumb = rows.nth(0).locator("img.thumb")
    expect(thumb).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    screenshot(page, "evidence-01-list")

    rows.nth(1).get_by_test_id("evidence-link").click()
    pdf = page.get_by_test_id("preview-pdf")
    expect(pdf).to_have_attribute("data-rendered", "2", timeout=20000)  # both pages drawn by pdf.js
    expect(pdf.locator("canvas")).to_have_count(2)
    assert pdf.locator("canvas").first.evaluate("c => c.width") > 100
    screenshot(page, "evidence-02-pdf")

    page.fill("#f-reason", "扫描件不清晰，重新扫描后另行提交")
    page.get_by_test_id("withdraw").click()
    expect(page.locator(".flash.success")).to_contain_text("已撤回")
    expect(page.get_by_test_id("withdrawal")).to_contain_text("扫描件不清晰")
    expect(page.get_by_test_id("withdraw-form")).to_have_count(0)
    page.get_by_test_id("back-to-list").click()
    expect(page.locator('tr.withdrawn [data-testid="withdrawn"]')).to_have_count(1)
    # the upload script is deferred: until it has run, a submit is the form's own (a 422 page, no
    # list of refused files): a click reaches the list once the page has loaded, as a person's does
    page.wait_for_load_state("load")

    page.set_input_files("#f-file", [{"name": "举报截图.jpg", "mimeType": "image/jpeg",
                                      "buffer": b"<!doctype html><script>alert(1)</script>"}])
    page.get_by_test_id("submit").click()
    refused = page.get_by_test_id("upload-failed")
    expect(refused).to_contain_text("不能作为证据上传")
    # the refusal's 422 is the browser's own console line for any 4xx; it is the answer expected here
    page.console_errors[:] = [e for e in page.console_errors if "422" not in e]
    screenshot(page, "evidence-03-refused")
    page.goto(case_url)
    expect(page.get_by_test_id("evidence-count")).to_have_text("2 项，其中 1 项已撤回")
    assert re.search(r"/cases/\d+$", page.url)


def test_the_plain_form_without_script_adds_the_files_all_at_once(browser, demo_server):
    context = browser.new_context(base_url=demo_server, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, "officer1")
        page.goto("/cases?status=investigating")  # an open case of the general procedure, its clue's evidence listed
        page.locator('[data-testid="cases"] a[href^="/cases/"]').first.click()
        page.get_by_test_id("evidence-list-link").click()
        # the list's own page before its rows are counted (a count does not wait: it read the case
        # page's none once, in a full run)
        expect(page).to_have_url(re.compile(r"/cases/\d+/evidence$"))
        before = page.get_by_test_id("evidence-row").count()
        page.set_input_files("#f-file", [{"name": "笔录.jpg", "mimeType": "image/jpeg", "buffer": photo()[:-2] + b"\x01\xff\xd9"}])
        page.get_by_test_id("submit").click()
        expect(page.locator(".flash.success")).to_contain_text("个文件已加入证据清单")
        expect(page.get_by_test_id("evidence-row")).to_have_count(before + 1)
    finally:
        context.close()


def test_an_officer_on_site_takes_a_photo_with_the_phone_and_the_pages_fit_it(browser, demo_server):
    from tests.browser.test_layout import overflows_sideways

    context = browser.new_context(base_url=demo_server, locale="zh-CN", viewport={"width": 360, "height": 740},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        log_in(page, "officer1")
        page.goto("/cases/new")
        page.fill('input[name="title"]', "某餐馆后厨卫生检查案")
        page.fill('input[name="party_name"]', "某餐馆")
        page.get_by_test_id("submit").click()
        expect(page.locator(".flash.success")).to_be_visible()
        page.get_by_test_id("evidence-list-link").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("证据清单")
        assert not overflows_sideways(page), "the evidence list scrolls sideways on a phone"
        page.set_input_files("#f-camera", [{"name": "IMG_20261206_101500.jpg", "mimeType": "image/jpeg",
                                            "buffer": photo()}])  # what the camera hands the page
        page.get_by_test_id("submit").click()
        expect(page.get_by_test_id("evidence-row")).to_have_count(1, timeout=20000)
        assert not overflows_sideways(page), "the evidence list scrolls sideways on a phone"
        screenshot(page, "evidence-04-phone-list")
        page.get_by_test_id("evidence-link").first.click()
        expect(page.get_by_test_id("preview-image")).to_be_visible()
        assert not overflows_sideways(page), "an evidence item scrolls sideways on a phone"
        screenshot(page, "evidence-05-phone-item")
    finally:
        context.close()
