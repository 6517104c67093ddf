"""Task forms rendered on the server from the form's JSON Schema, and read back from the POST.

Presentation only: what a field looks like comes from the schema (`title`, `enum` +
`x-enum-labels`, `format: date`, `format: date-time` (a date and time, typed in Beijing time),
`minimum`/`maximum`, `maxLength`/`pattern`, arrays, objects, `x-user-role`, `x-signature`: a pad
the party signs on, `x-evidence`: items of the case's evidence list (photos taken in the page), `x-cause`: a choice of the department's causes register, `x-from-cause`: prefilled with that cause's provision, `"x-penalty-list": "item"`: a
choice of the items of the department's no-penalty and light-penalty lists in force, `x-document-number`:
a number the system issues, shown read-only); whether the data is valid and lawful is decided by the services
(services/procedures/forms.validate_form, the step rules), which the views call.

Input names (a stable hook): a top-level property is named by its own name (`summary`,
`officers`); a nested field joins its path with "-": a row of an array of objects
`evidence-0-kind`, a field of an object `findings-body_competent-result`. An array of objects sends
its number of rows as `<name>-rows`; the buttons `_add=<name>` and `_remove=<name>-<i>` add and
remove a row by a round-trip to the server (no JavaScript needed). A boolean is a checkbox: not
sent means false. An array of strings with `enum` (or of people) is a set of checkboxes sharing
the field's name; an array of free strings is a text area, one entry per line.
"""
import math
import re
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from ..i18n import enum_labels, schema_title
from ..oversight.calendar import LOCAL_TZ
from ..oversight.deadlines import form_instant
from ..services.people.named import role_key
from ..services.registers.numbering import MARKER as NUMBER_MARKER
from ..services.registers.numbering import markers as numbered_markers

ROW_LIMIT = 500  # the most rows a round-trip builds, whatever `<name>-rows` says
LONG_TEXT = 300  # strings allowed longer than this are text areas


@dataclass
class Field:
    name: str  # the input's name
    key: str  # the path the validation errors use: evidence.0.kind
    label: str
    widget: str  # text textarea date datetime number select radio checkbox checks person people lines rows group
    # signature evidence
    value: object = None
    required: bool = False
    attrs: dict = field(default_factory=dict)
    options: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rows: list[list["Field"]] = field(default_factory=list)
    children: list["Field"] = field(default_factory=list)
    max_rows: int | None = None
    refused: bool = False  # named by a refusal of the law
    prefilled: str | None = None  # where the value shown was taken from (x-prefill), for the officer to check

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
_LOCAL_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?$")


def _instant_text(raw: str) -> str:
    """A `datetime-local` input's text (2026-09-30T10:30: no offset, the officer's Beijing time)
    as the form's date and time with its offset (2026-09-30T10:30:00+08:00); anything else as typed
    (the validation names it)."""
    match = _LOCAL_DATETIME.match(raw)
    if not match:
        return raw
    return f"{match[1]}T{match[2]}{match[3] or ':00'}{_BEIJING_OFFSET}"


_BEIJING_OFFSET = "+08:00"  # the pages' time is Beijing time (wall_clock.LOCAL_TZ, no daylight saving)


def _local_text(value) -> str:
    """A recorded date and time as a `datetime-local` input shows it: Beijing time to the minute."""
    at = form_instant(value) if isinstance(value, str) else None
    return at.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M") if at is not None else (value or "")


def _scalar(prop: dict, raw: str):
    """The typed value of one input's text; text that is not a number stays text (the validation
    names it, and the page shows it again as typed)."""
    kind = prop.get("type")
    raw = raw.strip() if kind in ("number", "integer") or prop.get("format") in ("date", "date-time") else raw
    if prop.get("format") == "date-time":
        return _instant_text(raw)
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
        if prop.get(NUMBER_MARKER) or prop.get("readOnly") is True:
            continue  # issued by the system when the step is completed, never read from the page
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
            if "enum" in items or prop.get("x-user-role") or prop.get("x-evidence") or prop.get("x-origin-evidence"):
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


# -- the errors ----------------------------------------------------------------------------------
# The errors beside the fields are the service's own (services/procedures/forms.schema_errors, the API's
# wording), said in the page's language: one wording, checked once, on the server.


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
                 refused: set[str] = frozenset(), causes: list[tuple[str, str]] = (),
                 list_items: list[tuple[str, str]] = (), choices: dict | None = None) -> list[Field]:
    """The form's fields in its order, with the values to show and the errors to show beside them.
    `people`: role -> [(username, shown name)] of the eligible colleagues, for `x-user-role`;
    `causes`: (code, shown name) of the department's causes register, for `x-cause`; `list_items`:
    (code, shown name) of the items of its lists, for `"x-penalty-list": "item"`."""
    return _fields(schema or {}, values or {}, errors, people, refused, "", "", True, list(causes), list(list_items),
                   choices or {})


