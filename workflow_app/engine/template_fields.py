"""What a Word template's tags name, checked against the package's forms before the template is
accepted (deploy, and a draft's upload in the workbench).

A misspelt field prints nothing when the document is filled (Jinja's undefined is empty), so a
decision would go out with a blank where its fine belongs. Here every reference is followed
through the context the renderer provides (services/cases/documents.context, documented in
docs/documents.md "What a template sees"): `<form key>.<field>` and `forms.<key>.<field>` /
`labels.<key>.<field>` must name a field of that form's JSON Schema (into objects, and into a
list's items through `{% for %}`, `|map(attribute=…)`, `|selectattr(…)`); `case.`, `document.`,
`step.`, `steps.<id>.`, an item of `evidence_list` or `officers`, and what `|late_fee` gives must
name what the renderer puts there. Nothing of the template runs: the Jinja syntax tree is read.

What cannot be known without the record is not judged: a name a template sets to something
computed (`{% set n = namespace(…) %}`, a choice between two steps), a method called
(`x.split('、')`), `step.data` (the data of whichever step the document came from).
"""
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field

from jinja2 import nodes

from ..messages import Text, tr

# What the renderer puts in the context besides the forms (services/cases/documents.context).
CASE_FIELDS = ("number", "title", "party_name", "party_kind")
DOCUMENT_FIELDS = ("kind", "title")
STEP_FIELDS = ("id", "name", "form", "completed_on", "completed_by", "data", "labels")
EVIDENCE_FIELDS = ("id", "number", "title", "kind", "source", "proves", "collected_on", "sha256", "line")
OFFICER_FIELDS = ("name", "certificate")
LATE_FEE_FIELDS = ("amount", "days", "first_day", "counted_to", "capped", "fine")
# Filters that pick items of a list by an attribute (its first argument or `attribute=`).
_BY_ATTRIBUTE = {"map", "selectattr", "rejectattr", "sum", "sort", "groupby", "unique", "min", "max"}
_POSITIONAL_ATTRIBUTE = {"selectattr", "rejectattr", "groupby", "sum"}
_KEEPS_TYPE = {"list", "default", "d", "sort", "unique", "reverse", "selectattr", "rejectattr", "batch_no"}
_ONE_ITEM = {"first", "last", "min", "max", "random"}


# -- the types a reference may have ---------------------------------------------------------------
@dataclass(frozen=True)
class Fields:
    """An object whose attributes are known (`case`, an officer …); `what` names it in a problem."""

    what: Text | str
    fields: Mapping[str, object]


@dataclass(frozen=True)
class SchemaNode:
    """A node of a form's JSON Schema, at `path` (`jueding`, `jueding.items[]`)."""

    schema: dict = field(hash=False, compare=False)
    form: str
    path: str


@dataclass(frozen=True)
class ListOf:
    item: object
    path: str


@dataclass(frozen=True)
class Scalar:
    path: str


@dataclass(frozen=True)
class Problem:
    """A reference that names what the data does not have: `reference` as written (`jueding.amout`)
    and why."""

    reference: str
    message: Text
    line: int | None = None  # the line of the part's source (a paragraph: word_templates.Part)
    needle: str | None = None  # the name to look for in the paragraph when the reference is written otherwise


def _fields(what, names, types: Mapping | None = None) -> Fields:
    return Fields(what, {name: (types or {}).get(name) for name in names})


def _schema_type(schema: dict) -> str | None:
    """object, array, scalar, or None where the schema says too little to judge."""
    kind = schema.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()
    if "object" in kinds or not kinds and isinstance(schema.get("properties"), dict):
        return "object"
    if "array" in kinds or not kinds and isinstance(schema.get("items"), dict):
        return "array"
    if kinds - {"null"} or "enum" in schema or "const" in schema:
        return "scalar"
    return None


def _properties(schema: dict) -> dict | None:
    """An object's fields, those of its conditional parts too (allOf, if/then/else); None for an
    object that declares none (open to any field)."""
    found, stack = {}, [schema]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        props = node.get("properties")
        if isinstance(props, dict):
            for name, sub in props.items():
                found.setdefault(name, sub)
        for key in ("allOf", "anyOf", "oneOf"):
            if isinstance(node.get(key), list):
                stack += node[key]
        stack += [node.get("then"), node.get("else")]
    return found or None


def _form(schema, key: str):
    return SchemaNode(schema, key, key) if isinstance(schema, dict) else None


