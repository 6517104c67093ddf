"""penalty lists: the tier a light-penalty list item grounds (从轻, 减轻, or either)

Revision ID: 0034
Revises: 0033

penalty_list_item.tier (nullable, of a light item only): lighter (从轻, a lighter penalty within the
statutory range), mitigated (减轻, below the statutory minimum, APL Art. 32) or lighter_or_mitigated
(从轻或者减轻). The register's light items get lighter_or_mitigated, which is what every light item
grounded until now (LIGHT_LIST_NOT_APPLIED judged against both tiers, and any met light item grounded
a fine below the minimum), so nothing changes for them until a department imports their tiers; the
no-penalty list's items keep NULL. The departments holding light items get a new registers_stamp, so
no process keeps a copy of their lists without the tier (services/registers/copies.py).
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("penalty_list_item") as batch:
        batch.add_column(sa.Column("tier", sa.String(24), nullable=True))
    op.execute("UPDATE penalty_list_item SET tier = 'lighter_or_mitigated' WHERE kind = 'light'")
    op.execute(sa.text("UPDATE org_unit SET registers_stamp = :stamp WHERE id IN "
                       "(SELECT department_id FROM penalty_list_item WHERE kind = 'light')")
               .bindparams(stamp=uuid.uuid4().hex))


def downgrade():
    with op.batch_alter_table("penalty_list_item") as batch:
        batch.drop_column("tier")
