"""Evidence (证据, services/evidence/items.py) through the API: an officer uploads files to a case and to
the step that collected them; each is kept once by SHA-256, its type sniffed from the bytes, and
its hash, size, type, who and which step go on the case's trail; readers of the case read it back,
as a type that cannot run script; nothing is deleted, an item is withdrawn with a reason and stays
listed; a retried upload (same Idempotency-Key) is the first one; `audit verify` re-hashes files."""
import io
import os
import stat

import pytest
from sqlalchemy.exc import DBAPIError

from tests.helpers import at_once
from workflow_app.extensions import db
from workflow_app.models import Evidence
from workflow_app.services.audit import verify as audit_verify
from workflow_app.services.evidence import store as evidence_store

# Real files' first bytes: what an officer's phone and scanner produce.
JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200 + b"\xff\xd9")
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100


def upload(api, case, content: bytes, name="photo.jpg", as_="officer1", headers=None, **fields):
    return api.post(f"/api/v1/cases/{case['id']}/evidence", as_=as_, headers=headers,
                    data={"file": (io.BytesIO(content), name), **{k: str(v) for k, v in fields.items()}},
                    content_type="multipart/form-data")


def trail(api, case):
    return api.get(f"/api/v1/cases/{case['id']}/trace", as_="officer1").json["items"]


def test_an_officer_adds_a_photo_to_the_step_that_collected_it_and_its_hash_goes_on_the_trail(api, ctx):
    import hashlib

    case = api.open_case()
    step = api.task(case, "clue_intake")
    r = upload(api, case, JPEG, "现场照片.jpg", task_id=step["id"], title="现场货架照片", kind="physical",
               source="现场拍摄", proves="货架上陈列过期食品", collected_on="2026-11-02")
    assert r.status_code == 201, r.json
    item = r.json
    assert r.headers["Location"] == f"/api/v1/cases/{case['id']}/evidence/{item['id']}"
    assert item["sha256"] == hashlib.sha256(JPEG).hexdigest() and item["size"] == len(JPEG)
    assert item["content_type"] == "image/jpeg" and item["kind"] == "physical" and item["title"] == "现场货架照片"
    assert item["task_id"] == step["id"] and item["bpmn_id"] == "clue_intake" and item["withdrawn"] is None
    assert item["collected_by"] == "officer1" and item["stored_at"].endswith("+08:00")
    stored = [e for e in trail(api, case) if e["action"] == "evidence.stored"]
    assert len(stored) == 1 and stored[0]["data"]["sha256"] == item["sha256"], stored
    assert stored[0]["task_id"] == step["id"] and stored[0]["data"]["content_type"] == "image/jpeg"
    # kept once, read-only, under its hash
    path = evidence_store.path_of(item["sha256"])
    assert path.read_bytes() == JPEG and not os.stat(path).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def test_the_type_is_sniffed_from_the_bytes_not_the_name(api):
    case = api.open_case()
    r = upload(api, case, PDF, "照片.jpg")  # a PDF named as a photo
    assert r.status_code == 201 and r.json["content_type"] == "application/pdf", r.json
    assert r.json["kind"] == "documentary" and r.json["title"] == "照片.jpg"
    r = upload(api, case, MP4, "a.txt")
    assert r.json["content_type"] == "video/mp4" and r.json["kind"] == "audiovisual", r.json


@pytest.mark.parametrize("content", [HTML, EXE, b"\x00\x01\x02binary junk\xff\xfe"], ids=["html", "exe", "junk"])
def test_a_file_that_is_not_evidence_is_refused_naming_the_file_field(api, content):
    case = api.open_case()
    r = upload(api, case, content, "evidence.pdf")
    assert r.status_code == 422 and "file" in r.json["errors"], r.json
    assert not [e for e in trail(api, case) if e["action"] == "evidence.stored"]
    assert api.get(f"/api/v1/cases/{case['id']}/evidence").json["items"] == []


def test_bad_descriptions_are_refused_field_by_field(api):
    case = api.open_case()
    r = upload(api, case, JPEG, kind="photo", collected_on="2026-13-01", task_id="abc", title="题" * 201)
    assert r.status_code == 422, r.json
    assert {"kind", "collected_on", "task_id"} <= set(r.json["errors"]), r.json
    r = upload(api, case, JPEG, title="题" * 201)
    assert r.status_code == 422 and "title" in r.json["errors"], r.json
    other = api.open_case()
    r = upload(api, case, JPEG, task_id=api.task(other, "clue_intake")["id"])  # another case's step
    assert r.status_code == 422 and "task_id" in r.json["errors"], r.json
    r = upload(api, case, b"", "empty.jpg")
    assert r.status_code == 422 and "file" in r.json["errors"], r.json
    r = api.post(f"/api/v1/cases/{case['id']}/evidence", data={"title": "无文件"}, content_type="multipart/form-data")
    assert r.status_code == 422 and "file" in r.json["errors"], r.json
    r = upload(api, case, JPEG, "bad\x00name.jpg")
    assert r.status_code == 422, r.json


