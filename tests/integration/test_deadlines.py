"""Deadlines run from the dates the law names (recorded in the forms), not from clicks; deploy
refuses an anchor that names no date of an earlier step; the API shows due times in Beijing time."""
import re

import pytest

from tests.helpers import FIXED_DATES_AS_OF, TO_DECISION, bpmn_file_holding, package_archive, package_files
from tests.integration.test_procedures import deploy, problems
from tests.samples import sequential

# Fixed dates in the legal order of the steps (the step rules refuse the future and the out of
# order), in 2026, whose official holiday table the calendar has: the expected due dates below
# hold whatever day the suite runs as of, since these tests run as of FIXED_DATES_AS_OF.
pytestmark = pytest.mark.as_of(FIXED_DATES_AS_OF)
DATED = {
    "clue_intake": {"violation_date": "2026-06-01", "received_on": "2026-06-10"},
    "penalty_notice": {"served_on": "2026-09-15"},
    "statement_defence": {"answered_on": "2026-09-17"},
    "penalty_decision": {"decided_on": "2026-09-30"},
}


def dated(*steps):
    """TO_DECISION-style step names with the fixed dates above (a tuple step keeps its overrides)."""
    out = []
    for step in steps:
        bpmn_id, changes = (step, {}) if isinstance(step, str) else step
        out.append((bpmn_id, {**DATED.get(bpmn_id, {}), **changes}))
    return out


# -- computed from the recorded date ---------------------------------------------------------------
def test_the_filing_limit_runs_from_the_day_the_clue_was_received_not_from_the_click(api):
    """15 working days from received_on 2026-09-30 (National Day holiday skipped, the adjusted
    Saturday 10-10 counted) is 2026-10-27; the intake was submitted weeks later."""
    case = api.run(api.open_case(), ("clue_intake", {"received_on": "2026-09-30", "violation_date": "2026-09-28"}))
    approval = api.task(case, "filing_approval")
    assert approval["deadline"] == "15 working days from clue_intake.received_on extendable as filing"
    assert approval["due_at"] == "2026-10-27T23:59:59+08:00"
    assert case["next_due_at"] == "2026-10-27T23:59:59+08:00"
    assert approval["ready_at"][:10] != "2026-09-30"  # the click was another day


def test_service_and_disclosure_run_from_the_decision_date_and_payment_from_service(api):
    case = api.run(api.open_case(), *dated(*TO_DECISION, "penalty_decision"))
    # 7 working days from Wednesday 09-30, the National Day holiday skipped and the adjusted
    # Saturday 10-10 counted: 10-15
    assert api.task(case, "service")["due_at"] == "2026-10-15T23:59:59+08:00"
    assert api.task(case, "disclosure")["due_at"] == "2026-10-15T23:59:59+08:00"
    # disclosure first: service's due time is recomputed from the stored decision, unchanged
    case = api.run(case, ("disclosure", {"published_on": "2026-10-09"}))
    assert api.task(case, "service")["due_at"] == "2026-10-15T23:59:59+08:00"
    case = api.run(case, ("service", {"served_on": "2026-10-16"}))
    # 15 (calendar) days from 10-16 is Saturday 10-31: the next working day, Monday 11-02
    assert api.task(case, "execution")["due_at"] == "2026-11-02T23:59:59+08:00"
    assert case["next_due_at"] == "2026-11-02T23:59:59+08:00"


def test_the_hearing_request_period_runs_from_the_notices_service(api):
    case = api.run(api.open_case(), *TO_DECISION[:4], ("penalty_notice", {"served_on": "2026-11-10"}))
    # 5 working days from Tuesday 11-10: 11, 12, 13, 16, 17
    assert api.task(case, "statement_defence")["due_at"] == "2026-11-17T23:59:59+08:00"


