"""`audit verify`: is the trace intact, and does the rest of the record agree with it?

One pass, O(events) time, in groups of chains: a plan (the chains and their event counts, from
the index on trace_event) cuts the chain order into groups of about GROUP_EVENTS events; each
group's trace_event and trace_chain rows are read by chain name and its enforcement_case,
case_task, legal_review, oversight_alert and case_attachment rows by a range of case ids (a file's
digest computed by the database, not its bytes), each through an index,
so memory holds one group whatever the size of the trail, and no table is sorted whole. Groups
are checked in this process alone or in it and worker processes beside it (one process per core
on a large trail), each with a connection of its own reading the same snapshot; the report is
the same either way, in the chain order.
It finds:
- in every chain: an edited, inserted, reordered or missing event; a digest that is not the HMAC
  under a known chain key (re-hashed by someone without the key); an unkeyed event that is not
  one of those written before keying (AUDIT_UNKEYED_UNTIL_ID); a head (trace_chain) that does
  not match the last event, or a chain whose events or head are gone;
- for every case: a case row with no chain, a chain with no case row; case fields (number, title,
  department, party (its register row too), procedure version, opener, status, closing time) that differ from what
  case.opened / case.party_identified / case.milestone / case.migrated / case.ended recorded; milestone rows that differ
  from their case.milestone event, that none recorded, or that are gone; task rows whose state,
  completer, completion time or form data differ from their task.completed event, or that no
  task.ready event announced; legal review rows (法制审核) that differ from their legal_review.*
  event; oversight alert rows (预警) that differ from the last of their alert.* events (status,
  handler, reason, opinion, report, times, details), that no alert.raised announced, or that
  are gone though raised; files kept with the case (case_attachment: drawn signatures) that differ
  from their attachment.stored event, that none recorded, whose bytes no longer hash to their
  SHA-256, or that are gone though stored;
- against signed checkpoints (the newest stored one, and any exported files given): a chain head
  that was rolled back, rewritten or deleted since the checkpoint was signed.
"""
import gc
import hashlib
import json
import multiprocessing as mp
import operator
import os
import threading
from collections import namedtuple
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache, partial
from itertools import groupby

from flask import current_app
from psycopg.rows import namedtuple_row, tuple_row
from sqlalchemy import String, Text, bindparam, case, cast, create_engine, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.pool import NullPool

from ...engine.specs import LEGACY_MILESTONES
from ...extensions import db
from ...models import (
    Alert,
    Case,
    CaseAttachment,
    CaseMilestone,
    Evidence,
    EvidenceWithdrawal,
    LegalReview,
    OrgUnit,
    Procedure,
    ProcedureVersion,
    Task,
    TraceChain,
    TraceEvent,
)
from ...models.oversight import RAISED_FIELDS
from ...oversight.calendar import end_of_day
from ..evidence import store as evidence_store
from . import keys as audit_keys
from .trail import (
    GENESIS,
    PROCEDURE_CHAIN,
    SYSTEM_CHAIN,
    canonical_json_of_read,
    case_chain,
    event_body,
    hmac_states,
)

_string = json.encoder.encode_basestring  # a string's JSON text, as canonical_json writes it (audit._string)


def _utf8_json(value: str) -> str:
    """The JSON text of a string as the latin-1 image of its UTF-8 bytes (_check_chain's bodies)."""
    return _string(value).encode().decode("latin-1")

MAX_PROBLEMS_KEPT = 1000
# The event names whether the review approved (services/cases/legal_review.py: outcome "approve").
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
    # evidence files to re-hash on disk once the chains are checked: (chain, item id, sha256, size)
    kept_files: list[tuple[str, int, str, int]] = field(default_factory=list)
    # whether those files were re-hashed (False: found and measured only, verify(rehash_files=False))
    files_rehashed: bool = True

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, chain: str, seq: int | None, problem: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(ChainProblem(chain, seq, problem))


# Points a signed checkpoint recorded: chain -> seq -> [(digest, "checkpoint #3 of 2026-…")].
CheckpointPoints = dict[str, dict[int, list[tuple[str, str]]]]


# -- the order of the chains, and their groups -------------------------------------------------------
def _chain_key(chain: str) -> tuple:
    """Non-case chains first, then case chains in numeric order ("case:9" < "case:10")."""
    chain = str(chain)
    return (1 if chain[:5] == "case:" else 0, len(chain), chain)


def _case_key(case_id: int) -> tuple:
    return _chain_key(case_chain(case_id))


def _case_id_of(chain: str) -> int | None:
    """The case id a chain is named for ("case:42" -> 42), or None (the system chain, or a name no
    case would have: "case:042", "case:x")."""
    digits = chain[5:]
    if chain[:5] == "case:" and digits.isdigit() and digits.isascii() and str(int(digits)) == digits:
        return int(digits)
    return None


@dataclass
class _Group:
    """A stretch of the chain order: the case ids from `low` (None: from the start, with every
    chain not named for a case) to `high` (exclusive; None: to the end), and the chains in it."""

    low: int | None
    high: int | None
    chains: list[str]
    points: CheckpointPoints


@dataclass
class _GroupResult:
    report: VerifyReport
    unchecked_points: list[str]  # chains of the group's checkpoint points that no longer exist


@dataclass(frozen=True)
class _Settings:
    """What a pass needs besides the database (sent to each worker process)."""

    keys: audit_keys.ChainKeys
    unkeyed_until: int
    collect_heads: bool
    typed_rows: bool = False  # PostgreSQL's rows: each value of its column's type (_check_chain)


def _snapshot(connection):
    """`connection` in a transaction that reads every table as of one moment, so that a concurrent
    append is not taken for tampering. No statement may have run on it yet."""
    if connection.dialect.name == "postgresql":
        return connection.execution_options(isolation_level="REPEATABLE READ")
    connection.exec_driver_sql("BEGIN")  # pysqlite starts no transaction for reads on its own
    return connection


def _read_settings(connection) -> None:
    """PostgreSQL, for this transaction: times in UTC; a group's rows through the indexes (the
    planner takes a scan of the whole trail for a thousand chain names), and no parallel query
    (the pass runs its own worker processes). SQLite: a function hashing a file's bytes where
    they are read (PostgreSQL has sha256()), so a group's files never sit in memory together."""
    if connection.dialect.name == "postgresql":  # SET LOCAL, the three in one statement
        connection.exec_driver_sql("SELECT set_config('TimeZone', 'UTC', true), set_config('enable_seqscan', 'off', true), "
                                   "set_config('max_parallel_workers_per_gather', '0', true)")
    else:
        connection.connection.driver_connection.create_function(
            _SQLITE_SHA256, 1, lambda content: None if content is None else hashlib.sha256(content).hexdigest(),
            deterministic=True)


_SQLITE_SHA256 = "zhifaflow_sha256"


def _digest_of(column, dialect: str):
    """The SQL for the hex SHA-256 of a binary column, computed by the database."""
    if dialect == "postgresql":
        return func.encode(func.sha256(column), "hex")
    return getattr(func, _SQLITE_SHA256)(column)


