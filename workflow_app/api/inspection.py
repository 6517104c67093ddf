"""Enterprise inspections through the API (涉企行政检查): the register of market entities the
targets are drawn from (services/registers/market_entities.py) and the departments' yearly inspection plans
(services/inspections/plans.py)."""
from flask import g, jsonify, request, url_for
from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf, Range

from ..extensions import db
from ..i18n import localized
from ..services import paging
from ..services.errors import Invalid, tr
from ..services.inspections import draws as inspection_draws
from ..services.inspections import joint_visits
from ..services.inspections import plans as inspection_plans
from ..services.registers import market_entities
from . import bp
from .openapi import operation
from .routes import PAGING, _int_arg, _page, json_body, per_page_arg
from .schemas import LocalDateTime, _page_of


class MarketEntitySchema(Schema):
    """One market entity (市场主体) of the register."""

    id = fields.Integer()
    credit_code = fields.String(metadata={"description": "the unified social credit code (GB 32100-2015)"})
    name = fields.String()
    address = fields.String()
    industry = fields.String(metadata={"description": "the section of GB/T 4754-2017, A..T"})
    industry_name = fields.Function(lambda e: market_entities.industry_label(e.industry))
    risk_grade = fields.String(metadata={"description": "the credit risk grade, A (low) .. D (high)"})
    region = fields.Function(lambda e: e.region.code, metadata={"description": "the org unit it belongs to"})
    imported_at = LocalDateTime()


MarketEntityPageSchema = _page_of(MarketEntitySchema, "MarketEntityPageSchema")
ImportResultSchema = Schema.from_dict({"created": fields.Integer(), "updated": fields.Integer()},
                                      name="MarketEntityImportSchema")


@bp.get("/market-entities")
@operation("The register of market entities (市场主体名录), by name: search by a part of the name or the "
           "beginning of the credit code, filter by industry, risk grade and region; any logged-in user reads it",
           response=MarketEntityPageSchema, tag="inspections",
           params={"q": ("a part of the name, or the beginning of the credit code",
                         {"type": "string", "maxLength": market_entities.QUERY_MAX}),
                   "industry": ("a section of GB/T 4754-2017", {"type": "string",
                                                                "enum": list(market_entities.INDUSTRIES)}),
                   "risk_grade": ("a credit risk grade", {"type": "string",
                                                          "enum": list(market_entities.RISK_GRADES)}),
                   "region": ("an org unit's code: its entities and those of the units below it",
                              {"type": "string", "maxLength": 64}),
                   **PAGING})
def list_market_entities():
    page = _int_arg("page", 1, 1, paging.PAGE_NUMBER_ROWS)
    per_page = per_page_arg(market_entities.PAGE_SIZE)
    args = request.args
    found = market_entities.search(args.get("q"), args.get("industry") or None, args.get("risk_grade") or None,
                                   args.get("region") or None, after=args.get("after") or None, page=page,
                                   per_page=per_page)
    return jsonify(_page(found, MarketEntitySchema, page, per_page))


@bp.get("/market-entities/<id:entity_id>")
@operation("One market entity of the register", response=MarketEntitySchema, tag="inspections")
def get_market_entity(entity_id: int):
    return jsonify(MarketEntitySchema().dump(market_entities.get(entity_id)))


@bp.post("/market-entities/import")
@operation("Import market entities from a CSV file (administrator; multipart field `file`: columns credit_code, "
           "name, address, industry, risk_grade, region; UTF-8 with or without a BOM, or GBK). All or nothing: a "
           "file with a wrong line is a 422 whose `errors` name every wrong line (`line N`, the header being "
           "line 1) and nothing is imported; a code registered already updates that entity. Traced on the "
           "system chain (market_entities.imported) with the file's SHA-256",
           body="multipart", response=ImportResultSchema, tag="inspections")
def import_market_entities():
    upload = request.files.get("file")
    if upload is None:
        raise Invalid({"file": [tr("send the file as the multipart file field 'file'")]},
                      tr("nothing was imported"))
    created, updated = market_entities.import_csv(upload.read(), g.user)
    return jsonify({"created": created, "updated": updated})


# -- inspection plans (年度检查计划) -------------------------------------------------------------------------
class PlanItemSchema(Schema):
    cause = fields.String(required=True, validate=Length(1, 64), metadata={
        "description": "a cause of the department's causes register (its powers list): the provision checked"})
    title = fields.String(load_default=None, allow_none=True, validate=Length(0, inspection_plans.ITEM_TITLE_MAX),
                          metadata={"description": "the item's name (default: the cause's)"})


