"""The discretion benchmarks register (行政裁量权基准, 国办发〔2022〕27号) and the fine it allows.

Administrators import the items from CSV (`flask benchmarks import FILE`), one row per tier:

    code,title,violated_provision,penalty_provision,tier,min_fine,max_fine,circumstances

An item's tiers are replaced by those of the file (an import is the register's new edition of
that item); every import is one transaction, checked whole first (a bad row names its line and
nothing is written), and traced on the system chain with the file's SHA-256.

An item is also a DMN decision table (docs/decisions.md): its tier the input, `min_fine` and
`max_fine` the outputs, its circumstances each rule's annotation (`to_dmn`). Administrators edit
it as one in the page (dmn-js) and put it back (`import_dmn`): the same checks, row by row, the
same one transaction and trace as a CSV import of the item's rows, so either gives the same
register. A procedure package may carry the exported table (bpmn/<id>/*.dmn) for its business
rule task to evaluate.

A decided fine outside the range of the item (the investigation report's `benchmark_item`) and
tier (the decision's `benchmark_tier`) raises FINE_OUTSIDE_BENCHMARK (services/oversight/alerts.py): the law
lets the agency depart from its benchmark with reasons, so it is an alert for the supervisors,
not a refusal.
"""
import csv
import hashlib
import io
import re
from collections.abc import Iterable

from lxml import etree

from ...engine.decisions import DMN13_NS, parse_dmn
from ...engine.errors import BpmnInvalid
from ...extensions import db
from ...models import DiscretionBenchmark, User
from ...models.types import utcnow
from ..audit import trail as audit
from ..errors import Invalid, NotFound, PreconditionFailed, clip, tr
from ..people.access import require_role
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
    with one_transaction():
        return _store(items, actor, data)


def _store(items: dict[str, dict], actor, data: bytes, existing: dict | None = None,
           **traced) -> tuple[int, int]:
    """The items as the register's new edition of each, and the import's trace event, in the
    caller's transaction: (items created, items updated)."""
    created = updated = 0
    now = utcnow()
    if existing is None:
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
        "codes": sorted(items)[:200], **traced})
    return created, updated


def _read(text: str) -> dict[str, dict]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise Invalid({"file": [tr("the header lacks the columns %(columns)s", columns=", ".join(missing))]})
    return _collect(_numbered(reader), tr("the file has no benchmark rows"))


def _numbered(reader) -> Iterable[tuple[str, dict]]:
    for n, row in enumerate(reader, start=2):
        if n - 1 > MAX_ROWS:
            raise Invalid({"file": [tr("more than %(max)d rows", max=MAX_ROWS)]})
        yield f"line {n}", row


def _collect(rows: Iterable[tuple[str, dict]], empty) -> dict[str, dict]:
    """The items of the rows (where, row): a row per tier, with CSV's columns as text; checked
    whole, each bad row named by where it is (`line 3`, `rule 2`)."""
    items: dict[str, dict] = {}
    errors: dict[str, list[str]] = {}
    for where, row in rows:
        problems = _row_problems(row)
        if problems:
            errors[where] = problems
            continue
        code = row["code"].strip()
        item = items.setdefault(code, {"title": row["title"].strip(), "violated": row["violated_provision"].strip(),
                                       "penalty": row["penalty_provision"].strip(), "tiers": []})
        tier = row["tier"].strip()
        if any(t["tier"] == tier for t in item["tiers"]):
            errors[where] = [tr("the tier %(tier)s of %(code)s is given twice", tier=tier, code=code)]
            continue
        item["tiers"].append({"tier": tier, "min_fine": _number(row["min_fine"]), "max_fine": _number(row["max_fine"]),
                              "circumstances": (row.get("circumstances") or "").strip()})
    if errors:
        raise Invalid(errors)
    if not items:
        raise Invalid({"file": [empty]})
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




# -- an item as a DMN decision table (docs/decisions.md) ------------------------------------------------
ZHIFA_NS = "http://zhifaflow.local/schema/benchmark/1.0"  # the item's code and provisions on the decision
DMNDI_NS = "https://www.omg.org/spec/DMN/20191111/DMNDI/"
DC_NS = "http://www.omg.org/spec/DMN/20180521/DC/"
INPUT_EXPRESSION = "benchmark_tier"  # the case's data the table reads: the tier the report proposes
OUTPUTS = ("min_fine", "max_fine")
LABELS = {"input": "裁量阶次", "min_fine": "罚款下限（元）", "max_fine": "罚款上限（元）"}
MAX_DMN_BYTES = 2 * 1024 * 1024
_TIER_CELL = re.compile(r"""\s*(["'])([a-z_]{1,32})\1\s*\Z""")