# -- the pass --------------------------------------------------------------------------------------
def verify(case_id: int | None = None, checkpoint_points: CheckpointPoints | None = None,
           collect_heads: bool = False, workers: int | None = None, rehash_files: bool = True) -> VerifyReport:
    """Check every chain (or one case's) and the case, task, legal review, alert and file rows against it.

    Reads in a transaction of its own, on a connection of its own (the session and what it holds,
    the user and the case a page loaded, are left as they are), so that every table is seen as of
    one moment. The trail is checked in groups of chains of about
    GROUP_EVENTS events each (memory holds one group), in this process or, with `workers` > 1, in
    that many processes (this one and `workers` - 1 started beside it), each on a connection of
    its own that reads the same snapshot (PostgreSQL: the snapshot this transaction exports;
    SQLite shares none, so each worker reads a later one, and the plan bounds what they take
    in). `workers` None: one process per core when the trail has PARALLEL_FROM_EVENTS events or
    more, else this one. The report is the same either way, problem for problem and in the same
    order. The cyclic garbage collector is paused while the whole trail is checked
    (_no_cycle_collection).

    The evidence files are then re-hashed on disk; with `rehash_files` False (the case page, on
    every view) each is only found and measured against its recorded size, which reads no file's
    bytes: a file deleted or cut short shows, one rewritten to the same length waits for the
    re-hash of `audit verify`, and `files_rehashed` says which check was made.
    """
    points = {chain: dict(seqs) for chain, seqs in (checkpoint_points or {}).items()
              if case_id is None or chain == case_chain(case_id)}
    settings = _Settings(audit_keys.chain_keys(), current_app.config.get("AUDIT_UNKEYED_UNTIL_ID") or 0,
                         collect_heads, db.session.get_bind().dialect.name == "postgresql")
    with db.session.get_bind().connect() as connection, _no_cycle_collection(case_id is None):
        connection = _snapshot(connection)
        try:
            _read_settings(connection)
            groups, events = _plan(connection, case_id, points)
            if workers is None:
                workers = (os.cpu_count() or 1) if events >= PARALLEL_FROM_EVENTS else 1
            workers = max(1, min(workers, len(groups)))
            if workers == 1:
                results = list(_check_groups(connection, groups, settings).values())
            else:
                results = _in_workers(connection, groups, settings, workers)
            report = _merged(results, settings)
        finally:
            connection.rollback()
    _check_kept_files(report, rehash_files)
    report.checkpoint_points = sum(len(seqs) for seqs in points.values())  # each group consumed a copy
    unchecked = {chain for result in results for chain in result.unchecked_points}
    for chain, seqs in points.items():
        if chain in unchecked:
            for seq, claims in sorted(seqs.items()):
                for _digest, where in claims:
                    report.add(chain, seq, f"recorded in {where} but the chain no longer exists (deleted)")
    return report


@contextmanager
def _no_cycle_collection(whole_trail: bool = True):
    """The cyclic garbage collector paused for a pass over the whole trail (`whole_trail`), then
    as it was. A group's rows are hundreds of thousands of tuples that live until the group is
    checked, and the collector, started by every 700 new objects, walked them again and again (a
    seventh of the pass's CPU); the pass makes no reference cycle to collect, and what it frees
    goes as it is released (reference counting). One case's pass (the case page) leaves it be."""
    paused = whole_trail and gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


GROUP_EVENTS = 20_000  # events of a group: what one read holds in memory, and a worker's unit of work
PARALLEL_FROM_EVENTS = 100_000  # below this, starting worker processes costs more than it saves


