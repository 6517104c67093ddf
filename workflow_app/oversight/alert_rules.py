"""The oversight alerts' catalogue (DOMAIN.md, 预警) and the time rules the worker applies.

Each alert has a code, a severity (`high` = unlawful, `medium` = deadline risk, `low` =
quality), its legal basis, and a name in both languages. What the system can prevent at the step
it refuses (oversight/step_rules/); an alert covers what only shows later: a deadline passing with
the step not done.

Time rules: a ready step whose due time has passed raises the alert its BPMN task names
(`overdueAlert`); its due time approaching (within DUE_SOON_DAYS) raises its `dueSoonAlert`
(the decision's DECISION_DUE_SOON), which clears itself once the step is done or the alert turns
into DECISION_OVERDUE. The worker reads only the ready steps due by then (an index on the ready
steps' due times), so a pass costs O(steps due), not O(cases). CASE_IDLE: an open case untouched for
IDLE_AFTER (a partial index on the open cases' last change); it clears itself when the case moves.

A package declares the alert of a step of its own on the step itself (the BPMN property
`overdueAlert`, engine/specs.py): raised by the worker when the step is still open at its due time,
and in the step's own transaction when it is recorded with an act date past it (services/oversight/alerts.py).

Step alerts are raised in the transaction of the step that shows them (services/cases/lifecycle.py):
RETURNED_REPEATEDLY when a legal review returns the case for the RETURNS_BEFORE_ALERT-th time;
FINE_OUTSIDE_BENCHMARK when a decision's fine is outside its benchmark tier's range
(services/oversight/benchmarks.py: the law lets the agency depart from its benchmark with reasons);
MINOR_FIRST_VIOLATION_PENALIZED when a case the report found on the no-penalty list is decided with a
penalty (services/registers/penalty_lists.py; APL 33(1): the list makes the department's discretion public);
LIGHT_LIST_NOT_APPLIED when a case the report found on the light-penalty list is proposed or decided a
penalty heavier than the tiers the item names (从轻, 减轻, or either) of its benchmark (APL 32;
oversight/step_rules/penalty_lists.py);
INSPECTION_WITHOUT_PLAN and INSPECTION_TOO_FREQUENT by an enterprise inspection's trigger and visit
(oversight/step_rules/inspection.py), its INSPECTION_RESULT_NOT_DISCLOSED by the worker (the
disclosure step's `overdueAlert`, 20 working days from the inspection).
"""
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class AlertKind:
    code: str
    severity: str  # high|medium|low
    basis: str  # the legal basis, as the supervisors cite it
    zh: str
    en: str
    clears_itself: bool = False  # a risk that is over once the step is done (closed by the worker)

    def name(self, lang: str) -> str:
        """What the rule found, in the page's (or the API request's) language."""
        return self.en if lang == "en" else self.zh

    def title(self, lang: str) -> str:
        """The name's head, before its colon ("立案超期", "filing late"): a list's label."""
        return self._parts(lang)[0]

    def finding(self, lang: str) -> str:
        """The name's rest, after its colon: what the rule found."""
        return self._parts(lang)[-1].strip()

    def _parts(self, lang: str) -> list[str]:
        return self.name(lang).split("：" if lang != "en" else ":", 1)


def rule_name(code: str, lang: str) -> str:
    """What the rule of `code` finds, in `lang` (the code itself for a rule the catalogue lacks)."""
    kind = CATALOGUE.get(code)
    return kind.name(lang) if kind else code


def rule_title(code: str, lang: str) -> str:
    """The rule's short name (立案超期, filing late), for lists and charts."""
    kind = CATALOGUE.get(code)
    return kind.title(lang) if kind else code


def _kinds(*rows: AlertKind) -> dict[str, AlertKind]:
    return {row.code: row for row in rows}


