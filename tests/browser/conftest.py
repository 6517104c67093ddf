"""Browser tests: Playwright drives Debian's chromium (/usr/bin/chromium, flags in DEVELOPERS.md)
against a real server on the demo data, built the way `make run` builds it.

Without /usr/bin/chromium these tests are skipped, saying so; with ZHIFAFLOW_REQUIRE_BROWSER=1
(.ci/run sets it) a missing browser is a failure instead.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT, built_once
from workflow_app import wall_clock
from workflow_app.wall_clock import local_today

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DEMO_PASSWORD = "zhifaflow-demo"
SCREENSHOTS = ROOT / "tests" / "browser" / "screenshots"
STARTUP_SECONDS = 120
REQUIRED = os.environ.get("ZHIFAFLOW_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config, items):
    """Skipped, saying why, without the browser; under ZHIFAFLOW_REQUIRE_BROWSER=1 they run and fail."""
    if CHROMIUM.exists() or REQUIRED:
        return
    reason = f"browser tests need {CHROMIUM} (apt-get install -y chromium fonts-noto-cjk)"
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
    """ZHIFAFLOW_BROWSER_PORT when set (shared machines hand out port ranges; each pytest-xdist
    worker takes the next one: gw1 the port + 1), else one the OS picks."""
    if os.environ.get("ZHIFAFLOW_BROWSER_PORT"):
        worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
        return int(os.environ["ZHIFAFLOW_BROWSER_PORT"]) + int(worker.removeprefix("gw") or 0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_clock(env: dict) -> dict:
    """`env` with this process's clock as it stands now: a server or command started under a pinned
    clock (ZHIFAFLOW_CLOCK) runs as of the same moment as the tests."""
    return {**env, **wall_clock.environment()}


def _demo_environment(folder: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update({
        "DATABASE_URL": f"sqlite:///{folder / 'demo.db'}", "ZHIFAFLOW_ENV": "development",
        "SECRET_KEY": "browser-test-secret-key-of-32-characters-or-more",
        "AUDIT_HMAC_KEY": "browser-test-audit-chain-key-0123456789", "AUDIT_KEY_DIR": str(folder),
        "EVIDENCE_DIR": str(folder / "evidence"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # the tests log in often; the limits themselves are tested in tests/integration
        "LOGIN_LIMIT_PER_ACCOUNT": "1000 per minute", "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
    })
    return env


FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


def _build_demo(folder: Path) -> None:
    """The demo database (with its evidence files and audit keys) in `folder`, by the steps of
    `make run` through the CLI: built once a run (tests/conftest.py built_once), the browser
    groups' workers each serving a copy."""
    env = _demo_environment(folder)
    for args in (["db", "upgrade"], ["demo", "seed", "--password", DEMO_PASSWORD],
                 ["procedures", "deploy", str(ROOT)], ["demo", "cases"]):
        built = subprocess.run(FLASK + args, cwd=ROOT, env=with_clock(env), capture_output=True, text=True,
                               timeout=300)
        assert built.returncode == 0, (args, built.stdout, built.stderr)


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """A server on a fresh SQLite demo database: migrated, seeded, procedures deployed, demo cases
    opened (the steps of `make run`; built once a run, a copy per server), then `flask run` in its
    own process group, stopped by its id. Each browser group (`xdist_group`) runs on one worker with
    one server: "browser" (the officers', reviewers' and supervisors' pages) and "browser_workbench"
    (the BPMN author's workbench, and the whole-site accessibility sweeps), so the two chains of
    page loads, which mostly wait, run side by side."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing and ZHIFAFLOW_REQUIRE_BROWSER=1 requires the browser tests")
    tmp = tmp_path_factory.mktemp("browser")
    shutil.copytree(built_once(tmp_path_factory, "browser-demo", _build_demo), tmp, dirs_exist_ok=True)
    env = _demo_environment(tmp)
    port = _free_port()
    log = open(tmp / "server.log", "w")
    proc = subprocess.Popen(FLASK + ["run", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=with_clock(env),
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert proc.poll() is None, (tmp / "server.log").read_text()
            assert time.monotonic() < deadline, (tmp / "server.log").read_text()
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        DEMO_ENVIRONMENTS[base] = env
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


DEMO_ENVIRONMENTS: dict[str, dict] = {}  # base URL -> the environment of its server's database


@pytest.fixture(scope="session")
def demo_flask(demo_server):
    """Runs a `flask` command (e.g. `users roles ... --grant ...`) on the demo server's database."""
    def run(*args: str) -> str:
        done = subprocess.run([*FLASK, *args], cwd=ROOT,
                              env=with_clock(DEMO_ENVIRONMENTS[demo_server]), capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout
    return run


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _said(msg) -> str:
    """A console error as the test reports it: a resource that failed names its address."""
    url = (msg.location or {}).get("url") if msg.text.startswith("Failed to load resource") else None
    return f"{msg.text} ({url})" if url else msg.text


@contextmanager
def fresh_page(browser, base_url: str, **options):
    """A page of a fresh browser context (no cookies) with the server as its base URL; console
    errors (a CSP violation, a script error) are collected and fail the test when it ends."""
    context = browser.new_context(base_url=base_url, locale="zh-CN", **options)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(_said(msg)))
    page.on("pageerror", lambda err: page.console_errors.append(str(err)))
    yield page
    context.close()
    assert page.console_errors == [], page.console_errors


PHONE = {"width": 360, "height": 740}  # a phone's screen, CSS pixels


@pytest.fixture
def phone(browser, demo_server):
    """A fresh page sized and touching like a phone (the on-site steps' pages)."""
    with fresh_page(browser, demo_server, viewport=PHONE, device_scale_factor=2, is_mobile=True,
                    has_touch=True) as page:
        yield page


@pytest.fixture
def page(browser, demo_server):
    with fresh_page(browser, demo_server, viewport={"width": 1280, "height": 900}) as page:
        yield page


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def decide_a_warning(page):
    """On a demo case's 作出行政处罚决定 page: a warning under Food Safety Law Art. 126, the lighter
    tier, decided today, and the party's statement (the demo's statement_defence) answered: not
    adopted, as the statement's review offered, with the reasons."""
    page.locator('input[name="penalty_kinds"][value="warning"]').check()
    page.fill('textarea[name="legal_basis"], input[name="legal_basis"]', "《中华人民共和国食品安全法》第一百二十六条第一款第三项")
    page.select_option('select[name="benchmark_tier"]', "lighter")
    page.fill('input[name="decided_on"]', local_today().isoformat())
    expect(page.locator('select[name="statement_adopted"]')).to_have_value("not_adopted")
    page.fill('textarea[name="statement_reasons"], input[name="statement_reasons"]',
              "当事人所称已补建进货台账，不影响违法事实的认定，已在裁量中考虑，不予采纳。")


def log_in_as(page, username: str, password: str = DEMO_PASSWORD):
    """Another user in the same browser: the page is left first (about:blank), so a request the
    old page still has in flight (the diagram's BPMN) is not answered 401 after its session is
    dropped, which would log a console error; then the cookies go and the user logs in."""
    page.goto("about:blank")
    page.context.clear_cookies()
    log_in(page, username, password)


def log_in(page, username: str, password: str = DEMO_PASSWORD):
    page.goto("/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"].primary')
