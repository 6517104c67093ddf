"""查封、扣押 on an officer's phone, in a real browser on the demo data (a 360 x 740 touch screen):
an officer opens a seizure on the spot in an emergency (行政强制法 Art. 19), then records the
measure: two certified officers, the time it was taken (a date and time), the items seized, a
photo taken in the page (sent to the evidence list as it is taken and ticked in the form), and the
party signing the record on the screen with a finger. The case is then held (查封扣押中), its report
to the head due 24 hours after the time recorded, and the decision and its list are printed with
their number, the list with the party's drawing. Every page fits the width and its controls are big
enough for a finger."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, screenshot
from tests.browser.test_layout import overflows_sideways
from tests.browser.test_summary_phone import FINGER, INK, draw_with_a_finger, log_in
from workflow_app.demo.evidence import site_photo
from workflow_app.oversight.calendar import LOCAL_TZ
from workflow_app.wall_clock import local_today, utcnow

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]


WIDE = """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right >
    document.documentElement.clientWidth + 1).slice(-5).map(e => e.outerHTML.slice(0, 100) + ' ' +
    Math.round(e.getBoundingClientRect().right))"""


def fits(page, what: str):
    """No sideways scrolling; every control of the form inside the screen and a finger high (the
    camera's file input hides behind its button, which is measured instead)."""
    assert not overflows_sideways(page), (f"{what} scrolls sideways", page.evaluate(WIDE))
    controls = page.locator("form.task-form button:visible:not(.default-submit), form.task-form select:visible, "
                            "form.task-form textarea:visible, form.task-form label.check:visible, "
                            "form.task-form label.camera:visible, form.task-form canvas:visible, "
                            "form.task-form input:visible:not([type=checkbox]):not([type=radio]):not([type=file])")
    for i in range(controls.count()):
        box = controls.nth(i).bounding_box()
        if box is None:
            continue
        html = controls.nth(i).evaluate("e => e.outerHTML.slice(0, 120)")
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, (what, html, box)
        assert box["height"] >= FINGER, (what, html, box)


def submit(page, next_step: str):
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator(".flash.success")).to_contain_text(next_step)
    assert not overflows_sideways(page), "the case page scrolls sideways"


