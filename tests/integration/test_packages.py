"""Procedure packages: a procedure's BPMN files, forms and rule bindings deploy as one version.

A deploy archive (.zip) has the repository's layout at its top level (bpmn/<id>/…, forms/<id>/…,
bpmn/shared/…); a call activity resolves into any BPMN file of the same deploy; a missing callee
or a cycle of calls is refused; the version's hash covers every file; hostile archives are
refused before anything is unpacked."""
import hashlib
import io
import json
import stat
import zipfile

import pytest

from tests.samples import HEADER, sequential

EN = {"Accept-Language": "en"}
FORM = {"type": "object", "title": "登记", "x-title-en": "Record", "additionalProperties": False,
        "properties": {"note": {"type": "string", "title": "备注", "x-title-en": "Note", "maxLength": 200}},
        "examples": [{"note": "x"}]}


def caller(process_id: str, callee: str) -> bytes:
    """start → a (user task of form `rec`) → call `callee` → end."""
    return (HEADER + f'<bpmn:process id="{process_id}" name="{process_id}" isExecutable="true">'
            '<bpmn:laneSet id="ls"><bpmn:lane id="l" name="officer"><bpmn:flowNodeRef>start</bpmn:flowNodeRef>'
            '<bpmn:flowNodeRef>a</bpmn:flowNodeRef><bpmn:flowNodeRef>call</bpmn:flowNodeRef>'
            '<bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>'
            '<bpmn:startEvent id="start"/><bpmn:userTask id="a" name="登记"><bpmn:extensionElements>'
            '<spiffworkflow:properties><spiffworkflow:property name="formKey" value="rec"/>'
            '</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>'
            f'<bpmn:callActivity id="call" name="调用" calledElement="{callee}"/><bpmn:endEvent id="end"/>'
            '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="a"/>'
            '<bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="call"/>'
            '<bpmn:sequenceFlow id="f3" sourceRef="call" targetRef="end"/>'
            "</bpmn:process></bpmn:definitions>\n").encode()


def callee(process_id: str, task_id: str = "b", calls: str | None = None) -> bytes:
    """A called process (executable: SpiffWorkflow calls only those): start → b (user task of form `shared_rec`)
    [→ a call of `calls`] → end."""
    call = f'<bpmn:callActivity id="again" calledElement="{calls}"/>' if calls else ""
    last = "again" if calls else task_id
    flows = (f'<bpmn:sequenceFlow id="g1" sourceRef="start2" targetRef="{task_id}"/>'
             + (f'<bpmn:sequenceFlow id="g3" sourceRef="{task_id}" targetRef="again"/>' if calls else "")
             + f'<bpmn:sequenceFlow id="g2" sourceRef="{last}" targetRef="end2"/>')
    refs = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in ("start2", task_id, "end2")
                   ) + ("<bpmn:flowNodeRef>again</bpmn:flowNodeRef>" if calls else "")
    return (HEADER + f'<bpmn:process id="{process_id}" name="{process_id}" isExecutable="true">'
            f'<bpmn:laneSet id="ls2"><bpmn:lane id="l2" name="部门负责人">{refs}</bpmn:lane></bpmn:laneSet>'
            f'<bpmn:startEvent id="start2"/><bpmn:userTask id="{task_id}" name="审批"><bpmn:extensionElements>'
            '<spiffworkflow:properties><spiffworkflow:property name="formKey" value="shared_rec"/>'
            '</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>'
            f'{call}<bpmn:endEvent id="end2"/>{flows}</bpmn:process></bpmn:definitions>\n').encode()


def archive(files: dict[str, bytes], *, symlink: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path, content in files.items():
            z.writestr(path, content)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, "/etc/passwd")
    return out.getvalue()


