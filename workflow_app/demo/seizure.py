"""`flask demo cases`: sample cases of 查封、扣押 (bpmn/seizure, 行政强制法 Arts. 17-28) at each stage,
in the market bureau (食品安全法 Art. 110: the food seized) and the ecology and environment branch
(环境保护法 Art. 25: the discharge equipment sealed up), made through the services like every demo
case. Each follows the procedure wherever it routes (demo/cases.py `drive_to_stage`'s way: after
every completion the next ready step is completed as the user the law puts on it), and records the
form's example with only the case's own fields changed (`OWN` in demo/cases.py): its dates and
times (the measure taken `age` before now, everything after it in the law's order), its people,
its party, its photo and the party's signature, and the choices of its story. The environment
branch's cases tell their own story in the fields its branch writes (`ENVIRONMENT`).
"""
import io
from dataclasses import dataclass, replace
from datetime import date, timedelta

from ..extensions import db
from ..models import Case, Task, User
from ..oversight.calendar import LOCAL_TZ
from ..services.cases import lifecycle as cases
from ..services.cases import requests as case_requests
from ..services.errors import NotFound, ServiceError
from ..services.evidence import attachments
from ..services.evidence import items as evidence
from ..services.procedures import versions as procedures
from ..wall_clock import utcnow
from .cases import PARTIES, PARTY_DETAILS, DemoStageUnreachable, DemoStepUndeclared, example_of, personalized
from .departments import CLUES, REPRESENTATIVES
from .evidence import site_photo
from .signature import drawn_signature

PROCEDURE = "seizure"
MAX_STEPS = 15


@dataclass(frozen=True)
class SeizureStory:
    """The choices that decide where the BPMN routes a seizure."""

    urgent: bool = False            # taken on the spot, reported within 24 hours (Art. 19)
    reported: bool = True           # (urgent) the report made
    ratified: bool = True           # (urgent) the head agrees; else the items are released at once
    extended: bool = False          # the 30 days extended once (Art. 25)
    tested: bool = False            # an inspection period recorded, not counted (Art. 25(3))
    disposition: str = "release"    # release | confiscation | destruction (Art. 27)
    refuses_to_sign: bool = False   # the refusal noted instead of the party's signature (Art. 18(8))
    environment: bool = False       # the environment branch's case: its own story (ENVIRONMENT)


@dataclass(frozen=True)
class SeizureStage:
    name: str
    label: str
    inbox: str | None               # who has the case's next step (None: ended)
    until: tuple[str, ...]          # the case stands here once these steps are all ready …
    status: str | None = None       # … or once it has this status
    age: timedelta = timedelta(days=5)  # how long ago the measure was taken (or is to be)
    story: SeizureStory = SeizureStory()


