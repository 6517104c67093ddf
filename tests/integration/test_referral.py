"""线索移送 (referral, bpmn/referral and bpmn/referral_receipt) driven through the API on both
databases: the market bureau's officer drafts the letter, the head approves and so sends it, the
comprehensive enforcement bureau (`urban`) finds it in its inbox and answers (accepts, filing its own
linked case; or returns with reasons); the answer is delivered to the referring case's wait (a
receive task: nothing of the referral waits in anyone's inbox meanwhile) in the answer's own
transaction. Each side reads only its own: a third department reads neither, the receiving
department reads the copy sent, never the origin case. The wait's timer marks the case 逾期未反馈
and raises REFERRAL_FEEDBACK_OVERDUE past the date set (the timer worker's step, or the sending's
when the date had passed already, or the answer's when it comes late before the worker passed),
not when the answer came in time."""
import io
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from tests.helpers import days_ago, noon_after, package_files
from tests.referral import RECEIVING_OFFICER, THIRD_OFFICER, Referral
from tests.web_session import html, page_login
from workflow_app.extensions import db
from workflow_app.models import Alert, Evidence, TraceEvent
from workflow_app.oversight.calendar import LOCAL_TZ, add_calendar_days
from workflow_app.services.audit import verify as audit_verify
from workflow_app.services.cases import timers
from workflow_app.services.oversight import alerts
from workflow_app.services.procedures import packages

pytestmark = pytest.mark.dates


@pytest.fixture
def referral(api):
    return Referral(api)


def codes(case: dict) -> list[str]:
    return sorted(db.session.execute(db.select(Alert.code).where(Alert.case_id == case["id"])).scalars())


def actions(case: dict) -> list[str]:
    return list(db.session.execute(db.select(TraceEvent.action).where(TraceEvent.case_id == case["id"])
                                   .order_by(TraceEvent.seq)).scalars())


def inbox(api, username: str) -> list[dict]:
    return api.get("/api/v1/tasks", as_=username).json["items"]


def answer_task(api, username: str = RECEIVING_OFFICER) -> dict:
    return next(t for t in inbox(api, username) if t["bpmn_id"] == "referral_answer")


def receipt_of(api, referring: dict, as_: str = RECEIVING_OFFICER) -> dict:
    task = answer_task(api, as_)
    return api.get(f"/api/v1/cases/{task['case_id']}", as_=as_).json


