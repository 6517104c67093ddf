"""evidence list index: a case's items in the order collected, (case_id, id)

Revision ID: 0027
Revises: 0026

The evidence list pages by keyset on the item's id (services/evidence.list_page: `WHERE case_id = ?
AND id > ? ORDER BY id LIMIT n`). An index on case_id alone holds a case's items in no useful order
on PostgreSQL, so every page read and sorted all of them (a case with thousands of CCTV stills);
(case_id, id) answers a page as one index range, and serves the case_id lookups the old index did.
"""
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_case_evidence_case", "case_evidence", ["case_id", "id"])
    op.drop_index("ix_case_evidence_case_id", table_name="case_evidence")


def downgrade():
    op.create_index("ix_case_evidence_case_id", "case_evidence", ["case_id"])
    op.drop_index("ix_case_evidence_case", table_name="case_evidence")