def test_junk_text_in_the_description_is_refused(api):
    case = api.open_case()
    r = api.post(f"/api/v1/cases/{case['id']}/evidence", data={"file": (io.BytesIO(JPEG), "a.jpg"), "title": "照片\x00"},
                 content_type="multipart/form-data")
    assert r.status_code == 422 and "title" in r.json["errors"], r.json
    # a lone surrogate as a client would send it (CESU-8 bytes, not UTF-8): refused naming the
    # field (strict_input), not kept as U+FFFD
    body = (b"--b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n\xed\xa0\x80\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
            b"Content-Type: image/jpeg\r\n\r\n" + JPEG + b"\r\n--b--\r\n")
    r = api.post(f"/api/v1/cases/{case['id']}/evidence", data=body, content_type="multipart/form-data; boundary=b")
    assert r.status_code == 422 and list(r.json["errors"]) == ["title"], (r.status_code, r.json)
    assert api.get(f"/api/v1/cases/{case['id']}/evidence").json["items"] == []


def test_the_same_bytes_twice_are_the_one_item(api):
    case = api.open_case()
    first = upload(api, case, JPEG)
    again = upload(api, case, JPEG, "copy.jpg")
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    assert len(api.get(f"/api/v1/cases/{case['id']}/evidence").json["items"]) == 1


def test_a_retried_upload_with_the_same_key_gets_the_first_answer(api, ctx):
    case = api.open_case()
    first = upload(api, case, PDF, "询问笔录.pdf", headers={"Idempotency-Key": "up-1"}, title="询问笔录")
    assert first.status_code == 201
    again = upload(api, case, PDF, "询问笔录.pdf", headers={"Idempotency-Key": "up-1"}, title="询问笔录")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    other = upload(api, case, PDF, "询问笔录.pdf", headers={"Idempotency-Key": "up-1"}, title="另一份")
    assert other.status_code == 422 and "Idempotency-Key" in other.json["errors"]


def test_many_uploads_at_once_each_become_one_item_with_an_unbroken_trail(api, app, ctx):
    case = api.open_case()
    headers = api.headers("officer1")
    files = [JPEG + bytes([i]) for i in range(4)]

    def send(i):
        client = app.test_client()
        return client.post(f"/api/v1/cases/{case['id']}/evidence", headers=headers,
                           data={"file": (io.BytesIO(files[i % 4]), f"{i}.jpg")},
                           content_type="multipart/form-data").status_code

    turns = iter(range(4))
    codes = at_once(app, lambda: send(next(turns)), workers=4)
    assert all(code in (200, 201, 409) for code in codes), codes
    db.session.expire_all()
    rows = db.session.execute(db.select(Evidence).where(Evidence.case_id == case["id"])).scalars().all()
    assert len({r.sha256 for r in rows}) == len(rows)  # no item twice
    assert audit_verify.verify().ok


