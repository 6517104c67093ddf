"""法制审核 (legal review), APL Art. 58 and 国办发〔2018〕118号.

Separation of duties: whoever handled the case (opened it, completed any of its other steps, or
is named as an investigating officer) must not review it. The step is refused, not just flagged.
"""
from datetime import datetime

from ..extensions import db
from ..models import Case, LegalReview, Task, User
from . import audit
from .errors import StepRefused

REVIEWER_CONFLICT = "REVIEWER_CONFLICT"


def handlers_of(case: Case) -> set[str]:
    """Usernames of everyone who handled the case, from the task projection (no workflow load)."""
    rows = db.session.execute(
        db.select(Task).where(Task.case_id == case.id, Task.state == "completed",
                              Task.lane != "legal_reviewer")
    ).scalars()
    names = {case.created_by.username}
    for task in rows:
        if task.completed_by is not None:
            names.add(task.completed_by.username)
        officers = (task.data or {}).get("officers")
        if isinstance(officers, list):
            names.update(str(o) for o in officers)
    return names


def check_reviewer(user: User, case: Case) -> None:
    if user.username in handlers_of(case):
        message = (f"{REVIEWER_CONFLICT}: {user.username} handled this case and may not review it "
                   "(《行政处罚法》第58条; 国办发〔2018〕118号)")
        raise StepRefused({"_task": [message]}, message, code=REVIEWER_CONFLICT)


def record(case: Case, task: Task, reviewer: User, data: dict, at: datetime) -> LegalReview:
    review = LegalReview(case_id=case.id, task_id=task.id, reviewer_id=reviewer.id,
                         outcome=data["review_outcome"], findings=data.get("findings", {}),
                         opinions=data.get("opinions"), created_at=at)
    db.session.add(review)
    audit.record(f"legal_review.{'approved' if review.outcome == 'approve' else 'returned'}",
                 actor=reviewer, case_id=case.id, task_id=task.id, bpmn_id=task.bpmn_id, at=at,
                 data={"opinions": review.opinions, "findings": review.findings})
    return review
