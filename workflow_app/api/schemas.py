"""Marshmallow schemas of the JSON API: request parsing and response shapes (and OpenAPI)."""
import json

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..i18n import localized, page_language, refusal_message
from ..oversight.alert_rules import CATALOGUE, rule_name
from ..oversight.calendar import LOCAL_TZ
from ..services.cases import links as case_links
from ..services.cases import paper_entry
from ..services.errors import tr
from ..services.people.parties import ADDRESS_MAX, NAME_MAX, PARTY_KINDS, PHONE_MAX, REPRESENTATIVE_MAX
from ..strict_input import ID_MAX


# marshmallow's validators, their messages said in the reader's language (a Text: api/errors.py
# localizes it); marshmallow's own would be English whatever the request's Accept-Language.
class Length(validate.Length):
    def _format_error(self, value, message: str) -> str:
        size = len(value)
        if size == 0 and self.min:
            return tr("must not be empty")
        return tr("must have %(min)s to %(max)s characters (it has %(size)s)", min=self.min, max=self.max, size=size)


class OneOf(validate.OneOf):
    def _format_error(self, value) -> str:
        return tr("must be one of %(choices)s", choices=", ".join(json.dumps(c, ensure_ascii=False)
                                                                  for c in self.choices))


class Range(validate.Range):
    def _format_error(self, value, message: str) -> str:
        return tr("must be from %(min)s to %(max)s", min=self.min, max=self.max)


class BeijingDateTime(fields.DateTime):
    """A due time as the officer reads it: Beijing time to the second, with its offset,
    "2026-10-27T23:59:59+08:00" (stored in UTC; a period ends at the last instant of its day)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


class LocalDateTime(fields.DateTime):
    """An instant as the law counts it, in Beijing time with its offset, to the microsecond it was
    recorded ("2026-10-27T09:30:12.504113+08:00"): every time the API gives has the one offset
    (+08:00), due times included (BeijingDateTime, to the second)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.astimezone(LOCAL_TZ).isoformat()


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"description": "machine-readable code"})
    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "field -> messages"})
    details = fields.Dict()
    article = fields.String(metadata={"description": "a refused step (422): the article of the law, "
                                                     "e.g. 《行政处罚法》第45条"})
    message_en = fields.String(metadata={"description": "a refused step (422): the message in English"})


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=Length(1, 64))
    password = fields.String(required=True, validate=Length(1, 256), load_only=True)


class UserSchema(Schema):
    username = fields.String()
    full_name = fields.String()
    roles = fields.Function(lambda u: sorted(u.roles))
    org_unit = fields.Function(lambda u: u.org_unit.code)
    org_unit_name = fields.Function(lambda u: u.org_unit.name)


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = LocalDateTime()
    user = fields.Nested(UserSchema)


class CsrfTokenSchema(Schema):
    csrf_token = fields.String(required=True)
    header = fields.String(required=True, metadata={"description": "the request header to send it in"})


class ProcedureVersionSchema(Schema):
    id = fields.Integer()
    procedure_id = fields.Function(lambda v: v.procedure.process_id,
                                   metadata={"description": "the BPMN process id"})
    name = fields.String()
    version = fields.Integer()
    sha256 = fields.String()
    deployed_at = LocalDateTime()
    created = fields.Boolean(metadata={"description": "false when identical content was already deployed"})


class ProcedureVersionDetailSchema(ProcedureVersionSchema):
    task_specs = fields.Dict(metadata={"description": "per BPMN task: name, lane, form_key, deadline, milestone, legal_review"})
    forms = fields.Dict(metadata={"description": "the JSON Schemas of its forms, as deployed"})


class ProcedureListSchema(Schema):
    items = fields.List(fields.Nested(ProcedureVersionSchema))


class PartyFieldsSchema(Schema):
    """A party as registered (services/people/parties.py checks the number against its kind)."""

    name = fields.String(required=True, validate=Length(1, NAME_MAX),
                         metadata={"description": "the name: a person's full name, an organisation's registered name"})
    kind = fields.String(required=True, validate=OneOf(PARTY_KINDS))
    id_number = fields.String(required=True, validate=Length(1, 64), metadata={
        "description": "a person's 18-character resident identity number (GB 11643, check character 0-9 or X); "
                       "an organisation's 18-character unified social credit code (GB 32100); lower case is "
                       "taken as upper case"})
    address = fields.String(load_default=None, allow_none=True, validate=Length(0, ADDRESS_MAX))
    legal_representative = fields.String(load_default=None, allow_none=True, validate=Length(0, REPRESENTATIVE_MAX),
                                         metadata={"description": "an organisation's legal representative"})
    phone = fields.String(load_default=None, allow_none=True, validate=Length(0, PHONE_MAX))


class PartySchema(Schema):
    """The party a new case names: `id` (one of the register); or name, kind and id_number (a party
    registered with the case); or name and kind alone (an anonymous tip's party, identified later:
    POST /cases/{id}/party)."""

    id = fields.Integer(validate=Range(min=1, max=ID_MAX), metadata={"description": "a party of the register"})
    name = fields.String(validate=Length(1, NAME_MAX))
    kind = fields.String(validate=OneOf(PARTY_KINDS))
    id_number = fields.String(validate=Length(1, 64), metadata={
        "description": "the party's resident identity number or unified social credit code: registers it"})
    address = fields.String(allow_none=True, validate=Length(0, ADDRESS_MAX))
    legal_representative = fields.String(allow_none=True, validate=Length(0, REPRESENTATIVE_MAX))
    phone = fields.String(allow_none=True, validate=Length(0, PHONE_MAX))

    @validates_schema
    def _named(self, data, **kwargs):
        if "id" in data:
            extra = sorted(set(data) - {"id"})
            if extra:
                raise ValidationError({name: [tr("a party of the register is named by its id alone")]
                                       for name in extra})
            return
        missing = {name: [tr("Missing data for required field.")] for name in ("name", "kind") if name not in data}
        if missing:
            raise ValidationError(missing)


