"""China's working-day calendar (工作日), APL Art. 85.

The "2/3/5/7 days" of the APL are working days: statutory holidays do not count and adjusted
working days (调休, a Saturday or Sunday made a working day) do. The official tables come from
the `chinese-calendar` package, which covers the years it knows; for a later year only weekends
are skipped and the result is marked provisional, to be recomputed when the State Council
publishes that year's table.
"""
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import chinese_calendar

from ..wall_clock import LOCAL_TZ  # noqa: F401 - Beijing time, where the law's days begin and end


def _table_covers(day: date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class DayCheck:
    working: bool
    provisional: bool


def check_day(day: date) -> DayCheck:
    return _year(day.year).days[day.timetuple().tm_yday - 1]


@dataclass(frozen=True)
class _Year:
    days: tuple[DayCheck, ...]
    before: tuple[int, ...]  # before[i]: working days of the year before its (i+1)-th day
    provisional: bool


@lru_cache(maxsize=64)
def _year(year: int) -> _Year:
    """One year's days, read once from the tables (chinese-calendar checks its table's bounds on
    every call, which made counting a long overdue period cost milliseconds per row)."""
    day, days = date(year, 1, 1), []
    while day.year == year:
        if _table_covers(day):
            days.append(DayCheck(chinese_calendar.is_workday(day), provisional=False))
        else:
            days.append(DayCheck(day.weekday() < 5, provisional=True))
        day += timedelta(days=1)
    before, count = [], 0
    for check in days:
        before.append(count)
        count += check.working
    return _Year(tuple(days), tuple(before), any(d.provisional for d in days))  # a table covers whole years


def working_days_between(first: date, last: date) -> tuple[int, bool]:
    """How many working days follow `first` up to and including `last`, and whether any of them
    lies in a year counted provisionally (weekends only: no official table yet)."""
    count, provisional = 0, False
    day = first + timedelta(days=1)
    for year in range(day.year, last.year + 1):
        info = _year(year)
        start = day.timetuple().tm_yday - 1 if year == day.year else 0
        end = last.timetuple().tm_yday if year == last.year else len(info.days)  # days [start, end)
        if start >= end:
            continue
        count += info.before[end - 1] + info.days[end - 1].working - info.before[start]
        provisional |= info.provisional
    return count, provisional


@dataclass(frozen=True)
class Due:
    at: datetime  # aware UTC: the end of the last day, local time
    provisional: bool


def end_of_day(day: date) -> datetime:
    """The last instant of a Beijing day, in UTC (a period or a deadline ends then)."""
    local_midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=LOCAL_TZ)
    return (local_midnight - timedelta(microseconds=1)).astimezone(UTC)


def add_working_days(start: datetime, days: int, excluded: frozenset[date] = frozenset()) -> Due:
    """The end of the `days`-th working day after the local day of `start` (that day not counted).
    Days in `excluded` (periods the law does not count, APL Art. 60) are skipped."""
    day = start.astimezone(LOCAL_TZ).date()
    provisional = False
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        check = check_day(day)
        provisional |= check.provisional
        counted += check.working and day not in excluded
    return Due(end_of_day(day), provisional)


def working_days_after(day: date, days: int) -> date:
    """The `days`-th working day after `day` (that day not counted): the last day of a period
    the law counts in working days from a recorded date."""
    return add_working_days(datetime.combine(day, time(12), tzinfo=LOCAL_TZ), days).at.astimezone(LOCAL_TZ).date()


def add_calendar_days(start: datetime, days: int, excluded: frozenset[date] = frozenset()) -> Due:
    """Calendar days; a period ending on a non-working day ends on the next working day. Days in
    `excluded` (periods the law does not count, APL Art. 60) are not counted."""
    day = start.astimezone(LOCAL_TZ).date()
    if excluded:
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            counted += day not in excluded
    else:
        day += timedelta(days=days)
    check = check_day(day)
    provisional = check.provisional
    while not check.working:
        day += timedelta(days=1)
        check = check_day(day)
        provisional |= check.provisional
    return Due(end_of_day(day), provisional)


def add_hours(start: datetime, hours: int) -> Due:
    return Due(start.astimezone(UTC) + timedelta(hours=hours), False)
