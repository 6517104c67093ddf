"""Every response carries the security headers; tokens and case data are never cached."""
from tests.conftest import PASSWORD
from tests.helpers import STEPS
from workflow_app.security import CONTENT_SECURITY_POLICY


def directives(csp: str) -> dict[str, str]:
    return dict(part.strip().partition(" ")[::2] for part in csp.split(";"))


def test_the_content_security_policy_is_ready_for_server_rendered_pages():
    policy = directives(CONTENT_SECURITY_POLICY)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY


def responses(client, api):
    """A sample of every kind: pages' root, health, public and private API, errors, token, case data."""
    case = api.open_case()
    task = api.task(case, "clue_intake")
    yield "token", client.post("/api/v1/auth/token", json={"username": "officer1", "password": PASSWORD})
    yield "case", api.get(f"/api/v1/cases/{case['id']}")
    yield "case file", api.get(f"/api/v1/cases/{case['id']}/tasks")
    yield "trace", api.get(f"/api/v1/cases/{case['id']}/trace")
    yield "cases", api.get("/api/v1/cases")
    yield "task", api.get(f"/api/v1/tasks/{task['id']}")
    yield "inbox", api.get("/api/v1/tasks?mine=1")
    yield "completion", api.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": STEPS["clue_intake"][1]})
    yield "bpmn", api.get("/api/v1/procedures/1/bpmn")
    yield "root", client.get("/")
    yield "health", client.get("/healthz")
    yield "openapi", client.get("/api/v1/openapi.json")
    yield "401", client.get("/api/v1/me")
    yield "404", client.get("/api/v1/nowhere")
    yield "422", client.post("/api/v1/auth/token", json={})


def test_every_response_carries_the_security_headers_and_is_not_stored(client, api):
    for kind, r in responses(client, api):
        assert r.headers["X-Content-Type-Options"] == "nosniff", kind
        assert r.headers["Referrer-Policy"] == "same-origin", kind
        assert r.headers["X-Frame-Options"] == "DENY", kind
        assert r.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, kind
        assert r.headers["Cache-Control"] == "no-store", kind
        assert "Strict-Transport-Security" not in r.headers, kind  # plain HTTP: the header means nothing


def test_over_https_browsers_are_told_to_stay_on_https(client):
    r = client.get("/healthz", base_url="https://localhost")
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000"
