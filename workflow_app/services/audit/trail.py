"""执法全过程记录 (full-process record): the append-only, keyed hash chain of every action.

Each event carries the digest of the previous event of its chain ("case:<id>" or "system") and
its own digest over a canonical JSON of its fields: HMAC-SHA256 under the chain key, which lives
outside the database (audit_keys.py), so whoever can write to the database cannot re-hash what
they rewrote. The chain head (last seq and digest) is kept in `trace_chain`, so an edited,
inserted, reordered or deleted event - the newest included - breaks verification
(audit_verify.py); signed checkpoints of all heads (audit_checkpoints.py), exported and kept by
auditors, also expose a rollback made consistently by someone holding the keys. Events are
appended inside the caller's transaction.
"""
import hashlib
import hmac
import json
import re
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.orm import Session

from ...extensions import db
from ...models import TraceChain, TraceEvent, User
from ...models.types import utcnow
from ..errors import Conflict
from ..transactions import one_transaction
from . import keys as audit_keys

GENESIS = "0" * 64
SYSTEM_CHAIN = "system"


def case_chain(case_id: int) -> str:
    return f"case:{case_id}"


PROCEDURE_CHAIN = re.compile(r"procedure:[a-z][a-z0-9_]{0,63}")


def procedure_chain(process_id: str) -> str:
    """The chain of a procedure's own history: its drafts saved, asked to be published, approved
    or returned (services/procedures/drafts.py)."""
    return f"procedure:{process_id}"


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
_string = json.encoder.encode_basestring  # how _CANONICAL writes a string (ensure_ascii=False)


def canonical_json(value) -> str:
    return _CANONICAL.encode(value)


# _CANONICAL's own C encoder, made once (JSONEncoder.encode makes one for every call), without the
# guard against a value that contains itself: only for values read from JSON text, which cannot.
_ENCODE_READ = json.encoder.c_make_encoder and json.encoder.c_make_encoder(
    None, _CANONICAL.default, json.encoder.encode_basestring, None, _CANONICAL.key_separator,
    _CANONICAL.item_separator, _CANONICAL.sort_keys, _CANONICAL.skipkeys, _CANONICAL.allow_nan)


def canonical_json_of_read(value) -> str:
    """canonical_json(value), for a value read from JSON text (`audit verify` writes every task
    row's form and every alert's details so; a test holds the two together)."""
    if _ENCODE_READ is None:  # a Python without the json module's C part
        return canonical_json(value)
    return "".join(_ENCODE_READ(value, 0))


def event_body(key_id: str | None, chain, seq, case_id, at: datetime, actor_id, actor, action, task_id, bpmn_id,
               data_json, prev) -> bytes:
    """What an event's digest is taken over: canonical_json of its fields (with the key id when
    keyed), written out here key by key in their sorted order when the fields have the types the
    columns hold, which is several times faster (`audit verify` computes this for every event of
    the trail); canonical_json itself otherwise. A test holds the two together."""
    if type(at) is not str:  # `audit verify` may hand the time already written so
        at = at.isoformat(timespec="microseconds")  # digits, "-", "T", ":", "." and "+": nothing to escape
    if (type(action) is str and type(actor) is str and type(chain) is str and type(data_json) is str
            and type(prev) is str and type(seq) is int and (bpmn_id is None or type(bpmn_id) is str)
            and (case_id is None or type(case_id) is int) and (actor_id is None or type(actor_id) is int)
            and (task_id is None or type(task_id) is int) and (key_id is None or type(key_id) is str)):
        key = "" if key_id is None else f'"key":{_string(key_id)},'
        return (f'{{"action":{_string(action)},"actor":{_string(actor)},'
                f'"actor_id":{"null" if actor_id is None else actor_id},"at":"{at}",'
                f'"bpmn_id":{"null" if bpmn_id is None else _string(bpmn_id)},'
                f'"case_id":{"null" if case_id is None else case_id},"chain":{_string(chain)},'
                f'"data":{_string(data_json)},{key}"prev":{_string(prev)},"seq":{seq},'
                f'"task_id":{"null" if task_id is None else task_id}}}').encode()
    fields = {"chain": chain, "seq": seq, "case_id": case_id, "at": at, "actor_id": actor_id, "actor": actor,
              "action": action, "task_id": task_id, "bpmn_id": bpmn_id, "data": data_json, "prev": prev}
    if key_id is not None:
        fields["key"] = key_id
    return canonical_json(fields).encode()


def event_digest(key: bytes | None, *, key_id: str | None, chain, seq, case_id, at: datetime, actor_id, actor,
                 action, task_id, bpmn_id, data_json, prev) -> str:
    """HMAC-SHA256 under `key` (whose id is part of what is signed); plain SHA-256 for the events
    written before the chain was keyed (key and key_id None)."""
    body = event_body(key_id if key is not None else None, chain, seq, case_id, at, actor_id, actor, action,
                      task_id, bpmn_id, data_json, prev)
    if key is None:
        return hashlib.sha256(body).hexdigest()
    return hmac.digest(key, body, "sha256").hex()


_IPAD = bytes(byte ^ 0x36 for byte in range(256))
_OPAD = bytes(byte ^ 0x5C for byte in range(256))


