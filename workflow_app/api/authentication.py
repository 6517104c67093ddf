"""Deny by default: every API request is authenticated before its view runs.

Views that anyone may call are marked `@public` (logging in, the OpenAPI document, the CSRF
token). Every other view finds its user in `g.user`, set here from one of:

- `Authorization: Bearer <token>` (API clients; `g.bearer_token` keeps the token);
- the Flask-Login session cookie of the pages, and only with a valid CSRF token in the
  `X-CSRFToken` header (from GET /api/v1/auth/csrf-token): the browser sends the cookie on any
  site's behalf, the header only for our own pages' scripts. Reads need it too, so another site
  cannot even make a logged-in browser fetch case data for it.
"""
import time

from flask import current_app, g, request
from flask_login import current_user as session_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from ..extensions import csrf, limiter
from ..services.errors import Unauthorized, tr
from ..services.people import auth
from . import bp

CSRF_HEADER = "X-CSRFToken"


def public(view):
    """Mark a view as callable without logging in."""
    view.public = True
    return view


def is_public(view) -> bool:
    return getattr(view, "public", False)


@bp.before_request
def authenticate_request():
    if is_public(current_app.view_functions[request.endpoint]):
        return
    g.bearer_token = None
    header = request.headers.get("Authorization")
    if header is not None:
        g.user = _bearer_user(header)
    elif session_user.is_authenticated:
        _require_csrf_token()
        g.user = session_user._get_current_object()
    else:
        raise Unauthorized(tr("log in first: POST /api/v1/auth/token, then send Authorization: Bearer <token>"))


def _bearer_user(header: str):
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(tr("the Authorization header must be 'Bearer <token>'"))
    user = auth.user_for_token(token)
    if user is None:
        raise Unauthorized(tr("the bearer token is invalid or expired"))
    g.bearer_token = token
    return user


def _require_csrf_token():
    """Without its CSRF token a session cookie is no credential at all: 401, saying what is missing.

    Writes get Flask-WTF's full check (the token, and under HTTPS a same-origin Referer); reads the token.
    """
    try:
        if request.method in current_app.config["WTF_CSRF_METHODS"]:
            csrf.protect()
        else:
            validate_csrf(next(filter(None, map(request.headers.get, current_app.config["WTF_CSRF_HEADERS"])), None))
    except (CSRFError, ValidationError) as err:
        reason = err.description if isinstance(err, CSRFError) else err.args[0]
        raise Unauthorized(f"{reason} A request with the login session must send the token of "
                           f"GET {bp.url_prefix}/auth/csrf-token in the {CSRF_HEADER} header "
                           "(or use a bearer token instead).", code="csrf_failed") from None


LIMIT_REASONS = {
    "account": tr("too many login attempts for this account"),
    "address": tr("too many login attempts from this address"),
}


def limit_reason(limit) -> str:
    """The words for a breached flask_limiter RequestLimit, from the kind its key starts with."""
    for arg in limit.request_args:
        kind = str(arg).partition(":")[0]
        if kind in LIMIT_REASONS:
            return LIMIT_REASONS[kind]
    return f"rate limit {limit.limit} exceeded"


def breached_limits(err) -> tuple[list, int]:
    """The limits a RateLimitExceeded broke, and the seconds until the next attempt is let
    through (Retry-After): the login page and the API answer it the same way."""
    breached = [lim for lim in limiter.current_limits if lim.breached]
    # The real clock, not wall_clock: the limits package keeps its windows in real epoch seconds.
    try:
        reset_at = max(lim.reset_at for lim in breached)
    except Exception:  # noqa: BLE001 - the store failed mid-request: the longest window is safe
        reset_at = time.time() + err.limit.limit.get_expiry()
    return breached, max(1, int(reset_at - time.time()))


def login_account_key() -> str:
    """The account a login attempt is for, whatever the address it comes from (the API's JSON
    body, or the login page's form)."""
    body = request.get_json(silent=True)
    username = body.get("username") if isinstance(body, dict) else request.form.get("username")
    return "account:" + (username.strip().lower()[:64] if isinstance(username, str) else "")


def login_limits(view):
    """The login limits, shared by the API's token endpoint and the login page: an attempt on
    either counts against the same account and address windows."""
    view = limiter.shared_limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], scope="login-address",
                                key_func=login_address_key, error_message=LIMIT_REASONS["address"],
                                methods=["POST"])(view)
    return limiter.shared_limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], scope="login-account",
                                key_func=login_account_key, error_message=LIMIT_REASONS["account"],
                                methods=["POST"])(view)


def login_address_key() -> str:
    """The client address (the WSGI peer, or what TRUSTED_PROXIES reported via ProxyFix)."""
    return "address:" + (request.remote_addr or "unknown")
