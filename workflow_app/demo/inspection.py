"""The demo's enterprise inspections (涉企行政检查): this year's inspection plans of three
departments, each at a stage of its life, made through the same services as the pages —
市场监督管理局's published (drafted by officer1, approved by head1), 生态环境分局's submitted and
awaiting its head's approval, 交通运输局's still a draft — and the market bureau's inspection cases
at each stage (STAGES): a random draw under its plan, then each drawn case brought to its stage
by the same steps an officer takes (dated today: the draw is made today), and three inspections
outside the draw."""
import io
from datetime import date, timedelta

from ..extensions import db
from ..models import Case, InspectionPlan, MarketEntity, Party, User
from ..services.cases import lifecycle as cases
from ..services.cases import requests as case_requests
from ..services.evidence import attachments
from ..services.evidence import items as evidence
from ..services.inspections import draws as inspection_draws
from ..services.inspections import joint_visits
from ..services.inspections import plans as inspection_plans
from ..services.registers import market_entities
from ..wall_clock import local_today
from .evidence import site_photo
from .signature import drawn_signature

# (department, drafter, approver or None, stage, plan fields)
PLANS = [
    ("market", "officer1", "head1", "published", {
        "title": "市场监督管理局年度“双随机、一公开”抽查计划",
        "items": [{"cause": "SCJG-SP-126-03", "title": "食品经营者进货查验记录制度执行情况"},
                  {"cause": "SCJG-SP-124-01", "title": "超过保质期食品经营情况"},
                  {"cause": "SCJG-JG-13-01", "title": "明码标价执行情况"}],
        "population": {"industries": ["F", "H"], "risk_grades": []}, "max_per_enterprise": 2}),
    ("environment", "environment_officer1", None, "submitted", {
        "title": "生态环境分局年度排污单位执法检查计划",
        "items": [{"cause": "STHJ-SW-83-02", "title": "水污染物达标排放情况"},
                  {"cause": "STHJ-DQ-99-02", "title": "大气污染物达标排放情况"}],
        "population": {"industries": ["C"], "risk_grades": ["C", "D"]}, "max_per_enterprise": 1}),
    ("transport", "transport_officer1", None, "draft", {
        "title": "交通运输局年度道路运输企业检查计划",
        "items": [{"cause": "JTYS-DL-63-02"}],
        "population": {"industries": ["G"], "risk_grades": []}, "max_per_enterprise": 1}),
]


def _user(name: str) -> User | None:
    return db.session.execute(db.select(User).where(User.username == name)).scalar_one_or_none()


def seed_inspection_plans() -> dict[str, int]:
    """This year's plans above (a department with a plan for the year already is skipped);
    returns the plan id by department."""
    year = local_today().year
    made = {}
    for department, drafter, approver, stage, fields in PLANS:
        officer = _user(drafter)
        if officer is None or db.session.execute(db.select(InspectionPlan.id).where(
                InspectionPlan.year == year, InspectionPlan.department.has(code=department))).first() is not None:
            continue
        plan = inspection_plans.draft(officer, {"department": department, "year": year, **fields})
        if stage in ("submitted", "approved", "published"):
            inspection_plans.submit(officer, plan.id)
        if stage in ("approved", "published"):
            inspection_plans.approve(_user(approver), plan.id)
        if stage == "published":
            inspection_plans.publish(_user(approver), plan.id)
        made[department] = plan.id
    return made


# -- the inspection cases ---------------------------------------------------------------------------------
# (name, label, what the case's next step is and who has it)
STAGES = [
    ("drawn", "inspection: drawn at random, the visit to be registered", "officers (入企检查登记)"),
    ("registered", "inspection: visit registered (the enterprise's public check link), to be inspected",
     "officers (现场检查记录, on a phone)"),
    ("inspected", "inspection: inspected on the spot, the result to be recorded", "officers (检查结果)"),
    ("rectification", "inspection: rectification ordered, to be followed up; result to be disclosed",
     "officers (整改复查, 检查结果公示)"),
    ("clue", "inspection: violation suspected, a penalty case opened on the clue; hand-over to be recorded",
     "officers (违法线索移交立案, 检查结果公示)"),
    ("closed", "inspection: no problem found, disclosed and filed", None),
    ("complaint", "inspection: on a complaint (outside the plan), visit registered", "officers (现场检查记录)"),
    ("undisclosed", "inspection: result not disclosed 20 working days after the inspection (alert)",
     "officers (检查结果公示, overdue); the supervisors see INSPECTION_RESULT_NOT_DISCLOSED"),
    ("without_plan", "inspection: neither planned nor triggered by a recorded clue (alert)",
     "officers (入企检查登记); the supervisors see INSPECTION_WITHOUT_PLAN"),
    ("joint", "inspection: the complaint's enterprise visited jointly with 生态环境分局 (进一次门、查多项事), "
              "each department its own case, both registered", "each department's officers (现场检查记录)"),
    ("withdrawn", "inspection: ended before the visit (终止检查: the enterprise was deregistered), approved by the head",
     None),
]
PLANNED_STAGES = ("drawn", "registered", "inspected", "rectification", "clue", "closed")


