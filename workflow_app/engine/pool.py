"""A small pool of pre-started engine workers (worker.py), replaced when one is killed.

Each web process (a gunicorn worker, or `flask run`) has its own pool of `ENGINE_WORKERS`
processes, each a fresh interpreter (`python -m workflow_app.engine.worker`) talking over a
socket pair: no copy of the web process's threads, locks or database connections, and none of
the caller's own `__main__` re-run (as multiprocessing's "spawn" would). A step is sent to an idle
worker and waited for with a wall-clock limit; a worker that overruns it is killed (SIGKILL) and a
replacement is started in the background, so the failed step costs its limit and nothing more.
The procedure's BPMN is sent to a worker only the first time that worker needs it, and the worker
says which element it is running, so a killed step can still be named.

While a worker runs a step the web process only waits on a pipe, so it keeps answering other
requests.

A case's next step goes to the worker that ran its last one, when that worker is free: the worker
keeps the workflow it loaded to prove the state it returned (worker.py, RecentStates), so the
step need not load it again. Which worker returned which state is remembered by the state's hash
(a few thousand, the oldest forgotten); a wrong or stale guess only costs that load.

One user's steps may hold at most a share of the workers at once (`user_share` of the pool,
rounded up: with 2 workers, 1; with 4, 2): whatever one user's runaway steps do, the other workers
stay free for everyone else. A step of a user already at their share waits briefly
(`user_wait_seconds`) for one of their own steps to end, then is refused as unavailable (HTTP 503)
saying so. Steps without an actor key (the CLI, tests) count against no share; the timer worker
runs under its own key. The share is per pool, that is per web process: each process's pool keeps
the same proportion free.

A failed step comes back as ("error", kind, message, element): `message` is the worker's Text,
pickled with its template and values, so the API can still say it in the reader's language.
"""
import logging
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from multiprocessing.connection import Connection

from ..messages import Text, tr
from .errors import EngineError, MigrationBlocked, NotWaiting, TaskNotReady
from .limits import EngineLimits
from .processor import StepResult
from .specs import procedure_cache
from .worker import GROUP_SIGNALS, perform

log = logging.getLogger(__name__)
_ERRORS = {cls.__name__: cls for cls in (EngineError, TaskNotReady, NotWaiting)}
_START_SECONDS = 60
_REMEMBERED_STATES = 4096


class EngineUnavailable(EngineError):
    """No engine worker could take the step in time (all busy, or none could be started)."""


class _WorkerLost(Exception):
    def __init__(self, reason: Text):
        super().__init__(reason)
        self.reason = reason


def spawn_worker(memory_mb: int) -> tuple[subprocess.Popen, Connection]:
    """Start an engine worker process; its end of a socket pair is returned.

    A session of its own: a signal to the server's process group is the server's to act on; a
    worker ends when its socket closes, however the server ended. The session begins only in the
    child, just before exec, and until then the child is in the server's group with the server's
    handlers reset to the default (CPython's vfork path): a Ctrl-C in that moment killed it mid-start
    (exit -2, and the server logged that its worker did not start). So the group's signals are
    blocked in the starting thread, the child inherits the mask through exec, and the worker
    discards one that reached it and only then unblocks them (worker.py `_take_signals`)."""
    ours, theirs = socket.socketpair()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    held = signal.pthread_sigmask(signal.SIG_BLOCK, GROUP_SIGNALS)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "workflow_app.engine.worker", str(theirs.fileno()), str(memory_mb)],
            pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL, close_fds=True,
            start_new_session=True)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        theirs.close()
    return process, Connection(ours.detach())


class _Worker:
    def __init__(self, memory_mb: int):
        self.process, self.conn = spawn_worker(memory_mb)
        self.element: str | None = None  # the element the worker said it is running
        # A worker that cannot start (a broken install, no memory) must not take a step: it says
        # "ready" once it has imported everything, or it is not a worker.
        try:
            ready = self.conn.poll(_START_SECONDS) and self.conn.recv()
        except (EOFError, OSError):
            ready = None
        if not (isinstance(ready, tuple) and ready[0] == "ready"):
            self.stop()
            raise RuntimeError(f"the engine worker did not start (exit code {self.process.poll()})")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            log.error("engine worker %s did not end after SIGKILL", self.process.pid)
        self.conn.close()


