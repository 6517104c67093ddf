"""The forms of a draft (表单): the workbench's form editor ([8/9]) lists, creates, checks and saves
the JSON Schemas of a draft's package (`forms/<procedure>/<key>.schema.json`, and the shared ones
it carries) through the draft itself: a save is `drafts.save_file`, so only the draft's owner
changes it, while it is being edited, on the revision they read (a stale one is refused, 412).

`check_form` says what is wrong with a form as it is being edited, before anything is saved: its
example against the form (forms.schema_errors, the words of a task page's and the API's 422), the
deploy's own checks of its fields (prefill sources, number markers: the same functions and
messages), and what every shipped form keeps (tests/unit/test_forms.py): one example, a Chinese
label for every choice, roles that exist, names a page's inputs can carry. Each problem is keyed
by the field it concerns, so the editor shows it beside that field.

A schema comes from the author's browser and is never trusted: it must be a JSON object within
the draft's file size, no deeper than MAX_DEPTH, with no text holding NUL or a lone surrogate or
longer than MAX_TEXT; anything else is an Invalid naming where, never a 500.
"""
import json
import math
import re
from dataclasses import dataclass, field

from flask import current_app
from lxml import etree

from ...engine.specs import HUMAN_TASK_TAGS, MESSAGE_CATCH_TAGS, NS, BpmnInvalid, parse_xml
from ...extensions import db
from ...models import ProcedureDraft, ProcedureDraftFile, User
from ...oversight import bindings
from ..cases import prefill
from ..errors import Invalid, NotFound, Text, clip, tr
from ..registers import numbering
from . import drafts, packages
from .form_checks import MAX_DEPTH, FormCheck, content_check, field_of

FORM_KEY = re.compile(r"[a-z][a-z0-9_]{1,63}")
# `case.…` and `department.…` are prefill sources, not forms; `new` is the editor's page for a new form
RESERVED_KEYS = ("case", "department", "new")
# a field's name: what a page's input (`evidence-0-kind`) and an error's key (`evidence.0.kind`) can carry
MAX_TEXT = 10_000
MAX_FIELDS = 300
MAX_TITLE = 200


@dataclass(frozen=True)
class FormStep:
    """A step of the draft's diagrams that names the form (its formKey)."""

    bpmn_id: str
    name: str
    file: str
    form_key: str | None = None


@dataclass
class DraftForm:
    key: str
    path: str
    shared: bool
    title: str | None = None
    title_en: str | None = None
    steps: list[FormStep] = field(default_factory=list)
    text: str | None = None  # the file as stored (read_form)
    schema: dict | None = None  # parsed, when it is a JSON object
    error: Text | None = None  # why it is not


# -- where a draft keeps its forms ---------------------------------------------------------------------
def _folders(draft: ProcedureDraft) -> tuple[str, str]:
    return f"forms/{draft.process_id}/", f"forms/{packages.SHARED}/"


def form_path(draft: ProcedureDraft, key: str) -> str:
    """Where a new form of the draft goes: its procedure's own folder."""
    return f"{_folders(draft)[0]}{key}{packages.FORM_SUFFIX}"


def _form_paths(draft: ProcedureDraft) -> dict[str, str]:
    """key -> path of every form the draft's package has: its own, else the shared one (as the
    deploy takes them)."""
    own, shared = _folders(draft)
    found: dict[str, str] = {}
    for f in drafts.files_of(draft):
        if not f.path.endswith(packages.FORM_SUFFIX) or not f.path.startswith((own, shared)):
            continue
        if "/" in f.path[len(own if f.path.startswith(own) else shared):]:
            continue  # a package's forms lie directly in its folder
        key = packages.form_key(f.path)
        if key not in found or f.path.startswith(own):
            found[key] = f.path
    return dict(sorted(found.items()))


def _contents(draft: ProcedureDraft, paths) -> dict[str, bytes]:
    paths = list(paths)
    if not paths:
        return {}
    rows = db.session.execute(db.select(ProcedureDraftFile.path, ProcedureDraftFile.content).where(
        ProcedureDraftFile.draft_id == draft.id, ProcedureDraftFile.path.in_(paths))).all()
    return {path: content for path, content in rows}


