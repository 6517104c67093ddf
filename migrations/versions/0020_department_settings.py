"""department settings: the place and account of payment, the reconsideration body and the court

Revision ID: 0020
Revises: 0019

org_unit.settings (JSON, nullable): what a department's decisions name (APL 59, 67; 行政复议法
Art. 24; 行政诉讼法 Art. 18), set by an administrator (services/registers/org_settings.py). Existing units
get none: their reconsideration body and court are derived from the tree until set.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    with op.batch_alter_table("org_unit") as batch:
        batch.add_column(sa.Column("settings", JSON, nullable=True))


def downgrade():
    # ALTER TABLE … DROP COLUMN in place (SQLite >= 3.35), not batch mode's copy of the table,
    # which the org units' referencing rows (users, counters) would refuse
    with op.batch_alter_table("org_unit", recreate="never") as batch:
        batch.drop_column("settings")
