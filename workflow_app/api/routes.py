"""API endpoints. Each one: parse with a schema, call one service as `g.user`, dump.

Authentication happened before the view (authentication.py); views marked @public have no user.
"""
import hashlib
import re

from flask import current_app, g, jsonify, request, url_for
from flask_login import logout_user
from flask_wtf.csrf import generate_csrf

from ..i18n import page_language
from ..oversight import procedure_kinds
from ..services import idempotency, paging
from ..services.cases import documents, late_fees, paper_entry, prefill, referrals, review_sheet
from ..services.cases import lifecycle as cases
from ..services.cases import links as case_links
from ..services.cases import messages as case_messages
from ..services.cases import migration as case_migration
from ..services.cases import requests as case_requests
from ..services.errors import Conflict, Invalid, PreconditionFailed, tr
from ..services.evidence import attachments
from ..services.oversight import alerts, dashboard
from ..services.people import auth, parties, users
from ..services.procedures import document_manifest, packages, statuses
from ..services.procedures import versions as procedures
from ..services.registers import causes, numbering, org_settings, penalty_lists
from . import bp
from .authentication import CSRF_HEADER, login_limits, public
from .openapi import operation
from .schemas import (
    AdHocStepsSchema,
    AlertPageSchema,
    AlertReasonSchema,
    AlertSchema,
    AttachmentSchema,
    CaseCreateSchema,
    CaseFileSchema,
    CaseLinkListSchema,
    CaseLinkRequestSchema,
    CaseLinkSchema,
    CaseMigrateSchema,
    CasePageSchema,
    CaseSchema,
    CaseSummarySchema,
    CauseDetailSchema,
    CauseListSchema,
    CauseSchema,
    CsrfTokenSchema,
    DepartmentSchema,
    DocumentListSchema,
    LegalReviewSchema,
    MilestoneSchema,
    NumberingSchema,
    NumberingSetSchema,
    OversightSummarySchema,
    PartyFieldsSchema,
    PartyIdentifySchema,
    PartyPageSchema,
    PartyRecordSchema,
    PartySummarySchema,
    PenaltyListItemSchema,
    PenaltyListSchema,
    ProcedureListSchema,
    ProcedureVersionDetailSchema,
    ProcedureVersionSchema,
    RecordedTaskSchema,
    RectificationReportSchema,
    RectificationRequestSchema,
    ReferralListSchema,
    ReviewSheetSchema,
    TaskCompleteSchema,
    TaskDetailSchema,
    TaskPageSchema,
    TaskSchema,
    TokenRequestSchema,
    TokenSchema,
    TraceEventSchema,
    TraceSchema,
    UserSchema,
    oversight_summary,
)


def json_body(schema, *, empty_ok: bool = False):
    if empty_ok and not request.get_data(cache=True):
        return schema.load({})
    payload = request.get_json()
    if not isinstance(payload, dict):
        raise Invalid({"_body": [tr("the request body must be a JSON object")]})
    return schema.load(payload)


# The paging parameters as the OpenAPI document types them (a page beyond the size limit is a 422).
# A list is followed by its cursors; a page number reaches only its first rows (services/paging.py).
def paging_params(default: int = 50, *, numbers: bool = True) -> dict:
    params = {"after": "cursor: the `next` of the previous page",
              "per_page": (f"rows a page: {default} by default, at most API_PAGE_SIZE_MAX (200 unless configured)",
                           {"type": "integer", "minimum": 1})}
    if numbers:
        params["page"] = (f"page number when no cursor is given, for a page near the start: (page - 1) × per_page "
                          f"must stay below {paging.PAGE_NUMBER_ROWS} (page {paging.last_page_number(50)} at 50 a "
                          f"page); further on, follow `next`",
                          {"type": "integer", "minimum": 1, "maximum": paging.PAGE_NUMBER_ROWS})
    return params


PAGING = paging_params()


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Invalid({name: [tr("must be a whole number")]}) from None
    if not low <= value <= high:
        raise Invalid({name: [tr("must be from %(min)s to %(max)s", min=low, max=high)]})
    return value


# The step path's schemas, made once (a marshmallow schema holds no state of a call; building
# one copies every field, four times a completion).
CASE_SUMMARY, TASKS, LEGAL_REVIEWS = CaseSummarySchema(), TaskSchema(many=True), LegalReviewSchema(many=True)
MILESTONES = MilestoneSchema(many=True)
TASK_COMPLETE = TaskCompleteSchema()


def dump_case(case):
    body = CASE_SUMMARY.dump(case)
    body["tasks"] = TASKS.dump(cases.ready_tasks(case))
    body["legal_reviews"] = LEGAL_REVIEWS.dump(cases.legal_reviews(case))
    body["milestones"] = MILESTONES.dump(statuses.case_milestones(case))
    body["late_fee"] = late_fees.as_json(late_fees.of_case(case))
    return body


