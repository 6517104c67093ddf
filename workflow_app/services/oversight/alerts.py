"""Oversight alerts: raised by the worker's time rules, handled by the supervisors.

`scan` is the worker's pass (oversight/alert_rules.py): for each time rule, the ready steps whose
due time has come and that have had no alert of that rule yet, read through the index on the
ready steps' due times (O(steps due)); each alert is written in a transaction of its own with
`alert.raised` on the case's trace. An alert is raised once per (case, code) while active (a
partial unique index refuses a second, so two workers at once raise it once) and once per step
ever: a supervisor who resolved or dismissed it is not asked again about the same step.

The supervisors (and admins) acknowledge an alert, then resolve it or dismiss it with a reason;
each action is traced on the case's chain. Department heads read the alerts of their departments.
"""
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, or_
from sqlalchemy.orm import aliased, selectinload

from ...extensions import db
from ...models import Alert, Case, OrgUnit, ProcedureVersion, Task, TraceEvent, User
from ...models.oversight import ACTIVE, RAISED_FIELDS, STATUSES
from ...models.types import utcnow
from ...oversight import bindings, step_rules
from ...oversight.alert_rules import (
    CATALOGUE,
    DUE_SOON_DAYS,
    IDLE_AFTER,
    RECTIFICATION_MAX_DAYS,
    RETURNS_BEFORE_ALERT,
    SUPERSEDED_BY,
)
from ...oversight.calendar import LOCAL_TZ, end_of_day
from ...oversight.deadlines import DeadlineSyntaxError, parse_deadline
from ...wall_clock import local_today
from .. import paging
from ..audit import trail as audit
from ..cases import record as case_record
from ..errors import Conflict, Invalid, NotFound, tr
from ..people.access import in_scope, require_role, scope_filter
from ..procedures.versions import procedure_info
from ..transactions import one_transaction

# a referral the justice bureau's supervision sent, not answered by its due time (services/cases/referrals.py)
SUPERVISION_REFERRAL_ALERT = "REFERRAL_FEEDBACK_OVERDUE"
SCANNER = "worker:oversight"  # who raised an alert, in the trace: the worker's time rules
STEP_RULES = "rule:step"  # … or the rules run in the step that showed it
CORRECTABLE = ("open", "acknowledged")  # a step alert a later step meeting its rule resolves
BATCH = 500
REASON_MAX = 2000
ALERT_RACE = tr("the alert was changed by someone else at the same time; reload it and try again")
READERS = ("supervisor", "admin", "department_head")
HANDLERS = ("supervisor", "admin")
SEVERITIES = ("high", "medium", "low")
STATUS_WORDS = {"open": tr("open"), "acknowledged": tr("acknowledged"),
                "rectification_requested": tr("rectification requested"),
                "rectification_reported": tr("rectification reported"), "resolved": tr("resolved"),
                "dismissed": tr("dismissed")}
ALERT_ORDER = [paging.SortKey(Alert.raised_at, descending=True, kind=datetime),
               paging.SortKey(Alert.id, descending=True)]


@dataclass
class AlertEvent:
    """One step of an alert's life, as its case's trace recorded it."""

    action: str  # raised, or the status it moved the alert to (acknowledged, …, resolved, dismissed)
    at: datetime
    actor: str  # the username, or the rule's runner (SCANNER, STEP_RULES)
    actor_name: str | None  # the user's full name; None for the rules
    reason: str | None  # why resolved or dismissed; the supervision opinion; the department's report
    due_on: str | None = None  # the day the rectification is due (ISO), when one was requested


@dataclass
class ScanResult:
    raised: list[tuple[str, str]] = field(default_factory=list)  # (case number, code)
    cleared: list[tuple[str, str]] = field(default_factory=list)


