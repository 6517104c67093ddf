"""The one wrapper around a running SpiffWorkflow instance (the only module, with specs.py and
scripting.py, that touches SpiffWorkflow objects).

State is serialized without `spec`/`subprocess_specs` (pitfall 5): the converter below drops
them on the way out and takes them from the procedure cache on the way in, so a case stores only
its own tasks and data. The restricted script engine is re-attached after every load (pitfall 2).

Every step ends in `result()`, whatever it was (opening a case, completing a task, a message, the
timers, a move to another version), and `result()` accepts the step only when the case can go on:
its state is plain JSON that loads again (`dump`), and it is ended, has a ready human task, or
waits for a timer the worker can read or a message (`stranded_at`). Otherwise the step fails like
any other engine error, and the case stays as it was.
"""
import contextvars
import functools
import json
from copy import copy, deepcopy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import VERSION, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition as BpmnMessageDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from ..messages import tr
from .errors import EngineError, NotWaiting, ScriptError, TaskNotReady, bounded_text
from .limits import EngineLimits, storable_problem
from .scripting import RestrictedScriptEngine, describe_error
from .specs import Procedure

_restoring: contextvars.ContextVar[Procedure] = contextvars.ContextVar("restoring")


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """BpmnWorkflowConverter without the specs: they come from the procedure being restored."""

    def to_dict(self, workflow):
        # Mirrors BpmnWorkflowConverter.to_dict (SpiffWorkflow 3.2) without the specs: converting
        # them to be thrown away was a third of the serialization.
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        # Mirrors BpmnWorkflowConverter.from_dict (SpiffWorkflow 3.2) with the specs rejoined.
        procedure = _restoring.get()
        workflow = self.target_class(procedure.spec, dict(procedure.subprocess_specs), deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], task_uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(task_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_MUTABLE = (dict, list, set)


@functools.lru_cache(maxsize=16384)
def task_uuid(text: str) -> UUID:
    """UUID(text), once per text: a loaded state names each task three times (its id, its
    children's parent, its parent's child list), and a UUID is immutable, so one object serves
    every mention, in this state and the next step's."""
    return UUID(text)


class FastTaskConverter(TaskConverter):
    """TaskConverter whose load copies the parent's data as DeepMerge.merge({}, data) does (each
    value shallow-copied if it is a dict, list or set) in one pass: DeepMerge's general merge was a
    quarter of every load, and a step loads the state twice (to run, and to prove it loads)."""

    def from_dict(self, dct, workflow):
        # Mirrors TaskConverter.from_dict (SpiffWorkflow 3.2) with the merge into {} inlined.
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=task_uuid(dct["id"]))
        task._parent = task_uuid(dct["parent"]) if dct["parent"] is not None else None
        task._children = [task_uuid(child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = self.registry.restore(dct["internal_data"])
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            task.workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        if delta and task.parent is not None:
            data = {key: copy(value) if isinstance(value, _MUTABLE) else value
                    for key, value in task.parent.data.items()}
            data.update(self.registry.restore(delta.get("updates", {})))
            for key in delta.get("deletions", {}):
                if key in data:
                    del data[key]
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        return task


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)  # converters for the Spiff task specs too (used to diff versions)
    config[BpmnWorkflow] = SpeclessWorkflowConverter
    config[Task] = FastTaskConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


SERIALIZER = _make_serializer()
SERIALIZER_VERSION = VERSION
# The dicts SpiffWorkflow's serializer reads back as its own objects carry "typename".
_TYPENAMES = frozenset(SERIALIZER.registry.convert_from_dict)
# Rounds of refresh_timers + do_engine_steps in one step: a timer that falls due while the
# engine runs becomes READY only at the end of do_engine_steps (SPIFFWORKFLOW.md pitfall 4).
_ADVANCE_ROUNDS = 10


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")


# What json.loads(parse_constant=_not_json) and json.dumps(...) make at every call, made once.
_STRICT_DECODER = json.JSONDecoder(parse_constant=_not_json)
_STATE_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True)
class HumanTask:
    engine_task_id: str
    bpmn_id: str
    name: str
    lane: str | None


