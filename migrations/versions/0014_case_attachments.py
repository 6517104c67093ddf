"""case attachments: files kept with a case's record (the party's signature drawn on the screen),
immutable: the database refuses UPDATE and DELETE on them

Revision ID: 0014
Revises: 0013

A signature is evidence that the party received the decision (APL Art. 52): once stored it is never
changed or removed. Each row is keyed within its case by the SHA-256 of its bytes, which the
step's form data (and so the case's trail) names.
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

MESSAGE = "case_attachment rows are immutable: a stored file is never changed or removed"


def upgrade():
    op.create_table(
        "case_attachment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("enforcement_case.id", name=op.f(
            "fk_case_attachment_case_id_enforcement_case")), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("stored_by_id", sa.Integer(), sa.ForeignKey("user_account.id", name=op.f(
            "fk_case_attachment_stored_by_id_user_account")), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("case_id", "sha256", name=op.f("uq_case_attachment_case_id")),
    )
    op.create_index("ix_case_attachment_case_id", "case_attachment", ["case_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION case_attachment_immutable() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER case_attachment_immutable BEFORE UPDATE OR DELETE ON case_attachment
            FOR EACH ROW EXECUTE FUNCTION case_attachment_immutable()
        """)
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER case_attachment_no_{event.lower()} BEFORE {event} ON case_attachment
                BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
            """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER case_attachment_immutable ON case_attachment")
        op.execute("DROP FUNCTION case_attachment_immutable()")
    op.drop_table("case_attachment")
