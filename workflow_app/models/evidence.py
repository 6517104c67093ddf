"""Evidence (证据) kept with a case: the files officers collect, listed as the case's 证据清单.

A row is immutable once stored (database triggers refuse UPDATE and DELETE); its bytes live once,
by SHA-256, in the evidence store (services/evidence/store.py), never rewritten. Nothing is deleted:
an item taken back is withdrawn by a row of its own (`EvidenceWithdrawal`, immutable too) and stays
visible to reviewers and supervisors."""
from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .cases import Case, Task
from .org import User
from .types import UTCDateTime, utcnow


class Evidence(db.Model):
    __tablename__ = "case_evidence"
    # a case's list in the order collected, read a page at a time (services/evidence/items.list_page)
    __table_args__ = (Index("ix_case_evidence_case", "case_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("case_task.id"))  # the step that collected it
    bpmn_id: Mapped[str | None] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))  # sniffed from the bytes, not the name
    filename: Mapped[str] = mapped_column(String(200))  # as uploaded, cleaned
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))  # APL 46's kinds (services/evidence/items.py KINDS)
    source: Mapped[str | None] = mapped_column(String(200))
    proves: Mapped[str | None] = mapped_column(String(500))  # 证明事项
    collected_on: Mapped[date | None] = mapped_column(Date)
    collected_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    stored_at = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship()
    collected_by: Mapped[User] = relationship()
    task: Mapped[Task | None] = relationship()
    withdrawal: Mapped["EvidenceWithdrawal | None"] = relationship(back_populates="evidence", uselist=False,
                                                                   lazy="selectin")


class EvidenceWithdrawal(db.Model):
    """An item taken back from the evidence list, with the reason (撤回): the item stays."""

    __tablename__ = "evidence_withdrawal"
    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("case_evidence.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(500))
    withdrawn_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_at = mapped_column(UTCDateTime, default=utcnow)

    evidence: Mapped[Evidence] = relationship(back_populates="withdrawal")
    withdrawn_by: Mapped[User] = relationship()
