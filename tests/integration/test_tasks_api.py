"""Task completion rules: who may act, what is checked, and the error of every refusal."""
import threading
import time
from contextlib import contextmanager

import pytest

from tests.conftest import PASSWORD
from tests.helpers import SHORTEST_PATH, STEPS, at_once, load_engine_state
from workflow_app.extensions import db
from workflow_app.models import Task, TraceEvent

pytestmark = pytest.mark.dates


def test_no_token_or_a_bad_token_is_401(client, api):
    case = api.open_case()
    assert client.get(f"/api/v1/cases/{case['id']}").status_code == 401
    r = client.get(f"/api/v1/cases/{case['id']}", headers={"Authorization": "Bearer forged"})
    assert r.status_code == 401 and r.json["error"] == "unauthorized"


def test_wrong_password_is_401_and_names_no_user(client):
    r = client.post("/api/v1/auth/token", json={"username": "officer1", "password": "wrong"})
    assert r.status_code == 401
    r2 = client.post("/api/v1/auth/token", json={"username": "ghost", "password": "wrong"})
    assert r2.status_code == 401 and r.json["message"] == r2.json["message"]


def test_token_request_validation_names_the_fields(client):
    r = client.post("/api/v1/auth/token", json={"username": ""})
    assert r.status_code == 422 and set(r.json["errors"]) == {"username", "password"}


def test_only_the_lane_role_may_complete_a_task(api):
    case = api.run(api.open_case(), "clue_intake")
    r = api.complete(case, "filing_approval", as_="officer1", expect=403)
    assert r.json["error"] == "forbidden" and r.json["details"] == {"role": "department_head"}
    assert "部门负责人" in r.json["message"]
    r = api.complete(case, "filing_approval", as_="supervisor1", expect=403)


def test_a_user_outside_the_department_cannot_see_or_act(api):
    case = api.open_case()
    assert api.get(f"/api/v1/cases/{case['id']}", as_="environment_officer1").status_code == 404
    api.complete(case, "clue_intake", as_="environment_officer1", expect=404)
    assert api.get(f"/api/v1/cases/{case['id']}", as_="supervisor1").status_code == 200  # district scope


def test_opening_a_case_checks_role_scope_and_input(api):
    assert api.post("/api/v1/cases", as_="head1", json={
        "procedure_id": "general_penalty", "title": "t", "department": "market",
        "party": {"name": "p", "kind": "person"}}).status_code == 403
    r = api.post("/api/v1/cases", json={"procedure_id": "general_penalty", "title": "",
                                        "department": "market", "party": {"name": "p", "kind": "robot"}})
    assert r.status_code == 422 and set(r.json["errors"]) == {"title", "party.kind"}
    r = api.post("/api/v1/cases", json={"procedure_id": "general_penalty", "title": "t",
                                        "department": "environment", "party": {"name": "p", "kind": "person"}})
    assert r.status_code == 422 and "department" in r.json["errors"]
    r = api.post("/api/v1/cases", json={"procedure_id": "nope", "title": "t", "department": "market",
                                        "party": {"name": "p", "kind": "person"}})
    assert r.status_code == 404
    r = api.post("/api/v1/cases", data="not json", content_type="application/json")
    assert r.status_code == 422 and "_body" in r.json["errors"]


def test_form_errors_name_each_field(api):
    case = api.open_case()
    task = api.task(case, "clue_intake")
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {
        "source": "rumour", "received_on": "not-a-date", "violation_date": "2026-10-01", "extra": 1}})
    assert r.status_code == 422
    assert set(r.json["errors"]) == {"source", "received_on", "summary", "extra"}
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": []})
    assert r.status_code == 422 and "data" in r.json["errors"]
    assert api.get(f"/api/v1/cases/{case['id']}").json["tasks"][0]["id"] == task["id"]  # unchanged


