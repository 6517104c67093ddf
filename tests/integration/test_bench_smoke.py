"""The benches run: one short iteration of `make bench` (bench/bench_cases.py) and of `make
bench-pg` (bench/bench_http_pg.py) in the suite, so that their form data, their commands and their
output cannot rot unnoticed again. They print figures; nothing here is timed (the machine is
shared): what is checked is that every case reached its end with no error and that the figures
are all there and coherent (a p95 is no smaller than the median, and a real p95, not the maximum)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.latency import p95, percentile  # noqa: E402


def run_bench(*args: str, env: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, *args, "--json"], cwd=ROOT, capture_output=True, text=True, timeout=600,
                         env={**os.environ, **(env or {})})
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def test_a_p95_is_interpolated_between_samples_not_the_largest():
    samples = list(range(1, 21))  # nearest rank would give 20, the maximum
    assert p95(samples) == pytest.approx(19.05)
    assert percentile(samples, 0.5) == pytest.approx(10.5) and p95([7]) == 7


def test_make_bench_runs_one_case_of_each_mode():
    figures = run_bench("bench/bench_cases.py", "--cases", "1")
    steps = figures["completions_per_case"]
    assert steps == 11
    for mode in ("in_process", "http", "baseline", "in_process_inline_engine", "in_process_isolated_alternating"):
        assert figures[mode]["completions"] >= steps, mode
        assert 0 < figures[mode]["median_ms"] <= figures[mode]["p95_ms"], mode
    assert figures["storage"]["total"] > 0 and set(figures["per_step_median_ms"]) >= {"clue_intake", "closing"}


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL.startswith(("postgres://", "postgresql")), reason="DATABASE_URL is not PostgreSQL")
def test_make_bench_pg_serves_completions_with_no_error():
    # CI runs this beside the rest of the suite on two cores: a two-second window may see no
    # completion end, so the bench keeps measuring until it has three (CI's failure of 2026-12-06).
    figures = run_bench("bench/bench_http_pg.py", "--seconds", "2", "--warmup", "1", "--clients", "2",
                        "--min-completions", "3", "--database-url", PG_URL)
    for mode in ("isolated", "inline"):
        result = figures[mode]
        assert result["errors"] == 0, result["error_samples"]
        assert result["completions"] >= 3 and 0 < result["median_ms"] <= result["p95_ms"], result
        assert result["window_s"] >= 2 and result["completions_per_s"] == pytest.approx(
            result["completions"] / result["window_s"]), result
        assert set(result["cpu_ms_per_completion_by_kind"]) == {"web", "engine", "postgres"}


def test_the_evidence_bench_uploads_its_file_and_prints_its_figures():
    out = subprocess.run([sys.executable, "bench/bench_evidence.py", "--mb", "3"], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    assert "over HTTP: ok" in out.stdout and "ratio upload/baseline" in out.stdout, out.stdout
