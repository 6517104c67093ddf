"""`flask demo seed`: the demo org tree and users, created through the same models as real data."""
from datetime import date, timedelta

from ..extensions import db
from ..models import Certificate, OrgUnit, User, UserRole
from ..services.people.auth import hash_password
from ..wall_clock import local_today
from .org import (
    ABBREVIATIONS,
    CITY,
    CONTRACT_USERS,
    DEPARTMENTS,
    DISTRICT,
    JUSTICE,
    PROVINCE,
    REGISTERS,
    demo_settings,
)

# Demo enforcement certificates (执法证) are dated from the day of seeding, so a demo seeded on
# any day has officers who may act: issued two years before, valid for five years after.
CERT_ISSUED_DAYS_BEFORE = 2 * 365
CERT_VALID_DAYS_AFTER = 5 * 365
QUALIFIED_DAYS_BEFORE = 6 * 365


def qualified_on(seeded_on: date) -> date:
    """The day the demo reviewers obtained their legal professional qualification."""
    return seeded_on - timedelta(days=QUALIFIED_DAYS_BEFORE)


def certificate_period(seeded_on: date) -> tuple[date, date]:
    return (seeded_on - timedelta(days=CERT_ISSUED_DAYS_BEFORE),
            seeded_on + timedelta(days=CERT_VALID_DAYS_AFTER))


def _unit(code, name, name_en, kind, parent: OrgUnit | None, counts) -> OrgUnit:
    unit = db.session.execute(db.select(OrgUnit).where(OrgUnit.code == code)).scalar_one_or_none()
    if unit is not None:
        return unit
    unit = OrgUnit(code=code, name=name, name_en=name_en, kind=kind, parent=parent, path="/")
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    counts["units"] += 1
    return unit


def _register(unit: OrgUnit) -> None:
    """The department's enforcement domains and powers list, unless the register already has them."""
    domains, powers = REGISTERS.get(unit.code, ((), ()))
    if not unit.enforcement_domains:
        unit.enforcement_domains = list(domains)
    if not unit.penalty_powers:
        unit.penalty_powers = list(powers)
    if not unit.numbering and unit.code in ABBREVIATIONS:
        unit.numbering = {"abbr": ABBREVIATIONS[unit.code]}
    codes = [code for code, _name, _en in DEPARTMENTS]
    if not unit.settings and unit.code in codes:
        unit.settings = demo_settings(codes.index(unit.code))


def _user(username, full_name, roles, unit: OrgUnit, password_hash, certificate: tuple[date, date] | None,
          counts):
    if db.session.execute(db.select(User.id).where(User.username == username)).scalar() is not None:
        return
    user = User(username=username, full_name=full_name, password_hash=password_hash, org_unit=unit)
    user.role_rows = [UserRole(role=r) for r in roles]
    if certificate:  # in the first domain of the officer's department
        user.certificates = [Certificate(
            number=f"ZF-{unit.id:03d}-{username}", domain=(unit.enforcement_domains or [""])[0],
            issued_on=certificate[0], expires_on=certificate[1])]
    if "legal_reviewer" in roles:  # 法律职业资格 (APL Art. 58(2)), dated from the day of seeding
        obtained = qualified_on(local_today())
        user.legal_qualification_number = f"A{obtained.year}{unit.id:04d}{counts['users']:06d}"
        user.legal_qualification_obtained_on = obtained
    db.session.add(user)
    counts["users"] += 1


def seed_demo(password: str, *, if_empty: bool = False) -> dict | None:
    if if_empty and db.session.execute(db.select(User.id).limit(1)).scalar() is not None:
        return None
    counts = {"units": 0, "users": 0}
    # One hash for all demo users: they share the password, and scrypt is slow by design.
    password_hash = hash_password(password)
    period = certificate_period(local_today())
    province = _unit(*PROVINCE, "province", None, counts)
    city = _unit(*CITY, "city", province, counts)
    district = _unit(*DISTRICT, "district", city, counts)
    units = {district.code: district, "justice": _unit(*JUSTICE, "bureau", district, counts)}
    for code, name, name_en in DEPARTMENTS:
        units[code] = _unit(code, name, name_en, "department", district, counts)
        _register(units[code])
    for username, full_name, roles, unit_code, certified in CONTRACT_USERS:
        _user(username, full_name, roles, units[unit_code], password_hash,
              period if certified else None, counts)
    for code, name, _ in DEPARTMENTS[1:]:
        unit = units[code]
        for n in (1, 2):
            _user(f"{code}_officer{n}", f"{name}执法人员{n}", ("officer",), unit, password_hash, period, counts)
        # Three heads: a collective discussion (APL Art. 57(2)) is held by at least three of them.
        for suffix, title in (("", "负责人"), ("2", "副职负责人2"), ("3", "副职负责人3")):
            _user(f"{code}_head{suffix}", f"{name}{title}", ("department_head",), unit, password_hash, None, counts)
        _user(f"{code}_reviewer", f"{name}法制审核员", ("legal_reviewer",), unit, password_hash, None, counts)
    db.session.commit()
    # a small discretion benchmarks register (demo/benchmarks.csv), imported as an administrator would
    from pathlib import Path

    from ..services.oversight.benchmarks import import_csv

    counts["benchmarks"], _updated = import_csv((Path(__file__).parent / "benchmarks.csv").read_bytes(), "demo:seed")
    # the causes registers (案由) of a few departments (demo/causes.csv), which name those benchmarks
    from ..services.registers.causes import import_csv as import_causes

    counts["causes"], _updated = import_causes((Path(__file__).parent / "causes.csv").read_bytes(), "demo:seed")
    # their no-penalty and light-penalty lists (首违不罚清单, 从轻减轻处罚清单; demo/penalty_lists.csv)
    from ..services.registers.penalty_lists import import_csv as import_lists

    counts["list_items"], _updated = import_lists((Path(__file__).parent / "penalty_lists.csv").read_bytes(),
                                                  "demo:seed")
    # the register of market entities of the district (demo/market_entities.py), which inspections draw from
    from ..services.registers.market_entities import as_csv
    from ..services.registers.market_entities import import_csv as import_entities
    from .market_entities import entities

    counts["market_entities"], _updated = import_entities(as_csv(entities()), "demo:seed")
    return counts
