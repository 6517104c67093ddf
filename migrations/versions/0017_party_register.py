"""party register: natural persons and organisations by their checked number; a case names its party

Revision ID: 0017
Revises: 0016

`party` holds one row per resident identity number or unified social credit code (each checked by
its check character before it is stored). `enforcement_case.party_id` names the case's party; it
stays NULL on the cases opened before the register and on an anonymous tip's case until its party
is identified, and `party_name` stays the name printed on the case.
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "party",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("legal_representative", sa.String(100), nullable=True),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("registered_by_id", sa.Integer(), sa.ForeignKey("user_account.id", name=op.f(
            "fk_party_registered_by_id_user_account")), nullable=False),
        sa.Column("registered_unit_id", sa.Integer(), sa.ForeignKey("org_unit.id", name=op.f(
            "fk_party_registered_unit_id_org_unit")), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("id_number", name=op.f("uq_party_id_number")),
    )
    op.create_index("ix_party_name", "party", ["name"])
    with op.batch_alter_table("enforcement_case") as batch:
        batch.add_column(sa.Column("party_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_enforcement_case_party_id_party"), "party", ["party_id"], ["id"])
        batch.create_index("ix_enforcement_case_party_id", ["party_id"])


def downgrade():
    with op.batch_alter_table("enforcement_case") as batch:
        batch.drop_index("ix_enforcement_case_party_id")
        batch.drop_constraint(op.f("fk_enforcement_case_party_id_party"), type_="foreignkey")
        batch.drop_column("party_id")
    op.drop_index("ix_party_name", table_name="party")
    op.drop_table("party")
