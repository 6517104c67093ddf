"""The evidence list as pages (web/evidence.py): an officer adds several files at once with the
plain form, sees them listed with thumbnails; a refused file is named with its reason beside the
field and nothing is added; a reviewer reads the list and an item but is offered no upload or
withdrawal; the officer withdraws an item with a reason and it stays listed, marked."""
import io
import re

from PIL import Image

from tests.web_session import csrf_of, html, page_login
from workflow_app.services import evidence


def jpeg(colour=(200, 30, 30), size=(640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def _case(api) -> dict:
    return api.open_case()


def test_an_officer_adds_two_photos_at_once_and_sees_them_listed_with_thumbnails(client, api):
    case = _case(api)
    page_login(client, "officer1")
    page = client.get(f"/cases/{case['id']}")
    assert 'data-testid="evidence-list-link"' in html(page) and "证据清单" in html(page)
    form = client.get(f"/cases/{case['id']}/evidence")
    assert form.status_code == 200 and 'data-testid="evidence-upload"' in html(form)
    r = client.post(f"/cases/{case['id']}/evidence", data={
        "csrf_token": csrf_of(html(form)), "kind": "physical", "source": "现场拍摄", "proves": "货架陈列过期食品",
        "file": [(io.BytesIO(jpeg()), "货架1.jpg"), (io.BytesIO(jpeg((30, 200, 30))), "货架2.jpg")]},
        content_type="multipart/form-data", follow_redirects=True)
    body = html(r)
    assert r.status_code == 200 and "2 个文件已加入证据清单" in body, body[:3000]
    rows = re.findall(r'data-testid="evidence-row" data-evidence-id="(\d+)"', body)
    assert len(rows) == 2 and "物证" in body and "货架陈列过期食品" in body
    thumb = client.get(f"/cases/{case['id']}/evidence/{rows[0]}/thumbnail.jpg")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.data)).size) <= evidence.THUMBNAIL_PX
    assert "证据：2 项" in html(client.get(f"/cases/{case['id']}")) or "2 项" in html(client.get(f"/cases/{case['id']}"))


def test_a_refused_file_is_named_beside_the_field_and_nothing_is_added(client, api):
    case = _case(api)
    page_login(client, "officer1")
    form = client.get(f"/cases/{case['id']}/evidence")
    r = client.post(f"/cases/{case['id']}/evidence", data={
        "csrf_token": csrf_of(html(form)),
        "file": [(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200), "virus.pdf")]}, content_type="multipart/form-data")
    assert r.status_code == 422
    body = html(r)
    assert 'id="f-file-error"' in body and "virus.pdf" in body and 'data-testid="no-evidence"' in body
    nothing = client.post(f"/cases/{case['id']}/evidence", data={"csrf_token": csrf_of(html(form))},
                          content_type="multipart/form-data")
    assert nothing.status_code == 422 and 'id="f-file-error"' in html(nothing)


def test_the_script_upload_answers_json(client, api):
    case = _case(api)
    page_login(client, "officer1")
    token = csrf_of(html(client.get(f"/cases/{case['id']}/evidence")))
    r = client.post(f"/cases/{case['id']}/evidence", data={"file": (io.BytesIO(jpeg()), "a.jpg")},
                    headers={"X-CSRFToken": token, "X-Requested-With": "fetch"}, content_type="multipart/form-data")
    assert r.status_code == 201 and r.json["created"] is True and r.json["url"].endswith(f"/evidence/{r.json['id']}")
    bad = client.post(f"/cases/{case['id']}/evidence", data={"file": (io.BytesIO(b"<html></html>"), "a.jpg")},
                      headers={"X-CSRFToken": token, "X-Requested-With": "fetch"}, content_type="multipart/form-data")
    assert bad.status_code == 422 and "file" in bad.json["errors"]


def test_a_reviewer_reads_but_is_offered_no_upload_or_withdrawal(client, api):
    case = _case(api)
    item = api.post(f"/api/v1/cases/{case['id']}/evidence", data={"file": (io.BytesIO(jpeg()), "现场.jpg")},
                    content_type="multipart/form-data").json
    page_login(client, "reviewer1")
    listed = html(client.get(f"/cases/{case['id']}/evidence"))
    assert "现场.jpg" in listed and 'data-testid="evidence-upload"' not in listed
    page = html(client.get(f"/cases/{case['id']}/evidence/{item['id']}"))
    assert 'data-testid="preview-image"' in page and item["sha256"] in page and 'data-testid="withdraw-form"' not in page
    content = client.get(f"/cases/{case['id']}/evidence/{item['id']}/content")
    assert content.status_code == 200 and content.mimetype == "image/jpeg"
    assert "sandbox" in content.headers["Content-Security-Policy"]


def test_an_officer_withdraws_an_item_with_a_reason_and_it_stays_listed(client, api):
    case = _case(api)
    item = api.post(f"/api/v1/cases/{case['id']}/evidence", data={"file": (io.BytesIO(jpeg()), "错拍.jpg")},
                    content_type="multipart/form-data").json
    page_login(client, "officer1")
    page = client.get(f"/cases/{case['id']}/evidence/{item['id']}")
    token = csrf_of(html(page))
    empty = client.post(f"/cases/{case['id']}/evidence/{item['id']}/withdraw", data={"csrf_token": token, "reason": " "})
    assert empty.status_code == 422 and 'id="f-reason-error"' in html(empty)
    r = client.post(f"/cases/{case['id']}/evidence/{item['id']}/withdraw",
                    data={"csrf_token": token, "reason": "拍摄对象非本案现场"}, follow_redirects=True)
    assert r.status_code == 200 and 'data-testid="withdrawal"' in html(r) and "拍摄对象非本案现场" in html(r)
    listed = html(client.get(f"/cases/{case['id']}/evidence"))
    assert 'class="withdrawn"' in listed and "拍摄对象非本案现场" in listed


def test_another_departments_officer_finds_no_such_list(client, api):
    case = _case(api)
    page_login(client, "environment_officer1")
    assert client.get(f"/cases/{case['id']}/evidence").status_code == 404
