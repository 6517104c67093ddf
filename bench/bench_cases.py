"""Benchmark: how fast ZhifaFlow moves a case through general_penalty, and what a case stores.

What is measured (one run, one process, fresh SQLite files in a temp dir):

1. In process: for N cases, open the case with `services.cases.open_case` and complete the
   eleven human tasks of the shortest path (no legal review) with `services.cases.complete_task`,
   inside one app context. Each `complete_task` call is timed on its own -> median / p95.
2. Over HTTP: the same N cases through the real API (POST /api/v1/cases, POST
   /api/v1/tasks/<id>/complete) against `werkzeug.serving.make_server(..., threaded=True)` in a
   background thread, driven with `http.client` on one keep-alive connection; one login per user,
   tokens reused. The client runs in the same process (it shares the GIL with the server), so
   these figures include a little client-side cost.
3. Cases per second: wall time of whole cases, open -> "closed", for both of the above.
4. Bytes stored per finished case, by SQL: the sum of length(CAST(column AS BLOB)) over every
   column of the rows that belong to one case (enforcement_case, workflow_state, case_task,
   trace_event, trace_chain, legal_review) - payload bytes, not pages or indexes. The workflow
   state text is also reported on its own. As a rough cross-check, the growth of the database file
   per case (after a WAL checkpoint, so including indexes and page slack) is printed too.
5. A naive baseline in the same run: SpiffWorkflow alone, the whole workflow *including its spec*
   serialized by the default `BpmnWorkflowSerializer()` as one JSON blob per case, kept in one
   row of a stdlib sqlite3 table (same WAL journal as the app). Each completion: SELECT the blob,
   `deserialize_json`, set the task data, `run()`, `do_engine_steps()`, `serialize_json`, UPDATE,
   COMMIT. Same step sequence and form data; no validation, permissions, projection or audit
   trail. Reported next to ours with the ratio ours/baseline.

One untimed warm-up case runs first in each mode (caches, SQL compilation, imports).

Run:  make bench                       (= .venv/bin/python bench/bench_cases.py)
      .venv/bin/python bench/bench_cases.py --cases 100
      .venv/bin/python bench/bench_cases.py --quick        (5 cases)
      .venv/bin/python bench/bench_cases.py --json         (machine-readable figures instead)
"""
import argparse
import contextlib
import http.client
import io
import json
import logging
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from bench.latency import p95  # noqa: E402
from tests.helpers import SHORTEST_PATH, STEPS  # noqa: E402

BPMN_FILE = ROOT / "bpmn" / "general_penalty" / "general_penalty.bpmn"
SHARED_DIR = ROOT / "bpmn" / "shared"
PROCESS_ID = "general_penalty"
PASSWORD = "bench-password-1"
CASE = {"title": "某超市销售过期食品案", "department": "market",
        "party": {"name": "清河某超市有限公司", "kind": "organization"}}

# The shortest path to "closed" (no legal review), each step's user and form data as the tests
# have them (tests/helpers.py SHORTEST_PATH and STEPS, dated from today): the bench cannot fall
# behind the forms and the step rules.
PATH = [(bpmn_id, *STEPS[bpmn_id]) for bpmn_id in SHORTEST_PATH]  # (bpmn id, user, form data)
USERS = sorted({user for _, user, _ in PATH})

CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "bench-only-secret-key-of-32-characters-or-more",
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "RATELIMIT_ENABLED": False,
}


# -- small helpers ---------------------------------------------------------------------------------
def pick(tasks, bpmn_id):
    """The id of the ready task `bpmn_id` from a list of (id, bpmn_id); fail loudly if absent."""
    for task_id, bid in tasks:
        if bid == bpmn_id:
            return task_id
    raise RuntimeError(f"{bpmn_id} is not ready; ready: {sorted(b for _, b in tasks)}")


def summary(latencies, case_seconds):
    """Figures of one mode: latencies in seconds per completion, wall seconds per case."""
    return {
        "completions": len(latencies),
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": p95(latencies) * 1000,
        "cases_per_s": len(case_seconds) / sum(case_seconds),
    }


