"""The no-penalty list (首违不罚清单 / 轻微违法行为不予行政处罚清单, APL Art. 33(1)) and the light-penalty
list (从轻减轻处罚清单, APL Art. 32) of each department: registers, like its causes (案由,
services/registers/causes.py), each item naming the cause of the department's register it applies to.

Administrators import them from CSV (`flask penalty-lists import FILE`), one row per item:

    department,code,cause,kind,tier,conditions,legal_ground,first_violation,look_back_months,
    valid_from,valid_to,document

`department` is the org unit's code; `cause` a cause of that department's register; `kind`
no_penalty or light; `tier`, required for a light item and blank for a no_penalty one, what the
listed circumstance grounds: `lighter` (从轻, a lighter penalty within the statutory range),
`mitigated` (减轻, below the statutory minimum: APL 32, only where the law allows it) or
`lighter_or_mitigated` (从轻或者减轻); `conditions` what the case must meet (初次违法、危害后果轻微并及时改正);
`legal_ground` the provision (《中华人民共和国行政处罚法》第三十三条第一款); `first_violation` yes
where the item applies only to a first violation, judged over `look_back_months` (blank: 12);
`valid_from`/`valid_to` the item's validity (ISO dates; no end: blank); `document` the issuing
document. A file without the `tier` column (written before light items named their tier) is
refused whole, naming the column: every light row of it would need one, and a department's file
that lists no light item today may list one tomorrow, so the header is the same for every file.
An import is one transaction, checked whole first (a bad line is named and nothing is written),
and traced on the system chain with the file's SHA-256; an item of the file replaces the
register's item of the same department and code (an item is ended by its `valid_to`, never
deleted: a case's record names it). Anyone logged in may read the lists: they are published (118号).

A first violation (初次违法): the case's party has no other case in the department, for the same
cause, decided with a penalty (services/people/parties.py `earlier_penalties`) on a day within the item's
look-back before today (the day the officer assesses the case). The party is known by its number in
the parties register; a case whose party is not yet identified cannot be judged (None).

On the case: the form that proposes the penalty (the investigation report) has a field marked
`"x-penalty-list": "item"` (the item the case is assessed against) and one marked
`"x-penalty-list": "meets"` (the officer's finding: yes or no). Where the case's cause has an item
of the no-penalty list valid today, the finding is required; an item of another cause, out of its
validity or not in the register, and a finding that the case meets a first-violation item when the
register shows the party penalized for the cause within the look-back, are refused beside the
field (422). A case found to meet the no-penalty list and decided with a penalty raises
MINOR_FIRST_VIOLATION_PENALIZED (oversight/step_rules/penalty_lists.py, an alert: APL 33); one found
to meet the light-penalty list and proposed or decided a penalty in a tier heavier than 从轻/减轻 of
its benchmark raises LIGHT_LIST_NOT_APPLIED (the same module, an alert: APL 32) — judged against
the tiers the item names: a 从轻 item against 从轻's top, a 减轻 item against 减轻's, a 从轻或者减轻 one
against both; and a light-list item it meets grounds a fine below the statutory minimum (减轻,
step_rules/statutory_range.py) only where its tier includes 减轻. The
legal reviewer and the officer read the finding with the party's first violation and the penalty
judged against it on their sheets (services/cases/review_sheet.py).
"""
import calendar
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from ...extensions import db
from ...models import Case, Cause, OrgUnit, PenaltyListItem
from ...oversight.step_rules.penalty_lists import LIGHT, TIERS
from ...wall_clock import local_today
from ..errors import Invalid, NotFound, tr
from ..people.parties import EarlierPenalty, earlier_penalties
from . import causes
from . import copies as registers

KINDS = ("no_penalty", "light")
NO_PENALTY = "no_penalty"
COLUMNS = ("department", "code", "cause", "kind", "tier", "conditions", "legal_ground", "first_violation",
           "look_back_months", "valid_from", "valid_to", "document")
REQUIRED = ("department", "code", "cause", "kind", "conditions", "legal_ground", "valid_from", "document")
LIMITS = {"department": 64, "code": 64, "cause": 64, "kind": 16, "tier": 24, "conditions": 1000, "legal_ground": 500,
          "first_violation": 8, "look_back_months": 8, "valid_from": 10, "valid_to": 10, "document": 300}
YES, NO = ("yes", "true", "1", "是", "y"), ("no", "false", "0", "否", "n", "")
DEFAULT_LOOK_BACK_MONTHS = 12
MAX_LOOK_BACK_MONTHS = 120
MAX_ROWS = 20_000
MAX_FILE = 10 * 1024 * 1024
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MET = ("yes", True)  # the finding that the case meets the item (the form's `meets` field)


