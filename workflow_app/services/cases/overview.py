"""The case page (案件详情) in one read: the case, its parties, its file (卷宗), its trace with the
chain's verification, its documents and which of its steps the user may take now.

Read only; the same permission checks as the API's reads (services/people/access.py).
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import joinedload

from ...extensions import db
from ...i18n import step_name, task_step_name
from ...models import Alert, Case, LegalReview, Task, TraceEvent, User
from ...models.types import utcnow
from ...oversight import bindings
from ..audit import trail as audit
from ..audit import verify as audit_verify
from ..oversight import alerts
from ..people.access import visible_case
from ..people.named import named_people
from ..procedures import statuses
from ..procedures.versions import called_processes, procedure_info
from . import documents
from .worklists import TimeLeft, time_left


@dataclass
class StepOnDiagram:
    """How one BPMN element of the case stands: done (completed at least once), ready, overdue."""

    bpmn_id: str
    state: str  # done|ready|overdue
    name: str
    completed_by: str | None = None
    completed_at: datetime | None = None
    due_at: datetime | None = None
    called_by: tuple[str, ...] = ()  # the call activities that run it, when a called process holds it


@dataclass
class CaseOverview:
    case: Case
    intake: dict  # what the steps recorded of the party (party_facts): id_number, address
    ready: list[tuple[Task, TimeLeft | None, bool]]  # (task, time left, the user may act on it)
    completed: list[Task]  # the case file, oldest first
    forms: dict[str, dict]  # form key -> JSON Schema, for the labels
    people: dict[str, str]  # username -> full name, of everyone named in the file
    events: list  # the trace as the page shows it (trace_rows): seq, at, actor, action, bpmn_id, data_json, sha256
    chain_ok: bool
    chain_problems: list[str]
    # the evidence files the check found at their recorded sizes (not re-hashed: audit verify does)
    files_checked: int
    documents: list[dict]
    reviews: list[LegalReview]
    steps: dict[str, StepOnDiagram] = field(default_factory=dict)
    # the case's active oversight alerts (预警), newest first: anyone who sees the case sees them
    alerts: list[Alert] = field(default_factory=list)
    # bpmn id -> the step's name in the page's language (i18n.step_name), for the trace's entries,
    # which keep the BPMN name they were recorded with
    step_names: dict[str, str] = field(default_factory=dict)
    # ({milestone, status, bpmn_id, at}, the label of the status it set), in the order reached
    milestones: list[tuple[dict, object]] = field(default_factory=list)
    # the processes of other files the procedure calls (bpmn/shared/…): their diagrams follow its own
    called: list = field(default_factory=list)


# What a form field may record of the party (`"x-party"` on the field): the case page shows it
# beside the party's name, whichever step of the procedure records it.
PARTY_FACTS = ("id_number", "address")


def party_facts(completed: list[Task], forms: dict) -> dict[str, str]:
    """x-party -> the latest value recorded in a field so marked (the party's ID number or credit
    code, address)."""
    facts = {}
    for task in completed:  # oldest first: the latest wins
        fields = ((forms.get(task.form_key) or {}).get("properties") or {}) if task.form_key else {}
        for name, spec in fields.items():
            fact = spec.get("x-party") if isinstance(spec, dict) else None
            value = (task.data or {}).get(name)
            if fact in PARTY_FACTS and isinstance(value, str) and value:
                facts[fact] = value
    return facts


def trace_rows(case_id: int) -> list:
    """The case's trace, oldest first, as rows of the columns the page shows (a long evidence list
    puts hundreds of events on a case: rows, not ORM objects)."""
    return db.session.execute(
        db.select(TraceEvent.seq, TraceEvent.at, TraceEvent.actor, TraceEvent.action, TraceEvent.bpmn_id,
                  TraceEvent.data_json, TraceEvent.sha256)
        .where(TraceEvent.chain == audit.case_chain(case_id)).order_by(TraceEvent.seq)).all()


def case_overview(user: User, case_id: int, now: datetime | None = None) -> CaseOverview:
    case = visible_case(user, case_id)  # 404 before anything is verified or read
    # in a snapshot of its own; the evidence files measured, not re-hashed: 200 photos of a long
    # investigation are 700 MB to read on every view
    report = audit_verify.verify(case_id=case_id, rehash_files=False)
    now = now or utcnow()
    info = procedure_info(case.procedure_version)
    tasks = db.session.execute(
        db.select(Task).options(joinedload(Task.completed_by)).where(Task.case_id == case.id)
        .order_by(Task.ready_at, Task.id)).scalars().all()
    completed = sorted((t for t in tasks if t.state == "completed"), key=lambda t: (t.completed_at, t.id))
    ready = [t for t in tasks if t.state == "ready"]
    intake = party_facts(completed, info.forms)

    usernames: set[str] = set()
    for task in completed:
        for _, names in named_people(info.forms.get(task.form_key), task.data or {}).values():
            usernames.update(str(n) for n in names)
    people = {u.username: u.full_name for u in db.session.execute(
        db.select(User).where(User.username.in_(sorted(usernames)))).scalars()} if usernames else {}

    steps: dict[str, StepOnDiagram] = {}

    def called_by(task: Task) -> tuple[str, ...]:
        return tuple((info.task_specs.get(task.bpmn_id) or {}).get("called_by") or ())

    for task in completed:  # the latest completion of each step wins
        steps[task.bpmn_id] = StepOnDiagram(
            task.bpmn_id, "done", task_step_name(task, info.forms), completed_by=task.completed_by.full_name if task.completed_by else None,
            completed_at=task.completed_at, called_by=called_by(task))
    for task in ready:
        overdue = task.due_at is not None and task.due_at < now
        steps[task.bpmn_id] = StepOnDiagram(task.bpmn_id, "overdue" if overdue else "ready", task_step_name(task, info.forms),
                                            due_at=task.due_at, called_by=called_by(task))
    # a step the other department's answer completes (a referral's wait for its feedback) is nobody's to do here
    may_act = {t.id for t in ready if t.lane and user.has_role(t.lane)
               and not (info.task_specs.get(t.bpmn_id) or {}).get("cross_department") == "referral_feedback"}
    latest = {t.form_key: t.data or {} for t in completed if t.form_key}  # completed is oldest first
    return CaseOverview(
        case=case, intake=intake,
        ready=[(t, time_left(t.due_at, t.due_provisional, now), t.id in may_act) for t in ready],
        completed=completed, forms=info.forms, people=people,
        events=trace_rows(case.id), chain_ok=report.ok,
        chain_problems=[str(p) for p in report.problems[:20]],
        files_checked=len({sha for _chain, _item, sha, _size in report.kept_files}),
        documents=documents.list_documents(user, case.id),
        reviews=list(db.session.execute(db.select(LegalReview).options(joinedload(LegalReview.reviewer))
                                        .where(LegalReview.case_id == case.id).order_by(LegalReview.id)).scalars()),
        steps=steps, alerts=alerts.case_alerts(case),
        milestones=[({**item, "recorded_on": bindings.milestone_date(info.rules, item["milestone"], latest)},
                     (info.statuses.get(item["status"]) or statuses.catalogue().get(item["status"])
                      or statuses.Status(item["status"], item["status"], False)).label)
                    for item in statuses.case_milestones(case)],
        called=called_processes(case.procedure_version),
        step_names={bpmn_id: step_name(spec.get("name") or bpmn_id,
                                       info.forms.get(spec["form_key"]) if spec.get("form_key") else None)
                    for bpmn_id, spec in info.task_specs.items()})