def _plan(connection, case_id: int | None, points: CheckpointPoints) -> tuple[list[_Group], int]:
    """The groups of chains to check, in the chain order, and the number of events in all.

    Every chain with an event or a head, and every case id any row names, falls in exactly one
    group: case rows, tasks, reviews and alerts are read by ranges of case id, events and heads by
    the names of the group's chains."""
    if case_id is not None:
        return [_Group(case_id, case_id + 1, [case_chain(case_id)],
                       {chain: dict(seqs) for chain, seqs in points.items()})], 0
    events = dict(_tuples(connection, db.select(TraceEvent.chain, func.count())
                          .group_by(TraceEvent.chain)))  # an index-only scan
    chains = set(events)
    chains.update(row[0] for row in _tuples(connection, db.select(TraceChain.chain)))
    chains.update(points)
    # The chain order cut into stretches of about GROUP_EVENTS events, each before a chain named for a
    # case (in the chain order, those come by their case ids ascending): its id is where the case
    # ids of the stretch before end. The last 2 * GROUP_EVENTS events go in stretches a quarter
    # the size, so that the processes, each taking the next group, end within a small group's time.
    groups, weight, highest = [_Group(None, None, [], {})], 0, None
    remaining = total = sum(events.values())
    for key in sorted(map(_chain_key, chains)):
        chain = key[2]
        chain_case = _case_id_of(chain) if key[0] == 1 else None
        if chain_case is not None:
            if weight >= (GROUP_EVENTS if remaining > 2 * GROUP_EVENTS else GROUP_EVENTS // 4):
                groups[-1].high = chain_case
                groups.append(_Group(chain_case, None, [], {}))
                weight = 0
            weight += events.get(chain, 0) + 1
            highest = chain_case
        remaining -= events.get(chain, 0)
        group = groups[-1]
        group.chains.append(chain)
        if chain in points:
            group.points[chain] = dict(points[chain])  # a copy: consumed as it is checked
    # The last group ends after the highest case id any row names now: a case opened after this
    # snapshot is not half seen by a worker reading a later one (SQLite shares no snapshot).
    highest = max((i for i in (*connection.execute(db.select(*(
        db.select(func.max(column)).scalar_subquery() for column in (
            Case.id, Task.case_id, LegalReview.case_id, Alert.case_id, CaseAttachment.case_id)))).one(), highest)
        if i is not None), default=None)
    groups[-1].high = None if highest is None else highest + 1
    return groups, total


def _in_workers(connection, groups: list[_Group], settings: _Settings, workers: int) -> list[_GroupResult]:
    """The groups checked by `workers` processes, this one and `workers` - 1 started for the pass,
    each on its own connection and each taking the next group not yet taken (_take_group); the
    results in the groups' order. This process checks from the moment the others are started,
    on the connection that planned the pass, so their start (a fork, a connection) is not waited
    for, and there is one process fewer to start."""
    snapshot = None
    if connection.dialect.name == "postgresql":
        snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
    url = connection.engine.url.render_as_string(hide_password=False)
    # fork starts at once and shares the loaded code; a process with threads (a server) spawns
    method = "fork" if threading.active_count() == 1 and "fork" in mp.get_all_start_methods() else "spawn"
    context = mp.get_context(method)
    taken = context.Value("i", 0)  # how many groups the processes have taken
    with ProcessPoolExecutor(workers - 1, mp_context=context, initializer=_start_worker,
                             initargs=(url, snapshot, settings, taken)) as pool:
        others = [pool.submit(_worker_check_groups, groups) for _ in range(workers - 1)]
        try:
            shares = [_check_groups(connection, groups, settings, partial(_take_group, taken, len(groups)))]
        except BaseException:
            with taken.get_lock():  # the others take no further group: the error is not kept waiting
                taken.value = len(groups)
            raise
        shares.extend(share.result() for share in others)
    results = {i: result for share in shares for i, result in share.items()}
    return [results[i] for i in range(len(groups))]


def _take_group(taken, count: int) -> int | None:
    """The index of the next group no process has taken yet (`taken`: how many were), or None when
    none is left: the processes end together, however the groups' costs and the cores' other
    work fall."""
    with taken.get_lock():
        if taken.value >= count:
            return None
        taken.value += 1
        return taken.value - 1


_worker: tuple | None = None  # in a worker process: its connection, the settings, the groups taken


def _start_worker(url: str, snapshot: str | None, settings: _Settings, taken) -> None:
    global _worker
    gc.disable()  # a worker lives for one pass: _no_cycle_collection
    connection = _snapshot(create_engine(url, poolclass=NullPool).connect())
    if snapshot is not None:  # the leader's snapshot: first thing in this transaction
        connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
    _read_settings(connection)
    _worker = (connection, settings, taken)


def _worker_check_groups(groups: list[_Group]) -> dict[int, _GroupResult]:
    """A worker process's share: each next group that no process has taken yet (_take_group)."""
    connection, settings, taken = _worker
    return _check_groups(connection, groups, settings, partial(_take_group, taken, len(groups)))


def _check_groups(connection, groups: list[_Group], settings: _Settings, take=None) -> dict[int, _GroupResult]:
    """The groups checked in turn (`take`: returns the index of the next group to check, None when
    none is left; by default every group in order), each group's rows read while the one before
    is checked (a thread of this process waits for the database meanwhile, so the database's work
    and ours overlap instead of taking turns). The connection serves one read at a time."""
    take = take or partial(next, iter(range(len(groups))), None)
    results, ahead = {}, None
    i = take()
    rows = None if i is None else _read_group(connection, groups[i])
    while i is not None:
        following = take()
        ahead = None if following is None else _ReadAhead(connection, groups[following])
        try:
            results[i] = _check_rows(groups[i], rows, settings)
        except BaseException:
            if ahead is not None:
                ahead.result()  # the connection is free again before anything else uses it
            raise
        i, rows = following, (None if ahead is None else ahead.result())
    return results


class _ReadAhead(threading.Thread):
    """One group's rows read in a thread of its own."""

    def __init__(self, connection, group: _Group):
        super().__init__(name="zhifaflow-audit-read", daemon=True)
        self.connection, self.group, self.rows, self.error = connection, group, None, None
        self.start()

    def run(self) -> None:
        try:
            self.rows = _read_group(self.connection, self.group)
        except BaseException as err:  # noqa: BLE001 - raised in the checking thread
            self.error = err

    def result(self) -> tuple:
        self.join()
        if self.error is not None:
            raise self.error
        return self.rows


def _merged(results: list[_GroupResult], settings: _Settings) -> VerifyReport:
    report = VerifyReport(heads=[] if settings.collect_heads else None)
    for result in results:
        part = result.report
        report.chains += part.chains
        report.events += part.events
        report.unkeyed_events += part.unkeyed_events
        report.cases += part.cases
        report.problem_count += part.problem_count
        report.problems.extend(part.problems[:MAX_PROBLEMS_KEPT - len(report.problems)])
        if report.heads is not None:
            report.heads.extend(part.heads)
        report.kept_files.extend(part.kept_files)
    return report


def _check_rows(group: _Group, rows: tuple, settings: _Settings) -> _GroupResult:
    """Check each chain of one group (its rows read by _read_group), in the chain order."""
    report = VerifyReport(heads=[] if settings.collect_heads else None)
    events, heads, cases, tasks, reviews, alerts, milestones, files, evidence = rows
    keys = sorted({*map(_chain_key, events), *map(_chain_key, heads),
                   *map(_case_key, set(cases).union(tasks, reviews, alerts, milestones, files, evidence))})
    points = dict(group.points)
    states = {key_id: hmac_states(key) for key_id, key in settings.keys.by_id.items()}  # keyed once a group
    texts = {None: "null"} if settings.typed_rows else None  # JSON texts of repeated strings (_check_chain)
    for key in keys:
        chain = key[2]
        case_id = _case_id_of(chain)
        report.chains += 1
        replay = _CaseTrace() if key[0] == 1 else None
        head = heads.get(chain)
        last = _check_chain(chain, events.get(chain, ()), head, states, settings.unkeyed_until,
                            points.pop(chain, {}), report, replay, texts)
        if report.heads is not None and last is not None:
            report.heads.append(last)
        if key[0] == 1:
            _check_case(chain, cases.get(case_id), tasks.get(case_id, []), reviews.get(case_id, []),
                        alerts.get(case_id, []), milestones.get(case_id, []), files.get(case_id, []), replay, report,
                        has_chain=last is not None or head is not None, evidence=evidence.get(case_id, []))
        elif chain not in NON_CASE_CHAINS and not PROCEDURE_CHAIN.fullmatch(chain):
            report.add(chain, None, "a chain that belongs to no case and is neither the system chain nor a procedure's")
    return _GroupResult(report, list(points))


# An event's id is read only where the check needs it, an unkeyed event's (AUDIT_UNKEYED_UNTIL_ID):
# None for the others costs neither the database nor the driver a number an event.
EVENT_COLUMNS = (case((TraceEvent.key_id.is_(None), TraceEvent.id)).label("id"), TraceEvent.chain, TraceEvent.seq,
                 TraceEvent.case_id, TraceEvent.at, TraceEvent.actor_id, TraceEvent.actor, TraceEvent.action,
                 TraceEvent.task_id, TraceEvent.bpmn_id, TraceEvent.data_json, TraceEvent.prev_sha256,
                 TraceEvent.sha256, TraceEvent.key_id)
# The event's time as its digest's body writes it (datetime.isoformat(timespec="microseconds") in
# UTC), written by PostgreSQL (the pass's times are in UTC: _read_settings); elsewhere the time
# itself, formatted by audit.event_body.
_AT_TEXT = 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'
_Event = namedtuple("_Event", [*(column.key for column in EVENT_COLUMNS), "at_text"])  # an event row as a tuple


def _tuples(connection, query, row_factory=tuple_row) -> list:
    """The query's rows as plain tuples (or as `row_factory` makes them: named tuples), through
    psycopg's own cursor on PostgreSQL (making SQLAlchemy's rows costs as much again as reading
    them); SQLAlchemy's rows (named tuples too) elsewhere. Only for columns whose values need no
    SQLAlchemy type: times come in UTC (_read_settings), JSON as psycopg reads it (json.loads, as
    SQLAlchemy's JSON type does) or as text."""
    if connection.dialect.name != "postgresql":
        return connection.execute(query).all()
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    # binary: numbers and times come as they are stored, not as text to parse (a fifth less)
    cursor = connection.connection.driver_connection.cursor(binary=True, row_factory=row_factory)
    cursor.execute(str(compiled), compiled.params)
    return cursor.fetchall()  # made in C at once (row by row, each is a Python call)


def _read_group(connection, group: _Group) -> tuple[dict, ...]:
    """The group's events and heads by chain, its case rows by id, its task, review and alert rows
    by case id: each table's rows of the group read whole, in one query (a thousand chains a query
    for events and heads), since a group is bounded (GROUP_EVENTS); a server-side cursor would
    only add round trips. Rows come as tuples, or as named tuples (row.number) where the check
    reads them by name."""
    queries = _group_queries(connection.dialect, group.low is not None, group.high is not None)
    bounds = {name: value for name, value in (("low", group.low), ("high", group.high)) if value is not None}

    def read(name: str, params: dict, row_factory=tuple_row) -> list:
        """On PostgreSQL through psycopg's own cursor (making SQLAlchemy's rows costs as much again
        as reading them), in the binary format (numbers and times as stored, not text to parse),
        each row made in C (a row factory's call aside); SQLAlchemy's rows elsewhere. Only for
        columns whose values need no SQLAlchemy type: times come in UTC (_read_settings), JSON as
        psycopg reads it (json.loads, as SQLAlchemy's JSON type does) or as text."""
        if connection.dialect.name != "postgresql":
            return connection.execute(queries[name], params).all()
        sql, fixed = queries[name]
        cursor = connection.connection.driver_connection.cursor(binary=True, row_factory=row_factory)
        cursor.execute(sql, {**fixed, **params})
        return cursor.fetchall()

    events: dict[str, list] = {}
    heads = {}
    for name in range(0, len(group.chains), CHAINS_PER_QUERY):
        names = {"names": group.chains[name:name + CHAINS_PER_QUERY]}
        # in no order: sorted here, chain by chain, rather than on the server; they come a chain at a
        # time in the order of their seq (each name looked up in the index), so taken in runs
        for chain, run in groupby(read("events", names), _CHAIN):
            chain_events = events.get(chain)
            if chain_events is None:
                events[chain] = list(run)
            else:
                chain_events.extend(run)
        heads.update((row.chain, row) for row in read("heads", names, namedtuple_row))
    for chain_events in events.values():
        chain_events.sort(key=_SEQ)
    cases = {row.id: row for row in read("cases", bounds, namedtuple_row)}
    return (events, heads, cases, _by_case(read("tasks", bounds), in_order=False),
            *(_by_case(read(name, bounds, namedtuple_row)) for name in ("reviews", "alerts")),
            _by_case(read("milestones", bounds, namedtuple_row), in_order=False),
            _by_case(read("files", bounds, namedtuple_row)),
            _by_case(read("evidence", bounds)))


@lru_cache(maxsize=32)
def _group_queries(dialect, low: bool, high: bool) -> dict:
    """The statements that read a group's rows, by name, with bound parameters: `names` (of up to
    CHAINS_PER_QUERY chains), and `low` and `high` (the group's case ids) where the group has
    them. Made once for each shape of group, on PostgreSQL compiled to SQL once (made and compiled
    for every group, they cost a tenth of reading its rows)."""
    postgresql = dialect.name == "postgresql"

    def named(query, column):
        """`query`'s rows whose `column` is one of the names: on PostgreSQL joined to the names as
        one array parameter (a thousand bound parameters cost the driver more to parse and send
        than the rows they select), each name looked up in the index (planning `column` =
        ANY(names) weighed each of a thousand names against the column's statistics, 1.5 ms a
        statement: the database's work on the events was a twelfth more)."""
        if postgresql:
            names = func.unnest(bindparam("names", type_=ARRAY(String))).table_valued("name").render_derived("names")
            return query.join_from(names, column.table, column == names.c.name)
        return query.where(column.in_(bindparam("names", expanding=True)))

    def in_range(column, query):
        if low:
            query = query.where(column >= bindparam("low"))
        if high:
            query = query.where(column < bindparam("high"))
        return query

    at_text = (func.to_char(TraceEvent.at, _AT_TEXT) if postgresql else TraceEvent.at).label("at_text")
    events = [func.convert_to(column, "UTF8").label("data_json") if postgresql and column.key == "data_json" else column
              for column in EVENT_COLUMNS]  # PostgreSQL: the data as its UTF-8 bytes (_check_chain)
    queries = {
        "events": named(db.select(*events, at_text), TraceEvent.chain),
        "heads": named(db.select(TraceChain.chain, TraceChain.seq, TraceChain.head_sha256), TraceChain.chain),
        "cases": in_range(Case.id, db.select(
            Case.id, Case.number, Case.title, Case.party_name, Case.party_kind, Case.party_id, Case.status,
            Case.department_id, Case.created_by_id, Case.created_at, Case.closed_at,
            cast(Case.milestones, Text).label("milestones"), OrgUnit.code.label("department"),
            ProcedureVersion.version, ProcedureVersion.sha256.label("version_sha256"), Procedure.process_id)
            .join(OrgUnit, Case.department_id == OrgUnit.id)
            .join(ProcedureVersion, Case.procedure_version_id == ProcedureVersion.id)
            .join(Procedure, ProcedureVersion.procedure_id == Procedure.id)),
        "tasks": in_range(Task.case_id, db.select(
            Task.id, Task.case_id, Task.bpmn_id, Task.state, Task.ready_at, Task.completed_by_id,
            # the form as text, read here (psycopg's own reading of jsonb takes twice as long)
            Task.completed_at, cast(Task.data, Text).label("data"))),  # in no order: _by_case sorts them
        "reviews": in_range(LegalReview.case_id, db.select(
            LegalReview.id, LegalReview.case_id, LegalReview.task_id, LegalReview.reviewer_id,
            LegalReview.outcome, LegalReview.findings, LegalReview.opinions, LegalReview.created_at)
            .order_by(LegalReview.case_id, LegalReview.id)),
        "alerts": in_range(Alert.case_id, db.select(
            Alert.id, Alert.case_id, *(getattr(Alert, name) for name in ALERT_FIELDS))
            .order_by(Alert.case_id, Alert.id)),
        "milestones": in_range(CaseMilestone.case_id, db.select(
            CaseMilestone.id, CaseMilestone.case_id, CaseMilestone.milestone, CaseMilestone.status,
            CaseMilestone.bpmn_id, CaseMilestone.at)),  # in no order: _by_case sorts them
        "files": in_range(CaseAttachment.case_id, db.select(
            CaseAttachment.id, CaseAttachment.case_id, CaseAttachment.kind, CaseAttachment.sha256,
            CaseAttachment.media_type, CaseAttachment.size, CaseAttachment.stored_by_id, CaseAttachment.stored_at,
            _digest_of(CaseAttachment.content, dialect.name).label("content_sha256"),
            func.length(CaseAttachment.content).label("content_size"))
            .order_by(CaseAttachment.case_id, CaseAttachment.id)),
        "evidence": in_range(Evidence.case_id, db.select(
            Evidence.id, Evidence.case_id, Evidence.sha256, Evidence.size, Evidence.content_type, Evidence.kind,
            Evidence.title, Evidence.task_id, Evidence.collected_by_id, Evidence.stored_at,
            EvidenceWithdrawal.reason, EvidenceWithdrawal.withdrawn_by_id, EvidenceWithdrawal.withdrawn_at)
            .outerjoin(EvidenceWithdrawal, EvidenceWithdrawal.evidence_id == Evidence.id)
            .order_by(Evidence.case_id, Evidence.id)),
    }
    if postgresql:  # the SQL text, with %(name)s for each parameter, and the values of those it fixes
        compiled = {name: query.compile(dialect=dialect) for name, query in queries.items()}
        return {name: (str(sql), {key: value for key, value in sql.params.items() if key not in GROUP_PARAMETERS})
                for name, sql in compiled.items()}
    return queries


GROUP_PARAMETERS = ("names", "low", "high")


# The legacy milestones that closed the case (engine/specs.py LEGACY_MILESTONES).
LEGACY_CLOSING = {code for code, (_, closes) in LEGACY_MILESTONES.items() if closes}
_CHAIN, _SEQ = operator.itemgetter(1), operator.itemgetter(2)  # an event row's chain, and seq
CHAINS_PER_QUERY = 1000  # names in one IN (…): well under SQLite's limit of bound parameters


def _by_case(rows, in_order: bool = True) -> dict[int, list]:
    """Rows whose second column is their case id, by case, each case's in the order of their ids
    (the first column): as they come (`in_order`: the statement sorts them), or sorted here (the
    many task and milestone rows: the database sorted them at a third of its work on the tasks,
    and they come from the case id's index nearly in order, which costs a sort little)."""
    grouped: dict[int, list] = {}
    for row in rows:
        rows_of_case = grouped.get(row[1])
        if rows_of_case is None:
            rows_of_case = grouped[row[1]] = []
        rows_of_case.append(row)
    if not in_order:
        for rows_of_case in grouped.values():
            if len(rows_of_case) > 1:
                rows_of_case.sort(key=_ID)
    return grouped


_ID = operator.itemgetter(0)  # a row's id


def _check_chain(chain, events, head, states: dict[str, tuple], unkeyed_until: int, points: dict,
                 report: VerifyReport, replay, texts: dict | None = None) -> tuple | None:
    """Recompute one chain's links and digests (HMAC-SHA256 under each chain key's keyed states,
    `states`: audit.hmac_states by key id); returns its last (chain, seq, digest, at) or None.

    `texts` (PostgreSQL's rows, whose values have their columns' types, the data as its UTF-8 bytes
    and the time written as the body writes it): each event's body is written here, as the
    latin-1 image of its UTF-8 bytes (the data's bytes taken as they came, escaped where JSON
    escapes, all of which are ASCII; no text decoded or encoded a character at a time), the text
    of each string that repeats from event to event (action, actor, element, key) taken from
    `texts` (made once a group); else by audit.event_body, which checks the values' types first."""
    prev, expected, keyed_seen, last_event = GENESIS, 1, False, None
    is_case, chain_case = chain[:5] == "case:", _case_id_of(chain)
    # The body's text from the chain to the data, the same for all the chain's events (each row was
    # read by its chain's name: ev_chain is `chain`).
    chain_text = f',"chain":{_utf8_json(chain)},"data":'
    hex_prev = True  # `prev` is hex digits (GENESIS, or a digest that was recomputed equal): no escape
    text_key, key_text = None, ""  # the key id of the last event, and its text in the body
    quote = '"'
    for ev in events:
        (event_id, ev_chain, seq, case_id, at, actor_id, actor, action, task_id, bpmn_id, data_json,
         prev_digest, digest_stored, key_id, at_text) = ev
        if seq != expected:
            report.add(chain, expected, f"event missing (next found is #{seq})")
        linked = prev_digest == prev
        if not linked:
            report.add(chain, seq, "previous-digest link broken")
        if type(case_id) is int and case_id == chain_case:
            pass
        elif case_id is None:
            if is_case:
                report.add(chain, seq, f"the event names case {case_id}, not this chain's case")
        elif not is_case or ev_chain != case_chain(case_id):
            report.add(chain, seq, f"the event names case {case_id}, not this chain's case")
        keyed = states.get(key_id)  # None for an unkeyed event (key_id None) as for an unknown key
        if keyed is None and key_id is not None:
            keyed_seen = True
            digest = None
            report.add(chain, seq, f"keyed with unknown key {key_id!r} (a retired key missing from "
                                   "AUDIT_HMAC_RETIRED_KEYS, or a forged event)")
        else:
            if keyed is not None:
                keyed_seen = True
            else:
                report.unkeyed_events += 1
                if keyed_seen or event_id > unkeyed_until:
                    report.add(chain, seq, "not keyed, though written after the chain was keyed (rewritten and "
                                           f"re-hashed without the key?; AUDIT_UNKEYED_UNTIL_ID is {unkeyed_until})")
            if texts is not None and at_text is not None:  # audit.event_body's bytes, written here
                action_text = texts.get(action)
                if action_text is None:
                    action_text = texts[action] = _utf8_json(action)
                actor_text = texts.get(actor)
                if actor_text is None:
                    actor_text = texts[actor] = _utf8_json(actor)
                bpmn_text = texts.get(bpmn_id)  # texts[None] is "null"
                if bpmn_text is None:
                    bpmn_text = texts[bpmn_id] = _utf8_json(bpmn_id)
                if key_id != text_key:
                    text_key, key_text = key_id, ("" if key_id is None else f'"key":{_utf8_json(key_id)},')
                body = (f'{{"action":{action_text},"actor":{actor_text},'
                        f'"actor_id":{"null" if actor_id is None else actor_id},"at":"{at_text}",'
                        f'"bpmn_id":{bpmn_text},"case_id":{"null" if case_id is None else case_id}{chain_text}'
                        f'{_string(data_json.decode("latin-1"))},{key_text}"prev":'
                        f'{(quote + prev_digest + quote) if linked and hex_prev else _utf8_json(prev_digest)},'
                        f'"seq":{seq},"task_id":{"null" if task_id is None else task_id}}}').encode("latin-1")
            else:
                body = event_body(key_id, ev_chain, seq, case_id, at_text, actor_id, actor, action, task_id, bpmn_id,
                                  data_json if type(data_json) is not bytes else data_json.decode(), prev_digest)
            if keyed is None:  # written before the chain was keyed: plain SHA-256 (audit.event_digest)
                digest = hashlib.sha256(body).hexdigest()
            else:  # audit.event_digest, inline: this runs for every event of the trail
                inner = keyed[0].copy()
                inner.update(body)
                outer = keyed[1].copy()
                outer.update(inner.digest())
                digest = outer.hexdigest()
        verified = hex_prev = digest == digest_stored and digest is not None
        if not verified and digest is not None:
            report.add(chain, seq, "content does not match its digest (edited, or re-hashed without the key)")
        verified = verified and keyed is not None
        if points:
            for claimed, where in points.pop(seq, ()):
                if claimed != digest_stored:
                    report.add(chain, seq, f"changed since {where} (its digest then was {claimed[:16]}…)")
        if replay is not None:  # the case's trace takes the event in (_FEED), its two commonest actions inline
            if action == "task.ready":
                if task_id is not None:
                    replay.ready[task_id] = (bpmn_id, at)
            elif action == "task.completed":
                if task_id is not None:
                    replay.completed[task_id] = (actor_id, at, data_json, verified)
            else:  # an action that tells nothing checked (_FEED has no handler) makes no named tuple
                handler = _FEED.get(action)
                if handler is not None:
                    handler(replay, _Event._make(ev), verified)  # `verified`: its keyed digest holds
        prev, expected, last_event = digest_stored, seq + 1, ev
    report.events += len(events)
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
    at_text = last_event[14]  # PostgreSQL wrote it as isoformat(timespec="microseconds") writes the UTC time
    return (chain, last_event[2], last_event[12],
            at_text if type(at_text) is str else last_event[4].isoformat(timespec="microseconds"))


# -- the case and its tasks against the trace -----------------------------------------------------
class _CaseTrace:
    """What one case's events say its row and task rows must hold (one case's worth of memory)."""

    def __init__(self):
        self.opened = None
        self.party: tuple | None = None  # (name printed, kind, party id) as the latest event left them
        self.procedure: tuple | None = None  # (process_id, version number, sha256 or None)
        self.status = None
        self.closed_at: datetime | None = None
        self.milestones: dict[int, tuple] = {}  # row id -> (milestone, status, bpmn_id, at)
        self.legacy: dict[str, datetime] = {}  # milestone -> its latest case.<milestone> event (before 0013)
        self.ready: dict[int, tuple] = {}
        self.completed: dict[int, tuple] = {}
        self.cancelled: dict[int, datetime] = {}
        self.reviews: dict[int, tuple] = {}
        self.alerts: dict[int, dict] = {}  # alert id -> the row its events say it must be
        self.alert_problems: list[str] = []
        self.files: dict[str, tuple] = {}  # sha256 -> (kind, media_type, size, stored by, at)
        self.file_problems: list[str] = []
        self.evidence: dict[int, tuple] = {}  # item id -> its row as evidence.stored recorded it
        self.withdrawn: dict[int, tuple] = {}  # item id -> (reason, by, at) as evidence.withdrawn recorded it

    def _opened(self, ev, verified) -> None:
        self.opened = (ev, _data(ev))
        data = self.opened[1]
        self.procedure = (data.get("procedure"), data.get("version"), None)
        self.status = "intake"
        party = data.get("party") or {}
        self.party = (party.get("name"), party.get("kind"), party.get("id"))

    def _party_identified(self, ev, verified) -> None:
        data = _data(ev)
        if self.party is not None:
            self.party = (data.get("party_name"), self.party[1], (data.get("party") or {}).get("id"))

    def _migrated(self, ev, verified) -> None:
        if self.procedure:
            data = _data(ev)
            self.procedure = (self.procedure[0], data.get("to_version"), data.get("to_sha256"))

    def _milestone(self, ev, verified) -> None:
        data = _data(ev)
        self.status = data.get("status")
        if isinstance(data.get("id"), int):
            self.milestones[data["id"]] = (data.get("milestone"), data.get("status"), ev.bpmn_id, ev.at)
        if data.get("closed_at"):
            self.closed_at = _parse_time(data["closed_at"])

    def _legacy_milestone(self, ev, verified) -> None:
        """case.filed, case.decided, …: a milestone as the trace recorded it before migration 0013
        (its row was made by the migration: no id, no element, the latest time of each)."""
        milestone = ev.action[5:]
        self.status = _data(ev).get("status")
        self.legacy[milestone] = ev.at
        if milestone in LEGACY_CLOSING:
            self.closed_at = ev.at

    def _ended(self, ev, verified) -> None:
        data = _data(ev)
        self.status = data.get("status")
        self.closed_at = _parse_time(data.get("closed_at"))

    def _task_ready(self, ev, verified) -> None:
        if ev.task_id is not None:
            self.ready[ev.task_id] = (ev.bpmn_id, ev.at)

    def _task_completed(self, ev, verified) -> None:
        if ev.task_id is not None:  # the form is read when the task row is checked (_recorded_form)
            self.completed[ev.task_id] = (ev.actor_id, ev.at, ev.data_json, verified)

    def _task_cancelled(self, ev, verified) -> None:
        if ev.task_id is not None:
            self.cancelled[ev.task_id] = ev.at

    def _review(self, ev, verified) -> None:
        if ev.task_id is not None:
            data = _data(ev)
            self.reviews[ev.task_id] = (REVIEW_APPROVED[ev.action], ev.actor_id, ev.at,
                                        canonical_json_of_read(data.get("findings")), data.get("opinions"))

    def _feed_alert(self, ev, verified=False) -> None:
        """An oversight alert's life (services/oversight/alerts.py), each step what it writes to the row."""
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
                "details": canonical_json_of_read({k: v for k, v in data.items() if k not in RAISED_FIELDS})}
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


    def _file_stored(self, ev, verified) -> None:
        """A file kept with the case (services/evidence/attachments.py): a case keeps one file per SHA-256."""
        data = _data(ev)
        sha = data.get("sha256")
        if not isinstance(sha, str):
            return
        if sha in self.files:
            self.file_problems.append(f"file {sha[:16]}… stored twice in the trace")
        self.files[sha] = (data.get("kind"), data.get("media_type"), data.get("size"), ev.actor_id, ev.at)


    def _evidence_stored(self, ev, verified) -> None:
        """An item of the evidence list (services/evidence/items.py)."""
        data = _data(ev)
        if isinstance(data.get("id"), int):
            self.evidence[data["id"]] = (data.get("sha256"), data.get("size"), data.get("content_type"),
                                         data.get("kind"), data.get("title"), ev.task_id, ev.actor_id, ev.at)

    def _evidence_withdrawn(self, ev, verified) -> None:
        data = _data(ev)
        if isinstance(data.get("id"), int):
            self.withdrawn[data["id"]] = (data.get("reason"), ev.actor_id, ev.at)


