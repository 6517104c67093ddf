"""查封、扣押 (seizure, bpmn/seizure; 行政强制法 Arts. 17-28) driven through the API on both
databases: the head's approval before, or the urgent measure reported within 24 hours
(URGENT_MEASURE_UNREPORTED otherwise) and released at once when the head disagrees; two certified
officers, the party's signature, its refusal noted or a witness; 30 days from the measure, one
extension of at most 30 days, testing periods not counted; a boundary timer warning the head before
the limit and SEIZURE_OVERDUE past it; release with the items returned, or confiscation; the
documents printed with their numbers. The worker is driven with the app's clock moved (the `clock`
fixture): its timers (services/cases/timers.py), then its oversight scan (services/oversight/alerts.py)."""
import json
import re
from datetime import date, datetime, timedelta

import pytest

from tests.helpers import days_ago
from tests.seizure import ITEMS, PRIOR, URGENT, WITNESS_SIGNATURE, Seizure, instant
from workflow_app.extensions import db
from workflow_app.models import Alert, Case, TraceEvent
from workflow_app.oversight.calendar import check_day
from workflow_app.services.audit import verify as audit_verify
from workflow_app.services.cases import timers
from workflow_app.services.oversight import alerts

pytestmark = pytest.mark.dates


@pytest.fixture
def seizure(api):
    return Seizure(api)


def worker_pass(api):
    """One pass of the background worker as `flask worker run` makes it (timers, then the oversight
    scan) at the app's clock; the API's tokens are had again (they expire after 12 hours)."""
    fired, scanned = timers.fire_due(), alerts.scan()
    api._tokens.clear()
    return fired, scanned


def codes(case: dict) -> list[str]:
    return sorted(db.session.execute(db.select(Alert.code).where(Alert.case_id == case["id"])).scalars())


def due(case: dict, bpmn_id: str, api) -> datetime:
    return datetime.fromisoformat(api.task(case, bpmn_id)["due_at"])


def recorded(api, case: dict, bpmn_id: str) -> dict:
    """What the case's latest completion of a step recorded (the times the driver gave it, as they were
    when it was completed, not as the clock reads now)."""
    done = [t for t in api.get(f"/api/v1/cases/{case['id']}/tasks").json["items"]
            if t["bpmn_id"] == bpmn_id and t["state"] == "completed"]
    return done[-1]["data"]


def actions(case: dict) -> list[str]:
    return list(db.session.execute(db.select(TraceEvent.action).where(TraceEvent.case_id == case["id"])
                                   .order_by(TraceEvent.seq)).scalars())


# -- the prior path, to release ------------------------------------------------------------------------
def test_approved_before_taken_on_the_spot_held_decided_and_released_against_a_receipt(api, ctx, seizure):
    case = seizure.open()
    assert case["status"] == "intake" and api.ready(case) == ["seizure_application"]
    case = seizure.run(case, "seizure_application")
    assert api.task(case, "seizure_approval")["lane"] == "department_head"
    case = seizure.run(case, "seizure_approval", "seizure_onsite")
    assert case["status"] == "seized" and api.ready(case) == ["seizure_disposition"]
    decision = api.task(case, "seizure_disposition")
    assert decision["deadline"] == "30 days from seizure_onsite.seized_at excluding periods, extendable as seizure"
    seized = datetime.fromisoformat(recorded(api, case, "seizure_onsite")["seized_at"])
    assert due(case, "seizure_disposition", api).date() >= (seized + timedelta(days=30)).date()
    case = seizure.run(case, "seizure_disposition")
    assert api.ready(case) == ["release"] and api.task(case, "release")["deadline"] == \
        "0 days from seizure_disposition.decided_on"
    case = seizure.run(case, "release", "seizure_closing")
    assert case["status"] == "closed" and case["closed_at"]
    assert [(m["milestone"], m["bpmn_id"]) for m in case["milestones"]] == [
        ("seized", "seizure_onsite"), ("released", "release"), ("closed", "seizure_closing")]
    assert codes(case) == [] and audit_verify.verify(case["id"]).ok
    # the step records the officers, the photo of the list and the party's signature
    onsite = next(t for t in api.get(f"/api/v1/cases/{case['id']}/tasks").json["items"]
                  if t["bpmn_id"] == "seizure_onsite")
    assert onsite["data"]["officers"] == ["officer1", "officer2"] and len(onsite["data"]["photos"]) == 1
    assert re.fullmatch(r"[0-9a-f]{64}", onsite["data"]["party_signature"])