H, D = timedelta(hours=1), timedelta(days=1)
STAGES = [
    SeizureStage("seizure_awaiting_approval", "seizure: applied for, awaiting the head's approval",
                 "head (查封、扣押审批)", ("seizure_approval",), age=2 * H),
    SeizureStage("seizure_to_take", "seizure: approved, to be taken on the spot", "officers (实施查封、扣押)",
                 ("seizure_onsite",), age=1 * H),
    SeizureStage("seizure_urgent_to_report", "seizure: taken on the spot in an emergency, to be reported within 24 hours",
                 "officers (当场实施情况报告)", ("seizure_report",), age=3 * H,
                 story=SeizureStory(urgent=True, reported=False)),
    SeizureStage("seizure_urgent_unreported", "seizure: taken on the spot 30 hours ago, not reported (late)",
                 "officers (当场实施情况报告)", ("seizure_report",), age=30 * H,
                 story=SeizureStory(urgent=True, reported=False, refuses_to_sign=True)),
    SeizureStage("seizure_awaiting_ratification", "seizure: urgent measure reported, the head to make up the approval",
                 "head (补办批准手续)", ("seizure_ratification",), age=5 * H, story=SeizureStory(urgent=True)),
    SeizureStage("seizure_held", "seizure: items held, the decision on them due within 30 days", "head (作出处理决定)",
                 ("seizure_disposition",), age=5 * D),
    SeizureStage("seizure_testing", "seizure: items being inspected, the period not counted", "head (作出处理决定)",
                 ("seizure_disposition",), age=12 * D, story=SeizureStory(tested=True)),
    SeizureStage("seizure_extended", "seizure: period extended by 30 days and notified", "head (作出处理决定)",
                 ("seizure_disposition", "seizure_expiry_warning"), age=28 * D, story=SeizureStory(extended=True)),
    SeizureStage("seizure_near_limit", "seizure: 27 days held, the head warned before the limit",
                 "head (查封扣押期限即将届满, 作出处理决定)", ("seizure_disposition", "seizure_expiry_warning"), age=27 * D),
    SeizureStage("seizure_overdue", "seizure: held 45 days without extension or decision (alert)",
                 "head (作出处理决定)", ("seizure_disposition", "seizure_expiry_warning"), age=45 * D,
                 story=SeizureStory(refuses_to_sign=True)),
    SeizureStage("seizure_released", "seizure: released, the items returned against a receipt; to be closed",
                 "head (结案)", ("seizure_closing",), status="released", age=16 * D),
    SeizureStage("seizure_disagreed", "seizure: the head disagreed with the urgent measure, released at once; to be closed",
                 "head (结案)", ("seizure_closing",), status="released", age=2 * D,
                 story=SeizureStory(urgent=True, ratified=False)),
    SeizureStage("seizure_confiscation", "seizure: to be confiscated, handed on to a penalty case; to be closed",
                 "head (结案)", ("seizure_closing",), status="confiscation_referred", age=16 * D,
                 story=SeizureStory(disposition="confiscation")),
    SeizureStage("seizure_closed", "seizure: released and closed", None, (), status="closed", age=20 * D),
]

# The acts after the measure, as its age allows (a case is brought only as far as its stage).
REPORTED_AFTER = 2 * H
EXTENSION_ON, EXTENSION_NOTIFIED = 20 * D, 21 * D
TESTING_FROM, TESTING_DAYS = 2 * D, 10
DECIDED_AFTER, CLOSED_AFTER = 10 * D, 11 * D