# -- the context ---------------------------------------------------------------------------------
class Context:
    """The names a template sees, typed from the package's forms and steps (bpmn id -> form key)."""

    def __init__(self, forms: Mapping[str, dict], steps: Mapping[str, str | None] | None, names):
        self.forms, self.steps = forms, steps
        form_fields = {key: _form(schema, key) for key, schema in forms.items()}
        self.roots = {
            "case": _fields("case", CASE_FIELDS),
            "document": _fields("document", DOCUMENT_FIELDS),
            "step": self.step(None),
            "steps": Fields("steps", self._steps()) if steps is not None else None,
            "forms": Fields("forms", form_fields),
            "labels": Fields("labels", form_fields),
            "evidence_list": ListOf(_fields("evidence_list[]", EVIDENCE_FIELDS), "evidence_list"),
            "officers": ListOf(_fields("officers[]", OFFICER_FIELDS), "officers"),
            "authority": Scalar("authority"), "department": Scalar("department"),
        }
        for key, node in form_fields.items():
            if key not in names:  # a form key that is a name of the context is reached as forms.<key>
                self.roots[key] = node

    def step(self, form_key: str | None) -> Fields:
        data = _form(self.forms.get(form_key), form_key) if form_key else None
        return _fields("step", STEP_FIELDS, {"data": data, "labels": data})

    def _steps(self) -> dict:
        return {bpmn_id: self.step(form_key) for bpmn_id, form_key in (self.steps or {}).items()}


LATE_FEE = _fields("|late_fee", LATE_FEE_FIELDS)


# -- following a reference ------------------------------------------------------------------------
MAX_NAMES_LISTED = 12


def _names(names) -> str:
    names = sorted(names)
    listed = "、".join(names[:MAX_NAMES_LISTED])
    return listed + ("…" if len(names) > MAX_NAMES_LISTED else "") if names else "—"


def _missing(owner, name: str, names) -> Text:
    """`owner` has no `name`: the names closest to it (a misspelling), else the first of its names."""
    close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.6)
    if close:
        return tr("%(owner)s has no field %(name)s; did you mean %(close)s?", owner=owner, name=name,
                  close="、".join(close))
    return tr("%(owner)s has no field %(name)s (its fields: %(names)s)", owner=owner, name=name, names=_names(names))


def attribute(kind, name: str) -> tuple[object, Text | None]:
    """The type of `kind`'s attribute `name`, and why it has none (None where that cannot be judged)."""
    if isinstance(kind, Fields):
        if name in kind.fields:
            return kind.fields[name], None
        return None, _missing(kind.what, name, kind.fields)
    shape = _schema_type(kind.schema) if isinstance(kind, SchemaNode) else None
    if shape == "object":
        props = _properties(kind.schema)
        if props is None or name in props:
            return (_node(props[name], kind.form, f"{kind.path}.{name}") if props else None), None
        owner = tr("the form %(form)s", form=kind.form) if kind.path == kind.form else kind.path
        return None, _missing(owner, name, props)
    if isinstance(kind, ListOf) or shape == "array":
        return None, tr("%(path)s is a list: go through its items with {%% for %%} (it has no field %(name)s)",
                        path=kind.path, name=name)
    if isinstance(kind, Scalar) or shape == "scalar":
        return None, tr("%(path)s is a single value, not an object with fields (it has no field %(name)s)",
                        path=kind.path, name=name)
    return None, None


def _node(schema, form: str, path: str):
    if not isinstance(schema, dict):
        return None
    shape = _schema_type(schema)
    if shape == "array":
        item = _node(schema.get("items"), form, f"{path}[]")
        return ListOf(item, path)
    if shape == "scalar":
        return Scalar(path)
    return SchemaNode(schema, form, path) if shape == "object" else None


def _item(kind):
    """The type of one item of a list (what `{% for x in … %}` binds)."""
    return kind.item if isinstance(kind, ListOf) else None


