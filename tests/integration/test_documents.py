"""The documents the law prescribes, generated from what the case recorded (APL 44, 59, 64)."""
import hashlib
import io
import re
import time
from datetime import date, datetime
from urllib.parse import quote

import docx
import pytest

from tests.helpers import NO_PENALTY_REPORT, STEPS, TO_DECISION, TRANSFER_REPORT
from workflow_app.wall_clock import local_today

pytestmark = pytest.mark.dates


def defence_deadline(served_on: str) -> str:
    """The end of the party's 5 working days after the notice's service (APL 44, 45, 85)."""
    from workflow_app.oversight.calendar import LOCAL_TZ, add_working_days

    start = datetime.combine(date.fromisoformat(served_on), datetime.min.time(), tzinfo=LOCAL_TZ)
    return add_working_days(start, 5).at.astimezone(LOCAL_TZ).date().isoformat()


def docx_text(body: bytes) -> str:
    """Every paragraph and table cell of a .docx, as an officer opening it in Word would read it."""
    document = docx.Document(io.BytesIO(body))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def documents(api, case, as_="officer1") -> dict:
    r = api.get(f"/api/v1/cases/{case['id']}/documents", as_=as_)
    assert r.status_code == 200, r.json
    return {d["kind"]: d for d in r.json["items"]}


def issued(api, case, kind: str, code: str) -> str:
    """The 文号 the system issued to the case's document, as the document list gives it: the
    department's pattern (清市监<code>〔<year>〕<n>号)."""
    number = documents(api, case)[kind]["number"]
    assert re.fullmatch(rf"清市监{code}〔20\d\d〕[1-9]\d*号", number or ""), number
    return number


def download(api, case, kind, fmt="docx", as_="officer1"):
    return api.get(f"/api/v1/cases/{case['id']}/documents/{kind}.{fmt}", as_=as_)


def generated(api, case) -> list[dict]:
    trace = api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]
    return [e["data"] for e in trace if e["action"] == "document.generated"]


def cn_date(iso: str) -> str:
    """A recorded date as the documents print it: 2026-09-03 → 2026年9月3日."""
    d = date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"


def decided_case(api, **decision):
    return api.run(api.open_case(), *TO_DECISION, ("penalty_decision", decision))


def test_the_decision_states_what_apl_59_requires_from_the_record(api):
    case = decided_case(api)
    r = download(api, case, "penalty_decision")
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    # the case's number names the file: in UTF-8 (RFC 6266), an ASCII stand-in for old clients
    assert r.headers["Content-Disposition"] == (
        f'attachment; filename="case-{case["id"]}-penalty_decision.docx"; '
        f"filename*=UTF-8''{quote(case['number'] + '-penalty_decision.docx', safe='')}")
    text = docx_text(r.data)
    intake, report = STEPS["clue_intake"][1], STEPS["investigation_report"][1]
    decision = STEPS["penalty_decision"][1]
    for recorded in ("清河某超市有限公司", intake["party_id_number"], intake["party_address"],  # the party
                     report["facts"], "进货台账复印件",  # facts and evidence
                     report["violated_provision"], decision["legal_basis"],  # provisions violated, basis
                     "罚款", "20000元",  # kind and amount
                     decision["performance_manner"],  # manner and deadline of performance
                     "六十日内", decision["reconsideration_body"], "六个月内", decision["litigation_court"],
                     "清河区市场监督管理局", cn_date(decision["decided_on"]),
                     issued(api, case, "penalty_decision", "罚")):
        assert recorded in text, recorded


def test_a_late_fee_is_announced_only_with_a_fine(api):
    assert "加处罚款" in docx_text(download(api, decided_case(api), "penalty_decision").data)
    warned = api.run(api.open_case(), *TO_DECISION[:4],
                     ("penalty_notice", {"notified_penalty_kinds": ["warning"], "notified_penalty": "警告",
                                         "notified_fine": None}),
                     TO_DECISION[5], ("penalty_decision", {"penalty_kinds": ["warning"], "fine_amount": None}))
    text = docx_text(download(api, warned, "penalty_decision").data)
    assert "警告" in text and "加处罚款" not in text and "罚款金额" not in text


