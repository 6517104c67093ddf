"""The summary procedure (简易程序, APL 51-53, 68-71) driven through the API on both databases:
decided on the spot by two certified officers, handed over against the party's drawn signature or
a recorded refusal, filed with the agency, the fine collected on the spot only where the law
allows and handed to the agency within 2 working days (SUMMARY_FINE_NOT_HANDED_OVER when late)."""
import base64
import hashlib
import io
import zipfile
from datetime import datetime, timedelta

import pytest

from tests.summary import ON_THE_SPOT, ORGANIZATION, SIGNATURE, WARNING, Summary, decision_number
from tests.tampering import tamper
from workflow_app.demo.signature import png_rgba
from workflow_app.extensions import db
from workflow_app.models import Alert, CaseAttachment
from workflow_app.oversight.identity import with_uscc_check

pytestmark = pytest.mark.dates


@pytest.fixture
def summary(api):
    return Summary(api)


def trace(api, case) -> list[dict]:
    return api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]


# -- the lifecycle ------------------------------------------------------------------------------------
def test_a_fine_collected_on_the_spot_goes_from_the_certificates_to_closing(api, summary):
    case = summary.open()
    assert case["number"] and api.ready(case) == ["identify"]
    case = summary.run(case, *ON_THE_SPOT)
    assert case["status"] == "decided" and api.ready(case) == ["serve"]
    serve = api.task(case, "serve")
    assert serve["deadline"] == "0 days from decide.decided_on" and serve["due_at"]  # handed over on the spot
    case = summary.served(case)
    assert case["status"] == "served" and api.ready(case) == ["file_record", "payment"]
    filing = api.task(case, "file_record")
    assert filing["deadline"] == "3 working days from decide.decided_on" and filing["lane"] == "department_head"
    case = summary.run(case, "payment")
    hand_over = api.task(case, "hand_over")
    assert hand_over["deadline"] == "2 working days from payment.collected_on" and hand_over["due_at"]
    case = summary.run(case, "hand_over", "file_record")
    assert api.ready(case) == ["closing"]
    case = summary.run(case, "closing")
    assert case["status"] == "closed" and case["closed_at"] and case["tasks"] == []
    # no 立案 (filing): decided, handed over and closed, as the package's BPMN declares
    assert [(m["milestone"], m["status"], m["bpmn_id"]) for m in case["milestones"]] == [
        ("on_spot", "on_the_spot", "identify"), ("decided", "decided", "decide"), ("served", "served", "serve"),
        ("closed", "closed", "closing")]
    assert api.get("/api/v1/alerts?status=all", as_="supervisor1").json["total"] == 0


def test_a_warning_needs_no_payment(api, summary):
    case = summary.run(summary.open(), "identify", ("notify", WARNING), "hear_statement",
                       ("decide", {"penalty_kinds": ["warning"], "fine_amount": None, "performance_manner": None}))
    case = summary.complete(case, "serve", refused_to_sign=True, refusal_note="当事人拒绝签名，已在决定书上注明")
    assert api.ready(case) == ["file_record"]
    assert summary.run(case, "file_record", "closing")["status"] == "closed"


def test_a_fine_paid_at_the_bank_is_not_handed_over_by_the_officers(api, summary):
    case = summary.served(summary.open())
    assert api.task(case, "payment")["deadline"] == "15 days from serve.served_on"
    case = summary.run(case, ("payment", {"collected_on_the_spot": False, "collection_ground": None,
                                          "receipt_number": None, "collected_on": None, "amount_collected": None,
                                          "paid_on": summary_day(0), "amount_paid": 100}))
    assert api.ready(case) == ["file_record"]


def summary_day(n: int) -> str:
    from tests.helpers import days_ago

    return days_ago(n)