def test_an_officer_seizes_on_the_spot_on_a_phone_with_a_photo_and_the_partys_signature(phone, tmp_path):  # noqa: F811
    page = phone
    log_in(page, "officer1")
    page.get_by_test_id("new-case").click()
    page.select_option('select[name="procedure"]', "seizure")
    page.fill('input[name="title"]', "清河区某食品店涉嫌销售假冒食品扣押案")
    page.fill('input[name="party_name"]', "清河区某食品店")
    page.check('input[name="party_kind"][value="organization"]')
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_contain_text("下一步：查封、扣押审批申请")
    case_url = page.url

    page.locator('[data-testid="task-link"][data-bpmn-id="seizure_application"]').click()
    expect(page.get_by_test_id("form-title")).to_have_text("查封、扣押审批申请")
    page.check('input[name="measures"][value="seize"]')
    page.check('input[name="urgent"]')
    page.fill('textarea[name="urgent_reason"], input[name="urgent_reason"]', "当事人正在将涉案食品装车运走")
    page.fill('textarea[name="facts"]', "当事人店内销售的“香脆饼干”涉嫌标注虚假生产日期")
    page.fill('textarea[name="reasons"]', "防止涉案食品流入市场")
    page.fill('textarea[name="legal_basis"]', "《中华人民共和国食品安全法》第一百一十条第四项")
    page.fill('textarea[name="objects"]', "涉案饼干")
    page.fill('input[name="party_address"], textarea[name="party_address"]', "清河区车站路45号")
    page.fill('input[name="applied_on"]', local_today().isoformat())
    fits(page, "the application")
    submit(page, "下一步：实施查封、扣押")

    page.locator('[data-testid="task-link"][data-bpmn-id="seizure_onsite"]').click()
    expect(page.get_by_test_id("form-title")).to_have_text("实施查封、扣押")
    page.check('input[name="officers"][value="officer1"]')
    page.check('input[name="officers"][value="officer2"]')
    page.check('input[name="credentials_shown"]')
    seized = (utcnow() - timedelta(hours=1)).astimezone(LOCAL_TZ).replace(second=0, microsecond=0)
    page.fill('input[name="seized_at"]', seized.strftime("%Y-%m-%dT%H:%M"))
    expect(page.locator('input[name="seized_at"]')).to_have_attribute("type", "datetime-local")
    page.fill('input[name="place"], textarea[name="place"]', "清河区车站路45号店内")
    page.check('input[name="party_notified"]')
    page.check('input[name="party_present"]')
    page.check('input[name="informed"]')
    page.fill('textarea[name="record"]', "执法人员出示证件，当场告知扣押的理由、依据和权利，听取当事人陈述，扣押涉案饼干。")
    page.fill('input[name="items-0-name"], textarea[name="items-0-name"]', "香脆饼干")
    page.fill('input[name="items-0-quantity"]', "36")
    page.fill('input[name="items-0-unit"]', "袋")
    page.fill('input[name="storage_place"], textarea[name="storage_place"]', "本局涉案财物保管室")
    page.check('input[name="documents_handed_over"]')
    # the remedies are the department's (prefilled from its settings)
    expect(page.locator('[name="reconsideration_body"]')).to_have_value("清河区人民政府")

    # a photo taken with the phone's camera goes to the evidence list at once and comes back ticked
    photos = page.get_by_test_id("evidence-photos")
    expect(photos.locator("[data-evidence-none]")).to_be_visible()
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(site_photo("扣押现场", 7))
    page.get_by_test_id("evidence-camera-photos").set_input_files(str(photo))
    ticked = photos.locator('input[name="photos"]')
    expect(ticked).to_have_count(1)
    expect(ticked).to_be_checked()
    expect(photos.locator("img.thumb")).to_have_js_property("complete", True)
    assert photos.locator("img.thumb").evaluate("i => i.naturalWidth") > 0

    canvas = page.get_by_test_id("signature-canvas-party_signature")
    assert canvas.evaluate(INK) == 0
    draw_with_a_finger(page, canvas)
    assert canvas.evaluate(INK) > 200, "the finger drew nothing"
    fits(page, "the on-site record")
    screenshot(page, "seizure-phone-01-onsite")
    submit(page, "下一步：当场实施情况报告")
    expect(page.get_by_test_id("case-status")).to_have_text("查封扣押中")

    # the report is due 24 hours after the time recorded, to the minute
    report = page.locator('[data-testid="task-link"][data-bpmn-id="seizure_report"]')
    expect(report).to_be_visible()
    # the decision and its list, numbered by the system, the list with the party's drawing
    documents = page.get_by_test_id("documents")
    expect(documents).to_contain_text("查封（扣押）决定书")
    expect(documents).to_contain_text(re.compile(r"清市监封扣〔\d{4}〕\d+号"))
    screenshot(page, "seizure-phone-02-held")
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    documents.locator("li", has_text="查封（扣押）清单").get_by_role("link", name="打印页").click()
    expect(page.locator("h1")).to_have_text("查封（扣押）清单")
    expect(page.locator("main")).to_contain_text("香脆饼干")
    expect(page.locator("main")).to_contain_text("现场照片：见证据清单第")
    drawing = page.locator("img.drawing")
    drawing.scroll_into_view_if_needed()
    assert drawing.evaluate("i => i.complete && i.naturalWidth") > 0
    screenshot(page, "seizure-phone-03-list")

    page.goto(case_url)
    page.locator('[data-testid="task-link"][data-bpmn-id="seizure_report"]').click()
    expect(page.get_by_test_id("form-title")).to_have_text("当场实施情况报告")
    due = (seized + timedelta(hours=24)).strftime("%Y-%m-%d %H:%M")  # a limit in hours shows its minute
    expect(page.locator(".lead")).to_contain_text(due)
    fits(page, "the report")
