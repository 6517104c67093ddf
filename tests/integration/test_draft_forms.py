"""The workbench's form editor ([8/9]) through the API and the pages: a draft's forms listed, made,
checked as they are edited (the example against the form, in the words of a step's 422; the form's
problems beside the fields they concern), saved on the draft's revision with everything the editor
does not model kept as it was; junk, stale revisions and other people refused with the field and the
reason, never a 500 (services/procedures/draft_forms.py, api/draft_forms.py, web/workbench_forms.py).
The editor itself, in a real browser: tests/browser/test_workbench_forms.py."""
import json
import re

from tests.web_session import csrf_of, html, page_login

PID = "form_check"
RECORD = f"{PID}_record"
RECORD_PATH = f"forms/{PID}/{RECORD}.schema.json"
MAIN = f"bpmn/{PID}/{PID}.bpmn"


def new_draft(api, as_="author1") -> dict:
    r = api.post("/api/v1/drafts", as_=as_, json={"process_id": PID, "title": "表单检查"})
    assert r.status_code == 201, r.json
    return r.json


def form_of(api, draft_id: int, key: str = RECORD, as_="author1") -> dict:
    r = api.get(f"/api/v1/drafts/{draft_id}/forms/{key}", as_=as_)
    assert r.status_code == 200, r.json
    return r.json


def in_order(body) -> dict:
    """A JSON body in its own key order, as a browser sends it (the test client's `json=` sorts keys)."""
    return {"data": json.dumps(body), "content_type": "application/json"}


def save_form(api, draft_id: int, schema, revision: int | None, key: str = RECORD, as_="author1", expect=200):
    headers = {"If-Match": f'"draft-r{revision}"'} if revision is not None else {}
    r = api.put(f"/api/v1/drafts/{draft_id}/forms/{key}", as_=as_, headers=headers, **in_order({"schema": schema}))
    assert r.status_code == expect, r.json
    return r.json


def check(api, draft_id: int, schema, key: str = RECORD, as_="author1") -> dict:
    r = api.post(f"/api/v1/drafts/{draft_id}/forms/{key}/check", as_=as_, **in_order({"schema": schema}))
    assert r.status_code == 200, r.json
    return r.json


def with_choice(schema: dict) -> dict:
    """The skeleton's form with a choice added: its codes, Chinese and English labels."""
    schema = json.loads(json.dumps(schema))
    schema["properties"]["result"] = {"type": "string", "title": "检查结果", "x-title-en": "Result",
                                      "enum": ["passed", "failed"], "x-enum-labels": ["合格", "不合格"],
                                      "x-enum-labels-en": ["Passed", "Failed"]}
    schema["required"].append("result")
    schema["examples"][0]["result"] = "passed"
    return schema


def test_a_drafts_forms_are_listed_with_the_steps_that_name_them_and_a_new_one_is_made(api, ctx):
    draft = new_draft(api)
    listed = api.get(f"/api/v1/drafts/{draft['id']}/forms", as_="author1").json
    assert [(f["key"], f["path"], f["title"], f["shared"]) for f in listed["items"]] == [
        (RECORD, RECORD_PATH, "登记", False)]
    assert listed["items"][0]["steps"] == [{"bpmn_id": "record", "name": "登记", "file": MAIN}]

    made = api.post(f"/api/v1/drafts/{draft['id']}/forms", as_="author1", headers={"If-Match": '"draft-r1"'},
                    json={"key": f"{PID}_visit", "title": "走访"})
    assert made.status_code == 201, made.json
    assert made.headers["ETag"] == '"draft-r2"' and made.headers["Location"].endswith(f"/forms/{PID}_visit")
    assert made.json["schema"]["title"] == "走访" and made.json["schema"]["examples"] == [{}]
    assert made.json["path"] == f"forms/{PID}/{PID}_visit.schema.json" and made.json["steps"] == []
    # the new form passes the deploy's checks (nothing names it yet)
    assert api.get(f"/api/v1/drafts/{draft['id']}/problems", as_="author1").json["problem_count"] == 0
    assert check(api, draft["id"], made.json["schema"], key=f"{PID}_visit")["count"] == 0

    for key, field in ((RECORD, "key"), ("Bad-Key", "key"), ("a/b", "key"), ("new", "key"), ("case", "key"),
                       ("x" * 70, "key"), ("a\x00b", "key"), ("ok_key", "title")):
        r = api.post(f"/api/v1/drafts/{draft['id']}/forms", as_="author1", headers={"If-Match": '"draft-r2"'},
                     json={"key": key, "title": "" if field == "title" else "表"})
        assert r.status_code == 422 and field in r.json["errors"], (key, r.json)
    stale = api.post(f"/api/v1/drafts/{draft['id']}/forms", as_="author1", headers={"If-Match": '"draft-r1"'},
                     json={"key": "another_key", "title": "表"})
    assert stale.status_code == 412 and stale.json["details"]["revision"] == 2
    assert len(api.get(f"/api/v1/drafts/{draft['id']}/forms", as_="author1").json["items"]) == 2