def _fields(schema: dict, values: dict, errors, people, refused, prefix: str, key_prefix: str,
            enforce_required: bool, causes: list | None = None, list_items: list | None = None,
            choices: dict | None = None) -> list[Field]:
    out = []
    required = _required(schema) if enforce_required else set()
    for name, prop in (schema.get("properties") or {}).items():
        input_name, key = f"{prefix}{name}", f"{key_prefix}{name}"
        value = values.get(name) if isinstance(values, dict) else None
        f = Field(name=input_name, key=key, label=_label(prop, name), widget="text", value=value,
                  required=name in required, errors=list(errors.get(key, [])), refused=key in refused)
        kind = prop.get("type")
        role = role_key(prop.get("x-user-role"))
        if prop.get(NUMBER_MARKER):
            f.widget = "issued"  # shown, not asked: the system issues the number on completion
            f.required = False
            marker = numbered_markers(schema).get(name)
            if marker is not None and marker.per:  # one number per value of that field (services/registers/numbering.py)
                f.attrs = {"per": _label((schema.get("properties") or {}).get(marker.per) or {}, marker.per)}
        elif prop.get("readOnly") is True:
            f.widget = "system"  # shown, not asked: the service writes it (the receiving department's name)
            f.required = False
        elif prop.get("x-signature") is True:
            f.widget = "signature"  # the drawing comes as `<name>-png`; the value is a stored one's SHA-256
        elif prop.get("x-evidence") is True:
            f.widget = "evidence"  # items of the evidence list, as checkboxes; photos taken are uploaded first
            f.value = [str(v) for v in value] if isinstance(value, list) else []
            f.options = [(v, f"#{v}") for v in f.value]  # what is named stays named (the view adds the rest)
            f.required = False  # a set of checkboxes has no HTML required; the server checks it
        elif kind == "boolean":
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
            elif prop.get("x-origin-evidence") is True:
                f.widget = "checks"  # items of the origin case's evidence list and the case's own (a referral's)
                f.options = _with_current((choices or {}).get("x-origin-evidence", []), chosen)
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
        elif prop.get("x-department") is True:
            f.widget = "select"  # the org tree's departments (the referral's receiving department)
            f.options = _with_current((choices or {}).get("x-department", []), [str(value)] if value else [])
        elif prop.get("x-cause") is True:
            f.widget = "select"  # a cause not in the register is kept, and the rule names it
            f.options = _with_current(causes or [], [str(value)] if value else [])
        elif prop.get("x-penalty-list") == "item":
            f.widget = "select"  # an item not in the lists is kept, and the service names it
            f.options = _with_current(list_items or [], [str(value)] if value else [])
        elif "enum" in prop:
            f.widget = "radio" if len(prop["enum"]) <= 3 else "select"
            f.options = _options(prop)
        elif prop.get("format") == "date":
            f.widget = "date"
        elif prop.get("format") == "date-time":
            f.widget = "datetime"  # the officer's Beijing time; read back with its offset
            f.value = _local_text(value)
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
            if role_key(node.get("x-user-role")):
                roles.add(role_key(node["x-user-role"]))
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk((schema or {}).get("properties") or {})
    return roles


def form_title(schema: dict | None, lang: str, fallback: str) -> str:
    return schema_title(schema, fallback, lang)


FROM_CAUSE = ("violated_provision", "penalty_provision", "benchmark_item")


def initial_values(schema: dict | None, cause=None) -> dict:
    """A fresh form: as many empty rows as each array of objects needs at least (one at most), and
    the case's cause (`cause`: the register's Cause an earlier step chose) in the field choosing it
    (`x-cause`) and its provisions in the fields that take them (`x-from-cause`)."""
    values: dict = {}
    for name, prop in ((schema or {}).get("properties") or {}).items():
        if _is_rows(prop) and (prop.get("minItems") or 0) >= 1:
            values[name] = [{}]
        elif prop.get("x-cause") is True and cause is not None:
            values[name] = cause.code
        elif prop.get("x-from-cause") in FROM_CAUSE and cause is not None:
            if getattr(cause, prop["x-from-cause"]):
                values[name] = getattr(cause, prop["x-from-cause"])
    return values


def reference_label(ref: str, forms: dict[str, dict], lang: str, decisions: dict | None = None) -> str:
    """`penalty_notice.served_on` as a reader says it: 行政处罚事先告知 · 告知书送达日期; a decision's
    output (`decision.<id>.<output>`) by the decision's name and the output's label, as the case's
    evaluation of it recorded them (`decisions`: services/cases/decisions.latest)."""
    form_key, _dot, path = ref.partition(".")
    if form_key == "decision" and form_key not in forms and decisions:
        decision, _dot, output = path.partition(".")
        found = decisions.get(decision)
        return f"{found['name']} · {(found.get('labels') or {}).get(output) or output}" if found else ref
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