# The departments: their officers and head, the party of each case (of the register the general
# demo fills: the market's PARTIES, the environment branch's clue party) and its story's texts.
DEPARTMENTS = {
    "market": {"officers": ["officer1", "officer2"], "head": "head1", "environment": False},
    "environment": {"officers": ["environment_officer1", "environment_officer2"], "head": "environment_head",
                    "environment": True},
}
ENV_CLUE = next(c for c in CLUES if c[0] == "environment")
# The environment branch's story (环境保护法 Art. 25): the fields a case of it writes over the
# market example's (declared in OWN's branches, demo/cases.py).
ENVIRONMENT = {
    "seizure_application": {
        "measures": ["seal"],
        "facts": "当事人废水总排口在线监测数据显示化学需氧量浓度超过排放标准三倍以上，现场检查发现其污水处理设施旁路管道"
                 "阀门处于开启状态，未经处理的废水通过旁路直接排放，涉嫌通过暗管逃避监管的方式违法排放污染物",
        "reasons": "为防止当事人继续通过旁路管道违法排放、造成严重污染，需要对排放污染物的设施予以查封",
        "legal_basis": "《中华人民共和国环境保护法》第二十五条、《环境保护主管部门实施查封、扣押办法》第四条",
        "objects": "当事人污水处理站旁路管道及阀门、旁路排放泵"},
    "seizure_approval": {"opinion": "当事人涉嫌通过暗管逃避监管排放水污染物，同意查封旁路管道阀门和旁路排放泵，期限三十日。"},
    "seizure_onsite": {
        "place": "清河区工业园区纬三路9号当事人污水处理站",
        "record": "执法人员出示执法证件后进行现场检查。污水处理站东侧旁路管道阀门处于开启状态，旁路排放泵正在运行，"
                  "废水经旁路直接排入厂区雨水管网。执法人员当场告知当事人查封的理由、依据以及依法享有的陈述、申辩权和申请"
                  "行政复议、提起行政诉讼的权利，听取了当事人的陈述和申辩，对旁路管道阀门和旁路排放泵予以查封，张贴封条，"
                  "并当场拍照取证。",
        "statement": "当事人称旁路系检修时临时开启，检修结束后忘记关闭",
        "items": [{"name": "污水处理站旁路管道阀门", "specification": "DN150闸阀", "quantity": 1, "unit": "个",
                   "condition": "已关闭，张贴封条"},
                  {"name": "旁路排放泵", "specification": "50WQ15-30型潜污泵", "quantity": 1, "unit": "台",
                   "condition": "已断电，张贴封条"}],
        "storage_place": "就地查封，由当事人负责看管，不得启封、使用"},
    "seizure_report": {"report": "当事人正在通过旁路管道排放未经处理的废水，情况紧急，执法人员当场查封旁路管道阀门和旁路排放泵，"
                                 "现报告并申请补办批准手续。"},
    "seizure_ratification": {"opinion": "情况紧急属实，当场查封符合法定条件，同意补办批准手续。"},
    "seizure_disposition": {
        "release_ground": "decided",
        "facts_found": "当事人通过旁路管道逃避监管排放水污染物的违法事实已查清，已另案作出行政处罚决定，"
                       "当事人已拆除旁路管道并完成整改，经现场核查符合要求",
        "reasons": "对违法行为已经作出处理决定，不再需要查封，解除查封"},
    "seizure_confiscation": {"reasons": "旁路排放泵系当事人专门用于逃避监管排放污染物的设备，违法事实清楚，依法应当没收，"
                                        "移交普通程序案件作出没收的行政处罚决定"},
    "seizure_extension_request": {"reason": "旁路排放的废水需委托监测机构进行监测分析并调查排放量，三十日内不能查清事实"},
    "seizure_extension_approval": {"opinion": "情况复杂属实，同意延长查封期限三十日，并书面告知当事人。"},
    "seizure_extension_notice": {"recipient": "当事人法定代表人孙某某"},
    "seizure_excluded_period": {"kind": "testing", "agency": "示范市环境监测中心站",
                                "basis": "委托监测函 清环监〔2026〕5号"},
}


@dataclass
class DemoSeizure:
    n: int
    stage: SeizureStage
    department: str
    party: tuple[str, str, str, str]  # name, kind, number, address
    seized: object  # the aware datetime of the measure

    @property
    def story(self) -> SeizureStory:
        return self.stage.story

    def at(self, after: timedelta = timedelta(0)) -> str:
        """The date and time `after` the measure, Beijing time to the minute, with its offset."""
        return (self.seized + after).astimezone(LOCAL_TZ).replace(second=0, microsecond=0).isoformat()

    def on(self, after: timedelta = timedelta(0)) -> str:
        return self.at(after)[:10]

    @property
    def people(self) -> dict:
        return DEPARTMENTS[self.department]


