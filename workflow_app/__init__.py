"""ZhifaFlow: case processing and oversight for administrative law enforcement (行政执法)."""
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import security, wall_clock
from .config import Config, ConfigurationError, is_production
from .extensions import csrf, db, limiter, login_manager, migrate
from .instance_secrets import instance_secret
from .strict_input import ZhifaFlask, refuse_unstorable_fields


def create_app(config: dict | None = None, *, instance_path: str | None = None) -> Flask:
    """The application; raises config.ConfigurationError when its settings are unsafe."""
    app = ZhifaFlask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    _normalize_database_url(app)
    app.config["SECRET_KEY"] = instance_secret(app, "secret_key")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):]).parent.mkdir(
            parents=True, exist_ok=True)

    from . import models  # noqa: F401  (register tables)
    from .services.audit import keys as audit_keys

    audit_keys.init_app(app)  # before anything can write a trace event; production needs the key
    _check_clock(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    login_manager.init_app(app)
    limiter.init_app(app)
    security.init_app(app)
    app.before_request(refuse_unstorable_fields)

    from .api import bp as api_bp

    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # the API checks CSRF itself, for session-authenticated requests only

    from . import i18n
    from .web import bp as web_bp
    from .web.templating import init_templating

    i18n.init_app(app)
    app.register_blueprint(web_bp)
    init_templating(app)
    login_manager.login_view = "web.login"

    from .cli import register_cli

    register_cli(app)

    if not app.config.get("TESTING"):
        from .engine.pool import engine_for

        @app.before_request
        def _start_engine_workers():
            # Serving: the engine workers start in the background at the first request (a login,
            # a page), so they are ready by the first engine step; a lock and a count afterwards.
            # CLI commands start them only when they run a step.
            engine_for(app.config).start()

    @login_manager.user_loader
    def _load_user(session_user_id: str):
        from .services.people.auth import user_for_session

        return user_for_session(session_user_id)

    @app.get("/healthz")
    def healthz():
        db.session.execute(db.text("SELECT 1"))
        return {"status": "ok"}

    return app


def _check_clock(app: Flask):
    """An unreadable ZHIFAFLOW_CLOCK stops the app rather than leave it on another clock than meant."""
    if wall_clock.environment_error:
        raise ConfigurationError(wall_clock.environment_error)


def refuse_a_pinned_clock_in_production(app: Flask):
    """A pinned clock (ZHIFAFLOW_CLOCK, wall_clock.py) is for tests, demos and training: production
    counts the law's deadlines on the real clock. Checked where a server or the CLI starts
    (wsgi.py), so that tests may still build production-configured apps as of a pinned day."""
    if wall_clock.is_pinned() and is_production(app.config):
        raise ConfigurationError(f"{wall_clock.ENV} pins the clock; production runs on the real clock "
                                 "(unset it, or set ZHIFAFLOW_ENV=development for a demo or training server)")


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
