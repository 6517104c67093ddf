"""User-task forms: one JSON Schema per form key in forms/, validated server-side."""
import json
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from .errors import Invalid

SUFFIX = ".schema.json"


def load_forms(forms_dir: str) -> dict[str, dict]:
    """Every form in `forms_dir` by key; a malformed schema is a deploy-time error, not a 500."""
    forms = {}
    for path in sorted(Path(forms_dir).glob(f"*{SUFFIX}")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        forms[path.name[: -len(SUFFIX)]] = schema
    return forms


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_json), format_checker=FormatChecker())


def _field_name(error) -> str:
    path = list(error.absolute_path)
    if error.validator == "required":
        # "'x' is a required property": name the missing field itself.
        missing = error.message.split("'")[1] if "'" in error.message else ""
        path.append(missing)
    elif error.validator == "additionalProperties" and "'" in error.message:
        path.append(error.message.split("'")[1])
    return ".".join(str(p) for p in path) or "_form"


SHOWN_VALUE_CHARS = 60


def _message(error) -> str:
    """jsonschema's message, with the value it quotes shortened: "'aaaa…' (1048576 characters) is
    too long", not the whole megabyte back."""
    if len(error.message) <= SHOWN_VALUE_CHARS * 2:
        return error.message
    quoted = repr(error.instance)
    if len(quoted) <= SHOWN_VALUE_CHARS or quoted not in error.message:
        return error.message  # too long for another reason: Invalid clips it
    value = error.instance
    size = {str: "characters", list: "items", dict: "fields"}.get(type(value))
    size = f"{len(value)} {size}" if size else f"{len(quoted)} characters"
    return error.message.replace(quoted, f"{quoted[:SHOWN_VALUE_CHARS]}… ({size})")


def validate_form(schema: dict | None, data) -> dict:
    """Return the data if it fits the schema; else raise Invalid naming each bad field."""
    if not isinstance(data, dict):
        raise Invalid({"data": ["must be an object"]})
    if schema is None:  # a user task without formKey has no fields
        if data:
            raise Invalid({name: ["this task has no form fields"] for name in data})
        return {}
    try:
        validator = _validator(json.dumps(schema, sort_keys=True))
    except SchemaError as err:  # pragma: no cover - schemas are checked when loaded
        raise Invalid({"_form": [f"the form schema is broken: {err.message}"]}) from None
    errors: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        errors.setdefault(_field_name(error), []).append(_message(error))
    if errors:
        raise Invalid(errors)
    return data
