"""Administering the org tree and its registers (enforcement domains, powers lists), users, roles,
enforcement certificates and legal qualifications (traced on the system chain)."""
import re
from datetime import date

from ...extensions import db
from ...models import ROLES, ApiToken, Certificate, OrgUnit, User, UserRole
from ...models.types import utcnow
from ...oversight.powers import (
    COERCIVE_MEASURES,
    ENFORCEMENT_DOMAINS,
    EXECUTION_METHODS,
    PENALTY_KINDS,
    POWERS,
    domain_code,
)
from ...wall_clock import local_today
from ..audit import trail as audit
from ..errors import Invalid, NotFound, tr
from ..transactions import one_transaction
from .auth import end_sessions, hash_password

UNIT_KINDS = ("province", "city", "district", "bureau", "department")
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{1,63}$")
MIN_PASSWORD = 8


def unit_by_code(code: str) -> OrgUnit:
    unit = db.session.execute(db.select(OrgUnit).where(OrgUnit.code == code)).scalar_one_or_none()
    if unit is None:
        raise NotFound(tr("no org unit %(code)s", code=repr(code)))
    return unit


def user_by_name(username: str) -> User:
    user = db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(tr("no user %(name)s", name=repr(username)))
    return user


def add_unit(actor, *, code: str, name: str, kind: str, parent_code: str | None,
             name_en: str | None = None) -> OrgUnit:
    errors = {}
    if not _CODE.match(code or ""):
        errors["code"] = [tr("2-64 lower-case letters, digits or _, starting with a letter")]
    elif db.session.execute(db.select(OrgUnit.id).where(OrgUnit.code == code)).scalar() is not None:
        errors["code"] = [tr("%(name)s already exists", name=repr(code))]
    if kind not in UNIT_KINDS:
        errors["kind"] = [tr("must be one of %(choices)s", choices=", ".join(UNIT_KINDS))]
    if not (name or "").strip():
        errors["name"] = [tr("required")]
    if errors:
        raise Invalid(errors)
    parent = unit_by_code(parent_code) if parent_code else None
    with one_transaction():
        unit = OrgUnit(code=code, name=name.strip(), name_en=name_en, kind=kind, parent=parent, path="/")
        db.session.add(unit)
        db.session.flush()
        unit.path = f"{parent.path if parent else '/'}{unit.id}/"
        audit.record("org_unit.added", actor=actor, data={"code": code, "name": unit.name, "kind": kind,
                                                          "parent": parent_code})
    return unit


def _domains() -> str:
    return ", ".join(f"{c} ({label})" for c, label in ENFORCEMENT_DOMAINS.items())


def _domain_codes(values, field: str) -> list[str]:
    codes, unknown = [], []
    for value in values:
        code = domain_code(value)
        (codes if code else unknown).append(code or value)
    if unknown:
        raise Invalid({field: [tr("not an enforcement domain: %(values)s; domains are %(domains)s",
                                  values=", ".join(unknown), domains=_domains())]})
    return sorted(set(codes))


def set_register(actor, code: str, *, domains=None, powers=None) -> OrgUnit:
    """A department's register: the enforcement domains it acts in (执法领域) and its powers list
    (权责清单, APL Art. 9, 18), each replaced when given."""
    unit = unit_by_code(code)
    errors = {}
    new_domains = new_powers = None
    if domains is not None:
        try:
            new_domains = _domain_codes(domains, "domain")
        except Invalid as err:
            errors.update(err.errors)
    if powers is not None:
        unknown = sorted(set(powers) - set(POWERS))
        if unknown:
            errors["power"] = [tr("not a penalty kind: %(values)s; kinds (APL Art. 9) are %(kinds)s, and the "
                                  "coercive measures (行政强制法 Art. 9) %(measures)s, the means of coercive execution "
                                  "(行政强制法 Art. 12, 13) %(methods)s", values=", ".join(unknown),
                                  kinds=", ".join(f"{k} ({label})" for k, label in PENALTY_KINDS.items()),
                                  measures=", ".join(f"{k} ({label})" for k, label in COERCIVE_MEASURES.items()),
                                  methods=", ".join(f"{k} ({label})" for k, label in EXECUTION_METHODS.items()))]
        new_powers = [k for k in POWERS if k in set(powers)]
    if errors:
        raise Invalid(errors)
    with one_transaction():
        if new_domains is not None:
            unit.enforcement_domains = new_domains
        if new_powers is not None:
            unit.penalty_powers = new_powers
        audit.record("org_unit.register_set", actor=actor, data={
            "code": code, "enforcement_domains": unit.enforcement_domains or [],
            "penalty_powers": unit.penalty_powers or []})
    return unit


def _check_password(password: str):
    if len(password or "") < MIN_PASSWORD:
        raise Invalid({"password": [tr("at least %(count)d characters", count=MIN_PASSWORD)]})


def _check_roles(roles) -> list[str]:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise Invalid({"role": [tr("unknown role(s) %(values)s; roles are %(roles)s", values=", ".join(unknown),
                                   roles=", ".join(ROLES))]})
    return sorted(set(roles))


def _check_qualification(number: str | None, obtained_on: date | None) -> None:
    errors = {}
    if not (number or "").strip():
        errors["legal_qualification"] = [tr("the certificate number of the legal professional qualification is "
                                            "required")]
    if obtained_on is None:
        errors["qualified_on"] = [tr("the date the qualification was obtained is required")]
    elif obtained_on > local_today():  # the Beijing date: until 08:00 the UTC one is yesterday
        errors["qualified_on"] = [tr("cannot be in the future")]
    if errors:
        raise Invalid(errors)