def test_the_check_says_what_is_wrong_with_the_example_and_the_form_beside_each_field(api):
    draft = new_draft(api)
    schema = with_choice(form_of(api, draft["id"])["schema"])
    assert check(api, draft["id"], schema) == {"schema_error": None, "example_errors": {}, "problems": {}, "count": 0}

    schema["examples"][0]["summary"] = "x" * 2001
    schema["examples"][0]["result"] = "maybe"
    del schema["examples"][0]["recorded_on"]
    schema["properties"]["result"]["x-enum-labels"] = ["合格"]
    schema["properties"]["officer"] = {"type": "string", "title": "检查人员", "x-user-role": "inspector"}
    schema["properties"]["court"] = {"type": "number", "title": "法院", "x-prefill": "department.court"}
    schema["properties"]["place"] = {"type": "string", "x-prefill": "case.nowhere"}
    found = check(api, draft["id"], schema)
    errors = found["example_errors"]
    assert errors["recorded_on"] == ["登记日期为必填项"]
    assert errors["summary"] == ["内容至多2000个字（现有2001个）"]
    assert errors["result"][0].startswith("检查结果必须为以下之一")
    problems = found["problems"]
    assert "x-enum-labels" in problems["result"][0]
    assert "x-user-role" in problems["officer"][0]
    assert "department.court" in problems["court"][0]  # the deploy's own words: a text where a number is
    assert any("case.nowhere" in m for m in problems["place"]) and any("标题" in m for m in problems["place"])
    assert found["count"] == 3 + 5

    # English on request, as the API answers
    english = api.post(f"/api/v1/drafts/{draft['id']}/forms/{RECORD}/check", as_="author1",
                       headers={"Accept-Language": "en"}, json={"schema": schema}).json
    assert english["example_errors"]["recorded_on"] == ["Recorded on is required"]

    # not a JSON Schema: said, and nothing else checked
    broken = check(api, draft["id"], {**schema, "properties": {"a": {"type": "textish"}}})
    assert broken["schema_error"] and "textish" in broken["schema_error"] and broken["example_errors"] == {}
    # no example
    assert "examples" in check(api, draft["id"], {k: v for k, v in schema.items() if k != "examples"}
                               )["problems"]["_form"][0]


