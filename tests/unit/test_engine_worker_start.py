"""An engine worker starts in a session of its own (engine/pool.py `spawn_worker`), so a Ctrl-C to
the server's process group is the server's. Until the child's session begins it is still in that
group, so the group's signals are held (blocked) from before the fork until the worker has
imported everything and chosen its handlers: a signal that reaches it meanwhile does not kill it."""
import os
import signal

from workflow_app.engine import pool


def test_a_ctrl_c_or_sigterm_that_reaches_a_starting_worker_leaves_it_to_start():
    process, conn = pool.spawn_worker(512)
    try:
        # at once: the worker is still importing (about a second), as a group's Ctrl-C that came
        # before its session began would find it
        os.kill(process.pid, signal.SIGINT)
        os.kill(process.pid, signal.SIGTERM)
        assert conn.poll(120), f"no 'ready' from the worker (exit code {process.poll()})"
        assert conn.recv()[0] == "ready"
        assert process.poll() is None
        # started, it ignores Ctrl-C (the server ends its workers) and SIGTERM ends it as usual;
        # SIGINT is delivered first, so an exit by SIGTERM shows the Ctrl-C was ignored
        os.kill(process.pid, signal.SIGINT)
        os.kill(process.pid, signal.SIGTERM)
        assert process.wait(timeout=60) == -signal.SIGTERM
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        conn.close()


def test_the_starting_thread_gets_its_signal_mask_back():
    before = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    process, conn = pool.spawn_worker(512)
    try:
        assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == before
    finally:
        process.kill()
        process.wait()
        conn.close()