@dataclass(frozen=True)
class StepResult:
    """What one engine step gives back to the service: the new state and what it means."""

    state: str
    ready: list[HumanTask]
    # (bpmn_id, milestone, status, closes) reached during the step, as the BPMN declares them
    milestones: list[tuple[str, str, str, bool]]
    completed: bool
    next_timer_at: datetime | None
    changes: dict  # field -> {old, new} of the submitted form
    # each decision table a business rule task evaluated during the step, in order
    # (engine/decisions.py `evaluation`): the case's trace records them
    decisions: list[dict] = field(default_factory=list)


class WorkflowProcessor:
    """One case's workflow instance for the length of one engine step (in an engine worker)."""

    def __init__(self, procedure: Procedure, workflow: BpmnWorkflow, limits: EngineLimits):
        self.procedure = procedure
        self.workflow = workflow
        self.limits = limits
        self.workflow.script_engine = RestrictedScriptEngine(limits)
        self.reloaded: WorkflowProcessor | None = None  # set by dump()

    def with_limits(self, limits: EngineLimits) -> "WorkflowProcessor":
        """This workflow under `limits` (a fresh script engine), as `load` would give it."""
        return WorkflowProcessor(self.procedure, self.workflow, limits)

    # -- life cycle ---------------------------------------------------------------------------
    @classmethod
    def start(cls, procedure: Procedure, data: dict, limits: EngineLimits) -> "WorkflowProcessor":
        try:
            wf = BpmnWorkflow(procedure.spec, procedure.subprocess_specs,
                              script_engine=RestrictedScriptEngine(limits))
        except Exception as err:  # noqa: BLE001 - SpiffWorkflow raises plain exceptions for broken specs
            raise EngineError(tr("the procedure cannot start: %(reason)s", reason=describe_error(err))) from None
        wf.data.update(data)
        start = wf.get_tasks(state=TaskState.READY)
        for task in start:
            task.data.update(data)
        processor = cls(procedure, wf, limits)
        processor._advance()
        return processor

    @classmethod
    def load(cls, procedure: Procedure, state: str, limits: EngineLimits,
             strict: bool = False) -> "WorkflowProcessor":
        """The stored state, with its specs rejoined. `strict`: refuse NaN and Infinity, as `dump`
        does when it proves a new state loads again. A state stored before that check may hold
        them: it still loads, and its steps are refused naming the value until it is corrected."""
        token = _restoring.set(procedure)
        try:
            dct = _STRICT_DECODER.decode(state) if strict else json.loads(state)
            SERIALIZER.migrate(dct)
            wf = SERIALIZER.from_dict(dct)
        finally:
            _restoring.reset(token)
        return cls(procedure, wf, limits)

    def dump(self) -> str:
        """The state to store, once it is known to load again: a step that would leave anything
        else (NaN, a set, data nested too deep, a key SpiffWorkflow would misread) fails here,
        whichever step it is, and the case keeps the state it had."""
        try:
            dct = SERIALIZER.to_dict(self.workflow)
        except RecursionError:
            raise EngineError(tr("the case's data nests too deeply to be stored")) from None
        except Exception as err:  # noqa: BLE001 - SpiffWorkflow's registry raises whatever a value raises
            raise EngineError(tr("the case's state cannot be stored: %(reason)s", reason=describe_error(err))) from None
        dct[SERIALIZER.VERSION_KEY] = SERIALIZER_VERSION
        problem = _state_problem(dct, self.limits.max_data_depth)
        if problem:
            raise EngineError(tr("the step would leave data the case cannot store: %(problem)s", problem=problem))
        try:
            state = _STATE_ENCODER.encode(dct)
            size = len(state.encode("utf-8"))
        except (TypeError, ValueError, RecursionError) as err:  # UnicodeEncodeError is a ValueError
            raise EngineError(tr("the case's state cannot be stored: %(reason)s", reason=describe_error(err))) from None
        if size > self.limits.max_state_bytes:
            raise EngineError(tr("the case's workflow state would be %(size)d bytes; the limit is %(limit)d (too "
                                 "much data kept in the procedure's variables)", size=size,
                                 limit=self.limits.max_state_bytes))
        try:
            # Kept: exactly what loading `state` gives, so the worker can start the case's next
            # step from it instead of loading the same state again (worker.py, RecentStates).
            self.reloaded = WorkflowProcessor.load(self.procedure, state, self.limits, strict=True)
        except Exception as err:  # noqa: BLE001 - whatever stops the next step from loading it
            raise EngineError(tr("the case's state would not load again: %(reason)s",
                                 reason=describe_error(err))) from None
        return state

    def result(self, completed_before: set[str], changes: dict | None = None) -> StepResult:
        ready = self.ready_human_tasks()
        next_timer_at = self.next_timer_at()
        if not ready:
            stuck, element = self.stranded_at()
            if stuck:
                raise EngineError(tr("the step would leave the case with nothing to do: no step is ready, and it "
                                     "waits for no timer and no message"), element)
        return StepResult(self.dump(), ready, self.reached_milestones(completed_before),
                          self.is_completed(), next_timer_at, changes or {},
                          list(getattr(self.workflow.script_engine, "decisions", [])))

    # -- queries ------------------------------------------------------------------------------
    def ready_human_tasks(self) -> list[HumanTask]:
        return [
            HumanTask(str(t.id), t.task_spec.bpmn_id, t.task_spec.bpmn_name or t.task_spec.bpmn_id,
                      self.procedure.task_specs.get(t.task_spec.bpmn_id, {}).get("lane"))
            for t in self.workflow.get_tasks(state=TaskState.READY, manual=True)
        ]

    def completed_task_ids(self) -> set[str]:
        return {str(t.id) for t in self.workflow.get_tasks(state=TaskState.COMPLETED)}

    def reached_milestones(self, since_completed: set[str]) -> list[tuple[str, str, str, bool]]:
        """(bpmn_id, milestone, status, closes) of tasks completed since `since_completed` was taken,
        in the order they were reached (the last one sets the case's status): not the tree's order,
        in which a branch's end can come before a boundary timer that fired first in the same step."""
        reached = []
        for task in self.workflow.get_tasks(state=TaskState.COMPLETED):
            if str(task.id) in since_completed:
                continue
            meta = self.procedure.task_specs.get(task.task_spec.bpmn_id)
            if meta and meta.get("milestone"):
                reached.append((task.last_state_change, (task.task_spec.bpmn_id, meta["milestone"], meta["status"],
                                                         meta["closes"])))
        return [milestone for _, milestone in sorted(reached, key=lambda r: r[0])]

    def is_completed(self) -> bool:
        return self.workflow.is_completed()

    def next_timer_at(self) -> datetime | None:
        """When the earliest timer the case waits for falls due (the timer worker's index).

        Read from the waiting tasks themselves, not from `waiting_events()`: an event-based gateway
        waits as one task whose event is a MultipleEventDefinition, and SpiffWorkflow gives no
        time for it there, though its timer has one. A timer with no time the worker can read would
        never fire: the step that reaches it fails instead."""
        times = []
        for task in self._waiting_tasks():
            if not _timers_of(task.task_spec.event_definition):
                continue
            due = _timer_due(task)
            if due is None:
                raise EngineError(tr("the timer has no due time the timer worker can read (%(value)s)",
                                     value=bounded_text(repr(task._get_internal_data("event_value")), 80)),
                                  task.task_spec.bpmn_id)
            times.append(due)
        return min(times) if times else None

    def stranded_at(self) -> tuple[bool, str | None]:
        """(True, element) when the case could never move again: not ended, and no human task is
        ready, no timer will fire, no message can arrive (what remains waits for a signal nobody
        sends, a condition no step can change, a branch that never comes). The element is where it
        waits, when one can be named."""
        if self.workflow.is_completed() or self.workflow.get_tasks(state=TaskState.READY, manual=True):
            return False, None
        waiting = self._waiting_tasks()
        for task in waiting:
            definition = task.task_spec.event_definition
            if _timers_of(definition) or _messages_of(definition):
                return False, None
        named = [t.task_spec.bpmn_id for t in waiting if t.task_spec.bpmn_id]
        if not named:
            named = [t.task_spec.bpmn_id for t in self.workflow.get_tasks(state=TaskState.WAITING | TaskState.STARTED)
                     if t.task_spec.bpmn_id]
        return True, (named[0] if named else None)

    def waiting_messages(self) -> list[str]:
        """The names of the messages the instance waits for now (what `message` would accept),
        in the main process and every subprocess: the case page offers those it may send."""
        return sorted({d.name for t in self._waiting_tasks() for d in _messages_of(t.task_spec.event_definition)})

    def _waiting_tasks(self) -> list:
        """The tasks waiting for an event, in the main process and every subprocess."""
        return list(self.workflow.event_manager.tasks.values())

    # -- moving to another version of the procedure -----------------------------------------
    def migration_blockers(self, target: Procedure) -> list[str]:
        """Why this instance cannot move to `target` (empty when it can).

        Every step the case has reached (completed, started, ready or waiting) must exist in the
        target with the same BPMN id and the same kind of task. SpiffWorkflow's diff would also
        align a reached step with a differently named or different kind of step in the same
        position (a ready user task turning into a script task); for a legal record that is never
        acceptable, so such an alignment blocks the move. Steps not reached yet may change freely.
        """
        top, subs = diff_workflow(SERIALIZER.registry, self.workflow, target.spec, target.subprocess_specs)
        blockers = _reached_step_blockers(top, None)
        for sp_id, sp_diff in subs.items():
            subprocess = self.workflow.subprocesses[sp_id]
            if sp_diff is None:
                blockers.append(tr("subprocess %(subprocess)s does not exist in the new version",
                                   subprocess=subprocess.spec.name))
            else:
                blockers += _reached_step_blockers(sp_diff, subprocess.spec.name)
        return blockers

    def migrate_to(self, target: Procedure) -> None:
        """Re-point every task at the target's specs and re-predict what is not done yet."""
        top, subs = diff_workflow(SERIALIZER.registry, self.workflow, target.spec, target.subprocess_specs)
        migrate_workflow(top, self.workflow, target.spec)
        for sp_id, sp_diff in subs.items():
            subprocess = self.workflow.subprocesses[sp_id]
            migrate_workflow(sp_diff, subprocess, target.subprocess_specs[subprocess.spec.name])
        self.workflow.subprocess_specs = dict(target.subprocess_specs)
        self.procedure = target
        self._advance()

    # -- the one state change -----------------------------------------------------------------
    def complete(self, engine_task_id: str, data: dict) -> dict:
        """Run a READY human task with the submitted form data and advance the workflow.

        Pitfall 1: `task.run()` checks nothing, so the state and kind are checked here too (the
        service already checked permission and the projection).
        """
        try:
            task = self.workflow.get_task_from_id(UUID(engine_task_id))
        except (SpiffWorkflowException, ValueError, KeyError):
            task = None
        if task is None or not task.task_spec.manual:
            raise EngineError(tr("no such human task in this case"))
        if task.state != TaskState.READY:
            raise TaskNotReady(tr("task %(task)s is %(state)s, not READY", task=task.task_spec.bpmn_id,
                                  state=TaskState.get_name(task.state)), task.task_spec.bpmn_id)
        before = dict(task.data)
        task.set_data(**data)
        changes = {k: {"old": before.get(k), "new": v} for k, v in data.items() if before.get(k) != v}
        tasks_before = len(self.workflow.tasks)
        try:
            task.run()
        except (SpiffWorkflowException, ScriptError) as err:
            raise _engine_error(err, task.task_spec.bpmn_id) from None
        except Exception as err:  # noqa: BLE001 - SpiffWorkflow raises plain exceptions too
            raise EngineError(describe_error(err), task.task_spec.bpmn_id) from None
        self._advance(tasks_before)
        return changes

    def message(self, name: str, data: dict | None = None) -> None:
        """Deliver a message the process waits for (the start event of a non-interrupting event
        subprocess: an ad-hoc step the officer starts while the case is open; or a catch event:
        the party's reply, a judicial organ's answer) with its data, and advance. A process not
        waiting for it (ended, or never listening) refuses it (NotWaiting)."""
        tasks_before = len(self.workflow.tasks)
        # The data becomes the process's variables where the catching element names no variable
        # of its own (spiffworkflow:messageVariable): SpiffWorkflow 3.2 would keep it in the
        # element's internal data and drop it. Given to the element before it catches, it goes on
        # with the element's data to what follows.
        for task in self._waiting_tasks():
            if any(d.name == name and getattr(d, "message_var", None) is None
                   for d in _messages_of(task.task_spec.event_definition)):
                task.data.update(deepcopy(dict(data or {})))
        try:
            self.workflow.send_event(BpmnEvent(MessageEventDefinition(name), dict(data or {})))
        except SpiffWorkflowException:
            raise NotWaiting(tr("the procedure is not waiting for the message %(message)s now",
                                message=bounded_text(repr(name), 120))) from None
        self._advance(tasks_before)

    def fire_timers(self) -> None:
        """Let the timers that are due fire and advance (the timer worker: services/cases/timers.py)."""
        self._advance()

    def _advance(self, tasks_before: int | None = None):
        tasks_before = len(self.workflow.tasks) if tasks_before is None else tasks_before
        try:
            for _ in range(_ADVANCE_ROUNDS):
                self.workflow.refresh_timers()
                self.workflow.do_engine_steps()
                if all(t.task_spec.manual for t in self.workflow.get_tasks(state=TaskState.READY)):
                    break
        except (SpiffWorkflowException, ScriptError) as err:
            raise _engine_error(err, None) from None
        except EngineError:
            raise
        except Exception as err:  # noqa: BLE001
            raise EngineError(describe_error(err)) from None
        created = len(self.workflow.tasks) - tasks_before
        if created > self.limits.max_new_tasks:
            raise EngineError(tr("one step created %(count)d engine tasks; the limit is %(limit)d", count=created,
                                 limit=self.limits.max_new_tasks))
        if self.tree_depth() > self.limits.max_tree_depth:
            raise EngineError(tr("the case's task tree is deeper than %(limit)d levels: a loop in the procedure has "
                                 "been taken too many times", limit=self.limits.max_tree_depth))

    def tree_depth(self) -> int:
        depth, level = 0, [self.workflow.task_tree]
        while level:
            depth += 1
            level = [child for task in level for child in task.children]
        return depth