# -- the whole way, accepted ------------------------------------------------------------------------
def test_referred_from_a_penalty_case_received_accepted_and_the_origin_sees_the_outcome(api, ctx, referral):
    origin = api.open_case()  # a general-procedure case of the market bureau
    photo = referral.photo(origin)
    case = referral.open(linked_from={"case_id": origin["id"], "kind": "referred", "reason": "占道经营线索"})
    assert case["status"] == "referral_drafting"
    case = referral.run(case, ("referral_letter", {"origin_evidence": [photo["id"]]}))
    assert api.ready(case) == ["referral_approval"]
    case = referral.complete(case, "referral_approval")
    # sent: the referring case waits for the answer in nobody's inbox, its timer set to the date's end
    assert case["status"] == "referred" and case["tasks"] == [] and case["closed_at"] is None
    for who in ("officer1", "head1"):
        assert [t for t in inbox(api, who) if t["case_id"] == case["id"]] == [], who
    sent = referral.referrals(case)[0]
    due = sent["due_at"]
    assert datetime.fromisoformat(due).astimezone(LOCAL_TZ).date().isoformat() == steps_due()
    assert datetime.fromisoformat(due).astimezone(LOCAL_TZ).time() == time(23, 59, 59)
    assert sent["letter"]["feedback_due_at"] and sent["by_supervision"] is False

    # the receiving department's inbox holds the answer, due on the letter's date
    task = answer_task(api)
    assert task["due_at"] == due
    receipt = api.get(f"/api/v1/cases/{task['case_id']}", as_=RECEIVING_OFFICER).json
    assert receipt["status"] == "referral_received"
    sent = referral.referrals(receipt, as_=RECEIVING_OFFICER)
    assert [r["side"] for r in sent] == ["receiving"]
    assert sent[0]["letter"]["clue"].startswith("检查中发现") and sent[0]["from_department"] == "市场监督管理局"
    assert sent[0]["referral_case"] == {"number": case["number"], "id": None}  # named, not readable
    assert sent[0]["letter"]["origin_number"] == origin["number"]
    copies = db.session.execute(db.select(Evidence).where(Evidence.case_id == receipt["id"])).scalars().all()
    assert [(c.sha256, c.title) for c in copies] == [(photo["sha256"], photo["title"])]

    receipt = referral.complete(receipt, "referral_answer")
    assert receipt["status"] == "receipt_accepted" and receipt["closed_at"]
    # the referring case has the answer, its wait and its timer ended with it
    case = api.get(f"/api/v1/cases/{case['id']}").json
    assert case["status"] == "accepted" and case["tasks"] == [] and case["next_due_at"] is None
    assert case["closed_at"]
    seen = referral.referrals(case)[0]
    assert seen["side"] == "referring" and seen["outcome"] == "accepted"
    assert seen["accepted_case"]["number"] and seen["accepted_case"]["id"] is None
    assert seen["receipt_case"]["id"] is None
    # the origin sees the outcome on its page, through the referral it started
    shown = referral.referrals(origin)
    assert [(r["side"], r["outcome"], r["referral_case"]["id"]) for r in shown] == [("origin", "accepted", case["id"])]
    # the filed case: the receiving department's own, linked from the receipt
    accepted_id = referral.referrals(receipt, as_=RECEIVING_OFFICER)[0]["accepted_case"]["id"]
    accepted = api.get(f"/api/v1/cases/{accepted_id}", as_=RECEIVING_OFFICER).json
    assert accepted["procedure_id"] == "general_penalty" and accepted["title"] == "好味来餐饮店占道经营案"
    assert api.ready(accepted) == ["clue_intake"]
    links = api.get(f"/api/v1/cases/{accepted_id}/links", as_=RECEIVING_OFFICER).json["items"]
    assert [(link["kind"], link["case"]["id"]) for link in links] == [("referral", receipt["id"])]
    # traced on both chains: the answer delivered to the referring case by the receiving officer
    assert "referral.sent" in actions(case) and "task.completed" in actions(case)
    delivered = db.session.execute(db.select(TraceEvent).where(
        TraceEvent.case_id == case["id"], TraceEvent.action == "message.delivered")).scalar_one()
    assert delivered.actor == RECEIVING_OFFICER
    data = json.loads(delivered.data_json)
    assert data["message"] == "referral_feedback" and data["data"]["feedback_outcome"] == "accepted"
    assert data["accepted_case_number"] == accepted["number"]
    assert {"referral.received", "referral.answered", "evidence.stored"} <= set(actions(receipt))
    assert codes(case) == []
    report = audit_verify.verify()
    assert report.ok, report.problems


def steps_due() -> str:
    """The feedback's last day: 14 days after the letter, carried to the next working day (the law's count)."""
    letter = datetime.combine(date.fromisoformat(days_ago(0)), time(12), tzinfo=LOCAL_TZ)
    return add_calendar_days(letter, 14).at.astimezone(LOCAL_TZ).date().isoformat()


def past_due(api, case: dict, clock, days: int = 1) -> None:
    """The app's clock moved to noon `days` days after the feedback's due day (wherever holidays carried it)."""
    due = datetime.fromisoformat(Referral(api).referrals(case)[0]["due_at"])
    clock.set_now(noon_after(due, days))
    api._tokens.clear()


# -- returned ----------------------------------------------------------------------------------------
def test_returned_with_reasons_prints_the_return_letter_and_the_referring_case_reads_the_reasons(api, ctx, referral):
    case = referral.sent()
    receipt = receipt_of(api, case)
    refused = referral.complete(receipt, "referral_answer", expect=422, answer="return", reasons="  ")
    assert "reasons" in refused.json["errors"]
    receipt = referral.complete(receipt, "referral_answer", answer="return", reasons="该店铺位于商业综合体内部通道，属物业管理范围")
    assert receipt["status"] == "receipt_returned"
    docs = api.get(f"/api/v1/cases/{receipt['id']}/documents", as_=RECEIVING_OFFICER).json["items"]
    assert [d["kind"] for d in docs] == ["return_letter"]
    letter = api.get(f"/api/v1/cases/{receipt['id']}/documents/return_letter.html", as_=RECEIVING_OFFICER)
    assert letter.status_code == 200
    text = letter.get_data(as_text=True)
    assert "市场监督管理局：" in text and "属物业管理范围" in text
    case = api.get(f"/api/v1/cases/{case['id']}").json
    assert case["status"] == "returned" and case["closed_at"]
    seen = referral.referrals(case)[0]
    assert (seen["outcome"], seen["reasons"], seen["accepted_case"]) == ("returned", "该店铺位于商业综合体内部通道，属物业管理范围", None)
    docs = api.get(f"/api/v1/cases/{case['id']}/documents").json["items"]
    assert [d["kind"] for d in docs] == ["referral_letter"]
    text = api.get(f"/api/v1/cases/{case['id']}/documents/referral_letter.html").get_data(as_text=True)
    assert "综合行政执法局：" in text and "占道经营" in text