def test_the_head_refusing_the_measure_closes_the_application(api, seizure):
    case = seizure.run(seizure.open(), "seizure_application", ("seizure_approval", {"approval_decision": "refuse",
                                                                                      "opinion": "证据不足，不予批准"}))
    assert case["status"] == "not_approved" and case["closed_at"] and case["tasks"] == []


def test_confiscation_hands_the_items_on_to_a_penalty_decision(api, seizure):
    case = seizure.run(seizure.open(), *PRIOR, ("seizure_disposition", {
        "disposition": "confiscation", "release_ground": None, "reasons": "依法应当没收"}))
    assert api.ready(case) == ["seizure_confiscation"]
    refused = seizure.complete(case, "seizure_confiscation", expect=422)  # no penalty case opened from it yet
    assert refused.json["error"] == "CONFISCATION_WITHOUT_PENALTY_CASE" and "第27条" in refused.json["article"]
    assert "seizure_confiscation.outcome" in refused.json["errors"]
    penalty = api.open_case(title="涉案物品没收案", linked_from={"case_id": case["id"], "kind": "confiscation"})
    case = seizure.run(case, "seizure_confiscation")
    links = api.get(f"/api/v1/cases/{case['id']}/links").json["items"]
    assert [(link["kind"], link["case"]["id"]) for link in links] == [("confiscation", penalty["id"])]
    assert case["status"] == "confiscation_referred" and api.ready(case) == ["seizure_closing"]
    assert seizure.run(case, "seizure_closing")["status"] == "closed"


# -- the urgent path (Art. 19) ----------------------------------------------------------------------
def test_an_urgent_measure_reported_within_24_hours_raises_nothing(api, ctx, seizure):
    seizure.dates = {"hours": 20, "reported_after": 3}
    case = seizure.run(seizure.open(), *URGENT)
    assert case["status"] == "seized" and api.ready(case) == ["seizure_report"]
    report = api.task(case, "seizure_report")
    seized = datetime.fromisoformat(recorded(api, case, "seizure_onsite")["seized_at"])
    assert report["deadline"] == "24 hours from seizure_onsite.seized_at"
    assert datetime.fromisoformat(report["due_at"]) == seized + timedelta(hours=24)  # to the minute, not the day
    case = seizure.run(case, "seizure_report")
    assert api.task(case, "seizure_ratification")["lane"] == "department_head"
    case = seizure.run(case, "seizure_ratification")
    assert api.ready(case) == ["seizure_disposition"]
    worker_pass(api)
    assert codes(case) == []


def test_an_urgent_measure_not_reported_within_24_hours_raises_the_alert_when_the_worker_passes(api, ctx, clock,
                                                                                                 seizure):
    seizure.dates = {"hours": 2}
    case = seizure.run(seizure.open(), *URGENT)
    _fired, scanned = worker_pass(api)
    assert (case["number"], "URGENT_MEASURE_UNREPORTED") not in scanned.raised  # 22 hours left
    clock.advance(timedelta(hours=21, minutes=30))
    _fired, scanned = worker_pass(api)
    assert (case["number"], "URGENT_MEASURE_UNREPORTED") not in scanned.raised  # half an hour left
    clock.advance(timedelta(hours=1))
    _fired, scanned = worker_pass(api)
    assert (case["number"], "URGENT_MEASURE_UNREPORTED") in scanned.raised
    alert = db.session.execute(db.select(Alert).where(Alert.case_id == case["id"])).scalar_one()
    assert (alert.severity, alert.details["step"]) == ("high", "seizure_report")
    assert "行政强制法》第19条" in alert.details.get("basis", "") or "第19条" in json.dumps(
        api.get(f"/api/v1/alerts/{alert.id}", as_="supervisor1").json, ensure_ascii=False)
    assert worker_pass(api)[1].raised == []  # once


