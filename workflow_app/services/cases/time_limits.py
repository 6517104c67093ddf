"""The law of the decision clock applied to a case: what an extension request, its approval or an
excluded period may record (oversight/clock.py holds the rules, the case's package names its
forms and limits: `ProcedureInfo.clock`; this module reads the case's record for them). A breach is `StepRefused`: 422 with its
code and article, traced as `step.refused` by the caller.

An ad-hoc step's conditions come in two parts: those of the case alone (`check_may_start`: may
this kind of request be started on this case now?), which the case page asks before it offers the
step, and those of what the form says (`check_request`), checked after them.
"""
from datetime import date, datetime, time

from ...extensions import db
from ...models import Case, Task
from ...models.types import utcnow
from ...oversight import bindings, clock
from ...oversight.calendar import LOCAL_TZ
from ...oversight.deadlines import parse_deadline
from ...wall_clock import local_today
from ..errors import Invalid, StepRefused, refusal_line, tr
from ..procedures.statuses import milestone_times
from ..procedures.versions import procedure_info
from . import record as case_record

EXTENSION_NOT_APPLICABLE = "EXTENSION_NOT_APPLICABLE"
EXTENSION_PENDING = "EXTENSION_PENDING"
EXTENSION_EXHAUSTED = "EXTENSION_EXHAUSTED"
EXTENSION_TOO_LONG = "EXTENSION_TOO_LONG"
EXTENSION_LATE = "EXTENSION_LATE"
COLLECTIVE_DISCUSSION_REQUIRED = "COLLECTIVE_DISCUSSION_REQUIRED"
PERIOD_NOT_APPLICABLE = "PERIOD_NOT_APPLICABLE"


def _refuse(code: str, article: str, refs: tuple[str, ...], message: str, message_en: str):
    raise StepRefused({ref: [refusal_line(code, message_en, message)] for ref in refs}, message, code=code, article=article,
                      message_en=message_en, details={"rules": [{"code": code, "article": article}]})


def milestone_anchors(case: Case, completed: Task | None = None) -> dict[str, datetime]:
    """milestone -> the time a deadline running from it starts: the legal date the step that
    reached it recorded (the package's `milestone_dates`, e.g. filed -> filing_approval.filed_on,
    立案日期), as the start of that day in Beijing, else the moment the case reached it. A case
    entered from paper, or a filing approved on Friday and submitted on Monday, counts its limits
    from the date of the act, not of the click. `completed`: the task this step completed (its
    form is the latest of its key)."""
    times = milestone_times(case)
    rules = procedure_info(case.procedure_version).rules
    refs = bindings.milestone_date_refs(rules)
    if not any(code in times for code in refs):
        return times
    forms = case_record.latest_forms(case)
    if completed is not None and completed.form_key:
        forms = {**forms, completed.form_key: completed.data or {}}
    for code in refs.keys() & times.keys():
        recorded = bindings.milestone_date(rules, code, forms)
        if recorded is not None:
            times[code] = datetime.combine(recorded, time.min, tzinfo=LOCAL_TZ)
    return times


def rules_of(case: Case) -> clock.ClockRules:
    """The clock of the case's procedure version (its package's; cached with the version)."""
    return procedure_info(case.procedure_version).clock


def clock_rows(case: Case, completed: Task | None = None) -> list[clock.ClockRow]:
    """The completed steps the clock reads, oldest first; `completed`: the step completed in this
    change, the latest."""
    forms = rules_of(case).forms
    found = [clock.ClockRow(step.task_id, step.form_key, step.data) for step in case_record.completed_steps(case)
             if step.form_key in forms and (completed is None or step.task_id != completed.id)]
    if completed is not None and completed.form_key in forms:
        found.append(clock.ClockRow(completed.id, completed.form_key, completed.data or {}))
    return found


def clock_facts(case: Case, completed: Task | None, today: date) -> tuple[dict[str, int], frozenset[date]]:
    """(limit -> approved extension days, the days not counted) of the case."""
    rules, rows = rules_of(case), clock_rows(case, completed)
    return clock.approved_days(rows, rules), clock.excluded_days(clock.excluded_periods(rows, rules), today)


def _ref(form: str | None, name: str) -> str:
    return f"{form}.{name}"


