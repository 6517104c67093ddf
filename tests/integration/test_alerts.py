"""Oversight alerts (DOMAIN.md 预警; services/oversight/alerts.py): the worker's time rules raise an alert of a
step past its due time once, traced on the case; the decision's approaching due time is a risk
that clears itself when the overdue alert takes over; supervisors acknowledge, resolve and dismiss
with a reason, each traced; heads read, officers may not. Through the API, on SQLite and PostgreSQL."""
from datetime import date, datetime, time, timedelta

import pytest

from tests.helpers import TO_DECISION, at_once, days_ago, to_decision_filed
from workflow_app.extensions import db
from workflow_app.models import Alert, Case, CaseMilestone, TraceEvent
from workflow_app.models.types import utcnow
from workflow_app.oversight.calendar import LOCAL_TZ
from workflow_app.services.audit import verify as audit_verify
from workflow_app.services.oversight import alerts

pytestmark = pytest.mark.dates

EN = {"Accept-Language": "en"}


def actions(case_id: int) -> list[str]:
    return list(db.session.execute(db.select(TraceEvent.action).where(TraceEvent.case_id == case_id)
                                   .order_by(TraceEvent.seq)).scalars())


def filing_late(api) -> dict:
    """A case whose clue came in 110 days ago: its filing decision is long overdue."""
    return api.run(api.open_case(), "clue_intake")


def test_a_step_past_its_due_time_raises_its_alert_once_traced_on_the_case(api, ctx):
    case = filing_late(api)
    first = alerts.scan()
    assert (case["number"], "FILING_LATE") in first.raised
    assert (case["number"], "FILING_LATE") not in alerts.scan().raised  # once, however many passes
    rows = db.session.execute(db.select(Alert).where(Alert.case_id == case["id"])).scalars().all()
    assert [(a.code, a.severity, a.status) for a in rows] == [("FILING_LATE", "medium", "open")]
    assert actions(case["id"]).count("alert.raised") == 1
    assert audit_verify.verify(case["id"]).ok

    listed = api.get("/api/v1/alerts?code=FILING_LATE", as_="supervisor1").json
    mine = [a for a in listed["items"] if a["case_id"] == case["id"]]
    assert len(mine) == 1 and mine[0]["name"].startswith("立案超期") and mine[0]["details"]["step"] == "filing_approval"
    assert mine[0]["basis"] == "《市场监督管理行政处罚程序规定》第18条" and mine[0]["case_number"] == case["number"]
    en = api.client.get(f"/api/v1/alerts/{mine[0]['id']}", headers={**api.headers("supervisor1"), **EN}).json
    assert en["name"].startswith("filing late") and en["status"] == "open"


def test_supervisors_acknowledge_then_resolve_or_dismiss_with_a_reason_and_a_step_is_not_asked_about_again(api, ctx):
    case = filing_late(api)
    alerts.scan()
    alert_id = db.session.execute(db.select(Alert.id).where(Alert.case_id == case["id"])).scalar_one()
    url = f"/api/v1/alerts/{alert_id}"
    assert api.post(f"{url}/acknowledge", as_="head1").status_code == 403  # heads read, supervisors act
    assert api.post(f"{url}/acknowledge", as_="officer1").status_code == 403
    r = api.post(f"{url}/acknowledge", as_="supervisor1")
    assert r.status_code == 200 and r.json["status"] == "acknowledged" and r.json["handled_by"] == "supervisor1"
    assert api.post(f"{url}/acknowledge", as_="supervisor1").status_code == 409
    r = api.post(f"{url}/resolve", as_="supervisor1", json={"reason": "  "})
    assert r.status_code == 422 and "reason" in r.json["errors"]
    r = api.post(f"{url}/resolve", as_="supervisor1", json={})
    assert r.status_code == 422 and "reason" in r.json["errors"]
    r = api.post(f"{url}/resolve", as_="supervisor1", json={"reason": "已督促部门于当日作出立案决定"})
    assert r.status_code == 200 and r.json["status"] == "resolved" and r.json["reason"] == "已督促部门于当日作出立案决定"
    assert api.post(f"{url}/dismiss", as_="supervisor1", json={"reason": "x"}).status_code == 409
    assert actions(case["id"])[-2:] == ["alert.acknowledged", "alert.resolved"]
    assert (case["number"], "FILING_LATE") not in alerts.scan().raised  # the same step: not again
    assert api.get("/api/v1/alerts?status=resolved&code=FILING_LATE", as_="supervisor1").json["total"] >= 1
    assert audit_verify.verify(case["id"]).ok


