"""Signed checkpoints of every chain head, for auditors to keep outside the system.

A checkpoint states, for every chain, its last sequence number, the digest of that event and its
time, with the totals, signed with the Ed25519 checkpoint key (audit_keys.py). It is written
only over a trail that verifies, stored (append-only) in `audit_checkpoint`, noted on the system
chain, and exported as a JSON file. Checking the database against an exported file proves that
no event the checkpoint covers was deleted, rolled back or rewritten since - even by someone who
holds the server's keys, as long as the auditor's copy of the file and of the public key are
their own.
"""
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ...extensions import db
from ...models import AuditCheckpoint
from ...models.types import utcnow
from ..errors import Conflict, Invalid
from ..transactions import one_transaction
from . import keys as audit_keys
from . import trail as audit
from . import verify as audit_verify

FORMAT = "zhifaflow-audit-checkpoint/1"
FILE_FORMAT = "zhifaflow-audit-checkpoints/1"


class TrailNotIntact(Conflict):
    code = "audit_trail_not_intact"

    def __init__(self, report: audit_verify.VerifyReport):
        super().__init__(f"the audit trail does not verify ({report.problem_count} problem(s)); "
                         "a checkpoint is never signed over a damaged trail")
        self.report = report


@dataclass
class Checkpoints:
    """Points to hold the database to, gathered from signed checkpoints, and what was wrong with
    the checkpoints themselves (a bad signature, an untrusted key, a malformed file)."""

    points: audit_verify.CheckpointPoints = field(default_factory=dict)
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, body: dict, where: str) -> None:
        for chain, seq, digest, _at in body["heads"]:
            claims = self.points.setdefault(chain, {}).setdefault(seq, [])
            if all(claimed != digest for claimed, _ in claims):
                claims.append((digest, where))
        self.checked.append(where)


def verify_trail(case_id: int | None, checkpoint_files: list[str], public_key_files: list[str],
                 workers: int | None = None) -> tuple[audit_verify.VerifyReport, Checkpoints]:
    """`audit verify`: the trail, the rows, the newest stored checkpoint and the auditor's files."""
    found = Checkpoints()
    try:
        trusted = trusted_keys(public_key_files)
    except audit_keys.AuditKeyError as err:
        if public_key_files or checkpoint_files:
            raise
        trusted = {}
        found.notes.append(f"stored checkpoints not checked ({err})")
    add_latest_stored(found, trusted)
    if checkpoint_files:
        add_files(found, checkpoint_files, trusted)
    report = audit_verify.verify(case_id, checkpoint_points=found.points, workers=workers)
    for problem in found.problems:
        report.add("checkpoint", None, problem)
    return report, found


def create_checkpoint(operator: str) -> AuditCheckpoint:
    """Verify the whole trail, then sign and store a checkpoint of every chain head."""
    key = audit_keys.signing_key()
    public = key.public_key()
    latest = Checkpoints()
    add_latest_stored(latest, {audit_keys.public_key_id(public): public})
    report = audit_verify.verify(checkpoint_points=latest.points, collect_heads=True)
    if not report.ok:
        raise TrailNotIntact(report)
    now = utcnow()
    body = audit.canonical_json({
        "format": FORMAT, "created_at": now.isoformat(timespec="microseconds"), "created_by": operator,
        "public_key_id": audit_keys.public_key_id(public), "chains": len(report.heads),
        "events": report.events, "heads": report.heads,
    })
    with one_transaction():
        checkpoint = AuditCheckpoint(
            created_at=now, created_by=operator, chains=len(report.heads), events=report.events,
            public_key_id=audit_keys.public_key_id(public), public_key_pem=audit_keys.public_key_pem(public),
            body_json=body, signature=audit_keys.sign(key, body))
        db.session.add(checkpoint)
        db.session.flush()
        audit.record("audit.checkpoint", actor=operator, at=now, data={
            "checkpoint": checkpoint.id, "chains": checkpoint.chains, "events": checkpoint.events,
            "body_sha256": hashlib.sha256(body.encode("utf-8")).hexdigest()})
    return checkpoint


def add_latest_stored(found: Checkpoints, trusted: dict[str, Ed25519PublicKey]) -> None:
    """The newest checkpoint kept in the database, if its signature holds under a trusted key.

    Someone with database access can delete these rows; the exported files are what they cannot
    reach. A checkpoint signed by a key not trusted here (e.g. before the signing key rotated) is
    skipped.
    """
    row = db.session.execute(db.select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)).scalar()
    if row is not None:
        _accept(found, row.id, row.public_key_id, row.body_json, row.signature, trusted, "stored",
                untrusted_is_problem=False)
    db.session.rollback()