# -- what the law forbids -------------------------------------------------------------------------------
def test_a_fine_above_the_limit_is_refused_with_the_article_and_the_case_is_unchanged(api, summary):
    case = summary.run(summary.open(), "identify", ("notify", {"notified_fine": 200}), "hear_statement")
    r = summary.complete(case, "decide", expect=422, fine_amount=201)
    body = r.json
    assert body["error"] == "SUMMARY_OVER_LIMIT" and body["article"] == "《行政处罚法》第51条"
    assert "当场处罚决定·罚款金额201元超过当场处罚的限额：对公民当场只能处以200元以下罚款" in body["message"]
    assert "summary_decision.fine_amount" in body["errors"]
    assert api.get(f"/api/v1/cases/{case['id']}").json["status"] == "on_the_spot" and api.ready(case) == ["decide"]
    refused = [e for e in trace(api, case) if e["action"] == "step.refused"]
    assert refused[-1]["data"]["code"] == "SUMMARY_OVER_LIMIT"
    assert summary.complete(case, "decide", fine_amount=200)["status"] == "decided"


def test_the_limit_follows_the_partys_kind(api, summary):
    org = summary.run(summary.open(party=ORGANIZATION),
                      ("identify", {"party_id_number": with_uscc_check("92990105MA05BMY9T")}),
                      ("notify", {"notified_fine": 3000}), "hear_statement")
    r = summary.complete(org, "decide", expect=422, fine_amount=3001)
    assert r.json["error"] == "SUMMARY_OVER_LIMIT" and "法人或者其他组织当场只能处以3000元以下罚款" in r.json["message"]
    assert summary.complete(org, "decide", fine_amount=3000)["status"] == "decided"


def test_a_fine_above_the_limit_is_refused_when_proposed_already(api, summary):
    case = summary.run(summary.open(), "identify")
    r = summary.complete(case, "notify", expect=422, notified_fine=500)
    assert r.json["error"] == "SUMMARY_OVER_LIMIT" and "summary_notice.notified_fine" in r.json["errors"]


def test_a_law_providing_another_limit_is_recorded_with_its_limit(api, summary):
    case = summary.run(summary.open(), "identify", ("notify", {"notified_fine": 200}), "hear_statement")
    assert summary.complete(case, "decide", expect=422, fine_amount=200, other_law="《某法》第十条")  # no limit
    refused = summary.complete(case, "decide", expect=422, fine_amount=200, other_law="《某法》第十条", other_limit=50)
    assert "依照《某法》第十条当场只能处以50元以下罚款" in refused.json["message"]
    case = summary.complete(case, "decide", fine_amount=150, other_law="《某法》第十条", other_limit=150)
    assert case["status"] == "decided"


def test_a_decision_heavier_than_the_notice_is_refused(api, summary):
    case = summary.run(summary.open(), *ON_THE_SPOT[:-1])
    r = summary.complete(case, "decide", expect=422, fine_amount=150)
    assert r.json["error"] == "HEAVIER_AFTER_DEFENCE"


def test_one_officer_alone_or_an_uncertified_one_may_not_act(api, summary):
    case = summary.open()
    r = summary.complete(case, "identify", expect=422, officers=["officer1"])
    assert "officers" in r.json["errors"]  # at least two (APL 42)
    r = summary.complete(case, "identify", expect=422, officers=["officer2", "officer3"])
    assert r.json["error"] == "SINGLE_OFFICER"  # recorded by one of the two who showed their certificates


def test_collection_on_the_spot_only_where_article_68_allows(api, summary):
    case = summary.served(summary.run(summary.open(), *ON_THE_SPOT[:-1],
                                      ("decide", {"fine_amount": 100})))
    r = summary.complete(case, "payment", expect=422, collection_ground="hard_to_enforce")
    assert r.json["error"] == "ON_SPOT_COLLECTION_NOT_ALLOWED" and r.json["article"] == "《行政处罚法》第68条、第69条"
    assert "summary_payment.ground_reason" in r.json["errors"]
    r = summary.complete(case, "payment", expect=422, amount_collected=80)
    assert "summary_payment.amount_collected" in r.json["errors"]
    case = summary.complete(case, "payment", collection_ground="hard_to_enforce",
                            ground_reason="当事人系外地流动摊贩，无固定住所，事后难以执行")
    assert api.ready(case) == ["file_record", "hand_over"]


