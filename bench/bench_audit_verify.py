"""Benchmark: `audit verify` on PostgreSQL at scale: events per second, one process and parallel.

Builds (unless --reuse) a database of about --events trace events the way `make bench-pages` does:
the demo's cases are opened through the real CLI (`db upgrade | demo seed | procedures deploy |
demo cases`: every stage of the general procedure, with the alerts the oversight scan raises),
then cloned in SQL (COPY) with every clone's chain re-signed under the audit key
(bench_pages.clone_cases), about 25 events a case. Then times `audit_verify.verify()` over the
whole trail, best and median of --repeat, with one worker process and with --workers, and checks
both report the same (no problem at all on an untouched trail). The time includes re-hashing the
evidence files on disk (once each distinct file: the clones share the templates' few files).

Run:  make bench-audit              (= .venv/bin/python bench/bench_audit_verify.py)
      .venv/bin/python bench/bench_audit_verify.py --events 300000 --workers 2
      .venv/bin/python bench/bench_audit_verify.py --reuse     (measure the database built last time)
The database (`--database-url`, default zhifaflow_bench_audit on 127.0.0.1:5432) is dropped and
re-created unless --reuse is given, and kept afterwards.
"""
import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bench_pages import ENV, build_templates, clone_cases, plain_url, recreate_database  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/zhifaflow_bench_audit"


def count(url: str, table: str) -> int:
    import psycopg

    with psycopg.connect(plain_url(url)) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def build(url: str, events: int, seed: int) -> None:
    start = time.perf_counter()
    recreate_database(url)
    build_templates(url)
    per_case = count(url, "trace_event") / max(1, count(url, "enforcement_case"))
    cases = max(count(url, "enforcement_case"), round(events / per_case))
    written = clone_cases(url, cases, seed)
    print(f"built in {time.perf_counter() - start:.0f} s: " + ", ".join(f"{n} {k} rows" for k, n in written.items()))


def cpu_seconds() -> float:
    """CPU time of this process and of its ended children (the worker processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(url: str, workers: int, repeat: int):
    """`repeat` passes: the best one (seconds, CPU seconds of the pass's own processes, report)
    and the median seconds."""
    from workflow_app import create_app
    from workflow_app.services.audit import verify as audit_verify

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, **ENV})
    runs = []
    with app.app_context():
        for _ in range(repeat):
            start, cpu = time.perf_counter(), cpu_seconds()
            report = audit_verify.verify(workers=workers)
            runs.append((time.perf_counter() - start, cpu_seconds() - cpu, report))
    return min(runs, key=lambda run: run[0]), statistics.median(run[0] for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--events", type=int, default=300_000, help="trace events to build (about)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes of the parallel pass")
    parser.add_argument("--repeat", type=int, default=3, help="passes of each; the best is printed")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--reuse", action="store_true", help="measure the database already built")
    args = parser.parse_args()
    os.environ.update(ENV)
    if not args.reuse:
        build(args.database_url, args.events, args.seed)
    print(f"database: {count(args.database_url, 'enforcement_case')} cases, "
          f"{count(args.database_url, 'trace_event')} trace events, {count(args.database_url, 'case_task')} tasks, "
          f"{count(args.database_url, 'oversight_alert')} alerts")
    results = {}
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (other work slows the passes)")
    for workers in dict.fromkeys((1, args.workers)):
        (seconds, cpu, report), median = measure(args.database_url, workers, args.repeat)
        results[workers] = report
        print(f"audit verify, {workers} process(es): {report.events} events in {report.chains} chains "
              f"({report.cases} cases) in {seconds:.2f} s = {report.events / seconds:,.0f} events/s "
              f"(median of {args.repeat}: {median:.2f} s = {report.events / median:,.0f} events/s; "
              f"{cpu / report.events * 1e6:.1f} µs of CPU an event in the pass's processes, the database's "
              f"not counted); {'OK' if report.ok else f'{report.problem_count} problem(s)'}")
    reports = list(results.values())
    same = all((r.events, r.chains, r.cases, r.problem_count, [str(p) for p in r.problems])
               == (reports[0].events, reports[0].chains, reports[0].cases, reports[0].problem_count,
                   [str(p) for p in reports[0].problems]) for r in reports)
    print("the passes report the same" if same else "THE PASSES DIFFER")
    for problem in reports[0].problems[:10]:
        print(f"  TAMPERED {problem}")
    if not same or not reports[0].ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
