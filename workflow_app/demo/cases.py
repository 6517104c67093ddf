"""`flask demo cases`: sample cases of general_penalty at the stages officers, legal reviewers and
heads need in order to try the system, made through the services like any other case (real
workflow state, task rows and audit trails).

The driver does not replay a fixed list of steps: it follows the procedure wherever the BPMN
routes. After every completion it looks at the case's ready tasks and completes the next one, as
the user the law puts on it (the head approves filing and decides, a legal reviewer who did not
handle the case reviews it, the presiding officer records the hearing), with form data valid
against forms/*.schema.json, until the case stands at its stage. A fine of 20,000 yuan for a
person therefore passes through legal review and collective discussion on its way to a decision,
as APL Arts. 57-58 require. When the procedure cannot bring a case to its stage the command
stops with a message naming the case, the stage and where the case stands.
"""
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..extensions import db
from ..models import Case, Task, User
from ..oversight.calendar import LOCAL_TZ
from ..oversight.identity import with_resident_check, with_uscc_check
from ..services import cases, legal_review
from ..services.errors import NotFound, ServiceError

DEPARTMENT = "market"
# (name, kind, identity number or unified social credit code with its check character, address):
# the decision names all three (APL Art. 59). Made-up numbers in the valid formats.
PARTIES = [
    ("清河区鲜果多超市有限公司", "organization", with_uscc_check("91990105MA01XGD1K"), "清河区兴华路18号"),
    ("清河区惠民药房", "organization", with_uscc_check("92990105MA02HMY3P"), "清河区人民路6号"),
    ("王某某", "person", with_resident_check("99010519850312001"), "清河区幸福里3栋2单元501室"),
    ("清河区味道餐饮管理有限公司", "organization", with_uscc_check("91990105MA03WDC5Q"), "清河区美食街22号"),
    ("李某", "person", with_resident_check("99010519900718002"), "清河区柳荫巷7号"),
    ("示范市宏达建材有限公司", "organization", with_uscc_check("91990100MA04HDJ7R"), "示范市建材市场B区12号"),
    ("清河区便民烟酒店", "organization", with_uscc_check("92990105MA05BMY9T"), "清河区车站路45号"),
    ("赵某某", "person", with_resident_check("99010519781125003"), "清河区东湖小区9栋101室"),
]
VIOLATIONS = [
    ("销售超过保质期的食品", "《食品安全法》第三十四条", "《食品安全法》第一百二十四条"),
    ("未履行进货查验记录义务", "《食品安全法》第五十三条", "《食品安全法》第一百二十六条"),
    ("虚假宣传商品功效", "《反不正当竞争法》第八条", "《反不正当竞争法》第二十条"),
    ("未明码标价", "《价格法》第十三条", "《价格违法行为行政处罚规定》第十三条"),
]
# Fines drawn at random: some cross the legal-review threshold (10,000 yuan for a person,
# 100,000 for an organization), so the demo also shows cases the BPMN routes to review.
FINES = [3000, 8000, 20000, 50000, 150000]

# Days after the clue was received on which each dated act took place. Statutory spacing:
# the party answers within 5 working days of the notice (APL Art. 64, 85), the hearing is
# notified 7 working days ahead (Art. 64: 20 calendar days, whatever holidays fall between), the decision is served within 7 days (Art. 61), the fine paid within 15
# days of service (Art. 67). A case's clue is received `Stage.age_days` before today, so every
# act it has completed lies in the past.
DAY = {
    "violation": -12, "received": 0, "notice_served": 10, "answered": 13, "hearing_notified": 14,
    "hearing": 34, "discussion": 37, "decided": 38, "served": 40, "published": 41, "paid": 47,
    "closed": 49,
    # the transfer to the judiciary: the report, the head's approval within 3 days (国务院令第310号
    # Art. 5), the transfer within 24 hours, the party informed, the police's answer
    "reported": 8, "transfer_approved": 9, "transferred": 10, "party_informed": 11, "judicial_feedback": 12,
    # execution: the demand after the 15 days to pay (APL 72), the court 10 working days after it
    # (行政强制法 54); deferred or instalment payment approved by the head (APL 66(2))
    "demand_served": 57, "court_applied": 72, "plan_applied": 42, "plan_approved": 43,
    "instalment_1": 50, "instalment_2": 60,
}
PRESIDING_OFFICER = "officer3"  # APL Art. 64: not one of the investigating officers
INVESTIGATORS = ["officer1", "officer2"]
HEADS = ["head1", "head2", "head3"]  # APL Art. 57(2): a collective discussion by at least three heads
REVIEWERS = ["reviewer1", "reviewer2"]
MAX_STEPS = 40  # a case needs at most ~20 completions to reach any stage below