def test_not_approved_is_not_sent(api, ctx, referral):
    case = referral.run(referral.open(), "referral_letter",
                        ("referral_approval", {"approval_decision": "refuse", "opinion": "线索不实，不予移送"}))
    assert case["status"] == "not_referred" and case["closed_at"]
    assert referral.referrals(case) == []
    assert not [t for t in inbox(api, RECEIVING_OFFICER) if t["bpmn_id"] == "referral_answer"]


# -- who reads what ------------------------------------------------------------------------------------
def test_each_side_reads_only_its_own_and_a_third_department_reads_neither(api, ctx, referral):
    origin = api.open_case()
    photo = referral.photo(origin)
    other = referral.photo(origin, "未随附的照片")
    case = referral.open(linked_from={"case_id": origin["id"], "kind": "referred"})
    case = referral.run(case, ("referral_letter", {"origin_evidence": [photo["id"]]}), "referral_approval")
    receipt = receipt_of(api, case)
    for url in (f"/api/v1/cases/{origin['id']}", f"/api/v1/cases/{case['id']}",
                f"/api/v1/cases/{origin['id']}/evidence/{other['id']}", f"/api/v1/cases/{origin['id']}/evidence",
                f"/api/v1/cases/{case['id']}/referrals", f"/api/v1/cases/{origin['id']}/trace"):
        assert api.get(url, as_=RECEIVING_OFFICER).status_code == 404, url
    # the receipt's links name nothing of the referring side
    assert api.get(f"/api/v1/cases/{receipt['id']}/links", as_=RECEIVING_OFFICER).json["items"] == []
    # what was sent is the receipt's own: the copy of the enclosed photo, not the other one
    items = api.get(f"/api/v1/cases/{receipt['id']}/evidence", as_=RECEIVING_OFFICER).json["items"]
    assert [i["sha256"] for i in items] == [photo["sha256"]]
    assert api.get(f"/api/v1/cases/{receipt['id']}/evidence/{items[0]['id']}", as_=RECEIVING_OFFICER).status_code == 200
    # a third department reads neither side, nor answers
    for url in (f"/api/v1/cases/{case['id']}", f"/api/v1/cases/{receipt['id']}", f"/api/v1/cases/{origin['id']}",
                f"/api/v1/cases/{receipt['id']}/referrals", f"/api/v1/cases/{case['id']}/referrals"):
        assert api.get(url, as_=THIRD_OFFICER).status_code == 404, url
    task = api.task(receipt, "referral_answer")
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", as_=THIRD_OFFICER,
                 json={"data": {"answer": "accept", "answered_on": days_ago(0)}})
    assert r.status_code == 404
    # the referring side cannot answer for the receiving department, nor deliver the feedback itself
    assert api.post(f"/api/v1/tasks/{task['id']}/complete", as_="officer1",
                    json={"data": {"answer": "accept", "answered_on": days_ago(0)}}).status_code == 404
    feedback = {"data": {"feedback_outcome": "accepted", "answered_on": days_ago(0)}}
    for who in ("officer1", "head1", "supervisor1"):
        r = api.post(f"/api/v1/cases/{case['id']}/messages/referral_feedback", as_=who, json=feedback)
        assert r.status_code == 403 and r.json["error"] == "answered_by_receiving_department", who
    r = api.post(f"/api/v1/cases/{case['id']}/messages/referral_feedback", as_=RECEIVING_OFFICER, json=feedback)
    assert r.status_code == 404  # nor the receiving side by the message itself: it answers on its receipt
    assert api.get(f"/api/v1/cases/{case['id']}").json["status"] == "referred"
    # the district's supervisor reads both sides and the links between them
    assert [r["side"] for r in referral.referrals(receipt, as_="supervisor1")] == ["receiving"]
    links = api.get(f"/api/v1/cases/{receipt['id']}/links", as_="supervisor1").json["items"]
    assert [(link["kind"], link["case"]["id"]) for link in links] == [("referral_receipt", case["id"])]


