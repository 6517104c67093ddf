"""No request the API's own OpenAPI document can describe, valid or not, gets a server error."""
import os

import schemathesis

from tests.conftest import PASSWORD
from tests.fuzzing import fuzz

# Per operation, generation mode and id source. 5 make about 1,300 requests in about 35 s, most of
# it hypothesis generating them (12 made 3,073 in 87 s, the one test that set `make test`'s pace);
# .ci/run sets FUZZ_EXAMPLES=12 on both databases, `make fuzz` 200 over HTTP.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 5))


def test_generated_requests_get_no_server_error(app, api):
    case = api.run(api.open_case(), "clue_intake")
    version_id = api.get("/api/v1/procedures").json["items"][0]["id"]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)

    def login(username: str) -> str:
        r = app.test_client().post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        return r.json["token"]

    report = fuzz(schema, login, EXAMPLES,
                  known_ids={"case_id": case["id"], "task_id": case["tasks"][0]["id"], "version_id": version_id})
    print(report.summary())
    assert report.requests > 13 * 2 * EXAMPLES
    assert report.server_errors == [], "\n".join(report.server_errors[:10])


def test_the_fuzz_server_is_a_development_server_with_the_login_limits_lifted(monkeypatch):
    """`make fuzz` serves a scratch PostgreSQL database: without ZHIFAFLOW_ENV it was refused as
    production (no keys), and a misnamed setting left the login limits in place (429s). What the
    app reads from the run's environment, in a fresh interpreter as the server's."""
    import json
    import subprocess
    import sys

    from tests.fuzzing import DEFAULT_DATABASE, ROOT, SERVER_ENV, server_env

    monkeypatch.delenv("ZHIFAFLOW_ENV", raising=False)
    read = subprocess.run([sys.executable, "-c", (
        "import json; from workflow_app.config import Config, is_production; "
        "config = {k: v for k, v in vars(Config).items() if k.isupper()}; "
        "print(json.dumps({'production': is_production(config), "
        f"**{{k: config.get(k) for k in {sorted(SERVER_ENV)!r}}}}}))")],
        env=server_env(DEFAULT_DATABASE), cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(read.stdout) == {"production": False, **SERVER_ENV}
