"""inspection plans (年度检查计划): a department's yearly plan, its items, target population and the
yearly frequency allowed per enterprise

Revision ID: 0029
Revises: 0028

inspection_plan: one per (department, year); items and population as JSON (read with the plan,
never searched); the plan's life in `status` with who drafted and approved it and when; `version`
for optimistic concurrency. Every change is traced on the system chain (services/inspections/plans.py).
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade():
    op.create_table(
        "inspection_plan",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("org_unit.id", name=op.f(
            "fk_inspection_plan_department_id_org_unit")), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("items", JSON, nullable=False),
        sa.Column("population", JSON, nullable=False),
        sa.Column("max_per_enterprise", sa.Integer(), nullable=False),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("drafted_by_id", sa.Integer(), sa.ForeignKey("user_account.id", name=op.f(
            "fk_inspection_plan_drafted_by_id_user_account")), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), sa.ForeignKey("user_account.id", name=op.f(
            "fk_inspection_plan_approved_by_id_user_account")), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("department_id", "year", name=op.f("uq_inspection_plan_department_id")),
    )
    op.create_index("ix_inspection_plan_department_id", "inspection_plan", ["department_id"])


def downgrade():
    op.drop_index("ix_inspection_plan_department_id", table_name="inspection_plan")
    op.drop_table("inspection_plan")
