"""Instance secrets: never a public default; generated once for the embedded default; required in production."""
import multiprocessing
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from workflow_app import create_app
from workflow_app.config import ConfigurationError
from workflow_app.instance_secrets import MIN_LENGTH, instance_secret

ROOT = Path(__file__).resolve().parent.parent.parent
SQLITE = {"SQLALCHEMY_DATABASE_URI": "sqlite:///:memory:"}
POSTGRES = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:5432/anything"}
NO_KEY = {"SECRET_KEY": None, "ZHIFAFLOW_ENV": None}


def bare_app(tmp_path, **config) -> Flask:
    app = Flask("instance_secret_test", instance_path=str(tmp_path / "instance"))
    app.config.update({**SQLITE, "ZHIFAFLOW_ENV": None, **config})
    return app


def test_embedded_default_generates_a_random_key_once_readable_by_its_owner_only(tmp_path):
    app = create_app({**NO_KEY, **SQLITE}, instance_path=str(tmp_path / "instance"))
    key_file = tmp_path / "instance" / "secret_key"
    assert app.secret_key == key_file.read_text().strip()
    assert len(app.secret_key) >= MIN_LENGTH and app.secret_key != "dev-only-change-me"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = create_app({**NO_KEY, **SQLITE}, instance_path=str(tmp_path / "instance"))
    assert again.secret_key == app.secret_key  # sessions survive a restart
    elsewhere = create_app({**NO_KEY, **SQLITE}, instance_path=str(tmp_path / "other"))
    assert elsewhere.secret_key != app.secret_key


def _key_of_a_starting_worker(instance: str, barrier) -> str:
    barrier.wait()
    return instance_secret(bare_app(Path(instance)), "secret_key")


def test_workers_starting_at_the_same_moment_all_use_one_key(tmp_path):
    ctx = multiprocessing.get_context("fork")
    workers = 6
    with ctx.Manager() as manager:
        barrier = manager.Barrier(workers)
        with ctx.Pool(workers) as pool:
            keys = pool.starmap(_key_of_a_starting_worker, [(str(tmp_path), barrier)] * workers)
    assert len(set(keys)) == 1
    assert os.listdir(tmp_path / "instance") == ["secret_key"]  # no temporary files left behind


@pytest.mark.parametrize("config", [
    pytest.param(POSTGRES, id="postgresql-database"),
    pytest.param({**SQLITE, "ZHIFAFLOW_ENV": "production"}, id="ZHIFAFLOW_ENV=production"),
])
def test_production_refuses_to_start_without_a_secret_key(tmp_path, config):
    with pytest.raises(ConfigurationError, match="SECRET_KEY is not set; production needs it"):
        create_app({**NO_KEY, **config}, instance_path=str(tmp_path / "instance"))
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_development_against_postgresql_may_use_a_generated_key(tmp_path):
    app = create_app({**NO_KEY, **POSTGRES, "ZHIFAFLOW_ENV": "development"},
                     instance_path=str(tmp_path / "instance"))
    assert app.secret_key == (tmp_path / "instance" / "secret_key").read_text().strip()


def test_a_configured_key_is_used_as_given_and_nothing_is_written(tmp_path):
    key = "k" * MIN_LENGTH
    app = create_app({**POSTGRES, "SECRET_KEY": key, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
                      "AUDIT_HMAC_KEY": "a" * MIN_LENGTH}, instance_path=str(tmp_path / "instance"))
    assert app.secret_key == key and not (tmp_path / "instance").exists()


@pytest.mark.parametrize("key", ["dev-only-change-me", "x" * (MIN_LENGTH - 1)])
def test_a_short_configured_key_is_refused(tmp_path, key):
    with pytest.raises(ConfigurationError, match=f"SECRET_KEY is shorter than {MIN_LENGTH} characters"):
        create_app({**SQLITE, "SECRET_KEY": key}, instance_path=str(tmp_path / "instance"))


def test_an_unknown_environment_name_is_refused_not_guessed(tmp_path):
    with pytest.raises(ConfigurationError, match="ZHIFAFLOW_ENV='prod': must be one of production, development"):
        create_app({**NO_KEY, **SQLITE, "ZHIFAFLOW_ENV": "prod"}, instance_path=str(tmp_path / "instance"))


def test_a_damaged_key_file_is_refused_never_silently_replaced(tmp_path):
    key_file = tmp_path / "instance" / "secret_key"
    key_file.parent.mkdir()
    key_file.write_text("\n")
    key_file.chmod(0o600)
    with pytest.raises(ConfigurationError, match="holds no usable key"):
        instance_secret(bare_app(tmp_path), "secret_key")
    assert key_file.read_text() == "\n"


def test_a_key_file_readable_by_others_is_restricted_to_its_owner(tmp_path):
    key_file = tmp_path / "instance" / "secret_key"
    key_file.parent.mkdir()
    key_file.write_text("s" * 64)
    key_file.chmod(0o644)
    assert instance_secret(bare_app(tmp_path), "secret_key") == "s" * 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_other_instance_secrets_follow_the_same_rules(tmp_path, monkeypatch):
    key = instance_secret(bare_app(tmp_path), "audit_hmac_key")
    assert key == (tmp_path / "instance" / "audit_hmac_key").read_text().strip()
    assert key != instance_secret(bare_app(tmp_path), "secret_key")
    assert instance_secret(bare_app(tmp_path, AUDIT_HMAC_KEY="a" * 40), "audit_hmac_key") == "a" * 40
    monkeypatch.setenv("AUDIT_HMAC_KEY", "e" * 40)  # no setting in the config: the environment's
    assert instance_secret(bare_app(tmp_path), "audit_hmac_key") == "e" * 40
    monkeypatch.delenv("AUDIT_HMAC_KEY")
    with pytest.raises(ConfigurationError, match="AUDIT_HMAC_KEY is not set; production needs it"):
        instance_secret(bare_app(tmp_path, ZHIFAFLOW_ENV="production"), "audit_hmac_key")


def test_the_server_and_cli_refuse_to_start_with_one_line_not_a_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    env["ZHIFAFLOW_ENV"] = "production"
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "procedures", "list"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 4, result
    assert result.stderr.startswith("ZhifaFlow cannot start: SECRET_KEY is not set; production needs it")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