def create_user(actor, *, username: str, full_name: str, unit_code: str, roles, password: str,
                legal_qualification: str | None = None, qualified_on: date | None = None) -> User:
    if not _USERNAME.match(username or ""):
        raise Invalid({"username": [tr("2-64 letters, digits, _ . or -, starting with a letter")]})
    if db.session.execute(db.select(User.id).where(User.username == username)).scalar() is not None:
        raise Invalid({"username": [tr("%(name)s already exists", name=repr(username))]})
    if not (full_name or "").strip():
        raise Invalid({"name": [tr("required")]})
    roles = _check_roles(roles)
    _check_password(password)
    if legal_qualification is not None or qualified_on is not None:
        _check_qualification(legal_qualification, qualified_on)
    unit = unit_by_code(unit_code)
    with one_transaction():
        user = User(username=username, full_name=full_name.strip(), org_unit=unit,
                    password_hash=hash_password(password))
        user.role_rows = [UserRole(role=r) for r in roles]
        if legal_qualification is not None:
            user.legal_qualification_number = legal_qualification.strip()
            user.legal_qualification_obtained_on = qualified_on
        db.session.add(user)
        audit.record("user.created", actor=actor,
                     data={"username": username, "unit": unit_code, "roles": roles,
                           **({"legal_qualification": user.legal_qualification_number,
                               "qualified_on": qualified_on.isoformat()} if legal_qualification else {})})
    return user


def set_legal_qualification(actor, username: str, *, number: str, obtained_on: date) -> User:
    """Record a user's 法律职业资格 (APL Art. 58(2): required of a first-time legal reviewer)."""
    user = user_by_name(username)
    _check_qualification(number, obtained_on)
    with one_transaction():
        user.legal_qualification_number = number.strip()
        user.legal_qualification_obtained_on = obtained_on
        audit.record("user.legal_qualification_set", actor=actor, data={
            "username": username, "number": user.legal_qualification_number,
            "obtained_on": obtained_on.isoformat()})
    return user


def set_language(user: User, language: str) -> None:
    """The pages' language the user chose (a preference of their own: not an act of the case
    record, so not traced)."""
    from ...i18n import LANGUAGES

    if language not in LANGUAGES:
        raise Invalid({"lang": [tr("must be one of %(choices)s", choices=", ".join(LANGUAGES))]})
    with one_transaction():
        user.language = language


def set_password(actor, username: str, password: str) -> None:
    """A new password ends everything the old one opened: every login session of the user and
    every API token of theirs."""
    _check_password(password)
    user = user_by_name(username)
    with one_transaction():
        user.password_hash = hash_password(password)
        end_sessions(user)
        revoked = _revoke_tokens(user)
        audit.record("user.password_set", actor=actor, data={
            "username": username, "sessions_ended": True, "tokens_revoked": revoked})


def log_out(user: User) -> None:
    """Logging out (the pages' button, or the API's DELETE /auth/token riding a login session)
    ends every login session of the user, on every browser: whoever else holds one of their
    session cookies is logged out too. Their API tokens stay: a token is had only for the password
    (a session cannot make one), each is ended by its own DELETE /auth/token, and all of them by a
    new password or a deactivation."""
    with one_transaction():
        end_sessions(user)
        audit.record("user.logged_out", actor=user, data={"username": user.username, "sessions_ended": True})


def change_roles(actor, username: str, *, grant=(), revoke=()) -> User:
    user = user_by_name(username)
    grant, revoke = _check_roles(grant), _check_roles(revoke)
    with one_transaction():
        for role in grant:
            if role not in user.roles:
                user.role_rows.append(UserRole(role=role))
        user.role_rows = [r for r in user.role_rows if r.role not in revoke]
        audit.record("user.roles_changed", actor=actor, data={
            "username": username, "granted": grant, "revoked": revoke, "roles": sorted(user.roles)})
    return user


def set_active(actor, username: str, active: bool) -> None:
    user = user_by_name(username)
    with one_transaction():
        user.active = active
        if active:
            audit.record("user.activated", actor=actor, data={"username": username})
        else:  # and stays so when they are activated again: a new login is needed
            end_sessions(user)
            revoked = _revoke_tokens(user)
            audit.record("user.deactivated", actor=actor, data={
                "username": username, "sessions_ended": True, "tokens_revoked": revoked})


def add_certificate(actor, username: str, *, number: str, domain: str, issued_on: date,
                    expires_on: date) -> Certificate:
    user = user_by_name(username)
    errors = {}
    code = domain_code(domain or "")
    if code is None:
        errors["domain"] = [tr("not an enforcement domain: %(values)s; domains are %(domains)s", values=repr(domain),
                               domains=_domains())]
    if not (number or "").strip():
        errors["number"] = [tr("required")]
    elif db.session.execute(db.select(Certificate.id).where(Certificate.number == number)).scalar():
        errors["number"] = [tr("certificate %(number)s is already registered", number=repr(number))]
    if expires_on <= issued_on:
        errors["expires"] = [tr("must be after the issue date")]
    if errors:
        raise Invalid(errors)
    with one_transaction():
        cert = Certificate(user_id=user.id, number=number.strip(), domain=code, issued_on=issued_on,
                           expires_on=expires_on)
        db.session.add(cert)
        audit.record("certificate.added", actor=actor, data={
            "username": username, "number": cert.number, "domain": code,
            "issued_on": issued_on.isoformat(), "expires_on": expires_on.isoformat()})
    return cert


def _revoke_tokens(user: User) -> int:
    """Revoke every live API token of the user (not revoked, not expired); how many there were."""
    now = utcnow()
    revoked = 0
    for token in db.session.execute(db.select(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)).scalars():
        token.revoked_at = now
        revoked += 1
    return revoked
