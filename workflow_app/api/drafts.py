"""The BPMN author's workbench through the API: drafts of procedure packages, their files, their
problems, and their publication by a second person (services/procedures/drafts.py)."""
import base64
import binascii
import re

from flask import current_app, g, jsonify, request, url_for
from marshmallow import Schema, fields

from ..i18n import localized, localized_details
from ..services.cases import document_previews, documents, draft_runs
from ..services.errors import Invalid, PreconditionFailed, tr
from ..services.procedures import catalogue, draft_bindings, draft_documents, drafts, property_checks
from ..services.procedures.document_manifest import KIND
from . import bp
from .openapi import operation
from .routes import json_body
from .schemas import Length, LocalDateTime, OneOf, ProcedureVersionSchema, Range

REVISION = {"revision": "the draft's revision your change was made on (or If-Match: the draft's ETag)"}
IF_MATCH = {"If-Match": "the draft's ETag as GET /drafts/{id} gave it (\"draft-r3\"), or `revision`"}
_ETAG = re.compile(r'^\s*"draft-r(\d{1,10})"\s*$')
_TYPES = {".bpmn": "application/xml", ".dmn": "application/xml", ".json": "application/json",
          ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


class DraftFileInfoSchema(Schema):
    path = fields.String()
    sha256 = fields.String()
    size = fields.Integer()


class DraftSummarySchema(Schema):
    """A draft as a list shows it: everything but its files."""

    id = fields.Integer()
    process_id = fields.String(metadata={"description": "the procedure it deploys as"})
    title = fields.String()
    status = fields.String(metadata={"description": "editing, submitted (awaiting approval), published, discarded"})
    status_label = fields.Function(lambda d: str(drafts.status_words(d.status)))
    revision = fields.Integer(metadata={"description": "changes with every save; name it when you change the draft"})
    owner = fields.Function(lambda d: d.owner.username)
    base_version_id = fields.Integer(allow_none=True)
    created_at = LocalDateTime()
    updated_at = LocalDateTime()
    submitted_at = LocalDateTime(allow_none=True)
    note = fields.String(allow_none=True, metadata={"description": "the owner's words when asking to publish"})
    reviewed_by = fields.Function(lambda d: d.reviewed_by.username if d.reviewed_by else None)
    review_reason = fields.String(allow_none=True, metadata={"description": "why the draft was returned"})
    published_version_id = fields.Integer(allow_none=True)


class DraftSchema(DraftSummarySchema):
    files = fields.Function(lambda d: DraftFileInfoSchema(many=True).dump(drafts.files_of(d)))


class DraftListSchema(Schema):
    items = fields.List(fields.Nested(DraftSummarySchema))


class DraftCreateSchema(Schema):
    from_version_id = fields.Integer(strict=True, validate=Range(1, 2**31 - 1), metadata={
        "description": "a deployed version whose package the draft copies"})
    process_id = fields.String(validate=Length(2, 64), metadata={
        "description": "a new procedure's id (lower-case letters, digits, _), without from_version_id"})
    title = fields.String(validate=Length(1, drafts.MAX_TITLE), metadata={"description": "its name (名称)"})


class DraftFileSchema(Schema):
    path = fields.String(required=True, validate=Length(1, 300), metadata={
        "description": "the file's path in the package's layout: bpmn/<id>/<id>.bpmn, forms/<id>/<key>.schema.json, "
                       "bpmn/<id>/rules.json, bpmn/<id>/documents/….docx"})
    content = fields.String(required=True, metadata={"description": "the whole file: its text, or base64"})
    encoding = fields.String(load_default="utf-8", validate=OneOf(["utf-8", "base64"]), metadata={
        "description": "utf-8 (the text as is) or base64 (a Word template)"})
    revision = fields.Integer(strict=True, validate=Range(1, 2**31 - 1), metadata={"description": REVISION["revision"]})


class DraftActionSchema(Schema):
    revision = fields.Integer(strict=True, validate=Range(1, 2**31 - 1), metadata={"description": REVISION["revision"]})
    note = fields.String(validate=Length(0, drafts.MAX_REASON), metadata={
        "description": "submit: what changed and why, for the approver"})
    reason = fields.String(validate=Length(1, drafts.MAX_REASON), metadata={"description": "return: why (required)"})


class DraftProblemSchema(Schema):
    message = fields.String()
    element_id = fields.String(allow_none=True, metadata={"description": "the BPMN element it concerns"})
    file = fields.String(allow_none=True)
    line = fields.Integer(allow_none=True)


class DraftProblemsSchema(Schema):
    draft_id = fields.Integer()
    revision = fields.Integer()
    problems = fields.List(fields.Nested(DraftProblemSchema))
    problem_count = fields.Integer(metadata={"description": "all of them; `problems` holds the first"})


def _etag(draft) -> dict:
    return {"ETag": f'"draft-r{draft.revision}"'}


def _revision(body: dict | None = None) -> int | None:
    """The revision the change was made on: If-Match (our ETag) or the body's/query's `revision`."""
    value = request.headers.get("If-Match")
    if value is not None:
        found = _ETAG.match(value)
        if found is None:
            raise PreconditionFailed(tr("If-Match must be the draft's ETag, e.g. \"draft-r3\""))
        return int(found[1])
    if body is not None and body.get("revision") is not None:
        return body["revision"]
    raw = request.args.get("revision")
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 10:
        raise Invalid({"revision": [tr("a whole number")]})
    return int(raw)


def _path_arg() -> str:
    path = request.args.get("path")
    if not path:
        raise Invalid({"path": [tr("name the file: ?path=bpmn/<id>/<id>.bpmn")]})
    return path


@bp.get("/drafts")
@operation("Drafts of procedure packages (the workbench), newest change first: authors, approvers and "
           "administrators; `status` lists those of one status (discarded ones only so)",
           response=DraftListSchema, tag="procedures",
           params={"status": ("editing, submitted, published or discarded",
                              {"type": "string", "enum": list(drafts.STATUSES)})})
def list_drafts():
    found = drafts.list_drafts(g.user, status=request.args.get("status"))
    return jsonify(DraftListSchema().dump({"items": found}))


@bp.post("/drafts")
@operation("A new draft: of a deployed version's package (`from_version_id`), or of a new procedure "
           "(`process_id`, `title`: one lane of officers, one step with its form, to build on). The author "
           "owns it; it runs nowhere until a second person approves it. Traced on the procedure's chain",
           body=DraftCreateSchema, response=DraftSchema, tag="procedures", location="the draft")
def create_draft():
    payload = json_body(DraftCreateSchema())
    if payload.get("from_version_id") is None and payload.get("process_id") is None:
        raise Invalid({"process_id": [tr("give from_version_id, or a new procedure's process_id and title")]})
    draft = drafts.create(g.user, from_version_id=payload.get("from_version_id"),
                          process_id=payload.get("process_id"), title=payload.get("title"))
    return jsonify(DraftSchema().dump(draft)), 201, {**_etag(draft), "Location": url_for("api.get_draft", draft_id=draft.id)}


@bp.get("/drafts/<id:draft_id>")
@operation("One draft with its files; its ETag names its revision (send it as If-Match with a change)",
           response=DraftSchema, tag="procedures")
def get_draft(draft_id: int):
    draft = drafts.get(g.user, draft_id)
    return jsonify(DraftSchema().dump(draft)), 200, _etag(draft)


@bp.get("/drafts/<id:draft_id>/file")
@operation("One file of a draft, byte for byte (?path=)", tag="procedures", produces="application/octet-stream",
           params={"path": "the file's path in the package's layout"})
def get_draft_file(draft_id: int):
    draft, content = drafts.read_file(g.user, draft_id, _path_arg())
    suffix = next((s for s in _TYPES if request.args["path"].endswith(s)), None)
    return current_app.response_class(content, mimetype=_TYPES.get(suffix, "application/octet-stream"),
                                      headers={**_etag(draft), "X-Content-Type-Options": "nosniff"})


@bp.put("/drafts/<id:draft_id>/file")
@operation("Save one file of your draft (new or replaced) on the revision you read: a draft changed since "
           "is a 412 with its revision, nothing saved", body=DraftFileSchema, response=DraftSchema,
           tag="procedures", headers=IF_MATCH, errors={"412": "the draft changed since the revision you name"})
def save_draft_file(draft_id: int):
    payload = json_body(DraftFileSchema())
    if payload["encoding"] == "base64":
        try:
            content = base64.b64decode(payload["content"], validate=True)
        except (binascii.Error, ValueError):
            raise Invalid({"content": [tr("not base64")]}) from None
    else:
        content = payload["content"].encode("utf-8")
    draft = drafts.save_file(g.user, draft_id, payload["path"], content, _revision(payload))
    return jsonify(DraftSchema().dump(draft)), 200, _etag(draft)


@bp.delete("/drafts/<id:draft_id>/file")
@operation("Remove one file of your draft (?path=; not the procedure's own diagram)", response=DraftSchema,
           tag="procedures", headers=IF_MATCH, params={"path": "the file's path", **REVISION},
           errors={"412": "the draft changed since the revision you name"})
def delete_draft_file(draft_id: int):
    draft = drafts.delete_file(g.user, draft_id, _path_arg(), _revision())
    return jsonify(DraftSchema().dump(draft)), 200, _etag(draft)


@bp.get("/drafts/<id:draft_id>/problems")
@operation("What the deploy would refuse in the draft as it stands (the deploy's own checks and messages), each "
           "with the BPMN element, file and line it concerns", response=DraftProblemsSchema, tag="procedures")
def draft_problems(draft_id: int):
    draft, found, count = drafts.problems(g.user, draft_id)
    found = [{**p, "message": localized(p["message"])} for p in found]  # in the request's language
    body = DraftProblemsSchema().dump({"draft_id": draft.id, "revision": draft.revision, "problems": found,
                                       "problem_count": count})
    return jsonify(body), 200, _etag(draft)


class DraftCatalogueSchema(Schema):
    draft_id = fields.Integer()
    revision = fields.Integer()
    rules_path = fields.String(metadata={"description": "the draft's rule bindings file (bpmn/<id>/rules.json)"})
    forms = fields.Dict(metadata={"description": "form key -> {path, shared, title, title_en, fields: [{ref (<form key>."
                                                "<field>, rows' fields through *), title, title_en, type, format, enum (a "
                                                "list's: its items'), enum_labels and enum_labels_en (in enum's "
                                                "order)}]}"})
    rule_kinds = fields.List(fields.Dict(), metadata={
        "description": "the law's rule kinds a package may bind: name, code, article, doc (English) and doc_zh (what "
                       "it checks), effect, title {zh, en}, group (a name of rule_groups), params [{name, kind, types, "
                       "format, optional, doc and doc_zh (what it names), default, enum_of}]"})
    rule_groups = fields.List(fields.Dict(), metadata={
        "description": "the families of rule kinds, in the order to list them: name, title {zh, en}"})
    roles = fields.List(fields.Dict(), metadata={"description": "the roles a lane may be: code, lane (its name in BPMN)"})
    alerts = fields.List(fields.Dict(), metadata={"description": "the alert catalogue: code, zh, en, basis"})


@bp.get("/drafts/<id:draft_id>/catalogue")
@operation("What the workbench's properties panel offers for the draft: its forms and their fields, the rule kinds "
           "with their parameters and articles, the lane roles, the alert codes a deadline may raise",
           response=DraftCatalogueSchema, tag="procedures")
def draft_catalogue(draft_id: int):
    return jsonify(DraftCatalogueSchema().dump(catalogue.catalogue(g.user, draft_id)))


class DeadlineCheckSchema(Schema):
    element_id = fields.String(required=True, validate=Length(1, property_checks.MAX_TEXT), metadata={
        "description": "the BPMN element the deadline is on"})
    deadline = fields.String(load_default="", validate=Length(0, property_checks.MAX_TEXT), metadata={
        "description": "the deadline property's text ('15 working days from clue_intake.received_on'); empty: "
                       "only the anchors and limits offered"})
    bpmn = fields.String(validate=Length(1), metadata={
        "description": "the procedure's diagram as the author's screen holds it (unsaved changes); the saved one when "
                       "left out"})


class DeadlineAnchorSchema(Schema):
    anchor = fields.String(metadata={"description": "<task id>.<field>, milestone.<code> or task.ready"})
    kind = fields.String(metadata={"description": "form, milestone or task"})
    format = fields.String(allow_none=True, metadata={"description": "a form field's format: date or date-time"})
    words = fields.String(metadata={"description": "the anchor as the procedure page names it"})


class DeadlineCheckAnswerSchema(Schema):
    element_id = fields.String()
    anchors = fields.List(fields.Nested(DeadlineAnchorSchema), metadata={
        "description": "what the deadline may run from: the dates of the forms of the steps before the element, the "
                       "milestones declared before it, the step becoming ready"})
    limits = fields.List(fields.Dict(), metadata={
        "description": "the limits the package's clock declares (extendable as <limit>): limit, words"})
    text = fields.String()
    parsed = fields.Dict(allow_none=True, metadata={
        "description": "amount, unit (working_days, calendar_days, hours), anchor, anchor_words (as the procedure page "
                       "names it), excluding_periods, extendable_as"})
    words = fields.String(allow_none=True, metadata={"description": "the deadline as the procedure page says it"})
    problems = fields.List(fields.String(), metadata={"description": "what the deploy would refuse in it"})


class TimerCheckSchema(Schema):
    kind = fields.String(required=True, validate=OneOf(list(property_checks.TIMER_TAGS)), metadata={
        "description": "date (timeDate), duration (timeDuration) or cycle (timeCycle)"})
    value = fields.String(required=True, validate=Length(0, property_checks.MAX_TEXT), metadata={
        "description": 'the timer\'s expression as the BPMN writes it: a quoted ISO 8601 text ("P5D"), or one over '
                       "the case's data"})


class TimerCheckAnswerSchema(Schema):
    kind = fields.String()
    value = fields.String()
    max_days = fields.Integer(metadata={"description": "how far ahead a timer may point"})
    problems = fields.List(fields.String(), metadata={"description": "what the deploy would refuse in it"})


@bp.post("/drafts/<id:draft_id>/deadline-check")
@operation("A step's deadline read back as the procedure page will say it, with what it may run from (the dates of "
           "the steps before it, the milestones, the step becoming ready), the limits it may be extended as, and what "
           "the deploy would refuse in it; on the diagram as the author's screen holds it. Nothing is stored",
           body=DeadlineCheckSchema, response=DeadlineCheckAnswerSchema, tag="procedures", omit=("409",))
def check_draft_deadline(draft_id: int):
    payload = json_body(DeadlineCheckSchema())
    bpmn = payload.get("bpmn")
    answer = property_checks.deadline(g.user, draft_id, payload["element_id"], payload["deadline"],
                                      bpmn.encode("utf-8", "surrogatepass") if bpmn is not None else None)
    return jsonify(DeadlineCheckAnswerSchema().dump(localized_details(answer)))


@bp.post("/drafts/<id:draft_id>/timer-check")
@operation("A timer's value checked as the deploy checks it (the engine's limits; a repeating timer is refused). "
           "Nothing is stored", body=TimerCheckSchema, response=TimerCheckAnswerSchema, tag="procedures",
           omit=("409",))
def check_draft_timer(draft_id: int):
    payload = json_body(TimerCheckSchema())
    answer = property_checks.timer(g.user, draft_id, payload["kind"], payload["value"])
    return jsonify(TimerCheckAnswerSchema().dump(localized_details(answer)))


class DraftRulesCheckSchema(Schema):
    content = fields.String(required=True, metadata={
        "description": "the text of the draft's rules.json as the workbench holds it (not yet saved)"})


class DraftRuleProblemSchema(Schema):
    message = fields.String()
    rule = fields.Integer(allow_none=True, metadata={
        "description": "the index in `rules` of the binding it concerns; null: the file's other parts"})
    param = fields.String(allow_none=True, metadata={"description": "the binding's parameter it concerns"})


class DraftRulesCheckedSchema(Schema):
    draft_id = fields.Integer()
    revision = fields.Integer()
    problems = fields.List(fields.Nested(DraftRuleProblemSchema))
    problem_count = fields.Integer()


@bp.post("/drafts/<id:draft_id>/rules/check")
@operation("The deploy's check of a draft's rule bindings as given (the rules.json the workbench holds, before it "
           "is saved), against the draft's forms: the deploy's own messages, each with the binding it concerns. "
           "Nothing is saved", body=DraftRulesCheckSchema, response=DraftRulesCheckedSchema, tag="procedures")
def check_draft_rules(draft_id: int):
    payload = json_body(DraftRulesCheckSchema())
    found = draft_bindings.check(g.user, draft_id, payload["content"])
    found["problems"] = [{**p, "message": localized(p["message"])} for p in found["problems"]]  # the reader's language
    return jsonify(DraftRulesCheckedSchema().dump(found))


def _action(call):
    payload = json_body(DraftActionSchema(), empty_ok=True)
    draft = call(payload)
    return jsonify(DraftSchema().dump(draft)), 200, _etag(draft)


@bp.post("/drafts/<id:draft_id>/submit")
@operation("Ask for your draft to be published (申请发布): only a draft without problems; it is then frozen until "
           "an approver answers", body=DraftActionSchema, response=DraftSchema, tag="procedures", headers=IF_MATCH,
           errors={"412": "the draft changed since the revision you name"})
def submit_draft(draft_id: int):
    return _action(lambda p: drafts.submit(g.user, draft_id, _revision(p), p.get("note")))


@bp.post("/drafts/<id:draft_id>/approve")
@operation("Approve a submitted draft (审批发布): a procedure approver other than its owner; it is deployed as the "
           "procedure's next version in the same transaction (`published_version_id`)", body=DraftActionSchema,
           response=DraftSchema, tag="procedures", headers=IF_MATCH,
           errors={"412": "the draft changed since the revision you name"})
def approve_draft(draft_id: int):
    payload = json_body(DraftActionSchema(), empty_ok=True)
    draft, version = drafts.approve(g.user, draft_id, _revision(payload))
    body = DraftSchema().dump(draft)
    body["published_version"] = ProcedureVersionSchema().dump(version)
    return jsonify(body), 200, _etag(draft)


@bp.post("/drafts/<id:draft_id>/return")
@operation("Return a submitted draft to its owner with the reason (退回): a procedure approver other than its "
           "owner; the draft can be edited again", body=DraftActionSchema, response=DraftSchema, tag="procedures",
           headers=IF_MATCH, errors={"412": "the draft changed since the revision you name"})
def return_draft(draft_id: int):
    return _action(lambda p: drafts.return_draft(g.user, draft_id, _revision(p), p.get("reason")))


@bp.post("/drafts/<id:draft_id>/discard")
@operation("Discard your draft (it stays on the procedure's chain and in the list of discarded drafts)",
           body=DraftActionSchema, response=DraftSchema, tag="procedures", headers=IF_MATCH,
           errors={"412": "the draft changed since the revision you name"})
def discard_draft(draft_id: int):
    return _action(lambda p: drafts.discard(g.user, draft_id, _revision(p)))


class DraftDiffSchema(Schema):
    added = fields.List(fields.String())
    removed = fields.List(fields.String())
    changed = fields.List(fields.Dict(), metadata={"description": "{id, fields: {field: [old, new]}}"})


class DraftCompareSchema(Schema):
    draft_id = fields.Integer()
    revision = fields.Integer()
    base_version_id = fields.Integer(allow_none=True, metadata={"description": "the version compared with"})
    base_version = fields.Integer(allow_none=True)
    steps = fields.Nested(DraftDiffSchema, metadata={
        "description": "steps by BPMN id: people's steps and the elements that mark a milestone or wait for a "
                       "message; a changed one's fields: name, lane (the role), form_key, deadline, milestone, "
                       "status, status_label, closes, legal_review, overdue_alert, due_soon_alert, message, request"})
    flows = fields.Nested(DraftDiffSchema, metadata={"description": "sequence flows by id (source, target, condition)"})
    lanes = fields.Nested(DraftDiffSchema, metadata={
        "description": "lanes of the procedure's diagram by id: their name and the role it stands for (null: none)"})
    forms = fields.Nested(DraftDiffSchema, metadata={
        "description": "forms by key; a changed one: {id, fields: {title: [old, new]}, properties: {added, removed, "
                       "changed} (its fields), field_titles {name: {zh, en}}, other (the other parts that differ: "
                       "required, examples…)}"})
    rules = fields.Nested(DraftDiffSchema, metadata={
        "description": "rule bindings by kind (by kind and forms where a kind is bound more than once); a changed "
                       "one's differing keys (on, params…) as [old, new]"})
    step_details = fields.Dict(metadata={
        "description": "{before: {id: step}, after: {id: step}}: each step removed or changed as it was, each added or "
                       "changed as it is: its compared fields, human, called_by (the call activities that run a step "
                       "of a called process) and deadline_words {zh, en}"})
    flow_details = fields.Dict(metadata={
        "description": "{before, after}: each flow removed or changed as it was, added or changed as it is (source, "
                       "target, condition)"})
    lane_details = fields.Dict(metadata={
        "description": "{before, after}: each lane removed or changed as it was, added or changed as it is (name, role)"})
    step_names = fields.Dict(metadata={"description": "BPMN id -> its name (steps, gateways, events, lanes), of both"})
    form_titles = fields.Dict(metadata={"description": "form key -> its title {zh, en}, of both"})
    rule_kinds = fields.Dict(metadata={
        "description": "rule binding key (of `rules`) -> its kind, the alert code and the article of the law"})
    documents = fields.Nested(DraftDiffSchema, metadata={
        "description": "the documents of documents.json by kind; a changed one's fields (title, template, step, when, "
                       "filled_in_by) as [old, new], and template_content [null, \"changed\"] when its Word template "
                       "file itself differs"})
    document_titles = fields.Dict(metadata={"description": "document kind -> {before, after}: its title in each"})
    rule_sections = fields.Nested(DraftDiffSchema, metadata={
        "description": "the parts of rules.json other than the bindings (clock, act_dates, milestone_dates…) by name; "
                       "a changed one's differing keys as [old, new]"})
    files = fields.Nested(DraftDiffSchema, metadata={
        "description": "the package's other files by path (decision tables, called processes' diagrams, templates no "
                       "document uses): added, removed, and changed (content: [old sha256, new sha256])"})
    cases = fields.Dict(metadata={"description": "running cases in your scope: could_move (count), blocked "
                                                "(the first 50: case_id, number, missing_steps), blocked_count"})


@bp.get("/drafts/<id:draft_id>/compare")
@operation("The draft against the version it would follow (its base, else the procedure's latest): steps, flows, "
           "lanes (roles), forms, rule bindings, documents and the package's other files added, removed or changed, with each step's details before and after, "
           "and which running cases in your scope could move to it (their ready steps all in the draft) and what keeps "
           "the others; a draft with problems is a 422",
           response=DraftCompareSchema, tag="procedures")
def compare_draft(draft_id: int):
    return jsonify(DraftCompareSchema().dump(drafts.compare(g.user, draft_id)))


# -- the draft's test run ---------------------------------------------------------------------------
class TestRunStartSchema(Schema):
    department = fields.String(required=True, validate=Length(1, 64), metadata={
        "description": "the department the run is in: its registers, powers and settings are what the rules read"})
    party = fields.Dict(metadata={"description": "{name, kind: person|organization}; a sample organization if left out"})


class TestRunStepSchema(Schema):
    engine_task_id = fields.String(required=True, validate=Length(1, 100), metadata={
        "description": "a ready step of the run (its `ready` list)"})
    data = fields.Dict(required=True, metadata={"description": "the step's form, e.g. its `example`"})


class TestRunSchema(Schema):
    draft_id = fields.Integer()
    draft_revision = fields.Integer()
    revision = fields.Integer(metadata={"description": "the draft's revision the run began on"})
    stale = fields.Boolean(metadata={"description": "the draft changed since: start the run again"})
    department = fields.String()
    party = fields.Dict()
    started_at = fields.String()
    started_by = fields.String()
    completed = fields.Boolean(metadata={"description": "the process ended"})
    steps = fields.List(fields.Dict(), metadata={
        "description": "done, in order: bpmn_id, name, form_key, data, at, by, alerts (the rule kinds that would "
                       "raise an oversight alert: code, article, message, message_en), due_at"})
    milestones = fields.List(fields.Dict())
    decisions = fields.List(fields.Dict(), metadata={
        "description": "the decision tables its business rule tasks evaluated, in order: bpmn_id, task, decision, name, "
                       "outputs, labels, at"})
    ready = fields.List(fields.Dict(), metadata={
        "description": "ready steps: engine_task_id, bpmn_id, name, lane, form_key, example, deadline, "
                       "deadline_words {zh, en}, due_at, ready_at"})


@bp.post("/drafts/<id:draft_id>/test-run")
@operation("Start a test run of your draft (试运行): its procedure as a sandbox case in a department, on the "
           "engine, forms, rule kinds and deadlines of a real case; no case, number or trace event is made. An "
           "earlier run is replaced; a draft with problems is a 422", body=TestRunStartSchema,
           response=TestRunSchema, tag="procedures")
def start_test_run(draft_id: int):
    payload = json_body(TestRunStartSchema())
    run = draft_runs.start(g.user, draft_id, payload["department"], payload.get("party"))
    return jsonify(TestRunSchema().dump(run)), 201, {"Location": url_for("api.get_test_run", draft_id=draft_id)}


@bp.get("/drafts/<id:draft_id>/test-run")
@operation("The draft's test run: its steps done, the alerts they would raise, the ready steps with their "
           "deadlines", response=TestRunSchema, tag="procedures")
def get_test_run(draft_id: int):
    return jsonify(TestRunSchema().dump(draft_runs.get_run(g.user, draft_id)))


@bp.post("/drafts/<id:draft_id>/test-run/steps")
@operation("Do one ready step of the test run: the form checked (422 naming its fields), the rule kinds the "
           "package binds to it (a refusal of the law, with its article, leaves the run unchanged), then the engine",
           body=TestRunStepSchema, response=TestRunSchema, tag="procedures")
def test_run_step(draft_id: int):
    payload = json_body(TestRunStepSchema())
    return jsonify(TestRunSchema().dump(draft_runs.complete(g.user, draft_id, payload["engine_task_id"],
                                                            payload["data"])))


@bp.delete("/drafts/<id:draft_id>/test-run")
@operation("End the draft's test run (nothing of it is kept)", tag="procedures")
def discard_test_run(draft_id: int):
    draft_runs.discard(g.user, draft_id)
    return "", 204


# -- the draft's Word documents ------------------------------------------------------------------------
class DraftStepSchema(Schema):
    id = fields.String()
    name = fields.String()
    form_key = fields.String(allow_none=True)


class DraftDocumentSchema(Schema):
    kind = fields.String()
    title = fields.String()
    template = fields.String(metadata={"description": "as the list writes it (decision.docx, shared/<name>.docx)"})
    path = fields.String(metadata={"description": "the template's file of the draft (GET /drafts/{id}/file?path=)"})
    steps = fields.List(fields.Nested(DraftStepSchema), metadata={"description": "the steps it comes from"})
    filled_in_by = fields.List(fields.Nested(DraftStepSchema), metadata={"description": "the later steps filling it in"})
    size = fields.Integer(allow_none=True, metadata={"description": "null: the template is not in the draft"})
    sha256 = fields.String(allow_none=True)
    links = fields.Function(lambda d: {fmt: f"preview.{fmt}" for fmt in ("html", "docx")})


class DraftDocumentsSchema(Schema):
    draft_id = fields.Function(lambda d: d.draft.id)
    revision = fields.Function(lambda d: d.draft.revision)
    manifest_path = fields.String()
    documents = fields.List(fields.Nested(DraftDocumentSchema))
    unlisted = fields.List(fields.Nested(DraftFileInfoSchema), metadata={
        "description": "templates of the procedure's documents folder no entry of the list names"})
    steps = fields.List(fields.Nested(DraftStepSchema), metadata={"description": "the draft's people's steps"})
    problems = fields.Function(lambda d: [localized(p) for p in d.problems], metadata={
        "description": "what is wrong with the list's shape"})


class DraftDocumentCreateSchema(Schema):
    kind = fields.String(required=True, validate=Length(1, 64), metadata={
        "description": "its name in addresses (a-z, 0-9, _); the template is saved as documents/<kind>.docx"})
    title = fields.String(required=True, validate=Length(1, 100))
    step = fields.Raw(required=True, metadata={"description": "the bpmn id of the step it comes from, or a list"})
    filled_in_by = fields.List(fields.String(validate=Length(1, 100)), load_default=list, validate=Length(0, 50))
    content = fields.String(required=True, metadata={"description": "the Word template (.docx), base64"})
    revision = fields.Integer(strict=True, validate=Range(1, 2**31 - 1), metadata={"description": REVISION["revision"]})


@bp.get("/drafts/<id:draft_id>/documents")
@operation("The draft's Word documents as its list (documents.json) declares them: title, the step that makes each, "
           "the steps that fill it in, its template; the templates no entry names; the draft's steps",
           response=DraftDocumentsSchema, tag="procedures")
def draft_documents_list(draft_id: int):
    found = draft_documents.documents(g.user, draft_id)
    return jsonify(DraftDocumentsSchema().dump(found)), 200, _etag(found.draft)


@bp.post("/drafts/<id:draft_id>/documents")
@operation("A new document of your draft: its Word template (base64, saved as documents/<kind>.docx) and its entry "
           "in the list, saved together on the revision you read; the template is checked first (every field it "
           "names a field of its form: 422 naming each problem and its place)", body=DraftDocumentCreateSchema,
           response=DraftSchema, tag="procedures", headers=IF_MATCH, location="the draft",
           errors={"412": "the draft changed since the revision you name"})
def draft_documents_add(draft_id: int):
    payload = json_body(DraftDocumentCreateSchema())
    try:
        content = base64.b64decode(payload["content"], validate=True)
    except (binascii.Error, ValueError):
        raise Invalid({"content": [tr("not base64")]}) from None
    draft = draft_documents.add_document(g.user, draft_id, _revision(payload), kind=payload["kind"],
                                         title=payload["title"], steps=payload["step"],
                                         filled_in_by=payload["filled_in_by"], content=content)
    return jsonify(DraftSchema().dump(draft)), 201, {**_etag(draft), "Location": url_for(
        "api.draft_documents_list", draft_id=draft.id)}


PREVIEW_KIND = {"kind": {"type": "string", "pattern": KIND.pattern,
                         "description": "a document of the draft's list (documents.json), e.g. penalty_decision"}}


class DraftDocumentChangeSchema(Schema):
    title = fields.String(required=True, validate=Length(1, 100))
    step = fields.Raw(required=True, metadata={"description": "the bpmn id of the step it comes from, or a list"})
    filled_in_by = fields.List(fields.String(validate=Length(1, 100)), load_default=list, validate=Length(0, 50))
    revision = fields.Integer(strict=True, validate=Range(1, 2**31 - 1), metadata={"description": REVISION["revision"]})


@bp.put("/drafts/<id:draft_id>/documents/<kind>")
@operation("Change a document's entry in your draft's list: its title, the steps it comes from and those that fill "
           "it in (its template and condition kept), on the revision you read", body=DraftDocumentChangeSchema,
           response=DraftSchema, tag="procedures", headers=IF_MATCH, path_params=PREVIEW_KIND,
           errors={"412": "the draft changed since the revision you name"})
def draft_document_change(draft_id: int, kind: str):
    payload = json_body(DraftDocumentChangeSchema())
    draft = draft_documents.change_document(g.user, draft_id, _revision(payload), kind, title=payload["title"],
                                            steps=payload["step"], filled_in_by=payload["filled_in_by"])
    return jsonify(DraftSchema().dump(draft)), 200, _etag(draft)


@bp.delete("/drafts/<id:draft_id>/documents/<kind>")
@operation("Take a document out of your draft's list, with its template when it is the procedure's own and no other "
           "document uses it (a shared template stays), on the revision you read", response=DraftSchema,
           tag="procedures", headers=IF_MATCH, path_params=PREVIEW_KIND, params=REVISION,
           errors={"412": "the draft changed since the revision you name"})
def draft_document_remove(draft_id: int, kind: str):
    draft = draft_documents.remove_document(g.user, draft_id, _revision(), kind)
    return jsonify(DraftSchema().dump(draft)), 200, _etag(draft)


@bp.get("/drafts/<id:draft_id>/documents/<kind>/preview.docx")
@operation("The draft's document filled from its forms' examples, with sample case, party, authority and officers "
           "marked （样例）, by the renderer of a case's documents, as .docx; nothing is stored, numbered or traced",
           tag="procedures", path_params=PREVIEW_KIND, produces=documents.FORMATS["docx"])
def draft_document_preview_docx(draft_id: int, kind: str):
    return _preview(draft_id, kind, "docx")


@bp.get("/drafts/<id:draft_id>/documents/<kind>/preview.html")
@operation("The same preview as its print page (the filled .docx read back, as a case's print page); nothing is "
           "stored, numbered or traced", tag="procedures", path_params=PREVIEW_KIND, produces=documents.FORMATS["html"])
def draft_document_preview_html(draft_id: int, kind: str):
    return _preview(draft_id, kind, "html")


def _preview(draft_id: int, kind: str, fmt: str):
    draft = drafts.get(g.user, draft_id)
    found = document_previews.preview(g.user, draft_id, kind)
    content = found.word if fmt == "docx" else documents.render_html(found.page, sample=True).encode("utf-8")
    filename = found.filename(draft.process_id, fmt)
    return current_app.response_class(content, mimetype=documents.FORMATS[fmt], headers={
        "Content-Disposition": documents.content_disposition("attachment" if fmt == "docx" else "inline", filename,
                                                             f"draft-{draft_id}-{kind}-sample.{fmt}"),
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
