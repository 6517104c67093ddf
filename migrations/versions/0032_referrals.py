"""referrals: a clue or case sent by one department to another (线索移送), and the answer

Revision ID: 0032
Revises: 0031

referral: the referring case (its department's own `referral` case), the receipt case opened in the
receiving department when the head approved the sending, what was sent (a copy: the letter's
fields, the party, the materials' titles), the date the feedback is due, and the answer (accepted
with the case the receiving department filed, or returned with reasons), who and when
(services/cases/referrals.py). One row per referring case and per receipt case; the receiving
department's open referrals are read by its own index.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("referral_case_id", sa.Integer(), sa.ForeignKey("enforcement_case.id"), nullable=False),
        sa.Column("receipt_case_id", sa.Integer(), sa.ForeignKey("enforcement_case.id"), nullable=False),
        sa.Column("from_department_id", sa.Integer(), sa.ForeignKey("org_unit.id"), nullable=False),
        sa.Column("to_department_id", sa.Integer(), sa.ForeignKey("org_unit.id"), nullable=False),
        sa.Column("letter", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_case_id", sa.Integer(), sa.ForeignKey("enforcement_case.id"), nullable=True),
        sa.UniqueConstraint("referral_case_id", name="uq_referral_referral_case"),
        sa.UniqueConstraint("receipt_case_id", name="uq_referral_receipt_case"),
    )
    op.create_index("ix_referral_to_department", "referral", ["to_department_id", "sent_at"])


def downgrade():
    op.drop_index("ix_referral_to_department", table_name="referral")
    op.drop_table("referral")