@dataclass(frozen=True)
class Story:
    """The choices the people in a case make, which decide where the BPMN routes it."""

    file: bool = True
    major: bool = False             # 情节重大: legal review and collective discussion (Arts. 57-58)
    complex: bool = False           # 疑难复杂: collective discussion
    hearing: bool = False           # the party asks for a hearing (Art. 63)
    first_review_returns: bool = False
    proposal: str = "penalty"       # or no_penalty (APL 30-33), transfer (APL 27)
    transfer_accepted: bool = True  # the police open a criminal case on the transfer
    execution: str = "paid"         # or demand, court (行政强制法 54), instalments (APL 66(2))


@dataclass(frozen=True)
class Stage:
    name: str
    label: str
    inbox: str | None               # who has the case's next task in their inbox (None: ended)
    reached: Callable[[Case, set[str]], bool]
    age_days: int                   # how long ago the clue came in
    story: Story = Story()


def _ready(*bpmn_ids: str) -> Callable[[Case, set[str]], bool]:
    return lambda case, ready: set(bpmn_ids) <= ready


def _status(status: str) -> Callable[[Case, set[str]], bool]:
    return lambda case, ready: case.status == status


def _returned_for_investigation(case: Case, ready: set[str]) -> bool:
    return "investigation" in ready and any(r.outcome == "return" for r in cases.legal_reviews(case))


def _completed(case: Case, bpmn_id: str) -> list[dict]:
    """The form data of the case's completed tasks of one BPMN id, oldest first."""
    rows = db.session.execute(db.select(Task.data).where(
        Task.case_id == case.id, Task.bpmn_id == bpmn_id, Task.state == "completed").order_by(Task.id)).scalars()
    return [dict(r or {}) for r in rows]


def _back_from_the_judiciary(case: Case, ready: set[str]) -> bool:
    return "investigation" in ready and any(
        f.get("judicial_result") == "not_accepted" for f in _completed(case, "transfer_feedback"))


def _executing_after(outcome: str) -> Callable[[Case, set[str]], bool]:
    """Execution open again after a record of `outcome` (a demand, an application to the court)."""
    def reached(case: Case, ready: set[str]) -> bool:
        done = _completed(case, "execution")
        return "execution" in ready and bool(done) and done[-1].get("outcome") == outcome
    return reached


def _paying_instalments(case: Case, ready: set[str]) -> bool:
    return "execution_scheduled" in ready and bool(_completed(case, "execution_scheduled"))


