"""idempotent requests: the first answer to a request sent with an Idempotency-Key

Revision ID: 0015
Revises: 0014

A retried `POST /api/v1/cases` with the same `Idempotency-Key` gets the first answer again instead
of opening a second case (a duplicate enforcement case with a number of its own). The row is
written in the transaction of the case it answers.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "idempotent_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id", name=op.f(
            "fk_idempotent_request_user_id_user_account")), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("request_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(300), nullable=True),
        sa.Column("response", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_idempotent_request_user_id")),
    )


def downgrade():
    op.drop_table("idempotent_request")
