"""The parties register (当事人): the natural persons and organisations cases are brought against."""
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .org import OrgUnit, User
from .types import UTCDateTime, utcnow


class Party(db.Model):
    """One party, identified by its number: a natural person by the resident identity number
    (居民身份证号码, GB 11643), an organisation by the unified social credit code (统一社会信用代码,
    GB 32100), each checked by its check character, one row per number. A case names its party
    (`Case.party_id`); an anonymous tip's case names none until the party is identified.

    `registered_unit_id`: the unit of whoever registered it, whose staff see it before any case of
    theirs names it (services/people/parties.py: who may see a party)."""

    __tablename__ = "party"
    __table_args__ = (Index("ix_party_name", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # person|organization
    name: Mapped[str] = mapped_column(String(200))
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    legal_representative: Mapped[str | None] = mapped_column(String(100), nullable=True)  # an organisation's
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    registered_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    registered_at = mapped_column(UTCDateTime, default=utcnow)

    registered_by: Mapped[User] = relationship()
    registered_unit: Mapped[OrgUnit] = relationship()
