"""Oversight alerts (预警): a case deviating from the law or its deadlines, for the supervisors; and
the registers the rules read (discretion benchmarks, causes, the no-penalty and light-penalty lists)."""
from datetime import date

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .cases import Case, Task
from .org import OrgUnit, User
from .types import JSONType, UTCDateTime, utcnow

# An alert's life: open → acknowledged (a supervisor has seen it) → rectification requested (a
# supervision opinion to the department, with a deadline) → rectification reported (the
# department's report back) → resolved, or dismissed with a reason. Until resolved or dismissed it
# is "active": one per (case, code).
ACTIVE = ("open", "acknowledged", "rectification_requested", "rectification_reported")
STATUSES = (*ACTIVE, "resolved", "dismissed")
# What an alert's `alert.raised` trace event records of the alert itself; the rest of its data
# are the alert's details (services/oversight/alerts.add; audit verify reads the row back from them).
RAISED_FIELDS = frozenset({"alert", "code", "severity", "basis"})
ACTIVE_SQL = "status IN ('open', 'acknowledged', 'rectification_requested', 'rectification_reported')"


class Alert(db.Model):
    __tablename__ = "oversight_alert"
    __table_args__ = (
        # raised once per (case, code) while active: the database itself refuses a second
        Index("uq_oversight_alert_active", "case_id", "code", unique=True,
              sqlite_where=text(ACTIVE_SQL), postgresql_where=text(ACTIVE_SQL)),
        # the worker's RECTIFICATION_OVERDUE: the requests not reported on, by their deadline
        Index("ix_oversight_alert_rectification_due", "rectification_due_at",
              sqlite_where=text("status = 'rectification_requested'"),
              postgresql_where=text("status = 'rectification_requested'")),
        # the supervisors' list: newest first within a status
        Index("ix_oversight_alert_status_raised", "status", "raised_at", "id"),
        # … and newest first across the active statuses or all of them, read until a page is full
        Index("ix_oversight_alert_raised", "raised_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("case_task.id"), index=True)  # the step it is about
    code: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(8))  # high|medium|low
    status: Mapped[str] = mapped_column(String(32), default="open")
    details = mapped_column(JSONType, default=dict)  # what the rule found (due time, step, …)
    raised_at = mapped_column(UTCDateTime, default=utcnow)
    raised_by: Mapped[str] = mapped_column(String(64))  # the rule's runner, e.g. worker:oversight
    updated_at = mapped_column(UTCDateTime, default=utcnow)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    handled_at = mapped_column(UTCDateTime, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text)  # why resolved or dismissed
    # the supervision opinion (执法监督意见) asking the department to rectify, and its report back
    opinion: Mapped[str | None] = mapped_column(Text)
    rectification_due_at = mapped_column(UTCDateTime, nullable=True)  # the end of its last day, Beijing
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at = mapped_column(UTCDateTime, nullable=True)
    report: Mapped[str | None] = mapped_column(Text)  # the department's rectification report
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reported_at = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}

    case: Mapped[Case] = relationship(lazy="joined")
    task: Mapped[Task | None] = relationship()
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    reported_by: Mapped[User | None] = relationship(foreign_keys=[reported_by_id])


class DiscretionBenchmark(db.Model):
    """An item of the discretion benchmarks (行政裁量权基准, 国办发〔2022〕27号): a violation and, for
    each tier (从轻, 一般, 从重, …), the fine range it allows (yuan) and the circumstances that select it."""

    __tablename__ = "discretion_benchmark"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    violated_provision: Mapped[str] = mapped_column(String(500))
    penalty_provision: Mapped[str] = mapped_column(String(500))
    # [{"tier": "lighter", "min_fine": 5000, "max_fine": 18500, "circumstances": "…"}, …]
    tiers = mapped_column(JSONType, default=list)
    updated_at = mapped_column(UTCDateTime, default=utcnow)

    def tier(self, name: str) -> dict | None:
        return next((t for t in self.tiers or [] if t.get("tier") == name), None)


