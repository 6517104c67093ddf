"""The discretion benchmarks register (行政裁量权基准, 国办发〔2022〕27号) and the fine it allows.

Administrators import the items from CSV (`flask benchmarks import FILE`), one row per tier:

    code,title,violated_provision,penalty_provision,tier,min_fine,max_fine,circumstances

An item's tiers are replaced by those of the file (an import is the register's new edition of
that item); every import is one transaction, checked whole first (a bad row names its line and
nothing is written), and traced on the system chain with the file's SHA-256.

A decided fine outside the range of the item (the investigation report's `benchmark_item`) and
tier (the decision's `benchmark_tier`) raises FINE_OUTSIDE_BENCHMARK (services/oversight/alerts.py): the law
lets the agency depart from its benchmark with reasons, so it is an alert for the supervisors,
not a refusal.
"""
import csv
import hashlib
import io

from ...extensions import db
from ...models import DiscretionBenchmark
from ...models.types import utcnow
from ..audit import trail as audit
from ..errors import Invalid, tr
from ..transactions import one_transaction

TIERS = ("no_penalty", "mitigated", "lighter", "ordinary", "heavier")
COLUMNS = ("code", "title", "violated_provision", "penalty_provision", "tier", "min_fine", "max_fine",
           "circumstances")
LIMITS = {"code": 64, "title": 300, "violated_provision": 500, "penalty_provision": 500, "circumstances": 1000}
MAX_ROWS = 20_000
MAX_FINE = 10**12


def import_csv(data: bytes, actor) -> tuple[int, int]:
    """(items created, items updated) from a CSV file (UTF-8, with or without a BOM)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise Invalid({"file": [tr("the file is not UTF-8 (at byte %(at)d)", at=err.start)]}) from None
    items = _read(text)
    created = updated = 0
    now = utcnow()
    with one_transaction():
        existing = {b.code: b for b in db.session.execute(
            db.select(DiscretionBenchmark).where(DiscretionBenchmark.code.in_(list(items)))).scalars()}
        for code, item in items.items():
            row = existing.get(code)
            if row is None:
                row = DiscretionBenchmark(code=code)
                db.session.add(row)
                created += 1
            else:
                updated += 1
            row.title, row.violated_provision, row.penalty_provision = item["title"], item["violated"], item["penalty"]
            row.tiers, row.updated_at = item["tiers"], now
        audit.record("benchmarks.imported", actor=actor, at=now, data={
            "sha256": hashlib.sha256(data).hexdigest(), "created": created, "updated": updated,
            "codes": sorted(items)[:200]})
    return created, updated


def _read(text: str) -> dict[str, dict]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise Invalid({"file": [tr("the header lacks the columns %(columns)s", columns=", ".join(missing))]})
    items: dict[str, dict] = {}
    errors: dict[str, list[str]] = {}
    for n, row in enumerate(reader, start=2):
        if n - 1 > MAX_ROWS:
            raise Invalid({"file": [tr("more than %(max)d rows", max=MAX_ROWS)]})
        problems = _row_problems(row)
        if problems:
            errors[f"line {n}"] = problems
            continue
        code = row["code"].strip()
        item = items.setdefault(code, {"title": row["title"].strip(), "violated": row["violated_provision"].strip(),
                                       "penalty": row["penalty_provision"].strip(), "tiers": []})
        tier = row["tier"].strip()
        if any(t["tier"] == tier for t in item["tiers"]):
            errors[f"line {n}"] = [tr("the tier %(tier)s of %(code)s is given twice", tier=tier, code=code)]
            continue
        item["tiers"].append({"tier": tier, "min_fine": _number(row["min_fine"]), "max_fine": _number(row["max_fine"]),
                              "circumstances": (row.get("circumstances") or "").strip()})
    if errors:
        raise Invalid(errors)
    if not items:
        raise Invalid({"file": [tr("the file has no benchmark rows")]})
    for item in items.values():
        item["tiers"].sort(key=lambda t: TIERS.index(t["tier"]))
    return items


def _number(raw: str) -> int | float:
    value = float(raw)
    return int(value) if value.is_integer() else value


def _row_problems(row: dict) -> list[str]:
    problems = []
    for column in ("code", "title", "violated_provision", "penalty_provision", "tier"):
        if not (row.get(column) or "").strip():
            problems.append(tr("%(column)s is empty", column=column))
    for column, limit in LIMITS.items():
        if len((row.get(column) or "").strip()) > limit:
            problems.append(tr("%(column)s is longer than %(limit)d characters", column=column, limit=limit))
    if (row.get("tier") or "").strip() and row["tier"].strip() not in TIERS:
        problems.append(tr("tier must be one of %(choices)s", choices=", ".join(TIERS)))
    bounds = []
    for column in ("min_fine", "max_fine"):
        try:
            value = float((row.get(column) or "").strip())
            if not 0 <= value <= MAX_FINE:
                raise ValueError
            bounds.append(value)
        except ValueError:
            problems.append(tr("%(column)s must be an amount in yuan from 0 to %(max)d", column=column, max=MAX_FINE))
    if len(bounds) == 2 and bounds[0] > bounds[1]:
        problems.append(tr("min_fine is above max_fine"))
    return problems


def all_items() -> list[DiscretionBenchmark]:
    return list(db.session.execute(db.select(DiscretionBenchmark).order_by(DiscretionBenchmark.code)).scalars())


def find(code: str | None) -> DiscretionBenchmark | None:
    """The register's item of `code`, or None."""
    if not code:
        return None
    return db.session.execute(db.select(DiscretionBenchmark).where(DiscretionBenchmark.code == code)).scalar()


def tier_range(item_code: str | None, tier: str | None) -> dict | None:
    """The range {"min_fine", "max_fine"} of the item's tier in the register, or None (no such
    item, or the tier not in it): what the rule kind `fine_within_benchmark` compares a fine with."""
    item = find(item_code)
    return item.tier(tier) if item and tier else None