def test_a_report_dated_after_the_24_hours_raises_the_alert_in_its_own_step(api, ctx, seizure):
    seizure.dates = {"hours": 30, "reported_after": 26}
    case = seizure.run(seizure.open(), *URGENT, "seizure_report")
    alert = db.session.execute(db.select(Alert).where(Alert.case_id == case["id"])).scalar_one()
    assert (alert.code, alert.raised_by) == ("URGENT_MEASURE_UNREPORTED", "rule:step")
    assert alert.details["act_at"] == recorded(api, case, "seizure_report")["reported_at"]


def test_the_head_disagreeing_releases_the_items_at_once(api, seizure):
    case = seizure.run(seizure.open(), *URGENT, "seizure_report",
                       ("seizure_ratification", {"ratification": "disagree", "opinion": "不应当采取，立即解除"}))
    assert api.ready(case) == ["urgent_release"]
    release = api.task(case, "urgent_release")
    assert release["deadline"] == "0 days from seizure_ratification.decided_on" and release["due_at"]
    case = seizure.run(case, "urgent_release")
    assert case["status"] == "released" and api.ready(case) == ["seizure_closing"]
    page = api.get(f"/api/v1/cases/{case['id']}/documents/seizure_release.html").data.decode()
    assert "本机关负责人认为不应当采取" in page and "不应当采取，立即解除" in page


def test_a_report_before_the_measure_is_out_of_order(api, seizure):
    seizure.dates = {"hours": 5}
    case = seizure.run(seizure.open(), *URGENT)
    r = seizure.complete(case, "seizure_report", expect=422, reported_at=instant(6))
    assert r.json["error"] == "DATES_OUT_OF_ORDER" and "seizure_report.reported_at" in r.json["errors"]


# -- the period: 30 days, one extension, testing excluded (Art. 25) -----------------------------------
def test_one_extension_of_at_most_30_days_is_approved_notified_and_moves_the_limit(api, ctx, seizure):
    seizure.dates = {"hours": 2}
    case = seizure.run(seizure.open(), *PRIOR)
    before = due(case, "seizure_disposition", api)
    too_long = seizure.request(case, "extension_request", {"limit": "seizure", "days": 31, "reason": "情况复杂",
                                                           "requested_on": days_ago(0)}, expect=422)
    assert too_long.json["error"] == "EXTENSION_TOO_LONG" and "第25条" in too_long.json["article"]
    case = seizure.extend(case, days=30, approved=20)
    after = due(case, "seizure_disposition", api)
    # The period is 30 + 20 days from the measure's day; only its last day is carried past a day off,
    # so where the 30th day fell on a weekend `before` was carried and `after` is less than 20 days later.
    start = datetime.fromisoformat(recorded(api, case, "seizure_onsite")["seized_at"]).date()
    day = start + timedelta(days=30 + 20)
    while not check_day(day).working:
        day += timedelta(days=1)
    assert after.date() == day and after > before
    assert "deadline.moved" in actions(case)
    docs = {d["kind"]: d for d in api.get(f"/api/v1/cases/{case['id']}/documents").json["items"]}
    notice = api.get(docs["seizure_extension_notice"]["links"]["html"]).data.decode()
    assert docs["seizure_extension_notice"]["number"] in notice and "延长20日" in notice
    again = seizure.request(case, "extension_request", {"limit": "seizure", "days": 10, "reason": "仍需检验",
                                                        "requested_on": days_ago(0)}, expect=422)
    assert again.json["error"] == "EXTENSION_EXHAUSTED"
    assert due(api.get(f"/api/v1/cases/{case['id']}").json, "seizure_disposition", api) == after