STAGES = [
    Stage("clue", "new clue", "officer1 (线索登记)", _ready("clue_intake"), 0),
    Stage("awaiting_filing", "awaiting filing approval", "head1 (立案审批)", _ready("filing_approval"), 3),
    Stage("not_filed", "not filed", None, _status("not_filed"), 4, Story(file=False)),
    Stage("investigating", "investigating", "officer1 (调查取证)", _ready("investigation"), 6),
    Stage("awaiting_review", "awaiting legal review", "reviewer1 or reviewer2 (法制审核)",
          _ready("legal_review"), 26, Story(major=True)),
    Stage("returned", "returned by legal review for further investigation", "officer1 (调查取证)",
          _returned_for_investigation, 28, Story(major=True, first_review_returns=True)),
    Stage("in_hearing", "hearing notified, to be held", "officer3, presiding (举行听证)",
          _ready("hearing_record"), 29, Story(hearing=True)),
    Stage("awaiting_discussion", "reviewed, awaiting collective discussion", "head1 (集体讨论)",
          _ready("collective_discussion"), 36, Story(major=True)),
    Stage("awaiting_decision", "awaiting the penalty decision", "head1 (作出行政处罚决定)",
          _ready("penalty_decision"), 38),
    Stage("decided", "decided, to be served and disclosed", "officer1 (送达), officer2 (公示)",
          _status("decided"), 39),
    Stage("closed", "closed", None, _status("closed"), 50, Story(complex=True)),
    Stage("no_penalty_decided", "decided not to penalize, to be served", "officer1 (送达不予行政处罚决定书)",
          _ready("no_penalty_service"), 39, Story(proposal="no_penalty")),
    Stage("awaiting_transfer_approval", "transfer to the judiciary proposed, awaiting the head",
          "head1 (批准移送司法机关)", _ready("transfer_approval"), 8, Story(proposal="transfer")),
    Stage("transferred", "transferred, awaiting the police's answer", "officer1 (司法机关立案情况)",
          _ready("transfer_feedback"), 12, Story(proposal="transfer")),
    Stage("transfer_closed", "accepted by the police, closed", None, _status("closed"), 50,
          Story(proposal="transfer")),
    Stage("transfer_not_accepted", "not accepted by the police, back to the administrative path",
          "officer1 (调查取证)", _back_from_the_judiciary, 13, Story(proposal="transfer", transfer_accepted=False)),
    Stage("demanded", "fine unpaid, demand served", "officer1 (执行)", _executing_after("demanded"), 60,
          Story(execution="demand")),
    Stage("awaiting_court", "applied to the court, awaiting its result", "officer1 (执行)",
          _executing_after("court_enforcement"), 75, Story(execution="court")),
    Stage("awaiting_plan_approval", "instalment payment applied for, awaiting the head",
          "head1 (批准暂缓或者分期缴纳)", _ready("payment_plan_approval"), 43, Story(execution="instalments")),
    Stage("paying_instalments", "paying approved instalments", "officer1 (按批准的期限缴纳)",
          _paying_instalments, 52, Story(execution="instalments")),
]
DEFAULT_COUNT = 2 * len(STAGES)


class DemoStageUnreachable(ServiceError):
    code = "demo_stage_unreachable"


@dataclass
class DemoCase:
    """One sample case: its facts, its story and its calendar."""

    n: int
    stage: Stage
    party: str
    party_kind: str
    party_id_number: str
    party_address: str
    violation: tuple[str, str, str]
    fine: int
    received: date

    def on(self, act: str) -> str:
        return (self.received + timedelta(days=DAY[act])).isoformat()

    @property
    def title(self) -> str:
        return f"{self.party}{self.violation[0]}案"


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def seed_demo_cases(count: int = DEFAULT_COUNT, *, seed: int = 7) -> Counter:
    """Open `count` cases in the market department, spread over STAGES in turn; return how many
    stand at each stage."""
    rng = random.Random(seed)
    users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
    needed = {"officer1", *HEADS, PRESIDING_OFFICER, *INVESTIGATORS, *REVIEWERS}
    missing = needed - set(users)
    if missing:
        raise NotFound(f"demo users {', '.join(sorted(missing))} are missing: run `flask demo seed` first")
    today = local_today()
    reached: Counter = Counter()
    for n in range(1, count + 1):
        stage = STAGES[(n - 1) % len(STAGES)]
        party, kind, id_number, address = rng.choice(PARTIES)
        demo = DemoCase(n=n, stage=stage, party=party, party_kind=kind, party_id_number=id_number,
                        party_address=address, violation=rng.choice(VIOLATIONS),
                        fine=rng.choice(FINES), received=today - timedelta(days=stage.age_days))
        case = cases.open_case(users["officer1"], process_id="general_penalty", title=demo.title,
                               department_code=DEPARTMENT, party={"name": party, "kind": kind})
        drive_to_stage(case, demo, users)
        reached[stage.name] += 1
    return reached


def drive_to_stage(case: Case, demo: DemoCase, users: dict[str, User]) -> Case:
    """Complete whatever the procedure makes ready next until the case stands at its stage."""
    stage = demo.stage
    for _ in range(MAX_STEPS):
        ready = cases.ready_tasks(case)
        if stage.reached(case, {t.bpmn_id for t in ready}):
            return case
        if not ready:
            _unreachable(case, stage, f"the procedure has no ready task (case status {case.status})")
        task = ready[0]
        step = STEPS.get(task.bpmn_id)
        if step is None:
            _unreachable(case, stage, f"the demo has no form data for task {task.bpmn_id} ({task.name})")
        username, data = step(demo, case)
        try:
            case = cases.complete_task(users[username], task.id, data)
        except ServiceError as err:
            details = "; ".join(f"{field}: {', '.join(map(str, msgs))}" for field, msgs in err.errors.items())
            _unreachable(case, stage, f"{username} could not complete {task.bpmn_id}: {err.message}"
                         + (f" ({details})" if details else ""))
    _unreachable(case, stage, f"still not there after {MAX_STEPS} steps")