# -- the worker's pass ----------------------------------------------------------------------------
def scan(now: datetime | None = None, limit: int = BATCH) -> ScanResult:
    now = now or utcnow()
    result = ScanResult()
    _clear_passed_risks(now, result)
    overdue, due_soon = time_alert_steps()
    rules = [(code, steps, Task.due_at <= now) for code, steps in overdue.items()]
    rules += [(code, steps, and_(Task.due_at > now, Task.due_at <= now + DUE_SOON_DAYS))
              for code, steps in due_soon.items()]
    for code, steps, when in rules:
        for task in _steps_to_alert(code, steps, and_(when, _not_being_entered(now)), limit - len(result.raised)):
            if _raise(task, code, now):
                result.raised.append((task.case.number, code))
        if len(result.raised) >= limit:
            break
    _idle_cases(now, limit - len(result.raised), result)
    _rectifications_overdue(now, limit - len(result.raised), result)
    _supervision_referrals_overdue(now, limit - len(result.raised), result)
    return result


def _not_being_entered(now: datetime):
    """The cases the worker's time alerts apply to: not being entered from their paper file now
    (keyed in, not neglected: services/cases/paper_entry.py)."""
    return or_(Case.paper_entry_until.is_(None), Case.paper_entry_until <= now)


def _rectifications_overdue(now: datetime, limit: int, result: ScanResult) -> None:
    """RECTIFICATION_OVERDUE: a rectification requested and not reported by its deadline, once per
    request (read through a partial index on the requests' deadlines)."""
    if limit <= 0:
        return
    other = aliased(Alert)
    raised_since = exists().where(other.case_id == Alert.case_id, other.code == "RECTIFICATION_OVERDUE",
                                  other.raised_at >= Alert.requested_at)
    late = db.session.execute(
        db.select(Alert).where(Alert.status == "rectification_requested", Alert.rectification_due_at <= now,
                               ~raised_since).order_by(Alert.rectification_due_at, Alert.id).limit(limit)
    ).scalars().all()
    for alert in late:
        details = {"rectification_of": alert.id, "rectification_of_code": alert.code,
                   "due_at": alert.rectification_due_at.isoformat()}
        if _write(alert.case_id, alert.department_id, None, None, "RECTIFICATION_OVERDUE", details, now):
            result.raised.append((alert.case.number, "RECTIFICATION_OVERDUE"))


def _idle_cases(now: datetime, limit: int, result: ScanResult) -> None:
    """CASE_IDLE: open cases unchanged for IDLE_AFTER, with no such alert since their last change;
    an active one whose case has moved since is closed (it clears itself)."""
    moved = db.session.execute(
        db.select(Alert).join(Case, Alert.case_id == Case.id)
        .where(Alert.code == "CASE_IDLE", Alert.status.in_(ACTIVE),
               (Case.updated_at > Alert.raised_at) | Case.closed_at.is_not(None)).limit(BATCH)
    ).scalars().all()
    for alert in moved:
        if _close(alert, "resolved", SCANNER, None, "案件已有新的办理活动（the case has moved since）", now):
            result.cleared.append((alert.case.number, "CASE_IDLE"))
    if limit <= 0:
        return
    since_change = exists().where(Alert.case_id == Case.id, Alert.code == "CASE_IDLE",
                                  Alert.raised_at >= Case.updated_at)
    idle = db.session.execute(
        db.select(Case).where(Case.closed_at.is_(None), Case.updated_at <= now - IDLE_AFTER,
                              _not_being_entered(now), ~since_change)
        .order_by(Case.updated_at, Case.id).limit(limit)).scalars().all()
    for case in idle:
        details = {"last_change": case.updated_at.isoformat()}
        if _write(case.id, case.department_id, None, None, "CASE_IDLE", details, now):
            result.raised.append((case.number, "CASE_IDLE"))


def time_alert_steps() -> tuple[dict, dict]:
    """code -> {version id: [bpmn ids]} of the steps whose deadline raises it, once passed
    (`overdueAlert`) and when near (`dueSoonAlert`), from every deployed version's BPMN."""
    overdue: dict[str, dict[int, list[str]]] = {}
    due_soon: dict[str, dict[int, list[str]]] = {}
    for version in db.session.execute(db.select(ProcedureVersion)).scalars():
        for bpmn_id, meta in procedure_info(version).task_specs.items():
            for key, out in (("overdue_alert", overdue), ("due_soon_alert", due_soon)):
                if meta.get(key):
                    out.setdefault(meta[key], {}).setdefault(version.id, []).append(bpmn_id)
    return overdue, due_soon


