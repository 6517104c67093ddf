"""The trace: who, when, what, data diff; an append-only, keyed chain per case; and `audit
verify`, which catches an edited or deleted event - also when the forger re-hashed the chain
without the key or rolled its head back - and a case or task row that disagrees with the trace."""
import functools
import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import delete, insert, text, update
from sqlalchemy.exc import DatabaseError

from tests.conftest import PG_URL
from tests.helpers import STEPS, TO_DECISION
from tests.summary import ON_THE_SPOT, SIGNATURE, Summary
from tests.tampering import rewrite_chain, roll_back_chain, tamper
from workflow_app.demo.signature import drawn_signature
from workflow_app.extensions import db
from workflow_app.models import Case, CaseAttachment, CaseMilestone, Task, TraceEvent
from workflow_app.models.types import utcnow
from workflow_app.services.audit.keys import chain_keys
from workflow_app.services.audit.trail import canonical_json


def test_every_action_is_traced_in_order_with_who_and_what_changed(api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval")
    items = api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]
    assert [e["seq"] for e in items] == list(range(1, len(items) + 1))
    assert [e["action"] for e in items] == [
        "case.opened", "task.ready", "task.completed", "case.party_identified", "task.ready", "task.completed",
        "case.milestone", "task.ready"]
    intake = items[2]
    # the clue intake recorded the party's number: the party is identified in the register
    assert items[3]["data"]["party"]["id_number"] == "91110105MA01ABCD26" and items[3]["data"]["via"] == \
        "party_id_number"
    assert intake["actor"] == "officer1" and intake["bpmn_id"] == "clue_intake"
    assert intake["data"]["changes"]["summary"] == {"old": None, "new": "群众投诉超市销售过期食品"}
    assert all(e["prev_sha256"] == p["sha256"] for p, e in zip(items, items[1:], strict=False))


def test_the_database_refuses_to_update_or_delete_trace_events(api, ctx):
    api.open_case()
    for statement in ("UPDATE trace_event SET actor = 'x'", "DELETE FROM trace_event"):
        with pytest.raises(DatabaseError):
            db.session.execute(text(statement))
        db.session.rollback()


def _bypass_append_only_triggers():
    """What a DBA with full rights could do; the hash chain must still catch the tampering.

    PostgreSQL: a superuser session in replica mode fires no ordinary triggers (the database is
    shared by the run, so the trigger itself stays). SQLite: each test has its own copy; drop them.
    """
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        db.session.execute(text("DROP TRIGGER trace_event_no_update"))
        db.session.execute(text("DROP TRIGGER trace_event_no_delete"))


def verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_audit_verify_passes_on_an_untouched_trail(api, app):
    api.run(api.open_case(), *TO_DECISION)
    result = verify(app)
    assert result.exit_code == 0 and result.output.startswith("OK:")


@pytest.mark.parametrize("tamper, expected", [
    ("UPDATE trace_event SET data_json = '{\"changes\": {}}' WHERE action = 'task.completed' AND seq = 3",
     "edited"),
    ("UPDATE trace_event SET actor = 'officer2' WHERE seq = 3", "edited"),
    ("DELETE FROM trace_event WHERE seq = 4", "missing"),
    ("DELETE FROM trace_event WHERE seq = (SELECT MAX(seq) FROM trace_event WHERE chain LIKE 'case:%')",
     "deleted"),
])
def test_audit_verify_reports_edited_and_deleted_events(api, app, ctx, tamper, expected):
    case = api.run(api.open_case(), "clue_intake", "filing_approval")
    _bypass_append_only_triggers()
    db.session.execute(text(tamper.replace("WHERE", f"WHERE chain = 'case:{case['id']}' AND", 1)))
    db.session.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert f"TAMPERED case:{case['id']}" in result.output and expected in result.output


def test_deployments_are_traced_on_the_system_chain(app, ctx):
    from workflow_app.models import TraceEvent

    events = db.session.execute(db.select(TraceEvent).where(TraceEvent.chain == "system")).scalars().all()
    # the demo seed's benchmark and causes registers, penalty lists and market entities first, then
    # each deployment
    assert [(e.action, e.actor) for e in events[:4]] == [("benchmarks.imported", "demo:seed"),
                                                         ("causes.imported", "demo:seed"),
                                                         ("penalty_lists.imported", "demo:seed"),
                                                         ("market_entities.imported", "demo:seed")]
    deployed = events[4:]
    assert [e.action for e in deployed] == ["procedure.deployed"] * len(deployed) and deployed
    assert {e.actor for e in deployed} == {"cli:test-setup"}