def decision_id(code: str) -> str:
    """The decision's id of an item: `benchmark_<code>`, its characters other than letters, digits,
    _ and - replaced, with a digest of the code where any was (two codes never share an id)."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", code)
    return f"benchmark_{safe}" if safe == code else f"benchmark_{safe}_{hashlib.sha256(code.encode()).hexdigest()[:8]}"


def get(code: str) -> DiscretionBenchmark:
    item = find(code) if isinstance(code, str) and len(code) <= LIMITS["code"] else None
    if item is None:
        raise NotFound(tr("no benchmark item %(code)s in the register", code=clip(str(code), 64)))
    return item


def _fine_text(value) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def to_dmn(item: DiscretionBenchmark) -> bytes:
    """The item as a DMN 1.3 decision table, the same bytes for the same item: input the tier
    (`benchmark_tier`, one of TIERS), outputs min_fine and max_fine (yuan), a rule per tier with its
    circumstances as the rule's annotation; the item's code and provisions on the decision."""
    did = decision_id(item.code)

    def node(parent, tag, text=None, ns=DMN13_NS, **attrs):
        element = etree.SubElement(parent, f"{{{ns}}}{tag}", {k: str(v) for k, v in attrs.items()})
        if text is not None:
            element.text = text
        return element

    root = etree.Element(f"{{{DMN13_NS}}}definitions", nsmap={None: DMN13_NS, "dmndi": DMNDI_NS, "dc": DC_NS,
                                                               "zhifa": ZHIFA_NS},
                         id=f"{did}_definitions", name=f"行政裁量权基准 {item.code}",
                         namespace="http://zhifaflow.local/benchmarks")
    decision = node(root, "decision", id=did, name=item.title)
    decision.set(f"{{{ZHIFA_NS}}}code", item.code)
    decision.set(f"{{{ZHIFA_NS}}}violatedProvision", item.violated_provision)
    decision.set(f"{{{ZHIFA_NS}}}penaltyProvision", item.penalty_provision)
    table = node(decision, "decisionTable", id=f"{did}_table")
    column = node(table, "input", id=f"{did}_tier", label=LABELS["input"])
    node(node(column, "inputExpression", id=f"{did}_tier_expression", typeRef="string"), "text", INPUT_EXPRESSION)
    node(node(column, "inputValues", id=f"{did}_tiers"), "text", ",".join(f'"{t}"' for t in TIERS))
    for name in OUTPUTS:
        node(table, "output", id=f"{did}_{name}", label=LABELS[name], name=name, typeRef="number")
    for tier in item.tiers or []:
        rule = node(table, "rule", id=f"{did}_{tier['tier']}")
        if tier.get("circumstances"):
            node(rule, "description", tier["circumstances"])
        node(node(rule, "inputEntry", id=f"{did}_{tier['tier']}_tier"), "text", f'"{tier["tier"]}"')
        for name in OUTPUTS:
            node(node(rule, "outputEntry", id=f"{did}_{tier['tier']}_{name}"), "text", _fine_text(tier[name]))
    diagram = node(node(root, "DMNDI", ns=DMNDI_NS), "DMNDiagram", ns=DMNDI_NS, id=f"{did}_diagram")
    shape = node(diagram, "DMNShape", ns=DMNDI_NS, id=f"{did}_shape", dmnElementRef=did)
    node(shape, "Bounds", ns=DC_NS, height=80, width=180, x=160, y=100)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8", pretty_print=True)


def etag_of(item: DiscretionBenchmark | None) -> str | None:
    """The item's version as the page read it: a digest of its table (None: no such item)."""
    return f'"benchmark-{hashlib.sha256(to_dmn(item)).hexdigest()[:32]}"' if item is not None else None


def dmn_of(code: str) -> tuple[bytes, str]:
    """The register's item `code` as a DMN decision table, and its ETag."""
    item = get(code)
    return to_dmn(item), etag_of(item)


