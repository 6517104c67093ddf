"""Paging of the long lists (cases, tasks) so that a page costs the same at 100 cases and at 100,000.

Two ways to ask for a page:
- `after`: a cursor handed out with the previous page (keyset paging: `WHERE (sort key) > cursor
  ORDER BY sort key LIMIT n`, one index range scan whatever the depth);
- `page`: a page number (OFFSET), kept for jumping to a near page; deep numbers cost a scan.

Counting every match of a district supervisor's list is as costly as the page itself, so the
count stops at `COUNT_CAP`: a list longer than that reports `total = COUNT_CAP` and
`total_capped = true` ("10000+" on a page).
"""
import base64
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, literal, or_, tuple_

from ..extensions import db
from .errors import Invalid, tr

COUNT_CAP = 10_000


@dataclass
class Page:
    items: list
    total: int
    total_capped: bool
    next_cursor: str | None


@dataclass(frozen=True)
class SortKey:
    """One column of a keyset: `descending` flips its comparison; `nullable` columns sort their
    NULLs last in either direction, as PostgreSQL's b-tree does for ascending order."""

    column: object
    descending: bool = False
    nullable: bool = False
    kind: type = int  # int or datetime: how the cursor value is read back


def _check_keys(keys: list[SortKey]) -> None:
    if len({k.descending for k in keys}) != 1 or any(k.nullable for k in keys[1:]):
        raise ValueError("a keyset runs in one direction and only its first key may be NULL")


def capped_count(query, cap: int | None = None) -> tuple[int, bool]:
    """How many rows `query` has, counting at most `cap + 1` of them. The rows are counted, not
    read: the subquery selects a constant, so an index that answers the filters answers the count
    alone (an index-only scan), without the table's rows."""
    cap = COUNT_CAP if cap is None else cap
    limited = query.order_by(None).with_only_columns(literal(1), maintain_column_froms=True).limit(cap + 1).subquery()
    count = db.session.execute(db.select(db.func.count()).select_from(limited)).scalar()
    return (cap, True) if count > cap else (count, False)


def order_by(keys: list[SortKey]) -> list:
    """ORDER BY of `keys`; NULLS LAST spelled out only where NULLs can occur, so that a plain
    descending key still matches an index read backwards."""
    clauses = []
    for k in keys:
        clause = k.column.desc() if k.descending else k.column.asc()
        clauses.append(clause.nulls_last() if k.nullable else clause)
    return clauses


def fetch_page(query, keys: list[SortKey], *, after: str | None, page: int, per_page: int) -> Page:
    """One page of `query` in the order of `keys` (the last key must be unique, e.g. the id)."""
    _check_keys(keys)
    total, capped = capped_count(query)
    if after:
        query = query.where(_after(keys, decode_cursor(after, keys)))
    else:
        query = query.offset((page - 1) * per_page)
    rows = db.session.execute(query.order_by(*order_by(keys)).limit(per_page + 1)).scalars().unique().all()
    more = len(rows) > per_page
    items = rows[:per_page]
    cursor = encode_cursor([_value(items[-1], k) for k in keys]) if more else None
    return Page(items, total, capped, cursor)


def _value(item, key: SortKey):
    return getattr(item, key.column.key)


def _after(keys: list[SortKey], values: list):
    """Rows strictly after `values` in the order of `keys`: one row-value comparison, which an
    index on the keys answers as a range. Only the first key may hold NULLs (sorted last)."""
    first, value = keys[0], values[0]
    if value is None:  # in the NULL tail of the first key: the other keys decide
        return and_(first.column.is_(None), _beyond(keys[1:], values[1:]))
    beyond = _beyond(keys, values)
    return or_(beyond, first.column.is_(None)) if first.nullable else beyond


def _beyond(keys: list[SortKey], values: list):
    columns = tuple_(*(k.column for k in keys))
    bound = tuple_(*(literal(v, type_=k.column.type) for k, v in zip(keys, values, strict=True)))
    return columns < bound if keys[0].descending else columns > bound


def encode_cursor(values: list) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(text: str, keys: list[SortKey]) -> list:
    problem = Invalid({"after": [tr("is not a cursor this list handed out")]})
    try:
        raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise problem from None
    if not isinstance(raw, list) or len(raw) != len(keys):
        raise problem
    values = []
    for key, value in zip(keys, raw, strict=True):
        if value is None and key.nullable:
            values.append(None)
        elif key.kind is datetime and isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                raise problem from None
            if parsed.tzinfo is None:
                raise problem
            values.append(parsed)
        elif key.kind is int and isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
            values.append(value)
        else:
            raise problem
    return values