def _steps_to_alert(code: str, steps: dict[int, list[str]], when, limit: int) -> list[Task]:
    """Ready steps among `steps` ({version id: [bpmn ids]}) due as `when` says, with no alert of
    `code` for them yet and none active of `code` on their case, and to which their alert applies
    (_alert_applies). The steps it does not apply to are passed over in the order of their due
    times, so they never stand in the way of the others."""
    if limit <= 0 or not steps:
        return []
    same_step = exists().where(Alert.task_id == Task.id, Alert.code == code)
    active_on_case = exists().where(Alert.case_id == Task.case_id, Alert.code == code, Alert.status.in_(ACTIVE))
    which = or_(*(and_(Case.procedure_version_id == version_id, Task.bpmn_id.in_(ids))
                  for version_id, ids in steps.items()))
    query = (db.select(Task).join(Case, Task.case_id == Case.id)
             .where(Task.state == "ready", Task.due_at.is_not(None), which, when, ~same_step, ~active_on_case))
    found, after = [], None
    while len(found) < limit:
        page = query if after is None else query.where(
            or_(Task.due_at > after[0], and_(Task.due_at == after[0], Task.id > after[1])))
        batch = list(db.session.execute(page.order_by(Task.due_at, Task.id).limit(limit)).scalars())
        found += [task for task in batch if _alert_applies(task)]
        if len(batch) < limit:
            break
        after = (batch[-1].due_at, batch[-1].id)
    return found[:limit]


def _alert_applies(task: Task) -> bool:
    """Whether the time alert of an open step applies: none of the conditions its package declares
    for the steps of its form (`overdue_alert_unless` of rules.json) holds on the record as the
    step sees it, its own form recording nothing yet (a warning decided: nothing to pay)."""
    info = procedure_info(task.case.procedure_version)
    if not ((info.rules or {}).get(bindings.OVERDUE_ALERT_UNLESS) or {}).get(task.form_key or ""):
        return True
    record = {**case_record.latest_forms(task.case), task.form_key: {}}
    return bindings.overdue_alert_excused(info.rules, task.form_key, record) is None


def _raise(task: Task, code: str, now: datetime) -> bool:
    return _write(task.case_id, task.department_id, task.id, task.bpmn_id, code, _step_details(task), now)


def _step_details(task: Task) -> dict:
    """What a time alert records of its step."""
    return {"step": task.bpmn_id, "step_name": task.name, "due_at": task.due_at.isoformat()}


def _write(case_id: int, department_id: int, task_id: int | None, bpmn_id: str | None, code: str, details: dict,
           now: datetime) -> bool:
    """One alert in a transaction of its own (the worker's); False when another got there first."""
    try:
        with one_transaction(ALERT_RACE):
            add(case_id, department_id, task_id, bpmn_id, code, details, now, SCANNER)
    except Conflict:
        return False
    return True


def add(case_id: int, department_id: int, task_id: int | None, bpmn_id: str | None, code: str, details: dict,
        now: datetime, raised_by: str) -> Alert:
    """Write an alert and its `alert.raised` in the current transaction (a step's, or the
    worker's own). The partial unique index refuses a second active one of (case, code). The
    event's data is the details beside the alert's own id, code, severity and basis (RAISED_FIELDS,
    which no details may name): `audit verify` reads the row's details back from it."""
    kind = CATALOGUE[code]
    if not RAISED_FIELDS.isdisjoint(details):
        raise ValueError(f"an alert's details cannot name {', '.join(RAISED_FIELDS)}: {sorted(details)}")
    alert = Alert(case_id=case_id, department_id=department_id, task_id=task_id, code=code, severity=kind.severity,
                  status="open", details=details, raised_at=now, updated_at=now,
                  raised_by=raised_by)
    db.session.add(alert)
    db.session.flush()  # the unique index first: a second writer stops here
    audit.record("alert.raised", actor=raised_by, case_id=case_id, task_id=task_id, bpmn_id=bpmn_id, at=now,
                 data={**details, "alert": alert.id, "code": code, "severity": kind.severity, "basis": kind.basis})
    return alert



