"""`flask demo cases`: sample cases of general_penalty and of the summary procedure (简易程序,
summary_penalty) at the stages officers, legal reviewers and heads need in order to try the
system, made through the services like any other case (real workflow state, task rows and audit
trails).

The driver does not replay a fixed list of steps: it follows the procedure wherever the BPMN
routes. After every completion it looks at the case's ready tasks and completes the next one, as
the user the law puts on it (the head approves filing and decides, a legal reviewer who did not
handle the case reviews it, the presiding officer records the hearing), until the case stands at
its stage. The data it records is the form's example from the case's procedure version, changed
only where the case is its own (its dates, party, amounts, people and story: OWN below). A fine of 20,000 yuan for a
person therefore passes through legal review and collective discussion on its way to a decision,
as APL Arts. 57-58 require. When the procedure cannot bring a case to its stage the command
stops with a message naming the case, the stage and where the case stands.
"""
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from ..extensions import db
from ..models import Case, Task, User
from ..oversight.calendar import working_days_after
from ..oversight.identity import with_resident_check, with_uscc_check
from ..oversight.step_rules.execution import DEMAND_WORKING_DAYS
from ..oversight.step_rules.hearing import HEARING_NOTICE_WORKING_DAYS
from ..services.cases import late_fees, legal_review
from ..services.cases import lifecycle as cases
from ..services.errors import NotFound, ServiceError
from ..services.evidence import attachments
from ..services.procedures import versions as procedures
from ..wall_clock import local_today
from . import evidence as demo_evidence
from .signature import drawn_signature

DEPARTMENT = "market"
# (name, kind, identity number or unified social credit code with its check character, address):
# the decision names all three (APL Art. 59). Made-up numbers in the valid formats.
PARTIES = [
    ("清河区鲜果多超市有限公司", "organization", with_uscc_check("91990105MA01XGD1K"), "清河区兴华路18号"),
    ("清河区惠民药房", "organization", with_uscc_check("92990105MA02HMY3P"), "清河区人民路6号"),
    ("王某某", "person", with_resident_check("99010519850312001"), "清河区幸福里3栋2单元501室"),
    ("清河区味道餐饮管理有限公司", "organization", with_uscc_check("91990105MA03WDC5Q"), "清河区美食街22号"),
    ("李某", "person", with_resident_check("99010519900718002"), "清河区柳荫巷7号"),
    ("示范市宏达食品贸易有限公司", "organization", with_uscc_check("91990100MA04HDJ7R"), "示范市农副产品批发市场B区12号"),
    ("清河区便民烟酒店", "organization", with_uscc_check("92990105MA05BMY9T"), "清河区车站路45号"),
    ("赵某某", "person", with_resident_check("99010519781125003"), "清河区东湖小区9栋101室"),
]
# What the register holds beside the name and number (services/people/parties.py): an organisation's legal
# representative and a telephone number to reach the party (the demo's: 555 numbers, no one's).
PARTY_DETAILS = {
    "清河区鲜果多超市有限公司": {"legal_representative": "陈某某", "phone": "0999-5550118"},
    "清河区惠民药房": {"legal_representative": "刘某", "phone": "0999-5550126"},
    "清河区味道餐饮管理有限公司": {"legal_representative": "周某某", "phone": "0999-5550135"},
    "示范市宏达食品贸易有限公司": {"legal_representative": "吴某", "phone": "0999-5550147"},
    "清河区便民烟酒店": {"legal_representative": "郑某某"},
    "清河区邻里便利店": {"legal_representative": "孙某某", "phone": "0999-5550152"},
}
# The violation the forms' examples describe (食品安全法 Arts. 53, 126(1)(三)); the case title names it.
VIOLATION = "未按规定建立并遵守进货查验记录制度"
# The summary procedure's: goods on sale without their price tags (价格法 Art. 13; the register's
# cause SCJG-JG-13-01, a fine of up to 5,000 yuan: the summary forms' examples), fined on the spot
# within the limit of APL 51 (200 yuan for a person, 3,000 for an organisation). Its warning is
# given for the violation of the general procedure's cases (食品安全法 Art. 126(1)(三) provides a
# warning; price tags do not), assessed against the no-penalty list and found not to meet it.
SUMMARY_VIOLATION = "不按规定明码标价"
WARNING_NOTICE = {"cause": "SCJG-SP-126-03",
                  "facts": "当事人销售散装熟食，未查验供货者的许可证和食品合格证明，未建立进货查验记录，经执法人员当场指出",
                  "violated_provision": "《中华人民共和国食品安全法》第五十三条第一款",
                  "penalty_provision": "《中华人民共和国食品安全法》第一百二十六条第一款第三项",
                  "penalty_list_item": "SCJG-BCF-002", "meets_penalty_list": "no"}
# The party of the cases the report finds on the first-violation item of the no-penalty list
# (demo/penalty_lists.csv SCJG-BCF-001), and on the light-penalty list's SCJG-CQ-003 at legal review:
# a shop no demo case penalizes, so it stays a first violator.
FIRST_VIOLATOR = ("清河区邻里便利店", "organization", with_uscc_check("92990105MA10LLB2P"), "清河区槐荫街3号")
# Fines drawn at random within the range of 食品安全法 Art. 126 (5,000 to 50,000 yuan): some cross
# the legal-review threshold for a person (10,000 yuan), so the demo also shows cases the BPMN
# routes to review.
FINES = [5000, 8000, 20000, 50000]

