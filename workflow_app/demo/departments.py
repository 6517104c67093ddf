"""The demo beyond the market bureau: a few clues registered by other departments' officers, each
with its party in the register, its case number from its own department's pattern and its evidence
list, so that the pages show the registers, numbers and evidence of several departments. They stand
at the investigation's start (the departments' heads are not in the demo)."""
from datetime import timedelta

from ..extensions import db
from ..models import Case, User
from ..oversight.identity import with_uscc_check
from ..services.cases import lifecycle as cases
from ..wall_clock import local_today
from . import evidence as demo_evidence

# (department, officer, case title, party, credit code, address, what the clue says, days ago)
CLUES = [
    ("environment", "environment_officer1", "清河区某化工有限公司超标排放水污染物案", "清河区恒源化工有限公司",
     with_uscc_check("91990105MA06HYH1X"), "清河区工业园区纬三路9号",
     "群众举报该公司排污口排放的废水颜色异常，经现场采样监测，化学需氧量超过排放标准", 6),
    ("environment", "environment_officer2", "清河区某印染厂未批先建配套污染防治设施案", "清河区锦绣印染厂",
     with_uscc_check("92990105MA07JXY2U"), "清河区河西路112号",
     "日常巡查发现该厂新建染色车间已投入生产，未依法报批环境影响评价文件", 4),
    ("transport", "transport_officer1", "清河区某货运公司车辆超限运输案", "清河区顺达货运有限公司",
     with_uscc_check("91990105MA08TDH3W"), "清河区物流园A区3号",
     "治超检测站检测发现该公司所属重型货车车货总质量超过限定标准", 3),
    ("emergency", "emergency_officer1", "清河区某建材公司未按规定组织安全生产教育培训案", "清河区宏基建材有限公司",
     with_uscc_check("91990105MA09HJJ4Y"), "清河区建设北路77号",
     "执法检查发现该公司新入职叉车作业人员未经安全生产教育和培训即上岗作业", 5),
]

# A clue begun on paper at the weighing station at night and keyed in later (补录, services/cases/paper_entry.py)
PAPER = {"清河区某货运公司车辆超限运输案": {"reason": "治超检测站夜间现场查处，系统维护期间纸质办理，依纸质案卷补录",
                                      "reference": "清交治超纸〔2026〕031号"}}

REPRESENTATIVES = {"清河区恒源化工有限公司": "孙某某", "清河区锦绣印染厂": "钱某", "清河区顺达货运有限公司": "冯某某",
                   "清河区宏基建材有限公司": "韩某"}


def seed_other_departments() -> int:
    """Open the clues above (once: a title already present is skipped); returns how many."""
    today = local_today()
    opened = 0
    for department, username, title, party, code, address, summary, days in CLUES:
        if db.session.execute(db.select(Case.id).where(Case.title == title)).first() is not None:
            continue
        officer = db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()
        if officer is None:
            continue  # a demo without that department's officers
        case = cases.open_case(officer, process_id="general_penalty", title=title, department_code=department,
                               party={"name": party, "kind": "organization", "id_number": code, "address": address,
                                      "legal_representative": REPRESENTATIVES[party]},
                               paper=PAPER.get(title))
        received = today - timedelta(days=days)
        clue = cases.ready_tasks(case)[0]
        cases.complete_task(officer, clue.id, {
            "source": "complaint" if "举报" in summary else "inspection", "received_on": received.isoformat(),
            "violation_date": (received - timedelta(days=1)).isoformat(), "summary": summary,
            "party_id_number": code, "party_address": address})
        demo_evidence.collect(case, officer, received, clue.id, opened + 100, photo=("现场照片", summary))
        opened += 1
    return opened
