"""Deploying procedures: safe parsing, validation with located errors, immutable versions."""
import io
import zipfile
from pathlib import Path

import pytest

from tests.samples import sequential

ROOT = Path(__file__).resolve().parents[2]
GENERAL = (ROOT / "bpmn" / "general_penalty" / "general_penalty.bpmn").read_bytes()
# The problems are read in English here; test_engine_language.py reads them in both languages.
EN = {"Accept-Language": "en"}


def deploy(api, data: bytes, as_="author1", name="p.bpmn", headers=EN):
    return api.post("/api/v1/procedures", as_=as_, data={"file": (io.BytesIO(data), name)},
                    content_type="multipart/form-data", headers=headers)


def problems(r):
    return r.json["details"]["problems"]


def test_a_new_file_becomes_version_1_and_identical_content_is_a_no_op(api):
    r = deploy(api, sequential("tiny", [("user", "t1", {"formKey": "closing"})]))
    assert r.status_code == 201
    body = r.json
    assert (body["procedure_id"], body["version"], body["created"]) == ("tiny", 1, True)
    assert len(body["sha256"]) == 64
    again = deploy(api, sequential("tiny", [("user", "t1", {"formKey": "closing"})]))
    assert again.status_code == 200 and again.json["id"] == body["id"] and again.json["created"] is False
    listed = api.get("/api/v1/procedures").json["items"]
    assert {(v["procedure_id"], v["version"]) for v in listed} >= {("tiny", 1), ("general_penalty", 1)}


def test_a_running_case_stays_on_its_version_and_new_cases_take_the_latest(api):
    old = api.open_case()
    changed = GENERAL.replace(b'name="\xe7\xba\xbf\xe7\xb4\xa2\xe7\x99\xbb\xe8\xae\xb0"',
                              b'name="\xe7\xba\xbf\xe7\xb4\xa2\xe7\x99\xbb\xe8\xae\xb0 v2"')
    assert changed != GENERAL
    r = deploy(api, changed)
    assert r.status_code == 201 and r.json["version"] == 2
    new = api.open_case()
    assert (old["procedure_version"], new["procedure_version"]) == (1, 2)
    assert api.get(f"/api/v1/cases/{old['id']}").json["procedure_version"] == 1
    assert api.task(new, "clue_intake")["name"] == "线索登记 v2"
    assert api.task(api.get(f"/api/v1/cases/{old['id']}").json, "clue_intake")["name"] == "线索登记"


@pytest.mark.parametrize("payload, needle", [
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
     b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&e;</bpmn:definitions>',
     "DOCTYPE"),
    (b"<bpmn:definitions xmlns:bpmn='http://www.omg.org/spec/BPMN/20100524/MODEL'><unclosed>", "well-formed"),
    (b"<notbpmn/>", "bpmn:definitions"),
    (b"\xff\xfe<x/>", "UTF-8"),
])
def test_unsafe_or_malformed_files_are_refused_with_a_reason(api, payload, needle):
    r = deploy(api, payload)
    assert r.status_code == 422
    assert r.json["error"] == "bpmn_invalid"
    assert any(needle in p["message"] for p in problems(r)), problems(r)


def test_the_size_cap_applies_before_parsing(api, app):
    app.config["BPMN_MAX_BYTES"] = 1000
    r = deploy(api, sequential("big", [("user", f"t{i}", {}) for i in range(40)]))
    assert r.status_code == 422 and "limit" in problems(r)[0]["message"]


def test_every_problem_is_reported_with_element_and_line(api):
    bad = sequential("bad", [
        ("user", "needs_form", {"formKey": "no_such_form"}),
        ("user", "bad_deadline", {"deadline": "soon"}),
        ("user", "bad_lane", {"lane": "janitor"}),
        ("script", "evil", "x = __import__('os').getcwd()"),
    ])
    r = deploy(api, bad)
    assert r.status_code == 422
    found = {p["element_id"]: p for p in problems(r)}
    assert "no_such_form" in found["needs_form"]["message"]
    assert "deadline" in found["bad_deadline"]["message"]
    assert "janitor" in found["lane_janitor"]["message"]
    assert "__import__" in found["evil"]["message"]
    assert all(p["line"] for p in problems(r))
    assert r.json["errors"]["file"]  # the same messages, flattened for simple clients