# Days after the clue was received on which each dated act took place. Statutory spacing:
# the party answers within 5 working days of the notice (APL Art. 64, 85), the hearing is
# notified 7 working days ahead (Art. 64: 20 calendar days, whatever holidays fall between), the decision is served within 7 days (Art. 61), the fine paid within 15
# days of service (Art. 67). A case's clue is received `Stage.age_days` before today, so every
# act it has completed lies in the past.
DAY = {
    "violation": -12, "received": 0, "filed": 2, "notice_served": 10, "answered": 13, "hearing_notified": 14,
    "hearing": 34, "reviewed": 15, "discussion": 37, "decided": 38, "served": 40, "published": 41, "paid": 47,
    "closed": 49,
    # the transfer to the judiciary: the report, the head's approval within 3 days (国务院令第310号
    # Art. 5), the transfer within 24 hours, the party informed, the police's answer
    "reported": 8, "transfer_approved": 9, "transferred": 10, "party_informed": 11, "judicial_feedback": 12,
    # execution: the demand after the 15 days to pay (APL 72), the court 10 working days after it
    # (行政强制法 54); deferred or instalment payment approved by the head (APL 66(2))
    "demand_served": 57, "court_applied": 72, "plan_applied": 42, "plan_approved": 43,
    # or the bureau executes itself, auctioning what it seized (行政强制法 46(3)): the party's statement
    # after the demand, the decision once the demand's 10 working days have passed (Art. 37)
    "coercive_statement": 60, "execution_decided": 72,
    "instalment_1": 50, "instalment_2": 60,
    # the summary procedure: everything on the spot the day the officers find it, filed with the
    # agency and the money handed over the next day (3 and 2 working days allowed), paid at a bank
    # within the 15 days (APL 67), closed after
    "on_spot": 0, "summary_filed": 1, "handed_over": 1, "paid_at_bank": 5, "summary_closed": 7,
}
# The periods the law counts in working days between two of these acts (APL 64, 85; 行政强制法
# 54): (the act it runs from, its working days, days after its last day the act may come). A
# holiday or a weekend can make such a period longer than DAY's spacing: the act then falls on the
# first day the law allows, and the acts after it move on with it (demo_calendar).
WORKING_DAY_PERIODS = {
    "hearing": ("hearing_notified", HEARING_NOTICE_WORKING_DAYS, 0),  # held on the 7th working day at the earliest
    "court_applied": ("demand_served", DEMAND_WORKING_DAYS, 1),      # after the 10th working day
    "execution_decided": ("demand_served", DEMAND_WORKING_DAYS, 1),  # likewise (行政强制法 37, 69)
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
    execution: str = "paid"         # or demand, court (行政强制法 54), coercive (46(3)), instalments (APL 66(2))
    # a case of the summary procedure (简易程序): its fine collected on the spot ("spot"), to be
    # paid at a bank ("bank"), or a warning ("warning"); "" is a case of the general procedure
    on_the_spot: str = ""
    refuses_to_sign: bool = False   # APL 52: the refusal noted instead of the party's signature
    # the item of the no-penalty or light-penalty list (demo/penalty_lists.csv) the report finds the
    # case meets; "" keeps the example's finding (the case does not meet SCJG-BCF-001)
    on_the_list: str = ""
    fine: int = 0                   # the fine the story proposes; 0: one drawn from FINES
    party: tuple[str, str, str, str] | None = None  # the case's party, where not one drawn from PARTIES


@dataclass(frozen=True)
class Stage:
    name: str
    label: str
    inbox: str | None               # who has the case's next task in their inbox (None: ended)
    reached: Callable[[Case, set[str]], bool]
    age_days: int                   # how long ago the clue came in
    story: Story = Story()

    @property
    def procedure(self) -> str:
        return "summary_penalty" if self.story.on_the_spot else "general_penalty"


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
    Stage("closed", "closed", None, _status("closed"), 50, Story(complex=True, hearing=True)),
    # a first violation on the market bureau's no-penalty list (首违不罚, APL 33(1)): decided not to penalize
    Stage("no_penalty_decided", "decided not to penalize, to be served", "officer1 (送达不予行政处罚决定书)",
          _ready("no_penalty_service"), 39,
          Story(proposal="no_penalty", on_the_list="SCJG-BCF-001", party=FIRST_VIOLATOR)),
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
    # the bureau executes its decision itself (行政强制法 46(3)): it decided to auction the goods it
    # seized in the course of its administration, to pay the fine; the auction is to be carried out
    Stage("executing_coercively", "executing itself: auction of the goods it seized decided, to be carried out",
          "officer1 (实施强制执行)", _ready("coercive_execution_record"), 75, Story(execution="coercive")),
    Stage("awaiting_plan_approval", "instalment payment applied for, awaiting the head",
          "head1 (批准暂缓或者分期缴纳)", _ready("payment_plan_approval"), 43, Story(execution="instalments")),
    Stage("paying_instalments", "paying approved instalments", "officer1 (按批准的期限缴纳)",
          _paying_instalments, 52, Story(execution="instalments")),
    # decided three weeks ago and neither served nor disclosed: the oversight scan that ends
    # `flask demo cases` raises SERVICE_LATE (APL 61) and DISCLOSURE_LATE (118号) on it
    Stage("service_late", "decided three weeks ago, neither served nor disclosed (late)",
          "officer1 (送达), officer2 (公示)", _status("decided"), 60),
    # 简易程序 (summary procedure, APL 51-53, 68-71): decided and handed over on the spot
    Stage("summary_on_spot", "summary procedure: certificates shown on the spot, the party to be told",
          "officer1 (当场告知)", _ready("notify"), 0, Story(on_the_spot="spot")),
    Stage("summary_to_sign", "summary procedure: decided on the spot, to be handed over against the party's signature",
          "officer1 (当场交付决定书)", _ready("serve"), 0, Story(on_the_spot="spot")),
    Stage("summary_collected", "summary procedure: fine collected on the spot, to be handed to the agency",
          "officer1 (罚款交至行政机关)", _ready("hand_over"), 1, Story(on_the_spot="spot")),
    Stage("summary_paying_at_bank", "summary procedure: fine to be paid at a bank, decision to be filed",
          "officer1 (罚款缴纳), head1 (备案)", _ready("payment", "file_record"), 2, Story(on_the_spot="bank")),
    Stage("summary_refused_to_sign", "summary procedure: warning handed over, the party refused to sign; to be filed",
          "head1 (备案)", _ready("file_record"), 1, Story(on_the_spot="warning", refuses_to_sign=True)),
    # collected two weeks ago and still not handed over: the scan ending `flask demo cases` raises
    # SUMMARY_FINE_NOT_HANDED_OVER (APL 71: within 2 working days)
    Stage("summary_not_handed_over", "summary procedure: fine collected two weeks ago, not handed over (late)",
          "officer1 (罚款交至行政机关)", _ready("hand_over"), 14, Story(on_the_spot="spot")),
    Stage("summary_closed", "summary procedure: closed", None, _status("closed"), 10, Story(on_the_spot="spot")),
    # found on the no-penalty list (SCJG-BCF-002: minor, corrected on the spot, no harm) and decided with
    # a fine all the same: the decision raises MINOR_FIRST_VIOLATION_PENALIZED (APL 33) for the supervisors
    Stage("list_penalized", "found on the no-penalty list, decided with a fine all the same (alert)",
          "officer1 (送达), officer2 (公示)", _status("decided"), 39, Story(on_the_list="SCJG-BCF-002")),
    # found on the light-penalty list (SCJG-CQ-003: records made up and the goods taken off the shelf
    # during the investigation, APL 32(1)) with a fine in the benchmark's lighter tier: the reviewer's
    # sheet shows the item, the party a first violator and the proposal consistent with it
    Stage("light_list_review", "found on the light-penalty list, a lighter fine proposed, awaiting legal review",
          "reviewer1 or reviewer2 (法制审核)", _ready("legal_review"), 26,
          Story(major=True, on_the_list="SCJG-CQ-003", fine=8000, party=FIRST_VIOLATOR)),
]
DEFAULT_COUNT = 2 * len(STAGES)


