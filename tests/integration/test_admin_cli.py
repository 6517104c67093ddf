"""Administering org units, users, roles and certificates from the command line."""
from datetime import timedelta

from workflow_app.wall_clock import local_today


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_a_new_department_and_officer_can_work_a_case(app, client):
    r = run(app, "org", "add", "tobacco_branch", "烟草专卖局稽查支队", "--parent", "qinghe")
    assert r.exit_code == 0, r.output
    r = run(app, "users", "create", "newofficer", "--name", "新警员", "--unit", "tobacco_branch",
            "--role", "officer", "--password", "a-good-password")
    assert r.exit_code == 0, r.output
    today = local_today()
    r = run(app, "users", "certify", "newofficer", "--number", "ZF-NEW-1", "--domain", "烟草专卖",
            "--issued", str(today - timedelta(days=30)), "--expires", str(today + timedelta(days=3 * 365)))
    assert r.exit_code == 0, r.output
    token = client.post("/api/v1/auth/token", json={"username": "newofficer", "password": "a-good-password"})
    assert token.status_code == 201
    headers = {"Authorization": f"Bearer {token.json['token']}"}
    case = client.post("/api/v1/cases", headers=headers, json={
        "procedure_id": "general_penalty", "title": "无证经营", "department": "tobacco_branch",
        "party": {"name": "某商店", "kind": "organization"}})
    assert case.status_code == 201 and case.json["number"].startswith("TOBACCO_BRANCH-")
    assert "newofficer" in run(app, "users", "list", "--unit", "tobacco_branch").output


def test_bad_admin_input_is_a_message_and_exit_1(app):
    for args in (["users", "create", "x y", "--name", "n", "--unit", "market", "--role", "officer",
                  "--password", "long-enough-1"],
                 ["users", "create", "dup", "--name", "n", "--unit", "nowhere", "--role", "officer",
                  "--password", "long-enough-1"],
                 ["users", "create", "dup2", "--name", "n", "--unit", "market", "--role", "wizard",
                  "--password", "long-enough-1"],
                 ["users", "create", "officer1", "--name", "n", "--unit", "market", "--role", "officer",
                  "--password", "long-enough-1"],
                 ["users", "create", "dup3", "--name", "n", "--unit", "market", "--role", "officer",
                  "--password", "short"],
                 ["org", "add", "Bad Code", "名字"],
                 ["users", "certify", "ghost", "--number", "1", "--domain", "d", "--issued", "2026-01-01",
                  "--expires", "2027-01-01"],
                 ["users", "certify", "officer1", "--number", "N", "--domain", "d", "--issued", "2026-01-01",
                  "--expires", "2025-01-01"]):
        r = run(app, *args)
        assert r.exit_code == 1 and r.output.startswith("Error:") and "Traceback" not in r.output, (args, r.output)


def test_deactivation_revokes_access_and_roles_can_change(app, client):
    token = client.post("/api/v1/auth/token", json={"username": "officer2", "password": "test-password-1"})
    headers = {"Authorization": f"Bearer {token.json['token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert run(app, "users", "deactivate", "officer2").exit_code == 0
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "officer2", "password": "test-password-1"}
                       ).status_code == 401
    r = run(app, "users", "roles", "officer3", "--grant", "legal_reviewer", "--revoke", "officer")
    assert r.exit_code == 0 and r.output.strip() == "officer3: legal_reviewer"


def test_password_change_logs_out_old_tokens(app, client):
    old = client.post("/api/v1/auth/token", json={"username": "head1", "password": "test-password-1"})
    assert run(app, "users", "set-password", "head1", "--password", "a-new-password").exit_code == 0
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {old.json['token']}"}).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "head1", "password": "a-new-password"}
                       ).status_code == 201


def test_admin_actions_are_traced(app):
    run(app, "users", "roles", "officer3", "--grant", "legal_reviewer")
    from workflow_app.extensions import db
    from workflow_app.models import TraceEvent

    with app.app_context():
        last = db.session.execute(db.select(TraceEvent).where(TraceEvent.chain == "system")
                                  .order_by(TraceEvent.seq.desc()).limit(1)).scalar_one()
        assert last.action == "user.roles_changed" and last.actor.startswith("cli:")
