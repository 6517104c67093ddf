"""numbering: the departments' patterns, counters per (department, year, kind), the numbers issued

Revision ID: 0019
Revises: 0018

案号 and 文号 come from each department's pattern (org_unit.numbering), one counter row per
department, year and kind (number_counter: the case numbers' yearly counters move there as kind
"case", so a department's case numbers continue where they were), and every number issued is kept
(issued_number) with the case and step it was issued to. Existing cases keep their numbers.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    with op.batch_alter_table("org_unit") as batch:
        batch.add_column(sa.Column("numbering", JSON, nullable=True))
    op.create_table(
        "number_counter",
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("org_unit.id", name=op.f(
            "fk_number_counter_department_id_org_unit")), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("department_id", "year", "kind", name=op.f("pk_number_counter")),
    )
    op.execute("INSERT INTO number_counter (department_id, year, kind, last) "
               "SELECT department_id, year, 'case', last FROM case_number_counter")
    op.drop_table("case_number_counter")
    op.create_table(
        "issued_number",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("org_unit.id", name=op.f(
            "fk_issued_number_department_id_org_unit")), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("enforcement_case.id", name=op.f(
            "fk_issued_number_case_id_enforcement_case")), nullable=False),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("case_task.id", name=op.f(
            "fk_issued_number_task_id_case_task")), nullable=True),
        sa.Column("field", sa.String(128), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("department_id", "year", "kind", "seq", name=op.f("uq_issued_number_department_id")),
        sa.UniqueConstraint("department_id", "number", name=op.f("uq_issued_number_department_id_number")),
    )
    op.create_index(op.f("ix_issued_number_case_id"), "issued_number", ["case_id"])
    op.create_index(op.f("ix_issued_number_task_id"), "issued_number", ["task_id"])


def downgrade():
    op.drop_index(op.f("ix_issued_number_task_id"), table_name="issued_number")
    op.drop_index(op.f("ix_issued_number_case_id"), table_name="issued_number")
    op.drop_table("issued_number")
    op.create_table(
        "case_number_counter",
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("org_unit.id", name=op.f(
            "fk_case_number_counter_department_id_org_unit")), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("department_id", "year", name=op.f("pk_case_number_counter")),
    )
    op.execute("INSERT INTO case_number_counter (department_id, year, last) "
               "SELECT department_id, year, last FROM number_counter WHERE kind = 'case'")
    op.drop_table("number_counter")
    # ALTER TABLE … DROP COLUMN in place (SQLite >= 3.35), not batch mode's copy of the table,
    # which the org units' referencing rows (users, counters) would refuse
    with op.batch_alter_table("org_unit", recreate="never") as batch:
        batch.drop_column("numbering")