class PartyIdentifySchema(Schema):
    """The party of an anonymous tip's case: `party_id` (one of the register), or a new party."""

    party_id = fields.Integer(validate=Range(min=1, max=ID_MAX))
    name = fields.String(validate=Length(1, NAME_MAX))
    kind = fields.String(validate=OneOf(PARTY_KINDS))
    id_number = fields.String(validate=Length(1, 64))
    address = fields.String(allow_none=True, validate=Length(0, ADDRESS_MAX))
    legal_representative = fields.String(allow_none=True, validate=Length(0, REPRESENTATIVE_MAX))
    phone = fields.String(allow_none=True, validate=Length(0, PHONE_MAX))

    @validates_schema
    def _named(self, data, **kwargs):
        if "party_id" not in data:
            missing = {name: [tr("Missing data for required field.")] for name in ("name", "kind", "id_number")
                       if name not in data}
            if missing:
                raise ValidationError(missing)


class PaperEntryRequestSchema(Schema):
    reason = fields.String(required=True, validate=Length(1, 500), metadata={
        "description": "why the case is entered from its paper file (e.g. begun on site while the system could "
                       "not be reached)"})
    reference = fields.String(validate=Length(0, 100), metadata={
        "description": "the paper file's own reference, as written on it"})


class CaseLinkRequestSchema(Schema):
    case_id = fields.Integer(required=True, strict=True, validate=Range(1, 2**31 - 1), metadata={
        "description": "the other case (one you may read)"})
    kind = fields.String(required=True, validate=OneOf(tuple(case_links.KINDS)), metadata={
        "description": "confiscation (a seizure's items confiscated by a penalty case), inspection_clue (a case "
                       "opened on an inspection's clue), referred (a referral case opened from the case whose clue it "
                       "refers), referral_receipt (a referral and its receipt in the receiving department, made by "
                       "the sending), referral (the receiving department's case of a referred clue), related"})
    reason = fields.String(validate=Length(0, case_links.REASON_MAX))


class CaseLinkSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    label = fields.String(metadata={"description": "the relation in the reader's language, as this case names the other"})
    direction = fields.String(metadata={"description": "to: this case is the origin; from: the other case is"})
    case = fields.Dict(metadata={"description": "the other case: id, number, title, status, department"})
    reason = fields.String(allow_none=True)
    created_at = LocalDateTime()
    created_by = fields.String()


class CaseLinkListSchema(Schema):
    items = fields.List(fields.Nested(CaseLinkSchema), metadata={
        "description": "the case's links to cases you may read, oldest first"})


class ReferralCaseRefSchema(Schema):
    number = fields.String()
    id = fields.Integer(allow_none=True, metadata={"description": "null where you may not read that case"})


class ReferralSchema(Schema):
    side = fields.String(metadata={"description": "referring (this is the referral case), receiving (this is the "
                                                  "receipt in the receiving department), origin (the referral was "
                                                  "opened from this case, or the supervision referred this case), "
                                                  "supervision (the supervision's list of what it sent), chain (another "
                                                  "letter of the same clue: one returned and referred again, or the "
                                                  "one that referred it again)"})
    from_department = fields.String(metadata={"description": "the sender as the letter names it: the referring "
                                                             "department, or the supervising unit"})
    to_department = fields.String()
    by_supervision = fields.Boolean(metadata={"description": "sent by the justice bureau's supervision (执法监督): "
                                                             "no referral case of its own"})
    sent_by = fields.String(allow_none=True, metadata={"description": "the supervisor who sent it (by_supervision)"})
    referral_case = fields.Nested(ReferralCaseRefSchema, allow_none=True, metadata={
        "description": "the referring department's referral case; null when the supervision sent it"})
    receipt_case = fields.Nested(ReferralCaseRefSchema)
    origin_case = fields.Nested(ReferralCaseRefSchema, allow_none=True, metadata={
        "description": "the case the supervision referred (by_supervision), if any"})
    letter = fields.Dict(metadata={"description": "what was sent (a copy): clue, reasons, materials, contact, "
                                                  "referred_on, feedback_due_on, feedback_due_at, from_department, "
                                                  "party, enclosed evidence titles"})
    due_on = fields.Date()
    due_at = BeijingDateTime(allow_none=True, metadata={"description": "when the answer is due: due_on counted by the "
                                                                      "law (the next working day, its end in Beijing)"})
    sent_at = LocalDateTime()
    outcome = fields.String(allow_none=True, metadata={"description": "accepted, returned, or null while unanswered"})
    reasons = fields.String(allow_none=True)
    answered_on = fields.Date(allow_none=True)
    accepted_case = fields.Nested(ReferralCaseRefSchema, allow_none=True, metadata={
        "description": "the case the receiving department filed (accepted)"})
    sequence = fields.Integer(allow_none=True, metadata={
        "description": "its place among the letters of one clue (1: the first; a returned referral referred again "
                       "from a new referral case, link referred_again), null when the clue was referred once"})


class ReferralListSchema(Schema):
    items = fields.List(fields.Nested(ReferralSchema), metadata={
        "description": "the referrals this case takes part in, oldest first"})


