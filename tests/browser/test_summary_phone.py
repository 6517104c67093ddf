"""The summary procedure (简易程序) on an officer's phone, in a real browser on the demo data: a
360 x 740 touch screen. An officer opens a case on the spot and records every step - the
certificates shown, the notice with its cause picked from the department's register (案由), the
party's statement, a decision whose pre-printed number a demo case already holds refused beside the
number naming that case, one above the limit refused with its article and then made, the decision
handed over while the party signs on the screen with a finger (drawn, cleared, drawn again), the
fine collected and handed over - and a head files and closes it. Every page fits the width (no
sideways scrolling) and its controls are big enough for a finger."""
import base64
import hashlib
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, PHONE, screenshot
from tests.browser.test_layout import overflows_sideways
from tests.browser.test_review_journeys import Api
from workflow_app.wall_clock import local_today

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("browser")]

FINGER = 43  # px: a control a finger hits (44 CSS px, less rounding)
INK = """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
               let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) { n++; } } return n; }"""


def day(offset: int = 0) -> str:
    return (local_today() + timedelta(days=offset)).isoformat()


def log_in(page, username: str):
    page.goto("about:blank")  # nothing of the last page still loading when its session goes
    page.context.clear_cookies()
    page.goto("/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', DEMO_PASSWORD)
    page.click('button[type="submit"].primary')
    page.wait_for_load_state("load")


def fits(page, what: str):
    """The page does not scroll sideways, and the form's controls lie within the screen, each at
    least a finger high."""
    assert not overflows_sideways(page), f"{what} scrolls sideways"
    controls = page.locator("form.task-form button:visible:not(.default-submit), form.task-form select:visible, "
                            "form.task-form textarea:visible, form.task-form label.check:visible, "
                            "form.task-form input:visible:not([type=checkbox]):not([type=radio]), "
                            "form.task-form canvas:visible")
    for i in range(controls.count()):
        box = controls.nth(i).bounding_box()
        if box is None:
            continue
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, (what, controls.nth(i).evaluate(
            "e => e.outerHTML.slice(0, 120)"), box)
        assert box["height"] >= FINGER, (what, controls.nth(i).evaluate("e => e.outerHTML.slice(0, 120)"), box)


def open_step(page, bpmn_id: str, title: str):
    page.locator(f'[data-testid="task-link"][data-bpmn-id="{bpmn_id}"]').click()
    expect(page.get_by_test_id("form-title")).to_have_text(title)
    fits(page, title)


def submit(page, next_step: str | None = None):
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    if next_step:
        expect(page.locator(".flash.success")).to_contain_text(next_step)
    assert not overflows_sideways(page), "the case page scrolls sideways"


def draw_with_a_finger(page, canvas, wave: int = 18):
    """A stroke across the box, as touch input (the page turns it into pointer events)."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    cdp = page.context.new_cdp_session(page)
    points = [(box["x"] + 20 + i * (box["width"] - 40) / 24, box["y"] + box["height"] / 2 + (wave if i % 2 else -wave))
              for i in range(25)]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]})
    for x, y in points[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def a_number_a_demo_case_holds(demo_server) -> tuple[str, str]:
    """(the number printed on a demo case's decision on the spot, that case's number)."""
    api = Api(demo_server)
    for case in api.call("GET", "/api/v1/cases?status=decided&per_page=100", "officer1")["items"]:
        steps = api.call("GET", f"/api/v1/cases/{case['id']}/tasks", "officer1")["items"]
        decided = next((t for t in steps if t["bpmn_id"] == "decide" and t["state"] == "completed"), None)
        if decided is not None:
            return decided["data"]["decision_number"], case["number"]
    raise AssertionError("no demo case of the summary procedure is decided")


def test_an_officer_decides_on_the_spot_on_a_phone_the_party_signs_with_a_finger_and_a_head_closes(phone, demo_server):
    page = phone
    held, holder = a_number_a_demo_case_holds(demo_server)
    log_in(page, "officer1")
    assert not overflows_sideways(page), "the inbox scrolls sideways"
    page.get_by_test_id("new-case").click()
    page.select_option('select[name="procedure"]', "summary_penalty")
    page.fill('input[name="title"]', "王某不按规定明码标价案")
    page.fill('input[name="party_name"]', "王某")
    page.check('input[name="party_kind"][value="person"]')
    fits(page, "the new case")
    page.get_by_test_id("submit").click()
    expect(page.locator(".flash.success")).to_contain_text("下一步：出示执法证件")
    case_url = page.url
    screenshot(page, "summary-phone-01-case")

    open_step(page, "identify", "出示执法证件")
    page.check('input[name="officers"][value="officer1"]')
    page.check('input[name="officers"][value="officer2"]')
    page.check('input[name="credentials_shown"]')
    page.fill('input[name="checked_on"]', day())
    page.fill('input[name="place"]', "清河区车站路45号")
    page.fill('input[name="party_id_number"]', "990105198503120016")
    page.fill('textarea[name="party_address"], input[name="party_address"]', "清河区幸福里3栋")
    screenshot(page, "summary-phone-02-identify")
    submit(page, "下一步：当场告知")
    expect(page.get_by_test_id("case-status")).to_have_text("当场执法中")

    open_step(page, "notify", "当场告知")
    page.fill('textarea[name="facts"]', "当事人店内销售的12种商品未标明价格")
    page.fill('textarea[name="evidence"]', "现场检查笔录；照片6张")
    cause = page.locator('select[name="cause"]')  # the market bureau's causes register (案由)
    expect(cause.locator('option[value="SCJG-JG-13-01"]')).to_have_text("SCJG-JG-13-01 经营者不按规定明码标价")
    cause.select_option("SCJG-JG-13-01")
    page.fill('textarea[name="violated_provision"]', "《中华人民共和国价格法》第十三条第一款")
    page.fill('textarea[name="penalty_provision"]', "《价格违法行为行政处罚规定》第十三条")
    page.check('input[name="notified_penalty_kinds"][value="fine"]')
    page.fill('input[name="notified_fine"]', "100")
    page.check('input[name="rights_told"]')
    page.fill('input[name="notified_on"]', day())
    fits(page, "the notice with its cause")
    screenshot(page, "summary-phone-02b-notice-cause")
    submit(page, "下一步：当场陈述申辩")

    open_step(page, "hear_statement", "当场陈述申辩")
    page.check('input[name="statement_made"]')
    page.fill('textarea[name="statement"]', "当事人称系顾客退回后误放上架")
    page.check('input[name="handling"][value="not_adopted"]')
    page.fill('textarea[name="handling_reasons"]', "经营者负有检查义务，不予采纳")
    page.fill('input[name="answered_on"]', day())
    submit(page, "下一步：当场作出处罚决定")

    open_step(page, "decide", "当场处罚决定")
    # the legal basis comes prefilled with the penalty provision of the cause the notice chose
    expect(page.locator('textarea[name="legal_basis"]')).to_have_value("《价格违法行为行政处罚规定》第十三条")
    page.fill('input[name="decision_number"]', held)  # the number of another case's form
    page.check('input[name="penalty_kinds"][value="fine"]')
    page.fill('input[name="fine_amount"]', "250")
    page.fill('input[name="decided_on"]', day())
    page.fill('input[name="decided_time"]', "10:30")
    page.fill('textarea[name="performance_manner"]', "当场缴纳")
    page.fill('input[name="reconsideration_body"], textarea[name="reconsideration_body"]', "清河区人民政府")
    page.fill('input[name="litigation_court"], textarea[name="litigation_court"]', "清河区人民法院")
    page.get_by_test_id("submit").click()  # the number is used: refused beside it, naming the case
    reused = page.get_by_test_id("error-decision_number")
    expect(reused).to_contain_text(f"{held}已被案件{holder}")
    expect(reused).to_contain_text("每个编号只能使用一次")
    expect(page.locator('input[name="decision_number"]')).to_have_value(held)  # what was typed is kept
    fits(page, "the number already used")
    screenshot(page, "summary-phone-03a-number-used")
    page.fill('input[name="decision_number"]', "清市监当罚〔2026〕9001号")
    page.get_by_test_id("submit").click()  # above the limit for a person: refused with the article
    banner = page.get_by_test_id("form-banner")
    expect(banner).to_have_attribute("data-code", "SUMMARY_OVER_LIMIT")
    expect(page.get_by_test_id("refusal-article")).to_have_text("《行政处罚法》第51条")
    expect(banner).to_contain_text("对公民当场只能处以200元以下罚款")
    expect(page.locator('[data-field="fine_amount"]')).to_have_class(re.compile("is-refused"))
    fits(page, "the refused decision")
    screenshot(page, "summary-phone-03-decision-refused")
    page.fill('input[name="fine_amount"]', "100")
    submit(page, "下一步：当场交付决定书")
    expect(page.get_by_test_id("case-status")).to_have_text("已作出决定")

    open_step(page, "serve", "当场交付决定书")
    page.fill('input[name="served_on"]', day())
    canvas = page.get_by_test_id("signature-canvas-party_signature")
    expect(canvas).to_be_visible()
    assert canvas.evaluate(INK) == 0
    draw_with_a_finger(page, canvas)
    assert canvas.evaluate(INK) > 200, "the finger drew nothing"
    expect(page.locator("[data-signature-state]")).to_have_text("已签名：将随表单提交。")
    page.get_by_test_id("signature-clear-party_signature").click()
    assert canvas.evaluate(INK) == 0
    expect(page.locator("[data-signature-state]")).to_have_text("尚未签名。")
    draw_with_a_finger(page, canvas, wave=30)
    assert canvas.evaluate(INK) > 200
    fits(page, "the signature")
    screenshot(page, "summary-phone-04-signed")
    submit(page, "下一步")
    expect(page.get_by_test_id("case-status")).to_have_text("决定已送达")

    image = page.get_by_test_id("signature-image")
    image.scroll_into_view_if_needed()
    assert image.evaluate("i => i.complete && i.naturalWidth") > 0
    png = page.request.get(image.get_attribute("src"))
    assert png.status == 200 and png.headers["content-type"] == "image/png"
    sha = hashlib.sha256(png.body()).hexdigest()
    expect(page.locator('[data-bpmn-id="serve"] .hash code')).to_have_text(sha)  # the hash the step recorded
    screenshot(page, "summary-phone-05-signature-in-the-file")

    # the print page is a bare A4 document with no icon: the browser's own /favicon.ico request is not the page's
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page.get_by_test_id("documents").get_by_role("link", name="打印页").click()  # the decision as printed
    expect(page.locator("h1")).to_have_text("当场行政处罚决定书")
    drawing = page.locator("img.drawing")
    drawing.scroll_into_view_if_needed()
    assert drawing.evaluate("i => i.complete && i.naturalWidth") > 0
    expect(drawing.locator("xpath=..")).to_contain_text("当事人签名：")
    printed = base64.b64decode(drawing.get_attribute("src").removeprefix("data:image/png;base64,"))
    assert printed == png.body()  # byte for byte the drawing the step recorded (its hash checked above)
    expect(page.locator("p", has_text="SHA-256")).to_contain_text(sha)
    assert drawing.bounding_box()["y"] < page.locator("p", has_text="SHA-256").bounding_box()["y"]
    screenshot(page, "summary-phone-05b-signature-on-the-decision")
    page.go_back()

    open_step(page, "payment", "罚款缴纳")
    page.check('input[name="collected_on_the_spot"]')
    page.check('input[name="collection_ground"][value="small_fine"]')
    page.fill('input[name="receipt_number"]', "财罚No.0099")
    page.fill('input[name="collected_on"]', day())
    page.fill('input[name="amount_collected"]', "100")
    submit(page, "罚款交至行政机关")

    open_step(page, "hand_over", "罚款交至行政机关")
    page.fill('input[name="handed_over_on"]', day())
    page.fill('input[name="amount_handed_over"]', "100")
    page.fill('input[name="received_by"]', "局财务科")
    submit(page, "备案")

    log_in(page, "head1")
    page.goto(case_url)
    open_step(page, "file_record", "报所属行政机关备案")
    page.fill('input[name="filed_on"]', day())
    page.fill('textarea[name="review_note"]', "材料齐全，予以备案")
    submit(page, "下一步：结案")
    open_step(page, "closing", "结案")
    page.fill('textarea[name="closing_report"]', "已当场处罚、交付并备案，罚款已交至本机关")
    page.check('input[name="record_complete"]')
    page.fill('input[name="closed_on"]', day())
    submit(page)
    expect(page.get_by_test_id("case-status")).to_have_text("已结案")
    screenshot(page, "summary-phone-06-closed")


def test_a_party_who_refuses_to_sign_is_recorded_instead(phone):
    """A demo case decided on the spot: sent with neither a signature nor a refusal, the page says
    what is missing beside the signature box; the refusal noted, the decision is handed over."""
    page = phone
    log_in(page, "officer1")
    page.locator('[data-testid="task-link"]', has_text="当场交付决定书").first.click()
    expect(page.get_by_test_id("form-title")).to_have_text("当场交付决定书")
    page.fill('input[name="served_on"]', day())
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("error-party_signature")).to_contain_text("必填")
    fits(page, "the missing signature")
    page.check('input[name="refused_to_sign"]')
    page.fill('textarea[name="refusal_note"]', "当事人拒绝签名，已在决定书上注明并录像")
    submit(page, "下一步")
    expect(page.get_by_test_id("case-status")).to_have_text("决定已送达")
