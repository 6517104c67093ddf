"""A case begun on paper, entered with its real dates (补录, services/cases/paper_entry.py): traced as such,
its limits counted from the recorded dates of its acts, the worker's time alerts waiting for the
entry to be finished (or PAPER_ENTRY_DAYS), and a step recorded after its due time raising its
alert in its own transaction. Through the API, on SQLite and PostgreSQL."""
import json
from datetime import timedelta

import pytest

from tests.helpers import TO_DECISION, days_ago
from workflow_app.extensions import db
from workflow_app.models import Alert, TraceEvent
from workflow_app.models.types import utcnow
from workflow_app.oversight import calendar
from workflow_app.oversight.deadlines import form_date
from workflow_app.services.audit import verify as audit_verify
from workflow_app.services.oversight import alerts

pytestmark = pytest.mark.dates

PAPER = {"reason": "系统升级期间现场立案办理，依纸质案卷补录", "reference": "纸质卷宗 2026-031"}


def events(case_id: int) -> list[tuple[str, str, dict]]:
    rows = db.session.execute(db.select(TraceEvent.action, TraceEvent.actor, TraceEvent.data_json)
                              .where(TraceEvent.case_id == case_id).order_by(TraceEvent.seq)).all()
    return [(action, actor, json.loads(data)) for action, actor, data in rows]


def codes(case_id: int) -> list[tuple[str, str, str]]:
    db.session.expire_all()
    return [(a.code, a.raised_by, a.status) for a in db.session.execute(
        db.select(Alert).where(Alert.case_id == case_id).order_by(Alert.id)).scalars()]


def test_a_case_entered_from_paper_is_traced_as_such_and_the_worker_waits_for_the_entry(api, ctx):
    case = api.open_case(paper_entry=PAPER)
    shown = case["paper_entry"]
    assert shown["reason"] == PAPER["reason"] and shown["reference"] == PAPER["reference"]
    assert shown["in_progress"] is True and shown["finished_at"] is None
    assert shown["until"].endswith("+08:00") and shown["started_at"].endswith("+08:00")
    opened = [data for action, _actor, data in events(case["id"]) if action == "case.opened"][0]
    assert opened["paper_entry"]["reason"] == PAPER["reason"] and opened["paper_entry"]["until"]

    case = api.run(case, "clue_intake")  # the clue came in 110 days ago: the filing is long past due
    assert alerts.scan().raised == [] or all(number != case["number"] for number, _ in alerts.scan().raised)
    assert codes(case["id"]) == []  # keyed in, not neglected

    r = api.post(f"/api/v1/cases/{case['id']}/paper-entry/finish", as_="supervisor1")
    assert r.status_code == 403  # officers and heads finish it
    r = api.post(f"/api/v1/cases/{case['id']}/paper-entry/finish", headers={"If-Match": '"case-v1"'})
    assert r.status_code == 412 and r.json["details"]["version"] == api.get(f"/api/v1/cases/{case['id']}").json["version"]
    r = api.post(f"/api/v1/cases/{case['id']}/paper-entry/finish")
    assert r.status_code == 200, r.json
    assert r.json["paper_entry"]["in_progress"] is False and r.json["paper_entry"]["finished_by"] == "officer1"
    assert r.headers["ETag"] == f'"case-v{r.json["version"]}"'
    again = api.post(f"/api/v1/cases/{case['id']}/paper-entry/finish")
    assert again.status_code == 409 and again.json["error"] == "not_paper_entry"
    assert [a for a, _, _ in events(case["id"])].count("case.paper_entry_finished") == 1

    assert (case["number"], "FILING_LATE") in alerts.scan().raised  # now watched as any case
    assert audit_verify.verify(case["id"]).ok


def test_the_entry_ends_by_itself_after_paper_entry_days(api, ctx, clock):
    case = api.run(api.open_case(paper_entry={"reason": "纸质案卷补录"}), "clue_intake")
    assert codes(case["id"]) == []
    alerts.scan()
    assert codes(case["id"]) == []
    clock.set_now(utcnow() + timedelta(days=ctx.config["PAPER_ENTRY_DAYS"], seconds=1))
    assert (case["number"], "FILING_LATE") in alerts.scan().raised
    api._tokens.clear()  # the tokens of 15 days ago have expired
    body = api.get(f"/api/v1/cases/{case['id']}").json
    assert body["paper_entry"]["in_progress"] is False and body["paper_entry"]["finished_at"] is None
    assert api.post(f"/api/v1/cases/{case['id']}/paper-entry/finish").status_code == 409


