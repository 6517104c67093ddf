"""The causes register (案由): each department's items of its powers list (权责清单) — the violation,
the provision it breaks, the penalty provision and the statutory range that provision sets.

Administrators import it from CSV (`flask causes import FILE`), one row per cause:

    department,code,name,violated_provision,penalty_provision,penalty_kinds,min_fine,max_fine,
    multiple_basis,min_multiple,max_multiple,multiple_from,benchmark_item

`department` is the org unit's code; `penalty_kinds` the kinds of APL Art. 9 (oversight/powers.py
codes) separated by `;`; `min_fine`/`max_fine` the fixed range in yuan; where the law counts the
fine in multiples of the illegal gain (`illegal_gain`, 违法所得) or of the goods' value
(`goods_value`, 货值金额), `min_multiple`/`max_multiple` of it, applying from `multiple_from` yuan
of that basis (below it, or where none is recorded, the fixed range applies: Food Safety Law
Art. 124, Road Transport Regulations Art. 63). `benchmark_item` names the discretion benchmark
(services/oversight/benchmarks.py) that splits the range into tiers.

An import is one transaction, checked whole first (a bad row names its line and nothing is
written), and traced on the system chain with the file's SHA-256; a cause of the file replaces the
register's cause of the same department and code. Anyone logged in may read the register: powers
lists are public (118号, 行政执法公示).

The statutory range is enforced by the rule kind `fine_within_statutory_range`
(oversight/step_rules/statutory_range.py: FINE_OUTSIDE_STATUTORY_RANGE, APL 32).
"""
import csv
import io
import math
import re

from ...extensions import db
from ...models import Cause, DiscretionBenchmark, OrgUnit
from ...oversight.powers import PENALTY_KINDS
from ...oversight.step_rules.statutory_range import BASIS_WORDS, yuan
from .. import paging
from ..cases.record import completed_steps
from ..errors import Invalid, NotFound, Phrase, tr
from . import copies as registers

COLUMNS = ("department", "code", "name", "violated_provision", "penalty_provision", "penalty_kinds", "min_fine",
           "max_fine", "multiple_basis", "min_multiple", "max_multiple", "multiple_from", "benchmark_item")
REQUIRED = ("department", "code", "name", "violated_provision", "penalty_provision", "penalty_kinds")
LIMITS = {"department": 64, "code": 64, "name": 300, "violated_provision": 500, "penalty_provision": 500,
          "penalty_kinds": 500, "benchmark_item": 64}
BASES = ("illegal_gain", "goods_value")
MAX_ROWS = 20_000
MAX_FINE = 10**12
MAX_MULTIPLE = 1000
MAX_FILE = 10 * 1024 * 1024
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def import_csv(data: bytes, actor) -> tuple[int, int]:
    """(causes created, causes updated) from a CSV file (UTF-8, with or without a BOM)."""
    if len(data) > MAX_FILE:
        raise Invalid({"file": [tr("the file is larger than %(max)d bytes", max=MAX_FILE)]})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise Invalid({"file": [tr("the file is not UTF-8 (at byte %(at)d)", at=err.start)]}) from None
    if "\x00" in text:
        raise Invalid({"file": [tr("the file holds a NUL character")]})
    units = {u.code: u for u in db.session.execute(db.select(OrgUnit)).scalars()}
    benchmark_codes = set(db.session.execute(db.select(DiscretionBenchmark.code)).scalars())
    causes = _read(text, units, benchmark_codes)
    return registers.write_import(Cause, causes, units, actor=actor, action="causes.imported", listed="causes",
                                  content=data)


