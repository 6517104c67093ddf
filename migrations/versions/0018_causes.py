"""causes: each department's register of 案由 (from its powers list) with the statutory range of
the penalty provision: penalty kinds, fine in yuan, or multiples of the illegal gain / goods' value

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cause",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("org_unit.id", name=op.f("fk_cause_department_id_org_unit")),
                  nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("violated_provision", sa.String(500), nullable=False),
        sa.Column("penalty_provision", sa.String(500), nullable=False),
        sa.Column("penalty_kinds", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("min_fine", sa.Numeric(15, 2), nullable=True),
        sa.Column("max_fine", sa.Numeric(15, 2), nullable=True),
        sa.Column("multiple_basis", sa.String(32), nullable=True),
        sa.Column("min_multiple", sa.Numeric(8, 2), nullable=True),
        sa.Column("max_multiple", sa.Numeric(8, 2), nullable=True),
        sa.Column("multiple_from", sa.Numeric(15, 2), nullable=True),
        sa.Column("benchmark_item", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("department_id", "code", name="uq_cause_department_code"),
    )
    op.create_index(op.f("ix_cause_department_id"), "cause", ["department_id"])


def downgrade():
    op.drop_index(op.f("ix_cause_department_id"), table_name="cause")
    op.drop_table("cause")