def test_a_corrected_date_moves_the_deadline_that_hangs_on_it(api):
    """The review returns the case; the notice is served again (a corrected date): the party's
    period runs from the new service, not from the first one nor from the click."""
    case = api.run(api.open_case(), *dated(*TO_DECISION[:3], ("investigation_report", {"major_case": True}),
                                           "penalty_notice"))
    # 5 working days from Tuesday 09-15: 16, 17, 18, Sunday 20 (an adjusted working day), 21
    assert api.task(case, "statement_defence")["due_at"] == "2026-09-21T23:59:59+08:00"
    case = api.run(case, *dated("statement_defence",
                                ("legal_review", {"review_outcome": "return", "opinions": "告知书送达有误，重新送达"})))
    case = api.run(case, "investigation", ("investigation_report", {"major_case": True}),
                   ("penalty_notice", {"served_on": "2026-11-10"}))
    # 5 working days from Tuesday 11-10: 11, 12, 13, 16, 17
    assert api.task(case, "statement_defence")["due_at"] == "2026-11-17T23:59:59+08:00"
    # the statement step is ready again (a new task), so nothing moved under an open task here
    events = [e for e in api.get(f"/api/v1/cases/{case['id']}/trace").json["items"] if e["action"] == "deadline.moved"]
    assert events == []


def test_milestone_and_ready_time_anchors_are_shown_in_beijing_time_too(api):
    case = api.run(api.open_case(), *TO_DECISION)
    decision = api.task(case, "penalty_decision")
    assert decision["deadline"] == "90 calendar days from milestone.filed excluding periods, extendable as decision"
    assert decision["due_at"].endswith("T23:59:59+08:00") and case["next_due_at"] == decision["due_at"]
    listed = api.get("/api/v1/tasks?mine=1", as_="head1").json["items"]
    assert [t["due_at"] for t in listed if t["id"] == decision["id"]] == [decision["due_at"]]


# -- deploy refuses an anchor that names no date of an earlier step --------------------------------
def refused(api, steps) -> dict:
    r = deploy(api, sequential("anchored", steps))
    assert r.status_code == 422, r.json
    return {p["element_id"]: p["message"] for p in problems(r)}


def test_an_anchor_on_a_task_the_procedure_does_not_have_is_refused_naming_the_element(api):
    found = refused(api, [("user", "intake", {"formKey": "clue_intake"}),
                          ("user", "approve", {"deadline": "15 working days from clue.received_on"})])
    assert "names no user task 'clue'" in found["approve"]


def test_an_anchor_on_the_tasks_own_form_is_refused(api):
    found = refused(api, [("user", "intake", {"formKey": "clue_intake",
                                               "deadline": "15 working days from intake.received_on"})])
    assert "earlier step" in found["intake"]


def test_an_anchor_on_a_field_the_form_does_not_have_is_refused(api):
    found = refused(api, [("user", "intake", {"formKey": "clue_intake"}),
                          ("user", "approve", {"deadline": "15 working days from intake.served_on"})])
    assert "form 'clue_intake' of task 'intake' has no field 'served_on'" in found["approve"]


def test_an_anchor_on_a_field_that_is_not_a_date_is_refused(api):
    found = refused(api, [("user", "intake", {"formKey": "clue_intake"}),
                          ("user", "approve", {"deadline": "15 working days from intake.summary"})])
    assert "'summary' of form 'clue_intake' is not a date" in found["approve"]


def test_an_anchor_on_a_task_without_a_form_is_refused(api):
    found = refused(api, [("user", "intake", {}),
                          ("user", "approve", {"deadline": "15 working days from intake.received_on"})])
    assert "has no form" in found["approve"]


def test_an_anchor_on_a_later_step_is_refused(api):
    found = refused(api, [("user", "approve", {"deadline": "15 working days from intake.received_on"}),
                          ("user", "intake", {"formKey": "clue_intake"})])
    assert "'intake' is not an earlier step" in found["approve"]


def test_an_anchor_on_an_earlier_step_deploys(api):
    r = deploy(api, sequential("anchored", [("user", "intake", {"formKey": "clue_intake"}),
                                            ("user", "approve", {"deadline": "15 working days from intake.received_on"})]))
    assert r.status_code == 201, r.json