class DemoStageUnreachable(ServiceError):
    code = "demo_stage_unreachable"


class DemoStepUndeclared(ServiceError):
    """A step function sets a field its form's example should give (not declared in OWN)."""
    code = "demo_step_undeclared"


@dataclass
class DemoCase:
    """One sample case: its facts, its story and its calendar."""

    n: int
    stage: Stage
    party: str
    party_kind: str
    party_id_number: str
    party_address: str
    fine: int
    received: date

    @cached_property
    def calendar(self) -> dict[str, date]:
        return demo_calendar(self.received)

    def on(self, act: str) -> str:
        return self.calendar[act].isoformat()

    @property
    def title(self) -> str:
        summary = self.stage.story.on_the_spot and self.stage.story.on_the_spot != "warning"
        return f"{self.party}{SUMMARY_VIOLATION if summary else VIOLATION}案"


def demo_calendar(received: date) -> dict[str, date]:
    """The day of each act of a case whose clue came in on `received`: DAY's days after it, except
    that an act the law spaces in working days from an earlier one (WORKING_DAY_PERIODS) comes no
    sooner than the calendar allows, and every act after it moves on by as many days."""
    days: dict[str, date] = {}
    delay = timedelta(0)
    for act, offset in sorted(DAY.items(), key=lambda item: item[1]):
        day = received + timedelta(days=offset) + delay
        if act in WORKING_DAY_PERIODS:
            since, working_days, after = WORKING_DAY_PERIODS[act]
            earliest = working_days_after(days[since], working_days) + timedelta(days=after)
            if day < earliest:
                delay += earliest - day
                day = earliest
        days[act] = day
    return days


def received_for(stage: Stage, today: date) -> date:
    """The day the clue of a case at `stage` came in: `stage.age_days` before today, or earlier
    when holidays moved an act the case has taken by then (DAY up to its age) past today."""
    received = today - timedelta(days=stage.age_days)
    for _ in range(10):  # each round moves the case back by its overshoot; holidays end soon
        taken = [day for act, day in demo_calendar(received).items() if DAY[act] <= stage.age_days]
        overshoot = max(taken) - today
        if overshoot <= timedelta(0):
            break
        received -= overshoot
    return received


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
        if stage.story.party:  # drawn all the same: the later cases draw as before
            party, kind, id_number, address = stage.story.party
        fine = rng.choice(FINES)  # drawn all the same: the later cases draw as before
        if stage.story.fine:
            fine = stage.story.fine
        if stage.story.on_the_spot:
            fine = summary_fine(stage.story, kind)
        demo = DemoCase(n=n, stage=stage, party=party, party_kind=kind, party_id_number=id_number,
                        party_address=address, fine=fine, received=received_for(stage, today))
        # the party of the register (registered with its first case; its later cases name it again,
        # so a repeat violation shows on its record)
        case = cases.open_case(users["officer1"], process_id=stage.procedure, title=demo.title,
                               department_code=DEPARTMENT, party={"name": party, "kind": kind, "id_number": id_number,
                                                                  "address": address, **PARTY_DETAILS.get(party, {})})
        if not stage.story.on_the_spot:  # the general procedure's cases: evidence from the clue on
            clue = next((t.id for t in cases.ready_tasks(case)), None)
            demo_evidence.collect(case, users["officer1"], demo.received, clue, n)
        drive_to_stage(case, demo, users)
        reached[stage.name] += 1
    return reached


