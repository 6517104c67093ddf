"""案号 and 文号: the numbers the system issues to cases and documents, from each department's pattern.

A department's numbering (org_unit.numbering) is its short name (机关代字, `abbr`: 清市监), one
pattern (`{abbr}{kind}〔{year}〕{seq}号`) and a code per kind (立 for the case, 罚 for the penalty
decision …; DEFAULT_CODES unless the department sets its own).

A case's number (案号) is of the kind its procedure's kind chooses (`procedureKind` on the package's
process, kept on the version: oversight/procedure_kinds.py): an enterprise inspection is no filed
case, and is numbered `inspection_case` (检: 清市监检〔2026〕3号) with a counter of its own; every
other procedure kind numbers its cases `case` (立) until CASE_KINDS names a kind of its own for it.

A package's form marks the field that prints a document's number with
`"x-document-number": "<kind>"` (checked at deploy: marker_problems): the officer does not type it;
the system issues it when the step is completed, inside the step's one transaction.

Why then and not when the document is downloaded: the completion is the one act that commits the
document's content; a download changes nothing (and may happen many times, or never). A number
taken by a step that rolls back is given back with it (the counter's bump is in the same
transaction), so numbers stay gapless per (department, year, kind); a number once committed is the
step's record and prints the same on every download. Concurrent steps queue on the counter row
(one UPDATE … RETURNING: a row lock on PostgreSQL, the write lock on SQLite), so none is issued twice.
The year is the Beijing year of the act (the injected clock's now when the step is completed).

A form completed again and again records the same act again: the execution's later records keep
the date of the demand to pay (催告书, 行政强制法 Art. 35) served earlier. Its number is marked
`{"kind": "demand", "per": "demand_served_on"}`: the number of the act that field dates, issued
only by a completion that records the field, and once per distinct value of it in the case: a later
completion of the form recording the same date carries the number issued for it (the same document,
printed from the completion that issued it: services/cases/documents.py), a new date takes a new number.
So no act has two numbers and no number two acts.

A number printed on a pre-printed, numbered form is typed by the officer instead, in a field
marked `"x-printed-number": "<kind>"`, and recorded beside the issued ones so that none is used
twice (services/registers/printed_numbers.py). Deploy checks both markers (`form_problems`).
"""
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ...extensions import db
from ...models import IssuedNumber, NumberCounter, OrgUnit, User
from ...oversight import conditions
from ...oversight.calendar import LOCAL_TZ
from ...wall_clock import local_today
from ..audit import trail as audit
from ..errors import Conflict, Invalid, NotFound, Text, tr
from ..people.access import in_scope, require_role
from ..transactions import one_transaction

