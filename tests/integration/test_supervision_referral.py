"""执法监督移送线索 (services/cases/referrals.py `refer_by_supervision`, POST /api/v1/referrals) on both
databases: the district's supervisor (justice bureau's supervision, no officer role) refers the clue
of a case it audits, or a bare clue, to the department with jurisdiction. The receiving department
gets its receipt exactly as from a department's referral, the letter naming the supervising unit
(清河区司法局) as its sender; the supervisor is the actor on every event it causes; the answer is
recorded on the referral row, and REFERRAL_FEEDBACK_OVERDUE is raised on the receipt when it is late
(the worker's scan, or the answer's own step)."""
import json
from datetime import date, datetime, timedelta

import pytest

from tests.helpers import days_ago, noon_after
from tests.referral import RECEIVING_OFFICER, THIRD_OFFICER, days_ahead
from workflow_app.extensions import db
from workflow_app.models import Alert, Evidence, Referral, TraceEvent
from workflow_app.oversight.calendar import LOCAL_TZ, add_calendar_days
from workflow_app.services.audit import verify as audit_verify
from workflow_app.services.oversight import alerts

pytestmark = pytest.mark.dates

SUPERVISOR = "supervisor1"


def letter(**changes) -> dict:
    return {k: v for k, v in {
        "receiving_department": "urban", "clue": "案卷评查中发现当事人在店外人行道上占道经营，不属市场监管部门管辖",
        "reasons": "占道经营属城市管理综合执法部门管辖，依法移送", "materials": "案卷中的现场照片",
        "contact": "孙丽 0571-88880100", "referred_on": days_ago(0), "feedback_due_on": days_ahead(14),
        **changes}.items() if v is not None}


def refer(api, expect: int = 201, as_: str = SUPERVISOR, **body):
    r = api.post("/api/v1/referrals", as_=as_, json={"letter": letter(), **body})
    assert r.status_code == expect, (r.status_code, r.json)
    return r.json if expect == 201 else r


def events(case_id: int | None, action: str) -> list[TraceEvent]:
    return list(db.session.execute(db.select(TraceEvent).where(
        TraceEvent.case_id == case_id if case_id is not None else TraceEvent.case_id.is_(None),
        TraceEvent.action == action).order_by(TraceEvent.seq)).scalars())


def codes(case_id: int) -> list[str]:
    return sorted(db.session.execute(db.select(Alert.code).where(Alert.case_id == case_id)).scalars())


def answer_task(api, receipt_id: int) -> dict:
    return next(t for t in api.get("/api/v1/tasks", as_=RECEIVING_OFFICER).json["items"]
                if t["case_id"] == receipt_id)


def answer(api, receipt_id: int, expect: int = 200, **changes):
    task = answer_task(api, receipt_id)
    data = {"answer": "accept", "reasons": "属于本局管辖，已立案调查", "case_title": "占道经营案（司法局执法监督移送）",
            "answered_on": days_ago(0), **changes}
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", as_=RECEIVING_OFFICER,
                 json={"data": {k: v for k, v in data.items() if v is not None}})
    assert r.status_code == expect, r.json
    return r.json


