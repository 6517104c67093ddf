"""No accepted engine step may leave a case unable to move (the engine's side, in-process).

Whatever step it is, `WorkflowProcessor.result()` refuses to hand back a state that could not be
stored and loaded again, or a case that could never move again; a timer the case waits for always
has the due time the timer worker needs. SpiffWorkflow reads the clock itself: these tests freeze
it (its timer module's `datetime`, SPIFFWORKFLOW.md pitfall 4), they never read it.
"""
from datetime import UTC, datetime, timedelta

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from tests.samples import process
from workflow_app.engine.errors import EngineError
from workflow_app.engine.limits import DEFAULT_LIMITS, EngineLimits, storable_problem
from workflow_app.engine.processor import WorkflowProcessor
from workflow_app.engine.specs import build_procedure

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


class _Frozen(datetime):
    at = NOW

    @classmethod
    def now(cls, tz=None):
        return cls.at if tz is None else cls.at.astimezone(tz)


@pytest.fixture
def clock(monkeypatch):
    """SpiffWorkflow's timers read this clock; `clock.at` moves it."""
    _Frozen.at = NOW
    monkeypatch.setattr(spiff_timer, "datetime", _Frozen)
    return _Frozen


def deploy(body: str, nodes: list[str], flows: list[tuple], messages: tuple[str, ...] = ()) -> object:
    xml = process("p", body, nodes, flows)
    if messages:
        declared = "".join(f'<bpmn:message id="{m}" name="{m}"/>' for m in messages).encode()
        xml = xml.replace(b"<bpmn:process", declared + b"<bpmn:process", 1)
    return build_procedure(xml, max_bytes=10**6, known_forms=None)


def ready(processor) -> list[str]:
    return sorted(t.bpmn_id for t in processor.ready_human_tasks())


def complete(processor, bpmn_id: str, data: dict | None = None):
    task = next(t for t in processor.ready_human_tasks() if t.bpmn_id == bpmn_id)
    before = processor.completed_task_ids()
    processor.complete(task.engine_task_id, data or {})
    return processor.result(before)


def two_tasks():
    return deploy('<bpmn:startEvent id="start"/><bpmn:userTask id="t1"/><bpmn:userTask id="t2"/>'
                  '<bpmn:endEvent id="end"/>', ["start", "t1", "t2", "end"],
                  [("f1", "start", "t1"), ("f2", "t1", "t2"), ("f3", "t2", "end")])