def test_more_than_100_yuan_is_not_collected_as_a_small_fine(api, summary):
    case = summary.run(summary.open(), "identify", ("notify", {"notified_fine": 150}), "hear_statement",
                       ("decide", {"fine_amount": 150}))
    case = summary.served(case)
    r = summary.complete(case, "payment", expect=422, amount_collected=150)
    assert r.json["error"] == "ON_SPOT_COLLECTION_NOT_ALLOWED" and "超过100元" in r.json["message"]


# -- the cause (案由) and the no-penalty list, as in the general procedure ----------------------------------
def test_the_notice_names_a_cause_of_the_departments_register(api, summary):
    case = summary.run(summary.open(), "identify")
    r = summary.complete(case, "notify", expect=422, cause=None)  # the market bureau has a register
    assert list(r.json["errors"]) == ["cause"] and "案由" in r.json["errors"]["cause"][0]
    r = summary.complete(case, "notify", expect=422, cause="NO-SUCH")
    assert "NO-SUCH" in r.json["errors"]["cause"][0]
    assert api.ready(api.get(f"/api/v1/cases/{case['id']}").json) == ["notify"]


def test_a_fine_below_the_causes_statutory_minimum_is_refused_with_the_article(api, summary):
    """Art. 126 of the Food Safety Law: 5,000 to 50,000 yuan. A 100-yuan fine on the spot is below it
    (减轻处罚) and needs a recorded circumstance of APL Art. 32; recorded, the fine stands."""
    case = summary.run(summary.open(), "identify")
    below = {**WARNING, "notified_penalty_kinds": ["fine"], "notified_fine": 100}
    r = summary.complete(case, "notify", expect=422, **below)
    body = r.json
    assert body["error"] == "FINE_OUTSIDE_STATUTORY_RANGE" and body["article"] == "《行政处罚法》第32条"
    assert "summary_notice.notified_fine" in body["errors"]
    assert "当场告知·拟罚款金额100元低于《中华人民共和国食品安全法》第一百二十六条第一款第三项规定的罚款幅度（5000元以上" \
        "50000元以下）" in body["message"]
    refused = [e for e in trace(api, case) if e["action"] == "step.refused"]
    assert refused[-1]["data"]["code"] == "FINE_OUTSIDE_STATUTORY_RANGE"
    case = summary.complete(case, "notify", **below, mitigating_circumstance="eliminated_harm",
                            mitigation_facts="当事人当场补建进货查验记录，未造成危害后果")
    case = summary.run(case, "hear_statement", ("decide", {"legal_basis": WARNING["penalty_provision"]}))
    assert case["status"] == "decided"  # the decision's 100 yuan rests on the notice's circumstance


def test_a_penalty_kind_the_causes_provision_does_not_provide_is_refused(api, summary):
    """Price tags (价格法 Art. 42): confiscation and a fine, no warning — on the notice and on the decision."""
    case = summary.run(summary.open(), "identify")
    r = summary.complete(case, "notify", expect=422, notified_penalty_kinds=["warning"], notified_fine=None)
    assert r.json["error"] == "PENALTY_KIND_NOT_IN_PROVISION" and r.json["article"] == "《行政处罚法》第4条、第38条第1款"
    assert "summary_notice.notified_penalty_kinds" in r.json["errors"]
    case = summary.run(case, "notify", "hear_statement")
    r = summary.complete(case, "decide", expect=422, penalty_kinds=["warning"], fine_amount=None,
                         performance_manner=None)
    assert r.json["error"] == "PENALTY_KIND_NOT_IN_PROVISION" and "summary_decision.penalty_kinds" in r.json["errors"]


def test_a_case_found_on_the_no_penalty_list_and_warned_on_the_spot_raises_the_alert(api, summary):
    """SCJG-BCF-001: a first violation of the purchase records, corrected, no harm (APL 33(1)). The
    notice finds the case meets it, the officers warn all the same: the step is taken, and the
    supervisors see MINOR_FIRST_VIOLATION_PENALIZED."""
    on_the_list = {**WARNING, "penalty_list_item": "SCJG-BCF-001", "meets_penalty_list": "yes"}
    case = summary.run(summary.open(), "identify", ("notify", on_the_list), "hear_statement",
                       ("decide", {"penalty_kinds": ["warning"], "fine_amount": None, "performance_manner": None,
                                   "legal_basis": WARNING["penalty_provision"]}))
    assert case["status"] == "decided"
    found = api.get("/api/v1/alerts?code=MINOR_FIRST_VIOLATION_PENALIZED", as_="supervisor1").json["items"]
    alert = next(a for a in found if a["case_id"] == case["id"])
    assert (alert["details"]["item"], alert["details"]["kinds"]) == ("SCJG-BCF-001", ["warning"])
    assert "第33条" in alert["basis"]


