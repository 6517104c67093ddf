"""A case's next step starts from the workflow its last step already loaded (engine/worker.py,
RecentStates): never stepped twice, never after a failed step, only for the very same state, and
its result is what loading the stored state would have given."""
import json
from datetime import UTC, datetime

import pytest

from tests.samples import process
from workflow_app.engine import worker
from workflow_app.engine.errors import EngineError
from workflow_app.engine.limits import DEFAULT_LIMITS, EngineLimits
from workflow_app.engine.processor import WorkflowProcessor
from workflow_app.engine.specs import build_procedure

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
INITIAL = {"party_kind": "organization", "party_name": "某公司", "department": "market", "case_title": "t"}


def three_tasks(comment: bytes = b""):
    xml = process("p", '<bpmn:startEvent id="start"/><bpmn:userTask id="t1"/><bpmn:userTask id="t2"/>'
                  '<bpmn:userTask id="t3"/><bpmn:endEvent id="end"/>', ["start", "t1", "t2", "t3", "end"],
                  [("f1", "start", "t1"), ("f2", "t1", "t2"), ("f3", "t2", "t3"), ("f4", "t3", "end")])
    return build_procedure(xml + comment, max_bytes=10**6, known_forms=None)


def meaning(state: str) -> tuple:
    """What a state says, without what SpiffWorkflow makes anew at every step (the ids of newly
    predicted tasks, the instants of state changes): each task's spec, state and data."""
    dct = json.loads(state)
    tasks = sorted((t["task_spec"], t["state"], json.dumps(t["data"], sort_keys=True)) for t in dct["tasks"].values())
    return tasks, dct["data"], dct["completed"] if "completed" in dct else None


@pytest.fixture
def recent(monkeypatch):
    states = worker.RecentStates()
    monkeypatch.setattr(worker, "recent_states", states)
    return states


def run(procedure, op: str, **payload):
    return worker.perform(op, {procedure.sha256: procedure}, {"sha256": procedure.sha256, "now": NOW, **payload},
                          DEFAULT_LIMITS)


def complete(procedure, state: str, data: dict | None = None):
    return run(procedure, "complete", state=state, engine_task_id=state_ready(procedure, state), data=data or {})


def state_ready(procedure, state: str) -> str:
    return WorkflowProcessor.load(procedure, state, DEFAULT_LIMITS).ready_human_tasks()[0].engine_task_id


def test_the_next_step_starts_from_the_kept_workflow_and_gives_what_a_fresh_load_gives(recent):
    procedure = three_tasks()
    opened = run(procedure, "start", data=INITIAL)
    task_id = opened.ready[0].engine_task_id
    kept = run(procedure, "complete", state=opened.state, engine_task_id=task_id, data={"x": 1})
    assert (recent.hits, recent.misses) == (1, 0)
    recent.clear()
    loaded = run(procedure, "complete", state=opened.state, engine_task_id=task_id, data={"x": 1})
    assert recent.misses == 1
    assert meaning(kept.state) == meaning(loaded.state)
    assert [t.bpmn_id for t in kept.ready] == [t.bpmn_id for t in loaded.ready] == ["t2"]


def test_a_kept_workflow_is_taken_once_so_two_steps_of_one_state_never_share_it(recent):
    procedure = three_tasks()
    opened = run(procedure, "start", data=INITIAL)
    first = recent.take(procedure, opened.state, DEFAULT_LIMITS)
    second = recent.take(procedure, opened.state, DEFAULT_LIMITS)
    assert (recent.hits, recent.misses) == (1, 1)
    assert first.workflow is not second.workflow


def test_a_failed_step_keeps_nothing_and_the_state_is_loaded_again(recent):
    procedure = three_tasks()
    opened = run(procedure, "start", data=INITIAL)
    with pytest.raises(EngineError):
        run(procedure, "complete", state=opened.state, engine_task_id="00000000-0000-0000-0000-000000000000", data={})
    assert recent.hits == 1
    after = complete(procedure, opened.state)
    assert recent.misses == 1 and [t.bpmn_id for t in after.ready] == ["t2"]


def test_only_the_very_same_state_and_procedure_hit(recent):
    procedure = three_tasks()
    opened = run(procedure, "start", data=INITIAL)
    other = three_tasks(b"\n<!-- another version -->\n")  # the same diagram deployed as another version
    assert other.sha256 != procedure.sha256
    assert recent.take(other, opened.state, DEFAULT_LIMITS) is not None and recent.misses == 1
    assert recent.take(procedure, opened.state + " ", DEFAULT_LIMITS) is not None and recent.misses == 2
    assert recent.take(procedure, opened.state, DEFAULT_LIMITS) is not None and recent.hits == 1


def test_a_kept_workflow_runs_under_the_limits_of_the_step_that_takes_it(recent):
    procedure = three_tasks()
    opened = run(procedure, "start", data=INITIAL)
    tight = EngineLimits(script_cpu_seconds=0.25)
    taken = recent.take(procedure, opened.state, tight)
    assert recent.hits == 1 and taken.limits is tight and taken.workflow.script_engine.limits is tight


def test_few_are_kept_and_the_oldest_go_first():
    procedure = three_tasks()
    states = worker.RecentStates(entries=2, max_bytes=10**6)
    loaded = [WorkflowProcessor.start(procedure, {**INITIAL, "n": n}, DEFAULT_LIMITS) for n in range(3)]
    texts = [p.dump() for p in loaded]
    for text, processor in zip(texts, loaded, strict=True):
        states.keep(text, processor.reloaded)
    assert states.take(procedure, texts[0], DEFAULT_LIMITS) and states.misses == 1
    assert states.take(procedure, texts[2], DEFAULT_LIMITS) and states.hits == 1
    small = worker.RecentStates(entries=8, max_bytes=len(texts[0]) + len(texts[1]) - 1)  # one fits, not two
    small.keep(texts[0], loaded[0].reloaded)
    small.keep(texts[1], loaded[1].reloaded)  # over the bytes: the older one goes
    assert small.take(procedure, texts[0], DEFAULT_LIMITS) and small.misses == 1
