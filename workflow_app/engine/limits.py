"""How much engine work one step of a case may do, whatever its BPMN contains.

A BPMN author's script, condition, timer or loop is code written by a person who may make a
mistake. Two layers bound it:

* the language layer (scripting.py): RestrictedPython with a CPU budget per script and guards on
  operators that build huge values, so an ordinary mistake fails with a clear message naming the
  element;
* the OS layer (pool.py, worker.py): every engine step runs in a separate worker process under
  RLIMIT_CPU and RLIMIT_AS, and is killed when it outlives its wall-clock limit. Nothing a script
  does (catching the timeout, one long C call, a huge string) can hold the web process.

The same numbers are checked at deploy where the BPMN gives them as constants (a timer of
`P99999999999Y`, a loop cardinality of 50,000, a gateway fanning out to 2,000 branches).

Whatever a step leaves in a case's state must be stored and loaded again (`storable_problem`):
plain JSON values only (no NaN or infinities, no sets or bytes, text keys), integers a database
keeps exactly, and data nested no deeper than SpiffWorkflow copies and serializes it safely.
"""
import math
from dataclasses import dataclass, fields

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

from .. import wall_clock
from ..messages import tr
from .errors import bounded_text


@dataclass(frozen=True)
class EngineLimits:
    # Language layer: CPU seconds of one script or condition.
    script_cpu_seconds: float = 1.0
    # OS layer: CPU seconds and wall-clock seconds of one whole step (load, run, serialize).
    step_cpu_seconds: float = 2.0
    step_wall_seconds: float = 5.0
    # Address space a worker may grow by beyond what it has after start-up (RLIMIT_AS).
    memory_mb: int = 512
    # The serialized workflow state of one case.
    max_state_bytes: int = 2_000_000
    # Engine tasks (every kind, not only human tasks) one step may create.
    max_new_tasks: int = 1000
    # Multi-instance loop cardinality, and the outgoing flows of one gateway or task.
    max_instances: int = 200
    max_fan_out: int = 100
    # How far ahead a timer may point (a statutory period is never longer).
    max_timer_days: int = 3660
    # SpiffWorkflow loses READY tasks near a task-tree depth of 1000 (SPIFFWORKFLOW.md pitfall 3).
    max_tree_depth: int = 600
    # How deep task data may nest (each dict or list a level). SpiffWorkflow copies and
    # serializes data recursively and fails near Python's recursion limit (about 300 levels for
    # copy.deepcopy): data deeper than that could be stored but never loaded again.
    max_data_depth: int = 32

    @classmethod
    def from_config(cls, config) -> "EngineLimits":
        """ENGINE_<FIELD> keys of the Flask config override the defaults (SCRIPT_CPU_SECONDS too)."""
        values = {}
        for f in fields(cls):
            key = "SCRIPT_CPU_SECONDS" if f.name == "script_cpu_seconds" else f"ENGINE_{f.name.upper()}"
            if config.get(key) is not None:
                values[f.name] = type(f.default)(config[key])
        return cls(**values)


DEFAULT_LIMITS = EngineLimits()


# -- values that steer the engine itself ------------------------------------------------------------
_DAYS_PER = {"years": 366, "months": 31, "weeks": 7, "days": 1, "hours": 1 / 24, "minutes": 1 / 1440,
             "seconds": 1 / 86400}
TIMER_KINDS = {"timeDuration": "duration", "timeDate": "date", "timeCycle": "cycle"}


class LimitExceeded(ValueError):
    """A value the engine would act on is malformed or beyond the limits."""


def _duration_days(text: str) -> float:
    try:
        parsed = TimerEventDefinition.parse_iso_duration(text)
    except Exception:  # noqa: BLE001 - SpiffWorkflow raises a bare Exception
        raise LimitExceeded(tr("%(value)s is not an ISO 8601 duration such as 'P5D' or 'PT24H'",
                               value=repr(text[:80]))) from None
    return sum(float(v) * _DAYS_PER[k] for k, v in parsed.items() if k in _DAYS_PER)


def _date_days_ahead(text: str) -> float:
    try:
        when = TimerEventDefinition.get_datetime(text)
    except Exception:  # noqa: BLE001
        raise LimitExceeded(tr("%(value)s is not an ISO 8601 date-time such as '2026-12-01T09:00:00+08:00'",
                               value=repr(text[:80]))) from None
    return (when - wall_clock.utcnow()).total_seconds() / 86400