def test_the_notice_states_facts_basis_penalty_rights_and_their_deadlines(api):
    case = api.run(api.open_case(), *TO_DECISION[:5])
    text = docx_text(download(api, case, "penalty_notice").data)
    report, notice = STEPS["investigation_report"][1], STEPS["penalty_notice"][1]
    for recorded in (report["facts"], report["violated_provision"], report["penalty_provision"],
                     notice["notified_penalty"], "20000元", issued(api, case, "penalty_notice", "罚告"), "陈述和申辩", "要求举行听证",
                     cn_date(defence_deadline(notice["served_on"])) + "前"):  # 5 working days after service
        assert recorded in text, recorded


def test_the_hearing_notice_names_date_place_and_presiding_officer(api):
    case = api.run(api.open_case(), *TO_DECISION[:-1], ("statement_defence", {"hearing_requested": True}),
                   "hearing_notice")
    assert "hearing_notice" in documents(api, case)
    text = docx_text(download(api, case, "hearing_notice").data)
    for recorded in (cn_date(STEPS["hearing_notice"][1]["hearing_date"]), "局三楼听证室", "王芳", "申请回避"):
        assert recorded in text, recorded


def test_the_hearing_notice_names_time_of_day_presiding_officer_members_and_clerk(api):
    """市场监督管理行政处罚听证办法: the notice states the time and place, the presiding officer, the
    hearing members (听证员) and the clerk (书记员), so that the party can ask for their withdrawal."""
    case = api.run(api.open_case(), *TO_DECISION[:-1], ("statement_defence", {"hearing_requested": True}),
                   ("hearing_notice", {"hearing_time": "14:30", "hearing_members": ["赵明", "钱亮"], "clerk": "孙丽"}))
    page = download(api, case, "hearing_notice", "html")
    text = page.get_data(as_text=True)
    when = cn_date(STEPS["hearing_notice"][1]["hearing_date"]) + " 14:30"
    for recorded in (when, "王芳", "赵明、钱亮", "孙丽", "听证员", "书记员"):
        assert recorded in text, recorded
    assert generated(api, case)[-1] == {"kind": "hearing_notice", "format": "html",
                                        "sha256": hashlib.sha256(page.data).hexdigest()}


def test_a_hearing_notice_without_its_clerk_or_with_a_time_of_day_out_of_range_is_refused(api):
    case = api.run(api.open_case(), *TO_DECISION[:-1], ("statement_defence", {"hearing_requested": True}))
    r = api.complete(case, "hearing_notice", expect=422, clerk=None)  # None: left out of the data
    assert "clerk" in r.get_data(as_text=True)
    r = api.complete(case, "hearing_notice", expect=422, hearing_time="25:00")
    assert "hearing_time" in r.get_data(as_text=True)


