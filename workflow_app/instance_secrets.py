"""Instance secrets: keys that sign or seal something and must never be a public default.

A secret has a name (`secret_key`, `audit_hmac_key`, ...). Its value is the setting of the same
name in upper case: from create_app(config) or Config, else the environment variable of that
name. When it is unset (or None):

- embedded default (SQLite, `make run`): a random key is generated once into
  `<instance folder>/<name>` (mode 0600) and read back on every start, so sessions survive a
  restart and every worker on the machine uses the same key;
- production (config.is_production): the app refuses to start. A key on one host's disk differs
  between hosts and is lost with the container, and a lost key cannot be recovered.

A configured key must be at least MIN_LENGTH characters: a short one can be guessed offline
from any signed cookie.
"""
import logging
import os
import secrets
from pathlib import Path

from flask import Flask

from .config import ConfigurationError, is_production

MIN_LENGTH = 32
GENERATE_HINT = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
log = logging.getLogger(__name__)


def instance_secret(app: Flask, name: str) -> str:
    setting = name.upper()
    value = app.config[setting] if setting in app.config else os.environ.get(setting)
    if value:
        if len(value) < MIN_LENGTH:
            raise ConfigurationError(
                f"{setting} is shorter than {MIN_LENGTH} characters; generate one with {GENERATE_HINT}")
        return value
    if is_production(app.config):
        raise ConfigurationError(
            f"{setting} is not set; production needs it in the environment (generate one with "
            f"{GENERATE_HINT} and keep it safe: it cannot be recovered)")
    return _kept_in_instance_folder(Path(app.instance_path) / name)


def _kept_in_instance_folder(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written under another name, then linked into place: linking fails if the file exists,
        # so when several workers start at once the first one's key wins and all read it.
        candidate = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48) + "\n")
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(candidate, path)
                log.info("generated a new %s in %s", path.name, path)
            except FileExistsError:
                pass
        finally:
            candidate.unlink()
    return _read(path)


def _read(path: Path) -> str:
    if path.stat().st_mode & 0o077:
        log.warning("%s was readable by other users; restricting it to its owner", path)
        os.chmod(path, 0o600)
    value = path.read_text(encoding="utf-8").strip()
    if len(value) < MIN_LENGTH:
        # Never silently replace it: whatever was signed with the old key would stop verifying.
        raise ConfigurationError(
            f"{path} holds no usable key (empty or shorter than {MIN_LENGTH} characters); restore it, "
            "or delete it to generate a new one if nothing signed with it must still verify")
    return value
