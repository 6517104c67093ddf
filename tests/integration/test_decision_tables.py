"""Decision tables (DMN) in procedure packages, through the API on SQLite and PostgreSQL
(engine/decisions.py, docs/decisions.md): `bpmn/<id>/*.dmn` deploys with its package (an archive,
a folder, a draft), the version's hash covers it, a table the engine would refuse is a named
problem in the reader's language; a business rule task runs in a case as an automatic step, its
outputs in the case's data, on its trace and offered to a later form, a hostile table refused
with the case unchanged."""
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from tests.decision_tables import TIERS, evaluating, table
from workflow_app.extensions import db
from workflow_app.models import TraceEvent, WorkflowState
from workflow_app.services.audit import verify as audit_verify

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
PID = "dmn_demo"
MAIN = f"bpmn/{PID}/{PID}.bpmn"
DMN = f"bpmn/{PID}/bench.dmn"
REPORT = {"type": "object", "title": "调查终结报告", "x-title-en": "Investigation report", "additionalProperties": False,
          "required": ["benchmark_tier"],
          "properties": {"benchmark_tier": {"type": "string", "title": "裁量阶次", "x-title-en": "Tier",
                                            "enum": [t for t, _, _ in TIERS], "x-enum-labels": ["从轻", "一般", "从重"]}},
          "examples": [{"benchmark_tier": "ordinary"}]}
DECISION = {"type": "object", "title": "处罚决定", "x-title-en": "Decision", "additionalProperties": False,
            "required": ["fine_amount"],
            "properties": {
                "tier_min_fine": {"type": "number", "title": "阶次罚款下限", "x-title-en": "Tier's lowest fine",
                                  "x-prefill": "decision.bench.min_fine"},
                "tier_max_fine": {"type": "number", "title": "阶次罚款上限", "x-title-en": "Tier's highest fine",
                                  "x-prefill": "decision.bench.max_fine"},
                "fine_amount": {"type": "number", "title": "罚款金额", "x-title-en": "Fine", "minimum": 0}},
            "examples": [{"fine_amount": 20000}]}


def package(dmn: bytes | None = None, *, decision_form: dict | None = None, bpmn: bytes | None = None,
            extra: dict | None = None) -> dict[str, bytes]:
    return {MAIN: bpmn or evaluating(PID, before="report", before_form="dmn_report", form="dmn_decision"),
            DMN: table() if dmn is None else dmn,
            f"forms/{PID}/dmn_report.schema.json": json.dumps(REPORT, ensure_ascii=False).encode(),
            f"forms/{PID}/dmn_decision.schema.json": json.dumps(decision_form or DECISION, ensure_ascii=False).encode(),
            **(extra or {})}


