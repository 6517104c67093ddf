"""Who is calling: deny by default, bearer tokens or a login session with its CSRF token, no
forgeable key, and 404s that reveal nothing outside the caller's scope."""
import re

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from tests.conftest import BASE_CONFIG, PASSWORD
from workflow_app import create_app
from workflow_app.api.authentication import is_public
from workflow_app.extensions import db
from workflow_app.models import Case, User

PUBLIC_ENDPOINTS = {"api.create_token", "api.csrf_token", "api.openapi_document"}


def api_calls(app):
    """(method, url, endpoint) of every API route, ids filled with 1."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        url = re.sub(r"<[^>]+>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url, rule.endpoint


def test_every_api_route_but_the_marked_public_ones_answers_401_without_credentials(app, client):
    calls = list(api_calls(app))
    assert len(calls) >= 15
    public = {endpoint for _, _, endpoint in calls if is_public(app.view_functions[endpoint])}
    assert public == PUBLIC_ENDPOINTS  # making a route public is a decision this test must be told of
    session_only = app.test_client()
    log_in_session(session_only, app, "admin")  # a session cookie without its CSRF token
    for method, url, endpoint in calls:
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        for headers in ({}, {"Authorization": "Bearer forged"}, {"Authorization": "Basic b2ZmaWNlcjE6eA=="}):
            r = client.open(url, method=method, headers=headers, json={})
            assert r.status_code == 401, (method, url, headers, r.status_code)
            assert r.json["error"] == "unauthorized" and r.headers["WWW-Authenticate"].startswith("Bearer")
        r = session_only.open(url, method=method, json={})
        assert r.status_code == 401 and r.json["error"] == "csrf_failed", (method, url, r.status_code)


def test_the_public_routes_answer_without_credentials(client):
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/auth/csrf-token").json["header"] == "X-CSRFToken"
    r = client.post("/api/v1/auth/token", json={"username": "officer1", "password": PASSWORD})
    assert r.status_code == 201 and r.json["user"]["username"] == "officer1"


def test_the_openapi_document_marks_exactly_the_public_operations(client):
    doc = client.get("/api/v1/openapi.json").json
    token = doc["paths"]["/auth/token"]
    assert token["post"]["security"] == []  # its 401 is a wrong password, not a missing login
    assert "password" in token["post"]["responses"]["401"]["description"]
    assert token["delete"]["security"] == [{"bearer": []}, {"session": [], "csrf": []}]
    assert doc["paths"]["/cases/{case_id}"]["get"]["security"] == [{"bearer": []}, {"session": [], "csrf": []}]


# -- login sessions (the pages) and CSRF ---------------------------------------------------------------
def log_in_session(client, app, username: str):
    """What the pages' login does: Flask-Login's user id (with the user's session version) in the
    signed session cookie."""
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.username == username)).scalar_one()
        session_user_id = user.get_id()
    with client.session_transaction() as session:
        session["_user_id"] = session_user_id
        session["_fresh"] = True


def csrf_header(client) -> dict:
    return {"X-CSRFToken": client.get("/api/v1/auth/csrf-token").json["csrf_token"]}


CASE = {"procedure_id": "general_penalty", "title": "某超市销售过期食品案", "department": "market",
        "party": {"name": "清河某超市有限公司", "kind": "organization"}}


def count_cases(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count(Case.id))).scalar()


def test_a_session_without_its_csrf_token_is_no_credential_for_reads_or_writes(app, client):
    log_in_session(client, app, "officer1")
    before = count_cases(app)
    for r in (client.get("/api/v1/me"), client.get("/api/v1/cases"), client.post("/api/v1/cases", json=CASE),
              client.get("/api/v1/me", headers={"X-CSRFToken": "made-up"})):
        assert r.status_code == 401 and r.json["error"] == "csrf_failed", r.json
        assert "X-CSRFToken" in r.json["message"] and "/api/v1/auth/csrf-token" in r.json["message"]
    assert count_cases(app) == before


def test_a_session_with_its_csrf_token_reads_and_writes(app, client):
    log_in_session(client, app, "officer1")
    headers = csrf_header(client)
    assert client.get("/api/v1/me", headers=headers).json["username"] == "officer1"
    r = client.post("/api/v1/cases", json=CASE, headers=headers)
    assert r.status_code == 201
    assert client.get(f"/api/v1/cases/{r.json['id']}", headers=headers).json["number"] == r.json["number"]


def test_the_csrf_token_of_another_session_is_refused(app):
    victim, attacker = app.test_client(), app.test_client()
    log_in_session(victim, app, "officer1")
    r = victim.post("/api/v1/cases", json=CASE, headers=csrf_header(attacker))
    assert r.status_code == 401 and r.json["error"] == "csrf_failed"


def test_under_https_a_session_write_also_needs_a_same_origin_referer(app, client):
    log_in_session(client, app, "officer1")
    headers = {"X-CSRFToken": client.get("/api/v1/auth/csrf-token", base_url="https://localhost").json["csrf_token"]}
    r = client.post("/api/v1/cases", json=CASE, headers=headers, base_url="https://localhost")
    assert r.status_code == 401 and "referrer" in r.json["message"]
    r = client.post("/api/v1/cases", json=CASE, base_url="https://localhost",
                    headers={**headers, "Referer": "https://evil.example/"})
    assert r.status_code == 401 and "referrer does not match" in r.json["message"]
    r = client.post("/api/v1/cases", json=CASE, base_url="https://localhost",
                    headers={**headers, "Referer": "https://localhost/cases/new"})
    assert r.status_code == 201


def test_bearer_requests_need_no_csrf_token_and_the_token_decides_who_acts(app, client, api):
    log_in_session(client, app, "head1")  # a session cookie riding along changes nothing
    r = client.post("/api/v1/cases", json=CASE, headers=api.headers("officer1"))
    assert r.status_code == 201
    assert client.get("/api/v1/me", headers=api.headers("officer1")).json["username"] == "officer1"


def test_a_deactivated_users_session_ends(app, client):
    from workflow_app.services.people import users

    log_in_session(client, app, "officer2")
    headers = csrf_header(client)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with app.app_context():
        users.set_active("cli:test", "officer2", False)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_session_naming_no_valid_user_is_no_credential(app, client):
    headers = csrf_header(client)
    with app.app_context():
        officer_id = db.session.execute(db.select(User.id).where(User.username == "officer1")).scalar_one()
    # not a number; no such user; a session from before session versions; a version never issued
    for user_id in ("not-a-number", "999999:0", str(officer_id), f"{officer_id}:7", f"{officer_id}:-1"):
        with client.session_transaction() as session:
            session["_user_id"] = user_id
        r = client.get("/api/v1/me", headers=headers)
        assert r.status_code == 401 and r.json["error"] == "unauthorized", user_id


# -- logging out -------------------------------------------------------------------------------------
def test_logging_out_without_credentials_is_401(client):
    r = client.delete("/api/v1/auth/token")
    assert r.status_code == 401 and r.json["error"] == "unauthorized"


def test_logging_out_revokes_the_bearer_token(client, api):
    headers = api.headers("officer1")
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_logging_out_a_session_needs_its_csrf_token_and_ends_it(app, client):
    log_in_session(client, app, "officer1")
    r = client.delete("/api/v1/auth/token")  # the request that answered 500 before
    assert r.status_code == 401 and r.json["error"] == "csrf_failed"
    headers = csrf_header(client)
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


# -- the signing key ---------------------------------------------------------------------------------
def forged_session(secret_key: str, user_id: int) -> tuple[str, str]:
    """A session cookie and CSRF token for `user_id`, signed by someone who knows `secret_key`."""
    signer = Flask("forger")
    signer.secret_key = secret_key
    cookie = SecureCookieSessionInterface().get_signing_serializer(signer).dumps(
        {"_user_id": f"{user_id}:0", "_fresh": True, "csrf_token": "f" * 40})
    token = URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token").dumps("f" * 40)
    return cookie, token


def test_without_a_configured_key_a_cookie_signed_with_the_old_public_default_is_refused(database_url, tmp_path):
    app = create_app({**BASE_CONFIG, "SECRET_KEY": None, "ZHIFAFLOW_ENV": "development",
                      "SQLALCHEMY_DATABASE_URI": database_url}, instance_path=str(tmp_path / "instance"))
    with app.app_context():
        admin_id = db.session.execute(db.select(User.id).where(User.username == "admin")).scalar_one()
    for key, expected in (("dev-only-change-me", 401), (app.secret_key, 200)):  # the second: the forgery works
        client = app.test_client()
        cookie, token = forged_session(key, admin_id)
        client.set_cookie("session", cookie)
        r = client.get("/api/v1/me", headers={"X-CSRFToken": token})
        assert r.status_code == expected, (key == app.secret_key, r.json)
    with app.app_context():
        db.engine.dispose()


# -- 404 outside the caller's scope ------------------------------------------------------------------
def same_answer(r_hidden, hidden_id: int, r_absent, absent_id: int):
    """The two responses are the same, but for the id the client itself sent."""
    assert r_hidden.status_code == r_absent.status_code
    assert (r_hidden.get_data(as_text=True).replace(str(hidden_id), "ID")
            == r_absent.get_data(as_text=True).replace(str(absent_id), "ID"))


ABSENT = 999999


def test_a_task_outside_your_scope_answers_like_a_task_that_does_not_exist(api):
    case = api.open_case()
    task = api.task(case, "clue_intake")
    outsider = "environment_officer1"
    hidden = api.get(f"/api/v1/tasks/{task['id']}", as_=outsider)
    same_answer(hidden, task["id"], api.get(f"/api/v1/tasks/{ABSENT}", as_=outsider), ABSENT)
    assert hidden.json == {"error": "not_found", "message": f"环节 {task['id']} 不存在"}
    body = {"data": {"source": "complaint"}}
    hidden = api.post(f"/api/v1/tasks/{task['id']}/complete", as_=outsider, json=body)
    same_answer(hidden, task["id"], api.post(f"/api/v1/tasks/{ABSENT}/complete", as_=outsider, json=body), ABSENT)
    assert hidden.json == {"error": "not_found", "message": f"环节 {task['id']} 不存在"}


def test_a_case_outside_your_scope_answers_like_a_case_that_does_not_exist(api, ctx):
    from workflow_app.services.people import users

    case = api.open_case()
    users.create_user("cli:test", username="environment_author", full_name="环境流程管理员",
                      unit_code="environment", roles=["bpmn_author"], password=PASSWORD)
    for outsider in ("environment_officer1", "environment_author"):
        for path in ("/api/v1/cases/{}", "/api/v1/cases/{}/tasks", "/api/v1/cases/{}/trace"):
            hidden = api.get(path.format(case["id"]), as_=outsider)
            assert hidden.status_code == 404
            same_answer(hidden, case["id"], api.get(path.format(ABSENT), as_=outsider), ABSENT)
        hidden = api.post(f"/api/v1/cases/{case['id']}/migrate", as_=outsider, json={})
        same_answer(hidden, case["id"], api.post(f"/api/v1/cases/{ABSENT}/migrate", as_=outsider, json={}), ABSENT)
        assert case["number"] not in hidden.get_data(as_text=True)


@pytest.mark.parametrize("username", ["officer1", "supervisor1"])
def test_in_scope_users_still_see_the_task(api, username):
    case = api.open_case()
    task = api.task(case, "clue_intake")
    r = api.get(f"/api/v1/tasks/{task['id']}", as_=username)
    assert r.status_code == 200 and r.json["case_number"] == case["number"]