class CaseCreateSchema(Schema):
    procedure_id = fields.String(required=True, validate=Length(1, 128))
    title = fields.String(required=True, validate=Length(1, 300))
    department = fields.String(required=True, validate=Length(1, 64),
                               metadata={"description": "department code, e.g. market"})
    party = fields.Nested(PartySchema, required=True)
    paper_entry = fields.Nested(PaperEntryRequestSchema, metadata={
        "description": "补录: a case begun on paper, entered with its real dates. Its steps are recorded with the "
                       "paper file's dates, checked as usual; until the entry is finished (POST "
                       "/cases/{id}/paper-entry/finish) or PAPER_ENTRY_DAYS have passed, the worker's time alerts "
                       "leave it alone (a step recorded after its due time still raises its alert)"})
    linked_from = fields.Nested(CaseLinkRequestSchema, metadata={
        "description": "the case this one is opened from (a seizure whose items a penalty case confiscates, an "
                       "inspection's clue, a referral): linked in the opening transaction, traced on both cases"})


class TaskSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    bpmn_id = fields.String()
    name = fields.String()
    lane = fields.String(allow_none=True)
    form_key = fields.String(allow_none=True)
    state = fields.String()
    ready_at = LocalDateTime()
    deadline = fields.String(allow_none=True)
    due_at = BeijingDateTime(allow_none=True, metadata={"description": "Beijing time, +08:00"})
    due_provisional = fields.Boolean()
    completed_at = LocalDateTime(allow_none=True)
    completed_by = fields.Function(lambda t: t.completed_by.username if t.completed_by else None)


class RecordedTaskSchema(TaskSchema):
    data = fields.Dict(allow_none=True, metadata={"description": "the form data it was completed with"})


class CaseFileSchema(Schema):
    items = fields.List(fields.Nested(RecordedTaskSchema))


class RequestRefusalSchema(Schema):
    code = fields.String(metadata={"description": "the rule, e.g. EXTENSION_PENDING"})
    article = fields.String(allow_none=True, metadata={"description": "the article of the law"})
    message = fields.String(metadata={"description": "why, in the request's language"})


class AdHocStepSchema(Schema):
    kind = fields.String(metadata={"description": "the step's id: POST /cases/{id}/requests/{kind} starts it"})
    name = fields.String(metadata={"description": "the step's name in the request's language"})
    available = fields.Boolean(metadata={"description": "whether the law lets it start now"})
    refusal = fields.Nested(RequestRefusalSchema, allow_none=True,
                            metadata={"description": "why not, when it may not start now"})


class AdHocStepsSchema(Schema):
    items = fields.List(fields.Nested(AdHocStepSchema))


class TaskDetailSchema(TaskSchema):
    form = fields.Dict(allow_none=True, metadata={"description": "the JSON Schema of the task's form"})
    case_number = fields.String()
    prefill = fields.Dict(metadata={"description": "while the task is ready: field -> {value, source}, the values its "
                                                  "form's fields take from the record (`x-prefill`), for the officer "
                                                  "to confirm or change; nothing is recorded until the task is "
                                                  "completed"})


def _cursor_page_fields(item_schema) -> dict:
    return {
        "items": fields.List(fields.Nested(item_schema)),
        "total": fields.Integer(metadata={"description": "matches, counted up to 10000"}),
        "total_capped": fields.Boolean(metadata={"description": "true: there are more than `total`"}),
        "next": fields.String(allow_none=True, metadata={"description": "cursor of the next page (`after`); "
                                                                          "null on the last page"}),
        "per_page": fields.Integer(),
    }


def _page_of(item_schema, name: str):
    """A paginated list of `item_schema` (named for the OpenAPI document): by cursor, or by a page
    number near the start."""
    return Schema.from_dict({**_cursor_page_fields(item_schema), "page": fields.Integer()}, name=name)


def _cursor_page_of(item_schema, name: str):
    """A list of `item_schema` paged by cursor only (`next` -> `after`)."""
    return Schema.from_dict(_cursor_page_fields(item_schema), name=name)


TaskPageSchema = _page_of(TaskSchema, "TaskPageSchema")


class TaskCompleteSchema(Schema):
    data = fields.Dict(keys=fields.String(), load_default=dict,
                       metadata={"description": "the form's fields"})
    version = fields.Integer(load_default=None, validate=Range(min=0, max=2**31 - 1), metadata={
        "description": "the case's `version` you decided on: a case changed since is a 412, not overwritten "
                       "(the same as If-Match with the case's ETag)"})


class MilestoneSchema(Schema):
    milestone = fields.String(metadata={"description": "the milestone's code, as the procedure declares it"})
    status = fields.String(metadata={"description": "the status reaching it gave the case"})
    bpmn_id = fields.String(metadata={"description": "the BPMN element that declares it"})
    at = LocalDateTime()


class LegalReviewSchema(Schema):
    id = fields.Integer()
    task_id = fields.Integer()
    reviewer = fields.Function(lambda r: r.reviewer.username)
    outcome = fields.String()
    findings = fields.Dict()
    opinions = fields.String(allow_none=True)
    created_at = LocalDateTime()


class LateFeeSchema(Schema):
    amount = fields.Float(metadata={"description": "yuan: 3% of the fine a day from first_day to counted_to, at most "
                                                   "the fine"})
    days = fields.Integer(metadata={"description": "the days the fee has run"})
    first_day = fields.String(metadata={"description": "YYYY-MM-DD, the day after the 15 days following service "
                                                       "(or after the next working day where they end on a holiday)"})
    counted_to = fields.String(metadata={"description": "YYYY-MM-DD: the day of payment on record, else today"})
    capped = fields.Boolean(metadata={"description": "the fee reached the fine"})
    fine = fields.Float(metadata={"description": "the fine decided, yuan"})
    to_payment = fields.Boolean(metadata={"description": "counted to the day of payment (false: to today)"})


class PaperEntrySchema(Schema):
    reason = fields.String()
    reference = fields.String(allow_none=True)
    started_at = LocalDateTime(allow_none=True)
    in_progress = fields.Boolean(metadata={"description": "the worker's time alerts leave the case alone"})
    until = LocalDateTime(allow_none=True, metadata={"description": "while in progress: when it ends at the latest"})
    finished_at = LocalDateTime(allow_none=True)
    finished_by = fields.String(allow_none=True)


