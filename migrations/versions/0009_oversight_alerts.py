"""oversight alerts: one row per alert, at most one active per (case, code); open cases by last change

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('open', 'acknowledged', 'rectification_requested', 'rectification_reported')")
REQUESTED = sa.text("status = 'rectification_requested'")
OPEN_CASE = sa.text("status NOT IN ('closed', 'not_filed')")


def upgrade():
    op.create_table(
        "oversight_alert",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("enforcement_case.id"), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("org_unit.id"), nullable=False),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("case_task.id"), nullable=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("details", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raised_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("rectification_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("reported_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_oversight_alert_case_id", "oversight_alert", ["case_id"])
    op.create_index("ix_oversight_alert_department_id", "oversight_alert", ["department_id"])
    op.create_index("ix_oversight_alert_task_id", "oversight_alert", ["task_id"])
    op.create_index("ix_oversight_alert_status_raised", "oversight_alert", ["status", "raised_at", "id"])
    op.create_index("uq_oversight_alert_active", "oversight_alert", ["case_id", "code"], unique=True,
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    op.create_index("ix_oversight_alert_rectification_due", "oversight_alert", ["rectification_due_at"],
                    sqlite_where=REQUESTED, postgresql_where=REQUESTED)
    op.create_index("ix_enforcement_case_open_updated", "enforcement_case", ["updated_at", "id"],
                    sqlite_where=OPEN_CASE, postgresql_where=OPEN_CASE)


def downgrade():
    op.drop_index("ix_enforcement_case_open_updated", table_name="enforcement_case")
    op.drop_table("oversight_alert")
