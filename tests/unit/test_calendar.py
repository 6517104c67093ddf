"""Working days with China's statutory holidays and 调休 (APL Art. 85).

Known years are tested with fixed dates from their official tables; the behaviour for a year the
installed chinese-calendar has no table for is tested in a year computed from the app's clock
(ZHIFAFLOW_CLOCK pins it), so the suite holds whichever day it runs as of and whichever release is
installed.
"""
from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest

from workflow_app.oversight.calendar import LOCAL_TZ, add_calendar_days, add_working_days
from workflow_app.oversight.deadlines import DeadlineSyntaxError, parse_deadline
from workflow_app.wall_clock import local_today

pytestmark = pytest.mark.dates


def local(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=LOCAL_TZ).astimezone(UTC)


def local_day(due):
    return due.at.astimezone(LOCAL_TZ).date().isoformat()


def test_working_days_skip_the_national_day_holiday():
    due = add_working_days(local(2026, 9, 30), 1)
    assert local_day(due) == "2026-10-08" and not due.provisional


def test_an_adjusted_saturday_counts_as_a_working_day():
    assert local_day(add_working_days(local(2026, 10, 9), 1)) == "2026-10-10"


def test_mid_autumn_festival_is_not_a_working_day():
    assert local_day(add_working_days(local(2026, 9, 24), 1)) == "2026-09-28"


def test_a_deadline_ends_at_local_midnight():
    due = add_working_days(local(2026, 11, 25), 7)
    assert due.at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") == "2026-12-04 23:59"


def first_year_without_a_table() -> int:
    """The first year, from this one on, that the installed chinese-calendar has no table for."""
    year = local_today().year
    while True:
        try:
            chinese_calendar.is_workday(date(year, 7, 1))
        except NotImplementedError:
            return year
        year += 1


def first_weekday(year: int, month: int, weekday: int) -> date:
    day = date(year, month, 1)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def test_a_year_without_an_official_table_counts_weekends_only_and_is_marked_provisional():
    year = first_year_without_a_table()
    friday = first_weekday(year, 3, 4)
    due = add_working_days(local(friday.year, friday.month, friday.day), 1)
    assert due.provisional and local_day(due) == (friday + timedelta(days=3)).isoformat()  # Monday
    monday = first_weekday(year, 6, 0)
    due = add_working_days(local(monday.year, monday.month, monday.day), 5)
    assert due.provisional and local_day(due) == (monday + timedelta(days=7)).isoformat()


def test_a_deadline_running_into_a_year_without_a_table_is_provisional():
    year = first_year_without_a_table()
    due = add_working_days(local(year - 1, 12, 24), 10)
    assert due.provisional and due.at.astimezone(LOCAL_TZ).year == year


def test_a_deadline_within_a_known_year_is_not_provisional():
    assert not add_working_days(local(2026, 3, 2), 20).provisional
    assert not add_calendar_days(local(2026, 1, 5), 90).provisional


def test_calendar_days_ending_on_a_holiday_move_to_the_next_working_day():
    # 90 days from 2026-07-04 is 2026-10-02, inside the National Day holiday.
    assert local_day(add_calendar_days(local(2026, 7, 4), 90)) == "2026-10-08"


def test_deadline_grammar():
    d = parse_deadline("5 working days from task.ready")
    assert (d.amount, d.unit, d.anchor) == (5, "working_days", "task.ready")
    assert parse_deadline("90 days from milestone.filed").unit == "calendar_days"
    assert parse_deadline("24 hours from task.ready").unit == "hours"
    assert d.due({"task.ready": None}) is None


@pytest.mark.parametrize("text", ["five days", "5 working days from case.unknown_at", "", "5 weeks from task.ready"])
def test_bad_deadlines_are_rejected(text):
    with pytest.raises(DeadlineSyntaxError):
        parse_deadline(text)


def test_working_days_between_counts_like_the_day_by_day_walk_across_years_and_holidays():
    """The inbox's working days left (or overdue): counted from whole-year tables, and equal to
    checking each day, over spans inside a year, across new year, and over several years."""
    from datetime import date, timedelta

    from workflow_app.oversight.calendar import check_day, working_days_between

    def walk(first, last):
        days, provisional, day = 0, False, first
        while day < last:
            day += timedelta(days=1)
            days += check_day(day).working
            provisional |= check_day(day).provisional
        return days, provisional

    today = local_today()
    spans = [(today, today), (today, today + timedelta(days=1)), (today - timedelta(days=40), today),
             (date(today.year - 1, 12, 20), date(today.year, 1, 10)), (today - timedelta(days=1000), today),
             (today, today + timedelta(days=800)), (date(today.year, 9, 28), date(today.year, 10, 10))]
    for first, last in spans:
        assert working_days_between(first, last) == walk(first, last), (first, last)
    assert working_days_between(today, today - timedelta(days=3)) == (0, False)
