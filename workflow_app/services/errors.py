"""Errors raised by services, mapped once to HTTP statuses (api/errors.py) and CLI messages.

An error is bounded whatever caused it: a BPMN file with 50,000 faults or a 1 MB field value must
not come back as a 16 MB answer. At most MAX_MESSAGES messages are kept (the rest are counted),
and every message and field name is clipped.
"""

MAX_MESSAGES = 100
MAX_MESSAGE_CHARS = 300
MAX_FIELD_CHARS = 200
MORE_FIELDS = "_more"


class Text(str):
    """A message in English that keeps its gettext template and values, so the API and the pages
    can say it in the reader's language (workflow_app/i18n.localized: the catalogue messages.po).
    It is still the plain English string for the CLI, the logs and the trace."""

    template: str
    params: dict

    def __new__(cls, template: str, **params):
        text = super().__new__(cls, template % params if params else template)
        text.template, text.params = template, params
        return text


class Phrase(str):
    """A value given in both languages by the data itself (a form field's `title` and its
    `x-title-en`): English as the string, Chinese in `zh`."""

    zh: str

    def __new__(cls, en: str, zh: str):
        phrase = super().__new__(cls, en)
        phrase.zh = zh
        return phrase


def refusal_line(code: str, en: str, zh: str) -> Phrase:
    """A field's line of a refusal of the law: its code and what is wrong, in both languages."""
    return Phrase(f"{code}: {en}", f"{code}: {zh}")  # one separator: clients read the code off it


def tr(template: str, **params) -> Text:
    """A translatable message (extracted into messages.po by `make extract-messages`)."""
    return Text(template, **params)


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text`, or its start and how long it was. A Text too long is shortened in its values (the
    longest first), so it keeps its template and is still said in the reader's language."""
    if isinstance(text, str) and len(text) <= limit:
        return text  # a Text keeps its template, a Phrase its Chinese
    if isinstance(text, Phrase):
        return Phrase(str(clip(str(text), limit)), str(clip(text.zh, limit)))
    if isinstance(text, Text) and text.template == CLIPPED:  # clipped before: its start, shorter
        return tr(CLIPPED, start=text.params["start"][:limit], length=text.params["length"])
    if isinstance(text, Text) and text.params:
        shorter = _clip_values(text, limit)
        if shorter is not None:
            return shorter
    text = str(text)
    if len(text) <= limit:
        return text
    return tr("%(start)s… (%(length)d characters)", start=text[:limit], length=len(text))


CLIPPED = "%(start)s… (%(length)d characters)"  # the template of clip()'s note
_CLIP_NOTE = 24  # room for "… (1000000 characters)"


def _clip_values(text: Text, limit: int) -> Text | None:
    params = dict(text.params)
    for key in sorted((k for k, v in params.items() if isinstance(v, str)), key=lambda k: -len(params[k])):
        excess = len(Text(text.template, **params)) - limit
        if excess <= 0:
            break
        keep = len(params[key]) - excess - _CLIP_NOTE
        if keep >= 10:
            params[key] = clip(params[key], keep)
    shorter = Text(text.template, **params)
    return shorter if len(shorter) <= limit else None


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