def test_a_saved_form_keeps_what_the_editor_does_not_model_and_a_stale_save_is_refused(api, ctx):
    draft = new_draft(api)
    schema = with_choice(form_of(api, draft["id"])["schema"])
    schema["x-unknown-marker"] = {"kept": [1, 2.5, None, True]}
    schema["properties"]["rows"] = {"type": "array", "title": "明细", "items": {
        "type": "object", "properties": {"item": {"type": "string", "title": "物品"}}}}
    schema["allOf"] = [{"if": {"properties": {"result": {"const": "failed"}}, "required": ["result"]},
                        "then": {"required": ["rows"]}}]
    saved = save_form(api, draft["id"], schema, 1)
    assert saved["revision"] == 2
    text = api.get(f"/api/v1/drafts/{draft['id']}/file?path={RECORD_PATH}", as_="author1").data.decode("utf-8")
    assert json.loads(text) == schema
    assert '  "title": "登记",' in text and text.endswith("}\n")  # written as the repository's forms are
    assert list(json.loads(text)["properties"]) == ["recorded_on", "summary", "result", "rows"]
    # the same again: no new revision
    assert save_form(api, draft["id"], schema, 2)["revision"] == 2

    # another window saved first: refused with the revision, nothing of it saved
    first = {**schema, "title": "第一"}
    save_form(api, draft["id"], first, 2)
    stale = save_form(api, draft["id"], {**schema, "title": "第二"}, 2, expect=412)
    assert stale["details"]["revision"] == 3
    assert form_of(api, draft["id"])["schema"]["title"] == "第一"
    assert save_form(api, draft["id"], schema, None, expect=412)["error"] == "revision_required"

    # a form that does not fit its steps is saved: the draft's problems name its file
    bad = {**schema, "properties": {**schema["properties"], "court": {"type": "number", "title": "法院",
                                                                        "x-prefill": "department.court"}}}
    save_form(api, draft["id"], bad, 3)
    problems = api.get(f"/api/v1/drafts/{draft['id']}/problems", as_="author1").json
    assert problems["problem_count"] == 1 and problems["problems"][0]["file"] == RECORD_PATH


def test_only_the_owner_changes_a_form_readers_read_and_check_and_officers_get_nothing(api, ctx):
    from tests.conftest import PASSWORD
    from workflow_app.services.people import users

    users.create_user("cli:test", username="author2", full_name="第二位流程设计人员", unit_code="qinghe",
                      roles=["bpmn_author"], password=PASSWORD)
    draft = new_draft(api)
    schema = form_of(api, draft["id"])["schema"]
    for reader in ("author2", "approver1", "admin"):
        assert form_of(api, draft["id"], as_=reader)["schema"] == schema
        assert check(api, draft["id"], schema, as_=reader)["count"] == 0
        refused = save_form(api, draft["id"], {**schema, "title": "别人的"}, 1, as_=reader, expect=403)
        assert refused["error"] in ("not_draft_owner", "forbidden")
        assert api.post(f"/api/v1/drafts/{draft['id']}/forms", as_=reader, headers={"If-Match": '"draft-r1"'},
                        json={"key": "x_form", "title": "表"}).status_code == 403
    for outsider in ("officer1", "supervisor1"):
        assert api.get(f"/api/v1/drafts/{draft['id']}/forms", as_=outsider).status_code == 403
        assert api.get(f"/api/v1/drafts/{draft['id']}/forms/{RECORD}", as_=outsider).status_code == 403
        assert api.post(f"/api/v1/drafts/{draft['id']}/forms/{RECORD}/check", as_=outsider,
                        json={"schema": schema}).status_code == 403
    # submitted: frozen for its owner too
    assert api.post(f"/api/v1/drafts/{draft['id']}/submit", as_="author1", json={"revision": 1}).status_code == 200
    assert save_form(api, draft["id"], {**schema, "title": "冻结"}, 2, expect=409)["error"] == "draft_not_editing"
    assert form_of(api, draft["id"])["schema"]["title"] == "登记"


