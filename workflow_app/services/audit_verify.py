"""`audit verify`: is the trace intact, and does the rest of the record agree with it?

One streaming pass, O(events) time: trace_event, trace_chain, enforcement_case, case_task,
legal_review and oversight_alert are each read once, in the same chain order, and merged like a sorted merge join, so
memory holds one chain (one case: its events' facts, its task and review rows) at a time, however
many cases there are.
It finds:
- in every chain: an edited, inserted, reordered or missing event; a digest that is not the HMAC
  under a known chain key (re-hashed by someone without the key); an unkeyed event that is not
  one of those written before keying (AUDIT_UNKEYED_UNTIL_ID); a head (trace_chain) that does not match the last event, or a chain whose events
  or head are gone;
- for every case: a case row with no chain, a chain with no case row; case fields (number, title,
  department, party, procedure version, opener, status, milestone times) that differ from what
  case.opened / case.<milestone> / case.migrated / case.ended recorded; task rows whose state,
  completer, completion time or form data differ from their task.completed event, or that no
  task.ready event announced; legal review rows (法制审核) that differ from their legal_review.*
  event; oversight alert rows (预警) that differ from the last of their alert.* events (status,
  handler, reason, opinion, report, times, details), that no alert.raised announced, or that
  are gone though raised;
- against signed checkpoints (the newest stored one, and any exported files given): a chain head
  that was rolled back, rewritten or deleted since the checkpoint was signed.
"""
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import case as sql_case
from sqlalchemy import func, text

from ..extensions import db
from ..models import (
    Alert,
    Case,
    LegalReview,
    OrgUnit,
    Procedure,
    ProcedureVersion,
    Task,
    TraceChain,
    TraceEvent,
)
from ..models.oversight import RAISED_FIELDS
from ..oversight.calendar import end_of_day
from . import audit_keys
from .audit import GENESIS, SYSTEM_CHAIN, canonical_json, case_chain, event_digest
from .step_path import MILESTONE_EFFECTS

MAX_PROBLEMS_KEPT = 1000
# The event names whether the review approved (services/legal_review.py: outcome "approve").
REVIEW_APPROVED = {"legal_review.approved": True, "legal_review.returned": False}
NON_CASE_CHAINS = {SYSTEM_CHAIN}


@dataclass
class ChainProblem:
    chain: str
    seq: int | None
    problem: str

    def __str__(self):
        return f"{self.chain} #{self.seq}: {self.problem}" if self.seq else f"{self.chain}: {self.problem}"


@dataclass
class VerifyReport:
    chains: int = 0
    events: int = 0
    unkeyed_events: int = 0
    cases: int = 0
    checkpoint_points: int = 0
    problem_count: int = 0
    problems: list[ChainProblem] = field(default_factory=list)
    heads: list[tuple[str, int, str, str]] | None = None  # collected for a new checkpoint

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, chain: str, seq: int | None, problem: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(ChainProblem(chain, seq, problem))


# Points a signed checkpoint recorded: chain -> seq -> [(digest, "checkpoint #3 of 2026-…")].
CheckpointPoints = dict[str, dict[int, list[tuple[str, str]]]]


# -- the shared order of the streams ---------------------------------------------------------
def _chain_key(chain: str) -> tuple:
    """Non-case chains first, then case chains in numeric order ("case:9" < "case:10")."""
    chain = str(chain)
    return (1 if chain[:5] == "case:" else 0, len(chain), chain)


def _case_key(case_id: int) -> tuple:
    return _chain_key(case_chain(case_id))


def _chain_order(column) -> tuple:
    """_chain_key in SQL. PostgreSQL compares with the C collation, as Python compares strings."""
    exact = column.collate("C") if db.session.get_bind().dialect.name == "postgresql" else column
    return (sql_case((func.substr(column, 1, 5) == "case:", 1), else_=0), func.length(column), exact)