def test_conditional_form_rules_apply(api):
    case = api.run(api.open_case(), *["clue_intake", "filing_approval", "investigation",
                                      "investigation_report", "penalty_notice", "statement_defence",
                                      "penalty_decision"])
    case = api.run(case, "disclosure", "service")
    r = api.complete(case, "execution", outcome="paid", paid_on=None, expect=422)  # paid: when?
    assert r.json["error"] == "invalid" and "paid_on" in r.json["errors"]


def test_a_completed_task_cannot_be_completed_again(api):
    case = api.open_case()
    task = api.task(case, "clue_intake")
    api.complete(case, "clue_intake")
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {}})
    assert r.status_code == 409 and r.json["error"] == "task_not_ready"
    assert api.post("/api/v1/tasks/999999/complete", json={"data": {}}).status_code == 404


def test_inbox_lists_my_ready_tasks_with_paging(api):
    for _ in range(3):
        api.run(api.open_case(), "clue_intake")
    r = api.get("/api/v1/tasks?mine=1&per_page=2", as_="head1")
    assert r.status_code == 200 and r.json["total"] == 3 and len(r.json["items"]) == 2
    assert {t["bpmn_id"] for t in r.json["items"]} == {"filing_approval"}
    assert api.get("/api/v1/tasks?mine=1", as_="officer1").json["total"] == 0
    assert api.get("/api/v1/tasks?mine=1", as_="environment_head").json["total"] == 0
    assert api.get("/api/v1/tasks?per_page=0", as_="head1").status_code == 422
    assert api.get("/api/v1/tasks?state=weird", as_="head1").status_code == 422


def test_task_detail_carries_its_form_schema(api):
    case = api.open_case()
    r = api.get(f"/api/v1/tasks/{api.task(case, 'clue_intake')['id']}")
    assert r.status_code == 200 and r.json["form"]["title"] == "线索登记"
    assert "summary" in r.json["form"]["required"]


def test_the_projection_matches_the_engine_after_every_step(api, ctx):
    case = api.open_case()
    for step in ["clue_intake", "filing_approval", "investigation", "investigation_report", "penalty_notice",
                 "statement_defence", "penalty_decision", "service"]:
        case = api.complete(case, step)
        engine = load_engine_state(case["id"])
        rows = db.session.execute(db.select(Task).where(Task.case_id == case["id"], Task.state == "ready")).scalars()
        assert {t.engine_task_id for t in engine.ready_human_tasks()} == {r.engine_task_id for r in rows}


def test_two_concurrent_completions_of_one_task_one_wins_the_other_gets_409(app, api, ctx, monkeypatch):
    case = api.open_case()
    task = api.task(case, "clue_intake")
    headers = api.headers("officer1")
    from tests.helpers import STEPS
    from workflow_app.services.cases import step_path

    original = step_path.run_engine_step
    barrier = threading.Barrier(2)

    def slow_step(*args, **kwargs):
        barrier.wait(timeout=10)  # both requests have read the same case version and state
        result = original(*args, **kwargs)
        time.sleep(0.2)
        return result

    monkeypatch.setattr(step_path, "run_engine_step", slow_step)
    results = []

    def attempt():
        client = app.test_client()
        r = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers,
                        json={"data": STEPS["clue_intake"][1]})
        results.append((r.status_code, r.json))

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(code for code, _ in results) == [200, 409], results
    db.session.expire_all()
    completed = db.session.execute(db.select(TraceEvent).where(
        TraceEvent.case_id == case["id"], TraceEvent.action == "task.completed")).scalars().all()
    assert len(completed) == 1
    failed = db.session.execute(db.select(TraceEvent).where(
        TraceEvent.case_id == case["id"], TraceEvent.action == "task.failed")).scalars().all()
    assert failed == []  # a lost race is a 409, not a failure of the task
    ready = db.session.execute(db.select(Task.bpmn_id).where(
        Task.case_id == case["id"], Task.state == "ready")).scalars().all()
    assert ready == ["filing_approval"]


