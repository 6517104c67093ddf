"""Bad input anywhere in the API gets a 4xx with a reason, never a 500, and changes nothing."""
import pytest

from tests.helpers import STEPS

JUNK_BODIES = [
    b"", b"null", b"[]", b"123", b'"text"', b"{", b'{"data": NaN}', b'{"data": {"x": Infinity}}',
    b"[" * 100_000, b'{"a":' * 5000 + b"1" + b"}" * 5000,
    b'{"data": {"summary": "\\ud800"}}', "{\"data\": {\"summary\": \"\u0000\"}}".encode(),
    b'{"data": {"source": 1e400}}', b'{"data": {"officers": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}',
    b'{"procedure_id": ["x"], "title": {"a": 1}, "department": null, "party": "p"}',
    b'{"username": 5, "password": []}',
]


@pytest.mark.parametrize("body", JUNK_BODIES)
def test_junk_bodies_never_cause_a_server_error(api, body):
    case = api.open_case()
    task = case["tasks"][0]
    for url in ("/api/v1/cases", f"/api/v1/tasks/{task['id']}/complete", "/api/v1/auth/token"):
        r = api.post(url, data=body, content_type="application/json")
        assert 400 <= r.status_code < 500, (url, r.status_code, r.get_data(as_text=True)[:300])
        assert r.is_json and r.json["error"]
    assert api.get(f"/api/v1/cases/{case['id']}").json["tasks"][0]["id"] == task["id"]


def test_a_nan_in_form_data_is_refused(api):
    case = api.open_case()
    task = case["tasks"][0]
    body = '{"data": {"source": "complaint", "received_on": "2026-11-02", "violation_date": "2026-10-20", ' \
           '"summary": "x", "attachments": [NaN]}}'
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", data=body, content_type="application/json")
    assert r.status_code == 422 and "_body" in r.json["errors"]


@pytest.mark.parametrize("url", ["/api/v1/cases/abc", "/api/v1/cases/99999999999999999999999",
                                 "/api/v1/tasks/0", "/api/v1/tasks?page=-1", "/api/v1/tasks?page=x",
                                 "/api/v1/cases?per_page=100000", "/api/v1/cases/1/trace?x=%00"])
def test_odd_urls_are_4xx(api, url):
    r = api.get(url)
    assert 400 <= r.status_code < 500 and r.is_json


def test_an_oversized_body_is_413(api, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    r = api.post("/api/v1/cases", data=b"{" + b" " * 5000 + b"}", content_type="application/json")
    assert r.status_code == 413 and r.is_json


def test_wrong_method_is_405_json(api):
    r = api.client.delete("/api/v1/cases", headers=api.headers("officer1"))
    assert r.status_code == 405 and r.json["error"] == "method_not_allowed"


def test_form_values_of_the_wrong_type_are_named(api):
    case = api.open_case()
    data = dict(STEPS["clue_intake"][1], summary=123, attachments="a")
    r = api.post(f"/api/v1/tasks/{case['tasks'][0]['id']}/complete", json={"data": data})
    assert r.status_code == 422 and {"summary", "attachments"} <= set(r.json["errors"])


# -- text our databases cannot store: refused once, at the boundary, naming the field -------------
NUL, SURROGATE = "\x00", "\ud800"
CASE_BODY = {"procedure_id": "general_penalty", "title": "某超市销售过期食品案", "department": "market",
             "party": {"name": "清河某超市有限公司", "kind": "organization"}}


def _json(value) -> bytes:
    """JSON as a client would send it, with \\u escapes (a lone surrogate has no UTF-8 form)."""
    import json

    return json.dumps(value, ensure_ascii=True).encode()


def _cases(api):
    return api.get("/api/v1/cases").json["total"]


@pytest.mark.parametrize("bad, reason", [(NUL, "contains a NUL character"), (SURROGATE, "lone surrogate")])
@pytest.mark.parametrize("field, body", [
    ("title", lambda bad: {**CASE_BODY, "title": f"某案{bad}"}),
    ("party.name", lambda bad: {**CASE_BODY, "party": {"name": f"张{bad}三", "kind": "person"}}),
    ("procedure_id", lambda bad: {**CASE_BODY, "procedure_id": bad}),
])
def test_unstorable_text_in_a_new_case_is_refused_naming_the_field(api, bad, reason, field, body):
    before = _cases(api)
    r = api.post("/api/v1/cases", data=_json(body(bad)), content_type="application/json")
    assert r.status_code == 422, r.get_data(as_text=True)[:300]
    assert any(reason in m for m in r.json["errors"][field])
    assert _cases(api) == before


@pytest.mark.parametrize("bad, reason", [(NUL, "contains a NUL character"), (SURROGATE, "lone surrogate")])
@pytest.mark.parametrize("field", ["username", "password"])
def test_unstorable_text_at_login_is_refused_without_a_token(client, bad, reason, field):
    creds = {"username": "officer1", "password": "x", field: f"officer1{bad}"}
    r = client.post("/api/v1/auth/token", data=_json(creds), content_type="application/json")
    assert r.status_code == 422 and any(reason in m for m in r.json["errors"][field])


@pytest.mark.parametrize("bad, reason", [(NUL, "contains a NUL character"), (SURROGATE, "lone surrogate")])
def test_unstorable_text_anywhere_in_form_data_is_refused_and_the_task_stays_ready(api, bad, reason):
    case = api.run(api.open_case(), "clue_intake", "filing_approval")
    task = api.task(case, "investigation")
    data = dict(STEPS["investigation"][1],
                evidence=[{"kind": "documentary", "description": f"台账{bad}"}], **{f"x{bad}": 1})
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", data=_json({"data": data}),
                 content_type="application/json")
    assert r.status_code == 422
    errors = r.json["errors"]
    assert any(reason in m for m in errors["data.evidence.0.description"])
    named_key = f"data.x\\u{ord(bad):04x}"  # the bad key, shown escaped
    assert any(reason in m and "field name" in m for m in errors[named_key])
    after = api.get(f"/api/v1/cases/{case['id']}").json
    assert api.task(after, "investigation")["id"] == task["id"] and after["version"] == case["version"]