def test_junk_is_named_with_its_field_and_never_a_500(api, ctx):
    draft = new_draft(api)
    schema = form_of(api, draft["id"])["schema"]
    url = f"/api/v1/drafts/{draft['id']}/forms/{RECORD}"
    headers = {"If-Match": '"draft-r1"', "Content-Type": "application/json"}
    junk = [
        [1, 2], "一段文字", None, 5,
        {**schema, "title": "a\x00b"},
        {**schema, "title": "x" * 1_048_576},
        {**schema, "properties": {"a\x00": {"type": "string"}}},
    ]
    deep = {}
    node = deep
    for _ in range(200):
        node["properties"] = {"a": {}}
        node = node["properties"]["a"]
    junk.append(deep)
    for body in junk:
        for method, target in (("put", url), ("post", url + "/check")):
            r = getattr(api, method)(target, as_="author1", headers=headers, data=json.dumps({"schema": body}))
            assert r.status_code == 422 and any(k.startswith(("schema", "_body")) for k in r.json["errors"]), (
                method, str(body)[:80], r.json)
    # a lone surrogate, as JSON escapes it
    surrogate = json.dumps({"schema": {**schema, "title": "x"}}).replace('"x"', '"\\ud800"')
    for method, target in (("put", url), ("post", url + "/check")):
        r = getattr(api, method)(target, as_="author1", headers=headers, data=surrogate)
        assert r.status_code == 422 and any(k.startswith("schema") for k in r.json["errors"]), r.json
    # keys that are no form of the draft
    for key in ("a%2Fb", "no_such_form", "%00", "UPPER", "x" * 300):
        r = api.put(f"/api/v1/drafts/{draft['id']}/forms/{key}", as_="author1", headers=headers,
                    data=json.dumps({"schema": schema}))
        assert r.status_code == 404, (key, r.status_code)
    assert api.put(url, as_="author1", headers=headers, data="{not json").status_code in (400, 422)
    assert form_of(api, draft["id"])["revision"] == 1  # nothing was saved


