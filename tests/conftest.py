"""Test fixtures: a real app on a real, migrated database, on SQLite and (when DATABASE_URL is a
PostgreSQL URL) on PostgreSQL too. Cases are built through the services and the API, never by
hand-made rows that skip the engine.

Time: the app's clock (workflow_app/wall_clock.py), never the wall clock. ZHIFAFLOW_CLOCK runs the
suite as of a day; the `clock` fixture moves it for one test; `@pytest.mark.as_of(day)` runs a
test written with fixed dates as of its day (DEVELOPERS.md, "Time in tests").
"""
import contextlib
import os
import shutil
import uuid
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from workflow_app import create_app, wall_clock

# The suite runs as of a day at its 10:00 in Beijing: as of ZHIFAFLOW_CLOCK's day when it is set,
# else as of today (the one read of the wall clock, for the day alone). Run on the real clock, a
# suite started at 23:52 moved its clock to "48 days on, same time" and met the last minutes of a
# day (CI, stop 23), and one started at 23:55 crossed midnight between two reads of "today". Set
# in the environment before pytest-xdist starts its workers, so every worker (and every process a
# test starts with `wall_clock.environment()`) runs as of the same day.
if not os.environ.get(wall_clock.ENV, "").strip():
    os.environ[wall_clock.ENV] = datetime.now(wall_clock.LOCAL_TZ).date().isoformat()
    wall_clock.set_now(wall_clock.parse(os.environ[wall_clock.ENV]))
from workflow_app.extensions import db
from workflow_app.services.audit.keys import new_signing_key_pem

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "test-password-1"
PG_URL = os.environ.get("DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL.startswith(("postgres://", "postgresql")) else [])

# One signing key for the run, made before pytest-xdist starts its workers (as the clock above), so
# the workers sharing a database template (sqlite_templates) sign with the key it was made with.
SIGNING_KEY_ENV = "ZHIFAFLOW_TEST_SIGNING_KEY"
os.environ.setdefault(SIGNING_KEY_ENV, new_signing_key_pem())

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-only-secret-key-of-32-characters-or-more",
    # The audit keys, as production passes them (outside the database); a fresh signing key per run.
    "AUDIT_HMAC_KEY": "test-audit-chain-key-0123456789abcdef",
    "AUDIT_SIGNING_KEY": os.environ[SIGNING_KEY_ENV],
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "RATELIMIT_ENABLED": False,
    "SCRIPT_CPU_SECONDS": 0.5,
}


def _compile_catalogues():
    """The pages' .mo catalogues, as `make translations` compiles them, for a pytest run started
    without make (a stale or missing .mo would show English where the tests expect Chinese)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (ROOT / "workflow_app" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            partial = mo.with_name(f"{mo.name}.{os.getpid()}")  # pytest-xdist workers: no half-written file
            with partial.open("wb") as target:
                write_mo(target, catalog)
            os.replace(partial, mo)


_compile_catalogues()


def pytest_configure(config):
    if wall_clock.environment_error:
        raise pytest.UsageError(wall_clock.environment_error)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Keep each `xdist_group` on one worker under `--dist loadgroup` (the browser tests: one demo
    server, one chromium). pytest-xdist 3.8 names an item's group by suffixing `item._nodeid`, which
    pytest 9 no longer reads (an item's node id is `item._id`): the groups were silently spread over
    every worker, each building its own demo server. Suffixed here the way xdist means to."""
    if not getattr(config.option, "loadgroup", False) or not hasattr(config, "workerinput"):
        return
    try:
        from _pytest.nodeid import coerce_node_id
    except ImportError:  # pytest < 9: xdist's own suffix works
        return
    for item in items:
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                        for m in item.iter_markers("xdist_group")})
        suffix = "@" + "_".join(names)
        if names and not item.nodeid.endswith(suffix):
            item._id = coerce_node_id(item.nodeid + suffix)


def pytest_report_header(config):
    """The day the suite runs as of: today, or the day ZHIFAFLOW_CLOCK gives (a failure that depends
    on the date is reproduced with ZHIFAFLOW_CLOCK=<that day>)."""
    return wall_clock.describe()


class _TestClock:
    """workflow_app/wall_clock.py for a test, whose `set_now` refuses an instant in the last
    minutes of a Beijing day: the clock runs on from where it is set, so a test set there (a due
    time, 23:59:59.999) reads "today" as one day, then as the next a second later when the machine
    is slow - a failure of one run in many. Set such a test's clock to a time of day
    (tests/helpers.py `noon_after`)."""

    MARGIN = timedelta(minutes=10)

    def __getattr__(self, name):
        return getattr(wall_clock, name)

    def set_now(self, at):
        if at is not None and at.tzinfo is not None:
            local = at.astimezone(wall_clock.LOCAL_TZ)
            midnight = datetime.combine(local.date() + timedelta(days=1), time.min, tzinfo=wall_clock.LOCAL_TZ)
            assert midnight - local > self.MARGIN, (
                f"the test sets the clock to {local.isoformat()}, within {self.MARGIN} of midnight in "
                "Beijing: its run would cross into the next day (use tests/helpers.py noon_after)")
        wall_clock.set_now(at)


