"""ZhifaFlow: case processing and oversight for administrative law enforcement (行政执法)."""
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .config import Config
from .extensions import db, limiter, login_manager, migrate
from .strict_input import ZhifaFlask


def create_app(config: dict | None = None) -> Flask:
    app = ZhifaFlask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    _normalize_database_url(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):]).parent.mkdir(
            parents=True, exist_ok=True)

    from . import models  # noqa: F401  (register tables)
    from .services import audit_keys

    audit_keys.init_app(app)  # before anything can write a trace event; production needs the key

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    login_manager.init_app(app)
    limiter.init_app(app)

    from .api import bp as api_bp

    app.register_blueprint(api_bp)

    from .cli import register_cli

    register_cli(app)

    @login_manager.user_loader
    def _load_user(user_id: str):
        from .models import User

        return db.session.get(User, int(user_id))

    @app.get("/healthz")
    def healthz():
        db.session.execute(db.text("SELECT 1"))
        return {"status": "ok"}

    @app.get("/")
    def index():
        return {
            "name": "ZhifaFlow 行政执法案件办理与监督平台",
            "api": "/api/v1/openapi.json",
        }

    return app


def _normalize_database_url(app: Flask):
    """Accept postgres:// and postgresql:// URLs and use the psycopg 3 driver for them."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    app.config["SQLALCHEMY_DATABASE_URI"] = url


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL for concurrent readers, enforced foreign keys, and a wait instead of instant 'locked'."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