def _read(text: str, units: dict[str, OrgUnit], benchmark_codes: set[str]) -> dict[tuple[str, str], dict]:
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        fieldnames = reader.fieldnames or []
    except csv.Error as err:
        raise Invalid({"file": [tr("the file is not CSV: %(reason)s", reason=str(err))]}) from None
    missing = [c for c in COLUMNS if c not in fieldnames]
    if missing:
        raise Invalid({"file": [tr("the header lacks the columns %(columns)s", columns=", ".join(missing))]})
    causes: dict[tuple[str, str], dict] = {}
    errors: dict[str, list[str]] = {}
    try:
        for n, row in enumerate(reader, start=2):
            if n - 1 > MAX_ROWS:
                raise Invalid({"file": [tr("more than %(max)d rows", max=MAX_ROWS)]})
            item, problems = _row(row, units, benchmark_codes)
            key = ((row.get("department") or "").strip(), (row.get("code") or "").strip())
            if not problems and key in causes:
                problems = [tr("the cause %(code)s of %(department)s is given twice", code=key[1],
                               department=key[0])]
            if problems:
                errors[f"line {n}"] = problems
                continue
            causes[key] = item
    except csv.Error as err:
        raise Invalid({"file": [tr("the file is not CSV: %(reason)s", reason=str(err))]}) from None
    if errors:
        raise Invalid(errors)
    if not causes:
        raise Invalid({"file": [tr("the file has no cause rows")]})
    return causes


def csv_cell(row: dict, column: str) -> str:
    """A CSV row's cell, stripped; "" where the row lacks it (a short line). Shared by the lists'
    import (services/registers/penalty_lists.py)."""
    value = row.get(column)
    return value.strip() if isinstance(value, str) else ""


def _amount(row: dict, column: str, high: float, problems: list) -> float | int | None:
    raw = csv_cell(row, column)
    if not raw:
        return None
    try:
        value = float(raw)
        if not (math.isfinite(value) and 0 <= value <= high):
            raise ValueError
    except ValueError:
        problems.append(tr("%(column)s must be a number from 0 to %(max)d", column=column, max=high))
        return None
    return int(value) if value.is_integer() else round(value, 2)


def _row(row: dict, units: dict[str, OrgUnit], benchmark_codes: set[str]) -> tuple[dict, list]:
    problems: list = []
    if None in row:  # more cells than the header has columns
        problems.append(tr("the row has more cells than the header"))
    for column in REQUIRED:
        if not csv_cell(row, column):
            problems.append(tr("%(column)s is empty", column=column))
    for column, limit in LIMITS.items():
        if len(csv_cell(row, column)) > limit:
            problems.append(tr("%(column)s is longer than %(limit)d characters", column=column, limit=limit))
    department = csv_cell(row, "department")
    unit = units.get(department)
    if department and (unit is None or unit.kind != "department"):
        problems.append(tr("department %(code)s is not a department of the org tree", code=department[:64]))
    kinds = [k.strip() for k in csv_cell(row, "penalty_kinds").replace("；", ";").split(";") if k.strip()]
    unknown = [k for k in kinds if k not in PENALTY_KINDS]
    if unknown:
        problems.append(tr("penalty_kinds: %(kinds)s not among %(choices)s", kinds=", ".join(k[:40] for k in unknown),
                           choices=", ".join(PENALTY_KINDS)))
    elif unit is not None and unit.penalty_powers:
        outside = [k for k in kinds if k not in unit.penalty_powers]
        if outside:
            problems.append(tr("penalty_kinds: %(kinds)s not in the powers list of %(department)s",
                               kinds=", ".join(outside), department=department))
    min_fine, max_fine = _amount(row, "min_fine", MAX_FINE, problems), _amount(row, "max_fine", MAX_FINE, problems)
    low, high = _amount(row, "min_multiple", MAX_MULTIPLE, problems), _amount(row, "max_multiple", MAX_MULTIPLE, problems)
    multiple_from = _amount(row, "multiple_from", MAX_FINE, problems)
    basis = csv_cell(row, "multiple_basis") or None
    if min_fine is not None and max_fine is not None and min_fine > max_fine:
        problems.append(tr("min_fine is above max_fine"))
    if low is not None and high is not None and low > high:
        problems.append(tr("min_multiple is above max_multiple"))
    if basis is not None and basis not in BASES:
        problems.append(tr("multiple_basis must be one of %(choices)s", choices=", ".join(BASES)))
    if (basis is None) != (high is None) or (low is not None and high is None):
        problems.append(tr("a multiple range names its basis (multiple_basis) and at least max_multiple"))
    if multiple_from is not None and basis is None:
        problems.append(tr("multiple_from is given without a multiple range"))
    fined = "fine" in kinds
    if fined and max_fine is None and high is None:
        problems.append(tr("a cause with a fine sets its maximum: max_fine or max_multiple"))
    if not fined and any(v is not None for v in (min_fine, max_fine, low, high)):
        problems.append(tr("a fine range is given but penalty_kinds has no fine"))
    benchmark = csv_cell(row, "benchmark_item") or None
    if benchmark is not None and benchmark not in benchmark_codes:
        problems.append(tr("benchmark_item %(code)s is not in the discretion benchmarks register", code=benchmark[:64]))
    item = {"name": csv_cell(row, "name"), "violated_provision": csv_cell(row, "violated_provision"),
            "penalty_provision": csv_cell(row, "penalty_provision"), "penalty_kinds": kinds, "min_fine": min_fine,
            "max_fine": max_fine, "multiple_basis": basis, "min_multiple": low, "max_multiple": high,
            "multiple_from": multiple_from, "benchmark_item": benchmark}
    return item, problems