def summary_fine(story: Story, party_kind: str) -> int:
    """A fine within the summary procedure's limits (APL 51): 100 yuan where collected on the spot
    (APL 68(1)), the most for the party's kind where paid at a bank, none for a warning."""
    if story.on_the_spot == "warning":
        return 0
    if story.on_the_spot == "spot":
        return 100
    return 200 if party_kind == "person" else 2000


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
        try:
            example = example_of(case, task.form_key)
            username, values = step(demo, case, example)
            data = personalized(task.form_key, example, values, stage.story)
        except DemoStepUndeclared as err:
            _unreachable(case, stage, err.message)
        try:
            case = cases.complete_task(users[username], task.id, data)
        except ServiceError as err:
            details = "; ".join(f"{field}: {', '.join(map(str, msgs))}" for field, msgs in err.errors.items())
            _unreachable(case, stage, f"{username} could not complete {task.bpmn_id}: {err.message}"
                         + (f" ({details})" if details else ""))
    _unreachable(case, stage, f"still not there after {MAX_STEPS} steps")


def example_of(case: Case, form_key: str) -> dict:
    """The form's example in the case's deployed procedure version (not the file on disk)."""
    form = procedures.procedure_info(case.procedure_version).forms.get(form_key) or {}
    examples = form.get("examples") or [None]
    if not isinstance(examples[0], dict):
        raise DemoStepUndeclared(f"form {form_key} of the case's procedure version carries no example")
    return examples[0]


def _example_fine(case: Case) -> int:
    """The fine the examples' texts state (the penalty decision's), replaced by the case's own."""
    return example_of(case, "penalty_decision")["fine_amount"]


def _unreachable(case: Case, stage: Stage, why: str):
    db.session.rollback()
    ready = ", ".join(t.bpmn_id for t in cases.ready_tasks(case)) or "none"
    raise DemoStageUnreachable(f"demo case {case.number} cannot reach the stage '{stage.label}': {why} "
                               f"(ready tasks: {ready})")


# -- what a case makes its own in each form's example ---------------------------------------------
# The data a step records is the form's example (examples[0] of the schema in the case's deployed
# procedure version) with only what makes this case its own changed: its dates (the demo's
# calendar), its document numbers (they carry the year and the case's serial), its party, its
# amounts, the people the law puts on it, and the choices of its story. OWN declares those fields
# per form; every other field keeps the example's value, and a step function that sets one is
# refused (DemoStepUndeclared). A branch of the story may write its own text where the example
# tells another story (a case not filed gives its reason) and drops the example's fields that do
# not apply there (no `paid_on` on a demand) — declared here, never left out silently.
@dataclass(frozen=True)
class Branch:
    when: Callable[[dict, Story], bool]  # on the recorded data and the case's story
    writes: tuple[str, ...] = ()
    drops: tuple[str, ...] = ()


@dataclass(frozen=True)
class Own:
    fields: tuple[str, ...]
    branches: tuple[Branch, ...] = ()


def _is(field: str, *values) -> Callable[[dict, Story], bool]:
    return lambda data, story: data.get(field) in values