def package(process_id="pkg_demo", called="shared_approval", shared_calls=None) -> dict[str, bytes]:
    return {
        f"bpmn/{process_id}/{process_id}.bpmn": caller(process_id, called),
        f"forms/{process_id}/rec.schema.json": json.dumps(FORM, ensure_ascii=False).encode(),
        "bpmn/shared/approval.bpmn": callee("shared_approval", calls=shared_calls),
        "bpmn/shared/unused.bpmn": callee("shared_unused", task_id="u"),
        "forms/shared/shared_rec.schema.json": json.dumps({**FORM, "title": "审批"}, ensure_ascii=False).encode(),
        "forms/shared/unused.schema.json": json.dumps(FORM, ensure_ascii=False).encode(),
        "README.txt": b"not part of the package",
    }


def deploy(api, data: bytes, name="p.zip", as_="author1"):
    return api.post("/api/v1/procedures", as_=as_, data={"file": (io.BytesIO(data), name)},
                    content_type="multipart/form-data", headers=EN)


def messages(r) -> list[str]:
    return [p["message"] for p in r.json["details"]["problems"]] if "problems" in r.json.get("details", {}) \
        else [m for msgs in r.json["errors"].values() for m in msgs]


def test_a_package_deploys_whole_and_its_call_activity_runs_the_shared_subprocess(api):
    r = deploy(api, archive(package()))
    assert r.status_code == 201, r.json
    version = r.json
    assert version["procedure_id"] == "pkg_demo" and version["created"] is True
    # The version keeps the package's own files and the shared files its procedure uses, no other.
    with zipfile.ZipFile(io.BytesIO(api.get(f"/api/v1/procedures/{version['id']}/package").data)) as z:
        kept = sorted(z.namelist())
        files = {n: z.read(n) for n in kept}
    assert kept == ["bpmn/pkg_demo/pkg_demo.bpmn", "bpmn/shared/approval.bpmn",
                    "forms/pkg_demo/rec.schema.json", "forms/shared/shared_rec.schema.json"]
    manifest = "".join(f"{p}\0{hashlib.sha256(c).hexdigest()}\n" for p, c in sorted(files.items()))
    assert hashlib.sha256(manifest.encode()).hexdigest() == version["sha256"]
    # The same package again is a no-op; the downloaded archive deploys as the same version.
    assert deploy(api, archive(package())).json["id"] == version["id"]
    again = deploy(api, api.get(f"/api/v1/procedures/{version['id']}/package").data)
    assert again.status_code == 200 and again.json["id"] == version["id"]

    # A case runs into the called process (another file) and out of it.
    case = api.post("/api/v1/cases", as_="officer1", json={
        "procedure_id": "pkg_demo", "title": "调用测试", "department": "market",
        "party": {"kind": "person", "name": "张三"}}).json
    (first,) = api.get(f"/api/v1/cases/{case['id']}", as_="officer1").json["tasks"]
    assert first["bpmn_id"] == "a"
    done = api.post(f"/api/v1/tasks/{first['id']}/complete", as_="officer1", json={"data": {"note": "登记"}})
    assert done.status_code == 200, done.json
    (called,) = done.json["tasks"]
    assert (called["bpmn_id"], called["lane"]) == ("b", "department_head")
    end = api.post(f"/api/v1/tasks/{called['id']}/complete", as_="head1", json={"data": {"note": "同意"}})
    assert end.status_code == 200 and end.json["status"] == "closed", end.json


def test_a_changed_shared_file_makes_a_new_version_an_unused_one_does_not(api):
    first = deploy(api, archive(package())).json
    unused_changed = package()
    unused_changed["bpmn/shared/unused.bpmn"] = callee("shared_unused", task_id="u2")
    assert deploy(api, archive(unused_changed)).json["id"] == first["id"]
    used_changed = package()
    used_changed["forms/shared/shared_rec.schema.json"] = json.dumps({**FORM, "title": "审批 v2"}).encode()
    second = deploy(api, archive(used_changed))
    assert second.status_code == 201 and second.json["version"] == first["version"] + 1


