"""procedure_version rows are immutable: the database refuses UPDATE and DELETE on them

Revision ID: 0004
Revises: 0003

A deployed version is the law a running case follows; it is never edited in place. A change is a
new deployment (a new version, a new content hash).
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION procedure_version_immutable() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'procedure_version rows are immutable: deploy a new version';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER procedure_version_immutable BEFORE UPDATE OR DELETE ON procedure_version
            FOR EACH ROW EXECUTE FUNCTION procedure_version_immutable()
        """)
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER procedure_version_no_{event.lower()} BEFORE {event} ON procedure_version
                BEGIN SELECT RAISE(ABORT, 'procedure_version rows are immutable: deploy a new version'); END
            """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER procedure_version_immutable ON procedure_version")
        op.execute("DROP FUNCTION procedure_version_immutable()")
    else:
        op.execute("DROP TRIGGER procedure_version_no_update")
        op.execute("DROP TRIGGER procedure_version_no_delete")
