"""Task forms rendered on the server from the form's JSON Schema, and read back from the POST.

Presentation only: what a field looks like comes from the schema (`title`, `enum` +
`x-enum-labels`, `format: date`, `minimum`/`maximum`, `maxLength`/`pattern`, arrays, objects,
`x-user-role`); whether the data is valid and lawful is decided by the services
(services/forms.validate_form, the step rules), which the views call.

Input names (a stable hook): a top-level property is named by its own name (`summary`,
`officers`); a nested field joins its path with "-": a row of an array of objects
`evidence-0-kind`, a field of an object `findings-body_competent-result`. An array of objects sends
its number of rows as `<name>-rows`; the buttons `_add=<name>` and `_remove=<name>-<i>` add and
remove a row by a round-trip to the server (no JavaScript needed). A boolean is a checkbox: not
sent means false. An array of strings with `enum` (or of people) is a set of checkboxes sharing
the field's name; an array of free strings is a text area, one entry per line.
"""
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from flask_babel import gettext as _
from jsonschema import Draft202012Validator, FormatChecker
from werkzeug.datastructures import MultiDict

from ..i18n import enum_labels, schema_title

ROW_LIMIT = 500  # the most rows a round-trip builds, whatever `<name>-rows` says
LONG_TEXT = 300  # strings allowed longer than this are text areas


@dataclass
class Field:
    name: str  # the input's name
    key: str  # the path the validation errors use: evidence.0.kind
    label: str
    widget: str  # text textarea date number select radio checkbox checks person people lines rows group
    value: object = None
    required: bool = False
    attrs: dict = field(default_factory=dict)
    options: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rows: list[list["Field"]] = field(default_factory=list)
    children: list["Field"] = field(default_factory=list)
    max_rows: int | None = None
    refused: bool = False  # named by a refusal of the law

    @property
    def input_id(self) -> str:
        return "f-" + self.name


def _label(prop: dict, name: str) -> str:
    return schema_title(prop, name)


def _options(prop: dict) -> list[tuple[str, str]]:
    return [(str(v), label) for v, label in zip(prop.get("enum") or [], enum_labels(prop), strict=True)]


def _required(schema: dict) -> set[str]:
    return set(schema.get("required") or [])


def _is_rows(prop: dict) -> bool:
    return prop.get("type") == "array" and (prop.get("items") or {}).get("type") == "object"


def _number_text(value) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- reading the POST -----------------------------------------------------------------------------
def _scalar(prop: dict, raw: str):
    """The typed value of one input's text; text that is not a number stays text (the validation
    names it, and the page shows it again as typed)."""
    kind = prop.get("type")
    raw = raw.strip() if kind in ("number", "integer") or prop.get("format") == "date" else raw
    if kind == "integer":
        return int(raw) if re.fullmatch(r"[+-]?\d{1,18}", raw) else raw
    if kind == "number":
        try:
            number = float(raw)
        except ValueError:
            return raw
        if not math.isfinite(number):
            return raw
        return int(number) if number.is_integer() and re.fullmatch(r"[+-]?\d{1,18}", raw) else number
    return raw


def _read(schema: dict, form: MultiDict, prefix: str, keep_empty_rows: bool) -> dict:
    out: dict = {}
    for name, prop in (schema.get("properties") or {}).items():
        input_name = f"{prefix}{name}"
        kind = prop.get("type")
        if kind == "boolean":
            out[name] = form.get(input_name) == "true"
        elif kind == "object":
            value = _read(prop, form, f"{input_name}-", keep_empty_rows)
            if not _blank(value) or name in _required(schema):
                out[name] = value
        elif _is_rows(prop):
            count = _row_count(form, input_name)
            rows = [_read(prop["items"], form, f"{input_name}-{i}-", keep_empty_rows) for i in range(count)]
            if not keep_empty_rows:
                rows = [r for r in rows if not _blank(r)]
            if rows or keep_empty_rows:
                out[name] = rows
        elif kind == "array":
            items = prop.get("items") or {}
            if "enum" in items or prop.get("x-user-role"):
                values = [v for v in form.getlist(input_name) if v != ""]
            else:
                values = [line.strip() for line in (form.get(input_name) or "").splitlines() if line.strip()]
            values = [_scalar(items, v) for v in values]
            if values:
                out[name] = values
        else:
            raw = form.get(input_name, "")
            if raw.strip() != "":
                out[name] = _scalar(prop, raw)
    return out


def _row_count(form: MultiDict, input_name: str) -> int:
    try:
        return max(0, min(ROW_LIMIT, int(form.get(f"{input_name}-rows", "0"))))
    except ValueError:
        return 0


def _blank(value) -> bool:
    if isinstance(value, dict):
        return all(_blank(v) for v in value.values())
    if isinstance(value, list):
        return all(_blank(v) for v in value)
    return value in (None, "", False)


