"""The legal reviewer's sheet (法制审核 审核表, APL Art. 58; 国办发〔2018〕118号): a ready legal
review with what the reviewer reads beside the checklist — the case file, the investigation
report, earlier reviews of the case — and whether this user may act on it, and if not, why.

Read only: the review itself is recorded by services/cases.complete_task, which checks the same
rules again (and traces a refusal); here they only tell the page what to say before anyone types.
"""
from dataclasses import dataclass, field
from datetime import datetime

from ..models import Case, Cause, DiscretionBenchmark, LegalReview, PenaltyListItem, Task, User
from ..models.types import utcnow
from ..oversight.calendar import LOCAL_TZ
from ..oversight.step_rules.decision import fits
from ..wall_clock import local_today
from . import benchmarks, causes, legal_review, penalty_lists
from .access import check_may_act, visible_task
from .case_overview import CaseOverview, case_overview
from .case_record import completed_steps
from .errors import Forbidden, NotFound, StepRefused, tr
from .parties import earlier_penalties
from .procedures import procedure_info


@dataclass
class BenchmarkCheck:
    """The discretion benchmark the investigation report names, beside what it proposes: the
    reviewer checks the proposal against the tier's range (the decision is checked again when it
    is made: FINE_OUTSIDE_BENCHMARK)."""

    code: str
    item: DiscretionBenchmark | None  # None: the register has no such item
    tier: str | None  # the proposed tier
    fine: float | int | None  # the proposed fine
    range: dict | None  # the proposed tier's {min_fine, max_fine, circumstances}

    @property
    def within(self) -> bool | None:
        return fits(self.range, self.fine)


@dataclass
class ReviewSheet:
    task: Task
    schema: dict  # the review form's JSON Schema: the 118号 checklist is its `findings`
    overview: CaseOverview  # the case, its file, its earlier reviews
    report: Task | None  # the latest completed investigation report (调查终结报告)
    refusal: StepRefused | None = None  # the law forbids this user the review (REVIEWER_CONFLICT, …)
    forbidden: str | None = None  # not the user's task (role or scope), in English
    not_ready: bool = False  # completed or withdrawn meanwhile
    benchmark: BenchmarkCheck | None = None  # the report's benchmark item, for 裁量适当、符合裁量基准

    @property
    def may_act(self) -> bool:
        return self.refusal is None and self.forbidden is None and not self.not_ready

    @property
    def checklist(self) -> list[tuple[str, dict]]:
        """The checklist items (name, schema) in the form's order."""
        findings = self.schema.get("properties", {}).get("findings", {})
        return list(findings.get("properties", {}).items())

    def failed_findings(self, review: LegalReview) -> list[tuple[dict, dict]]:
        """An earlier review's failed items: (the item's schema, its finding), in the checklist's order."""
        findings = review.findings or {}
        return [(schema, findings[name]) for name, schema in self.checklist
                if isinstance(findings.get(name), dict) and findings[name].get("result") == "fail"]


def benchmark_fields(form: dict | None) -> dict[str, str]:
    """x-benchmark ("item", "tier", "fine") -> the field of the form so marked."""
    fields = (form or {}).get("properties") or {}
    return {spec["x-benchmark"]: name for name, spec in fields.items()
            if isinstance(spec, dict) and spec.get("x-benchmark") in ("item", "tier", "fine")}


def _benchmark(report: Task | None, form: dict | None) -> BenchmarkCheck | None:
    data = (report.data or {}) if report else {}
    marked = benchmark_fields(form)
    code = data.get(marked.get("item", ""))
    if not code:
        return None
    item = benchmarks.find(code)
    tier = data.get(marked.get("tier", ""))
    return BenchmarkCheck(code, item, tier, data.get(marked.get("fine", "")),
                          item.tier(tier) if item and tier else None)


def is_review_task(user: User, task_id: int) -> bool:
    """Whether the task (visible to the user) is the BPMN's legal review: /tasks/<id> shows the
    reviewer's sheet for it instead of the generic form."""
    task = visible_task(user, task_id)
    return legal_review.is_legal_review(procedure_info(task.case.procedure_version), task)