def _parsed(content: bytes) -> tuple[str | None, dict | None, Text | None]:
    """(text, schema, why it is no form) of a stored form file."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as err:
        return None, None, tr("the file is not UTF-8 (%(reason)s at byte %(byte)d)", reason=err.reason,
                              byte=err.start)
    try:
        schema = json.loads(text)
    except (ValueError, RecursionError) as err:
        return text, None, tr("the form is not JSON: %(reason)s", reason=clip(str(err), 200))
    if not isinstance(schema, dict):
        return text, None, tr("a form is a JSON object ({…}), not %(kind)s", kind=_json_kind(schema))
    found = _junk(schema, [])
    if found:  # e.g. "\ud800" written as JSON: no page could show it, no save take it back
        return text, None, tr("%(where)s %(problem)s", where=found[0], problem=found[1])
    return text, schema, None


def _json_kind(value) -> Text:
    if isinstance(value, list):
        return tr("a JSON list")
    if isinstance(value, str):
        return tr("a JSON text")
    if isinstance(value, bool):
        return tr("true or false")
    if value is None:
        return tr("JSON null")
    return tr("a JSON number")


def _steps(draft: ProcedureDraft) -> list[FormStep]:
    """The steps of the draft's diagrams (its own and the shared ones) that a person does or that
    wait for a message, with the form each names; a diagram that cannot be read names none."""
    paths = [f.path for f in drafts.files_of(draft) if f.path.endswith(".bpmn")]
    main = drafts.main_path(draft)
    limit = current_app.config["BPMN_MAX_BYTES"]
    found = []
    for path in sorted(paths, key=lambda p: (p != main, p)):
        content = _contents(draft, [path]).get(path, b"")
        try:
            root = parse_xml(content, max_bytes=limit).getroot()
        except (BpmnInvalid, etree.XMLSyntaxError, ValueError):
            continue
        for node in root.iter():
            if not isinstance(node.tag, str) or etree.QName(node).localname not in (*HUMAN_TASK_TAGS,
                                                                                    *MESSAGE_CATCH_TAGS):
                continue
            keys = node.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
                              "[@name='formKey']/@value", namespaces=NS)
            found.append(FormStep(node.get("id") or "", node.get("name") or "", path, keys[0] if keys else None))
    return found


# -- reading ------------------------------------------------------------------------------------------
def list_forms(user: User, draft_id: int) -> tuple[ProcedureDraft, list[DraftForm]]:
    """The draft's forms by key, each with its title and the steps that name it."""
    draft = drafts.get(user, draft_id)
    paths = _form_paths(draft)
    contents = _contents(draft, paths.values())
    steps = _steps(draft)
    own = _folders(draft)[0]
    out = []
    for key, path in paths.items():
        _text, schema, error = _parsed(contents.get(path, b""))
        title = schema.get("title") if schema and isinstance(schema.get("title"), str) else None
        title_en = schema.get("x-title-en") if schema and isinstance(schema.get("x-title-en"), str) else None
        out.append(DraftForm(key, path, not path.startswith(own), title, title_en,
                             [s for s in steps if s.form_key == key], error=error))
    return draft, out


def _known_key(key) -> str:
    if not isinstance(key, str) or not FORM_KEY.fullmatch(key):
        raise NotFound(tr("the draft has no form %(key)s", key=clip(repr(key), 80)))
    return key


def read_form(user: User, draft_id: int, key: str) -> tuple[ProcedureDraft, DraftForm]:
    """One form of the draft: its file as stored and, when it is a JSON object, its schema."""
    draft = drafts.get(user, draft_id)
    path = _form_paths(draft).get(_known_key(key))
    if path is None:
        raise NotFound(tr("the draft has no form %(key)s", key=key))
    text, schema, error = _parsed(_contents(draft, [path]).get(path, b""))
    form = DraftForm(key, path, not path.startswith(_folders(draft)[0]), text=text, schema=schema, error=error,
                     steps=[s for s in _steps(draft) if s.form_key == key])
    if schema is not None:
        form.title = schema.get("title") if isinstance(schema.get("title"), str) else None
        form.title_en = schema.get("x-title-en") if isinstance(schema.get("x-title-en"), str) else None
    return draft, form


def step_of(user: User, draft_id: int, bpmn_id: str | None) -> tuple[ProcedureDraft, FormStep | None]:
    """The step of the draft's diagrams a new form is made for (`?step=`), or None."""
    draft = drafts.get(user, draft_id)
    if not isinstance(bpmn_id, str) or not bpmn_id or len(bpmn_id) > 200:
        return draft, None
    return draft, next((s for s in _steps(draft) if s.bpmn_id == bpmn_id), None)