def test_who_reads_the_alerts_and_bad_filters_are_named(api, ctx):
    filing_late(api)
    alerts.scan()
    assert api.get("/api/v1/alerts", as_="officer1").status_code == 403
    assert api.get("/api/v1/alerts", as_="head1").json["total"] >= 1
    r = api.get("/api/v1/alerts?status=maybe&severity=huge&code=NOPE", as_="supervisor1")
    assert r.status_code == 422 and set(r.json["errors"]) == {"status", "severity", "code"}
    medium = api.get("/api/v1/alerts?severity=medium", as_="supervisor1").json["items"]
    assert medium and all(a["severity"] == "medium" for a in medium)
    assert api.get("/api/v1/alerts?severity=high", as_="supervisor1").json["items"] == []
    assert api.get("/api/v1/alerts/999999", as_="supervisor1").status_code == 404


def test_the_decisions_approaching_due_time_is_a_risk_that_the_overdue_alert_takes_over(api, ctx):
    """The due time is read, not assumed: 90 days ending on a weekend or a holiday run on to the
    next working day (filed on a Sunday, the 90th day is a Saturday)."""
    case = api.run(api.open_case(), *to_decision_filed(20))
    assert [t["bpmn_id"] for t in case["tasks"]] == ["penalty_decision"]
    row = db.session.get(Case, case["id"])
    due = row.next_due_at
    filed = datetime.combine(date.fromisoformat(days_ago(20)), time.min, tzinfo=LOCAL_TZ)  # 立案日期 as recorded
    assert db.session.execute(db.select(CaseMilestone.id).where(CaseMilestone.case_id == row.id,
                                                                CaseMilestone.milestone == "filed")).scalar_one()
    assert filed + timedelta(days=89) < due  # the end of the 90th day, or of a working day after it
    soon = alerts.scan(now=due - timedelta(days=5))
    assert (case["number"], "DECISION_DUE_SOON") in soon.raised
    late = alerts.scan(now=due + timedelta(hours=1))
    assert (case["number"], "DECISION_OVERDUE") in late.raised and (case["number"], "DECISION_DUE_SOON") in late.cleared
    states = {a.code: a.status for a in db.session.execute(
        db.select(Alert).where(Alert.case_id == case["id"], Alert.code.like("DECISION_%"))).scalars()}
    assert states == {"DECISION_DUE_SOON": "resolved", "DECISION_OVERDUE": "open"}


def test_two_workers_at_once_raise_an_alert_once(app, api, ctx):
    case = filing_late(api)
    results = at_once(app, lambda: alerts.scan(now=utcnow()))
    db.session.expire_all()
    raised = [r for res in results for r in res.raised if r[0] == case["number"]]
    assert raised == [(case["number"], "FILING_LATE")]
    assert actions(case["id"]).count("alert.raised") == 1
    assert audit_verify.verify(case["id"]).ok


def test_the_cli_scans_and_says_what_it_raised(app, api, ctx):
    case = filing_late(api)
    out = app.test_cli_runner().invoke(args=["oversight", "scan"])
    assert out.exit_code == 0 and f"{case['number']} FILING_LATE" in out.output, out.output
    again = app.test_cli_runner().invoke(args=["oversight", "scan", "--limit", "0"])
    assert again.exit_code == 2