def test_an_inspection_period_is_not_counted_and_its_notice_is_printed(api, ctx, seizure):
    seizure.dates = {"hours": 26}
    case = seizure.run(seizure.open(), *PRIOR)
    before = due(case, "seizure_disposition", api)
    case = seizure.request(case, "excluded_period", {
        "kind": "inspection", "agency": "示范市食品药品检验所", "start_on": days_ago(0), "end_on": days_ago(-9),
        "basis": "委托检验通知书", "notified_on": days_ago(0)})
    after = due(case, "seizure_disposition", api)
    # The 30 days run from the measure's day, the 10 days of the inspection not counted, and a limit that
    # falls on a day off ends on the next working day (so `before` may itself have been carried forward).
    start = datetime.fromisoformat(recorded(api, case, "seizure_onsite")["seized_at"]).date()
    skipped = {date.fromisoformat(days_ago(0)) + timedelta(days=n) for n in range(10)}
    day, counted = start, 0
    while counted < 30:
        day += timedelta(days=1)
        counted += day not in skipped
    while not check_day(day).working:  # the app's calendar: a year without a holiday table is provisional
        day += timedelta(days=1)
    assert after.date() == day and after > before
    moved = db.session.execute(db.select(TraceEvent).where(TraceEvent.case_id == case["id"],
                                                           TraceEvent.action == "deadline.moved")).scalars().all()
    assert moved and "不计入期限的期间" in json.loads(moved[-1].data_json)["reason"]
    page = api.get(f"/api/v1/cases/{case['id']}/documents/period_notice.html").data.decode()
    assert "示范市食品药品检验所" in page and "第二十五条第三款" in page


def test_an_unstated_period_is_refused_naming_its_end(api, seizure):
    case = seizure.run(seizure.open(), *PRIOR)
    r = seizure.request(case, "excluded_period", {"kind": "testing", "agency": "检测所", "start_on": days_ago(0),
                                                  "basis": "委托书", "notified_on": days_ago(0)}, expect=422)
    assert "end_on" in r.json["errors"]


def test_the_head_is_warned_by_the_timer_five_days_before_the_limit(api, ctx, clock, seizure):
    seizure.dates = {"hours": 1}
    case = seizure.run(seizure.open(), *PRIOR)
    seized = datetime.fromisoformat(recorded(api, case, "seizure_onsite")["seized_at"])
    row = db.session.get(Case, case["id"])
    assert row.next_timer_at == seized + timedelta(days=25)  # add_days(seized_at, 25), from the record
    clock.advance(timedelta(days=24))
    fired, _ = worker_pass(api)
    assert fired.fired == [] and api.ready(api.get(f"/api/v1/cases/{case['id']}").json) == ["seizure_disposition"]
    clock.advance(timedelta(days=1))
    fired, scanned = worker_pass(api)
    assert fired.fired == [case["number"]] and scanned.raised == []  # warned, not late
    case = api.get(f"/api/v1/cases/{case['id']}").json
    assert api.ready(case) == ["seizure_disposition", "seizure_expiry_warning"]
    warning = api.task(case, "seizure_expiry_warning")
    assert warning["lane"] == "department_head" and warning["due_at"] == api.task(case, "seizure_disposition")["due_at"]
    assert "timer.fired" in actions(case)
    case = seizure.run(case, ("seizure_expiry_warning", {"instruction": "decide", "noted_on": days_ago(0)}))
    assert api.ready(case) == ["seizure_disposition"]


def test_held_past_the_limit_raises_seizure_overdue_and_a_lawful_case_does_not(api, ctx, clock, seizure):
    seizure.dates = {"hours": 1}
    late = seizure.run(seizure.open(), *PRIOR)
    lawful = seizure.run(seizure.open(), *PRIOR)
    lawful = seizure.run(lawful, "seizure_disposition", "release", "seizure_closing")  # decided and released in time
    extended = seizure.extend(seizure.run(seizure.open(), *PRIOR), days=30)
    limit = due(late, "seizure_disposition", api)
    clock.set_now(limit + timedelta(hours=1))
    _fired, scanned = worker_pass(api)
    assert (late["number"], "SEIZURE_OVERDUE") in scanned.raised
    assert not {(n, c) for n, c in scanned.raised if n in (lawful["number"], extended["number"])
                and c == "SEIZURE_OVERDUE"}
    assert codes(lawful) == [] and "SEIZURE_OVERDUE" not in codes(extended)  # (idle for 30 days, it is CASE_IDLE)
    assert db.session.execute(db.select(Alert.severity).where(Alert.case_id == late["id"], Alert.code ==
                                                              "SEIZURE_OVERDUE")).scalar_one() == "high"


def test_a_decision_dated_after_the_limit_raises_seizure_overdue_in_its_step(api, ctx, seizure):
    seizure.dates = {"hours": 40 * 24}
    case = seizure.run(seizure.open(), *PRIOR, "seizure_disposition")
    assert "SEIZURE_OVERDUE" in codes(case)