class EnginePool:
    def __init__(self, size: int = 2, memory_mb: int = 512, acquire_seconds: float = 30.0,
                 user_share: float = 0.5, user_wait_seconds: float = 2.0):
        self.size = max(1, size)
        self.memory_mb = memory_mb
        self.acquire_seconds = acquire_seconds
        # The most workers one actor's steps may hold at once (at least one).
        self.per_actor = max(1, math.ceil(self.size * min(1.0, max(0.0, user_share))))
        self.user_wait_seconds = user_wait_seconds
        self._cond = threading.Condition()
        self._pid = None
        self._idle: list[_Worker] = []
        self._live = 0
        self._starting = 0
        self._held: dict[str, int] = {}  # actor key -> workers its steps hold now
        self._returned: OrderedDict[int, _Worker] = OrderedDict()  # hash of a state -> the worker that returned it
        self.replaced = 0  # workers killed or lost and replaced, since start (for operators and tests)

    def held(self, actor_key: str) -> int:
        """How many workers `actor_key`'s steps hold now (for operators and tests)."""
        with self._cond:
            return self._held.get(actor_key, 0)

    # -- workers ------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the workers now (in the background), so the first step does not wait for them."""
        with self._cond:
            self._ensure_workers()

    def _ensure_workers(self) -> None:
        if self._pid != os.getpid():  # a forked copy of the pool: its workers belong to the parent
            self._pid, self._idle, self._live, self._starting = os.getpid(), [], 0, 0
            self._returned = OrderedDict()
        while self._live + self._starting < self.size:
            self._starting += 1
            threading.Thread(target=self._spawn, name="zhifaflow-engine-start", daemon=True).start()

    def _spawn(self) -> None:
        worker = None
        try:
            worker = _Worker(self.memory_mb)
        except Exception:  # noqa: BLE001 - reported to whoever waits, as EngineUnavailable
            log.exception("could not start an engine worker")
        with self._cond:
            self._starting -= 1
            if worker is not None:
                self._live += 1
                self._idle.append(worker)
            self._cond.notify()

    def _acquire(self, actor_key: str | None = None, preferred: "_Worker | None" = None) -> _Worker:
        now = time.monotonic()
        deadline, own_deadline = now + self.acquire_seconds, now + self.user_wait_seconds
        with self._cond:
            while True:
                remaining = deadline - time.monotonic()
                if actor_key is not None and self._held.get(actor_key, 0) >= self.per_actor:
                    own = own_deadline - time.monotonic()
                    if own <= 0:
                        raise EngineUnavailable(tr(
                            "your earlier steps already occupy %(count)d of this server's %(size)d engine workers, "
                            "the most one user may hold at once; try again when they have finished",
                            count=self.per_actor, size=self.size))
                    self._cond.wait(own)
                    continue
                if self._idle:
                    break
                self._ensure_workers()  # again after a failed start, so a transient failure heals
                if remaining <= 0:
                    raise EngineUnavailable(tr("every engine worker is busy or none could be started; "
                                               "try again in a moment"))
                self._cond.wait(remaining)
            if actor_key is not None:
                self._held[actor_key] = self._held.get(actor_key, 0) + 1
            if preferred is not None and preferred in self._idle:
                self._idle.remove(preferred)
                return preferred
            return self._idle.pop()

    def _returned_by(self, state) -> "_Worker | None":
        if not isinstance(state, str):
            return None
        with self._cond:
            return self._returned.pop(hash(state), None)

    def _remember(self, result, worker: _Worker) -> None:
        if not isinstance(result, StepResult):
            return
        key = hash(result.state)
        with self._cond:
            self._returned[key] = worker
            self._returned.move_to_end(key)
            while len(self._returned) > _REMEMBERED_STATES:
                self._returned.popitem(last=False)

    def _unhold(self, actor_key: str | None) -> None:
        if actor_key is None:
            return
        with self._cond:
            left = self._held.get(actor_key, 0) - 1
            if left > 0:
                self._held[actor_key] = left
            else:
                self._held.pop(actor_key, None)
            self._cond.notify_all()  # a step of this actor may be waiting for its share

    def _release(self, worker: _Worker) -> None:
        with self._cond:
            if self._pid == os.getpid():
                self._idle.append(worker)
                self._cond.notify_all()  # waiters wait for different things (a worker, their share)

    def _discard(self, worker: _Worker) -> None:
        worker.stop()
        with self._cond:
            if self._pid == os.getpid():
                self._live -= 1
                self.replaced += 1
                self._ensure_workers()

    def shutdown(self) -> None:
        with self._cond:
            workers, self._idle, self._live = self._idle, [], 0
        for worker in workers:
            worker.stop()

    # -- steps --------------------------------------------------------------------------------------
    def run(self, op: str, procedures: dict, payload: dict, limits: EngineLimits, actor_key: str | None = None):
        """Run one engine step in a worker. `procedures` maps each needed procedure's SHA-256 to a
        function giving its BPMN XML (called only when the worker has not parsed it yet).
        `actor_key` names whose step it is (a user, the timer worker): it holds a worker of that
        actor's share until it ends."""
        worker = self._acquire(actor_key, self._returned_by(payload.get("state")))
        try:
            try:
                result = self._exchange(worker, op, procedures, payload, limits)
            except _WorkerLost as lost:
                self._discard(worker)
                raise EngineError(lost.reason, worker.element) from None
            except (EngineError, MigrationBlocked) as err:
                if getattr(err, "recycle", False):
                    self._discard(worker)
                else:
                    self._release(worker)
                raise
            except BaseException:
                self._discard(worker)  # the conversation is in an unknown state
                raise
            self._remember(result, worker)
            self._release(worker)
            return result
        finally:
            self._unhold(actor_key)

    def _exchange(self, worker: _Worker, op: str, procedures: dict, payload: dict, limits: EngineLimits):
        deadline = time.monotonic() + limits.step_wall_seconds
        worker.element = None
        try:
            worker.conn.send((op, list(procedures), payload, limits))
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not worker.conn.poll(remaining):
                    raise _WorkerLost(tr("the engine step did not finish within %(seconds)s s and was stopped",
                                         seconds=f"{limits.step_wall_seconds:g}"))
                reply = worker.conn.recv()
                if reply[0] == "at":
                    worker.element = reply[1] or None
                elif reply[0] == "need":
                    worker.conn.send(("specs", {sha: procedures[sha]() for sha in reply[1]}))
                    deadline = time.monotonic() + limits.step_wall_seconds  # parsing is not the step
                elif reply[0] == "ok":
                    return reply[1]
                elif reply[0] == "blocked":
                    raise MigrationBlocked(reply[1])
                else:
                    _, kind, message, element = reply
                    err = _ERRORS.get(kind, EngineError)(message, element)
                    err.recycle = "MemoryError" in message
                    raise err
        except (EOFError, OSError):
            try:
                exitcode = worker.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                exitcode = None
            raise _WorkerLost(_death_reason(exitcode, limits)) from None