# -- the pages ---------------------------------------------------------------------------------------------
def page(client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return html(r)


def preview(client, draft_id: int, body: dict, key: str = RECORD):
    token = csrf_of(page(client, f"/workbench/drafts/{draft_id}/forms/{key}"))
    r = client.post(f"/workbench/drafts/{draft_id}/forms/{key}/preview", headers={"X-CSRFToken": token},
                    **in_order(body))
    return r


def test_the_forms_pages_make_a_form_for_a_step_and_save_the_json_on_the_revision_shown(client, api):
    draft = new_draft(api)
    page_login(client, "author1")
    draft_page = page(client, f"/workbench/drafts/{draft['id']}")
    assert f'href="/workbench/drafts/{draft["id"]}/forms"' in draft_page and 'data-testid="draft-forms-link"' in draft_page
    listed = page(client, f"/workbench/drafts/{draft['id']}/forms")
    assert f'href="/workbench/drafts/{draft["id"]}/forms/{RECORD}"' in listed and "登记" in listed

    # a form for the step, from the diagram's panel: the key and name offered from the step
    new = page(client, f"/workbench/drafts/{draft['id']}/forms/new?step=record")
    assert f'value="{RECORD}_2"' in new or f'value="{PID}_record_2"' in new  # record's own key is taken
    assert 'data-testid="new-form-step"' in new and 'value="登记"' in new
    assert 'data-testid="no-such-step"' in page(client, f"/workbench/drafts/{draft['id']}/forms/new?step=nowhere")
    bad = client.post(f"/workbench/drafts/{draft['id']}/forms", data={
        "csrf_token": csrf_of(new), "key": "Bad/Key", "title": "检查", "revision": "1", "step": "record"})
    assert bad.status_code == 200 and 'data-testid="error-key"' in html(bad) and 'value="Bad/Key"' in html(bad)
    made = client.post(f"/workbench/drafts/{draft['id']}/forms", data={
        "csrf_token": csrf_of(new), "key": f"{PID}_check", "title": "检查", "revision": "1", "step": "record"})
    assert made.status_code == 302 and made.headers["Location"].endswith(f"/forms/{PID}_check?step=record")
    editor = page(client, made.headers["Location"])
    assert "record" in editor and 'data-testid="choose-on-step"' in editor and "登记" in editor
    assert 'data-testid="form-editor"' in editor and "workbench-forms.js" in editor

    # the editor page: the preview is the task page's macro, the example's errors beside the fields
    editor = page(client, f"/workbench/drafts/{draft['id']}/forms/{RECORD}")
    assert 'data-field="recorded_on"' in editor and 'name="summary"' in editor
    assert 'id="form-editor-data"' in editor
    # the JSON saved without the script, on the revision the page showed
    schema = form_of(api, draft["id"])["schema"]
    text = json.dumps({**schema, "title": "登记（改）"}, ensure_ascii=False)
    saved = client.post(f"/workbench/drafts/{draft['id']}/forms/{RECORD}", data={
        "csrf_token": csrf_of(editor), "revision": "2", "schema": text})
    assert saved.status_code == 302
    assert form_of(api, draft["id"])["schema"]["title"] == "登记（改）"
    # a stale page: refused, the author's text still there
    stale = client.post(f"/workbench/drafts/{draft['id']}/forms/{RECORD}", data={
        "csrf_token": csrf_of(editor), "revision": "2", "schema": text.replace("登记（改）", "我的版本")})
    assert stale.status_code == 412 and 'data-testid="conflict-page"' in html(stale) and "我的版本" in html(stale)
    assert 'name="revision" value="2"' in html(stale)  # sent again as it is: refused again, nothing overwritten
    not_json = client.post(f"/workbench/drafts/{draft['id']}/forms/{RECORD}", data={
        "csrf_token": csrf_of(editor), "revision": "3", "schema": '{"title": '})
    assert not_json.status_code == 200 and 'data-testid="error-schema"' in html(not_json)
    assert "line 1" in html(not_json) or "第1行" in html(not_json)
    assert form_of(api, draft["id"])["revision"] == 3


def test_the_preview_draws_the_form_being_edited_and_reads_its_example_from_the_inputs(client, api):
    draft = new_draft(api)
    schema = with_choice(form_of(api, draft["id"])["schema"])
    page_login(client, "author1")
    drawn = preview(client, draft["id"], {"schema": schema})
    assert drawn.status_code == 200
    assert 'data-field="result"' in drawn.json["html"] and "不合格" in drawn.json["html"]
    assert drawn.json["example_count"] == 0 and drawn.json["problems"] == {}

    # typed into the preview: the example as a task page reads its inputs; an error beside its field
    typed = preview(client, draft["id"], {"schema": schema, "inputs": [
        ["recorded_on", "2026-12-01"], ["summary", ""], ["result", "failed"]]})
    assert typed.json["example"] == {"recorded_on": "2026-12-01", "result": "failed"}
    assert typed.json["example_count"] == 1
    assert re.search(r'data-testid="error-summary">\s*<p class="field-error">此项为必填项', typed.json["html"])

    # a schema that is no JSON Schema, or junk: said in the answer, nothing drawn
    broken = preview(client, draft["id"], {"schema": {**schema, "required": "summary"}})
    assert broken.status_code == 200 and broken.json["schema_error"]
    for junk in ([1], {"properties": {"a": True, "b": {"type": "string", "items": 5}}}):
        r = preview(client, draft["id"], {"schema": junk})
        assert r.status_code == 200 and r.json["schema_error"], (junk, r.status_code)
    odd = preview(client, draft["id"], {"schema": {"type": "object", "properties": {
        "a": True, "b": {"type": "string", "title": "乙", "enum": ["x"], "x-enum-labels": 5}}, "examples": [{}]}})
    assert odd.status_code == 200 and 'name="b"' in odd.json["html"] and "x-enum-labels" in str(odd.json["problems"])
    nul = preview(client, draft["id"], {"schema": {"title": "a\x00"}})  # refused as every body is, naming it
    assert nul.status_code == 422 and "schema.title" in nul.json["errors"]
    rows = preview(client, draft["id"], {"schema": {"type": "object", "properties": {
        "rows": {"type": "array", "title": "明细", "items": {"type": "object", "properties": {
            "item": {"type": "string", "title": "物品"}}}}}, "examples": [{}]},
        "inputs": [["rows-rows", "0"]], "action": {"_add": "rows"}})
    assert rows.status_code == 200 and 'name="rows-0-item"' in rows.json["html"]
    bad_inputs = preview(client, draft["id"], {"schema": schema, "inputs": [["a"]]})
    assert bad_inputs.status_code == 422 and "inputs" in bad_inputs.json["errors"]
    nothing = client.post(f"/workbench/drafts/{draft['id']}/forms/{RECORD}/preview", data="\x00",
                          headers={"X-CSRFToken": csrf_of(page(client, f"/workbench/drafts/{draft['id']}/forms"))})
    assert nothing.status_code == 422


def test_readers_see_the_form_without_the_editor_and_officers_not_at_all(client, api):
    draft = new_draft(api)
    page_login(client, "approver1")
    read = page(client, f"/workbench/drafts/{draft['id']}/forms/{RECORD}")
    assert 'data-testid="form-editor"' not in read and 'data-testid="json-form"' not in read
    assert 'data-field="summary"' in read and "readonly" in read
    listed = page(client, f"/workbench/drafts/{draft['id']}/forms")
    assert 'data-testid="form-new"' not in listed and 'data-testid="forms-read-only"' in listed
    client.post("/logout", data={"csrf_token": csrf_of(listed)})
    page_login(client, "officer1")
    assert client.get(f"/workbench/drafts/{draft['id']}/forms").status_code == 403
    assert client.get(f"/workbench/drafts/{draft['id']}/forms/{RECORD}").status_code == 403
    assert client.get(f"/workbench/drafts/{draft['id']}/forms/a%2Fb").status_code == 404


def test_a_stored_form_no_page_could_show_is_named_and_the_json_can_still_be_corrected(client, api):
    """A file saved through the file API that is not JSON, or whose JSON holds a lone surrogate
    (valid UTF-8 text: "\\ud800"): the pages show it as text with the reason, never a 500, and its
    owner corrects it through the JSON form."""
    draft = new_draft(api)
    page_login(client, "author1")
    for revision, text in ((1, '{"title": "x",'), (2, '{"title": "\\ud800", "properties": {}}')):
        r = api.put(f"/api/v1/drafts/{draft['id']}/file", as_="author1", headers={"If-Match": f'"draft-r{revision}"'},
                    json={"path": RECORD_PATH, "content": text})
        assert r.status_code == 200, r.json
        listed = page(client, f"/workbench/drafts/{draft['id']}/forms")
        assert 'data-key="form_check_record"' in listed and 'class="field-error"' in listed
        editor = page(client, f"/workbench/drafts/{draft['id']}/forms/{RECORD}")
        assert 'data-testid="form-editor"' not in editor and 'data-testid="json-form"' in editor
        assert api.get(f"/api/v1/drafts/{draft['id']}/forms/{RECORD}", as_="author1").json["schema"] is None
    fixed = client.post(f"/workbench/drafts/{draft['id']}/forms/{RECORD}", data={
        "csrf_token": csrf_of(editor), "revision": "3", "schema": '{"title": "改好", "type": "object"}'})
    assert fixed.status_code == 302 and form_of(api, draft["id"])["schema"]["title"] == "改好"
    long_step = page(client, f"/workbench/drafts/{draft['id']}/forms/new?step={'x' * 5000}")
    assert 'data-testid="no-such-step"' not in long_step and f'value="{PID}_form"' in long_step


def test_a_prefill_source_of_a_field_typed_by_a_list_is_checked_without_a_crash(api):
    """`"type": ["string", "null"]` is JSON Schema; the deploy's prefill check compared types as a set
    (a list cannot be in one): a 500 on the draft's problems."""
    draft = new_draft(api)
    schema = form_of(api, draft["id"])["schema"]
    schema["properties"]["note"] = {"type": ["string", "null"], "title": "备注", "x-prefill": f"{RECORD}.summary"}
    assert check(api, draft["id"], schema)["problems"] == {}
    save_form(api, draft["id"], schema, 1)
    assert api.get(f"/api/v1/drafts/{draft['id']}/problems", as_="author1").status_code == 200
