"""The late fee (加处罚款, APL Art. 72(1)(1)): a party who does not pay the fine within the 15 days
after the decision is served on them (APL Art. 67(3)) is charged 3 % of the fine for each day
after them, never more than the fine itself.

The days: the decision is served on day 0; the 15 days end on day 15, or, where that is a
statutory holiday or weekend, on the next working day (as `paid_in_time_when_recorded_so` counts
them: oversight/calendar.add_calendar_days); the fee runs from the next day, every calendar day
counting (holidays inside the running fee are days like any other), up to and including the day
counted to (the day of payment, or today). While the head's approval of deferred or instalment
payment (APL Art. 66(2)) stands, no fee is computed from the service date: the approved schedule
sets the dates (rule `no_late_fee_within_deferral`).

Amounts are computed in fen (分) with decimal arithmetic, half up, so 3 % of 333.33 yuan is 10.00.
"""
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from .calendar import LOCAL_TZ, add_calendar_days

PAYMENT_DAYS = 15          # APL 67(3)
DAILY_RATE = Decimal("0.03")  # APL 72(1)(1)
FEN = Decimal("0.01")


@dataclass(frozen=True)
class LateFee:
    amount: Decimal      # yuan, two decimals; 0 while none runs
    days: int            # the days the fee has run, counted to `counted_to`
    first_day: date      # the first day a fee runs (the day after the 15-day period)
    counted_to: date
    capped: bool         # the fee reached the fine (APL 72: never more than the fine)

    @property
    def yuan(self) -> float:
        return float(self.amount)


def period_end(served_on: date) -> date:
    """The last day to pay without a late fee: the 15th day after service, or the next working day."""
    start = datetime.combine(served_on, time.min, tzinfo=LOCAL_TZ)
    return add_calendar_days(start, PAYMENT_DAYS).at.astimezone(LOCAL_TZ).date()


def late_fee(fine, served_on: date, counted_to: date, *, plan_approved: bool = False) -> LateFee | None:
    """The late fee owed on `counted_to` for `fine` (yuan) decided and served on `served_on`; None
    where none can be computed: no fine, no service date, or an approved deferral or instalment plan."""
    if plan_approved or served_on is None or counted_to is None or isinstance(fine, bool) \
            or not isinstance(fine, int | float | Decimal) or fine <= 0:
        return None
    fine_fen = Decimal(str(fine)).quantize(FEN, rounding=ROUND_HALF_UP)
    last = period_end(served_on)
    first = date.fromordinal(last.toordinal() + 1)
    days = max(0, (counted_to - last).days)
    amount = (fine_fen * DAILY_RATE * days).quantize(FEN, rounding=ROUND_HALF_UP)
    capped = amount >= fine_fen and days > 0
    return LateFee(min(amount, fine_fen), days, first, counted_to, capped)
