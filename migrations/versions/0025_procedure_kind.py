"""procedure kinds: what the supervision counts a procedure's cases as (行政处罚, 行政强制, 行政检查, …)

Revision ID: 0025
Revises: 0024

procedure_version.kind (oversight/procedure_kinds.py): the process's `procedureKind` property,
read at deploy. Versions deployed before hold the property only if their BPMN declares it, which
this migration reads; every other one is a penalty procedure (the only kind shipped until now).

ix_enforcement_case_department_version (department_id, procedure_version_id, closed_at): the
dashboard counts cases by department and kind, and the open ones, from the index alone.
"""
import re

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

KINDS = ("penalty", "coercion", "inspection", "referral", "other")
# The property as a BPMN file writes it; the first one of the file is the process's own (a flow
# element may not carry it).
_DECLARED = re.compile(r'name="procedureKind"\s+value="([a-z]+)"')


def upgrade():
    with op.batch_alter_table("procedure_version", recreate="never") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="penalty"))
    conn = op.get_bind()
    versions = sa.table("procedure_version", sa.column("id", sa.Integer), sa.column("bpmn_xml", sa.Text),
                        sa.column("kind", sa.String))
    for version_id, xml in conn.execute(sa.select(versions.c.id, versions.c.bpmn_xml)).all():
        found = _DECLARED.search(xml or "")
        if found and found[1] in KINDS and found[1] != "penalty":
            conn.execute(versions.update().where(versions.c.id == version_id).values(kind=found[1]))
    op.create_index("ix_enforcement_case_department_version", "enforcement_case",
                    ["department_id", "procedure_version_id", "closed_at"])


def downgrade():
    op.drop_index("ix_enforcement_case_department_version", table_name="enforcement_case")
    with op.batch_alter_table("procedure_version", recreate="never") as batch:
        batch.drop_column("kind")