def archive(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path, content in files.items():
            z.writestr(path, content)
    return out.getvalue()


def deploy(api, files: dict[str, bytes], headers=EN):
    return api.post("/api/v1/procedures", as_="author1", data={"file": (io.BytesIO(archive(files)), "p.zip")},
                    content_type="multipart/form-data", headers=headers)


def problems(r) -> list[dict]:
    assert r.status_code == 422, r.json
    return r.json["details"]["problems"]


# -- 1. DMN in packages --------------------------------------------------------------------------------
def test_a_package_deploys_with_its_decision_table_and_the_hash_covers_it(api):
    r = deploy(api, package())
    assert r.status_code == 201, r.json
    version = r.json
    with zipfile.ZipFile(io.BytesIO(api.get(f"/api/v1/procedures/{version['id']}/package").data)) as z:
        files = {n: z.read(n) for n in sorted(z.namelist())}
    assert DMN in files and files[DMN] == table()
    manifest = "".join(f"{p}\0{hashlib.sha256(c).hexdigest()}\n" for p, c in sorted(files.items()))
    assert hashlib.sha256(manifest.encode()).hexdigest() == version["sha256"]
    assert deploy(api, package()).json["id"] == version["id"]  # the same files: the same version
    changed = deploy(api, package(table(rules=[(['"ordinary"'], ["18000", "36000"], "一般")])))
    assert changed.status_code == 201 and changed.json["version"] == version["version"] + 1


def test_a_table_the_engine_would_refuse_is_a_named_problem_in_either_language(api):
    """Every problem of the file is reported, located; in the reader's language (the Chinese of
    the problems' own words comes with the catalogue: /work/notes/zh-wbdmn.json)."""
    bad = table(hit_policy="PRIORITY", rules=[(['"ordinary"'], ["__import__('os')", "1"], "")])
    r = deploy(api, package(bad))
    found = problems(r)
    assert all(p["file"] == DMN and p["element_id"] == "bench" and p["line"] for p in found), found
    for word in ("hit policy 'PRIORITY' is not evaluated by SpiffWorkflow", "rule 1, output 1: the cell is not allowed"):
        assert any(word in p["message"] for p in found), (word, found)
    zh = deploy(api, package(bad), headers=ZH)
    assert zh.status_code == 422 and zh.json["message"] != r.json["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.json["message"])
    assert len(problems(zh)) == len(found)


@pytest.mark.parametrize("files, file, words", [
    ({DMN: table(), f"bpmn/{PID}/again.dmn": table()}, DMN, f"decision 'bench' is also in bpmn/{PID}/again.dmn"),
    ({DMN: b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'}, DMN,
     "DOCTYPE or ENTITY"),
    ({f"forms/{PID}/bench.dmn": table()}, f"forms/{PID}/bench.dmn", f"belongs in bpmn/{PID}/"),
    ({DMN: "表".encode("gb18030") + table()}, DMN, "not UTF-8"),
])
def test_package_level_problems_of_tables_name_the_file(api, files, file, words):
    found = problems(deploy(api, {**package(), **files}))
    assert any(p["file"] == file and words in p["message"] for p in found), found


def test_a_business_rule_task_calling_no_decision_of_the_package_is_refused(api):
    bpmn = evaluating(PID, decision_id="elsewhere", before="report", before_form="dmn_report", form="dmn_decision")
    found = problems(deploy(api, package(bpmn=bpmn)))
    assert any(p["file"] == MAIN and p["element_id"] == "rule" and "names no decision of the package (it has bench)"
               in p["message"] for p in found), found


def test_the_cli_deploys_a_package_folder_with_its_tables(app, tmp_path):
    for path, content in package().items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(content)
    runner = app.test_cli_runner()
    out = runner.invoke(args=["procedures", "deploy", str(tmp_path / "bpmn" / PID)])
    assert out.exit_code == 0 and f"{PID} v1 deployed" in out.output, out.output
    (tmp_path / DMN).write_bytes(table(hit_policy="ANY"))
    bad = runner.invoke(args=["procedures", "deploy", str(tmp_path)])
    assert bad.exit_code == 1 and "hit policy 'ANY'" in bad.output and DMN in bad.output, bad.output


def test_a_drafts_table_is_checked_like_a_deploy_and_published_with_it(api, ctx):
    version = deploy(api, package()).json
    draft = api.post("/api/v1/drafts", as_="author1", json={"from_version_id": version["id"]}).json
    assert DMN in {f["path"] for f in draft["files"]}
    r = api.get(f"/api/v1/drafts/{draft['id']}/file?path={DMN}", as_="author1")
    assert r.status_code == 200 and r.mimetype == "application/xml" and r.data == table()
    bad = table(rules=[(['in ("a", "b")'], ["1", "2"], "")])
    saved = api.put(f"/api/v1/drafts/{draft['id']}/file", as_="author1", headers={"If-Match": '"draft-r1"'},
                    json={"path": DMN, "content": bad.decode()})
    assert saved.status_code == 200 and saved.json["revision"] == 2
    found = api.get(f"/api/v1/drafts/{draft['id']}/problems", as_="author1", headers=EN).json
    assert found["problem_count"] == 1
    [problem] = found["problems"]
    assert (problem["file"], problem["element_id"], problem["line"]) == (DMN, "bench", 4)
    assert "joins the input expression and this cell as text" in problem["message"]
    # a new table beside it, the first corrected: no problem, submitted, approved, deployed with both
    api.put(f"/api/v1/drafts/{draft['id']}/file", as_="author1", headers={"If-Match": '"draft-r2"'},
            json={"path": f"bpmn/{PID}/other.dmn", "content": table("other").decode()})
    fixed = table(rules=[(['? in ("lighter", "ordinary")'], ["1", "2"], "")])
    api.put(f"/api/v1/drafts/{draft['id']}/file", as_="author1", headers={"If-Match": '"draft-r3"'},
            json={"path": DMN, "content": fixed.decode()})
    assert api.get(f"/api/v1/drafts/{draft['id']}/problems", as_="author1").json["problem_count"] == 0
    assert api.post(f"/api/v1/drafts/{draft['id']}/submit", as_="author1", json={"revision": 4}).status_code == 200
    approved = api.post(f"/api/v1/drafts/{draft['id']}/approve", as_="approver1", json={"revision": 5})
    assert approved.status_code == 200, approved.json
    new = approved.json["published_version"]
    with zipfile.ZipFile(io.BytesIO(api.get(f"/api/v1/procedures/{new['id']}/package").data)) as z:
        assert z.read(DMN) == fixed and z.read(f"bpmn/{PID}/other.dmn") == table("other")


# -- 2. a business rule task in a case -------------------------------------------------------------------
def open_reported(api, tier: str = "lighter") -> tuple[dict, dict]:
    """A case of the package whose report proposed `tier`: (the case before the report, after it)."""
    case = api.open_case(procedure_id=PID, title="某商户进货查验案")
    done = api.post(f"/api/v1/tasks/{api.task(case, 'report')['id']}/complete", json={"data": {"benchmark_tier": tier}},
                    headers=EN)
    return case, done


def test_the_business_rule_task_runs_as_an_automatic_step_its_outputs_traced_and_offered(api, ctx):
    assert deploy(api, package()).status_code == 201
    case, done = open_reported(api)
    assert done.status_code == 200, done.json
    assert api.ready(done.json) == ["decide"]
    trace = api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]
    [evaluated] = [e for e in trace if e["action"] == "case.decision"]
    assert evaluated["bpmn_id"] == "rule" and evaluated["actor"] == "system"
    assert evaluated["data"] == {"task": "查裁量基准", "decision": "bench", "name": "裁量基准",
                                 "outputs": {"min_fine": 5000, "max_fine": 18500},
                                 "labels": {"min_fine": "min_fine", "max_fine": "max_fine"}}
    actions = [e["action"] for e in trace]
    assert actions.index("task.completed") < actions.index("case.decision") < actions.index("task.ready", 2)
    # in the case's data: the engine's next task holds the outputs beside the report's field
    from tests.helpers import load_engine_state

    processor = load_engine_state(case["id"])
    [ready] = [t for t in processor.workflow.get_tasks(manual=True) if t.task_spec.bpmn_id == "decide"
               and t.state == 16]
    assert {k: ready.data[k] for k in ("benchmark_tier", "min_fine", "max_fine")} == {
        "benchmark_tier": "lighter", "min_fine": 5000, "max_fine": 18500}
    # offered to the decision's form, with where it came from
    detail = api.get(f"/api/v1/tasks/{api.task(done.json, 'decide')['id']}").json
    assert detail["prefill"] == {"tier_min_fine": {"value": 5000, "source": "decision.bench.min_fine"},
                                 "tier_max_fine": {"value": 18500, "source": "decision.bench.max_fine"}}
    closed = api.post(f"/api/v1/tasks/{api.task(done.json, 'decide')['id']}/complete",
                      json={"data": {"tier_min_fine": 5000, "tier_max_fine": 18500, "fine_amount": 9000}})
    assert closed.status_code == 200 and closed.json["status"] == "closed", closed.json
    assert audit_verify.verify(case["id"]).ok


def test_the_case_page_shows_the_evaluation_and_the_prefilled_range(api, client):
    from tests.web_session import html, page_login

    deploy(api, package())
    case, done = open_reported(api, "heavier")
    page_login(client, "officer1")
    page = html(client.get(f"/cases/{case['id']}"))
    assert 'data-testid="decision-outputs" data-decision="bench"' in page and "max_fine 50000" in page
    task = html(client.get(f"/tasks/{api.task(done.json, 'decide')['id']}"))
    assert 'data-testid="prefilled-tier_min_fine"' in task and "裁量基准 · min_fine" in task
    assert 'value="36500"' in task


def test_a_table_matching_no_rule_offers_nothing_and_the_case_goes_on(api):
    deploy(api, package(table(rules=[(['"ordinary"'], ["18500", "36500"], "")])))
    case, done = open_reported(api, "lighter")
    assert api.ready(done.json) == ["decide"]
    assert api.get(f"/api/v1/tasks/{api.task(done.json, 'decide')['id']}").json["prefill"] == {}


@pytest.mark.parametrize("source, field_type, words", [
    ("decision.nothing.min_fine", "number", "the package has no decision 'nothing' (it has bench)"),
    ("decision.bench.fine", "number", "decision 'bench' has no output 'fine' (it has min_fine, max_fine)"),
    ("decision.bench.min_fine", "string", "decision.bench.min_fine is of type number; the field is string"),
])
def test_deploy_refuses_a_prefill_source_naming_no_output_of_the_packages_tables(api, source, field_type, words):
    form = json.loads(json.dumps(DECISION))
    form["properties"]["tier_min_fine"].update({"x-prefill": source, "type": field_type})
    found = problems(deploy(api, package(decision_form=form)))
    assert any(p["file"] == f"forms/{PID}/dmn_decision.schema.json" and words in p["message"] for p in found), found


@pytest.mark.parametrize("cell, words", [
    ('"x" * 1000000', "decision bench gave outputs the case cannot keep"),
    ("len([x for x in range(10**6) for y in range(10**6)])", "CPU time|did not finish|was stopped"),
])
def test_a_hostile_table_stops_the_step_and_leaves_the_case_as_it_was(api, ctx, app, cell, words):
    app.config.update(ENGINE_STEP_CPU_SECONDS=1.0, ENGINE_STEP_WALL_SECONDS=3.0)
    deploy(api, package(table(rules=[(["-"], [cell, "1"], "")])))
    case = api.open_case(procedure_id=PID)
    before = db.session.get(WorkflowState, case["id"]).state
    r = api.post(f"/api/v1/tasks/{api.task(case, 'report')['id']}/complete",
                 json={"data": {"benchmark_tier": "ordinary"}}, headers=EN)
    assert r.status_code == 422 and r.json["error"] == "engine_error", r.json
    assert any(w in r.json["errors"]["_engine"][0] for w in words.split("|")), r.json
    assert len(json.dumps(r.json)) < 5000  # named, not echoed
    db.session.expire_all()
    assert db.session.get(WorkflowState, case["id"]).state == before
    fresh = api.get(f"/api/v1/cases/{case['id']}").json
    assert api.ready(fresh) == ["report"]
    actions = list(db.session.execute(db.select(TraceEvent.action).where(TraceEvent.case_id == case["id"])).scalars())
    assert "task.failed" in actions and "case.decision" not in actions
    assert audit_verify.verify(case["id"]).ok


# -- 3. the benchmark register's items as decision tables ------------------------------------------------
ITEM = "SCJG-SP-126-03"  # the demo register's item (workflow_app/demo/benchmarks.csv)
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "packages" / "benchmark_fine"
CSV_HEADER = "code,title,violated_provision,penalty_provision,tier,min_fine,max_fine,circumstances\n"


def dmn_of(api, code: str = ITEM, as_: str = "officer1"):
    r = api.get(f"/api/v1/benchmarks/{code}/dmn", as_=as_)
    assert r.status_code == 200, r.data
    return r.data, r.headers["ETag"]


def put_dmn(api, content: bytes | str, code: str = ITEM, as_: str = "admin", etag: str | None = None):
    return api.put(f"/api/v1/benchmarks/{code}/dmn", as_=as_, headers={**EN, **({"If-Match": etag} if etag else {})},
                   json={"content": content.decode() if isinstance(content, bytes) else content})


def register_row(code: str) -> tuple:
    from workflow_app.models import DiscretionBenchmark

    db.session.expire_all()
    row = db.session.execute(db.select(DiscretionBenchmark).where(DiscretionBenchmark.code == code)).scalar_one()
    return row.title, row.violated_provision, row.penalty_provision, row.tiers


def csv_import(app, tmp_path, text: str):
    path = tmp_path / "benchmarks.csv"
    path.write_text(CSV_HEADER + text, encoding="utf-8")
    out = app.test_cli_runner().invoke(args=["benchmarks", "import", str(path)])
    assert out.exit_code == 0, out.output


def test_an_item_reads_as_a_decision_table_the_engine_accepts(api, ctx):
    from workflow_app.engine.decisions import parse_dmn, read_decisions

    content, etag = dmn_of(api)
    assert etag.startswith('"benchmark-') and dmn_of(api)[0] == content  # the same bytes for the same item
    decisions, found, _ = read_decisions({"t.dmn": parse_dmn(content, 10**6)})
    assert found == []
    decision = decisions[f"benchmark_{ITEM}"]
    assert (decision.hit_policy, decision.inputs, decision.outputs) == (
        "UNIQUE", ["benchmark_tier"], {"min_fine": "number", "max_fine": "number"})
    assert "首次被查处" in content.decode()  # the circumstances: each rule's annotation
    assert api.get("/api/v1/benchmarks/NO-SUCH/dmn").status_code == 404


def test_a_table_put_back_replaces_the_item_in_one_traced_import_as_the_csv_does(api, ctx, app, tmp_path):
    content, etag = dmn_of(api)
    before = register_row(ITEM)
    same = put_dmn(api, content, etag=etag)
    assert same.status_code == 200, same.json
    assert register_row(ITEM) == before and same.headers["ETag"] == etag
    changed = content.replace(b"<text>36500</text>\n        </outputEntry>\n      </rule>\n      <rule id=\""
                              b"benchmark_SCJG-SP-126-03_heavier\">",
                              b"<text>36000</text>\n        </outputEntry>\n      </rule>\n      <rule id=\""
                              b"benchmark_SCJG-SP-126-03_heavier\">")
    assert changed != content
    r = put_dmn(api, changed, etag=etag)
    assert r.status_code == 200 and r.json["tiers"][1] == {"tier": "ordinary", "min_fine": 18500, "max_fine": 36000,
                                                           "circumstances": "不具有从轻、从重情形"}, r.json
    imported = db.session.execute(db.select(TraceEvent).where(TraceEvent.action == "benchmarks.imported")
                                  .order_by(TraceEvent.id.desc())).scalars().first()
    data = json.loads(imported.data_json)
    assert imported.actor == "admin" and data["codes"] == [ITEM] and data["format"] == "dmn"
    assert data["sha256"] == hashlib.sha256(changed).hexdigest() and (data["created"], data["updated"]) == (0, 1)
    # the CSV import of the same rows gives the same register, and the table reads the same again
    title, violated, penalty, tiers = register_row(ITEM)
    csv_import(app, tmp_path, "".join(f"{ITEM},{title},{violated},{penalty},{t['tier']},{t['min_fine']},{t['max_fine']},"
                                      f"{t['circumstances']}\n" for t in tiers))
    assert register_row(ITEM) == (title, violated, penalty, tiers)
    assert dmn_of(api)[0] == changed
    # a stale editor is refused, nothing saved
    stale = put_dmn(api, content, etag=etag)
    assert stale.status_code == 412 and stale.json["details"]["etag"] == dmn_of(api)[1]
    assert register_row(ITEM)[3] == tiers


def test_a_new_item_from_a_table_equals_the_same_rows_imported_from_csv(api, ctx, app, tmp_path):
    content, _ = dmn_of(api)
    other = content.replace(ITEM.encode(), b"X-DMN-1")
    assert put_dmn(api, other, code="X-DMN-1").status_code == 200
    title, violated, penalty, tiers = register_row("X-DMN-1")
    csv_import(app, tmp_path, "".join(f"X-CSV-1,{title},{violated},{penalty},{t['tier']},{t['min_fine']},"
                                      f"{t['max_fine']},{t['circumstances']}\n" for t in tiers))
    assert register_row("X-CSV-1") == register_row("X-DMN-1") == register_row(ITEM)
    assert dmn_of(api, "X-CSV-1")[0] == dmn_of(api, "X-DMN-1")[0].replace(b"X-DMN-1", b"X-CSV-1")


@pytest.mark.parametrize("old, new, field, words", [
    (b'<text>"lighter"</text>', b'<text>"bogus"</text>', "rule 1", "tier must be one of"),
    (b'<text>"lighter"</text>', b"<text>-</text>", "rule 1", "tier must be one of"),
    (b'<text>"heavier"</text>', b'<text>"ordinary"</text>', "rule 3", "is given twice"),
    (b"<text>5000</text>", b"<text>90000</text>", "rule 1", "min_fine is above max_fine"),
    (b"<text>5000</text>", b"<text>5000 + 1</text>", "rule 1", "min_fine must be an amount"),
    ('name="食品经营者'.encode(), b'name="  " x="', "rule 1", "title is empty"),
    (b'zhifa:code="SCJG-SP-126-03"', b'zhifa:code="OTHER"', "content", "the table is of the item OTHER"),
    (b"<decisionTable ", b'<decisionTable hitPolicy="COLLECT" ', "content", "the hit policy is UNIQUE"),
    (b"<text>benchmark_tier</text>", b"<text>tier</text>", "content", "its expression benchmark_tier"),
    (b'name="max_fine"', b'name="top"', "content", "outputs are min_fine, max_fine"),
    (b"<?xml", b'<!DOCTYPE d [<!ENTITY e "x">]><?xml', "content", "DOCTYPE or ENTITY"),
    (b"</definitions>", b"", "content", "not well-formed"),
])
def test_a_bad_table_is_refused_by_the_csv_imports_checks_and_nothing_is_written(api, ctx, old, new, field, words):
    content, etag = dmn_of(api)
    before = register_row(ITEM)
    assert old in content
    r = put_dmn(api, content.replace(old, new, 1), etag=etag)
    assert r.status_code == 422, r.json
    assert any(words in m for m in r.json["errors"].get(field, [])), r.json
    assert register_row(ITEM) == before


def test_only_an_administrator_replaces_an_item_and_junk_is_a_named_refusal(api, ctx):
    content, _ = dmn_of(api)
    before = register_row(ITEM)
    assert put_dmn(api, content, as_="officer1").status_code == 403
    assert put_dmn(api, content, as_="author1").status_code == 403
    for junk in ('"x\\u0000y"', '"\\ud800"', '"<a/>"', '""', "12", '"' + "<a>" * 100_000 + '"'):
        r = api.put(f"/api/v1/benchmarks/{ITEM}/dmn", as_="admin", data='{"content": ' + junk + "}",
                    content_type="application/json")
        assert r.status_code == 422, (junk[:20], r.json)
    assert put_dmn(api, content, code="x" * 65).status_code == 404
    assert put_dmn(api, content, code="%20" + ITEM).status_code == 404  # a code the CSV import would strip
    assert register_row(ITEM) == before


def test_a_package_evaluating_the_registers_table_prefills_the_decisions_range(api, ctx):
    from workflow_app.services.procedures import packages

    files = packages.read_tree(FIXTURE)
    assert not any(path.endswith(".py") for path in files)
    # the package's table is the register's item as exported
    assert files["bpmn/benchmark_fine/benchmark_SCJG-SP-126-03.dmn"] == dmn_of(api)[0]
    r = api.post("/api/v1/procedures", as_="author1", content_type="multipart/form-data",
                 data={"file": (io.BytesIO(packages.to_zip(files)), "benchmark_fine.zip")})
    assert r.status_code == 201, r.json
    case = api.open_case(procedure_id="benchmark_fine", title="某食品店未建立进货查验记录案")
    done = api.post(f"/api/v1/tasks/{api.task(case, 'report')['id']}/complete", json={"data": {
        "benchmark_item": ITEM, "benchmark_tier": "ordinary", "proposed_fine": 20000}})
    assert done.status_code == 200 and api.ready(done.json) == ["decide"], done.json
    decide = api.get(f"/api/v1/tasks/{api.task(done.json, 'decide')['id']}").json
    assert decide["prefill"] == {
        "tier_min_fine": {"value": 18500, "source": f"decision.benchmark_{ITEM}.min_fine"},
        "tier_max_fine": {"value": 36500, "source": f"decision.benchmark_{ITEM}.max_fine"},
        "fine_amount": {"value": 20000, "source": "benchmark_report.proposed_fine"}}
    closed = api.post(f"/api/v1/tasks/{api.task(done.json, 'decide')['id']}/complete", json={"data": {
        key: value["value"] for key, value in decide["prefill"].items()}})
    assert closed.status_code == 200 and closed.json["status"] == "closed", closed.json
    assert audit_verify.verify(case["id"]).ok


# -- 4. the pages ------------------------------------------------------------------------------------------
def relogin(client, username: str):
    from tests.web_session import csrf_of, html, page_login

    client.post("/logout", data={"csrf_token": csrf_of(html(client.get("/inbox", follow_redirects=True)))})
    page_login(client, username)


def test_the_draft_tables_pages_list_open_and_add_tables_for_the_owner_only(api, client):
    from tests.web_session import csrf_of, html, page_login

    version = deploy(api, package()).json
    draft = api.post("/api/v1/drafts", as_="author1", json={"from_version_id": version["id"]}).json
    page_login(client, "author1")
    listed = html(client.get(f"/workbench/drafts/{draft['id']}/tables"))
    assert f'data-path="{DMN}"' in listed and 'data-testid="dmn-new"' in listed
    editor = client.get(f"/workbench/drafts/{draft['id']}/tables/bench")
    page = html(editor)
    assert editor.status_code == 200 and 'data-editable="1"' in page and "dmn-modeler.production.min.js" in page
    assert f'data-revision="{draft["revision"]}"' in page and f'data-path="{DMN}"' in page
    for name in ("nothing", "../bench", "x" * 200, "bench.dmn"):
        assert client.get(f"/workbench/drafts/{draft['id']}/tables/{name}").status_code == 404, name
    def post(form: dict, **kw):
        token = csrf_of(html(client.get(f"/workbench/drafts/{draft['id']}/tables")))
        return client.post(f"/workbench/drafts/{draft['id']}/tables", data={**form, "csrf_token": token}, **kw)

    add = {"decision_id": "fine_range", "title": "罚款幅度", "revision": str(draft["revision"])}
    r = post(add)
    assert r.status_code == 302, html(r)[:3000]
    assert r.headers["Location"].endswith(f"/workbench/drafts/{draft['id']}/tables/fine_range")
    assert api.get(f"/api/v1/drafts/{draft['id']}/problems", as_="author1").json["problem_count"] == 0
    # refused beside the field, nothing added: the id again, junk, a stale revision
    for changes, field, status in (({}, "decision_id", 422), ({"decision_id": "1bad"}, "decision_id", 422),
                                   ({"decision_id": "x\x00y"}, None, 422),  # refused for every form (strict_input)
                                   ({"decision_id": "ok", "title": ""}, "title", 422),
                                   ({"decision_id": "ok", "title": "x" * 201}, "title", 422),
                                   ({"decision_id": "ok", "revision": "1"}, "decision_id", 412),
                                   ({"decision_id": "ok", "revision": "junk"}, "decision_id", 412)):
        r = post({**add, **changes})
        assert r.status_code == status, (changes, r.status_code)
        assert field is None or f'data-testid="error-{field}"' in html(r), changes
    assert "fine_range" in html(post(add)).split('data-testid="error-decision_id"')[1][:300]
    assert len(api.get(f"/api/v1/drafts/{draft['id']}", as_="author1").json["files"]) == len(draft["files"]) + 1
    # another reader sees the table, not the editor; an officer nothing
    relogin(client, "approver1")
    read_only = html(client.get(f"/workbench/drafts/{draft['id']}/tables/bench"))
    assert 'data-editable="0"' in read_only and "dmn-viewer.production.min.js" in read_only
    assert 'data-testid="dmn-new"' not in html(client.get(f"/workbench/drafts/{draft['id']}/tables"))
    relogin(client, "officer1")
    assert client.get(f"/workbench/drafts/{draft['id']}/tables").status_code == 403
    assert client.get(f"/workbench/drafts/{draft['id']}/tables/bench").status_code == 403


def test_the_register_page_lists_the_items_and_offers_the_editor_to_administrators(client):
    from tests.web_session import html, page_login

    page_login(client, "officer1")
    listed = html(client.get("/benchmarks"))
    assert f'data-code="{ITEM}"' in listed and 'data-testid="benchmark-edit"' not in listed
    assert client.get(f"/benchmarks/{ITEM}/table").status_code == 403
    relogin(client, "admin")
    assert 'data-testid="benchmark-edit"' in html(client.get("/benchmarks"))
    editor = html(client.get(f"/benchmarks/{ITEM}/table"))
    assert 'data-mode="benchmark"' in editor and f"/api/v1/benchmarks/{ITEM}/dmn" in editor
    assert client.get("/benchmarks/NO-SUCH/table").status_code == 404


def test_a_drafts_test_run_evaluates_its_tables_as_a_case_would(api):
    version = deploy(api, package()).json
    draft = api.post("/api/v1/drafts", as_="author1", json={"from_version_id": version["id"]}).json
    run = api.post(f"/api/v1/drafts/{draft['id']}/test-run", as_="author1", json={"department": "market"})
    assert run.status_code == 201, run.json
    [report] = run.json["ready"]
    step = api.post(f"/api/v1/drafts/{draft['id']}/test-run/steps", as_="author1", json={
        "engine_task_id": report["engine_task_id"], "data": {"benchmark_tier": "heavier"}})
    assert step.status_code == 200, step.json
    assert [t["bpmn_id"] for t in step.json["ready"]] == ["decide"]
    [evaluated] = step.json["decisions"]
    assert (evaluated["bpmn_id"], evaluated["decision"], evaluated["outputs"]) == (
        "rule", "bench", {"min_fine": 36500, "max_fine": 50000})


def test_an_item_whose_code_is_no_xml_id_still_reads_and_writes_as_a_table(api, ctx):
    from urllib.parse import quote

    content, _ = dmn_of(api)
    code = "食品/SP 126-03"
    other = content.replace(f'zhifa:code="{ITEM}"'.encode(), f'zhifa:code="{code}"'.encode())
    r = put_dmn(api, other, code=quote(code))
    assert r.status_code == 200, r.json
    assert r.json["decision_id"].startswith("benchmark____SP_126-03_") and r.json["code"] == code
    again, _ = dmn_of(api, quote(code))
    assert f'id="{r.json["decision_id"]}"'.encode() in again and register_row(code)[3] == register_row(ITEM)[3]
