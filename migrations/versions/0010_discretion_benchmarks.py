"""discretion benchmarks: the register of 行政裁量权基准 items and their tiers' fine ranges

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "discretion_benchmark",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("violated_provision", sa.String(500), nullable=False),
        sa.Column("penalty_provision", sa.String(500), nullable=False),
        sa.Column("tiers", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("code", name=op.f("uq_discretion_benchmark_code")),
    )


def downgrade():
    op.drop_table("discretion_benchmark")