def seed_seizure_cases(departments=("market", "environment")) -> dict[str, int]:
    """Open a case of each stage in each department; returns how many stand at each stage (none
    where the seizure procedure is not deployed: the demo of the others goes on without it)."""
    try:
        procedures.latest_version(PROCEDURE)
    except NotFound:
        return {}
    users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
    reached: dict[str, int] = {}
    n = 0
    for department in departments:
        people = DEPARTMENTS[department]
        missing = {*people["officers"], people["head"]} - set(users)
        if missing:
            raise NotFound(f"demo users {', '.join(sorted(missing))} are missing: run `flask demo seed` first")
        for i, stage in enumerate(STAGES):
            n += 1
            if people["environment"]:  # the same stage, told as the environment branch's story
                stage = replace(stage, story=replace(stage.story, environment=True))
            if department == "market":
                party = PARTIES[i % len(PARTIES)]
                details = PARTY_DETAILS.get(party[0], {})
            else:  # the environment branch's clue party (demo/departments.py), registered once
                party = (ENV_CLUE[3], "organization", ENV_CLUE[4], ENV_CLUE[5])
                details = {"legal_representative": REPRESENTATIVES[party[0]]}
            demo = DemoSeizure(n, stage, department, party, utcnow() - stage.age)
            case = cases.open_case(users[people["officers"][0]], process_id=PROCEDURE, title=title(demo),
                                   department_code=department, party={"name": party[0], "kind": party[1],
                                                                      "id_number": party[2], "address": party[3],
                                                                      **details})
            drive(case, demo, users)
            reached[stage.name] = reached.get(stage.name, 0) + 1
    return reached


def title(demo: DemoSeizure) -> str:
    if demo.story.environment:
        return f"{demo.party[0]}涉嫌通过暗管排放水污染物查封案"
    return f"{demo.party[0]}涉嫌标注虚假生产日期扣押案"


def at_stage(case: Case, stage: SeizureStage, ready: set[str]) -> bool:
    if stage.status is not None and case.status != stage.status:
        return False
    return set(stage.until) <= ready


def drive(case: Case, demo: DemoSeizure, users: dict[str, User]) -> Case:
    """Complete whatever the procedure makes ready next (the ad-hoc steps of the story on their
    days) until the case stands at its stage."""
    stage, extended, tested = demo.stage, False, False
    for _ in range(MAX_STEPS):
        ready = cases.ready_tasks(case)
        ids = {t.bpmn_id for t in ready}
        if demo.story.tested and not tested and "seizure_disposition" in ids:
            case, tested = _request(case, demo, users, "excluded_period"), True
            continue
        if demo.story.extended and not extended and "seizure_disposition" in ids:
            case, extended = _request(case, demo, users, "extension_request"), True
            continue
        if at_stage(case, stage, ids):
            return case
        task = next((t for t in ready if t.bpmn_id != "seizure_expiry_warning"), None)
        if task is None:
            _unreachable(case, stage, f"the procedure has no ready task (case status {case.status})")
        username, data = _step(case, demo, task)
        try:
            if task.bpmn_id == "seizure_confiscation":
                _open_penalty_case(case, demo, users)
            case = cases.complete_task(users[username], task.id, data)
        except ServiceError as err:
            _failed(case, stage, username, task.bpmn_id, err)
    _unreachable(case, stage, f"still not there after {MAX_STEPS} steps")


def _open_penalty_case(case: Case, demo: DemoSeizure, users: dict[str, User]) -> Case:
    """The general-procedure case that confiscates the items (行政强制法 27), opened from the seizure
    case (services/cases/links.py): the seizure's handing-on is refused until it exists."""
    party = {"id": case.party_id} if case.party_id is not None else {"name": case.party_name, "kind": case.party_kind}
    return cases.open_case(users[demo.people["officers"][0]], process_id="general_penalty",
                           title=f"{demo.party[0]}涉案物品没收案", department_code=demo.department, party=party,
                           linked_from={"case_id": case.id, "kind": "confiscation",
                                        "reason": "查封（扣押）的物品依法应当没收，立案作出没收的行政处罚决定"})


def _failed(case, stage, username, step, err):
    details = "; ".join(f"{field}: {', '.join(map(str, msgs))}" for field, msgs in err.errors.items())
    _unreachable(case, stage, f"{username} could not complete {step}: {err.message}" + (f" ({details})" if details else ""))


def _unreachable(case: Case, stage: SeizureStage, why: str):
    db.session.rollback()
    ready = ", ".join(t.bpmn_id for t in cases.ready_tasks(case)) or "none"
    raise DemoStageUnreachable(f"demo case {case.number} cannot reach the stage '{stage.label}': {why} "
                               f"(ready tasks: {ready})")