@pytest.fixture
def clock():
    """The app's clock (workflow_app/wall_clock.py) for a test to move: `clock.set_now(at)`,
    `clock.advance(delta)`, `with clock.frozen(at): ...`; put back after the test."""
    setting = wall_clock.saved()
    yield _TestClock()
    wall_clock.restore(setting)


# ZHIFAFLOW_REQUIRE_BROWSER=1 (.ci/run): a browser test that was skipped fails the run.
_browser_skips: list[str] = []


def pytest_runtest_logreport(report):
    if os.environ.get("ZHIFAFLOW_REQUIRE_BROWSER") == "1" and report.skipped and "tests/browser/" in report.nodeid:
        _browser_skips.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _browser_skips:
        print(f"\nZHIFAFLOW_REQUIRE_BROWSER=1 but {len(_browser_skips)} browser tests were skipped: "
              + ", ".join(_browser_skips))
        session.exitstatus = 1


def _prepare(app):
    """Migrate, seed the demo org and deploy the shipped procedures, through the real code."""
    from flask_migrate import upgrade

    from workflow_app.demo.seed import seed_demo
    from workflow_app.services.procedures import packages
    from workflow_app.services.procedures import versions as procedures

    with app.app_context():
        upgrade()
        seed_demo(PASSWORD)
        for package in packages.read_folder(ROOT):
            procedures.deploy_package(package, "cli:test-setup")
        db.session.remove()
        db.engine.dispose()


def _pg_url(name: str) -> str:
    url = make_url(PG_URL.replace("postgres://", "postgresql://", 1)).set(drivername="postgresql+psycopg")
    return url.set(database=name).render_as_string(hide_password=False)


def as_of_day(node) -> str | None:
    """The day of the test's `as_of` marker (None: the suite's own clock)."""
    marker = node.get_closest_marker("as_of")
    return marker.args[0] if marker else None


@contextlib.contextmanager
def clock_as_of(day: str | None):
    """The app's clock at `day` (its 10:00 in Beijing, then running) within the block; None: unchanged."""
    if day is None:
        yield
        return
    setting = wall_clock.saved()
    wall_clock.set_now(wall_clock.parse(day))
    try:
        yield
    finally:
        wall_clock.restore(setting)


@pytest.fixture(autouse=True)
def as_of(request):
    """`@pytest.mark.as_of("2026-12-01")`: a test written with fixed dates runs as of that day,
    whatever day the suite runs as of: its database seeded then (the officers' certificates date
    from the seeding) and the app's clock at that day during the test."""
    day = as_of_day(request.node)
    with clock_as_of(day):
        yield day


