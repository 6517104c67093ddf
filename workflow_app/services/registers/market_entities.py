"""The register of market entities (市场主体名录): the enterprises an inspection plan's targets are
drawn from (双随机, 国办发〔2024〕54号), as the registration authority publishes them.

Administrators import it from CSV (`flask registers import-entities FILE`, the register page's
upload, or `POST /api/v1/market-entities/import`), one row per entity:

    credit_code,name,address,industry,risk_grade,region

`credit_code` is the unified social credit code (统一社会信用代码, GB 32100-2015), its registration
codes and check character verified (oversight/identity.py, the same check as the parties
register); `industry` the section of 国民经济行业分类 (GB/T 4754-2017) by its letter or its name;
`risk_grade` the credit risk class (企业信用风险分类) A (low) to D (high); `region` the code of the
org unit (a district, city or province) the entity belongs to (属地). The file is UTF-8, with or
without a byte-order mark, or GBK/GB 18030 as spreadsheets in Chinese save it.

An import is all or nothing: the file is checked whole first and, if any line is wrong, the answer
names every wrong line (its number in the file, the header being line 1) and nothing is written.
Why not import the good lines and report the others: the register is the population a random
draw is made from, and a draw made on a half-imported register would silently leave out the
entities of the rejected lines (the draw is reproducible, but from a population nobody meant);
and since a row is keyed by its credit code, the corrected file is simply imported again whole.
A row whose code is registered already updates that entity. The import is one transaction,
traced on the system chain with the file's SHA-256 and the codes it touched.

An entity becomes a case's party through the parties register (services/people/parties.py), by its
code: `party_fields` gives what `party_for_opening` takes, so the party is found, or registered
with the entity's name and address, and the party's record lists the inspections.

Anyone logged in reads the register (the credit information of market entities is public, 企业信用
信息公示暂行条例); only an administrator imports.
"""
import csv
import hashlib
import io
import re

from sqlalchemy import or_

from ...extensions import db
from ...models import MarketEntity, OrgUnit, User
from ...models.types import utcnow
from ...oversight.identity import normalized_number, number_problem
from .. import paging
from ..audit import trail as audit
from ..errors import Invalid, NotFound, tr
from ..people.access import require_role
from ..transactions import one_transaction

COLUMNS = ("credit_code", "name", "address", "industry", "risk_grade", "region")
NAME_MAX, ADDRESS_MAX, QUERY_MAX = 200, 300, 100
MAX_ROWS = 50_000
MAX_FILE = 20 * 1024 * 1024
PAGE_SIZE = 50
REGION_KINDS = ("province", "city", "district")
_CONTROL = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")

