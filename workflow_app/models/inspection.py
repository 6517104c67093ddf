"""Enterprise inspections (涉企行政检查, 国办发〔2024〕54号): the register of market entities the
targets are drawn from (市场主体名录), the departments' yearly inspection plans (年度检查计划) and
their random draws (双随机).

A market entity and a party (models/parties.py) are the same enterprise when they share the
unified social credit code: the register of market entities is what the registration authority
publishes (industry, risk grade, the region it belongs to), the parties register what cases name.
They are joined by the code, not by a foreign key, so neither register has to exist first: an
entity drawn for an inspection becomes the case's party through the parties register (found by
its code, or registered then), services/registers/market_entities.py `party_fields`.
"""
from datetime import date

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .org import OrgUnit, User
from .types import JSONType, UTCDateTime, utcnow


class MarketEntity(db.Model):
    """One market entity (市场主体) by its unified social credit code (GB 32100-2015, check
    character verified on import): its name, address, industry (国民经济行业分类 GB/T 4754-2017,
    the section letter), credit risk grade (信用风险分类 A–D) and the region it belongs to (属地:
    a district, city or province of the org tree)."""

    __tablename__ = "market_entity"
    __table_args__ = (Index("ix_market_entity_name", "name"),
                      Index("ix_market_entity_region_industry_risk", "region_id", "industry", "risk_grade"))
    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    industry: Mapped[str] = mapped_column(String(1))  # GB/T 4754-2017 section, A..T
    risk_grade: Mapped[str] = mapped_column(String(1))  # A (low) .. D (high)
    region_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    imported_at = mapped_column(UTCDateTime, default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(64))  # who imported the row last (user or cli:…)

    region: Mapped[OrgUnit] = relationship(lazy="joined")




class InspectionPlan(db.Model):
    """A department's yearly inspection plan (年度检查计划, 国办发〔2024〕54号: no inspection outside
    a published plan unless a complaint, referral or clue triggers it): its items (检查事项, each a
    cause of the department's powers list: the provision whose observance is checked), the target
    population (industries and risk grades of the register of market entities, in a region), and
    how many times a year the department may inspect one enterprise.

    Its life (services/inspections/plans.py): draft (officer or head; changes allowed) → submitted
    → approved by a department head who did not draft it (or returned to draft with a reason) →
    published (immutable; the public page lists it). `version` guards concurrent changes."""

    __tablename__ = "inspection_plan"
    __table_args__ = (UniqueConstraint("department_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    year: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|submitted|approved|published
    # [{"code": "01", "cause": "SCJG-SP-124-01", "title": "…", "basis": "the provision checked"}]
    items: Mapped[list] = mapped_column(JSONType, default=list)
    # {"region": org unit code, "industries": ["F", "H"], "risk_grades": ["C", "D"]}; an empty list: any
    population: Mapped[dict] = mapped_column(JSONType, default=dict)
    max_per_enterprise: Mapped[int] = mapped_column(default=1)  # inspections of one enterprise a year
    return_reason: Mapped[str | None] = mapped_column(Text)
    drafted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    drafted_at = mapped_column(UTCDateTime, default=utcnow)
    submitted_at = mapped_column(UTCDateTime, nullable=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at = mapped_column(UTCDateTime, nullable=True)
    published_at = mapped_column(UTCDateTime, nullable=True)
    updated_at = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    department: Mapped[OrgUnit] = relationship(lazy="joined")
    drafted_by: Mapped[User] = relationship(foreign_keys=[drafted_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])


class InspectionDraw(db.Model):
    """One random draw (双随机) under a published plan's item: the targets from the plan's population
    and two or more inspectors per target from the department's certified officers
    (oversight/random_draw.py). `inputs` keeps exactly what was drawn from ({"population": credit
    codes, "officers": usernames, "excluded": codes at the plan's yearly frequency}), `inputs_sha256`
    its digest (also on the trail), `result` the targets with their inspectors and, once opened, their
    inspection case ([{"credit_code", "name", "inspectors", "case_id"}]). Immutable but for the
    case ids; a supervisor's re-draw is traced (inspection_draw.verified), not stored here."""

    __tablename__ = "inspection_draw"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plan.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(8))
    seed: Mapped[str] = mapped_column(String(64))
    target_count: Mapped[int]
    inspectors_per_target: Mapped[int]
    inputs: Mapped[dict] = mapped_column(JSONType)
    inputs_sha256: Mapped[str] = mapped_column(String(64))
    result: Mapped[list] = mapped_column(JSONType)
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    drawn_at = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[InspectionPlan] = relationship()
    department: Mapped[OrgUnit] = relationship()
    drawn_by: Mapped[User] = relationship()


class JointVisit(db.Model):
    """A joint inspection visit (联合检查, 进一次门、查多项事): several departments inspect one
    enterprise in one entry, each with its own inspection case and record. The visit names the
    enterprise (the cases' party) and the day; its cases are rows of joint_visit_case (a case is
    in one joint visit at most). services/inspections/joint_visits.py."""

    __tablename__ = "joint_visit"
    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), index=True)
    visit_on: Mapped[date]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)


class JointVisitCase(db.Model):
    __tablename__ = "joint_visit_case"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("joint_visit.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    joined_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    joined_at = mapped_column(UTCDateTime, default=utcnow)
