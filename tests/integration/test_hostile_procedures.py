"""A corpus of hostile procedures: whatever a BPMN contains, an engine step ends within its
limits, fails with a 422 naming the element, leaves the case exactly as it was, is traced, and
the server keeps answering meanwhile.

Each procedure is deployed through the API and driven through it, so the whole path runs: the
web process sends the step to an engine worker process, which is killed when it overruns.
"""
import io
import json
import threading
import time

import pytest

from tests.samples import (
    CATCHES_THE_TIMEOUT,
    HOSTILE_AT_DEPLOY,
    HOSTILE_AT_RUN_TIME,
    multi_instance,
    script,
    sequential,
)
from workflow_app.extensions import db
from workflow_app.models import TraceEvent, WorkflowState

# The OS layer's limits, tightened so that the corpus runs quickly.
STEP_CPU, STEP_WALL = 1.0, 3.0
# The words of each refusal are read in English here; test_engine_language.py reads them in both.
EN = {"Accept-Language": "en"}


@pytest.fixture
def tight(app):
    app.config.update(ENGINE_STEP_CPU_SECONDS=STEP_CPU, ENGINE_STEP_WALL_SECONDS=STEP_WALL)
    return app


def deploy(api, data: bytes, expect=(200, 201)):
    r = api.post("/api/v1/procedures", as_="author1", data={"file": (io.BytesIO(data), "x.bpmn")},
                 content_type="multipart/form-data", headers=EN)
    assert r.status_code in expect if isinstance(expect, tuple) else r.status_code == expect, r.json
    return r


# -- refused at deploy: the limit is visible in the BPMN itself ----------------------------------------
@pytest.mark.parametrize("bpmn, element, words", [case[1:] for case in HOSTILE_AT_DEPLOY],
                         ids=[case[0] for case in HOSTILE_AT_DEPLOY])
def test_a_limit_given_as_a_constant_is_refused_at_deploy(api, bpmn, element, words):
    r = deploy(api, bpmn, expect=422)
    problems = r.json["details"]["problems"]
    assert any(p["element_id"] == element and words in p["message"] for p in problems), problems


# -- refused while running: a clean 422, the case as it was, the attempt traced ----------------------
def run_hostile(api, bpmn: bytes, process_id: str):
    """Deploy, open a case, complete t1 (which runs the hostile element); return (response, seconds)."""
    deploy(api, bpmn)
    case = api.open_case(procedure_id=process_id)
    before = db.session.get(WorkflowState, case["id"]).state
    started = time.monotonic()
    r = api.post(f"/api/v1/tasks/{api.task(case, 't1')['id']}/complete", json={"data": {}}, headers=EN)
    elapsed = time.monotonic() - started
    assert r.status_code == 422 and r.json["error"] == "engine_error", r.json
    db.session.expire_all()
    assert db.session.get(WorkflowState, case["id"]).state == before
    assert api.ready(api.get(f"/api/v1/cases/{case['id']}").json) == ["t1"]
    failed = db.session.execute(db.select(TraceEvent).where(
        TraceEvent.case_id == case["id"], TraceEvent.action == "task.failed")).scalars().all()
    assert len(failed) == 1
    assert len(json.dumps(r.json)) < 5000  # the error names the problem; it does not echo the value
    return r, json.loads(failed[0].data_json), elapsed




@pytest.mark.parametrize("process_id, bpmn, element, words", HOSTILE_AT_RUN_TIME,
                         ids=[case[0] for case in HOSTILE_AT_RUN_TIME])
def test_a_hostile_step_fails_cleanly_within_its_limits(api, ctx, tight, process_id, bpmn, element, words):
    r, traced, elapsed = run_hostile(api, bpmn, process_id)
    message = r.json["errors"]["_engine"][0]
    # "a|b": either stop is right (a huge repr may hit the memory cap or the CPU limit first)
    assert any(w.lower() in message.lower() for w in words.split("|")), message
    if element:
        assert r.json["details"]["element_id"] == element and traced["element"] == element
    assert elapsed < STEP_WALL + 10  # the wall-clock limit plus a generous margin for a loaded machine


def test_a_step_creating_too_many_engine_tasks_is_refused(api, ctx, app):
    app.config["ENGINE_MAX_NEW_TASKS"] = 50
    r, traced, _ = run_hostile(api, multi_instance("many_tasks", "n", script="n = 100"), "many_tasks")
    assert "engine tasks" in r.json["errors"]["_engine"][0]


def test_the_server_answers_other_requests_while_a_step_is_killed(api, tight, app):
    from workflow_app.engine.pool import engine_for

    deploy(api, script("spin_forever", CATCHES_THE_TIMEOUT))
    case = api.open_case(procedure_id="spin_forever")
    pool = engine_for(app.config)
    replaced = pool.replaced
    headers = api.headers("officer1")
    done = {}

    def hostile():
        r = app.test_client().post(f"/api/v1/tasks/{api.task(case, 't1')['id']}/complete", headers=headers,
                                   json={"data": {}})
        done["hostile"] = (time.monotonic(), r.status_code)

    thread = threading.Thread(target=hostile)
    thread.start()
    time.sleep(0.3)  # the hostile step is running in a worker now
    other = api.get("/api/v1/cases?per_page=5")
    answered = time.monotonic()
    opened = api.open_case(as_="officer2")  # another user's engine step, on the other worker
    thread.join(timeout=STEP_WALL + 30)
    assert other.status_code == 200 and opened["tasks"]
    assert done["hostile"][1] == 422 and answered < done["hostile"][0]
    assert pool.replaced == replaced + 1  # the killed worker was replaced
    assert api.open_case(procedure_id="general_penalty")["tasks"]  # and the pool still serves


def test_a_failing_case_opening_is_refused_and_traced_on_the_system_chain(api, ctx, tight):
    bpmn = sequential("fails_at_start", [("script", "boom", "x = 1 / 0"), ("user", "t1", {})])
    deploy(api, bpmn)
    r = api.post("/api/v1/cases", json={"procedure_id": "fails_at_start", "title": "t", "department": "market",
                                        "party": {"name": "某公司", "kind": "organization"}})
    assert r.status_code == 422 and r.json["details"]["element_id"] == "boom"
    failed = db.session.execute(db.select(TraceEvent).where(TraceEvent.action == "case.open_failed")).scalars().all()
    assert len(failed) == 1 and json.loads(failed[0].data_json)["element"] == "boom"
    assert api.get("/api/v1/cases").json["total"] == 0


def test_no_engine_worker_is_a_503_and_the_case_is_untouched(api, ctx, monkeypatch):
    """If no worker can start (a broken install), the request is refused as unavailable; the
    task did not fail, so nothing is traced against it."""
    from workflow_app.engine import pool

    case = api.open_case()
    broken = pool.EnginePool(size=1, acquire_seconds=1.0)
    monkeypatch.setattr(pool, "_pool", broken)
    monkeypatch.setattr(pool.sys, "executable", "/bin/false")
    from tests.helpers import STEPS

    r = api.post(f"/api/v1/tasks/{api.task(case, 'clue_intake')['id']}/complete",
                 json={"data": STEPS["clue_intake"][1]})
    assert r.status_code == 503 and r.json["error"] == "unavailable"
    actions = [e["action"] for e in api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]]
    assert "task.failed" not in actions and "task.completed" not in actions
    monkeypatch.undo()
    assert api.complete(case, "clue_intake")["tasks"]  # the real pool still serves