# -- the state a step leaves must be stored and loaded again -----------------------------------------
VALUES_JSON_CANNOT_HOLD = [
    (float("nan"), "not a JSON number"),
    (float("inf"), "not a JSON number"),
    (float("-inf"), "not a JSON number"),
    ({1: "a"}, "key that is not text"),
    ({(1, 2): "a"}, "key that is not text"),
    ({1, 2}, "set"),
    (b"bytes", "bytes"),
    (2**63, "whole number beyond"),
    (-(2**70), "whole number beyond"),
    (10**5000, "whole number beyond"),
    ({"typename": "nothing"}, "reserves"),
    ([[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], "levels deep"),
]


@pytest.mark.parametrize("value, words", VALUES_JSON_CANNOT_HOLD, ids=[w for _, w in VALUES_JSON_CANNOT_HOLD])
def test_a_step_leaving_a_value_json_cannot_hold_is_refused(value, words):
    """The form data of a request is strict JSON already; whatever else puts a value in the task
    data (a script, an expression's result, a data association) meets the same check at the end of
    the step."""
    processor = WorkflowProcessor.start(two_tasks(), {}, DEFAULT_LIMITS)
    with pytest.raises(EngineError, match=words):
        complete(processor, "t1", {"x": value})


def test_text_that_is_not_unicode_is_refused():
    processor = WorkflowProcessor.start(two_tasks(), {}, DEFAULT_LIMITS)
    with pytest.raises(EngineError, match="cannot be stored"):
        complete(processor, "t1", {"x": "\ud800"})  # a lone surrogate: no UTF-8 for the database


def test_data_the_serializer_would_read_as_its_own_object_is_refused():
    """SpiffWorkflow reads any dict with "typename" back as one of its objects: a value shaped like
    its datetime but holding no date passes as JSON and then could never be loaded again."""
    processor = WorkflowProcessor.start(two_tasks(), {}, DEFAULT_LIMITS)
    with pytest.raises(EngineError, match="would not load again"):
        complete(processor, "t1", {"x": {"typename": "datetime", "value": "not a date"}})


def test_a_state_stored_before_the_check_with_nan_still_loads_and_its_steps_say_why_they_are_refused():
    """Scripts could leave NaN before (their JSON check let it through): such a case still loads,
    and its steps are refused naming the value (completed tasks keep their data, so the stored
    state must be corrected) rather than failing on load with a parse error."""
    step = complete(WorkflowProcessor.start(two_tasks(), {}, DEFAULT_LIMITS), "t1", {"x": 1})
    legacy = step.state.replace('"x":1', '"x":NaN')
    assert legacy != step.state
    loaded = WorkflowProcessor.load(two_tasks(), legacy, DEFAULT_LIMITS)
    assert ready(loaded) == ["t2"]
    with pytest.raises(EngineError, match="'x' holds nan"):
        complete(loaded, "t2")


def test_plain_json_data_is_stored_and_loads_again():
    processor = WorkflowProcessor.start(two_tasks(), {}, DEFAULT_LIMITS)
    data = {"fine": 20000, "ratio": 0.5, "kinds": ["fine", "warning"], "party": {"name": "某公司", "id": None},
            "pair": (1, 2), "big": 2**63 - 1, "deep": [[[["ok"]]]]}
    step = complete(processor, "t1", data)
    loaded = WorkflowProcessor.load(processor.procedure, step.state, DEFAULT_LIMITS)
    assert ready(loaded) == ["t2"]
    stored = next(t for t in loaded.workflow.get_tasks() if t.task_spec.bpmn_id == "t2").data
    assert stored["party"] == data["party"] and stored["pair"] == [1, 2] and stored["big"] == 2**63 - 1


def test_the_depth_limit_is_configurable_and_counts_levels_of_task_data():
    limits = EngineLimits(max_data_depth=3)
    processor = WorkflowProcessor.start(two_tasks(), {}, limits)
    complete(WorkflowProcessor.start(two_tasks(), {}, limits), "t1", {"x": [["ok"]]})
    with pytest.raises(EngineError, match="more than 3 levels"):
        complete(processor, "t1", {"x": [[["too deep"]]]})


def test_the_storable_check_walks_a_very_deep_value_without_recursing():
    value = []
    for _ in range(100_000):
        value = [value]
    assert "levels deep" in storable_problem({"x": value}, 32)


# -- timers: every timer the case waits for has a due time the worker reads -------------------------
TIMER = ('<bpmn:intermediateCatchEvent id="{id}"><bpmn:timerEventDefinition>'
         '<bpmn:{kind} xsi:type="bpmn:tFormalExpression">{value}</bpmn:{kind}>'
         "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>")


def event_gateway():
    """t1 → event-based gateway: a message `answer` (→ t_answer) or one hour (→ t_late)."""
    body = ('<bpmn:startEvent id="start"/><bpmn:userTask id="t1"/><bpmn:eventBasedGateway id="gw"/>'
            + TIMER.format(id="hour", kind="timeDuration", value='"PT1H"')
            + '<bpmn:intermediateCatchEvent id="msg"><bpmn:messageEventDefinition messageRef="answer"/>'
              '</bpmn:intermediateCatchEvent><bpmn:userTask id="t_late"/><bpmn:userTask id="t_answer"/>'
              '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>')
    return deploy(body, ["start", "t1", "gw", "hour", "msg", "t_late", "t_answer", "e1", "e2"],
                  [("f1", "start", "t1"), ("f2", "t1", "gw"), ("f3", "gw", "hour"), ("f4", "gw", "msg"),
                   ("f5", "hour", "t_late"), ("f6", "msg", "t_answer"), ("f7", "t_late", "e1"),
                   ("f8", "t_answer", "e2")], messages=("answer",))


def test_a_timer_on_an_event_based_gateway_is_scheduled_and_fires(clock):
    """SpiffWorkflow's waiting_events() gives an event-based gateway no time (its event is a
    MultipleEventDefinition): the case was never picked up by the timer worker."""
    processor = WorkflowProcessor.start(event_gateway(), {}, DEFAULT_LIMITS)
    step = complete(processor, "t1")
    assert step.ready == [] and step.next_timer_at == NOW + timedelta(hours=1)
    clock.at = NOW + timedelta(hours=1, seconds=1)
    loaded = WorkflowProcessor.load(processor.procedure, step.state, DEFAULT_LIMITS)
    before = loaded.completed_task_ids()
    loaded.fire_timers()  # the timer worker's step
    fired = loaded.result(before)
    assert [t.bpmn_id for t in fired.ready] == ["t_late"] and fired.next_timer_at is None


def test_the_message_of_an_event_based_gateway_still_wins_before_the_timer(clock):
    processor = WorkflowProcessor.start(event_gateway(), {}, DEFAULT_LIMITS)
    step = complete(processor, "t1")
    loaded = WorkflowProcessor.load(processor.procedure, step.state, DEFAULT_LIMITS)
    before = loaded.completed_task_ids()
    loaded.message("answer")
    answered = loaded.result(before)
    assert [t.bpmn_id for t in answered.ready] == ["t_answer"] and answered.next_timer_at is None


def milestone(code: str) -> str:
    return ('<bpmn:extensionElements><spiffworkflow:properties>'
            f'<spiffworkflow:property name="milestone" value="{code}"/>'
            '</spiffworkflow:properties></bpmn:extensionElements>')


def wait_watched_by_a_timer():
    """t1 → a receive task waiting for `answer`, a non-interrupting boundary timer on it an hour after
    (milestone `late`, then its branch ends) → the end (milestone `done`): a referral's wait."""
    body = ('<bpmn:startEvent id="start"/><bpmn:userTask id="t1"/>'
            '<bpmn:receiveTask id="wait" messageRef="answer"/>'
            f'<bpmn:boundaryEvent id="due" cancelActivity="false" attachedToRef="wait">{milestone("late")}'
            '<bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT1H"'
            '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
            f'<bpmn:endEvent id="noted"/><bpmn:endEvent id="end">{milestone("done")}</bpmn:endEvent>')
    return deploy(body, ["start", "t1", "wait", "due", "noted", "end"],
                  [("f1", "start", "t1"), ("f2", "t1", "wait"), ("f3", "wait", "end"), ("f4", "due", "noted")],
                  messages=("answer",))


def test_milestones_of_one_step_come_in_the_order_reached_not_the_trees(clock):
    """The answer delivered after the timer's time, before the timer worker fired it: the engine fires
    the timer first, then the answer ends the wait; the last milestone reached (the case's status)
    is the end's, though the tree holds the timer's branch after it."""
    processor = WorkflowProcessor.start(wait_watched_by_a_timer(), {}, DEFAULT_LIMITS)
    step = complete(processor, "t1")
    assert step.ready == [] and step.next_timer_at == NOW + timedelta(hours=1)
    clock.at = NOW + timedelta(hours=2)
    loaded = WorkflowProcessor.load(processor.procedure, step.state, DEFAULT_LIMITS)
    before = loaded.completed_task_ids()
    loaded.message("answer")
    answered = loaded.result(before)
    assert [m[1] for m in answered.milestones] == ["late", "done"] and answered.completed


@pytest.mark.parametrize("kind, value, due", [
    ("timeDuration", '"P5D"', NOW + timedelta(days=5)),
    ("timeDate", '"2026-03-10T09:00:00+08:00"', datetime(2026, 3, 10, 1, 0, tzinfo=UTC)),
    ("timeDate", '"2026-03-10T01:00:00Z"', datetime(2026, 3, 10, 1, 0, tzinfo=UTC)),
])
def test_a_waiting_timer_has_its_due_time(clock, kind, value, due):
    body = ('<bpmn:startEvent id="start"/><bpmn:userTask id="t1"/>' + TIMER.format(id="wait", kind=kind, value=value)
            + '<bpmn:userTask id="t2"/><bpmn:endEvent id="end"/>')
    procedure = deploy(body, ["start", "t1", "wait", "t2", "end"],
                       [("f1", "start", "t1"), ("f2", "t1", "wait"), ("f3", "wait", "t2"), ("f4", "t2", "end")])
    step = complete(WorkflowProcessor.start(procedure, {}, DEFAULT_LIMITS), "t1")
    assert step.ready == [] and step.next_timer_at == due


def test_a_timer_date_long_past_fires_in_the_step_that_reaches_it(clock):
    body = ('<bpmn:startEvent id="start"/><bpmn:userTask id="t1"/>'
            + TIMER.format(id="wait", kind="timeDate", value='"2001-01-01T00:00:00+00:00"')
            + '<bpmn:userTask id="t2"/><bpmn:endEvent id="end"/>')
    procedure = deploy(body, ["start", "t1", "wait", "t2", "end"],
                       [("f1", "start", "t1"), ("f2", "t1", "wait"), ("f3", "wait", "t2"), ("f4", "t2", "end")])
    step = complete(WorkflowProcessor.start(procedure, {}, DEFAULT_LIMITS), "t1")
    assert [t.bpmn_id for t in step.ready] == ["t2"] and step.next_timer_at is None


@pytest.mark.parametrize("expression, data, words", [
    ("undefined_name", {}, "NameError"),
    ("1 / 0", {}, "ZeroDivisionError"),
    ("wait_for", {"wait_for": "P99999Y"}, "days ahead"),
    ("wait_until", {"wait_until": "9999-01-01T00:00:00+00:00"}, "days ahead"),
    ("wait_for", {"wait_for": "next week"}, "ISO 8601"),
    ("wait_for", {"wait_for": 5}, "not int"),
], ids=["name", "division", "far-duration", "far-date", "not-iso", "number"])
def test_a_timer_whose_expression_fails_or_points_too_far_fails_the_step_that_reaches_it(clock, expression, data,
                                                                                         words):
    """The step that reaches the timer is refused and the case keeps its state (the task before the
    timer stays ready, and may be done again with other data): never a case waiting for a timer
    that will not fire."""
    kind = "timeDate" if expression == "wait_until" else "timeDuration"
    body = ('<bpmn:startEvent id="start"/><bpmn:userTask id="t1"/>' + TIMER.format(id="wait", kind=kind, value=expression)
            + '<bpmn:userTask id="t2"/><bpmn:endEvent id="end"/>')
    procedure = deploy(body, ["start", "t1", "wait", "t2", "end"],
                       [("f1", "start", "t1"), ("f2", "t1", "wait"), ("f3", "wait", "t2"), ("f4", "t2", "end")])
    processor = WorkflowProcessor.start(procedure, {}, DEFAULT_LIMITS)
    with pytest.raises(EngineError, match=words) as failed:
        complete(processor, "t1", data)
    assert failed.value.element_id == "wait"


# -- a case that could never move again -------------------------------------------------------------
def test_a_step_that_would_leave_the_case_waiting_for_a_signal_nobody_sends_is_refused():
    body = ('<bpmn:startEvent id="start"/><bpmn:userTask id="t1"/><bpmn:intermediateCatchEvent id="never">'
            '<bpmn:signalEventDefinition signalRef="sig"/></bpmn:intermediateCatchEvent><bpmn:userTask id="t2"/>'
            '<bpmn:endEvent id="end"/>')
    xml = process("p", body, ["start", "t1", "never", "t2", "end"],
                  [("f1", "start", "t1"), ("f2", "t1", "never"), ("f3", "never", "t2"), ("f4", "t2", "end")])
    xml = xml.replace(b"<bpmn:process", b'<bpmn:signal id="sig" name="sig"/><bpmn:process', 1)
    processor = WorkflowProcessor.start(build_procedure(xml, max_bytes=10**6, known_forms=None), {}, DEFAULT_LIMITS)
    with pytest.raises(EngineError, match="nothing to do") as failed:
        complete(processor, "t1")
    assert failed.value.element_id == "never"


def test_a_step_that_would_leave_the_case_waiting_for_a_condition_no_step_can_change_is_refused():
    """A conditional event is evaluated when it is reached; with no ready task left, no step could
    change the data it reads."""
    body = ('<bpmn:startEvent id="start"/><bpmn:userTask id="t1"/><bpmn:intermediateCatchEvent id="until">'
            '<bpmn:conditionalEventDefinition><bpmn:condition xsi:type="bpmn:tFormalExpression">go == True'
            '</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>'
            '<bpmn:userTask id="t2"/><bpmn:endEvent id="end"/>')
    procedure = deploy(body, ["start", "t1", "until", "t2", "end"],
                       [("f1", "start", "t1"), ("f2", "t1", "until"), ("f3", "until", "t2"), ("f4", "t2", "end")])
    with pytest.raises(EngineError, match="nothing to do") as failed:
        complete(WorkflowProcessor.start(procedure, {}, DEFAULT_LIMITS), "t1", {"go": False})
    assert failed.value.element_id == "until"
    step = complete(WorkflowProcessor.start(procedure, {}, DEFAULT_LIMITS), "t1", {"go": True})
    assert [t.bpmn_id for t in step.ready] == ["t2"]


def test_a_case_waiting_for_a_message_can_move():
    body = ('<bpmn:startEvent id="start"/><bpmn:userTask id="t1"/><bpmn:intermediateCatchEvent id="msg">'
            '<bpmn:messageEventDefinition messageRef="answer"/></bpmn:intermediateCatchEvent>'
            '<bpmn:userTask id="t2"/><bpmn:endEvent id="end"/>')
    procedure = deploy(body, ["start", "t1", "msg", "t2", "end"],
                       [("f1", "start", "t1"), ("f2", "t1", "msg"), ("f3", "msg", "t2"), ("f4", "t2", "end")],
                       messages=("answer",))
    step = complete(WorkflowProcessor.start(procedure, {}, DEFAULT_LIMITS), "t1")
    assert step.ready == [] and step.next_timer_at is None and not step.completed


def test_the_stored_state_is_spiffworkflows_own_serialization_less_the_specs():
    """The converter writes no spec (it is rejoined from the procedure on load) and builds none to
    throw away; everything else is exactly what SpiffWorkflow's own converter writes."""
    from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

    from workflow_app.engine.processor import SERIALIZER

    processor = WorkflowProcessor.start(two_tasks(), {"party": "某公司"}, DEFAULT_LIMITS)
    complete(processor, "t1", {"facts": ["a", "b"], "fine": 200})
    ours = SERIALIZER.to_dict(processor.workflow)
    stock = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG)).to_dict(processor.workflow)
    del stock["spec"], stock["subprocess_specs"]
    assert ours == stock and "spec" not in ours


