"""case evidence: the files collected for a case (证据清单) and their withdrawals, both immutable:
the database refuses UPDATE and DELETE on them

Revision ID: 0016
Revises: 0015

The bytes are not in the database: they are kept once by SHA-256 in the evidence store (a
directory, services/evidence/store.py); the row records the hash, size and sniffed type, which
the case's trail (`evidence.stored`) records too, so `audit verify` can re-hash the file.
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLES = ("case_evidence", "evidence_withdrawal")


def upgrade():
    op.create_table(
        "case_evidence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("enforcement_case.id", name=op.f(
            "fk_case_evidence_case_id_enforcement_case")), nullable=False),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("case_task.id", name=op.f(
            "fk_case_evidence_task_id_case_task")), nullable=True),
        sa.Column("bpmn_id", sa.String(100), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("source", sa.String(200), nullable=True),
        sa.Column("proves", sa.String(500), nullable=True),
        sa.Column("collected_on", sa.Date(), nullable=True),
        sa.Column("collected_by_id", sa.Integer(), sa.ForeignKey("user_account.id", name=op.f(
            "fk_case_evidence_collected_by_id_user_account")), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_case_evidence_case_id", "case_evidence", ["case_id"])
    op.create_index("ix_case_evidence_sha256", "case_evidence", ["sha256"])
    op.create_table(
        "evidence_withdrawal",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("evidence_id", sa.Integer(), sa.ForeignKey("case_evidence.id", name=op.f(
            "fk_evidence_withdrawal_evidence_id_case_evidence")), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("withdrawn_by_id", sa.Integer(), sa.ForeignKey("user_account.id", name=op.f(
            "fk_evidence_withdrawal_withdrawn_by_id_user_account")), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("evidence_id", name=op.f("uq_evidence_withdrawal_evidence_id")),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        message = f"{table} rows are immutable: evidence is never changed or deleted, only withdrawn"
        if postgresql:
            op.execute(f"""
                CREATE FUNCTION {table}_immutable() RETURNS trigger AS $$
                BEGIN
                    RAISE EXCEPTION '{message}';
                END;
                $$ LANGUAGE plpgsql
            """)
            op.execute(f"""
                CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {table}_immutable()
            """)
        else:
            for event in ("UPDATE", "DELETE"):
                op.execute(f"""
                    CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table}
                    BEGIN SELECT RAISE(ABORT, '{message}'); END
                """)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in reversed(TABLES):
        if postgresql:
            op.execute(f"DROP TRIGGER {table}_immutable ON {table}")
            op.execute(f"DROP FUNCTION {table}_immutable()")
        op.drop_table(table)
