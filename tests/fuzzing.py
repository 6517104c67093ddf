"""Fuzzing the API from its own OpenAPI document (/api/v1/openapi.json) with schemathesis.

Every operation gets requests generated from the document: data that fits it (positive) and data
that does not (negative), once with generated path ids and once with the ids of real rows (so
task completion, case moves and case reads reach the services, not only the 404). Each request is
counted; any 5xx is a bug, reported with a curl command that reproduces it.

In the test suite (tests/integration/test_fuzz_api.py) this runs in process against the WSGI app
on each database. Over HTTP, against a live server on PostgreSQL:

    make fuzz        # FUZZ_DATABASE_URL (default: database zhifaflow_fuzz on 127.0.0.1:5432, created if
                     # missing, a scratch database: it fills with fuzz data), FUZZ_PORT, FUZZ_EXAMPLES

migrates, seeds and deploys as `make run` does, serves on FUZZ_PORT (as a development server:
PostgreSQL would otherwise count as production and ask for its keys; with the login limits
lifted, since the run logs in for each token it revokes: server_env), fuzzes, stops the server,
and prints every 5xx with a curl command, then "N requests, M server errors (5xx)". `--url URL`
fuzzes a server already running.
"""
import argparse
import contextlib
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import HypothesisException
from schemathesis.generation import GenerationMode

# Who sends each operation: a user holding the role it needs; an officer (who opens cases and
# completes their tasks) for the rest.
ACTORS = {("POST", "/procedures"): "author1", ("POST", "/cases/{case_id}/migrate"): "author1"}
DEFAULT_ACTOR = "officer1"
# Operations that end the token they are sent with: each request gets a fresh one.
REVOKING = {("DELETE", "/auth/token")}
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/zhifaflow_fuzz"
# Both login limits lifted for the run's server (thousands of logins a minute, one address, one account).
SERVER_ENV = {"LOGIN_LIMIT_PER_ACCOUNT": "1000000 per minute", "LOGIN_LIMIT_PER_ADDRESS": "1000000 per minute"}


def server_env(database_url: str) -> dict:
    """The environment of the run's server and its set-up commands (config.py reads it): the
    scratch database, SERVER_ENV, and ZHIFAFLOW_ENV=development unless set (a scratch PostgreSQL
    database is no production: its keys are generated into instance/)."""
    return {"ZHIFAFLOW_ENV": "development", **os.environ, "DATABASE_URL": database_url, **SERVER_ENV}


@dataclass
class FuzzReport:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    by_operation: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def record(self, case, response) -> None:
        self.requests += 1
        self.statuses[response.status_code] += 1
        self.by_operation[(case.operation.label, response.status_code)] += 1
        if response.status_code >= 500:
            self.server_errors.append(
                f"{case.operation.label} -> {response.status_code}: {case.as_curl_command()}")

    def summary(self) -> str:
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        return f"{self.requests} requests, {len(self.server_errors)} server errors (5xx) [{codes}]"