def with_deadline(task: str, deadline: str) -> bytes:
    """The general_penalty package (a deploy archive) with `task` carrying `deadline` (in place of
    the one it had, if any), in whichever of its files the task is (its own, bpmn/shared/)."""
    files = package_files()
    path = bpmn_file_holding(files, task)
    xml = files[path].decode("utf-8")
    start = xml.index(f'<bpmn:userTask id="{task}" ')
    end = xml.index("</bpmn:userTask>", start)
    element = re.sub(r'\s*<spiffworkflow:property name="deadline" value="[^"]*" />', "", xml[start:end])
    element = element.replace("<spiffworkflow:properties>", "<spiffworkflow:properties>"
                              f'<spiffworkflow:property name="deadline" value="{deadline}" />', 1)
    files[path] = (xml[:start] + element + xml[end:]).encode("utf-8")
    return package_archive(files)


@pytest.mark.parametrize("task, deadline, lawful", [
    # out of the called hearing, across the merge gateway, into the called legal review: earlier
    ("legal_review", "5 working days from hearing_notice.hearing_date", True),
    # into the called hearing from before its call: earlier
    ("hearing_record", "5 working days from penalty_notice.served_on", True),
    # out of the called service to the step after its call (as the shipped package's execution)
    ("execution", "15 days from service.served_on", True),
    # the decision comes after the called hearing, never before it
    ("hearing_notice", "5 working days from penalty_decision.decided_on", False),
    # the decision never leads back to the notice (the review's return loop is before it)
    ("penalty_notice", "5 working days from penalty_decision.decided_on", False),
    # a parallel branch is not an earlier step
    ("disclosure", "5 working days from service.served_on", False),
])
def test_earlier_follows_the_sequence_flows_through_gateways_and_subprocesses(api, task, deadline, lawful):
    r = deploy(api, with_deadline(task, deadline))
    if lawful:
        assert r.status_code == 201, r.json
    else:
        assert r.status_code == 422, r.json
        assert "not an earlier step" in {p["element_id"]: p["message"] for p in problems(r)}[task]


def test_reading_the_stored_anchor_dates_costs_a_completion_no_statement(api, app):
    """Completing disclosure while service is ready: service's due time is recomputed from the
    stored decision date, read with the task in the step's first query (the case's record), so
    the completion stays within ten statements."""
    from sqlalchemy import event

    from workflow_app.extensions import db

    case = api.run(api.open_case(), *dated(*TO_DECISION, "penalty_decision"))
    api.headers("officer2")
    with app.app_context():
        engine = db.engine
    statements = []

    def on_execute(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        case = api.complete(case, "disclosure", published_on="2026-10-09")
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    assert api.task(case, "service")["due_at"] == "2026-10-15T23:59:59+08:00"
    assert sum(s.lstrip().startswith("SELECT case_task.") for s in statements) == 1  # the task with its record
    distinct = [s for i, s in enumerate(statements) if not (s.startswith("INSERT INTO trace_event")
                                                            and statements[i - 1].startswith("INSERT INTO trace_event"))]
    assert len(distinct) <= 10, distinct


@pytest.mark.parametrize("deadline, message", [
    ("90 calendar days from milestone.filed extendable as payment", "declares no time limit 'payment'"),
    ("90 calendar days from milestone.filed excluding", "is not of the form"),
    ("90 calendar days from milestone.filed extendable as decision excluding periods", "is not of the form"),
    ("48 hours from milestone.filed excluding periods", "not hours"),
    ("24 hours from penalty_notice.served_on", "a date without a time of day"),  # hours need a date and time
])
def test_deploy_refuses_a_malformed_exclusion_or_extension_clause(api, deadline, message):
    r = deploy(api, with_deadline("penalty_decision", deadline))
    assert r.status_code == 422, r.json
    assert message in {p["element_id"]: p["message"] for p in problems(r)}["penalty_decision"]


def test_the_withdrawals_anchor_is_an_earlier_step_inside_its_event_subprocess(api):
    r = deploy(api, with_deadline("disclosure_withdrawal", "3 working days from disclosure.published_on"))
    assert r.status_code == 422
    assert "not an earlier step" in {p["element_id"]: p["message"] for p in problems(r)}["disclosure_withdrawal"]
