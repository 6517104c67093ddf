"""case milestones: the milestones a case reached are rows of their own (case_milestone); the case
keeps its status (the last milestone's) and closed_at, and loses filed_at, decided_at, served_at

Revision ID: 0013
Revises: 0012

A procedure declares its milestones in its BPMN (filed, decided, seized, …): a new procedure adds
milestones without a column or a migration (ARCHITECTURE.md "Procedure packages"). The rows are
filled from the columns they replace, at the times they hold; a time reached more than once
before is kept once (its latest, which is all the column held).
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# (column, milestone, the status it set): what the general procedure's milestones stamped.
MOVED = (("filed_at", "filed", "investigating"), ("decided_at", "decided", "decided"),
         ("served_at", "served", "served"))


def upgrade():
    op.create_table(
        "case_milestone",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("enforcement_case.id", name=op.f(
            "fk_case_milestone_case_id_enforcement_case")), nullable=False),
        sa.Column("milestone", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("bpmn_id", sa.String(255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_case_milestone_case", "case_milestone", ["case_id", "milestone", "at"])
    op.create_index("ix_case_milestone_milestone_at", "case_milestone", ["milestone", "at"])
    for column, milestone, status in MOVED:
        op.execute(f"""INSERT INTO case_milestone (case_id, milestone, status, bpmn_id, at)
                       SELECT id, '{milestone}', '{status}', '', {column} FROM enforcement_case
                       WHERE {column} IS NOT NULL""")
    op.execute("""INSERT INTO case_milestone (case_id, milestone, status, bpmn_id, at)
                  SELECT id, status, status, '', closed_at FROM enforcement_case
                  WHERE closed_at IS NOT NULL AND status IN ('closed', 'not_filed')""")
    op.drop_index("ix_enforcement_case_open_updated", table_name="enforcement_case")
    with op.batch_alter_table("enforcement_case") as batch:
        for column, _, _ in MOVED:
            batch.drop_column(column)
        batch.add_column(sa.Column("milestones", JSON, nullable=True))
    _project()
    op.create_index("ix_enforcement_case_open_updated", "enforcement_case", ["updated_at", "id"],
                    sqlite_where=sa.text("closed_at IS NULL"), postgresql_where=sa.text("closed_at IS NULL"))


def _project():
    """enforcement_case.milestones: each case's rows, in order, as the application writes them."""
    conn = op.get_bind()
    cases: dict[int, list] = {}
    for case_id, milestone, status, bpmn_id, at in conn.execute(sa.text(
            "SELECT case_id, milestone, status, bpmn_id, at FROM case_milestone ORDER BY case_id, at, id")):
        if isinstance(at, str):  # SQLite hands back text
            at = datetime.fromisoformat(at)
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        cases.setdefault(case_id, []).append(
            {"milestone": milestone, "status": status, "bpmn_id": bpmn_id, "at": at.isoformat()})
    table = sa.table("enforcement_case", sa.column("id", sa.Integer), sa.column("milestones", JSON))
    for case_id, items in cases.items():
        conn.execute(table.update().where(table.c.id == case_id).values(milestones=items))


def downgrade():
    op.drop_index("ix_enforcement_case_open_updated", table_name="enforcement_case")
    with op.batch_alter_table("enforcement_case") as batch:
        batch.drop_column("milestones")
        for column, _, _ in MOVED:
            batch.add_column(sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    for column, milestone, _ in MOVED:
        op.execute(f"""UPDATE enforcement_case SET {column} = (SELECT max(at) FROM case_milestone m
                       WHERE m.case_id = enforcement_case.id AND m.milestone = '{milestone}')""")
    op.create_index("ix_enforcement_case_open_updated", "enforcement_case", ["updated_at", "id"],
                    sqlite_where=sa.text("status NOT IN ('closed', 'not_filed')"),
                    postgresql_where=sa.text("status NOT IN ('closed', 'not_filed')"))
    op.drop_index("ix_case_milestone_milestone_at", table_name="case_milestone")
    op.drop_index("ix_case_milestone_case", table_name="case_milestone")
    op.drop_table("case_milestone")
