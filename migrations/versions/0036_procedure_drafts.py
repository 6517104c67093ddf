"""procedure drafts: packages edited in the workbench before a second person approves them

Revision ID: 0036
Revises: 0034

procedure_draft (the draft: the procedure it would deploy as, the version it was taken from, its
owner, its status and `revision`, the optimistic-concurrency counter every save names) and
procedure_draft_file (its files by their path in the repository's layout, as procedure_file).
Nothing in them runs or is seen by officers (services/procedures/drafts.py); a draft's test run
(`test_state`, the sandbox workflow's state, and `test_run`, its steps: services/procedures/draft_runs.py)
touches no case, number or trace.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0036"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "procedure_draft",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("process_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("base_version_id", sa.Integer(), sa.ForeignKey("procedure_version.id"), nullable=True),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("published_version_id", sa.Integer(), sa.ForeignKey("procedure_version.id"), nullable=True),
        sa.Column("test_state", sa.Text(), nullable=True),
        sa.Column("test_run", JSON, nullable=True),
    )
    op.create_index("ix_procedure_draft_process_id", "procedure_draft", ["process_id"])
    op.create_index("ix_procedure_draft_owner_id", "procedure_draft", ["owner_id"])
    op.create_table(
        "procedure_draft_file",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("draft_id", sa.Integer(), sa.ForeignKey("procedure_draft.id"), nullable=False),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.UniqueConstraint("draft_id", "path"),
    )
    op.create_index("ix_procedure_draft_file_draft_id", "procedure_draft_file", ["draft_id"])


def downgrade():
    op.drop_index("ix_procedure_draft_file_draft_id", "procedure_draft_file")
    op.drop_table("procedure_draft_file")
    op.drop_index("ix_procedure_draft_owner_id", "procedure_draft")
    op.drop_index("ix_procedure_draft_process_id", "procedure_draft")
    op.drop_table("procedure_draft")
