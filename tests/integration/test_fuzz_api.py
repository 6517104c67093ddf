"""No request the API's own OpenAPI document can describe, valid or not, gets a server error."""
import os

import schemathesis

from tests.conftest import PASSWORD
from tests.fuzzing import fuzz

# Per operation, generation mode and id source: 12 make about 600 requests (FUZZ_EXAMPLES for more).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 12))


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
