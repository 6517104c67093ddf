"""The workbench's form editor ([8/9]): the forms of a draft (a list, a new one, one being edited) and
the live preview of a form as the author edits it.

Thin, like the other pages: services/procedures/draft_forms.py reads, checks and saves the forms
(through the draft's revision: drafts.save_file), for these pages and the JSON API alike. The
editor is the page's script (static/workbench-forms.js): it edits the schema in the page, asks
`workbench_form_preview` to draw it (the task pages' own code: web/task_forms.build_fields and
templates/web/_form_fields.html) and to check it and its example (the server's own check, its
messages beside the fields), and saves through the API with If-Match. Without the script the page
still shows the preview and takes the form's JSON text back through a plain form, which names the
revision it showed.
"""
import json
import re

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from ..engine.specs import LANE_LABELS
from ..i18n import beside_fields, localized, localized_errors, page_language, schema_title
from ..services.cases import prefill
from ..services.errors import Invalid, PreconditionFailed, ServiceError
from ..services.procedures import draft_forms, drafts
from ..services.registers.numbering import MARKER as NUMBER_MARKER
from . import bp
from . import task_forms as tf
from .templating import ROLE_LABELS
from .workbench import form_revision, may_edit

# the kinds of field the editor offers (static/workbench-forms.js decides which a field is)
KIND_WORDS = {
    "text": lazy_gettext("Text (one line)"), "textarea": lazy_gettext("Long text"),
    "number": lazy_gettext("Number"), "integer": lazy_gettext("Whole number"), "date": lazy_gettext("Date"),
    "datetime": lazy_gettext("Date and time"), "boolean": lazy_gettext("Yes/no"),
    "choice": lazy_gettext("One choice"), "choices": lazy_gettext("Several choices"),
    "person": lazy_gettext("A person of a role"), "people": lazy_gettext("People of a role"),
    "lines": lazy_gettext("Lines of text"), "signature": lazy_gettext("Signature of the party"),
    "cause": lazy_gettext("A cause of the department's register"),
    "penalty_item": lazy_gettext("An item of the no-penalty and light-penalty lists"),
    "photos": lazy_gettext("Photos of the evidence list"), "issued": lazy_gettext("A number the system issues"),
    "other": lazy_gettext("Other (kept as written in the JSON)"),
}
# prefill.py's sources of the case and the department, as the editor names them
SOURCE_WORDS = {
    "case.number": lazy_gettext("case number"), "case.title": lazy_gettext("case title"),
    "case.party_name": lazy_gettext("party's name"), "case.party_kind": lazy_gettext("party's kind"),
    "case.late_fee": lazy_gettext("late fee the system counts"),
    "department.name": lazy_gettext("department's name"), "department.code": lazy_gettext("department's code"),
    "department.payment_bank": lazy_gettext("bank for fines"),
    "department.payment_account": lazy_gettext("account for fines"),
    "department.payment_place": lazy_gettext("place to pay fines"),
    "department.payment_manner": lazy_gettext("how fines are paid (from the settings)"),
    "department.reconsideration_body": lazy_gettext("body for administrative reconsideration"),
    "department.court": lazy_gettext("court for administrative litigation"),
}
MAX_INPUTS = 5000  # the preview's inputs a request may carry




# -- the forms of a draft -------------------------------------------------------------------------------
@bp.route("/workbench/drafts/<id:draft_id>/forms", methods=["GET", "POST"])
@login_required
def workbench_forms(draft_id: int):
    draft, forms = draft_forms.list_forms(current_user, draft_id)
    typed = {"key": "", "title": "", "step": ""}
    errors, status, step = {}, 200, None
    if request.method == "POST":
        typed = {name: request.form.get(name) or "" for name in typed}
        _draft, step = draft_forms.step_of(current_user, draft_id, typed["step"] or None)
        try:
            draft, _path = draft_forms.create_form(current_user, draft_id, typed["key"].strip(), typed["title"],
                                                   form_revision())
        except Invalid as err:
            errors = beside_fields(err.errors)  # shown again beside the fields: a 200, as the task pages answer
        except ServiceError as err:
            errors, status = {"key": [localized(err.message)]}, err.status
        else:
            key = typed["key"].strip()
            if step is not None:
                flash(_("Form %(key)s is made. To use it, choose it as the form of the step “%(step)s” (%(id)s) in "
                        "the diagram's properties panel.", key=key, step=step.name or step.bpmn_id, id=step.bpmn_id),
                      "success")
            else:
                flash(_("Form %(key)s is made: give it its fields, then choose it for a step in the diagram's "
                        "properties panel.", key=key), "success")
            return redirect(url_for("web.workbench_form", draft_id=draft.id, key=key,
                                    **({"step": step.bpmn_id} if step else {})))
    return _forms_page(draft, forms, typed, errors, step, status)