# -- step alerts (raised in the step's own transaction) ------------------------------------------
def after_step(case: Case, task: Task, data: dict, now: datetime, user: User, info) -> None:
    """The step alerts of a completed step: the alert kinds its package binds on its form
    (oversight/bindings.py, effect ALERT; e.g. `fine_within_benchmark`), each breach its kind's
    alert. services/cases/lifecycle.complete_task calls it in the step's transaction, so the alert commits
    with the step or not at all."""
    bound = bindings.governing(info.bindings, task.form_key, bindings.ALERT)
    if not bound:
        return
    record = case_record.rule_record(task.form_key, case, data, user, info.forms)
    breached = step_rules.check(bound, record, (bindings.ALERT,))
    for found in breached:
        breach = found.breaches[0]
        _add_unless_active(case, task, found.kind.code,
                           breach.details or {"message": breach.message, "message_en": breach.message_en}, now)
    met = {b.kind.code for b in bound} - {found.kind.code for found in breached}
    if met:
        _resolve_corrected(case, task, met, now)


def _resolve_corrected(case: Case, task: Task, codes: set[str], now: datetime) -> None:
    """The step alerts of these codes that an earlier step raised on the case and nobody has taken
    up beyond acknowledging, resolved now that this step meets the same rule (the report done
    again after the legal review returned it, the decision correcting what the report proposed):
    a supervisor then sees the deviation and its correction on the trail, not a deviation that is
    no longer there. An alert under rectification stays with its handlers. Nothing is read when
    the task's read found the case has none (services/cases/lifecycle.py, `step_alerts_active`)."""
    if getattr(case, "step_alerts_active", True) is False:
        return
    for alert in db.session.execute(db.select(Alert).where(
            Alert.case_id == case.id, Alert.code.in_(sorted(codes)), Alert.raised_by == STEP_RULES,
            Alert.status.in_(CORRECTABLE))).scalars():
        reason = f"{task.name}（{task.bpmn_id}）已依规则办理，偏差已纠正（the step now meets the rule: corrected）"
        _mark_closed(alert, "resolved", STEP_RULES, None, reason, now, by_task=task.id)


def after_late_act(case: Case, task: Task, data: dict, on: date, now: datetime, info,
                   at: datetime | None = None) -> None:
    """A step done after its due time raises the alert its BPMN names for it (`overdueAlert`), in
    the step's own transaction: its act (the date its form records, else today, services/step_path
    `act_day`) fell after the last day of its limit; where the form records the act's date and
    time (`at`), after the due instant itself (a limit in hours: an urgent measure reported 25
    hours after it was taken); and none of the conditions its package declares for the steps of
    its form (`overdue_alert_unless`) holds on the record with what the step records (an execution
    that records nothing to execute: no payment overdue). The worker raises the same alert while
    such a step is still open past its due time (_steps_to_alert); this catches the step recorded
    late before a pass saw it open — a case entered from paper, or an act dated back — unless the
    step already has one."""
    code = (info.task_specs.get(task.bpmn_id) or {}).get("overdue_alert")
    if not code or task.due_at is None:
        return
    if at is not None:
        if at <= task.due_at:
            return
    elif on <= task.due_at.astimezone(LOCAL_TZ).date():
        return
    if bindings.overdue_alert_excused(info.rules, task.form_key,
                                      {**case_record.latest_forms(case), task.form_key: data}) is not None:
        return
    raised = db.session.execute(db.select(Alert.id).where(
        Alert.case_id == case.id, Alert.code == code,
        (Alert.task_id == task.id) | Alert.status.in_(ACTIVE)).limit(1)).first()
    if raised is None:
        act = {"act_on": on.isoformat(), **({"act_at": at.isoformat()} if at is not None else {})}
        add(case.id, case.department_id, task.id, task.bpmn_id, code, {**_step_details(task), **act}, now, STEP_RULES)


