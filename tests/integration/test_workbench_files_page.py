"""The workbench's files page ([8/9], web/workbench_files.py) through the Flask test client: every
file of a draft listed; a text file (the rule bindings) edited as text on the revision the page
showed, a stale save refused with the text kept; a file added and removed; the diagram not removed;
readers read, officers see nothing; junk named, never a 500."""
import json

from tests.web_session import csrf_of, html, page_login

RULES = "bpmn/summary_penalty/rules.json"


def draft_of_summary(api) -> dict:
    version = next(v for v in api.get("/api/v1/procedures", as_="author1").json["items"]
                   if v["procedure_id"] == "summary_penalty")
    r = api.post("/api/v1/drafts", as_="author1", json={"from_version_id": version["id"]})
    assert r.status_code == 201, r.json
    return r.json


def stored(api, draft_id: int, path: str):
    return api.get(f"/api/v1/drafts/{draft_id}/file?path={path}", as_="author1")


def test_the_owner_edits_the_rule_bindings_as_text_adds_and_removes_a_file(client, api):
    draft = draft_of_summary(api)
    page_login(client, "author1")
    listing = html(client.get(f"/workbench/drafts/{draft['id']}/files"))
    assert f'data-path="{RULES}"' in listing and 'data-path="bpmn/summary_penalty/documents/documents.json"' in listing
    assert listing.count('data-testid="file-remove"') == len(draft["files"]) - 1  # not the diagram
    assert 'data-testid="files-link"' in html(client.get(f"/workbench/drafts/{draft['id']}"))

    page = html(client.get(f"/workbench/drafts/{draft['id']}/files/text?path={RULES}"))
    rules = json.loads(stored(api, draft["id"], RULES).data)
    rules["$comment"] = "修订：当场收缴的限额按本地规定。"
    text = json.dumps(rules, ensure_ascii=False, indent=2)
    r = client.post(f"/workbench/drafts/{draft['id']}/files/text", data={
        "csrf_token": csrf_of(page), "revision": "1", "path": RULES, "content": text})
    assert r.status_code == 302, r.data
    assert json.loads(stored(api, draft["id"], RULES).data)["$comment"] == rules["$comment"]

    # the same page's revision again: stale, refused, the author's text kept on the page
    r = client.post(f"/workbench/drafts/{draft['id']}/files/text", data={
        "csrf_token": csrf_of(page), "revision": "1", "path": RULES, "content": text + " "})
    assert r.status_code == 412
    said = html(r)
    assert 'data-testid="file-stale"' in said and "修订：当场收缴的限额按本地规定。" in said

    # a new text file, then removed; the diagram is never removed
    files = html(client.get(f"/workbench/drafts/{draft['id']}/files"))
    client.post(f"/workbench/drafts/{draft['id']}/files/new", data={
        "csrf_token": csrf_of(files), "revision": "2", "path": "bpmn/summary_penalty/notes.json", "content": "{}"})
    assert stored(api, draft["id"], "bpmn/summary_penalty/notes.json").status_code == 200
    r = client.post(f"/workbench/drafts/{draft['id']}/files/remove", data={
        "csrf_token": csrf_of(files), "revision": "3", "path": "bpmn/summary_penalty/notes.json"}, follow_redirects=True)
    assert r.status_code == 200 and stored(api, draft["id"], "bpmn/summary_penalty/notes.json").status_code == 404
    r = client.post(f"/workbench/drafts/{draft['id']}/files/remove", data={
        "csrf_token": csrf_of(files), "revision": "4", "path": "bpmn/summary_penalty/summary_penalty.bpmn"},
        follow_redirects=True)
    assert "flash error" in html(r) or 'class="flash' in html(r)
    assert stored(api, draft["id"], "bpmn/summary_penalty/summary_penalty.bpmn").status_code == 200


def test_readers_read_officers_see_nothing_and_junk_is_named(client, api):
    draft = draft_of_summary(api)
    page_login(client, "approver1")
    page = html(client.get(f"/workbench/drafts/{draft['id']}/files/text?path={RULES}"))
    assert "readonly" in page and 'data-testid="file-save"' not in page
    r = client.post(f"/workbench/drafts/{draft['id']}/files/text", data={
        "csrf_token": csrf_of(page), "revision": "1", "path": RULES, "content": "{}"})
    assert r.status_code == 403
    client.post("/logout", data={"csrf_token": csrf_of(page)})
    page_login(client, "officer1")
    assert client.get(f"/workbench/drafts/{draft['id']}/files").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_of(html(client.get("/inbox")))})
    page_login(client, "author1")
    for path in ("", "bpmn/summary_penalty/../x.json", "a\x00b", "x" * 400, "bpmn/summary_penalty/documents/summary_decision.docx",
                 "bpmn/summary_penalty/none.json"):
        r = client.get(f"/workbench/drafts/{draft['id']}/files/text", query_string={"path": path})
        assert 400 <= r.status_code < 500, (path, r.status_code)
    page = html(client.get(f"/workbench/drafts/{draft['id']}/files"))
    r = client.post(f"/workbench/drafts/{draft['id']}/files/text", data={
        "csrf_token": csrf_of(page), "revision": "1", "path": "../../etc/passwd", "content": "x"})
    assert r.status_code == 422 and 'data-testid="file-error"' in html(r)
    assert client.get(f"/workbench/drafts/{draft['id']}/files/text?path={RULES}").status_code == 200
