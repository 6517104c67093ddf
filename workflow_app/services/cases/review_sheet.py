"""The legal reviewer's sheet (法制审核 审核表, APL Art. 58; 国办发〔2018〕118号): a ready legal
review with what the reviewer reads beside the checklist — the case file, the investigation
report with its discretion benchmark and its finding on the no-penalty and light-penalty lists
(the item — a light item with the tier it grounds, 从轻, 减轻 or either —, the officer's finding,
whether the party is a first violator, whether the proposed penalty agrees with it), earlier reviews of the case — and whether this user may act on it, and if
not, why. The officer proposing (notifying, deciding) a fine sees the same benchmark and list
finding beside the form (`cause_sheet`).

Read only: the review itself is recorded by services/cases/lifecycle.complete_task, which checks the same
rules again (and traces a refusal); here they only tell the page what to say before anyone types.
"""
from dataclasses import dataclass, field
from datetime import datetime

from ...messages import Phrase
from ...models import Case, Cause, DiscretionBenchmark, LegalReview, PenaltyListItem, Task, User
from ...models.types import utcnow
from ...oversight import bindings
from ...oversight.calendar import LOCAL_TZ
from ...oversight.step_rules.decision import fits
from ...oversight.step_rules.penalty_lists import Judgement, judged
from ...wall_clock import local_today
from ..errors import Forbidden, NotFound, StepRefused, tr
from ..oversight import benchmarks
from ..people.access import check_may_act, visible_task
from ..people.parties import earlier_penalties
from ..procedures.versions import procedure_info
from ..registers import causes, penalty_lists
from . import legal_review
from . import record as case_record
from .overview import CaseOverview, case_overview
from .record import completed_steps

# The rule kind whose binding on a form says which of its fields hold the penalty that a list
# finding is judged against (oversight/step_rules/penalty_lists.py); its alert raises on the same
# judgement.
LIST_JUDGEMENT_KIND = "light_list_applied"


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
class ListFinding:
    """The finding on the lists the form records (or, on a later form, the case's record): the item
    the case was assessed against, whether it meets it, whether the parties register shows the
    party a first violator (over the item's look-back, 12 months where it gives none: shown for
    every item, decisive for an item of a first violation only), and the penalty of the form (the
    report's, for the reviewer) judged against it."""

    code: str
    meets: bool
    item: PenaltyListItem | None  # None: the register has no such item
    own: bool  # recorded on this form (else by an earlier step)
    first: penalty_lists.FirstViolation | None = None  # None: the register has no such item
    judgement: Judgement | None = None  # None: the procedure binds no judgement on the form

    @property
    def on_no_penalty_list(self) -> bool:
        return self.meets and self.item is not None and self.item.kind == penalty_lists.NO_PENALTY

    @property
    def consistent(self) -> bool | None:
        """Whether the penalty agrees with the item the case meets; None: nothing to judge."""
        return self.judgement.consistent if self.judgement else None

    @property
    def consistency(self) -> Phrase | None:
        """Why, in both languages."""
        return Phrase(self.judgement.message_en, self.judgement.message) if self.judgement else None


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
    penalty_list: ListFinding | None = None  # the report's finding on the lists, and its proposal against it

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


def _benchmark(case: Case, report: Task | None, form: dict | None) -> BenchmarkCheck | None:
    """The benchmark item the report names, else the one the causes register gives the cause it
    chose (as the list finding is judged: oversight/step_rules/penalty_lists.benchmark_of)."""
    data = (report.data or {}) if report else {}
    marked = benchmark_fields(form)
    code = data.get(marked.get("item", ""))
    if not code:
        of_cause = causes.benchmark_of(causes.find(case.department_id, causes.chosen_in(form, data)))
        code = of_cause.code if of_cause else None
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
                        benchmark=_benchmark(case, report, info.forms.get(report_form)),
                        penalty_list=_finding(case, report.form_key, info.forms.get(report.form_key), report.data or {},
                                              info, own_form=False) if report else None)
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


def cause_sheet(case: Case, form: dict | None, values: dict, forms: dict[str, dict],
                form_key: str | None = None) -> CauseSheet | None:
    """The sheet of the cause chosen on the form `form_key` (`values`, as typed or prefilled); None
    where the form chooses no cause or none is chosen yet. The tier and the fine are the form's own
    (its `x-benchmark` fields), the tier else the one the case's earlier steps chose."""
    names = causes.cause_fields(form)
    code = next((values.get(n) for n in names if isinstance(values.get(n), str) and values.get(n)), None)
    if not code:
        return None
    cause = causes.find(case.department_id, code)
    info = procedure_info(case.procedure_version)
    sheet = CauseSheet(code, cause, None, _list_checks(case, cause), _finding(case, form_key, form, values, info))
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


def _finding(case: Case, form_key: str | None, form: dict | None, values: dict, info, own_form: bool = True
             ) -> ListFinding | None:
    """The finding the form records in its `x-penalty-list` fields (`values`; `own_form`: the form
    being filled in, not the report the reviewer reads), else the case's record's; with the party
    judged a first violator or not, and the form's penalty judged against it (`list_judgement`)."""
    marked = penalty_lists.list_fields(form)
    if "item" in marked:
        code = values.get(marked["item"])
        found = (code, values.get(marked.get("meets", "")) in penalty_lists.MET) if isinstance(code, str) and code \
            else None
        own = own_form
    else:
        found, own = penalty_lists.recorded_finding(case, info.forms), False
    if found is None:
        return None
    item = penalty_lists.find(case.department_id, found[0])
    return ListFinding(found[0], found[1], item, own,
                       penalty_lists.first_violation(case, item) if item is not None else None,
                       list_judgement(case, form_key, values, info))


def list_judgement(case: Case, form_key: str | None, data: dict, info) -> Judgement | None:
    """The penalty the form records (`data`) against the case's finding on the lists, as the
    package's binding of `light_list_applied` on the form reads them — the judgement its alert
    raises on; None where the package binds none on the form or no finding is recorded."""
    binding = next((b for b in bindings.governing(info.bindings, form_key) if b.kind.name == LIST_JUDGEMENT_KIND),
                   None)
    if binding is None:
        return None
    return judged(case_record.rule_record(form_key, case, data, None, info.forms), binding.params)