@bp.post("/auth/token")
@public
@login_limits
@operation("Exchange a username and password for a bearer token", body=TokenRequestSchema,
           response=TokenSchema, tag="auth",
           errors={"401": "the username or password is wrong, or the user is deactivated",
                   "429": "too many failed logins for this user or from this address: wait, then try again"},
           omit=("403", "404", "409"))
def create_token():
    creds = json_body(TokenRequestSchema())
    user = auth.authenticate(creds["username"], creds["password"])
    token, row = auth.issue_token(user)
    return jsonify(TokenSchema().dump({"token": token, "expires_at": row.expires_at, "user": user})), 201


@bp.delete("/auth/token")
@operation("Log out: revoke the bearer token of this request (the user's other tokens and login sessions "
           "stay), or, riding a login session, end every login session of the user (their tokens stay)",
           tag="auth", omit=("404", "409", "422"))
def revoke_token():
    if g.bearer_token:
        auth.revoke_token(g.bearer_token)
    else:
        users.log_out(g.user)
        logout_user()
    return "", 204


@bp.get("/auth/csrf-token")
@public
@operation(f"The CSRF token of this browser session: requests that ride the login session send it "
           f"in the {CSRF_HEADER} header (bearer-token requests need none)", response=CsrfTokenSchema,
           tag="auth")
def csrf_token():
    return jsonify({"csrf_token": generate_csrf(), "header": CSRF_HEADER})


@bp.get("/me")
@operation("The logged-in user", response=UserSchema, tag="auth")
def me():
    return jsonify(UserSchema().dump(g.user))


@bp.get("/procedures")
@operation("List deployed procedure versions", response=ProcedureListSchema, tag="procedures")
def list_procedures():
    versions = procedures.list_versions()
    return jsonify({"items": ProcedureVersionSchema(many=True).dump(versions)})


@bp.post("/procedures")
@operation("Deploy a procedure package (a .zip holding bpmn/<id>/… and forms/<id>/…) or a single BPMN file "
           "(multipart field `file`) as a new immutable version",
           body="multipart", response=ProcedureVersionSchema, tag="procedures")
def deploy_procedure():
    user = g.user
    upload = request.files.get("file")
    if upload is None:
        raise Invalid({"file": [tr("send the BPMN XML as the multipart file field 'file'")]})
    # A BPMN file over BPMN_MAX_BYTES is refused by the parse; an archive's own limits are checked on reading it.
    data = upload.stream.read(max(current_app.config["BPMN_MAX_BYTES"], current_app.config["MAX_CONTENT_LENGTH"]) + 1)
    version, created = procedures.deploy(data, user)
    body = ProcedureVersionSchema().dump(version)
    body["created"] = created
    return jsonify(body), 201 if created else 200


@bp.get("/procedures/<id:version_id>")
@operation("One deployed version with its task metadata and form schemas",
           response=ProcedureVersionDetailSchema, tag="procedures")
def get_procedure(version_id: int):
    return jsonify(ProcedureVersionDetailSchema().dump(procedures.get_version(version_id)))


@bp.get("/procedures/<id:version_id>/bpmn")
@operation("The deployed BPMN XML of one version, byte for byte: its procedure's own, or with ?file= (a path "
           "such as bpmn/shared/hearing.bpmn) the file of a process it calls", tag="procedures",
           params={"file": "the path of a called process's file in the version"}, produces="application/xml")
def get_procedure_bpmn(version_id: int):
    version = procedures.get_version(version_id)
    path = request.args.get("file")
    xml = procedures.bpmn_file(version, path)
    # A version's files never change: the version's hash (with the path, for a called file) tags them.
    etag = version.sha256 if path is None else hashlib.sha256(f"{version.sha256}\0{path}".encode()).hexdigest()
    return current_app.response_class(xml, mimetype="application/xml", headers={"ETag": f'"{etag}"'})


@bp.get("/procedures/<id:version_id>/package")
@operation("The deployed package of one version as a deploy archive (.zip: bpmn/<id>/…, forms/<id>/…)",
           tag="procedures", produces="application/zip")
