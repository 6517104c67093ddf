"""Paging of the long lists (cases, tasks, alerts, parties, a case's evidence and trace) so that a
page costs the same at 100 rows and at 100,000.

Two ways to ask for a page:
- `after`: a cursor handed out with the previous page (keyset paging: `WHERE (sort key) > cursor
  ORDER BY sort key LIMIT n`, one index range scan whatever the depth);
- `page`: a page number (OFFSET), kept for jumping to a near page of the API's lists. OFFSET reads
  and throws away every row before the page (page 1000 of the case list: 50,000 rows, twenty times
  the cost of page 1), so a page number reaches only the first PAGE_NUMBER_ROWS rows; further on,
  a list is followed by its cursors.

Counting every match of a district supervisor's list is as costly as the page itself, so the
count stops at `COUNT_CAP`: a list longer than that reports `total = COUNT_CAP` and
`total_capped = true` ("10000+" on a page).
"""
import base64
import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, literal, or_, tuple_

from ..extensions import db
from .errors import Invalid, tr

COUNT_CAP = 10_000
PAGE_NUMBER_ROWS = 1_000
CODE_MAX = 200  # a text key of a cursor (a register's code)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # no text a column holds (strict_input.py)


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
    kind: type = int  # int, datetime or str (a code): how the cursor value is read back


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


def last_page_number(per_page: int) -> int:
    """The deepest page number a list answers at `per_page` rows a page (PAGE_NUMBER_ROWS)."""
    return max(1, -(-PAGE_NUMBER_ROWS // per_page))


def _check_page_number(page: int, per_page: int) -> None:
    if page > last_page_number(per_page):
        raise Invalid({"page": [tr("must be at most %(last)s at %(per_page)s rows a page: page numbers reach the "
                                   "first %(rows)s rows; further on, follow `next` (after=)",
                                   last=last_page_number(per_page), per_page=per_page, rows=PAGE_NUMBER_ROWS)]})


def fetch_page(query, keys: list[SortKey], *, after: str | None, per_page: int, page: int = 1) -> Page:
    """One page of `query` in the order of `keys` (the last key must be unique, e.g. the id): the
    rows after the cursor `after`, else page number `page` (at most last_page_number deep)."""
    _check_keys(keys)
    if not after:
        _check_page_number(page, per_page)
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
        elif key.kind is str and isinstance(value, str) and 0 < len(value) <= CODE_MAX and not _UNSTORABLE.search(value):
            values.append(value)
        else:
            raise problem
    return values
