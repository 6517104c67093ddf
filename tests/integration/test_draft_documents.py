"""A draft's Word documents in the workbench ([8/9]): listed from its documents.json, downloaded,
uploaded changed or new with their entry on the revision read, checked field by field against the
package's forms before they are accepted, and previewed from the forms' examples by the renderer of
a case's documents, nothing stored (services/procedures/draft_documents.py,
services/cases/document_previews.py, web/workbench_documents.py, api/drafts.py)."""
import base64
import io
import json
import re

import docx
import pytest

from tests.helpers import docx_with_text
from tests.web_session import csrf_of, html, page_login
from workflow_app.extensions import db
from workflow_app.models import TraceEvent

WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EN = {"Accept-Language": "en"}


def draft_of(api, procedure_id: str, as_="author1") -> dict:
    version = next(v for v in api.get("/api/v1/procedures", as_=as_).json["items"] if v["procedure_id"] == procedure_id)
    r = api.post("/api/v1/drafts", as_=as_, json={"from_version_id": version["id"]})
    assert r.status_code == 201, r.json
    return r.json


def listed(api, draft_id: int, as_="author1") -> dict:
    r = api.get(f"/api/v1/drafts/{draft_id}/documents", as_=as_)
    assert r.status_code == 200, r.json
    return r.json


