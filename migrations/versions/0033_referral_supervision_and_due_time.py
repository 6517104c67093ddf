"""referrals: the instant the answer is due, and referrals sent by the justice bureau's supervision

Revision ID: 0033
Revises: 0032

referral.due_at (nullable): the instant the answer is due, the letter's date counted by the law
(carried to the next working day, its end in Beijing); the referral's wait watches it with a timer
(bpmn/referral), and the worker watches it for a referral the supervision sent. Rows of 0032 keep
NULL (their due_on is counted the same way when read).
referral.referral_case_id becomes nullable: a referral sent by the supervision (执法监督, services/
referrals.py `refer_by_supervision`) has no referring case of its own; referral.origin_case_id
(nullable) names the case it was sent from (the case the supervisor audits), if any.
The supervision's unanswered referrals are read by their due time (a partial index of them alone).
"""
import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

# the supervision's unanswered referrals (a department's are watched by their own case's timer)
AWAITING = sa.text("outcome IS NULL AND referral_case_id IS NULL")


def upgrade():
    with op.batch_alter_table("referral") as batch:
        batch.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("origin_case_id", sa.Integer(), sa.ForeignKey(
            "enforcement_case.id", name="fk_referral_origin_case_id_enforcement_case"), nullable=True))
        batch.alter_column("referral_case_id", existing_type=sa.Integer(), nullable=True)
    op.create_index("ix_referral_awaiting_due", "referral", ["due_at", "id"],
                    postgresql_where=AWAITING, sqlite_where=AWAITING)


def downgrade():
    op.drop_index("ix_referral_awaiting_due", table_name="referral")
    op.execute("DELETE FROM referral WHERE referral_case_id IS NULL")
    with op.batch_alter_table("referral") as batch:
        batch.alter_column("referral_case_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("origin_case_id")
        batch.drop_column("due_at")