def test_a_state_loads_to_the_same_tasks_and_data_as_with_spiffworkflows_own_task_converter():
    """The task converter's load copies each task's inherited data in one pass (no DeepMerge);
    every task comes back with the same state and the same data as SpiffWorkflow's own converter
    gives, and a task's data is its own (changing it changes no other task's)."""
    import json

    from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

    from workflow_app.engine import processor as engine

    stock = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(
        {**SPIFF_CONFIG, BpmnWorkflow: engine.SpeclessWorkflowConverter}))
    procedure = two_tasks()
    running = WorkflowProcessor.start(procedure, {"party": {"name": "某公司", "ids": [1, 2]}}, DEFAULT_LIMITS)
    complete(running, "t1", {"facts": ["a", "b"], "findings": {"x": {"result": "pass"}}, "fine": 200})
    state = running.dump()
    ours = WorkflowProcessor.load(procedure, state, DEFAULT_LIMITS).workflow
    token = engine._restoring.set(procedure)
    try:
        theirs = stock.from_dict(json.loads(state))
    finally:
        engine._restoring.reset(token)
    assert {t.id: (t.state, t.data) for t in ours.tasks.values()} == {
        t.id: (t.state, t.data) for t in theirs.tasks.values()}
    task = next(t for t in ours.tasks.values() if t.data.get("facts"))
    task.data["facts"].append("c")
    assert all(t.data.get("facts") in (None, ["a", "b"]) for t in ours.tasks.values() if t is not task)