def after_milestones(case: Case, reached: list, now: datetime) -> None:
    """A timer watching a period fired: the element it reached declares the alert its firing raises
    (`overdueAlert`, the period its `deadline`; e.g. a referral's wait for the other department's
    answer, bpmn/referral: nobody's step is late, so no task row carries the due time). Raised in
    the step that fired it, whichever it is: the timer worker's; the step that reached the wait
    after its time (a letter sent once its date had passed); or the answer recorded after the due
    time before the worker's pass (the engine fires a due timer before it lets the answer end the
    wait: what the worker would have done moments before). Once on the case. `reached`: the
    step's CaseMilestone rows."""
    info = procedure_info(case.procedure_version)
    for row in reached:
        meta = info.task_specs.get(row.bpmn_id) or {}
        code = meta.get("overdue_alert")
        if not code or meta.get("human"):
            continue
        if db.session.execute(db.select(Alert.id).where(Alert.case_id == case.id, Alert.code == code)).first():
            continue  # once on the case: its timer fires once
        due = _element_due(case, meta)
        details = {"step": row.bpmn_id, "step_name": meta.get("name") or row.bpmn_id,
                   **({"due_at": due.isoformat()} if due is not None else {})}
        add(case.id, case.department_id, None, row.bpmn_id, code, details, now, STEP_RULES)


def after_late_supervision_answer(receipt: Case, task: Task, referral, on: date, now: datetime) -> None:
    """A referral the justice bureau's supervision sent (no referring case: services/cases/referrals.py),
    answered after its due time before the worker's pass saw it (_supervision_referrals_overdue):
    REFERRAL_FEEDBACK_OVERDUE on the receipt, in the answer's transaction, once on the case. As a
    department's referral's timer, it counts when the answer reached the system (`now`), not the
    date the answer bears (`on`, recorded beside)."""
    due = referral.due_at
    if due is None or now <= due:
        return
    if db.session.execute(db.select(Alert.id).where(Alert.case_id == receipt.id,
                                                    Alert.code == SUPERVISION_REFERRAL_ALERT)).first():
        return
    add(receipt.id, receipt.department_id, task.id, task.bpmn_id, SUPERVISION_REFERRAL_ALERT,
        {**_step_details(task), "due_at": due.isoformat(), "act_on": on.isoformat(), "by_supervision": True},
        now, STEP_RULES)


def _supervision_referrals_overdue(now: datetime, limit: int, result: ScanResult) -> None:
    """REFERRAL_FEEDBACK_OVERDUE of a referral the justice bureau's supervision sent, unanswered past
    its due time: the supervision has no case of its own whose timer would watch it (a department's
    referral is watched by its own BPMN timer), so the worker raises it on the receipt, the
    receiving department's case whose answer is late (as a requested rectification's deadline is
    watched: _rectifications_overdue). Read through the partial index of the unanswered
    referrals' due times; once per receipt."""
    from ...models import Referral

    if limit <= 0:
        return
    raised = exists().where(Alert.case_id == Referral.receipt_case_id, Alert.code == SUPERVISION_REFERRAL_ALERT)
    late = db.session.execute(
        db.select(Referral).where(Referral.outcome.is_(None), Referral.due_at <= now,
                                  Referral.referral_case_id.is_(None), ~raised)
        .order_by(Referral.due_at, Referral.id).limit(limit)).scalars().all()
    for referral in late:
        receipt = referral.receipt_case
        task = db.session.execute(db.select(Task).where(Task.case_id == receipt.id, Task.state == "ready")
                                  .order_by(Task.id).limit(1)).scalar()
        details = {**(_step_details(task) if task is not None and task.due_at else {}),
                   "due_at": referral.due_at.isoformat(), "by_supervision": True}
        if _write(receipt.id, receipt.department_id, task.id if task is not None else None,
                  task.bpmn_id if task is not None else None, SUPERVISION_REFERRAL_ALERT, details, now):
            result.raised.append((receipt.number, SUPERVISION_REFERRAL_ALERT))


def _element_due(case: Case, meta: dict) -> datetime | None:
    """The due time of the period an element (a timer, not a task) declares as its `deadline`, from
    the case's record: the latest completion of the step whose form date it runs from."""
    def form_of(task_id: str) -> dict | None:
        return next((s.data for s in reversed(case_record.completed_steps(case)) if s.bpmn_id == task_id), None)

    return period_due(meta.get("deadline"), form_of, case)


