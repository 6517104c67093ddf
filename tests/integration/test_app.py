"""The app's outer contract: factory, OpenAPI document, CLI seeding on a fresh database."""
from workflow_app import create_app


def test_openapi_document_lists_the_contract(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for path, method in [("/auth/token", "post"), ("/procedures", "get"), ("/procedures", "post"),
                         ("/cases", "post"), ("/cases/{case_id}", "get"), ("/cases/{case_id}/trace", "get"),
                         ("/tasks", "get"), ("/tasks/{task_id}/complete", "post")]:
        assert method in paths[path], (path, method)
    complete = paths["/tasks/{task_id}/complete"]["post"]
    assert {"401", "403", "404", "409", "422"} <= set(complete["responses"])
    assert "CaseCreate" in doc["components"]["schemas"]
    assert doc["servers"] == [{"url": "/api/v1"}]  # the paths above are relative to it
    case_id = paths["/cases/{case_id}"]["get"]["parameters"][0]
    assert case_id["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def test_openapi_document_is_valid_openapi_3(client):
    from openapi_spec_validator import validate

    validate(client.get("/api/v1/openapi.json").json)


def test_unknown_api_paths_are_json_404(client):
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json["error"] == "not_found"


def test_fresh_database_migrate_and_seed_by_cli(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.db'}",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "RATELIMIT_ENABLED": False},
                     instance_path=str(tmp_path / "instance"))  # its key is generated there
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    short = runner.invoke(args=["demo", "seed", "--password", "short"])
    assert short.exit_code == 1 and "8 characters" in short.output
    seeded = runner.invoke(args=["demo", "seed", "--password", "long-enough-pw"])
    assert seeded.exit_code == 0 and "Created" in seeded.output
    again = runner.invoke(args=["demo", "seed", "--password", "long-enough-pw", "--if-empty"])
    assert "nothing changed" in again.output
    from workflow_app.extensions import db
    from workflow_app.models import OrgUnit, User

    with app.app_context():
        users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
        market = db.session.execute(db.select(OrgUnit).where(OrgUnit.code == "market")).scalar_one()
        for name in ("officer1", "officer2", "reviewer1", "head1", "supervisor1", "author1", "admin"):
            assert users[name].org_unit.contains(market), name
        departments = db.session.execute(db.select(OrgUnit).where(OrgUnit.kind == "department")).scalars().all()
        assert len(departments) >= 40
        db.engine.dispose()
    client = app.test_client()
    r = client.post("/api/v1/auth/token", json={"username": "officer1", "password": "long-enough-pw"})
    assert r.status_code == 201


def test_migrations_are_reversible_and_match_the_models(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from workflow_app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}"},
                     instance_path=str(tmp_path / "instance"))
    runner = app.test_cli_runner()
    for args in (["db", "upgrade"], ["db", "downgrade", "base"], ["db", "upgrade"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
    with app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        db.engine.dispose()
    assert diff == [], diff


def test_demo_cases_need_the_demo_users(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}"},
                     instance_path=str(tmp_path / "instance"))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    r = runner.invoke(args=["demo", "cases"])
    assert r.exit_code == 1 and "demo seed" in r.output and "Traceback" not in r.output


def test_the_openapi_document_serves_a_generated_client(client):
    """What a client generated from it needs: an operationId each, typed query parameters, the
    login's own 401 and 429, no 409 on a read, the content type of each download, and the
    Idempotency-Key and Location of opening a case."""
    doc = client.get("/api/v1/openapi.json").json
    ops = {(path, method): op for path, item in doc["paths"].items() for method, op in item.items()}
    ids = [op["operationId"] for op in ops.values()]
    assert len(ids) == len(set(ids)) == len(ops)
    assert ops[("/cases", "post")]["operationId"] == "create_case"
    login = ops[("/auth/token", "post")]["responses"]
    assert {"401", "429"} <= set(login) and not {"403", "404", "409"} & set(login)
    assert not [path for (path, method), op in ops.items() if method == "get" and "409" in op["responses"]]
    tasks = {p["name"]: p["schema"] for p in ops[("/tasks", "get")]["parameters"]}
    assert tasks["page"]["type"] == "integer" and tasks["state"]["enum"] == ["ready", "completed", "cancelled"]
    assert list(ops[("/procedures/{version_id}/package", "get")]["responses"]["200"]["content"]) == ["application/zip"]
    assert list(ops[("/procedures/{version_id}/bpmn", "get")]["responses"]["200"]["content"]) == ["application/xml"]
    opening = ops[("/cases", "post")]
    assert "Location" in opening["responses"]["201"]["headers"]
    assert [p["name"] for p in opening["parameters"] if p["in"] == "header"] == ["Idempotency-Key"]