class PopulationSchema(Schema):
    region = fields.String(load_default=None, allow_none=True, validate=Length(0, 64), metadata={
        "description": "an org unit's code (default: the department's district)"})
    industries = fields.List(fields.String(validate=OneOf(list(market_entities.INDUSTRIES))), load_default=list,
                             validate=Length(0, len(market_entities.INDUSTRIES)),
                             metadata={"description": "GB/T 4754-2017 sections; none: any"})
    risk_grades = fields.List(fields.String(validate=OneOf(list(market_entities.RISK_GRADES))), load_default=list,
                              validate=Length(0, len(market_entities.RISK_GRADES)),
                              metadata={"description": "credit risk grades; none: any"})


class PlanChangeSchema(Schema):
    """The fields of a plan (a change names only those it changes)."""

    title = fields.String(validate=Length(1, inspection_plans.TITLE_MAX))
    items = fields.List(fields.Nested(PlanItemSchema), validate=Length(1, inspection_plans.MAX_ITEMS))
    population = fields.Nested(PopulationSchema)
    max_per_enterprise = fields.Integer(strict=True, validate=Range(1, inspection_plans.MAX_FREQUENCY), metadata={
        "description": "how many times a year the department may inspect one enterprise"})
    version = fields.Integer(validate=Range(1, 2**31 - 1), metadata={
        "description": "the version you read: a plan changed since is a 409"})


class PlanDraftSchema(PlanChangeSchema):
    department = fields.String(validate=Length(1, 64), metadata={"description": "default: your department"})
    year = fields.Integer(required=True, strict=True, validate=Range(2000, 2100))
    title = fields.String(required=True, validate=Length(1, inspection_plans.TITLE_MAX))
    items = fields.List(fields.Nested(PlanItemSchema), required=True, validate=Length(1, inspection_plans.MAX_ITEMS))
    max_per_enterprise = fields.Integer(required=True, strict=True, validate=Range(1, inspection_plans.MAX_FREQUENCY))


class PlanActSchema(Schema):
    version = fields.Integer(validate=Range(1, 2**31 - 1))


class PlanReturnSchema(PlanActSchema):
    reason = fields.String(required=True, validate=Length(1, inspection_plans.REASON_MAX))


class PlanSchema(Schema):
    id = fields.Integer()
    department = fields.Function(lambda p: p.department.code)
    department_name = fields.Function(lambda p: p.department.name)
    year = fields.Integer()
    title = fields.String()
    status = fields.String(metadata={"description": "draft, submitted, approved or published"})
    items = fields.List(fields.Dict())
    population = fields.Dict()
    population_size = fields.Function(inspection_plans.population_size, metadata={
        "description": "market entities of the register the population holds now"})
    max_per_enterprise = fields.Integer()
    return_reason = fields.String(allow_none=True)
    drafted_by = fields.Function(lambda p: p.drafted_by.username)
    drafted_at = LocalDateTime()
    submitted_at = LocalDateTime(allow_none=True)
    approved_by = fields.Function(lambda p: p.approved_by.username if p.approved_by else None)
    approved_at = LocalDateTime(allow_none=True)
    published_at = LocalDateTime(allow_none=True)
    version = fields.Integer()


PlanListSchema = Schema.from_dict({"items": fields.List(fields.Nested(PlanSchema))}, name="InspectionPlanListSchema")


@bp.get("/inspection-plans")
@operation("The yearly inspection plans (年度检查计划) of the departments in your scope, newest year first",
           response=PlanListSchema, tag="inspections",
           params={"year": ("only that year's", {"type": "integer", "minimum": 2000, "maximum": 2100})})
def list_inspection_plans():
    year = _int_arg("year", 0, 2000, 2100) if request.args.get("year") is not None else None
    return jsonify({"items": PlanSchema(many=True).dump(inspection_plans.plans_of(g.user, year))})


@bp.post("/inspection-plans")
@operation("Draft the department's inspection plan for a year (officer or department head): its items (causes of "
           "the department's powers list), target population (region, industries, risk grades of the register of "
           "market entities) and the yearly frequency allowed per enterprise; one plan a department and year (a "
           "second is a 409). Traced (inspection_plan.drafted)", body=PlanDraftSchema, response=PlanSchema,
           tag="inspections", location="the plan (GET /inspection-plans/{id})")
def draft_inspection_plan():
    plan = inspection_plans.draft(g.user, json_body(PlanDraftSchema()))
    return jsonify(PlanSchema().dump(plan)), 201, {"Location": url_for("api.get_inspection_plan", plan_id=plan.id)}


@bp.get("/inspection-plans/<id:plan_id>")
@operation("One inspection plan", response=PlanSchema, tag="inspections")
def get_inspection_plan(plan_id: int):
    return jsonify(PlanSchema().dump(inspection_plans.get(g.user, plan_id)))


@bp.post("/inspection-plans/<id:plan_id>")
@operation("Change a draft plan (officer or department head): the fields given; each change traced with its "
           "value before and after (inspection_plan.changed)", body=PlanChangeSchema, response=PlanSchema,
           tag="inspections")