def sqlite_file_bytes(path: Path, conn_execute) -> int:
    """Size of a WAL-mode SQLite database once the WAL is folded back into the main file."""
    conn_execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size + (Path(f"{path}-wal").stat().st_size if Path(f"{path}-wal").exists() else 0)


# -- the app ---------------------------------------------------------------------------------------
def make_app(db_path: Path):
    from flask_migrate import upgrade

    from workflow_app import create_app
    from workflow_app.demo.seed import seed_demo
    from workflow_app.extensions import db
    from workflow_app.services.procedures import versions as procedures

    app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}"})
    with app.app_context():
        # Alembic's env.py installs an INFO console handler; keep its migration chatter out.
        buffer = io.StringIO()
        with contextlib.redirect_stderr(buffer):
            upgrade()
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is buffer:
                handler.setStream(sys.stderr)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        seed_demo(PASSWORD)
        procedures.deploy(BPMN_FILE.read_bytes(), "cli:bench")
        db.session.remove()
    return app


def run_in_process(app, n_cases: int):
    """N cases through the service layer; returns (latencies, seconds per case, case ids)."""
    from workflow_app.extensions import db
    from workflow_app.models import User
    from workflow_app.services.cases import lifecycle as svc

    latencies, case_seconds, case_ids, per_step = [], [], [], {}
    with app.app_context():
        users = {u: db.session.execute(db.select(User).where(User.username == u)).scalar_one() for u in USERS}
        for i in range(n_cases + 1):  # case 0 is the warm-up
            t_case = time.perf_counter()
            case = svc.open_case(users["officer1"], process_id=PROCESS_ID, title=CASE["title"],
                                 department_code=CASE["department"], party=CASE["party"])
            step_times = []
            for bpmn_id, user, data in PATH:
                ready = [(t.id, t.bpmn_id) for t in svc.ready_tasks(case)]
                task_id = pick(ready, bpmn_id)
                t0 = time.perf_counter()
                case = svc.complete_task(users[user], task_id, dict(data))
                step_times.append((bpmn_id, time.perf_counter() - t0))
            if case.status != "closed":
                raise RuntimeError(f"case {case.id} ended {case.status!r}, not closed")
            elapsed = time.perf_counter() - t_case
            if i:
                case_seconds.append(elapsed)
                case_ids.append(case.id)
                for bpmn_id, dt in step_times:
                    latencies.append(dt)
                    per_step.setdefault(bpmn_id, []).append(dt)
        db.session.remove()
    return latencies, case_seconds, case_ids, per_step


class HttpClient:
    """JSON over one keep-alive http.client connection, reconnecting if the server closed it."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.tokens: dict[str, str] = {}

    def post(self, path: str, body: dict, user: str | None = None):
        headers = {"Content-Type": "application/json"}
        if user is not None:
            headers["Authorization"] = f"Bearer {self.tokens[user]}"
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        for attempt in (1, 2):
            try:
                self.conn.request("POST", path, body=payload, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                break
            except (http.client.RemoteDisconnected, ConnectionError, http.client.CannotSendRequest):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        if resp.status >= 300:
            raise RuntimeError(f"POST {path} -> {resp.status}: {raw[:500]!r}")
        return json.loads(raw)

    def login(self, user: str):
        self.tokens[user] = self.post("/api/v1/auth/token", {"username": user, "password": PASSWORD})["token"]


def run_http(app, n_cases: int):
    """N cases through the API on a real socket; returns (latencies, seconds per case, case ids)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    latencies, case_seconds, case_ids = [], [], []
    try:
        client = HttpClient(server.server_port)
        for user in USERS:
            client.login(user)
        body = {"procedure_id": PROCESS_ID, **CASE}
        for i in range(n_cases + 1):  # case 0 is the warm-up
            t_case = time.perf_counter()
            case = client.post("/api/v1/cases", body, "officer1")
            step_times = []
            for bpmn_id, user, data in PATH:
                task_id = pick([(t["id"], t["bpmn_id"]) for t in case["tasks"]], bpmn_id)
                t0 = time.perf_counter()
                case = client.post(f"/api/v1/tasks/{task_id}/complete", {"data": data}, user)
                step_times.append(time.perf_counter() - t0)
            if case["status"] != "closed":
                raise RuntimeError(f"case {case['id']} ended {case['status']!r}, not closed")
            elapsed = time.perf_counter() - t_case
            if i:
                case_seconds.append(elapsed)
                case_ids.append(case["id"])
                latencies.extend(step_times)
        client.conn.close()
    finally:
        server.shutdown()
        thread.join(timeout=10)
    return latencies, case_seconds, case_ids


