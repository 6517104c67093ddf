"""trace_event is append-only: the database refuses UPDATE and DELETE on it

Revision ID: 0002
Revises: 0001

The hash chain detects tampering after the fact; these triggers stop it through the
application's own connection in the first place. (A superuser can still drop them, which is why
`flask audit verify` exists.)
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION trace_event_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'trace_event is append-only';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER trace_event_append_only BEFORE UPDATE OR DELETE ON trace_event
            FOR EACH ROW EXECUTE FUNCTION trace_event_append_only()
        """)
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER trace_event_no_{event.lower()} BEFORE {event} ON trace_event
                BEGIN SELECT RAISE(ABORT, 'trace_event is append-only'); END
            """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER trace_event_append_only ON trace_event")
        op.execute("DROP FUNCTION trace_event_append_only()")
    else:
        op.execute("DROP TRIGGER trace_event_no_update")
        op.execute("DROP TRIGGER trace_event_no_delete")
