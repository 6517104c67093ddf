"""Errors raised by services, mapped once to HTTP statuses (api/errors.py) and CLI messages."""


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, errors: dict | None = None,
                 details: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.errors = errors or {}
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

    def __init__(self, errors: dict, message: str = "the request is not valid", *, code: str | None = None,
                 details: dict | None = None):
        super().__init__(message, code=code, errors=errors, details=details)


class StepRefused(Invalid):
    """The law forbids this step (e.g. REVIEWER_CONFLICT): refused and traced."""

    code = "step_refused"