def read_form(schema: dict | None, form: MultiDict) -> dict:
    """The form data the POST carries, as the service takes it (empty inputs left out)."""
    return _read(schema or {}, form, "", keep_empty_rows=False)


def shown_values(schema: dict | None, form: MultiDict) -> dict:
    """What the page shows again after a POST: everything typed, empty rows included, and the
    row added or removed by `_add` / `_remove`."""
    values = _read(schema or {}, form, "", keep_empty_rows=True)
    add, remove = form.get("_add"), form.get("_remove")
    properties = (schema or {}).get("properties") or {}
    if add and _is_rows(properties.get(add, {})):
        rows = values.setdefault(add, [])
        if len(rows) < (properties[add].get("maxItems") or ROW_LIMIT):
            rows.append({})
    if remove and "-" in remove:
        name, _sep, index = remove.rpartition("-")
        if _is_rows(properties.get(name, {})) and index.isdigit() and int(index) < len(values.get(name, [])):
            del values[name][int(index)]
    return values


def is_row_action(form: MultiDict) -> bool:
    return bool(form.get("_add") or form.get("_remove"))


# -- the errors, in the page's language -----------------------------------------------------------
@lru_cache(maxsize=64)
def _validator(schema_json: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_json), format_checker=FormatChecker())


def _error_key(error) -> str:
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        path.append(error.message.split("'")[1] if "'" in error.message else "")
    elif error.validator == "additionalProperties" and "'" in error.message:
        path.append(error.message.split("'")[1])
    return ".".join(path) or "_form"


def _words(error) -> str:
    """One schema error said in the page's language."""
    kind, bound, value = error.validator, error.validator_value, error.instance
    if kind == "required":
        return _("This field is required.")
    if kind == "minLength":
        return _("This field is required.") if bound == 1 else _("At least %(n)s characters.", n=bound)
    if kind == "maxLength":
        return _("At most %(n)s characters.", n=bound)
    if kind == "pattern":
        return _("Not in the required format.")
    if kind == "format" and bound == "date":
        return _("Must be a date (YYYY-MM-DD).")
    if kind == "type":
        if bound == "integer":
            return _("Must be a whole number.")
        if bound == "number":
            return _("Must be a number.")
        return _("The value has the wrong type.")
    if kind == "minimum":
        return _("Must be at least %(n)s.", n=_number_text(bound))
    if kind == "exclusiveMinimum":
        return _("Must be more than %(n)s.", n=_number_text(bound))
    if kind == "maximum":
        return _("Must be at most %(n)s.", n=_number_text(bound))
    if kind == "exclusiveMaximum":
        return _("Must be less than %(n)s.", n=_number_text(bound))
    if kind == "enum":
        return _("Choose one of the options.")
    if kind == "const":
        return _("Must be checked.") if bound is True else _("Must be %(value)s.", value=json.dumps(
            bound, ensure_ascii=False))
    if kind == "minItems":
        return _("Give at least %(n)s.", n=bound)
    if kind == "maxItems":
        return _("Give at most %(n)s.", n=bound)
    if kind == "uniqueItems":
        return _("Each entry may appear only once.")
    if kind == "additionalProperties":
        return _("This is not a field of the form.")
    if kind == "not":
        return _("Leave this field empty here.")
    return error.message if isinstance(value, str | int | float) else _("The value is not valid.")


def field_errors(schema: dict | None, data: dict) -> dict[str, list[str]]:
    """field path -> the schema's complaints about the data, in the page's language."""
    if not schema:
        return {}
    errors: dict[str, list[str]] = {}
    for error in _validator(json.dumps(schema, sort_keys=True)).iter_errors(data):
        if error.validator == "not":  # `not: {required: [x]}`: the field that must be left out
            names = (error.validator_value or {}).get("required") or []
            for name in names:
                if isinstance(error.instance, dict) and name in error.instance:
                    errors.setdefault(".".join([*map(str, error.absolute_path), name]), []).append(_words(error))
            continue
        errors.setdefault(_error_key(error), []).append(_words(error))
    return errors


def refused_fields(form_key: str | None, errors: dict) -> tuple[set[str], list[str]]:
    """The fields of this form a refusal names (its errors' keys are `form.field`), and the
    references to other forms' fields (the earlier steps' records it compared)."""
    own, other = set(), []
    for ref in errors:
        prefix, dot, rest = ref.partition(".")
        if dot and prefix == form_key:
            own.add(rest)
        elif not ref.startswith("_"):
            other.append(ref)
    return own, other


# -- the fields to draw ---------------------------------------------------------------------------
def build_fields(schema: dict | None, values: dict, errors: dict[str, list[str]], people: dict[str, list],
                 refused: set[str] = frozenset()) -> list[Field]:
    """The form's fields in its order, with the values to show and the errors to show beside them.
    `people`: role -> [(username, shown name)] of the eligible colleagues, for `x-user-role`."""
    return _fields(schema or {}, values or {}, errors, people, refused, "", "", True)


