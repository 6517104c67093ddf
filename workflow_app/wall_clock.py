"""The current time, read in one place: every part of the app asks this module for "now" and
"today", never `datetime.now`, `date.today` or `time.time` (models.types.utcnow is this `utcnow`).

The clock can be pinned, so that the app and its tests run "as of" a chosen day: a deadline that
ends on a Saturday, the New Year into a year without an official holiday table, the Spring
Festival.

* `ZHIFAFLOW_CLOCK=2026-12-06T10:00:00+08:00` (an ISO 8601 date-time with its offset, or a date:
  its 10:00 in Beijing) starts the clock at that instant when this module is imported, in every
  process of the app (web server, CLI, worker); it then runs on at the real pace, like
  libfaketime's "start at" mode, so timers still fall due and rows still get ordered times. A
  process started later gets the clock where it stands (`environment()`), not where it began.
* `set_now` / `advance` move a running process's clock (tests); `frozen` holds it at one instant
  for a block: an engine step runs at the instant the service gave it (engine/timing.py).

Only the clock of dates and deadlines is pinned: time spent (timeouts, CPU budgets, the login
limit's windows, which the `limits` package keeps in real seconds) stays on the real clocks.
"""
import contextlib
import contextvars
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ENV = "ZHIFAFLOW_CLOCK"
# Beijing time, the time of the law's days (also oversight.calendar.LOCAL_TZ).
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# A date given alone is read as this time of its day: well inside the day whichever way a test
# runs (a suite of minutes does not cross midnight).
DEFAULT_TIME = time(10, 0)

_offset = timedelta(0)  # the pinned clock minus the real one; 0 when not pinned
_pinned = False
_frozen: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("frozen_now", default=None)


def parse(text: str) -> datetime:
    """An instant from ZHIFAFLOW_CLOCK's text: a date-time with its offset, or a date (its 10:00 in
    Beijing). Raises ValueError naming the variable otherwise."""
    text = text.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), DEFAULT_TIME, LOCAL_TZ).astimezone(UTC)
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{ENV}={text!r} is not an ISO 8601 date or date-time such as "
                         "2026-12-06T10:00:00+08:00") from None
    if at.tzinfo is None:
        raise ValueError(f"{ENV}={text!r} has no UTC offset (write e.g. 2026-12-06T10:00:00+08:00)")
    return at.astimezone(UTC)


def utcnow() -> datetime:
    """Now, timezone-aware UTC."""
    frozen = _frozen.get()
    if frozen is not None:
        return frozen
    return datetime.now(UTC) + _offset


def local_now() -> datetime:
    """Now in Beijing time."""
    return utcnow().astimezone(LOCAL_TZ)


def local_today() -> date:
    """Today's date in Beijing (the day the law counts in)."""
    return local_now().date()


def is_pinned() -> bool:
    return _pinned


def set_now(at: datetime | None) -> None:
    """Move this process's clock to `at` (aware), from where it runs on; None: the real clock."""
    global _offset, _pinned
    if at is None:
        _offset, _pinned = timedelta(0), False
        return
    if at.tzinfo is None:
        raise ValueError("the clock needs an aware datetime")
    _offset, _pinned = at - datetime.now(UTC), True


def advance(delta: timedelta) -> None:
    """Move this process's clock forward (or back) by `delta`."""
    global _offset, _pinned
    _offset, _pinned = _offset + delta, True


def saved() -> tuple[timedelta, bool]:
    """This process's clock setting, for `restore` (a test moves the clock, then puts it back)."""
    return _offset, _pinned


def restore(setting: tuple[timedelta, bool]) -> None:
    global _offset, _pinned
    _offset, _pinned = setting


@contextlib.contextmanager
def frozen(at: datetime) -> Iterator[datetime]:
    """Within the block (this thread or task), now is exactly `at`."""
    if at.tzinfo is None:
        raise ValueError("the clock needs an aware datetime")
    token = _frozen.set(at.astimezone(UTC))
    try:
        yield at
    finally:
        _frozen.reset(token)


def environment() -> dict[str, str]:
    """The variable that gives a process started now this process's clock ({} when not pinned)."""
    return {ENV: utcnow().isoformat()} if _pinned else {}


def describe() -> str:
    """One line for logs and test headers: which clock, and today's date by it."""
    kind = f"pinned by {ENV}" if _pinned else "real"
    return f"clock: {kind}; now {local_now().isoformat(timespec='seconds')} (Beijing)"


def _from_environment() -> str | None:
    """Pins the clock from ZHIFAFLOW_CLOCK; gives the error when its value is not an instant
    (create_app refuses to start with it: config.ConfigurationError)."""
    if os.environ.get(ENV, "").strip():
        try:
            set_now(parse(os.environ[ENV]))
        except ValueError as err:
            return str(err)
    return None


environment_error = _from_environment()