def test_readers_of_the_case_read_the_bytes_as_a_type_that_cannot_run_script(api):
    case = api.open_case()
    item = upload(api, case, JPEG).json
    r = api.get(item_url := f"/api/v1/cases/{case['id']}/evidence/{item['id']}/content", as_="supervisor1")
    assert r.status_code == 200 and r.data == JPEG and r.mimetype == "image/jpeg"
    assert r.headers["X-Content-Type-Options"] == "nosniff" and "sandbox" in r.headers["Content-Security-Policy"]
    assert r.headers["ETag"].strip('"') == item["sha256"]
    ranged = api.get(item_url, headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 206 and ranged.data == JPEG[:10]
    doc = upload(api, case, b"plain text notes of the inspection\n", "notes.txt").json
    r = api.get(f"/api/v1/cases/{case['id']}/evidence/{doc['id']}/content")
    assert r.headers["Content-Disposition"].startswith("attachment")
    # outside the case's scope it does not exist
    assert api.get(item_url, as_="environment_officer1").status_code == 404
    assert api.get(f"/api/v1/cases/{case['id']}/evidence/999999/content").status_code == 404


def test_an_item_is_withdrawn_with_a_reason_and_stays_on_the_list(api):
    case = api.open_case()
    item = upload(api, case, JPEG).json
    url = f"/api/v1/cases/{case['id']}/evidence/{item['id']}/withdraw"
    assert api.post(url, json={"reason": ""}).status_code == 422
    assert api.post(url, json={"reason": "拍错现场"}, as_="reviewer1").status_code == 403
    r = api.post(url, json={"reason": "拍摄对象非本案现场"})
    assert r.status_code == 200 and r.json["withdrawn"]["reason"] == "拍摄对象非本案现场", r.json
    assert r.json["withdrawn"]["withdrawn_by"] == "officer1"
    assert api.post(url, json={"reason": "再次撤回"}).status_code == 409
    listed = api.get(f"/api/v1/cases/{case['id']}/evidence", as_="reviewer1").json["items"]
    assert [i["id"] for i in listed] == [item["id"]] and listed[0]["withdrawn"] is not None
    assert [e for e in trail(api, case) if e["action"] == "evidence.withdrawn"][0]["data"]["reason"] == "拍摄对象非本案现场"
    # the same bytes may be collected again after a withdrawal: a new item
    again = upload(api, case, JPEG)
    assert again.status_code == 201 and again.json["id"] != item["id"]


def test_only_officers_add_evidence_and_not_to_a_closed_case(api, ctx):
    from workflow_app.models import Case
    from workflow_app.wall_clock import utcnow

    case = api.open_case()
    assert upload(api, case, JPEG, as_="reviewer1").status_code == 403
    assert upload(api, case, JPEG, as_="environment_officer1").status_code == 404
    row = db.session.get(Case, case["id"])
    row.closed_at = utcnow()
    db.session.commit()
    r = upload(api, case, JPEG)
    assert r.status_code == 409 and r.json["error"] == "case_closed", r.json


def test_the_rows_cannot_be_changed_or_deleted_in_the_database(api, ctx):
    case = api.open_case()
    item = upload(api, case, JPEG).json
    for statement in (f"UPDATE case_evidence SET sha256 = 'x' WHERE id = {item['id']}",
                      f"DELETE FROM case_evidence WHERE id = {item['id']}"):
        with pytest.raises(DBAPIError, match="immutable"):
            db.session.execute(db.text(statement))
            db.session.flush()
        db.session.rollback()


def test_audit_verify_reports_a_file_changed_or_removed_on_disk(api, ctx):
    case = api.open_case()
    photo, scan = upload(api, case, JPEG).json, upload(api, case, PDF, "scan.pdf").json
    assert audit_verify.verify().ok
    path = evidence_store.path_of(photo["sha256"])
    os.chmod(path, 0o644)
    path.write_bytes(JPEG[:-1] + b"\x00")
    evidence_store.path_of(scan["sha256"]).unlink()
    report = audit_verify.verify()
    assert not report.ok
    said = " ".join(str(p) for p in report.problems)
    assert photo["sha256"][:12] in said and scan["sha256"][:12] in said, said


def test_an_upload_over_the_limit_is_refused_and_keeps_nothing(app, api):
    app.config["EVIDENCE_MAX_BYTES"] = 1000
    case = api.open_case()
    r = upload(api, case, JPEG + b"\x00" * 5000 + b"\xff\xd9")
    assert r.status_code == 422 and "file" in r.json["errors"], r.json
    app.config["EVIDENCE_MAX_BYTES"] = 300 * 1024 * 1024


def test_the_notice_and_the_decision_cite_the_evidence_list_as_it_stood_when_they_were_made(api):
    from tests.helpers import TO_DECISION

    case = api.open_case()
    upload(api, case, JPEG, "IMG_0001.jpg", title="现场货架照片", kind="physical", proves="货架上陈列过期食品")
    wrong = upload(api, case, PDF, "scan.pdf", title="错误扫描件").json
    api.post(f"/api/v1/cases/{case['id']}/evidence/{wrong['id']}/withdraw", json={"reason": "扫描错误"})
    case = api.run(case, *TO_DECISION[:5])  # through the penalty notice
    upload(api, case, MP4, "later.mp4", title="事后补充录像")  # after the notice was made
    notice = api.get(f"/api/v1/cases/{case['id']}/documents/penalty_notice.html").get_data(as_text=True)
    assert "1. 现场货架照片（物证；证明：货架上陈列过期食品）" in notice, notice
    assert "错误扫描件" not in notice and "事后补充录像" not in notice
    case = api.run(api.get(f"/api/v1/cases/{case['id']}").json, TO_DECISION[5], "penalty_decision")
    decision = api.get(f"/api/v1/cases/{case['id']}/documents/penalty_decision.html").get_data(as_text=True)
    assert "现场货架照片" in decision and "2. 事后补充录像（视听资料）" in decision, decision


def test_a_file_larger_than_a_json_body_may_be_is_taken_and_one_over_the_evidence_limit_is_413(app, api, ctx):
    big = JPEG[:-2] + os.urandom(app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024) + b"\xff\xd9"
    case = api.open_case()
    r = upload(api, case, big, "现场录像截图.jpg")
    assert r.status_code == 201 and r.json["size"] == len(big), r.json
    assert evidence_store.path_of(r.json["sha256"]).stat().st_size == len(big)
    app.config["EVIDENCE_MAX_BYTES"] = 1024
    r = upload(api, case, big + b"x", "again.jpg")  # over the route's limit and its form allowance
    assert r.status_code == 413 and r.json["error"], r.json
