"""Statutory time limits written on BPMN tasks (`spiffworkflow:property name="deadline"`).

Grammar: "<n> working days from <anchor>", "<n> calendar days from <anchor>" ("<n> days" are
calendar days, APL Art. 85), "<n> hours from <anchor>". An anchor is one of:

- a date recorded in the form of an earlier step: `<bpmn task id>.<field>`, e.g.
  `clue_intake.received_on`, `penalty_decision.decided_on`, `service.served_on`. The task is
  named by its BPMN id (not its formKey): one form may serve several tasks, and the value is read
  from the case's completed task rows of that BPMN id (the latest completed one, so a date
  corrected when a step is done again moves the deadline). Deploy checks the rule stated in
  engine/specs.py `deadline_anchor_problems`. Days run from that local (Beijing) date. A field
  of `format: date-time` (the moment an on-the-spot measure was taken) anchors hours too: "24
  hours from <task id>.<date-time field>" (行政强制法 Art. 19: an urgent measure reported within 24
  hours) runs from that instant; days from it run from its Beijing date. Hours from a plain date are refused at deploy (a date has no time of
  day).
- a milestone of the procedure, `milestone.<code>` (e.g. `milestone.filed`): the time the case
  last reached it, for acts done in the system itself (the head's filing approval is the filing).
  Deploy checks that the procedure declares that milestone;
- `task.ready`, the time the task became ready: only where the law names no date.

Two optional clauses follow the anchor, in this order:

- `excluding periods`: the days of the periods the law does not count (APL Art. 60; 市场监督管理
  行政处罚程序规定 Art. 64: hearing, testing, inspection, expert assessment, announcement) are not
  counted, e.g. `90 days from milestone.filed excluding periods`;
- `extendable as <limit>`: the days of the approved extensions of that limit are added, in the
  deadline's own unit; the package declares its limits (`clock.limits` of its rules.json,
  oversight/clock.py), and deploy refuses a limit it does not declare.

The period ends at 23:59:59 Beijing time of its last day (oversight/calendar.py).
"""
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

from ..messages import Phrase, tr
from . import calendar

TASK_READY = "task.ready"
MILESTONE_PREFIX = "milestone."
_MILESTONE_ANCHOR = re.compile(r"^milestone\.(?P<code>[a-z][a-z0-9_]{0,31})$")
_GRAMMAR = re.compile(
    r"^\s*(?P<n>\d{1,4})\s+(?P<unit>working days?|calendar days?|days?|hours?)\s+from\s+"
    r"(?P<anchor>[^\s,]+)(?P<excluding>\s+excluding\s+periods)?"
    r"(?:\s*,?\s+extendable\s+as\s+(?P<limit>[a-z_]{1,40}))?\s*$"
)
# A BPMN id (an XML NCName, without the dots our anchor uses as separator) and a form field name.
_FORM_ANCHOR = re.compile(r"^(?P<task>[A-Za-z_][\w-]{0,254})\.(?P<field>[A-Za-z_]\w{0,127})$")


class DeadlineSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Deadline:
    amount: int
    unit: str  # working_days|calendar_days|hours
    anchor: str
    text: str
    excluding_periods: bool = False
    extendable_as: str | None = None

    @property
    def form_anchor(self) -> tuple[str, str] | None:
        """(bpmn task id, field) when the period runs from a date recorded in a form."""
        if self.anchor == TASK_READY or self.anchor.startswith(MILESTONE_PREFIX):
            return None
        task_id, _, field = self.anchor.partition(".")
        return task_id, field

    @property
    def milestone(self) -> str | None:
        """The milestone's code when the period runs from the case reaching it."""
        return self.anchor.removeprefix(MILESTONE_PREFIX) if self.anchor.startswith(MILESTONE_PREFIX) else None

    def start(self, form_of, milestone_of, ready_at: datetime | None = None) -> datetime | None:
        """When the period starts on a case's record: the date its anchor field records
        (`form_of(bpmn id)`: that step's latest form data, or None), the instant the milestone was
        reached (`milestone_of(code)`), or the step's ready time (`task.ready`)."""
        if self.form_anchor:
            task_id, field = self.form_anchor
            return form_date((form_of(task_id) or {}).get(field))
        if self.milestone:
            return milestone_of(self.milestone)
        return ready_at

    def due(self, anchors: dict[str, datetime | None], *, extra: int = 0,
            excluded: frozenset[date] = frozenset()) -> calendar.Due | None:
        """The due time, or None while the anchor has not happened (or been recorded) yet.
        `extra`: approved extension in the deadline's unit; `excluded`: days not counted. Each
        applies only when the deadline says so (`extendable as`, `excluding periods`)."""
        start = anchors.get(self.anchor)
        if start is None:
            return None
        amount = self.amount + (extra if self.extendable_as else 0)
        excluded = excluded if self.excluding_periods else frozenset()
        if self.unit == "working_days":
            return calendar.add_working_days(start, amount, excluded)
        if self.unit == "calendar_days":
            return calendar.add_calendar_days(start, amount, excluded)
        return calendar.add_hours(start, amount)


