"""Worklists of the pages: the inbox (待办) and the case search (案件查询).

Both read the task projection and the case rows only, never a workflow state. Pages are cut by
keyset (services/paging.py: "after" the last row shown), so page 1000 costs what page 1 costs;
ready tasks are read through their partial indexes (migration 0007) and filtered on the task's
own department; the count in the header stops at paging.COUNT_CAP.
"""
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case as sql_case
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...i18n import step_name
from ...models import Case, OrgUnit, Task, User
from ...models.types import utcnow
from ...oversight import procedure_kinds
from ...oversight.alert_rules import DUE_SOON_DAYS
from ...oversight.calendar import LOCAL_TZ, working_days_between
from .. import paging
from ..errors import Invalid, tr
from ..people.access import require_role, scope_filter
from ..procedures import statuses
from ..procedures.versions import list_versions, procedure_info
from .lifecycle import CASE_ORDER, of_kind

QUEUES = ("mine", "department", "reviews")
INBOX_SORTS = {
    "due": [paging.SortKey(Task.due_at, nullable=True, kind=datetime), paging.SortKey(Task.id)],
    "-due": [paging.SortKey(Task.due_at, descending=True, nullable=True, kind=datetime),
             paging.SortKey(Task.id, descending=True)],
    "ready": [paging.SortKey(Task.ready_at, kind=datetime), paging.SortKey(Task.id)],
    "-ready": [paging.SortKey(Task.ready_at, descending=True, kind=datetime), paging.SortKey(Task.id, descending=True)],
}
PAGE_SIZE = 25
# A ready step's time left, as the dashboard counts it and the case search filters on it: past its
# due time, due within DUE_SOON (the horizon of the decision's due-soon alert), later, or no limit.
TIME_LEFT = ("overdue", "due_soon", "later", "no_due")
DUE_SOON = DUE_SOON_DAYS


# -- time left ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TimeLeft:
    """Working days left until a due date (APL Art. 85), or working days overdue."""

    working_days: int
    overdue: bool
    provisional: bool  # the calendar of a year beyond the official tables: weekends only


def time_left(due_at: datetime | None, provisional: bool, now: datetime) -> TimeLeft | None:
    if due_at is None:
        return None
    today = now.astimezone(LOCAL_TZ).date()
    due_day = due_at.astimezone(LOCAL_TZ).date()
    overdue = due_at < now
    first, last = (today, due_day) if not overdue else (due_day, today)
    days, counted_provisionally = working_days_between(first, last)
    return TimeLeft(days, overdue, provisional or counted_provisionally)


def time_left_of_step(now: datetime):
    """SQL: the TIME_LEFT of a ready step (Task) at `now`."""
    return sql_case((Task.due_at.is_(None), "no_due"), (Task.due_at < now, "overdue"),
                    (Task.due_at <= now + DUE_SOON, "due_soon"), else_="later")


def local_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ).astimezone(UTC)


# -- the inbox --------------------------------------------------------------------------------------
@dataclass
class InboxRow:
    task: Task
    case: Case
    left: TimeLeft | None


def check_kind(kind: str | None) -> None:
    if kind and kind not in procedure_kinds.KINDS:
        raise Invalid({"kind": [tr("must be one of %(choices)s", choices=", ".join(procedure_kinds.KINDS))]})


def inbox(user: User, *, queue: str = "mine", step: str | None = None, department: str | None = None,
          due_by: date | None = None, overdue_only: bool = False, sort: str = "due", kind: str | None = None,
          after: str | None = None, limit: int = PAGE_SIZE, now: datetime | None = None) -> paging.Page:
    """Ready tasks in the user's scope: `mine` those of the user's roles (lanes); `department` every
    ready task of the departments in scope (部门负责人's queue); `reviews` the legal reviews. `kind`:
    those of cases of procedures of that kind (oversight/procedure_kinds.py)."""
    check_kind(kind)
    if queue not in QUEUES:
        raise Invalid({"queue": [tr("must be one of %(choices)s", choices=", ".join(QUEUES))]})
    if sort not in INBOX_SORTS:
        raise Invalid({"sort": [tr("must be one of %(choices)s", choices=", ".join(INBOX_SORTS))]})
    now = now or utcnow()
    # each row's case read with the page (a second query), not joined: the filters are the task
    # row's own, so the count reads the ready tasks' partial index alone
    query = (db.select(Task).options(selectinload(Task.case))
             .where(Task.state == "ready", scope_filter(user, Task.department_id)))
    if queue == "mine":
        query = query.where(Task.lane.in_(sorted(user.roles)))
    elif queue == "department":
        require_role(user, "department_head", tr("the department's queue"))
    else:
        require_role(user, "legal_reviewer", tr("the legal review queue"))
        query = query.where(Task.lane == "legal_reviewer")
    if step:
        query = query.where(Task.bpmn_id == step)
    if department:
        query = query.where(Task.department_id.in_(db.select(OrgUnit.id).where(OrgUnit.code == department)))
    if kind:
        query = query.where(db.select(Case.id).where(Case.id == Task.case_id, of_kind(kind)).exists())
    if due_by:
        query = query.where(Task.due_at < local_day_start(due_by + timedelta(days=1)))
    if overdue_only:
        query = query.where(Task.due_at < now)
    page = paging.fetch_page(query, INBOX_SORTS[sort], after=after, page=1, per_page=limit)
    page.items = [InboxRow(t, t.case, time_left(t.due_at, t.due_provisional, now)) for t in page.items]
    return page


