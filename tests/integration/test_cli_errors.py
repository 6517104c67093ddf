"""No CLI command ever prints a traceback: whatever fails, the operator reads one line on stderr
and the command exits 1. Run as an operator would, `flask --app wsgi <group> <command>`."""
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def flask(*args: str, database_url: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env["DATABASE_URL"] = database_url
    env.update(extra_env)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def assert_one_line_error(result: subprocess.CompletedProcess, *expected: str):
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("INFO ")]  # alembic's log
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for text in expected:
        assert text in lines[0], lines[0]


@pytest.mark.parametrize("args", [
    ["demo", "seed", "--password", "long-enough-pw"],
    ["demo", "cases"],
    ["audit", "verify"],
    ["users", "list"],
    ["procedures", "deploy", "bpmn/general_penalty/general_penalty.bpmn"],
])
def test_commands_on_an_unmigrated_database_print_one_line_and_exit_1(tmp_path, args):
    result = flask(*args, database_url=f"sqlite:///{tmp_path / 'unmigrated.db'}")
    assert_one_line_error(result, "database error", "no such table", "db upgrade")


def test_migrating_an_unreachable_database_prints_one_line_and_exits_1():
    # Nothing listens on port 9 of localhost (discard): the connection is refused at once.
    # (as a developer: production settings would stop it before it tries the database)
    result = flask("db", "upgrade", database_url="postgresql://nobody@127.0.0.1:9/nowhere",
                   ZHIFAFLOW_ENV="development")
    assert_one_line_error(result, "database error", "OperationalError")


def test_an_unexpected_error_in_a_command_is_one_line_and_exit_1(app, monkeypatch):
    from workflow_app.services.audit import checkpoints as audit_checkpoints

    def broken(*args, **kwargs):
        raise RuntimeError("the verifier broke\nsecond line of detail")

    monkeypatch.setattr(audit_checkpoints, "verify_trail", broken)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == "Error: unexpected RuntimeError: the verifier broke\n"


def test_usage_errors_are_still_clicks_own_messages(app):
    result = app.test_cli_runner().invoke(args=["demo", "cases", "--count", "0"])
    assert result.exit_code == 2 and "Invalid value for '--count'" in result.output


def test_a_database_error_other_than_connection_or_schema_gets_no_migration_hint():
    import sqlite3

    from sqlalchemy.exc import IntegrityError

    from workflow_app.cli import unexpected_message

    err = IntegrityError("INSERT INTO org_unit ...", {}, sqlite3.IntegrityError("UNIQUE constraint failed: x\nmore"))
    assert unexpected_message(err) == "database error: IntegrityError: UNIQUE constraint failed: x"