def _data(case: Case, form_key: str, demo: DemoSeizure, values: dict) -> dict:
    example = example_of(case, form_key)
    if demo.story.environment and not (form_key == "seizure_disposition" and values.get("disposition")):
        values = {**ENVIRONMENT.get(form_key, {}), **values}  # (a confiscation states its own facts)
    try:
        return personalized(form_key, example, values, demo.story)
    except DemoStepUndeclared as err:
        _unreachable(case, demo.stage, err.message)


def _step(case: Case, demo: DemoSeizure, task) -> tuple[str, dict]:
    step = STEPS.get(task.bpmn_id)
    if step is None:
        _unreachable(case, demo.stage, f"the demo has no form data for task {task.bpmn_id} ({task.name})")
    username, values = step(demo, case, task)
    return username, _data(case, task.form_key, demo, values)


def _request(case: Case, demo: DemoSeizure, users: dict[str, User], kind: str) -> Case:
    """An ad-hoc step of the story, and the steps it makes ready (the head's approval, the notice)."""
    officer = users[demo.people["officers"][0]]
    if kind == "excluded_period":
        values = {"start_on": demo.on(TESTING_FROM), "end_on": demo.on(TESTING_FROM + TESTING_DAYS * D - D),
                  "notified_on": demo.on(TESTING_FROM)}
        try:
            return case_requests.start_request(officer, case.id, kind,
                                               _data(case, "seizure_excluded_period", demo, values))
        except ServiceError as err:
            _failed(case, demo.stage, officer.username, kind, err)
    values = {"requested_on": demo.on(EXTENSION_ON)}
    try:
        case = case_requests.start_request(officer, case.id, kind, _data(case, "seizure_extension_request", demo, values))
        for bpmn_id in ("extension_approval", "extension_notice"):
            task = next(t for t in cases.ready_tasks(case) if t.bpmn_id == bpmn_id)
            username, data = _step(case, demo, task)
            case = cases.complete_task(users[username], task.id, data)
    except ServiceError as err:
        _failed(case, demo.stage, officer.username, kind, err)
    return case


# -- who completes each step, with which of its own values ---------------------------------------
def _application(d: DemoSeizure, case: Case, task):
    own = {"applied_on": d.on(), "urgent": d.story.urgent, "party_id_number": d.party[2], "party_address": d.party[3]}
    if d.story.urgent:
        own["urgent_reason"] = ("当事人正在打开旁路阀门排放废水，不立即查封将造成严重污染" if d.story.environment
                                else "当事人正在将涉案食品装车外运，不立即扣押将导致涉案食品流入市场")
    return d.people["officers"][0], own


def _approval(d: DemoSeizure, case: Case, task):
    return d.people["head"], {"decided_on": d.on()}


def _onsite(d: DemoSeizure, case: Case, task):
    officer = db.session.execute(db.select(User).where(User.username == d.people["officers"][0])).scalar_one()
    photo, _created = evidence.store(officer, case.id, io.BytesIO(site_photo(f"{case.number} {d.at()}", d.n)),
                                     "现场照片.jpg", evidence.Description(
                                         title="查封（扣押）现场照片", kind="audiovisual", source="执法人员现场拍摄",
                                         proves="查封（扣押）财物的状况和位置",
                                         collected_on=date.fromisoformat(d.on()), task_id=task.id))
    own = {"officers": d.people["officers"], "seized_at": d.at(), "photos": [photo.id]}
    if d.story.refuses_to_sign:
        note = {"refusal_note": "当事人拒绝在现场笔录和查封清单上签名，执法人员已在笔录中注明，并全程录像"} \
            if d.story.environment else {}
        return d.people["officers"][0], {**own, "refused_to_sign": True, **note}
    signature, _created = attachments.store_signature(officer, case.id, drawn_signature(100 + d.n))
    return d.people["officers"][0], {**own, "refused_to_sign": False, "party_signature": signature.sha256}


