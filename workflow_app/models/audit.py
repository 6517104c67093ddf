"""The append-only audit trail (执法全过程记录): a keyed (HMAC-SHA256) hash chain per case, and
signed checkpoints of every chain head."""
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class TraceChain(db.Model):
    """Head of one chain ("case:42", "system"): the last sequence number and hash.

    The head lives apart from the events so that deleting the newest event is detected too.
    """

    __tablename__ = "trace_chain"
    chain: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    head_sha256: Mapped[str] = mapped_column(String(64))


class TraceEvent(db.Model):
    __tablename__ = "trace_event"
    __table_args__ = (UniqueConstraint("chain", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_case.id"), index=True)
    at = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(64))  # username at the time, or "system"
    action: Mapped[str] = mapped_column(String(64))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("case_task.id"))
    bpmn_id: Mapped[str | None] = mapped_column(String(128))
    # Stored as the exact JSON text that was hashed: a JSONB round trip may reformat numbers.
    data_json: Mapped[str] = mapped_column(Text, default="{}")
    # The digest of the previous event of the chain, and this event's own: HMAC-SHA256 under the
    # chain key named by key_id (plain SHA-256 for events written before the chain was keyed,
    # key_id NULL). The column names predate keying and are part of the API.
    prev_sha256: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(16))


class AuditCheckpoint(db.Model):
    """A signed statement of every chain head at one moment (services/audit/checkpoints.py).

    `body_json` is the exact text that was signed; auditors export these rows and keep them
    elsewhere, so a later rollback or rewrite of the database shows against their copy.
    """

    __tablename__ = "audit_checkpoint"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    chains: Mapped[int]
    events: Mapped[int]
    public_key_id: Mapped[str] = mapped_column(String(16))
    public_key_pem: Mapped[str] = mapped_column(Text)
    body_json: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(128))