def _state_problem(dct: dict, max_depth: int):
    """Why a serialized workflow could not be stored and loaded again (limits.storable_problem over
    everything it holds), or None. Depth counts from the data of each task and workflow, as a
    script's data does: a task is level 0, its data level 1 (SpiffWorkflow 3.2 stores a task's data
    as a delta, {"updates": {...}, "deletions": [...]}: the updates are level 1 too), whether it is
    in the main process or a subprocess."""
    for workflow in (dct, *dct.get("subprocesses", {}).values()):
        for key, value in workflow.items():
            if key == "subprocesses":
                continue
            if key == "tasks":
                for task in value.values():
                    delta = task.get("delta")
                    parts = [({k: v for k, v in task.items() if k != "delta"}, 0)]
                    if isinstance(delta, dict):
                        parts += [(delta.get("updates"), 1), (delta.get("deletions"), 1)]
                    else:
                        parts.append((delta, 1))
                    for part, depth in parts:
                        problem = storable_problem(part, max_depth, "typename", _TYPENAMES, depth=depth)
                        if problem:
                            return problem
            else:
                problem = storable_problem(value, max_depth, "typename", _TYPENAMES)
                if problem:
                    return problem
    return None


def _timers_of(definition) -> list:
    """The timers of an event definition: itself, or those of an event-based gateway's events."""
    if isinstance(definition, TimerEventDefinition):
        return [definition]
    return [d for d in getattr(definition, "event_definitions", None) or [] if isinstance(d, TimerEventDefinition)]