# Rows that belong to one case, as (table, WHERE clause with :case_id / :chain).
CASE_ROWS = [
    ("enforcement_case", "id = :case_id"),
    ("workflow_state", "case_id = :case_id"),
    ("case_task", "case_id = :case_id"),
    ("trace_event", "case_id = :case_id"),
    ("trace_chain", "chain = :chain"),
    ("legal_review", "case_id = :case_id"),
]


def stored_bytes(app, case_ids):
    """Median payload bytes per case, per table: sum of length(CAST(col AS BLOB)) of every column."""
    from workflow_app.extensions import db

    per_table = {table: [] for table, _ in CASE_ROWS}
    totals, row_counts = [], {table: [] for table, _ in CASE_ROWS}
    with app.app_context():
        sqls = {}
        for table, where in CASE_ROWS:
            cols = [r[1] for r in db.session.execute(db.text(f"PRAGMA table_info({table})"))]
            expr = " + ".join(f'COALESCE(length(CAST("{c}" AS BLOB)), 0)' for c in cols)
            sqls[table] = db.text(f"SELECT COALESCE(SUM({expr}), 0), COUNT(*) FROM {table} WHERE {where}")
        for case_id in case_ids:
            total = 0
            for table, _ in CASE_ROWS:
                size, count = db.session.execute(sqls[table], {"case_id": case_id,
                                                               "chain": f"case:{case_id}"}).one()
                per_table[table].append(size)
                row_counts[table].append(count)
                total += size
            totals.append(total)
        db.session.remove()
    return {
        "total": statistics.median(totals),
        "tables": {t: statistics.median(v) for t, v in per_table.items()},
        "rows": {t: statistics.median(v) for t, v in row_counts.items()},
    }


def db_file_bytes(app, db_path: Path) -> int:
    from workflow_app.extensions import db

    with app.app_context():
        with db.engine.connect() as conn:
            size = sqlite_file_bytes(db_path, lambda sql: conn.exec_driver_sql(sql).all())
        db.session.remove()
    return size


# -- the naive baseline -------------------------------------------------------------------------
class NaiveStore:
    """SpiffWorkflow with its default serializer; one JSON blob (spec included) per case."""

    def __init__(self, db_path: Path):
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(BPMN_FILE))
        parser.add_bpmn_files(sorted(str(p) for p in SHARED_DIR.glob("*.bpmn")))  # the processes it calls
        self.spec = parser.get_spec(PROCESS_ID)
        self.subprocess_specs = parser.get_subprocess_specs(PROCESS_ID)
        # The stock serializer with the registry for the spiff task specs SpiffBpmnParser makes
        # (BpmnWorkflowSerializer() alone knows only the plain BPMN specs and fails on them).
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.path = db_path
        self.conn = sqlite3.connect(db_path, isolation_level=None)  # explicit BEGIN/COMMIT below
        self.conn.execute("PRAGMA journal_mode=WAL")  # as the app's SQLite connections
        self.conn.execute("CREATE TABLE workflow (id INTEGER PRIMARY KEY, blob TEXT NOT NULL)")

    @staticmethod
    def ready(wf):
        return [(str(t.id), t.task_spec.bpmn_id) for t in wf.get_tasks(state=TaskState.READY, manual=True)]

    def open_case(self):
        initial = {"party_kind": CASE["party"]["kind"], "party_name": CASE["party"]["name"],
                   "department": CASE["department"], "case_title": CASE["title"]}
        wf = BpmnWorkflow(self.spec, self.subprocess_specs)
        wf.data.update(initial)
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update(initial)
        wf.do_engine_steps()
        self.conn.execute("BEGIN")
        cur = self.conn.execute("INSERT INTO workflow (blob) VALUES (?)", (self.serializer.serialize_json(wf),))
        self.conn.execute("COMMIT")
        return cur.lastrowid, self.ready(wf)

    def complete(self, case_id: int, task_id: str, data: dict):
        self.conn.execute("BEGIN IMMEDIATE")
        (blob,) = self.conn.execute("SELECT blob FROM workflow WHERE id = ?", (case_id,)).fetchone()
        wf = self.serializer.deserialize_json(blob)
        task = wf.get_task_from_id(UUID(task_id))
        task.set_data(**data)
        task.run()
        wf.do_engine_steps()
        self.conn.execute("UPDATE workflow SET blob = ? WHERE id = ?", (self.serializer.serialize_json(wf), case_id))
        self.conn.execute("COMMIT")
        return wf.is_completed(), self.ready(wf)

    def blob_bytes(self, case_id: int) -> int:
        return self.conn.execute("SELECT length(CAST(blob AS BLOB)) FROM workflow WHERE id = ?",
                                 (case_id,)).fetchone()[0]


