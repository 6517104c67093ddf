"""The app's one clock (workflow_app/wall_clock.py): pinned by ZHIFAFLOW_CLOCK it starts at that
instant and runs on; a test moves it, freezes it for a block, and hands it to the processes it
starts; production refuses to run on a pinned clock, and an unreadable value stops the app."""
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from workflow_app import wall_clock

ROOT = Path(__file__).resolve().parent.parent.parent


def test_a_date_alone_means_its_ten_oclock_in_beijing_and_a_date_time_needs_its_offset():
    assert wall_clock.parse("2026-12-28") == datetime(2026, 12, 28, 2, tzinfo=UTC)
    assert wall_clock.parse("2026-02-16T23:30:00+08:00") == datetime(2026, 2, 16, 15, 30, tzinfo=UTC)
    for text in ("2026-12-28T10:00:00", "yesterday", "2026-13-01"):
        with pytest.raises(ValueError, match="ZHIFAFLOW_CLOCK"):
            wall_clock.parse(text)


def test_a_pinned_clock_starts_at_its_instant_and_runs_on(clock):
    clock.set_now(datetime(2027, 3, 6, 2, tzinfo=UTC))
    first = clock.utcnow()
    assert clock.is_pinned() and timedelta(0) <= first - datetime(2027, 3, 6, 2, tzinfo=UTC) < timedelta(seconds=5)
    assert clock.local_today() == date(2027, 3, 6)
    time.sleep(0.01)
    assert clock.utcnow() > first  # runs on: rows stay in order, timers fall due
    clock.advance(timedelta(days=2))
    assert clock.local_today() == date(2027, 3, 8)


def test_a_frozen_block_reads_one_instant_and_the_clock_runs_on_after_it(clock):
    at = datetime(2026, 2, 16, 4, tzinfo=UTC)
    with clock.frozen(at):
        assert clock.utcnow() == at and clock.local_now().hour == 12
        time.sleep(0.01)
        assert clock.utcnow() == at
    assert clock.utcnow() != at


def test_a_process_started_later_gets_the_clock_where_it_stands(clock):
    assert wall_clock.environment() == {} or wall_clock.is_pinned()
    clock.set_now(datetime(2026, 12, 28, 2, tzinfo=UTC))
    env = {**os.environ, **clock.environment()}
    out = subprocess.run([sys.executable, "-c", "from workflow_app import wall_clock; print(wall_clock.utcnow().isoformat())"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    child = datetime.fromisoformat(out.stdout.strip())
    assert abs(child - clock.utcnow()) < timedelta(seconds=30), (child, out.stderr)


def test_the_test_helpers_date_from_the_clock_as_it_reads_when_used(clock):
    from tests.helpers import STEPS, days_ago

    clock.set_now(datetime(2026, 2, 16, 2, tzinfo=UTC))
    assert days_ago(1) == "2026-02-15"
    assert STEPS["clue_intake"][1]["received_on"] == (date(2026, 2, 16) - timedelta(days=110)).isoformat()


def flask_cli(**env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "ZHIFAFLOW_"))}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "procedures", "list"], cwd=ROOT,
                          env={**base, **env}, capture_output=True, text=True, timeout=120)


def test_production_refuses_a_pinned_clock_in_one_line(tmp_path):
    result = flask_cli(ZHIFAFLOW_ENV="production", ZHIFAFLOW_CLOCK="2026-12-28", SECRET_KEY="s" * 40,
                       AUDIT_HMAC_KEY="a" * 40, AUDIT_KEY_DIR=str(tmp_path), RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
                       DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}")
    assert result.returncode == 4, result
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("ZhifaFlow cannot start: ZHIFAFLOW_CLOCK pins the clock; production runs on "
                                    "the real clock"), result.stderr


def test_an_unreadable_clock_stops_the_app_naming_the_variable(tmp_path):
    result = flask_cli(ZHIFAFLOW_ENV="development", ZHIFAFLOW_CLOCK="2026-12-28T10:00",
                       DATABASE_URL=f"sqlite:///{tmp_path / 'd.db'}", AUDIT_KEY_DIR=str(tmp_path))
    assert result.returncode == 4, result
    assert result.stderr.startswith("ZhifaFlow cannot start: ZHIFAFLOW_CLOCK='2026-12-28T10:00' has no UTC offset"), \
        result.stderr
