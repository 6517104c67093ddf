"""Cases, their serialized workflow state, and the human-task projection."""
from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .org import OrgUnit, User
from .parties import Party
from .procedures import ProcedureVersion
from .types import JSONType, UTCDateTime, utcnow


class Case(db.Model):
    """The business record of one enforcement case (案件).

    `version` is the optimistic-concurrency counter: every state change updates the row with
    `WHERE version = <read version>`, so of two concurrent changes exactly one wins.
    """

    __tablename__ = "enforcement_case"
    # The case lists' order (newest first), in all of a scope and within one department.
    __table_args__ = (Index("ix_enforcement_case_created", "created_at", "id"),
                      Index("ix_enforcement_case_department_created", "department_id", "created_at", "id"),
                      # open cases by their last change: the idle-case rule reads these only
                      Index("ix_enforcement_case_open_updated", "updated_at", "id",
                            sqlite_where=text("closed_at IS NULL"), postgresql_where=text("closed_at IS NULL")),
                      # the dashboard's cases by status and open, counted from the index alone
                      Index("ix_enforcement_case_department_status", "department_id", "status", "closed_at"),
                      # the dashboard's cases by department and kind of procedure, from the index alone
                      Index("ix_enforcement_case_department_version", "department_id", "procedure_version_id",
                            "closed_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    procedure_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_version.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    party_name: Mapped[str] = mapped_column(String(200))
    party_kind: Mapped[str] = mapped_column(String(16))  # person|organization
    # The party in the register (models/parties.py); None until an anonymous tip's party is
    # identified (and on cases opened before the register). `party_name` stays the name printed
    # on the case.
    party_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"), nullable=True, index=True)
    # The status of the last milestone reached (the procedure declares both, engine/specs.py), or
    # "intake" before the first: a projection of case_milestone, kept here for the lists.
    status: Mapped[str] = mapped_column(String(32), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow)
    # When the case was closed (结案): a milestone that closes it (`closesCase`) or the end of its
    # process, whichever came first. Every procedure's cases close; the milestones are its own.
    closed_at = mapped_column(UTCDateTime, nullable=True)
    # The milestones reached, in order ([{milestone, status, bpmn_id, at}]): a projection of its
    # case_milestone rows written with them, so a step answers with them without reading the rows
    # (audit verify compares the two). One list for every milestone, not a column per milestone.
    milestones = mapped_column(JSONType, nullable=True)
    next_due_at = mapped_column(UTCDateTime, nullable=True, index=True)
    next_timer_at = mapped_column(UTCDateTime, nullable=True, index=True)
    # A case begun on paper and entered with its real dates (补录, services/cases/paper_entry.py): why,
    # the paper file's reference, and once finished who finished it and when; None for a case
    # opened in the system. `paper_entry_until`: while the entry is in progress, when it ends at
    # the latest (the worker's time alerts leave the case alone until then).
    paper_entry = mapped_column(JSONType, nullable=True)
    paper_entry_until = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # SQLAlchemy's optimistic concurrency: an UPDATE matching no row raises StaleDataError.
    __mapper_args__ = {"version_id_col": version}

    procedure_version: Mapped[ProcedureVersion] = relationship(lazy="joined")
    department: Mapped[OrgUnit] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship()
    party: Mapped[Party | None] = relationship()


class CaseMilestone(db.Model):
    """A milestone the case reached (filed, decided, seized, …: the procedure's BPMN declares
    them), once per time it was reached; the case's status, the deadlines that run from a
    milestone and the dashboard's counts derive from these rows. Written in the step's
    transaction with its `case.milestone` trace event; `audit verify` compares the two."""

    __tablename__ = "case_milestone"
    __table_args__ = (Index("ix_case_milestone_case", "case_id", "milestone", "at"),
                      Index("ix_case_milestone_milestone_at", "milestone", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"))
    milestone: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    bpmn_id: Mapped[str] = mapped_column(String(255))
    at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class CaseLink(db.Model):
    """Two cases that belong together, one opened from or for the other (services/cases/links.py):
    a seizure and the penalty case that confiscates its items, an inspection and the case its clue
    opened, a referral and the case the receiving department filed. A relation of its own, never
    changed or removed once made (a link made in error is traced and stays, as every act does);
    the trace records it on both cases' chains."""

    __tablename__ = "case_link"
    __table_args__ = (UniqueConstraint("from_case_id", "to_case_id", name="uq_case_link_cases"),
                      Index("ix_case_link_to", "to_case_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    from_case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"))  # the origin
    to_case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"))  # the case opened from or for it
    kind: Mapped[str] = mapped_column(String(32))  # services/cases/links.py KINDS
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)


class NumberCounter(db.Model):
    """The last number issued per department, year and kind (案号 `case`, 文号 of a document
    kind: `penalty_decision` …; services/registers/numbering.py). Bumped by one UPDATE … RETURNING inside
    the transaction that prints the number, so a rolled-back step gives its number back and
    concurrent steps queue on the row: the numbers are gapless and never issued twice."""

    __tablename__ = "number_counter"
    department_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class IssuedNumber(db.Model):
    """A number the system issued, as printed, with what it was issued to (the case; the step
    whose document prints it): written with the counter's bump, never changed. The unique keys
    make a number printed twice impossible even after an administrator edits the patterns.

    A number printed on a pre-printed, numbered form (当场处罚决定书, APL Art. 52) that the officer
    types is recorded here too, with no `seq` (services/registers/printed_numbers.py): the unique
    (department, number) then keeps it from a second case and from the system's own numbers."""

    __tablename__ = "issued_number"
    __table_args__ = (UniqueConstraint("department_id", "year", "kind", "seq", name="uq_issued_number_department_id"),
                      UniqueConstraint("department_id", "number", name="uq_issued_number_department_id_number"))
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int | None] = mapped_column(Integer)  # None: a pre-printed form's number, typed
    number: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("case_task.id"), index=True)
    field: Mapped[str | None] = mapped_column(String(128))
    issued_at = mapped_column(UTCDateTime, default=utcnow)


class WorkflowState(db.Model):
    """The SpiffWorkflow instance of a case, serialized *without* its spec (rejoined on load)."""

    __tablename__ = "workflow_state"
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"), primary_key=True)
    serializer_version: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(Text)
    updated_at = mapped_column(UTCDateTime, default=utcnow)


class Task(db.Model):
    """One human task of a case, kept in step with the engine in the same transaction.

    Inboxes, dashboards and the oversight scanner read this table and never deserialize a
    workflow.
    """

    __tablename__ = "case_task"
    # Inboxes read ready tasks only, due first: partial indexes keep them as small as the open
    # work, however long the history of completed tasks grows.
    __table_args__ = (
        Index("ix_case_task_ready_due", "due_at", "id", postgresql_where=text("state = 'ready'"),
              sqlite_where=text("state = 'ready'")),
        Index("ix_case_task_ready_department_lane", "department_id", "lane", "due_at", "id",
              postgresql_where=text("state = 'ready'"), sqlite_where=text("state = 'ready'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"), index=True)
    # The case's department, copied when the task is created (a case does not change department):
    # inboxes filter on it without joining every task to its case.
    department_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    engine_task_id: Mapped[str] = mapped_column(String(36), unique=True)
    bpmn_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(32))
    form_key: Mapped[str | None] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16))  # ready|completed|cancelled
    ready_at = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[str | None] = mapped_column(String(200))
    due_at = mapped_column(UTCDateTime, nullable=True, index=True)
    due_provisional: Mapped[bool] = mapped_column(default=False)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    completed_at = mapped_column(UTCDateTime, nullable=True)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    data = mapped_column(JSONType, nullable=True)

    case: Mapped[Case] = relationship()
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])


