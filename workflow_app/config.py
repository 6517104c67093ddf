"""Configuration: defaults here, overridden by environment variables and create_app(config)."""
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env_number(name: str, kind=float):
    value = os.environ.get(name)
    return kind(value) if value not in (None, "") else None


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
    # Engine steps run in worker processes (engine/pool.py): how many per web process, and the
    # limits of one step (None = the default of engine/limits.py EngineLimits).
    ENGINE_WORKERS = int(os.environ.get("ENGINE_WORKERS", 2))
    ENGINE_STEP_CPU_SECONDS = _env_number("ENGINE_STEP_CPU_SECONDS")
    ENGINE_STEP_WALL_SECONDS = _env_number("ENGINE_STEP_WALL_SECONDS")
    ENGINE_MEMORY_MB = _env_number("ENGINE_MEMORY_MB", int)
    ENGINE_MAX_STATE_BYTES = _env_number("ENGINE_MAX_STATE_BYTES", int)
    ENGINE_MAX_NEW_TASKS = _env_number("ENGINE_MAX_NEW_TASKS", int)
    # Runs procedure code inside the web process, unprotected: for the benchmark's comparison only.
    ENGINE_INLINE = os.environ.get("ENGINE_INLINE") == "1"
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