# 国民经济行业分类 GB/T 4754-2017: its 20 sections (门类).
INDUSTRIES = {
    "A": "农、林、牧、渔业", "B": "采矿业", "C": "制造业", "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业", "F": "批发和零售业", "G": "交通运输、仓储和邮政业", "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业", "J": "金融业", "K": "房地产业", "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业", "N": "水利、环境和公共设施管理业", "O": "居民服务、修理和其他服务业",
    "P": "教育", "Q": "卫生和社会工作", "R": "文化、体育和娱乐业", "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}
# 企业信用风险分类: A 信用风险低, B 一般, C 较高, D 高 (市场监管总局 国市监信发〔2022〕6号).
RISK_GRADES = {"A": "信用风险低（A类）", "B": "信用风险一般（B类）", "C": "信用风险较高（C类）", "D": "信用风险高（D类）"}


def industry_label(code: str) -> str:
    return INDUSTRIES.get(code, code)


def risk_label(code: str) -> str:
    return RISK_GRADES.get(code, code)


# -- importing ------------------------------------------------------------------------------------------
def decoded(data: bytes) -> str:
    """The file's text: UTF-8 (a byte-order mark dropped), else GB 18030 (which reads GBK and
    GB 2312); neither: a 422 naming the byte where UTF-8 failed."""
    if len(data) > MAX_FILE:
        raise Invalid({"file": [tr("the file is larger than %(max)d bytes", max=MAX_FILE)]})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise Invalid({"file": [tr("the file is neither UTF-8 nor GBK (at byte %(at)d)", at=err.start)]}) \
                from None


def import_csv(data: bytes, actor: User | str) -> tuple[int, int]:
    """(entities added, entities updated) from a CSV file, all or nothing (the module's doc). A
    user must be an administrator; a label (`cli:root`, `demo:seed`) is the command line's
    operator."""
    if isinstance(actor, User):
        require_role(actor, "admin", tr("importing the register of market entities"))
    text = decoded(data)
    if "\x00" in text:
        raise Invalid({"file": [tr("the file holds a NUL character")]})
    regions = {u.code: u for u in db.session.execute(db.select(OrgUnit).where(OrgUnit.kind.in_(REGION_KINDS)))
               .scalars()}
    rows = read_rows(text, regions)
    created = updated = 0
    now = utcnow()
    who = actor.username if isinstance(actor, User) else actor
    with one_transaction():
        existing = {e.credit_code: e for e in db.session.execute(
            db.select(MarketEntity).where(MarketEntity.credit_code.in_(list(rows)))).scalars()} if len(rows) < 5000 \
            else {e.credit_code: e for e in db.session.execute(db.select(MarketEntity)).scalars()}
        for code, fields in rows.items():
            entity = existing.get(code)
            if entity is None:
                entity = MarketEntity(credit_code=code)
                db.session.add(entity)
                created += 1
            else:
                updated += 1
            for name, value in fields.items():
                setattr(entity, name, value)
            entity.imported_at, entity.imported_by = now, who[:64]
        audit.record("market_entities.imported", actor=actor, at=now, data={
            "sha256": hashlib.sha256(data).hexdigest(), "created": created, "updated": updated,
            "credit_codes": sorted(rows)[:200]})
    return created, updated


def read_rows(text: str, regions: dict[str, OrgUnit]) -> dict[str, dict]:
    """credit code -> the entity's fields, from the file's text; Invalid naming every wrong line
    (`line N`) or the file (`file`) when anything is wrong."""
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        fieldnames = [(name or "").strip() for name in (reader.fieldnames or [])]
        reader.fieldnames = fieldnames
    except csv.Error as err:
        raise Invalid({"file": [tr("the file is not CSV: %(reason)s", reason=str(err))]}) from None
    missing = [c for c in COLUMNS if c not in fieldnames]
    if missing:
        raise Invalid({"file": [tr("the header lacks the columns %(columns)s", columns=", ".join(missing))]})
    rows: dict[str, dict] = {}
    seen_on: dict[str, int] = {}
    errors: dict[str, list] = {}
    try:
        for n, row in enumerate(reader, start=2):
            if n - 1 > MAX_ROWS:
                raise Invalid({"file": [tr("more than %(max)d rows", max=MAX_ROWS)]})
            fields, problems = checked_row(row, regions)
            code = fields.get("credit_code")
            if not problems and code in seen_on:
                problems = [tr("the credit code %(code)s is given on line %(line)d already", code=code,
                               line=seen_on[code])]
            if problems:
                errors[f"line {n}"] = problems
                continue
            seen_on[code] = n
            rows[code] = {k: v for k, v in fields.items() if k != "credit_code"}
    except csv.Error as err:
        raise Invalid({"file": [tr("the file is not CSV: %(reason)s", reason=str(err))]}) from None
    if errors:
        raise Invalid(errors, tr("nothing was imported: %(count)d line(s) are wrong", count=len(errors)))
    if not rows:
        raise Invalid({"file": [tr("the file has no entity rows")]})
    return rows


def _cell(row: dict, column: str) -> str:
    value = row.get(column)
    return value.strip() if isinstance(value, str) else ""


def checked_row(row: dict, regions: dict[str, OrgUnit]) -> tuple[dict, list]:
    """One line's fields, cleaned, and what is wrong with it (each problem names its column)."""
    problems: list = []
    fields: dict = {}
    if None in row:  # more cells than the header has columns
        problems.append(tr("the row has more cells than the header"))
    for column in COLUMNS:
        value = _cell(row, column)
        if not value:
            problems.append(tr("%(column)s is empty", column=column))
        elif _CONTROL.search(value):
            problems.append(tr("%(column)s holds a control character or a line break", column=column))
        else:
            fields[column] = value
    if "credit_code" in fields:
        code = normalized_number(fields["credit_code"])
        problem = number_problem("organization", code) if len(code) <= 64 else \
            tr("a unified social credit code has 18 characters (this has %(count)d)", count=len(code))
        if problem is not None:
            problems.append(tr("credit_code %(code)s: %(problem)s", code=code[:20], problem=problem))
            fields.pop("credit_code")
        else:
            fields["credit_code"] = code
    for column, limit in (("name", NAME_MAX), ("address", ADDRESS_MAX)):
        if len(fields.get(column, "")) > limit:
            problems.append(tr("%(column)s is longer than %(limit)d characters", column=column, limit=limit))
    if "industry" in fields:
        industry = _choice(fields["industry"], INDUSTRIES)
        if industry is None:
            problems.append(tr("industry %(value)s is not a section of GB/T 4754-2017 (A to T, or its name)",
                               value=fields["industry"][:40]))
        fields["industry"] = industry
    if "risk_grade" in fields:
        grade = fields["risk_grade"].upper()
        if grade not in RISK_GRADES:
            problems.append(tr("risk_grade %(value)s is not one of A, B, C, D", value=fields["risk_grade"][:40]))
        fields["risk_grade"] = grade
    if "region" in fields:
        unit = regions.get(fields["region"])
        if unit is None:
            problems.append(tr("region %(code)s is not a district, city or province of the org tree",
                               code=fields["region"][:64]))
        else:
            fields["region_id"] = unit.id
        fields.pop("region")
    return fields, problems


def _choice(value: str, vocabulary: dict[str, str]) -> str | None:
    if value.upper() in vocabulary:
        return value.upper()
    return next((code for code, label in vocabulary.items() if label == value), None)


# -- reading --------------------------------------------------------------------------------------------
ORDER = [paging.SortKey(MarketEntity.name), paging.SortKey(MarketEntity.id)]


def parse_filters(q: str | None, industry: str | None, risk_grade: str | None, region: str | None) -> dict:
    """The list's filters as typed, checked: 422 naming the filter that is wrong."""
    errors = {}
    out: dict = {}
    if q is not None:
        q = q.strip()
        if len(q) > QUERY_MAX:
            errors["q"] = [tr("must have at most %(limit)s characters", limit=QUERY_MAX)]
        elif _CONTROL.search(q):
            errors["q"] = [tr("must not contain control characters or line breaks")]
        elif q:
            out["q"] = q
    if industry:
        if industry not in INDUSTRIES:
            errors["industry"] = [tr("must be one of %(choices)s", choices=", ".join(INDUSTRIES))]
        else:
            out["industry"] = industry
    if risk_grade:
        if risk_grade not in RISK_GRADES:
            errors["risk_grade"] = [tr("must be one of %(choices)s", choices=", ".join(RISK_GRADES))]
        else:
            out["risk_grade"] = risk_grade
    if region:
        unit = db.session.execute(db.select(OrgUnit).where(OrgUnit.code == region[:64],
                                                           OrgUnit.kind.in_(REGION_KINDS))).scalar() \
            if not _CONTROL.search(region) else None
        if unit is None:
            errors["region"] = [tr("is not a district, city or province of the org tree")]
        else:
            out["region"] = unit
    if errors:
        raise Invalid(errors)
    return out


def search(q: str | None = None, industry: str | None = None, risk_grade: str | None = None,
           region: str | None = None, *, after: str | None = None, page: int = 1,
           per_page: int = PAGE_SIZE) -> paging.Page:
    """Entities whose name holds `q` or whose credit code starts with it, of an industry, risk
    grade or region (its units below included), by name."""
    filters = parse_filters(q, industry, risk_grade, region)
    query = db.select(MarketEntity)
    if "q" in filters:
        query = query.where(or_(MarketEntity.name.contains(filters["q"], autoescape=True),
                                MarketEntity.credit_code.startswith(filters["q"].upper(), autoescape=True)))
    if "industry" in filters:
        query = query.where(MarketEntity.industry == filters["industry"])
    if "risk_grade" in filters:
        query = query.where(MarketEntity.risk_grade == filters["risk_grade"])
    if "region" in filters:
        query = query.where(MarketEntity.region_id.in_(region_ids(filters["region"])))
    return paging.fetch_page(query, ORDER, after=after, page=page, per_page=per_page)


def region_ids(unit: OrgUnit) -> list[int]:
    """The unit and every unit below it: an entity of a district belongs to its city too."""
    return list(db.session.execute(db.select(OrgUnit.id).where(OrgUnit.path.startswith(unit.path))).scalars())


def get(entity_id: int) -> MarketEntity:
    entity = db.session.get(MarketEntity, entity_id)
    if entity is None:
        raise NotFound(tr("market entity %(id)s not found", id=entity_id))
    return entity


def by_code(code: str) -> MarketEntity | None:
    return db.session.execute(db.select(MarketEntity).where(MarketEntity.credit_code == code)).scalar_one_or_none()


def party_fields(entity: MarketEntity) -> dict:
    """The entity as a case names its party (services/people/parties.party_for_opening): found in the
    parties register by its code, or registered with its name and address."""
    return {"kind": "organization", "name": entity.name, "id_number": entity.credit_code, "address": entity.address}


def as_csv(entities) -> bytes:
    """Entities as the import reads them (UTF-8 with a byte-order mark, which spreadsheets open)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for e in entities:
        writer.writerow([e["credit_code"], e["name"], e["address"], e["industry"], e["risk_grade"], e["region"]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
