"""Errors on the pages: an HTML page in the reader's language, never the API's JSON."""

from flask import render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..api.authentication import breached_limits
from ..i18n import localized_errors
from ..services.errors import ServiceError
from . import bp
from .login import LoginForm


def _error_page(status: int, message: str, errors: dict | None = None):
    return render_template("web/error.html", status=status, message=message,
                           errors=localized_errors(errors or {})), status


@bp.errorhandler(ServiceError)
def service_error(err: ServiceError):
    messages = {
        400: _("The request is not valid."),
        403: _("You may not do this."),
        404: _("Not found, or not in your area of responsibility."),
        409: _("The case was changed meanwhile; reload it and try again."),
        422: _("The request is not valid."),
    }
    return _error_page(err.status, messages.get(err.status, err.message), err.errors)


@bp.errorhandler(CSRFError)
def csrf_error(err: CSRFError):
    message = _("The form has expired or did not come from this site; please try again.")
    if request.endpoint == "web.login":
        return render_template("web/login.html", form=LoginForm(formdata=None), error=message), 400
    return _error_page(400, message)


@bp.errorhandler(RateLimitExceeded)
def rate_limited(err: RateLimitExceeded):
    """The API's limit, in words: which one, and when the next attempt is let through."""
    breached, seconds = breached_limits(err)
    kinds = {str(arg).partition(":")[0] for lim in breached for arg in lim.request_args}
    if "account" in kinds:
        message = _("Too many login attempts for this account; try again in %(seconds)s seconds.")
    else:
        message = _("Too many login attempts from this address; try again in %(seconds)s seconds.")
    message %= {"seconds": seconds}
    body = render_template("web/login.html", form=LoginForm(formdata=None), error=message)
    return body, 429, {"Retry-After": str(seconds)}


@bp.app_errorhandler(404)
def not_found(err: HTTPException):
    """A page that does not exist (the API keeps its JSON 404, api/errors.py)."""
    if request.path.startswith("/api/"):
        from ..api.errors import http_error

        return http_error(err)
    return _error_page(404, _("This page does not exist."))
