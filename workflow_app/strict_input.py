"""Strict request parsing (JSON bodies, ids in URLs): the values our stores can keep, and nothing that crashes the parser.

Python's json accepts NaN and Infinity (PostgreSQL's JSONB does not, and they are no number a
form can mean) and parses nesting as deep as the stack allows (a body of 100,000 "[" raises
RecursionError, which would be a 500). Both become ordinary parse errors, answered with 422.
"""
import json

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter, Map

MAX_DEPTH = 32


def _reject_constant(name):
    raise ValueError(f"{name} is not a valid JSON number")


def _too_deep(value, depth: int = 0) -> bool:
    if depth > MAX_DEPTH:
        return True
    if isinstance(value, dict):
        return any(_too_deep(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(_too_deep(v, depth + 1) for v in value)
    return False


class StrictJSONProvider(DefaultJSONProvider):
    ensure_ascii = False

    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_constant", _reject_constant)
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if _too_deep(value):
            raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
        return value


class IdConverter(IntegerConverter):
    """Row ids in URLs: 1 .. 2**31-1 (PostgreSQL integer); anything else is a 404, not a crash."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**31 - 1)


class ZhifaFlask(Flask):
    json_provider_class = StrictJSONProvider
    url_map_class = type("ZhifaMap", (Map,), {"default_converters": {**Map.default_converters, "id": IdConverter}})
