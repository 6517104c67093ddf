"""Rule kinds of enterprise inspections (涉企行政检查, 国办发〔2024〕54号 关于严格规范涉企行政检查的意见):

- `inspection_triggered` (alert INSPECTION_WITHOUT_PLAN): an inspection is made under an item of
  the department's published plan of its year, or on a complaint, referral or clue recorded as its
  trigger (its reference and the day it came in); otherwise the supervisors see it. An alert, not a
  refusal: the law lets an inspection start on what comes to light, and the record of why is what
  the supervision reviews.
- `inspection_within_frequency` (alert INSPECTION_TOO_FREQUENT): the department inspects one
  enterprise no more often in a year than its published plan of that year allows
  (`max_per_enterprise`); counted on the visits carried out (their on-site record made; a visit
  registered and never carried out does not count), a joint visit once for each department that
  took part. Bound on the registration (the visit to come, over those already made) and on the
  record (the visit made, over the others made by then).
- `on_joint_visit_day` (refusal JOINT_VISIT_DAY_DIFFERS): a department of a joint visit (进一次门、
  查多项事, services/inspections/joint_visits.py) registers its part of the visit on the joint visit's day.
- `withdrawn_before_record` (refusal INSPECTION_ALREADY_CARRIED_OUT): an inspection is ended
  (终止检查) only before its visit is carried out; once the on-site record is made it ends with its
  result (and its disclosure). Bound on the request, checked before its form is typed, and on the
  head's approval when it approves (a record made while the request waited).
- `clue_opened_in_linked_case` (refusal INSPECTION_CLUE_WITHOUT_CASE): an inspection that found a
  violation hands its clue on to a penalty case opened from it (services/cases/links.py kind
  `inspection_clue`) before the hand-over is recorded.

The plan, the earlier inspections and the joint visit come from `record.inspections` (oversight/step_rules/record.py
InspectionHistory, services/inspections/visits.py), read only when one of these kinds runs.
"""
from ...messages import Phrase
from ..bindings import ALERT, BEFORE_FORM, FIELD, FORM, TEXT, Param, RuleKind, register
from .record import Breach, CaseRecord, date_field, number_field, text_field

GROUP = Phrase("Enterprise inspections", "涉企检查")

PLANNED = "plan"
# 双随机、一公开 is a rule of the State Council's regulation (优化营商环境条例, Decree No. 722), and the
# plan, the triggers and the frequency of enterprise inspections are those of 国办发〔2024〕54号.
BASIS = "《优化营商环境条例》（国务院令第722号）；国办发〔2024〕54号"
EN_BASIS = "State Council General Office Opinions on regulating enterprise-related inspections, No. 54 [2024]"
RECORDED_TRIGGERS = ("complaint", "referral", "clue")


# -- INSPECTION_WITHOUT_PLAN --------------------------------------------------------------------------------
def inspection_triggered(record: CaseRecord, params: dict) -> list[Breach]:
    trigger = record.get(params["trigger"])
    if trigger in RECORDED_TRIGGERS and record.get(params["reference"]) and record.get(params["received_on"]):
        return []
    if trigger == params["planned"]:
        year, item = record.get(params["plan_year"]), record.get(params["plan_item"])
        items = record.inspections.plan_items(year) if isinstance(year, int) else None
        if items is not None and item in items:
            return []
        if items is None:
            zh = f"{record.department or '本部门'}没有已公布的{year}年度检查计划"
            en = f"{record.department or 'the department'} has no published inspection plan for {year}"
        else:
            zh = f"{year}年度检查计划中没有编号为{item}的检查事项"
            en = f"the plan for {year} has no item {item}"
        return [Breach((params["plan_item"],),
                       f"计划外检查：{zh}（国办发〔2024〕54号：涉企行政检查应当按照公布的检查计划实施，或者有投诉举报、转办交办、移送等线索）",
                       f"inspection outside a plan: {en} ({EN_BASIS}: an enterprise inspection follows a published plan, "
                       "or a recorded complaint, referral or clue)",
                       {"trigger": trigger, "plan_year": year, "plan_item": item})]
    return [Breach((params["trigger"],),
                   "无计划、无线索的涉企行政检查：既不在公布的检查计划内，也没有登记的投诉举报、转办交办、移送或者线索"
                   "（国办发〔2024〕54号）",
                   "enterprise inspection with neither plan nor trigger: not under a published plan, and no "
                   f"complaint, referral or clue recorded ({EN_BASIS})",
                   {"trigger": trigger})]


register(RuleKind(
    "inspection_triggered", "INSPECTION_WITHOUT_PLAN", BASIS,
    {"trigger": text_field("what triggers the inspection"),
     "planned": Param(TEXT, optional=True, default=PLANNED, enum_of="trigger",
                      doc="the choice of `trigger` that is the published plan (default: plan)"),
     "plan_year": number_field("the year of the plan"),
     "plan_item": text_field("the plan item's code"),
     "reference": text_field("the complaint's, referral's or clue's record"),
     "received_on": date_field("the day the complaint, referral or clue came in")},
    inspection_triggered, effect=ALERT,
    doc="An enterprise inspection is made under an item of the department's published plan of its year, or on a "
        "complaint, referral or clue recorded with its reference and day; otherwise INSPECTION_WITHOUT_PLAN.",
    title=Phrase("Inspection under a plan or a recorded cause", "涉企检查有计划或者事由")))