# -- reading the register --------------------------------------------------------------------------
def _storable(code: str | None) -> bool:
    """A code the registers could hold: at most 64 characters, no NUL or lone surrogate (a URL's
    path is not checked before the view, and PostgreSQL refuses such text as a parameter)."""
    return bool(code) and len(code) <= 64 and not _UNSTORABLE.search(code)


def department(code: str | None, fallback: OrgUnit | None = None) -> OrgUnit:
    """The department of that code (a 404 naming it if none), or `fallback` when no code is given."""
    if not code and fallback is not None:
        return fallback
    unit = db.session.execute(db.select(OrgUnit).where(OrgUnit.code == code, OrgUnit.kind == "department")
                              ).scalar() if _storable(code) else None
    if unit is None:
        raise NotFound(tr("no department %(code)s", code=_UNSTORABLE.sub("?", (code or "")[:64])))
    return unit


def departments() -> list[OrgUnit]:
    return list(db.session.execute(db.select(OrgUnit).where(OrgUnit.kind == "department")
                                   .order_by(OrgUnit.id)).scalars())


# The register reads a page at a time by code (unique in a department): a powers list may hold
# thousands of causes (an import takes up to MAX_ROWS).
REGISTER_ORDER = [paging.SortKey(Cause.code, kind=str)]
REGISTER_PAGE = 100


def register_page(unit: OrgUnit, *, after: str | None = None, per_page: int = REGISTER_PAGE) -> paging.Page:
    """A page of the department's causes register by code: those after the cursor `after`."""
    query = db.select(Cause).where(Cause.department_id == unit.id)
    return paging.fetch_page(query, REGISTER_ORDER, after=after, per_page=per_page)


def department_causes(unit: OrgUnit) -> list[Cause]:
    return list(db.session.execute(db.select(Cause).where(Cause.department_id == unit.id)
                                   .order_by(Cause.code)).scalars())


def find(unit_id: int, code: str | None) -> Cause | None:
    if not isinstance(code, str) or not _storable(code):
        return None
    return db.session.execute(db.select(Cause).where(Cause.department_id == unit_id, Cause.code == code)).scalar()


def get(department_code: str, code: str) -> Cause:
    unit = department(department_code)
    cause = find(unit.id, code)
    if cause is None:
        raise NotFound(tr("no cause %(code)s in the register of %(department)s", code=_UNSTORABLE.sub("?", code[:64]),
                          department=unit.code))
    return cause


def benchmark_of(cause: Cause | None) -> DiscretionBenchmark | None:
    if cause is None or not cause.benchmark_item:
        return None
    return db.session.execute(db.select(DiscretionBenchmark)
                              .where(DiscretionBenchmark.code == cause.benchmark_item)).scalar()