def test_the_filing_approval_form_and_the_service_receipt_come_from_the_record(api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval")
    text = docx_text(download(api, case, "filing_approval").data)
    intake = STEPS["clue_intake"][1]
    for recorded in ("群众投诉超市销售过期食品", cn_date(intake["received_on"]), cn_date(intake["violation_date"]),
                     "有违法事实，符合立案条件", "赵强", "立案"):
        assert recorded in text, recorded
    case = api.run(api.open_case(), *TO_DECISION, "penalty_decision", "service")
    text = docx_text(download(api, case, "service_receipt").data)
    # the decision's number is of the year it was issued in: the app's today (a run as of January
    # has decisions dated in December numbered in the new year)
    for recorded in (f"清市监罚〔{local_today().year}〕1号", "直接送达", cn_date(STEPS["service"][1]["served_on"]), "店长"):
        assert recorded in text, recorded


# Printed from the filing on (the records filled in on the spot), and the report once made.
INVESTIGATED = {"filing_approval", "inquiry_record", "site_record", "investigation_report"}


def test_each_document_is_refused_until_its_step_is_completed(api):
    case = api.run(api.open_case(), *TO_DECISION[:4])  # investigated, notice not yet made
    assert set(documents(api, case)) == INVESTIGATED
    for kind in ("penalty_notice", "hearing_notice", "penalty_decision", "service_receipt"):
        for fmt in ("docx", "html"):
            assert download(api, case, kind, fmt).status_code == 404, (kind, fmt)
    case = api.run(case, *TO_DECISION[4:])
    assert set(documents(api, case)) == INVESTIGATED | {"penalty_notice"}
    assert download(api, case, "penalty_decision").status_code == 404
    case = api.run(case, "penalty_decision")
    listed = documents(api, case)
    assert set(listed) == INVESTIGATED | {"penalty_notice", "penalty_decision", "service_receipt"}
    assert listed["penalty_decision"]["step"] == "penalty_decision"
    assert listed["penalty_decision"]["title"] == "行政处罚决定书"
    assert download(api, case, "no_such_document").status_code == 404
    assert generated(api, case) == []  # refusals generate nothing


def test_a_clue_not_filed_has_no_filing_approval_form(api):
    case = api.run(api.open_case(), "clue_intake", ("filing_approval", {"filing_decision": "not_file",
                                                                         "reason": "不属于本机关管辖"}))
    assert documents(api, case) == {}
    assert download(api, case, "filing_approval").status_code == 404


def test_documents_of_a_case_outside_your_scope_do_not_exist(api):
    case = decided_case(api)
    assert api.get(f"/api/v1/cases/{case['id']}/documents", as_="environment_officer1").status_code == 404
    for fmt in ("docx", "html"):
        assert download(api, case, "penalty_decision", fmt, as_="environment_officer1").status_code == 404
    assert generated(api, case) == []
    assert api.client.get(f"/api/v1/cases/{case['id']}/documents/penalty_decision.docx").status_code == 401


def test_each_download_traces_its_hash_and_changed_data_gives_a_new_hash(api, app):
    first = decided_case(api)
    a = download(api, first, "penalty_decision").data
    time.sleep(2.1)  # past the 2-second resolution of zip entry times
    assert download(api, first, "penalty_decision").data == a  # same record, same bytes, later
    page = download(api, first, "penalty_decision", "html")
    assert generated(api, first) == [
        {"kind": "penalty_decision", "format": "docx", "sha256": hashlib.sha256(a).hexdigest()},
        {"kind": "penalty_decision", "format": "docx", "sha256": hashlib.sha256(a).hexdigest()},
        {"kind": "penalty_decision", "format": "html", "sha256": hashlib.sha256(page.data).hexdigest()}]
    second = decided_case(api, fine_amount=15000)
    b = download(api, second, "penalty_decision").data
    assert "15000元" in docx_text(b) and "20000元" not in docx_text(b)
    assert generated(api, second)[0]["sha256"] == hashlib.sha256(b).hexdigest() != hashlib.sha256(a).hexdigest()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])  # the events sit in intact chains
    assert result.exit_code == 0, result.output


def test_the_receipt_changes_hash_once_the_service_is_recorded(api):
    case = decided_case(api)
    before = download(api, case, "service_receipt").data
    case = api.run(case, "service")
    after = download(api, case, "service_receipt").data
    assert "店长" in docx_text(after) and "店长" not in docx_text(before)
    assert "签收人" in docx_text(before)  # the blank line the recipient signs on
    hashes = [e["sha256"] for e in generated(api, case)]
    assert hashes == [hashlib.sha256(before).hexdigest(), hashlib.sha256(after).hexdigest()]
    assert hashes[0] != hashes[1]


def test_the_print_page_is_plain_html_under_the_content_security_policy(api):
    case = decided_case(api)
    r = download(api, case, "penalty_decision", "html")
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert "行政处罚决定书" in page and "清河某超市有限公司" in page and "清河区人民法院" in page
    assert "没收内容" not in page  # nothing confiscated: no empty row
    assert "<script" not in page and "style=" not in page and "<style" not in page
    assert "style-src 'self'" in r.headers["Content-Security-Policy"]
    assert '<link rel="stylesheet" href="/static/documents.css">' in page
    css = api.client.get("/static/documents.css")
    assert css.status_code == 200 and css.mimetype == "text/css"


def test_text_recorded_by_an_officer_is_escaped_in_the_page(api):
    case = api.run(api.open_case(), *TO_DECISION[:3], ("investigation_report", {"facts": "<script>x()</script>"}),
                   *TO_DECISION[4:], "penalty_decision")
    page = download(api, case, "penalty_decision", "html").get_data(as_text=True)
    assert "<script>" not in page and "&lt;script&gt;x()&lt;/script&gt;" in page