# -- the law of the on-site record (Arts. 17, 18, 24) ---------------------------------------------------
def test_an_absent_party_needs_a_witness_who_signs(api, seizure):
    case = seizure.run(seizure.open(), "seizure_application", "seizure_approval")
    absent = {"party_present": False, "documents_handed_over": None, "service_note": "决定书和清单张贴于仓库门口并邮寄送达"}
    r = seizure.complete(case, "seizure_onsite", expect=422, **absent)
    assert r.json["error"] == "RECORD_NOT_SIGNED" and "第18条" in r.json["article"]
    assert set(r.json["errors"]) == {"seizure_onsite.witness_name", "seizure_onsite.witness_signature"}
    witness = seizure.sign(case, WITNESS_SIGNATURE)
    case = seizure.complete(case, "seizure_onsite", **absent, witness_name="仓库管理员赵某",
                            witness_signature=witness)
    page = api.get(f"/api/v1/cases/{case['id']}/documents/site_record.html").data.decode()
    assert "仓库管理员赵某" in page and "当事人未到场" in page


def test_a_refusal_to_sign_is_noted_and_printed(api, seizure):
    case = seizure.run(seizure.open(), "seizure_application", "seizure_approval")
    r = seizure.complete(case, "seizure_onsite", expect=422, refused_to_sign=True)
    assert r.json["error"] == "RECORD_NOT_SIGNED" and list(r.json["errors"]) == ["seizure_onsite.refusal_note"]
    case = seizure.complete(case, "seizure_onsite", refused_to_sign=True, refusal_note="当事人拒绝签名，已注明并录像")
    page = api.get(f"/api/v1/cases/{case['id']}/documents/seizure_list.html").data.decode()
    assert "当事人拒绝签名：当事人拒绝签名，已注明并录像" in page


def test_one_officer_alone_may_not_take_the_measure(api, seizure):
    case = seizure.run(seizure.open(), "seizure_application", "seizure_approval")
    r = seizure.complete(case, "seizure_onsite", expect=422, officers=["officer1"])
    assert "seizure_onsite.officers" in r.json["errors"] or "officers" in r.json["errors"]
    r = seizure.complete(case, "seizure_onsite", expect=422, officers=["officer2", "officer3"])
    assert r.json["error"] == "SINGLE_OFFICER"


def test_a_department_without_the_power_may_not_seize(api, seizure):
    case = seizure.open(as_="finance_officer1", department="finance")
    r = seizure.complete(case, "seizure_application", expect=422, as_="finance_officer1")
    assert r.json["error"] == "MEASURE_OUTSIDE_POWERS" and "第17条" in r.json["article"]
    assert "seizure_application.measures" in r.json["errors"]


def test_the_release_returns_every_item_in_full(api, seizure):
    case = seizure.run(seizure.open(), *PRIOR, "seizure_disposition")
    short = [{**ITEMS[0], "quantity": 100}, ITEMS[1]]
    r = seizure.complete(case, "release", expect=422, returned_items=short)
    assert r.json["error"] == "ITEMS_NOT_RETURNED" and "120" in r.json["message"] and "100" in r.json["message"]
    sold = [{**ITEMS[0], "quantity": 0.5, "proceeds": 1800}, ITEMS[1]]  # perishable, sold: its proceeds returned
    assert seizure.complete(case, "release", returned_items=sold)["status"] == "released"


def test_the_release_form_offers_the_items_seized(api, seizure):
    case = seizure.run(seizure.open(), *PRIOR, "seizure_disposition")
    task = api.get(f"/api/v1/tasks/{api.task(case, 'release')['id']}").json
    assert task["prefill"]["returned_items"]["value"] == ITEMS


@pytest.mark.parametrize("field, value, reason", [
    ("seized_at", "昨天上午", "日期时间"),
    ("seized_at", "2026-10-12T10:30", "日期时间"),  # no offset: no instant
    ("items", [], "至少"),
    ("photos", [999999], "999999"),
    ("measures", ["detain"], None),
])
def test_junk_is_refused_with_the_field_and_the_reason(api, seizure, field, value, reason):
    step = "seizure_application" if field == "measures" else "seizure_onsite"
    case = seizure.run(seizure.open(), *(() if step == "seizure_application" else ("seizure_application",
                                                                                    "seizure_approval")))
    r = seizure.complete(case, step, expect=422, **{field: value})
    named = [k for k in r.json["errors"] if k.split(".")[0] == field]
    assert named, r.json
    if reason:
        assert reason in json.dumps(r.json["errors"][named[0]], ensure_ascii=False), r.json


