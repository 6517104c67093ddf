"""Errors raised by services, mapped once to HTTP statuses (api/errors.py) and CLI messages.

An error is bounded whatever caused it: a BPMN file with 50,000 faults or a 1 MB field value must
not come back as a 16 MB answer. At most MAX_MESSAGES messages are kept (the rest are counted),
and every message and field name is clipped.
"""

from ..messages import MAX_MESSAGE_CHARS, Phrase, Text, clip, refusal_line, tr  # noqa: F401 - the services' import

MAX_MESSAGES = 100
MAX_FIELD_CHARS = 200
MORE_FIELDS = "_more"


def bounded_errors(errors: dict) -> dict[str, list[str]]:
    """field -> messages, the first MAX_MESSAGES in all; "and N more" says what was left out."""
    out: dict[str, list[str]] = {}
    budget = MAX_MESSAGES
    fields_left_out = 0
    for field, messages in errors.items():
        messages = list(messages) if isinstance(messages, list | tuple) else [messages]
        if budget <= 0:
            fields_left_out += 1
            continue
        kept = [clip(m) for m in messages[:budget]]
        budget -= len(kept)
        if len(messages) > len(kept):
            kept.append(tr("and %(count)d more", count=len(messages) - len(kept)))
        out.setdefault(clip(field, MAX_FIELD_CHARS), []).extend(kept)
    if fields_left_out:
        out[MORE_FIELDS] = [tr("and %(count)d more fields with errors", count=fields_left_out)]
    return out


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, errors: dict | None = None,
                 details: dict | None = None):
        message = clip(message, 1000)
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.errors = bounded_errors(errors or {})
        self.details = details or {}


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """The state changed under the request (lost a race, task no longer ready)."""

    status = 409
    code = "conflict"


class PreconditionFailed(ServiceError):
    """The client acted on a version of the case it read before another change (If-Match or the
    `version` it sent): refused rather than applied over a change it has not seen."""

    status = 412
    code = "precondition_failed"


class Unavailable(ServiceError):
    """The server cannot take the request now (e.g. every engine worker is busy): retry later."""

    status = 503
    code = "unavailable"


class NotReady(Conflict):
    code = "task_not_ready"


class Invalid(ServiceError):
    """Bad input: `errors` maps each field to its messages."""

    status = 422
    code = "invalid"

    def __init__(self, errors: dict, message: str = tr("the request is not valid"), *, code: str | None = None,
                 details: dict | None = None):
        super().__init__(message, code=code, errors=errors, details=details)


class StepRefused(Invalid):
    """The law forbids this step (e.g. REVIEWER_CONFLICT): refused and traced. `article` names the
    law, `message_en` says it in English where `message` is Chinese."""

    code = "step_refused"

    def __init__(self, errors: dict, message: str = tr("the law forbids this step"), *, code: str | None = None,
                 details: dict | None = None, article: str | None = None, message_en: str | None = None):
        super().__init__(errors, message, code=code, details=details)
        self.article = article
        self.message_en = clip(message_en, 1000) if message_en else None
