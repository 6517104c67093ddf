"""Passwords and API bearer tokens."""
import functools
import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from ...extensions import db
from ...models import ApiToken, User
from ...models.types import utcnow
from ..errors import Unauthorized, tr


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@functools.cache
def dummy_hash(method: str) -> str:
    """Checked when the username does not exist: the same method and cost as a real user's hash,
    so the time of a refusal does not tell whether the account exists."""
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def authenticate(username: str, password: str) -> User:
    user = db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        check_password_hash(dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
    if user is None or not check_password_hash(user.password_hash, password) or not user.active:
        current_app.logger.warning("login refused for %r", username)  # for the security log
        raise Unauthorized(tr("wrong username or password"))
    return user


def user_for_session(session_user_id: str) -> User | None:
    """The user of a login session (Flask-Login's user loader, every page request), from the
    "<id>:<session version>" that User.get_id put in it at login: None, so no login, when the user
    was deactivated or their session version was raised since (a logout, a new password, a
    deactivation: end_sessions)."""
    user_id, _, version = session_user_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None  # also a session from before session versions: log in again
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def end_sessions(user: User) -> None:
    """End every login session of the user, on every browser, in the current transaction. The
    raise is done in SQL (version + 1), so of two concurrent ends neither is lost."""
    user.session_version = User.session_version + 1


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_sha256=_digest(token),
                   expires_at=utcnow() + timedelta(hours=current_app.config["API_TOKEN_HOURS"]))
    db.session.add(row)
    db.session.commit()
    return token, row


def revoke_token(token: str) -> None:
    row = db.session.execute(
        db.select(ApiToken).where(ApiToken.token_sha256 == _digest(token))).scalar_one_or_none()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.commit()


# Built once: constructing the statement and its cache key cost as much as running it, and every
# API request runs it.
_TOKEN_WITH_USER = (db.select(ApiToken)
                    .options(joinedload(ApiToken.user).joinedload(User.role_rows),
                             joinedload(ApiToken.user).joinedload(User.certificates))
                    .where(ApiToken.token_sha256 == db.bindparam("digest")))


def user_for_token(token: str) -> User | None:
    """The token's user with their roles and certificates (the acting officer's check of every
    step reads them), in one query (every API request starts here)."""
    row = db.session.execute(_TOKEN_WITH_USER, {"digest": _digest(token)}).unique().scalar_one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow() or not row.user.active:
        return None
    return row.user
