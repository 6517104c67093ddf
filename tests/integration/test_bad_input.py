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