def word(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def text_of(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    return "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def test_the_drafts_documents_are_listed_with_their_steps_and_templates(api):
    draft = draft_of(api, "general_penalty")
    found = listed(api, draft["id"], as_="approver1")  # approvers read
    kinds = [d["kind"] for d in found["documents"]]
    assert kinds[0] == "filing_approval" and "service_receipt" in kinds and found["unlisted"] == []
    receipt = next(d for d in found["documents"] if d["kind"] == "service_receipt")
    assert [s["id"] for s in receipt["steps"]] == ["penalty_decision", "no_penalty_decision"]
    assert [s["id"] for s in receipt["filled_in_by"]] == ["service", "no_penalty_service"]
    assert receipt["steps"][0]["name"] != "penalty_decision"  # the step's name in the BPMN
    assert all(d["size"] for d in found["documents"])
    hearing = next(d for d in found["documents"] if d["template"].startswith("shared/"))
    assert hearing["path"].startswith("bpmn/shared/documents/")
    assert {"filing_approval", "penalty_decision"} <= {s["id"] for s in found["steps"]}
    assert api.get(f"/api/v1/drafts/{draft['id']}/documents", as_="officer1").status_code == 403


@pytest.mark.parametrize("procedure_id", ["general_penalty", "summary_penalty", "seizure", "inspection"])
def test_every_shipped_document_previews_from_the_forms_examples_and_nothing_is_stored(api, ctx, procedure_id):
    draft = draft_of(api, procedure_id)
    traced = db.session.execute(db.select(db.func.count()).select_from(TraceEvent)).scalar()
    for d in listed(api, draft["id"])["documents"]:
        r = api.get(f"/api/v1/drafts/{draft['id']}/documents/{d['kind']}/preview.docx", as_="approver1")
        assert r.status_code == 200, (d["kind"], r.json)
        assert r.mimetype == WORD and "attachment" in r.headers["Content-Disposition"]
        assert "（样例）" in text_of(r.data), d["kind"]
        page = api.get(f"/api/v1/drafts/{draft['id']}/documents/{d['kind']}/preview.html", as_="author1")
        assert page.status_code == 200 and 'data-testid="sample-mark"' in html(page), d["kind"]
    db.session.expire_all()
    assert db.session.execute(db.select(db.func.count()).select_from(TraceEvent)).scalar() == traced
    assert listed(api, draft["id"])["revision"] == 1


def test_a_preview_prints_the_examples_and_marks_the_case_values_as_samples(api):
    draft = draft_of(api, "general_penalty")
    r = api.get(f"/api/v1/drafts/{draft['id']}/documents/penalty_decision/preview.docx", as_="author1")
    text = text_of(r.data)
    schema = json.loads(api.get(f"/api/v1/drafts/{draft['id']}/file?path=forms/general_penalty/"
                                "penalty_decision.schema.json", as_="author1").data)
    example = schema["examples"][0]
    assert example["legal_basis"] in text and "（样例）某某商贸有限公司" in text
    assert "（样例）文号" in text and example.get("decision_number", "（样例）文号") not in text.replace("（样例）文号", "")
    missing = api.get(f"/api/v1/drafts/{draft['id']}/documents/no_such/preview.docx", as_="author1")
    assert missing.status_code == 404


def test_a_template_naming_a_missing_field_is_refused_with_its_name_and_place(api):
    draft = draft_of(api, "general_penalty")
    path = "bpmn/general_penalty/documents/penalty_decision.docx"
    template = api.get(f"/api/v1/drafts/{draft['id']}/file?path={path}", as_="author1").data
    bad = docx_with_text(template, "罚款金额：{{ penalty_decision.fine_amout|yuan }}；"
                                   "{% for o in officers %}{{ o.nmae }}{% endfor %}")
    r = api.put(f"/api/v1/drafts/{draft['id']}/file", as_="author1", headers={"If-Match": '"draft-r1"', **EN},
                json={"path": path, "content": b64(bad), "encoding": "base64"})
    assert r.status_code == 422 and r.json["error"] == "template_invalid", r.json
    said = r.json["errors"]["content"]
    assert len(said) == 2 and r.json["details"]["problem_count"] == 2
    assert "fine_amout" in said[0] and "fine_amount" in said[0] and "罚款金额：" in said[0]  # its place
    assert "o.nmae" in said[1]
    zh = api.put(f"/api/v1/drafts/{draft['id']}/file", as_="author1",
                 headers={"If-Match": '"draft-r1"', "Accept-Language": "zh"},
                 json={"path": path, "content": b64(bad), "encoding": "base64"})
    assert "表单 penalty_decision 没有字段 fine_amout" in zh.json["errors"]["content"][0], zh.json
    assert listed(api, draft["id"])["revision"] == 1  # nothing saved
    good = docx_with_text(template, "罚款金额：{{ penalty_decision.fine_amount|yuan }}")
    saved = api.put(f"/api/v1/drafts/{draft['id']}/file", as_="author1", headers={"If-Match": '"draft-r1"'},
                    json={"path": path, "content": b64(good), "encoding": "base64"})
    assert saved.status_code == 200 and saved.json["revision"] == 2


@pytest.mark.parametrize("content, reason", [
    (b"plain text, not Word", "not a Word document"),
    (b"PK\x03\x04 broken", "not a Word document"),
    (word("{{ case.number "), "not valid Jinja"),
    (word("{% if case.number %}没有结束"), "not valid Jinja"),
])
def test_a_file_that_is_no_usable_template_is_a_clear_422(api, content, reason):
    draft = draft_of(api, "summary_penalty")
    path = "bpmn/summary_penalty/documents/summary_decision.docx"
    r = api.put(f"/api/v1/drafts/{draft['id']}/file", as_="author1", headers={"If-Match": '"draft-r1"', **EN},
                json={"path": path, "content": b64(content), "encoding": "base64"})
    assert r.status_code == 422 and reason in " ".join(r.json["errors"]["content"]), r.json


def test_a_zip_bomb_is_refused_unopened(api):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"\0" * (20 * 1024 * 1024))
    draft = draft_of(api, "summary_penalty")
    r = api.post(f"/api/v1/drafts/{draft['id']}/documents", as_="author1", headers={"If-Match": '"draft-r1"', **EN},
                 json={"kind": "bomb", "title": "炸弹", "step": "decide", "content": b64(out.getvalue())})
    assert r.status_code == 422 and "compressed more than" in " ".join(r.json["errors"]["content"]), r.json


def test_a_new_document_and_its_entry_are_saved_together_on_the_revision_read(api):
    draft = draft_of(api, "summary_penalty")
    body = {"kind": "payment_notice", "title": "缴款通知书", "step": "decide", "filled_in_by": ["serve"],
            "content": b64(word("{{ authority }}", "{{ case.party_name }}：请缴纳罚款{{ summary_decision.fine_amount|yuan }}。"))}
    unknown_step = api.post(f"/api/v1/drafts/{draft['id']}/documents", as_="author1",
                            headers={"If-Match": '"draft-r1"'}, json={**body, "step": "no_such_step"})
    assert unknown_step.status_code == 422 and "step" in unknown_step.json["errors"]
    stale = api.post(f"/api/v1/drafts/{draft['id']}/documents", as_="author1", headers={"If-Match": '"draft-r7"'},
                     json=body)
    assert stale.status_code == 412 and stale.json["details"]["revision"] == 1
    other = api.post(f"/api/v1/drafts/{draft['id']}/documents", as_="approver1", headers={"If-Match": '"draft-r1"'},
                     json=body)
    assert other.status_code == 403
    r = api.post(f"/api/v1/drafts/{draft['id']}/documents", as_="author1", headers={"If-Match": '"draft-r1"'},
                 json=body)
    assert r.status_code == 201 and r.json["revision"] == 2, r.json
    found = listed(api, draft["id"])
    added = found["documents"][-1]
    assert (added["kind"], added["title"], added["template"]) == ("payment_notice", "缴款通知书", "payment_notice.docx")
    assert [s["id"] for s in added["steps"]] == ["decide"] and [s["id"] for s in added["filled_in_by"]] == ["serve"]
    manifest = api.get(f"/api/v1/drafts/{draft['id']}/file?path=bpmn/summary_penalty/documents/documents.json",
                       as_="author1").data.decode()
    assert manifest.startswith('{\n  "$comment": "The documents of the summary procedure')  # the author's text kept
    assert api.get(f"/api/v1/drafts/{draft['id']}/problems", as_="author1").json["problem_count"] == 0
    again = api.post(f"/api/v1/drafts/{draft['id']}/documents", as_="author1", headers={"If-Match": '"draft-r2"'},
                     json=body)
    assert again.status_code == 422 and "kind" in again.json["errors"]
    preview = api.get(f"/api/v1/drafts/{draft['id']}/documents/payment_notice/preview.docx", as_="author1")
    assert "（样例）某某商贸有限公司：请缴纳罚款" in text_of(preview.data)


def test_junk_in_a_new_documents_entry_is_named_field_by_field(api):
    draft = draft_of(api, "summary_penalty")
    good = b64(word("{{ case.number }}"))
    for body, field in (({"kind": "Bad Kind", "title": "x", "step": "decide"}, "kind"),
                        ({"kind": "ok_kind", "title": "x\x00y", "step": "decide"}, "title"),
                        ({"kind": "ok_kind", "title": "x" * 101, "step": "decide"}, "title"),
                        ({"kind": "ok_kind", "title": "x", "step": ["decide", 3]}, "step"),
                        ({"kind": "ok_kind", "title": "x", "step": "decide", "filled_in_by": ["nope"]}, "filled_in_by"),
                        ({"kind": "summary_decision", "title": "x", "step": "decide"}, "kind")):
        r = api.post(f"/api/v1/drafts/{draft['id']}/documents", as_="author1", headers={"If-Match": '"draft-r1"'},
                     json={**body, "content": good})
        assert r.status_code == 422 and field in r.json["errors"], (body, r.json)
    surrogate = api.post(f"/api/v1/drafts/{draft['id']}/documents", as_="author1", headers={"If-Match": '"draft-r1"'},
                         data='{"kind": "ok_kind", "title": "\\ud800", "step": "decide", "content": "' + good + '"}',
                         content_type="application/json")
    assert surrogate.status_code == 422, surrogate.json
    not_b64 = api.post(f"/api/v1/drafts/{draft['id']}/documents", as_="author1", headers={"If-Match": '"draft-r1"'},
                       json={"kind": "k", "title": "x", "step": "decide", "content": "%%%"})
    assert not_b64.status_code == 422
    assert listed(api, draft["id"])["revision"] == 1


# -- through the pages ------------------------------------------------------------------------------
def upload(client, url: str, page: str, fields: dict, content: bytes, name="模板.docx"):
    data = {"csrf_token": csrf_of(page), **fields, "file": (io.BytesIO(content), name)}
    return client.post(url, data=data, content_type="multipart/form-data")


def test_the_documents_page_downloads_uploads_and_previews(client, api):
    draft = draft_of(api, "summary_penalty")
    page_login(client, "author1")
    base = f"/workbench/drafts/{draft['id']}/documents"
    assert f'href="{base}"' in html(client.get(f"/workbench/drafts/{draft['id']}"))  # linked from the draft's page
    page = html(client.get(base))
    assert 'data-testid="document"' in page and "当场行政处罚决定书" in page and 'data-testid="new-form"' in page
    path = "bpmn/summary_penalty/documents/summary_decision.docx"
    got = client.get(f"{base}/template?path={path}")
    assert got.status_code == 200 and got.mimetype == WORD and "attachment" in got.headers["Content-Disposition"]
    assert client.get(f"{base}/template?path=bpmn/summary_penalty/documents/documents.json").status_code == 404

    misspelt = docx_with_text(got.data, "{{ summary_decision.fine_amout }}")
    refused = upload(client, f"{base}/replace", page, {"path": path, "revision": "1"}, misspelt)
    assert refused.status_code == 422
    assert 'data-testid="template-problems"' in html(refused) and "fine_amout" in html(refused)
    assert "没有字段" in html(refused)  # in Chinese by default

    stale = upload(client, f"{base}/replace", page, {"path": path, "revision": "9"}, got.data + b"")
    assert stale.status_code == 412 and 'data-testid="conflict"' in html(stale)

    good = docx_with_text(got.data, "{{ summary_decision.fine_amount|yuan }}")
    saved = upload(client, f"{base}/replace", page, {"path": path, "revision": "1"}, good)
    assert saved.status_code == 302
    assert api.get(f"/api/v1/drafts/{draft['id']}/file?path={path}", as_="author1").data == good

    page = html(client.get(base))
    added = upload(client, f"{base}/new", page, {"revision": "2", "kind": "payment_notice", "title": "缴款通知书",
                                                   "step": "decide", "filled_in_by": "serve"},
                   word("{{ case.party_name }}：罚款{{ summary_decision.fine_amount|yuan }}"))
    assert added.status_code == 302 and "preview=payment_notice" in added.headers["Location"]
    shown = html(client.get(added.headers["Location"]))
    assert 'data-testid="sample-document"' in shown and "（样例）某某商贸有限公司：罚款" in shown
    assert client.get(f"{base}/payment_notice/preview.docx").mimetype == WORD
    assert re.search(r'data-testid="draft-revision">3<', shown)


def test_readers_see_the_documents_but_change_nothing(client, api):
    draft = draft_of(api, "summary_penalty")
    page_login(client, "approver1")
    base = f"/workbench/drafts/{draft['id']}/documents"
    page = html(client.get(base))
    assert 'data-testid="read-only"' in page and 'data-testid="new-form"' not in page
    assert 'data-testid="sample-document"' in html(client.get(f"{base}?preview=summary_decision"))
    refused = upload(client, f"{base}/new", page, {"revision": "1", "kind": "x_doc", "title": "x", "step": "decide"},
                     word("{{ case.number }}"))
    assert refused.status_code == 403
    assert listed(api, draft["id"])["revision"] == 1


def test_junk_through_the_pages_is_a_4xx_with_the_reason(client, api):
    draft = draft_of(api, "summary_penalty")
    page_login(client, "author1")
    base = f"/workbench/drafts/{draft['id']}/documents"
    page = html(client.get(base))
    missing = client.get(f"{base}?preview=no_such%F0%9F%98%80")
    assert missing.status_code == 404 and 'data-testid="preview-error"' in html(missing)
    assert client.get(f"{base}?preview=no%00such").status_code in (404, 422)
    for path in ("../../etc/passwd", "bpmn/summary_penalty/documents/documents.json", "x" * 5000, "\x00.docx"):
        assert client.get(f"{base}/template", query_string={"path": path}).status_code in (404, 422), path
    assert client.get(f"{base}/no_such/preview.docx").status_code == 404
    no_file = client.post(f"{base}/replace", data={"csrf_token": csrf_of(page), "revision": "1",
                                                   "path": "bpmn/summary_penalty/documents/summary_decision.docx"})
    assert no_file.status_code == 422 and 'data-testid="error-replace-file"' in html(no_file)
    not_a_template = upload(client, f"{base}/replace", page, {
        "path": "bpmn/summary_penalty/documents/documents.json", "revision": "1"}, word("x"))
    assert not_a_template.status_code == 422 and 'data-testid="error-replace-path"' in html(not_a_template)
    junk_kind = upload(client, f"{base}/new", page, {"revision": "1", "kind": "坏 kind", "title": " ", "step": "nope"},
                       word("{{ case.number }}"))
    said = html(junk_kind)
    assert junk_kind.status_code == 422
    assert all(f'data-testid="error-new-{name}"' in said for name in ("kind", "title", "step"))
    assert listed(api, draft["id"])["revision"] == 1


def test_a_new_procedures_first_document_makes_its_list(api):
    r = api.post("/api/v1/drafts", as_="author1", json={"process_id": "doc_check", "title": "文书检查"})
    draft = r.json
    assert listed(api, draft["id"])["documents"] == []
    added = api.post(f"/api/v1/drafts/{draft['id']}/documents", as_="author1", headers={"If-Match": '"draft-r1"'},
                     json={"kind": "record_sheet", "title": "登记表", "step": "record",
                           "content": b64(word("{{ doc_check_record.summary }}{{ doc_check_record.recorded_on|date_cn }}"))})
    assert added.status_code == 201, added.json
    manifest = api.get(f"/api/v1/drafts/{draft['id']}/file?path=bpmn/doc_check/documents/documents.json",
                       as_="author1").data
    assert json.loads(manifest) == {"documents": [{"kind": "record_sheet", "title": "登记表",
                                                   "template": "record_sheet.docx", "step": "record"}]}
    assert api.get(f"/api/v1/drafts/{draft['id']}/problems", as_="author1").json["problem_count"] == 0
    preview = api.get(f"/api/v1/drafts/{draft['id']}/documents/record_sheet/preview.docx", as_="author1")
    assert preview.status_code == 200 and "登记内容" in text_of(preview.data)  # the skeleton form's example


def test_a_documents_entry_is_changed_and_removed_with_its_own_template_on_the_revision_read(api):
    """A document's title and steps change in place (its template and condition kept); removing it
    takes its own template too, so the draft still deploys; junk and a stale revision are refused
    with nothing written."""
    draft = draft_of(api, "general_penalty")
    d = draft["id"]
    found = listed(api, d)
    target = next(doc for doc in found["documents"] if doc["kind"] == "filing_approval")
    url = f"/api/v1/drafts/{d}/documents/filing_approval"
    for body, field in (({"title": "", "step": "filing_approval"}, "title"),
                        ({"title": "x\x00", "step": "filing_approval"}, "title"),
                        ({"title": "立案审批表", "step": "no_such_step"}, "step"),
                        ({"title": "立案审批表", "step": []}, "step"),
                        ({"title": "立案审批表", "step": "filing_approval", "filled_in_by": ["nope"]}, "filled_in_by")):
        r = api.put(url, as_="author1", headers={"If-Match": '"draft-r1"'}, json=body)
        assert r.status_code == 422 and field in r.json["errors"], (body, r.json)
    assert api.put(url, as_="author1", headers={"If-Match": '"draft-r9"'},
                   json={"title": "x", "step": "filing_approval"}).status_code == 412
    assert api.put(url, as_="approver1", headers={"If-Match": '"draft-r1"'},
                   json={"title": "x", "step": "filing_approval"}).status_code == 403
    assert api.put(f"/api/v1/drafts/{d}/documents/no_such", as_="author1", headers={"If-Match": '"draft-r1"'},
                   json={"title": "x", "step": "filing_approval"}).status_code == 404
    assert listed(api, d)["revision"] == 1

    r = api.put(url, as_="author1", headers={"If-Match": '"draft-r1"'},
                json={"title": "立案审批表（改）", "step": ["filing_approval"], "filled_in_by": ["clue_intake"]})
    assert r.status_code == 200 and r.json["revision"] == 2, r.json
    changed = next(doc for doc in listed(api, d)["documents"] if doc["kind"] == "filing_approval")
    assert changed["title"] == "立案审批表（改）" and changed["template"] == target["template"]
    assert [s["id"] for s in changed["filled_in_by"]] == ["clue_intake"]
    manifest = json.loads(api.get(f"/api/v1/drafts/{d}/file?path=bpmn/general_penalty/documents/documents.json",
                                  as_="author1").data)
    entry = next(e for e in manifest["documents"] if e["kind"] == "filing_approval")
    assert entry["when"] == {"field": "filing_approval.filing_decision", "equals": "file"}  # kept as written
    assert manifest["$comment"].startswith("The documents of the general procedure")

    r = api.delete(url, as_="author1", headers={"If-Match": '"draft-r2"'})
    assert r.status_code == 200 and r.json["revision"] == 3, r.json
    after = listed(api, d)
    assert "filing_approval" not in [doc["kind"] for doc in after["documents"]] and after["unlisted"] == []
    template = f"bpmn/general_penalty/documents/{target['template']}"
    assert api.get(f"/api/v1/drafts/{d}/file?path={template}", as_="author1").status_code == 404
    assert api.get(f"/api/v1/drafts/{d}/problems", as_="author1").json["problem_count"] == 0
    assert api.delete(url, as_="author1", headers={"If-Match": '"draft-r3"'}).status_code == 404
