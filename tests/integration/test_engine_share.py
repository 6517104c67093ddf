"""One user's runaway steps cannot occupy every engine worker (engine/pool.py): a user's steps hold
at most their share of the pool at once (ENGINE_USER_SHARE of the workers, rounded up); a further
step of theirs waits briefly and is refused as unavailable, while another user's step still runs.
Real worker processes, a real hostile script (it catches its own timeout: only the wall-clock
kill ends it)."""
import io
import threading
import time

import pytest

from tests.samples import CATCHES_THE_TIMEOUT, script
from workflow_app.engine import pool
from workflow_app.engine.errors import EngineError
from workflow_app.extensions import db
from workflow_app.models import Task, WorkflowState
from workflow_app.services.errors import Unavailable
from workflow_app.services.procedures.versions import actor_key_of, latest_version, run_engine_step

INITIAL = {"party_kind": "organization", "party_name": "某公司", "department": "market", "case_title": "t"}


@pytest.fixture
def shared_pool(app, monkeypatch):
    """A pool of two workers with the default share (half: one worker a user), as the app makes it."""
    app.config.update(ENGINE_STEP_CPU_SECONDS=1.0, ENGINE_STEP_WALL_SECONDS=3.0)
    engine = pool.EnginePool(size=2, user_share=app.config["ENGINE_USER_SHARE"], user_wait_seconds=0.5)
    engine.start()
    monkeypatch.setattr(pool, "_pool", engine)
    yield engine
    engine.shutdown()


def until(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_users_runaway_step_holds_one_worker_their_next_step_is_refused_another_users_runs(
        app, api, ctx, user, shared_pool):
    r = api.post("/api/v1/procedures", as_="author1", content_type="multipart/form-data",
                 data={"file": (io.BytesIO(script("spin", CATCHES_THE_TIMEOUT)), "x.bpmn")})
    assert r.status_code == 201, r.json
    case = api.open_case(procedure_id="spin")
    t1 = db.session.execute(db.select(Task).where(Task.case_id == case["id"], Task.bpmn_id == "t1")).scalar_one()
    hostile = {"state": db.session.get(WorkflowState, case["id"]).state, "engine_task_id": t1.engine_task_id,
               "data": {}}
    spin, penalty = latest_version("spin"), latest_version("general_penalty")
    officer, other = actor_key_of(user("officer1")), actor_key_of(user("officer2"))
    assert shared_pool.per_actor == 1
    outcome = {}

    def runaway():
        with app.app_context():
            try:
                run_engine_step("complete", hostile, db.session.merge(spin), actor_key=officer)
            except EngineError as err:
                outcome["runaway"] = err.message

    thread = threading.Thread(target=runaway)
    thread.start()
    assert until(lambda: shared_pool.held(officer) == 1)
    # The same user again: refused (after a brief wait), saying why; the case is not touched.
    with pytest.raises(Unavailable, match="occupy 1 of this server's 2 engine workers"):
        run_engine_step("complete", hostile, spin, actor_key=officer)
    # Another user's step runs on the other worker while the runaway one is still running.
    opened = run_engine_step("start", {"data": INITIAL}, penalty, actor_key=other)
    assert [t.bpmn_id for t in opened.ready] == ["clue_intake"] and "runaway" not in outcome
    assert shared_pool.held(other) == 0
    thread.join(timeout=60)
    assert "stopped" in outcome["runaway"] and shared_pool.held(officer) == 0  # CPU or wall-clock limit
    # Its share is free again once the runaway step was stopped.
    assert run_engine_step("start", {"data": INITIAL}, penalty, actor_key=officer).ready


def test_steps_without_an_actor_count_against_no_share(app, ctx, shared_pool):
    penalty = latest_version("general_penalty")
    results = []

    def open_one():
        with app.app_context():
            results.append(run_engine_step("start", {"data": INITIAL}, db.session.merge(penalty)))

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == 4 and all(r.ready for r in results)


@pytest.mark.parametrize("size, share, per_actor", [(1, 0.5, 1), (2, 0.5, 1), (3, 0.5, 2), (4, 0.5, 2), (4, 0.25, 1),
                                                    (8, 0.75, 6), (4, 0, 1), (4, 1, 4)])
def test_the_share_is_a_proportion_of_the_pool_rounded_up_and_never_zero(size, share, per_actor):
    assert pool.EnginePool(size=size, user_share=share).per_actor == per_actor
