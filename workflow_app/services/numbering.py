"""案号 and 文号: the numbers the system issues to cases and documents, from each department's pattern.

A department's numbering (org_unit.numbering) is its short name (机关代字, `abbr`: 清市监), one
pattern (`{abbr}{kind}〔{year}〕{seq}号`) and a code per kind (立 for the case, 罚 for the penalty
decision …; DEFAULT_CODES unless the department sets its own). A package's form marks the field
that prints a document's number with `"x-document-number": "<kind>"`: the officer does not type
it; the system issues it when the step is completed, inside the step's one transaction.

Why then and not when the document is downloaded: the completion is the one act that commits the
document's content; a download changes nothing (and may happen many times, or never). A number
taken by a step that rolls back is given back with it (the counter's bump is in the same
transaction), so numbers stay gapless per (department, year, kind); a number once committed is the
step's record and prints the same on every download. Concurrent steps queue on the counter row
(one UPDATE … RETURNING: a row lock on PostgreSQL, the write lock on SQLite), so none is issued twice.
The year is the Beijing year of the act (the injected clock's now when the step is completed).
"""
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import IssuedNumber, NumberCounter, OrgUnit
from ..oversight.calendar import LOCAL_TZ
from ..wall_clock import local_today
from . import audit
from .errors import Conflict, Invalid, tr
from .transactions import one_transaction

CASE = "case"  # the kind of the case number (案号)
MARKER = "x-document-number"  # on a form field: the kind of the number the system prints there
DEFAULT_PATTERN = "{abbr}{kind}〔{year}〕{seq}号"
# The codes (字) of the kinds the shipped packages number; a department may set its own.
DEFAULT_CODES = {
    CASE: "立",
    "penalty_notice": "罚告",  # 行政处罚告知书
    "hearing_notice": "听",  # 听证通知书
    "penalty_decision": "罚",  # 行政处罚决定书
    "no_penalty_decision": "不罚",  # 不予行政处罚决定书
    "transfer": "移",  # 涉嫌犯罪案件移送书
}
KIND_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_ABBR = 20
MAX_CODE = 10
MAX_PATTERN = 60
MAX_NUMBER = 64  # enforcement_case.number, issued_number.number
LARGEST_SEQ = 999_999_999  # what a number must still fit when rendered
_PLACEHOLDER = re.compile(r"\{(abbr|kind|year|seq(?::0([1-9]))?)\}")
_REQUIRED = ("{kind}", "{year}", "{seq")


@dataclass(frozen=True)
class Issued:
    kind: str
    year: int
    seq: int
    number: str
    field: str | None = None  # the form field that prints it (None: the case number)


# -- patterns -----------------------------------------------------------------------------------
def _junk(value: str) -> bool:
    """NUL and the other control characters, DEL, lone surrogates and non-characters: never printed."""
    return any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF or ord(c) in (0x7F, 0xFFFE, 0xFFFF) for c in value)


def pattern_problems(pattern) -> list:
    """What is wrong with a pattern: it must name {kind}, {year} and {seq} (or {seq:0N}, padded
    to N digits), since without one of them two numbers could print the same; any other brace is
    refused (a pattern is no format string)."""
    if not isinstance(pattern, str) or not pattern.strip():
        return [tr("a pattern such as %(example)s", example=DEFAULT_PATTERN)]
    if len(pattern) > MAX_PATTERN:
        return [tr("at most %(count)d characters", count=MAX_PATTERN)]
    if _junk(pattern):
        return [tr("control characters and broken text cannot be printed")]
    problems = []
    if "{" in _PLACEHOLDER.sub("", pattern) or "}" in _PLACEHOLDER.sub("", pattern):
        problems.append(tr("only {abbr}, {kind}, {year}, {seq} and {seq:0N} may stand in braces"))
    missing = [p + ("}" if p == "{seq" else "") for p in _REQUIRED if p not in pattern]
    if missing:
        problems.append(tr("the pattern must name %(missing)s, or two numbers could print the same",
                           missing=", ".join(missing)))
    return problems


def render(pattern: str, *, abbr: str, code: str, year: int, seq: int) -> str:
    """The number as printed: 清市监罚〔2026〕7号. The pattern is checked (pattern_problems)."""
    def value(match: re.Match) -> str:
        name, width = match.group(1), match.group(2)
        if name == "abbr":
            return abbr
        if name == "kind":
            return code
        if name == "year":
            return str(year)
        return f"{seq:0{width}d}" if width else str(seq)
    return _PLACEHOLDER.sub(value, pattern)