def check_timer_value(kind: str, value, limits: EngineLimits) -> None:
    """A timer's evaluated value: an ISO 8601 string the engine can act on within the limits.

    SpiffWorkflow walks a duration month by month, outside any script budget: `P99999999999Y`
    would never return. So the bound is checked here, before SpiffWorkflow parses the value.
    """
    if not isinstance(value, str):
        raise LimitExceeded(tr("a timer must give an ISO 8601 text, not %(type)s", type=type(value).__name__))
    text = value.strip()
    if len(text) > 100:
        raise LimitExceeded(tr("a timer value is at most %(max)d characters", max=100))
    too_far = tr("the timer points more than %(days)d days ahead", days=limits.max_timer_days)
    if kind == "duration":
        if _duration_days(text) > limits.max_timer_days:
            raise LimitExceeded(too_far)
    elif kind == "date":
        if _date_days_ahead(text) > limits.max_timer_days:
            raise LimitExceeded(too_far)
    else:  # cycle: R<n>/<start or duration>[/<end or duration>]
        parts = text.upper().replace("--", "/").split("/")
        if len(parts) not in (2, 3) or not parts[0].startswith("R") or not (parts[0][1:] or "0").isdigit():
            raise LimitExceeded(tr("%(value)s is not an ISO 8601 repeating interval such as 'R3/P1D'",
                                   value=repr(text[:80])))
        if not any(p.startswith("P") for p in parts[1:]):
            raise LimitExceeded(tr("%(value)s has no duration", value=repr(text[:80])))
        for part in parts[1:]:
            days = _duration_days(part) if part.startswith("P") else _date_days_ahead(part)
            if days > limits.max_timer_days:
                raise LimitExceeded(too_far)


def check_cardinality(value, limits: EngineLimits) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise LimitExceeded(tr("a loop cardinality must be a whole number, not %(type)s", type=type(value).__name__))
    if not 0 <= value <= limits.max_instances:
        raise LimitExceeded(tr("a loop cardinality must be between 0 and %(max)d; got %(value)s",
                               max=limits.max_instances, value=bounded_text(value, 40)))


def check_runtime_value(task_spec, expression: str, value, limits: EngineLimits) -> None:
    """Called with every evaluated expression: the ones that drive a timer or a multi-instance
    loop are checked before SpiffWorkflow acts on them."""
    if getattr(task_spec, "cardinality", None) == expression:
        check_cardinality(value, limits)
    event = getattr(task_spec, "event_definition", None)
    if event is not None and getattr(event, "expression", None) == expression:
        for cls, kind in ((DurationTimerEventDefinition, "duration"), (TimeDateEventDefinition, "date"),
                          (CycleTimerEventDefinition, "cycle")):
            if isinstance(event, cls):
                check_timer_value(kind, value, limits)


# -- what a case's state may hold ----------------------------------------------------------------------
# The largest integer stored exactly by every place a value may go (a 64-bit database integer,
# SQLite's JSON functions); Python itself would write 4,300 digits and refuse more.
MAX_STORED_INT = 2**63 - 1
_LEAVES = frozenset((str, bool, type(None)))


def storable_problem(value, max_depth: int, reserved_key: str | None = None,
                     reserved_allowed: frozenset = frozenset(), depth: int = 1, max_values: int | None = None):
    """Why `value` cannot be stored as JSON and loaded back as the same value, or None.

    Plain JSON only: dicts with text keys, lists (tuples come back as lists), text, booleans,
    None, finite floats and integers within MAX_STORED_INT, nested at most `max_depth` levels
    (the value itself is level `depth`: 1, or less when the value wraps the data in levels of its
    own, as a serialized workflow does). `reserved_key`: a dict carrying it is read back by the engine's
    serializer as one of its own objects (SpiffWorkflow's "typename"), so only the values in
    `reserved_allowed` may appear there. Walks without recursion, however deep the value is.
    `max_values`: how many values it may hold, each counted every time it is referenced, as JSON
    writes it (a list holding itself a thousand times, a thousand times over, is small in memory
    and a billion values in JSON): the walk stops there instead of writing them.
    """
    todo = [(value, depth, None)]
    seen = 0
    while todo:
        item, depth, name = todo.pop()
        kind = type(item)
        if kind is str or kind is bool or item is None or isinstance(item, str):
            continue
        if depth > max_depth:
            return tr("%(name)s nests more than %(limit)d levels deep", name=_where(name), limit=max_depth)
        if kind is dict or kind is list or kind is tuple:
            seen += 1 + len(item)  # the container and what it holds, its leaves too: JSON writes each
            if max_values is not None and seen > max_values:
                return tr("%(name)s holds more than %(limit)d values (each counted as often as it is referenced)",
                          name=_where(name), limit=max_values)
        if kind is int:
            if abs(item) > MAX_STORED_INT:
                return tr("%(name)s holds a whole number beyond %(limit)s", name=_where(name), limit="2**63 - 1")
        elif kind is float:
            if not math.isfinite(item):
                return tr("%(name)s holds %(value)s, which is not a JSON number", name=_where(name),
                          value=repr(item))
        elif kind is dict:
            for key, child in item.items():
                if type(key) is not str:
                    return tr("%(name)s has a key that is not text: %(key)s", name=_where(name),
                              key=bounded_text(repr(key), 60))
                if type(child) not in _LEAVES:  # text, booleans and None are fine at any depth
                    todo.append((child, depth + 1, key))
            if reserved_key is not None and reserved_key in item and item[reserved_key] not in reserved_allowed:
                return tr("%(name)s has the key %(key)s, which the engine reserves for its own objects",
                          name=_where(name), key=repr(reserved_key))
        elif kind is list or kind is tuple:
            todo.extend((child, depth + 1, name) for child in item if type(child) not in _LEAVES)
        else:
            return tr("%(name)s holds a %(type)s, which is not a JSON value", name=_where(name), type=kind.__name__)
    return None


def _where(name):
    """The value a problem is in, by its key (built only when there is a problem)."""
    return repr(name) if name is not None else tr("the data")
