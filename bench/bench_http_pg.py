"""Benchmark: completions per second over HTTP, on PostgreSQL, served by gunicorn as in production.

What is measured (one run; everything on this machine):

1. A fresh PostgreSQL database (created here, dropped at the end) is migrated, seeded and given
   general_penalty through the real CLI (`flask --app wsgi db upgrade | demo seed | procedures
   deploy`), as an operator would.
2. gunicorn serves `wsgi:app` with `--workers W` sync workers (default 2: on 2 cores, measured
   best) on a loopback port. Each gunicorn worker has its own pool of engine worker processes.
3. C client threads (default 8) each drive whole cases through the shortest path of
   general_penalty (open, then eleven completions) on keep-alive connections for `--seconds`
   after a warm-up; tokens come from one login per user. Every completion is timed. The window
   stays open past `--seconds` (up to `--max-seconds`) until `--min-completions` were measured,
   and the rate is over the window as it was: on a loaded machine a short run still measures.
4. The same is repeated with ENGINE_INLINE=1 (the engine step run inside the gunicorn worker,
   unprotected), so the cost of isolating each engine step in its own process is the ratio of
   two figures measured in the same run.

Printed: completions per second, completion latency median / p95, errors (non-2xx), per mode.
The clients share the machine's cores with the server and PostgreSQL: the figures are the
machine's saturation point with this client, not the server's alone.

Run:  make bench-pg                      (= .venv/bin/python bench/bench_http_pg.py)
      .venv/bin/python bench/bench_http_pg.py --seconds 30 --clients 8 --workers 2
      .venv/bin/python bench/bench_http_pg.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""
import argparse
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_cases import CASE, PATH, PROCESS_ID, USERS, p95  # noqa: E402

from workflow_app import wall_clock  # noqa: E402 - on the path bench_cases puts the project

PASSWORD = "bench-password-1"


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent not idle, from /proc/stat (all cores)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_by_process(server_pid: int, database_pids: set[int]) -> dict[int, tuple[str, float]]:
    """pid -> (kind, CPU seconds used so far) of this server's live processes, from /proc: its
    web workers (gunicorn, under `server_pid`), their engine workers, and the PostgreSQL backends
    serving the bench's database (`database_pids`). Other work on the machine (another server, a
    test run's engine workers and databases) is not counted."""
    tick = os.sysconf("SC_CLK_TCK")
    parents, seconds, commands = {}, {}, {}
    for pid in map(int, filter(str.isdigit, os.listdir("/proc"))):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                commands[pid] = f.read().replace(b"\0", b" ")
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[pid] = int(fields[1])
        seconds[pid] = (int(fields[11]) + int(fields[12])) / tick

    def under_server(pid: int) -> bool:
        while pid > 1:
            if pid == server_pid:
                return True
            pid = parents.get(pid, 0)
        return False

    found = {}
    for pid, cmd in commands.items():
        if pid not in seconds:
            continue
        if pid in database_pids:
            found[pid] = ("postgres", seconds[pid])
        elif under_server(pid):
            found[pid] = ("engine" if b"workflow_app.engine.worker" in cmd else "web", seconds[pid])
    return found


