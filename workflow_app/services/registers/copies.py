"""A department's causes register (案由) and its no-penalty and light-penalty lists as a step reads
them: a copy per process, kept by (database, department, `registers_stamp`).

A step reads them several times — its cause checked against the register, the statutory range and
kinds of its rules, the list item of its finding — and the hot path may not spend a statement on
each (a completion takes at most ten). The department comes with the case (one row, joined), and
its `registers_stamp` is a fresh random token at every import that changes its register or lists
(in the import's transaction: `bump`), so the copy is current exactly when its stamp is the row's;
otherwise it is read again (two statements), whichever process imported.

The pages and the API read the registers themselves (services/registers/causes.py, services/registers/penalty_lists.py):
only the step path needs the copy.
"""
import hashlib
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from ...extensions import db
from ...models import Cause, OrgUnit, PenaltyListItem
from ...models.types import utcnow
from ..audit import trail as audit
from ..transactions import one_transaction

MAX_DEPARTMENTS = 256


@dataclass(frozen=True)
class ListItem:
    """An item of the lists, as plain values (models.PenaltyListItem)."""

    code: str
    kind: str
    cause_code: str
    conditions: str
    legal_ground: str
    first_violation: bool
    look_back_months: int | None
    valid_from: date
    valid_to: date | None
    document: str
    tier: str | None  # a light item's: lighter | mitigated | lighter_or_mitigated; None for a no_penalty one

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def as_rule_reads(self) -> dict:
        return {"code": self.code, "kind": self.kind, "cause": self.cause_code, "conditions": self.conditions,
                "legal_ground": self.legal_ground, "first_violation": self.first_violation,
                "document": self.document, "tier": self.tier}


@dataclass(frozen=True)
class Register:
    causes: dict[str, dict]  # code -> models.Cause.statutory_range()
    items: dict[str, ListItem]  # code -> the item

    def items_of(self, cause_code: str, kind: str | None = None, on: date | None = None) -> list[ListItem]:
        return sorted((i for i in self.items.values() if i.cause_code == cause_code and (kind is None or i.kind == kind)
                       and (on is None or i.valid_on(on))), key=lambda i: i.code)


_copies: OrderedDict[tuple[str, int, str], Register] = OrderedDict()
_lock = threading.Lock()


def of(unit: OrgUnit) -> Register:
    """The department's register and lists as of its `registers_stamp`."""
    key = (db.engine.url.render_as_string(hide_password=True), unit.id, unit.registers_stamp or "")
    with _lock:
        found = _copies.get(key)
        if found is not None:
            _copies.move_to_end(key)
            return found
    causes = {c.code: c.statutory_range()
              for c in db.session.execute(db.select(Cause).where(Cause.department_id == unit.id)).scalars()}
    items = {i.code: ListItem(i.code, i.kind, i.cause.code, i.conditions, i.legal_ground, i.first_violation,
                              i.look_back_months, i.valid_from, i.valid_to, i.document, i.tier)
             for i in db.session.execute(db.select(PenaltyListItem)
                                         .where(PenaltyListItem.department_id == unit.id)).scalars()}
    found = Register(causes, items)
    with _lock:
        _copies[key] = found
        while len(_copies) > MAX_DEPARTMENTS:
            _copies.popitem(last=False)
    return found


def write_import(model, items: dict[tuple[str, str], dict], units: dict[str, OrgUnit], *, actor, action: str,
                 listed: str, content: bytes) -> tuple[int, int]:
    """One import of a register (the causes, the lists), checked whole by the caller: each item
    ((department code, item code) -> its fields) created, or updated in place where the department
    already has that code; the departments' copies renewed (`bump`); traced as `action` with the
    file's SHA-256 and the items (`listed`: the event's key for them). One transaction; returns
    (created, updated)."""
    created = updated = 0
    now = utcnow()
    with one_transaction():
        existing = {(row.department_id, row.code): row for row in db.session.execute(db.select(model)).scalars()}
        for (department, code), fields in items.items():
            unit = units[department]
            row = existing.get((unit.id, code))
            if row is None:
                row = model(department_id=unit.id, code=code)
                db.session.add(row)
                created += 1
            else:
                updated += 1
            for name, value in fields.items():
                setattr(row, name, value)
            row.updated_at = now
        bump(units[department].id for department, _code in items)
        audit.record(action, actor=actor, at=now, data={
            "sha256": hashlib.sha256(content).hexdigest(), "created": created, "updated": updated,
            listed: sorted(f"{d}/{c}" for d, c in items)[:200]})
    return created, updated


def bump(unit_ids) -> None:
    """In an import's transaction: the departments whose register or lists it changed get a new
    stamp, so every process reads them again."""
    ids = sorted(set(unit_ids))
    if ids:
        db.session.execute(db.update(OrgUnit).where(OrgUnit.id.in_(ids)).values(registers_stamp=uuid.uuid4().hex)
                           .execution_options(synchronize_session="evaluate"))