def _limit_open(case: Case, task_specs: dict, ready: list[Task], governs) -> bool:
    """Whether a time limit whose deadline `governs` is running: a step it governs is ready, or
    none has been done yet and the limit's start (a case milestone) has happened."""
    governed = {bpmn_id for bpmn_id, meta in task_specs.items()
                if meta.get("deadline") and governs(parse_deadline(meta["deadline"]))}
    if not governed or case.closed_at is not None:
        return False
    if any(row.bpmn_id in governed for row in ready):
        return True
    done = db.session.execute(
        db.select(Task.id).where(Task.case_id == case.id, Task.state == "completed",
                                 Task.bpmn_id.in_(sorted(governed))).limit(1)).first()
    if done is not None:
        return False
    codes = {parse_deadline(task_specs[bpmn_id]["deadline"]).milestone for bpmn_id in governed}
    codes.discard(None)
    return bool(codes) and any(code in codes for code in milestone_times(case))


def _limit_due(case: Case, task_specs: dict, ready: list[Task], limit: str):
    """When the running limit ends now: the due time of the ready step it governs, else (the step
    not reached yet) computed from the case milestone it runs from, with what the clock holds."""
    dues = [row.due_at for row in ready if row.deadline and row.due_at is not None
            and parse_deadline(row.deadline).extendable_as == limit]
    if dues:
        return min(dues)
    for meta in task_specs.values():
        deadline = parse_deadline(meta["deadline"]) if meta.get("deadline") else None
        if deadline is None or deadline.extendable_as != limit or not deadline.milestone:
            continue
        start = milestone_anchors(case).get(deadline.milestone)
        extensions, excluded = clock_facts(case, None, local_today())
        due = deadline.due({deadline.anchor: start}, extra=extensions.get(limit, 0), excluded=excluded)
        return due.at if due else None
    return None


def _expired_at(case, task_specs, ready, rule: clock.ExtensionRule):
    """When the running limit of `rule` expired, or None while it runs."""
    due = _limit_due(case, task_specs, ready, rule.limit)
    return due if due is not None and due < utcnow() else None


def _check_not_expired(case, task_specs, ready, rule: clock.ExtensionRule, ref: str):
    """An extension is asked for and granted while the limit runs, not after it has expired."""
    due = _expired_at(case, task_specs, ready, rule)
    if due is not None:
        shown = due.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")
        _refuse(EXTENSION_LATE, rule.article, (ref,),
                f"{rule.label}已于{shown}（北京时间）届满，延期须在期限届满前申请并批准",
                f"the {rule.label_en} expired at {shown} Beijing time: an extension is requested and "
                "approved before the limit expires")


def _periods_start(case: Case, task_specs: dict) -> date | None:
    """The day the limits that do not count excluded periods began: the earliest milestone they
    run from that the case has reached (the filing, in the general procedure)."""
    codes = {d.milestone for d in (parse_deadline(m["deadline"]) for m in task_specs.values() if m.get("deadline"))
             if d.excluding_periods and d.milestone}
    if not codes:
        return None
    times = [at for code, at in milestone_anchors(case).items() if code in codes]
    return min(times).astimezone(LOCAL_TZ).date() if times else None


def check_may_start(case: Case, task_specs: dict, kind: str, ready: list[Task]) -> None:
    """The law's conditions for starting the ad-hoc step `kind` on the case now that do not depend
    on what its form will say: the case page offers the step only when they hold, and its form
    page says why before anything is typed (services/cases/requests.py)."""
    rules, form = rules_of(case), task_specs[kind].get("form_key")
    if form is not None and form == rules.request_form:
        _check_extension_possible(case, task_specs, ready)
    elif form is not None and form == rules.period_form:
        _check_period_possible(case, task_specs, ready)


def check_request(case: Case, task_specs: dict, kind: str, data: dict, ready: list[Task]) -> None:
    """The law's conditions on what the form of the ad-hoc step `kind` says (`data`); the caller
    has checked those of the case alone (`check_may_start`) first."""
    rules, form = rules_of(case), task_specs[kind].get("form_key")
    if form is not None and form == rules.request_form:
        _check_extension_request(case, task_specs, data, ready)
    elif form is not None and form == rules.period_form:
        _check_excluded_period(case, task_specs, data)