def cpu_by_kind(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds each kind of process used between two cpu_by_process() readings: a process
    that ended meanwhile (an earlier server's engine worker) is not counted, one that started is
    counted from zero."""
    kinds = {"web": 0.0, "engine": 0.0, "postgres": 0.0}
    for pid, (kind, seconds) in after.items():
        start = before.get(pid)
        kinds[kind] += seconds - (start[1] if start is not None and start[0] == kind else 0.0)
    return kinds


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin_engine(url: str):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url.replace("postgres://", "postgresql://", 1)).set(drivername="postgresql+psycopg")
    return base, create_engine(base, isolation_level="AUTOCOMMIT")


def flask(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


class Client:
    def __init__(self, port: int, tokens: dict):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.tokens = tokens

    def post(self, path: str, body: dict, user: str | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if user:
            headers["Authorization"] = f"Bearer {self.tokens[user]}"
        self.conn.request("POST", path, json.dumps(body), headers)
        response = self.conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")


def login_all(port: int) -> dict:
    client = Client(port, {})
    tokens = {}
    for user in USERS:
        status, body = client.post("/api/v1/auth/token", {"username": user, "password": PASSWORD})
        if status != 201:
            raise RuntimeError(f"login of {user} failed: {status} {body}")
        tokens[user] = body["token"]
    return tokens


def drive(port: int, tokens: dict, stop: threading.Event, out: dict) -> None:
    """Drives whole cases until `stop` is set; every completion's (start, end) is appended to
    out["timings"], which the caller filters to its measurement window."""
    client = Client(port, tokens)
    body = {"procedure_id": PROCESS_ID, **CASE}
    while not stop.is_set():
        status, case = client.post("/api/v1/cases", body, "officer1")
        if status != 201:
            out["errors"] += 1
            out.setdefault("samples", []).append((status, case))
            continue
        for bpmn_id, user, data in PATH:
            task = next((t for t in case["tasks"] if t["bpmn_id"] == bpmn_id), None)
            if task is None:
                out["errors"] += 1
                break
            t0 = time.monotonic()
            status, result = client.post(f"/api/v1/tasks/{task['id']}/complete", {"data": data}, user)
            t1 = time.monotonic()
            if status != 200:
                out["errors"] += 1
                out.setdefault("samples", []).append((status, result))
                break
            case = result
            out["timings"].append((t0, t1))
            if stop.is_set():
                return


def serve_and_measure(env: dict, args, inline: bool, database_pids) -> dict:
    port = free_port()
    env = {**env, "ENGINE_INLINE": "1" if inline else ""}
    server = subprocess.Popen(
        [shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn",
         "-w", str(args.workers), *(["--threads", str(args.threads)] if args.threads > 1 else []),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        tokens = login_all(port)
        stop = threading.Event()
        results = [{"timings": [], "errors": 0} for _ in range(args.clients)]
        threads = [threading.Thread(target=drive, args=(port, tokens, stop, r)) for r in results]
        start = time.monotonic()
        measure_from, until = start + args.warmup, start + args.warmup + args.seconds
        for t in threads:
            t.start()

        def measured(end: float) -> list[float]:
            return [t1 - t0 for r in results for t0, t1 in list(r["timings"]) if measure_from <= t0 and t1 <= end]

        time.sleep(max(0.0, measure_from - time.monotonic()))
        busy0, own0, procs0 = machine_busy_seconds(), own_cpu_seconds(), cpu_by_process(server.pid, database_pids())
        time.sleep(max(0.0, until - time.monotonic()))
        # A loaded machine (a CI run beside the test suite) may not finish one completion in a
        # short window: the window stays open, up to --max-seconds, until enough were measured,
        # and the rate is over the window as it was.
        give_up = measure_from + max(args.max_seconds, args.seconds)
        while len(measured(time.monotonic())) < args.min_completions and time.monotonic() < give_up:
            time.sleep(0.05)
        end = time.monotonic()
        busy1, own1, procs1 = machine_busy_seconds(), own_cpu_seconds(), cpu_by_process(server.pid, database_pids())
        stop.set()
        for t in threads:
            t.join(timeout=120)
        latencies = measured(end)
        window = end - measure_from
        server_cpu = (busy1 - busy0) - (own1 - own0)  # the machine less this client
        return {
            "completions_per_s": len(latencies) / window,
            "window_s": window,
            "median_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
            "p95_ms": p95(latencies) * 1000 if latencies else float("nan"),
            "completions": len(latencies),
            "server_cpu_ms_per_completion": server_cpu * 1000 / len(latencies) if latencies else float("nan"),
            "cpu_ms_per_completion_by_kind": {
                kind: seconds * 1000 / len(latencies) if latencies else float("nan")
                for kind, seconds in cpu_by_kind(procs0, procs1).items()},
            "errors": sum(r["errors"] for r in results),
            "error_samples": [s for r in results for s in r.get("samples", [])][:3],
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", default=os.environ.get("DATABASE_URL")
                    or "postgresql://postgres@127.0.0.1:5432/test",
                    help="a PostgreSQL server to create the benchmark's own database on")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--min-completions", type=int, default=1,
                    help="keep measuring past --seconds until this many completions were measured")
    ap.add_argument("--max-seconds", type=float, default=300,
                    help="the longest the measurement may last while waiting for --min-completions")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (1: sync workers)")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379",
                    help="the login limits' shared store (production refuses to run without one)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    base, admin = admin_engine(args.database_url)
    name = f"zhifaflow_bench_{uuid.uuid4().hex[:8]}"
    from sqlalchemy import text

    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = base.set(database=name).render_as_string(hide_password=False)
        # Served as production is: on the real clock, so a pinned one (the suite pins its day,
        # tests/conftest.py) is not passed on; production refuses to start with it.
        inherited = {k: v for k, v in os.environ.items() if k != wall_clock.ENV}
        env = {**inherited, "DATABASE_URL": url, "SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
               "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "ZHIFAFLOW_ENV": "production",
               "RATELIMIT_STORAGE_URI": args.redis_url, "RATELIMIT_KEY_PREFIX": name,
               "AUDIT_HMAC_KEY": uuid.uuid4().hex + uuid.uuid4().hex}
        flask(env, "db", "upgrade")
        flask(env, "demo", "seed", "--password", PASSWORD)
        flask(env, "procedures", "deploy", str(ROOT / "bpmn" / PROCESS_ID))
        def database_pids() -> set[int]:
            with admin.connect() as conn:
                return set(conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :name"),
                                        {"name": name}).scalars())

        isolated = serve_and_measure(env, args, False, database_pids)
        inline = serve_and_measure(env, args, True, database_pids)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    result = {"workers": args.workers, "clients": args.clients, "seconds": args.seconds,
              "isolated": isolated, "inline": inline}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    kind = "sync" if args.threads == 1 else f"gthread, {args.threads} threads"
    print(f"ZhifaFlow bench: completions over HTTP, PostgreSQL, gunicorn -w {args.workers} ({kind}), "
          f"{args.clients} client threads, {args.seconds:g} s after {args.warmup:g} s warm-up, "
          f"{os.cpu_count()} CPUs\n")
    print(f"{'engine step':<28}{'completions/s':>15}{'median ms':>11}{'p95 ms':>9}{'CPU ms/compl.':>15}"
          f"{'errors':>8}")
    for label, r in (("isolated (worker process)", isolated), ("inline (web process)", inline)):
        print(f"{label:<28}{r['completions_per_s']:>15.1f}{r['median_ms']:>11.1f}{r['p95_ms']:>9.1f}"
              f"{r['server_cpu_ms_per_completion']:>15.1f}{r['errors']:>8}")
    print("(CPU ms/compl.: the machine's busy CPU time during the measurement, less this client's, per "
          "completion: server, engine workers and PostgreSQL together, opening cases included, and whatever "
          "else the machine ran meanwhile; by process: only the server's own processes, read from /proc)")
    for label, r in (("isolated", isolated), ("inline", inline)):
        by_kind = r["cpu_ms_per_completion_by_kind"]
        parts = ", ".join(f"{kind} {ms:.1f}" for kind, ms in by_kind.items())
        print(f"  {label}: CPU ms per completion by process: {parts} (together {sum(by_kind.values()):.1f})")
    for label, r in (("isolated", isolated), ("inline", inline)):
        for status, body in r["error_samples"]:
            print(f"  {label} error: HTTP {status} {json.dumps(body, ensure_ascii=False)[:300]}")
    ratio = isolated["completions_per_s"] / inline["completions_per_s"] if inline["completions_per_s"] else 0
    print(f"\nisolated / inline throughput: {ratio:.2f}x")


if __name__ == "__main__":
    main()