def fuzz(schema, login: Callable[[str], str], examples: int, known_ids: dict[str, int] | None = None,
         derandomize: bool = True, base_url: str | None = None) -> FuzzReport:
    """Send `examples` generated requests per operation, mode and id source; count what came back.

    `login(username)` returns a bearer token of that user."""
    report = FuzzReport()
    tokens: dict[str, str] = {}

    def auth(operation) -> dict:
        key = (operation.method.upper(), operation.path)
        actor = ACTORS.get(key, DEFAULT_ACTOR)
        if key in REVOKING:
            return {"Authorization": f"Bearer {login(actor)}"}
        if actor not in tokens:
            tokens[actor] = login(actor)
        return {"Authorization": f"Bearer {tokens[actor]}"}

    for result in schema.get_all_operations():
        operation = result.ok()
        path_ids = [None]
        wanted = {p.name for p in operation.path_parameters}
        if wanted and known_ids and wanted <= set(known_ids):
            path_ids.append({name: known_ids[name] for name in wanted})
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for ids in path_ids:
                strategy = operation.as_strategy(generation_mode=mode, path_parameters=ids)

                @settings(max_examples=examples, deadline=None, database=None, derandomize=derandomize,
                          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
                @given(case=strategy)
                def send(case):
                    report.record(case, case.call(base_url=base_url, headers=auth(case.operation)))

                try:
                    send()
                except HypothesisException as err:  # e.g. nothing negative to generate
                    report.skipped.append(f"{operation.label} {mode.value}: {type(err).__name__}")
    return report


def _token(base_url: str, username: str, password: str) -> str:
    import requests

    r = requests.post(f"{base_url}/api/v1/auth/token", json={"username": username, "password": password},
                      timeout=30)
    if r.status_code != 201:
        raise SystemExit(f"Error: cannot log in as {username}: {r.status_code} {r.text[:200]}")
    return r.json()["token"]


def _known_ids(base_url: str, token: str) -> dict[str, int]:
    """Open a case as the officer: its id, its ready task's id and its procedure version's."""
    import requests

    headers = {"Authorization": f"Bearer {token}"}
    r = requests.post(f"{base_url}/api/v1/cases", headers=headers, timeout=30, json={
        "procedure_id": "general_penalty", "title": "模糊测试案件", "department": "market",
        "party": {"name": "模糊测试当事人", "kind": "person"}})
    if r.status_code != 201:
        raise SystemExit(f"Error: cannot open a case: {r.status_code} {r.text[:200]}")
    versions = requests.get(f"{base_url}/api/v1/procedures", headers=headers, timeout=30).json()["items"]
    return {"case_id": r.json()["id"], "task_id": r.json()["tasks"][0]["id"], "version_id": versions[0]["id"]}


def _ensure_database(url: str) -> None:
    """Create the scratch database of the run if it does not exist yet."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(drivername="postgresql+psycopg", database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).first() is None:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


@contextlib.contextmanager
def _live_server(database_url: str, port: int, password: str):
    """Migrate, seed and deploy as the README's run command does, then serve on `port` until done."""
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    env = server_env(database_url)
    for step in (["db", "upgrade"], ["demo", "seed", "--password", password, "--if-empty"],
                 ["procedures", "deploy", str(ROOT)]):
        done = subprocess.run(flask + step, env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"Error: flask {step[0]} {step[1]} failed:\n{done.stdout}{done.stderr}")
    server = subprocess.Popen(flask + ["run", "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        import requests

        for _ in range(100):
            try:
                if requests.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"Error: the server on port {port} did not start")
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Fuzz the ZhifaFlow API over HTTP from its OpenAPI document.")
    parser.add_argument("--database-url", default=os.environ.get("FUZZ_DATABASE_URL", DEFAULT_DATABASE),
                        help="a scratch PostgreSQL database (created if missing; it fills with fuzz data)")
    parser.add_argument("--port", type=int, default=5121, help="port of the server started for the run")
    parser.add_argument("--url", help="fuzz this running server instead of starting one")
    parser.add_argument("--password", required=True, help="the demo users' password")
    parser.add_argument("--examples", type=int, default=200, help="requests per operation, mode and id source")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        if args.url:
            url = args.url.rstrip("/")
        else:
            _ensure_database(args.database_url)
            url = stack.enter_context(_live_server(args.database_url, args.port, args.password))
        schema = schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json")
        started = time.monotonic()
        report = fuzz(schema, lambda user: _token(url, user, args.password), args.examples,
                      known_ids=_known_ids(url, _token(url, DEFAULT_ACTOR, args.password)),
                      derandomize=False, base_url=f"{url}/api/v1")
    for label in sorted({label for label, _ in report.by_operation}):
        codes = {code: n for (other, code), n in sorted(report.by_operation.items()) if other == label}
        print(f"{label:36} {sum(codes.values()):6} requests  " + " ".join(f"{c}: {n}" for c, n in codes.items()))
    for line in report.server_errors:
        print(line)
    for line in report.skipped:
        print(f"skipped {line}")
    print(f"{report.summary()} in {time.monotonic() - started:.0f} s")
    return 1 if report.server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
