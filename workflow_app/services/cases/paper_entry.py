"""A case begun on paper, entered with its real dates (补录).

A case that began before the system was used, or on site while it could not be reached, is opened
here afterwards and each step is recorded with the dates of the paper file: the filing date, the
notice's service, the decision. Nothing about the law changes: every date is checked for its order
and its limits as usual, each deadline runs from the recorded date of its act (services/time_limits
`milestone_anchors`), and a step whose recorded act fell after its due time raises its alert in its
own transaction (services/alerts `after_late_act`).

What is different while the entry is in progress is only what the worker would otherwise say about
time: a step opened today whose due time, counted from a date of the paper file, has already passed
was not neglected in the system, it is still being keyed in. So the worker's time alerts (overdue
and due-soon steps, idle cases) leave the case alone until the officer finishes the entry, or at
the latest `PAPER_ENTRY_DAYS` after it was opened; then they apply as to any case.

The entry is traced as such: `case.opened` records it (reason, the paper file's reference, until
when), `case.paper_entry_finished` its end, and the case page and record show it.
"""
from datetime import datetime, timedelta

from flask import current_app

from ...extensions import db
from ...models import Case, User
from ...models.types import utcnow
from ..audit import trail as audit
from ..errors import Conflict, Invalid, tr
from ..people.access import require_role, visible_case
from ..transactions import one_transaction
from .step_path import CASE_RACE, check_read_version

REASON_MAX = 500
REFERENCE_MAX = 100
DEFAULT_DAYS = 15


def entry_days() -> int:
    return int(current_app.config.get("PAPER_ENTRY_DAYS") or DEFAULT_DAYS)


def parse(value) -> dict | None:
    """The paper entry of a new case as asked for ({reason, reference?}), checked; None for a case
    opened in the system. Field names in errors are those of the request (paper_entry.reason)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Invalid({"paper_entry": [tr("must be an object with reason and, optionally, reference")]})
    errors = {}
    unknown = sorted(set(value) - {"reason", "reference"})
    if unknown:
        errors["paper_entry"] = [tr("unknown field %(field)s", field=repr(unknown[0]))]
    reason = value.get("reason")
    reason = reason.strip() if isinstance(reason, str) else reason
    if not isinstance(reason, str) or not reason:
        errors["paper_entry.reason"] = [tr("say why the case is entered from its paper file")]
    elif len(reason) > REASON_MAX:
        errors["paper_entry.reason"] = [tr("at most %(max)d characters", max=REASON_MAX)]
    reference = value.get("reference")
    reference = reference.strip() if isinstance(reference, str) else reference
    if reference is not None and not isinstance(reference, str):
        errors["paper_entry.reference"] = [tr("must be text")]
    elif reference and len(reference) > REFERENCE_MAX:
        errors["paper_entry.reference"] = [tr("at most %(max)d characters", max=REFERENCE_MAX)]
    if errors:
        raise Invalid(errors)
    return {"reason": reason, **({"reference": reference} if reference else {})}


def start(case: Case, entry: dict, now: datetime) -> dict:
    """Mark a new case as entered from paper (before its first flush); what `case.opened` records."""
    until = now + timedelta(days=entry_days())
    case.paper_entry = {**entry, "started_at": now.isoformat()}
    case.paper_entry_until = until
    return {**entry, "until": until.isoformat()}


def in_progress(case: Case, now: datetime | None = None) -> bool:
    return case.paper_entry_until is not None and case.paper_entry_until > (now or utcnow())


def finish(user: User, case_id: int, read_version: int | None = None) -> Case:
    """The officer (or head) says the paper file is entered: from now on the worker's time alerts
    apply to the case as to any other. One transaction; traced."""
    require_role(user, "officer", tr("finishing a paper entry"), "department_head")
    case = visible_case(user, case_id)
    check_read_version(case, read_version)
    now = utcnow()
    if not in_progress(case, now):
        raise Conflict(tr("the case is not being entered from paper"), code="not_paper_entry")
    with one_transaction(CASE_RACE):
        case.paper_entry = {**case.paper_entry, "finished_at": now.isoformat(), "finished_by": user.username}
        case.paper_entry_until = None
        case.updated_at = now
        db.session.flush()  # the case row's version check first
        audit.record("case.paper_entry_finished", actor=user, case_id=case.id, at=now,
                     data={"started_at": case.paper_entry.get("started_at")})
    return case


def view(case: Case, now: datetime | None = None) -> dict | None:
    """What the API and the pages show of a case's paper entry (times as aware datetimes)."""
    entry = case.paper_entry
    if not entry:
        return None
    return {"reason": entry.get("reason"), "reference": entry.get("reference"),
            "started_at": _instant(entry.get("started_at")), "in_progress": in_progress(case, now),
            "until": case.paper_entry_until, "finished_at": _instant(entry.get("finished_at")),
            "finished_by": entry.get("finished_by")}


def _instant(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
