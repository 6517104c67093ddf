"""case links: two cases that belong together (a seizure and its penalty case, an inspection and
the case its clue opened, a referral and the receiving department's case)

Revision ID: 0024
Revises: 0023

case_link: from_case_id (the origin), to_case_id (the case opened from or for it), kind
(services/cases/links.py), the reason, who made it and when. One link per pair of cases; the
receiving side is read by its own index.
"""
import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_link",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("from_case_id", sa.Integer(), sa.ForeignKey("enforcement_case.id"), nullable=False),
        sa.Column("to_case_id", sa.Integer(), sa.ForeignKey("enforcement_case.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("from_case_id", "to_case_id", name="uq_case_link_cases"),
    )
    op.create_index("ix_case_link_to", "case_link", ["to_case_id"])


def downgrade():
    op.drop_index("ix_case_link_to", table_name="case_link")
    op.drop_table("case_link")
