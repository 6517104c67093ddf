"""`flask demo cases`: sample cases at every stage of general_penalty, made through the services
(so they carry real workflow state, task rows and audit trails, like any other case)."""
import random
from datetime import date, timedelta

from ..extensions import db
from ..models import Case, User
from ..services import cases
from ..services.errors import NotFound

PARTIES = [
    ("清河区鲜果多超市有限公司", "organization"), ("清河区惠民药房", "organization"),
    ("王某某", "person"), ("清河区味道餐饮管理有限公司", "organization"), ("李某", "person"),
    ("示范市宏达建材有限公司", "organization"), ("清河区便民烟酒店", "organization"), ("赵某某", "person"),
]
VIOLATIONS = [
    ("销售超过保质期的食品", "《食品安全法》第三十四条", "《食品安全法》第一百二十四条"),
    ("未履行进货查验记录义务", "《食品安全法》第五十三条", "《食品安全法》第一百二十六条"),
    ("虚假宣传商品功效", "《反不正当竞争法》第八条", "《反不正当竞争法》第二十条"),
    ("未明码标价", "《价格法》第十三条", "《价格违法行为行政处罚规定》第十三条"),
]
# (stage name, the steps completed to reach it)
STAGES = [
    ("clue", []),
    ("awaiting_filing", ["clue_intake"]),
    ("not_filed", ["clue_intake", "filing_approval:not_file"]),
    ("investigating", ["clue_intake", "filing_approval"]),
    ("awaiting_review", ["clue_intake", "filing_approval", "investigation", "investigation_report:major",
                         "penalty_notice", "statement_defence"]),
    ("decided", ["clue_intake", "filing_approval", "investigation", "investigation_report", "penalty_notice",
                 "statement_defence", "penalty_decision"]),
    ("closed", ["clue_intake", "filing_approval", "investigation", "investigation_report", "penalty_notice",
                "statement_defence", "penalty_decision", "disclosure", "service", "execution", "closing"]),
]


def _form(step: str, variant: str, n: int, violation, fine: int) -> tuple[str, dict]:
    today = date.today()
    d = lambda days: (today - timedelta(days=days)).isoformat()  # noqa: E731
    what, violated, basis = violation
    forms = {
        "clue_intake": ("officer1", {"source": "complaint", "received_on": d(20), "violation_date": d(30),
                                     "summary": f"群众投诉：{what}"}),
        "filing_approval": ("head1", {"filing_decision": "not_file" if variant == "not_file" else "file",
                                      "reason": "不属于本机关管辖" if variant == "not_file" else "有违法事实，予以立案",
                                      "limitation_checked": True}),
        "investigation": ("officer1", {"officers": ["officer1", "officer2"], "credentials_shown": True,
                                       "evidence": [{"kind": "inspection_record", "description": "现场检查笔录"},
                                                    {"kind": "documentary", "description": "进货票据复印件"}],
                                       "preservation_applied": False}),
        "investigation_report": ("officer1", {
            "facts": f"经查，当事人{what}。", "proposal": "penalty", "violated_provision": violated,
            "penalty_provision": basis, "benchmark_tier": "ordinary", "proposed_penalty_kinds": ["warning", "fine"],
            "proposed_fine": fine, "major_case": variant == "major", "complex_case": False}),
        "penalty_notice": ("officer1", {"notice_number": f"清市监罚告〔{today.year}〕{n}号",
                                        "notified_penalty": f"警告，并处罚款{fine}元", "notified_fine": fine,
                                        "hearing_offered": True, "served_on": d(12), "service_method": "direct"}),
        "statement_defence": ("officer1", {"statement_made": False, "hearing_requested": False, "waived": True,
                                           "answered_on": d(10)}),
        "penalty_decision": ("head1", {"decision_number": f"清市监罚〔{today.year}〕{n}号",
                                       "penalty_kinds": ["warning", "fine"], "fine_amount": fine,
                                       "legal_basis": basis, "benchmark_tier": "ordinary", "decided_on": d(8)}),
        "disclosure": ("officer2", {"public_text": f"当事人{what}，依据{basis}给予警告并处罚款{fine}元。",
                                    "published_on": d(6), "channel": "清河区人民政府门户网站"}),
        "service": ("officer1", {"method": "direct", "served_on": d(7), "recipient": "当事人"}),
        "execution": ("officer1", {"outcome": "paid", "paid_on": d(3), "amount_paid": fine}),
        "closing": ("head1", {"closing_report": "罚款已缴纳，案件执行完毕。", "record_complete": True,
                              "closed_on": d(1)}),
    }
    return forms[step]


def seed_demo_cases(count: int, *, seed: int = 7) -> int:
    """Open `count` cases in the market department, spread over the stages above."""
    rng = random.Random(seed)
    users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
    missing = {"officer1", "officer2", "head1"} - set(users)
    if missing:
        raise NotFound(f"demo users {', '.join(sorted(missing))} are missing: run `flask demo seed` first")
    for n in range(1, count + 1):
        stage, steps = STAGES[(n - 1) % len(STAGES)]
        party, kind = rng.choice(PARTIES)
        violation = rng.choice(VIOLATIONS)
        fine = rng.choice([3000, 8000, 20000, 50000])
        case = cases.open_case(users["officer1"], process_id="general_penalty", title=f"{party}{violation[0]}案",
                               department_code="market", party={"name": party, "kind": kind})
        for step in steps:
            name, _, variant = step.partition(":")
            username, data = _form(name, variant, n, violation, fine)
            task = next(t for t in cases.ready_tasks(case) if t.bpmn_id == name)
            case = cases.complete_task(users[username], task.id, data)
    return count


def has_cases() -> bool:
    return db.session.execute(db.select(Case.id).limit(1)).scalar() is not None