def test_audit_verify_reports_a_case_whose_every_event_was_deleted(api, app, ctx):
    case = api.open_case()
    _bypass_append_only_triggers()
    db.session.execute(text(f"DELETE FROM trace_event WHERE chain = 'case:{case['id']}'"))
    db.session.commit()
    result = verify(app)
    assert result.exit_code == 1 and f"case:{case['id']}" in result.output and "no events remain" in result.output


def test_audit_verify_can_check_one_case(api, app):
    case = api.open_case()
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--case", str(case["id"])])
    assert result.exit_code == 0 and "in 1 chains" in result.output
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--case", "99999"])
    assert result.exit_code == 1 and "no case 99999" in result.output


def test_audit_verify_takes_the_number_of_worker_processes(api, app, monkeypatch):
    from workflow_app.services.audit import verify as audit_verify

    api.run(api.open_case(), "clue_intake")
    api.open_case()
    monkeypatch.setattr(audit_verify, "GROUP_EVENTS", 3)  # several groups of chains, for several processes
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--workers", "2"])
    assert result.exit_code == 0 and result.output.startswith("OK:"), result.output
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--workers", "0"])
    assert result.exit_code == 2 and "--workers" in result.output and "Traceback" not in result.output


def test_events_written_before_the_chain_was_keyed_verify_up_to_the_configured_id(api, app, ctx):
    """A trail from before the upgrade: the system chain's events carry no key id and plain
    SHA-256 digests. The operator names the last of them outside the database; a forger who
    strips the keys from the whole trail is caught beyond it."""
    rewrite_chain("system", key=None, key_id=None)
    last_unkeyed = db.session.execute(db.select(db.func.max(TraceEvent.id))).scalar()
    api.open_case()
    assert app.test_cli_runner().invoke(args=["org", "add", "tax", "税务局", "--parent", "qinghe"]).exit_code == 0
    failed(verify(app), "TAMPERED system #1: not keyed", "AUDIT_UNKEYED_UNTIL_ID is 0")
    app.config["AUDIT_UNKEYED_UNTIL_ID"] = last_unkeyed
    result = verify(app)
    unkeyed = db.session.execute(db.select(db.func.count(TraceEvent.id)).where(TraceEvent.key_id.is_(None))).scalar()
    assert result.exit_code == 0 and f"({unkeyed} unkeyed, from before keying)" in result.output, result.output
    rewrite_chain(f"case:{api.get('/api/v1/cases').json['items'][0]['id']}", key=None, key_id=None)
    failed(verify(app), "not keyed, though written after the chain was keyed")


def failed(result, *expected: str):
    assert result.exit_code == 1, result.output
    missing = [e for e in expected if e not in result.output]
    assert not missing, (missing, result.output)
    return result.output


def test_each_event_is_keyed_with_the_chain_key_named_on_it(api, ctx):
    api.open_case()
    events = db.session.execute(db.select(TraceEvent)).scalars().all()
    assert events and {e.key_id for e in events} == {chain_keys().current_id}


def _rename_party(row):
    if row["action"] == "case.opened":
        data = json.loads(row["data_json"])
        data["party"]["name"] = "另一家公司"
        row["data_json"] = canonical_json(data)


@pytest.mark.parametrize("key_id, expected", [
    ("kept", "content does not match its digest"),
    (None, "not keyed, though written after the chain was keyed"),
])
def test_a_chain_rewritten_and_rehashed_with_plain_sha256_is_caught(api, app, ctx, key_id, expected):
    """The forger changes the party in the trace and in the case row alike, then re-links the
    chain and moves its head: every link holds, but without the key no digest is right."""
    case = api.run(api.open_case(), "clue_intake", "filing_approval")
    rewrite_chain(f"case:{case['id']}", key=None, key_id=chain_keys().current_id if key_id else None,
                  edit=_rename_party)
    tamper(update(Case).where(Case.id == case["id"]).values(party_name="另一家公司"))
    failed(verify(app), f"TAMPERED case:{case['id']} #1: {expected}")