# The steps of an alert's life as trace actions (alert.<step>) and the columns its events decide:
# everything but its department (the case's), updated_at and its version counter.
ALERT_STEPS = ("raised", "acknowledged", "rectification_requested", "rectification_reported", "resolved",
               "dismissed")
ALERT_NOT_HANDLED = {"handled_by_id": None, "handled_at": None, "reason": None, "opinion": None,
                     "rectification_due_at": None, "requested_by_id": None, "requested_at": None, "report": None,
                     "reported_by_id": None, "reported_at": None}
ALERT_FIELDS = ("department_id", "code", "severity", "task_id", "raised_at", "raised_by", "status", "details",
                *ALERT_NOT_HANDLED)


# What each action of a case's chain tells about its rows (the others tell nothing checked).
_FEED = {"case.opened": _CaseTrace._opened, "case.migrated": _CaseTrace._migrated,
         "case.milestone": _CaseTrace._milestone,
         **{f"case.{milestone}": _CaseTrace._legacy_milestone for milestone in LEGACY_MILESTONES},
         "case.ended": _CaseTrace._ended, "case.party_identified": _CaseTrace._party_identified,
         "task.ready": _CaseTrace._task_ready,
         "task.completed": _CaseTrace._task_completed, "task.cancelled": _CaseTrace._task_cancelled,
         **{action: _CaseTrace._review for action in REVIEW_APPROVED},
         **{f"alert.{step}": _CaseTrace._feed_alert for step in ALERT_STEPS},
         "attachment.stored": _CaseTrace._file_stored, "evidence.stored": _CaseTrace._evidence_stored,
         "evidence.withdrawn": _CaseTrace._evidence_withdrawn}