def _extends(rule: clock.ExtensionRule):
    return lambda deadline: deadline.extendable_as == rule.limit


def _refuse_not_running(case: Case, rule: clock.ExtensionRule):
    _refuse(EXTENSION_NOT_APPLICABLE, rule.article, (_ref(rules_of(case).request_form, "limit"),),
            f"本案{rule.label}未在计算中（相应环节尚未开始或已经完成），无可延长的期限",
            f"the case's {rule.label_en} is not running (its step has not started or is done): "
            "there is nothing to extend")


def _check_not_exhausted(rule: clock.ExtensionRule, approved_before: int, ref: str):
    if approved_before and not rule.further:
        _refuse(EXTENSION_EXHAUSTED, rule.article, (ref,),
                f"{rule.label}已经批准延长一次，法律未规定再次延长",
                f"the {rule.label_en} has already been extended once; the law allows no further extension")


def _latest_reached(case: Case, task_specs: dict) -> clock.ExtensionRule | None:
    """The limit a case with none running is at, or past: the last, in the law's order, whose
    start has happened or whose step was reached; the first when none was (None: the package
    declares no limit)."""
    limits = rules_of(case).limits
    if not limits:
        return None
    reached = {row[0] for row in db.session.execute(
        db.select(Task.bpmn_id).where(Task.case_id == case.id).distinct())}
    found = next(iter(limits.values()))
    milestones = milestone_times(case)
    for rule in limits.values():
        for bpmn_id, meta in task_specs.items():
            deadline = parse_deadline(meta["deadline"]) if meta.get("deadline") else None
            if deadline is None or deadline.extendable_as != rule.limit:
                continue
            if bpmn_id in reached or deadline.milestone in milestones:
                found = rule
    return found


def _check_extension_possible(case, task_specs, ready):
    """Some time limit of the case is running, has not expired and may still be extended, and no
    other request awaits the head's decision (one at a time: oversight/clock.py). When
    none may be, the refusal names the limit the case is at, in the order the form's own check
    would find it (not running, expired, a request pending, extended already)."""
    rules = rules_of(case)
    running = [rule for rule in rules.limits.values() if _limit_open(case, task_specs, ready, _extends(rule))]
    if not running:
        latest = _latest_reached(case, task_specs)
        if latest is None:
            raise Invalid({_ref(rules.request_form, "limit"): [
                tr("the procedure declares no time limit that may be extended")]})
        _refuse_not_running(case, latest)
    in_time = [rule for rule in running if not _expired_at(case, task_specs, ready, rule)]
    if not in_time:
        _check_not_expired(case, task_specs, ready, running[0], _ref(rules.request_form, "limit"))
    rows = clock_rows(case)
    pending = clock.pending_extension(rows, rules)
    if pending is not None:
        rule = rules.limits.get(pending.limit) or in_time[0]
        _refuse(EXTENSION_PENDING, rule.article, (_ref(rules.request_form, "limit"),),
                "本案已有延期申请等待负责人审批，审批后方可再次申请",
                "an extension request of this case awaits the head's decision; request again after it")
    if not any(rule.further or not clock.approved_count(rows, rules, rule.limit) for rule in in_time):
        _check_not_exhausted(in_time[0], clock.approved_count(rows, rules, in_time[0].limit),
                             _ref(rules.request_form, "days"))


def _check_extension_request(case, task_specs, data, ready):
    """The limit the form names is one that may be extended now, by the days it asks for."""
    rules = rules_of(case)
    rule = rules.limits.get(data.get("limit"))
    if rule is None:  # the form's choices are the declared limits (checked at deploy)
        raise Invalid({_ref(rules.request_form, "limit"): [tr("not a time limit of this procedure")]})
    if not _limit_open(case, task_specs, ready, _extends(rule)):
        _refuse_not_running(case, rule)
    _check_not_expired(case, task_specs, ready, rule, _ref(rules.request_form, "limit"))
    _check_days(rule, clock.approved_count(clock_rows(case), rules, rule.limit), data["days"],
                _ref(rules.request_form, "days"))


