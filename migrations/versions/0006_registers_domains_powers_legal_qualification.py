"""registers: departments' enforcement domains and powers lists, reviewers' legal qualification

Revision ID: 0006
Revises: 0005

org_unit gets `enforcement_domains` (执法领域) and `penalty_powers` (权责清单: the penalty kinds
it may impose, APL Art. 9, 18); user_account gets the legal professional qualification
(法律职业资格, APL Art. 58(2)): its certificate number and the date obtained.

Data: the demo departments (by code) get the registers the demo seeds; an enforcement
certificate whose domain is not yet a domain code (the demo used the department's name) gets the
first domain of its holder's department. Other departments start with empty registers: until an
administrator enters them (`flask org register`), their officers are refused as uncertified for
the domain and their penalties as outside their powers, which is what the law says of a
department whose powers are not on record. A frozen copy of the data, as migrations must not
change when the code does.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

_BASIC = ["warning", "public_criticism", "fine", "confiscation"]
_LICENCE = ["suspend_licence", "revoke_licence"]
DEMO_REGISTERS = {
    "market": (["market_regulation"], _BASIC + _LICENCE + [
        "restrict_activity", "suspend_production", "order_closure", "restrict_practice"]),
    "environment": (["ecology_environment"], _BASIC + _LICENCE + ["restrict_activity", "suspend_production"]),
    "transport": (["transport"], _BASIC + _LICENCE + ["lower_qualification", "suspend_production"]),
    "urban": (["urban_management"], _BASIC + ["suspend_production"]),
    "health": (["health"], _BASIC + _LICENCE + ["suspend_production", "restrict_practice"]),
    "emergency": (["emergency_management"], _BASIC + _LICENCE + [
        "suspend_production", "order_closure", "restrict_practice"]),
    "natural_resources": (["natural_resources"], _BASIC + _LICENCE + ["lower_qualification"]),
    "housing": (["housing_construction"], _BASIC + _LICENCE + [
        "lower_qualification", "suspend_production", "restrict_practice"]),
    "culture": (["culture_tourism", "radio_television", "press_publication"], _BASIC + _LICENCE + [
        "lower_qualification", "suspend_production", "order_closure"]),
    "agriculture": (["agriculture"], _BASIC + _LICENCE + ["suspend_production"]),
    "water": (["water"], _BASIC + _LICENCE),
    "hrss": (["labour_security"], _BASIC + _LICENCE),
    "education": (["education"], _BASIC + _LICENCE + ["order_closure"]),
    "police": (["public_security"], _BASIC + _LICENCE + [
        "suspend_production", "order_closure", "restrict_practice", "detention"]),
    "civil_affairs": (["civil_affairs"], _BASIC + ["revoke_licence"]),
    "commerce": (["commerce"], _BASIC + _LICENCE),
    "development_reform": (["development_reform"], _BASIC + ["suspend_production"]),
    "finance": (["finance"], _BASIC),
    "audit": (["audit"], _BASIC),
    "statistics": (["statistics"], _BASIC),
    "forestry": (["forestry"], _BASIC + _LICENCE),
    "sports": (["sports"], _BASIC + ["suspend_production"]),
    "medical_security": (["medical_security"], _BASIC + ["restrict_practice"]),
    "veterans": (["veterans"], _BASIC),
    "ethnic_religious": (["ethnic_religious"], _BASIC + ["revoke_licence"]),
    "science_tech": (["science_technology"], _BASIC),
    "economy_it": (["industry_it"], _BASIC + _LICENCE),
    "fire": (["fire_rescue"], _BASIC + ["suspend_production"]),
    "meteorology": (["meteorology"], _BASIC + _LICENCE),
    "archives": (["archives"], _BASIC),
    "tobacco": (["tobacco"], _BASIC + _LICENCE),
    "civil_air_defense": (["civil_air_defense"], _BASIC),
    "confidentiality": (["state_secrets"], _BASIC + ["revoke_licence"]),
    "publishing": (["press_publication"], _BASIC + _LICENCE + ["suspend_production"]),
    "radio_tv": (["radio_television"], _BASIC + _LICENCE),
    "grain_reserves": (["grain_reserves"], _BASIC + ["revoke_licence"]),
    "fisheries": (["fisheries"], _BASIC + _LICENCE),
    "cyberspace": (["cyberspace"], _BASIC + _LICENCE + ["suspend_production", "order_closure"]),
    "landscaping": (["landscaping"], _BASIC),
    "energy": (["energy"], _BASIC + _LICENCE),
}
DOMAIN_CODES = {domain for domains, _ in DEMO_REGISTERS.values() for domain in domains}


def upgrade():
    op.add_column("org_unit", sa.Column("enforcement_domains", JSON, nullable=True))
    op.add_column("org_unit", sa.Column("penalty_powers", JSON, nullable=True))
    op.add_column("user_account", sa.Column("legal_qualification_number", sa.String(64), nullable=True))
    op.add_column("user_account", sa.Column("legal_qualification_obtained_on", sa.Date(), nullable=True))

    conn = op.get_bind()
    org_unit = sa.table("org_unit", sa.column("id", sa.Integer), sa.column("code", sa.String),
                        sa.column("enforcement_domains", JSON), sa.column("penalty_powers", JSON))
    units = conn.execute(sa.select(org_unit.c.id, org_unit.c.code)).all()
    domains_of = {}
    for unit_id, code in units:
        domains, powers = DEMO_REGISTERS.get(code, ([], []))
        domains_of[unit_id] = domains
        conn.execute(org_unit.update().where(org_unit.c.id == unit_id)
                     .values(enforcement_domains=domains, penalty_powers=powers))
    rows = conn.execute(sa.text(
        "SELECT certificate.id, certificate.domain, user_account.org_unit_id FROM certificate "
        "JOIN user_account ON user_account.id = certificate.user_id")).all()
    for cert_id, domain, unit_id in rows:
        if domain not in DOMAIN_CODES and domains_of.get(unit_id):
            conn.execute(sa.text("UPDATE certificate SET domain = :domain WHERE id = :id"),
                         {"domain": domains_of[unit_id][0], "id": cert_id})


def downgrade():
    # Certificates keep their domain codes: a code is as good a text as the name it replaced.
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("legal_qualification_obtained_on")
        batch.drop_column("legal_qualification_number")
    with op.batch_alter_table("org_unit") as batch:
        batch.drop_column("penalty_powers")
        batch.drop_column("enforcement_domains")
