"""Strict request parsing (JSON bodies, query and form fields, ids in URLs): the values our stores
can keep, and nothing that crashes the parser.

Python's json accepts NaN, Infinity and 1e400 (PostgreSQL's JSONB does not, and they are no number
a form can mean) and parses nesting as deep as the stack allows (a body of 100,000 "[" raises
RecursionError, which would be a 500). Both become ordinary parse errors, answered with 422.

Text our databases cannot store is refused here, once, for every field of every request: a NUL
character (PostgreSQL's text and JSONB reject it) and a lone UTF-16 surrogate such as "\\ud800"
(not a Unicode character at all: it cannot be encoded as UTF-8, so it cannot be stored or even sent
back). The error names the field: "party.name", "data.evidence.0.description", the query parameter.
"""
import json
import math
import re

from flask import Flask, Request, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter, Map

from .services.errors import Invalid, tr

MAX_DEPTH = 32
# Row ids (PostgreSQL `integer`): an id outside this range names no row and must not reach SQL.
ID_MAX = 2**31 - 1

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _reject_constant(name):
    raise ValueError(f"{name} is not a valid JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is out of range for a JSON number")
    return value


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored, or None."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character"
    return f"contains a lone surrogate (\\u{ord(found.group()):04x}), which is not valid Unicode text"


def _printable(name: str) -> str:
    """A field name that can itself be shown: unstorable characters written as \\uXXXX."""
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", name)


def _check(value, path: str, depth: int, errors: dict) -> None:
    if depth > MAX_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            errors.setdefault(path or "_body", []).append(problem)
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{_printable(key)}" if path else _printable(key)
            problem = text_problem(key)
            if problem:
                errors.setdefault(name, []).append(f"the field name {problem}")
            _check(item, name, depth + 1, errors)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, f"{path}.{index}" if path else str(index), depth + 1, errors)


class StrictJSONProvider(DefaultJSONProvider):
    ensure_ascii = False

    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_constant", _reject_constant)
        kwargs.setdefault("parse_float", _finite_float)
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        errors: dict[str, list[str]] = {}
        _check(value, "", 0, errors)
        if errors:  # not a ValueError: `get_json(silent=True)` must not swallow it
            raise Invalid(errors, tr("the request contains text that cannot be stored"))
        return value


def refuse_unstorable_fields() -> None:
    """Before every request: query parameters and form fields (names, values, upload file names)."""
    errors: dict[str, list[str]] = {}
    sources = [request.args]
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        sources.append(request.form)
    for fields in sources:
        for key, value in fields.items(multi=True):
            _check({key or "_unnamed": value}, "", 0, errors)  # a multipart part may have no name
    if request.mimetype == "multipart/form-data":
        for key, upload in request.files.items(multi=True):
            problem = text_problem(upload.filename or "")
            if problem:
                errors.setdefault(_printable(key or "_unnamed"), []).append(f"the file name {problem}")
    if errors:
        raise Invalid(errors, tr("the request contains text that cannot be stored"))


class IdConverter(IntegerConverter):
    """Row ids in URLs: 1 .. 2**31-1 (PostgreSQL integer); anything else is a 404, not a crash."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=ID_MAX)


UPLOAD_FORM_ALLOWANCE = 1024 * 1024  # the multipart framing and the description fields beside the file


def large_upload(config_key: str):
    """The view takes a file up to app.config[config_key]: its requests' size limit is that (with
    the form fields beside it), not MAX_CONTENT_LENGTH. Werkzeug refuses a body over the limit
    (413) before anything reads it, and every request's form is read before the view
    (refuse_unstorable_fields), so the limit is known from the route alone (StrictRequest)."""
    def decorate(view):
        view.upload_limit_key = config_key
        return view
    return decorate


class StrictRequest(Request):
    @property
    def max_content_length(self) -> int | None:
        limit = super().max_content_length
        if self.url_rule is not None and current_app:
            view = current_app.view_functions.get(self.url_rule.endpoint)
            key = getattr(view, "upload_limit_key", None)
            if key is not None:
                return int(current_app.config[key]) + UPLOAD_FORM_ALLOWANCE
        return limit

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def on_json_loading_failed(self, e: ValueError | None):
        """A body that is not JSON: 422 saying why, like any other bad field."""
        if e is None:
            raise Invalid({"_body": [tr("send the body as JSON (Content-Type: application/json)")]})
        raise Invalid({"_body": [tr("not valid JSON: %(reason)s", reason=str(e))]})


class ZhifaFlask(Flask):
    json_provider_class = StrictJSONProvider
    request_class = StrictRequest
    url_map_class = type("ZhifaMap", (Map,), {"default_converters": {**Map.default_converters, "id": IdConverter}})
