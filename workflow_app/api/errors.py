"""One mapping from service errors (and HTTP errors) to JSON responses."""

from flask import current_app, jsonify, request
from flask_limiter.errors import RateLimitExceeded
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..i18n import localized, localized_details, localized_errors, page_language, refusal_message
from ..services.errors import ServiceError, StepRefused, bounded_errors, tr
from . import bp
from .authentication import breached_limits, limit_reason


def error_response(status: int, code: str, message: str, errors: dict | None = None,
                   details: dict | None = None, extra: dict | None = None):
    body = {"error": code, "message": message, **(extra or {})}
    if errors:
        body["errors"] = errors
    if details:
        body["details"] = details
    return jsonify(body), status


def _flatten(messages, prefix="") -> dict[str, list[str]]:
    """marshmallow's nested messages -> {"party.kind": ["..."]}."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                out.update(_flatten(value, name))
            else:
                out[name] = [_kept(v) for v in (value if isinstance(value, list) else [value])]
    else:
        out[prefix or "_body"] = [_kept(m) for m in messages]
    return out


def _kept(message) -> str:
    """A message as it is when it is text (a Text keeps its template, to be localized)."""
    return message if isinstance(message, str) else str(message)


@bp.app_errorhandler(ServiceError)
def _service_error(err: ServiceError):
    """`message`, the field messages and the messages in `details` in the request's language
    (Accept-Language, Chinese by default); a refusal of the law keeps both its Chinese `message`
    and its `message_en`."""
    extra = None
    message = localized(err.message)
    if isinstance(err, StepRefused):  # the law's refusal: which article, and in English too
        extra = {k: v for k, v in (("article", err.article), ("message_en", err.message_en)) if v}
        message = refusal_message(err)
    response = error_response(err.status, err.code, message, localized_errors(err.errors),
                              localized_details(err.details), extra)
    if err.status == 401:
        response[0].headers["WWW-Authenticate"] = 'Bearer realm="ZhifaFlow"'
    return response


@bp.app_errorhandler(RateLimitExceeded)
def _rate_limited(err: RateLimitExceeded):
    """Say which limit, and when the next attempt will be let through (also as Retry-After)."""
    if not is_api_request():
        return err
    breached, seconds = breached_limits(err)
    reasons = [localized(r) for r in dict.fromkeys(map(limit_reason, breached))] or [err.description]
    joined = "，".join(reasons) if page_language() == "zh" else " and ".join(reasons)
    message = localized(tr("%(reasons)s; try again in %(seconds)s seconds", reasons=joined, seconds=seconds))
    response, status = error_response(429, "too_many_requests", message, details={"retry_after": seconds})
    response.headers["Retry-After"] = str(seconds)
    return response, status


# marshmallow's fixed messages, for the catalogue: `localized` finds them there by their text (the
# validators with values are api/schemas.py's Length, OneOf and Range, whose messages are Texts).
MARSHMALLOW_MESSAGES = (tr("Missing data for required field."), tr("Unknown field."), tr("Not a valid string."),
                        tr("Not a valid integer."), tr("Not a valid boolean."), tr("Field may not be null."),
                        tr("Invalid input type."))


@bp.errorhandler(ValidationError)
def _validation_error(err: ValidationError):
    return error_response(422, "invalid", localized(tr("the request is not valid")),
                          localized_errors(bounded_errors(_flatten(err.messages))))


HTTP_MESSAGES = {
    400: tr("the request is not valid"),
    404: tr("the API has no such address"),
    405: tr("this method is not allowed at this address"),
    413: tr("the request is too large"),
    415: tr("the request's content type is not accepted here"),
}


@bp.app_errorhandler(HTTPException)
def _http_error(err: HTTPException):
    if not is_api_request():
        return err
    return http_error(err)


def http_error(err: HTTPException):
    """An HTTP error of the API as JSON, werkzeug's own words in the request's language."""
    description = err.description or err.name
    if err.code in HTTP_MESSAGES and description == type(err).description:  # werkzeug's own words
        description = localized(HTTP_MESSAGES[err.code])
    return error_response(err.code or 500, err.name.lower().replace(" ", "_"), description)


@bp.app_errorhandler(Exception)
def _unexpected(err: Exception):
    """Last resort: log the traceback for operators, give the client JSON, never a stack trace."""
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    if is_api_request():
        return error_response(500, "internal_error", localized(tr("an internal error occurred; it has been logged")))
    return InternalServerError()


def is_api_request() -> bool:
    return request.path.startswith(bp.url_prefix)