def _death_reason(exitcode: int | None, limits: EngineLimits) -> Text:
    if exitcode == -signal.SIGXCPU:
        return tr("the engine step used more than its %(seconds)s s of CPU time and was stopped",
                  seconds=f"{limits.step_cpu_seconds:g}")
    if exitcode == -signal.SIGKILL:
        return tr("the engine step was stopped by the operating system (out of memory)")
    return tr("the engine worker stopped unexpectedly (exit code %(code)s)", code=str(exitcode))


class InlineEngine:
    """Runs steps in the calling process, unprotected: for the benchmark's side-by-side figure
    only (ENGINE_INLINE). Production never runs procedure code in the web process."""

    def start(self) -> None:
        pass

    def run(self, op: str, procedures: dict, payload: dict, limits: EngineLimits, actor_key: str | None = None):
        loaded = {sha: procedure_cache.get(sha, load) for sha, load in procedures.items()}
        return perform(op, loaded, payload, limits)


_pool: EnginePool | None = None
_pool_lock = threading.Lock()
_inline = InlineEngine()


def engine_for(config) -> "EnginePool | InlineEngine":
    """The engine of this process, configured from the Flask config on first use."""
    global _pool
    if config.get("ENGINE_INLINE"):
        return _inline
    with _pool_lock:
        if _pool is None:
            limits = EngineLimits.from_config(config)
            _pool = EnginePool(size=int(config.get("ENGINE_WORKERS") or 2), memory_mb=limits.memory_mb,
                               user_share=float(config.get("ENGINE_USER_SHARE") or 0.5),
                               user_wait_seconds=float(config.get("ENGINE_USER_WAIT_SECONDS") or 2.0))
        return _pool
