"""China's working-day calendar (工作日), APL Art. 85.

The "2/3/5/7 days" of the APL are working days: statutory holidays do not count and adjusted
working days (调休, a Saturday or Sunday made a working day) do. The official tables come from
the `chinese-calendar` package, which covers the years it knows; for a later year only weekends
are skipped and the result is marked provisional, to be recomputed when the State Council
publishes that year's table.
"""
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


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
    if _table_covers(day):
        return DayCheck(chinese_calendar.is_workday(day), provisional=False)
    return DayCheck(day.weekday() < 5, provisional=True)


@dataclass(frozen=True)
class Due:
    at: datetime  # aware UTC: the end of the last day, local time
    provisional: bool


def _end_of_local_day(day: date) -> datetime:
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
    return Due(_end_of_local_day(day), provisional)


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
    return Due(_end_of_local_day(day), provisional)


def add_hours(start: datetime, hours: int) -> Due:
    return Due(start.astimezone(UTC) + timedelta(hours=hours), False)
