"""Signed checkpoints of every chain head, exported for auditors; and the keys behind the trail.

Someone who holds the server's keys can rewrite the database consistently; the checkpoint file an
auditor exported earlier, checked with their own copy of the public key, still shows it.
"""
import json
import os
import shutil
import stat

import pytest
from sqlalchemy import update

from tests.conftest import BASE_CONFIG
from tests.helpers import STEPS
from tests.tampering import rewrite_chain, roll_back_chain, tamper
from workflow_app import create_app
from workflow_app.extensions import db
from workflow_app.models import AuditCheckpoint, Task, TraceEvent
from workflow_app.services.audit.keys import AuditKeyError, chain_keys, new_signing_key_pem
from workflow_app.services.audit.trail import canonical_json


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["audit", *args])


@pytest.fixture
def auditor(app, tmp_path):
    """What the auditor keeps elsewhere: the public key, and the exported checkpoints."""
    class Auditor:
        public_key = tmp_path / "audit-public-key.pem"
        checkpoints = tmp_path / "checkpoints.json"

        def take_checkpoint(self):
            result = cli(app, "checkpoint")
            assert result.exit_code == 0 and result.output.startswith("Checkpoint #"), result.output
            result = cli(app, "export-checkpoints", str(self.checkpoints))
            assert result.exit_code == 0, result.output

        def verify(self, *extra):
            return cli(app, "verify", "--checkpoints", str(self.checkpoints), "--public-key",
                       str(self.public_key), *extra)

    result = cli(app, "public-key")
    assert result.exit_code == 0 and result.output.startswith("-----BEGIN PUBLIC KEY-----"), result.output
    Auditor.public_key.write_text(result.output)
    return Auditor()


def failed(result, *expected):
    assert result.exit_code == 1, result.output
    assert all(e in result.output for e in expected), (expected, result.output)


def test_a_checkpoint_signs_every_chain_head_and_the_exported_file_verifies(api, app, ctx, auditor):
    case = api.run(api.open_case(), "clue_intake")
    auditor.take_checkpoint()
    document = json.loads(auditor.checkpoints.read_text())
    body = json.loads(document["checkpoints"][0]["body"])
    heads = {chain: (seq, digest) for chain, seq, digest, _at in body["heads"]}
    last = db.session.execute(db.select(TraceEvent).where(TraceEvent.chain == f"case:{case['id']}")
                              .order_by(TraceEvent.seq.desc()).limit(1)).scalar_one()
    assert heads[f"case:{case['id']}"] == (last.seq, last.sha256) and "system" in heads
    assert body["events"] == db.session.execute(db.select(db.func.count(TraceEvent.id))).scalar() - 1
    api.run(case, "filing_approval")  # the trail grows after the checkpoint: still consistent with it
    result = auditor.verify()
    assert result.exit_code == 0, result.output
    assert f"{len(heads)} checkpointed heads from 2 checkpoint(s)" in result.output  # the file's and the stored one


def test_the_exported_checkpoint_catches_a_rollback_made_consistently_with_the_keys(api, app, ctx, auditor):
    """The forger deletes a covered system event, re-links the chain under the real chain key,
    moves the head, and deletes the stored checkpoints: the database alone verifies again."""
    assert app.test_cli_runner().invoke(args=["org", "add", "tax", "税务局", "--parent", "qinghe"]).exit_code == 0
    auditor.take_checkpoint()
    keys = chain_keys()
    rewrite_chain("system", key=keys.current, key_id=keys.current_id,
                  keep=lambda row: row["action"] not in ("org_unit.added", "audit.checkpoint"))
    tamper("DELETE FROM audit_checkpoint", "DELETE FROM org_unit WHERE code = 'tax'")
    assert cli(app, "verify").exit_code == 0
    failed(auditor.verify(), "TAMPERED system #", "recorded in checkpoint #1 (checkpoints.json) of ",
           "but the chain now ends at", "rolled back")