def change_inspection_plan(plan_id: int):
    return jsonify(PlanSchema().dump(inspection_plans.change(g.user, plan_id, json_body(PlanChangeSchema()))))


def _act(plan_id: int, action):
    payload = json_body(PlanActSchema(), empty_ok=True)
    return jsonify(PlanSchema().dump(action(g.user, plan_id, payload.get("version"))))


@bp.post("/inspection-plans/<id:plan_id>/submit")
@operation("Submit a draft plan for the head's approval (officer or department head)", body=PlanActSchema,
           response=PlanSchema, tag="inspections")
def submit_inspection_plan(plan_id: int):
    return _act(plan_id, inspection_plans.submit)


@bp.post("/inspection-plans/<id:plan_id>/approve")
@operation("Approve a submitted plan (a department head who did not draft it)", body=PlanActSchema,
           response=PlanSchema, tag="inspections")
def approve_inspection_plan(plan_id: int):
    return _act(plan_id, inspection_plans.approve)


@bp.post("/inspection-plans/<id:plan_id>/return")
@operation("Return a submitted plan to draft with the reason (department head)", body=PlanReturnSchema,
           response=PlanSchema, tag="inspections")
def return_inspection_plan(plan_id: int):
    payload = json_body(PlanReturnSchema())
    return jsonify(PlanSchema().dump(inspection_plans.return_plan(g.user, plan_id, payload["reason"],
                                                                  payload.get("version"))))


@bp.post("/inspection-plans/<id:plan_id>/publish")
@operation("Publish an approved plan (department head): it cannot change any more and the public page lists it",
           body=PlanActSchema, response=PlanSchema, tag="inspections")
def publish_inspection_plan(plan_id: int):
    return _act(plan_id, inspection_plans.publish)


# -- the random draw (双随机) -----------------------------------------------------------------------------
class DrawRequestSchema(Schema):
    item = fields.String(required=True, validate=Length(1, 8), metadata={"description": "the plan item's code"})
    targets = fields.Integer(required=True, strict=True, validate=Range(1, inspection_draws.MAX_TARGETS),
                             metadata={"description": "how many enterprises to draw"})
    inspectors_per_target = fields.Integer(strict=True, validate=Range(inspection_draws.MIN_INSPECTORS,
                                                                        inspection_draws.MAX_INSPECTORS),
                                           metadata={"description": "officers drawn per enterprise (default 2)"})


class DrawTargetSchema(Schema):
    credit_code = fields.String()
    name = fields.String()
    inspectors = fields.List(fields.String())
    case_id = fields.Integer(allow_none=True)


class DrawSchema(Schema):
    id = fields.Integer()
    plan_id = fields.Integer()
    department = fields.Function(lambda d: d.department.code)
    item_code = fields.String()
    seed = fields.String(metadata={"description": "drawn by the server; the result follows from it and the inputs"})
    target_count = fields.Integer()
    inspectors_per_target = fields.Integer()
    inputs = fields.Dict(metadata={"description": "population (credit codes), officers (usernames), excluded "
                                                  "(codes at the plan's yearly frequency)"})
    inputs_sha256 = fields.String()
    result = fields.List(fields.Nested(DrawTargetSchema))
    drawn_by = fields.Function(lambda d: d.drawn_by.username)
    drawn_at = LocalDateTime()


DrawListSchema = Schema.from_dict({"items": fields.List(fields.Nested(DrawSchema))}, name="InspectionDrawListSchema")
VerificationSchema = Schema.from_dict({
    "matches": fields.Boolean(), "inputs_intact": fields.Boolean(),
    "recomputed": fields.List(fields.Dict()), "differences": fields.List(fields.String())},
    name="InspectionDrawVerificationSchema")
OpenedSchema = Schema.from_dict({"failed": fields.List(fields.Dict()), "draw": fields.Nested(DrawSchema)},
                                name="InspectionDrawOpenedSchema")


@bp.post("/inspection-plans/<id:plan_id>/draws")
@operation("Draw targets and inspectors (双随机) under an item of a published plan (an officer of its department): "
           "the server draws the seed; the seed, the inputs' SHA-256 and the result go on the trail "
           "(inspection_draw.made); each target's inspection case is then opened with its first step recorded. "
           "`failed` names the targets whose case could not be opened (POST /inspection-draws/{id}/open-cases "
           "again)", body=DrawRequestSchema, response=OpenedSchema, tag="inspections",
           location="the draw (GET /inspection-draws/{id})")