# -- the import ------------------------------------------------------------------------------------
def import_csv(data: bytes, actor) -> tuple[int, int]:
    """(items created, items updated) from a CSV file (UTF-8, with or without a BOM)."""
    if len(data) > MAX_FILE:
        raise Invalid({"file": [tr("the file is larger than %(max)d bytes", max=MAX_FILE)]})
    text = _text(data)
    units = {u.code: u for u in db.session.execute(db.select(OrgUnit).where(OrgUnit.kind == "department")).scalars()}
    registered = {(c.department_id, c.code): c for c in db.session.execute(db.select(Cause)).scalars()}
    items = _read(text, units, registered)
    return registers.write_import(PenaltyListItem, items, units, actor=actor, action="penalty_lists.imported",
                                  listed="items", content=data)


def _text(data: bytes) -> str:
    """The file's text; a byte that is not UTF-8, or a NUL, named by its line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise Invalid({f"line {line}": [tr("the line is not UTF-8 (at byte %(at)d of the file)", at=err.start)]}
                      ) from None
    if "\x00" in text:
        raise Invalid({f"line {text[:text.index(chr(0))].count(chr(10)) + 1}": [tr("the line holds a NUL character")]})
    return text


def _read(text: str, units: dict[str, OrgUnit], registered: dict) -> dict[tuple[str, str], dict]:
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)  # a stray quote is named, not guessed at
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as err:
        raise Invalid({"line 1": [tr("the line is not CSV: %(reason)s", reason=str(err))]}) from None
    missing = [c for c in COLUMNS if c not in fieldnames]
    if missing == ["tier"]:  # a file of the lists as they were before light items named their tier
        raise Invalid({"file": [tr(
            "the header lacks the column tier: a light item names the tier its circumstance grounds (%(tiers)s); "
            "add the column, blank on the no_penalty rows", tiers=", ".join(TIERS))]})
    if missing:
        raise Invalid({"file": [tr("the header lacks the columns %(columns)s", columns=", ".join(missing))]})
    items: dict[tuple[str, str], dict] = {}
    errors: dict[str, list] = {}
    n = 1
    try:
        for row in reader:
            n = reader.line_num
            if len(items) + len(errors) >= MAX_ROWS:
                raise Invalid({"file": [tr("more than %(max)d rows", max=MAX_ROWS)]})
            item, problems = _row(row, units, registered)
            key = (causes.csv_cell(row, "department"), causes.csv_cell(row, "code"))
            if not problems and key in items:
                problems = [tr("the item %(code)s of %(department)s is given twice", code=key[1], department=key[0])]
            if problems:
                errors[f"line {n}"] = problems
                continue
            items[key] = item
    except csv.Error as err:  # on the record after the last one read
        raise Invalid({f"line {max(reader.line_num, n + 1)}": [tr("the line is not CSV: %(reason)s", reason=str(err))]}
                      ) from None
    if errors:
        raise Invalid(errors)
    if not items:
        raise Invalid({"file": [tr("the file has no list items")]})
    return items


def _day(row: dict, column: str, problems: list) -> date | None:
    raw = causes.csv_cell(row, column)
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None:
        problems.append(tr("%(column)s must be a date (YYYY-MM-DD)", column=column))
    return day


def _row(row: dict, units: dict[str, OrgUnit], registered: dict) -> tuple[dict, list]:
    problems: list = []
    if None in row:  # more cells than the header has columns
        problems.append(tr("the row has more cells than the header"))
    for column in REQUIRED:
        if not causes.csv_cell(row, column):
            problems.append(tr("%(column)s is empty", column=column))
    too_long = {column for column, limit in LIMITS.items() if len(causes.csv_cell(row, column)) > limit}
    for column in sorted(too_long):
        problems.append(tr("%(column)s is longer than %(limit)d characters", column=column, limit=LIMITS[column]))
    department = causes.csv_cell(row, "department")
    unit = units.get(department)
    if department and "department" not in too_long and unit is None:
        problems.append(tr("department %(code)s is not a department of the org tree", code=department))
    cause_code = causes.csv_cell(row, "cause")
    cause = registered.get((unit.id, cause_code)) if unit is not None else None
    if unit is not None and cause_code and "cause" not in too_long and cause is None:
        problems.append(tr("cause %(code)s is not in the causes register of %(department)s", code=cause_code,
                           department=department))
    kind = causes.csv_cell(row, "kind")
    if kind and kind not in KINDS:
        problems.append(tr("kind must be one of %(choices)s", choices=", ".join(KINDS)))
    tier = causes.csv_cell(row, "tier")
    if kind == LIGHT and not tier:
        problems.append(tr("tier is empty: a light item names the tier it grounds (%(choices)s)",
                           choices=", ".join(TIERS)))
    elif kind == LIGHT and tier not in TIERS and "tier" not in too_long:
        problems.append(tr("tier must be one of %(choices)s", choices=", ".join(TIERS)))
    elif kind == NO_PENALTY and tier:
        problems.append(tr("tier is given, but a no_penalty item grounds no penalty to lighten: leave it blank"))
    flag = causes.csv_cell(row, "first_violation").lower()
    if flag not in YES + NO:
        problems.append(tr("first_violation must be yes or no"))
    first = flag in YES
    months = None
    raw_months = causes.csv_cell(row, "look_back_months")
    if raw_months:
        if not re.fullmatch("[0-9]{1,3}", raw_months) or not 1 <= int(raw_months) <= MAX_LOOK_BACK_MONTHS:
            problems.append(tr("look_back_months must be a whole number of months from 1 to %(max)d",
                               max=MAX_LOOK_BACK_MONTHS))
        elif not first:
            problems.append(tr("look_back_months is given, but the item is not for a first violation only"))
        else:
            months = int(raw_months)
    valid_from, valid_to = _day(row, "valid_from", problems), _day(row, "valid_to", problems)
    if valid_from and valid_to and valid_to < valid_from:
        problems.append(tr("valid_to is before valid_from"))
    item = {"cause_id": cause.id if cause else None, "kind": kind, "tier": tier if kind == LIGHT else None,
            "conditions": causes.csv_cell(row, "conditions"),
            "legal_ground": causes.csv_cell(row, "legal_ground"), "first_violation": first, "look_back_months": months,
            "valid_from": valid_from, "valid_to": valid_to, "document": causes.csv_cell(row, "document")}
    return item, problems


# -- reading the lists -----------------------------------------------------------------------------
def _storable(code) -> bool:
    return isinstance(code, str) and bool(code) and len(code) <= 64 and not _UNSTORABLE.search(code)


def items_of(unit: OrgUnit, cause_code: str | None = None, kind: str | None = None,
             on: date | None = None) -> list[PenaltyListItem]:
    """The department's items, by code: of one cause, one kind, valid on one day where asked."""
    query = (db.select(PenaltyListItem).join(Cause, PenaltyListItem.cause_id == Cause.id)
             .where(PenaltyListItem.department_id == unit.id).order_by(PenaltyListItem.code))
    if cause_code is not None:
        query = query.where(Cause.code == cause_code)
    if kind is not None:
        query = query.where(PenaltyListItem.kind == kind)
    if on is not None:
        query = query.where(PenaltyListItem.valid_from <= on,
                            (PenaltyListItem.valid_to.is_(None)) | (PenaltyListItem.valid_to >= on))
    return list(db.session.execute(query).scalars())