# -- the documents, numbered ------------------------------------------------------------------------------
def test_the_decision_and_its_list_are_numbered_and_print_the_record(api, ctx, seizure):
    case = seizure.run(seizure.open(), *PRIOR)
    docs = {d["kind"]: d for d in api.get(f"/api/v1/cases/{case['id']}/documents").json["items"]}
    assert set(docs) == {"seizure_decision", "seizure_list", "site_record"}
    number = docs["seizure_decision"]["number"]
    assert re.fullmatch(r"清市监封扣〔\d{4}〕\d+号", number)
    onsite = recorded(api, case, "seizure_onsite")
    at = datetime.fromisoformat(onsite["seized_at"])
    decision = api.get(docs["seizure_decision"]["links"]["html"]).data.decode()
    for text in (number, "清河区市场监督管理局", "清河区鲜果多超市有限公司", "91990105MA01XGD1K2", "清河区兴华路18号",
                 "扣押财物", "《中华人民共和国食品安全法》第一百一十条第四项", "查封（扣押）期限为三十日",
                 f"{at.year}年{at.month}月{at.day}日{at.hour}时{at.minute:02d}分", "清河区人民政府", "清河区人民法院",
                 "六十日内", "六个月内"):
        assert text in decision, text
    listing = api.get(docs["seizure_list"]["links"]["html"]).data.decode()
    for text in (f"（{number}附件）", "香脆饼干（预包装食品）", "120", "包装封口机", "现场照片：见证据清单第1项",
                 "一式二份", "张明", "李华"):
        assert text in listing, text
    assert "<img" in listing  # the party's signature drawn on the screen
    case = seizure.run(case, "seizure_disposition", "release")
    release = api.get(f"/api/v1/cases/{case['id']}/documents/seizure_release.html").data.decode()
    docs = {d["kind"]: d for d in api.get(f"/api/v1/cases/{case['id']}/documents").json["items"]}
    assert re.fullmatch(r"清市监解封扣〔\d{4}〕\d+号", docs["seizure_release"]["number"])
    for text in (docs["seizure_release"]["number"], number, "第二十八条", "查封、扣押的场所、设施或者财物与违法行为无关",
                 "香脆饼干（预包装食品）", "当事人已清点签收"):
        assert text in release, text


# -- the demo ---------------------------------------------------------------------------------------------
@pytest.mark.demo_cases
def test_the_demo_holds_seizures_at_each_stage_in_two_departments_with_their_alerts(app, api, demo_output):
    from workflow_app.demo.cases import own_fields
    from workflow_app.demo.seizure import STAGES
    from workflow_app.models import OrgUnit, Task
    from workflow_app.services.procedures.versions import procedure_info
    from workflow_app.services.registers.numbering import numbered_fields

    assert f"Opened {2 * len(STAGES)} seizure cases (查封、扣押), {len(STAGES)} in 市场监督管理局 (market)" in demo_output
    with app.app_context():
        rows = db.session.execute(db.select(Case, OrgUnit.code).join(OrgUnit, Case.department_id == OrgUnit.id)
                                  .where(Case.title.like("%查封案") | Case.title.like("%扣押案"))
                                  .order_by(Case.id)).all()
        assert len(rows) == 2 * len(STAGES)
        for (case, department), stage in zip(rows, [s for d in ("market", "environment") for s in STAGES],
                                             strict=True):
            ready = {t.bpmn_id for t in db.session.execute(db.select(Task).where(
                Task.case_id == case.id, Task.state == "ready")).scalars()}
            assert set(stage.until) <= ready and (stage.status is None or case.status == stage.status), (
                department, stage.name, case.status, ready)
            forms = procedure_info(case.procedure_version).forms
            story = stage.story if department == "market" else type(stage.story)(**{**stage.story.__dict__,
                                                                                     "environment": True})
            for task in db.session.execute(db.select(Task).where(Task.case_id == case.id,
                                                                 Task.state == "completed")).scalars():
                example = forms[task.form_key]["examples"][0]
                writes, drops = own_fields(task.form_key, task.data, story)
                writes |= set(numbered_fields(forms[task.form_key]))
                for field, value in task.data.items():
                    if field not in writes:
                        assert value == example.get(field), (case.number, task.bpmn_id, field, value)
        raised = db.session.execute(db.select(Alert.code, Case.title).join(Case, Alert.case_id == Case.id)
                                    .where(Alert.code.in_(("SEIZURE_OVERDUE", "URGENT_MEASURE_UNREPORTED")))).all()
        assert sorted(code for code, _ in raised) == ["SEIZURE_OVERDUE"] * 2 + ["URGENT_MEASURE_UNREPORTED"] * 2
        assert {department for _, department in rows} == {"market", "environment"}
    inbox = {t["bpmn_id"] for t in api.get("/api/v1/tasks?mine=1", as_="environment_head").json["items"]}
    assert {"seizure_approval", "seizure_ratification", "seizure_disposition", "seizure_expiry_warning",
            "seizure_closing"} <= inbox


