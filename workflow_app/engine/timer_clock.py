"""SpiffWorkflow's timers read the app's clock (wall_clock), not the system's.

SpiffWorkflow's timer module calls `datetime.now(timezone.utc)` itself (SPIFFWORKFLOW.md pitfall 4):
when a duration timer starts (its due time) and when timers are refreshed (whether one is due).
That module's `datetime` is replaced, once, by a subclass whose `now()` is `wall_clock.utcnow()`;
and each engine step runs frozen at the instant the service gave it (`step_at`), so a step in an
engine worker process sees the service's now: pinned or not, and the same for every timer of
the step.
"""
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

from .. import wall_clock


class _AppClockDatetime(datetime):
    """datetime whose now() is the app's clock; every other method is datetime's."""

    @classmethod
    def now(cls, tz=None):
        now = wall_clock.utcnow()
        return now.astimezone(tz) if tz is not None else now.astimezone().replace(tzinfo=None)


_spiff_timer.datetime = _AppClockDatetime


def step_at(payload: dict):
    """The block of one engine step: now is the instant in `payload["now"]` (an aware datetime,
    set by services.procedures.run_engine_step), else the app's clock as it reads at the start."""
    at = payload.get("now")
    return wall_clock.frozen(at if isinstance(at, datetime) else wall_clock.utcnow())