def period_due(text: str | None, form_of, case: Case | None = None) -> datetime | None:
    """When the period `text` (a BPMN deadline) ends: `form_of(bpmn id)` gives the form data its
    date is read from; a milestone anchor is read from `case`."""
    from ..cases.time_limits import milestone_anchors

    try:
        deadline = parse_deadline(text or "")
    except DeadlineSyntaxError:
        return None
    if not deadline.form_anchor and not (deadline.milestone and case is not None):
        return None
    due = deadline.due({deadline.anchor: deadline.start(form_of, lambda code: milestone_anchors(case).get(code))})
    return due.at if due is not None else None


def after_review(case: Case, task: Task, reviews: list, now: datetime) -> None:
    """RETURNED_REPEATEDLY: the review just recorded returns the case for the 3rd time (or more),
    and no such alert is active."""
    returns = sum(1 for r in reviews if r.outcome != "approve")
    if returns >= RETURNS_BEFORE_ALERT and reviews[-1].outcome != "approve":
        _add_unless_active(case, task, "RETURNED_REPEATEDLY", {"returns": returns}, now)


def _add_unless_active(case: Case, task: Task, code: str, details: dict, now: datetime) -> None:
    """A step alert, unless one of its code is active on the case: asked first, since the unique
    index refusing it would fail the step it belongs to."""
    active = db.session.execute(db.select(Alert.id).where(
        Alert.case_id == case.id, Alert.code == code, Alert.status.in_(ACTIVE))).first()
    if active is None:
        add(case.id, case.department_id, task.id, task.bpmn_id, code, details, now, STEP_RULES)


def _clear_passed_risks(now: datetime, result: ScanResult) -> None:
    """Risk alerts (DECISION_DUE_SOON) whose step is done, or whose time is up (the overdue
    alert takes over), are closed by the worker."""
    for code, successor in SUPERSEDED_BY.items():
        rows = db.session.execute(
            db.select(Alert).join(Task, Alert.task_id == Task.id)
            .where(Alert.code == code, Alert.status.in_(ACTIVE),
                   (Task.state != "ready") | (Task.due_at <= now)).limit(BATCH)).scalars().all()
        for alert in rows:
            why = ("该环节已办理（the step is done）" if alert.task.state != "ready"
                   else f"期限已届满，由 {successor} 接续（its time is up: {successor} takes over）")
            if _close(alert, "resolved", SCANNER, None, why, now):
                result.cleared.append((alert.case.number, code))


# -- the supervisors' actions ---------------------------------------------------------------------
def acknowledge(user: User, alert_id: int) -> Alert:
    alert = _handled_alert(user, alert_id)
    if alert.status != "open":
        raise Conflict(tr("the alert is %(status)s; only an open alert is acknowledged",
                            status=STATUS_WORDS[alert.status]))
    now = utcnow()
    with one_transaction(ALERT_RACE):
        alert.status, alert.updated_at = "acknowledged", now
        alert.handled_by_id, alert.handled_at = user.id, now
        db.session.flush()
        audit.record("alert.acknowledged", actor=user, case_id=alert.case_id, task_id=alert.task_id, at=now,
                     data={"alert": alert.id, "code": alert.code})
    return alert


def request_rectification(user: User, alert_id: int, opinion, due_on) -> Alert:
    """A supervision opinion (执法监督意见) to the case's department: what to rectify, and by
    which day (Beijing; the end of that day). The department reports back (report_rectification)."""
    errors = {}
    opinion = _written(opinion)
    if opinion is None:
        errors["opinion"] = [tr("give the opinion (1 to %(max)d characters)", max=REASON_MAX)]
    today = local_today()
    try:
        due = date.fromisoformat(due_on) if isinstance(due_on, str) else None
    except ValueError:
        due = None
    if due is None:
        errors["due_on"] = [tr("must be a date, YYYY-MM-DD")]
    elif not today <= due <= today + timedelta(days=RECTIFICATION_MAX_DAYS):
        errors["due_on"] = [tr("must be from today to %(days)d days ahead", days=RECTIFICATION_MAX_DAYS)]
    if errors:
        raise Invalid(errors)
    alert = _handled_alert(user, alert_id)
    if alert.status not in ("open", "acknowledged"):
        raise Conflict(tr("the alert is %(status)s; rectification is requested of an open or acknowledged alert",
                          status=STATUS_WORDS[alert.status]))
    now = utcnow()
    with one_transaction(ALERT_RACE):
        alert.status, alert.updated_at = "rectification_requested", now
        alert.opinion, alert.rectification_due_at = opinion, end_of_day(due)
        alert.requested_by_id, alert.requested_at = user.id, now
        alert.report = alert.reported_by_id = alert.reported_at = None
        db.session.flush()
        audit.record("alert.rectification_requested", actor=user, case_id=alert.case_id, task_id=alert.task_id,
                     at=now, data={"alert": alert.id, "code": alert.code, "opinion": opinion, "due_on": due.isoformat()})
    return alert