def test_closing_ends_a_warning_the_head_has_not_noted(api, ctx, clock, seizure):
    seizure.dates = {"hours": 1}
    case = seizure.run(seizure.open(), *PRIOR)
    clock.advance(timedelta(days=26))
    worker_pass(api)
    case = api.get(f"/api/v1/cases/{case['id']}").json
    assert api.ready(case) == ["seizure_disposition", "seizure_expiry_warning"]
    case = seizure.run(case, "seizure_disposition", "release", "seizure_closing")
    assert case["status"] == "closed" and case["tasks"] == []
    cancelled = db.session.execute(db.select(TraceEvent).where(TraceEvent.case_id == case["id"],
                                                               TraceEvent.action == "task.cancelled")).scalar_one()
    assert cancelled.bpmn_id == "seizure_expiry_warning"
    assert all(t["case_id"] != case["id"] for t in api.get("/api/v1/tasks?mine=1", as_="head1").json["items"])
    assert audit_verify.verify(case["id"]).ok


def test_the_package_deploys_from_its_folder_with_the_cli(app):
    """`flask procedures deploy bpmn/seizure`: the package (its BPMN, forms, rules, templates) is the
    version the tests run on (deployed from the repository by the suite's setup), so deploying it
    again changes nothing; its forms and templates are part of the version."""
    from tests.conftest import ROOT

    r = app.test_cli_runner().invoke(args=["procedures", "deploy", str(ROOT / "bpmn" / "seizure")])
    assert r.exit_code == 0, r.output
    assert "[seizure]" in r.output and "unchanged (already deployed)" in r.output
    with app.app_context():
        from workflow_app.services.procedures.versions import latest_version, procedure_info

        info = procedure_info(latest_version("seizure"))
        assert {"seizure_onsite", "seizure_extension_request", "closing"} <= set(info.forms)
        assert info.clock.limits["seizure"].first_max == 30 and not info.clock.limits["seizure"].further
        assert {meta.get("overdue_alert") for meta in info.task_specs.values()} >= {
            "URGENT_MEASURE_UNREPORTED", "SEIZURE_OVERDUE"}


def test_a_limit_in_hours_shows_its_minute_on_the_pages(app, api, seizure):
    """The report due 24 hours after the measure is shown to the minute (the inbox, the case page,
    the step's page); a limit in days still shows its day."""
    from tests.web_session import page_login

    seizure.dates = {"hours": 3}
    case = seizure.run(seizure.open(), *URGENT)
    due = datetime.fromisoformat(api.task(case, "seizure_report")["due_at"]).strftime("%Y-%m-%d %H:%M")
    client = app.test_client()
    page_login(client, "officer1")
    for url in ("/inbox", f"/cases/{case['id']}", f"/tasks/{api.task(case, 'seizure_report')['id']}"):
        assert due in client.get(url).get_data(as_text=True), url
    case = seizure.run(case, "seizure_report", "seizure_ratification")
    day = api.task(case, "seizure_disposition")["due_at"][:10]
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert day in page and f"{day} 23:59" not in page