CASE = "case"  # the kind of the case number (案号)
# The kind of a case's number by its procedure's kind (oversight/procedure_kinds.py), where it is
# not `case`: a new procedure kind with numbers of its own adds itself here and its code below.
CASE_KINDS = {"inspection": "inspection_case"}
MARKER = "x-document-number"  # on a form field: the kind of the number the system prints there
# On a form field: the kind of a pre-printed, numbered form whose number the officer types
# (当场处罚决定书, APL Art. 52); recorded once per department (services/registers/printed_numbers.py).
PRINTED_MARKER = "x-printed-number"
DEFAULT_PATTERN = "{abbr}{kind}〔{year}〕{seq}号"
# The codes (字) of the kinds the shipped packages number; a department may set its own.
DEFAULT_CODES = {
    CASE: "立",
    "inspection_case": "检",  # 涉企行政检查 (an inspection is no filed case: docs/inspections.md)
    "penalty_notice": "罚告",  # 行政处罚告知书
    "hearing_notice": "听",  # 听证通知书
    "penalty_decision": "罚",  # 行政处罚决定书
    "no_penalty_decision": "不罚",  # 不予行政处罚决定书
    "transfer": "移",  # 涉嫌犯罪案件移送书
    "seizure_decision": "封扣",  # 查封（扣押）决定书, 行政强制法 Art. 24
    "seizure_extension": "延封扣",  # 延长查封（扣押）期限通知书, Art. 25
    "seizure_release": "解封扣",  # 解除查封（扣押）决定书, Art. 28
    "demand": "催",  # 催告书 (行政强制法 Art. 35)
    "execution_decision": "强执",  # 行政强制执行决定书 (行政强制法 Art. 37)
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
def unprintable(value: str) -> bool:
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
    if unprintable(pattern):
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


# -- the markers, checked at deploy ------------------------------------------------------------------
def form_problems(forms: dict[str, dict], used) -> list[tuple[str, Text]]:
    """(form key, what is wrong) of the number markers of the `used` forms: a marker names a kind
    (a-z, 0-9, _) on a top-level string field (the step reads no other: one deeper would be
    ignored); a field is numbered by the system or typed from a pre-printed form, not both; a
    typed number fits the column that keeps it (maxLength at most MAX_NUMBER) and is not the case's."""
    found = []
    for key in sorted(set(used) & forms.keys()):
        for name, prop in ((forms[key] or {}).get("properties") or {}).items():
            if not isinstance(prop, dict):
                continue
            where = f"{key}.{name}"
            found += [(key, problem) for problem in _marker_problems(prop, where)]
            found += [(key, tr("%(field)s: only a top-level field may carry %(marker)s", field=inner, marker=marker))
                      for inner, marker in _nested_typed_markers(prop, f"{where}.")]
        found += [(key, problem) for problem in marker_problems(forms[key] or {})]
    return found


def _marker_problems(prop: dict, where: str) -> list[Text]:
    marked = [m for m in (MARKER, PRINTED_MARKER) if m in prop]
    if not marked:
        return []
    if len(marked) == 2:
        return [tr("%(field)s: a number is issued by the system (%(issued)s) or typed from a pre-printed form "
                   "(%(printed)s), not both", field=where, issued=MARKER, printed=PRINTED_MARKER)]
    marker, kind = marked[0], prop[marked[0]]
    problems = []
    if marker == PRINTED_MARKER and (not isinstance(kind, str) or not KIND_NAME.match(kind)):
        problems.append(tr("%(field)s: %(marker)s names the kind of the number (a-z, 0-9, _), not %(value)s",
                           field=where, marker=marker, value=repr(kind)[:80]))
    if prop.get("type") != "string":
        problems.append(tr("%(field)s: %(marker)s is on a field of type %(type)s; a number is a string",
                           field=where, marker=marker, type=repr(prop.get("type"))[:40]))
    if marker == PRINTED_MARKER:
        if kind in (CASE, *CASE_KINDS.values()):
            problems.append(tr("%(field)s: the case number is the system's; a pre-printed form's kind is another",
                               field=where))
        limit = prop.get("maxLength")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit > MAX_NUMBER:
            problems.append(tr("%(field)s: a typed number is kept in at most %(limit)d characters: set maxLength "
                               "to %(limit)d or less", field=where, limit=MAX_NUMBER))
    return problems


def _nested_typed_markers(node, path: str = "") -> list[tuple[str, str]]:
    """(path, marker) of each typed-number marker below a top-level field (in its items or
    properties); those of the system's numbers are named by marker_problems."""
    found = []
    children = []
    if isinstance(node, dict):
        children += [(f"{path}{n}", c) for n, c in (node.get("properties") or {}).items()] \
            if isinstance(node.get("properties"), dict) else []
        if isinstance(node.get("items"), dict):
            children.append((f"{path}*", node["items"]))
    for child_path, child in children:
        if isinstance(child, dict):
            found += [(child_path, PRINTED_MARKER)] if PRINTED_MARKER in child else []
            found += _nested_typed_markers(child, f"{child_path}.")
    return found


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


def case_kind(procedure_kind: str | None) -> str:
    """The kind of number a case of that procedure kind takes (CASE_KINDS; `case` for the rest)."""
    return CASE_KINDS.get(procedure_kind, CASE)


def case_number(department: OrgUnit, now: datetime, procedure_kind: str | None = None) -> Issued:
    """The new case's number (案号), of the kind its procedure's kind chooses (case_kind): the
    department's pattern with that kind's code (清市监立〔2026〕12号, an inspection 清市监检〔2026〕3号),
    or, for a department whose numbering is not set, the register's MARKET-2026-00042 (another
    kind than `case` with its default code: MARKET-检-2026-00003). One counter per kind either way,
    so a department that sets its pattern mid-year continues its sequences."""
    kind = case_kind(procedure_kind)
    year = now.astimezone(LOCAL_TZ).year
    seq = _next_seq(department, year, kind)
    numbering = numbering_of(department)
    if numbering is None:
        tag = "" if kind == CASE else f"{DEFAULT_CODES[kind]}-"
        return Issued(kind, year, seq, f"{department.code.upper()}-{tag}{year}-{seq:05d}")
    return Issued(kind, year, seq, render(numbering.pattern, abbr=numbering.abbr, code=numbering.code(kind),
                                          year=year, seq=seq))


@dataclass(frozen=True)
class Marker:
    """What a form field's `x-document-number` says: the kind of number printed there, and `per`,
    the field of the same form dating the act the number is for (None: every completion issues one)."""

    kind: str
    per: str | None = None


def _marker(declared) -> Marker | None:
    """The marker a field declares: "<kind>", or {"kind": "<kind>", "per": "<field>"}; None for
    any other value (deploy refuses it: marker_problems)."""
    if isinstance(declared, str):
        return Marker(declared)
    if isinstance(declared, dict) and set(declared) == {"kind", "per"} and isinstance(declared["kind"], str) \
            and isinstance(declared["per"], str):
        return Marker(declared["kind"], declared["per"])
    return None


def markers(schema: dict | None) -> dict[str, Marker]:
    """field -> its marker: the top-level fields of a form whose number the system issues."""
    props = (schema or {}).get("properties") or {}
    return {name: marker for name, prop in props.items()
            if isinstance(prop, dict) and (marker := _marker(prop.get(MARKER))) is not None}


def numbered_fields(schema: dict | None) -> dict[str, str]:
    """field -> kind: the top-level fields of a form whose number the system issues."""
    return {name: marker.kind for name, marker in markers(schema).items()}


def marker_problems(schema: dict) -> list:
    """What deploy refuses in a form's numbered fields: a marker of neither shape or a kind that is no
    name; `per` naming no other top-level field of the form; a marker below the top level (never
    issued: the system fills top-level fields only)."""
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    found = []
    for name, prop in props.items():
        if not isinstance(prop, dict) or MARKER not in prop:
            continue
        marker = _marker(prop[MARKER])
        if marker is None or not KIND_NAME.match(marker.kind):
            found.append(tr('field %(field)s: %(marker)s is "<kind>" or {"kind": "<kind>", "per": "<field>"}, '
                            "a kind being a-z, 0-9 and _ from a letter", field=name, marker=MARKER))
        elif marker.per is not None and (marker.per == name or not isinstance(props.get(marker.per), dict)
                                         or MARKER in props[marker.per]):
            found.append(tr("field %(field)s: %(marker)s per %(per)s names no other field of the form that the "
                            "officer records", field=name, marker=MARKER, per=repr(marker.per)))
    found += [tr("field %(field)s: %(marker)s is read on a top-level field only", field=path, marker=MARKER)
              for path in _nested_markers(props, "")]
    return found


def _nested_markers(props: dict, prefix: str, depth: int = 0) -> list[str]:
    """The paths of markers below the top level (prefix: the path so far; bounded depth)."""
    found = []
    if depth > 20:
        return found
    for name, prop in props.items():
        if not isinstance(prop, dict):
            continue
        if prefix and MARKER in prop:
            found.append(prefix + name)
        for child in (prop, prop.get("items")):
            if isinstance(child, dict) and isinstance(child.get("properties"), dict):
                found += _nested_markers(child["properties"], f"{prefix}{name}.", depth + 1)
    return found


def refuse_typed(schema: dict | None, data) -> None:
    """A number the system issues is not typed: a request that sends one is refused (422)."""
    if not isinstance(data, dict):
        return
    typed = [name for name in numbered_fields(schema) if name in data]
    if typed:
        raise Invalid({name: [tr("the number is issued by the system when the step is completed; leave it out")]
                       for name in typed})


def _numbers_due(schema: dict | None, data: dict, earlier: list[dict]) -> tuple[dict[str, str], dict[str, str]]:
    """What the step numbers: (field -> kind to issue, field -> number carried). A field numbered
    `per` another numbers the act that field dates: nothing while it is not recorded; the number
    issued for the same date by an earlier completion of the form (`earlier`, oldest first), carried
    (the same demand recorded again); else a new one. A record of that date from before the form
    numbered it carries none."""
    issue, carried = {}, {}
    for name, marker in markers(schema).items():
        if marker.per is None:
            issue[name] = marker.kind
            continue
        value = data.get(marker.per)
        if not conditions.filled(value):
            continue
        same = next((row for row in earlier if row.get(marker.per) == value), None)
        if same is None:
            issue[name] = marker.kind
        elif isinstance(same.get(name), str):
            carried[name] = same[name]
    return issue, carried


def check_can_number(schema: dict | None, department: OrgUnit, data: dict | None = None,
                     earlier: list[dict] = ()) -> None:
    """Before the step runs: the department can number what the step issues (its short name set,
    a code for each kind), else the step is refused naming what an administrator must set."""
    kinds = sorted(set(_numbers_due(schema, data or {}, list(earlier))[0].values()))
    if not kinds:
        return
    numbering = numbering_of(department)
    missing = kinds if numbering is None else [k for k in kinds if not numbering.code(k)]
    if missing:
        raise Conflict(tr("%(department)s has no numbering for %(kinds)s: an administrator sets it "
                          "(flask org numbering)", department=department.name, kinds=", ".join(missing)),
                       code="numbering_not_set")


def issue_for_form(schema: dict | None, data: dict, department: OrgUnit, now: datetime,
                   earlier: list[dict] = ()) -> tuple[dict, list[Issued]]:
    """The form's data with the numbers the step issues (and those it carries, _numbers_due) filled
    in, and the numbers issued. Inside the step's transaction; `earlier`: the data of the case's
    earlier completions of the form, oldest first."""
    issue, carried = _numbers_due(schema, data, list(earlier))
    if not issue:
        return ({**data, **carried} if carried else data), []
    check_can_number(schema, department, data, earlier)  # again: the department's row as the transaction reads it
    numbering = numbering_of(department)
    year = now.astimezone(LOCAL_TZ).year
    issued = []
    for name, kind in issue.items():
        seq = _next_seq(department, year, kind)
        issued.append(Issued(kind, year, seq, render(numbering.pattern, abbr=numbering.abbr,
                                                     code=numbering.code(kind), year=year, seq=seq), name))
    return {**data, **carried, **{i.field: i.number for i in issued}}, issued


def keep(issued: list[Issued], *, case, task_id: int | None, actor, now: datetime) -> None:
    """The numbers issued, kept, in the step's transaction after its flush; a document's number is
    traced (`number.issued`), the case's by the `case.opened` event that names it."""
    for item in issued:
        db.session.add(IssuedNumber(department_id=case.department_id, year=item.year, kind=item.kind, seq=item.seq,
                                    number=item.number, case_id=case.id, task_id=task_id, field=item.field,
                                    issued_at=now))
        if item.field is None:  # the case's number (of whichever kind: case_kind)
            continue
        audit.record("number.issued", actor=actor, case_id=case.id, task_id=task_id, at=now,
                     data={"kind": item.kind, "year": item.year, "seq": item.seq, "number": item.number,
                           "field": item.field})


# -- the administrator's settings ---------------------------------------------------------------
def numbered_department(actor: User | str, code: str) -> OrgUnit:
    """The department whose numbering `actor` reads or sets: a user must be an administrator, and
    the department in their org scope (outside it, the 404 of a unit that does not exist); a label
    (`cli:root`, `demo:seed`) is the command line's operator."""
    from ..people.users import unit_by_code

    if isinstance(actor, User):
        require_role(actor, "admin", tr("setting a department's numbering"))
    unit = unit_by_code(code)
    if isinstance(actor, User) and not in_scope(actor, unit):
        raise NotFound(tr("no org unit %(code)s", code=repr(code)))
    if unit.kind != "department":
        raise NotFound(tr("%(code)s is no department: only a department numbers cases", code=repr(code)))
    return unit


def numbered_departments(actor: User) -> list[OrgUnit]:
    """The departments of the administrator's scope, by path (the numbering page's list)."""
    from ..people.access import scope_unit_ids

    require_role(actor, "admin", tr("setting a department's numbering"))
    return list(db.session.execute(db.select(OrgUnit).where(OrgUnit.id.in_(scope_unit_ids(actor)),
                                                            OrgUnit.kind == "department")
                                   .order_by(OrgUnit.path)).scalars())


def next_seq(department: OrgUnit, year: int, kind: str) -> int:
    """The seq the next number of that department, year and kind would take, read without issuing
    it (no counter is bumped: a step in between may take it first, so this is an example only)."""
    last = db.session.execute(db.select(NumberCounter.last).where(
        NumberCounter.department_id == department.id, NumberCounter.year == year,
        NumberCounter.kind == kind)).scalar_one_or_none()
    return (last or 0) + 1


@dataclass(frozen=True)
class KindExample:
    """One kind of a department's numbering as the page shows it: its code (`own`: the department
    set it, else the default) and the number it would print next (None: it cannot number it)."""

    kind: str
    code: str | None
    own: bool
    next_seq: int
    example: str | None


def examples(unit: OrgUnit, year: int) -> list[KindExample]:
    """Each kind the department numbers (the defaults' and its own), with the next number of the
    year rendered by `render` (or, unset, the register's case number; documents: none)."""
    numbering = numbering_of(unit)
    own = ((unit.numbering or {}).get("codes") or {}) if isinstance(unit.numbering, dict) else {}
    codes = numbering.codes if numbering else dict(DEFAULT_CODES)
    out = []
    for kind in [*DEFAULT_CODES, *sorted(set(codes) - set(DEFAULT_CODES))]:
        seq = next_seq(unit, year, kind)
        if numbering is not None:
            example = render(numbering.pattern, abbr=numbering.abbr, code=codes[kind], year=year, seq=seq)
        elif kind == CASE or kind in CASE_KINDS.values():
            tag = "" if kind == CASE else f"{DEFAULT_CODES[kind]}-"
            example = f"{unit.code.upper()}-{tag}{year}-{seq:05d}"
        else:
            example = None
        out.append(KindExample(kind, codes.get(kind), kind in own, seq, example))
    return out


def set_numbering(actor, code: str, *, abbr=None, pattern=None, codes=None) -> OrgUnit:
    """A department's numbering (admin): its short name, its pattern and its kinds' codes, each
    replaced when given (codes merged: an empty code goes back to the default). The numbers
    already issued stay as printed; the counters continue. Traced (`org_unit.numbering_set`)."""
    unit = numbered_department(actor, code)
    current = dict(unit.numbering or {})
    errors: dict[str, list] = {}
    if abbr is not None:
        if not isinstance(abbr, str) or not abbr.strip() or len(abbr) > MAX_ABBR or unprintable(abbr) \
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
            elif not isinstance(value, str) or len(value) > MAX_CODE or unprintable(value) or any(c in value for c in "{}"):
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



def overview(unit: OrgUnit) -> dict:
    """The department's numbering as the page and the API show it: what is set and the next number
    of each kind this (Beijing) year, read without issuing one."""
    stored = unit.numbering if isinstance(unit.numbering, dict) else {}
    year = local_today().year
    return {"department": unit.code, "name": unit.name, "abbr": stored.get("abbr") or None,
            "pattern": stored.get("pattern") or DEFAULT_PATTERN, "pattern_set": bool(stored.get("pattern")),
            "year": year, "kinds": examples(unit, year)}