@pytest.mark.parametrize("events_removed, expected", [
    (1, "task {investigation} (investigation) was never announced by a task.ready event"),
    (3, "case status is 'investigating' but the trace recorded 'intake'"),
])
def test_deleting_the_newest_events_and_rolling_the_head_back_is_caught(api, app, ctx, events_removed, expected):
    """No link breaks when the newest events go and the head moves back with them; the case and
    task rows still show what the deleted events recorded."""
    case = api.run(api.open_case(), "clue_intake", "filing_approval")
    seq = db.session.execute(db.select(db.func.max(TraceEvent.seq)).where(
        TraceEvent.chain == f"case:{case['id']}")).scalar()
    roll_back_chain(f"case:{case['id']}", seq - events_removed)
    failed(verify(app), f"TAMPERED case:{case['id']}",
           expected.format(investigation=api.task(case, "investigation")["id"]))


def test_deleting_a_whole_case_chain_with_its_head_is_caught(api, app, ctx):
    case = api.run(api.open_case(), "clue_intake")
    tamper(f"DELETE FROM trace_event WHERE chain = 'case:{case['id']}'",
           f"DELETE FROM trace_chain WHERE chain = 'case:{case['id']}'")
    failed(verify(app), f"case:{case['id']}: case {case['number']} has no trace chain")


def test_a_chain_whose_case_row_is_gone_is_caught(api, app, ctx):
    case = api.open_case()
    tamper(*(f"DELETE FROM {table} WHERE case_id = {case['id']}" for table in ("workflow_state", "case_task")),
           f"DELETE FROM enforcement_case WHERE id = {case['id']}")
    failed(verify(app), f"case:{case['id']}: the chain belongs to no case")


def _task_id(case_id, bpmn_id):
    return db.session.execute(db.select(Task.id).where(Task.case_id == case_id, Task.bpmn_id == bpmn_id)).scalar()


def _fine_lowered(case_id):
    task_id = _task_id(case_id, "investigation_report")
    data = {**STEPS["investigation_report"][1], "proposed_fine": 200}
    return update(Task).where(Task.id == task_id).values(data=data), "form data differ"


def _completer_changed(case_id):
    task_id = _task_id(case_id, "penalty_notice")
    officer2 = db.session.execute(text("SELECT id FROM user_account WHERE username = 'officer2'")).scalar()
    return update(Task).where(Task.id == task_id).values(completed_by_id=officer2), "completed_by is user"


def _open_task_withdrawn(case_id):
    ready = db.session.execute(db.select(Task.id).where(Task.case_id == case_id, Task.state == "ready")).scalar()
    return (update(Task).where(Task.id == ready).values(state="cancelled"),
            "is cancelled but the trace recorded it ready")


def _ready_moved(case_id):
    ready = db.session.execute(db.select(Task).where(Task.case_id == case_id, Task.state == "ready")).scalars().first()
    from datetime import timedelta

    return update(Task).where(Task.id == ready.id).values(ready_at=ready.ready_at + timedelta(days=3)), "ready_at is"


def _milestone_moved(case_id):
    row = db.session.execute(db.select(CaseMilestone).where(CaseMilestone.case_id == case_id)).scalars().first()
    return (update(CaseMilestone).where(CaseMilestone.id == row.id).values(at=row.at - timedelta(days=1)),
            "(milestone row edited)")


@pytest.mark.parametrize("change", [
    lambda case_id: (update(Case).where(Case.id == case_id).values(party_name="张三"),
                     "case party_name is '张三' but the trace recorded '清河某超市有限公司'"),
    lambda case_id: (update(Case).where(Case.id == case_id).values(title="另一案"), "case title is '另一案'"),
    lambda case_id: (update(Case).where(Case.id == case_id).values(status="closed"), "case status is 'closed'"),
    _milestone_moved,
    lambda case_id: (delete(CaseMilestone).where(CaseMilestone.case_id == case_id),
                     "was recorded in the trace but its row is gone"),
    lambda case_id: (insert(CaseMilestone).values(case_id=case_id, milestone="closed", status="closed",
                                                  bpmn_id="ev_closed", at=utcnow()),
                     "was never recorded by a case.milestone event"),
    _fine_lowered, _completer_changed, _open_task_withdrawn, _ready_moved,
], ids=["party_name", "title", "status", "milestone_moved", "milestone_deleted", "milestone_inserted",
        "fine_in_task_data", "completed_by", "task_withdrawn", "ready_at"])