def test_a_party_warned_on_the_spot_before_is_no_first_violator(api, summary):
    """The decision on the spot counts in the parties register (its kinds are marked as a
    decision's): the party's second case cannot be found a first violation of the cause."""
    warned = ("decide", {"penalty_kinds": ["warning"], "fine_amount": None, "performance_manner": None,
                         "legal_basis": WARNING["penalty_provision"]})
    first = summary.run(summary.open(), "identify", ("notify", WARNING), "hear_statement", warned)
    case = summary.run(summary.open(), "identify")
    r = summary.complete(case, "notify", expect=422, **{**WARNING, "penalty_list_item": "SCJG-BCF-001",
                                                         "meets_penalty_list": "yes"})
    assert list(r.json["errors"]) == ["meets_penalty_list"] and first["number"] in r.json["errors"]["meets_penalty_list"][0]


def test_the_notice_page_offers_the_departments_causes_and_list_items(app, api, summary):
    from tests.web_session import html, page_login

    case = summary.run(summary.open(), "identify")
    browser = app.test_client()
    page_login(browser, "officer1")
    page = html(browser.get(f"/tasks/{api.task(case, 'notify')['id']}"))
    picker = page[page.index('<select id="f-cause" name="cause"'):]
    picker = picker[:picker.index("</select>")]
    assert 'value="SCJG-JG-13-01"' in picker and "经营者不按规定明码标价" in picker and 'value="SCJG-SP-126-03"' in picker
    assert 'name="penalty_list_item"' in page and 'value="SCJG-BCF-001"' in page


# -- the signature ----------------------------------------------------------------------------------------
def test_the_signature_is_kept_immutable_with_its_hash_on_the_trail(app, api, summary):
    case = summary.run(summary.open(), *ON_THE_SPOT)
    r = summary.sign(case, expect=201)
    sha = hashlib.sha256(SIGNATURE).hexdigest()
    assert r.json["sha256"] == sha and r.json["media_type"] == "image/png" and r.json["size"] == len(SIGNATURE)
    assert r.json["created"] is True and summary.sign(case, expect=200).json["created"] is False  # the same drawing
    got = api.get(f"/api/v1/cases/{case['id']}/attachments/{sha}")
    assert got.status_code == 200 and got.data == SIGNATURE and got.mimetype == "image/png"
    case = summary.complete(case, "serve", party_signature=sha)
    events = trace(api, case)
    stored = [e for e in events if e["action"] == "attachment.stored"]
    assert len(stored) == 1 and stored[0]["data"]["sha256"] == sha and stored[0]["bpmn_id"] == "serve"
    completed = [e for e in events if e["action"] == "task.completed" and e["bpmn_id"] == "serve"]
    assert completed[0]["data"]["form"]["party_signature"] == sha
    with app.app_context():
        row = db.session.execute(db.select(CaseAttachment)).scalar_one()
        for statement in ("UPDATE case_attachment SET size = 1", "DELETE FROM case_attachment"):
            with pytest.raises(Exception, match="immutable"):
                db.session.execute(db.text(statement))
            db.session.rollback()
        assert db.session.get(CaseAttachment, row.id).content == SIGNATURE


