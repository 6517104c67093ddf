"""Configuration: defaults here, overridden by environment variables and create_app(config)."""
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("production", "development")


class ConfigurationError(RuntimeError):
    """The settings cannot run safely (a missing or weak secret, an unshared rate-limit store)."""


def _env_number(name: str, kind=float):
    value = os.environ.get(name)
    return kind(value) if value not in (None, "") else None


class Config:
    # Unset: generated once into instance/ (embedded default) or refused (production); see
    # instance_secrets.py. Sessions and CSRF tokens are signed with it.
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    # "production" or "development"; unset, a PostgreSQL database means production.
    ZHIFAFLOW_ENV = os.environ.get("ZHIFAFLOW_ENV") or None
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
    # Evidence files (services/evidence/store.py): kept once by SHA-256 under this directory
    # (default: the instance folder's evidence/; a directory several hosts share in production),
    # and the largest file one upload may carry (a site's 200 MB video fits the default).
    EVIDENCE_DIR = os.environ.get("EVIDENCE_DIR")
    EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_BYTES", 300 * 1024 * 1024))
    # CPU seconds a single script or condition may use before it is stopped.
    SCRIPT_CPU_SECONDS = float(os.environ.get("SCRIPT_CPU_SECONDS", 1.0))
    # Engine steps run in worker processes (engine/pool.py): how many per web process, and the
    # limits of one step (None = the default of engine/limits.py EngineLimits).
    ENGINE_WORKERS = int(os.environ.get("ENGINE_WORKERS", 2))
    ENGINE_STEP_CPU_SECONDS = _env_number("ENGINE_STEP_CPU_SECONDS")
    ENGINE_STEP_WALL_SECONDS = _env_number("ENGINE_STEP_WALL_SECONDS")
    ENGINE_MEMORY_MB = _env_number("ENGINE_MEMORY_MB", int)
    ENGINE_MAX_STATE_BYTES = _env_number("ENGINE_MAX_STATE_BYTES", int)
    ENGINE_MAX_NEW_TASKS = _env_number("ENGINE_MAX_NEW_TASKS", int)
    ENGINE_MAX_DATA_DEPTH = _env_number("ENGINE_MAX_DATA_DEPTH", int)
    # The share of a web process's engine workers one user's steps may hold at once (rounded up,
    # at least one), and how long a step over that share waits before it is refused (503).
    ENGINE_USER_SHARE = float(os.environ.get("ENGINE_USER_SHARE", 0.5))
    ENGINE_USER_WAIT_SECONDS = float(os.environ.get("ENGINE_USER_WAIT_SECONDS", 2.0))
    # Runs procedure code inside the web process, unprotected: for the benchmark's comparison only.
    ENGINE_INLINE = os.environ.get("ENGINE_INLINE") == "1"
    # A case entered from its paper file (补录, services/cases/paper_entry.py): the days the worker's time
    # alerts leave it alone at most, unless the officer finishes the entry first.
    PAPER_ENTRY_DAYS = int(os.environ.get("PAPER_ENTRY_DAYS", 15))
    # API bearer tokens.
    API_TOKEN_HOURS = int(os.environ.get("API_TOKEN_HOURS", 12))
    # Werkzeug's scrypt by default; tests use a cheaper method to stay fast.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")
    # Login attempts (POST /api/v1/auth/token), counted across all workers in RATELIMIT_STORAGE_URI.
    # Per account: slows guessing one password; the hourly window ends a lockout an hour after
    # an attack stops. Per address: higher, since a whole bureau may share one NAT address.
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per minute; 50 per hour")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "100 per minute")
    RATELIMIT_ENABLED = True  # explicit: Flask-Limiter otherwise keeps the previous app's value
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "zhifaflow")
    RATELIMIT_STRATEGY = "moving-window"  # no double burst at a fixed window's edge
    # Redis down: keep limiting in each worker's memory (and log it) rather than answer 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # Reverse proxies in front of the app that append X-Forwarded-For/-Proto; 0 = none, and
    # those headers are ignored (a client could write anything in them).
    TRUSTED_PROXIES = os.environ.get("TRUSTED_PROXIES", "0")
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "").lower() in ("1", "true", "yes")
    # CSRF tokens live as long as the login session they are bound to.
    WTF_CSRF_TIME_LIMIT = None
    # Local time zone of the enforcement bodies: deadlines end at local midnight.
    LOCAL_TIMEZONE = "Asia/Shanghai"
    API_PAGE_SIZE_MAX = 200
    # Audit trail keys, kept outside the database (services/audit/keys.py, docs/audit.md). The
    # embedded default generates them into AUDIT_KEY_DIR (default: the Flask instance folder).
    AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY")
    AUDIT_HMAC_RETIRED_KEYS = os.environ.get("AUDIT_HMAC_RETIRED_KEYS", "")
    AUDIT_SIGNING_KEY = os.environ.get("AUDIT_SIGNING_KEY")
    AUDIT_SIGNING_KEY_FILE = os.environ.get("AUDIT_SIGNING_KEY_FILE")
    AUDIT_KEY_DIR = os.environ.get("AUDIT_KEY_DIR")
    # A trail begun before keying (migration 0005): events up to this id may be unkeyed SHA-256.
    AUDIT_UNKEYED_UNTIL_ID = int(os.environ.get("AUDIT_UNKEYED_UNTIL_ID") or 0)



def is_production(config) -> bool:
    """ZHIFAFLOW_ENV decides; unset, any database but the embedded SQLite means production.

    A PostgreSQL deployment runs several workers, often on several hosts or in containers: a key
    generated on one host's disk would differ between hosts and vanish with the container.
    """
    env = config.get("ZHIFAFLOW_ENV")
    if env is not None:
        if env not in ENVIRONMENTS:
            raise ConfigurationError(f"ZHIFAFLOW_ENV={env!r}: must be one of {', '.join(ENVIRONMENTS)}")
        return env == "production"
    return not config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