def suggested_key(draft: ProcedureDraft, step: FormStep | str | None) -> str:
    """A free key for a step's form: `<procedure>_<step>` (a key names its procedure, as a form
    key is unique across the repository's packages), or the step's id when it already does."""
    bpmn_id = step.bpmn_id if isinstance(step, FormStep) else (step or "form")
    name = re.sub(r"[^a-z0-9_]+", "_", bpmn_id.lower()).strip("_") or "form"
    key = name if name.startswith(f"{draft.process_id}_") or name == draft.process_id else f"{draft.process_id}_{name}"
    key = key[:60].rstrip("_")
    taken = set(_form_paths(draft))
    candidate, n = key, 2
    while candidate in taken or candidate in RESERVED_KEYS:
        candidate, n = f"{key}_{n}", n + 1
    return candidate


def prefill_sources(draft: ProcedureDraft, key: str | None = None) -> dict[str, list[tuple[str, dict | None]]]:
    """What a field may be prefilled from (prefill.py): the case's fields, the department's, and
    the top-level fields of the package's other forms, each with its schema (None for the case's
    and the department's): group -> [(reference, schema)]."""
    groups: dict[str, list[tuple[str, dict | None]]] = {
        "case": [(f"case.{name}", None) for name in prefill.CASE_FIELDS],
        "department": [(f"department.{name}", None) for name in prefill.DEPARTMENT_FIELDS],
    }
    paths = _form_paths(draft)
    contents = _contents(draft, paths.values())
    for form_key, path in paths.items():
        if form_key == key:
            continue
        _text, schema, _error = _parsed(contents.get(path, b""))
        properties = (schema or {}).get("properties")
        if isinstance(properties, dict) and properties:
            groups[form_key] = [(f"{form_key}.{name}", prop) for name, prop in properties.items()
                                if isinstance(prop, dict)][:MAX_FIELDS]
            groups[form_key].insert(0, (form_key, schema))  # the form itself, for its title
    return groups


# -- a schema from the browser ----------------------------------------------------------------------------
def _where(path: list) -> str:
    return clip("/".join(str(p) for p in path) or "/", 120)


def _text_problem(text: str) -> Text | None:
    if "\x00" in text:
        return tr("holds a NUL character")
    if len(text) > MAX_TEXT:
        return tr("is %(length)d characters long; a text of a form has at most %(max)d", length=len(text),
                  max=MAX_TEXT)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return tr("holds a character that is not Unicode text (a lone surrogate)")
    return None


def _junk(value, path: list, depth: int = 0) -> tuple[str, Text] | None:
    """(where, what) of the first text or nesting a form cannot hold, or None."""
    if depth > MAX_DEPTH:
        return _where(path), tr("is nested more than %(max)d levels deep", max=MAX_DEPTH)
    if isinstance(value, str):
        problem = _text_problem(value)
        return (_where(path), problem) if problem else None
    if isinstance(value, dict):
        for name, child in value.items():
            problem = _text_problem(name) if isinstance(name, str) else None
            if problem:
                return _where([*path, clip(repr(name), 40)]), problem
            found = _junk(child, [*path, name], depth + 1)
            if found:
                return found
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found = _junk(child, [*path, i], depth + 1)
            if found:
                return found
    elif isinstance(value, float) and not math.isfinite(value):
        return _where(path), tr("is not a finite number")
    return None


def checked_schema(schema, name: str = "schema") -> dict:
    """The schema, if a form can be made of it: a JSON object of texts a file and a page hold."""
    if not isinstance(schema, dict):
        raise Invalid({name: [tr("a form is a JSON object ({…}), not %(kind)s", kind=_json_kind(schema))]})
    found = _junk(schema, [])
    if found:
        raise Invalid({name: [tr("%(where)s %(problem)s", where=found[0], problem=found[1])]})
    properties = schema.get("properties")
    if isinstance(properties, dict) and len(properties) > MAX_FIELDS:
        raise Invalid({name: [tr("a form has at most %(max)d fields", max=MAX_FIELDS)]})
    return schema


