"""Procedures (e.g. general_penalty, 普通程序) and their immutable deployed versions."""
from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import JSONType, UTCDateTime, utcnow


class Procedure(db.Model):
    __tablename__ = "procedure"
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(128), unique=True)  # the BPMN process id
    name: Mapped[str] = mapped_column(String(200))
    created_at = mapped_column(UTCDateTime, default=utcnow)

    versions = relationship(
        "ProcedureVersion", back_populates="procedure", order_by="ProcedureVersion.version"
    )


class ProcedureVersion(db.Model):
    """One deployed BPMN file, never changed after insert; keyed by the SHA-256 of its bytes.

    `forms` snapshots the JSON Schemas of the version's form keys at deploy time and
    `task_specs` the per-task metadata we read from the BPMN (lane, formKey, deadline, …), so
    a running case keeps the rules it started with even when forms/ changes later.
    """

    __tablename__ = "procedure_version"
    __table_args__ = (UniqueConstraint("procedure_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"), index=True)
    version: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # Large and immutable: loaded only when asked for; the hot path uses the in-process cache.
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    name: Mapped[str] = mapped_column(String(200))
    # What the supervision counts its cases as (oversight/procedure_kinds.py): the process's
    # `procedureKind`, a penalty procedure where it declares none.
    kind: Mapped[str] = mapped_column(String(16), default="penalty", server_default="penalty")
    forms = mapped_column(JSONType, default=dict, deferred=True)
    task_specs = mapped_column(JSONType, default=dict, deferred=True)
    # The package's rule bindings (bpmn/<id>/rules.json, checked at deploy); None: a file
    # deployed alone, bound to no rule.
    rules = mapped_column(JSONType, nullable=True, deferred=True)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    deployed_at = mapped_column(UTCDateTime, default=utcnow)

    procedure: Mapped[Procedure] = relationship(back_populates="versions", lazy="joined")


class ProcedureFile(db.Model):
    """One file of a deployed package (BPMN, form, rule bindings, Word template) by its path in
    the repository's layout (`bpmn/general_penalty/documents/decision.docx`); immutable."""

    __tablename__ = "procedure_file"
    __table_args__ = (UniqueConstraint("version_id", "path"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_version.id"))
    path: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class ProcedureDraft(db.Model):
    """A procedure package being edited in the workbench ([8/9]): never run, never seen by officers,
    deployed only when a second person approves it (services/procedures/drafts.py).

    `process_id` is the procedure it would deploy as (a new one, or the one of `base_version`).
    `revision` counts the draft's changes: every save names the revision it was made on (If-Match)
    and a stale one is refused, so two authors never overwrite each other silently. `status`:
    editing, submitted (asked to be published), published, discarded."""

    __tablename__ = "procedure_draft"
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("procedure_version.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="editing")
    revision: Mapped[int] = mapped_column(default=1)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow)
    submitted_at = mapped_column(UTCDateTime, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # the author's words when asking
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at = mapped_column(UTCDateTime, nullable=True)
    review_reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # why it was returned
    published_version_id: Mapped[int | None] = mapped_column(ForeignKey("procedure_version.id"))
    # The draft's test run (services/procedures/draft_runs.py): the sandbox workflow's state and
    # what was done in it; no case, number or trace event is made.
    test_state: Mapped[str | None] = mapped_column(Text, nullable=True, deferred=True)
    test_run = mapped_column(JSONType, nullable=True, deferred=True)

    files = relationship("ProcedureDraftFile", back_populates="draft", order_by="ProcedureDraftFile.path",
                         cascade="all, delete-orphan")
    # the people every view of a draft names: read with it
    owner = relationship("User", foreign_keys=[owner_id], lazy="joined")
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id], lazy="joined")


class ProcedureDraftFile(db.Model):
    """One file of a draft, by its path in the repository's layout (as ProcedureFile)."""

    __tablename__ = "procedure_draft_file"
    __table_args__ = (UniqueConstraint("draft_id", "path"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("procedure_draft.id"), index=True)
    path: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    draft = relationship(ProcedureDraft, back_populates="files")
