"""执法全过程记录 (full-process record): the append-only, hash-chained trace of every action.

Each event carries the SHA-256 of the previous event of its chain ("case:<id>" or "system") and
its own hash over a canonical JSON of its fields; the chain head (last seq and hash) is kept in
`trace_chain`, so an edited, inserted, reordered or deleted event - the newest included - breaks
`verify()`. Events are appended inside the caller's transaction.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import TraceChain, TraceEvent, User
from ..models.types import utcnow
from .errors import Conflict
from .transactions import one_transaction

GENESIS = "0" * 64
SYSTEM_CHAIN = "system"


def case_chain(case_id: int) -> str:
    return f"case:{case_id}"


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _event_hash(*, chain, seq, case_id, at: datetime, actor_id, actor, action, task_id, bpmn_id,
                data_json, prev) -> str:
    body = canonical_json({
        "chain": chain, "seq": seq, "case_id": case_id, "at": at.isoformat(timespec="microseconds"),
        "actor_id": actor_id, "actor": actor, "action": action, "task_id": task_id,
        "bpmn_id": bpmn_id, "data": data_json, "prev": prev,
    })
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _head(chain: str) -> TraceChain:
    """The chain head, read (and on PostgreSQL row-locked) once per transaction."""
    heads = db.session.info.setdefault("trace_heads", {})
    if chain in heads:
        return heads[chain]
    query = db.select(TraceChain).where(TraceChain.chain == chain)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    with db.session.no_autoflush:
        head = db.session.execute(query).scalar_one_or_none()
    if head is None:
        head = TraceChain(chain=chain, seq=0, head_sha256=GENESIS)
        db.session.add(head)
    heads[chain] = head
    return head


@event.listens_for(Session, "after_transaction_end")
def _forget_heads(session, transaction):
    if transaction.parent is None:  # the outermost transaction ended: heads may be stale now
        session.info.pop("trace_heads", None)


def record(action: str, *, actor: User | str | None, case_id: int | None = None, task_id: int | None = None,
           bpmn_id: str | None = None, data: dict | None = None, at: datetime | None = None) -> TraceEvent:
    """Append one event to the case's chain (or the system chain) in the current transaction.

    `actor` is the user who acted, or a label for a non-user actor ("cli:root", "worker"), or
    None for the engine itself ("system").
    """
    chain = case_chain(case_id) if case_id is not None else SYSTEM_CHAIN
    head = _head(chain)
    at = at or utcnow()
    fields = dict(
        chain=chain, seq=head.seq + 1, case_id=case_id, at=at,
        actor_id=actor.id if isinstance(actor, User) else None,
        actor=actor.username if isinstance(actor, User) else (actor or "system"),
        action=action, task_id=task_id, bpmn_id=bpmn_id, data_json=canonical_json(data or {}),
    )
    digest = _event_hash(**fields, prev=head.head_sha256)
    event = TraceEvent(**fields, prev_sha256=head.head_sha256, sha256=digest)
    db.session.add(event)
    head.seq = event.seq
    head.head_sha256 = digest
    return event


def record_alone(action: str, *, attempts: int = 3, **fields) -> None:
    """Append one event in a transaction of its own (e.g. a refused attempt, after the action's
    own transaction was rolled back). Losing a race for the next sequence number is retried: the
    record of an attempt must not be lost because another request appended first."""
    for attempt in range(attempts):
        try:
            with one_transaction():
                record(action, **fields)
            return
        except Conflict:
            if attempt == attempts - 1:
                raise


def events_for_case(case_id: int) -> list[TraceEvent]:
    return list(db.session.execute(
        db.select(TraceEvent).where(TraceEvent.chain == case_chain(case_id)).order_by(TraceEvent.seq)
    ).scalars())


@dataclass
class ChainProblem:
    chain: str
    seq: int | None
    problem: str

    def __str__(self):
        return f"{self.chain} #{self.seq}: {self.problem}" if self.seq else f"{self.chain}: {self.problem}"


@dataclass
class VerifyReport:
    chains: int
    events: int
    problems: list[ChainProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(chain: str | None = None) -> VerifyReport:
    """Recompute every chain; report each edited, inserted, reordered or missing event.

    One streaming pass over trace_event ordered by (chain, seq): O(events) time, O(1) memory per
    chain, one query however many cases there are.
    """
    head_query = db.select(TraceChain)
    event_query = db.select(TraceEvent).order_by(TraceEvent.chain, TraceEvent.seq)
    if chain is not None:
        head_query = head_query.where(TraceChain.chain == chain)
        event_query = event_query.where(TraceEvent.chain == chain)
    heads = {h.chain: (h.seq, h.head_sha256) for h in db.session.execute(head_query).scalars()}
    problems: list[ChainProblem] = []
    seen: set[str] = set()
    total = 0
    current, prev, expected_seq = None, GENESIS, 1

    def close_chain(name, last_seq, last_hash):
        head = heads.get(name)
        if head is None:
            problems.append(ChainProblem(name, None, "events exist but the chain head is missing"))
        elif head != (last_seq, last_hash):
            problems.append(ChainProblem(
                name, head[0], f"chain head says #{head[0]} but the last event is #{last_seq} "
                "(events deleted or head altered)"))

    rows = db.session.execute(event_query.execution_options(yield_per=1000)).scalars()
    for ev in rows:
        total += 1
        if ev.chain != current:
            if current is not None:
                close_chain(current, expected_seq - 1, prev)
            current, prev, expected_seq = ev.chain, GENESIS, 1
            seen.add(current)
        if ev.seq != expected_seq:
            problems.append(ChainProblem(current, expected_seq, f"event missing (next found is #{ev.seq})"))
        if ev.prev_sha256 != prev:
            problems.append(ChainProblem(current, ev.seq, "previous-hash link broken"))
        digest = _event_hash(
            chain=ev.chain, seq=ev.seq, case_id=ev.case_id, at=ev.at, actor_id=ev.actor_id,
            actor=ev.actor, action=ev.action, task_id=ev.task_id, bpmn_id=ev.bpmn_id,
            data_json=ev.data_json, prev=ev.prev_sha256)
        if digest != ev.sha256:
            problems.append(ChainProblem(current, ev.seq, "content does not match its hash (edited)"))
        prev, expected_seq = ev.sha256, ev.seq + 1
    if current is not None:
        close_chain(current, expected_seq - 1, prev)
    for name, (seq, _) in heads.items():
        if name not in seen and seq > 0:
            problems.append(ChainProblem(name, seq, f"chain head says #{seq} but no events remain (deleted)"))
    return VerifyReport(chains=len(seen | set(heads)), events=total, problems=problems)