def test_a_case_or_task_row_edited_behind_the_trace_is_caught(api, app, ctx, change):
    case = api.run(api.open_case(), *TO_DECISION)
    statement, expected = change(case["id"])
    tamper(statement)
    failed(verify(app), f"TAMPERED case:{case['id']}", expected)


ENDS_WITHOUT_CLOSING = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="http://zhifaflow.local/test">
  <bpmn:process id="withdrawn" name="withdrawn" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="officer">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>split</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>a</bpmn:flowNodeRef><bpmn:flowNodeRef>b</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>expired</bpmn:flowNodeRef><bpmn:flowNodeRef>end_a</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>end_b</bpmn:flowNodeRef><bpmn:flowNodeRef>end_expired</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:userTask id="a" name="a"/>
    <bpmn:userTask id="b" name="b"/>
    <bpmn:boundaryEvent id="expired" attachedToRef="b" cancelActivity="true">
      <bpmn:timerEventDefinition id="td"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT1S"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="end_a"/><bpmn:endEvent id="end_b"/><bpmn:endEvent id="end_expired"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split"/>
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="a"/>
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="b"/>
    <bpmn:sequenceFlow id="f4" sourceRef="a" targetRef="end_a"/>
    <bpmn:sequenceFlow id="f5" sourceRef="b" targetRef="end_b"/>
    <bpmn:sequenceFlow id="f6" sourceRef="expired" targetRef="end_expired"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_withdrawn_task_and_a_procedure_ending_without_a_closing_milestone_are_traced(api, app, ctx, clock):
    """Task b's timer withdraws it when a is done, and the process ends with no `closed`
    milestone: the trace records both, so the closed case and the cancelled task verify."""
    import io
    from datetime import timedelta

    r = api.post("/api/v1/procedures", as_="author1", data={"file": (io.BytesIO(ENDS_WITHOUT_CLOSING), "w.bpmn")},
                 content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    case = api.open_case(procedure_id="withdrawn")
    assert api.ready(case) == ["a", "b"]
    clock.advance(timedelta(seconds=2))  # b's timer is due: it fires when the engine next runs, after a is done
    case = _complete(api, case, "a")
    assert case["status"] == "closed"
    actions = [e["action"] for e in api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]]
    assert actions[-3:] == ["task.completed", "case.ended", "task.cancelled"]
    result = verify(app)
    assert result.exit_code == 0, result.output
    tamper(update(Case).where(Case.id == case["id"]).values(closed_at=None))
    failed(verify(app), "case closed_at is None but the trace recorded")


def _complete(api, case, bpmn_id):
    r = api.post(f"/api/v1/tasks/{api.task(case, bpmn_id)['id']}/complete", json={"data": {}})
    assert r.status_code == 200, r.json
    return r.json


@pytest.mark.parametrize("change, expected", [
    ("UPDATE legal_review SET outcome = 'approve', opinions = '同意' WHERE case_id = :case",
     "approval differs from what its legal_review event recorded"),
    ("DELETE FROM legal_review WHERE case_id = :case", "is in the trace but its row is gone"),
])
def test_a_legal_review_row_edited_behind_the_trace_is_caught(api, app, ctx, change, expected):
    """法制审核: a returned review turned into an approval, or removed, in the table alone."""
    case = api.run(api.open_case(), *TO_DECISION[:3], ("investigation_report", {"major_case": True}),
                   *TO_DECISION[4:])
    api.complete(case, "legal_review", review_outcome="return", opinions="适用法律错误")
    assert verify(app).exit_code == 0
    tamper((change, {"case": case["id"]}))
    failed(verify(app), f"TAMPERED case:{case['id']}", expected)


