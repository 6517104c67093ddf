"""User-task forms: one JSON Schema per form key in forms/, validated server-side."""
import copy
import json
from functools import lru_cache
from pathlib import Path

import re2
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from jsonschema.exceptions import SchemaError

from ..errors import Invalid, Phrase, tr


def N_(message: str) -> str:
    """Marks a message for the catalogue, translated when it is said (tr)."""
    return message


SUFFIX = ".schema.json"

# A form's `pattern` runs in linear time (RE2: no backtracking), so no pattern an author writes,
# however it nests, can hold a web worker on what an officer types ((a+)+$ against "aaaa…b" takes
# Python's re seconds per character added). RE2 is ECMA-262's subset without look-arounds and
# back-references, the regular expressions JSON Schema names; deploy refuses a pattern RE2 cannot
# run (form_checks), and `\d`, `\w` match ASCII as ECMA-262 says.
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is the deploy's message, not a line on stderr


@lru_cache(maxsize=1024)
def linear_pattern(pattern: str):
    """The compiled RE2 pattern; raises re2.error for what RE2 cannot run."""
    return re2.compile(pattern, options=_RE2_OPTIONS)


def pattern_problem(pattern) -> str | None:
    """Why a form's `pattern` cannot be used, or None."""
    if not isinstance(pattern, str):
        return "not a text"
    try:
        linear_pattern(pattern)
    except re2.error as err:
        return str(err.args[0] if err.args else err)[:200]
    except UnicodeEncodeError:
        return "it holds a lone surrogate, which is no character"
    return None


def _pattern(validator, pattern, instance, schema):
    if not validator.is_type(instance, "string"):
        return
    try:
        found = linear_pattern(pattern).search(instance)
    except (re2.error, UnicodeEncodeError):
        # a pattern of a version deployed before patterns were checked, or a lone surrogate (which
        # the API refuses before this): no value fits it
        found = None
    if found is None:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


# What a form's data is checked with (the task pages, the API, the examples at deploy).
FormValidator = validators.extend(Draft202012Validator, {"pattern": _pattern})


def check_form_schema(schema: dict) -> None:
    """Draft 2020-12's own check of a form (`Draft202012Validator.check_schema`): raises its
    SchemaError (or RecursionError, nested too deep); the result is kept by the form's JSON text.

    Against the 2020-12 metaschema (vocabularies, dynamic references) a form takes about 7 ms,
    and the same forms are checked again and again: every deploy and every check of a package
    (the workbench checks a draft as its author edits), every form the editor shows. The text
    keeps its key order, so a form is checked exactly as the first time. Only a text of up to
    KEPT_SCHEMA_CHARS is kept (a form file may be 16 MiB: 512 of those would be gigabytes); a
    larger form is checked each time."""
    text = json.dumps(schema, ensure_ascii=False)
    if len(text) > KEPT_SCHEMA_CHARS:
        Draft202012Validator.check_schema(schema)  # the form itself, not its text read back
        return
    error = _kept_schema_error(text)
    if error is not None:
        raise copy.copy(error)  # a fresh one each time: the kept one holds no caller's frames


# The largest shipped form is under 11,000 characters; 512 kept at most: 32 MiB at the very most.
KEPT_SCHEMA_CHARS = 32 * 1024


@lru_cache(maxsize=512)
def _kept_schema_error(text: str) -> SchemaError | None:
    try:
        Draft202012Validator.check_schema(json.loads(text))
    except SchemaError as err:
        return err.with_traceback(None)
    return None