def test_a_receipt_is_never_opened_by_hand(api, ctx):
    r = api.post("/api/v1/cases", as_=RECEIVING_OFFICER, json={
        "procedure_id": "referral_receipt", "title": "自行登记的移送", "department": "urban",
        "party": {"name": "某店", "kind": "organization"}})
    assert r.status_code == 422 and "process_id" in r.json["errors"]


# -- the letter's checks, and junk ---------------------------------------------------------------------
@pytest.mark.parametrize("changes, field", [
    ({"receiving_department": "market"}, "receiving_department"),  # its own department
    ({"receiving_department": "justice"}, "receiving_department"),  # a bureau, not an enforcement department
    ({"receiving_department": "nowhere"}, "receiving_department"),
    ({"receiving_department": "urban\x00"}, "receiving_department"),
    ({"receiving_department": 7}, "receiving_department"),
    ({"receiving_department": "u" * 100_000}, "receiving_department"),
    ({"clue": "x" * 100_000}, "clue"),
    ({"clue": ["list"]}, "clue"),
    ({"origin_evidence": [2**40]}, "origin_evidence"),
    ({"origin_evidence": ["1"]}, "origin_evidence"),
    ({"origin_evidence": [999_999]}, "origin_evidence"),
    ({"feedback_due_on": "2026-02-30"}, "feedback_due_on"),
    ({"referred_on": None, "feedback_due_on": None}, "referred_on"),
])
def test_a_bad_letter_is_refused_naming_the_field(api, ctx, referral, changes, field):
    case = referral.open()
    r = referral.complete(case, "referral_letter", expect=422, **changes)
    assert any(field in key.split(".") for key in r.json["errors"]), r.json
    assert api.get(f"/api/v1/cases/{case['id']}").json["tasks"][0]["bpmn_id"] == "referral_letter"


def test_a_lone_surrogate_in_the_letter_is_refused(api, ctx, referral):
    case = referral.open()
    task = api.task(case, "referral_letter")
    body = '{"data": {"clue": "\\ud800", "receiving_department": "urban"}}'
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", data=body, content_type="application/json")
    assert r.status_code in (400, 422) and r.status_code != 500
    assert api.ready(api.get(f"/api/v1/cases/{case['id']}").json) == ["referral_letter"]


def test_evidence_of_a_case_not_the_origin_is_refused(api, ctx, referral):
    unrelated = api.open_case()
    photo = referral.photo(unrelated)
    case = referral.open()
    r = referral.complete(case, "referral_letter", expect=422, origin_evidence=[photo["id"]])
    assert "origin_evidence" in r.json["errors"]


def test_feedback_due_before_the_letter_is_refused(api, ctx, referral):
    r = referral.complete(referral.open(), "referral_letter", expect=422, feedback_due_on=days_ago(3))
    assert r.json["error"] == "DATES_OUT_OF_ORDER" or "feedback_due_on" in str(r.json["errors"])


@pytest.mark.parametrize("changes, field", [
    ({"answer": "maybe"}, "answer"),
    ({"answer": "return", "reasons": None}, "reasons"),
    ({"answered_on": "not a date"}, "answered_on"),
    ({"case_title": "\x00"}, "case_title"),
    ({"reasons": "r" * 100_000}, "reasons"),
])
def test_a_bad_answer_is_refused_and_nothing_changes_on_either_side(api, ctx, referral, changes, field):
    case = referral.sent()
    receipt = receipt_of(api, case)
    r = referral.complete(receipt, "referral_answer", expect=422, **changes)
    assert any(field in key.split(".") for key in r.json["errors"]), r.json
    assert api.get(f"/api/v1/cases/{case['id']}").json["status"] == "referred"
    assert api.ready(api.get(f"/api/v1/cases/{receipt['id']}", as_=RECEIVING_OFFICER).json) == ["referral_answer"]


def test_an_answer_dated_before_the_sending_is_refused(api, ctx, referral):
    case = referral.sent()
    receipt = receipt_of(api, case)
    r = referral.complete(receipt, "referral_answer", expect=422, answered_on=days_ago(1))
    assert "answered_on" in r.json["errors"]


def test_junk_case_ids_on_the_referrals_endpoint(api, ctx):
    for bad in ("0", "-1", "abc", str(2**40), "%00"):
        assert api.get(f"/api/v1/cases/{bad}/referrals").status_code == 404, bad