def test_the_step_names_a_signature_stored_with_the_case(api, summary):
    case = summary.run(summary.open(), *ON_THE_SPOT)
    r = summary.complete(case, "serve", expect=422, party_signature="a" * 64)
    assert "party_signature" in r.json["errors"]
    r = summary.complete(case, "serve", expect=422)  # neither a signature nor a refusal
    assert "party_signature" in r.json["errors"]
    sha = summary.sign(case).json["sha256"]
    r = summary.complete(case, "serve", expect=422, party_signature=sha, refused_to_sign=True, refusal_note="拒签")
    assert "party_signature" in r.json["errors"]  # signed and refused at once
    other = summary.run(summary.open(), *ON_THE_SPOT)
    r = summary.complete(other, "serve", expect=422, party_signature=sha)  # another case's signature
    assert "party_signature" in r.json["errors"]


@pytest.mark.parametrize("junk, reason", [
    (b"", "not a PNG image"),
    (b"GIF89a" + b"\0" * 40, "not a PNG image"),
    (SIGNATURE[:-20], "cut short"),
    (SIGNATURE + b"trailing", "data after its end"),
    (SIGNATURE[:40] + bytes([SIGNATURE[40] ^ 0xFF]) + SIGNATURE[41:], "checksum"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * (300 * 1024), "limit"),
])
def test_junk_is_refused_with_the_field_and_the_reason(api, summary, junk, reason):
    case = summary.run(summary.open(), *ON_THE_SPOT)
    r = summary.sign(case, junk, expect=422, headers={"Accept-Language": "en"})
    assert reason in " ".join(r.json["errors"]["file"]), r.json
    said = summary.sign(case, junk, expect=422).json["errors"]["file"][0]  # Chinese by default
    assert "PNG" in said or "字节" in said
    r = api.post(f"/api/v1/cases/{case['id']}/signatures", data={}, content_type="multipart/form-data")
    assert r.status_code == 422 and "file" in r.json["errors"]
    assert not [e for e in trace(api, case) if e["action"] == "attachment.stored"]


def _grey(width: int, height: int, value: int) -> bytes:
    """An 8-bit greyscale PNG of one shade, Sub-filtered as encoders write it."""
    import struct
    import zlib

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x01" + bytes([value]) + b"\0" * (width - 1) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


HIDDEN = bytearray(480 * 160 * 4)
HIDDEN[0:4 * 480 * 160:4] = bytes(range(256)) * 300  # colours, all at alpha 0: nothing shows


@pytest.mark.parametrize("blank, reason", [
    (png_rgba(480, 160, bytearray(480 * 160 * 4)), "every pixel is transparent"),  # a canvas never touched
    (png_rgba(480, 160, HIDDEN), "every pixel is transparent"),
    (png_rgba(480, 160, bytearray(b"\xff" * (480 * 160 * 4))), "every pixel has the same colour"),  # filled white
    (_grey(300, 100, 200), "every pixel has the same colour"),
])
def test_a_blank_canvas_is_refused_naming_the_field_and_the_reason(api, summary, blank, reason):
    case = summary.run(summary.open(), *ON_THE_SPOT)
    r = summary.sign(case, blank, expect=422, headers={"Accept-Language": "en"})
    assert r.json["errors"]["file"] == [f"the signature is blank: {reason}, nothing is drawn"], r.json
    assert "空白" in summary.sign(case, blank, expect=422).json["errors"]["file"][0]
    assert not [e for e in trace(api, case) if e["action"] == "attachment.stored"]
    dotted = bytearray(480 * 160 * 4)
    dotted[4 * (80 * 480 + 240):4 * (80 * 480 + 241)] = b"\0\0\0\xff"  # one black dot is a drawing
    assert summary.sign(case, png_rgba(480, 160, dotted), expect=201)


@pytest.mark.parametrize("width, height", [(5000, 1), (1, 4097)])
def test_an_image_of_huge_dimensions_is_refused_before_its_pixels_are_read(api, summary, width, height):
    case = summary.run(summary.open(), *ON_THE_SPOT)
    r = summary.sign(case, _grey(width, height, 0), expect=422, headers={"Accept-Language": "en"})
    assert r.json["errors"]["file"] == [f"the image is {width} × {height} pixels; at most 4096 each way"]


