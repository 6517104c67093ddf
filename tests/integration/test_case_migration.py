"""Moving a running case to a new version of its procedure: explicit, checked and traced."""
import io
from pathlib import Path

import pytest

from tests.helpers import TO_DECISION

pytestmark = pytest.mark.dates

GENERAL = (Path(__file__).resolve().parents[2] / "bpmn" / "general_penalty" / "general_penalty.bpmn").read_bytes()


def deploy(api, data: bytes) -> dict:
    r = api.post("/api/v1/procedures", as_="author1", data={"file": (io.BytesIO(data), "g.bpmn")},
                 content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    return r.json


def renamed(old: str, new: str) -> bytes:
    assert old.encode() in GENERAL
    return GENERAL.replace(f'name="{old}"'.encode(), f'name="{new}"'.encode())


def test_a_running_case_moves_to_the_new_version_and_runs_to_the_end(api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval")
    v2 = deploy(api, renamed("结案", "结案审批"))
    r = api.post(f"/api/v1/cases/{case['id']}/migrate", as_="author1", json={})
    assert r.status_code == 200, r.json
    case = r.json
    assert case["procedure_version"] == v2["version"] and api.ready(case) == ["investigation"]
    case = api.run(case, *TO_DECISION[2:], "penalty_decision", "disclosure", "service", "execution")
    assert api.task(case, "closing")["name"] == "结案审批"
    assert api.run(case, "closing")["status"] == "closed"
    trace = api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]
    migrated = [e for e in trace if e["action"] == "case.migrated"]
    assert len(migrated) == 1 and migrated[0]["actor"] == "author1"
    assert (migrated[0]["data"]["from_version"], migrated[0]["data"]["to_version"]) == (1, 2)


def test_a_case_cannot_move_to_a_version_without_a_step_it_has_reached(api):
    from tests.samples import sequential

    deploy(api, sequential("three_steps", [("user", "t1", {}), ("user", "t2", {}), ("user", "t3", {})]))
    case = api.open_case(procedure_id="three_steps")
    case = api.post(f"/api/v1/tasks/{api.task(case, 't1')['id']}/complete").json
    assert api.ready(case) == ["t2"]
    deploy(api, sequential("three_steps", [("user", "t1", {}), ("script", "s2", "x = 1"), ("user", "t3", {})]))
    r = api.post(f"/api/v1/cases/{case['id']}/migrate", as_="author1", json={})
    assert r.status_code == 422 and r.json["error"] == "migration_blocked", r.json
    assert r.json["errors"]["version_id"] == ["环节 t2（READY）在新版本中将变为 s2（ScriptTask）"]
    assert r.json["message"] == f"案件 {case['number']} 不能迁移到第 2 版"
    en = api.post(f"/api/v1/cases/{case['id']}/migrate", as_="author1", json={}, headers={"Accept-Language": "en"})
    assert en.json["errors"]["version_id"] == ["step t2 (READY) would become s2 (ScriptTask)"]
    assert en.json["message"] == f"case {case['number']} cannot move to version 2"
    assert api.get(f"/api/v1/cases/{case['id']}").json["procedure_version"] == 1


def test_only_authors_and_admins_move_cases_and_only_running_ones(api):
    case = api.open_case()
    deploy(api, renamed("结案", "结案审批"))
    assert api.post(f"/api/v1/cases/{case['id']}/migrate", as_="officer1", json={}).status_code == 403
    assert api.post(f"/api/v1/cases/{case['id']}/migrate", as_="author1",
                    json={"version_id": 999999}).status_code == 422
    closed = api.run(api.open_case(), "clue_intake", ("filing_approval", {"filing_decision": "not_file"}))
    assert api.post(f"/api/v1/cases/{closed['id']}/migrate", as_="admin", json={}).status_code == 409
    api.post(f"/api/v1/cases/{case['id']}/migrate", as_="admin", json={})
    again = api.post(f"/api/v1/cases/{case['id']}/migrate", as_="admin", json={})
    assert again.status_code == 422 and again.json["errors"]["version_id"] == ["案件已在第 2 版上"]


def test_the_cli_moves_a_case_and_explains_refusals(api, app):
    case = api.open_case()
    deploy(api, renamed("结案", "结案审批"))
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["cases", "migrate", str(case["id"]), "--as", "author1"])
    assert ok.exit_code == 0 and "general_penalty v2" in ok.output
    again = runner.invoke(args=["cases", "migrate", str(case["id"]), "--as", "author1"])
    assert again.exit_code == 1 and "already on version 2" in again.output
    denied = runner.invoke(args=["cases", "migrate", str(case["id"]), "--as", "officer1"])
    assert denied.exit_code == 1 and "procedure author" in denied.output


def test_a_ready_task_follows_the_new_versions_lane_form_name_and_deadline(api):
    """The ready row must not keep the old lane (permission) or the old form (validation)."""
    from tests.samples import sequential

    v1 = sequential("moving", [("user", "t1", {"formKey": "closing"}), ("user", "t2", {})])
    deploy(api, v1)
    case = api.open_case(procedure_id="moving")
    v2 = sequential("moving", [("user", "t1", {"formKey": "filing_approval", "lane": "department_head",
                                               "deadline": "5 working days from task.ready"}),
                               ("user", "t2", {})])
    deploy(api, v2)
    r = api.post(f"/api/v1/cases/{case['id']}/migrate", as_="author1", json={})
    assert r.status_code == 200, r.json
    task = api.task(r.json, "t1")
    assert (task["lane"], task["form_key"]) == ("department_head", "filing_approval") and task["due_at"]
    from tests.helpers import STEPS

    r = api.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": STEPS["closing"][1]})
    assert r.status_code == 403  # officer1: the lane is the head's now
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", as_="head1", json={"data": STEPS["closing"][1]})
    assert r.status_code == 422 and "filing_decision" in r.json["errors"]  # the new form's fields
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", as_="head1", json={"data": STEPS["filing_approval"][1]})
    assert r.status_code == 200 and api.ready(r.json) == ["t2"]