@pytest.mark.parametrize("workers", [1, 2])
def test_an_event_appended_while_verify_reads_is_not_taken_for_tampering(api, app, ctx, monkeypatch, workers):
    """verify plans its groups of chains, then reads their events and heads: an append committed in
    between must not look like a deleted or an extra event (the reads of a chain share one
    snapshot; on PostgreSQL every worker process reads the one the pass began with)."""
    from workflow_app.services.audit import trail as audit
    from workflow_app.services.audit import verify as audit_verify

    case, _other = api.open_case(), api.open_case()
    monkeypatch.setattr(audit_verify, "GROUP_EVENTS", 2)  # a group a chain: both processes have work
    plan, appended = audit_verify._plan, []

    def plan_then_append(*args, **kwargs):
        groups = plan(*args, **kwargs)
        with app.app_context():  # another session and connection, committed meanwhile
            audit.record_alone("case.noted", actor="cli:test", case_id=case["id"], data={})
        with app.app_context():  # and a case opened meanwhile: its rows and its chain, or neither
            appended.append(api.open_case())
        return groups

    monkeypatch.setattr(audit_verify, "_plan", plan_then_append)
    report = audit_verify.verify(workers=workers)
    assert appended and report.ok, report.problems


# -- oversight alerts (预警) against their traced history -----------------------------------------------
def _alert_life(api):
    """A case with three alerts: FILING_LATE taken through its whole life (acknowledged, a
    rectification requested, reported, resolved), RECTIFICATION_OVERDUE raised on the way, and a
    second case's FILING_LATE left open."""
    from datetime import timedelta

    from workflow_app.models import Alert
    from workflow_app.models.types import utcnow
    from workflow_app.oversight.calendar import LOCAL_TZ
    from workflow_app.services.oversight import alerts

    handled, left_open = (api.run(api.open_case(), "clue_intake") for _ in range(2))
    alerts.scan()
    ids = {case["id"]: db.session.execute(db.select(Alert.id).where(Alert.case_id == case["id"])).scalar_one()
           for case in (handled, left_open)}
    url = f"/api/v1/alerts/{ids[handled['id']]}"
    tomorrow = (utcnow() + timedelta(days=1)).astimezone(LOCAL_TZ).date().isoformat()
    assert api.post(f"{url}/acknowledge", as_="supervisor1").status_code == 200
    assert api.post(f"{url}/request-rectification", as_="supervisor1",
                    json={"opinion": "请于期限内作出立案决定", "due_on": tomorrow}).status_code == 200
    assert (handled["number"], "RECTIFICATION_OVERDUE") in alerts.scan(now=utcnow() + timedelta(days=3)).raised
    assert api.post(f"{url}/report-rectification", as_="head1", json={"report": "已作出立案决定"}).status_code == 200
    assert api.post(f"{url}/resolve", as_="supervisor1", json={"reason": "整改到位"}).status_code == 200
    return handled, ids[handled["id"]], left_open, ids[left_open["id"]]


def test_every_step_of_an_alerts_life_verifies(api, app, ctx):
    handled, alert_id, _, _ = _alert_life(api)
    events = db.session.execute(db.select(TraceEvent.data_json).where(
        TraceEvent.chain == f"case:{handled['id']}", TraceEvent.action == "alert.raised")).scalars().all()
    # each alert.raised names its own alert, RECTIFICATION_OVERDUE too (its details name the request's)
    raised = [json.loads(data) for data in events]
    assert [(r["code"], r["alert"] == alert_id) for r in raised] == [("FILING_LATE", True),
                                                                     ("RECTIFICATION_OVERDUE", False)]
    assert raised[1]["rectification_of"] == alert_id
    result = verify(app)
    assert result.exit_code == 0, result.output


def _user_id(username):
    return db.session.execute(text("SELECT id FROM user_account WHERE username = :u"), {"u": username}).scalar()