def form_text(schema: dict) -> bytes:
    """A form's file as the repository's forms are written: two spaces, Chinese as it is."""
    try:
        return (json.dumps(schema, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode("utf-8")
    except (ValueError, RecursionError, UnicodeEncodeError, TypeError) as err:
        raise Invalid({"schema": [tr("the form cannot be written as JSON: %(reason)s",
                                     reason=clip(str(err), 200))]}) from None


def parsed_text(text) -> dict:
    """The author's JSON text (the raw view), as a schema: JSON, then `checked_schema`."""
    if not isinstance(text, str):
        raise Invalid({"schema": [tr("the form's JSON text is missing")]})
    if len(text) > current_app.config["BPMN_MAX_BYTES"]:
        raise Invalid({"schema": [tr("at most %(max)d bytes", max=current_app.config["BPMN_MAX_BYTES"])]})
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as err:
        raise Invalid({"schema": [tr("not JSON: %(reason)s (line %(line)d, column %(column)d)", reason=err.msg,
                                     line=err.lineno, column=err.colno)]}) from None
    except (ValueError, RecursionError) as err:
        raise Invalid({"schema": [tr("not JSON: %(reason)s", reason=clip(str(err), 200))]}) from None
    return checked_schema(schema)


# -- changing them ---------------------------------------------------------------------------------------
def new_form(key: str, title: str) -> dict:
    """A new form: its title, no field yet, and its example (empty, as the form has no field)."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"zhifaflow:forms/{key}",
            "title": title, "type": "object", "additionalProperties": False, "required": [], "properties": {},
            "examples": [{}]}


def create_form(user: User, draft_id: int, key, title, revision: int | None) -> tuple[ProcedureDraft, str]:
    """A new form in the draft's own folder (the draft's next revision): (draft, its path)."""
    draft = drafts.get(user, draft_id)
    errors = {}
    if not isinstance(key, str) or not FORM_KEY.fullmatch(key):
        errors["key"] = [tr("a form key: 2 to 64 lower-case letters, digits and _, starting with a letter")]
    elif key in RESERVED_KEYS:
        errors["key"] = [tr("%(key)s is a word the package uses for something else; choose another key",
                            key=key)]
    elif key in _form_paths(draft):
        errors["key"] = [tr("the draft has a form %(key)s already (%(path)s)", key=key,
                            path=_form_paths(draft)[key])]
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE or _text_problem(title):
        errors["title"] = [tr("a name of 1 to %(max)d characters", max=MAX_TITLE)]
    if errors:
        raise Invalid(errors)
    path = form_path(draft, key)
    return drafts.save_file(user, draft_id, path, form_text(new_form(key, title.strip())), revision), path


def save_form(user: User, draft_id: int, key: str, schema, revision: int | None) -> ProcedureDraft:
    """The form as the author edited it, in place of the stored one (the draft's next revision;
    the same form saved again makes none). Saved even with problems: the draft lists them."""
    draft = drafts.get(user, draft_id)
    path = _form_paths(draft).get(_known_key(key))
    if path is None:
        raise NotFound(tr("the draft has no form %(key)s", key=key))
    return drafts.save_file(user, draft_id, path, form_text(checked_schema(schema)), revision)


# -- what is wrong with one ---------------------------------------------------------------------------------
def check_form(user: User, draft_id: int, key: str, schema) -> FormCheck:
    """What is wrong with the form `key` of the draft as `schema` has it now (nothing saved)."""
    draft = drafts.get(user, draft_id)
    schema = checked_schema(schema)
    paths = _form_paths(draft)
    if _known_key(key) not in paths:
        raise NotFound(tr("the draft has no form %(key)s", key=key))
    contents = _contents(draft, paths.values())
    forms = {}
    for other, path in paths.items():
        _text, parsed, _error = _parsed(contents.get(path, b""))
        if parsed is not None:
            forms[other] = parsed
    forms[key] = schema
    return form_problems(key, schema, forms)


def form_problems(key: str, schema: dict, forms: dict[str, dict]) -> FormCheck:
    """The problems of one form among the package's `forms` (which hold it): its own
    (`form_checks.content_check`) and its prefill sources' and number markers' (the deploy's)."""
    result = content_check(schema)
    if result.schema_error:
        return result
    properties = schema.get("properties") or {}
    for _key, message in [*prefill.problems(forms, [key], bindings.field_schema),
                          *numbering.form_problems(forms, [key])]:
        result.problems.setdefault(field_of(key, message, properties), []).append(message)
    return result


