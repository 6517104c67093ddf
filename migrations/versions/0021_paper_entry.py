"""paper entry: a case begun on paper, entered with its real dates (补录)

Revision ID: 0021
Revises: 0020

enforcement_case.paper_entry (JSON, nullable): why the case is entered from its paper file, the
file's own reference, who finished the entry and when. enforcement_case.paper_entry_until
(nullable): while the entry is in progress, when it ends at the latest; the worker's time alerts
leave the case alone until then (services/cases/paper_entry.py). Existing cases were not entered so.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    with op.batch_alter_table("enforcement_case", recreate="never") as batch:
        batch.add_column(sa.Column("paper_entry", JSON, nullable=True))
        batch.add_column(sa.Column("paper_entry_until", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("enforcement_case", recreate="never") as batch:
        batch.drop_column("paper_entry_until")
        batch.drop_column("paper_entry")
