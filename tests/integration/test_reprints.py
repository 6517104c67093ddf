"""A document prints what the completion that produced it recorded, as the record then stood: a
reprint after later records is the first print, byte for byte (the 催告书 after the court is applied
to or a deferral approved, the 调查终结报告 after the case was returned and investigated again, the
法制审核意见书 after a new notice), and a document once available stays so; a new act of its step is a
new document (a demand on another date), and a document filled in by a later step (the 送达回证 by
the service) takes that step's record. Through the API, on SQLite and PostgreSQL."""
from datetime import date

import pytest

from tests.helpers import DAY, STEPS, TO_DECISION, days_ago
from tests.integration.test_demand_number import NO_PAYMENT, demanded, trail
from tests.integration.test_documents import cn_date, documents, docx_text, download
from workflow_app.oversight.late_fee import late_fee

pytestmark = pytest.mark.dates


# -- reprints: the record as it stood when the document's step was completed ------------------------------
def test_the_payment_reminder_reprinted_after_later_records_is_the_one_first_printed(api):
    """The court applied to, then a deferral requested and approved: the 催告书 still prints the
    demand's record, its number and the late fee counted to the demand (an approved plan, recorded
    after it, changes nothing of what was demanded)."""
    case = demanded(api, 30)
    first = download(api, case, "payment_reminder").data
    first_page = download(api, case, "payment_reminder", "html").data
    assert "加处罚款" in docx_text(first) and cn_date(days_ago(30)) in docx_text(first)
    case = api.complete(case, "execution", outcome="court_enforcement", demand_served_on=days_ago(30),
                        court_applied_on=days_ago(5), note="已申请人民法院强制执行", **NO_PAYMENT)
    assert download(api, case, "payment_reminder").data == first
    case = api.complete(case, "execution", outcome="deferral_requested", demand_served_on=days_ago(30),
                        note="当事人申请分期缴纳", **NO_PAYMENT)
    case = api.run(case, ("payment_plan_application", {"applied_on": days_ago(4)}),
                   ("payment_plan_approval", {"decided_on": days_ago(3), "period_ends_on": days_ago(1),
                                              "instalments": [{"due_on": days_ago(2), "amount": 10000},
                                                              {"due_on": days_ago(1), "amount": 10000}]}))
    assert download(api, case, "payment_reminder").data == first  # byte for byte
    assert download(api, case, "payment_reminder", "html").data == first_page
    listed = documents(api, case)["payment_reminder"]
    records = [t for t in api.get(f"/api/v1/cases/{case['id']}/tasks").json["items"]
               if t["bpmn_id"] == "execution" and t["state"] == "completed"]
    assert listed["step_completed_at"] == records[0]["completed_at"]  # from the record of the demand
    generated = [e for e in trail(api, case, "document.generated") if e["data"]["kind"] == "payment_reminder"]
    assert {e["task_id"] for e in generated} == {records[0]["id"]}


def test_a_new_demand_is_a_new_reminder_with_its_own_date_and_number(api):
    case = demanded(api, 30)
    first = download(api, case, "payment_reminder").data
    case = api.complete(case, "execution", outcome="demanded", demand_served_on=days_ago(18), **NO_PAYMENT)
    second = docx_text(download(api, case, "payment_reminder").data)
    number = documents(api, case)["payment_reminder"]["number"]
    assert number in second and number not in docx_text(first)
    assert cn_date(days_ago(18)) in second and cn_date(days_ago(18)) not in docx_text(first)


def test_a_reminder_once_available_stays_so_when_a_later_record_drops_the_demand_date(api):
    case = demanded(api, 30)
    first = download(api, case, "payment_reminder").data
    fee = _late_fee_to(days_ago(2))
    case = api.complete(case, "execution", outcome="paid_late", paid_on=days_ago(2), amount_paid=20000 + fee,
                        late_fee=fee)  # the payment record keeps no demand date
    assert api.ready(case) == ["closing"]
    assert download(api, case, "payment_reminder").data == first


def _late_fee_to(paid_on: str) -> float:
    return late_fee(20000, date.fromisoformat(days_ago(DAY["served"])), date.fromisoformat(paid_on)).yuan


def returned(api) -> dict:
    """A major case investigated by officer1 and officer2, returned by the legal review."""
    case = api.run(api.open_case(), *TO_DECISION[:3], ("investigation_report", {"major_case": True}),
                   *TO_DECISION[4:])
    return api.complete(case, "legal_review", review_outcome="return", opinions="补充当事人询问笔录")


def test_the_investigation_report_reprinted_after_the_case_was_investigated_again_is_the_first_print(api):
    case = returned(api)
    first = download(api, case, "investigation_report").data
    assert "李华" in docx_text(first) and "王芳" not in docx_text(first)
    case = api.complete(case, "investigation", officers=["officer1", "officer3"],
                        evidence=[{"kind": "documentary", "description": "补充询问笔录"}])
    assert download(api, case, "investigation_report").data == first  # the report was not made again
    case = api.complete(case, "investigation_report", facts="补充调查后查明：当事人未履行进货查验义务",
                        major_case=True)
    again = docx_text(download(api, case, "investigation_report").data)
    assert "补充调查后查明" in again and "王芳" in again  # a new report prints its own record


def test_the_legal_review_opinion_reprinted_after_a_new_notice_is_the_first_print(api):
    case = returned(api)
    first = download(api, case, "legal_review_opinion").data
    assert "罚款20000元" in docx_text(first)
    case = api.run(case, "investigation", ("investigation_report", {"major_case": True, "proposed_fine": 15000}),
                   ("penalty_notice", {"notified_penalty": "罚款15000元", "notified_fine": 15000,
                                       "served_on": days_ago(DAY["notice_served"] - 1)}))
    assert download(api, case, "legal_review_opinion").data == first  # the review read the first notice


def test_the_service_receipt_is_filled_in_by_the_service_recorded_after_the_decision(api):
    case = api.run(api.open_case(), *TO_DECISION, "penalty_decision")
    before = docx_text(download(api, case, "service_receipt").data)
    case = api.run(case, "disclosure", "service")
    after = docx_text(download(api, case, "service_receipt").data)
    assert STEPS["service"][1]["recipient"] in after and STEPS["service"][1]["recipient"] not in before
    case = api.run(case, "execution")
    assert docx_text(download(api, case, "service_receipt").data) == after  # the execution fills in nothing