def test_a_case_opened_in_the_system_has_no_paper_entry_to_finish(api, ctx):
    case = api.open_case()
    assert case["paper_entry"] is None
    r = api.post(f"/api/v1/cases/{case['id']}/paper-entry/finish")
    assert r.status_code == 409 and r.json["error"] == "not_paper_entry"
    assert api.post("/api/v1/cases/999999/paper-entry/finish").status_code == 404


@pytest.mark.parametrize("entry, field", [
    ({}, "reason"),
    ({"reason": ""}, "reason"),
    ({"reason": "x" * 501}, "reason"),
    ({"reason": "补录", "reference": "r" * 101}, "reference"),
    ({"reason": "补录", "reference": 5}, "reference"),
    ({"reason": "补录", "when": "yesterday"}, "when"),
    ({"reason": "纸质\x00案卷"}, "reason"),  # junk the databases cannot store
    ({"reason": "纸质\ud800案卷"}, "reason"),
    ({"reason": "补录", "reference": "x" * 100_000}, "reference"),
    ("补录", "paper_entry"),
])
def test_a_bad_paper_entry_is_named_and_opens_nothing(api, ctx, entry, field):
    before = api.get("/api/v1/cases").json["total"]
    body = {"procedure_id": "general_penalty", "title": "补录案", "department": "market",
            "party": {"name": "某公司", "kind": "organization"}, "paper_entry": entry}
    # escaped as JSON allows (a lone surrogate as \ud800), as a client would send it
    r = api.post("/api/v1/cases", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 422, r.json
    assert any(field in key for key in json.dumps(r.json["errors"], ensure_ascii=False).split('"')), r.json
    assert api.get("/api/v1/cases").json["total"] == before


def test_a_step_recorded_after_its_due_time_raises_its_alert_with_the_step(api, ctx):
    """The filing recorded 30 days after the clue (beyond 15 working days): FILING_LATE comes with
    the step, in its transaction, naming the act's date; the worker does not raise it again."""
    case = api.open_case(paper_entry=PAPER)
    case = api.run(case, ("clue_intake", {"received_on": days_ago(60)}), ("filing_approval", {"filed_on": days_ago(30)}))
    assert codes(case["id"]) == [("FILING_LATE", "rule:step", "open")]
    trail = events(case["id"])
    completed = max(i for i, (action, _, data) in enumerate(trail)
                    if action == "task.completed" and data["task"] == "立案审批")
    raised = [(i, data) for i, (action, _, data) in enumerate(trail) if action == "alert.raised"]
    assert len(raised) == 1 and raised[0][0] > completed
    assert raised[0][1]["act_on"] == days_ago(30) and raised[0][1]["step"] == "filing_approval"
    api.post(f"/api/v1/cases/{case['id']}/paper-entry/finish")
    alerts.scan()
    assert [c for c, _, _ in codes(case["id"])].count("FILING_LATE") == 1
    assert audit_verify.verify(case["id"]).ok


def test_a_step_recorded_within_its_limit_raises_nothing(api, ctx):
    case = api.open_case(paper_entry=PAPER)
    api.run(case, ("clue_intake", {"received_on": days_ago(60)}), ("filing_approval", {"filed_on": days_ago(58)}))
    assert codes(case["id"]) == []


def test_the_decision_limit_runs_from_the_recorded_filing_date_not_the_click(api, ctx):
    """APL 60: 90 days from 立案. A filing recorded as 20 days ago counts from that day."""
    filed = days_ago(20)
    case = api.open_case(paper_entry=PAPER)
    case = api.run(case, ("clue_intake", {"received_on": days_ago(25), "violation_date": days_ago(30)}),
                   ("filing_approval", {"filed_on": filed}), "investigation",
                   ("investigation_report", {"reported_on": days_ago(18)}),
                   ("penalty_notice", {"served_on": days_ago(16)}),
                   ("statement_defence", {"answered_on": days_ago(8)}))
    assert TO_DECISION[-1] == "statement_defence"  # the path to the decision
    decision = next(t for t in case["tasks"] if t["bpmn_id"] == "penalty_decision")
    expected = calendar.add_calendar_days(form_date(filed), 90).at
    assert decision["due_at"] == expected.astimezone(calendar.LOCAL_TZ).isoformat(timespec="seconds"), decision
