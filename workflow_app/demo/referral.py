"""`flask demo cases`: sample referrals (线索移送, bpmn/referral and bpmn/referral_receipt) at each
stage, made through the services like every demo case. The market bureau refers the clue of one of
its demo penalty cases (its origin, linked `referred`) to the comprehensive enforcement bureau
(`urban`: 占道经营, street vending, is theirs); one more referral starts from a bare clue of the
ecology and environment branch, and one is sent by the justice bureau's supervision (supervisor1)
from a market case it audits (services/cases/referrals.refer_by_supervision). The letters are the form's
example with the case's own dates and receiving department; the letter is dated `age` ago, its
feedback due `due_in` days after it.
"""
from dataclasses import dataclass
from datetime import timedelta

from ..extensions import db
from ..models import Case, Party, Procedure, ProcedureVersion, Referral, Task, User
from ..services.cases import lifecycle as cases
from ..services.cases import referrals
from ..services.errors import NotFound
from ..services.procedures import versions as procedures
from ..wall_clock import local_today

PROCEDURE = "referral"
RECEIVER = "urban"
BARE_CLUE_PARTY = "清河区锦绣印染厂"  # a party of the environment branch's clues (demo/departments.py)


@dataclass(frozen=True)
class ReferralStage:
    name: str
    label: str
    inbox: str | None  # who has the next step
    approved: bool = True  # the head approves the sending
    answer: str | None = None  # accept | return: the receiving department's answer
    age: int = 2  # days since the letter
    due_in: int = 15  # days from the letter to the feedback's due date
    drafted: bool = True  # the letter drafted
    bare: bool = False  # from a bare clue of the environment branch, not from a penalty case
    supervision: bool = False  # sent by the justice bureau's supervision from a case it audits


STAGES = [
    ReferralStage("referral_drafting", "referral: opened from a penalty case, the letter to be drafted",
                  "officers (制作移送函)", drafted=False),
    ReferralStage("referral_awaiting_approval", "referral: letter drafted, awaiting the head's approval",
                  "head (移送审批)", approved=False),
    ReferralStage("referral_sent", "referral: sent, awaiting the receiving department's answer",
                  f"{RECEIVER}_officer1, {RECEIVER}_officer2 (接收移送线索并答复)"),
    ReferralStage("referral_overdue", "referral: sent, no feedback by the date set (alert)",
                  f"{RECEIVER} officers (接收移送线索并答复); the supervisors see REFERRAL_FEEDBACK_OVERDUE",
                  age=20, due_in=10),
    ReferralStage("referral_accepted", "referral: accepted, filed as the receiving department's own case",
                  f"{RECEIVER} officers (线索登记 of the new case)", answer="accept"),
    ReferralStage("referral_returned", "referral: returned with reasons", None, answer="return"),
    ReferralStage("referral_bare_clue", "referral: a bare clue of the environment branch, sent",
                  f"{RECEIVER} officers (接收移送线索并答复)", bare=True),
    ReferralStage("referral_by_supervision", "referral: sent by the justice bureau's supervision from a case it "
                  "audits", f"{RECEIVER} officers (接收移送线索并答复); supervisor1's 监督移送 list", supervision=True),
]


def case_party(origin: Case | None) -> str:
    return origin.party_name if origin is not None else "清河区好味来餐饮店"


def _deployed() -> bool:
    try:
        procedures.latest_version(PROCEDURE)
        procedures.latest_version(referrals.RECEIPT_PROCESS)
    except NotFound:
        return False
    return True


def _origins(count: int) -> list[Case]:
    """Demo penalty cases of the market bureau to refer clues from (the oldest general-procedure ones)."""
    general = db.select(ProcedureVersion.id).join(Procedure).where(Procedure.process_id == "general_penalty")
    from ..models import OrgUnit

    return list(db.session.execute(db.select(Case).join(OrgUnit, Case.department_id == OrgUnit.id).where(
        OrgUnit.code == "market", Case.procedure_version_id.in_(general)).order_by(Case.id).limit(count)).scalars())


def _complete(user: User, case: Case, bpmn_id: str, data: dict) -> Case:
    task = db.session.execute(db.select(Task).where(Task.case_id == case.id, Task.bpmn_id == bpmn_id,
                                                    Task.state == "ready")).scalar_one()
    return cases.complete_task(user, task.id, data)