def test_a_bomb_inflating_past_the_header_is_refused():
    import struct
    import zlib

    from workflow_app.services.evidence.attachments import png_problem

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 10, 10, 8, 6, 0, 0, 0)
    bomb = zlib.compress(b"\0" * 50_000_000, 9)  # 50 MB of zeros in ~50 KB
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", bomb) + chunk(b"IEND", b"")
    assert "does not match its size" in str(png_problem(png))


def test_only_a_step_waiting_for_a_signature_takes_one(api, summary):
    case = summary.run(summary.open(), "identify")
    assert summary.sign(case, expect=409).json["error"] == "conflict"
    case = summary.run(case, *ON_THE_SPOT[1:])
    assert summary.sign(case, as_="head1", expect=403).status_code == 403  # not an officer's step to do
    assert summary.sign(case, as_="officer1", expect=201)
    assert api.get(f"/api/v1/cases/{case['id']}/attachments/{'0' * 64}").status_code == 404
    assert api.get(f"/api/v1/cases/{case['id']}/attachments/junk").status_code == 404


# -- the oversight alert ---------------------------------------------------------------------------------
def test_money_not_handed_over_within_two_working_days_raises_the_alert(app, api, clock):
    summary = Summary(api, on_spot=10, later=0)
    case = summary.run(summary.served(summary.open()), "payment")
    due = api.task(case, "hand_over")["due_at"]
    from workflow_app.services.oversight import alerts

    with app.app_context():
        raised = alerts.scan()
        assert (case["number"], "SUMMARY_FINE_NOT_HANDED_OVER") in raised.raised
        alert = db.session.execute(db.select(Alert).where(Alert.code == "SUMMARY_FINE_NOT_HANDED_OVER")).scalar_one()
        assert alert.severity == "medium" and alert.details["step"] == "hand_over"
        assert abs(datetime.fromisoformat(alert.details["due_at"]) - datetime.fromisoformat(due)) < timedelta(seconds=1)
        assert (case["number"], "SUMMARY_FINE_NOT_HANDED_OVER") not in alerts.scan().raised  # once
    # the payment step (15 days from service) is not due yet: PAYMENT_OVERDUE is not raised
    assert api.get("/api/v1/alerts?code=PAYMENT_OVERDUE", as_="supervisor1").json["total"] == 0
    listed = api.get("/api/v1/alerts?code=SUMMARY_FINE_NOT_HANDED_OVER", as_="supervisor1").json
    assert listed["total"] == 1 and listed["items"][0]["basis"] == "《行政处罚法》第71条"


def test_money_handed_over_in_time_raises_nothing(app, api):
    summary = Summary(api, on_spot=1, later=0)
    summary.run(summary.served(summary.open()), "payment", "hand_over")
    from workflow_app.services.oversight import alerts

    with app.app_context():
        assert alerts.scan(limit=500).raised == []
        assert db.session.execute(db.select(Alert)).first() is None


def test_the_summary_procedure_is_deployed_beside_the_general_one(api):
    names = {v["procedure_id"] for v in api.get("/api/v1/procedures", as_="author1").json["items"]}
    assert {"general_penalty", "summary_penalty"} <= names
    detail = next(v for v in api.get("/api/v1/procedures", as_="author1").json["items"]
                  if v["procedure_id"] == "summary_penalty")
    files = api.get(f"/api/v1/procedures/{detail['id']}/package", as_="author1")
    assert files.status_code == 200


def test_the_clock_moving_past_the_due_time_raises_the_alert(app, api, clock):
    """The worker's pass on the app's clock: two working days after the collection, then past it."""
    summary = Summary(api, on_spot=0, later=0)
    case = summary.run(summary.served(summary.open()), "payment")
    from workflow_app.services.oversight import alerts

    with app.app_context():
        assert alerts.scan().raised == []
    clock.advance(timedelta(days=12))
    with app.app_context():
        assert (case["number"], "SUMMARY_FINE_NOT_HANDED_OVER") in alerts.scan().raised