def add_files(found: Checkpoints, paths: list[str], trusted: dict[str, Ed25519PublicKey]) -> None:
    """Every checkpoint in the auditor's exported files, each signature checked."""
    before = len(found.checked) + len(found.problems)
    for path in paths:
        try:
            document = json.loads(Path(path).read_text("utf-8"))
        except OSError as err:
            raise Invalid({"checkpoints": [f"{path}: {err.strerror}"]}, f"cannot read {path}") from None
        except ValueError as err:
            raise Invalid({"checkpoints": [f"{path}: not JSON ({err})"]}, f"{path} is not a checkpoint file") from None
        entries = document.get("checkpoints") if isinstance(document, dict) else None
        if not isinstance(document, dict) or document.get("format") != FILE_FORMAT or not isinstance(entries, list):
            raise Invalid({"checkpoints": [f"{path}: not a {FILE_FORMAT} file"]}, f"{path} is not a checkpoint file")
        for n, entry in enumerate(entries, 1):
            fields = ("id", "public_key_id", "body", "signature")
            if not isinstance(entry, dict) or any(not isinstance(entry.get(f), str | int) for f in fields):
                found.problems.append(f"{path}: checkpoint entry {n} is malformed")
                continue
            _accept(found, entry["id"], str(entry["public_key_id"]), str(entry["body"]), str(entry["signature"]),
                    trusted, Path(path).name, untrusted_is_problem=True)
    if len(found.checked) + len(found.problems) == before:
        raise Invalid({"checkpoints": ["the files hold no checkpoint"]}, "no checkpoint to verify against")


def _accept(found: Checkpoints, checkpoint_id, key_id: str, body_json: str, signature: str,
            trusted: dict[str, Ed25519PublicKey], source: str, untrusted_is_problem: bool) -> None:
    name = f"checkpoint #{checkpoint_id} ({source})"
    key = trusted.get(key_id)
    if key is None:
        if untrusted_is_problem:
            found.problems.append(f"{name} is signed by key {key_id}, which is not a trusted key "
                                  "(pass the auditor's copy of it with --public-key)")
        return
    if not audit_keys.signature_valid(key, body_json, signature):
        found.problems.append(f"{name}: the signature does not verify (checkpoint altered)")
        return
    body = json.loads(body_json)
    if body.get("format") != FORMAT or body.get("public_key_id") != key_id:
        found.problems.append(f"{name}: signed, but not a {FORMAT} body for key {key_id}")
        return
    found.add(body, f"{name} of {body['created_at'][:19]}Z")


def export(path: str) -> int:
    """Write every stored checkpoint to a file for the auditor; returns how many."""
    rows = db.session.execute(db.select(AuditCheckpoint).order_by(AuditCheckpoint.id)
                              .execution_options(yield_per=20)).scalars()
    count = 0
    try:
        with open(path, "w", encoding="utf-8") as out:
            out.write(f'{{"format": {json.dumps(FILE_FORMAT)}, "exported_at": {json.dumps(utcnow().isoformat())}, '
                      '"checkpoints": [\n')
            for row in rows:
                out.write(",\n" if count else "")
                out.write(json.dumps({
                    "id": row.id, "created_at": row.created_at.isoformat(), "public_key_id": row.public_key_id,
                    "public_key_pem": row.public_key_pem, "body": row.body_json, "signature": row.signature},
                    ensure_ascii=False))
                count += 1
            out.write("\n]}\n")
    except OSError as err:
        raise Invalid({"file": [f"{path}: {err.strerror}"]}, f"cannot write {path}") from None
    return count


def trusted_keys(public_key_files: list[str]) -> dict[str, Ed25519PublicKey]:
    """The auditor's own copies of the public keys; without them, the server's current key."""
    if not public_key_files:
        public = audit_keys.signing_key().public_key()
        return {audit_keys.public_key_id(public): public}
    keys = {}
    for path in public_key_files:
        try:
            key = audit_keys.load_public_key(Path(path).read_bytes(), path)
        except OSError as err:
            raise Invalid({"public_key": [f"{path}: {err.strerror}"]}, f"cannot read {path}") from None
        keys[audit_keys.public_key_id(key)] = key
    return keys