def report_rectification(user: User, alert_id: int, report) -> Alert:
    """The department's report on its rectification, by a head of the case's department: the
    supervisor then resolves the alert, or dismisses it."""
    require_role(user, "department_head", tr("reporting a rectification"))
    report = _written(report)
    if report is None:
        raise Invalid({"report": [tr("give the report (1 to %(max)d characters)", max=REASON_MAX)]})
    alert = get_alert(user, alert_id)  # heads read the alerts of their departments
    if alert.status != "rectification_requested":
        raise Conflict(tr("the alert is %(status)s; a report answers a requested rectification",
                          status=STATUS_WORDS[alert.status]))
    now = utcnow()
    with one_transaction(ALERT_RACE):
        alert.status, alert.updated_at = "rectification_reported", now
        alert.report, alert.reported_by_id, alert.reported_at = report, user.id, now
        db.session.flush()
        audit.record("alert.rectification_reported", actor=user, case_id=alert.case_id, task_id=alert.task_id,
                     at=now, data={"alert": alert.id, "code": alert.code, "report": report,
                                   "late": bool(alert.rectification_due_at and now > alert.rectification_due_at)})
    return alert


def resolve(user: User, alert_id: int, reason) -> Alert:
    return _finish(user, alert_id, "resolved", reason)


def dismiss(user: User, alert_id: int, reason) -> Alert:
    return _finish(user, alert_id, "dismissed", reason)


def _finish(user: User, alert_id: int, status: str, reason) -> Alert:
    _require_handler(user)  # who may, before what they typed
    reason = _written(reason)
    if reason is None:
        raise Invalid({"reason": [tr("give the reason (1 to %(max)d characters)", max=REASON_MAX)]})
    alert = _handled_alert(user, alert_id)
    if alert.status not in ACTIVE:
        raise Conflict(tr("the alert is %(status)s already", status=STATUS_WORDS[alert.status]))
    if not _close(alert, status, user, user.id, reason, utcnow()):
        raise Conflict(ALERT_RACE)
    return alert


def _written(text) -> str | None:
    """A reason, opinion or report as typed, trimmed; None when empty or longer than REASON_MAX."""
    text = text.strip() if isinstance(text, str) else ""
    return text if 0 < len(text) <= REASON_MAX else None


def _close(alert: Alert, status: str, actor, actor_id: int | None, reason: str, now: datetime) -> bool:
    try:
        with one_transaction(ALERT_RACE):
            _mark_closed(alert, status, actor, actor_id, reason, now, flush=True)
    except Conflict:
        return False
    return True


def _mark_closed(alert: Alert, status: str, actor, actor_id: int | None, reason: str, now: datetime,
                 flush: bool = False, **traced) -> None:
    """The alert closed (resolved or dismissed) and traced, in the caller's transaction; `flush`
    first when a lost race on the row must fail before the trace (its version check)."""
    alert.status, alert.reason, alert.updated_at = status, reason, now
    alert.handled_by_id, alert.handled_at = actor_id, now
    if flush:
        db.session.flush()
    audit.record(f"alert.{status}", actor=actor, case_id=alert.case_id, task_id=alert.task_id, at=now,
                 data={"alert": alert.id, "code": alert.code, "reason": reason, **traced})


def _require_handler(user: User) -> None:
    require_role(user, HANDLERS[0], tr("handling oversight alerts"), *HANDLERS[1:])


