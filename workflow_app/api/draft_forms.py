"""The forms of a draft through the API (the workbench's form editor, [8/9]): list them, make one,
read one, check one as it is being edited, save one on the draft's revision
(services/procedures/draft_forms.py; a save is the draft's own, drafts.save_file)."""
import json

from flask import current_app, g, jsonify, url_for
from marshmallow import Schema, fields

from ..i18n import localized, localized_errors
from ..services.procedures import draft_forms
from . import bp
from .drafts import IF_MATCH, REVISION, DraftSchema, _etag, _revision
from .openapi import operation
from .routes import json_body
from .schemas import Length, Range

KEY = {"key": {"type": "string", "pattern": "^[a-z][a-z0-9_]{1,63}$", "description": "the form's key (its file "
               "forms/<procedure>/<key>.schema.json)"}}


class FormStepSchema(Schema):
    bpmn_id = fields.String()
    name = fields.String()
    file = fields.String()


class DraftFormInfoSchema(Schema):
    key = fields.String()
    path = fields.String()
    shared = fields.Boolean(metadata={"description": "a form of forms/shared/ the package carries"})
    title = fields.String(allow_none=True)
    title_en = fields.String(allow_none=True)
    steps = fields.List(fields.Nested(FormStepSchema), metadata={"description": "the steps that name it (formKey)"})
    error = fields.Function(lambda f: localized(f.error) if f.error else None, metadata={
        "description": "why the file is not a form (not JSON, not an object)"})


class DraftFormListSchema(Schema):
    draft_id = fields.Integer()
    revision = fields.Integer()
    items = fields.List(fields.Nested(DraftFormInfoSchema))


class DraftFormSchema(DraftFormInfoSchema):
    draft_id = fields.Integer()
    revision = fields.Integer()
    schema = fields.Dict(allow_none=True, metadata={"description": "the JSON Schema, when the file is a JSON object"})


class DraftFormCreateSchema(Schema):
    key = fields.String(required=True, validate=Length(1, 64), metadata={
        "description": "2 to 64 lower-case letters, digits and _, starting with a letter"})
    title = fields.String(required=True, validate=Length(1, draft_forms.MAX_TITLE), metadata={
        "description": "its name (Chinese)"})
    revision = fields.Integer(strict=True, validate=Range(1, 2**31 - 1), metadata={"description": REVISION["revision"]})


class DraftFormSaveSchema(Schema):
    schema = fields.Raw(required=True, metadata={"description": "the whole form: a JSON object (a JSON Schema)"})
    revision = fields.Integer(strict=True, validate=Range(1, 2**31 - 1), metadata={"description": REVISION["revision"]})


class DraftFormCheckSchema(Schema):
    schema = fields.Raw(required=True, metadata={"description": "the form as it is being edited"})


class DraftFormCheckResultSchema(Schema):
    schema_error = fields.String(allow_none=True, metadata={
        "description": "the form is not a JSON Schema (nothing else is checked then)"})
    example_errors = fields.Dict(metadata={"description": "field path -> what is wrong with the example there"})
    problems = fields.Dict(metadata={"description": "field name (`_form`: the form's own) -> the form's problems"})
    count = fields.Integer()


def _form(draft, form, status: int = 200, headers: dict | None = None):
    """The form, its schema in its own key order: the order of its fields (jsonify would sort them)."""
    body = DraftFormSchema().dump(form)
    body.update(draft_id=draft.id, revision=draft.revision)
    return current_app.response_class(json.dumps(body, ensure_ascii=False), status=status,
                                      mimetype="application/json", headers={**_etag(draft), **(headers or {})})


@bp.get("/drafts/<id:draft_id>/forms")
@operation("The forms of a draft's package (its own and the shared ones it carries), each with the steps that "
           "name it", response=DraftFormListSchema, tag="procedures")
def list_draft_forms(draft_id: int):
    draft, forms = draft_forms.list_forms(g.user, draft_id)
    body = DraftFormListSchema().dump({"draft_id": draft.id, "revision": draft.revision, "items": forms})
    return jsonify(body), 200, _etag(draft)


@bp.post("/drafts/<id:draft_id>/forms")
@operation("Make a new form in your draft (forms/<procedure>/<key>.schema.json: its title, no field yet, an empty "
           "example) on the revision you read", body=DraftFormCreateSchema, response=DraftFormSchema,
           tag="procedures", headers=IF_MATCH, location="the form",
           errors={"412": "the draft changed since the revision you name"})
def create_draft_form(draft_id: int):
    payload = json_body(DraftFormCreateSchema())
    draft_forms.create_form(g.user, draft_id, payload["key"], payload["title"], _revision(payload))
    draft, form = draft_forms.read_form(g.user, draft_id, payload["key"])
    return _form(draft, form, 201, {"Location": url_for("api.get_draft_form", draft_id=draft.id, key=form.key)})


@bp.get("/drafts/<id:draft_id>/forms/<key>")
@operation("One form of a draft: its JSON Schema, in the file's order (its fields' order), or null when the file is "
           "not a JSON object (`error` says why)",
           response=DraftFormSchema, tag="procedures", path_params=KEY)
def get_draft_form(draft_id: int, key: str):
    draft, form = draft_forms.read_form(g.user, draft_id, key)
    return _form(draft, form)


@bp.put("/drafts/<id:draft_id>/forms/<key>")
@operation("Save one form of your draft on the revision you read (written as the repository's forms are: two "
           "spaces, Chinese as it is); saved even with problems, which the draft's problems list. A draft changed "
           "since is a 412 with its revision, nothing saved", body=DraftFormSaveSchema, response=DraftSchema,
           tag="procedures", headers=IF_MATCH, path_params=KEY,
           errors={"412": "the draft changed since the revision you name"})
def save_draft_form(draft_id: int, key: str):
    payload = json_body(DraftFormSaveSchema())
    draft = draft_forms.save_form(g.user, draft_id, key, payload["schema"], _revision(payload))
    return jsonify(DraftSchema().dump(draft)), 200, _etag(draft)


@bp.post("/drafts/<id:draft_id>/forms/<key>/check")
@operation("Check a form as it is being edited, nothing saved: its example against it (the words of a step's "
           "422), and the form's problems by field (prefill sources and number markers as the deploy checks them, "
           "a Chinese label for every choice, roles that exist, one example)", body=DraftFormCheckSchema,
           response=DraftFormCheckResultSchema, tag="procedures", path_params=KEY, omit=("409",))
def check_draft_form(draft_id: int, key: str):
    payload = json_body(DraftFormCheckSchema())
    check = draft_forms.check_form(g.user, draft_id, key, payload["schema"])
    return jsonify(DraftFormCheckResultSchema().dump({
        "schema_error": localized(check.schema_error) if check.schema_error else None,
        "example_errors": localized_errors(check.example_errors), "problems": localized_errors(check.problems),
        "count": check.count}))
