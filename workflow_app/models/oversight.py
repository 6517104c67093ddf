"""Oversight alerts (预警): a case deviating from the law or its deadlines, for the supervisors."""
from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .cases import Case, Task
from .org import User
from .types import JSONType, UTCDateTime, utcnow

# An alert's life: open → acknowledged (a supervisor has seen it) → rectification requested (a
# supervision opinion to the department, with a deadline) → rectification reported (the
# department's report back) → resolved, or dismissed with a reason. Until resolved or dismissed it
# is "active": one per (case, code).
ACTIVE = ("open", "acknowledged", "rectification_requested", "rectification_reported")
STATUSES = (*ACTIVE, "resolved", "dismissed")
# What an alert's `alert.raised` trace event records of the alert itself; the rest of its data
# are the alert's details (services/alerts.add; audit verify reads the row back from them).
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