def run_baseline(store: NaiveStore, n_cases: int):
    latencies, case_seconds, case_ids, per_step = [], [], [], {}
    for i in range(n_cases + 1):  # case 0 is the warm-up
        t_case = time.perf_counter()
        case_id, ready = store.open_case()
        step_times = []
        for bpmn_id, _user, data in PATH:
            task_id = pick(ready, bpmn_id)
            t0 = time.perf_counter()
            _, ready = store.complete(case_id, task_id, dict(data))
            step_times.append((bpmn_id, time.perf_counter() - t0))
        if ready:  # closed by its last step (the process may still wait for the disclosure period to end)
            raise RuntimeError(f"baseline case {case_id} still has {ready} to do")
        elapsed = time.perf_counter() - t_case
        if i:
            case_seconds.append(elapsed)
            case_ids.append(case_id)
            for bpmn_id, dt in step_times:
                latencies.append(dt)
                per_step.setdefault(bpmn_id, []).append(dt)
    return latencies, case_seconds, case_ids, per_step


# -- main ------------------------------------------------------------------------------------------
def measure(n_cases: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="zhifaflow-bench-"))
    try:
        app_db = tmp / "app.db"
        app = make_app(app_db)
        size_before = db_file_bytes(app, app_db)
        lat, secs, ids, steps = run_in_process(app, n_cases)
        size_after = db_file_bytes(app, app_db)
        # The same path with the engine step run inside this process (unprotected) against the
        # isolated step once more, in alternating rounds so that both see the same database size
        # and machine load: the cost of isolating every engine step is the difference.
        rounds = {True: ([], []), False: ([], [])}
        for _ in range(max(1, n_cases // 5)):
            for inline_mode in (True, False):
                app.config["ENGINE_INLINE"] = inline_mode
                got_lat, got_secs, _, _ = run_in_process(app, min(5, n_cases))
                rounds[inline_mode][0].extend(got_lat)
                rounds[inline_mode][1].extend(got_secs)
        app.config["ENGINE_INLINE"] = False
        inline, isolated = summary(*rounds[True]), summary(*rounds[False])
        ours = summary(lat, secs)
        ours_storage = stored_bytes(app, ids)
        ours_storage["db_file_growth"] = (size_after - size_before) / (n_cases + 1)
        lat_h, secs_h, ids_h = run_http(app, n_cases)
        http_figs = summary(lat_h, secs_h)
        http_storage = stored_bytes(app, ids_h)

        base_db = tmp / "naive.db"
        store = NaiveStore(base_db)
        base_before = sqlite_file_bytes(base_db, lambda sql: store.conn.execute(sql).fetchall())
        lat_b, secs_b, ids_b, steps_b = run_baseline(store, n_cases)
        base_after = sqlite_file_bytes(base_db, lambda sql: store.conn.execute(sql).fetchall())
        base = summary(lat_b, secs_b)
        base["bytes_per_case"] = statistics.median(store.blob_bytes(i) for i in ids_b)
        base["db_file_growth"] = (base_after - base_before) / (n_cases + 1)
        store.conn.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "cases": n_cases,
        "completions_per_case": len(PATH),
        "in_process": ours,
        "in_process_inline_engine": inline,
        "in_process_isolated_alternating": isolated,
        "http": http_figs,
        "baseline": base,
        "storage": ours_storage,
        "storage_http_cases_total": http_storage["total"],
        "per_step_median_ms": {
            bpmn_id: {"ours": statistics.median(steps[bpmn_id]) * 1000,
                      "baseline": statistics.median(steps_b[bpmn_id]) * 1000}
            for bpmn_id, _, _ in PATH
        },
    }


def ratio(a, b):
    return f"{a / b:.2f}x" if b else "-"


def render(r: dict) -> str:
    ours, http_, base, st = r["in_process"], r["http"], r["baseline"], r["storage"]
    lines = [
        f"ZhifaFlow bench: general_penalty shortest path, {r['cases']} cases x "
        f"{r['completions_per_case']} completions per mode (after 1 warm-up case), SQLite, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs",
        "",
        f"{'figure':<34}{'ours (in-proc)':>16}{'ours (HTTP)':>14}{'naive baseline':>16}"
        f"{'in-proc/base':>14}{'HTTP/base':>11}",
    ]

    def row(label, key, fmt):
        a, h, b = ours[key], http_[key], base[key]
        lines.append(f"{label:<34}{fmt.format(a):>16}{fmt.format(h):>14}{fmt.format(b):>16}"
                     f"{ratio(a, b):>14}{ratio(h, b):>11}")

    row("completion latency, median (ms)", "median_ms", "{:.1f}")
    row("completion latency, p95 (ms)", "p95_ms", "{:.1f}")
    row("full cases per second", "cases_per_s", "{:.2f}")
    total, base_bytes = st["total"], base["bytes_per_case"]
    lines.append(f"{'bytes stored per finished case':<34}{total:>16,.0f}{r['storage_http_cases_total']:>14,.0f}"
                 f"{base_bytes:>16,.0f}{ratio(total, base_bytes):>14}"
                 f"{ratio(r['storage_http_cases_total'], base_bytes):>11}")
    lines.append(f"{'  of which workflow state (ours)':<34}{st['tables']['workflow_state']:>16,.0f}{'':>14}"
                 f"{base_bytes:>16,.0f}{ratio(st['tables']['workflow_state'], base_bytes):>14}")
    lines.append(f"{'DB file growth per case (rough)':<34}{st['db_file_growth']:>16,.0f}{'':>14}"
                 f"{base['db_file_growth']:>16,.0f}{ratio(st['db_file_growth'], base['db_file_growth']):>14}")
    lines.append("(ratio = ours / baseline: above 1 means slower for latency, below 1 means fewer cases/s "
                 "or fewer bytes)")
    inline, isolated = r["in_process_inline_engine"], r["in_process_isolated_alternating"]
    lines += ["", "engine isolation (in process, alternating rounds of 5 cases): each step in a worker process "
              "vs in the web process",
              f"  completion median {isolated['median_ms']:.2f} ms isolated vs {inline['median_ms']:.2f} ms inline "
              f"({ratio(isolated['median_ms'], inline['median_ms'])}); p95 {isolated['p95_ms']:.2f} vs "
              f"{inline['p95_ms']:.2f} ms"]
    lines += ["", "ours, stored bytes per finished case by table (median; payload of all columns):"]
    for table, size in st["tables"].items():
        lines.append(f"  {table:<18}{size:>10,.0f} B in {st['rows'][table]:>4.0f} rows")
    lines += ["", "median latency per step (ms), in process vs baseline:"]
    for bpmn_id, figs in r["per_step_median_ms"].items():
        lines.append(f"  {bpmn_id:<22}{figs['ours']:>8.1f}{figs['baseline']:>8.1f}"
                     f"{ratio(figs['ours'], figs['baseline']):>9}")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=30, help="cases per mode (default 30)")
    ap.add_argument("--quick", action="store_true", help="5 cases per mode")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    args = ap.parse_args(argv)
    n_cases = 5 if args.quick else args.cases
    if n_cases < 1:
        ap.error("--cases must be at least 1")
    t0 = time.perf_counter()
    result = measure(n_cases)
    result["wall_seconds"] = time.perf_counter() - t0
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(render(result))
        print(f"\n(total wall time {result['wall_seconds']:.1f} s)")


if __name__ == "__main__":
    main()
