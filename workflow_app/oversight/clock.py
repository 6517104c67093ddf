"""The decision clock: approved extensions and the periods the law does not count.

Pure functions over the case's recorded forms (the data of its completed steps, oldest first), so
the same facts give the same due times wherever they are computed (services/cases.py recomputes
every due time at every step).

- Extensions (APL Art. 60; 市场监督管理行政处罚程序规定 Art. 18, 64): the 15-working-day filing
  limit may be extended once, by at most 15 working days, with the head's approval; the 90-day
  decision limit by at most 30 days with the agency head's approval, and further only by the
  heads' collective discussion, which fixes a reasonable period. Each extension is two steps: the
  officer's request (`extension_request`: limit, days, reason) and the head's decision
  (`extension_approval`: approve or refuse, the days granted, the discussion record when one is
  needed). One request of a case waits for its decision at a time, so a decision belongs to the
  request before it.
- Excluded periods (APL Art. 60; 市场监督管理行政处罚程序规定 Art. 64): hearing, testing,
  inspection, quarantine, expert assessment, identification by the right holder and announcement
  do not count in the decision limit. The hearing period runs from the party's request (the
  recorded answer to the notice) to the day the hearing was held; the others are recorded by the
  officer (`excluded_period`: kind, start, end, basis), a correction naming the record it
  replaces. A period not ended yet runs through today.
"""
from dataclasses import dataclass
from datetime import date, timedelta

EXTENSION_REQUEST = "extension_request"
EXTENSION_APPROVAL = "extension_approval"
EXCLUDED_PERIOD = "excluded_period"
# The forms the clock reads (by form key), besides the request/decision pair.
HEARING_FORMS = ("statement_defence", "hearing_notice", "hearing_record")
CLOCK_FORMS = (EXTENSION_REQUEST, EXTENSION_APPROVAL, EXCLUDED_PERIOD, *HEARING_FORMS)


@dataclass(frozen=True)
class ExtensionRule:
    limit: str
    label: str
    first_max: int           # days (in the limit's own unit) the head may grant the first time
    further: bool            # whether a further extension is possible (by collective discussion)
    further_max: int         # an upper bound on a further extension's "reasonable period"
    article: str


EXTENSION_RULES = {
    "filing": ExtensionRule("filing", "立案期限", 15, False, 0, "《市场监督管理行政处罚程序规定》第18条"),
    "decision": ExtensionRule("decision", "作出处理决定期限", 30, True, 365,
                              "《行政处罚法》第60条；《市场监督管理行政处罚程序规定》第64条"),
}


@dataclass(frozen=True)
class ClockRow:
    """One completed step the clock reads: its task id, form key and recorded data."""

    task_id: int | None
    form_key: str
    data: dict


@dataclass
class Extension:
    request_task_id: int | None
    limit: str
    days: int
    reason: str
    decision: str | None = None  # None while the head has not decided; approve | refuse
    approved_days: int = 0
    approval_task_id: int | None = None


def extensions(rows: list[ClockRow]) -> list[Extension]:
    """Every extension request of the case, oldest first, with the head's decision on it."""
    found: list[Extension] = []
    for row in rows:
        if row.form_key == EXTENSION_REQUEST:
            found.append(Extension(row.task_id, row.data.get("limit"), int(row.data.get("days") or 0),
                                   row.data.get("reason") or ""))
        elif row.form_key == EXTENSION_APPROVAL and found and found[-1].decision is None:
            ext = found[-1]
            ext.decision = row.data.get("decision")
            ext.approval_task_id = row.task_id
            if ext.decision == "approve":
                ext.approved_days = granted_days(ext, row.data)
    return found


def granted_days(ext: Extension, approval: dict) -> int:
    """The days an approval grants: those it names, else those requested."""
    days = approval.get("approved_days")
    return int(days) if isinstance(days, int) else ext.days


def approved_days(rows: list[ClockRow]) -> dict[str, int]:
    """limit -> the days of its approved extensions."""
    total: dict[str, int] = {}
    for ext in extensions(rows):
        if ext.decision == "approve":
            total[ext.limit] = total.get(ext.limit, 0) + ext.approved_days
    return total


def pending_extension(rows: list[ClockRow]) -> Extension | None:
    found = extensions(rows)
    return found[-1] if found and found[-1].decision is None else None


def approved_count(rows: list[ClockRow], limit: str) -> int:
    return sum(1 for ext in extensions(rows) if ext.limit == limit and ext.decision == "approve")


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date | None  # None: not ended yet (runs through today)
    basis: str
    task_id: int | None = None


def _day(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def hearing_period(latest: dict[str, dict]) -> Period | None:
    """From the party's request for a hearing to the day it was held (APL Art. 64)."""
    answer = latest.get("statement_defence") or {}
    if not answer.get("hearing_requested"):
        return None
    start = _day(answer.get("answered_on")) or _day((latest.get("hearing_notice") or {}).get("notice_served_on"))
    if start is None:
        return None
    held = _day((latest.get("hearing_record") or {}).get("held_on"))
    return Period("hearing", start, held, "《行政处罚法》第64条（听证期间）")


def excluded_periods(rows: list[ClockRow]) -> list[Period]:
    """The periods not counted: the recorded ones (a correction replaces the record it names)
    and the hearing's."""
    recorded: dict[int | None, Period] = {}
    replaced: set[int] = set()
    latest: dict[str, dict] = {}
    for row in rows:
        if row.form_key == EXCLUDED_PERIOD:
            start = _day(row.data.get("start_on"))
            if start is None:
                continue
            if isinstance(row.data.get("replaces"), int):
                replaced.add(row.data["replaces"])
            recorded[row.task_id] = Period(row.data.get("kind", ""), start, _day(row.data.get("end_on")),
                                           row.data.get("basis", ""), row.task_id)
        elif row.form_key in HEARING_FORMS:
            latest[row.form_key] = row.data
    periods = [p for task_id, p in recorded.items() if task_id not in replaced]
    hearing = hearing_period(latest)
    return periods + ([hearing] if hearing else [])


def excluded_days(periods: list[Period], today: date) -> frozenset[date]:
    """Every day of the periods, both ends included; an open period runs through today."""
    days: set[date] = set()
    for period in periods:
        end = period.end or max(today, period.start)
        day = period.start
        while day <= end:
            days.add(day)
            day += timedelta(days=1)
    return frozenset(days)