# -- the feedback's deadline ----------------------------------------------------------------------------
def test_no_feedback_by_the_date_set_fires_the_waits_timer_marking_the_case_and_raising_the_alert(api, ctx, referral,
                                                                                                  clock):
    case = referral.sent(feedback_due_on=(date.fromisoformat(days_ago(0)) + timedelta(days=3)).isoformat())
    assert timers.fire_due().fired == [] and codes(case) == []
    past_due(api, case, clock)
    fired = timers.fire_due()
    assert fired.fired == [case["number"]]
    assert codes(case) == ["REFERRAL_FEEDBACK_OVERDUE"]
    alert = db.session.execute(db.select(Alert).where(Alert.case_id == case["id"])).scalar_one()
    assert alert.details["step"] == "feedback_due" and alert.severity == "medium" and alert.task_id is None
    due = datetime.fromisoformat(referral.referrals(case)[0]["due_at"])
    assert datetime.fromisoformat(alert.details["due_at"]).replace(microsecond=0) == due
    raised = db.session.execute(db.select(TraceEvent).where(TraceEvent.case_id == case["id"],
                                                            TraceEvent.action == "alert.raised")).scalar_one()
    assert json.loads(raised.data_json)["code"] == "REFERRAL_FEEDBACK_OVERDUE"
    assert actions(case)[-3:] == ["timer.fired", "case.milestone", "alert.raised"]
    case = api.get(f"/api/v1/cases/{case['id']}").json
    assert case["status"] == "feedback_overdue" and case["tasks"] == [] and case["closed_at"] is None
    # the worker's scan adds nothing; the receiving department has no alert of its own
    alerts.scan()
    assert codes(case) == ["REFERRAL_FEEDBACK_OVERDUE"]
    receipt = receipt_of(api, case)
    assert codes(receipt) == []
    # the answer still ends the wait after it
    referral.complete(receipt, "referral_answer", answered_on=days_ago(0))
    case = api.get(f"/api/v1/cases/{case['id']}").json
    assert case["status"] == "accepted" and case["closed_at"]
    assert codes(case) == ["REFERRAL_FEEDBACK_OVERDUE"]
    assert audit_verify.verify().ok


def test_feedback_in_time_raises_nothing(api, ctx, referral, clock):
    case = referral.sent(feedback_due_on=(date.fromisoformat(days_ago(0)) + timedelta(days=3)).isoformat())
    clock.advance(timedelta(days=2))
    api._tokens.clear()
    receipt = receipt_of(api, case)
    referral.complete(receipt, "referral_answer", answered_on=days_ago(0))
    assert api.get(f"/api/v1/cases/{case['id']}").json["status"] == "accepted"
    clock.advance(timedelta(days=5))
    api._tokens.clear()
    assert timers.fire_due().fired == []
    alerts.scan()
    assert codes(case) == []


def test_an_answer_recorded_after_the_date_set_fires_the_timer_in_its_own_step(api, ctx, referral, clock):
    """The answer recorded late, before the timer worker fired the wait's timer: the engine fires it
    in the answer's own step first (what the worker would have done), so the case is marked and the
    alert raised in the answer's transaction, and the answer then ends the wait."""
    case = referral.sent(feedback_due_on=(date.fromisoformat(days_ago(0)) + timedelta(days=1)).isoformat())
    past_due(api, case, clock, days=2)
    receipt = receipt_of(api, case)
    referral.complete(receipt, "referral_answer", answered_on=days_ago(0))
    assert codes(case) == ["REFERRAL_FEEDBACK_OVERDUE"]
    alert = db.session.execute(db.select(Alert).where(Alert.case_id == case["id"])).scalar_one()
    assert alert.details["step"] == "feedback_due"
    case = api.get(f"/api/v1/cases/{case['id']}").json
    assert case["status"] == "accepted"
    assert [m["milestone"] for m in case["milestones"]][-3:] == ["referred", "feedback_overdue", "accepted"]
    trail = actions(case)
    assert trail.index("message.delivered") < trail.index("alert.raised")
    # the timer went with the wait: the worker has nothing more to fire
    assert timers.fire_due().fired == []
    assert codes(case) == ["REFERRAL_FEEDBACK_OVERDUE"]


