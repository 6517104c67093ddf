"""The demo's calendar (workflow_app/demo/cases.py) on every day of 2026 and into 2027: the acts
the law spaces in working days keep their periods whatever holidays fall between (the Spring
Festival, National Day, the New Year into a year without a table), and every act a case has taken
by its stage lies in the past, so `make run` opens its demo cases on any day. Pure functions: no
database."""
from datetime import date, timedelta

from workflow_app.demo.cases import DAY, STAGES, WORKING_DAY_PERIODS, demo_calendar, received_for
from workflow_app.oversight.calendar import working_days_after


def every_day(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def test_the_demos_working_day_periods_hold_and_its_acts_lie_in_the_past_on_any_day():
    # 2026 (an official holiday table) and 2027's first months (none yet: weekends only, provisional);
    # a stage's calendar depends only on its age
    order = sorted(DAY, key=DAY.get)
    stages = {stage.age_days: stage for stage in STAGES}.values()
    for today in every_day(date(2026, 1, 1), date(2027, 3, 31)):
        for stage in stages:
            received = received_for(stage, today)
            assert received <= today - timedelta(days=stage.age_days), (today, stage.name)
            days = demo_calendar(received)
            for act, (since, working_days, after) in WORKING_DAY_PERIODS.items():
                assert days[act] >= working_days_after(days[since], working_days) + timedelta(days=after), (
                    today, stage.name, act, days)
            taken = {act: day for act, day in days.items() if DAY[act] <= stage.age_days}
            assert max(taken.values()) <= today, (today, stage.name, taken)
            assert [days[a] for a in order] == sorted(days[a] for a in order), (today, stage.name)


def test_without_a_holiday_in_between_the_acts_fall_on_their_days():
    """Received on Monday 2026-06-22, after the Dragon Boat Festival: DAY's spacing is enough."""
    received = date(2026, 6, 22)
    assert demo_calendar(received) == {act: received + timedelta(days=offset) for act, offset in DAY.items()}


def test_the_spring_festival_moves_the_application_to_the_court_and_what_follows():
    """Demand served 2026-02-10: its 10 working days (02-11, 12, 13, the Saturday 14 made a working
    day, then after the holiday of 02-15 to 02-23: 24, 25, 26, 27, the Saturday 28, 03-02) end on
    03-02; the court is applied to on 03-03, not 15 days after the demand (02-25)."""
    received = date(2026, 2, 10) - timedelta(days=DAY["demand_served"])
    days = demo_calendar(received)
    assert days["demand_served"] == date(2026, 2, 10)
    assert received + timedelta(days=DAY["court_applied"]) == date(2026, 2, 25)
    assert days["court_applied"] == date(2026, 3, 3)
    assert max(days.values()) == days["court_applied"]  # the last act: nothing after it to move on