def _check_days(rule: clock.ExtensionRule, approved_before: int, days: int, ref: str):
    _check_not_exhausted(rule, approved_before, ref)
    limit = rule.further_max if approved_before else rule.first_max
    if days > limit:
        _refuse(EXTENSION_TOO_LONG, rule.article, (ref,),
                f"{rule.label}{'再次' if approved_before else ''}延长不得超过{limit}日（申请{days}日）",
                f"the {rule.label_en} may be extended by at most {limit} days "
                f"{'again' if approved_before else 'the first time'} ({days} requested)")


def _check_period_possible(case, task_specs, ready):
    rules = rules_of(case)
    if not _limit_open(case, task_specs, ready, lambda d: d.excluding_periods):
        _refuse(PERIOD_NOT_APPLICABLE, rules.periods_article, (_ref(rules.period_form, "kind"),),
                "本案作出处理决定的期限未在计算中（尚未开始计算或已作出决定），无须登记不计入期限的期间",
                "the case's decision limit is not running (not started yet, or decided): no period to exclude")


def _check_excluded_period(case, task_specs, data):
    """The period the form records starts after the filing, and a correction names a period
    recorded before."""
    rules = rules_of(case)
    filed_on = _periods_start(case, task_specs)
    start = date.fromisoformat(data["start_on"])
    if filed_on and start < filed_on:
        _refuse(PERIOD_NOT_APPLICABLE, rules.periods_article, (_ref(rules.period_form, "start_on"),),
                f"期间开始日期（{start}）早于立案日期（{filed_on}）：立案前的期间不影响期限，请自立案日起登记",
                f"the period's start ({start}) is before the filing ({filed_on}): the limit starts at "
                "filing, record the period from then")
    replaces = data.get("replaces")
    if replaces is not None:
        rows = clock_rows(case)
        ids = {row.task_id for row in rows if row.form_key == rules.period_form}
        if replaces not in ids:
            raise Invalid({"replaces": [tr("%(id)s is not a recorded excluded period of this case", id=replaces)]})


def check_completion(task: Task, data: dict, case: Case, task_specs: dict, ready: list[Task]) -> None:
    """The head's decision on an extension request (the other clock steps have no rule here)."""
    rules = rules_of(case)
    if task.form_key is None or task.form_key != rules.approval_form or data.get("decision") != clock.APPROVE:
        return
    rows = clock_rows(case)
    pending = clock.pending_extension(rows, rules)
    rule = rules.limits.get(pending.limit) if pending is not None else None
    if rule is None:
        return
    decision, days_ref = _ref(rules.approval_form, "decision"), _ref(rules.approval_form, "approved_days")
    if not _limit_open(case, task_specs, [r for r in ready if r.id != task.id], _extends(rule)):
        _refuse(EXTENSION_NOT_APPLICABLE, rule.article, (decision,),
                f"本案{rule.label}已不在计算中（相应环节已经完成），不能再批准延期",
                f"the case's {rule.label_en} is no longer running (its step is done): the extension "
                "cannot be approved")
    _check_not_expired(case, task_specs, [r for r in ready if r.id != task.id], rule, decision)
    days = clock.granted_days(pending, data)
    if days > pending.days:
        _refuse(EXTENSION_TOO_LONG, rule.article, (days_ref,),
                f"批准延长的天数（{days}日）超过申请的天数（{pending.days}日）",
                f"the days approved ({days}) are more than the days requested ({pending.days})")
    before = clock.approved_count(rows, rules, rule.limit)
    _check_days(rule, before, days, days_ref)
    if before and rule.further and not data.get("collective_discussion"):
        _refuse(COLLECTIVE_DISCUSSION_REQUIRED, rule.article, (_ref(rules.approval_form, "collective_discussion"),),
                f"{rule.label}已延长过一次，继续延长须经负责人集体讨论决定，请记录集体讨论",
                f"the {rule.label_en} was extended before: a further extension is decided by the heads' "
                "collective discussion; record it")


def move_reason(case: Case, task: Task) -> str:
    """Why a due time moved in this change, for the `deadline.moved` trace event."""
    data, rules = task.data or {}, rules_of(case)
    if task.form_key is not None and task.form_key == rules.approval_form:
        return f"{task.form_key}: {data.get('decision')} (延期审批)"
    if task.form_key is not None and task.form_key == rules.period_form:
        return (f"{task.form_key}: {data.get('kind')} {data.get('start_on')}–{data.get('end_on') or '…'} "
                "(不计入期限的期间)")
    return f"{task.bpmn_id} recorded"
