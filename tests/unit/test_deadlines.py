"""The deadline grammar: periods run from the dates the law names (a form's date), not from clicks."""
from datetime import UTC, datetime

import pytest

from workflow_app.oversight.deadlines import DeadlineSyntaxError, form_date, parse_deadline


@pytest.mark.parametrize("text, unit, anchor", [
    ("15 working days from clue_intake.received_on", "working_days", ("clue_intake", "received_on")),
    ("7 working days from penalty_decision.decided_on", "working_days", ("penalty_decision", "decided_on")),
    ("15 days from service.served_on", "calendar_days", ("service", "served_on")),
    ("90 calendar days from milestone.filed", "calendar_days", None),
    ("5 working days from task.ready", "working_days", None),
])
def test_a_deadline_names_a_form_date_or_a_case_milestone_or_the_ready_time(text, unit, anchor):
    deadline = parse_deadline(text)
    assert (deadline.unit, deadline.form_anchor) == (unit, anchor)


@pytest.mark.parametrize("text", [
    "15 days from received_on",                 # no step named
    "15 days from clue_intake.received_on.x",   # not <task>.<field>
    "15 days from task.completed",              # task.* and case.* are reserved for their own anchors
    "15 days from case.opened_at",
    "15 days from 1st.received_on",
])
def test_an_anchor_that_is_no_form_date_nor_a_known_anchor_is_refused(text):
    with pytest.raises(DeadlineSyntaxError, match="anchor"):
        parse_deadline(text)


def test_a_period_runs_from_the_recorded_date_and_ends_at_midnight_beijing_time():
    """7 working days from 2026-09-30 is 2026-10-15 (the National Day holiday skipped, the
    adjusted Saturday 10-10 counted), ending at 23:59:59 Beijing = 15:59:59 UTC."""
    deadline = parse_deadline("7 working days from penalty_decision.decided_on")
    due = deadline.due({"penalty_decision.decided_on": form_date("2026-09-30")})
    assert due.at.replace(microsecond=0) == datetime(2026, 10, 15, 15, 59, 59, tzinfo=UTC)


def test_15_days_from_service_is_calendar_days_moved_off_a_holiday():
    due = parse_deadline("15 days from service.served_on").due({"service.served_on": form_date("2026-09-20")})
    # 09-20 + 15 = 10-05, in the National Day holiday (10-01..10-07): the period ends on 10-08
    assert due.at.replace(microsecond=0) == datetime(2026, 10, 8, 15, 59, 59, tzinfo=UTC)


def test_no_recorded_date_no_due_time():
    deadline = parse_deadline("15 days from service.served_on")
    assert deadline.due({"service.served_on": form_date(None)}) is None
    assert form_date("") is None and form_date("2026-02-30") is None


# -- excluded periods and extensions (APL 60; 市场监督管理行政处罚程序规定 Art. 18, 64) -------------------
def test_excluded_days_are_not_counted_and_an_extension_adds_days_in_the_deadlines_unit():
    from datetime import date, timedelta

    deadline = parse_deadline("90 calendar days from milestone.filed excluding periods, extendable as decision")
    assert (deadline.excluding_periods, deadline.extendable_as) == (True, "decision")
    filed = {"milestone.filed": form_date("2026-07-01")}
    # 90 days from 07-01 is Tuesday 09-29
    assert deadline.due(filed).at.date() == date(2026, 9, 29)
    # ten testing days (07-10..07-19) do not count: 10-09, a Friday
    testing = frozenset(date(2026, 7, 10) + timedelta(days=n) for n in range(10))
    assert deadline.due(filed, excluded=testing).at.date() == date(2026, 10, 9)
    # +30 days approved: 10-29; with the testing days too: 11-08 is a Sunday, so Monday 11-09
    assert deadline.due(filed, extra=30).at.date() == date(2026, 10, 29)
    assert deadline.due(filed, extra=30, excluded=testing).at.date() == date(2026, 11, 9)
    # a deadline that does not say so ignores both
    plain = parse_deadline("90 calendar days from milestone.filed")
    assert plain.due(filed, extra=30, excluded=testing).at.date() == date(2026, 9, 29)


def test_a_filing_extension_counts_working_days():
    from datetime import date

    deadline = parse_deadline("15 working days from clue_intake.received_on extendable as filing")
    received = {"clue_intake.received_on": form_date("2026-09-30")}
    assert deadline.due(received).at.date() == date(2026, 10, 27)
    # 15 more working days: 10-28 … 11-17
    assert deadline.due(received, extra=15).at.date() == date(2026, 11, 17)


@pytest.mark.parametrize("text, reason", [
    ("90 days from milestone.filed excluding", "not of the form"),
    ("90 days from milestone.filed extendable as decision excluding periods", "not of the form"),
    ("48 hours from task.ready excluding periods", "not hours"),
])
def test_a_malformed_clause_is_refused(text, reason):
    with pytest.raises(DeadlineSyntaxError, match=reason):
        parse_deadline(text)


# -- hours from a date and time (行政强制法 Art. 19: an urgent measure reported within 24 hours) ---------
def test_hours_run_from_a_recorded_date_and_time_to_the_minute():
    deadline = parse_deadline("24 hours from seizure_onsite.seized_at")
    assert (deadline.unit, deadline.form_anchor) == ("hours", ("seizure_onsite", "seized_at"))
    due = deadline.due({deadline.anchor: form_date("2026-09-30T22:15:00+08:00")})
    assert due.at == datetime(2026, 10, 1, 14, 15, tzinfo=UTC) and not due.provisional  # holidays count: hours are hours


def test_days_from_a_date_and_time_run_from_its_beijing_date():
    """30 days from a measure taken at 23:30 Beijing time on 2026-09-03 (15:30 UTC): the 3rd, not the
    4th; 10-03 is in the National Day holiday, so the period ends on Thursday 10-08."""
    deadline = parse_deadline("30 days from seizure_onsite.seized_at excluding periods, extendable as seizure")
    due = deadline.due({deadline.anchor: form_date("2026-09-03T15:30:00+00:00")})
    assert due.at.replace(microsecond=0) == datetime(2026, 10, 8, 15, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize("value, expected", [
    ("2026-09-30T10:30:00+08:00", datetime(2026, 9, 30, 2, 30, tzinfo=UTC)),
    ("2026-09-30T10:30:00Z", datetime(2026, 9, 30, 10, 30, tzinfo=UTC)),
    ("2026-09-30T10:30", None),        # no offset: no instant
    ("2026-09-31T10:30:00+08:00", None),
    ("not a time", None),
])
def test_a_date_and_time_is_an_instant_only_with_its_offset(value, expected):
    from workflow_app.oversight.deadlines import form_instant

    assert form_instant(value) == expected
    assert form_date(value) == expected


def test_a_date_anchors_days_but_hours_are_for_the_deploy_to_hold_to_a_date_and_time():
    """The grammar takes hours from any form anchor; the deploy, which knows the field's format,
    refuses hours from a plain date (tests/integration/test_deadlines.py)."""
    assert parse_deadline("24 hours from service.served_on").unit == "hours"
