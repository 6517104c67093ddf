"""A form's checks of its own content, shared by the workbench's form editor (draft_forms.py, as
the author types) and deploy (versions.check_package, which refuses a package whose forms fail
them): a valid JSON Schema, one example the form accepts, fields a page can carry with their
titles, every choice with its Chinese label, `x-user-role` naming roles. What a form's fields say of
other forms (prefill sources, number markers) the package's checks judge beside them.
"""
import json
import re
from dataclasses import dataclass, field

from jsonschema import FormatChecker
from jsonschema.exceptions import SchemaError

from ..errors import Text, clip, tr
from ..people.access import ROLE_WORDS
from ..people.named import role_key
from .forms import FormValidator, check_form_schema, pattern_problem, schema_errors

FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
ROLES_NAMED = (*ROLE_WORDS, "any")
MAX_DEPTH = 30  # within a JSON body's own limit (strict_input.MAX_DEPTH) with the body around it


@dataclass
class FormCheck:
    """What is wrong with a form being edited: `schema_error` (not a JSON Schema: nothing else is
    checked), the example's errors by field path, the form's problems by field name (`_form`: the
    form's own)."""

    schema_error: Text | None = None
    example_errors: dict[str, list] = field(default_factory=dict)
    problems: dict[str, list] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return (1 if self.schema_error else 0) + sum(map(len, self.example_errors.values())) + sum(
            map(len, self.problems.values()))


def content_check(schema: dict) -> FormCheck:
    """What is wrong with one form by itself: not a JSON Schema; its example missing or not accepted;
    a field without a name a page can carry or without a title; a choice without its Chinese label;
    `x-user-role` naming no role. The editor shows them as typed; deploy refuses them."""
    result = FormCheck()
    try:
        check_form_schema(schema)
    except SchemaError as err:
        where = "/".join(str(p) for p in err.absolute_path)
        reason = f"{where}: {err.message}" if where else err.message
        result.schema_error = tr("the form is not a valid JSON Schema: %(reason)s", reason=clip(reason, 300))
        return result
    except RecursionError:
        result.schema_error = tr("the form is not a valid JSON Schema: %(reason)s",
                                 reason=tr("is nested more than %(max)d levels deep", max=MAX_DEPTH))
        return result

    def add(name: str, message) -> None:
        result.problems.setdefault(name, []).append(message)

    for path, node in _schemas_in(schema, ()):
        name = path[1] if len(path) > 1 and path[0] == "properties" else "_form"
        where = "/".join(path) or "/"
        if isinstance(node.get("pattern"), str):
            problem = pattern_problem(node["pattern"])
            if problem:
                add(name, tr("%(where)s: pattern %(pattern)s cannot be used: %(reason)s (a pattern is matched in "
                             "linear time, so it has no look-around or back-reference)", where=where,
                             pattern=clip(repr(node["pattern"]), 80), reason=problem))
        if "patternProperties" in node:
            add(name, tr("%(where)s: patternProperties is not used in a form: its fields are named (properties)",
                         where=where))
    examples = schema.get("examples")
    if not isinstance(examples, list) or len(examples) != 1 or not isinstance(examples[0], dict):
        add("_form", tr("the form carries one example (examples: a list of one object the form accepts)"))
    else:
        result.example_errors = _example_errors(schema, examples[0])
    properties = schema.get("properties") or {}
    for name, prop in properties.items():
        if not FIELD_NAME.fullmatch(name):
            add(name, tr("%(field)s: a field's name is letters, digits and _ (a page's input carries it)",
                         field=clip(repr(name), 80)))
        if not isinstance(prop, dict):
            continue
        if not (isinstance(prop.get("title"), str) and prop["title"].strip()):
            add(name, tr("%(field)s has no title: the page would show its name", field=name))
        for where, node in _choices_of(prop, name):
            for message in _label_problems(where, node):
                add(name, message)
        role = prop.get("x-user-role")
        if role is not None:
            roles = role if isinstance(role, list) else [role]
            unknown = [r for r in roles if not isinstance(r, str) or r not in ROLES_NAMED]
            if role_key(role) is None or unknown:
                add(name, tr("%(field)s: x-user-role names a role, or a list of roles (%(roles)s), not %(value)s",
                             field=name, roles=", ".join(ROLES_NAMED), value=clip(json.dumps(role, ensure_ascii=False), 80)))
    return result


def _example_errors(schema: dict, example: dict) -> dict[str, list]:
    """The example's errors by field path, in forms.schema_errors' words. Not form_validator: a
    schema typed into the editor is not worth a place in its cache."""
    try:
        return schema_errors(schema, example, FormValidator(schema, format_checker=FormatChecker()))
    except Exception as err:  # noqa: BLE001 - a schema in the making (a $ref to nowhere, a pattern re cannot run)
        return {"_form": [tr("the example could not be checked: %(reason)s", reason=clip(str(err), 200))]}


def _schemas_in(node, path: tuple, depth: int = 0):
    """(path, schema) of the form and every schema inside it (fields, items, if/then…), by the
    keys that hold schemas, never a field's value such as its example."""
    if not isinstance(node, dict) or depth > MAX_DEPTH:
        return
    yield path, node
    for key in ("properties", "$defs", "definitions", "dependentSchemas", "patternProperties"):
        children = node.get(key)
        if isinstance(children, dict):
            for name, child in children.items():
                yield from _schemas_in(child, (*path, key, str(name)), depth + 1)
    for key in ("items", "additionalProperties", "contains", "not", "if", "then", "else", "propertyNames",
                "unevaluatedItems", "unevaluatedProperties"):
        yield from _schemas_in(node.get(key), (*path, key), depth + 1)
    for key in ("allOf", "anyOf", "oneOf", "prefixItems"):
        children = node.get(key)
        if isinstance(children, list):
            for n, child in enumerate(children):
                yield from _schemas_in(child, (*path, key, str(n)), depth + 1)


def _choices_of(prop: dict, name: str):
    """(where, schema) of the field's choices: itself, or its items (a list of choices)."""
    if "enum" in prop:
        yield name, prop
    items = prop.get("items")
    if isinstance(items, dict) and "enum" in items:
        yield name, items


def _label_problems(where: str, node: dict) -> list[Text]:
    values = node.get("enum") if isinstance(node.get("enum"), list) else []
    labels, english = node.get("x-enum-labels"), node.get("x-enum-labels-en")
    problems = []
    if not isinstance(labels, list) or len(labels) != len(values):
        problems.append(tr("%(field)s: each choice needs its Chinese label (x-enum-labels: %(labels)d for %(values)d "
                           "choices)", field=where, labels=len(labels) if isinstance(labels, list) else 0,
                           values=len(values)))
    elif not all(isinstance(label, str) and CHINESE.search(label) for label in labels):
        problems.append(tr("%(field)s: every label of x-enum-labels is in Chinese", field=where))
    if english is not None and (not isinstance(english, list) or len(english) != len(values)):
        problems.append(tr("%(field)s: x-enum-labels-en has an English label for each choice, or is left out",
                           field=where))
    seen = [json.dumps(v, sort_keys=True) for v in values]
    if len(set(seen)) != len(seen):
        problems.append(tr("%(field)s: a choice is listed twice", field=where))
    return problems


def field_of(key: str, message: Text, properties: dict) -> str:
    """The field a deploy problem names (`<key>.<field>…` in its `field`), else the form's."""
    named = message.params.get("field") if isinstance(message, Text) else None
    if isinstance(named, str) and named.startswith(f"{key}."):
        name = named[len(key) + 1:].split(".")[0]
        if name in properties:
            return name
    return "_form"
