"""penalty lists: each department's no-penalty list (首违不罚 / 不予处罚清单) and light-penalty list
(从轻减轻处罚清单), an item per cause of its causes register

Revision ID: 0022
Revises: 0021

`penalty_list_item` holds one row per item: the department and the item's code (unique together),
the cause of the department's register it applies to, its kind (no_penalty | light), the
conditions and legal ground, whether it applies only to a first violation and over how many
months a first violation is looked back for, its validity and the document that issued it.

`org_unit.registers_stamp` is a fresh random token at every import that changes a department's
causes register or penalty lists: read with the case's department, it tells a process whether its
copy of the registers (services/registers/copies.py) is current. Existing units get one token of this
database's own, so no copy made from another database is taken for theirs.
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "penalty_list_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey(
            "org_unit.id", name=op.f("fk_penalty_list_item_department_id_org_unit")), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("cause_id", sa.Integer(), sa.ForeignKey(
            "cause.id", name=op.f("fk_penalty_list_item_cause_id_cause")), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("conditions", sa.String(1000), nullable=False),
        sa.Column("legal_ground", sa.String(500), nullable=False),
        sa.Column("first_violation", sa.Boolean(), nullable=False),
        sa.Column("look_back_months", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("document", sa.String(300), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("department_id", "code", name="uq_penalty_list_item_department_code"),
    )
    op.create_index(op.f("ix_penalty_list_item_cause_id"), "penalty_list_item", ["cause_id"])
    with op.batch_alter_table("org_unit") as batch:
        batch.add_column(sa.Column("registers_stamp", sa.String(32), nullable=False, server_default=""))
    op.execute(sa.text("UPDATE org_unit SET registers_stamp = :stamp").bindparams(stamp=uuid.uuid4().hex))


def downgrade():
    # ALTER TABLE … DROP COLUMN in place (SQLite >= 3.35), as 0020 does: batch mode's copy of the
    # table would be refused by the org units' referencing rows
    with op.batch_alter_table("org_unit", recreate="never") as batch:
        batch.drop_column("registers_stamp")
    op.drop_index(op.f("ix_penalty_list_item_cause_id"), table_name="penalty_list_item")
    op.drop_table("penalty_list_item")