def form_date(value) -> datetime | None:
    """A form's ISO date ("2026-09-30") as the start of that day in Beijing, or its date and time
    with an offset ("2026-09-30T10:30:00+08:00", a `format: date-time` field) as that instant; None
    if absent, not a date, or a time without its offset (forms are validated, so only an optional
    field left empty gives None)."""
    if not isinstance(value, str):
        return None
    if "T" in value or " " in value.strip():
        return form_instant(value)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return datetime.combine(day, time.min, tzinfo=calendar.LOCAL_TZ)


def form_instant(value) -> datetime | None:
    """A form's date and time with its offset (RFC 3339, `format: date-time`) as an aware instant;
    None for anything else (a time without an offset is no instant: where in the world?)."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        at = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    return at if at.tzinfo is not None and at.utcoffset() is not None else None


def form_day(value) -> date | None:
    """The Beijing date a form's value records: its date, or the Beijing date of its date and time
    (`2026-09-30T23:30:00+00:00` is 2026-10-01 in Beijing); None for anything else."""
    at = form_date(value)
    return at.astimezone(calendar.LOCAL_TZ).date() if at is not None else None


@lru_cache(maxsize=1024)  # a version's few deadlines, read at every step: parsed once
def parse_deadline(text: str) -> Deadline:
    match = _GRAMMAR.match(text or "")
    if not match:
        raise DeadlineSyntaxError(tr(
            "deadline %(text)s is not of the form '<n> working days|calendar days|hours from <anchor>"
            "[ excluding periods][ extendable as <limit>]'", text=repr(text)))
    unit_word = match["unit"]
    if unit_word.startswith("working"):
        unit = "working_days"
    elif unit_word.startswith("hour"):
        unit = "hours"
    else:  # APL Art. 85: "days" without "working" are calendar days
        unit = "calendar_days"
    anchor = match["anchor"]
    if anchor != TASK_READY and not _MILESTONE_ANCHOR.match(anchor):
        if anchor.startswith(("task.", "case.", MILESTONE_PREFIX)) or not _FORM_ANCHOR.match(anchor):
            raise DeadlineSyntaxError(tr(
                "deadline anchor %(anchor)s is neither a form date '<task id>.<field>' of an earlier step, nor "
                "a milestone 'milestone.<code>', nor 'task.ready'", anchor=repr(anchor)))
    limit = match["limit"]
    if unit == "hours" and (limit or match["excluding"]):
        raise DeadlineSyntaxError(tr("deadline %(text)s: periods and extensions are counted in days, not hours",
                                     text=repr(text.strip())))
    return Deadline(int(match["n"]), unit, anchor, text.strip(), bool(match["excluding"]), limit)


def describe(deadline: Deadline, anchor: tuple[str, str]) -> Phrase:
    """The deadline in the reader's words, given its anchor's (Chinese, English) name: 自“线索登记·
    收到线索日期”起15个工作日，可延长 / 15 working days from “Clue intake · Date received”,
    extendable."""
    zh_anchor, en_anchor = anchor
    n = deadline.amount
    if deadline.unit == "working_days":
        zh, en = f"自“{zh_anchor}”起{n}个工作日", f"{n} working day{'s' if n != 1 else ''} from “{en_anchor}”"
    elif deadline.unit == "hours":
        zh, en = f"自“{zh_anchor}”起{n}小时", f"{n} hour{'s' if n != 1 else ''} from “{en_anchor}”"
    else:
        zh, en = f"自“{zh_anchor}”起{n}日", f"{n} day{'s' if n != 1 else ''} from “{en_anchor}”"
    if deadline.excluding_periods:
        zh += "（听证、检测、检验、检疫、鉴定、公告等期间不计入）"
        en += " (hearing, testing, inspection, quarantine, expert assessment and announcement periods not counted)"
    if deadline.extendable_as:
        zh += "，可延长"
        en += ", extendable"
    return Phrase(en, zh)
