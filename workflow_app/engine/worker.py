"""The engine worker: a separate process that runs engine steps under OS limits.

The web process never runs procedure code. It sends a step (open a case, complete a task, deliver
a message, move a case to another version) to a worker of the pool (pool.py) and gets back a
StepResult or an error; a document's Word template is filled there too (word_templates.py).
Inside the worker:

* RLIMIT_AS caps the address space at what the worker had after start-up plus the configured
  memory, so a script building a huge value gets a MemoryError (and the worker is replaced);
* RLIMIT_CPU is moved before each step to the CPU time used so far plus the step's budget, so
  a step that burns CPU in one C call (`pow(7, 10**7)`) or catches the script timeout is ended
  by the kernel;
* before each element's scripts or expressions run, the worker tells the pool which element it
  is, so the pool can name it even after killing the process.

`perform` is the step itself, also used in-process by the benchmark's comparison.

Loading a case's state is a third of a step, and every step already loads the state it leaves
once, to prove it loads (processor.dump). That loaded workflow is kept (`RecentStates`, a few per
worker) under the exact state text it was loaded from, and the case's next step, when it comes
to this worker with that very state (the pool sends a case's steps to the worker that ran its
last one when it is free), starts from it instead of loading the state again. A kept workflow is
taken out to be stepped, so it is never stepped twice, and a step that fails keeps nothing; a
state the database holds that differs in any byte (a step not committed, another process's step)
is simply loaded.
"""
import os
import resource
import signal
import sys
import threading
import time
from collections import OrderedDict
from multiprocessing.connection import Connection

from ..messages import tr
from . import scripting, word_templates
from .errors import EngineError, MigrationBlocked
from .limits import EngineLimits
from .processor import WorkflowProcessor
from .specs import Procedure, procedure_cache
from .timer_clock import step_at


class RecentStates:
    """Workflows as loaded from a state, by (procedure SHA-256, the state's exact text): at most
    `entries`, and at most `max_bytes` of state text in all; the least recently kept go first."""

    def __init__(self, entries: int = 8, max_bytes: int = 2 * 1024 * 1024):
        self.entries, self.max_bytes = entries, max_bytes
        self._items: OrderedDict[tuple[str, str], WorkflowProcessor] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # the inline engine runs in a threaded web process
        self.hits = self.misses = 0

    def take(self, procedure: Procedure, state: str, limits: EngineLimits) -> WorkflowProcessor:
        """The workflow of `state`: the kept one, taken out (no other step can have it), or loaded."""
        with self._lock:
            kept = self._items.pop((procedure.sha256, state), None)
            if kept is not None:
                self._bytes -= len(state)
                self.hits += 1
            else:
                self.misses += 1
        if kept is not None:
            return kept.with_limits(limits)
        return WorkflowProcessor.load(procedure, state, limits)

    def keep(self, state: str, processor: WorkflowProcessor | None) -> None:
        if processor is None or len(state) > self.max_bytes:
            return
        key = (processor.procedure.sha256, state)
        with self._lock:
            if key in self._items:
                return
            self._items[key] = processor
            self._bytes += len(state)
            while len(self._items) > self.entries or self._bytes > self.max_bytes:
                (_, old), _ = self._items.popitem(last=False)
                self._bytes -= len(old)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


recent_states = RecentStates()


def perform(op: str, procedures: dict[str, Procedure], payload: dict, limits: EngineLimits):
    """Run one engine step; returns a StepResult (for "waiting", the names of the messages the case
    waits for; a migration's blockers are raised as MigrationBlocked). The
    step runs at the instant the service gave it (payload["now"]): its timers read that."""
    with step_at(payload):
        return _perform(op, procedures, payload, limits)


def _perform(op: str, procedures: dict[str, Procedure], payload: dict, limits: EngineLimits):
    if op == "document":  # a package's Word template filled from a case's record
        return word_templates.render(payload["template"], payload["context"], title=payload["title"],
                                     author=payload["author"], cpu_seconds=limits.script_cpu_seconds,
                                     images=payload.get("images"), late_fee_basis=payload.get("late_fee"))
    procedure = procedures[payload["sha256"]]
    if op == "start":
        processor = WorkflowProcessor.start(procedure, payload["data"], limits)
        result = processor.result(set())
        recent_states.keep(result.state, processor.reloaded)
        return result
    if op not in _STATE_OPS:
        raise EngineError(tr("unknown engine operation %(op)s", op=repr(op)))
    processor = recent_states.take(procedure, payload["state"], limits)
    if op == "waiting":  # read only: nothing is stored, and the workflow is as loaded still
        messages = processor.waiting_messages()
        recent_states.keep(payload["state"], processor)
        return messages
    completed_before = processor.completed_task_ids()
    if op == "complete":
        changes = processor.complete(payload["engine_task_id"], payload["data"])
        result = processor.result(completed_before, changes)
    elif op == "message":
        processor.message(payload["message"], payload.get("data"))
        result = processor.result(completed_before)
    elif op == "timers":
        processor.fire_timers()
        result = processor.result(completed_before)
    else:  # migrate
        target = procedures[payload["target_sha256"]]
        blockers = processor.migration_blockers(target)
        if blockers:
            raise MigrationBlocked(blockers)
        processor.migrate_to(target)
        result = processor.result(completed_before)
    recent_states.keep(result.state, processor.reloaded)
    return result