@dataclass(frozen=True)
class Numbering:
    abbr: str
    pattern: str
    codes: dict  # kind -> code, the defaults with the department's own over them

    def code(self, kind: str) -> str | None:
        return self.codes.get(kind)


def numbering_of(unit: OrgUnit) -> Numbering | None:
    """The department's numbering, or None while an administrator has not set its short name."""
    return _settled(unit.numbering)


def _settled(stored) -> Numbering | None:
    if not isinstance(stored, dict) or not stored.get("abbr"):
        return None
    return Numbering(stored["abbr"], stored.get("pattern") or DEFAULT_PATTERN,
                     {**DEFAULT_CODES, **(stored.get("codes") or {})})


# -- issuing --------------------------------------------------------------------------------------
def _next_seq(department: OrgUnit, year: int, kind: str) -> int:
    """The next number of the department, year and kind: one atomic UPDATE … RETURNING of its
    counter row, so concurrent steps queue on the row instead of colliding; for the first of a
    year the row is made (INSERT … ON CONFLICT DO NOTHING: two firsts wait for each other, neither
    fails) and bumped. Must run in the transaction that keeps the number."""
    bump = (db.update(NumberCounter)
            .where(NumberCounter.department_id == department.id, NumberCounter.year == year,
                   NumberCounter.kind == kind)
            .values(last=NumberCounter.last + 1)
            .returning(NumberCounter.last))
    with db.session.no_autoflush:  # the step's own rows are flushed once, after (step_path.write)
        seq = db.session.execute(bump, execution_options={"synchronize_session": False}).scalar_one_or_none()
        if seq is None:  # the first of its year and kind
            insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
            db.session.execute(insert(NumberCounter).values(department_id=department.id, year=year, kind=kind, last=0)
                               .on_conflict_do_nothing(index_elements=["department_id", "year", "kind"]))
            seq = db.session.execute(bump, execution_options={"synchronize_session": False}).scalar_one()
    return seq


def case_number(department: OrgUnit, now: datetime) -> Issued:
    """The new case's number (案号): the department's 立 pattern (清市监立〔2026〕12号), or, for a
    department whose numbering is not set, the register's MARKET-2026-00042. One counter either
    way, so a department that sets its pattern mid-year continues its sequence."""
    year = now.astimezone(LOCAL_TZ).year
    seq = _next_seq(department, year, CASE)
    numbering = numbering_of(department)
    if numbering is None:
        return Issued(CASE, year, seq, f"{department.code.upper()}-{year}-{seq:05d}")
    return Issued(CASE, year, seq, render(numbering.pattern, abbr=numbering.abbr, code=numbering.code(CASE),
                                          year=year, seq=seq))


def numbered_fields(schema: dict | None) -> dict[str, str]:
    """field -> kind: the top-level fields of a form whose number the system issues."""
    props = (schema or {}).get("properties") or {}
    return {name: prop[MARKER] for name, prop in props.items()
            if isinstance(prop, dict) and isinstance(prop.get(MARKER), str)}


def refuse_typed(schema: dict | None, data) -> None:
    """A number the system issues is not typed: a request that sends one is refused (422)."""
    if not isinstance(data, dict):
        return
    typed = [name for name in numbered_fields(schema) if name in data]
    if typed:
        raise Invalid({name: [tr("the number is issued by the system when the step is completed; leave it out")]
                       for name in typed})


def check_can_number(schema: dict | None, department: OrgUnit) -> None:
    """Before the step runs: the department can number what the form prints (its short name set,
    a code for each kind), else the step is refused naming what an administrator must set."""
    kinds = sorted(set(numbered_fields(schema).values()))
    if not kinds:
        return
    numbering = numbering_of(department)
    missing = kinds if numbering is None else [k for k in kinds if not numbering.code(k)]
    if missing:
        raise Conflict(tr("%(department)s has no numbering for %(kinds)s: an administrator sets it "
                          "(flask org numbering)", department=department.name, kinds=", ".join(missing)),
                       code="numbering_not_set")


def issue_for_form(schema: dict | None, data: dict, department: OrgUnit, now: datetime) -> tuple[dict, list[Issued]]:
    """The form's data with the numbers the step issues filled in, and the numbers. Inside the step's
    transaction."""
    fields = numbered_fields(schema)
    if not fields:
        return data, []
    check_can_number(schema, department)  # again: the department's row as the transaction reads it
    numbering = numbering_of(department)
    year = now.astimezone(LOCAL_TZ).year
    issued = []
    for name, kind in fields.items():
        seq = _next_seq(department, year, kind)
        issued.append(Issued(kind, year, seq, render(numbering.pattern, abbr=numbering.abbr,
                                                     code=numbering.code(kind), year=year, seq=seq), name))
    return {**data, **{i.field: i.number for i in issued}}, issued


