"""Logging out, a new password and a deactivation end every login session of the user, on every
browser (two test clients here: two browsers of one user); a new password and a deactivation also
end every API token. Each is on the system chain of the trace."""
import json

from tests.conftest import PASSWORD
from tests.web_session import csrf_of, html, page_login
from workflow_app.extensions import db
from workflow_app.models import TraceEvent
from workflow_app.services.people import users


def two_browsers(app, username: str):
    browsers = app.test_client(), app.test_client()
    for browser in browsers:
        assert page_login(browser, username).status_code == 302
        assert logged_in(browser)
    return browsers


def logged_in(browser) -> bool:
    """The inbox answers (200), rather than sending the browser to the login page (302)."""
    r = browser.get("/inbox")
    assert r.status_code in (200, 302), r.status_code
    return r.status_code == 200 and 'action="/logout"' in html(r)


def api_session_works(browser) -> bool:
    """The same session cookie as a credential of the API (with its CSRF token)."""
    token = browser.get("/api/v1/auth/csrf-token").json["csrf_token"]
    r = browser.get("/api/v1/me", headers={"X-CSRFToken": token})
    assert r.status_code in (200, 401), r.status_code
    return r.status_code == 200


def bearer(client, username: str, password: str = PASSWORD) -> dict:
    r = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 201, r.json
    return {"Authorization": f"Bearer {r.json['token']}"}


def token_works(client, headers) -> bool:
    r = client.get("/api/v1/me", headers=headers)
    assert r.status_code in (200, 401), r.status_code
    return r.status_code == 200


def last_system_event(app) -> TraceEvent:
    with app.app_context():
        return db.session.execute(db.select(TraceEvent).where(TraceEvent.chain == "system")
                                  .order_by(TraceEvent.seq.desc()).limit(1)).scalar_one()


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_logging_out_in_one_browser_ends_the_session_in_the_other(app, client):
    first, second = two_browsers(app, "officer1")
    other_user = app.test_client()
    page_login(other_user, "officer2")
    token = bearer(client, "officer1")
    r = first.post("/logout", data={"csrf_token": csrf_of(html(first.get("/inbox")))})
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert not logged_in(first) and not logged_in(second) and not api_session_works(second)
    assert logged_in(other_user)  # another user's session is no business of this logout
    assert token_works(client, token)  # a token was had for the password: its own logout ends it
    event = last_system_event(app)
    assert (event.action, event.actor) == ("user.logged_out", "officer1")
    assert json.loads(event.data_json) == {"username": "officer1", "sessions_ended": True}
    page_login(second, "officer1")  # a new login starts a session that lives
    assert logged_in(second) and not logged_in(first)


def test_logging_out_through_the_api_with_a_session_ends_every_session(app, client):
    first, second = two_browsers(app, "head1")
    token = bearer(client, "head1")
    csrf = {"X-CSRFToken": first.get("/api/v1/auth/csrf-token").json["csrf_token"]}
    assert first.delete("/api/v1/auth/token", headers=csrf).status_code == 204
    assert not logged_in(first) and not logged_in(second)
    assert token_works(client, token)
    assert last_system_event(app).action == "user.logged_out"


def test_logging_out_a_bearer_token_ends_that_token_only(app, client):
    first, second = two_browsers(app, "officer1")
    ended, kept = bearer(client, "officer1"), bearer(client, "officer1")
    assert client.delete("/api/v1/auth/token", headers=ended).status_code == 204
    assert not token_works(client, ended) and token_works(client, kept)
    assert logged_in(first) and logged_in(second)


def test_a_new_password_set_from_the_command_line_ends_every_session_and_token(app, client):
    first, second = two_browsers(app, "officer1")
    tokens = bearer(client, "officer1"), bearer(client, "officer1")
    r = cli(app, "users", "set-password", "officer1", "--password", "a-new-password-1")
    assert r.exit_code == 0, r.output
    assert not logged_in(first) and not logged_in(second) and not api_session_works(first)
    assert not any(token_works(client, t) for t in tokens)
    event = last_system_event(app)
    assert event.action == "user.password_set" and event.actor.startswith("cli:")
    assert json.loads(event.data_json) == {"username": "officer1", "sessions_ended": True, "tokens_revoked": 2}
    assert page_login(first, "officer1", PASSWORD).status_code == 200  # the old password: refused
    assert page_login(first, "officer1", "a-new-password-1").status_code == 302 and logged_in(first)
    assert token_works(client, bearer(client, "officer1", "a-new-password-1"))


def test_a_new_password_from_the_service_ends_the_sessions_of_that_user_only(app, client):
    first, second = two_browsers(app, "officer2")
    bystander = app.test_client()
    page_login(bystander, "officer3")
    with app.app_context():
        users.set_password("cli:test", "officer2", "a-new-password-2")
    assert not logged_in(first) and not logged_in(second)
    assert logged_in(bystander)


def test_deactivation_ends_every_session_and_token_and_activation_brings_none_back(app, client):
    first, second = two_browsers(app, "officer2")
    token = bearer(client, "officer2")
    assert cli(app, "users", "deactivate", "officer2").exit_code == 0
    assert not logged_in(first) and not logged_in(second) and not api_session_works(second)
    assert not token_works(client, token)
    event = last_system_event(app)
    assert event.action == "user.deactivated"
    assert json.loads(event.data_json) == {"username": "officer2", "sessions_ended": True, "tokens_revoked": 1}
    assert page_login(first, "officer2").status_code == 200  # a deactivated user cannot log in
    assert cli(app, "users", "activate", "officer2").exit_code == 0
    assert not logged_in(second) and not token_works(client, token)  # the old ones stay ended
    assert last_system_event(app).action == "user.activated"
    assert page_login(first, "officer2").status_code == 302 and logged_in(first)