OWN: dict[str, Own] = {
    "clue_intake": Own(("received_on", "violation_date", "party_id_number", "party_address")),
    "filing_approval": Own(("filing_decision",), (Branch(_is("filing_decision", "not_file"), writes=("reason",),
                                                          drops=("filed_on",)),
                                                   Branch(_is("filing_decision", "file"), writes=("filed_on",)))),
    "investigation": Own(("officers",)),
    "investigation_report": Own(
        ("reported_on", "proposal", "proposed_fine", "benchmark_tier", "major_case", "complex_case",
         "penalty_list_item", "meets_penalty_list"),
        (Branch(_is("proposal", "no_penalty"), writes=("facts", "no_penalty_reason", "benchmark_tier"),
                drops=("penalty_provision", "proposed_penalty_kinds", "proposed_fine")),
         Branch(_is("proposal", "transfer"), writes=("facts", "suspected_crime"),
                drops=("violated_provision", "penalty_provision", "benchmark_tier", "proposed_penalty_kinds",
                       "proposed_fine")))),
    "penalty_notice": Own(("notified_penalty", "notified_fine", "served_on")),
    "statement_defence": Own(("hearing_requested", "answered_on"),
                             (Branch(_is("hearing_requested", True), writes=("statement",)),)),
    "hearing_notice": Own(("hearing_date", "notice_served_on", "presiding_officer")),
    "hearing_record": Own(("held_on",)),
    "legal_review": Own(("review_outcome", "reviewed_on"), (Branch(_is("review_outcome", "return"), writes=("findings", "opinions")),)),
    "collective_discussion": Own(("held_on", "members", "conclusion")),
    "penalty_decision": Own(("fine_amount", "benchmark_tier", "decided_on"),
                            (Branch(lambda data, story: bool(story.hearing), writes=("statement_reasons",)),)),
    "no_penalty_decision": Own(("decided_on",)),
    "service": Own(("served_on",)),
    "disclosure": Own(("public_text", "published_on")),
    "transfer_approval": Own(("decided_on",)),
    "transfer": Own(("transferred_on",)),
    "transfer_feedback": Own(("judicial_result", "notified_on", "notice_number"),
                             (Branch(_is("judicial_result", "not_accepted"), writes=("reason",),
                                     drops=("notice_number",)),)),
    "execution": Own(("outcome", "paid_on", "amount_paid", "instalments_paid", "demand_served_on", "court_applied_on"),
                     (Branch(_is("outcome", "demanded", "court_enforcement", "deferral_requested", "coercive_execution"),
                             writes=("note",),
                             drops=("paid_on", "amount_paid")),
                      Branch(_is("outcome", "instalment_paid"), drops=("paid_on", "note")))),
    "payment_plan_application": Own(("applied_on",)),
    "coercive_statement": Own(("statement_on",)),
    "coercive_execution_decision": Own(("decided_on", "obligation", "amount_owed", "late_fee", "seized_items_decision")),
    "payment_plan_approval": Own(("decided_on", "instalments", "period_ends_on")),
    "closing": Own(("closed_on",), (Branch(lambda data, story: getattr(story, "proposal", "") != "penalty"
                                           or bool(getattr(story, "on_the_spot", "")), writes=("closing_report",)),)),
    # the summary procedure (summary_penalty)
    "summary_identification": Own(("checked_on", "party_id_number", "party_address")),
    "summary_notice": Own(("notified_on", "notified_penalty_kinds", "notified_fine"),
                          (Branch(lambda data, story: story.on_the_spot == "warning", writes=tuple(WARNING_NOTICE),
                                  drops=("notified_fine",)),)),
    "summary_statement": Own(("answered_on",)),
    "summary_decision": Own(("decision_number", "decided_on", "penalty_kinds", "fine_amount"),
                            (Branch(_is("penalty_kinds", ["warning"]), writes=("legal_basis",),
                                    drops=("fine_amount", "performance_manner")),)),
    "summary_service": Own(("served_on", "party_signature", "refused_to_sign"),
                           (Branch(_is("refused_to_sign", False), drops=("refusal_note",)),)),
    "summary_filing": Own(("filed_on", "filing_number")),
    "summary_payment": Own(("collected_on", "amount_collected"),
                           (Branch(_is("collected_on_the_spot", False),
                                   writes=("collected_on_the_spot", "paid_on", "amount_paid"),
                                   drops=("collection_ground", "receipt_number", "collected_on", "amount_collected")),)),
    "summary_handover": Own(("handed_over_on", "amount_handed_over")),
    # 查封、扣押 (seizure, demo/seizure.py): the environment branch's cases tell their own story
    "seizure_application": Own(("applied_on", "urgent", "party_id_number", "party_address"), (
        Branch(_is("urgent", True), writes=("urgent_reason",)),
        Branch(lambda data, story: _environment(story), writes=("measures", "facts", "reasons", "legal_basis",
                                                                 "objects")))),
    "seizure_approval": Own(("decided_on",), (Branch(lambda data, story: _environment(story), writes=("opinion",)),)),
    "seizure_onsite": Own(("officers", "seized_at", "photos", "party_signature", "refused_to_sign"), (
        Branch(_is("refused_to_sign", False), drops=("refusal_note",)),
        Branch(lambda data, story: _environment(story), writes=("place", "record", "statement", "items",
                                                                 "storage_place", "refusal_note")))),
    "seizure_report": Own(("reported_at", "reported_to"), (
        Branch(lambda data, story: _environment(story), writes=("report",)),)),
    "seizure_ratification": Own(("decided_on",), (
        Branch(_is("ratification", "disagree"), writes=("ratification", "opinion")),
        Branch(lambda data, story: _environment(story), writes=("opinion",)))),
    "seizure_disposition": Own(("decided_on",), (
        Branch(_is("disposition", "confiscation"), writes=("disposition", "facts_found", "reasons"),
               drops=("release_ground",)),
        Branch(lambda data, story: _environment(story), writes=("release_ground", "facts_found", "reasons")))),
    "seizure_release": Own(("released_on", "returned_items", "party_signature", "refused_to_sign"), (
        Branch(_is("refused_to_sign", False), drops=("refusal_note",)),)),
    "seizure_confiscation": Own(("referred_on",), (Branch(lambda data, story: _environment(story),
                                                          writes=("reasons",)),)),
    "seizure_warning": Own(("noted_on",)),
    "seizure_extension_request": Own(("requested_on",), (Branch(lambda data, story: _environment(story),
                                                                writes=("reason",)),)),
    "seizure_extension_approval": Own(("decided_on",), (Branch(lambda data, story: _environment(story),
                                                               writes=("opinion",)),)),
    "seizure_extension_notice": Own(("served_on",), (Branch(lambda data, story: _environment(story),
                                                            writes=("recipient",)),)),
    "seizure_excluded_period": Own(("start_on", "end_on", "notified_on"), (
        Branch(lambda data, story: _environment(story), writes=("kind", "agency", "basis")),)),
}


def _environment(story) -> bool:
    """A seizure of the environment branch (demo/seizure.py): its own story over the market's example."""
    return bool(getattr(story, "environment", False))
# The party the examples name in their text (disclosure.public_text), replaced by the case's own.
EXAMPLE_PARTY = "清河区鲜果多超市有限公司"


