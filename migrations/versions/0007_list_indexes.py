"""list indexes: ready tasks by department (partial) and the case lists' order

Revision ID: 0007
Revises: 0006

Inboxes and task lists read only ready tasks of the user's departments, due first. Each task row
now carries its case's department (a case does not change department), so the lists filter and
count without joining every task to its case, and partial indexes on ready tasks stay as small as
the open work while completed tasks pile up (at 100,000 cases: 700,000 task rows, 13,000 ready).
The case lists are ordered newest first, in a whole scope or one department: keyset paging
(services/paging.py) reads them as one index range.
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

READY = sa.text("state = 'ready'")


def upgrade():
    op.add_column("case_task", sa.Column("department_id", sa.Integer(), nullable=True))
    op.execute("UPDATE case_task SET department_id = "
               "(SELECT department_id FROM enforcement_case WHERE enforcement_case.id = case_task.case_id)")
    with op.batch_alter_table("case_task") as batch:
        batch.alter_column("department_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key("fk_case_task_department_id_org_unit", "org_unit", ["department_id"], ["id"])
    # The (state, lane) index it replaces sent every count through the whole table's ready rows.
    op.drop_index("ix_case_task_state_lane", table_name="case_task")
    op.create_index("ix_case_task_ready_due", "case_task", ["due_at", "id"],
                    postgresql_where=READY, sqlite_where=READY)
    op.create_index("ix_case_task_ready_department_lane", "case_task", ["department_id", "lane", "due_at", "id"],
                    postgresql_where=READY, sqlite_where=READY)
    op.create_index("ix_enforcement_case_created", "enforcement_case", ["created_at", "id"])
    op.create_index("ix_enforcement_case_department_created", "enforcement_case",
                    ["department_id", "created_at", "id"])


def downgrade():
    op.drop_index("ix_enforcement_case_department_created", table_name="enforcement_case")
    op.drop_index("ix_enforcement_case_created", table_name="enforcement_case")
    op.drop_index("ix_case_task_ready_department_lane", table_name="case_task")
    op.drop_index("ix_case_task_ready_due", table_name="case_task")
    op.create_index("ix_case_task_state_lane", "case_task", ["state", "lane"])
    with op.batch_alter_table("case_task") as batch:
        batch.drop_constraint("fk_case_task_department_id_org_unit", type_="foreignkey")
        batch.drop_column("department_id")