def counts_by_cause(unit: OrgUnit, on: date) -> dict[str, dict[str, int]]:
    """cause code -> kind -> how many of the department's items of it are valid on the day."""
    counts: dict[str, dict[str, int]] = {}
    for item in items_of(unit, on=on):
        kinds = counts.setdefault(item.cause.code, {})
        kinds[item.kind] = kinds.get(item.kind, 0) + 1
    return counts


def parse_filters(department_code: str | None, cause_code: str | None, kind: str | None, on: str | None,
                  fallback: OrgUnit | None) -> tuple[OrgUnit, str | None, str | None, date | None]:
    """The filters of a listing as typed (the API's query, the page's): the department (404 if
    none such; `fallback` where none is named), a cause of its register (404 if not in it), a kind
    and a day (422 naming the parameter)."""
    errors = {}
    if kind and kind not in KINDS:
        errors["kind"] = [tr("must be one of %(choices)s", choices=", ".join(KINDS))]
    day = None
    if on:
        try:
            day = date.fromisoformat(on) if len(on) == 10 else None
        except ValueError:
            day = None
        if day is None:
            errors["on"] = [tr("must be a date (YYYY-MM-DD)")]
    if errors:
        raise Invalid(errors)
    if not department_code and fallback is None:
        raise Invalid({"department": [tr("give a department's code: you belong to no department")]})
    unit = causes.department(department_code, fallback)
    if cause_code:
        causes.get(unit.code, cause_code)  # 404 naming it where the register has no such cause
    return unit, cause_code or None, kind or None, day


def find(unit_id: int, code) -> PenaltyListItem | None:
    if not _storable(code):
        return None
    return db.session.execute(db.select(PenaltyListItem).where(PenaltyListItem.department_id == unit_id,
                                                               PenaltyListItem.code == code)).scalar()


def get(department_code: str, code: str) -> PenaltyListItem:
    unit = causes.department(department_code)
    item = find(unit.id, code)
    if item is None:
        raise NotFound(tr("no item %(code)s in the penalty lists of %(department)s",
                          code=_UNSTORABLE.sub("?", code[:64]), department=unit.code))
    return item