CATALOGUE = _kinds(
    AlertKind("FILING_LATE", "medium", "《市场监督管理行政处罚程序规定》第18条",
              "立案超期：收到线索15个工作日内未作出立案决定", "filing late: no filing decision 15 working days after the clue"),
    AlertKind("DECISION_DUE_SOON", "low", "《行政处罚法》第60条",
              "处理决定即将到期：作出决定的期限不足10日", "decision due soon: fewer than 10 days left to decide",
              clears_itself=True),
    AlertKind("DECISION_OVERDUE", "high", "《行政处罚法》第60条",
              "决定超期：立案之日起90日（含批准延长）内未作出处理决定",
              "decision overdue: no decision within 90 days of filing (with any approved extension)"),
    AlertKind("SERVICE_LATE", "high", "《行政处罚法》第61条",
              "送达超期：决定作出后7个工作日内未送达", "service late: the decision not served 7 working days after it was made"),
    AlertKind("DISCLOSURE_LATE", "medium", "国办发〔2018〕118号",
              "公示超期：决定作出后7个工作日内未公示", "disclosure late: the decision not disclosed 7 working days after it was made"),
    AlertKind("DISCLOSURE_NOT_WITHDRAWN", "high", "《行政处罚法》第48条第2款",
              "公示未撤回：决定被撤销后3个工作日内仍未撤回公示",
              "disclosure not withdrawn: a revoked decision still public 3 working days later"),
    AlertKind("LEGAL_REVIEW_OVERDUE", "medium", "国办发〔2018〕118号",
              "法制审核超期：审核未在期限内完成", "legal review overdue: the review not finished in its limit"),
    AlertKind("PAYMENT_OVERDUE", "medium", "《行政处罚法》第67条、第72条",
              "罚款逾期未缴：送达后15日仍未缴纳（加处罚款）", "payment overdue: the fine unpaid 15 days after service (late fee accrues)"),
    AlertKind("FINE_OUTSIDE_BENCHMARK", "medium", "国办发〔2022〕27号",
              "罚款超出裁量基准：决定的罚款不在所选裁量阶次的幅度内",
              "fine outside the benchmark: the decided fine is outside the range of the chosen tier"),
    AlertKind("MINOR_FIRST_VIOLATION_PENALIZED", "medium", "《行政处罚法》第33条",
              "首违不罚清单案件被处罚：调查终结报告认定本案符合不予处罚清单，决定仍给予行政处罚",
              "minor first violation penalized: the report finds the case on the no-penalty list, yet the decision "
              "imposes a penalty"),
    AlertKind("LIGHT_LIST_NOT_APPLIED", "medium", "《行政处罚法》第32条；国办发〔2022〕27号",
              "从轻减轻清单未落实：认定本案符合从轻减轻处罚清单事项，拟处或者决定的处罚仍重于该事项规定的从轻、减轻档",
              "light-penalty list not applied: the case was found to meet an item of the light-penalty list, yet the "
              "proposed or decided penalty sits in a tier heavier than the lighter or mitigated one the item names"),
    AlertKind("RECTIFICATION_OVERDUE", "medium", "《行政执法监督条例》（国务院令第825号）",
              "整改超期：部门未在执法监督意见确定的期限内报告整改情况",
              "rectification overdue: the department did not report its rectification by the supervision opinion's deadline"),
    AlertKind("CASE_IDLE", "low", "执法监督工作规范",
              "案件停滞：办理中的案件30日无任何办理活动", "case idle: an open case with no activity for 30 days",
              clears_itself=True),
    AlertKind("RETURNED_REPEATEDLY", "low", "执法监督工作规范",
              "多次退回：法制审核已3次退回本案", "returned repeatedly: the legal review has returned the case 3 times"),
    AlertKind("SUMMARY_FINE_NOT_HANDED_OVER", "medium", "《行政处罚法》第71条",
              "当场收缴的罚款未按期交至行政机关：自收缴之日起2日内未交至行政机关",
              "fine not handed over: money collected on the spot not handed to the agency within 2 days"),
    AlertKind("SEIZURE_OVERDUE", "high", "《中华人民共和国行政强制法》第25条",
              "查封扣押超期：查封、扣押超过30日（经批准延长的，超过延长后的期限）仍未作出处理决定",
              "seizure overdue: sealed or seized items held past 30 days (or past the approved extension) without a "
              "decision on them"),
    AlertKind("URGENT_MEASURE_UNREPORTED", "high", "《中华人民共和国行政强制法》第19条",
              "当场采取的行政强制措施未按时报告：情况紧急当场实施后24小时内未向行政机关负责人报告",
              "urgent measure unreported: a coercive measure taken on the spot not reported to the agency head "
              "within 24 hours"),
    AlertKind("REFERRAL_FEEDBACK_OVERDUE", "medium", "地方执法协作规定（线索移送）",
              "移送反馈超期：移送的线索在确定的反馈期限内未收到受移送部门的反馈",
              "referral feedback overdue: no feedback from the receiving department on a referred clue by the date set"),
    AlertKind("INSPECTION_WITHOUT_PLAN", "high", "国办发〔2024〕54号",
              "计划外涉企检查：既不在公布的检查计划内，也没有登记的投诉举报、转办交办、移送或者线索",
              "inspection without a plan: an enterprise inspection neither under a published plan nor triggered by a "
              "recorded complaint, referral or clue"),
    AlertKind("INSPECTION_TOO_FREQUENT", "medium", "国办发〔2024〕54号",
              "涉企检查过于频繁：同一部门一年内对同一企业的检查次数超过检查计划规定的次数",
              "inspected too often: the same department inspected the same enterprise more often in a year than its "
              "plan allows"),
    AlertKind("INSPECTION_RESULT_NOT_DISCLOSED", "medium", "国发〔2019〕5号（“双随机、一公开”监管）",
              "检查结果未按期公示：检查后20个工作日内未公示检查结果",
              "inspection result not disclosed: the result not made public 20 working days after the inspection"),
)

# A step's time alerts are the procedure's: `overdueAlert` and `dueSoonAlert` on its BPMN task
# (engine/specs.py); the worker's scan (services/oversight/alerts.py) raises them.
DUE_SOON_DAYS = timedelta(days=10)
IDLE_AFTER = timedelta(days=30)
RECTIFICATION_MAX_DAYS = 365  # the furthest deadline a supervision opinion may set
RETURNS_BEFORE_ALERT = 3  # RETURNED_REPEATEDLY: raised by the review that returns the case the 3rd time
# An alert that clears itself, and the one that takes its place when the time is up.
SUPERSEDED_BY = {"DECISION_DUE_SOON": "DECISION_OVERDUE"}