PAPER_ENTRY = PaperEntrySchema()


def _paper_entry(case):
    shown = paper_entry.view(case)
    return PAPER_ENTRY.dump(shown) if shown else None


class CaseSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    title = fields.String()
    status = fields.String()
    procedure_id = fields.Function(lambda c: c.procedure_version.procedure.process_id)
    procedure_version = fields.Function(lambda c: c.procedure_version.version)
    procedure_kind = fields.Function(lambda c: c.procedure_version.kind, metadata={
        "description": "penalty (行政处罚), coercion (行政强制), inspection (行政检查), referral (线索移送) or other: the "
                       "procedure's procedureKind"})
    department = fields.Function(lambda c: c.department.code)
    department_name = fields.Function(lambda c: c.department.name)
    party = fields.Function(lambda c: {"name": c.party_name, "kind": c.party_kind, "id": c.party_id}, metadata={
        "description": "the name printed on the case, the kind, and the party's id in the register (null while "
                       "an anonymous tip's party is not identified)"})
    created_by = fields.Function(lambda c: c.created_by.username)
    created_at = LocalDateTime()
    closed_at = LocalDateTime(allow_none=True, metadata={
        "description": "结案: when a milestone closing the case was reached, or its procedure ended"})
    next_due_at = BeijingDateTime(allow_none=True, metadata={"description": "Beijing time, +08:00"})
    version = fields.Integer()
    tasks = fields.List(fields.Nested(TaskSchema), metadata={"description": "the ready human tasks"})
    legal_reviews = fields.List(fields.Nested(LegalReviewSchema),
                                metadata={"description": "法制审核 results, oldest first"})
    milestones = fields.List(fields.Nested(MilestoneSchema), metadata={
        "description": "the milestones the case reached (its procedure's BPMN declares them), in order"})
    paper_entry = fields.Function(_paper_entry, allow_none=True, metadata={
        "description": "补录: null for a case opened in the system; else why it was entered from paper, and whether "
                       "the entry is still in progress",
        "nullable": True, "allOf": [{"$ref": "#/components/schemas/PaperEntry"}]})
    late_fee = fields.Nested(LateFeeSchema, allow_none=True, metadata={
        "description": "加处罚款 as the system counts it (APL 72): null where no fine is decided and served, or an "
                       "approved deferral or instalment plan governs"})


class PartySummarySchema(Schema):
    """A party as a list shows it: a natural person's number masked unless you are an officer of one
    of its cases (services/people/parties.py)."""

    id = fields.Integer()
    kind = fields.String(metadata={"description": "person or organization"})
    name = fields.String()
    id_number = fields.Function(lambda p: p.shown_id_number, metadata={
        "description": "the resident identity number (masked, 4401**********123X, for those who are not "
                       "officers of the party's cases) or the unified social credit code"})
    address = fields.String(allow_none=True)
    legal_representative = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    registered_at = LocalDateTime()


class PartyCaseSchema(Schema):
    id = fields.Function(lambda c: c.case.id)
    number = fields.Function(lambda c: c.case.number)
    title = fields.Function(lambda c: c.case.title)
    status = fields.Function(lambda c: c.case.status)
    department = fields.Function(lambda c: c.case.department.code)
    created_at = fields.Function(lambda c: c.case.created_at.astimezone(LOCAL_TZ).isoformat())
    closed = fields.Function(lambda c: c.case.closed_at is not None)
    decision = fields.String(allow_none=True, metadata={"description": "the decision's document number, once decided"})
    fine = fields.Float(allow_none=True, metadata={"description": "the fine decided (yuan)"})


class PartyRecordSchema(PartySummarySchema):
    cases = fields.Function(lambda p: PartyCaseSchema(many=True).dump(p.record.cases), metadata={
        "description": "its cases in your org scope, newest first (number, title, status, decision and fine): "
                       "a repeat violation shows here"})
    cases_elsewhere = fields.Function(lambda p: p.record.elsewhere,
                                      metadata={"description": "its cases outside your org scope (counted only)"})


PartyPageSchema = _page_of(PartySummarySchema, "PartyPageSchema")


class CaseSummarySchema(CaseSchema):
    class Meta:
        exclude = ("tasks", "legal_reviews", "milestones")


CasePageSchema = _page_of(CaseSummarySchema, "CasePageSchema")


def _alert_name(alert) -> str:
    return rule_name(alert.code, page_language())


class AlertSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    case_number = fields.Function(lambda a: a.case.number)
    department = fields.Function(lambda a: a.case.department.code)
    task_id = fields.Integer(allow_none=True)
    code = fields.String(metadata={"description": "the rule, e.g. SERVICE_LATE (DOMAIN.md, oversight alerts)"})
    name = fields.Function(_alert_name, metadata={"description": "what the rule found, in the request's language"})
    severity = fields.String(metadata={"description": "high (unlawful), medium (deadline risk), low (quality)"})
    basis = fields.Function(lambda a: getattr(CATALOGUE.get(a.code), "basis", None),
                            metadata={"description": "the legal basis"})
    status = fields.String(metadata={"description": "open, acknowledged, resolved or dismissed"})
    details = fields.Dict(metadata={"description": "what the rule found: the step, its due time"})
    raised_at = BeijingDateTime()
    raised_by = fields.String()
    handled_by = fields.Function(lambda a: a.handled_by.username if a.handled_by else None)
    handled_at = BeijingDateTime(allow_none=True)
    reason = fields.String(allow_none=True)
    opinion = fields.String(allow_none=True, metadata={"description": "the supervision opinion asking to rectify"})
    rectification_due_at = BeijingDateTime(allow_none=True)
    requested_by = fields.Function(lambda a: a.requested_by.username if a.requested_by else None)
    requested_at = BeijingDateTime(allow_none=True)
    report = fields.String(allow_none=True, metadata={"description": "the department's rectification report"})
    reported_by = fields.Function(lambda a: a.reported_by.username if a.reported_by else None)
    reported_at = BeijingDateTime(allow_none=True)