def _recorded_form(data_json: str | bytes, verified: bool, row_form: str) -> str:
    """The canonical JSON of the form a task.completed event recorded, given the task row's
    (`row_form`, canonical JSON): that same text when the event holds it, found without parsing
    the event where that is certain, else read from the event.

    services/cases/lifecycle.py writes {"changes": …, "form": …, "task": "<name>"} as canonical JSON, so the
    form's text ends where `,"task":` begins. When the event's keyed digest holds, its data is that
    writer's (valid, canonical JSON); if it then ends with `,"form":<row_form>,"task":<a string>}`,
    that is the top-level form (a valid JSON `row_form` cannot end inside a nested value there),
    and canonical JSON read back and written again is the same text. Anything else is parsed.
    The event's data as PostgreSQL's rows bring it, its UTF-8 bytes, is searched so, with the
    form's bytes, and read as text where it is parsed."""
    if type(data_json) is bytes:
        if verified and data_json[-1:] == b"}":
            at = data_json.rfind(b',"task":"')
            form = b',"form":' + row_form.encode()
            if at > 0 and data_json[at - len(form):at] == form:
                name = data_json[at + 9:].decode()  # the name and the last "}"
                try:
                    whole = _scan_string(name, 0)[1] == len(name) - 1
                except ValueError:
                    whole = False
                if whole:
                    return row_form
        data_json = data_json.decode()
    elif verified and data_json[-1:] == "}":
        at = data_json.rfind(',"task":"')
        if at > 0 and data_json[at - len(row_form) - 8:at] == ',"form":' + row_form:
            try:  # the name is one whole JSON string, its closing quote just before the last "}"
                whole = _scan_string(data_json, at + 9)[1] == len(data_json) - 1
            except ValueError:
                whole = False
            if whole:
                return row_form
    try:
        data = _loads(data_json)
    except ValueError:
        data = {}
    return canonical_json_of_read(data.get("form") if isinstance(data, dict) else None)


