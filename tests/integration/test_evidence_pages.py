"""The evidence list as pages (web/evidence.py): an officer adds several files at once with the
plain form, sees them listed with thumbnails; a refused file is named with its reason beside the
field and nothing is added; a reviewer reads the list and an item but is offered no upload or
withdrawal; the officer withdraws an item with a reason and it stays listed, marked."""
import io
import re

from PIL import Image

from tests.web_session import csrf_of, html, page_login
from workflow_app.services.evidence import items as evidence


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


def test_the_case_page_finds_a_file_deleted_or_cut_short_and_says_the_rest_waits_for_audit_verify(client, api, app):
    """The case page checks its evidence files on every view by their directory entries (present,
    of the recorded size), never by reading 200 photos; a file rewritten to the same length is for
    `audit verify`, which re-hashes every file, and the page says which check it made."""
    import os

    from workflow_app.services.audit import verify as audit_verify
    from workflow_app.services.evidence import store as evidence_store

    case = _case(api)
    items = [api.post(f"/api/v1/cases/{case['id']}/evidence", data={"file": (io.BytesIO(jpeg(c)), f"{n}.jpg")},
                      content_type="multipart/form-data").json for n, c in enumerate([(200, 0, 0), (0, 200, 0), (0, 0, 200)])]
    page_login(client, "officer1")
    page = html(client.get(f"/cases/{case['id']}"))
    assert 'data-testid="chain-status" data-ok="1"' in page
    assert re.search(r'data-testid="evidence-files-check">3 个证据文件已核对存在和大小', page), page

    with app.app_context():
        kept = {item["id"]: evidence_store.path_of(item["sha256"]) for item in items}
    same_length = kept[items[0]["id"]]
    os.chmod(same_length, 0o644)
    data = same_length.read_bytes()
    same_length.write_bytes(data[:-3] + b"\x00\x00\x00")  # rewritten in place: same size, other bytes
    page = html(client.get(f"/cases/{case['id']}"))
    assert 'data-testid="chain-status" data-ok="1"' in page  # measured, not re-hashed: audit verify's part
    with app.app_context():
        report = audit_verify.verify(case_id=case["id"])
        assert not report.ok and items[0]["sha256"][:16] in " ".join(map(str, report.problems))

    cut = kept[items[1]["id"]]
    os.chmod(cut, 0o644)
    cut.write_bytes(cut.read_bytes()[:100])
    kept[items[2]["id"]].unlink()
    page = html(client.get(f"/cases/{case['id']}"))
    assert 'data-testid="chain-status" data-ok="0"' in page
    assert f"evidence {items[1]['id']} ({items[1]['sha256'][:16]}…) file is no longer the size recorded" in page
    assert f"evidence {items[2]['id']} ({items[2]['sha256'][:16]}…) file is gone from the evidence store" in page


def test_the_case_page_and_the_evidence_list_send_as_many_statements_for_twelve_items_as_for_one(client, api, app):
    """A long evidence list costs rows, not statements: the case page and the list read the items,
    their collectors, steps and withdrawals in a fixed number of queries."""
    from tests.integration.test_tasks_api import statements_sent

    def statements(case_id, path):
        client.get(path)  # warm: the procedure's forms and the status words are read once per process
        with statements_sent(app) as (sent, _commits):
            r = client.get(path)
        assert r.status_code == 200, path
        return len(sent)

    def steps_of(case):
        return [t["id"] for t in api.get(f"/api/v1/cases/{case['id']}/tasks").json["items"]]

    one, twelve = _case(api), _case(api)
    # the one item as the twelve are: collected at a step, then withdrawn (the list reads both kinds)
    item = api.post(f"/api/v1/cases/{one['id']}/evidence", data={"file": (io.BytesIO(jpeg()), "1.jpg"),
                                                                 "task_id": str(steps_of(one)[0])},
                    content_type="multipart/form-data").json
    api.post(f"/api/v1/cases/{one['id']}/evidence/{item['id']}/withdraw", json={"reason": "重复拍摄"})
    steps = steps_of(twelve)
    for n in range(12):
        item = api.post(f"/api/v1/cases/{twelve['id']}/evidence", as_="officer1" if n % 2 else "officer2",
                        data={"file": (io.BytesIO(jpeg((n * 20, 10, 10))), f"{n}.jpg"), "task_id": str(steps[n % len(steps)])},
                        content_type="multipart/form-data").json
        if n % 5 == 0:
            api.post(f"/api/v1/cases/{twelve['id']}/evidence/{item['id']}/withdraw", json={"reason": "重复拍摄"})
    page_login(client, "officer1")
    for path in ("/cases/{id}", "/cases/{id}/evidence"):
        assert statements(twelve["id"], path.format(id=twelve["id"])) == statements(one["id"], path.format(id=one["id"])), path


def test_a_long_list_is_shown_a_page_at_a_time_numbered_through(client, api):
    """The list pages by cursor: each page numbers its items on from the page before, links the
    next and the first page, and adding to a long list shows the page the new file is on."""
    case = _case(api)
    for n in range(5):
        api.post(f"/api/v1/cases/{case['id']}/evidence", data={"file": (io.BytesIO(jpeg((n * 40, 0, 0))), f"{n + 1}.jpg")},
                 content_type="multipart/form-data")
    page_login(client, "officer1")
    url = f"/cases/{case['id']}/evidence"
    first = html(client.get(f"{url}?per_page=2"))
    assert re.findall(r'data-testid="evidence-number">(\d+)<', first) == ["1", "2"]
    assert 'data-testid="evidence-total">(5)' in first
    assert re.findall(r"\d+", re.search(r'data-testid="evidence-range">([^<]*)<', first).group(1)) == ["1", "2", "5"]
    assert "第一页" not in first
    seen, link = [], re.search(r'href="([^"]+)" rel="next"', first)
    while link:
        assert "per_page=2" in link.group(1)  # the page's length goes along
        page = html(client.get(link.group(1).replace("&amp;", "&")))
        seen += re.findall(r'data-testid="evidence-number">(\d+)<', page)
        assert "第一页" in page
        link = re.search(r'href="([^"]+)" rel="next"', page)
    assert seen == ["3", "4", "5"]
    bad = client.get(f"{url}?after=nonsense")
    assert bad.status_code == 422 and "after" in html(bad)
    assert client.get(f"{url}?per_page=0").status_code == 422

    # 51 items on the list: a file sent from its first page is shown on the page it lands on
    for n in range(46):
        api.post(f"/api/v1/cases/{case['id']}/evidence", data={"file": (io.BytesIO(f"笔录 {n}".encode()), f"{n}.txt")},
                 content_type="multipart/form-data")
    listed = client.get(url)
    assert len(re.findall(r'data-testid="evidence-row"', html(listed))) == evidence.PAGE_SIZE
    r = client.post(url, data={"csrf_token": csrf_of(html(listed)), "file": (io.BytesIO(jpeg((1, 2, 3))), "新照片.jpg")},
                    content_type="multipart/form-data")
    assert r.status_code == 302 and "after=" in r.headers["Location"]
    landed = html(client.get(r.headers["Location"]))
    assert re.findall(r'data-testid="evidence-number">(\d+)<', landed) == ["52"] and "新照片.jpg" in landed
    token = csrf_of(landed)
    again = client.post(url, data={"file": (io.BytesIO(jpeg((9, 9, 9))), "再一张.jpg")}, content_type="multipart/form-data",
                        headers={"X-CSRFToken": token, "X-Requested-With": "fetch"})
    assert again.status_code == 201 and "after=" in again.json["list"]
    assert "再一张.jpg" in html(client.get(again.json["list"]))
