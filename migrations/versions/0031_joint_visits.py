"""joint inspection visits (进一次门、查多项事): several departments' inspection cases of one
enterprise visited in one entry

Revision ID: 0031
Revises: 0030

joint_visit: the enterprise (party), the day, who formed it and when. joint_visit_case: each case
of the visit with its department and who joined it; a case is in one joint visit at most.
"""
import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "joint_visit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("party_id", sa.Integer(), sa.ForeignKey("party.id", name=op.f("fk_joint_visit_party_id_party")),
                  nullable=False),
        sa.Column("visit_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("user_account.id", name=op.f(
            "fk_joint_visit_created_by_id_user_account")), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_joint_visit_party_id", "joint_visit", ["party_id"])
    op.create_table(
        "joint_visit_case",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("joint_visit.id", name=op.f(
            "fk_joint_visit_case_visit_id_joint_visit")), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("enforcement_case.id", name=op.f(
            "fk_joint_visit_case_case_id_enforcement_case")), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("org_unit.id", name=op.f(
            "fk_joint_visit_case_department_id_org_unit")), nullable=False),
        sa.Column("joined_by_id", sa.Integer(), sa.ForeignKey("user_account.id", name=op.f(
            "fk_joint_visit_case_joined_by_id_user_account")), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("case_id", name=op.f("uq_joint_visit_case_case_id")),
    )
    op.create_index("ix_joint_visit_case_visit_id", "joint_visit_case", ["visit_id"])


def downgrade():
    op.drop_index("ix_joint_visit_case_visit_id", table_name="joint_visit_case")
    op.drop_table("joint_visit_case")
    op.drop_index("ix_joint_visit_party_id", table_name="joint_visit")
    op.drop_table("joint_visit")