AlertPageSchema = _page_of(AlertSchema, "AlertPageSchema")


class RectificationRequestSchema(Schema):
    opinion = fields.String(required=True, validate=Length(1, 2000),
                            metadata={"description": "the supervision opinion: what the department is to rectify"})
    due_on = fields.String(required=True, validate=Length(10, 10),
                           metadata={"description": "the last day (Beijing) for the department's report, YYYY-MM-DD"})


class RectificationReportSchema(Schema):
    report = fields.String(required=True, validate=Length(1, 2000),
                           metadata={"description": "what the department has rectified"})


class AlertReasonSchema(Schema):
    reason = fields.String(required=True, validate=Length(1, 2000),
                           metadata={"description": "why the alert is resolved or dismissed"})


class CaseMigrateSchema(Schema):
    version_id = fields.Integer(load_default=None, validate=Range(min=1, max=ID_MAX),
                                metadata={"description": "target procedure version id; default: the latest"})


class TraceEventSchema(Schema):
    seq = fields.Integer()
    at = LocalDateTime()
    actor = fields.String()
    action = fields.String()
    task_id = fields.Integer(allow_none=True)
    bpmn_id = fields.String(allow_none=True)
    data = fields.Function(lambda e: json.loads(e.data_json))
    prev_sha256 = fields.String()
    sha256 = fields.String()


TraceSchema = _cursor_page_of(TraceEventSchema, "TraceSchema")


class DocumentSchema(Schema):
    kind = fields.String(metadata={"description": "the document's kind, as the procedure's package declares it "
                                                  "(bpmn/<id>/documents/documents.json), e.g. penalty_decision"})
    title = fields.String(metadata={"description": "the document's Chinese title, e.g. 行政处罚决定书"})
    step = fields.String(metadata={"description": "the bpmn id of the step whose completion makes it available"})
    step_completed_at = LocalDateTime()
    number = fields.String(allow_none=True, metadata={
        "description": "文号 as printed (清市监罚〔2026〕7号): issued by the system from the department's pattern "
                       "when the step was completed; null for a document whose step issues none"})
    links = fields.Dict(keys=fields.String(), values=fields.String(),
                        metadata={"description": "download path per format: docx, html"})


class DocumentListSchema(Schema):
    items = fields.List(fields.Nested(DocumentSchema))


class AttachmentSchema(Schema):
    """A file kept with the case (services/evidence/attachments.py): a signature drawn on the screen."""

    kind = fields.String(metadata={"description": "signature"})
    sha256 = fields.String(metadata={"description": "the SHA-256 of its bytes: a step's form names it by this"})
    media_type = fields.String(metadata={"description": "image/png"})
    size = fields.Integer(metadata={"description": "bytes"})
    stored_at = LocalDateTime()
    stored_by = fields.Function(lambda a: a.stored_by.username)
    link = fields.Function(lambda a: f"/api/v1/cases/{a.case_id}/attachments/{a.sha256}",
                           metadata={"description": "where to read its bytes"})
    created = fields.Boolean(metadata={"description": "false: the same drawing was stored before"})


class EvidenceWithdrawalSchema(Schema):
    reason = fields.String()
    withdrawn_by = fields.Function(lambda w: w.withdrawn_by.username)
    withdrawn_at = LocalDateTime()


class EvidenceSchema(Schema):
    """An item of the case's evidence list (证据清单, services/evidence/items.py)."""

    id = fields.Integer()
    case_id = fields.Integer()
    task_id = fields.Integer(allow_none=True, metadata={"description": "the step that collected it"})
    bpmn_id = fields.String(allow_none=True)
    sha256 = fields.String(metadata={"description": "the SHA-256 of its bytes, as the case's trail records it"})
    size = fields.Integer(metadata={"description": "bytes"})
    content_type = fields.String(metadata={"description": "sniffed from the bytes, not the file name"})
    filename = fields.String()
    title = fields.String()
    kind = fields.String(metadata={"description": "APL 46: documentary, physical, audiovisual, electronic, "
                                                  "witness_testimony, party_statement, expert_opinion, "
                                                  "inspection_record"})
    source = fields.String(allow_none=True)
    proves = fields.String(allow_none=True, metadata={"description": "what it proves (证明事项)"})
    collected_on = fields.Date(allow_none=True)
    collected_by = fields.Function(lambda e: e.collected_by.username)
    stored_at = LocalDateTime()
    withdrawn = fields.Nested(EvidenceWithdrawalSchema, attribute="withdrawal", allow_none=True,
                              metadata={"description": "null while it stands on the list"})
    content = fields.Function(lambda e: f"/api/v1/cases/{e.case_id}/evidence/{e.id}/content",
                              metadata={"description": "where to read its bytes"})


EvidenceListSchema = _cursor_page_of(EvidenceSchema, "EvidenceListSchema")


class EvidenceWithdrawSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


# -- the supervision dashboard (services/oversight/dashboard.py) -----------------------------------------------
class SeverityCountsSchema(Schema):
    high = fields.Integer()
    medium = fields.Integer()
    low = fields.Integer()


class RuleCountSchema(Schema):
    code = fields.String(metadata={"description": "the rule, e.g. SERVICE_LATE"})
    name = fields.String(metadata={"description": "the rule's name, in the request's language"})
    severity = fields.String()
    basis = fields.String(metadata={"description": "the legal basis"})
    count = fields.Integer()