def test_the_exported_checkpoint_catches_a_case_rewritten_with_the_keys(api, app, ctx, auditor):
    """The fine is lowered in the task row and in its task.completed event alike, re-keyed."""
    case = api.run(api.open_case(), "clue_intake", "filing_approval", "investigation", "investigation_report")
    auditor.take_checkpoint()
    keys = chain_keys()

    def lower_fine(row):
        data = json.loads(row["data_json"])
        if row["action"] == "task.completed" and row["bpmn_id"] == "investigation_report":
            data["form"]["proposed_fine"] = 200
            row["data_json"] = canonical_json(data)

    rewrite_chain(f"case:{case['id']}", key=keys.current, key_id=keys.current_id, edit=lower_fine)
    tamper(update(Task).where(Task.case_id == case["id"], Task.bpmn_id == "investigation_report")
           .values(data={**STEPS["investigation_report"][1], "proposed_fine": 200}),
           "DELETE FROM audit_checkpoint")
    assert cli(app, "verify").exit_code == 0
    failed(auditor.verify(), f"TAMPERED case:{case['id']} #", "changed since checkpoint #1")


def test_the_stored_checkpoint_catches_a_rollback_of_the_newest_events(api, app, ctx):
    assert app.test_cli_runner().invoke(args=["org", "add", "tax", "税务局", "--parent", "qinghe"]).exit_code == 0
    assert cli(app, "checkpoint").exit_code == 0
    covered = db.session.execute(db.select(db.func.max(TraceEvent.seq)).where(TraceEvent.chain == "system")).scalar()
    roll_back_chain("system", covered - 2)  # the org unit's event and the checkpoint's own go
    failed(cli(app, "verify"), f"TAMPERED system #{covered - 1}: recorded in checkpoint #1 (stored)",
           f"now ends at #{covered - 2}")


def test_a_checkpoint_is_never_signed_over_a_damaged_trail(api, app, ctx):
    case = api.open_case()
    tamper(f"UPDATE trace_event SET actor = 'x' WHERE chain = 'case:{case['id']}' AND seq = 1")
    failed(cli(app, "checkpoint"), "does not verify", f"TAMPERED case:{case['id']} #1")
    assert db.session.execute(db.select(db.func.count(AuditCheckpoint.id))).scalar() == 0


def test_an_altered_checkpoint_file_or_an_untrusted_key_is_reported(api, app, ctx, auditor, tmp_path):
    api.open_case()
    auditor.take_checkpoint()
    document = json.loads(auditor.checkpoints.read_text())
    document["checkpoints"][0]["body"] = document["checkpoints"][0]["body"].replace('"seq"', '"seq"', 1).replace(
        ',"events":', ',"events":1', 1)
    auditor.checkpoints.write_text(json.dumps(document))
    failed(auditor.verify(), "checkpoint #1 (checkpoints.json): the signature does not verify")
    other = tmp_path / "other.pem"
    from cryptography.hazmat.primitives import serialization

    other_key = serialization.load_pem_private_key(new_signing_key_pem().encode(), None).public_key()
    other.write_bytes(other_key.public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo))
    failed(cli(app, "verify", "--checkpoints", str(auditor.checkpoints), "--public-key", str(other)),
           "which is not a trusted key")


@pytest.mark.parametrize("content, expected", [
    (None, "No such file"), ("not json", "is not a checkpoint file"), ('{"format": "x"}', "is not a checkpoint file"),
])
def test_a_bad_checkpoint_file_is_one_clear_line(app, tmp_path, content, expected):
    path = tmp_path / "c.json"
    if content is not None:
        path.write_text(content)
    result = cli(app, "verify", "--checkpoints", str(path))
    assert result.exit_code == 1 and expected in result.output and "Traceback" not in result.output


# -- the keys ---------------------------------------------------------------------------------------
def test_events_keyed_before_a_key_rotation_verify_only_with_the_retired_key(api, app, database_url):
    api.open_case()
    old = BASE_CONFIG["AUDIT_HMAC_KEY"]
    new = "a-new-audit-chain-key-after-rotation-0123"
    rotated = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "AUDIT_HMAC_KEY": new,
                          "AUDIT_HMAC_RETIRED_KEYS": f"some-older-key-that-is-long-enough-000, {old}"})
    rotated.test_cli_runner().invoke(args=["org", "add", "tax", "税务局", "--parent", "qinghe"])
    result = cli(rotated, "verify")
    assert result.exit_code == 0, result.output
    forgotten = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "AUDIT_HMAC_KEY": new})
    failed(cli(forgotten, "verify"), "keyed with unknown key", "AUDIT_HMAC_RETIRED_KEYS")
    for each in (rotated, forgotten):
        with each.app_context():
            db.engine.dispose()