def test_the_documents_are_in_the_openapi_document(api):
    paths = api.client.get("/api/v1/openapi.json").json["paths"]
    assert "/cases/{case_id}/documents" in paths
    docx_op = paths["/cases/{case_id}/documents/{kind}.docx"]["get"]
    kind = next(p for p in docx_op["parameters"] if p["name"] == "kind")
    # the kinds are the packages' own (documents/documents.json): a name, not a list fixed in the API
    assert kind["schema"]["type"] == "string" and "enum" not in kind["schema"]
    for name in ("filing_approval", "inquiry_record", "site_record", "investigation_report", "penalty_notice",
                 "hearing_notice", "hearing_record", "legal_review_opinion", "collective_discussion_record",
                 "penalty_decision", "service_receipt", "no_penalty_decision", "transfer_letter", "payment_reminder",
                 "closing_approval"):
        assert re.fullmatch(kind["schema"]["pattern"], name), name
    assert not re.fullmatch(kind["schema"]["pattern"], "../x")
    assert "/cases/{case_id}/documents/{kind}.html" in paths


def test_the_decision_not_to_penalize_states_party_facts_reasons_basis_and_remedies(api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval", "investigation", NO_PENALTY_REPORT)
    assert "no_penalty_decision" not in documents(api, case)
    case = api.run(case, "no_penalty_decision")
    listed = documents(api, case)
    assert set(listed) == INVESTIGATED | {"no_penalty_decision", "service_receipt"}
    assert listed["no_penalty_decision"]["title"] == "不予行政处罚决定书"
    assert listed["service_receipt"]["step"] == "no_penalty_decision"
    text = docx_text(download(api, case, "no_penalty_decision").data)
    intake, decision = STEPS["clue_intake"][1], STEPS["no_penalty_decision"][1]
    for recorded in ("不予行政处罚决定书", "清河某超市有限公司", intake["party_id_number"], intake["party_address"],
                     STEPS["investigation_report"][1]["facts"], "进货台账复印件",
                     "初次违法且危害后果轻微并及时改正", decision["reasons"], decision["legal_basis"],
                     "不予行政处罚", "六十日内", decision["reconsideration_body"], "六个月内", decision["litigation_court"],
                     "清河区市场监督管理局", cn_date(decision["decided_on"]),
                     issued(api, case, "no_penalty_decision", "不罚")):
        assert recorded in text, recorded
    assert "罚款金额" not in text
    case = api.run(case, "no_penalty_service")
    receipt = docx_text(download(api, case, "service_receipt").data)
    assert f"不予行政处罚决定书（{issued(api, case, 'no_penalty_decision', '不罚')}）" in receipt and "店长" in receipt
    page = download(api, case, "no_penalty_decision", "html")
    assert page.status_code == 200 and "不予行政处罚决定书" in page.get_data(as_text=True)
    assert [g["kind"] for g in generated(api, case)] == ["no_penalty_decision", "service_receipt",
                                                         "no_penalty_decision"]


def test_a_penalty_case_lists_no_decision_not_to_penalize(api):
    case = decided_case(api)
    assert "no_penalty_decision" not in documents(api, case)
    assert download(api, case, "no_penalty_decision").status_code == 404
    assert download(api, case, "transfer_letter").status_code == 404


def test_the_transfer_letter_names_the_police_the_crime_the_materials_and_the_copy(api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval", "investigation", TRANSFER_REPORT,
                   "transfer_approval")
    assert "transfer_letter" not in documents(api, case)
    case = api.run(case, "transfer")
    assert documents(api, case)["transfer_letter"]["title"] == "涉嫌犯罪案件移送书"
    text = docx_text(download(api, case, "transfer_letter").data)
    transfer = STEPS["transfer"][1]
    for recorded in ("涉嫌犯罪案件移送书", issued(api, case, "transfer_letter", "移"), transfer["receiving_organ"],
                     TRANSFER_REPORT[1]["suspected_crime"], STEPS["investigation_report"][1]["facts"],
                     "清河某超市有限公司", "涉案物品清单", "抄送", transfer["procuratorate"], "第二十七条",
                     cn_date(STEPS["transfer_approval"][1]["decided_on"]), cn_date(transfer["transferred_on"])):
        assert recorded in text, recorded