def test_a_call_into_a_process_not_in_the_deploy_is_refused(api):
    files = package(called="nowhere")
    r = deploy(api, archive(files))
    assert r.status_code == 422 and r.json["error"] == "bpmn_invalid"
    assert any("nowhere" in m and "not in this deploy" in m for m in messages(r)), messages(r)
    assert r.json["details"]["problems"][0]["element_id"] == "call"


@pytest.mark.parametrize("loop", ["self", "through_others"])
def test_a_cycle_of_calls_is_refused(api, loop):
    if loop == "self":
        files = package(called="pkg_demo")
    else:
        files = package(shared_calls="shared_back")
        files["bpmn/shared/back.bpmn"] = callee("shared_back", task_id="c", calls="shared_approval")
    r = deploy(api, archive(files))
    assert r.status_code == 422
    assert any("cycle of calls" in m for m in messages(r)), messages(r)


def test_the_cli_deploys_a_package_folder_and_a_layout_root(app, tmp_path):
    for path, content in package().items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(content)
    runner = app.test_cli_runner()
    one = runner.invoke(args=["procedures", "deploy", str(tmp_path / "bpmn" / "pkg_demo")])
    assert one.exit_code == 0 and "pkg_demo v1 deployed" in one.output, one.output
    root = runner.invoke(args=["procedures", "deploy", str(tmp_path)])
    assert root.exit_code == 0 and "pkg_demo v1 unchanged" in root.output, root.output
    (tmp_path / "p.zip").write_bytes(archive(package(called="nowhere")))
    bad = runner.invoke(args=["procedures", "deploy", str(tmp_path / "p.zip")])
    assert bad.exit_code == 1 and "not in this deploy" in bad.output and "Traceback" not in bad.output


@pytest.mark.parametrize("files, needle", [
    ({"bpmn/pkg_demo/../../etc/x.bpmn": b"<x/>"}, "not allowed"),
    ({"/bpmn/pkg_demo/pkg_demo.bpmn": b"<x/>"}, "not allowed"),
    ({"README.txt": b"nothing"}, "no package"),
    ({"bpmn/bad name/bad name.bpmn": b"<x/>"}, "not a package name"),
    ({"bpmn/a/a.bpmn": sequential("a", []), "bpmn/b/b.bpmn": sequential("b", [])}, "2 packages"),
    ({"bpmn/pkg_demo/pkg_demo.bpmn": sequential("other_id", [])}, "must hold the process"),
    ({"bpmn/pkg_demo/other.bpmn": sequential("pkg_demo", [])}, "has no bpmn/pkg_demo/pkg_demo.bpmn"),
    ({"bpmn/pkg_demo/pkg_demo.bpmn": sequential("pkg_demo", []),
      "forms/pkg_demo/x.schema.json": b'{"type": 12}'}, "not a valid JSON Schema"),
    ({"bpmn/pkg_demo/pkg_demo.bpmn": sequential("pkg_demo", []),
      "bpmn/pkg_demo/rules.json": b"{not json"}, "not JSON"),
    ({"bpmn/pkg_demo/pkg_demo.bpmn": sequential("pkg_demo", []),
      "bpmn/pkg_demo/rules.json": b'{"rules": [{"kind": "no_such_kind", "on": ["x"]}]}'}, "unknown rule kind"),
])
def test_a_bad_package_is_refused_naming_the_file(api, files, needle):
    r = deploy(api, archive(files))
    assert r.status_code == 422, r.json
    assert any(needle in m for m in messages(r)), messages(r)


