"""page indexes: the dashboard's cases by status and the alert list's order

Revision ID: 0023
Revises: 0022

At a district's scale (100,000 cases, `make bench-pages`), two pages read far more than they show:

- the supervision dashboard counted cases by status, and the open ones, by reading every case row
  of the scope (a sequential scan of the table): (department_id, status, closed_at) answers both
  counts from the index alone;
- the alert list sorted every active alert of the scope to show the newest 50 (only
  (status, raised_at, id) existed, which orders within one status): (raised_at, id) is read
  newest first until the page is full.
"""
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_enforcement_case_department_status", "enforcement_case",
                    ["department_id", "status", "closed_at"])
    op.create_index("ix_oversight_alert_raised", "oversight_alert", ["raised_at", "id"])


def downgrade():
    op.drop_index("ix_oversight_alert_raised", table_name="oversight_alert")
    op.drop_index("ix_enforcement_case_department_status", table_name="enforcement_case")
