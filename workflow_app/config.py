"""Configuration: defaults here, overridden by environment variables and create_app(config)."""
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{PROJECT_ROOT / 'instance' / 'zhifaflow.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    JSON_AS_ASCII = False
    BPMN_DIR = str(PROJECT_ROOT / "bpmn")
    FORMS_DIR = str(PROJECT_ROOT / "forms")
    # BPMN uploads: hard size cap before any parsing (bytes).
    BPMN_MAX_BYTES = int(os.environ.get("BPMN_MAX_BYTES", 2 * 1024 * 1024))
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024
    # CPU seconds a single script or condition may use before it is stopped.
    SCRIPT_CPU_SECONDS = float(os.environ.get("SCRIPT_CPU_SECONDS", 1.0))
    # API bearer tokens.
    API_TOKEN_HOURS = int(os.environ.get("API_TOKEN_HOURS", 12))
    # Werkzeug's scrypt by default; tests use a cheaper method to stay fast.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Local time zone of the enforcement bodies: deadlines end at local midnight.
    LOCAL_TIMEZONE = "Asia/Shanghai"
    API_PAGE_SIZE_MAX = 200
    # "production" (never generate a secret; refuse to start without it): see is_production.
    ZHIFAFLOW_ENV = os.environ.get("ZHIFAFLOW_ENV", "development")
    # Audit trail keys, kept outside the database (services/audit_keys.py, docs/audit.md). The
    # embedded default generates them into AUDIT_KEY_DIR (default: the Flask instance folder).
    AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY")
    AUDIT_HMAC_RETIRED_KEYS = os.environ.get("AUDIT_HMAC_RETIRED_KEYS", "")
    AUDIT_SIGNING_KEY = os.environ.get("AUDIT_SIGNING_KEY")
    AUDIT_SIGNING_KEY_FILE = os.environ.get("AUDIT_SIGNING_KEY_FILE")
    AUDIT_KEY_DIR = os.environ.get("AUDIT_KEY_DIR")
    # A trail begun before keying (migration 0005): events up to this id may be unkeyed SHA-256.
    AUDIT_UNKEYED_UNTIL_ID = int(os.environ.get("AUDIT_UNKEYED_UNTIL_ID") or 0)


def is_production(config) -> bool:
    """Production: ZHIFAFLOW_ENV=production, or any database other than the embedded SQLite."""
    return (config.get("ZHIFAFLOW_ENV") == "production"
            or not str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"))
