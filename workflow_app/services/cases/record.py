"""The case's completed steps as one step reads them: one query, whoever asks.

A step's law reads the case's record several times: the step rules (the latest data of each form),
the deadlines' anchors (a date an earlier step recorded), the decision clock (extensions, excluded
periods), the step alerts (the investigation report's benchmark item) and the response (the legal
reviews). They share one read of the completed task rows, with each row's legal review, kept on
the case for its current version: the step's flush raises the version, so whatever asks after it
reads again and sees the step's own row. Before the flush the step's own completion is not in
it: each reader adds the task it is completing itself.
"""
from collections.abc import Callable
from dataclasses import dataclass

from ...extensions import db
from ...models import Case, LegalReview, Task, User
from ...oversight import step_rules
from ...wall_clock import local_today, utcnow


@dataclass(frozen=True)
class CompletedStep:
    task_id: int
    bpmn_id: str
    form_key: str | None
    data: dict
    review: LegalReview | None  # the legal review recorded by this step, if it was one


def completed_steps(case: Case) -> list[CompletedStep]:
    """The case's completed steps, oldest first."""
    cached = getattr(case, "_completed_steps", None)
    if cached is not None and cached[0] == case.version:
        return cached[1]
    with db.session.no_autoflush:  # the step's own changes go in its one flush, not now
        rows = db.session.execute(
            db.select(Task.id, Task.bpmn_id, Task.form_key, Task.data, LegalReview)
            .outerjoin(LegalReview, LegalReview.task_id == Task.id)
            .where(Task.case_id == case.id, Task.state == "completed")
            .order_by(Task.completed_at, Task.id)).all()
    steps = [CompletedStep(task_id, bpmn_id, form_key, data or {}, review)
             for task_id, bpmn_id, form_key, data, review in rows]
    case._completed_steps = (case.version, steps)
    return steps


def remember(case: Case, rows: list[tuple[Task, LegalReview | None]]) -> None:
    """The record, read by the caller with the case: its completed task rows and their reviews."""
    rows = sorted(rows, key=lambda row: (row[0].completed_at, row[0].id))
    case._completed_steps = (case.version, [CompletedStep(t.id, t.bpmn_id, t.form_key, t.data or {}, review)
                                            for t, review in rows])


def latest_forms(case: Case) -> dict[str, dict]:
    """form key -> the data of its latest completion."""
    return {step.form_key: step.data for step in completed_steps(case) if step.form_key is not None}


def legal_reviews(case: Case) -> list[LegalReview]:
    """The case's legal reviews, oldest first."""
    return sorted((step.review for step in completed_steps(case) if step.review is not None), key=lambda r: r.id)


def stepped(case: Case, version: int | None, completed: Task | None) -> None:
    """After the step's flush: the record read before it (at `version`), with the step's own
    completion, is the record of the case's new version (no second read)."""
    cached = getattr(case, "_completed_steps", None)
    if cached is None or cached[0] != version or version is None:
        return
    steps = cached[1]
    if completed is not None:
        steps = [*steps, CompletedStep(completed.id, completed.bpmn_id, completed.form_key, completed.data or {}, None)]
    case._completed_steps = (case.version, steps)


def forget(case: Case) -> None:
    """The step wrote more of the record than its own row (a legal review): read it again when asked."""
    case._completed_steps = None


def rule_record(form_key: str | None, case: Case, data: dict, user: User | None, forms: dict,
                earlier: Callable[[], dict[str, dict]] | None = None) -> step_rules.CaseRecord:
    """What the package's rule kinds see of a step (oversight/step_rules/record.py): the form
    submitted, the record of earlier steps (read when a rule first asks; `earlier`: another reading
    of it, form key -> data, such as a document's), the acting user, the
    Beijing date, the department with its powers, its causes register, its no-penalty and
    light-penalty lists and the discretion benchmarks."""
    from ..inspections import visits as inspections
    from ..oversight.benchmarks import tier_range  # benchmarks -> audit -> ... imports this module
    from ..registers import copies as registers
    from ..registers import org_settings
    from . import links as case_links

    department = case.department
    return step_rules.CaseRecord(
        form_key, data, actor=user.username if user else "", today=local_today(), now=utcnow(),
        party_kind=case.party_kind,
        earlier=earlier or (lambda: latest_forms(case)), department=department.name, powers=department.penalty_powers or (),
        forms=forms, benchmark=tier_range, cause=lambda code: registers.of(department).causes.get(code),
        list_item=lambda code: _rule_reads(registers.of(department).items.get(code)),
        party_number=lambda: case.party.id_number if case.party_id is not None else None,
        settings=lambda: org_settings.settings_of(department), links=lambda: case_links.kinds_of(case),
        inspections=lambda: inspections.history_of(case))


def _rule_reads(item) -> dict | None:
    return item.as_rule_reads() if item is not None else None
