"""The decision clock's rules over recorded forms (oversight/clock.py): a decision belongs to the
request before it; only approved days count; a correction replaces its record; the hearing's
period runs from the request to the hearing; open periods run through today."""
from datetime import date

from workflow_app.oversight import clock
from workflow_app.oversight.clock import ClockRow


def req(task_id, limit, days):
    return ClockRow(task_id, "extension_request", {"limit": limit, "days": days, "reason": "r"})


def decision(task_id, outcome, days=None):
    return ClockRow(task_id, "extension_approval", {"decision": outcome, **({"approved_days": days} if days else {})})


def test_each_decision_belongs_to_the_request_before_it_and_only_approved_days_count():
    rows = [req(1, "filing", 10), decision(2, "refuse"), req(3, "filing", 15), decision(4, "approve", 12),
            req(5, "decision", 30), decision(6, "approve"), req(7, "decision", 20)]
    found = clock.extensions(rows)
    assert [(e.request_task_id, e.decision, e.approved_days) for e in found] == [
        (1, "refuse", 0), (3, "approve", 12), (5, "approve", 30), (7, None, 0)]
    assert clock.approved_days(rows) == {"filing": 12, "decision": 30}
    assert clock.pending_extension(rows).request_task_id == 7
    assert clock.approved_count(rows, "decision") == 1 and clock.approved_count(rows, "filing") == 1


def test_a_correction_replaces_its_record_and_an_open_period_runs_through_today():
    rows = [ClockRow(1, "excluded_period", {"kind": "testing", "start_on": "2026-10-01", "end_on": "2026-10-10"}),
            ClockRow(2, "excluded_period", {"kind": "testing", "start_on": "2026-10-01", "end_on": "2026-10-03",
                                            "replaces": 1}),
            ClockRow(3, "excluded_period", {"kind": "announcement", "start_on": "2026-11-20"})]
    periods = clock.excluded_periods(rows)
    assert [(p.task_id, p.end) for p in periods] == [(2, date(2026, 10, 3)), (3, None)]
    days = clock.excluded_days(periods, today=date(2026, 11, 22))
    assert len(days) == 3 + 3 and date(2026, 11, 22) in days and date(2026, 10, 4) not in days


def test_the_hearing_period_runs_from_the_request_to_the_hearing_and_only_when_one_was_requested():
    answered = ClockRow(1, "statement_defence", {"hearing_requested": True, "answered_on": "2026-10-12"})
    held = ClockRow(2, "hearing_record", {"held_on": "2026-10-30"})
    [period] = clock.excluded_periods([answered, held])
    assert (period.kind, period.start, period.end) == ("hearing", date(2026, 10, 12), date(2026, 10, 30))
    assert len(clock.excluded_days([period], today=date(2026, 11, 26))) == 19
    [running] = clock.excluded_periods([answered])  # not held yet: the clock stays stopped
    assert running.end is None
    waived = ClockRow(1, "statement_defence", {"hearing_requested": False, "answered_on": "2026-10-12"})
    assert clock.excluded_periods([waived, held]) == []
