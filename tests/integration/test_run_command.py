"""The README's run command, `make run`, as a new user runs it: on a fresh database it migrates,
seeds, deploys, opens the demo cases and serves them, with the background worker beside the
server; the README's API examples then work against it as written; Ctrl-C or SIGTERM to its
process group stops the server and the worker, leaving no process behind; and the README says
truthfully what the demo holds."""
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT
from workflow_app import wall_clock
from workflow_app.demo.cases import DEFAULT_COUNT, STAGES

pytestmark = pytest.mark.dates

README = (ROOT / "README.md").read_text(encoding="utf-8")
STARTUP_SECONDS = 180


def free_port() -> int:
    """ZHIFAFLOW_TEST_PORT when set (shared machines hand out port ranges), else one the OS picks."""
    if os.environ.get("ZHIFAFLOW_TEST_PORT"):
        return int(os.environ["ZHIFAFLOW_TEST_PORT"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def running(process_group: int) -> dict[int, str]:
    """The live processes of a process group (zombies left for init to reap do not count): pid ->
    command line."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # ended meanwhile
            continue
        if int(fields[2]) == process_group and fields[0] != "Z":
            found[int(stat.parent.name)] = cmdline.strip()
    return found


def the_worker(process_group: int) -> list[int]:
    return [pid for pid, cmd in running(process_group).items() if cmd.endswith("--app wsgi worker run")]


def stop(proc, sig) -> dict[int, str]:
    """Send `sig` to make's process group, as a terminal's Ctrl-C (SIGINT) or `kill -TERM -- -PGID`
    does; wait for make; the group's processes still running after."""
    os.killpg(proc.pid, sig)
    proc.wait(timeout=60)
    deadline = time.monotonic() + 10
    while running(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    return running(proc.pid)


# `make run` as a terminal starts it: Ctrl-C and Ctrl-\ at their defaults. A suite started in the
# background (`pytest &`, nohup, some CI runners) has SIGINT and SIGQUIT ignored, which every
# process it starts inherits through exec: make, its shell and the server then ignored the test's
# Ctrl-C, and the test waited out its minute. Set back to the default here, then make is exec'd.
AS_IN_A_TERMINAL = [sys.executable, "-c", "import os, signal, sys\n"
                    "for s in (signal.SIGINT, signal.SIGQUIT): signal.signal(s, signal.SIG_DFL)\n"
                    "os.execvp(sys.argv[1], sys.argv[1:])"]


@contextlib.contextmanager
def make_run(tmp_path, name: str):
    """`make run` on the SQLite database tmp_path/demo.db (made fresh on the first start), in its own
    process group, its output in tmp_path/<name>.log; yields (base URL, log, process) once it answers,
    and is stopped by its group's id after (a test may stop it first, with a signal of its choice)."""
    venv = Path(sys.prefix)
    port = free_port()
    log = tmp_path / f"{name}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(wall_clock.environment())  # a pinned clock (ZHIFAFLOW_CLOCK): where it stands now
    # -o: the test runs inside the installed .venv; do not reinstall it even if setup.cfg is newer.
    cmd = ["make", "-o", f"{venv}/.installed", "run", f"VENV={venv}", f"PORT={port}",
           f"DATABASE_URL=sqlite:///{tmp_path / 'demo.db'}"]
    with open(log, "w") as out:
        proc = subprocess.Popen(AS_IN_A_TERMINAL + cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert proc.poll() is None, f"make run exited with {proc.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no answer within {STARTUP_SECONDS}s:\n{log.read_text()}"
            try:
                if request(f"{base}/healthz")[1] == {"status": "ok"}:
                    break
            except (urllib.error.URLError, ConnectionError, json.JSONDecodeError):
                time.sleep(0.5)
        yield base, log, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # make, its shell, the server and the worker
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


TODAY_IN_THE_SHELL = "TODAY=$(TZ=Asia/Shanghai date +%F)"


def readme_api_examples(base: str) -> str:
    """The README's commands against `base`; under a pinned clock (ZHIFAFLOW_CLOCK), "today" is the
    server's day, not the shell's."""
    section = README[README.index("## Using the API"):]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    assert "API=http://127.0.0.1:5000/api/v1" in block and TODAY_IN_THE_SHELL in block
    if wall_clock.is_pinned():
        block = block.replace(TODAY_IN_THE_SHELL, f"TODAY={wall_clock.local_today()}")
    return block.replace("http://127.0.0.1:5000", base)


def test_make_run_serves_the_demo_the_readme_examples_work_and_a_restart_on_its_database_stops_on_ctrl_c(tmp_path):
    """One fresh start (the demo built: about 20 s), SIGTERM; then `make run` again on the same
    database, as a user starts it the next morning (the --if-empty steps change nothing), Ctrl-C."""
    with make_run(tmp_path, "first") as (base, log, proc):
        served_fresh(base, log, proc)
    with make_run(tmp_path, "again") as (base, log, proc):
        output = log.read_text()
        assert "Demo data already present; nothing changed." in output
        assert "Cases already present; nothing changed." in output
        status, token = request(f"{base}/api/v1/auth/token", {"username": "officer1", "password": "zhifaflow-demo"})
        assert status == 201
        assert request(f"{base}/api/v1/cases?per_page=1", token=token["token"])[1]["total"] > DEFAULT_COUNT
        ctrl_c_stops_the_server_and_the_worker(base, log, proc)


def served_fresh(base, log, proc):
    output = log.read_text()
    assert f"Opened {DEFAULT_COUNT} demo cases" in output and "Traceback" not in output
    assert len(the_worker(proc.pid)) == 1, running(proc.pid)  # the background worker, beside the server
    status, token = request(f"{base}/api/v1/auth/token", {"username": "officer1", "password": "zhifaflow-demo"})
    assert status == 201
    status, page = request(f"{base}/api/v1/cases?per_page=100", token=token["token"])
    from workflow_app.demo import inspection, referral, seizure

    # the market's seizures too, and the penalty case its seizure handed on for confiscation opened; its
    # enterprise inspections (one of the stages is the environment branch's case) and the penalty case
    # one of them opened on its clue; its referrals (not the environment branch's bare clue, nor the
    # supervision's, which has no referral case: its receipt is the receiving department's)
    market_inspections = len(inspection.STAGES) - 1
    market_referrals = sum(not stage.bare and not stage.supervision for stage in referral.STAGES)
    assert status == 200 and page["total"] == (DEFAULT_COUNT + len(seizure.STAGES) + 1 + market_inspections + 1
                                               + market_referrals)
    assert f"\n{page['total']} demo cases in 市场监督管理局 (market) in all" in output  # what the CI compares
    assert {c["status"] for c in page["items"]} == {"intake", "not_filed", "investigating", "decided", "served",
                                                 "closed", "on_the_spot",  # the summary procedure's too
                                                 "seized", "released", "confiscation_referred",  # the seizures'
                                                 "registered", "inspected", "result", "withdrawn",  # the inspections'
                                                 "referral_drafting", "referred", "feedback_overdue",
                                                 "accepted", "returned"}  # and the referrals'
    assert f"Opened {2 * len(seizure.STAGES)} seizure cases" in output

    run = subprocess.run(["bash", "-euo", "pipefail", "-c", readme_api_examples(base)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    replies = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    task, completed, requested, inbox, case_file, trace = replies
    assert task["bpmn_id"] == "clue_intake" and task["form"]["title"] == "线索登记"
    assert [t["bpmn_id"] for t in completed["tasks"]] == ["filing_approval"]
    assert sorted(t["bpmn_id"] for t in requested["tasks"]) == ["extension_approval", "filing_approval"]
    assert completed["id"] > DEFAULT_COUNT  # the reader's new case, not a demo case
    assert inbox["total"] > 0
    assert [t["bpmn_id"] for t in case_file["items"]] == [
        "clue_intake", "filing_approval", "extension_request", "extension_approval"]
    assert [e["action"] for e in trace["items"]][:2] == ["case.opened", "task.ready"]

    # the drafts' commands (the section's second block, after the first's API and field)
    section = README[README.index("## Using the API"):]
    drafts_block = re.findall(r"```sh\n(.*?)```", section, re.S)[1]
    assert "$API/drafts" in drafts_block
    with tempfile.TemporaryDirectory() as where:
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", "\n".join(readme_api_examples(base).splitlines()[:2])
                              + "\n" + drafts_block], capture_output=True, text=True, timeout=120, cwd=where)
        assert run.returncode == 0, run.stderr
        assert "<bpmn:userTask" in (Path(where) / "small_check.bpmn").read_text(encoding="utf-8")
    problems, test_run, compared, submitted = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    assert problems["problem_count"] == 0 and [t["bpmn_id"] for t in test_run["ready"]] == ["record"]
    assert compared["steps"]["added"] == ["record"] and submitted["status"] == "submitted"

    left = stop(proc, signal.SIGTERM)  # as .ci/run and a service manager stop it
    assert left == {}, left
    output = log.read_text()
    assert "Worker: a pass every 30 s" in output and output.rstrip().count("Worker stopped.") == 1, output[-2000:]
    assert "Traceback" not in output


def ctrl_c_stops_the_server_and_the_worker(base, log, proc):
    worker = the_worker(proc.pid)
    assert len(worker) == 1, running(proc.pid)
    left = stop(proc, signal.SIGINT)  # Ctrl-C in the terminal: SIGINT to the foreground process group
    assert left == {}, left
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        request(f"{base}/healthz")
    output = log.read_text()
    assert "Worker stopped." in output and "Traceback" not in output, output[-2000:]


def test_the_readme_says_what_the_demo_holds():
    demo = README[README.index("## Demo data"):README.index("## Using the API")]
    assert f"opens {DEFAULT_COUNT} sample\ncases" in demo and DEFAULT_COUNT == 2 * len(STAGES)
    for stage in STAGES:
        assert f"\n| {stage.label} |" in demo, stage.label
    from workflow_app.demo import seizure

    assert f"opens {2 * len(seizure.STAGES)} cases of 查封、扣押" in demo.replace("\n", " ")
    for stage in seizure.STAGES:  # the seizure's table names its stages without their "seizure: "
        assert f"\n| {stage.label.removeprefix('seizure: ')} |" in demo, stage.label


def test_the_readme_links_only_files_in_the_repository():
    links = re.findall(r"\]\(([^)#]+)", README)
    assert "docs/architecture.md" in links
    for link in links:
        assert not link.startswith(("http:", "https:", "/", "..")), link
        assert (ROOT / link).is_file(), link
    assert "../" not in README