@bp.get("/workbench/drafts/<id:draft_id>/forms/new")
@login_required
def workbench_form_new(draft_id: int):
    """A new form, for a step when the diagram's panel links here (`?step=<bpmn id>`): its key and
    name offered from the step's."""
    draft, forms = draft_forms.list_forms(current_user, draft_id)
    asked = request.args.get("step") or ""
    asked = asked if len(asked) <= 200 else ""  # a BPMN id, not a page's worth of text
    _draft, step = draft_forms.step_of(current_user, draft_id, asked or None)
    typed = {"key": draft_forms.suggested_key(draft, step or asked or None),
             "title": (step.name if step else "") or "", "step": step.bpmn_id if step else ""}
    return _forms_page(draft, forms, typed, {}, step, 200, asked_step=asked)


def _forms_page(draft, forms, typed, errors, step, status, asked_step=""):
    return render_template("web/workbench_forms.html", draft=draft, forms=forms, typed=typed, errors=errors,
                           step=step, asked_step=asked_step if asked_step and step is None else "",
                           may_edit=may_edit(draft), status_word=localized(drafts.status_words(draft.status)),
                           form_title=lambda f: (f.title_en if _english() and f.title_en else f.title) or f.key), status


def _english() -> bool:
    return page_language() == "en"




# -- one form -------------------------------------------------------------------------------------------
@bp.route("/workbench/drafts/<id:draft_id>/forms/<key>", methods=["GET", "POST"])
@login_required
def workbench_form(draft_id: int, key: str):
    draft, form = draft_forms.read_form(current_user, draft_id, key)
    if request.method == "GET":
        return _form_page(draft, form)
    typed = request.form.get("schema")
    try:
        schema = draft_forms.parsed_text(typed)
        draft = draft_forms.save_form(current_user, draft_id, key, schema, form_revision())
    except Invalid as err:
        return _form_page(draft, form, typed=typed, errors=beside_fields(err.errors))
    except PreconditionFailed as err:
        # the page keeps the revision it was sent on: sent again as it is, it is refused again, so the
        # other author's change is not overwritten by a second click
        return _form_page(draft, form, typed=typed, conflict=localized(err.message), status=err.status,
                          revision=form_revision())
    except ServiceError as err:
        return _form_page(draft, form, typed=typed, errors={"schema": [localized(err.message)]}, status=err.status)
    flash(_("The form is saved: revision %(revision)d.", revision=draft.revision), "success")
    return redirect(url_for("web.workbench_form", draft_id=draft.id, key=key))


def _form_page(draft, form, typed: str | None = None, errors: dict | None = None, conflict: str | None = None,
               status: int = 200, revision: int | None = None):
    schema = form.schema
    check = _check_or_none(draft.id, form.key, schema)
    preview = _preview(schema, _example_of(schema), check)
    text = typed if typed is not None else (_pretty(schema) if schema is not None else (form.text or ""))
    editable = may_edit(draft)
    return render_template(
        "web/workbench_form.html", draft=draft, form=form, may_edit=editable, text=text, errors=errors or {},
        conflict=conflict, preview=preview, status_word=localized(drafts.status_words(draft.status)),
        problems=localized_errors(check.problems) if check else {},
        schema_error=localized(check.schema_error) if check and check.schema_error else (
            localized(form.error) if form.error else None),
        title=schema_title(schema, form.key) if schema else form.key,
        step=request.args.get("step") or "", revision=revision if revision is not None else draft.revision,
        editor=_script_json(_editor_data(draft, form)) if editable and _editable(schema) else None), status


def _script_json(value) -> Markup:
    """`value` as a <script type="application/json"> block holds it: in its own key order (a form's
    fields are in the order of its properties; Flask's `tojson` would sort them), safe in HTML."""
    text = json.dumps(value, ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        text = text.replace(char, escaped)
    return Markup(text)


def _in_order(body: dict, status: int = 200):
    """A JSON answer in its own key order (a form's fields, its example's), not Flask's sorted one."""
    return current_app.response_class(json.dumps(body, ensure_ascii=False), status=status,
                                      mimetype="application/json")


def _editable(schema) -> bool:
    """A stored form the editor can take and save again (a JSON object of texts a form may hold)."""
    try:
        draft_forms.checked_schema(schema)
    except Invalid:
        return False
    return True


def _pretty(schema: dict) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2)


