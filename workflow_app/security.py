"""Protections around every request: which proxy to believe, CSRF, and the security headers.

- X-Forwarded-For/-Proto are honoured only from TRUSTED_PROXIES reverse proxies (werkzeug's
  ProxyFix); with the default 0 a client cannot pick the address its login attempts count against.
- CSRF (Flask-WTF): every form of the pages is checked by default; the API is exempt here and
  checks the token itself, only for requests that ride a login session (api/authentication.py).
- Headers on every response; `Cache-Control: no-store` unless a view chose its own policy, so
  tokens and case data never sit in a browser or proxy cache.
"""
from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import ConfigurationError, is_production
from .extensions import csrf

# Ready for server-rendered pages: our own scripts and styles only, no inline code, no framing.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP level 2
    # Same-origin requests keep their Referer: Flask-WTF's CSRF check needs it under HTTPS.
    "Referrer-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    require_shared_login_limits(app)
    proxies = trusted_proxies(app.config["TRUSTED_PROXIES"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    csrf.init_app(app)
    app.after_request(add_security_headers)


def require_shared_login_limits(app: Flask) -> None:
    """Production runs several workers: limits kept in each one's memory would multiply."""
    if (is_production(app.config) and app.config.get("RATELIMIT_ENABLED", True)
            and app.config["RATELIMIT_STORAGE_URI"].startswith("memory://")):
        raise ConfigurationError(
            "RATELIMIT_STORAGE_URI is memory://; production needs a store shared by all workers, "
            "e.g. redis://127.0.0.1:6379")


def trusted_proxies(value) -> int:
    try:
        count = int(value)
    except (TypeError, ValueError):
        count = -1
    if not 0 <= count <= 5:
        raise ConfigurationError(f"TRUSTED_PROXIES={value!r}: the number of reverse proxies, 0 to 5")
    return count


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