def _messages_of(definition) -> list:
    if isinstance(definition, BpmnMessageDefinition):
        return [definition]
    return [d for d in getattr(definition, "event_definitions", None) or [] if isinstance(d, BpmnMessageDefinition)]


def _timer_due(task) -> datetime | None:
    """When a waiting timer fires, read as SpiffWorkflow reads it (3.2: `event_value` in the task's
    internal data: an ISO text, or for a cycle a dict with the next time)."""
    value = task._get_internal_data("event_value")
    if isinstance(value, dict):
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        when = TimerEventDefinition.parse_time_or_duration(value)
    except Exception:  # noqa: BLE001 - SpiffWorkflow raises bare exceptions for bad values
        return None
    return when.astimezone(UTC) if isinstance(when, datetime) else None


_REACHED = TaskState.FINISHED_MASK | TaskState.STARTED | TaskState.READY | TaskState.WAITING


def _reached_step_blockers(diff, subprocess: str | None) -> list[str]:
    def step(bpmn_id: str) -> str:
        return tr("%(step)s of %(subprocess)s", step=bpmn_id, subprocess=subprocess) if subprocess else bpmn_id

    blockers = []
    for task, new_spec in diff.alignment.items():
        old_spec = task.task_spec
        if not (task.state & _REACHED) or old_spec.bpmn_id is None:
            continue
        if new_spec is None:
            blockers.append(tr("step %(step)s (%(state)s) does not exist in the new version",
                               step=step(old_spec.bpmn_id), state=TaskState.get_name(task.state)))
        elif new_spec.bpmn_id != old_spec.bpmn_id or type(new_spec) is not type(old_spec):
            blockers.append(tr("step %(step)s (%(state)s) would become %(new)s (%(kind)s)",
                               step=step(old_spec.bpmn_id), state=TaskState.get_name(task.state),
                               new=new_spec.bpmn_id or new_spec.name, kind=type(new_spec).__name__))
    for task in diff.removed:
        if task.state & _REACHED and task.task_spec.bpmn_id and task not in diff.alignment:
            blockers.append(tr("step %(step)s does not exist in the new version", step=step(task.task_spec.bpmn_id)))
    return blockers


def _engine_error(err: Exception, bpmn_id: str | None) -> EngineError:
    task = getattr(err, "task", None)
    element = bpmn_id
    if task is not None and getattr(task.task_spec, "bpmn_id", None):
        element = task.task_spec.bpmn_id
    elif getattr(err, "task_spec", None) is not None:
        element = getattr(err.task_spec, "bpmn_id", None) or element
    inner = getattr(err, "exception", None)
    # A script's failure keeps its Text (ScriptFailed.text; SpiffWorkflow keeps only a str), our
    # own ScriptError is one; SpiffWorkflow's words are English, framed by services/cases.
    message = getattr(err, "text", None) or (bounded_text(err.args[0]) if err.args else type(err).__name__)
    if inner is not None:
        inner_text = bounded_text(inner)
        if inner_text not in message:
            message = tr("%(message)s: %(detail)s", message=message, detail=inner_text)
    return EngineError(message, element)