def test_sent_after_its_own_date_passed_is_marked_and_alerted_by_the_sending(api, ctx):
    """A letter approved once its feedback date has passed (a referral entered from its paper file):
    the wait's timer fires in the approval's own step."""
    late = Referral(api, referred=20, due_in=10)
    case = late.sent()
    assert case["status"] == "feedback_overdue" and case["tasks"] == []
    assert codes(case) == ["REFERRAL_FEEDBACK_OVERDUE"]
    assert {"referral.sent", "alert.raised"} <= set(actions(case))
    # the receiving department still answers, and the referring case ends with it
    receipt = receipt_of(api, case)
    assert answer_task(api)["due_at"] == late.referrals(case)[0]["due_at"]
    late.complete(receipt, "referral_answer", answer="return", reasons="不属本局管辖")
    assert api.get(f"/api/v1/cases/{case['id']}").json["status"] == "returned"
    assert codes(case) == ["REFERRAL_FEEDBACK_OVERDUE"]


# -- the pages --------------------------------------------------------------------------------------------
def test_the_referring_case_page_offers_no_step_while_it_waits_and_the_statuses_have_their_own_words(
        api, referral, app):
    case = referral.sent()
    receipt = receipt_of(api, case)
    officer, receiving = app.test_client(), app.test_client()
    page_login(officer, "officer1")
    page_login(receiving, RECEIVING_OFFICER)
    page = html(officer.get(f"/cases/{case['id']}"))
    assert 'data-testid="message-link"' not in page and 'data-testid="task-link"' not in page
    assert 'data-testid="case-status">已移送，待反馈<' in page
    page = html(receiving.get(f"/cases/{receipt['id']}"))
    assert 'data-testid="case-status">已接收，待答复<' in page
    assert "已接收，待答复" in html(receiving.get("/cases?kind=referral"))
    referral.complete(receipt, "referral_answer", answer="return", reasons="不属本局管辖")
    assert 'data-testid="case-status">已退回移送部门<' in html(receiving.get(f"/cases/{receipt['id']}"))
    assert 'data-testid="case-status">受移送部门已退回<' in html(officer.get(f"/cases/{case['id']}"))


# -- a case of the version before: the wait was a user task ------------------------------------------------
BEFORE_0033 = Path(__file__).resolve().parents[1] / "fixtures" / "referral_before_0033" / "referral.bpmn"


def deploy_referral(api, bpmn: bytes | None = None) -> None:
    files = dict(package_files("referral"))
    if bpmn is not None:
        files["bpmn/referral/referral.bpmn"] = bpmn
    r = api.post("/api/v1/procedures", as_="author1", content_type="multipart/form-data",
                 data={"file": (io.BytesIO(packages.to_zip(files)), "referral.zip")})
    assert r.status_code in (200, 201), r.json


def test_a_referral_waiting_on_the_version_before_0033_is_still_answered(api, ctx, referral, clock):
    """A case stays on the version it began on: one whose wait is the old user task (in nobody's
    hands: 403 by hand) is completed by the answer as before, and its late answer raises the alert."""
    deploy_referral(api, BEFORE_0033.read_bytes())
    case = referral.sent(feedback_due_on=(date.fromisoformat(days_ago(0)) + timedelta(days=1)).isoformat())
    assert api.ready(case) == ["referral_feedback"]
    feedback = api.task(case, "referral_feedback")
    r = api.post(f"/api/v1/tasks/{feedback['id']}/complete", as_="officer1", json={"data": {
        "feedback_outcome": "accepted", "answered_on": days_ago(0)}})
    assert r.status_code == 403 and r.json["error"] == "answered_by_receiving_department"
    deploy_referral(api)  # the current version again: new referrals take it, this one stays
    assert answer_task(api)["due_at"] == feedback["due_at"]
    clock.set_now(noon_after(datetime.fromisoformat(feedback["due_at"]), 1))
    api._tokens.clear()
    receipt = receipt_of(api, case)
    referral.complete(receipt, "referral_answer", answered_on=days_ago(0))
    case = api.get(f"/api/v1/cases/{case['id']}").json
    assert case["status"] == "accepted" and case["tasks"] == []
    done = db.session.execute(db.select(TraceEvent).where(
        TraceEvent.case_id == case["id"], TraceEvent.action == "task.completed",
        TraceEvent.bpmn_id == "referral_feedback")).scalar_one()
    assert done.actor == RECEIVING_OFFICER
    assert codes(case) == ["REFERRAL_FEEDBACK_OVERDUE"]
    assert audit_verify.verify().ok
