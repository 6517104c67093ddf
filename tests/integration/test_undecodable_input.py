"""Bytes that are not UTF-8 (in an urlencoded form, a multipart part, a query string, a JSON body)
are refused with a 422 naming the field and the byte, on the pages and in the API: never kept as
U+FFFD or as the text "%FF", never a form silently emptied, never a 500 (strict_input.py)."""
import io
import re

import pytest

from tests.web_session import csrf_of, html, page_login
from workflow_app.i18n import LANGUAGE_COOKIE

NOT_UTF8 = "is not UTF-8 text (byte 0x{:02X} at {}): send it as UTF-8"
EN = {"Accept-Language": "en"}  # the messages compared in English; the pages read in English too


def _log_in(client, username="officer1"):
    client.set_cookie(LANGUAGE_COOKIE, "en")
    page_login(client, username)


def _evidence_item(api):
    case = api.open_case()
    item = api.post(f"/api/v1/cases/{case['id']}/evidence", content_type="multipart/form-data",
                    data={"file": (io.BytesIO("现场笔录".encode()), "笔录.txt")}).json
    return case, item


@pytest.mark.parametrize("body, where", [
    (b"reason=%E6%8B%8D%E6%91%84%FF", (0xFF, 6)),  # a stray byte after two characters, percent-encoded
    (b"reason=\xe6\x8b", (0xE6, 0)),                # a character cut short, sent raw
    (b"reason=%C0%AF", (0xC0, 0)),                  # an overlong "/"
])
def test_a_page_form_that_is_not_utf8_is_refused_naming_the_field(client, api, body, where):
    case, item = _evidence_item(api)
    _log_in(client)
    url = f"/cases/{case['id']}/evidence/{item['id']}"
    token = csrf_of(html(client.get(url)))
    r = client.post(f"{url}/withdraw", data=b"csrf_token=" + token.encode() + b"&" + body,
                    content_type="application/x-www-form-urlencoded")
    assert r.status_code == 422, html(r)[:2000]
    assert re.search(r"<code>reason</code>: " + re.escape(NOT_UTF8.format(*where)), html(r)), html(r)[:3000]
    assert api.get(f"/api/v1/cases/{case['id']}/evidence/{item['id']}").json["withdrawn"] is None


def test_a_multipart_part_that_is_not_utf8_is_refused_on_the_page_and_in_the_api(client, api):
    case = api.open_case()
    _log_in(client)
    token = csrf_of(html(client.get(f"/cases/{case['id']}/evidence")))

    def body(title: bytes) -> bytes:
        return (b"--B\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + token.encode() + b"\r\n"
                b"--B\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n" + title + b"\r\n"
                b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
                b"Content-Type: text/plain\r\n\r\n" + "询问笔录".encode() + b"\r\n--B--\r\n")

    # GBK, as an old form on a Chinese Windows would send it: 货架 is not UTF-8
    page = client.post(f"/cases/{case['id']}/evidence", data=body("货架".encode("gbk")),
                       content_type="multipart/form-data; boundary=B")
    assert page.status_code == 422 and "<code>title</code>: " + NOT_UTF8.format(0xBB, 0) in html(page)
    api_answer = api.post(f"/api/v1/cases/{case['id']}/evidence", data=body("货架".encode("gbk")),
                          content_type="multipart/form-data; boundary=B", headers=EN)
    assert api_answer.status_code == 422 and api_answer.json["errors"] == {"title": [NOT_UTF8.format(0xBB, 0)]}
    assert api.get(f"/api/v1/cases/{case['id']}/evidence").json["items"] == []
    # the same field in UTF-8 is kept as typed; a part that names ISO-8859-1 is read as such
    ok = api.post(f"/api/v1/cases/{case['id']}/evidence", data=body("货架".encode()),
                  content_type="multipart/form-data; boundary=B")
    assert ok.status_code == 201 and ok.json["title"] == "货架"
    latin = body(b"caf\xe9").replace(b'name="title"\r\n', b'name="title"\r\nContent-Type: text/plain; charset=iso-8859-1\r\n')
    latin = latin.replace("询问笔录".encode(), "另一份笔录".encode())
    ok = api.post(f"/api/v1/cases/{case['id']}/evidence", data=latin, content_type="multipart/form-data; boundary=B")
    assert ok.status_code == 201 and ok.json["title"] == "café"


def test_a_file_name_that_is_not_utf8_is_refused_not_a_form_silently_emptied(api):
    case = api.open_case()
    body = (b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + "照片".encode("gbk") + b".jpg\"\r\n"
            b"Content-Type: text/plain\r\n\r\nx\r\n--B--\r\n")
    r = api.post(f"/api/v1/cases/{case['id']}/evidence", data=body, content_type="multipart/form-data; boundary=B",
                 headers=EN)
    assert r.status_code == 422 and r.json["errors"] == {"file": ["the part's field name or file name is not UTF-8 text"]}


@pytest.mark.parametrize("query, name, where", [
    ("status=%FF", "status", (0xFF, 0)),
    ("department=market%E5%B8", "department", (0xE5, 6)),
    ("per_page=5&after=%80", "after", (0x80, 0)),
])
def test_a_query_parameter_that_is_not_utf8_is_refused_naming_it(api, query, name, where):
    r = api.get(f"/api/v1/cases?{query}", as_="supervisor1", headers=EN)
    assert r.status_code == 422 and r.json["errors"] == {name: [NOT_UTF8.format(*where)]}, r.json


def test_raw_query_bytes_that_are_not_utf8_are_refused_not_a_server_error(api, client):
    """A client that does not percent-encode (curl with a GBK terminal) sends the bytes as they are;
    the server hands them over as ISO-8859-1 characters (PEP 3333)."""
    raw = "party=" + "超市".encode("gbk").decode("latin-1")
    r = api.get("/api/v1/cases", environ_overrides={"QUERY_STRING": raw}, headers=EN)
    assert r.status_code == 422 and r.json["errors"] == {"party": [NOT_UTF8.format(0xB3, 0)]}, r.json
    _log_in(client)
    page = client.get("/cases", environ_overrides={"QUERY_STRING": raw})
    assert page.status_code == 422 and "<code>party</code>" in html(page)
    utf8 = "party=" + "超市".encode().decode("latin-1")  # raw UTF-8 bytes are read as what they are
    assert client.get("/cases", environ_overrides={"QUERY_STRING": utf8}).status_code == 200


@pytest.mark.parametrize("body, reason", [
    (b'{"username": "officer\xff1", "password": "x"}', "the body is not UTF-8 text (byte 0xFF at 21)"),
    ('{"username": "officer1", "password": "x"}'.encode("utf-16"), "the body is not UTF-8 text (byte 0xFF at 0)"),
])
def test_a_json_body_that_is_not_utf8_is_a_422_with_the_reason(api, body, reason):
    for url in ("/api/v1/auth/token", "/api/v1/cases"):
        r = api.post(url, data=body, content_type="application/json", headers={"Accept-Language": "en"})
        assert r.status_code == 422 and r.json["errors"] == {"_body": [f"not valid JSON: {reason}"]}, r.json


def test_a_json_body_with_a_byte_order_mark_is_still_read(client):
    r = client.post("/api/v1/auth/token", data=b'\xef\xbb\xbf{"username": "officer1", "password": "test-password-1"}',
                    content_type="application/json")
    assert r.status_code == 201