def test_the_decision_on_the_spot_prints_the_drawn_signature_with_its_hash_underneath(api, summary):
    case = summary.run(summary.open(), *ON_THE_SPOT)
    listed = api.get(f"/api/v1/cases/{case['id']}/documents").json["items"]
    assert [d["kind"] for d in listed] == ["summary_decision"] and listed[0]["title"] == "当场行政处罚决定书"
    page = api.get(f"/api/v1/cases/{case['id']}/documents/summary_decision.html").data.decode()
    assert "当场行政处罚决定书" in page and decision_number(case) in page and "100元" in page
    assert "SHA-256" not in page and "<img" not in page  # not handed over yet
    sha = summary.sign(case).json["sha256"]
    summary.complete(case, "serve", party_signature=sha)
    url = f"/api/v1/cases/{case['id']}/documents/summary_decision"
    page = api.get(f"{url}.html").data.decode()
    drawn = f'当事人签名：<img class="drawing" src="data:image/png;base64,{base64.b64encode(SIGNATURE).decode()}"'
    assert "在执法终端上签名签收" in page and drawn in page
    assert page.index(drawn) < page.index(f"其SHA-256为{sha}")  # the hash underneath the drawing
    assert 'width="189" height="63"' in page  # 50 mm wide, 480 × 160 pixels kept in proportion
    docx = api.get(f"{url}.docx")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    word = zipfile.ZipFile(io.BytesIO(docx.data))
    assert [n for n in word.namelist() if n.startswith("word/media/")] == ["word/media/image1.png"]
    assert word.read("word/media/image1.png") == SIGNATURE
    body = word.read("word/document.xml").decode()
    assert '<wp:extent cx="1800000" cy="600000"/>' in body
    again = api.get(f"{url}.docx").data
    assert hashlib.sha256(again).hexdigest() == hashlib.sha256(docx.data).hexdigest()  # the same record, the same bytes
    generated = [e["data"] for e in trace(api, case) if e["action"] == "document.generated" and e["data"]["format"] == "docx"]
    assert generated[-1]["sha256"] == hashlib.sha256(again).hexdigest()


@pytest.mark.parametrize("change", [
    {"content": SIGNATURE[:-12] + b"tampered!!!!"},  # the bytes changed, the row's hash kept
    {"content": b"", "size": 0},
])
def test_a_signature_whose_bytes_no_longer_match_its_hash_is_not_printed(app, api, summary, change):
    case = summary.served(summary.run(summary.open(), *ON_THE_SPOT))
    url = f"/api/v1/cases/{case['id']}/documents/summary_decision"
    assert api.get(f"{url}.docx").status_code == 200
    with app.app_context():
        sets = ", ".join(f"{column} = :{column}" for column in change)
        tamper((f"UPDATE case_attachment SET {sets}", change))
    printed = len([e for e in trace(api, case) if e["action"] == "document.generated"])
    for fmt in ("docx", "html"):
        r = api.get(f"{url}.{fmt}", headers={"Accept-Language": "en"})
        assert r.status_code == 409 and r.json["error"] == "signature_damaged", r.json
        assert r.json["message"] == (f"the signature {hashlib.sha256(SIGNATURE).hexdigest()} of case {case['number']} "
                                     "cannot be printed: its bytes do not match the SHA-256 recorded when it was "
                                     "stored (they were changed)")
    assert "签名" in api.get(f"{url}.docx").json["message"]
    assert len([e for e in trace(api, case) if e["action"] == "document.generated"]) == printed  # nothing printed


def test_a_signature_removed_from_the_case_is_not_printed(app, api, summary):
    case = summary.served(summary.run(summary.open(), *ON_THE_SPOT))
    with app.app_context():
        tamper("DELETE FROM case_attachment")
    r = api.get(f"/api/v1/cases/{case['id']}/documents/summary_decision.docx", headers={"Accept-Language": "en"})
    assert r.status_code == 409 and r.json["message"].endswith("cannot be printed: it is not kept with the case")


def test_a_refusal_to_sign_is_noted_on_the_decision(api, summary):
    case = summary.run(summary.open(), *ON_THE_SPOT)
    summary.complete(case, "serve", refused_to_sign=True, refusal_note="当事人拒绝签名，已录像")
    page = api.get(f"/api/v1/cases/{case['id']}/documents/summary_decision.html").data.decode()
    assert "当事人拒绝签收" in page and "当事人拒绝签名，已录像" in page