# -- the case search ------------------------------------------------------------------------------
@dataclass
class CaseRow:
    case: Case
    steps: list[Task]  # the case's ready tasks


def search_cases(user: User, *, number: str | None = None, party: str | None = None, status: str | None = None,
                 department: str | None = None, step: str | None = None, opened_from: date | None = None,
                 opened_to: date | None = None, time_left: str | None = None, kind: str | None = None,
                 after: str | None = None, limit: int = PAGE_SIZE, now: datetime | None = None) -> paging.Page:
    """Cases in the user's scope, newest first, by number, party, status, department, procedure kind, current step,
    the time left of a ready step (TIME_LEFT: the dashboard's links) and the date they were opened
    (Beijing dates, both ends included)."""
    if status:
        known = statuses.catalogue()
        if status not in known:
            raise Invalid({"status": [tr("must be one of %(choices)s", choices=", ".join(known))]})
    if time_left and time_left not in TIME_LEFT:
        raise Invalid({"time_left": [tr("must be one of %(choices)s", choices=", ".join(TIME_LEFT))]})
    if opened_from and opened_to and opened_from > opened_to:
        raise Invalid({"opened_to": [tr("must not be before opened_from")]})
    check_kind(kind)
    query = db.select(Case).where(scope_filter(user))
    if kind:
        query = query.where(of_kind(kind))
    if number:
        query = query.where(Case.number.contains(number.strip().upper(), autoescape=True))
    if party:
        query = query.where(Case.party_name.contains(party.strip(), autoescape=True))
    if status:
        query = query.where(Case.status == status)
    if department:
        query = query.where(Case.department_id.in_(db.select(OrgUnit.id).where(OrgUnit.code == department)))
    if step:
        query = query.where(db.select(Task.id).where(
            Task.case_id == Case.id, Task.state == "ready", Task.bpmn_id == step).exists())
    if time_left:
        query = query.where(db.select(Task.id).where(
            Task.case_id == Case.id, Task.state == "ready",
            time_left_of_step(now or utcnow()) == time_left).exists())
    if opened_from:
        query = query.where(Case.created_at >= local_day_start(opened_from))
    if opened_to:
        query = query.where(Case.created_at < local_day_start(opened_to + timedelta(days=1)))
    page = paging.fetch_page(query, CASE_ORDER, after=after, page=1, per_page=limit)
    steps: dict[int, list[Task]] = {c.id: [] for c in page.items}
    if steps:
        for task in db.session.execute(db.select(Task).where(
                Task.case_id.in_(list(steps)), Task.state == "ready").order_by(Task.id)).scalars():
            steps[task.case_id].append(task)
    page.items = [CaseRow(c, steps[c.id]) for c in page.items]
    return page


# -- what the filters offer -------------------------------------------------------------------------
def departments_in_scope(user: User) -> list[OrgUnit]:
    return list(db.session.execute(
        db.select(OrgUnit).where(OrgUnit.path.startswith(user.org_unit.path), OrgUnit.kind == "department")
        .order_by(OrgUnit.code)).scalars())


def human_steps() -> list[tuple[str, str]]:
    """(bpmn id, name) of every human task of the deployed procedures, named as the pages name a
    step (i18n.step_name: the BPMN name, on an English page its form's English title)."""
    steps: dict[str, str] = {}
    for version in list_versions():
        info = procedure_info(version)
        for bpmn_id, spec in info.task_specs.items():
            if spec.get("human"):
                form = info.forms.get(spec["form_key"]) if spec.get("form_key") else None
                steps.setdefault(bpmn_id, step_name(spec.get("name") or bpmn_id, form))
    return list(steps.items())
