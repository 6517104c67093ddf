"""Benchmark: how fast `audit verify` checks the trail, and that its memory does not grow with it.

What is measured (one process, a fresh SQLite file in a temp dir, or --database-url):

1. Build: cases driven through the service layer along bench_cases.PATH (open -> closed, 12
   tasks, about 40 trace events each), in two equal batches.
2. After each batch: `services.audit_verify.verify()` - every chain's HMAC digests and links,
   every case row and task row against its events - timed (best of 3) -> events per second; then
   once more under tracemalloc -> the peak of Python memory allocated during the pass. If verify
   streams as designed, the peak stays about the same when the trail doubles.
3. `audit_checkpoints.create_checkpoint` (a verify pass plus signing) on the full trail.

Run:  .venv/bin/python bench/bench_audit.py                  (2 x 50 cases)
      .venv/bin/python bench/bench_audit.py --cases 200
      DATABASE_URL=... is not used: pass --database-url postgresql://... for PostgreSQL
      (the database must be empty; it is migrated and seeded).
"""
import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_cases  # noqa: E402


def build(app, n_cases: int) -> None:
    from workflow_app.extensions import db
    from workflow_app.models import User
    from workflow_app.services.cases import lifecycle as svc

    with app.app_context():
        users = {u: db.session.execute(db.select(User).where(User.username == u)).scalar_one()
                 for u in bench_cases.USERS}
        for _ in range(n_cases):
            case = svc.open_case(users["officer1"], process_id=bench_cases.PROCESS_ID,
                                 title=bench_cases.CASE["title"], department_code=bench_cases.CASE["department"],
                                 party=bench_cases.CASE["party"])
            for bpmn_id, user, data in bench_cases.PATH:
                task_id = bench_cases.pick([(t.id, t.bpmn_id) for t in svc.ready_tasks(case)], bpmn_id)
                case = svc.complete_task(users[user], task_id, dict(data))
        db.session.remove()


def measure(app) -> dict:
    from workflow_app.services.audit.verify import verify

    with app.app_context():
        best, report = None, None
        for _ in range(3):
            t0 = time.perf_counter()
            report = verify()
            elapsed = time.perf_counter() - t0
            best = elapsed if best is None else min(best, elapsed)
        if not report.ok:
            raise RuntimeError(f"the trail does not verify: {report.problems[:3]}")
        tracemalloc.start()
        verify()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {"events": report.events, "chains": report.chains, "cases": report.cases, "seconds": best,
            "events_per_s": report.events / best, "peak_kib": peak / 1024}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100, help="cases in all, built in two halves")
    parser.add_argument("--database-url", help="an empty database to use instead of a temp SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = bench_cases.make_app(Path(tmp) / "audit.db") if not args.database_url else None
        if app is None:
            from flask_migrate import upgrade

            from workflow_app import create_app
            from workflow_app.demo.seed import seed_demo
            from workflow_app.services.procedures import versions as procedures

            app = create_app({**bench_cases.CONFIG, "SQLALCHEMY_DATABASE_URI": args.database_url})
            with app.app_context():
                upgrade()
                seed_demo(bench_cases.PASSWORD)
                procedures.deploy(bench_cases.BPMN_FILE.read_bytes(), "cli:bench")
        rows = []
        for _ in range(2):
            t0 = time.perf_counter()
            build(app, args.cases // 2)
            built = time.perf_counter() - t0
            rows.append(measure(app))
            print(f"built {args.cases // 2} cases in {built:.1f} s", file=sys.stderr)
        from workflow_app.services.audit.checkpoints import create_checkpoint

        with app.app_context():
            t0 = time.perf_counter()
            checkpoint = create_checkpoint("cli:bench")
            checkpoint_s = time.perf_counter() - t0
            chains = checkpoint.chains
    dialect = "postgresql" if args.database_url else "sqlite"
    print(f"audit verify ({dialect}; HMAC chains + case/task rows against the trace)")
    print(f"{'events':>8} {'chains':>7} {'cases':>6} {'seconds':>8} {'events/s':>9} {'peak KiB':>9}")
    for r in rows:
        print(f"{r['events']:>8} {r['chains']:>7} {r['cases']:>6} {r['seconds']:>8.3f} "
              f"{r['events_per_s']:>9.0f} {r['peak_kib']:>9.0f}")
    print(f"audit checkpoint: {checkpoint_s:.3f} s for {chains} chains (verify + sign)")


if __name__ == "__main__":
    main()