@pytest.mark.parametrize("url, field", [
    ("/api/v1/cases?department=market%00", "department"),
    ("/api/v1/cases?status=%00", "status"),
    ("/api/v1/tasks?state=ready&x%00=1", "x\\u0000"),
    ("/api/v1/cases/1/trace?note=%00", "note"),
])
def test_a_nul_in_a_query_parameter_is_refused_naming_it(api, url, field):
    r = api.get(url)
    assert r.status_code == 422 and r.json["errors"][field][0].endswith("contains a NUL character")


def test_query_bytes_that_are_not_utf8_are_refused_naming_the_parameter(api):
    r = api.get("/api/v1/cases?department=%ED%A0%80%FF", headers={"Accept-Language": "en"})  # a surrogate, a stray byte
    assert r.status_code == 422 and r.json["errors"]["department"] == [
        "is not UTF-8 text (byte 0xED at 0): send it as UTF-8"], r.json


@pytest.mark.parametrize("fields, named, reason", [
    ({"file": "p\x00.bpmn"}, "file", "the file name contains a NUL character"),
    ({"file": "p.bpmn", "comment": "v\x00"}, "comment", "contains a NUL character"),
])
def test_a_nul_in_an_upload_is_refused_naming_the_field(api, fields, named, reason):
    import io

    from tests.samples import sequential

    data = sequential("named_upload", [("user", "t1", {"formKey": "closing"})])
    form = {k: (io.BytesIO(data), v) if k == "file" else v for k, v in fields.items()}
    r = api.post("/api/v1/procedures", as_="author1", content_type="multipart/form-data", data=form)
    assert r.status_code == 422 and r.json["errors"][named] == [reason]
    assert "named_upload" not in {v["procedure_id"] for v in api.get("/api/v1/procedures").json["items"]}


@pytest.mark.parametrize("disposition", [b'name="file"; filename="p\xed\xa0\x80.bpmn"',
                                         b'name="file\xed\xa0\x80"; filename="p.bpmn"'])
def test_a_surrogate_encoded_in_an_upload_is_refused_naming_the_part(api, disposition):
    """A lone surrogate has no UTF-8 form; its CESU-8 bytes in a part's headers are refused,
    named by the part's field as sent (its bytes that are not UTF-8 shown as U+FFFD)."""
    body = (b"--B\r\nContent-Disposition: form-data; " + disposition + b"\r\n"
            b"Content-Type: application/xml\r\n\r\n<x/>\r\n--B--\r\n")
    r = api.post("/api/v1/procedures", as_="author1", data=body, content_type="multipart/form-data; boundary=B",
                 headers={"Accept-Language": "en"})
    assert r.status_code == 422, r.json
    [(named, reasons)] = r.json["errors"].items()
    assert named.startswith("file") and reasons == ["the part's field name or file name is not UTF-8 text"]


def test_a_multipart_part_without_a_name_is_no_server_error(api):
    body = b'--B\r\nContent-Disposition: form-data\r\n\r\nv\x00\r\n--B--\r\n'
    r = api.post("/api/v1/procedures", as_="author1", data=body, content_type="multipart/form-data; boundary=B")
    assert r.status_code == 422 and r.json["errors"]["_unnamed"] == ["contains a NUL character"]


@pytest.mark.parametrize("body", [b'{"data": {"proposed_fine": 1e400}}', b'{"data": {"x": -1e999}}'])
def test_numbers_out_of_range_are_refused_as_invalid_json(api, body):
    case = api.open_case()
    r = api.post(f"/api/v1/tasks/{case['tasks'][0]['id']}/complete", data=body, content_type="application/json")
    assert r.status_code == 422 and "out of range" in r.json["errors"]["_body"][0]