@pytest.mark.parametrize("change, expected", [
    # an open alert dismissed in the table alone: no alert.dismissed event
    (lambda ids: ("UPDATE oversight_alert SET status = 'dismissed', reason = '误报', handled_at = raised_at "
                  "WHERE id = :open", ids),
     "alert {open} (FILING_LATE) is dismissed but the trace recorded it open (status changed without a traced event)"),
    (lambda ids: ("UPDATE oversight_alert SET status = 'acknowledged' WHERE id = :open", ids),
     "alert {open} (FILING_LATE) is acknowledged but the trace recorded it open"),
    # the resolved alert: another handler, another reason, another opinion or report
    (lambda ids: ("UPDATE oversight_alert SET handled_by_id = :admin WHERE id = :handled",
                  {**ids, "admin": _user_id("admin")}),
     "alert {handled} (FILING_LATE) handled_by_id is {admin} but the trace recorded {supervisor1}"),
    (lambda ids: ("UPDATE oversight_alert SET reason = '无需整改' WHERE id = :handled", ids),
     "alert {handled} (FILING_LATE) reason is '无需整改' but the trace recorded '整改到位' (alert row edited)"),
    (lambda ids: ("UPDATE oversight_alert SET opinion = NULL, rectification_due_at = NULL WHERE id = :handled", ids),
     "alert {handled} (FILING_LATE) opinion is None but the trace recorded '请于期限内作出立案决定'"),
    (lambda ids: ("UPDATE oversight_alert SET report = '已整改完毕' WHERE id = :handled", ids),
     "alert {handled} (FILING_LATE) report is '已整改完毕'"),
    (lambda ids: ("UPDATE oversight_alert SET severity = 'low', code = 'CASE_IDLE' WHERE id = :open", ids),
     "alert {open} (CASE_IDLE) code is 'CASE_IDLE' but the trace recorded 'FILING_LATE'"),
    (lambda ids: ("UPDATE oversight_alert SET department_id = (SELECT id FROM org_unit WHERE code = 'police') "
                  "WHERE id = :open", ids),
     "alert {open} (FILING_LATE) department is"),
    # deleted, or inserted with no event
    (lambda ids: ("DELETE FROM oversight_alert WHERE id = :handled", ids),
     "alert {handled} (FILING_LATE) was raised in the trace but its row is gone (deleted)"),
    (lambda ids: ("INSERT INTO oversight_alert (id, case_id, department_id, task_id, code, severity, status, details, "
                  "raised_at, raised_by, updated_at, version) SELECT 99999, case_id, department_id, task_id, "
                  "'CASE_IDLE', 'low', 'resolved', details, raised_at, raised_by, updated_at, 1 "
                  "FROM oversight_alert WHERE id = :open", ids),
     "alert 99999 (CASE_IDLE) has no alert.raised event (row inserted)"),
], ids=["silently_dismissed", "silently_acknowledged", "handler", "reason", "opinion", "report", "code",
        "department", "deleted", "inserted"])
def test_an_alert_row_edited_deleted_or_silently_dismissed_behind_the_trace_is_caught(api, app, ctx, change,
                                                                                      expected):
    handled, handled_id, left_open, open_id = _alert_life(api)
    ids = {"handled": handled_id, "open": open_id}
    statement, params = change(ids)
    names = {**ids, "admin": _user_id("admin"), "supervisor1": _user_id("supervisor1")}
    case = handled if ":handled" in statement else left_open
    tamper((statement, params))
    failed(verify(app), f"TAMPERED case:{case['id']}: " + expected.format(**names))


def test_an_alert_event_deleted_with_its_row_changes_is_caught(api, app, ctx):
    """The resolution's event rolled back, its row left resolved: the row says what no event does."""
    handled, alert_id, _, _ = _alert_life(api)
    seq = db.session.execute(db.select(db.func.max(TraceEvent.seq)).where(
        TraceEvent.chain == f"case:{handled['id']}")).scalar()
    roll_back_chain(f"case:{handled['id']}", seq - 1)
    failed(verify(app), f"alert {alert_id} (FILING_LATE) is resolved but the trace recorded it rectification_reported")


# -- files kept with the case (the party's drawn signature) ------------------------------------------------
OTHER_DRAWING = drawn_signature(5)


def _signed_case(api):
    """A summary case handed over against the party's signature: (case, the signature's row)."""
    summary = Summary(api)
    case = summary.served(summary.run(summary.open(), *ON_THE_SPOT))
    row = db.session.execute(db.select(CaseAttachment).where(CaseAttachment.case_id == case["id"])).scalar_one()
    return case, {"id": row.id, "sha": row.sha256, "size": row.size, "case": case["id"]}


