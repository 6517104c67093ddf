"""Strict request parsing (JSON bodies, query and form fields, ids in URLs): the values our stores
can keep, and nothing that crashes the parser.

Python's json accepts NaN, Infinity and 1e400 (PostgreSQL's JSONB does not, and they are no number
a form can mean) and parses nesting as deep as the stack allows (a body of 100,000 "[" raises
RecursionError, which would be a 500). Both become ordinary parse errors, answered with 422.

Text our databases cannot store is refused here, once, for every field of every request: a NUL
character (PostgreSQL's text and JSONB reject it) and a lone UTF-16 surrogate such as "\\ud800"
(not a Unicode character at all: it cannot be encoded as UTF-8, so it cannot be stored or even sent
back). The error names the field: "party.name", "data.evidence.0.description", the query parameter.

Bytes that are not UTF-8 are refused the same way, naming the field. Werkzeug 3 would not: it
keeps `%FF` of a query string or an urlencoded form as the three characters "%FF", decodes a
multipart field's bytes with U+FFFD in place of each bad one, drops a whole urlencoded body or
multipart form whose raw bytes (or a part's file name) are not UTF-8 (the view then sees no
fields at all), and answers 500 for raw non-UTF-8 bytes in a query string. So the query string and
both kinds of form are read here (StrictRequest: `decode_pairs`, StrictMultiPartParser), byte by
byte as UTF-8, and what does not decode is a 422 before any view runs. A JSON body is read as
UTF-8 too (a UTF-16 or UTF-32 body, which Python's json would guess and accept, is refused).
"""
import json
import math
import re
from urllib.parse import unquote_to_bytes

import werkzeug.urls  # noqa: F401 - registers the "werkzeug.url_quote" error handler (full_path)
from flask import Flask, Request, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser, MultiPartParser
from werkzeug.http import parse_options_header
from werkzeug.routing import IntegerConverter, Map
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData
from werkzeug.utils import cached_property

from .services.errors import Invalid, tr
from .startup import TEMPLATE_CODE, LazyBuilderRule

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
        if isinstance(s, bytes | bytearray):  # a request body: UTF-8 (RFC 8259 8.1), a BOM tolerated
            try:
                s = bytes(s).decode("utf-8-sig")
            except UnicodeDecodeError as err:
                raise ValueError("the body is not UTF-8 text (byte 0x{byte} at {at})".format(**_bad_byte(err))) from None
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


# -- bytes that are not UTF-8 ----------------------------------------------------------------------
def _bad_byte(err: UnicodeDecodeError) -> dict:
    """Which byte does not decode, and where (from 0)."""
    return {"byte": f"{err.object[err.start]:02X}", "at": err.start}


def _text(raw: bytes, charset: str, name: str, problems: dict) -> str:
    """`raw` read strictly in `charset`; what does not decode is a problem of the field `name`
    (and U+FFFD in the text returned, which is refused before any view reads it)."""
    try:
        return raw.decode(charset)
    except UnicodeDecodeError as err:
        problems.setdefault(_printable(name) or "_unnamed", []).append(
            tr("is not UTF-8 text (byte 0x%(byte)s at %(at)s): send it as UTF-8", **_bad_byte(err)))
        return raw.decode(charset, "replace")


def decode_pairs(raw: bytes, problems: dict) -> list[tuple[str, str]]:
    """The name=value pairs of a query string or an urlencoded form body, as Python's parse_qsl
    splits them (on "&", "+" for a space, blank values kept), each name and value percent-decoded
    to bytes and read as UTF-8; a pair that is not UTF-8 goes into `problems` under its name."""
    pairs = []
    for piece in raw.split(b"&"):
        if not piece:
            continue
        raw_name, _, raw_value = (unquote_to_bytes(b.replace(b"+", b" ")) for b in piece.partition(b"="))
        try:
            name = raw_name.decode()
        except UnicodeDecodeError:
            name = raw_name.decode(errors="replace")
            problems.setdefault(_printable(name), []).append(tr("the field's name is not UTF-8 text"))
        pairs.append((name, _text(raw_value, "utf-8", name, problems)))
    return pairs


_UNREADABLE = Epilogue(b"")  # the end of a multipart form whose next part cannot be read