# What production needs besides the audit keys (checked first), so that the keys' check is reached.
PRODUCTION_SETTINGS = {"SECRET_KEY": "s" * 40, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}


@pytest.mark.parametrize("config", [
    {"SQLALCHEMY_DATABASE_URI": "postgresql://nobody@127.0.0.1:1/none"},
    {"ZHIFAFLOW_ENV": "production"},
])
def test_production_refuses_to_start_without_the_chain_key(tmp_path, config):
    with pytest.raises(AuditKeyError, match="AUDIT_HMAC_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}", "AUDIT_HMAC_KEY": None,
                    "AUDIT_KEY_DIR": str(tmp_path), **PRODUCTION_SETTINGS, **config})
    assert not (tmp_path / "audit_hmac.keys").exists()


def test_production_never_generates_a_signing_key(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}", "ZHIFAFLOW_ENV": "production",
                      "AUDIT_HMAC_KEY": "k" * 40, "AUDIT_SIGNING_KEY": None, "AUDIT_SIGNING_KEY_FILE": None,
                      "AUDIT_KEY_DIR": str(tmp_path), **PRODUCTION_SETTINGS})
    result = cli(app, "public-key")
    assert result.exit_code == 1 and "AUDIT_SIGNING_KEY_FILE" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "audit_signing_key.pem").exists()
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    result = cli(app, "verify")  # the chain and the rows are still checked; the stored checkpoints cannot be
    assert result.exit_code == 0 and "Note: stored checkpoints not checked" in result.output, result.output
    result = cli(app, "checkpoint")
    assert result.exit_code == 1 and "AUDIT_SIGNING_KEY_FILE" in result.output
    with app.app_context():
        db.engine.dispose()


def test_a_short_chain_key_is_refused(tmp_path):
    with pytest.raises(AuditKeyError, match="at least 32 characters"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}", "AUDIT_HMAC_KEY": "short"})


def test_the_embedded_default_generates_its_keys_once_readable_by_the_owner_only(tmp_path, sqlite_templates):
    """And rotating the chain key keeps the old one in the key file, to verify what it keyed."""
    db_path = tmp_path / "embedded.db"
    shutil.copy(sqlite_templates(None), db_path)
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "audit_hmac.keys").write_text(BASE_CONFIG["AUDIT_HMAC_KEY"] + "\n")  # the template's events
    config = {**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "AUDIT_HMAC_KEY": None,
              "AUDIT_SIGNING_KEY": None, "AUDIT_KEY_DIR": str(keys)}
    app = create_app(config)
    assert cli(app, "public-key").exit_code == 0
    signing = keys / "audit_signing_key.pem"
    assert stat.S_IMODE(os.stat(signing).st_mode) == 0o600
    assert cli(create_app(config), "public-key").output == cli(app, "public-key").output  # generated once
    result = cli(app, "rotate-chain-key")
    assert result.exit_code == 0, result.output
    lines = (keys / "audit_hmac.keys").read_text().split()
    assert len(lines) == 2 and lines[1] == BASE_CONFIG["AUDIT_HMAC_KEY"] and len(lines[0]) == 64
    assert stat.S_IMODE(os.stat(keys / "audit_hmac.keys").st_mode) == 0o600
    app = create_app(config)
    assert app.test_cli_runner().invoke(args=["org", "add", "tax", "税务局", "--parent", "qinghe"]).exit_code == 0
    with app.app_context():
        used = set(db.session.execute(db.select(TraceEvent.key_id).distinct()).scalars())
        assert used == set(chain_keys().by_id) and len(used) == 2
        db.engine.dispose()
    assert cli(app, "verify").exit_code == 0


def test_a_fresh_embedded_default_writes_a_new_chain_key_file(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e.db'}", "AUDIT_HMAC_KEY": None,
                      "AUDIT_KEY_DIR": str(tmp_path / "instance")})
    path = tmp_path / "instance" / "audit_hmac.keys"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and len(path.read_text().strip()) == 64
    with app.app_context():
        assert chain_keys().current == path.read_text().strip().encode()
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_the_database_refuses_to_update_or_delete_checkpoints(app, ctx):
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    assert cli(app, "checkpoint").exit_code == 0
    for statement in ("UPDATE audit_checkpoint SET chains = 0", "DELETE FROM audit_checkpoint"):
        with pytest.raises(DatabaseError):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.execute(db.select(db.func.count(AuditCheckpoint.id))).scalar() == 1