def reference_text(node) -> str | None:
    """A reference as written: `jueding.items`, `case['number']`; None for anything else."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        inner = reference_text(node.node)
        return f"{inner}.{node.attr}" if inner else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        inner = reference_text(node.node)
        return f"{inner}[{node.arg.value!r}]" if inner else None
    return None


class Checker:
    """One walk of a template's syntax tree: the type of each expression in its scope, and a
    Problem for each reference the data does not have."""

    def __init__(self, context: Context):
        self.context, self.found = context, []

    def check(self, tree: nodes.Template) -> list[Problem]:
        self.statements(tree.body, [{}])
        return self.found

    # statements
    def statements(self, body, scopes: list[dict]) -> None:
        for node in body:
            self.statement(node, scopes)

    def statement(self, node, scopes: list[dict]) -> None:
        if isinstance(node, nodes.For):
            item = _item(self.expr(node.iter, scopes))
            inner = [*scopes, {"loop": None}]
            self.bind(node.target, item, inner[-1])
            if node.test is not None:
                self.expr(node.test, inner)
            self.statements(node.body, inner)
            self.statements(node.else_, scopes)
        elif isinstance(node, nodes.Assign):
            kind = self.expr(node.node, scopes)
            self.bind(node.target, kind, scopes[-1])
        elif isinstance(node, nodes.AssignBlock):
            self.statements(node.body, scopes)
            self.bind(node.target, None, scopes[-1])
        elif isinstance(node, (nodes.Macro, nodes.CallBlock)):
            inner = [*scopes, {arg.name: None for arg in node.args}]
            if isinstance(node, nodes.CallBlock):
                self.expr(node.call, scopes)
            for default in node.defaults:
                self.expr(default, scopes)
            if isinstance(node, nodes.Macro):
                scopes[-1][node.name] = None
            self.statements(node.body, inner)
        elif isinstance(node, nodes.With):
            inner = [*scopes, {}]
            for target, value in zip(node.targets, node.values, strict=False):
                self.bind(target, self.expr(value, scopes), inner[-1])
            self.statements(node.body, inner)
        else:
            for child in node.iter_child_nodes():
                if isinstance(child, nodes.Expr):
                    self.expr(child, scopes)
                else:
                    self.statement(child, scopes)

    @staticmethod
    def bind(target, kind, scope: dict) -> None:
        if isinstance(target, nodes.Name):
            scope[target.name] = kind
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                Checker.bind(item, None, scope)
        # an NSRef (`ns.x = …`) changes an attribute of a namespace: nothing to bind

    def attribute(self, kind, name: str, reference: str, line: int):
        found, problem = attribute(kind, name)
        if problem is not None:
            self.found.append(Problem(reference, problem, line, name))
        return found

    # expressions
    def lookup(self, name: str, scopes: list[dict]):
        for scope in reversed(scopes):
            if name in scope:
                return scope[name]
        return self.context.roots.get(name)

    def expr(self, node, scopes: list[dict]):
        if isinstance(node, nodes.Name):
            return self.lookup(node.name, scopes)
        if isinstance(node, nodes.Getattr):
            return self.attribute(self.expr(node.node, scopes), node.attr, reference_text(node) or node.attr, node.lineno)
        if isinstance(node, nodes.Getitem):
            inner = self.expr(node.node, scopes)
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                return self.attribute(inner, node.arg.value, reference_text(node) or node.arg.value, node.lineno)
            self.expr(node.arg, scopes)
            return _item(inner) if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, int) else None
        if isinstance(node, nodes.Call):
            callee = node.node
            # a method called (`x.split('、')`, `d.get('k')`): its object is checked, not the method
            self.expr(callee.node if isinstance(callee, nodes.Getattr) else callee, scopes)
            self.arguments(node, scopes)
            return None
        if isinstance(node, nodes.Filter):
            return self.filter(node, scopes)
        if isinstance(node, nodes.Test):
            self.expr(node.node, scopes)
            self.arguments(node, scopes)
            return None
        for child in node.iter_child_nodes():
            self.expr(child, scopes) if isinstance(child, nodes.Expr) else self.statement(child, scopes)
        return None

    def arguments(self, node, scopes: list[dict]) -> None:
        for arg in [*node.args, *(k.value for k in node.kwargs)]:
            self.expr(arg, scopes)
        for extra in (node.dyn_args, node.dyn_kwargs):
            if extra is not None:
                self.expr(extra, scopes)

    def filter(self, node: nodes.Filter, scopes: list[dict]):
        kind = self.expr(node.node, scopes) if node.node is not None else None
        self.arguments(node, scopes)
        name = node.name
        if name == "late_fee":
            return LATE_FEE
        if name in _BY_ATTRIBUTE and isinstance(kind, ListOf):
            attribute = next((k.value for k in node.kwargs if k.key == "attribute"), None)
            if attribute is None and name in ("map",):
                return None  # map('filter', …) maps a filter, not an attribute
            if attribute is None and node.args and name in _POSITIONAL_ATTRIBUTE:
                attribute = node.args[0]
            if isinstance(attribute, nodes.Const) and isinstance(attribute.value, str):
                picked = kind.item
                for part in attribute.value.split("."):
                    picked = self.attribute(picked, part, f"{reference_text(node.node) or kind.path}|{name}"
                                            f"({attribute.value!r})", node.lineno)
                if name == "map":
                    return ListOf(picked, f"{kind.path}|map")
        if name in _KEEPS_TYPE:
            return kind
        if name in _ONE_ITEM:
            return _item(kind)
        return None


def problems(tree: nodes.Template, forms: Mapping[str, dict], steps: Mapping[str, str | None] | None,
             names) -> list[Problem]:
    """The references of one part of a template that name what the package's data does not have."""
    return Checker(Context(forms, steps, names)).check(tree)