def own_fields(form_key: str, data: dict, story: Story) -> tuple[set[str], set[str]]:
    """(the fields a case writes itself, the example's fields it drops) in `data` recorded on
    `form_key` by a case with `story`."""
    own = OWN.get(form_key)
    if own is None:
        raise DemoStepUndeclared(f"the demo declares no personal fields for form {form_key} (OWN)")
    writes, drops = set(own.fields), set()
    for branch in own.branches:
        if branch.when(data, story):
            writes |= set(branch.writes)
            drops |= set(branch.drops)
    return writes, drops


def personalized(form_key: str, example: dict, values: dict, story: Story) -> dict:
    """The form's example with the case's own `values`, less the fields its branch drops."""
    data = {**example, **values}
    writes, drops = own_fields(form_key, data, story)
    stray = sorted(set(values) - writes) + sorted(set(values) & drops)
    if stray:
        raise DemoStepUndeclared(
            f"the demo step for form {form_key} sets {', '.join(stray)}, which a case does not make its own "
            f"(declared: {', '.join(sorted(writes - drops))}): take it from the form's example or declare it in OWN")
    return {k: v for k, v in data.items() if k not in drops}


def _restated(text: str, old: str, new: str) -> str:
    """The example's text with its party or amount replaced by the case's."""
    if old not in text:
        raise DemoStepUndeclared(f"the example text names no {old!r} to replace: {text}")
    return text.replace(old, new)


def _amount(text: str, example_fine: int, fine: int) -> str:
    return _restated(text, f"{example_fine}元", f"{fine}元")


def _number(prefix: str, d: DemoCase, act: str) -> str:
    return f"{prefix}〔{d.on(act)[:4]}〕{d.n}号"


# -- who completes each step, with which of its own values -----------------------------------------
# Each step function returns (username, the case's own values); the driver lays them over the example.
def _clue_intake(d: DemoCase, case: Case, example: dict):
    return "officer1", {"received_on": d.on("received"), "violation_date": d.on("violation"),
                        "party_id_number": d.party_id_number, "party_address": d.party_address}


def _filing_approval(d: DemoCase, case: Case, example: dict):
    if d.stage.story.file:
        return "head1", {"filing_decision": "file", "filed_on": d.on("filed")}
    return "head1", {"filing_decision": "not_file",
                     "reason": "经核查，被投诉的经营场所不在本机关管辖区域内，不予立案，已告知投诉人向有管辖权的市场监督管理部门反映"}


def _investigation(d: DemoCase, case: Case, example: dict):
    return "officer1", {"officers": INVESTIGATORS}


def _investigation_report(d: DemoCase, case: Case, example: dict):
    story = d.stage.story
    back = any(f.get("judicial_result") == "not_accepted" for f in _completed(case, "transfer_feedback"))
    own = {"reported_on": d.on("reported"), "major_case": story.major, "complex_case": story.complex}
    if story.on_the_list:
        own.update(penalty_list_item=story.on_the_list, meets_penalty_list="yes")
    if story.proposal == "no_penalty":
        return "officer1", {**own, "proposal": "no_penalty", "benchmark_tier": "no_penalty",
                            "facts": "当事人在其经营场所销售的部分预包装食品未留存进货票据、未建立进货查验记录，系初次违法，"
                                     "涉及食品数量少、货值低，未造成危害后果，执法人员指出后当事人立即补建了进货查验记录",
                            "no_penalty_reason": "初次违法且危害后果轻微并及时改正，依照《中华人民共和国行政处罚法》"
                                                 "第三十三条第一款可以不予行政处罚"}
    if story.proposal == "transfer" and not back:
        return "officer1", {**own, "proposal": "transfer",
                            "facts": "当事人销售的冷冻肉制品经抽样检验，菌落总数、大肠菌群超出食品安全国家标准，"
                                     "且无法提供进货查验记录和供货者合格证明，涉案食品已售出数量较大",
                            "suspected_crime": "涉嫌销售不符合安全标准的食品罪（《中华人民共和国刑法》第一百四十三条）："
                                               "涉案食品经检验不符合食品安全标准，已达到刑事立案追诉标准"}
    return "officer1", {**own, "proposal": "penalty", "proposed_fine": d.fine, "benchmark_tier": _tier(d.fine)}


def _tier(fine: int) -> str:
    """The tier of the demo register's item (demo/benchmarks.csv, SCJG-SP-126-03) whose range the
    case's fine is in: the demo's officers follow their benchmark (FINE_OUTSIDE_BENCHMARK otherwise)."""
    return "lighter" if fine < 18500 else "ordinary" if fine <= 36500 else "heavier"


def _penalty_notice(d: DemoCase, case: Case, example: dict):
    return "officer1", {"notified_fine": d.fine,
                        "notified_penalty": _amount(example["notified_penalty"], example["notified_fine"], d.fine),
                        "served_on": d.on("notice_served")}


def _statement_defence(d: DemoCase, case: Case, example: dict):
    if d.stage.story.hearing:
        return "officer1", {"hearing_requested": True, "answered_on": d.on("answered"),
                            "statement": "当事人对违法事实无异议，但认为罚款数额过高，要求举行听证"}
    return "officer1", {"hearing_requested": False, "answered_on": d.on("answered")}


def _hearing_notice(d: DemoCase, case: Case, example: dict):
    return "officer1", {"hearing_date": d.on("hearing"), "notice_served_on": d.on("hearing_notified"),
                        "presiding_officer": PRESIDING_OFFICER}