# -- a case the supervisor audits --------------------------------------------------------------------
def test_the_supervision_refers_an_audited_cases_clue_and_the_receiving_department_answers(api, ctx):
    origin = api.open_case()  # a general-procedure case of the market bureau
    photo = api.site_photo(origin, "占道经营现场")
    sent = refer(api, case_id=origin["id"], letter=letter(origin_evidence=[photo["id"]]))
    assert sent["side"] == "supervision" and sent["by_supervision"] is True and sent["referral_case"] is None
    assert sent["from_department"] == "清河区司法局" and sent["to_department"] == "综合行政执法局"
    assert sent["sent_by"] == "孙丽" and sent["origin_case"] == {"number": origin["number"], "id": origin["id"]}
    assert sent["letter"]["origin_number"] == origin["number"] and sent["letter"]["by_supervision"] is True
    due = add_calendar_days(datetime.combine(date.fromisoformat(days_ahead(14)), datetime.min.time(), LOCAL_TZ), 0)
    assert datetime.fromisoformat(sent["due_at"]) == due.at.replace(microsecond=0)
    receipt_id = sent["receipt_case"]["id"]

    # the receiving department: its receipt, as from a department's referral, the sender the supervision
    task = answer_task(api, receipt_id)
    assert task["due_at"] == sent["due_at"] and task["bpmn_id"] == "referral_answer"
    receipt = api.get(f"/api/v1/cases/{receipt_id}", as_=RECEIVING_OFFICER).json
    assert receipt["status"] == "referral_received" and receipt["title"] == origin["title"]
    assert receipt["party"] == origin["party"]  # the audited case's party, by its register id
    seen = api.get(f"/api/v1/cases/{receipt_id}/referrals", as_=RECEIVING_OFFICER).json["items"]
    assert [(r["side"], r["from_department"], r["by_supervision"]) for r in seen] == [
        ("receiving", "清河区司法局", True)]
    assert seen[0]["origin_case"] == {"number": origin["number"], "id": None}  # named, never readable
    copies = db.session.execute(db.select(Evidence).where(Evidence.case_id == receipt_id)).scalars().all()
    assert [c.sha256 for c in copies] == [photo["sha256"]]
    assert api.get(f"/api/v1/cases/{origin['id']}", as_=RECEIVING_OFFICER).status_code == 404

    # traced with the supervisor as the actor: on the audited case's chain and on the receipt's
    (sent_event,) = events(origin["id"], "referral.sent")
    assert sent_event.actor == SUPERVISOR and json.loads(sent_event.data_json)["by_supervision"] is True
    for action in ("case.opened", "referral.received", "evidence.stored"):
        assert [e.actor for e in events(receipt_id, action)] == [SUPERVISOR], action
    assert json.loads(events(receipt_id, "referral.received")[0].data_json)["letter"]["from_department"] == "清河区司法局"

    # the audited case's page shows it, from either side of the audit
    mine = api.get(f"/api/v1/cases/{origin['id']}/referrals").json["items"]
    assert [(r["side"], r["by_supervision"], r["receipt_case"]["id"]) for r in mine] == [("origin", True, None)]
    theirs = api.get(f"/api/v1/cases/{origin['id']}/referrals", as_=SUPERVISOR).json["items"]
    assert theirs[0]["receipt_case"]["id"] == receipt_id

    # answered: recorded on the row; the supervision's list shows it, with the case filed
    answer(api, receipt_id)
    listed = api.get("/api/v1/referrals", as_=SUPERVISOR).json["items"]
    assert [(r["receipt_case"]["id"], r["outcome"]) for r in listed] == [(receipt_id, "accepted")]
    assert listed[0]["accepted_case"]["id"]  # the supervisor reads the district's cases
    assert api.get(f"/api/v1/cases/{receipt_id}", as_=RECEIVING_OFFICER).json["status"] == "receipt_accepted"
    row = db.session.execute(db.select(Referral).where(Referral.receipt_case_id == receipt_id)).scalar_one()
    assert row.referral_case_id is None and row.origin_case_id == origin["id"] and row.outcome == "accepted"
    assert codes(receipt_id) == [] and codes(origin["id"]) == []
    report = audit_verify.verify()
    assert report.ok, report.problems


def test_a_bare_clue_returned_by_the_receiving_department_addresses_the_supervision(api, ctx):
    sent = refer(api, title="群众举报：某路段夜间渣土车抛洒", party={"name": "清河某渣土运输队", "kind": "organization"},
                 letter=letter(receiving_department="transport", clue="群众举报夜间渣土车沿途抛洒"))
    assert sent["origin_case"] is None and sent["to_department"] == "交通运输局"
    receipt_id = sent["receipt_case"]["id"]
    (sent_event,) = [e for e in events(None, "referral.sent") if json.loads(e.data_json)["receipt"] ==
                     sent["receipt_case"]["number"]]
    assert sent_event.actor == SUPERVISOR  # on the system chain: the supervision has no case of its own
    officer = "transport_officer1"
    task = next(t for t in api.get("/api/v1/tasks", as_=officer).json["items"] if t["case_id"] == receipt_id)
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", as_=officer, json={"data": {
        "answer": "return", "reasons": "渣土运输属城市管理部门管辖", "answered_on": days_ago(0)}})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "receipt_returned"
    text = api.get(f"/api/v1/cases/{receipt_id}/documents/return_letter.html", as_=officer).get_data(as_text=True)
    assert "清河区司法局：" in text and "渣土运输属城市管理部门管辖" in text
    listed = api.get("/api/v1/referrals", as_=SUPERVISOR).json["items"]
    assert [(r["outcome"], r["reasons"]) for r in listed] == [("returned", "渣土运输属城市管理部门管辖")]
    assert audit_verify.verify().ok