# -- a first violation -----------------------------------------------------------------------------
def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day where it has no such day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass
class FirstViolation:
    """Whether the case's party violates for the first time, as an item of the lists judges it."""

    months: int  # the item's look-back
    since: date  # its first day
    until: date  # the day judged on (today)
    identified: bool  # the case's party is in the register; without it nothing can be judged
    earlier: list[EarlierPenalty] = field(default_factory=list)  # the penalties for the cause within it

    @property
    def first(self) -> bool | None:
        return None if not self.identified else not self.earlier


def first_violation(case: Case, item: "PenaltyListItem | registers.ListItem", today: date | None = None,
                    penalties: list[EarlierPenalty] | None = None) -> FirstViolation:
    """The item's judgement of the case's party: its penalties for the item's cause decided within
    the look-back before `today` (`penalties`: the party's, services/people/parties.earlier_penalties, when
    the caller has read them already)."""
    today = today or local_today()
    months = item.look_back_months or DEFAULT_LOOK_BACK_MONTHS
    since = months_before(today, months)
    penalties = earlier_penalties(case) if penalties is None else penalties
    within = [p for p in penalties if p.cause == item.cause_code and since <= p.decided_on <= today]
    return FirstViolation(months, since, today, case.party_id is not None, within)


# -- the officer's finding on the case -------------------------------------------------------------
def list_fields(form: dict | None) -> dict[str, str]:
    """`item` and `meets` -> the form's field so marked (`x-penalty-list`)."""
    fields = (form or {}).get("properties") or {}
    return {spec["x-penalty-list"]: name for name, spec in fields.items()
            if isinstance(spec, dict) and spec.get("x-penalty-list") in ("item", "meets")}


def check_finding(schema: dict | None, data: dict, case: Case, forms: dict[str, dict],
                  today: date | None = None) -> None:
    """The form's finding on the lists (fields marked `x-penalty-list`) against the registers:
    the item is of the department's lists, of the case's cause and valid today; a cause with a
    no-penalty item valid today has a finding; a first-violation item is met only by a party the
    register shows unpenalized for the cause within its look-back. 422 beside the field."""
    marked = list_fields(schema)
    if "item" not in marked:
        return
    today = today or local_today()
    register = registers.of(case.department)
    item_field, meets_field = marked["item"], marked.get("meets")
    cause = causes.chosen_in(schema, data) or causes.case_cause(case, forms)
    code = data.get(item_field)
    if not isinstance(code, str) or not code:
        due = register.items_of(cause, NO_PENALTY, today) if cause else []
        if due:
            raise Invalid({item_field: [tr(
                "is required: the cause %(cause)s is on the no-penalty list of %(department)s (%(items)s); choose "
                "the item the case is assessed against and record whether the case meets its conditions",
                cause=cause, department=case.department.name, items=", ".join(i.code for i in due))]})
        return
    item = register.items.get(code)
    if item is None:
        raise Invalid({item_field: [tr("%(code)s is not an item of the no-penalty or light-penalty lists of "
                                       "%(department)s", code=_UNSTORABLE.sub("?", code[:64]),
                                       department=case.department.name)]})
    if item.cause_code != cause:
        raise Invalid({item_field: [tr("the item %(code)s is for the cause %(item_cause)s, not for the case's cause "
                                       "%(cause)s", code=code, item_cause=item.cause_code, cause=cause or "—")]})
    if not item.valid_on(today):
        raise Invalid({item_field: [tr("the item %(code)s is valid from %(start)s to %(end)s, not on %(today)s",
                                       code=code, start=item.valid_from.isoformat(),
                                       end=item.valid_to.isoformat() if item.valid_to else "—",
                                       today=today.isoformat())]})
    if meets_field and data.get(meets_field) in MET and item.first_violation:
        judged = first_violation(case, item, today)
        if judged.earlier:
            last = judged.earlier[-1]
            raise Invalid({meets_field: [tr(
                "the party is not a first violator: case %(number)s was decided with a penalty for the cause "
                "%(cause)s on %(day)s, within the item's look-back of %(months)d months (from %(since)s)",
                number=last.case.number, cause=item.cause_code, day=last.decided_on.isoformat(),
                months=judged.months, since=judged.since.isoformat())]})


def recorded_finding(case: Case, forms: dict[str, dict]) -> tuple[str, bool] | None:
    """(item code, whether the case meets it) as the case's steps recorded it last, or None."""
    from ..cases.record import completed_steps

    found = None
    for step in completed_steps(case):
        marked = list_fields(forms.get(step.form_key or ""))
        code = step.data.get(marked.get("item", ""))
        if isinstance(code, str) and code:
            found = (code, step.data.get(marked.get("meets", "")) in MET)
    return found