def test_case_list_is_scoped_filtered_and_paged(api):
    first = api.open_case()
    api.run(api.open_case(), "clue_intake", ("filing_approval", {"filing_decision": "not_file"}))
    r = api.get("/api/v1/cases?per_page=1")
    assert r.status_code == 200 and r.json["total"] == 2 and len(r.json["items"]) == 1
    assert [c["id"] for c in api.get("/api/v1/cases?status=intake").json["items"]] == [first["id"]]
    assert api.get("/api/v1/cases?status=bogus").status_code == 422
    assert api.get("/api/v1/cases", as_="environment_officer1").json["total"] == 0
    assert api.get("/api/v1/cases?department=market", as_="supervisor1").json["total"] == 2


def test_me_and_logout(api, client):
    headers = api.headers("head1")
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200 and me.json["username"] == "head1" and me.json["roles"] == ["department_head"]
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_concurrent_openings_get_distinct_consecutive_numbers(app, api):
    api.open_case()  # the department-year counter exists
    headers = api.headers("officer1")
    body = {"procedure_id": "general_penalty", "title": "并发立案", "department": "market",
            "party": {"name": "某公司", "kind": "organization"}}

    def attempt():
        r = app.test_client().post("/api/v1/cases", headers=headers, json=body)
        return r.status_code, r.json.get("number")

    results = at_once(app, attempt, workers=4)
    assert [code for code, _ in results] == [201] * 4, results
    numbers = sorted(n for _, n in results)
    year = numbers[0][5:9]
    assert numbers == [f"清市监立〔{year}〕{i}号" for i in (2, 3, 4, 5)]  # the department's 立 pattern


def test_eight_clients_opening_the_first_cases_of_fresh_years_all_succeed(app, api, clock):
    """No counter row exists for a new year: eight openings released at once each get a number
    (INSERT ... ON CONFLICT DO NOTHING makes the year's row without a unique-key failure, then
    one atomic UPDATE numbers them), none a 409. On PostgreSQL the requests run truly
    concurrently, each on its own connection; several fresh years, so the race is really run."""
    from datetime import datetime

    from workflow_app.oversight.calendar import LOCAL_TZ

    body = {"procedure_id": "general_penalty", "title": "并发立案", "department": "market",
            "party": {"name": "某公司", "kind": "organization"}}
    for year in (2031, 2032, 2033):
        clock.set_now(datetime(year, 1, 2, 9, 0, tzinfo=LOCAL_TZ))
        token = api.client.post("/api/v1/auth/token", json={"username": "officer1", "password": PASSWORD}).json
        headers = {"Authorization": f"Bearer {token['token']}"}

        def attempt(headers=headers):
            r = app.test_client().post("/api/v1/cases", headers=headers, json=body)
            return r.status_code, r.json.get("number")

        results = at_once(app, attempt, workers=8)
        assert [code for code, _ in results] == [201] * 8, (year, results)
        assert sorted(n for _, n in results) == sorted(f"清市监立〔{year}〕{i}号" for i in range(1, 9))


def test_inboxes_and_case_pages_never_deserialize_a_workflow(api, monkeypatch):
    case = api.run(api.open_case(), "clue_intake")

    def forbidden(*args, **kwargs):
        raise AssertionError("a read deserialized a workflow")

    from workflow_app.engine.pool import EnginePool, InlineEngine

    monkeypatch.setattr(EnginePool, "run", forbidden)
    monkeypatch.setattr(InlineEngine, "run", forbidden)
    assert api.get("/api/v1/tasks?mine=1", as_="head1").json["total"] == 1
    assert api.get(f"/api/v1/cases/{case['id']}").status_code == 200
    assert api.get("/api/v1/cases").status_code == 200
    assert api.get(f"/api/v1/cases/{case['id']}/trace").status_code == 200