def import_dmn(code: str, data: bytes, actor: User, if_match: str | None = None) -> DiscretionBenchmark:
    """The item `code` replaced by a decision table in the shape `to_dmn` gives (its tiers, their
    ranges and circumstances; its title the decision's name; its provisions the decision's
    zhifa: attributes): each rule checked as a CSV row, the import one transaction, traced as a
    CSV import is. `if_match`: the ETag the editor read; the item changed since is refused (412)."""
    require_role(actor, "admin", tr("editing the discretion benchmarks"))
    if not isinstance(code, str) or not code.strip() or code != code.strip() or len(code) > LIMITS["code"]:
        raise NotFound(tr("no benchmark item %(code)s in the register", code=clip(str(code), 64)))
    items = {code: _collect(_dmn_rows(code, data), tr("the table has no rules"))[code]}
    with one_transaction():
        row = db.session.execute(db.select(DiscretionBenchmark).where(DiscretionBenchmark.code == code)
                                 .with_for_update()).scalar_one_or_none()
        current = etag_of(row)
        if if_match is not None and if_match.strip() != current:
            raise PreconditionFailed(tr("the benchmark item %(code)s changed after you read it: reload it; your "
                                        "table was not saved", code=code), details={"etag": current})
        _store(items, actor, data, existing={code: row} if row is not None else {}, format="dmn")
    return find(code)


def _dmn_rows(code: str, data: bytes) -> Iterable[tuple[str, dict]]:
    """The rows (CSV's columns, as text) a benchmark table holds, each named by its rule."""
    try:
        root = parse_dmn(data, MAX_DMN_BYTES).getroot()
    except BpmnInvalid as err:
        raise Invalid({"content": [p.message for p in err.problems]}) from None
    ns = etree.QName(root).namespace
    decisions = list(root.iter(f"{{{ns}}}decision"))
    tables = [t for t in decisions[0] if etree.QName(t).localname == "decisionTable"] if len(decisions) == 1 else []
    if len(tables) != 1:
        raise Invalid({"content": [tr("a benchmark item is one decision holding one decision table")]})
    decision, table = decisions[0], tables[0]
    named = decision.get(f"{{{ZHIFA_NS}}}code")
    if named is not None and named != code:
        raise Invalid({"content": [tr("the table is of the item %(named)s, not %(code)s", named=clip(named, 64),
                                      code=code)]})
    problems = []
    if (table.get("hitPolicy") or "UNIQUE").upper() != "UNIQUE" or table.get("aggregation"):
        problems.append(tr("a tier has one range: the hit policy is UNIQUE"))
    inputs = [c for c in table if etree.QName(c).localname == "input"]
    outputs = [c.get("name") for c in table if etree.QName(c).localname == "output"]
    expression = inputs[0].find(f"{{{ns}}}inputExpression/{{{ns}}}text") if len(inputs) == 1 else None
    if expression is None or (expression.text or "").strip() != INPUT_EXPRESSION:
        problems.append(tr("the table has one input, the tier: its expression %(expression)s",
                           expression=INPUT_EXPRESSION))
    if outputs != list(OUTPUTS):
        problems.append(tr("the table's outputs are %(outputs)s, in that order", outputs=", ".join(OUTPUTS)))
    if problems:
        raise Invalid({"content": problems})
    head = {"code": code, "title": (decision.get("name") or "").strip(),
            "violated_provision": (decision.get(f"{{{ZHIFA_NS}}}violatedProvision") or "").strip(),
            "penalty_provision": (decision.get(f"{{{ZHIFA_NS}}}penaltyProvision") or "").strip()}
    rules = [c for c in table if etree.QName(c).localname == "rule"]
    if len(rules) > len(TIERS):
        raise Invalid({"content": [tr("the table has %(count)d rules; an item has at most one per tier (%(tiers)s)",
                                      count=len(rules), tiers=", ".join(TIERS))]})
    for n, rule in enumerate(rules, start=1):
        cells_in = [(c.findtext(f"{{{ns}}}text") or "") for c in rule if etree.QName(c).localname == "inputEntry"]
        cells_out = [(c.findtext(f"{{{ns}}}text") or "").strip() for c in rule
                     if etree.QName(c).localname == "outputEntry"]
        tier = _TIER_CELL.match(cells_in[0]) if len(cells_in) == 1 else None
        yield f"rule {n}", {**head, "tier": tier[2] if tier else f"({clip(cells_in[0] if cells_in else '', 40)})",
                            "min_fine": cells_out[0] if len(cells_out) == 2 else "",
                            "max_fine": cells_out[1] if len(cells_out) == 2 else "",
                            "circumstances": rule.findtext(f"{{{ns}}}description") or ""}
