"""Junk at the new doors: message names and data, and archive paths, get a 4xx and change nothing."""
import io
import zipfile

import pytest

from tests.integration.test_case_messages import deploy as deploy_bpmn
from tests.integration.test_case_messages import waiting


@pytest.mark.parametrize("name", ["a\x00b", "%00", "%ED%A0%80", "x" * 5000, "..%2f..%2fetc", " "])
def test_junk_message_names(api, name):
    case = api.open_case()
    r = api.post(f"/api/v1/cases/{case['id']}/messages/{name}", json={"data": {}})
    assert r.status_code in (404, 409, 422), (r.status_code, r.get_data()[:300])


@pytest.mark.parametrize("data", [{"data": {"x": "\x00"}}, {"data": {"x": "\ud800"}}, {"data": "nope"},
                                  {"data": {"x": "y" * 3_000_000}}, {"data": {"n": float("inf")}}, [1]])
def test_junk_message_data(api, data):
    assert deploy_bpmn(api, waiting()).status_code == 201
    case = api.open_case(procedure_id="await_reply")
    case = api.post(f"/api/v1/tasks/{api.task(case, 't1')['id']}/complete").json
    import json
    body = json.dumps(data, allow_nan=True) if not isinstance(data, list) else "[1]"
    r = api.post(f"/api/v1/cases/{case['id']}/messages/party_reply", data=body,
                 headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 413, 422), (r.status_code, r.get_data()[:300])
    assert api.get(f"/api/v1/cases/{case['id']}").json["version"] == case["version"]


@pytest.mark.parametrize("name", ["bpmn/a\x00b/x.bpmn", "bpmn/\udc80/x.bpmn", "bpmn/" + "a" * 300 + "/x.bpmn",
                                  "forms/a/../../x.schema.json", "C:\\bpmn\\x.bpmn"])
def test_junk_archive_paths(api, name):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        try:
            z.writestr(name, b"<x/>")
        except Exception:
            z.writestr(name.encode("utf-8", "surrogateescape").decode("latin-1"), b"<x/>")
    r = api.post("/api/v1/procedures", as_="author1", data={"file": (io.BytesIO(out.getvalue()), "p.zip")},
                 content_type="multipart/form-data")
    assert r.status_code == 422, (r.status_code, r.get_data()[:300])