class _Stream:
    """Rows of one query in _chain_key order, consumed in step with the other streams."""

    _END = object()

    def __init__(self, rows: Iterable, key):
        self._rows, self._key = iter(rows), key
        self._next, self._next_key = self._END, None
        self._advance()

    def _advance(self):
        previous = self._next_key
        self._next = next(self._rows, self._END)
        self._next_key = None if self._next is self._END else self._key(self._next)
        if previous is not None and self._next_key is not None and self._next_key < previous:
            raise RuntimeError(f"audit verify: rows out of order ({previous} after {self._next_key})")

    @property
    def next_key(self):
        return self._next_key

    def take(self, key) -> Iterator:
        while self._next_key == key:
            row = self._next
            self._advance()
            yield row


def _snapshot() -> None:
    """Read every table as of one moment, so a concurrent append is not taken for tampering."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    else:
        db.session.execute(text("BEGIN"))  # pysqlite starts no transaction for reads on its own


# -- the pass --------------------------------------------------------------------------------------
def verify(case_id: int | None = None, checkpoint_points: CheckpointPoints | None = None,
           collect_heads: bool = False) -> VerifyReport:
    """Check every chain (or one case's) and the case and task rows against it.

    Reads in a transaction of its own (the session's current one is rolled back first), so that
    every table is seen as of one moment.
    """
    report = VerifyReport(heads=[] if collect_heads else None)
    points = {chain: dict(seqs) for chain, seqs in (checkpoint_points or {}).items()
              if case_id is None or chain == case_chain(case_id)}  # a copy: consumed as it is checked
    report.checkpoint_points = sum(len(seqs) for seqs in points.values())
    keys = audit_keys.chain_keys()
    db.session.rollback()
    _snapshot()
    try:
        unkeyed_until = current_app.config.get("AUDIT_UNKEYED_UNTIL_ID") or 0
        streams = _streams(case_id)
        events, heads, cases, tasks, reviews, alert_rows = streams
        while True:
            pending = [s.next_key for s in streams if s.next_key is not None]
            if not pending:
                break
            key = min(pending)
            chain = key[2]
            report.chains += 1
            head = next(heads.take(key), None)
            case_row = next(cases.take(key), None)
            task_rows = list(tasks.take(key))
            review_rows = list(reviews.take(key))
            alerts = list(alert_rows.take(key))
            replay = _CaseTrace() if key[0] == 1 else None
            last = _check_chain(chain, events.take(key), head, keys, unkeyed_until, points.pop(chain, {}),
                                report, replay)
            if report.heads is not None and last is not None:
                report.heads.append(last)
            if key[0] == 1:
                _check_case(chain, case_row, task_rows, review_rows, alerts, replay, report,
                            has_chain=last is not None or head is not None)
            elif chain not in NON_CASE_CHAINS:
                report.add(chain, None, "a chain that belongs to no case and is not the system chain")
        for chain, seqs in points.items():
            for seq, claims in sorted(seqs.items()):
                for _digest, where in claims:
                    report.add(chain, seq, f"recorded in {where} but the chain no longer exists (deleted)")
    finally:
        db.session.rollback()
    return report


def _streams(case_id: int | None) -> list[_Stream]:
    def chain_rows(query, column, *then):
        if case_id is not None:
            query = query.where(column == case_chain(case_id))
        return db.session.execute(query.order_by(*_chain_order(column), *then).execution_options(yield_per=500))

    def case_rows(query, column):
        if case_id is not None:
            query = query.where(column == case_id)
        return db.session.execute(query.execution_options(yield_per=500))

    event_cols = [TraceEvent.id, TraceEvent.chain, TraceEvent.seq, TraceEvent.case_id, TraceEvent.at,
                  TraceEvent.actor_id, TraceEvent.actor, TraceEvent.action, TraceEvent.task_id,
                  TraceEvent.bpmn_id, TraceEvent.data_json, TraceEvent.prev_sha256, TraceEvent.sha256,
                  TraceEvent.key_id]
    events = chain_rows(db.select(*event_cols), TraceEvent.chain, TraceEvent.seq)
    heads = chain_rows(db.select(TraceChain.chain, TraceChain.seq, TraceChain.head_sha256), TraceChain.chain)
    cases = case_rows(
        db.select(Case.id, Case.number, Case.title, Case.party_name, Case.party_kind, Case.status, Case.department_id,
                  Case.created_by_id, Case.created_at, Case.filed_at, Case.decided_at, Case.served_at,
                  Case.closed_at, OrgUnit.code.label("department"), ProcedureVersion.version,
                  ProcedureVersion.sha256.label("version_sha256"), Procedure.process_id)
        .join(OrgUnit, Case.department_id == OrgUnit.id)
        .join(ProcedureVersion, Case.procedure_version_id == ProcedureVersion.id)
        .join(Procedure, ProcedureVersion.procedure_id == Procedure.id)
        .order_by(Case.id), Case.id)
    tasks = case_rows(
        db.select(Task.id, Task.case_id, Task.bpmn_id, Task.name, Task.state, Task.ready_at, Task.completed_by_id,
                  Task.completed_at, Task.data).order_by(Task.case_id, Task.id), Task.case_id)
    reviews = case_rows(
        db.select(LegalReview.id, LegalReview.case_id, LegalReview.task_id, LegalReview.reviewer_id,
                  LegalReview.outcome, LegalReview.findings, LegalReview.opinions, LegalReview.created_at)
        .order_by(LegalReview.case_id, LegalReview.id), LegalReview.case_id)
    alerts = case_rows(
        db.select(Alert.id, Alert.case_id, *(getattr(Alert, name) for name in ALERT_FIELDS))
        .order_by(Alert.case_id, Alert.id), Alert.case_id)
    return [_Stream(events, lambda r: _chain_key(r.chain)), _Stream(heads, lambda r: _chain_key(r.chain)),
            _Stream(cases, lambda r: _case_key(r.id)), _Stream(tasks, lambda r: _case_key(r.case_id)),
            _Stream(reviews, lambda r: _case_key(r.case_id)), _Stream(alerts, lambda r: _case_key(r.case_id))]


def _check_chain(chain, events, head, keys: audit_keys.ChainKeys, unkeyed_until: int, points: dict,
                 report: VerifyReport, replay) -> tuple | None:
    """Recompute one chain's links and digests; returns its last (chain, seq, digest, at) or None."""
    prev, expected, keyed_seen, last_event = GENESIS, 1, False, None
    for ev in events:
        (event_id, ev_chain, seq, case_id, at, actor_id, actor, action, task_id, bpmn_id, data_json,
         prev_digest, digest_stored, key_id) = ev
        report.events += 1
        if seq != expected:
            report.add(chain, expected, f"event missing (next found is #{seq})")
        if prev_digest != prev:
            report.add(chain, seq, "previous-digest link broken")
        if (ev_chain[:5] == "case:") != (case_id is not None) or (
                case_id is not None and ev_chain != case_chain(case_id)):
            report.add(chain, seq, f"the event names case {case_id}, not this chain's case")
        fields = dict(chain=ev_chain, seq=seq, case_id=case_id, at=at, actor_id=actor_id, actor=actor,
                      action=action, task_id=task_id, bpmn_id=bpmn_id, data_json=data_json, prev=prev_digest)
        if key_id is None:
            report.unkeyed_events += 1
            if keyed_seen or event_id > unkeyed_until:
                report.add(chain, seq, "not keyed, though written after the chain was keyed (rewritten and "
                                       f"re-hashed without the key?; AUDIT_UNKEYED_UNTIL_ID is {unkeyed_until})")
            digest = event_digest(None, key_id=None, **fields)
        elif key_id in keys.by_id:
            keyed_seen = True
            digest = event_digest(keys.by_id[key_id], key_id=key_id, **fields)
        else:
            keyed_seen = True
            digest = None
            report.add(chain, seq, f"keyed with unknown key {key_id!r} (a retired key missing from "
                                   "AUDIT_HMAC_RETIRED_KEYS, or a forged event)")
        if digest is not None and digest != digest_stored:
            report.add(chain, seq, "content does not match its digest (edited, or re-hashed without the key)")
        if points:
            for claimed, where in points.pop(seq, ()):
                if claimed != digest_stored:
                    report.add(chain, seq, f"changed since {where} (its digest then was {claimed[:16]}…)")
        if replay is not None:
            replay.feed(ev)
        prev, expected, last_event = digest_stored, seq + 1, ev
    last_seq = expected - 1
    if head is None and last_event is not None:
        report.add(chain, None, "events exist but the chain head is missing")
    elif head is not None and (head.seq, head.head_sha256) != (last_seq, prev):
        if last_event is None:
            report.add(chain, head.seq, f"chain head says #{head.seq} but no events remain (deleted)")
        else:
            report.add(chain, head.seq, f"chain head says #{head.seq} but the last event is #{last_seq} "
                                        "(events deleted or head altered)")
    for seq, claims in sorted(points.items()):
        for _claimed, where in claims:
            report.add(chain, seq, f"recorded in {where} but the chain now ends at #{last_seq} "
                                   "(rolled back: events deleted since)")
    if last_event is None:
        return None
    return (chain, last_event.seq, last_event.sha256, last_event.at.isoformat(timespec="microseconds"))


# -- the case and its tasks against the trace -----------------------------------------------------
class _CaseTrace:
    """What one case's events say its row and task rows must hold (one case's worth of memory)."""

    def __init__(self):
        self.opened = None
        self.procedure: tuple | None = None  # (process_id, version number, sha256 or None)
        self.status = None
        self.times: dict[str, datetime | None] = {f: None for f, _ in MILESTONE_EFFECTS.values()}
        self.ready: dict[int, tuple] = {}
        self.completed: dict[int, tuple] = {}
        self.cancelled: dict[int, datetime] = {}
        self.reviews: dict[int, tuple] = {}
        self.alerts: dict[int, dict] = {}  # alert id -> the row its events say it must be
        self.alert_problems: list[str] = []

    def feed(self, ev) -> None:
        action = ev.action
        if action[:6] == "alert.":
            self._feed_alert(ev)
        elif action == "case.opened":
            self.opened = (ev, _data(ev))
            data = self.opened[1]
            self.procedure = (data.get("procedure"), data.get("version"), None)
            self.status = "intake"
        elif action == "case.migrated" and self.procedure:
            data = _data(ev)
            self.procedure = (self.procedure[0], data.get("to_version"), data.get("to_sha256"))
        elif action.startswith("case.") and action[5:] in MILESTONE_EFFECTS:
            time_field, _ = MILESTONE_EFFECTS[action[5:]]
            self.status = _data(ev).get("status")
            self.times[time_field] = ev.at
        elif action == "case.ended":
            data = _data(ev)
            self.status = data.get("status")
            self.times["closed_at"] = _parse_time(data.get("closed_at"))
        elif action == "task.ready" and ev.task_id is not None:
            self.ready[ev.task_id] = (ev.bpmn_id, ev.at)
        elif action == "task.completed" and ev.task_id is not None:
            self.completed[ev.task_id] = (ev.actor_id, ev.at, canonical_json(_data(ev).get("form")))
        elif action == "task.cancelled" and ev.task_id is not None:
            self.cancelled[ev.task_id] = ev.at
        elif action in REVIEW_APPROVED and ev.task_id is not None:
            data = _data(ev)
            self.reviews[ev.task_id] = (REVIEW_APPROVED[action], ev.actor_id, ev.at,
                                        canonical_json(data.get("findings")), data.get("opinions"))


    def _feed_alert(self, ev) -> None:
        """An oversight alert's life (services/alerts.py), each step what it writes to the row."""
        data = _data(ev)
        alert_id, step = data.get("alert"), ev.action[6:]
        if not isinstance(alert_id, int) or step not in ALERT_STEPS:
            return
        if step == "raised":
            if alert_id in self.alerts:
                self.alert_problems.append(f"alert {alert_id} raised twice in the trace")
            self.alerts[alert_id] = {
                **ALERT_NOT_HANDLED, "code": data.get("code"), "severity": data.get("severity"),
                "task_id": ev.task_id, "raised_at": ev.at, "raised_by": ev.actor, "status": "open",
                "details": canonical_json({k: v for k, v in data.items() if k not in RAISED_FIELDS})}
            return
        alert = self.alerts.get(alert_id)
        if alert is None:
            self.alert_problems.append(f"alert {alert_id}: {ev.action} in the trace, but it was never raised")
            return
        alert["status"] = step
        if step == "rectification_requested":
            alert.update(opinion=data.get("opinion"), rectification_due_at=_end_of_day(data.get("due_on")),
                         requested_by_id=ev.actor_id, requested_at=ev.at, report=None, reported_by_id=None,
                         reported_at=None)
        elif step == "rectification_reported":
            alert.update(report=data.get("report"), reported_by_id=ev.actor_id, reported_at=ev.at)
        else:  # acknowledged, resolved, dismissed: by whom and when; why, when closed
            alert.update(handled_by_id=ev.actor_id, handled_at=ev.at)
            if step != "acknowledged":
                alert["reason"] = data.get("reason")


# The steps of an alert's life as trace actions (alert.<step>) and the columns its events decide:
# everything but its department (the case's), updated_at and its version counter.
ALERT_STEPS = ("raised", "acknowledged", "rectification_requested", "rectification_reported", "resolved",
               "dismissed")
ALERT_NOT_HANDLED = {"handled_by_id": None, "handled_at": None, "reason": None, "opinion": None,
                     "rectification_due_at": None, "requested_by_id": None, "requested_at": None, "report": None,
                     "reported_by_id": None, "reported_at": None}
ALERT_FIELDS = ("department_id", "code", "severity", "task_id", "raised_at", "raised_by", "status", "details",
                *ALERT_NOT_HANDLED)


def _end_of_day(day) -> datetime | None:
    try:
        return end_of_day(date.fromisoformat(day))
    except (TypeError, ValueError):
        return None


def _data(ev) -> dict:
    try:
        data = json.loads(ev.data_json)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _parse_time(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _check_case(chain: str, row, tasks: list, reviews: list, alerts: list, trace: _CaseTrace,
                report: VerifyReport, has_chain) -> None:
    if row is None:
        if tasks or reviews or alerts:
            report.add(chain, None, f"{len(tasks) + len(reviews) + len(alerts)} task, legal review or alert "
                                    "row(s) belong to a case that does not exist")
        if has_chain:
            report.add(chain, None, "the chain belongs to no case (the case row is gone)")
        return
    report.cases += 1
    if not has_chain:
        report.add(chain, None, f"case {row.number} has no trace chain (its events and head are gone)")
        return
    if trace.opened is None:
        report.add(chain, None, f"case {row.number}: no case.opened event; its row cannot be checked")
        return
    opened, data = trace.opened
    party = data.get("party") or {}
    expected = {
        "number": data.get("number"), "title": data.get("title"), "department": data.get("department"),
        "party_name": party.get("name"), "party_kind": party.get("kind"), "created_by_id": opened.actor_id,
        "created_at": opened.at, "status": trace.status, **trace.times,
    }
    for name, value in expected.items():
        if getattr(row, name) != value:
            report.add(chain, None, f"case {name} is {_show(getattr(row, name))} but the trace recorded "
                                    f"{_show(value)} (case row edited)")
    process_id, version, sha256 = trace.procedure
    if (row.process_id, row.version) != (process_id, version) or (sha256 and row.version_sha256 != sha256):
        report.add(chain, None, f"case procedure is {row.process_id} v{row.version} but the trace recorded "
                                f"{process_id} v{version} (case row edited)")
    _check_tasks(chain, tasks, trace, report)
    _check_reviews(chain, reviews, trace, report)
    _check_alerts(chain, row, alerts, trace, report)


def _check_tasks(chain: str, tasks: list, trace: _CaseTrace, report: VerifyReport) -> None:
    for task in tasks:
        where = f"task {task.id} ({task.bpmn_id})"
        announced = trace.ready.get(task.id)
        if announced is None or announced[0] != task.bpmn_id:
            report.add(chain, None, f"{where} was never announced by a task.ready event (row inserted or edited)")
        elif task.ready_at != announced[1]:
            report.add(chain, None, f"{where} ready_at is {_show(task.ready_at)} but the trace recorded "
                                    f"{_show(announced[1])}")
        done = trace.completed.pop(task.id, None)
        if done is None:
            cancelled_at = trace.cancelled.get(task.id)
            state = "ready" if cancelled_at is None else "cancelled"
            if task.state != state:
                report.add(chain, None, f"{where} is {task.state} but the trace recorded it {state}")
            elif task.completed_at != cancelled_at:
                report.add(chain, None, f"{where} ended at {_show(task.completed_at)} but the trace recorded "
                                        f"{_show(cancelled_at)}")
            continue
        actor_id, at, form = done
        if task.state != "completed":
            report.add(chain, None, f"{where} is {task.state} but the trace recorded it completed")
        if task.completed_by_id != actor_id:
            report.add(chain, None, f"{where} completed_by is user {task.completed_by_id} but the trace "
                                    f"recorded user {actor_id}")
        if task.completed_at != at:
            report.add(chain, None, f"{where} completed_at is {_show(task.completed_at)} but the trace "
                                    f"recorded {_show(at)}")
        if canonical_json(task.data) != form:
            report.add(chain, None, f"{where} form data differ from what its task.completed event recorded "
                                    "(task data edited)")
    for task_id in trace.completed:
        report.add(chain, None, f"task {task_id} was completed in the trace but its task row is gone")


def _check_reviews(chain: str, reviews: list, trace: _CaseTrace, report: VerifyReport) -> None:
    """法制审核 records against their legal_review.approved / legal_review.returned events."""
    for review in reviews:
        where = f"legal review {review.id} (task {review.task_id})"
        recorded = trace.reviews.pop(review.task_id, None)
        if recorded is None:
            report.add(chain, None, f"{where} has no legal_review event (row inserted)")
            continue
        row = (review.outcome == "approve", review.reviewer_id, review.created_at, canonical_json(review.findings),
               review.opinions)
        for name, value, expected in zip(("approval", "reviewer", "time", "findings", "opinions"), row, recorded,
                                         strict=True):
            if value != expected:
                report.add(chain, None, f"{where} {name} differs from what its legal_review event recorded "
                                        "(legal review row edited)")
    for task_id in trace.reviews:
        report.add(chain, None, f"the legal review of task {task_id} is in the trace but its row is gone")


def _check_alerts(chain: str, case_row, alerts: list, trace: _CaseTrace, report: VerifyReport) -> None:
    """Oversight alerts (预警) against their alert.* events: a row edited (its status, handler,
    reason, opinion, report, dates …), a row inserted, a row deleted, a status changed with no
    event (an alert silently dismissed)."""
    for problem in trace.alert_problems:
        report.add(chain, None, problem)
    for alert in alerts:
        where = f"alert {alert.id} ({alert.code})"
        expected = trace.alerts.pop(alert.id, None)
        if expected is None:
            report.add(chain, None, f"{where} has no alert.raised event (row inserted)")
            continue
        if alert.status != expected["status"]:
            report.add(chain, None, f"{where} is {alert.status} but the trace recorded it {expected['status']} "
                                    "(status changed without a traced event)")
        if alert.department_id != case_row.department_id:
            report.add(chain, None, f"{where} department is {alert.department_id}, not its case's "
                                    f"{case_row.department_id} (alert row edited)")
        for name in ALERT_FIELDS[1:]:
            value = canonical_json(alert.details) if name == "details" else getattr(alert, name)
            if name != "status" and value != expected[name]:
                report.add(chain, None, f"{where} {name} is {_show(value)} but the trace recorded "
                                        f"{_show(expected[name])} (alert row edited)")
    for alert_id, expected in trace.alerts.items():
        report.add(chain, None, f"alert {alert_id} ({expected['code']}) was raised in the trace but its row is "
                                "gone (deleted)")


def _show(value) -> str:
    return value.isoformat() if isinstance(value, datetime) else repr(value)