@contextmanager
def statements_sent(app):
    """The SQL statements sent while the block runs, and the count sent at each COMMIT."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    statements, commits = [], []

    def on_execute(conn, cursor, statement, *args):
        statements.append(statement)

    def on_commit(conn):
        commits.append(len(statements))

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        yield statements, commits
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)


def batched(statements: list[str]) -> list[str]:
    """The statements as PostgreSQL sends them: consecutive INSERTs into one table (trace events,
    new task rows) go in one batch there, where SQLite sends one per row."""
    return [s for i, s in enumerate(statements)
            if not (i and s.startswith("INSERT INTO") and s.split("(")[0] == statements[i - 1].split("(")[0])]


# A step that prints a document number (services/registers/numbering.py) issues it in its transaction: the
# counter's bump (UPDATE … RETURNING; for the first of a year the row is made first: two more) and
# the number's row; the shortest path's numbered steps are the notice and the decision.
NUMBER_STATEMENTS = 4
NUMBERED_STEPS = ("penalty_notice", "penalty_decision")


def test_every_completion_of_the_shortest_path_takes_at_most_ten_statements_and_one_commit(api, app):
    """The hot path (bench/bench_http_pg.py drives it): the token with roles and certificates; the
    task with its case, state, ready siblings and record (completed steps, legal reviews); people a
    form names; one flush (state, case, task rows); the trace chain's head and the events; one
    COMMIT, and nothing read back after it (the response is built from what the transaction holds)."""
    # the procedure's forms and rules, and the department's registers (services/registers/copies.py), are cached now
    api.run(api.open_case(), "clue_intake", "filing_approval", "investigation", "investigation_report")
    case = api.open_case()
    for user in {STEPS[bpmn_id][0] for bpmn_id in SHORTEST_PATH}:
        api.headers(user)
    counts = {}
    for bpmn_id in SHORTEST_PATH:
        with statements_sent(app) as (statements, commits):
            case = api.complete(case, bpmn_id)
        sent = batched(statements)
        counts[bpmn_id] = len(sent) - (NUMBER_STATEMENTS if bpmn_id in NUMBERED_STEPS else 0)
        assert counts[bpmn_id] <= 10, (bpmn_id, sent)
        assert commits == [len(statements)], bpmn_id  # one commit, and no statement after it
    assert case["status"] == "closed"
    assert max(counts.values()) <= 10, counts


def test_a_step_the_law_governs_reads_the_record_once_and_commits_once(app, api):
    """The decision is checked by the most rules (dates in order, defence period, heavier penalty,
    hearing right, ...), its deadlines and its step alerts read the record too: they share the
    record read with the task (services/cases/record.py), so the step reads three things, the token,
    the task with everything of its case, and the trace chain's head, however many rules there are."""
    fine = 10000  # below the benchmark item's range (18,500-36,500): the decision raises an alert
    case = api.run(api.open_case(), "clue_intake", "filing_approval", "investigation",
                   ("investigation_report", {"benchmark_item": "SCJG-SP-126-03", "proposed_fine": fine}),
                   ("penalty_notice", {"notified_fine": fine, "notified_penalty": f"罚款{fine}元"}), "statement_defence")
    assert "penalty_decision" in api.ready(case)
    api.headers("head1")
    with statements_sent(app) as (statements, commits):
        case = api.complete(case, "penalty_decision", fine_amount=fine)
    assert case["status"] == "decided"
    trace = api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]
    assert "alert.raised" in [e["action"] for e in trace]
    reads = [s.split()[1].split(".")[0] for s in statements if s.startswith("SELECT")]
    # the last two: the benchmark item of the report, and whether such an alert is active already
    assert reads == ["api_token", "case_task", "trace_chain", "discretion_benchmark", "oversight_alert"], reads
    # writes: the step's flush, the alert's row (its unique index checked first), the trace twice
    # and the decision's milestone row, and its number (the first of the year: NUMBER_STATEMENTS)
    assert len(batched(statements)) <= 15 + NUMBER_STATEMENTS, statements
    assert commits == [len(statements)]