@pytest.mark.parametrize("name", ["requiresLegalReview", "disclosure", "legal_review"])
def test_a_property_nothing_reads_is_refused(api, name):
    r = deploy(api, sequential("unread", [("user", "t1", {"formKey": "closing", name: "true"})]))
    assert r.status_code == 422
    assert [(p["element_id"], p["message"]) for p in problems(r)] == [("t1", f"unknown property {name!r}")]


@pytest.mark.parametrize("props, needles", [
    ({"formKey": "closing"}, ["must require the string field 'review_outcome'",
                              "must require the object field 'findings'", "review_outcome must list its outcomes"]),
    ({}, ["needs a formKey"]),
    ({"formKey": "legal_review", "lane": "legal_reviewer", "legalReview": "yes"}, ["'true' or 'false'"]),
])
def test_a_legal_review_task_must_have_a_form_that_records_the_review(api, props, needles):
    r = deploy(api, sequential("bad_review", [("user", "review", {"legalReview": "true", **props})]))
    assert r.status_code == 422
    messages = [p["message"] for p in problems(r) if p["element_id"] == "review"]
    assert len(messages) == len(needles)
    for needle, message in zip(needles, messages, strict=True):
        assert needle in message


def test_legal_review_is_declared_on_a_user_task_only(api):
    data = sequential("review_script", [("user", "t1", {"formKey": "closing"})]).replace(
        b'<bpmn:endEvent id="end"/>',
        b'<bpmn:endEvent id="end"><bpmn:extensionElements><spiffworkflow:properties>'
        b'<spiffworkflow:property name="legalReview" value="true"/></spiffworkflow:properties>'
        b'</bpmn:extensionElements></bpmn:endEvent>')
    r = deploy(api, data)
    assert r.status_code == 422 and problems(r)[0]["message"] == "legalReview marks a user task"


def test_a_file_with_fifty_thousand_problems_gets_a_bounded_answer(api):
    """Each task without a lane is a problem: the answer lists the first 100 and counts them all."""
    tasks = "".join(f'<bpmn:userTask id="t{i}"/>' for i in range(50_000))
    data = sequential("many", [("user", "t", {})]).replace(b'<bpmn:startEvent id="start"/>',
                                                         b'<bpmn:startEvent id="start"/>' + tasks.encode())
    assert len(data) > 1_000_000
    r = deploy(api, data, headers=None)  # Chinese, the default
    assert r.status_code == 422 and len(r.get_data()) < 60_000
    assert r.json["details"]["problem_count"] == 50_000 and len(problems(r)) == 100
    assert len(r.json["errors"]["file"]) == 101 and r.json["errors"]["file"][-1] == "另有 49900 条"
    assert problems(r)[0]["message"] == "userTask 是由人办理的环节，必须位于代表角色的泳道中（officer, legal_reviewer, department_head, supervisor）"
    assert r.json["errors"]["file"][0].startswith("userTask 是由人办理的环节，必须位于代表角色的泳道中（officer, legal_reviewer, department_head, supervisor） [元素 t0] [第 ")


def test_a_flow_to_a_missing_node_is_named(api):
    bad = sequential("dangling", [("user", "t1", {})]).replace(b'targetRef="end"', b'targetRef="nowhere"')
    r = deploy(api, bad)
    assert r.status_code == 422
    assert any("nowhere" in p["message"] for p in problems(r))


def test_chinese_lane_labels_are_roles(api):
    data = sequential("zh_lanes", [("user", "t1", {})], lane_names={"officer": "执法人员"})
    assert deploy(api, data).status_code == 201


def test_only_bpmn_authors_deploy(api):
    r = deploy(api, sequential("tiny2", [("user", "t1", {})]), as_="officer1")
    assert r.status_code == 403


def test_deploy_without_a_file_names_the_field(api):
    r = api.post("/api/v1/procedures", as_="author1", data={}, content_type="multipart/form-data")
    assert r.status_code == 422 and "file" in r.json["errors"]