_scan_string = json.decoder.scanstring  # (text, index after the opening quote) -> (value, index after the closing)


def _end_of_day(day) -> datetime | None:
    try:
        return end_of_day(date.fromisoformat(day))
    except (TypeError, ValueError):
        return None


def _json_column(text: str | None):
    """A JSON column read as text (None: SQL NULL), as the column itself would give it."""
    return None if text is None else _loads(text)


def _loads(text: str):
    """json.loads(text): the C scanner alone when `text` is one JSON value from its first character
    to its last, as the texts written by canonical_json are (json.loads adds a Python wrapper's
    work to every call: this runs for most events and every task row); json.loads itself
    otherwise, which reads what it may (spaces around the value) and raises what it must."""
    try:
        value, end = _scan_json(text, 0)
    except StopIteration:
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


_scan_json = json.JSONDecoder().scan_once  # (text, index) -> (value, index after it); clears its memo each call


def _data(ev) -> dict:
    """The event's data (as PostgreSQL's rows bring it, its UTF-8 bytes; else its text) read."""
    text = ev.data_json
    try:
        data = _loads(text.decode() if type(text) is bytes else text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _parse_time(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _check_case(chain: str, row, tasks: list, reviews: list, alerts: list, milestones: list, files: list,
                trace: _CaseTrace, report: VerifyReport, has_chain, evidence: list = ()) -> None:
    if row is None:
        if tasks or reviews or alerts or milestones or files:
            report.add(chain, None, f"{len(tasks) + len(reviews) + len(alerts) + len(milestones) + len(files)} "
                                    "task, legal review, alert, milestone or file row(s) belong to a case that "
                                    "does not exist")
        if evidence:
            report.add(chain, None, f"{len(evidence)} evidence row(s) belong to a case that does not exist")
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
    party_name, party_kind, party_id = trace.party
    expected = {
        "number": data.get("number"), "title": data.get("title"), "department": data.get("department"),
        "party_name": party_name, "party_kind": party_kind, "party_id": party_id, "created_by_id": opened.actor_id,
        "created_at": opened.at, "status": trace.status, "closed_at": trace.closed_at,
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
    _check_milestones(chain, milestones, trace, report)
    _check_projection(chain, row, milestones, report)
    _check_reviews(chain, reviews, trace, report)
    _check_alerts(chain, row, alerts, trace, report)
    _check_files(chain, files, trace, report)
    _check_evidence(chain, evidence, trace, report)


def _check_tasks(chain: str, tasks: list, trace: _CaseTrace, report: VerifyReport) -> None:
    ready, completed, cancelled = trace.ready, trace.completed, trace.cancelled
    for task_id, _case_id, bpmn_id, state, ready_at, completed_by_id, completed_at, data in tasks:
        announced = ready.get(task_id)
        if announced is None or announced[0] != bpmn_id:
            report.add(chain, None, f"task {task_id} ({bpmn_id}) was never announced by a task.ready event "
                                    "(row inserted or edited)")
        elif ready_at != announced[1]:
            report.add(chain, None, f"task {task_id} ({bpmn_id}) ready_at is {_show(ready_at)} but the trace "
                                    f"recorded {_show(announced[1])}")
        done = completed.pop(task_id, None)
        if done is None:
            cancelled_at = cancelled.get(task_id)
            expected = "ready" if cancelled_at is None else "cancelled"
            if state != expected:
                report.add(chain, None, f"task {task_id} ({bpmn_id}) is {state} but the trace recorded it {expected}")
            elif completed_at != cancelled_at:
                report.add(chain, None, f"task {task_id} ({bpmn_id}) ended at {_show(completed_at)} but the trace "
                                        f"recorded {_show(cancelled_at)}")
            continue
        actor_id, at, data_json, verified = done
        if state != "completed":
            report.add(chain, None, f"task {task_id} ({bpmn_id}) is {state} but the trace recorded it completed")
        if completed_by_id != actor_id:
            report.add(chain, None, f"task {task_id} ({bpmn_id}) completed_by is user {completed_by_id} but the "
                                    f"trace recorded user {actor_id}")
        if completed_at != at:
            report.add(chain, None, f"task {task_id} ({bpmn_id}) completed_at is {_show(completed_at)} but the "
                                    f"trace recorded {_show(at)}")
        row_form = canonical_json_of_read(_json_column(data))
        if row_form != _recorded_form(data_json, verified, row_form):
            report.add(chain, None, f"task {task_id} ({bpmn_id}) form data differ from what its task.completed "
                                    "event recorded (task data edited)")
    for task_id in completed:
        report.add(chain, None, f"task {task_id} was completed in the trace but its task row is gone")


def _check_milestones(chain: str, rows: list, trace: _CaseTrace, report: VerifyReport) -> None:
    """Milestone rows against their case.milestone events (and, for the rows migration 0013 made,
    the latest case.<milestone> event of the time before)."""
    expected, legacy = dict(trace.milestones), dict(trace.legacy)
    for row in rows:
        if row.bpmn_id == "" and row.milestone in legacy:
            at = legacy.pop(row.milestone)
            if row.at != at:
                report.add(chain, None, f"milestone {row.milestone} (row {row.id}) is at {_show(row.at)} but the "
                                        f"trace recorded {_show(at)} (milestone row edited)")
            continue
        recorded = expected.pop(row.id, None)
        if recorded is None:
            report.add(chain, None, f"milestone {row.milestone} (row {row.id}) was never recorded by a "
                                    "case.milestone event (row inserted or edited)")
        elif (row.milestone, row.status, row.bpmn_id, row.at) != recorded:
            report.add(chain, None, f"milestone row {row.id} is {row.milestone}/{row.status} at {_show(row.at)} but "
                                    f"the trace recorded {recorded[0]}/{recorded[1]} at {_show(recorded[3])} "
                                    "(milestone row edited)")
    for row_id, recorded in expected.items():
        report.add(chain, None, f"milestone {recorded[0]} (row {row_id}) was recorded in the trace but its row "
                                "is gone")
    for milestone in legacy:
        report.add(chain, None, f"milestone {milestone} was recorded in the trace but its row is gone")


def _check_projection(chain: str, row, milestones: list, report: VerifyReport) -> None:
    """The case row's list of its milestones is its milestone rows, in order."""
    rows = sorted(milestones, key=lambda m: (m.at, m.id))
    expected = [[m.milestone, m.status, m.bpmn_id, m.at] for m in rows]
    try:
        listed = [[i["milestone"], i["status"], i["bpmn_id"], _parse_time(i["at"])]
                  for i in (_loads(row.milestones) if row.milestones else None) or []]
    except (TypeError, KeyError, ValueError):
        listed = None
    if listed != expected:
        report.add(chain, None, f"case {row.number} lists milestones {_show(listed)} but its milestone rows are "
                                f"{_show(expected)} (case row edited)")


def _check_reviews(chain: str, reviews: list, trace: _CaseTrace, report: VerifyReport) -> None:
    """法制审核 records against their legal_review.approved / legal_review.returned events."""
    for review in reviews:
        where = f"legal review {review.id} (task {review.task_id})"
        recorded = trace.reviews.pop(review.task_id, None)
        if recorded is None:
            report.add(chain, None, f"{where} has no legal_review event (row inserted)")
            continue
        row = (review.outcome == "approve", review.reviewer_id, review.created_at,
               canonical_json_of_read(review.findings), review.opinions)
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
            value = canonical_json_of_read(alert.details) if name == "details" else getattr(alert, name)
            if name != "status" and value != expected[name]:
                report.add(chain, None, f"{where} {name} is {_show(value)} but the trace recorded "
                                        f"{_show(expected[name])} (alert row edited)")
    for alert_id, expected in trace.alerts.items():
        report.add(chain, None, f"alert {alert_id} ({expected['code']}) was raised in the trace but its row is "
                                "gone (deleted)")


def _check_files(chain: str, files: list, trace: _CaseTrace, report: VerifyReport) -> None:
    """Files kept with the case (case_attachment: the party's drawn signature, APL 52) against their
    attachment.stored events, and their bytes against the SHA-256 stored with them: a row inserted
    with no event, a row edited (its hash, kind, type, size, who stored it, when), bytes changed in
    the database or on its disk, a stored file deleted."""
    for problem in trace.file_problems:
        report.add(chain, None, problem)
    expected = dict(trace.files)
    for file in files:
        where = f"file {file.id} ({file.kind} {file.sha256[:16]}…)"
        recorded = expected.pop(file.sha256, None)
        if recorded is None:
            report.add(chain, None, f"{where} has no attachment.stored event (row inserted, or its hash edited)")
        else:
            row = (file.kind, file.media_type, file.size, file.stored_by_id, file.stored_at)
            for name, value, traced in zip(("kind", "media_type", "size", "stored_by", "stored_at"), row, recorded,
                                           strict=True):
                if value != traced:
                    report.add(chain, None, f"{where} {name} is {_show(value)} but the trace recorded {_show(traced)} "
                                            "(file row edited)")
        if file.content_sha256 != file.sha256 or file.content_size != file.size:
            report.add(chain, None, f"{where} bytes do not match their SHA-256 (the file's content was changed)")
    for sha, recorded in expected.items():
        report.add(chain, None, f"file {recorded[0]} {sha[:16]}… was stored in the trace but its row is gone "
                                "(deleted)")


EVIDENCE_FIELDS = ("sha256", "size", "content_type", "kind", "title", "task_id", "collected_by", "stored_at")


def _check_evidence(chain: str, items: list, trace: _CaseTrace, report: VerifyReport) -> None:
    """The case's evidence list (case_evidence, evidence_withdrawal) against its evidence.stored and
    evidence.withdrawn events: an item or a withdrawal inserted with no event, edited, or gone
    (deleted); each item's file is re-hashed on disk once the chains are checked
    (_check_kept_files)."""
    stored, withdrawn = dict(trace.evidence), dict(trace.withdrawn)
    for (item_id, _case_id, sha, size, content_type, kind, title, task_id, collected_by_id, stored_at,
         reason, withdrawn_by_id, withdrawn_at) in items:
        where = f"evidence {item_id} ({sha[:16]}…)"
        recorded = stored.pop(item_id, None)
        if recorded is None:
            report.add(chain, None, f"{where} has no evidence.stored event (row inserted)")
        else:
            row = (sha, size, content_type, kind, title, task_id, collected_by_id, stored_at)
            for name, value, traced in zip(EVIDENCE_FIELDS, row, recorded, strict=True):
                if value != traced:
                    report.add(chain, None, f"{where} {name} is {_show(value)} but the trace recorded {_show(traced)} "
                                            "(evidence row edited)")
        report.kept_files.append((chain, item_id, sha, size))
        traced_withdrawal = withdrawn.pop(item_id, None)
        if (reason is None) != (traced_withdrawal is None):
            report.add(chain, None, f"{where} is {'withdrawn' if reason is not None else 'not withdrawn'} but the trace "
                                    f"says {'not withdrawn' if reason is not None else 'withdrawn'} (withdrawal "
                                    f"{'inserted' if reason is not None else 'deleted'})")
        elif reason is not None and (reason, withdrawn_by_id, withdrawn_at) != traced_withdrawal:
            report.add(chain, None, f"{where} withdrawal differs from its evidence.withdrawn event (withdrawal edited)")
    for item_id, recorded in stored.items():
        report.add(chain, None, f"evidence {item_id} ({(recorded[0] or '')[:16]}…) was stored in the trace but its "
                                "row is gone (deleted)")


def _check_kept_files(report: VerifyReport, rehash: bool = True) -> None:
    """Each evidence file re-hashed on disk (once per SHA-256), or without `rehash` only found and
    measured: missing or changed is reported against every item that names it."""
    store = str(evidence_store.root())
    check = evidence_store.problem if rehash else partial(evidence_store.size_problem, store=store)
    report.files_rehashed = rehash
    seen: dict[str, str | None] = {}
    for chain, item_id, sha, size in report.kept_files:
        if sha not in seen:
            seen[sha] = check(sha, size)
        problem = seen[sha]
        if problem is not None:
            words = {"missing": "is gone from the evidence store (deleted on disk)",
                     "changed": "no longer hashes to its SHA-256 (changed on disk)",
                     "resized": "is no longer the size recorded (changed on disk)"}.get(problem, problem)
            report.add(chain, None, f"evidence {item_id} ({sha[:16]}…) file {words}")


def _show(value) -> str:
    return value.isoformat() if isinstance(value, datetime) else repr(value)