def _example_of(schema) -> dict:
    examples = schema.get("examples") if isinstance(schema, dict) else None
    return examples[0] if isinstance(examples, list) and examples and isinstance(examples[0], dict) else {}


def _check_or_none(draft_id: int, key: str, schema):
    if schema is None:
        return None
    try:
        return draft_forms.check_form(current_user, draft_id, key, schema)
    except Invalid as err:
        return draft_forms.FormCheck(schema_error=next(iter(next(iter(err.errors.values())))))


def _editor_data(draft, form) -> dict:
    """What the script needs: the schema, the sources a field may be prefilled from, the roles."""
    groups = []
    for group, refs in draft_forms.prefill_sources(draft, form.key).items():
        if group in ("case", "department"):
            label = _("The case") if group == "case" else _("The department")
            options = [{"value": ref, "label": f"{SOURCE_WORDS.get(ref, ref)} ({ref})",
                        "type": (prefill.CASE_FIELDS if group == "case" else prefill.DEPARTMENT_FIELDS)[
                            ref.partition(".")[2]]} for ref, _schema in refs]
        else:
            label = _("Form %(title)s", title=schema_title(refs[0][1], group))
            options = [{"value": ref, "label": f"{schema_title(prop, ref.partition('.')[2])} ({ref})",
                        "type": prop.get("type") if isinstance(prop.get("type"), str) else None}
                       for ref, prop in refs[1:]]
        groups.append({"group": group, "label": label, "options": options})
    return {"schema": form.schema, "sources": groups,
            "roles": {code: str(ROLE_LABELS[code]) for code in LANE_LABELS},
            "kinds": {k: str(v) for k, v in KIND_WORDS.items()}}


# -- the live preview ---------------------------------------------------------------------------------------
@bp.post("/workbench/drafts/<id:draft_id>/forms/<key>/preview")
@login_required
def workbench_form_preview(draft_id: int, key: str):
    """The form being edited, drawn as a task page draws it, with its example's errors beside the
    fields and the form's problems by field. The body: {schema} (the example is the schema's), or
    {schema, inputs: [[name, value], …], action: {_add|_remove: …}} when the author typed into the
    preview (the example is then what those inputs say, read as a task page reads them). A schema
    that cannot be a form is said in the answer (200: the check was made); no access is a 4xx."""
    try:
        return _preview_answer(draft_id, key, _json_body())
    except ServiceError as err:  # the script says it; a JSON answer, not the pages' error page
        return jsonify({"error": err.code, "message": localized(err.message),
                        "errors": localized_errors(err.errors)}), err.status


def _preview_answer(draft_id: int, key: str, body: dict):
    draft = drafts.get(current_user, draft_id)
    try:
        schema = draft_forms.checked_schema(body.get("schema"))
    except Invalid as err:
        return jsonify(_answer(None, [m for ms in localized_errors(err.errors).values() for m in ms]))
    example, values = _example_of(schema), None
    inputs = body.get("inputs")
    if inputs is not None:
        form = _inputs(inputs, body.get("action"))
        sanitized = _renderable(schema)
        example = _read_example(sanitized, form, example)
        values = tf.shown_values(sanitized, form)
        examples = schema.get("examples") if isinstance(schema.get("examples"), list) else []
        schema = {**schema, "examples": [example, *examples[1:]]}
    check = draft_forms.check_form(current_user, draft.id, key, schema)
    preview = _preview(schema, values if values is not None else example, check)
    answer = _answer(preview, [], check)
    if inputs is not None:
        answer["example"] = example
    return _in_order(answer)


def _json_body() -> dict:
    """The body as the API reads one (strict_input: no NaN, no text a store cannot keep, bounded nesting)."""
    try:
        body = current_app.json.loads(request.get_data(cache=False) or b"{}")
    except ValueError as err:
        raise Invalid({"_body": [str(err)[:200]]}) from None
    if not isinstance(body, dict):
        raise Invalid({"_body": [_("the request body must be a JSON object")]})
    return body