def _hearing_record(d: DemoCase, case: Case, example: dict):
    return PRESIDING_OFFICER, {"held_on": d.on("hearing")}


def _legal_review(d: DemoCase, case: Case, example: dict):
    """By a reviewer who did not handle the case (REVIEWER_CONFLICT otherwise, APL Art. 58)."""
    handlers = legal_review.handlers_of(case)
    reviewer = next((r for r in REVIEWERS if r not in handlers), REVIEWERS[0])
    returned_before = any(r.outcome == "return" for r in cases.legal_reviews(case))
    if d.stage.story.first_review_returns and not returned_before:
        findings = {**example["findings"],
                    "facts_and_evidence": {"result": "fail", "comment": "缺少供货者的销售记录，涉案食品的进货数量和货值未查清"}}
        return reviewer, {"findings": findings, "review_outcome": "return", "reviewed_on": d.on("reviewed"),
                          "opinions": "证据不足，退回调查机构补充调查涉案食品的进货数量和货值"}
    return reviewer, {"review_outcome": "approve", "reviewed_on": d.on("reviewed")}


def _collective_discussion(d: DemoCase, case: Case, example: dict):
    fine = _example_fine(case)
    return "head1", {"held_on": d.on("discussion"), "members": HEADS,
                     "conclusion": _amount(example["conclusion"], fine, d.fine)}


def _penalty_decision(d: DemoCase, case: Case, example: dict):
    """The party's statement (the statement_defence example's, or its reasons for a hearing) is
    answered as the hearing's presiding officer proposed where one was held (APL 45, 65)."""
    answered = {"statement_reasons": example_of(case, "hearing_record")["presiding_opinion"]} if d.stage.story.hearing \
        else {}
    return "head1", {"fine_amount": d.fine, "benchmark_tier": _tier(d.fine), "decided_on": d.on("decided"), **answered}


def _service(d: DemoCase, case: Case, example: dict):
    return "officer1", {"served_on": d.on("served")}


def _disclosure(d: DemoCase, case: Case, example: dict):
    who = d.party if d.party_kind == "organization" else "当事人"  # no personal names in public
    text = _restated(example["public_text"], EXAMPLE_PARTY, who)
    return "officer2", {"public_text": _amount(text, _example_fine(case), d.fine), "published_on": d.on("published")}


def _no_penalty_decision(d: DemoCase, case: Case, example: dict):
    return "head1", {"decided_on": d.on("decided")}


def _transfer_approval(d: DemoCase, case: Case, example: dict):
    return "head1", {"decided_on": d.on("transfer_approved")}


def _transfer(d: DemoCase, case: Case, example: dict):
    return "officer1", {"transferred_on": d.on("transferred")}


def _transfer_service(d: DemoCase, case: Case, example: dict):
    return "officer1", {"served_on": d.on("party_informed")}


def _transfer_feedback(d: DemoCase, case: Case, example: dict):
    if d.stage.story.transfer_accepted:
        return "officer1", {"judicial_result": "accepted", "notified_on": d.on("judicial_feedback"),
                            "notice_number": _number("清公（经）立字", d, "judicial_feedback")}
    return "officer1", {"judicial_result": "not_accepted", "notified_on": d.on("judicial_feedback"),
                        "reason": "经审查，现有证据不能证明涉案食品足以造成严重食物中毒事故或者其他严重食源性疾病，"
                                  "未达到刑事立案追诉标准，决定不予立案，退回行政机关依法处理"}


def _execution(d: DemoCase, case: Case, example: dict):
    story, done = d.stage.story, _completed(case, "execution")
    if story.execution in ("demand", "court", "coercive") and not done:
        return "officer1", {"outcome": "demanded", "demand_served_on": d.on("demand_served"),
                            "note": "当事人逾期未缴纳罚款，已依照《中华人民共和国行政强制法》第三十五条送达催告书"}
    if story.execution == "court":
        return "officer1", {"outcome": "court_enforcement", "demand_served_on": d.on("demand_served"),
                            "court_applied_on": d.on("court_applied"),
                            "note": "催告期满当事人仍未履行，已依照《中华人民共和国行政强制法》第五十三条、第五十四条"
                                    "申请人民法院强制执行"}
    if story.execution == "coercive":
        return "officer1", {"outcome": "coercive_execution", "demand_served_on": d.on("demand_served"),
                            "note": "催告期满当事人仍未履行，未申请行政复议或者提起行政诉讼，本局依照《中华人民共和国行政强制法》"
                                    "第四十六条第三款将扣押的财物依法拍卖抵缴罚款"}
    if story.execution == "instalments" and not done:
        return "officer1", {"outcome": "deferral_requested", "note": "当事人以经济困难为由申请分期缴纳罚款"}
    return "officer1", {"outcome": "paid", "paid_on": d.on("paid"), "amount_paid": d.fine}


def _coercive_statement(d: DemoCase, case: Case, example: dict):
    return "officer1", {"statement_on": d.on("coercive_statement")}


def _coercive_execution_decision(d: DemoCase, case: Case, example: dict):
    """The fine and its late fee as the system counts it to the decision's day (APL 72: never above the
    fine), paid from the auction of the goods the bureau seized (行政强制法 46(3)), named by their
    seizure decision."""
    counted = late_fees.of_case(case, d.calendar["execution_decided"])
    fee = round(float(counted.fee.amount), 2) if counted else 0
    return "head1", {"decided_on": d.on("execution_decided"), "amount_owed": d.fine, "late_fee": fee,
                     "obligation": f"缴纳罚款{d.fine}元及加处罚款{fee:g}元",
                     "seized_items_decision": _number("清市监封扣", d, "demand_served")}


