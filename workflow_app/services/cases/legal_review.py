"""法制审核 (legal review), APL Art. 58 and 国办发〔2018〕118号.

Which task is a legal review is declared in the BPMN (`spiffworkflow:property name="legalReview"
value="true"`), and deploy makes sure its form records what the review needs.

Separation of duties: whoever handled the case (opened it, completed any of its other steps, or
is named in a form field marked `x-user-role`, e.g. the investigating officers or the presiding
officer of a hearing) must not review it. The step is refused, not just flagged.
"""
from datetime import date, datetime

from sqlalchemy.orm import joinedload

from ...engine.specs import LEGAL_REVIEW_APPROVE
from ...extensions import db
from ...models import Case, LegalReview, ProcedureVersion, Task, User
from ..audit import trail as audit
from ..errors import Phrase, StepRefused, refusal_line
from ..people.named import named_people
from ..procedures.versions import ProcedureInfo, procedure_info

REVIEWER_CONFLICT = "REVIEWER_CONFLICT"
# The code for a review the law does not accept: the reviewer's qualification is part of it.
LEGAL_REVIEW_INCONSISTENT = "LEGAL_REVIEW_INCONSISTENT"


def is_legal_review(procedure: ProcedureInfo, task: Task) -> bool:
    """Whether the BPMN marks this task as the legal review."""
    return bool(procedure.task_specs.get(task.bpmn_id, {}).get("legal_review"))


def handlers_of(case: Case) -> set[str]:
    """Usernames of everyone who handled the case, from the task projection (no workflow load)."""
    return set(handling(case))


def handling(case: Case) -> dict[str, list[str]]:
    """username -> how they handled the case: "" for opening it, else the name of each step they
    completed or are named in (e.g. the investigating officers of 调查取证), oldest first; a
    step's name is a Phrase: its BPMN name in Chinese, its form's English title in English."""
    procedure = procedure_info(case.procedure_version)
    rows = db.session.execute(
        db.select(Task).options(joinedload(Task.completed_by))
        .where(Task.case_id == case.id, Task.state == "completed").order_by(Task.completed_at, Task.id)
    ).scalars()
    how: dict[str, list[str]] = {case.created_by.username: [""]}
    forms = _FormSnapshots(case.procedure_version)

    def add(username: str, step: str) -> None:
        steps = how.setdefault(username, [])
        if step not in steps:
            steps.append(step)

    for task in rows:
        if is_legal_review(procedure, task):
            continue
        schema = forms.get(task.form_key)
        step = Phrase((schema or {}).get("x-title-en") or task.name, task.name)
        if task.completed_by is not None:
            add(task.completed_by.username, step)
        for _, usernames in named_people(schema, task.data or {}).values():
            for username in usernames:
                add(str(username), step)
    return how


class _FormSnapshots:
    """The form schemas a case's tasks were completed with: those of the case's version, and for a
    form that version does not have (the case was moved), its newest snapshot in another version."""

    def __init__(self, version: ProcedureVersion):
        self.version = version
        self.forms = dict(version.forms or {})
        self.older_loaded = False

    def get(self, form_key: str | None) -> dict | None:
        if not form_key:
            return None
        if form_key not in self.forms and not self.older_loaded:
            self.older_loaded = True
            others = db.session.execute(
                db.select(ProcedureVersion)
                .where(ProcedureVersion.procedure_id == self.version.procedure_id)
                .order_by(ProcedureVersion.version)).scalars()
            for other in others:  # oldest first, so the newest snapshot of each form wins
                for key, schema in (other.forms or {}).items():
                    if key not in (self.version.forms or {}):
                        self.forms[key] = schema
        return self.forms.get(form_key)


def check_reviewer(user: User, case: Case, on: date) -> None:
    """The reviewer must not have handled the case (separation of duties) and must be qualified."""
    steps = handling(case).get(user.username)
    if steps is not None:
        raise reviewer_conflict(user, steps)
    check_qualified(user, on)


def reviewer_conflict(user: User, steps: list[str]) -> StepRefused:
    """REVIEWER_CONFLICT, saying how the reviewer handled the case."""
    zh = "、".join("立案登记（开启本案）" if not s else getattr(s, "zh", s) for s in steps)
    en = ", ".join("opening the case" if not s else str(s) for s in steps)
    line = refusal_line(REVIEWER_CONFLICT, f"{user.username} handled this case and may not review it "
                                           "(APL Art. 58; State Council General Office 2018 No. 118)",
                        f"{user.username}办理过本案，不得审核本案（《行政处罚法》第58条；国办发〔2018〕118号）")
    return StepRefused(
        {"_task": [line]},
        f"{user.username}（{user.full_name}）办理过本案（{zh}），不得审核本案：法制审核由未参与办理的人员进行"
        "（《行政处罚法》第58条；国办发〔2018〕118号）",
        code=REVIEWER_CONFLICT, article="《行政处罚法》第58条；国办发〔2018〕118号",
        message_en=f"{user.username} ({user.full_name}) handled this case ({en}) and may not review it: legal "
                   "review is by someone who took no part in handling the case (APL Art. 58; State Council "
                   "General Office 2018 No. 118)",
        details={"steps": [getattr(s, "zh", s) for s in steps]})


def check_qualified(user: User, on: date) -> None:
    """法律职业资格 (APL Art. 58(2)): the reviewer's legal professional qualification is on record
    in the user register (number and date obtained, on or before the review). The law requires it
    of whoever is first engaged in legal review; the register cannot tell a first review from a
    later one, so every reviewer must have it on record."""
    if user.legally_qualified(on):
        return
    zh = (f"{user.username}（{user.full_name}）在用户登记中没有{on}前取得的法律职业资格（证书编号及取得日期），"
          "不得从事法制审核（《行政处罚法》第58条第2款）")
    en = (f"{user.username} has no legal professional qualification on record (certificate number and date "
          f"obtained on or before {on}): legal review is by qualified reviewers (APL Art. 58(2))")
    raise StepRefused(
        {"_task": [refusal_line(LEGAL_REVIEW_INCONSISTENT, en, zh)]}, zh,
        code=LEGAL_REVIEW_INCONSISTENT, article="《行政处罚法》第58条第2款", message_en=en)


def record(case: Case, task: Task, reviewer: User, data: dict, at: datetime) -> LegalReview:
    """The review, from the fields deploy made sure the task's form requires."""
    review = LegalReview(case_id=case.id, task_id=task.id, reviewer_id=reviewer.id,
                         outcome=data["review_outcome"], findings=data["findings"],
                         opinions=data.get("opinions"), created_at=at)
    db.session.add(review)
    audit.record(f"legal_review.{'approved' if review.outcome == LEGAL_REVIEW_APPROVE else 'returned'}",
                 actor=reviewer, case_id=case.id, task_id=task.id, bpmn_id=task.bpmn_id, at=at,
                 data={"opinions": review.opinions, "findings": review.findings})
    return review