# -- who may, and junk ------------------------------------------------------------------------------
def test_only_the_supervision_refers_so(api, ctx):
    origin = api.open_case()
    for who in ("officer1", "head1", RECEIVING_OFFICER, "admin"):
        r = refer(api, expect=403, as_=who, case_id=origin["id"])
        assert r.json["error"] == "forbidden", who
    assert api.get("/api/v1/referrals", as_="officer1").status_code == 403
    assert api.get("/api/v1/referrals", as_="admin").status_code == 200
    assert db.session.execute(db.select(Referral)).first() is None


@pytest.mark.parametrize("body, field", [
    ({"letter": letter(receiving_department="market")}, "letter.receiving_department"),  # the case's own
    ({"letter": letter(receiving_department="justice")}, "letter.receiving_department"),  # no department
    ({"letter": letter(receiving_department="nowhere")}, "letter.receiving_department"),
    ({"letter": letter(receiving_department="urban\x00")}, "letter.receiving_department"),
    ({"letter": letter(clue=None)}, "letter.clue"),
    ({"letter": letter(clue="x" * 100_000)}, "letter.clue"),
    ({"letter": letter(feedback_due_on="2026-02-30")}, "letter.feedback_due_on"),
    ({"letter": letter(feedback_due_on=days_ago(1))}, "letter.feedback_due_on"),
    ({"letter": letter(referred_on=days_ahead(1))}, "letter.referred_on"),
    ({"letter": letter(origin_evidence=[999_999])}, "letter.origin_evidence"),
    ({"letter": letter(origin_evidence=["1"])}, "letter.origin_evidence"),
    ({"letter": "a letter"}, "letter"),
    ({"letter": letter(), "title": ""}, "title"),
    ({"letter": letter(), "case_id": "1"}, "case_id"),
])
def test_a_bad_referral_is_refused_naming_the_field_and_nothing_is_sent(api, ctx, body, field):
    origin = api.open_case()
    r = api.post("/api/v1/referrals", as_=SUPERVISOR, json={"case_id": origin["id"], **body})
    assert r.status_code == 422, r.json
    assert any(key == field or key.startswith(field + ".") for key in r.json["errors"]), r.json
    assert db.session.execute(db.select(Referral)).first() is None


@pytest.mark.parametrize("body, field", [
    ({}, "title"),  # a bare clue names what it is about
    ({"title": "某线索"}, "party"),
    ({"title": "某线索", "party": {"name": "某店", "kind": "organization", "id_number": "91330100MA27XXXX0X"}},
     "party"),
    ({"title": "某线索", "party": {"name": "某店", "kind": "alien"}}, "party.kind"),
    ({"title": "某线索", "party": {"id": 2**31 - 1}}, "party.id"),
])
def test_a_bare_clue_names_its_title_and_party(api, ctx, body, field):
    r = api.post("/api/v1/referrals", as_=SUPERVISOR, json={"letter": letter(), **body})
    assert r.status_code == 422 and field in r.json["errors"], r.json


def test_a_case_outside_the_scope_or_a_referral_step_is_not_referred(api, ctx):
    assert api.post("/api/v1/referrals", as_=SUPERVISOR, json={"case_id": 2**31 - 1, "letter": letter()}
                    ).status_code == 404
    sent = refer(api, title="某线索", party={"name": "某店", "kind": "organization"})
    r = api.post("/api/v1/referrals", as_=SUPERVISOR, json={"case_id": sent["receipt_case"]["id"], "letter": letter(
        receiving_department="transport")})
    assert r.status_code == 422 and "case_id" in r.json["errors"]
    assert api.post("/api/v1/referrals", as_=SUPERVISOR, data="[]", content_type="application/json"
                    ).status_code in (400, 422)


# -- its period -----------------------------------------------------------------------------------------
def test_unanswered_by_its_due_time_the_worker_raises_the_alert_on_the_receipt(api, ctx, clock):
    sent = refer(api, title="某线索", party={"name": "某店", "kind": "organization"},
                 letter=letter(feedback_due_on=days_ahead(2)))
    receipt_id = sent["receipt_case"]["id"]
    alerts.scan()
    assert codes(receipt_id) == []
    clock.set_now(datetime.fromisoformat(sent["due_at"]) + timedelta(hours=1))
    api._tokens.clear()
    result = alerts.scan()
    assert (sent["receipt_case"]["number"], "REFERRAL_FEEDBACK_OVERDUE") in result.raised
    alert = db.session.execute(db.select(Alert).where(Alert.case_id == receipt_id)).scalar_one()
    assert alert.details["by_supervision"] is True and alert.details["step"] == "referral_answer"
    alerts.scan()
    assert codes(receipt_id) == ["REFERRAL_FEEDBACK_OVERDUE"]  # once
    answer(api, receipt_id)  # late: nothing more
    assert codes(receipt_id) == ["REFERRAL_FEEDBACK_OVERDUE"]