def _unreachable(case: Case, stage: Stage, why: str):
    db.session.rollback()
    ready = ", ".join(t.bpmn_id for t in cases.ready_tasks(case)) or "none"
    raise DemoStageUnreachable(f"demo case {case.number} cannot reach the stage '{stage.label}': {why} "
                               f"(ready tasks: {ready})")


# -- who completes each step, with which form data ------------------------------------------------
def _clue_intake(d: DemoCase, case: Case):
    return "officer1", {"source": "complaint", "received_on": d.on("received"),
                        "violation_date": d.on("violation"), "summary": f"群众投诉：{d.party}{d.violation[0]}",
                        "party_id_number": d.party_id_number, "party_address": d.party_address}


def _filing_approval(d: DemoCase, case: Case):
    if d.stage.story.file:
        return "head1", {"filing_decision": "file", "reason": "有违法事实，属于本机关管辖，予以立案",
                         "limitation_checked": True}
    return "head1", {"filing_decision": "not_file", "reason": "不属于本机关管辖，已告知举报人向有权机关反映",
                     "limitation_checked": True}


def _investigation(d: DemoCase, case: Case):
    evidence = [{"kind": "inspection_record", "description": "现场检查笔录"},
                {"kind": "documentary", "description": "进货票据复印件"}]
    if any(r.outcome == "return" for r in cases.legal_reviews(case)):
        evidence.append({"kind": "party_statement", "description": "补充调查：当事人询问笔录"})
    return "officer1", {"officers": INVESTIGATORS, "credentials_shown": True, "evidence": evidence,
                        "preservation_applied": False}


def _investigation_report(d: DemoCase, case: Case):
    what, violated, basis = d.violation
    story = d.stage.story
    back = any(f.get("judicial_result") == "not_accepted" for f in _completed(case, "transfer_feedback"))
    if story.proposal == "no_penalty":
        return "officer1", {"facts": f"经查，当事人{what}，系初次违法，危害后果轻微并已及时改正。", "proposal": "no_penalty",
                            "no_penalty_reason": "初次违法且危害后果轻微并及时改正，依法可以不予行政处罚",
                            "benchmark_tier": "no_penalty", "major_case": False, "complex_case": False}
    if story.proposal == "transfer" and not back:
        return "officer1", {"facts": f"经查，当事人{what}，涉案货值金额较大。", "proposal": "transfer",
                            "reported_on": d.on("reported"),
                            "suspected_crime": "涉案金额达到刑事立案追诉标准，涉嫌生产、销售伪劣产品罪",
                            "major_case": False, "complex_case": False}
    return "officer1", {
        "facts": f"经查，当事人{what}，事实清楚，证据确凿。", "proposal": "penalty", "violated_provision": violated,
        "penalty_provision": basis, "benchmark_tier": "ordinary", "proposed_penalty_kinds": ["warning", "fine"],
        "proposed_fine": d.fine, "major_case": story.major, "complex_case": story.complex}


def _penalty_notice(d: DemoCase, case: Case):
    return "officer1", {"notice_number": f"清市监罚告〔{d.on('notice_served')[:4]}〕{d.n}号",
                        "notified_penalty": f"警告，并处罚款{d.fine}元", "notified_fine": d.fine,
                        "notified_penalty_kinds": ["warning", "fine"], "hearing_offered": True,
                        "served_on": d.on("notice_served"), "service_method": "direct"}


def _statement_defence(d: DemoCase, case: Case):
    if d.stage.story.hearing:
        return "officer1", {"statement_made": True, "statement": "当事人认为罚款数额过高，要求听证",
                            "statement_adopted": "not_adopted", "hearing_requested": True, "waived": False,
                            "answered_on": d.on("answered")}
    return "officer1", {"statement_made": False, "hearing_requested": False, "waived": True,
                        "answered_on": d.on("answered")}


def _hearing_notice(d: DemoCase, case: Case):
    return "officer1", {"hearing_date": d.on("hearing"), "notice_served_on": d.on("hearing_notified"),
                        "presiding_officer": PRESIDING_OFFICER, "location": "清河区市场监督管理局听证室",
                        "public": True}


