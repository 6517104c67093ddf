"""The late fee (加处罚款, APL Art. 67(3), 72): 3 % of the fine for each day from the day after the
15 days that follow the decision's service, never above the fine, none under an approved deferral."""
from datetime import date, timedelta
from decimal import Decimal

from workflow_app.oversight.late_fee import late_fee, period_end

SERVED = date(2026, 3, 2)  # a Monday; its 15th day, 03-17, is a Tuesday (a working day)


def day(n: int) -> date:
    return SERVED + timedelta(days=n)


def test_no_late_fee_within_the_15_days():
    for n in (0, 1, 14, 15):
        fee = late_fee(20000, SERVED, day(n))
        assert fee.amount == 0 and fee.days == 0 and not fee.capped, n


def test_the_16th_day_adds_3_per_cent_of_the_fine_and_each_day_after_another():
    fee = late_fee(20000, SERVED, day(16))
    assert (fee.amount, fee.days, fee.first_day) == (Decimal("600.00"), 1, day(16))
    assert late_fee(20000, SERVED, day(19)).amount == Decimal("2400.00")


def test_the_late_fee_never_exceeds_the_fine():
    assert late_fee(20000, SERVED, day(15 + 33)).amount == Decimal("19800.00")
    fee = late_fee(20000, SERVED, day(15 + 34))
    assert fee.amount == Decimal("20000.00") and fee.capped
    assert late_fee(20000, SERVED, day(400)).amount == Decimal("20000.00")


def test_fen_are_rounded_half_up():
    assert late_fee(333.33, SERVED, day(16)).amount == Decimal("10.00")
    assert late_fee(50, SERVED, day(16)).amount == Decimal("1.50")


def test_holidays_inside_the_running_fee_count_as_days():
    """Served 2026-09-08: the 15 days end on 09-23 (a Wednesday); the fee runs through Mid-Autumn
    (09-25) and the National Day holiday (10-01 to 10-07) day by day."""
    served = date(2026, 9, 8)
    assert period_end(served) == date(2026, 9, 23)
    fee = late_fee(10000, served, date(2026, 10, 8))
    assert (fee.days, fee.amount) == (15, Decimal("4500.00"))  # 09-24 .. 10-08, holidays included


def test_a_period_ending_on_a_holiday_ends_on_the_next_working_day():
    """As the payment recorded on time counts it (paid_in_time_when_recorded_so): the 15th day after
    2026-09-16 is 10-01, National Day; the period ends on 10-08 and the fee runs from 10-09."""
    served = date(2026, 9, 16)
    assert period_end(served) == date(2026, 10, 8)
    assert late_fee(10000, served, date(2026, 10, 8)).amount == 0
    fee = late_fee(10000, served, date(2026, 10, 9))
    assert (fee.amount, fee.first_day) == (Decimal("300.00"), date(2026, 10, 9))


def test_none_is_computed_under_an_approved_deferral_or_without_a_fine_or_service():
    assert late_fee(20000, SERVED, day(40), plan_approved=True) is None
    assert late_fee(None, SERVED, day(40)) is None
    assert late_fee(0, SERVED, day(40)) is None
    assert late_fee(True, SERVED, day(40)) is None
    assert late_fee(20000, None, day(40)) is None