def test_a_body_that_is_not_json_says_so(api):
    r = api.post("/api/v1/cases", data=b"{'title': 1}", content_type="application/json")
    assert r.status_code == 422 and r.json["errors"]["_body"][0].startswith("不是有效的 JSON：")
    r = api.client.post("/api/v1/cases", data=b"{'title': 1}", content_type="application/json",
                        headers={**api.headers("officer1"), "Accept-Language": "en"})
    assert r.status_code == 422 and r.json["errors"]["_body"][0].startswith("not valid JSON: ")
    r = api.post("/api/v1/cases", data=b"title=x", content_type="text/plain")
    assert r.status_code == 422 and "application/json" in r.json["errors"]["_body"][0]


# -- integers that would overflow a PostgreSQL integer never reach SQL ----------------------------
@pytest.mark.parametrize("version_id", [2**40, 2**31, -1, 0])
def test_migrating_to_an_id_out_of_range_is_refused_naming_version_id(api, version_id):
    case = api.open_case()
    r = api.post(f"/api/v1/cases/{case['id']}/migrate", as_="author1", json={"version_id": version_id})
    assert r.status_code == 422 and "version_id" in r.json["errors"], r.json
    assert api.get(f"/api/v1/cases/{case['id']}").json["version"] == case["version"]


def test_the_largest_id_is_an_ordinary_not_found(api):
    case = api.open_case()
    r = api.post(f"/api/v1/cases/{case['id']}/migrate", as_="author1", json={"version_id": 2**31 - 1})
    assert r.status_code == 422 and "不是程序 general_penalty 的版本" in r.json["errors"]["version_id"][0]
    assert api.get(f"/api/v1/tasks/{2**31 - 1}").status_code == 404
    assert api.get(f"/api/v1/tasks/{2**31}").status_code == 404


@pytest.mark.parametrize("query", ["page=1000001", "page=99999999999999999999", "per_page=201",
                                   "per_page=-5", "page=1e3"])
def test_page_numbers_are_bounded(api, query):
    for url in ("/api/v1/cases", "/api/v1/tasks"):
        r = api.get(f"{url}?{query}")
        assert r.status_code == 422 and set(r.json["errors"]) <= {"page", "per_page"}, (url, r.json)


def test_the_last_allowed_page_number_is_empty_not_an_error_and_the_next_is_refused(api):
    """A page number reaches the first paging.PAGE_NUMBER_ROWS rows (OFFSET reads every row before
    the page); beyond them the list is followed by cursor."""
    assert api.get("/api/v1/cases?page=5&per_page=200").json["items"] == []
    assert api.get("/api/v1/cases?page=20").json["items"] == []
    for query in ("page=6&per_page=200", "page=21", "page=1000&per_page=2"):
        r = api.get(f"/api/v1/cases?{query}")
        assert r.status_code == 422 and list(r.json["errors"]) == ["page"], (query, r.json)
    assert "follow `next`" in api.get("/api/v1/cases?page=21", headers={"Accept-Language": "en"}).json["errors"][
        "page"][0]


# -- error bodies are bounded ----------------------------------------------------------------------
def test_a_megabyte_field_value_is_not_echoed_back(api):
    case = api.open_case()
    data = dict(STEPS["clue_intake"][1], summary="违" * 1_000_000)
    r = api.post(f"/api/v1/tasks/{case['tasks'][0]['id']}/complete", json={"data": data})
    assert r.status_code == 422
    assert len(r.get_data()) < 2000
    (message,) = r.json["errors"]["summary"]  # the field's title and the sizes, not the value
    assert message == "线索内容至多5000个字（现有1000000个）"


def test_a_megabyte_field_name_is_clipped(api):
    r = api.post("/api/v1/cases", json={**CASE_BODY, "k" * 1_000_000: 1})
    assert r.status_code == 422 and len(r.get_data()) < 2000
    (name,) = r.json["errors"]
    assert name.startswith("kkkk") and name.endswith("(1000000 characters)")


def test_thousands_of_errors_come_back_as_the_first_hundred_and_a_count(api):
    case = api.open_case()
    data = dict(STEPS["clue_intake"][1], attachments=[1] * 20_000)
    r = api.post(f"/api/v1/tasks/{case['tasks'][0]['id']}/complete", json={"data": data})
    assert r.status_code == 422 and len(r.get_data()) < 20_000
    errors = r.json["errors"]
    assert errors["attachments"] == ["附件编号至多100项（现有20000项）"]  # sizes, never the values
    assert len(errors) == 101 and errors["attachments.98"] == ["附件编号第99项必须为文字"]
    assert errors["_more"] == ["另有 19901 个字段有错误"]
