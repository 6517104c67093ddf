"""Organisation tree, users, roles, enforcement certificates and API tokens."""
from datetime import date

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import JSONType, UTCDateTime, utcnow

# Lanes in BPMN are these roles; the other two act outside procedures.
LANE_ROLES = ("officer", "legal_reviewer", "department_head", "supervisor")
ROLES = LANE_ROLES + ("bpmn_author", "procedure_approver", "admin")


class OrgUnit(db.Model):
    """A node of the org tree: province → city → district → bureau/department.

    `path` is the chain of ids from the root ("/1/4/9/"), so "this unit and everything below it"
    is one indexed prefix query.
    """

    __tablename__ = "org_unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))  # province|city|district|bureau|department
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    path: Mapped[str] = mapped_column(String(400), index=True, default="/")
    # The register of a department (oversight/powers.py): the enforcement domains it acts in
    # (执法领域, codes) and its powers list (权责清单): the penalty kinds it may impose (APL 9, 18).
    enforcement_domains: Mapped[list | None] = mapped_column(JSONType, default=list)
    penalty_powers: Mapped[list | None] = mapped_column(JSONType, default=list)
    # How the department numbers its cases and documents (services/registers/numbering.py): {"abbr":
    # "清市监", "pattern": "{abbr}{kind}〔{year}〕{seq}号", "codes": {"penalty_decision": "罚"}}; None:
    # not set (its cases keep the register's CODE-YEAR-NNNNN, its documents cannot be numbered).
    # A column, not a table: read with the unit, set as a whole by an administrator, never
    # searched; the counters, written concurrently, are rows of their own (number_counter).
    numbering: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    # What a department's decisions name (services/registers/org_settings.py, APL 59, 67): where and to
    # which account the fine is paid, the reconsideration body (行政复议法 Art. 24) and the court
    # with jurisdiction (行政诉讼法 Art. 18): {"payment_bank": ..., "payment_account": ...,
    # "payment_place": ..., "reconsideration_body": ..., "court": ...}; a key left out: derived
    # from the tree (the people's government / court at the department's own level) or not set.
    # One JSON column like `numbering`: read with the unit, set by an administrator, never searched.
    settings: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    # A fresh random token at every import that changes the department's causes register or
    # penalty lists (services/registers/copies.py): read with the unit (and so with a case), it tells a
    # process whether its copy of the registers is current without reading them again.
    registers_stamp: Mapped[str] = mapped_column(String(32), default="", server_default="")

    parent = relationship("OrgUnit", remote_side=[id])

    def contains(self, other: "OrgUnit") -> bool:
        return other.path.startswith(self.path)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(256))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    # 法律职业资格 (legal professional qualification): required of a legal reviewer who is first
    # engaged in legal review (APL Art. 58(2)); its certificate number and the date obtained.
    legal_qualification_number: Mapped[str | None] = mapped_column(String(64))
    legal_qualification_obtained_on: Mapped[date | None]
    # The pages' language the user chose (i18n.LANGUAGES), on whatever browser they log in; None:
    # the browser's own choice, else Chinese.
    language: Mapped[str | None] = mapped_column(String(8))
    # Part of every login session's user id (get_id): raised when the user logs out, their
    # password changes or they are deactivated, which ends every session of theirs at once.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    role_rows = relationship("UserRole", cascade="all, delete-orphan")
    certificates = relationship("Certificate", cascade="all, delete-orphan")

    @property
    def roles(self) -> set[str]:
        return {r.role for r in self.role_rows}

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the session version, so a session
        started before the version was raised no longer loads its user (see load_session_user)."""
        return f"{self.id}:{self.session_version}"

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def valid_certificate(self, on: date, domains=None) -> "Certificate | None":
        """A certificate valid on that day; with `domains`, one whose domain is among them."""
        for cert in self.certificates:
            if cert.status == "valid" and cert.issued_on <= on <= cert.expires_on and (
                    domains is None or cert.domain in domains):
                return cert
        return None

    def legally_qualified(self, on: date) -> bool:
        return bool(self.legal_qualification_number) and self.legal_qualification_obtained_on is not None \
            and self.legal_qualification_obtained_on <= on


class UserRole(db.Model):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))


class Certificate(db.Model):
    """Administrative enforcement certificate (行政执法证), APL Art. 42."""

    __tablename__ = "certificate"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    domain: Mapped[str] = mapped_column(String(100))  # a code of oversight/powers.py ENFORCEMENT_DOMAINS
    issued_on: Mapped[date]
    expires_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default="valid")  # valid|suspended|revoked


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    expires_at = mapped_column(UTCDateTime)
    revoked_at = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship(lazy="joined")
