"""Working days with China's statutory holidays and 调休 (APL Art. 85)."""
from datetime import UTC, datetime

import pytest

from workflow_app.oversight.calendar import LOCAL_TZ, add_calendar_days, add_working_days
from workflow_app.oversight.deadlines import DeadlineSyntaxError, parse_deadline


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


def test_years_without_an_official_table_are_counted_with_weekends_only_and_marked_provisional():
    due = add_working_days(local(2026, 12, 30), 3)
    assert due.provisional and local_day(due) == "2027-01-04"


def test_calendar_days_ending_on_a_holiday_move_to_the_next_working_day():
    # 90 days from 2026-07-04 is 2026-10-02, inside the National Day holiday.
    assert local_day(add_calendar_days(local(2026, 7, 4), 90)) == "2026-10-08"


def test_deadline_grammar():
    d = parse_deadline("5 working days from task.ready")
    assert (d.amount, d.unit, d.anchor) == (5, "working_days", "task.ready")
    assert parse_deadline("90 days from case.filed_at").unit == "calendar_days"
    assert parse_deadline("24 hours from task.ready").unit == "hours"
    assert d.due({"task.ready": None}) is None


@pytest.mark.parametrize("text", ["five days", "5 working days from case.unknown_at", "", "5 weeks from task.ready"])
def test_bad_deadlines_are_rejected(text):
    with pytest.raises(DeadlineSyntaxError):
        parse_deadline(text)