class DepartmentRowSchema(Schema):
    department = fields.String(metadata={"description": "department code"})
    name = fields.String(metadata={"description": "the department's name, in the request's language"})
    total = fields.Integer()


class DepartmentAlertsSchema(SeverityCountsSchema, DepartmentRowSchema):
    pass


class TimeLeftCountsSchema(Schema):
    overdue = fields.Integer(metadata={"description": "past their due time"})
    due_soon = fields.Integer(metadata={"description": "due within `due_soon_days` days"})
    later = fields.Integer()
    no_due = fields.Integer(metadata={"description": "with no time limit"})


class DepartmentStepsSchema(TimeLeftCountsSchema, DepartmentRowSchema):
    pass


class StatusCountSchema(Schema):
    status = fields.String()
    name = fields.String(metadata={"description": "the status, in the request's language"})
    count = fields.Integer()


class WeekCountSchema(Schema):
    week_start = fields.Date(metadata={"description": "the week's Monday (Beijing)"})
    count = fields.Integer()


class SummaryAlertsSchema(Schema):
    active = fields.Integer(metadata={"description": "open or acknowledged"})
    by_severity = fields.Nested(SeverityCountsSchema)
    by_rule = fields.List(fields.Nested(RuleCountSchema), metadata={"description": "most first"})
    by_department = fields.List(fields.Nested(DepartmentAlertsSchema), metadata={"description": "most high first"})


class KindCountSchema(Schema):
    kind = fields.String(metadata={"description": "penalty, coercion, inspection, referral or other"})
    name = fields.String(metadata={"description": "行政处罚, 行政强制, … in the request's language"})
    total = fields.Integer()
    open = fields.Integer(metadata={"description": "not closed (结案)"})


class DepartmentKindsSchema(DepartmentRowSchema):
    total = fields.Integer()
    by_kind = fields.List(fields.Nested(KindCountSchema), metadata={"description": "the kinds it has cases of"})


class SummaryCasesSchema(Schema):
    total = fields.Integer()
    in_progress = fields.Integer(metadata={"description": "neither closed nor not filed"})
    by_status = fields.List(fields.Nested(StatusCountSchema))
    by_kind = fields.List(fields.Nested(KindCountSchema), metadata={
        "description": "by kind of procedure (行政处罚, 行政强制, 行政检查, …), every kind"})
    by_department = fields.List(fields.Nested(DepartmentKindsSchema), metadata={
        "description": "each department's cases by kind of procedure, most cases first"})


class SummaryStepsSchema(Schema):
    due_soon_days = fields.Integer()
    by_time_left = fields.Nested(TimeLeftCountsSchema)
    by_department = fields.List(fields.Nested(DepartmentStepsSchema), metadata={"description": "most overdue first"})


class OversightSummarySchema(Schema):
    department = fields.String(allow_none=True, metadata={"description": "the department filter, if any"})
    as_of = BeijingDateTime()
    alerts = fields.Nested(SummaryAlertsSchema, metadata={"description": "active alerts"})
    cases = fields.Nested(SummaryCasesSchema)
    steps = fields.Nested(SummaryStepsSchema, metadata={"description": "ready steps by their time left"})
    alerts_per_week = fields.List(fields.Nested(WeekCountSchema),
                                  metadata={"description": "alerts raised per week, oldest first, this week last"})


def oversight_summary(s) -> dict:
    """The dashboard's Summary as OversightSummarySchema dumps it, names in the request's language."""
    from ..services.cases.worklists import DUE_SOON
    from ..services.oversight.dashboard import unit_name
    from ..services.procedures.statuses import status_words

    lang = page_language()
    words = status_words()
    return OversightSummarySchema().dump({
        "department": s.department.code if s.department else None, "as_of": s.now,
        "alerts": {"active": s.active_alerts, "by_severity": s.alerts_by_severity,
                   "by_rule": [{"code": r.code, "name": rule_name(r.code, lang), "severity": r.severity,
                                "basis": getattr(CATALOGUE.get(r.code), "basis", None), "count": r.count}
                               for r in s.alerts_by_rule],
                   "by_department": [{"department": d.unit.code, "name": unit_name(d.unit, lang), **d.counts,
                                      "total": d.total} for d in s.alerts_by_department]},
        "cases": {"total": sum(s.cases_by_status.values()), "in_progress": s.open_cases,
                  "by_status": [{"status": k, "name": words.get(k, k), "count": n}
                                for k, n in s.cases_by_status.items()],
                  "by_kind": _kind_counts(s.cases_by_kind.counts, lang),
                  "by_department": [{"department": d.unit.code, "name": unit_name(d.unit, lang), "total": d.total,
                                     "by_kind": _kind_counts(d.counts, lang)} for d in s.kinds_by_department]},
        "steps": {"due_soon_days": DUE_SOON.days, "by_time_left": s.steps_by_time_left,
                  "by_department": [{"department": d.unit.code, "name": unit_name(d.unit, lang), **d.counts,
                                     "total": d.total} for d in s.steps_by_department]},
        "alerts_per_week": [{"week_start": monday, "count": n} for monday, n in s.alerts_per_week],
    })


def _kind_counts(counts: dict[str, tuple[int, int]], lang: str) -> list[dict]:
    from ..oversight import procedure_kinds

    return [{"kind": kind, "name": procedure_kinds.label(kind, lang), "total": total, "open": still_open}
            for kind, (total, still_open) in counts.items()]


class BenchmarkTierSchema(Schema):
    tier = fields.String(metadata={"description": "no_penalty, mitigated, lighter, ordinary or heavier"})
    min_fine = fields.Float()
    max_fine = fields.Float()
    circumstances = fields.String()


