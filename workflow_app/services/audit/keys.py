"""The audit trail's keys, kept outside the database (docs/audit.md).

- The chain key (HMAC-SHA256): each trace event's digest is keyed, so someone who can write to
  the database but does not hold the key cannot re-hash a rewritten chain. `AUDIT_HMAC_KEY` is the
  current key; `AUDIT_HMAC_RETIRED_KEYS` (space- or comma-separated) are earlier ones, used only
  to verify the events they keyed. Each event records the id of its key, so keys can rotate.
- The checkpoint signing key (Ed25519): signs checkpoints of all chain heads, which auditors
  export and keep elsewhere; its public key is what they verify with.

The embedded default (SQLite, not production) generates both once into the Flask instance
folder, readable by the owner only. Production (see `config.is_production`) never generates a
key: the app refuses to start without `AUDIT_HMAC_KEY`, and `audit checkpoint` refuses to sign
without `AUDIT_SIGNING_KEY` / `AUDIT_SIGNING_KEY_FILE`.
"""
import base64
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import Flask, current_app

from ...config import ConfigurationError, is_production

HMAC_KEY_FILE = "audit_hmac.keys"
SIGNING_KEY_FILE = "audit_signing_key.pem"
MIN_KEY_CHARS = 32
EXTENSION = "zhifaflow_audit_keys"


class AuditKeyError(ConfigurationError):
    """A key is missing or unusable: the app (or the command) must not go on without it."""


@dataclass(frozen=True)
class ChainKeys:
    current_id: str
    by_id: dict[str, bytes]

    @property
    def current(self) -> bytes:
        return self.by_id[self.current_id]


def key_id(key: bytes) -> str:
    """A public name for a key: derived from it, so it cannot be mislabelled, and reveals nothing."""
    return hmac.new(key, b"zhifaflow audit key id", hashlib.sha256).hexdigest()[:16]


def init_app(app: Flask) -> None:
    """Load the chain keys at startup: production refuses to start without one."""
    app.extensions[EXTENSION] = {"chain": _load_chain_keys(app)}


def chain_keys() -> ChainKeys:
    return current_app.extensions[EXTENSION]["chain"]


def _key_dir(app: Flask) -> Path:
    return Path(app.config.get("AUDIT_KEY_DIR") or app.instance_path)


def _split_keys(text: str) -> list[str]:
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    return [k for line in lines for k in re.split(r"[\s,]+", line) if k]


def _load_chain_keys(app: Flask) -> ChainKeys:
    configured = app.config.get("AUDIT_HMAC_KEY")
    if configured:
        keys = [configured, *_split_keys(app.config.get("AUDIT_HMAC_RETIRED_KEYS") or "")]
        source = "AUDIT_HMAC_KEY"
    elif is_production(app.config):
        raise AuditKeyError(
            "AUDIT_HMAC_KEY is not set: production refuses to start without the audit chain key "
            "(at least 32 random characters, kept outside the database; see docs/audit.md)")
    else:
        path = _key_dir(app) / HMAC_KEY_FILE
        _create_once(path, secrets.token_hex(32) + "\n")
        keys = _split_keys(path.read_text("utf-8"))
        source = str(path)
    short = [k for k in keys if len(k) < MIN_KEY_CHARS]
    if not keys or short:
        raise AuditKeyError(f"{source}: every audit chain key must have at least {MIN_KEY_CHARS} characters")
    encoded = [k.encode("utf-8") for k in keys]
    return ChainKeys(current_id=key_id(encoded[0]), by_id={key_id(k): k for k in encoded})


def _create_once(path: Path, content: str) -> None:
    """Write a new secret file readable by its owner only, unless it exists (atomic: a second
    process starting at the same moment keeps the first one's key)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(content)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)


def rotate_chain_key(app: Flask) -> str:
    """Start keying new events with a fresh key; the old ones stay, to verify what they keyed.

    Only for the embedded default's key file: in production the operator sets AUDIT_HMAC_KEY to
    the new key and appends the old one to AUDIT_HMAC_RETIRED_KEYS.
    """
    if app.config.get("AUDIT_HMAC_KEY") or is_production(app.config):
        raise AuditKeyError("the chain key comes from AUDIT_HMAC_KEY: set the new key there and move the "
                            "old one to AUDIT_HMAC_RETIRED_KEYS")
    path = _key_dir(app) / HMAC_KEY_FILE
    old = path.read_text("utf-8") if path.exists() else ""
    new = secrets.token_hex(32)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(f"{new}\n{old}")
    os.replace(tmp, path)
    app.extensions[EXTENSION]["chain"] = _load_chain_keys(app)
    return key_id(new.encode("utf-8"))


# -- checkpoint signing ---------------------------------------------------------------------------
def signing_key() -> Ed25519PrivateKey:
    """The checkpoint signing key: AUDIT_SIGNING_KEY (PEM), AUDIT_SIGNING_KEY_FILE, or (embedded
    default only) a key generated once into the instance folder."""
    app = current_app
    pem = app.config.get("AUDIT_SIGNING_KEY")
    source = "AUDIT_SIGNING_KEY"
    if not pem:
        path = app.config.get("AUDIT_SIGNING_KEY_FILE")
        if path:
            source = path
        elif is_production(app.config):
            raise AuditKeyError("AUDIT_SIGNING_KEY_FILE (or AUDIT_SIGNING_KEY) is not set: production never "
                                "generates the checkpoint signing key (see docs/audit.md)")
        else:
            path = _key_dir(app) / SIGNING_KEY_FILE
            _create_once(path, new_signing_key_pem())
            source = str(path)
        try:
            pem = Path(path).read_text("utf-8")
        except OSError as err:
            raise AuditKeyError(f"{source}: cannot read the signing key ({err.strerror})") from None
    try:
        key = serialization.load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError):
        raise AuditKeyError(f"{source}: not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditKeyError(f"{source}: the checkpoint signing key must be an Ed25519 key")
    return key


def new_signing_key_pem() -> str:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def load_public_key(pem: bytes, source: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        raise AuditKeyError(f"{source}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditKeyError(f"{source}: not an Ed25519 public key")
    return key


def public_key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, message: str) -> str:
    return base64.b64encode(key.sign(message.encode("utf-8"))).decode("ascii")


def signature_valid(key: Ed25519PublicKey, message: str, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), message.encode("utf-8"))
    except (InvalidSignature, ValueError):
        return False
    return True