def _inputs(inputs, action) -> MultiDict:
    if not isinstance(inputs, list) or len(inputs) > MAX_INPUTS or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in inputs):
        raise Invalid({"inputs": [_("the preview's inputs: a list of [name, value] texts")]})
    form = MultiDict([tuple(p) for p in inputs])
    if isinstance(action, dict):
        for name in ("_add", "_remove"):
            if isinstance(action.get(name), str):
                form.add(name, action[name])
    return form


def _read_example(schema: dict, form: MultiDict, before: dict) -> dict:
    """The example as the preview's inputs say it (tf.read_form, as a task page reads its POST);
    the fields a page does not send (a number the system issues, a value it fills) keep the
    example's values."""
    data = tf.read_form(schema, form)
    kept = {name: before[name] for name, prop in (schema.get("properties") or {}).items()
            if name in before and (prop.get(NUMBER_MARKER) or prop.get("readOnly") is True)}
    return {**data, **kept}


def _answer(preview: dict | None, general: list, check=None) -> dict:
    if preview is None:
        return {"html": render_template("web/_form_preview.html", fields=[], unusable=general), "general": general,
                "example_count": 0, "problems": {}, "schema_error": general[0] if general else None, "count": 1}
    return {"html": preview["html"], "general": preview["general"], "example_count": preview["example_count"],
            "problems": localized_errors(check.problems) if check else {},
            "schema_error": localized(check.schema_error) if check and check.schema_error else None,
            "count": check.count if check else 0}


def _preview(schema, values: dict, check) -> dict:
    """The fields drawn by the task pages' code, the example's errors beside them; the errors no
    field shows (the form's own, a field the form does not have) listed apart."""
    if schema is None or check is None:
        return {"html": "", "general": [], "example_count": 0}
    if check.schema_error:
        said = localized(check.schema_error)
        return {"html": render_template("web/_form_preview.html", fields=[], unusable=[said]), "general": [said],
                "example_count": 0}
    errors = beside_fields(check.example_errors)
    sanitized = _renderable(schema)
    try:
        fields = tf.build_fields(sanitized, values or {}, errors, {})
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as err:
        said = _("The preview could not be drawn: %(reason)s", reason=str(err)[:200])
        return {"html": render_template("web/_form_preview.html", fields=[], unusable=[said]), "general": [said],
                "example_count": sum(map(len, errors.values()))}
    shown = set()
    _keys(fields, shown)
    full = localized_errors(check.example_errors)
    general = [m for key, ms in full.items() if key not in shown for m in ms]
    html = render_template("web/_form_preview.html", fields=fields, general=general, unusable=[])
    return {"html": html, "general": general, "example_count": sum(map(len, errors.values()))}


def _keys(fields, into: set) -> None:
    for f in fields:
        into.add(f.key)
        _keys(f.children, into)
        for row in f.rows:
            _keys(row, into)


def _compiles(pattern) -> bool:
    try:
        re.compile(pattern)
    except (re.error, TypeError, RecursionError, OverflowError):
        return False
    return True


def _renderable(schema: dict) -> dict:
    """The schema as the task pages' code can draw it: a field's schema that is not an object (a
    `true`), `items` that are not one, labels that are not a list of texts are left out of the
    drawing (the check names them; the form keeps them); a blank label shows its choice's code."""
    def node(value: dict) -> dict:
        out = dict(value)
        props = value.get("properties")
        out["properties"] = {k: node(v) for k, v in props.items() if isinstance(v, dict)} if isinstance(props, dict) else {}
        if "items" in value:
            out["items"] = node(value["items"]) if isinstance(value["items"], dict) else {}
        for labels in ("x-enum-labels", "x-enum-labels-en"):
            if labels in value and not (isinstance(value[labels], list)
                                        and all(isinstance(x, str) for x in value[labels])):
                del out[labels]
        if "enum" in value and not isinstance(value["enum"], list):
            del out["enum"]
        elif isinstance(out.get("x-enum-labels"), list):  # a label not typed yet: the choice's code, never blank
            codes = [str(v) for v in out["enum"]] if isinstance(out.get("enum"), list) else []
            out["x-enum-labels"] = [label if label.strip() or i >= len(codes) else codes[i]
                                    for i, label in enumerate(out["x-enum-labels"])]
        if not isinstance(value.get("required", []), list):
            del out["required"]
        if "pattern" in value and not _compiles(value["pattern"]):
            del out["pattern"]  # half typed ("^("): the browser would log the input's pattern as an error
        return out

    return node(schema)