def keep(issued: list[Issued], *, case, task_id: int | None, actor, now: datetime) -> None:
    """The numbers issued, kept, in the step's transaction after its flush; a document's number is
    traced (`number.issued`), the case's by the `case.opened` event that names it."""
    for item in issued:
        db.session.add(IssuedNumber(department_id=case.department_id, year=item.year, kind=item.kind, seq=item.seq,
                                    number=item.number, case_id=case.id, task_id=task_id, field=item.field,
                                    issued_at=now))
        if item.kind == CASE:
            continue
        audit.record("number.issued", actor=actor, case_id=case.id, task_id=task_id, at=now,
                     data={"kind": item.kind, "year": item.year, "seq": item.seq, "number": item.number,
                           "field": item.field})


# -- the administrator's settings ---------------------------------------------------------------
def set_numbering(actor, code: str, *, abbr=None, pattern=None, codes=None) -> OrgUnit:
    """A department's numbering (admin): its short name, its pattern and its kinds' codes, each
    replaced when given (codes merged: an empty code goes back to the default). The numbers
    already issued stay as printed; the counters continue."""
    from .users import unit_by_code

    unit = unit_by_code(code)
    current = dict(unit.numbering or {})
    errors: dict[str, list] = {}
    if abbr is not None:
        if not isinstance(abbr, str) or not abbr.strip() or len(abbr) > MAX_ABBR or _junk(abbr) \
                or any(c in abbr for c in "{}"):
            errors["abbr"] = [tr("the department's short name (机关代字), 1 to %(limit)d characters, no braces",
                                 limit=MAX_ABBR)]
        else:
            current["abbr"] = abbr.strip()
    if pattern is not None:
        problems = pattern_problems(pattern)
        if problems:
            errors["pattern"] = problems
        else:
            current["pattern"] = pattern
    if codes is not None:
        merged = dict(current.get("codes") or {})
        for kind, value in codes.items():
            if not isinstance(kind, str) or not KIND_NAME.match(kind):
                errors.setdefault("code", []).append(tr("%(kind)s is not a kind's name (a-z, 0-9, _)", kind=repr(kind)))
            elif value in (None, ""):
                merged.pop(kind, None)
            elif not isinstance(value, str) or len(value) > MAX_CODE or _junk(value) or any(c in value for c in "{}"):
                errors.setdefault("code", []).append(tr("the code of %(kind)s: 1 to %(limit)d characters, no braces",
                                                        kind=kind, limit=MAX_CODE))
            else:
                merged[kind] = value
        current["codes"] = merged
    if not errors:
        errors = _whole_problems(current)
    if errors:
        raise Invalid(errors)
    with one_transaction():
        unit.numbering = current
        audit.record("org_unit.numbering_set", actor=actor, data={"code": code, "numbering": current})
    return unit


def _whole_problems(numbering: dict) -> dict:
    """Across the settings: a short name before anything is numbered, each kind a code of its own
    (two kinds with one code would print the same numbers), and numbers that fit their column."""
    if not numbering.get("abbr"):
        return {"abbr": [tr("set the department's short name (机关代字) first")]}
    settled = _settled(numbering)
    by_code: dict[str, list[str]] = {}
    for kind, code in settled.codes.items():
        by_code.setdefault(code, []).append(kind)
    shared = [f"{code}: {', '.join(sorted(kinds))}" for code, kinds in by_code.items() if len(kinds) > 1]
    if shared:
        return {"code": [tr("each kind needs a code of its own (%(shared)s)", shared="; ".join(shared))]}
    longest = max(len(render(settled.pattern, abbr=settled.abbr, code=code, year=9999, seq=LARGEST_SEQ))
                  for code in settled.codes.values())
    if longest > MAX_NUMBER:
        return {"pattern": [tr("a number would print %(count)d characters; at most %(limit)d",
                               count=longest, limit=MAX_NUMBER)]}
    return {}


def describe(unit: OrgUnit) -> str:
    """One line of the department's numbering, as `flask org numbering` prints it."""
    numbering = numbering_of(unit)
    if numbering is None:
        return f"{unit.code}\tnumbering: - (cases: {unit.code.upper()}-YEAR-NNNNN; documents cannot be numbered)"
    year = local_today().year
    examples = ", ".join(f"{kind}={render(numbering.pattern, abbr=numbering.abbr, code=code, year=year, seq=1)}"
                         for kind, code in sorted(numbering.codes.items()))
    return f"{unit.code}\tabbr: {numbering.abbr}\tpattern: {numbering.pattern}\t{examples}"