_STATE_OPS = ("complete", "waiting", "message", "timers", "migrate")


# -- the worker process ---------------------------------------------------------------------------
def _virtual_memory_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_address_space(memory_mb: int) -> None:
    base = _virtual_memory_bytes()
    if not base:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = base + memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


_cpu_limit = {"soft": None}
# Made before any step: when memory has run out, there may be none left to make a message.
_OUT_OF_MEMORY = tr("the step ran out of memory")
_RESULT_TOO_LARGE = tr("the step's result is too large")


def _limit_cpu(step_seconds: float) -> None:
    """The kernel ends this process (SIGXCPU) once it has used `step_seconds` (rounded up to the
    next whole second, RLIMIT_CPU's unit) more CPU time. The limit only moves when that second
    changes, so most steps make no system call for it."""
    limit = int(time.process_time() + step_seconds) + 1
    if limit == _cpu_limit["soft"]:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))
    _cpu_limit["soft"] = limit


def _load_procedures(conn, shas: list[str]) -> dict[str, Procedure]:
    """Procedures from this worker's cache; the BPMN of any it has not parsed yet is asked for."""
    missing = [sha for sha in shas if not procedure_cache.has(sha)]
    sources = {}
    if missing:
        conn.send(("need", missing))
        kind, sources = conn.recv()
        if kind != "specs":
            raise EngineError(tr("the engine worker was sent no procedure"))
    return {sha: procedure_cache.get(sha, lambda sha=sha: sources[sha]) for sha in shas}


def _reply_error(err: BaseException) -> tuple:
    """The error as the pool reads it. Its message (a Text) is pickled whole, template and values,
    and rebuilt as a Text in the web process."""
    if isinstance(err, MigrationBlocked):
        return ("blocked", err.blockers)
    if isinstance(err, EngineError):
        return ("error", type(err).__name__, err.message, err.element_id)
    return ("error", "EngineError", scripting.describe_error(err), None)


# What a terminal's Ctrl-C or `kill -TERM -- -PGID` (make run) sends to the server's process group.
GROUP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


def _take_signals() -> None:
    """The worker starts with the server's group signals blocked (pool.py `spawn_worker`): one
    sent to the server's group before this process had a session of its own is pending here and
    is discarded (setting SIG_IGN drops a pending signal); Ctrl-C stays ignored (it reaches the
    server, which ends its workers), SIGTERM sent to this process itself ends it as usual."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, GROUP_SIGNALS)


def worker_main(conn: Connection, memory_mb: int) -> None:
    """Serve engine steps until the connection closes. Runs in its own process."""
    _take_signals()
    current = {"element": None}

    def note(bpmn_id: str):
        if bpmn_id != current["element"]:
            current["element"] = bpmn_id
            conn.send(("at", bpmn_id))

    scripting.element_hook = note
    _limit_address_space(memory_mb)
    try:
        conn.send(("ready", os.getpid()))
    except OSError:  # the server ended while this worker started: nothing to serve
        return
    while True:
        try:
            op, shas, payload, limits = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        current["element"] = None
        recycle = False
        try:
            procedures = _load_procedures(conn, shas)
            _limit_cpu(limits.step_cpu_seconds)
            reply = ("ok", perform(op, procedures, payload, limits))
        except MemoryError:
            reply, recycle = ("error", "EngineError", _OUT_OF_MEMORY, current["element"]), True
        except Exception as err:  # noqa: BLE001 - every failure goes back to the server as an answer
            reply = _reply_error(err)
            recycle = "MemoryError" in str(reply)  # a script hit the memory cap: start afresh
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("error", "EngineError", _RESULT_TOO_LARGE, current["element"]))
            recycle = True
        except (OSError, ValueError):
            return
        if recycle:
            return


if __name__ == "__main__":  # python -m workflow_app.engine.worker FD MEMORY_MB (started by pool.py)
    worker_main(Connection(int(sys.argv[1])), int(sys.argv[2]))