@pytest.mark.parametrize("change, expected", [
    (lambda f: ("UPDATE case_attachment SET content = :c WHERE id = :id", {**f, "c": SIGNATURE[:-4] + b"XXXX"}),
     ["file {id} (signature {short}…) bytes do not match their SHA-256 (the file's content was changed)"]),
    (lambda f: ("UPDATE case_attachment SET size = 1 WHERE id = :id", f),
     ["file {id} (signature {short}…) size is 1 but the trace recorded {size} (file row edited)",
      "file {id} (signature {short}…) bytes do not match their SHA-256"]),  # no longer as long as they are
    (lambda f: ("UPDATE case_attachment SET stored_by_id = (SELECT id FROM user_account WHERE username = 'head1') "
                "WHERE id = :id", f),
     ["file {id} (signature {short}…) stored_by is"]),
    (lambda f: ("UPDATE case_attachment SET content = :c, sha256 = :s, size = :n WHERE id = :id",
                {**f, "c": OTHER_DRAWING, "s": hashlib.sha256(OTHER_DRAWING).hexdigest(), "n": len(OTHER_DRAWING)}),
     ["file {id} (signature {other}…) has no attachment.stored event (row inserted, or its hash edited)",
      "file signature {short}… was stored in the trace but its row is gone (deleted)"]),
    (lambda f: ("DELETE FROM case_attachment WHERE id = :id", f),
     ["file signature {short}… was stored in the trace but its row is gone (deleted)"]),
    (lambda f: ("INSERT INTO case_attachment (id, case_id, kind, sha256, media_type, size, content, stored_by_id, "
                "stored_at) SELECT 99999, case_id, kind, :s, media_type, :n, :c, stored_by_id, stored_at "
                "FROM case_attachment WHERE id = :id",
                {**f, "c": OTHER_DRAWING, "s": hashlib.sha256(OTHER_DRAWING).hexdigest(), "n": len(OTHER_DRAWING)}),
     ["file 99999 (signature {other}…) has no attachment.stored event (row inserted, or its hash edited)"]),
], ids=["bytes", "size", "stored_by", "hash_and_bytes", "deleted", "inserted"])
def test_a_kept_file_edited_deleted_inserted_or_its_bytes_changed_is_caught(api, app, ctx, change, expected):
    case, file = _signed_case(api)
    assert verify(app).exit_code == 0
    tamper(change(file))
    names = {**file, "short": file["sha"][:16], "other": hashlib.sha256(OTHER_DRAWING).hexdigest()[:16]}
    output = failed(verify(app), *(f"TAMPERED case:{case['id']}: " + e.format(**names) for e in expected))
    assert output.count("TAMPERED") == len(expected), output
    db.session.rollback()
    one = app.test_cli_runner().invoke(args=["audit", "verify", "--case", str(case["id"])])
    assert one.exit_code == 1 and expected[0].format(**names) in one.output


def test_a_kept_file_whose_case_row_is_gone_is_reported(api, app, ctx):
    case, _file = _signed_case(api)
    tamper(*(f"DELETE FROM {table} WHERE case_id = {case['id']}" for table in (
        "trace_event", "workflow_state", "case_task", "case_milestone", "oversight_alert")),
        f"DELETE FROM trace_chain WHERE chain = 'case:{case['id']}'", f"DELETE FROM enforcement_case WHERE id = {case['id']}")
    failed(verify(app), f"TAMPERED case:{case['id']}: 1 task, legal review, alert, milestone or file row(s) belong "
                        "to a case that does not exist")


# -- the pass in groups of chains, in one process or several -----------------------------------------------
def _report(report):
    return (report.chains, report.events, report.unkeyed_events, report.cases, report.checkpoint_points,
            report.problem_count, [str(p) for p in report.problems], report.heads)