def range_words(cause: Cause) -> Phrase:
    """The cause's statutory fine in words, in both languages: `50000元以上100000元以下；货值金额10000元
    以上的，货值金额10倍以上20倍以下`; empty where the cause has no fine."""
    zh, en = [], []
    basis_zh, basis_en = BASIS_WORDS.get(cause.multiple_basis or "", ("", ""))
    if cause.min_fine is not None or cause.max_fine is not None:
        low, high = cause.min_fine, cause.max_fine
        when_zh = f"{basis_zh}不足{yuan(cause.multiple_from)}元或者没有{basis_zh}的，" if cause.multiple_from is not None \
            else (f"没有{basis_zh}的，" if basis_zh else "")
        when_en = (f"with the {basis_en} under {yuan(cause.multiple_from)} yuan or none, " if cause.multiple_from is not None
                   else (f"with no {basis_en}, " if basis_en else ""))
        zh.append(when_zh + (f"{yuan(low)}元以上" if low is not None else "")
                  + (f"{yuan(high)}元以下" if high is not None else "") + "罚款")
        en.append(when_en + (f"{yuan(low)} to {yuan(high)} yuan" if low is not None and high is not None
                             else f"up to {yuan(high)} yuan" if high is not None else f"at least {yuan(low)} yuan"))
    if cause.max_multiple is not None:
        when_zh = f"{basis_zh}{yuan(cause.multiple_from)}元以上的，" if cause.multiple_from is not None else ""
        when_en = f"with the {basis_en} at {yuan(cause.multiple_from)} yuan or more, " if cause.multiple_from is not None \
            else ""
        low = f"{yuan(cause.min_multiple)}倍以上" if cause.min_multiple is not None else ""
        zh.append(f"{when_zh}{basis_zh}{low}{yuan(cause.max_multiple)}倍以下罚款")
        en.append(when_en + (f"{yuan(cause.min_multiple)} to " if cause.min_multiple is not None else "up to ")
                  + f"{yuan(cause.max_multiple)} times the {basis_en}")
    return Phrase("; ".join(en), "；".join(zh))


def cause_fields(form: dict | None) -> list[str]:
    """The fields of the form that choose the case's cause from the register (`x-cause`)."""
    fields = (form or {}).get("properties") or {}
    return [name for name, spec in fields.items() if isinstance(spec, dict) and spec.get("x-cause") is True]


def chosen_in(form: dict | None, data: dict) -> str | None:
    """The cause the form's data chooses (its first `x-cause` field with a value), or None."""
    return next((data[n] for n in cause_fields(form) if isinstance(data.get(n), str) and data[n]), None)


def case_cause(case, forms: dict[str, dict]) -> str | None:
    """The cause the case's steps chose last (the report's, then the notice's…), or None."""
    found = None
    for step in completed_steps(case):
        found = chosen_in(forms.get(step.form_key or ""), step.data) or found
    return found


def check_chosen_cause(schema: dict | None, data: dict, case, forms: dict[str, dict]) -> None:
    """A form's cause (a field marked `x-cause`) is one of the case's department's register: the
    page offers only those; a client that sends another is told so beside the field (422). Where
    the department has a register, the cause is required on the first form that chooses one (the
    investigation report): a later form takes it from the record unless it names its own."""
    names = cause_fields(schema)
    if not names:
        return
    register = registers.of(case.department)
    errors = {}
    for name in names:
        code = data.get(name)
        if isinstance(code, str) and code and code not in register.causes:
            errors[name] = [tr("%(code)s is not a cause of the causes register of %(department)s",
                               code=_UNSTORABLE.sub("?", code[:64]), department=case.department.name)]
    if not errors and chosen_in(schema, data) is None and case_cause(case, forms) is None and register.causes:
        errors[names[0]] = [tr("is required: choose the case's cause from the causes register of %(department)s",
                               department=case.department.name)]
    if errors:
        raise Invalid(errors)
