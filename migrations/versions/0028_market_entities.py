"""register of market entities (市场主体名录): the enterprises inspections draw their targets from

Revision ID: 0028
Revises: 0027

market_entity: one row per unified social credit code (GB 32100-2015, checked on import), with
the name, address, industry (GB/T 4754-2017 section), credit risk grade (A-D) and the org unit of
the region it belongs to. The draw filters a region's entities by industry and risk grade: one
index (region_id, industry, risk_grade) answers it. An entity is the same enterprise as the party
of the same code (models/inspection.py); no foreign key joins them.
"""
import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "market_entity",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("industry", sa.String(1), nullable=False),
        sa.Column("risk_grade", sa.String(1), nullable=False),
        sa.Column("region_id", sa.Integer(), sa.ForeignKey("org_unit.id", name=op.f(
            "fk_market_entity_region_id_org_unit")), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.UniqueConstraint("credit_code", name=op.f("uq_market_entity_credit_code")),
    )
    op.create_index("ix_market_entity_name", "market_entity", ["name"])
    op.create_index("ix_market_entity_region_id", "market_entity", ["region_id"])
    op.create_index("ix_market_entity_region_industry_risk", "market_entity", ["region_id", "industry", "risk_grade"])


def downgrade():
    op.drop_index("ix_market_entity_region_industry_risk", table_name="market_entity")
    op.drop_index("ix_market_entity_region_id", table_name="market_entity")
    op.drop_index("ix_market_entity_name", table_name="market_entity")
    op.drop_table("market_entity")