class BenchmarkItemSchema(Schema):
    code = fields.String()
    title = fields.String()
    tiers = fields.List(fields.Nested(BenchmarkTierSchema))


def _range_words(cause) -> str:
    from ..services.registers.causes import range_words

    words = range_words(cause)
    return words.zh if page_language() == "zh" else str(words)


class CauseSchema(Schema):
    department = fields.Function(lambda c: c.department.code, metadata={"description": "the department's code"})
    code = fields.String(metadata={"description": "the cause's code in the department's powers list"})
    name = fields.String(metadata={"description": "the violation (案由)"})
    violated_provision = fields.String()
    penalty_provision = fields.String()
    penalty_kinds = fields.List(fields.String(), metadata={"description": "APL Art. 9 kinds the provision allows"})
    min_fine = fields.Float(allow_none=True, metadata={"description": "yuan; null: the law sets no fixed minimum"})
    max_fine = fields.Float(allow_none=True, metadata={"description": "yuan; null: no fixed maximum"})
    multiple_basis = fields.String(allow_none=True, metadata={
        "description": "illegal_gain (违法所得) or goods_value (货值金额): the amount a range in multiples counts"})
    min_multiple = fields.Float(allow_none=True)
    max_multiple = fields.Float(allow_none=True)
    multiple_from = fields.Float(allow_none=True, metadata={
        "description": "the multiples apply from this amount of their basis (yuan); below it, the fixed range"})
    statutory_range = fields.Function(_range_words, metadata={"description": "the range in words, in the request's "
                                                                              "language"})
    benchmark_item = fields.String(allow_none=True, metadata={"description": "its discretion benchmark's code"})


class CauseDetailSchema(CauseSchema):
    benchmark = fields.Nested(BenchmarkItemSchema, allow_none=True,
                              metadata={"description": "the discretion benchmark item with its tiers; null if none"})


class DepartmentSettingsSchema(Schema):
    payment_bank = fields.String(allow_none=True, metadata={"description": "the bank where fines are paid (APL 67)"})
    payment_account = fields.String(allow_none=True, metadata={"description": "the account fines are paid to"})
    payment_place = fields.String(allow_none=True, metadata={"description": "the place of payment (APL 59, 67)"})
    reconsideration_body = fields.String(allow_none=True, metadata={
        "description": "复议机关 (行政复议法 Art. 24): the people's government at the department's level unless set"})
    court = fields.String(allow_none=True, metadata={
        "description": "the people's court with jurisdiction (行政诉讼法 Art. 18): the district's court unless set"})


class DepartmentSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    parent = fields.String(allow_none=True, metadata={"description": "the parent unit's code"})
    enforcement_domains = fields.List(fields.String(), metadata={"description": "执法领域, codes"})
    penalty_powers = fields.List(fields.String(), metadata={"description": "the penalty kinds of its powers list"})
    settings = fields.Nested(DepartmentSettingsSchema, metadata={
        "description": "the settings in force, each set by an administrator or derived from the org tree"})
    settings_set = fields.List(fields.String(), metadata={
        "description": "the keys of `settings` an administrator set (the others are derived or not set)"})


class NumberingKindSchema(Schema):
    kind = fields.String(metadata={"description": "the kind of number: case (案号), inspection_case, penalty_decision …"})
    code = fields.String(allow_none=True, metadata={"description": "its code (字), e.g. 罚"})
    own = fields.Boolean(metadata={"description": "the department set this code (else the default)"})
    next_seq = fields.Integer(metadata={"description": "the seq the next number of this year would take (read "
                                                       "without issuing it)"})
    example = fields.String(allow_none=True, metadata={
        "description": "the next number as it would print; null: the department cannot number this kind yet"})


class NumberingSchema(Schema):
    department = fields.String(metadata={"description": "the department's code"})
    name = fields.String()
    abbr = fields.String(allow_none=True, metadata={"description": "机关代字, the short name its numbers begin with; "
                                                                   "null: not set (documents cannot be numbered)"})
    pattern = fields.String(metadata={"description": "the pattern naming {kind}, {year} and {seq} (or {seq:0N})"})
    pattern_set = fields.Boolean(metadata={"description": "the department set its pattern (else the default)"})
    year = fields.Integer(metadata={"description": "the (Beijing) year of the examples"})
    kinds = fields.List(fields.Nested(NumberingKindSchema))


class NumberingSetSchema(Schema):
    abbr = fields.String(load_default=None, metadata={"description": "the short name (机关代字), 1 to 20 characters"})
    pattern = fields.String(load_default=None, metadata={
        "description": "e.g. {abbr}{kind}〔{year}〕{seq}号; must name {kind}, {year} and {seq} (or {seq:0N})"})
    codes = fields.Dict(keys=fields.String(validate=Length(min=1, max=64)),
                        values=fields.String(allow_none=True, validate=Length(max=64)), load_default=None,
                        metadata={"description": "kind -> code (字); an empty code or null restores the default"})


CauseListSchema = Schema.from_dict({"department": fields.String(), **_cursor_page_fields(CauseSchema)},
                                   name="CauseListSchema")