def _report(d: DemoSeizure, case: Case, task):
    return d.people["officers"][0], {"reported_at": d.at(REPORTED_AFTER), "reported_to": d.people["head"]}


def _ratification(d: DemoSeizure, case: Case, task):
    if d.story.ratified:
        return d.people["head"], {"decided_on": d.on(REPORTED_AFTER)}
    return d.people["head"], {"ratification": "disagree", "decided_on": d.on(REPORTED_AFTER),
                              "opinion": "经核实，当事人系正常经营活动，不存在紧急情况，不应当当场采取强制措施，立即解除"}


def _disposition(d: DemoSeizure, case: Case, task):
    if d.story.disposition == "confiscation" and d.story.environment:
        return d.people["head"], {"disposition": "confiscation", "decided_on": d.on(DECIDED_AFTER),
                                  "facts_found": "当事人使用旁路排放泵通过暗管逃避监管排放水污染物的违法事实清楚",
                                  "reasons": "旁路排放泵系专门用于违法排放的设备，依法应当没收，移交普通程序案件作出没收的"
                                             "行政处罚决定"}
    if d.story.disposition == "confiscation":
        return d.people["head"], {"disposition": "confiscation", "decided_on": d.on(DECIDED_AFTER),
                                  "facts_found": "经委托检验，涉案饼干菌落总数超过食品安全国家标准，当事人标注虚假生产日期的"
                                                 "违法事实清楚",
                                  "reasons": "涉案食品依法应当没收，移交普通程序案件作出没收的行政处罚决定"}
    return d.people["head"], {"decided_on": d.on(DECIDED_AFTER)}


def _release(d: DemoSeizure, case: Case, task):
    officer = db.session.execute(db.select(User).where(User.username == d.people["officers"][0])).scalar_one()
    seized = db.session.execute(db.select(Task.data).where(
        Task.case_id == case.id, Task.bpmn_id == "seizure_onsite", Task.state == "completed")).scalar_one()
    on = d.on(REPORTED_AFTER) if task.bpmn_id == "urgent_release" else d.on(DECIDED_AFTER)
    signature, _created = attachments.store_signature(officer, case.id, drawn_signature(200 + d.n))
    return d.people["officers"][0], {"released_on": on, "returned_items": seized["items"], "refused_to_sign": False,
                                     "party_signature": signature.sha256}


def _confiscation(d: DemoSeizure, case: Case, task):
    return d.people["officers"][0], {"referred_on": d.on(DECIDED_AFTER)}


def _warning(d: DemoSeizure, case: Case, task):
    return d.people["head"], {"noted_on": d.on(25 * D)}


def _extension_approval(d: DemoSeizure, case: Case, task):
    return d.people["head"], {"decided_on": d.on(EXTENSION_ON)}


def _extension_notice(d: DemoSeizure, case: Case, task):
    return d.people["officers"][0], {"served_on": d.on(EXTENSION_NOTIFIED)}


def _closing(d: DemoSeizure, case: Case, task):
    after = REPORTED_AFTER + D if not d.story.ratified else CLOSED_AFTER
    report = {"release": "查封（扣押）的财物已依法解除并退还当事人，当事人已签收退还清单，案卷材料齐全，报请结案。",
              "confiscation": "涉案财物依法应当没收，已移交普通程序案件作出没收的行政处罚决定，本案查封（扣押）程序终结，"
                              "案卷材料齐全，报请结案。"}
    return d.people["head"], {"closed_on": d.on(after), "closing_report": report[
        "release" if not d.story.ratified else d.story.disposition]}


STEPS = {
    "seizure_application": _application, "seizure_approval": _approval, "seizure_onsite": _onsite,
    "seizure_report": _report, "seizure_ratification": _ratification, "seizure_disposition": _disposition,
    "release": _release, "urgent_release": _release, "seizure_confiscation": _confiscation,
    "seizure_expiry_warning": _warning, "extension_approval": _extension_approval,
    "extension_notice": _extension_notice, "seizure_closing": _closing,
}