def review_sheet(user: User, task_id: int, now: datetime | None = None) -> ReviewSheet:
    task = visible_task(user, task_id)
    case = task.case
    info = procedure_info(case.procedure_version)
    if not legal_review.is_legal_review(info, task):
        raise NotFound(tr("task %(id)s is not a legal review", id=task_id))
    overview = case_overview(user, case.id, now=now)
    task = visible_task(user, task_id)  # case_overview's verification rolled the session back
    report_form = (info.task_specs.get(task.bpmn_id) or {}).get("reviewed_report")
    report = next((t for t in reversed(overview.completed) if report_form and t.form_key == report_form), None)
    sheet = ReviewSheet(task=task, schema=info.forms.get(task.form_key) or {}, overview=overview, report=report,
                        benchmark=_benchmark(report, info.forms.get(report_form)))
    if task.state != "ready":
        sheet.not_ready = True
        return sheet
    try:
        check_may_act(user, task, task.case)
    except Forbidden as err:
        sheet.forbidden = err.message
        return sheet
    today = (now or utcnow()).astimezone(LOCAL_TZ).date()
    try:
        legal_review.check_reviewer(user, task.case, today)
    except StepRefused as refusal:
        sheet.refusal = refusal
    return sheet


# -- the officer's sheet: the cause chosen on a form that fixes a fine ----------------------------------
@dataclass
class ListCheck:
    """An item of the department's no-penalty or light-penalty list for the cause, in force today,
    and whether the case's party violates for the first time as the item judges it (None for an
    item not limited to a first violation)."""

    item: PenaltyListItem
    first: penalty_lists.FirstViolation | None


@dataclass
class ListFinding:
    """The finding on the lists the form records (or, on a later form, the case's record)."""

    code: str
    meets: bool
    item: PenaltyListItem | None  # None: the register has no such item
    own: bool  # recorded on this form (else by an earlier step)

    @property
    def on_no_penalty_list(self) -> bool:
        return self.meets and self.item is not None and self.item.kind == penalty_lists.NO_PENALTY


@dataclass
class CauseSheet:
    """What the officer proposing (notifying, deciding) a fine reads beside the form: the cause (案由)
    chosen from the department's register with the statutory range of its penalty provision, and
    its discretion benchmark item with the tiers, as the legal reviewer sees it (BenchmarkCheck); the
    items of the department's no-penalty and light-penalty lists for the cause, with whether the
    party is a first violator (ListCheck), and the finding recorded on them (ListFinding)."""

    code: str
    cause: Cause | None  # None: the register has no such cause (the step is refused beside the field)
    benchmark: BenchmarkCheck | None  # None: the cause names no benchmark item
    lists: list[ListCheck] = field(default_factory=list)
    finding: ListFinding | None = None

    @property
    def range_words(self):
        return causes.range_words(self.cause) if self.cause else None


def cause_sheet(case: Case, form: dict | None, values: dict, forms: dict[str, dict]) -> CauseSheet | None:
    """The sheet of the cause chosen on the form (`values`, as typed or prefilled); None where the
    form chooses no cause or none is chosen yet. The tier and the fine are the form's own (its
    `x-benchmark` fields), the tier else the one the case's earlier steps chose."""
    names = causes.cause_fields(form)
    code = next((values.get(n) for n in names if isinstance(values.get(n), str) and values.get(n)), None)
    if not code:
        return None
    cause = causes.find(case.department_id, code)
    sheet = CauseSheet(code, cause, None, _list_checks(case, cause), _finding(case, form, values, forms))
    item = causes.benchmark_of(cause)
    if item is None:
        return sheet
    marked = benchmark_fields(form)
    tier = values.get(marked.get("tier", ""))
    if not isinstance(tier, str) or not tier:
        tier = None
        for step in completed_steps(case):
            earlier = benchmark_fields(forms.get(step.form_key or "")).get("tier")
            if earlier and isinstance(step.data.get(earlier), str):
                tier = step.data[earlier]
    fine = values.get(marked.get("fine", ""))
    sheet.benchmark = BenchmarkCheck(item.code, item, tier, fine, item.tier(tier) if tier else None)
    return sheet


def _list_checks(case: Case, cause: Cause | None) -> list[ListCheck]:
    if cause is None:
        return []
    today = local_today()
    items = penalty_lists.items_of(case.department, cause.code, on=today)
    penalties = earlier_penalties(case) if any(i.first_violation for i in items) else []
    return [ListCheck(i, penalty_lists.first_violation(case, i, today, penalties) if i.first_violation else None)
            for i in items]


def _finding(case: Case, form: dict | None, values: dict, forms: dict[str, dict]) -> ListFinding | None:
    marked = penalty_lists.list_fields(form)
    if "item" in marked:
        code = values.get(marked["item"])
        found = (code, values.get(marked.get("meets", "")) in penalty_lists.MET) if isinstance(code, str) and code \
            else None
        own = True
    else:
        found, own = penalty_lists.recorded_finding(case, forms), False
    if found is None:
        return None
    return ListFinding(found[0], found[1], penalty_lists.find(case.department_id, found[0]), own)