def _hearing_record(d: DemoCase, case: Case):
    return PRESIDING_OFFICER, {"held_on": d.on("hearing"), "record": "听证笔录：调查人员陈述事实、证据及处罚建议，当事人申辩。",
                               "presiding_opinion": "事实清楚，建议维持拟处罚意见", "party_attended": True}


FINDINGS = ("body_competent", "officers_certified", "facts_and_evidence", "procedure_lawful", "law_applied",
            "discretion_within_benchmark", "documents_complete", "criminal_transfer")


def _legal_review(d: DemoCase, case: Case):
    """By a reviewer who did not handle the case (REVIEWER_CONFLICT otherwise, APL Art. 58)."""
    handlers = legal_review.handlers_of(case)
    reviewer = next((r for r in REVIEWERS if r not in handlers), REVIEWERS[0])
    findings = {item: {"result": "pass"} for item in FINDINGS}
    returned_before = any(r.outcome == "return" for r in cases.legal_reviews(case))
    if d.stage.story.first_review_returns and not returned_before:
        findings["facts_and_evidence"] = {"result": "fail", "comment": "缺少当事人询问笔录，违法所得未查清"}
        return reviewer, {"findings": findings, "review_outcome": "return", "opinions": "证据不足，退回补充调查"}
    return reviewer, {"findings": findings, "review_outcome": "approve",
                      "opinions": "事实清楚，证据确凿，程序合法，适用依据正确，裁量适当，同意。"}


def _collective_discussion(d: DemoCase, case: Case):
    return "head1", {"held_on": d.on("discussion"), "members": HEADS,
                     "opinions": "与会人员一致同意调查终结报告的处理意见", "conclusion": f"给予警告，并处罚款{d.fine}元"}


def _penalty_decision(d: DemoCase, case: Case):
    return "head1", {"decision_number": f"清市监罚〔{d.on('decided')[:4]}〕{d.n}号",
                     "penalty_kinds": ["warning", "fine"], "fine_amount": d.fine, "legal_basis": d.violation[2],
                     "benchmark_tier": "ordinary", "decided_on": d.on("decided"),
                     "performance_manner": "自收到本决定书之日起十五日内，到清河区农商银行各网点缴纳罚款",
                     "reconsideration_body": "清河市市场监督管理局", "litigation_court": "清河区人民法院"}


def _service(d: DemoCase, case: Case):
    return "officer1", {"method": "direct", "served_on": d.on("served"), "recipient": "当事人"}


def _disclosure(d: DemoCase, case: Case):
    who = d.party if d.party_kind == "organization" else "当事人"  # no personal names in public
    return "officer2", {"outcome": "disclosed", "public_text": f"{who}{d.violation[0]}，依据{d.violation[2]}给予警告并处罚款{d.fine}元。",
                        "published_on": d.on("published"), "channel": "清河区人民政府门户网站"}


def _no_penalty_decision(d: DemoCase, case: Case):
    return "head1", {"decision_number": f"清市监不罚〔{d.on('decided')[:4]}〕{d.n}号", "ground": "first_minor",
                     "reasons": "当事人初次违法，危害后果轻微并已及时改正", "legal_basis": "《行政处罚法》第三十三条第一款",
                     "education": "已对当事人进行批评教育，责令其规范经营", "decided_on": d.on("decided"),
                     "reconsideration_body": "清河市市场监督管理局", "litigation_court": "清河区人民法院"}


def _transfer_approval(d: DemoCase, case: Case):
    return "head1", {"transfer_decision": "approve", "decided_on": d.on("transfer_approved"),
                     "reason": "涉案金额达到刑事立案追诉标准，批准移送公安机关"}


def _transfer(d: DemoCase, case: Case):
    return "officer1", {"transfer_number": f"清市监移〔{d.on('transferred')[:4]}〕{d.n}号",
                        "transferred_on": d.on("transferred"), "receiving_organ": "清河市公安局清河分局",
                        "procuratorate": "清河区人民检察院", "procuratorate_copied": True,
                        "materials": ["transfer_letter", "investigation_report", "items_list"]}


def _transfer_service(d: DemoCase, case: Case):
    return "officer1", {"method": "direct", "served_on": d.on("party_informed"), "recipient": "当事人"}