def test_answered_late_before_the_worker_passed_the_answer_raises_it(api, ctx, clock):
    sent = refer(api, title="某线索", party={"name": "某店", "kind": "organization"},
                 letter=letter(feedback_due_on=days_ahead(1)))
    receipt_id = sent["receipt_case"]["id"]
    clock.set_now(noon_after(datetime.fromisoformat(sent["due_at"]), 1))
    api._tokens.clear()
    answer(api, receipt_id, answer="return", reasons="不属本局管辖", case_title=None)
    assert codes(receipt_id) == ["REFERRAL_FEEDBACK_OVERDUE"]
    alert = db.session.execute(db.select(Alert).where(Alert.case_id == receipt_id)).scalar_one()
    assert alert.details["act_on"] == days_ago(0)


def test_answered_in_time_raises_nothing(api, ctx, clock):
    sent = refer(api, title="某线索", party={"name": "某店", "kind": "organization"},
                 letter=letter(feedback_due_on=days_ahead(3)))
    answer(api, sent["receipt_case"]["id"])
    clock.advance(timedelta(days=10))
    api._tokens.clear()
    alerts.scan()
    assert codes(sent["receipt_case"]["id"]) == []


def test_a_third_department_reads_nothing_of_it(api, ctx):
    sent = refer(api, title="某线索", party={"name": "某店", "kind": "organization"})
    receipt_id = sent["receipt_case"]["id"]
    assert api.get(f"/api/v1/cases/{receipt_id}", as_=THIRD_OFFICER).status_code == 404
    assert api.get(f"/api/v1/cases/{receipt_id}/referrals", as_=THIRD_OFFICER).status_code == 404


# -- the pages ----------------------------------------------------------------------------------------------
def test_the_supervisor_refers_from_the_case_page_and_reads_the_list(api, app):
    from tests.web_session import csrf_of, html, page_login

    origin = api.open_case()
    supervisor, officer = app.test_client(), app.test_client()
    page_login(supervisor, SUPERVISOR)
    page_login(officer, "officer1")
    page = html(supervisor.get(f"/cases/{origin['id']}"))
    assert 'data-testid="refer-clue-supervision"' in page and 'data-testid="nav-supervision-referrals"' in page
    assert 'data-testid="refer-clue-supervision"' not in html(officer.get(f"/cases/{origin['id']}"))
    assert officer.get(f"/supervision/referrals/new?case={origin['id']}").status_code == 403
    url = f"/supervision/referrals/new?case={origin['id']}"
    form = html(supervisor.get(url))
    assert 'value="market"' not in form.split('name="receiving_department"')[1].split("</select>")[0]  # not its own
    typed = {"csrf_token": csrf_of(form), "receiving_department": "urban", "clue": "", "reasons": "占道经营属城管管辖",
             "referred_on": days_ago(0), "feedback_due_on": days_ahead(10)}
    refused = supervisor.post(url, data=typed)
    assert refused.status_code == 200 and 'data-testid="form-banner"' in html(refused)
    assert 'data-testid="error-clue"' in html(refused)  # beside its field, what was typed kept
    assert "占道经营属城管管辖" in html(refused)
    sent = supervisor.post(url, data={**typed, "clue": "案卷评查中发现当事人占道经营"})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/cases/{origin['id']}")
    page = html(supervisor.get(f"/cases/{origin['id']}"))
    assert 'data-testid="referral-by-supervision"' in page and "综合行政执法局" in page
    listed = html(supervisor.get("/supervision/referrals"))
    assert 'data-testid="supervision-referral"' in listed and "案卷评查中发现当事人占道经营" in listed
    # a bare clue from the list page
    form = html(supervisor.get("/supervision/referrals/new"))
    sent = supervisor.post("/supervision/referrals/new", data={
        "csrf_token": csrf_of(form), "title": "群众举报渣土车抛洒", "party_name": "某运输队", "party_kind": "organization",
        "receiving_department": "transport", "clue": "夜间渣土车沿途抛洒", "reasons": "属交通运输部门管辖",
        "referred_on": days_ago(0), "feedback_due_on": days_ahead(10)})
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/supervision/referrals")
    assert html(supervisor.get("/supervision/referrals")).count('data-testid="supervision-referral"') == 2
