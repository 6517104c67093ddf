"""Statutory time limits written on BPMN tasks (`spiffworkflow:property name="deadline"`).

Grammar: "<n> working days from <anchor>", "<n> calendar days from <anchor>",
"<n> hours from <anchor>"; anchors are `task.ready` or a case milestone time
(`case.filed_at`, `case.decided_at`, `case.served_at`).
"""
import re
from dataclasses import dataclass
from datetime import datetime

from . import calendar

ANCHORS = ("task.ready", "case.filed_at", "case.decided_at", "case.served_at")
_GRAMMAR = re.compile(
    r"^\s*(?P<n>\d{1,4})\s+(?P<unit>working days?|calendar days?|days?|hours?)\s+from\s+"
    r"(?P<anchor>[a-z_.]+)\s*$"
)


class DeadlineSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Deadline:
    amount: int
    unit: str  # working_days|calendar_days|hours
    anchor: str
    text: str

    def due(self, anchors: dict[str, datetime | None]) -> calendar.Due | None:
        """The due time, or None while the anchor has not happened yet."""
        start = anchors.get(self.anchor)
        if start is None:
            return None
        if self.unit == "working_days":
            return calendar.add_working_days(start, self.amount)
        if self.unit == "calendar_days":
            return calendar.add_calendar_days(start, self.amount)
        return calendar.add_hours(start, self.amount)


def parse_deadline(text: str) -> Deadline:
    match = _GRAMMAR.match(text or "")
    if not match:
        raise DeadlineSyntaxError(
            f"deadline {text!r} is not of the form '<n> working days|calendar days|hours from <anchor>'"
        )
    unit_word = match["unit"]
    if unit_word.startswith("working"):
        unit = "working_days"
    elif unit_word.startswith("hour"):
        unit = "hours"
    else:  # APL Art. 85: "days" without "working" are calendar days
        unit = "calendar_days"
    anchor = match["anchor"]
    if anchor not in ANCHORS:
        raise DeadlineSyntaxError(f"deadline anchor {anchor!r} is not one of {', '.join(ANCHORS)}")
    return Deadline(int(match["n"]), unit, anchor, text.strip())