def test_cli_deploy_reports_problems_and_exits_non_zero(app, tmp_path):
    good, bad = tmp_path / "good.bpmn", tmp_path / "bad.bpmn"
    good.write_bytes(sequential("cli_good", [("user", "t1", {})]))
    bad.write_bytes(sequential("cli_bad", [("user", "t1", {"deadline": "tomorrow"})]))
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["procedures", "deploy", str(good), "--as", "author1"])
    assert ok.exit_code == 0 and "cli_good v1 deployed" in ok.output
    anonymous = tmp_path / "anon.bpmn"
    anonymous.write_bytes(sequential("cli_anon", [("user", "t1", {})]))
    assert runner.invoke(args=["procedures", "deploy", str(anonymous)]).exit_code == 0
    from workflow_app.extensions import db
    from workflow_app.models import TraceEvent

    with app.app_context():
        actors = [e.actor for e in db.session.execute(
            db.select(TraceEvent).where(TraceEvent.chain == "system").order_by(TraceEvent.seq)).scalars()]
    assert actors[-2] == "author1" and actors[-1].startswith("cli:")
    failed = runner.invoke(args=["procedures", "deploy", str(bad)])
    assert failed.exit_code == 1
    assert "element t1" in failed.output and "Traceback" not in failed.output
    missing = runner.invoke(args=["procedures", "deploy", str(tmp_path / "nope.bpmn")])
    assert missing.exit_code == 1 and "no such file" in missing.output


def test_a_deployed_version_cannot_be_changed_in_place(api, ctx):
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    from workflow_app.extensions import db

    for statement in ("UPDATE procedure_version SET bpmn_xml = 'x'", "DELETE FROM procedure_version"):
        with pytest.raises(DatabaseError):
            db.session.execute(text(statement))
        db.session.rollback()


def test_a_versions_metadata_is_read_once_and_then_served_from_the_cache(api, ctx):
    from workflow_app.services.procedures import versions as procedures

    version = procedures.latest_version("general_penalty")
    procedures._infos.pop(version.sha256, None)
    first = procedures.procedure_info(version)
    assert procedures.procedure_info(version) is first and first.sha256 == version.sha256
    assert first.task_specs["legal_review"]["lane"] == "legal_reviewer" and "legal_review" in first.forms


def test_a_version_can_be_read_back_byte_for_byte_with_its_metadata(api):
    import hashlib

    listed = api.get("/api/v1/procedures").json["items"]
    general = next(v for v in listed if v["procedure_id"] == "general_penalty")
    xml = api.get(f"/api/v1/procedures/{general['id']}/bpmn")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert xml.data == GENERAL and xml.headers["ETag"] == f'"{general["sha256"]}"'
    package = api.get(f"/api/v1/procedures/{general['id']}/package")
    assert package.status_code == 200 and package.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(package.data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    # The version's hash is over every file of the package: its path and the SHA-256 of its bytes.
    manifest = "".join(f"{path}\0{hashlib.sha256(content).hexdigest()}\n" for path, content in sorted(files.items()))
    assert hashlib.sha256(manifest.encode()).hexdigest() == general["sha256"]
    assert files["bpmn/general_penalty/general_penalty.bpmn"] == GENERAL
    # The processes it calls and their forms come with it from bpmn/shared/ and forms/shared/.
    assert files["bpmn/shared/legal_review.bpmn"] == (ROOT / "bpmn" / "shared" / "legal_review.bpmn").read_bytes()
    assert files["forms/shared/legal_review.schema.json"] == (
        ROOT / "forms" / "shared" / "legal_review.schema.json").read_bytes()
    detail = api.get(f"/api/v1/procedures/{general['id']}").json
    assert detail["task_specs"]["legal_review"]["lane"] == "legal_reviewer"
    assert detail["task_specs"]["legal_review"]["called_by"] == ["call_legal_review"]
    assert [k for k, t in detail["task_specs"].items() if t["legal_review"]] == ["legal_review"]
    assert detail["forms"]["legal_review"]["title"] == "法制审核"
    assert api.get("/api/v1/procedures/999999").status_code == 404


def test_concurrent_deployments_never_break_the_system_chain(app, api):
    """Two deployments at the same moment: the database serializes them on the system chain's
    head (SQLite: one writer at a time; PostgreSQL: the head row is locked FOR UPDATE), so both
    succeed, in one order, and the chain stays whole."""
    import threading

    headers = api.headers("author1")
    start = threading.Barrier(2)
    codes = []

    def attempt(name):
        start.wait(timeout=10)  # both threads send at once
        r = app.test_client().post("/api/v1/procedures", headers=headers, content_type="multipart/form-data",
                                   data={"file": (io.BytesIO(sequential(name, [("user", "t1", {})])), "x.bpmn")})
        codes.append(r.status_code)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in ("race_a", "race_b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert codes == [201, 201], codes
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