def _ready(case, bpmn_id: str):
    return next(t for t in cases.ready_tasks(case) if t.bpmn_id == bpmn_id)


def _step(user, case, bpmn_id: str, data: dict):
    return cases.complete_task(user, _ready(case, bpmn_id).id, data)


def _visit(officer, case, on: str, officers: list[str], place: str):
    return _step(officer, case, "visit_registration", {"officers": officers, "visit_on": on, "place": place,
                                                      "registered_on": on})


def _record(officer, case, on: str, officers: list[str], place: str, n: int):
    task = _ready(case, "inspection_record")
    photo, _created = evidence.store(officer, case.id, io.BytesIO(site_photo(f"{case.number} 检查现场", n)),
                                     "检查现场照片.jpg", evidence.Description(
                                         title="现场检查照片", kind="audiovisual", source="执法人员现场拍摄",
                                         proves="被检查单位经营场所和台账的状况", collected_on=date.fromisoformat(on),
                                         task_id=task.id))
    signature, _created = attachments.store_signature(officer, case.id, drawn_signature(300 + n))
    return cases.complete_task(officer, task.id, {
        "officers": officers, "credentials_shown": True, "inspected_on": on, "place": place,
        "findings": "检查事项：抽查进货查验记录台账、在售食品保质期标注情况，逐项记录如下：" + FINDINGS[n % len(FINDINGS)],
        "photos": [photo.id], "party_present": True, "party_signature": signature.sha256})


FINDINGS = ["进货查验记录完整，供货者资质证明齐全，未发现超过保质期的食品。",
            "2026年以来部分批次进货记录缺失，未能提供供货者许可证复印件。",
            "货架上发现标注日期已超过保质期的预包装食品若干。"]


def _result(officer, case, on: str, result: str):
    data = {"result": result, "result_on": on,
            "summary": {"no_problem": "经检查，未发现问题。", "rectification": "进货查验记录不全，责令限期整改。",
                        "clue": "发现涉嫌经营超过保质期的食品，移交立案查处。"}[result]}
    if result == "rectification":
        data.update(rectify_by=(date.fromisoformat(on) + timedelta(days=15)).isoformat(),
                    rectification_requirements="补建2026年以来的进货查验记录台账，留存供货者许可证复印件")
    if result == "clue":
        data["clue_summary"] = "货架上陈列标注日期已超过保质期的预包装食品"
    return _step(officer, case, "inspection_result", data)