class LegalReview(db.Model):
    """法制审核 (legal review) of a major decision, APL Art. 58 and 国办发〔2018〕118号."""

    __tablename__ = "legal_review"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("case_task.id"), unique=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    outcome: Mapped[str] = mapped_column(String(16))  # approve|return
    findings = mapped_column(JSONType, default=dict)
    opinions: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    reviewer: Mapped[User] = relationship()


class CaseAttachment(db.Model):
    """A file kept with a case's record, immutable once stored (database triggers refuse UPDATE and
    DELETE): the party's signature drawn on the screen when a decision is handed over (APL 52).
    Keyed within its case by the SHA-256 of its bytes, which the step's form data names, so the
    hash stands on the trail (`task.completed`) beside what was signed."""

    __tablename__ = "case_attachment"
    __table_args__ = (UniqueConstraint("case_id", "sha256"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # signature
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    stored_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    stored_at = mapped_column(UTCDateTime, default=utcnow)

    stored_by: Mapped[User] = relationship()


class IdempotentRequest(db.Model):
    """The first answer to a request sent with an `Idempotency-Key` (opening a case), kept so that
    the same request sent again - a retry over a site's flaky mobile network - gets that answer
    again instead of opening a second case. Written in the transaction of what it answers, so a
    case and its key commit together or not at all; the key is the user's own (two users' keys
    never meet). `request_sha256` fingerprints the method, path and body: the same key with
    another request is refused."""

    __tablename__ = "idempotent_request"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    key: Mapped[str] = mapped_column(String(200))
    request_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    location: Mapped[str | None] = mapped_column(String(300), nullable=True)
    response = mapped_column(JSONType)
    created_at = mapped_column(UTCDateTime, default=utcnow)


class Referral(db.Model):
    """A clue or case sent by one department to another (线索移送, services/cases/referrals.py): the
    referring department's own `referral` case, the receipt case opened in the receiving department
    when the sending was approved, a copy of what was sent, the day the feedback is due, and the
    answer (accepted, with the case the receiving department filed; or returned with reasons). Each
    side reads only its own case; this row is what passes between them."""

    __tablename__ = "referral"
    __table_args__ = (UniqueConstraint("referral_case_id", name="uq_referral_referral_case"),
                      UniqueConstraint("receipt_case_id", name="uq_referral_receipt_case"),
                      Index("ix_referral_to_department", "to_department_id", "sent_at"),
                      # the supervision's unanswered ones by due time: the worker's watch of them (a
                      # department's referral is watched by its own case's timer)
                      Index("ix_referral_awaiting_due", "due_at", "id",
                            postgresql_where=text("outcome IS NULL AND referral_case_id IS NULL"),
                            sqlite_where=text("outcome IS NULL AND referral_case_id IS NULL")))
    id: Mapped[int] = mapped_column(primary_key=True)
    # None: sent by the justice bureau's supervision (执法监督), which has no referral case of its own
    referral_case_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_case.id"))
    receipt_case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"))
    from_department_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    to_department_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    letter = mapped_column(JSONType, nullable=False)  # the copy sent: what the receiving department reads
    due_on = mapped_column(Date, nullable=False)
    due_at = mapped_column(UTCDateTime, nullable=True)  # due_on counted by the law (None: rows of 0032)
    # the case the supervision sent it from (the case it audits), if any; a department's referral
    # names its origin by the link `referred` to its referral case
    origin_case_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_case.id"))
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    sent_at = mapped_column(UTCDateTime, nullable=False)
    outcome: Mapped[str | None] = mapped_column(String(16))  # accepted|returned
    reasons: Mapped[str | None] = mapped_column(Text)
    answered_on = mapped_column(Date, nullable=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at = mapped_column(UTCDateTime, nullable=True)
    accepted_case_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_case.id"))

    referral_case: Mapped[Case | None] = relationship(foreign_keys=[referral_case_id])
    origin_case: Mapped[Case | None] = relationship(foreign_keys=[origin_case_id])
    receipt_case: Mapped[Case] = relationship(foreign_keys=[receipt_case_id])
    accepted_case: Mapped[Case | None] = relationship(foreign_keys=[accepted_case_id])
    from_department: Mapped[OrgUnit] = relationship(foreign_keys=[from_department_id])
    to_department: Mapped[OrgUnit] = relationship(foreign_keys=[to_department_id])