class StrictMultiPartParser(MultiPartParser):
    """Werkzeug's multipart parser, built on its own decoder (werkzeug.sansio.multipart), with one
    change: a field's bytes that are not text in its charset (UTF-8 unless the part names
    ISO-8859-1 or ASCII, as Werkzeug allows) are a problem named by the field, not U+FFFD; a part
    whose headers (its field or file name) are not UTF-8 is a problem, not a form silently
    emptied."""

    def __init__(self, *args, problems: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.problems = problems

    def parse(self, stream, boundary: bytes, content_length: int | None):
        decoder = MultipartDecoder(boundary, max_form_memory_size=self.max_form_memory_size,
                                   max_parts=self.max_form_parts)
        fields, files = [], []
        part, container, size = None, None, 0
        while True:
            data = stream.read(self.buffer_size)
            decoder.receive_data(data or None)  # None: the end
            event = self._next(decoder)
            while not isinstance(event, Epilogue | NeedData):
                if isinstance(event, Field):
                    part, container, size = event, [], 0
                elif isinstance(event, File):
                    part, container = event, self.start_file_streaming(event, content_length)
                elif isinstance(event, Data):
                    if isinstance(part, Field):
                        size += len(event.data)
                        if self.max_form_memory_size is not None and size > self.max_form_memory_size:
                            raise RequestEntityTooLarge()
                        container.append(event.data)
                    else:
                        container.write(event.data)
                    if not event.more_data:
                        if isinstance(part, Field):
                            fields.append((part.name, _text(b"".join(container), self.get_part_charset(part.headers),
                                                            part.name, self.problems)))
                        else:
                            container.seek(0)
                            files.append((part.name, FileStorage(container, part.filename, part.name,
                                                                 headers=part.headers)))
                event = self._next(decoder)
            if not data or event is _UNREADABLE:
                break
        return self.cls(fields), self.cls(files)

    def _next(self, decoder: MultipartDecoder):
        """The decoder's next event; a part whose headers are not UTF-8 ends the form, a problem
        named by the part's field where its header line still shows it."""
        try:
            return decoder.next_event()
        except UnicodeDecodeError as err:  # the decoder reads a header line as UTF-8 (its err.object)
            line = bytes(err.object).decode(errors="replace") if isinstance(err.object, bytes) else ""
            name = parse_options_header(line.partition(":")[2])[1].get("name") if ":" in line else None
            self.problems.setdefault(_printable(name or "_form"), []).append(
                tr("the part's field name or file name is not UTF-8 text"))
            return _UNREADABLE


class StrictFormDataParser(FormDataParser):
    """Forms read with decode_pairs and StrictMultiPartParser; `problems` is the request's."""

    problems: dict

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        return stream, self.cls(decode_pairs(stream.read(), self.problems)), self.cls()

    def _parse_multipart(self, stream, mimetype, content_length, options):
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        parser = StrictMultiPartParser(stream_factory=self.stream_factory, max_form_memory_size=self.max_form_memory_size,
                                       max_form_parts=self.max_form_parts, cls=self.cls, problems=self.problems)
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


def refuse_unstorable_fields() -> None:
    """Before every request: query parameters and form fields (names, values, upload file names):
    bytes that are not UTF-8, then characters no store can keep."""
    errors: dict[str, list[str]] = {}
    sources = [request.args]
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        sources.append(request.form)
    if request.undecodable:
        raise Invalid(dict(request.undecodable), tr("the request contains text that is not UTF-8"))
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
    form_data_parser_class = StrictFormDataParser

    @cached_property
    def undecodable(self) -> dict[str, list]:
        """field -> why its bytes are not text, found while the query string and the form were read."""
        return {}

    @cached_property
    def args(self):
        return self.parameter_storage_class(decode_pairs(self.query_string, self.undecodable))

    @cached_property
    def full_path(self) -> str:
        """The path and query as a link back to this page names them: bytes of the query that are
        not UTF-8 stay percent-encoded (Werkzeug's own property raises on them)."""
        return f"{self.path}?{self.query_string.decode(errors='werkzeug.url_quote')}"

    def make_form_data_parser(self) -> FormDataParser:
        parser = super().make_form_data_parser()
        parser.problems = self.undecodable
        return parser

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
    # what Flask and Werkzeug compile per app, compiled once per process (startup.py)
    url_rule_class = LazyBuilderRule
    jinja_options = {**Flask.jinja_options, "bytecode_cache": TEMPLATE_CODE}
    url_map_class = type("ZhifaMap", (Map,), {"default_converters": {**Map.default_converters, "id": IdConverter}})
