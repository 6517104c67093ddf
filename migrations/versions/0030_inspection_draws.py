"""inspection draws (双随机): the seed, inputs and result of each random draw under a plan's item

Revision ID: 0030
Revises: 0029

inspection_draw: the plan and item, the server-drawn seed, the inputs drawn from (the population's
credit codes and the certified officers, as JSON) with their SHA-256, the result (targets, their
inspectors and, once opened, their inspection cases), who drew and when.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade():
    op.create_table(
        "inspection_draw",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("inspection_plan.id", name=op.f(
            "fk_inspection_draw_plan_id_inspection_plan")), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("org_unit.id", name=op.f(
            "fk_inspection_draw_department_id_org_unit")), nullable=False),
        sa.Column("item_code", sa.String(8), nullable=False),
        sa.Column("seed", sa.String(64), nullable=False),
        sa.Column("target_count", sa.Integer(), nullable=False),
        sa.Column("inspectors_per_target", sa.Integer(), nullable=False),
        sa.Column("inputs", JSON, nullable=False),
        sa.Column("inputs_sha256", sa.String(64), nullable=False),
        sa.Column("result", JSON, nullable=False),
        sa.Column("drawn_by_id", sa.Integer(), sa.ForeignKey("user_account.id", name=op.f(
            "fk_inspection_draw_drawn_by_id_user_account")), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_inspection_draw_plan_id", "inspection_draw", ["plan_id"])
    op.create_index("ix_inspection_draw_department_id", "inspection_draw", ["department_id"])


def downgrade():
    op.drop_index("ix_inspection_draw_department_id", table_name="inspection_draw")
    op.drop_index("ix_inspection_draw_plan_id", table_name="inspection_draw")
    op.drop_table("inspection_draw")