def get_procedure_package(version_id: int):
    version = procedures.get_version(version_id)
    archive = packages.to_zip(procedures.version_files(version))
    name = f"{version.procedure.process_id}-v{version.version}.zip"
    return current_app.response_class(archive, mimetype="application/zip", headers={
        "ETag": f'"{version.sha256}"', "Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/cases")
@operation("Open a case on the latest version of a procedure. Safe to retry with an `Idempotency-Key`: the "
           "same request again gets the first answer again (header `Idempotent-Replayed: true`), not a second "
           "case; the same key with another request is a 422", body=CaseCreateSchema,
           response=CaseSchema, tag="cases",
           headers={"Idempotency-Key": "a key of your own for this request (e.g. a UUID), kept with its answer"},
           location="the new case (GET /cases/{id})")
def create_case():
    """With an `Idempotency-Key`, a retry gets the first answer again (services/idempotency.py)."""
    user = g.user
    payload = json_body(CaseCreateSchema())
    key = idempotency.parse_key(request.headers.get(idempotency.HEADER))
    kept = answered = None
    if key is not None:
        request_sha256 = idempotency.fingerprint(request.method, request.path, request.get_json(silent=True))
        kept = idempotency.replay(user, key, request_sha256)

        def answered(case):
            idempotency.remember(user, key, request_sha256, 201, dump_case(case), _case_location(case.id))

    if kept is None:
        try:
            case = cases.open_case(user, process_id=payload["procedure_id"], title=payload["title"],
                                   department_code=payload["department"], party=payload["party"],
                                   answered=answered, paper=payload.get("paper_entry"),
                                   linked_from=payload.get("linked_from"))
            return jsonify(dump_case(case)), 201, {"Location": _case_location(case.id)}
        except Conflict:
            # A twin request with the same key committed first: its answer is ours.
            if key is None or (kept := idempotency.replay(user, key, request_sha256)) is None:
                raise
    return jsonify(kept.response), kept.status, {"Location": kept.location, "Idempotent-Replayed": "true"}


def _case_location(case_id: int) -> str:
    return url_for("api.get_case", case_id=case_id)


@bp.get("/cases")
@operation("Cases in your org scope, newest first", response=CasePageSchema, tag="cases",
           params={"status": "a status of the deployed procedures (GET /api/v1/procedures: statuses)",
                   "department": "department code",
                   "procedure_kind": ("the kind of procedure: " + ", ".join(
                       f"{code} ({zh})" for code, (zh, _en) in procedure_kinds.KINDS.items()),
                       {"type": "string", "enum": list(procedure_kinds.KINDS)}), **PAGING})
def list_cases():
    user = g.user
    status = request.args.get("status") or None
    if status is not None and status not in (known := statuses.catalogue()):
        raise Invalid({"status": [tr("must be one of %(choices)s", choices=", ".join(known))]})
    kind = request.args.get("procedure_kind") or None
    if kind is not None and kind not in procedure_kinds.KINDS:
        raise Invalid({"procedure_kind": [tr("must be one of %(choices)s", choices=", ".join(procedure_kinds.KINDS))]})
    page = _int_arg("page", 1, 1, paging.PAGE_NUMBER_ROWS)
    per_page = per_page_arg()
    found = cases.list_cases(user, status=status, department_code=request.args.get("department"),
                             after=request.args.get("after") or None, page=page, per_page=per_page,
                             procedure_kind=kind)
    return jsonify(_page(found, CaseSummarySchema, page, per_page))


@bp.get("/cases/<id:case_id>")
@operation("A case with its ready human tasks; its ETag names the case's version (send it as If-Match when "
           "completing one of its tasks)", response=CaseSchema, tag="cases")
def get_case(case_id: int):
    case = cases.get_case(g.user, case_id)
    return jsonify(dump_case(case)), 200, {"ETag": case_etag(case.version)}


def case_etag(version: int) -> str:
    return f'"case-v{version}"'


_ETAG = re.compile(r'^\s*"case-v(\d{1,10})"\s*$')


def _if_match() -> int | None:
    """The case version an If-Match header names (our ETag), None without one; 412 for one that
    names no version of ours (a client must not get an overwrite it did not ask for)."""
    value = request.headers.get("If-Match")
    if value is None:
        return None
    found = _ETAG.match(value)
    if found is None:
        raise PreconditionFailed(tr("If-Match must be the case's ETag, e.g. \"case-v3\""))
    return int(found[1])


@bp.get("/cases/<id:case_id>/links")
@operation("The case's linked cases (a seizure and its penalty case, an inspection and the case its clue opened, a "
           "referral and the receiving case) that you may read, oldest first", response=CaseLinkListSchema,
           tag="cases")
def case_links_list(case_id: int):
    case = cases.get_case(g.user, case_id)
    return jsonify({"items": [dump_link(shown) for shown in case_links.shown(g.user, case)]})


@bp.post("/cases/<id:case_id>/links")
@operation("Link this case (the origin) to another existing case you may read; officers and heads of the case's "
           "department or above. A link is traced on both cases and never removed",
           body=CaseLinkRequestSchema, response=CaseLinkSchema, tag="cases",
           errors={"409": "the two cases are already linked"})
def case_links_add(case_id: int):
    user = g.user
    payload = json_body(CaseLinkRequestSchema())
    row = case_links.link_cases(user, case_id, case_links.parse(payload, field=""))
    case = cases.get_case(user, case_id)
    shown = next(s for s in case_links.shown(user, case) if s.id == row.id)
    return jsonify(dump_link(shown)), 201


@bp.get("/cases/<id:case_id>/referrals")
@operation("The referrals (线索移送) this case takes part in: as the referral case (the letter, where it was sent, "
           "the answer), as the receipt in the receiving department (a copy of what was sent), or as the case a "
           "referral was opened from (the outcome). A case of the other side is named by its number, with its id "
           "only where you may read it", response=ReferralListSchema, tag="cases")
def case_referrals(case_id: int):
    case = cases.get_case(g.user, case_id)
    return jsonify(ReferralListSchema().dump({"items": [r.as_json() for r in referrals.shown(g.user, case)]}))


def dump_link(shown) -> dict:
    return CaseLinkSchema().dump({
        "id": shown.id, "kind": shown.kind, "label": shown.label(page_language()),
        "direction": "to" if shown.outgoing else "from",
        "case": {"id": shown.other_id, "number": shown.other_number, "title": shown.other_title,
                 "status": shown.other_status, "department": shown.other_department},
        "reason": shown.reason, "created_at": shown.created_at, "created_by": shown.created_by})


@bp.post("/cases/<id:case_id>/migrate")
@operation("Move a running case to another version of its procedure (bpmn_author, admin)",
           body=CaseMigrateSchema, response=CaseSchema, tag="cases")
def migrate_case(case_id: int):
    user = g.user
    payload = json_body(CaseMigrateSchema(), empty_ok=True)
    case = case_migration.migrate_case(user, case_id, payload["version_id"])
    return jsonify(dump_case(case))


@bp.post("/cases/<id:case_id>/paper-entry/finish")
@operation("补录完成: the case's paper file is entered; from now on the worker's time alerts (overdue and due-soon "
           "steps, idle case) apply to it as to any case. Officers and heads in the case's scope; 409 when the case "
           "is not being entered from paper. With If-Match, a case changed since you read it is a 412",
           response=CaseSchema, tag="cases", headers={"If-Match": "the case's ETag as GET /cases/{id} gave it"},
           errors={"412": "the case changed after the version you read: reload it"})
def finish_paper_entry(case_id: int):
    case = paper_entry.finish(g.user, case_id, _if_match())
    return jsonify(dump_case(case)), 200, {"ETag": case_etag(case.version)}


REQUEST_KIND = {"kind": {"type": "string", "pattern": r"^[A-Za-z_][\w-]{0,63}$", "maxLength": 64,
                         "description": "an ad-hoc step of the case's procedure: extension_request (延长办案期限申请), "
                                        "excluded_period (不计入期限的期间), disclosure_revocation (决定被撤销，撤回公示)"}}
MESSAGE_NAME = {"name": {"type": "string", "minLength": 1, "maxLength": 128,
                         "description": "the name of a message the case's procedure waits for"}}


@bp.get("/cases/<id:case_id>/requests")
@operation("The ad-hoc steps of the case your role may start, and for each whether the law lets it start "
           "now, else its refusal (code, article, message): what the case page offers",
           response=AdHocStepsSchema, tag="cases")
def list_requests(case_id: int):
    steps = case_requests.requests_for(g.user, cases.get_case(g.user, case_id))
    return jsonify(AdHocStepsSchema().dump({"items": steps}))


@bp.post("/cases/<id:case_id>/requests/<kind>")
@operation("Start an ad-hoc step of the case (a non-interrupting event subprocess of its procedure) with its "
           "request form, e.g. an extension of a time limit, a period not counted in it, or the revocation of "
           "a disclosed decision; the case's department and the step's role, like completing a task. 404 names "
           "the steps the procedure has; 422 names the rule when the law does not let the step start now",
           body=TaskCompleteSchema, response=CaseSchema, tag="cases", path_params=REQUEST_KIND)
def start_request(case_id: int, kind: str):
    user = g.user
    payload = json_body(TASK_COMPLETE, empty_ok=True)
    case = case_requests.start_request(user, case_id, case_requests.parse_kind(kind), payload["data"])
    return jsonify(dump_case(case))


@bp.post("/cases/<id:case_id>/messages/<name>")
@operation("Deliver a message the case's procedure waits for (the party's reply, a judicial organ's answer) with "
           "its data, which become the process's variables; for the roles the procedure declares for that message "
           "(its messageSenders, else the lane of the element waiting), in the case's department. 409 when the case "
           "is not waiting for it now, or when it starts an ad-hoc step (use /requests/{kind})",
           body=TaskCompleteSchema, response=CaseSchema, tag="cases", path_params=MESSAGE_NAME)
def deliver_message(case_id: int, name: str):
    user = g.user
    payload = json_body(TASK_COMPLETE, empty_ok=True)
    case = case_messages.deliver(user, case_id, case_messages.parse_name(name), payload["data"])
    return jsonify(dump_case(case))


@bp.get("/cases/<id:case_id>/tasks")
@operation("The case file: every task of the case, oldest first, with the data recorded",
           response=CaseFileSchema, tag="cases")
def get_case_file(case_id: int):
    _, tasks = cases.case_file(g.user, case_id)
    return jsonify({"items": RecordedTaskSchema(many=True).dump(tasks)})


@bp.get("/cases/<id:case_id>/trace")
@operation("The case's audit trail, in order, a page at a time (200 events by default): follow `next` for the "
           "rest", response=TraceSchema, tag="cases", params=paging_params(200, numbers=False))
def get_trace(case_id: int):
    per_page = per_page_arg(current_app.config["API_PAGE_SIZE_MAX"])
    found = cases.trace(g.user, case_id, after=request.args.get("after") or None, per_page=per_page)
    return jsonify(cursor_page(found, TraceEventSchema, per_page))


@bp.post("/cases/<id:case_id>/signatures")
@operation("Store the party's signature drawn on the screen (a PNG image, multipart field `file`, at most "
           f"{attachments.MAX_SIGNATURE_BYTES} bytes) for the case's open step that takes one; the step's "
           "form then names it by its SHA-256. Traced (attachment.stored); the same drawing again is the one "
           "stored (200)", body="multipart", response=AttachmentSchema, tag="cases")
def store_signature(case_id: int):
    upload = request.files.get("file")
    if upload is None:
        raise Invalid({"file": [tr("send the PNG image as the multipart file field 'file'")]})
    data = upload.stream.read(attachments.MAX_SIGNATURE_BYTES + 1)
    row, created = attachments.store_signature(g.user, case_id, data)
    body = AttachmentSchema().dump(row)
    body["created"] = created
    return jsonify(body), 201 if created else 200


@bp.get("/cases/<id:case_id>/attachments/<sha256>")
@operation("A file kept with the case (a drawn signature), byte for byte", tag="cases",
           path_params={"sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}, produces=attachments.PNG)
def read_attachment(case_id: int, sha256: str):
    row = attachments.read(g.user, case_id, sha256)
    return current_app.response_class(row.content, mimetype=row.media_type, headers={
        "ETag": f'"{row.sha256}"', "Content-Disposition": f'inline; filename="{row.kind}-{row.sha256[:12]}.png"'})


@bp.get("/cases/<id:case_id>/documents")
@operation("The documents the case's completed steps make available (立案审批表, 告知书, 听证通知书, 决定书, "
           "送达回证 …, as its procedure's package declares them), with their download links",
           response=DocumentListSchema, tag="documents")
def list_documents(case_id: int):
    return jsonify(DocumentListSchema().dump({"items": documents.list_documents(g.user, case_id)}))


DOCUMENT_KIND = {"kind": {"type": "string", "pattern": document_manifest.KIND.pattern,
                          "description": "a document of the case's procedure, as its package declares it "
                                         "(bpmn/<id>/documents/documents.json), e.g. penalty_decision"}}


@bp.get("/cases/<id:case_id>/documents/<kind>.docx")
@operation("Download a document as .docx, generated from the case's record; its SHA-256 is traced "
           "(document.generated); 404 until its step is completed", tag="documents", path_params=DOCUMENT_KIND,
           produces=documents.FORMATS["docx"])
def download_document_docx(case_id: int, kind: str):
    return _document(case_id, kind, "docx")


@bp.get("/cases/<id:case_id>/documents/<kind>.html")
@operation("The document as a print-ready HTML page; its SHA-256 is traced (document.generated); "
           "404 until its step is completed", tag="documents", path_params=DOCUMENT_KIND,
           produces=documents.FORMATS["html"])
def download_document_html(case_id: int, kind: str):
    return _document(case_id, kind, "html")


def _document(case_id: int, kind: str, fmt: str):
    content, mimetype, filename = documents.generate(g.user, case_id, kind, fmt)
    disposition = "attachment" if fmt == "docx" else "inline"
    return current_app.response_class(content, mimetype=mimetype, headers={
        "Content-Disposition": documents.content_disposition(disposition, filename, f"case-{case_id}-{kind}.{fmt}")})


@bp.get("/tasks")
@operation("Tasks in your org scope (mine=1: those of your roles), due first", response=TaskPageSchema,
           tag="tasks", params={"mine": ("1 for your roles' tasks",
                                         {"type": "string", "enum": ["0", "1", "true", "false", "yes", "no"]}),
                                "state": ("the tasks' state (ready by default)",
                                          {"type": "string", "enum": ["ready", "completed", "cancelled"]}),
                                **PAGING})
def list_tasks():
    user = g.user
    state = request.args.get("state", "ready")
    if state not in ("ready", "completed", "cancelled"):
        raise Invalid({"state": [tr("must be one of %(choices)s", choices="ready, completed, cancelled")]})
    page = _int_arg("page", 1, 1, paging.PAGE_NUMBER_ROWS)
    per_page = per_page_arg()
    mine = request.args.get("mine", "0") in ("1", "true", "yes")
    found = cases.list_tasks(user, mine=mine, state=state, after=request.args.get("after") or None,
                             page=page, per_page=per_page)
    return jsonify(_page(found, TaskSchema, page, per_page))


def per_page_arg(default: int = 50) -> int:
    return _int_arg("per_page", default, 1, current_app.config["API_PAGE_SIZE_MAX"])


def cursor_page(found, schema, per_page: int) -> dict:
    """A list page: `total` counts at most paging.COUNT_CAP matches (`total_capped` says so);
    `next` is the cursor of the following page, null on the last."""
    return {"items": schema(many=True).dump(found.items), "total": found.total, "total_capped": found.total_capped,
            "next": found.next_cursor, "per_page": per_page}


def _page(found, schema, page: int, per_page: int) -> dict:
    """A list page that may also be asked for by its number (`page`)."""
    return {**cursor_page(found, schema, per_page), "page": page}


# -- the causes registers (案由) ----------------------------------------------------------------------
CAUSE_PATH = {"department": {"type": "string", "minLength": 1, "maxLength": 64, "description": "the department's code"},
              "code": {"type": "string", "minLength": 1, "maxLength": 64, "description": "the cause's code"}}


@bp.get("/causes")
@operation("A department's causes register (案由, from its powers list): each cause with its provisions and the "
           "statutory range of its penalty provision, by code, a page at a time (200 causes by default: follow "
           "`next` for the rest); public registers, any logged-in user reads them",
           response=CauseListSchema, tag="registers",
           params={"department": "department code (default: your own department)",
                   **paging_params(200, numbers=False)})
def list_causes():
    code = request.args.get("department")
    unit = causes.department(code) if code else _own_department()
    per_page = per_page_arg(current_app.config["API_PAGE_SIZE_MAX"])
    found = causes.register_page(unit, after=request.args.get("after") or None, per_page=per_page)
    return jsonify({"department": unit.code, **cursor_page(found, CauseSchema, per_page)})


@bp.get("/departments/<code>")
@operation("A department of the org register: its domains, powers list and settings (the place and account of "
           "payment, the reconsideration body and the court its decisions name; public, as decisions print them)",
           response=DepartmentSchema, tag="registers",
           path_params={"code": {"type": "string", "minLength": 1, "maxLength": 64,
                                 "description": "the department's code"}})
def get_department(code: str):
    unit = causes.department(code)
    return jsonify(DepartmentSchema().dump({
        "code": unit.code, "name": unit.name, "kind": unit.kind, "parent": unit.parent.code if unit.parent else None,
        "enforcement_domains": list(unit.enforcement_domains or []), "penalty_powers": list(unit.penalty_powers or []),
        "settings": org_settings.settings_of(unit), "settings_set": sorted((unit.settings or {}).keys())}))


DEPARTMENT_PATH = {"code": {"type": "string", "minLength": 1, "maxLength": 64, "description": "the department's code"}}


@bp.get("/departments/<code>/numbering")
@operation("A department's numbering (案号 and 文号): its short name (机关代字), pattern and the code of each kind, "
           "with the next number of each kind this year as it would print (read without issuing one); "
           "administrators, in their org scope", response=NumberingSchema, tag="registers",
           path_params=DEPARTMENT_PATH)
def get_numbering(code: str):
    return jsonify(NumberingSchema().dump(numbering.overview(numbering.numbered_department(g.user, code))))


@bp.put("/departments/<code>/numbering")
@operation("Set a department's numbering, as `flask org numbering` does: each of abbr, pattern given replaces it, "
           "codes are merged (an empty code restores the default); a pattern that could print two numbers the "
           "same, or a code shared by two kinds, is a 422 naming the field. Numbers already issued stay as "
           "printed; the counters continue. Administrators, in their org scope; traced",
           body=NumberingSetSchema, response=NumberingSchema, tag="registers", path_params=DEPARTMENT_PATH)
def set_numbering(code: str):
    payload = json_body(NumberingSetSchema())
    unit = numbering.set_numbering(g.user, code, abbr=payload["abbr"], pattern=payload["pattern"],
                                   codes=payload["codes"])
    return jsonify(NumberingSchema().dump(numbering.overview(unit)))


@bp.get("/causes/<department>/<code>")
@operation("One cause of a department's register, with its discretion benchmark's tiers", response=CauseDetailSchema,
           tag="registers", path_params=CAUSE_PATH)
def get_cause(department: str, code: str):
    cause = causes.get(department, code)
    body = CauseDetailSchema().dump(cause)
    benchmark = causes.benchmark_of(cause)
    body["benchmark"] = ({"code": benchmark.code, "title": benchmark.title, "tiers": list(benchmark.tiers or [])}
                         if benchmark else None)
    return jsonify(body)


# -- the no-penalty and light-penalty lists (首违不罚清单, 从轻减轻处罚清单) -------------------------------------
LIST_PATH = {"department": CAUSE_PATH["department"],
             "code": {"type": "string", "minLength": 1, "maxLength": 64, "description": "the item's code"}}


@bp.get("/penalty-lists")
@operation("A department's no-penalty list (首违不罚清单, APL Art. 33) and light-penalty list (从轻减轻处罚清单, "
           "APL Art. 32): each item with its cause, conditions, legal ground, validity and issuing document; "
           "published registers, any logged-in user reads them", response=PenaltyListSchema, tag="registers",
           params={"department": "department code (default: your own department)",
                   "cause": "a cause of the department's causes register: its items only",
                   "kind": ("no_penalty or light: that list only", {"type": "string", "enum": list(penalty_lists.KINDS)}),
                   "on": ("a day (YYYY-MM-DD): the items valid on it", {"type": "string", "format": "date"})})
def list_penalty_lists():
    own = g.user.org_unit if g.user.org_unit.kind == "department" else None
    unit, cause, kind, on = penalty_lists.parse_filters(
        request.args.get("department"), request.args.get("cause"), request.args.get("kind"),
        request.args.get("on"), own)
    return jsonify(PenaltyListSchema().dump({"department": unit.code,
                                             "items": penalty_lists.items_of(unit, cause, kind, on)}))


@bp.get("/penalty-lists/<department>/<code>")
@operation("One item of a department's no-penalty or light-penalty list", response=PenaltyListItemSchema,
           tag="registers", path_params=LIST_PATH)
def get_penalty_list_item(department: str, code: str):
    return jsonify(PenaltyListItemSchema().dump(penalty_lists.get(department, code)))


def _own_department():
    unit = g.user.org_unit
    if unit.kind != "department":
        raise Invalid({"department": [tr("give a department's code: you belong to no department")]})
    return unit


# -- oversight alerts ------------------------------------------------------------------------------
@bp.get("/alerts")
@operation("Oversight alerts in your org scope, newest first (supervisor, admin, department_head)",
           response=AlertPageSchema, tag="oversight",
           params={"status": "active (open or acknowledged; the default), open, acknowledged, resolved, dismissed, all",
                   "severity": ("the alert's severity", {"type": "string", "enum": ["high", "medium", "low"]}),
                   "code": "the rule, e.g. SERVICE_LATE", "department": "department code", **PAGING})
def list_alerts():
    status = request.args.get("status") or "active"
    page = _int_arg("page", 1, 1, paging.PAGE_NUMBER_ROWS)
    per_page = per_page_arg()
    found = alerts.list_alerts(g.user, status=None if status == "all" else status,
                               severity=request.args.get("severity") or None, code=request.args.get("code") or None,
                               department_code=request.args.get("department") or None,
                               after=request.args.get("after") or None, page=page, per_page=per_page)
    return jsonify(_page(found, AlertSchema, page, per_page))


@bp.get("/oversight/summary")
@operation("The supervision dashboard's figures in your org scope: active alerts by severity, rule and department, "
           "cases by status, ready steps by time left and department, alerts raised per week over 12 weeks "
           "(supervisor, admin, department_head); names in the request's language",
           response=OversightSummarySchema, tag="oversight",
           params={"department": "department code: the figures of that department only"})
def oversight_summary_view():
    return jsonify(oversight_summary(dashboard.summary(g.user, department=request.args.get("department") or None)))


@bp.get("/alerts/<id:alert_id>")
@operation("One oversight alert", response=AlertSchema, tag="oversight")
def get_alert(alert_id: int):
    return jsonify(AlertSchema().dump(alerts.get_alert(g.user, alert_id)))


@bp.post("/alerts/<id:alert_id>/acknowledge")
@operation("Acknowledge an open alert: a supervisor has seen it (supervisor, admin); traced on the case",
           response=AlertSchema, tag="oversight")
def acknowledge_alert(alert_id: int):
    return jsonify(AlertSchema().dump(alerts.acknowledge(g.user, alert_id)))


@bp.post("/alerts/<id:alert_id>/request-rectification")
@operation("Ask the case's department to rectify, with the supervision opinion and the last day for its report "
           "(supervisor, admin); traced on the case. Not reported by then: RECTIFICATION_OVERDUE",
           body=RectificationRequestSchema, response=AlertSchema, tag="oversight")
def request_rectification(alert_id: int):
    payload = json_body(RectificationRequestSchema())
    return jsonify(AlertSchema().dump(alerts.request_rectification(g.user, alert_id, payload["opinion"],
                                                                   payload["due_on"])))


@bp.post("/alerts/<id:alert_id>/report-rectification")
@operation("The department's report on a requested rectification (a department_head of the case's "
           "department); traced on the case", body=RectificationReportSchema, response=AlertSchema, tag="oversight")
def report_rectification(alert_id: int):
    payload = json_body(RectificationReportSchema())
    return jsonify(AlertSchema().dump(alerts.report_rectification(g.user, alert_id, payload["report"])))


@bp.post("/alerts/<id:alert_id>/resolve")
@operation("Resolve an alert: the matter is rectified (supervisor, admin), with the reason; traced on the case",
           body=AlertReasonSchema, response=AlertSchema, tag="oversight")
def resolve_alert(alert_id: int):
    payload = json_body(AlertReasonSchema())
    return jsonify(AlertSchema().dump(alerts.resolve(g.user, alert_id, payload["reason"])))


@bp.post("/alerts/<id:alert_id>/dismiss")
@operation("Dismiss an alert with the reason it needs no action (supervisor, admin); traced on the case",
           body=AlertReasonSchema, response=AlertSchema, tag="oversight")
def dismiss_alert(alert_id: int):
    payload = json_body(AlertReasonSchema())
    return jsonify(AlertSchema().dump(alerts.dismiss(g.user, alert_id, payload["reason"])))


@bp.get("/tasks/<id:task_id>")
@operation("One task with the JSON Schema of its form", response=TaskDetailSchema, tag="tasks")
def get_task(task_id: int):
    task, form = cases.task_with_form(g.user, task_id)
    body = TaskDetailSchema().dump(task)
    body["form"] = form
    body["case_number"] = task.case.number
    body["prefill"] = ({name: {"value": value, "source": source}
                        for name, (value, source) in prefill.values(task.case, form).items()}
                       if task.state == "ready" else {})
    return jsonify(body)


@bp.get("/tasks/<id:task_id>/review-sheet")
@operation("The legal reviewer's sheet of a legal review (法制审核, APL Art. 58): the investigation report's "
           "discretion benchmark and its finding on the no-penalty and light-penalty lists — the item, the "
           "officer's finding, whether the party is a first violator per the parties register, whether the "
           "proposed penalty agrees with it — and whether you may act on it; the page /tasks/{id}/review shows "
           "the same. A task that is not a legal review is a 404", response=ReviewSheetSchema, tag="tasks")
def get_review_sheet(task_id: int):
    return jsonify(ReviewSheetSchema().dump(review_sheet.review_sheet(g.user, task_id)))


@bp.post("/tasks/<id:task_id>/complete")
@operation("Complete a ready task with its form data; returns the case and its next ready tasks. With "
           "If-Match (the case's ETag) or `version`, a case changed since you read it is a 412, not overwritten",
           body=TaskCompleteSchema, response=CaseSchema, tag="tasks",
           headers={"If-Match": "the case's ETag as GET /cases/{id} gave it"},
           errors={"412": "the case changed after the version you read: reload it"})
def complete_task(task_id: int):
    user = g.user
    payload = json_body(TASK_COMPLETE, empty_ok=True)  # a formless task needs no body
    read = _if_match()
    if read is not None and payload["version"] is not None and read != payload["version"]:
        raise Invalid({"version": [tr("names another version than If-Match")]})
    case = cases.complete_task(user, task_id, payload["data"], read if read is not None else payload["version"])
    return jsonify(dump_case(case)), 200, {"ETag": case_etag(case.version)}


# -- the parties register --------------------------------------------------------------------------
@bp.get("/parties")
@operation("Parties of the register you may see (a case of theirs or their registering unit in your org scope; "
           "supervisors and administrators: all), newest registered first: by name (q: a part of it) or number "
           "(q: its beginning). A natural person's number is masked unless you are an officer of one of their "
           "cases", response=PartyPageSchema, tag="parties",
           params={"q": ("a part of the name, or the beginning of the identity number or credit code",
                         {"type": "string", "maxLength": parties.QUERY_MAX}), **PAGING})
def list_parties():
    page = _int_arg("page", 1, 1, paging.PAGE_NUMBER_ROWS)
    per_page = per_page_arg()
    found = parties.search(g.user, request.args.get("q"), after=request.args.get("after") or None, page=page,
                           per_page=per_page)
    return jsonify(_page(found, PartySummarySchema, page, per_page))


@bp.post("/parties")
@operation("Register a party (officer): a natural person by the resident identity number, an organisation by the "
           "unified social credit code, each checked by its check character; a number registered already is a 409",
           body=PartyFieldsSchema, response=PartyRecordSchema, tag="parties", location="the party (GET /parties/{id})")
def create_party():
    party = parties.register(g.user, json_body(PartyFieldsSchema()))
    body = PartyRecordSchema().dump(parties.party_record(g.user, party.id).party)
    return jsonify(body), 201, {"Location": url_for("api.get_party", party_id=party.id)}


@bp.get("/parties/<id:party_id>")
@operation("A party's record with its cases (number, title, status, decision and fine where decided): a repeat "
           "violation shows when the penalty is proposed", response=PartyRecordSchema, tag="parties")
def get_party(party_id: int):
    return jsonify(PartyRecordSchema().dump(parties.party_record(g.user, party_id).party))


@bp.post("/cases/<id:case_id>/party")
@operation("Identify the party of a case opened on an anonymous tip (an officer of its department): a party of the "
           "register (party_id) or a new one (name, kind, id_number …), of the kind the case was opened against; "
           "the case then prints the party's name. Traced (case.party_identified); 409 once identified",
           body=PartyIdentifySchema, response=CaseSchema, tag="cases")
def identify_party(case_id: int):
    case = parties.identify_party(g.user, case_id, json_body(PartyIdentifySchema()))
    return jsonify(dump_case(case)), 200, {"ETag": case_etag(case.version)}