def _transfer_feedback(d: DemoCase, case: Case):
    if d.stage.story.transfer_accepted:
        return "officer1", {"judicial_result": "accepted", "notified_on": d.on("judicial_feedback"),
                            "notice_number": f"清公（经）立字〔{d.on('judicial_feedback')[:4]}〕{d.n}号"}
    return "officer1", {"judicial_result": "not_accepted", "notified_on": d.on("judicial_feedback"),
                        "reason": "经审查，涉案金额未达到刑事立案追诉标准，不予立案，退回行政机关依法处理"}


def _execution(d: DemoCase, case: Case):
    story, done = d.stage.story, _completed(case, "execution")
    if story.execution in ("demand", "court") and not done:
        return "officer1", {"outcome": "demanded", "demand_served_on": d.on("demand_served"),
                            "note": "逾期未缴纳罚款，已送达催告书"}
    if story.execution == "court":
        return "officer1", {"outcome": "court_enforcement", "demand_served_on": d.on("demand_served"),
                            "court_applied_on": d.on("court_applied"), "note": "催告期满仍未履行，已申请法院强制执行"}
    if story.execution == "instalments" and not done:
        return "officer1", {"outcome": "deferral_requested", "note": "当事人以经济困难为由申请分期缴纳"}
    return "officer1", {"outcome": "paid", "paid_on": d.on("paid"), "amount_paid": d.fine}


def _payment_plan_application(d: DemoCase, case: Case):
    return "officer1", {"applied_on": d.on("plan_applied"), "plan_kind": "instalments",
                        "hardship": "经营困难，提交了近三个月的财务报表", "requested": "分两期缴纳罚款"}


def _halves(fine: int) -> tuple[int, int]:
    return fine // 2, fine - fine // 2


def _payment_plan_approval(d: DemoCase, case: Case):
    first, second = _halves(d.fine)
    return "head1", {"plan_decision": "approve", "decided_on": d.on("plan_approved"),
                     "instalments": [{"due_on": d.on("instalment_1"), "amount": first},
                                     {"due_on": d.on("instalment_2"), "amount": second}],
                     "period_ends_on": d.on("instalment_2"), "reason": "当事人确有经济困难，准予分两期缴纳"}


def _execution_scheduled(d: DemoCase, case: Case):
    first, second = _halves(d.fine)
    paid = [{"paid_on": d.on("instalment_1"), "amount": first}]
    if not _completed(case, "execution_scheduled"):
        return "officer1", {"outcome": "instalment_paid", "amount_paid": first, "instalments_paid": paid}
    paid.append({"paid_on": d.on("instalment_2"), "amount": second})
    return "officer1", {"outcome": "paid", "paid_on": d.on("instalment_2"), "amount_paid": d.fine,
                        "instalments_paid": paid}


def _closing(d: DemoCase, case: Case):
    report = {"transfer": "已移送公安机关，公安机关决定立案，本案行政程序终结。",
              "no_penalty": "不予行政处罚决定书已送达，案件办结。"}.get(d.stage.story.proposal, "罚款已缴纳，案件执行完毕。")
    return "head1", {"closing_report": report, "record_complete": True, "closed_on": d.on("closed")}


STEPS: dict[str, Callable[[DemoCase, Case], tuple[str, dict]]] = {
    "clue_intake": _clue_intake, "filing_approval": _filing_approval, "investigation": _investigation,
    "investigation_report": _investigation_report, "penalty_notice": _penalty_notice,
    "statement_defence": _statement_defence, "hearing_notice": _hearing_notice,
    "hearing_record": _hearing_record, "legal_review": _legal_review,
    "collective_discussion": _collective_discussion, "penalty_decision": _penalty_decision,
    "service": _service, "disclosure": _disclosure, "execution": _execution, "closing": _closing,
    "no_penalty_decision": _no_penalty_decision, "no_penalty_service": _service,
    "transfer_approval": _transfer_approval, "transfer": _transfer, "transfer_service": _transfer_service,
    "transfer_feedback": _transfer_feedback, "payment_plan_application": _payment_plan_application,
    "payment_plan_approval": _payment_plan_approval, "execution_scheduled": _execution_scheduled,
}


def has_cases() -> bool:
    return db.session.execute(db.select(Case.id).limit(1)).scalar() is not None

