"""procedure packages: every file of a deployed version (procedure_file, immutable) and the
version's rule bindings (procedure_version.rules)

Revision ID: 0012
Revises: 0011

A procedure is a package (ARCHITECTURE.md "Procedure packages"): its BPMN files, forms, rule
bindings and Word templates are deployed together as one immutable version, hashed over all of
them. The rows of procedure_file are as immutable as the version they belong to.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    op.add_column("procedure_version", sa.Column("rules", JSON, nullable=True))
    op.create_table(
        "procedure_file",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("procedure_version.id", name=op.f(
            "fk_procedure_file_version_id_procedure_version")), nullable=False),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.UniqueConstraint("version_id", "path", name=op.f("uq_procedure_file_version_id")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE TRIGGER procedure_file_immutable BEFORE UPDATE OR DELETE ON procedure_file
            FOR EACH ROW EXECUTE FUNCTION procedure_version_immutable()
        """)
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER procedure_file_no_{event.lower()} BEFORE {event} ON procedure_file
                BEGIN SELECT RAISE(ABORT, 'procedure_version rows are immutable: deploy a new version'); END
            """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER procedure_file_immutable ON procedure_file")
    op.drop_table("procedure_file")
    # Not batch mode: on SQLite it would rebuild the table without 0004's immutability triggers.
    op.drop_column("procedure_version", "rules")