def load_forms(forms_dir: str) -> dict[str, dict]:
    """Every form in `forms_dir` by key; a malformed schema is a deploy-time error, not a 500."""
    forms = {}
    for path in sorted(Path(forms_dir).glob(f"*{SUFFIX}")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        check_form_schema(schema)
        forms[path.name[: -len(SUFFIX)]] = schema
    return forms


ENGLISH_LABELS = ("x-title-en", "x-enum-labels-en")


@lru_cache(maxsize=8)
def reference_forms(forms_dir: str) -> dict[str, dict]:
    """The forms as they are in forms/ now (read once per process), for `with_english_labels`."""
    try:
        return load_forms(forms_dir)
    except (OSError, ValueError, SchemaError):
        return {}


def with_english_labels(schema: dict, reference: dict | None) -> dict:
    """A deployed form with the English labels of forms/ filled in where it has none: a version
    deployed before a field had `x-title-en` (or its choices `x-enum-labels-en`) reads in English
    once forms/ has them, without a redeploy. A label is taken only where the Chinese it
    translates is the same (`title`, `x-enum-labels`); nothing else changes and the stored
    version stays as deployed. Returns `schema` itself when there is nothing to add."""
    if not isinstance(schema, dict) or not isinstance(reference, dict):
        return schema
    out = schema
    if "x-title-en" not in schema and schema.get("title") and schema.get("title") == reference.get("title") \
            and reference.get("x-title-en"):
        out = {**out, "x-title-en": reference["x-title-en"]}
    if "x-enum-labels-en" not in schema and schema.get("x-enum-labels") \
            and schema.get("x-enum-labels") == reference.get("x-enum-labels") and reference.get("x-enum-labels-en"):
        out = {**out, "x-enum-labels-en": reference["x-enum-labels-en"]}
    for key in ("properties",):
        children, ref_children = schema.get(key), reference.get(key)
        if isinstance(children, dict) and isinstance(ref_children, dict):
            filled = {name: with_english_labels(child, ref_children.get(name)) for name, child in children.items()}
            if any(filled[name] is not children[name] for name in children):
                out = {**out, key: filled}
    if isinstance(schema.get("items"), dict):
        items = with_english_labels(schema["items"], reference.get("items"))
        if items is not schema["items"]:
            out = {**out, "items": items}
    return out


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> FormValidator:
    return FormValidator(json.loads(schema_json), format_checker=FormatChecker())


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


def _fallback(error) -> str:
    """jsonschema's own English message, with the value it quotes shortened: "'aaaa…' (1048576
    characters) is too long", not the whole megabyte back."""
    if len(error.message) <= SHOWN_VALUE_CHARS * 2:
        return error.message
    quoted = repr(error.instance)
    if len(quoted) <= SHOWN_VALUE_CHARS or quoted not in error.message:
        return error.message  # too long for another reason: Invalid clips it
    value = error.instance
    size = {str: "characters", list: "items", dict: "fields"}.get(type(value))
    size = f"{len(value)} {size}" if size else f"{len(quoted)} characters"
    return error.message.replace(quoted, f"{quoted[:SHOWN_VALUE_CHARS]}… ({size})")


def _label(schema: dict | None, name: str) -> Phrase:
    """How a message names a field: its `title` in Chinese, its `x-title-en` (else its name) in
    English."""
    schema = schema if isinstance(schema, dict) else {}
    return Phrase(schema.get("x-title-en") or name, schema.get("title") or name)


def _choices(schema: dict) -> Phrase:
    """The allowed values as a reader and a client both need them: each code (what is sent) with
    its label in the reader's language, `"approve" (Approve)` / `"approve"（批准）`."""
    values = schema.get("enum") or []
    codes = [json.dumps(v, ensure_ascii=False) for v in values]

    def said(labels, open_, close, sep):
        if len(labels) != len(values):
            return sep.join(codes)
        return sep.join(f"{code}{open_}{label}{close}" if str(label) != str(value) else code
                        for code, label, value in zip(codes, labels, values, strict=True))

    return Phrase(said(schema.get("x-enum-labels-en") or [], " (", ")", ", "),
                  said(schema.get("x-enum-labels") or [], "（", "）", "、"))


def _number(value) -> str:
    """A bound as a reader writes it: 0, not 0.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


TYPE_MESSAGES = {
    "string": N_("%(field)s must be text"),
    "number": N_("%(field)s must be a number"),
    "integer": N_("%(field)s must be a whole number"),
    "object": N_("%(field)s must be an object of fields"),
    "array": N_("%(field)s must be a list"),
    "boolean": N_("%(field)s must be true or false"),
    "null": N_("%(field)s must be empty"),
}
LIMIT_MESSAGES = {
    "minimum": N_("%(field)s must be at least %(limit)s"),
    "maximum": N_("%(field)s must be at most %(limit)s"),
    "exclusiveMinimum": N_("%(field)s must be more than %(limit)s"),
    "exclusiveMaximum": N_("%(field)s must be less than %(limit)s"),
    "minLength": N_("%(field)s must have at least %(limit)s characters"),
    "maxLength": N_("%(field)s must have at most %(limit)s characters (it has %(size)s)"),
    "minItems": N_("%(field)s must have at least %(limit)s items"),
    "maxItems": N_("%(field)s must have at most %(limit)s items (it has %(size)s)"),
}
FORMAT_MESSAGES = {
    "date": N_("%(field)s must be a date, YYYY-MM-DD"),
    "date-time": N_("%(field)s must be a date and time, YYYY-MM-DDTHH:MM:SS+08:00"),
    "time": N_("%(field)s must be a time, HH:MM:SS"),
    "email": N_("%(field)s must be an e-mail address"),
}


def _schema_at(root: dict, path: list) -> dict:
    """The schema of the value at `path` (property names and item indexes), {} when unknown."""
    schema = root
    for step in path:
        schema = (schema.get("items") if isinstance(step, int) else schema.get("properties", {}).get(step)) or {}
    return schema


def _item_label(root: dict, path: list) -> Phrase | None:
    """An item of a titled list: "证据清单第3项" / "evidence no. 3"."""
    if len(path) < 2 or not isinstance(path[-1], int):
        return None
    schema = _schema_at(root, path[:-1])
    if not schema.get("title"):
        return None
    parent = _label(schema, ".".join(map(str, path[:-1])))
    return Phrase(f"{parent} no. {path[-1] + 1}", f"{parent.zh}第{path[-1] + 1}项")


def _message(error, root: dict) -> str:
    """The message of one validation error, per validator kind, naming the field by its title
    (a Text: the API and the pages say it in the reader's language)."""
    kind, schema = error.validator, error.schema
    path = [str(p) for p in error.absolute_path]
    name = ".".join(path) or "_form"  # an untitled field is named by its path (evidence.2.kind)
    if not schema.get("title") and kind not in ("required", "additionalProperties"):
        item = _item_label(root, list(error.absolute_path))
        if item is not None:
            schema = {**schema, "title": item.zh, "x-title-en": str(item)}
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        prop = schema.get("properties", {}).get(missing)
        if not (prop or {}).get("title"):  # a condition's `then` requires it: the field's own title
            prop = _schema_at(root, [*error.absolute_path, missing]) or prop
        return tr("%(field)s is required", field=_label(prop, ".".join([*path, missing])))
    if kind == "additionalProperties":
        extra = error.message.split("'")[1] if "'" in error.message else ""
        return tr("%(field)s is not a field of this form", field=Phrase(extra, extra))
    field = _label(schema, name)
    if kind == "type" and isinstance(error.validator_value, str) and error.validator_value in TYPE_MESSAGES:
        return tr(TYPE_MESSAGES[error.validator_value], field=field)
    if kind == "enum":
        return tr("%(field)s must be one of %(choices)s", field=field, choices=_choices(schema))
    if kind == "const":
        return tr("%(field)s must be %(value)s", field=field,
                  value=json.dumps(error.validator_value, ensure_ascii=False))
    if kind == "minLength" and error.validator_value == 1:
        return tr("%(field)s is required", field=field)
    if kind in LIMIT_MESSAGES:
        size = len(error.instance) if isinstance(error.instance, str | list) else None
        return tr(LIMIT_MESSAGES[kind], field=field, limit=_number(error.validator_value), size=size)
    if kind == "pattern":
        return tr("%(field)s does not have the required form", field=field)
    if kind == "format":
        template = FORMAT_MESSAGES.get(error.validator_value)
        return tr(template, field=field) if template else tr(
            "%(field)s must be in the format %(format)s", field=field, format=error.validator_value)
    if kind == "uniqueItems":
        return tr("%(field)s lists an item twice", field=field)
    if kind == "not":
        return tr("%(field)s must be left empty here", field=field)
    return _fallback(error)


def _not_required(error) -> list[str]:
    """`not: {required: [x]}`: the fields present that must be left out."""
    names = (error.validator_value or {}).get("required") or [] if isinstance(error.validator_value, dict) else []
    return [n for n in names if isinstance(error.instance, dict) and n in error.instance]


def _path_order(error) -> list[tuple[int, int | str]]:
    """Errors in the order of their fields: items by number (2 before 10)."""
    return [(0, p) if isinstance(p, int) else (1, str(p)) for p in error.absolute_path]


def form_validator(schema: dict) -> FormValidator:
    """The validator of `schema`: one per distinct schema (its text is the cache's key)."""
    return _validator(json.dumps(schema, sort_keys=True))


def schema_errors(schema: dict, data, validator: FormValidator | None = None) -> dict[str, list[str]]:
    """field path (`evidence.0.kind`) -> what the schema says of the data there, each message a
    Text naming the field by its title (said in the reader's language by i18n.localized): the
    one wording of the API's 422 and of the errors beside a page's fields. `validator`: the
    schema's own, when the caller keeps it (a version's forms: ProcedureInfo.validators)."""
    validator = validator or form_validator(schema)
    errors: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(data), key=_path_order):
        left_out = _not_required(error) if error.validator == "not" else []
        if left_out:  # (the `then` of an `if` has no titles: the field's own schema has)
            for name in left_out:
                path = [*error.absolute_path, name]
                errors.setdefault(".".join(map(str, path)), []).append(tr(
                    "%(field)s must be left empty here", field=_label(_schema_at(schema, path), ".".join(map(str, path)))))
            continue
        errors.setdefault(_field_name(error), []).append(_message(error, schema))
    return errors


def validate_form(schema: dict | None, data, validator: FormValidator | None = None) -> dict:
    """Return the data if it fits the schema; else raise Invalid naming each bad field.
    `validator`: the schema's, when the caller keeps it (schema_errors)."""
    if not isinstance(data, dict):
        raise Invalid({"data": [tr("must be an object")]})
    if schema is None:  # a user task without formKey has no fields
        if data:
            raise Invalid({name: [tr("this task has no form fields")] for name in data})
        return {}
    try:
        errors = schema_errors(schema, data, validator)
    except SchemaError as err:  # pragma: no cover - schemas are checked when loaded
        raise Invalid({"_form": [f"the form schema is broken: {err.message}"]}) from None
    if errors:
        raise Invalid(errors)
    return data