def test_the_findings_are_the_same_in_one_group_in_many_and_in_worker_processes(api, app, ctx, monkeypatch):
    """A tampered trail of several cases: the whole report (every problem, in order, the counts and
    the heads a checkpoint would sign) is the same whether the pass reads it as one group, as
    groups of a few chains, or as those groups in two worker processes."""
    from workflow_app.services.audit import checkpoints as audit_checkpoints
    from workflow_app.services.audit import verify as audit_verify
    from workflow_app.services.oversight import alerts

    cases = [api.run(api.open_case(), "clue_intake") for _ in range(6)]
    decided = api.run(api.open_case(), *TO_DECISION)
    _signed, file = _signed_case(api)
    alerts.scan()
    from workflow_app.services.audit import keys as audit_keys

    audit_checkpoints.create_checkpoint("cli:test")
    public = audit_keys.signing_key().public_key()
    points = audit_checkpoints.Checkpoints()  # the signed heads a checkpoint holds the trail to
    audit_checkpoints.add_latest_stored(points, {audit_keys.public_key_id(public): public})
    ids = [c["id"] for c in cases]
    tamper(f"UPDATE trace_event SET actor = 'officer9' WHERE chain = 'case:{ids[0]}' AND seq = 2",
           f"DELETE FROM trace_event WHERE chain = 'case:{ids[1]}' AND seq = 3",
           f"DELETE FROM trace_event WHERE chain = 'case:{ids[2]}'",
           f"DELETE FROM trace_chain WHERE chain = 'case:{ids[2]}'",
           f"UPDATE oversight_alert SET status = 'dismissed' WHERE case_id = {ids[3]}",
           *(f"DELETE FROM {table} WHERE case_id = {ids[4]}" for table in (
               "oversight_alert", "trace_event", "workflow_state", "case_task")),
           f"DELETE FROM trace_chain WHERE chain = 'case:{ids[4]}'",
           f"DELETE FROM enforcement_case WHERE id = {ids[4]}",
           f"UPDATE trace_chain SET chain = 'case:0{ids[5]}' WHERE chain = 'case:{ids[5]}'",
           f"UPDATE case_task SET state = 'cancelled' WHERE case_id = {decided['id']} AND state = 'ready'",
           ("UPDATE case_attachment SET content = :c WHERE id = :id", {"c": OTHER_DRAWING, "id": file["id"]}))
    verify = functools.partial(audit_verify.verify, checkpoint_points=points.points, collect_heads=True)
    monkeypatch.setattr(audit_verify, "GROUP_EVENTS", 10**9)
    assert len(audit_verify._plan(db.session.connection(), None, points.points)[0]) == 1
    whole = _report(verify(workers=1))
    assert whole[5] >= 10 and any("no longer exists" in p for p in whole[6]), whole
    assert any("bytes do not match their SHA-256" in p for p in whole[6]), whole
    monkeypatch.setattr(audit_verify, "GROUP_EVENTS", 4)
    groups = audit_verify._plan(db.session.connection(), None, points.points)[0]
    db.session.rollback()
    assert len(groups) >= 4, groups
    assert _report(verify(workers=1)) == whole
    assert _report(verify(workers=2)) == whole
    assert _report(verify(workers=3)) == whole


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL.startswith(("postgres://", "postgresql")), reason="DATABASE_URL is not PostgreSQL")
def test_postgresql_writes_an_event_time_as_the_digest_body_does():
    """audit verify has PostgreSQL write each event's time for the digest's body (audit_verify
    _AT_TEXT, in the pass's UTC): the same text as datetime.isoformat(timespec="microseconds")."""
    from datetime import UTC, datetime, timedelta, timezone

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from workflow_app.services.audit import verify as audit_verify

    engine = create_engine(make_url(PG_URL.replace("postgres://", "postgresql://", 1))
                           .set(drivername="postgresql+psycopg"))
    beijing = timezone(timedelta(hours=8))
    try:
        with engine.connect() as conn:
            conn.execute(text("SET TIME ZONE 'UTC'"))
            for at in (datetime(2026, 1, 2, 3, 4, 5, tzinfo=beijing), datetime(2026, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
                       datetime(1999, 7, 1, 0, 0, tzinfo=UTC), datetime(2031, 2, 28, 12, 30, 45, 999999, tzinfo=UTC)):
                written = conn.execute(text("SELECT to_char(CAST(:at AS timestamptz), :format)"),
                                       {"at": at, "format": audit_verify._AT_TEXT}).scalar()
                assert written == at.astimezone(UTC).isoformat(timespec="microseconds")
    finally:
        engine.dispose()