def _handled_alert(user: User, alert_id: int) -> Alert:
    _require_handler(user)
    return get_alert(user, alert_id)


# -- reading --------------------------------------------------------------------------------------
def may_handle(user: User) -> bool:
    """Whether the user acknowledges, resolves and dismisses alerts (the others read them)."""
    return any(user.has_role(role) for role in HANDLERS)


def may_report(user: User, alert: Alert) -> bool:
    """Whether the user reports the rectification of this alert: a head of its case's department."""
    return user.has_role("department_head") and in_scope(user, alert.case.department)


def may_read(user: User) -> bool:
    return any(user.has_role(role) for role in READERS)


def _require_reader(user: User) -> None:
    require_role(user, READERS[0], tr("reading oversight alerts"), *READERS[1:])


def get_alert(user: User, alert_id: int) -> Alert:
    _require_reader(user)
    alert = db.session.get(Alert, alert_id)
    if alert is None or not in_scope(user, alert.case.department):
        raise NotFound(tr("alert %(id)s not found", id=alert_id))
    return alert


def list_alerts(user: User, *, status: str | None = "active", severity: str | None = None, code: str | None = None,
                department_code: str | None = None, after: str | None = None, page: int = 1,
                per_page: int = 50) -> paging.Page:
    """The alerts in the user's scope, newest first; `status`: one of STATUSES, "active" (ACTIVE: not
    yet resolved or dismissed; the default) or None (all)."""
    _require_reader(user)
    errors = {}
    if status not in (None, "active", *STATUSES):
        errors["status"] = [tr("must be one of %(choices)s", choices=", ".join(("active", *STATUSES)))]
    if severity not in (None, *SEVERITIES):
        errors["severity"] = [tr("must be one of %(choices)s", choices=", ".join(SEVERITIES))]
    if code is not None and code not in CATALOGUE:
        errors["code"] = [tr("must be one of %(choices)s", choices=", ".join(CATALOGUE))]
    if errors:
        raise Invalid(errors)
    # each row names its step and, once handled, who did what: read with the page, not row by row
    query = db.select(Alert).where(scope_filter(user, Alert.department_id)).options(
        selectinload(Alert.task), selectinload(Alert.handled_by), selectinload(Alert.requested_by),
        selectinload(Alert.reported_by))
    if status == "active":
        query = query.where(Alert.status.in_(ACTIVE))
    elif status:
        query = query.where(Alert.status == status)
    if severity:
        query = query.where(Alert.severity == severity)
    if code:
        query = query.where(Alert.code == code)
    if department_code:
        query = query.join(OrgUnit, Alert.department_id == OrgUnit.id).where(OrgUnit.code == department_code)
    return paging.fetch_page(query, ALERT_ORDER, after=after, page=page, per_page=per_page)


def case_alerts(case: Case, active_only: bool = True) -> list[Alert]:
    """A case's alerts (for its page: anyone who may see the case sees them), newest first."""
    query = db.select(Alert).where(Alert.case_id == case.id)
    if active_only:
        query = query.where(Alert.status.in_(ACTIVE))
    return list(db.session.execute(query.order_by(Alert.raised_at.desc(), Alert.id.desc())).scalars())


HISTORY_ACTIONS = ("alert.raised", *(f"alert.{status}" for status in STATUSES[1:]))


def history(alert: Alert) -> list[AlertEvent]:
    """The alert's life from its case's trace, oldest first: who raised, acknowledged, asked for or
    reported a rectification, resolved or dismissed it, when, and why (the alert row keeps only its
    last handler)."""
    rows = db.session.execute(
        db.select(TraceEvent, User.full_name).outerjoin(User, TraceEvent.actor_id == User.id)
        .where(TraceEvent.chain == audit.case_chain(alert.case_id), TraceEvent.action.in_(HISTORY_ACTIONS))
        .order_by(TraceEvent.seq)).all()
    out = []
    for event, full_name in rows:
        data = json.loads(event.data_json or "{}")
        if data.get("alert") == alert.id:
            out.append(AlertEvent(event.action.removeprefix("alert."), event.at, event.actor, full_name,
                                  data.get("reason") or data.get("opinion") or data.get("report"), data.get("due_on")))
    return out
