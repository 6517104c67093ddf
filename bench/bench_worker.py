"""Benchmark: the background worker's pass at a district's scale, on PostgreSQL.

Uses the database `make bench-pages` built (100,000 cases, ~12,600 ready steps, 2 million trace
events; migrated to the newest schema first). Prints:
- the first passes of the oversight time rules over that history: how many alerts each raises
  (at most 500 a pass), and the time per alert (each is a transaction of its own with its trace
  event);
- then the steady state, the pass the worker runs every 30 s when nothing new is due: the time
  rules' scan and the timers' query, p50/p95 over --passes passes. It does not grow with the
  history: it reads the ready steps past due and the open cases idle (partial indexes), so it
  grows with that backlog (about 12 ms a rule at ~5,000 overdue steps).

Run:  make bench-worker            (= .venv/bin/python bench/bench_worker.py)
      .venv/bin/python bench/bench_worker.py --passes 30 --database-url postgresql+psycopg://…
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bench_pages import DEFAULT_URL, ENV, plain_url  # noqa: E402
from bench.latency import p95  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--passes", type=int, default=20)
    args = parser.parse_args()
    os.environ.update(ENV)
    import psycopg
    try:
        psycopg.connect(plain_url(args.database_url)).close()
    except psycopg.OperationalError as err:
        sys.exit(f"cannot open the benchmark database ({str(err).strip().splitlines()[-1]}); "
                 "build it with `make bench-pages` first")
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=root, check=True,
                   env={**os.environ, "DATABASE_URL": args.database_url}, capture_output=True)

    from workflow_app import create_app
    from workflow_app.extensions import db
    from workflow_app.models import Alert
    from workflow_app.services.cases import timers
    from workflow_app.services.oversight import alerts

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, **ENV})
    with app.app_context():
        existing = db.session.execute(db.select(db.func.count()).select_from(Alert)).scalar()
        print(f"alerts already raised: {existing}")
        total, seconds = 0, 0.0
        while True:
            start = time.perf_counter()
            done = alerts.scan()
            took = time.perf_counter() - start
            db.session.remove()
            if not done.raised and not done.cleared:
                break
            total += len(done.raised)
            seconds += took
            print(f"  a pass raised {len(done.raised)} and cleared {len(done.cleared)} alerts in {took * 1000:.0f} ms")
        if total:
            print(f"first passes: {total} alerts in {seconds:.1f} s ({seconds * 1000 / total:.1f} ms an alert)")
        # the statistics autovacuum keeps in production: without them the planner takes the new
        # alert table for empty and anti-joins it in a nested loop (300 ms instead of 12 ms a rule)
        db.session.execute(db.text("ANALYZE oversight_alert"))
        db.session.commit()
        scans, fires = [], []
        for _ in range(args.passes):
            start = time.perf_counter()
            alerts.scan()
            scans.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            timers.fire_due()
            fires.append((time.perf_counter() - start) * 1000)
            db.session.remove()
        print(f"{'steady pass (nothing new due)':40} {'p50 ms':>8} {'p95 ms':>8}   ({args.passes} passes)")
        print(f"{'oversight time rules (alerts.scan)':40} {statistics.median(scans):8.1f} {p95(scans):8.1f}")
        print(f"{'timers (timers.fire_due)':40} {statistics.median(fires):8.1f} {p95(fires):8.1f}")


if __name__ == "__main__":
    main()
