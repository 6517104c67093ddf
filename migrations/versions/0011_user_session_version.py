"""user session version: raised on logout, password change and deactivation, it ends every login
session of the user (each session carries the version it started with)

Sessions started before this migration carry no version and end at the upgrade: everyone logs in
once more.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("user_account", sa.Column("session_version", sa.Integer(), nullable=False,
                                            server_default="0"))


def downgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("session_version")