def test_the_third_return_of_the_legal_review_raises_its_alert_in_the_same_step(api, ctx):
    again = ("investigation", ("investigation_report", {"major_case": True}), *TO_DECISION[4:])
    case = api.run(api.open_case(), *TO_DECISION[:2], *again)
    for n in range(1, 4):
        case = api.complete(case, "legal_review", review_outcome="return", opinions=f"第{n}次退回：补充证据")
        found = db.session.execute(db.select(Alert).where(Alert.case_id == case["id"])).scalars().all()
        assert [a.code for a in found] == (["RETURNED_REPEATEDLY"] if n == 3 else []), n
        if n < 3:
            case = api.run(case, *again)
    alert = found[0]
    assert (alert.severity, alert.raised_by, alert.details) == ("low", alerts.STEP_RULES, {"returns": 3})
    trail = actions(case["id"])
    assert trail.count("alert.raised") == 1 and trail.count("legal_review.returned") == 3
    assert trail.index("alert.raised") > max(i for i, a in enumerate(trail) if a == "legal_review.returned")
    assert audit_verify.verify(case["id"]).ok


def test_an_open_case_untouched_for_30_days_is_idle_until_it_moves(api, ctx):
    case = api.run(api.open_case(), *TO_DECISION)
    db.session.execute(db.update(Case).where(Case.id == case["id"])  # its last change 31 days ago
                       .values(updated_at=utcnow() - timedelta(days=31)).execution_options(synchronize_session=False))
    db.session.commit()
    assert (case["number"], "CASE_IDLE") in alerts.scan().raised
    assert (case["number"], "CASE_IDLE") not in alerts.scan().raised  # once while idle
    api.complete(case, "penalty_decision")  # the case moves
    assert (case["number"], "CASE_IDLE") in alerts.scan().cleared
    db.session.expire_all()
    states = [a.status for a in db.session.execute(
        db.select(Alert).where(Alert.case_id == case["id"], Alert.code == "CASE_IDLE")).scalars()]
    assert states == ["resolved"]


def test_a_rectification_is_requested_reported_and_overdue_when_not_reported_in_time(api, ctx):
    case = filing_late(api)
    alerts.scan()
    alert_id = db.session.execute(db.select(Alert.id).where(Alert.case_id == case["id"])).scalar_one()
    url = f"/api/v1/alerts/{alert_id}"
    tomorrow = (utcnow() + timedelta(days=1)).astimezone(LOCAL_TZ).date().isoformat()
    r = api.post(f"{url}/request-rectification", as_="supervisor1", json={"opinion": " ", "due_on": "2020-01-01"})
    assert r.status_code == 422 and set(r.json["errors"]) == {"opinion", "due_on"}
    assert api.post(f"{url}/request-rectification", as_="head1",
                    json={"opinion": "请整改", "due_on": tomorrow}).status_code == 403
    assert api.post(f"{url}/report-rectification", as_="head1", json={"report": "已整改"}).status_code == 409
    r = api.post(f"{url}/request-rectification", as_="supervisor1",
                 json={"opinion": "请于期限内作出立案决定并报告整改情况", "due_on": tomorrow})
    assert r.status_code == 200 and r.json["status"] == "rectification_requested"
    assert r.json["rectification_due_at"].startswith(tomorrow) and r.json["rectification_due_at"].endswith("23:59:59+08:00")
    # not reported by its deadline: RECTIFICATION_OVERDUE, once
    after = utcnow() + timedelta(days=3)
    assert (case["number"], "RECTIFICATION_OVERDUE") in alerts.scan(now=after).raised
    assert (case["number"], "RECTIFICATION_OVERDUE") not in alerts.scan(now=after).raised
    assert api.post(f"{url}/report-rectification", as_="officer1", json={"report": "已整改"}).status_code == 403
    r = api.post(f"{url}/report-rectification", as_="head1", json={"report": "已于次日作出立案决定，并组织全员学习程序规定"})
    assert r.status_code == 200 and r.json["status"] == "rectification_reported" and r.json["reported_by"] == "head1"
    r = api.post(f"{url}/resolve", as_="supervisor1", json={"reason": "整改到位"})
    assert r.status_code == 200 and r.json["status"] == "resolved"
    trail = actions(case["id"])
    assert [a for a in trail if a.startswith("alert.")] == [
        "alert.raised", "alert.rectification_requested", "alert.raised", "alert.rectification_reported",
        "alert.resolved"]
    assert audit_verify.verify(case["id"]).ok
