"""keyed audit chain: trace_event.key_id, and the append-only audit_checkpoint table

Revision ID: 0005
Revises: 0004

Events written before this migration keep key_id NULL and their plain SHA-256 digests (accepted up
to the id the operator sets in AUDIT_UNKEYED_UNTIL_ID, outside the database); every later event is keyed (HMAC-SHA256, key outside the database). Checkpoints, like trace events, are
never updated or deleted through the application's connection.
"""
import logging

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE on both databases: a batch copy of trace_event would drop its triggers.
    op.add_column("trace_event", sa.Column("key_id", sa.String(16), nullable=True))
    last = op.get_bind().execute(sa.text("SELECT MAX(id) FROM trace_event")).scalar()
    if last:
        logging.getLogger("alembic.runtime.migration").warning(
            "%s trace events predate the keyed chain: set AUDIT_UNKEYED_UNTIL_ID=%s (docs/audit.md)", last, last)
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("chains", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("public_key_id", sa.String(16), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("body_json", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoint")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_checkpoint_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_checkpoint is append-only';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint
            FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_append_only()
        """)
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_checkpoint_no_{event.lower()} BEFORE {event} ON audit_checkpoint
                BEGIN SELECT RAISE(ABORT, 'audit_checkpoint is append-only'); END
            """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_checkpoint_append_only ON audit_checkpoint")
        op.execute("DROP FUNCTION audit_checkpoint_append_only()")
    op.drop_table("audit_checkpoint")  # SQLite drops the table's triggers with it
    op.drop_column("trace_event", "key_id")  # SQLite >= 3.35