class PenaltyListItemSchema(Schema):
    department = fields.Function(lambda i: i.department.code, metadata={"description": "the department's code"})
    code = fields.String(metadata={"description": "the item's code in the department's lists"})
    cause = fields.Function(lambda i: i.cause.code, metadata={
        "description": "the cause (案由) of the department's causes register the item applies to"})
    cause_name = fields.Function(lambda i: i.cause.name, metadata={"description": "the violation"})
    kind = fields.String(metadata={"description": "no_penalty (首违不罚 / 不予处罚清单, APL Art. 33) or light "
                                                  "(从轻减轻处罚清单, APL Art. 32)"})
    tier = fields.String(allow_none=True, metadata={
        "description": "of a light item, what its circumstance grounds: lighter (从轻, within the statutory range), "
                       "mitigated (减轻, below the statutory minimum, APL Art. 32) or lighter_or_mitigated (从轻或者减轻); "
                       "null for a no_penalty item"})
    conditions = fields.String(metadata={"description": "what the case must meet"})
    legal_ground = fields.String(metadata={"description": "the provision the item rests on"})
    first_violation = fields.Boolean(metadata={"description": "the item applies only to a first violation"})
    look_back_months = fields.Function(
        lambda i: (i.look_back_months or 12) if i.first_violation else None, allow_none=True,
        metadata={"description": "over how many months a first violation is judged (12 unless the item says); "
                                 "null for an item not limited to a first violation"})
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True, metadata={"description": "null: no end set"})
    document = fields.String(metadata={"description": "the document that issued the item"})


class PenaltyListSchema(Schema):
    department = fields.String()
    items = fields.List(fields.Nested(PenaltyListItemSchema))


# -- the legal reviewer's sheet (法制审核, services/cases/review_sheet.py) --------------------------------------
def _said(phrase) -> str | None:
    """A message given in both languages, in the request's."""
    if phrase is None:
        return None
    return phrase.zh if page_language() == "zh" and hasattr(phrase, "zh") else str(phrase)


class EarlierPenaltySchema(Schema):
    case_id = fields.Function(lambda p: p.case.id)
    case_number = fields.Function(lambda p: p.case.number)
    decided_on = fields.Date()


class FirstViolationSchema(Schema):
    first = fields.Boolean(allow_none=True, metadata={
        "description": "true: the parties register shows the party penalized for the item's cause in the department "
                       "on no day of the look-back; false: it does (`earlier`); null: the case's party is not identified "
                       "in the register, so it cannot be judged"})
    months = fields.Integer(metadata={"description": "the look-back (the item's, 12 where it gives none)"})
    since = fields.Date(metadata={"description": "the look-back's first day"})
    until = fields.Date(metadata={"description": "the day judged on (today)"})
    earlier = fields.List(fields.Nested(EarlierPenaltySchema), metadata={
        "description": "the party's cases decided with a penalty for the cause within the look-back"})


class ListFindingSchema(Schema):
    code = fields.String(metadata={"description": "the list item the case was assessed against"})
    meets = fields.Boolean(metadata={"description": "the officer's finding: the case meets the item's conditions"})
    item = fields.Nested(PenaltyListItemSchema, allow_none=True, metadata={
        "description": "the item in the department's lists (its kind, conditions, legal ground); null: not in them"})
    first_violation = fields.Nested(FirstViolationSchema, attribute="first", allow_none=True, metadata={
        "description": "whether the party is a first violator per the parties register; null: no such item"})
    consistent = fields.Boolean(allow_none=True, metadata={
        "description": "whether the penalty proposed agrees with the item the case meets (a no-penalty item: no "
                       "penalty; a light item: no tier or fine heavier than the benchmark's tiers the item names, "
                       "从轻, 减轻 or either, else LIGHT_LIST_NOT_APPLIED); null: nothing to judge (the case does not meet the item, or it is "
                       "not in the lists)"})
    consistency = fields.Function(lambda f: _said(f.consistency), allow_none=True, metadata={
        "description": "why, in the request's language"})


class ReviewBenchmarkSchema(Schema):
    code = fields.String(metadata={"description": "the benchmark item the report names"})
    title = fields.Function(lambda b: b.item.title if b.item else None, allow_none=True, metadata={
        "description": "null: the register has no such item"})
    tier = fields.String(allow_none=True, metadata={"description": "the tier the report proposes"})
    fine = fields.Float(allow_none=True, metadata={"description": "the fine the report proposes (yuan)"})
    range = fields.Nested(BenchmarkTierSchema, allow_none=True, metadata={
        "description": "the proposed tier's range; null: the register has none for it"})
    within = fields.Boolean(allow_none=True, metadata={
        "description": "the proposed fine lies in the proposed tier's range; null: nothing to compare"})


class ReviewRefusalSchema(Schema):
    code = fields.String()
    article = fields.String(allow_none=True)
    message = fields.Function(refusal_message, metadata={"description": "in the request's language"})


class ReviewSheetSchema(Schema):
    task_id = fields.Function(lambda s: s.task.id)
    case_id = fields.Function(lambda s: s.task.case_id)
    case_number = fields.Function(lambda s: s.overview.case.number)
    may_act = fields.Boolean(metadata={"description": "you may record this review now"})
    not_ready = fields.Boolean(metadata={"description": "the review was completed or withdrawn meanwhile"})
    forbidden = fields.Function(lambda s: localized(s.forbidden) if s.forbidden else None, allow_none=True,
                                metadata={"description": "not your review (role or org scope): why, in the request's "
                                                         "language"})
    refusal = fields.Nested(ReviewRefusalSchema, allow_none=True, metadata={
        "description": "the law forbids you this review (REVIEWER_CONFLICT, …): the code, article and message"})
    report_task_id = fields.Function(lambda s: s.report.id if s.report else None, allow_none=True, metadata={
        "description": "the investigation report reviewed (its task; its data: GET /tasks/{id})"})
    benchmark = fields.Nested(ReviewBenchmarkSchema, allow_none=True, metadata={
        "description": "the report's discretion benchmark item, tier and fine; null: it names none"})
    penalty_list = fields.Nested(ListFindingSchema, allow_none=True, metadata={
        "description": "the report's finding on the no-penalty and light-penalty lists (首违不罚 / 从轻减轻处罚清单, "
                       "APL 32, 33) and its proposal against it; null: it records none"})