def _payment_plan_application(d: DemoCase, case: Case, example: dict):
    return "officer1", {"applied_on": d.on("plan_applied")}


def _halves(fine: int) -> tuple[int, int]:
    return fine // 2, fine - fine // 2


def _payment_plan_approval(d: DemoCase, case: Case, example: dict):
    first, second = _halves(d.fine)
    return "head1", {"decided_on": d.on("plan_approved"),
                     "instalments": [{"due_on": d.on("instalment_1"), "amount": first},
                                     {"due_on": d.on("instalment_2"), "amount": second}],
                     "period_ends_on": d.on("instalment_2")}


def _execution_scheduled(d: DemoCase, case: Case, example: dict):
    first, second = _halves(d.fine)
    paid = [{"paid_on": d.on("instalment_1"), "amount": first}]
    if not _completed(case, "execution_scheduled"):
        return "officer1", {"outcome": "instalment_paid", "amount_paid": first, "instalments_paid": paid}
    paid.append({"paid_on": d.on("instalment_2"), "amount": second})
    return "officer1", {"outcome": "paid", "paid_on": d.on("instalment_2"), "amount_paid": d.fine,
                        "instalments_paid": paid}


def _closing(d: DemoCase, case: Case, example: dict):
    if d.stage.story.on_the_spot:
        return "head1", {"closed_on": d.on("summary_closed"), "closing_report": (
            "当场处罚决定书已当场交付当事人并报本机关备案，罚款已当场收缴并按期交至本机关，案卷材料齐全，报请结案。")}
    report = {"transfer": "本案已依法移送公安机关，公安机关决定立案侦查，并书面告知当事人；本案行政处罚程序终结，"
                          "案卷材料齐全，报请结案。",
              "no_penalty": "不予行政处罚决定书已依法送达当事人，并对当事人进行了教育，案卷材料齐全，报请结案。"}
    if d.stage.story.proposal in report:
        return "head1", {"closing_report": report[d.stage.story.proposal], "closed_on": d.on("closed")}
    return "head1", {"closed_on": d.on("closed")}


# -- the summary procedure (简易程序): the officers on the spot, the head files it --------------------------
def _identify(d: DemoCase, case: Case, example: dict):
    return "officer1", {"checked_on": d.on("on_spot"), "party_id_number": d.party_id_number,
                        "party_address": d.party_address}


def _summary_kinds(d: DemoCase) -> list[str]:
    return ["warning"] if d.stage.story.on_the_spot == "warning" else ["fine"]


def _notify(d: DemoCase, case: Case, example: dict):
    own = WARNING_NOTICE if d.stage.story.on_the_spot == "warning" else {"notified_fine": d.fine}
    return "officer1", {"notified_on": d.on("on_spot"), "notified_penalty_kinds": _summary_kinds(d), **own}


def _hear_statement(d: DemoCase, case: Case, example: dict):
    return "officer1", {"answered_on": d.on("on_spot")}


def _decide(d: DemoCase, case: Case, example: dict):
    fine = {"legal_basis": WARNING_NOTICE["penalty_provision"]} if d.stage.story.on_the_spot == "warning" \
        else {"fine_amount": d.fine}
    return "officer1", {"decision_number": f"清市监当罚〔{d.on('on_spot')[:4]}〕{d.n:04d}号", "decided_on": d.on("on_spot"),
                        "penalty_kinds": _summary_kinds(d), **fine}


def _serve(d: DemoCase, case: Case, example: dict):
    """The party signs on the officer's phone (the drawing kept with the case first, as the page
    does), or refuses to, and the refusal is noted (APL 52)."""
    if d.stage.story.refuses_to_sign:
        return "officer1", {"served_on": d.on("on_spot"), "refused_to_sign": True}
    officer = db.session.execute(db.select(User).where(User.username == "officer1")).scalar_one()
    signature, _created = attachments.store_signature(officer, case.id, drawn_signature(d.n))
    return "officer1", {"served_on": d.on("on_spot"), "refused_to_sign": False, "party_signature": signature.sha256}


def _file_record(d: DemoCase, case: Case, example: dict):
    return "head1", {"filed_on": d.on("summary_filed"), "filing_number": f"清市监简备〔{d.on('on_spot')[:4]}〕{d.n:04d}号"}


def _payment(d: DemoCase, case: Case, example: dict):
    if d.stage.story.on_the_spot == "bank":
        return "officer1", {"collected_on_the_spot": False, "paid_on": d.on("paid_at_bank"), "amount_paid": d.fine}
    return "officer1", {"collected_on": d.on("on_spot"), "amount_collected": d.fine}


def _hand_over(d: DemoCase, case: Case, example: dict):
    return "officer1", {"handed_over_on": d.on("handed_over"), "amount_handed_over": d.fine}


STEPS: dict[str, Callable[[DemoCase, Case, dict], tuple[str, dict]]] = {
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
    "coercive_statement": _coercive_statement, "coercive_execution_decision": _coercive_execution_decision,
    "identify": _identify, "notify": _notify, "hear_statement": _hear_statement, "decide": _decide, "serve": _serve,
    "file_record": _file_record, "payment": _payment, "hand_over": _hand_over,
}


def has_cases() -> bool:
    return db.session.execute(db.select(Case.id).limit(1)).scalar() is not None

