"""Profile: where the web process's CPU goes in one task completion, on PostgreSQL (cProfile).

A database of its own is made on the server (`--database-url`), migrated, seeded and given
general_penalty; then --cases cases run the bench's shortest path (bench_cases.PATH) through the
API with Flask's test client, and only the completions are profiled. The engine step runs in an
engine worker as in production (its CPU is not in this profile) unless --inline is given (then it
is, in `perform`). Prints the CPU ms per completion and the functions by own and cumulative time.

`--sections` instead: no profiler, the CPU ms per completion spent in a few named parts of the
path (each timed where it is called, outermost call only), which a profiler's own overhead on
many small Python calls distorts.

Run:  .venv/bin/python bench/profile_completion.py [--cases 20] [--inline] [--top 40]
      .venv/bin/python bench/profile_completion.py --sections
      .venv/bin/python bench/profile_completion.py --inline --plain [--no-recent-states]
"""
import argparse
import contextlib
import cProfile
import io
import logging
import os
import pstats
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_cases import CASE, PASSWORD, PATH, PROCESS_ID, USERS  # noqa: E402

# (module, attribute, label): where a part is looked up when the path calls it.
SECTIONS = [
    ("workflow_app.services.people.auth", "user_for_token", "token and user"),
    ("workflow_app.api.routes", "json_body", "request body read and checked"),
    ("workflow_app.services.cases.lifecycle", "_task_for_completion", "task, case, state and record read"),
    ("workflow_app.services.cases.lifecycle", "validate_form", "form validated"),
    ("workflow_app.services.cases.lifecycle", "check_step_rules", "rule kinds"),
    ("workflow_app.services.cases.step_path", "run_engine_step", "engine step (web side: send, wait, receive)"),
    ("workflow_app.services.cases.step_path", "apply_engine_step", "engine result applied to rows"),
    ("sqlalchemy.orm.session:Session", "flush", "ORM flush (+ trace events written after it)"),
    ("sqlalchemy.orm.session:Session", "commit", "commit (its flush included)"),
    ("workflow_app.services.oversight.alerts", "after_step", "alerts after the step"),
    ("workflow_app.api.routes", "dump_case", "response: case dumped"),
]


def time_sections(names) -> dict[str, list[float]]:
    """Wrap each named function so the CPU time of its outermost calls is summed."""
    import importlib

    spent = {}
    for module_name, attr, label in names:
        module_name, _, cls = module_name.partition(":")
        owner = importlib.import_module(module_name)
        if cls:
            owner = getattr(owner, cls)
        original, total, depth = getattr(owner, attr), [0.0], [0]

        def timed(*a, _original=original, _total=total, _depth=depth, **k):
            if _depth[0]:
                return _original(*a, **k)
            _depth[0] += 1
            started = time.process_time()
            try:
                return _original(*a, **k)
            finally:
                _total[0] += time.process_time() - started
                _depth[0] -= 1

        setattr(owner, attr, timed)
        spent[label] = total
    return spent


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", default=os.environ.get("DATABASE_URL")
                    or "postgresql://postgres@127.0.0.1:5432/test")
    ap.add_argument("--cases", type=int, default=20)
    ap.add_argument("--inline", action="store_true", help="run the engine step in this process (profiled)")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--plain", action="store_true", help="no profiler: the CPU figure alone, without its overhead")
    ap.add_argument("--sort", default="tottime,cumulative")
    ap.add_argument("--save", default="", help="also write the profile to this file (pstats format)")
    ap.add_argument("--only", default="", help="a regular expression the printed functions' paths must match "
                    "(e.g. workflow_app)")
    ap.add_argument("--sections", action="store_true", help="no profiler: CPU ms per completion in named parts")
    ap.add_argument("--no-recent-states", action="store_true",
                    help="with --inline: every step loads its state (engine/worker.py RecentStates off), to compare")
    args = ap.parse_args(argv)
    if args.no_recent_states:
        from workflow_app.engine import worker

        worker.recent_states.entries = 0
    if args.sections:
        args.plain = True

    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from workflow_app import create_app
    from workflow_app.demo.seed import seed_demo
    from workflow_app.extensions import db
    from workflow_app.services.procedures import versions as procedures

    base = make_url(args.database_url.replace("postgres://", "postgresql://", 1)).set(drivername="postgresql+psycopg")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"zhifaflow_profile_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": base.set(database=name).render_as_string(False),
                          "SECRET_KEY": "profile-only-secret-key-of-32-characters-or-more",
                          "AUDIT_HMAC_KEY": "profile-only-audit-key-0123456789abcdef",
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "RATELIMIT_ENABLED": False,
                          "ENGINE_INLINE": args.inline})
        with app.app_context():
            with contextlib.redirect_stderr(io.StringIO()):
                upgrade()
            logging.getLogger("alembic").setLevel(logging.WARNING)
            seed_demo(PASSWORD)
            procedures.deploy((ROOT / "bpmn" / PROCESS_ID / f"{PROCESS_ID}.bpmn").read_bytes(), "cli:profile")
            db.session.remove()
        client = app.test_client()
        tokens = {}
        for user in USERS:
            r = client.post("/api/v1/auth/token", json={"username": user, "password": PASSWORD})
            tokens[user] = {"Authorization": f"Bearer {r.json['token']}"}
        sections = time_sections(SECTIONS) if args.sections else {}
        profile = cProfile.Profile(time.process_time)  # CPU time: waiting on the database or the engine is not counted
        completions, cpu = 0, 0.0
        for i in range(args.cases + 1):  # case 0 warms up
            case = client.post("/api/v1/cases", json={"procedure_id": PROCESS_ID, **CASE}, headers=tokens["officer1"]).json
            for bpmn_id, user, data in PATH:
                task = next(t for t in case["tasks"] if t["bpmn_id"] == bpmn_id)
                started = time.process_time()
                if i and not args.plain:
                    profile.enable()
                r = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data}, headers=tokens[user])
                if i:
                    if not args.plain:
                        profile.disable()
                    cpu += time.process_time() - started
                    completions += 1
                assert r.status_code == 200, (bpmn_id, r.status_code, r.json)
                case = r.json
        print(f"{completions} completions: {cpu * 1000 / completions:.2f} ms CPU each in this process "
              f"(engine {'inline, included' if args.inline else 'in a worker, not included'}"
              f"{'' if args.plain else '; profiler overhead included'})")
        for label, spent in sections.items():
            print(f"  {label:<58}{spent[0] * 1000 / completions:>7.2f} ms")
        if args.plain:
            return
        stats = pstats.Stats(profile)
        if args.save:
            stats.dump_stats(args.save)
        for key in args.sort.split(","):
            stats.sort_stats(key).print_stats(*([args.only] if args.only else []), args.top)
    finally:
        from workflow_app.engine import pool
        if pool._pool is not None:
            pool._pool.shutdown()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