def seed_inspection_cases() -> dict[str, int]:
    """The stages above in 市场监督管理局, through the services: a draw of six under this year's
    published plan (its cases brought to the planned stages), an inspection on a complaint, one
    on a complaint six weeks ago whose result was never disclosed, and one with neither plan nor
    recorded trigger. Returns the number of cases at each stage (nothing when the market bureau
    has no published plan this year, or its cases exist already)."""
    officer, head = _user("officer1"), _user("head1")
    plan = db.session.execute(db.select(InspectionPlan).where(
        InspectionPlan.year == local_today().year, InspectionPlan.status == "published",
        InspectionPlan.department.has(code="market"))).scalar()
    if officer is None or plan is None or inspection_draws.draws_of(plan):
        return {}
    today = local_today().isoformat()
    found, _failed = inspection_draws.make(officer, plan.id, {"item": "01", "targets": len(PLANNED_STAGES),
                                                     "inspectors_per_target": 2})
    reached = {}
    for n, (stage, row) in enumerate(zip(PLANNED_STAGES, found.result, strict=True)):
        case = db.session.get(Case, row["case_id"])
        officers, place = row["inspectors"], market_entities.by_code(row["credit_code"]).address
        actor = _user(officers[0])
        if stage != "drawn":
            case = _visit(actor, case, today, officers, place)
        if stage not in ("drawn", "registered"):
            case = _record(actor, case, today, officers, place, n)
        if stage in ("rectification", "clue", "closed"):
            case = _result(actor, case, today, {"rectification": "rectification", "clue": "clue"}.get(stage, "no_problem"))
        if stage == "clue":
            entity = market_entities.by_code(row["credit_code"])
            cases.open_case(actor, process_id="general_penalty", title=f"{entity.name}涉嫌经营超过保质期的食品案",
                            department_code="market", party=market_entities.party_fields(entity),
                            linked_from={"case_id": case.id, "kind": "inspection_clue",
                                         "reason": "双随机抽查发现涉嫌经营超过保质期的食品"})
        if stage == "closed":
            case = _step(actor, case, "inspection_disclosure", {
                "disclosed_on": today, "channel": "国家企业信用信息公示系统",
                "public_text": f"{plan.department.name}{plan.year}年度双随机抽查：{case.party_name}，未发现问题。"})
            case = _step(head, case, "inspection_closing", {"closed_on": today, "summary": "检查完毕，结果已公示，材料归档"})
        reached[stage] = 1
    for stage, days, trigger in (("complaint", 0, "complaint"), ("undisclosed", 45, "complaint"),
                                 ("without_plan", 0, "other")):
        entity = _entity(stage)
        on = (local_today() - timedelta(days=days)).isoformat()
        case = cases.open_case(officer, process_id="inspection", title=f"{entity.name}涉企行政检查",
                               department_code="market", party=market_entities.party_fields(entity))
        data = {"trigger": trigger, "party_id_number": entity.credit_code, "party_address": entity.address,
                "started_on": on}
        if trigger == "complaint":
            data.update(trigger_reference="12315投诉举报平台转来：群众反映该单位销售过期食品", trigger_received_on=on)
        case = _step(officer, case, "inspection_trigger", data)
        if stage in ("complaint", "undisclosed"):
            case = _visit(officer, case, on, ["officer1", "officer2"], entity.address)
        if stage == "undisclosed":
            case = _record(officer, case, on, ["officer1", "officer2"], entity.address, 7)
            case = _result(officer, case, on, "no_problem")
        if stage == "complaint":
            joint_with = case
        reached[stage] = 1
    reached["joint"] = _joint_visit(officer, joint_with, today)
    reached["withdrawn"] = _withdrawn(officer, head, today)
    return reached


def _withdrawn(officer, head, today: str) -> int:
    """An inspection on a complaint, registered, then ended before the visit (终止检查): the
    enterprise was deregistered meanwhile; the officer asks with the reason, the head approves."""
    entity = _entity("withdrawn")
    case = cases.open_case(officer, process_id="inspection", title=f"{entity.name}涉企行政检查",
                           department_code="market", party=market_entities.party_fields(entity))
    case = _step(officer, case, "inspection_trigger", {
        "trigger": "complaint", "trigger_reference": "12315投诉举报平台转来：群众反映该单位无证经营",
        "trigger_received_on": today, "party_id_number": entity.credit_code, "party_address": entity.address,
        "started_on": today})
    case = _visit(officer, case, today, ["officer1", "officer2"], entity.address)
    case = case_requests.start_request(officer, case.id, "inspection_withdrawal", {
        "withdrawal_reason": "deregistered", "requested_on": today,
        "withdrawal_details": "入企前经查询国家企业信用信息公示系统，该企业已办理注销登记，检查对象不存在。"})
    _step(head, case, "withdrawal_approval", {"withdrawal_decision": "approve", "decided_on": today,
                                              "opinion": "企业已注销，同意终止检查。"})
    return 1


def _joint_visit(officer, market_case, today: str) -> int:
    """生态环境分局 inspects the complaint's enterprise too (a referral of the same complaint): one
    joint visit, started by the market bureau's officer, joined with the branch's own case."""
    env = _user("environment_officer1")
    entity = market_entities.by_code(market_case.party.id_number)
    case = cases.open_case(env, process_id="inspection", title=f"{entity.name}涉企行政检查（联合检查）",
                           department_code="environment", party=market_entities.party_fields(entity))
    case = _step(env, case, "inspection_trigger", {
        "trigger": "referral", "trigger_reference": "区12345热线转办：该单位后厨油烟直排", "trigger_received_on": today,
        "party_id_number": entity.credit_code, "party_address": entity.address, "started_on": today})
    visit = joint_visits.start(officer, market_case.id, today)
    joint_visits.join(env, visit.id, case.id)
    _visit(env, case, today, ["environment_officer1", "environment_officer2"], entity.address)
    return 1


def _entity(stage: str):
    """A food business of the register not drawn above, the same one each time for its stage."""
    taken = set(db.session.execute(db.select(Party.id_number).join(Case, Case.party_id == Party.id)).scalars())
    candidates = db.session.execute(db.select(MarketEntity).where(MarketEntity.industry == "H")
                                    .order_by(MarketEntity.credit_code)).scalars()
    return next(e for e in candidates if e.credit_code not in taken)