def _run_demo(url: str, evidence: Path) -> str:
    """`flask demo cases` (its defaults, as `make run` runs it) on a prepared database; its output."""
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "EVIDENCE_DIR": str(evidence)})
    result = app.test_cli_runner().invoke(args=["demo", "cases"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return result.output


# (backend, day) -> the output of `flask demo cases` on the template of tests marked demo_cases
_DEMO_OUTPUTS: dict[tuple[str, str | None], str] = {}


def built_once(tmp_path_factory, name: str, build) -> Path:
    """The folder `name`, filled by `build(folder)` once a run: under pytest-xdist in the run's
    common temporary folder, which the workers share (a file lock: the first to need it builds it,
    the others wait for it and use it; a folder a dead worker left half built is built again)."""
    import fcntl

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder, done = shared / name, shared / f"{name}.done"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                build(folder)
                done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory):
    """A migrated, seeded, deployed SQLite database per day it was made as of (None: the suite's
    clock), made on first use and copied for each test; `demo` True: one that also holds the demo
    cases (`flask demo cases`, their evidence files in the folder `evidence` beside it). Under
    pytest-xdist the workers of a run share them (the run's common temporary folder, a file lock
    each): the first worker to need one makes it, the others wait for it and copy it (each made
    once a run, not once a worker: a demo template is some 15 s of CPU)."""
    made: dict[tuple[str | None, bool], Path] = {}

    def template(day: str | None, demo: bool = False) -> Path:
        if (day, demo) not in made:
            def build(folder: Path) -> None:
                with clock_as_of(day):
                    if demo:
                        shutil.copy(template(day), folder / "template.db")
                        (folder / "demo-output.txt").write_text(
                            _run_demo(f"sqlite:///{folder / 'template.db'}", folder / "evidence"), encoding="utf-8")
                    else:
                        _prepare(create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'template.db'}"}))

            folder = built_once(tmp_path_factory, f"db-template-{day or 'suite-day'}-{'demo' if demo else 'plain'}", build)
            if demo:
                _DEMO_OUTPUTS["sqlite", day] = (folder / "demo-output.txt").read_text(encoding="utf-8")
            made[day, demo] = folder / "template.db"
        return made[day, demo]

    return template


@pytest.fixture
def sqlite_template(sqlite_templates, as_of) -> Path:
    """The seeded SQLite template of the test's day: copy it before writing to it."""
    return sqlite_templates(as_of)


@pytest.fixture(scope="session")
def postgres_databases(tmp_path_factory):
    """Fresh PostgreSQL databases for this run, one per day they were prepared as of (as
    sqlite_templates), dropped at the end. Unreachable under CI = error."""
    admin = create_engine(_pg_url(make_url(PG_URL.replace("postgres://", "postgresql://", 1)).database
                                  or "postgres"), isolation_level="AUTOCOMMIT")
    made: dict[tuple[str | None, bool], tuple] = {}

    def database(day: str | None, demo: bool = False) -> tuple:
        if (day, demo) not in made:
            name = f"zhifaflow_test_{uuid.uuid4().hex[:10]}"
            try:
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
            except Exception as err:  # noqa: BLE001 - report any connection failure the same way
                pytest.exit(f"DATABASE_URL is set but PostgreSQL is unreachable: {err}", returncode=3)
            url = _pg_url(name)
            evidence = tmp_path_factory.mktemp("pg-evidence")
            with clock_as_of(day):
                _prepare(create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url}))
                if demo:
                    _DEMO_OUTPUTS["postgresql", day] = _run_demo(url, evidence)
            engine = create_engine(url)
            with engine.connect() as conn:
                tables = [r[0] for r in conn.execute(text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
                conn.execute(text("CREATE SCHEMA template"))
                for t in tables:
                    conn.execute(text(f'CREATE TABLE template."{t}" AS TABLE public."{t}"'))
                conn.commit()
            made[day, demo] = (name, url, engine, tables, evidence)
        _name, url, engine, tables, evidence = made[day, demo]
        return url, engine, tables, evidence

    yield database
    for name, _url, engine, _tables, _evidence in made.values():
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _restore_postgres(engine, tables):
    """Back to the seeded state: TRUNCATE (fires no row triggers) and copy the template rows."""
    quoted = ", ".join(f'public."{t}"' for t in tables)
    with engine.connect() as conn:
        conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        conn.execute(text("SET session_replication_role = replica"))  # FKs: load in any order
        for t in tables:
            conn.execute(text(f'INSERT INTO public."{t}" SELECT * FROM template."{t}"'))
        conn.execute(text("SET session_replication_role = DEFAULT"))
        for t, seq in conn.execute(text(
                "SELECT table_name, pg_get_serial_sequence('public.' || quote_ident(table_name), column_name) "
                "FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'id'")):
            if seq and t in tables:
                conn.execute(text(f'SELECT setval(\'{seq}\', COALESCE((SELECT MAX(id) FROM public."{t}"), 0) + 1, false)'))
        conn.commit()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path, as_of):
    """The test's own database, a copy of the template of its day; a test marked `demo_cases`
    gets one holding the demo cases `make run` opens (made once per run, as the command makes
    them), their evidence files copied to the test's evidence folder."""
    demo = request.node.get_closest_marker("demo_cases") is not None
    if request.param == "sqlite":
        path = tmp_path / "case.db"
        template = request.getfixturevalue("sqlite_templates")(as_of, demo)
        shutil.copy(template, path)
        url, evidence = f"sqlite:///{path}", template.parent / "evidence"
    else:
        url, engine, tables, evidence = request.getfixturevalue("postgres_databases")(as_of, demo)
        _restore_postgres(engine, tables)
    if demo:
        if evidence.exists():
            shutil.copytree(evidence, tmp_path / "evidence")
        request.node.demo_output = _DEMO_OUTPUTS[request.param, as_of]
    return url


@pytest.fixture
def demo_output(request, database_url) -> str:
    """What `flask demo cases` printed when it opened the demo cases of a `demo_cases` test's database."""
    return request.node.demo_output


@pytest.fixture
def app(database_url, tmp_path):
    """The app, with no context pushed: each request gets its own, as in production."""
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                      "EVIDENCE_DIR": str(tmp_path / "evidence")})
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An app context for tests that call services or query the database directly."""
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def user(ctx):
    from workflow_app.models import User

    def get(username: str) -> User:
        return db.session.execute(db.select(User).where(User.username == username)).scalar_one()

    return get


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(client):
    from tests.helpers import Api

    return Api(client)
