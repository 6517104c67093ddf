"""A case's next step goes to the engine worker that ran its last one, when it is free (engine/
pool.py): that worker kept the workflow it loaded to prove the state (engine/worker.py,
RecentStates). Real worker processes."""
import time

import pytest

from tests.samples import process
from workflow_app.engine import pool
from workflow_app.engine.limits import DEFAULT_LIMITS
from workflow_app.engine.specs import build_procedure

INITIAL = {"party_kind": "organization", "party_name": "某公司", "department": "market", "case_title": "t"}


@pytest.fixture
def engine():
    workers = pool.EnginePool(size=2)
    workers.start()
    deadline = time.monotonic() + 60
    while len(workers._idle) < 2 and time.monotonic() < deadline:  # both started
        time.sleep(0.05)
    yield workers
    workers.shutdown()


def test_each_cases_next_step_goes_to_the_worker_that_returned_its_state(engine, monkeypatch):
    xml = process("p", '<bpmn:startEvent id="start"/><bpmn:userTask id="t1"/><bpmn:userTask id="t2"/>'
                  '<bpmn:endEvent id="end"/>', ["start", "t1", "t2", "end"],
                  [("f1", "start", "t1"), ("f2", "t1", "t2"), ("f3", "t2", "end")])
    sha = build_procedure(xml, max_bytes=10**6, known_forms=None).sha256
    ran_on, exchange = [], engine._exchange

    def noted(worker, *args):
        ran_on.append(worker.process.pid)
        return exchange(worker, *args)

    monkeypatch.setattr(engine, "_exchange", noted)
    sources = {sha: lambda: xml}
    for n in range(3):
        ran_on.clear()
        case = engine.run("start", sources, {"sha256": sha, "data": {**INITIAL, "n": n}}, DEFAULT_LIMITS)
        # the worker that returned the state is put first among the free ones: the one a step
        # with no preference takes is the other
        engine._idle.sort(key=lambda w: w.process.pid != ran_on[0])
        assert engine._idle[-1].process.pid != ran_on[0]
        for _ in range(2):
            case = engine.run("complete", sources, {"sha256": sha, "state": case.state,
                                                    "engine_task_id": case.ready[0].engine_task_id, "data": {}},
                              DEFAULT_LIMITS)
        assert len(ran_on) == 3 and len(set(ran_on)) == 1, ran_on
        assert case.completed


def test_a_step_whose_worker_is_busy_or_gone_takes_another(engine, monkeypatch):
    xml = process("p", '<bpmn:startEvent id="start"/><bpmn:userTask id="t1"/><bpmn:endEvent id="end"/>',
                  ["start", "t1", "end"], [("f1", "start", "t1"), ("f2", "t1", "end")])
    sha = build_procedure(xml, max_bytes=10**6, known_forms=None).sha256
    sources = {sha: lambda: xml}
    case = engine.run("start", sources, {"sha256": sha, "data": INITIAL}, DEFAULT_LIMITS)
    held = engine._acquire(None, engine._returned_by(case.state))  # its worker is busy with another step
    engine._remember(case, held)
    try:
        done = engine.run("complete", sources, {"sha256": sha, "state": case.state,
                                                "engine_task_id": case.ready[0].engine_task_id, "data": {}},
                          DEFAULT_LIMITS)
    finally:
        engine._release(held)
    assert done.completed