def test_hostile_archives_are_refused_before_unpacking(api):
    assert "symbolic link" in " ".join(messages(deploy(api, archive(package(), symlink="bpmn/pkg_demo/link.bpmn"))))
    bomb = archive({"bpmn/pkg_demo/pkg_demo.bpmn": b"<a/>" + b" " * 3_000_000})
    assert "compressed" in " ".join(messages(deploy(api, bomb)))
    many = archive({f"forms/pkg_demo/f{i}.schema.json": b"{}" for i in range(600)})
    assert "600 files" in " ".join(messages(deploy(api, many)))
    assert "not a readable .zip" in " ".join(messages(deploy(api, b"PK\x03\x04 truncated")))
    # Nothing was stored by any of them.
    assert not [v for v in api.get("/api/v1/procedures").json["items"] if v["procedure_id"] == "pkg_demo"]


def test_a_single_file_whose_procedure_calls_a_process_of_the_same_file_is_its_caller_s_package(api):
    """A file deployed alone may hold its own process and one it calls (both executable, as
    SpiffWorkflow needs): the package is named after the process a case starts on, the caller."""
    data = caller("solo_caller", "solo_callee").replace(
        b"</bpmn:definitions>", callee("solo_callee").split(b'id="defs"', 1)[1].split(b">", 1)[1]
        .replace(b"</bpmn:definitions>\n", b"") + b"</bpmn:definitions>")
    data = data.replace(b'value="rec"', b'value="closing"').replace(b'value="shared_rec"', b'value="closing"')
    r = api.post("/api/v1/procedures", as_="author1", data={"file": (io.BytesIO(data), "solo.bpmn")},
                 content_type="multipart/form-data", headers=EN)
    assert r.status_code in (200, 201), r.json
    assert r.json["procedure_id"] == "solo_caller"
    with zipfile.ZipFile(io.BytesIO(api.get(f"/api/v1/procedures/{r.json['id']}/package").data)) as z:
        assert "bpmn/solo_caller/solo_caller.bpmn" in z.namelist(), z.namelist()


def test_a_diagram_that_does_not_build_hides_no_problem_of_the_rest_of_the_package(api):
    """One refusal lists what the author must fix: the diagram's own problem, the rule binding on
    a missing field, the documents list naming a missing template and the form's failing example,
    not the diagram's alone (a form that cannot be read still stops the check before the rest)."""
    broken = caller("pkg_demo", "shared_approval").replace(
        b'<bpmn:callActivity id="call"', b'<bpmn:userTask id="orphan"/><bpmn:callActivity id="call"')
    files = {**package(),
             "bpmn/pkg_demo/pkg_demo.bpmn": broken,
             "bpmn/pkg_demo/rules.json": json.dumps({"rules": [
                 {"kind": "dates_in_order", "before": "rec.no_such_day", "after": "rec.no_such_day_2"}]}).encode(),
             "bpmn/pkg_demo/documents/documents.json": json.dumps({"documents": [
                 {"kind": "notice", "title": "通知书", "template": "bpmn/pkg_demo/documents/missing.docx",
                  "steps": ["a"]}]}).encode(),
             "forms/pkg_demo/rec.schema.json": json.dumps({**FORM, "examples": [{"note": 5}]}).encode()}
    r = deploy(api, archive(files))
    assert r.status_code == 422, r.json
    by_file = {}
    for problem in r.json["details"]["problems"]:
        by_file.setdefault(problem["file"], []).append(problem["message"])
    assert "orphan" in json.dumps(r.json["details"]["problems"]), by_file  # the diagram's own problem
    assert "bpmn/pkg_demo/rules.json" in by_file, by_file
    assert "bpmn/pkg_demo/documents/documents.json" in by_file, by_file
    assert any("example" in m for m in by_file.get("forms/pkg_demo/rec.schema.json", [])), by_file
    assert r.json["details"]["problem_count"] == len(r.json["details"]["problems"])

    unreadable = {**files, "forms/pkg_demo/rec.schema.json": b'{"type": 12}'}
    r = deploy(api, archive(unreadable))
    assert [p["file"] for p in r.json["details"]["problems"]] == ["forms/pkg_demo/rec.schema.json"], r.json