def make_inspection_draw(plan_id: int):
    found, failed = inspection_draws.make(g.user, plan_id, json_body(DrawRequestSchema()))
    body = {"draw": DrawSchema().dump(found),
            "failed": [{"credit_code": f["credit_code"], "error": localized(f["error"])} for f in failed]}
    return jsonify(body), 201, {"Location": url_for("api.get_inspection_draw", draw_id=found.id)}


@bp.get("/inspection-plans/<id:plan_id>/draws")
@operation("The draws made under a plan", response=DrawListSchema, tag="inspections")
def list_inspection_draws(plan_id: int):
    plan = inspection_plans.get(g.user, plan_id)
    return jsonify({"items": DrawSchema(many=True).dump(inspection_draws.draws_of(plan))})


@bp.get("/inspection-draws/<id:draw_id>")
@operation("One draw: its seed, inputs, their SHA-256 and the result with each target's case", response=DrawSchema,
           tag="inspections")
def get_inspection_draw(draw_id: int):
    return jsonify(DrawSchema().dump(inspection_draws.get(g.user, draw_id)))


@bp.post("/inspection-draws/<id:draw_id>/verify")
@operation("Re-draw from the recorded seed and inputs (supervisor): whether the inputs are those the trail "
           "recorded and the result follows from them; traced (inspection_draw.verified)",
           response=VerificationSchema, tag="inspections")
def verify_inspection_draw(draw_id: int):
    outcome = inspection_draws.verify(g.user, draw_id)
    return jsonify({"matches": outcome.matches, "inputs_intact": outcome.inputs_intact,
                    "recomputed": outcome.recomputed, "differences": outcome.differences})


@bp.post("/inspection-draws/<id:draw_id>/open-cases")
@operation("Open the inspection case of every target of the draw that has none yet (officer)", response=OpenedSchema,
           tag="inspections")
def open_inspection_draw_cases(draw_id: int):
    failed = inspection_draws.open_cases(g.user, draw_id)
    return jsonify({"failed": [{"credit_code": f["credit_code"], "error": localized(f["error"])} for f in failed],
                    "draw": DrawSchema().dump(inspection_draws.get(g.user, draw_id))})


# -- joint visits (进一次门、查多项事) -------------------------------------------------------------------------
class JointVisitStartSchema(Schema):
    case_id = fields.Integer(required=True, strict=True, validate=Range(1, 2**31 - 1),
                             metadata={"description": "your department's open inspection case"})
    visit_on = fields.String(required=True, validate=Length(10, 10), metadata={"description": "the day (YYYY-MM-DD)"})


class JointVisitJoinSchema(Schema):
    case_id = fields.Integer(required=True, strict=True, validate=Range(1, 2**31 - 1),
                             metadata={"description": "your department's open inspection case of the same enterprise"})


def _joint_visit(visit) -> dict:
    from ..models import Party

    party = db.session.get(Party, visit.party_id)
    return {"id": visit.id, "visit_on": visit.visit_on.isoformat(), "enterprise": party.name,
            "credit_code": party.id_number,
            "departments": [{"department": m.department.code, "department_name": m.department.name,
                             "case_id": m.case.id if m.case else None}
                            for m in joint_visits.members(g.user, visit)]}


JointVisitSchema = Schema.from_dict({
    "id": fields.Integer(), "visit_on": fields.String(), "enterprise": fields.String(), "credit_code": fields.String(),
    "departments": fields.List(fields.Dict(), metadata={"description": "each department taking part; its case "
                                                                        "where you may read it"})},
    name="JointVisitSchema")


@bp.post("/joint-visits")
@operation("Start a joint inspection visit (进一次门、查多项事) from your department's open inspection case, on a day "
           "(officer); other departments join it with their own case of the same enterprise. Traced on the case",
           body=JointVisitStartSchema, response=JointVisitSchema, tag="inspections",
           location="the joint visit (GET /joint-visits/{id})")
def start_joint_visit():
    payload = json_body(JointVisitStartSchema())
    visit = joint_visits.start(g.user, payload["case_id"], payload["visit_on"])
    return jsonify(_joint_visit(visit)), 201, {"Location": url_for("api.get_joint_visit", visit_id=visit.id)}


@bp.get("/joint-visits/<id:visit_id>")
@operation("A joint visit: its day, enterprise and the departments taking part", response=JointVisitSchema,
           tag="inspections")
def get_joint_visit(visit_id: int):
    return jsonify(_joint_visit(joint_visits.get(g.user, visit_id)))


@bp.post("/joint-visits/<id:visit_id>/cases")
@operation("Join a joint visit with your department's open inspection case of the same enterprise (officer; one "
           "case per department). Traced on the case", body=JointVisitJoinSchema, response=JointVisitSchema,
           tag="inspections")
def join_joint_visit(visit_id: int):
    payload = json_body(JointVisitJoinSchema())
    return jsonify(_joint_visit(joint_visits.join(g.user, visit_id, payload["case_id"])))