def _fields(schema: dict, values: dict, errors, people, refused, prefix: str, key_prefix: str,
            enforce_required: bool) -> list[Field]:
    out = []
    required = _required(schema) if enforce_required else set()
    for name, prop in (schema.get("properties") or {}).items():
        input_name, key = f"{prefix}{name}", f"{key_prefix}{name}"
        value = values.get(name) if isinstance(values, dict) else None
        f = Field(name=input_name, key=key, label=_label(prop, name), widget="text", value=value,
                  required=name in required, errors=list(errors.get(key, [])), refused=key in refused)
        kind = prop.get("type")
        role = prop.get("x-user-role")
        if kind == "boolean":
            f.widget = "checkbox"
            f.required = prop.get("const") is True and name in required
            f.value = value is True
        elif kind == "object":
            f.widget = "group"
            f.children = _fields(prop, value if isinstance(value, dict) else {}, errors, people, refused,
                                 f"{input_name}-", f"{key}.", name in required)
        elif _is_rows(prop):
            f.widget = "rows"
            rows = value if isinstance(value, list) else []
            f.rows = [_fields(prop["items"], row if isinstance(row, dict) else {}, errors, people, refused,
                              f"{input_name}-{i}-", f"{key}.{i}.", True) for i, row in enumerate(rows)]
            f.max_rows = prop.get("maxItems")
        elif kind == "array":
            items = prop.get("items") or {}
            chosen = [str(v) for v in value] if isinstance(value, list) else []
            if role:
                f.widget = "people"
                f.options = _with_current(people.get(role, []), chosen)
            elif "enum" in items:
                f.widget = "checks"
                f.options = _options(items)
            else:
                f.widget = "lines"
                f.attrs = {"rows": 3}
            f.value = chosen
            f.required = False  # a set of checkboxes has no HTML required; the server checks it
        elif role:
            f.widget = "person"
            f.options = _with_current(people.get(role, []), [str(value)] if value else [])
        elif "enum" in prop:
            f.widget = "radio" if len(prop["enum"]) <= 3 else "select"
            f.options = _options(prop)
        elif prop.get("format") == "date":
            f.widget = "date"
        elif kind in ("number", "integer"):
            f.widget = "number"
            f.value = _number_text(value) if not isinstance(value, str) else value
            f.attrs = {"step": "1" if kind == "integer" else "any", "inputmode": "numeric" if kind == "integer" else "decimal"}
            for bound in ("minimum", "maximum"):
                if bound in prop:
                    f.attrs[bound[:3]] = _number_text(prop[bound])
            if "exclusiveMinimum" in prop and "minimum" not in prop:
                f.attrs["min"] = _number_text(prop["exclusiveMinimum"])
        else:
            limit = prop.get("maxLength")
            f.widget = "textarea" if limit is None or limit > LONG_TEXT else "text"
            if limit:
                f.attrs["maxlength"] = limit
            if prop.get("pattern"):
                f.attrs["pattern"] = prop["pattern"]  # the browser anchors it; the schema's anchors are harmless
        out.append(f)
    return out


def _with_current(options: list[tuple[str, str]], chosen: list[str]) -> list[tuple[str, str]]:
    """The eligible colleagues, and anyone already chosen who is not among them (shown, so that
    nothing typed is lost; the service says why they may not be named)."""
    known = {username for username, _name in options}
    return list(options) + [(c, c) for c in chosen if c not in known]


def people_choices(users_by_role: dict[str, list]) -> dict[str, list[tuple[str, str]]]:
    return {role: [(u.username, f"{u.full_name}（{u.username}）") for u in users]
            for role, users in users_by_role.items()}


def user_roles(schema: dict | None) -> set[str]:
    """The `x-user-role`s the form's fields name (at any depth)."""
    roles: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("x-user-role"), str):
                roles.add(node["x-user-role"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk((schema or {}).get("properties") or {})
    return roles


def form_title(schema: dict | None, lang: str, fallback: str) -> str:
    return schema_title(schema, fallback, lang)


def initial_values(schema: dict | None) -> dict:
    """A fresh form: as many empty rows as each array of objects needs at least (one at most)."""
    values: dict = {}
    for name, prop in ((schema or {}).get("properties") or {}).items():
        if _is_rows(prop) and (prop.get("minItems") or 0) >= 1:
            values[name] = [{}]
    return values


def reference_label(ref: str, forms: dict[str, dict], lang: str) -> str:
    """`penalty_notice.served_on` as a reader says it: 行政处罚事先告知 · 告知书送达日期."""
    form_key, _dot, path = ref.partition(".")
    schema = forms.get(form_key)
    if not schema:
        return ref
    node, titles = schema, []
    for part in path.split(".") if path else []:
        node = ((node.get("items") or {}) if node.get("type") == "array" else node).get("properties", {}).get(part)
        if node is None:
            break
        titles.append(schema_title(node, part, lang))
    return " · ".join([form_title(schema, lang, form_key), *titles])