def hmac_states(key: bytes) -> tuple:
    """HMAC-SHA256 under `key` (RFC 2104) as its two keyed SHA-256 states, (inner, outer): the
    HMAC of a message is the digest of a copy of outer fed the digest of a copy of inner fed the
    message. `audit verify` takes every event's digest so, keyed once: copying two states costs
    half of hmac.digest, which keys OpenSSL's HMAC anew for each message. A test holds the two
    together (event_digest)."""
    if len(key) > _SHA256_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_SHA256_BLOCK, b"\0")
    return hashlib.sha256(key.translate(_IPAD)), hashlib.sha256(key.translate(_OPAD))


_SHA256_BLOCK = 64


class _Head:
    """A chain's head as this transaction moves it: its last sequence number and digest, and
    whether its row exists yet (`stored`). A plain value written by a statement of its own, not an
    ORM object: the step's last flush then has nothing to do but write it and the events."""

    __slots__ = ("chain", "seq", "head_sha256", "stored", "moved")

    def __init__(self, chain: str, seq: int, head_sha256: str, stored: bool):
        self.chain, self.seq, self.head_sha256, self.stored, self.moved = chain, seq, head_sha256, stored, False


_TRACE_CHAIN = TraceChain.__table__
_READ_HEAD = db.select(_TRACE_CHAIN.c.seq, _TRACE_CHAIN.c.head_sha256).where(
    _TRACE_CHAIN.c.chain == db.bindparam("chain"))
_READ_HEAD_LOCKED = _READ_HEAD.with_for_update()
_INSERT_HEAD = _TRACE_CHAIN.insert()
_UPDATE_HEAD = _TRACE_CHAIN.update().where(_TRACE_CHAIN.c.chain == db.bindparam("b_chain")).values(
    seq=db.bindparam("seq"), head_sha256=db.bindparam("head_sha256"))
_INSERT_EVENTS = TraceEvent.__table__.insert()


def _head(chain: str) -> _Head:
    """The chain head, read (and on PostgreSQL row-locked) once per transaction."""
    session = db.session()
    heads = session.info.setdefault("trace_heads", {})
    if chain in heads:
        return heads[chain]
    locked = session.get_bind().dialect.name == "postgresql"
    with session.no_autoflush:
        row = session.execute(_READ_HEAD_LOCKED if locked else _READ_HEAD, {"chain": chain}).first()
    head = _Head(chain, 0, GENESIS, False) if row is None else _Head(chain, row[0], row[1], True)
    heads[chain] = head
    return head


@event.listens_for(Session, "after_transaction_end")
def _forget_heads(session, transaction):
    if transaction.parent is None:  # the outermost transaction ended: heads may be stale now
        session.info.pop("trace_heads", None)
        session.info.pop("trace_rows", None)  # written, or rolled back with the transaction


@event.listens_for(Session, "after_flush")
def _write_events(session, flush_context):
    """The events recorded since the last flush, in one INSERT after the flush's own rows (their
    cases and tasks), with the chain heads they moved: rows, not objects (no one reads an event
    or a head back as an object in the transaction that wrote it, and building and flushing
    objects was a fifth of a step's CPU)."""
    rows = session.info.pop("trace_rows", None)
    if not rows:
        return
    connection = session.connection()
    for head in session.info.get("trace_heads", {}).values():
        if head.moved:
            values = {"seq": head.seq, "head_sha256": head.head_sha256}
            if head.stored:
                connection.execute(_UPDATE_HEAD, {"b_chain": head.chain, **values})
            else:
                connection.execute(_INSERT_HEAD, {"chain": head.chain, **values})
                head.stored = True
            head.moved = False
    connection.execute(_INSERT_EVENTS, rows)


@event.listens_for(Session, "before_commit")
def _write_events_before_commit(session):
    """Events recorded after the session's last flush: a flush with no object to write does not
    run (nor its after_flush), so they are written here, after whatever objects the session still
    holds (the rows they name)."""
    if session.info.get("trace_rows"):
        session.flush()
        _write_events(session, None)


def record(action: str, *, actor: User | str | None, case_id: int | None = None, task_id: int | None = None,
           bpmn_id: str | None = None, data: dict | None = None, at: datetime | None = None,
           chain: str | None = None) -> None:
    """Append one event to the case's chain (or the system chain, or `chain`: a procedure's,
    procedure_chain) in the current transaction.

    `actor` is the user who acted, or a label for a non-user actor ("cli:root", "worker"), or
    None for the engine itself ("system"). The event is written at the next flush, with the
    chain head it moves (_write_events).
    """
    if chain is None:
        chain = case_chain(case_id) if case_id is not None else SYSTEM_CHAIN
    elif case_id is not None or not PROCEDURE_CHAIN.fullmatch(chain):
        raise ValueError(f"an event of case {case_id} on chain {chain!r}")
    head = _head(chain)
    at = at or utcnow()
    fields = dict(
        chain=chain, seq=head.seq + 1, case_id=case_id, at=at,
        actor_id=actor.id if isinstance(actor, User) else None,
        actor=actor.username if isinstance(actor, User) else (actor or "system"),
        action=action, task_id=task_id, bpmn_id=bpmn_id, data_json=canonical_json(data or {}),
    )
    keys = audit_keys.chain_keys()
    digest = event_digest(keys.current, key_id=keys.current_id, **fields, prev=head.head_sha256)
    db.session.info.setdefault("trace_rows", []).append(
        {**fields, "prev_sha256": head.head_sha256, "sha256": digest, "key_id": keys.current_id})
    head.seq = fields["seq"]
    head.head_sha256 = digest
    head.moved = True


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