# -- INSPECTION_TOO_FREQUENT --------------------------------------------------------------------------------
def inspection_within_frequency(record: CaseRecord, params: dict) -> list[Breach]:
    day = record.day(params["visit_on"])
    if day is None:
        return []
    allowed = record.inspections.max_per_enterprise(day.year)
    if allowed is None:
        return []
    earlier = record.inspections.earlier_visits(day.year)
    if earlier + 1 <= allowed:
        return []
    return [Breach((params["visit_on"],),
                   f"检查过于频繁：本部门{day.year}年已对该企业检查{earlier}次，本次为第{earlier + 1}次，超过检查计划规定的"
                   f"每年{allowed}次（国办发〔2024〕54号）",
                   f"inspected too often: the department inspected this enterprise {earlier} time(s) in {day.year} "
                   f"already; this is number {earlier + 1}, beyond the {allowed} a year its plan allows "
                   f"({EN_BASIS})",
                   {"year": day.year, "earlier": earlier, "allowed": allowed})]


register(RuleKind(
    "inspection_within_frequency", "INSPECTION_TOO_FREQUENT", BASIS,
    {"visit_on": date_field("the day of the visit")},
    inspection_within_frequency, effect=ALERT,
    doc="The department's visits of one enterprise carried out in a year (their on-site record made), with this one, "
        "stay within the yearly frequency its published plan of that year allows; beyond it INSPECTION_TOO_FREQUENT.",
    title=Phrase("Inspection within its yearly frequency", "涉企检查不超过频次")))


# -- the clue handed on to a linked penalty case --------------------------------------------------------------
def clue_opened_in_linked_case(record: CaseRecord, params: dict) -> list[Breach]:
    if record.get(params["handed_on"]) is None:
        return []  # nothing handed on
    if any(link.get("outgoing") and link.get("kind") == params["link"] for link in record.links):
        return []
    zh, en = record.label(params["handed_on"])
    return [Breach((params["handed_on"],),
                   f"{zh}：应当先从本案立案查处发现的违法线索（本案页面“关联案件”→“从本案立新案”，关联类型“检查发现的违法线索立案”）",
                   f"{en}: first open the penalty case on the clue from this case (the case page's Linked cases, "
                   "Open a new case from this one, as the inspection's clue)",
                   {"link": params["link"]})]


register(RuleKind(
    "clue_opened_in_linked_case", "INSPECTION_CLUE_WITHOUT_CASE", "国办发〔2024〕54号；《行政处罚法》第54条",
    {"handed_on": date_field("the day the clue is handed on (the field the refusal names)"),
     "link": Param(TEXT, optional=True, default="inspection_clue",
                   doc="the kind of link (services/cases/links.py KINDS) the penalty case is opened with")},
    clue_opened_in_linked_case,
    doc="The hand-over of an inspection's clue is refused until a penalty case is opened from the inspection "
        "with that kind of link.",
    title=Phrase("Inspection clue opened as a case", "检查发现的线索已立案")))


# -- the day of a joint visit ------------------------------------------------------------------------------
def on_joint_visit_day(record: CaseRecord, params: dict) -> list[Breach]:
    day, joint = record.day(params["visit_on"]), record.inspections.joint_visit_day()
    if day is None or joint is None or day == joint:
        return []
    zh, en = record.label(params["visit_on"])
    return [Breach((params["visit_on"],),
                   f"{zh}应为联合检查的日期{joint.isoformat()}，现为{day.isoformat()}：联合检查“进一次门、查多项事”，"
                   "参加的各部门同日入企（国办发〔2024〕54号）",
                   f"{en} must be the joint visit's day, {joint.isoformat()}, not {day.isoformat()}: the departments "
                   f"of a joint visit go in together, once ({EN_BASIS})",
                   {"joint_visit_on": joint.isoformat(), "visit_on": day.isoformat()})]


register(RuleKind(
    "on_joint_visit_day", "JOINT_VISIT_DAY_DIFFERS", BASIS,
    {"visit_on": date_field("the day of the department's visit (the field the refusal names)")},
    on_joint_visit_day,
    doc="A department taking part in a joint visit registers its visit on the joint visit's day; another day is "
        "refused, naming the joint visit's.",
    title=Phrase("Joint visit on its day", "联合检查在同一天进行")))


# -- 终止检查: only before the visit is carried out ------------------------------------------------------------
def withdrawn_before_record(record: CaseRecord, params: dict) -> list[Breach]:
    if params.get("decision") and record.get(params["decision"]) != params["approve"]:
        return []  # refusing the withdrawal is always open
    if not record.recorded(params["record"]):
        return []
    return [Breach((params["field"],),
                   "本次检查已经实施（已制作现场检查记录），不能终止检查：应当作出检查结果并依法公示（国办发〔2024〕54号）",
                   "the visit was carried out (its on-site record is made): the inspection is not ended but closed "
                   f"with its result, which is disclosed ({EN_BASIS})")]


register(RuleKind(
    "withdrawn_before_record", "INSPECTION_ALREADY_CARRIED_OUT", BASIS,
    {"record": Param(FORM, doc="the form of the on-site record (现场检查记录)"),
     "field": Param(FIELD, doc="the field of the step the refusal names"),
     "decision": text_field("the approval's decision; the rule applies only when it approves", optional=True),
     "approve": Param(TEXT, optional=True, default="approve", enum_of="decision",
                      doc="the choice of `decision` that approves (default: approve)")},
    withdrawn_before_record, effect=BEFORE_FORM,
    doc="An inspection is ended (终止检查) only before its on-site record is made; after it the inspection ends "
        "with its result.",
    title=Phrase("Inspection ended only before its record", "检查记录作出前方可终止检查")))