def _example(case: Case, form_key: str) -> dict:
    return dict(procedures.procedure_info(case.procedure_version).forms[form_key]["examples"][0])


def seed_referral_cases() -> dict[str, int]:
    """One referral at each stage; how many stand at each (none where the packages are not deployed)."""
    if not _deployed():
        return {}
    users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
    origins = _origins(len(STAGES))
    today = local_today()
    reached: dict[str, int] = {}
    for i, stage in enumerate(STAGES):
        if stage.supervision:
            if not origins:
                continue
            _refer_by_supervision(users["supervisor1"], origins[i % len(origins)], today - timedelta(days=stage.age),
                                  stage.due_in)
            reached[stage.name] = reached.get(stage.name, 0) + 1
            continue
        if stage.bare:
            officer, head, department = users["environment_officer1"], users["environment_head"], "environment"
            registered = db.session.execute(db.select(Party).where(Party.name == BARE_CLUE_PARTY)).scalar()
            party = {"id": registered.id} if registered is not None else {"name": BARE_CLUE_PARTY, "kind": "organization"}
            case = cases.open_case(officer, process_id=PROCEDURE, title=f"{BARE_CLUE_PARTY}厂外道路倾倒废料线索移送",
                                   department_code=department, party=party)
        else:
            officer, head = users["officer1"], users["head1"]
            origin = origins[i % len(origins)] if origins else None
            party = ({"id": origin.party_id} if origin is not None and origin.party_id is not None
                     else {"name": origin.party_name, "kind": origin.party_kind} if origin is not None
                     else {"name": "清河区好味来餐饮店", "kind": "organization"})
            case = cases.open_case(officer, process_id=PROCEDURE, title=f"{case_party(origin)}占道经营线索移送",
                                   department_code="market", party=party,
                                   linked_from={"case_id": origin.id, "kind": "referred", "reason": "检查中发现占道经营线索"}
                                   if origin is not None else None)
        referred_on = today - timedelta(days=stage.age)
        if stage.drafted:
            letter = {**_example(case, "referral_letter"), "receiving_department": RECEIVER,
                      "referred_on": referred_on.isoformat(),
                      "feedback_due_on": (referred_on + timedelta(days=stage.due_in)).isoformat()}
            letter.pop("receiving_department_name", None)
            letter.pop("origin_evidence", None)  # the example's item is no item of this case's origin
            case = _complete(officer, case, "referral_letter", letter)
            if stage.approved:
                approval = {**_example(case, "referral_approval"), "decided_on": referred_on.isoformat()}
                case = _complete(head, case, "referral_approval", approval)
        if stage.answer:
            receipt = db.session.execute(db.select(Case).join(Referral, Referral.receipt_case_id == Case.id)
                                         .where(Referral.referral_case_id == case.id)).scalar_one()
            answer = {**_example(receipt, "referral_answer"), "answer": stage.answer, "answered_on": today.isoformat()}
            answer.pop("referring_department_name", None)
            if stage.answer == "return":
                answer["reasons"] = "经核查，该经营场所位于商业综合体内部通道，不属于城市道路，不属本局管辖"
                answer.pop("case_title", None)
            _complete(users[f"{RECEIVER}_officer1"], receipt, "referral_answer", answer)
        reached[stage.name] = reached.get(stage.name, 0) + 1
    return reached


def _refer_by_supervision(supervisor: User, origin: Case, referred_on, due_in: int) -> None:
    """The supervision refers the clue of a market case it audits (占道经营 outside the market bureau's
    jurisdiction) to the comprehensive enforcement bureau."""
    letter = {"receiving_department": RECEIVER,
              "clue": "案卷评查中发现，当事人在店外人行道上摆放桌椅占道经营，该违法行为不属市场监督管理部门管辖。",
              "reasons": "依照《城市市容和环境卫生管理条例》第十四条，占道经营由城市管理综合执法部门管辖，依法移送。",
              "materials": "原案卷现场照片", "contact": "孙丽 0571-88880100", "referred_on": referred_on.isoformat(),
              "feedback_due_on": (referred_on + timedelta(days=due_in)).isoformat()}
    referrals.refer_by_supervision(supervisor, letter, case_id=origin.id)