class Cause(db.Model):
    """An item of a department's causes register (案由, from its powers list 权责清单): the
    violation, the provision it breaks, the penalty provision and the statutory range that
    provision sets — the penalty kinds, the fine in yuan [min_fine, max_fine], and, where the law
    counts the fine in multiples of the illegal gain or the goods' value (e.g. Food Safety Law
    Art. 124: 10 to 20 times the goods' value from 10,000 yuan), the multiples and the amount of
    the basis from which they apply (below it, or with no basis recorded, the fixed range).

    The rule kind `fine_within_statutory_range` (FINE_OUTSIDE_STATUTORY_RANGE, APL 32) reads it."""

    __tablename__ = "cause"
    __table_args__ = (UniqueConstraint("department_id", "code", name="uq_cause_department_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    violated_provision: Mapped[str] = mapped_column(String(500))
    penalty_provision: Mapped[str] = mapped_column(String(500))
    penalty_kinds = mapped_column(JSONType, default=list)  # codes of oversight/powers.py, e.g. ["warning", "fine"]
    min_fine = mapped_column(Numeric(15, 2, asdecimal=False), nullable=True)  # yuan; None: no fixed minimum
    max_fine = mapped_column(Numeric(15, 2, asdecimal=False), nullable=True)  # yuan; None: no fixed maximum
    multiple_basis: Mapped[str | None] = mapped_column(String(32))  # illegal_gain | goods_value | None
    min_multiple = mapped_column(Numeric(8, 2, asdecimal=False), nullable=True)
    max_multiple = mapped_column(Numeric(8, 2, asdecimal=False), nullable=True)
    multiple_from = mapped_column(Numeric(15, 2, asdecimal=False), nullable=True)  # yuan of the basis; None: any
    benchmark_item: Mapped[str | None] = mapped_column(String(64))  # the discretion benchmark's code, if any
    updated_at = mapped_column(UTCDateTime, default=utcnow)

    department = relationship(OrgUnit)

    def statutory_range(self) -> dict:
        """The cause as the rule kinds read it: its range (plain numbers; None where the law sets no
        bound) and its benchmark item (None: none)."""
        return {"code": self.code, "name": self.name, "penalty_provision": self.penalty_provision,
                "min_fine": self.min_fine, "max_fine": self.max_fine, "multiple_basis": self.multiple_basis,
                "min_multiple": self.min_multiple, "max_multiple": self.max_multiple,
                "multiple_from": self.multiple_from, "penalty_kinds": list(self.penalty_kinds or []),
                "benchmark_item": self.benchmark_item}


class PenaltyListItem(db.Model):
    """An item of a department's no-penalty list (首违不罚清单 / 轻微违法行为不予行政处罚清单, APL
    Art. 33(1)) or light-penalty list (从轻减轻处罚清单, APL Art. 32): the cause of the department's
    register it applies to, the conditions under which it does (初次违法、危害后果轻微并及时改正),
    its legal ground, its validity and the document that issued it. `first_violation`: the item
    applies only to a party with no earlier penalty for the same cause within `look_back_months`
    (None: 12; services/registers/penalty_lists.py `first_violation`). `tier`, of a light item only (None for
    a no_penalty one): what the listed circumstance grounds — lighter (从轻, within the statutory
    range), mitigated (减轻, below its minimum, APL 32) or lighter_or_mitigated (从轻或者减轻).

    The rule kinds `no_penalty_list_respected` (MINOR_FIRST_VIOLATION_PENALIZED, APL 33),
    `light_list_applied` (LIGHT_LIST_NOT_APPLIED, APL 32: judged against the item's tier) and
    `fine_within_statutory_range` (a light-list item met whose tier includes 减轻 grounds a
    mitigated fine) read it."""

    __tablename__ = "penalty_list_item"
    __table_args__ = (UniqueConstraint("department_id", "code", name="uq_penalty_list_item_department_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    code: Mapped[str] = mapped_column(String(64))
    cause_id: Mapped[int] = mapped_column(ForeignKey("cause.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # no_penalty | light
    tier: Mapped[str | None] = mapped_column(String(24))  # light: lighter | mitigated | lighter_or_mitigated
    conditions: Mapped[str] = mapped_column(String(1000))
    legal_ground: Mapped[str] = mapped_column(String(500))
    first_violation: Mapped[bool]
    look_back_months: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    document: Mapped[str] = mapped_column(String(300))
    updated_at = mapped_column(UTCDateTime, default=utcnow)

    department = relationship(OrgUnit)
    cause: Mapped[Cause] = relationship(lazy="joined")

    @property
    def cause_code(self) -> str:
        return self.cause.code

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
