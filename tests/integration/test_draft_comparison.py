"""A draft compared with the deployed version it would follow ([8/9] workbench,
services/procedures/drafts.compare through GET /drafts/{id}/compare): every kind of change the
comparison page shows — a step added, a deadline shortened, a step moved to another lane (its role),
a milestone's status renamed, a lane renamed, a form's fields, a rule binding removed — each with
the words the page needs (the step's name, the deadline in words, the form's and field's titles, the
rule's code and article); a new procedure compared with nothing; and a test run only in a
department of the author's scope."""
import json

from tests.draft_edits import CHECK_FORM, MAIN, check_form, with_check_step, with_filing_deadline

INTAKE_FORM = "forms/general_penalty/clue_intake.schema.json"
RULES = "bpmn/general_penalty/rules.json"


def _file(api, draft_id, path):
    r = api.get(f"/api/v1/drafts/{draft_id}/file?path={path}", as_="author1")
    assert r.status_code == 200, r.data
    return r.data.decode("utf-8")


def _save(api, draft_id, path, text, revision):
    r = api.put(f"/api/v1/drafts/{draft_id}/file", as_="author1", headers={"If-Match": f'"draft-r{revision}"'},
                json={"path": path, "content": text})
    assert r.status_code == 200, r.json
    return r.json["revision"]


def general_penalty_draft(api) -> tuple[dict, dict]:
    version = next(v for v in api.get("/api/v1/procedures", as_="author1").json["items"]
                   if v["procedure_id"] == "general_penalty")
    draft = api.post("/api/v1/drafts", as_="author1", json={"from_version_id": version["id"]}).json
    return version, draft


def test_the_comparison_names_each_kind_of_change_with_the_words_the_page_shows(api, ctx):
    case = api.open_case()  # a running general-penalty case: it could move (its ready step is kept)
    version, draft = general_penalty_draft(api)
    d = draft["id"]
    revision = _save(api, d, CHECK_FORM, check_form(), 1)
    xml = with_filing_deadline(with_check_step(_file(api, d, MAIN)))
    # the filing approval moved to the officers' lane; the filed milestone's status renamed; the
    # reviewers' lane named by its role's code
    xml = xml.replace("<bpmn:flowNodeRef>filing_approval</bpmn:flowNodeRef>\n", "")
    xml = xml.replace("<bpmn:flowNodeRef>clue_check</bpmn:flowNodeRef>",
                      "<bpmn:flowNodeRef>clue_check</bpmn:flowNodeRef>\n        "
                      "<bpmn:flowNodeRef>filing_approval</bpmn:flowNodeRef>")
    xml = xml.replace('value="已立案，调查中|filed, under investigation"', 'value="已立案，调查取证中|filed, investigating"')
    xml = xml.replace('<bpmn:lane id="lane_reviewer" name="法制审核人员">', '<bpmn:lane id="lane_reviewer" name="legal_reviewer">')
    revision = _save(api, d, MAIN, xml, revision)
    intake = json.loads(_file(api, d, INTAKE_FORM))
    intake["title"] = "线索登记表"
    intake["properties"]["clue_ref"] = {"type": "string", "maxLength": 40, "title": "线索编号", "x-title-en": "Clue ref"}
    del intake["properties"]["attachments"]
    intake["examples"][0].pop("attachments", None)  # deploy checks the example against the form
    intake["properties"]["source"]["title"] = "线索的来源"
    revision = _save(api, d, INTAKE_FORM, json.dumps(intake, ensure_ascii=False), revision)
    rules = json.loads(_file(api, d, RULES))
    rules["rules"] = [r for r in rules["rules"] if r["kind"] != "instalments_in_order"]
    _save(api, d, RULES, json.dumps(rules, ensure_ascii=False), revision)
    problems = api.get(f"/api/v1/drafts/{d}/problems", as_="author1").json
    assert problems["problem_count"] == 0, problems

    r = api.get(f"/api/v1/drafts/{d}/compare", as_="author1")
    assert r.status_code == 200, r.json
    diff = r.json
    assert diff["base_version_id"] == version["id"]

    steps = diff["steps"]
    assert steps["added"] == ["clue_check"] and steps["removed"] == []
    changed = {c["id"]: c["fields"] for c in steps["changed"]}
    assert changed["filing_approval"] == {
        "deadline": ["15 working days from clue_intake.received_on extendable as filing",
                     "10 working days from clue_intake.received_on extendable as filing"],
        "lane": ["department_head", "officer"]}
    assert changed["ev_filed"] == {"status_label": ["已立案，调查中|filed, under investigation",
                                                    "已立案，调查取证中|filed, investigating"]}
    after, before = diff["step_details"]["after"], diff["step_details"]["before"]
    assert after["clue_check"]["form_key"] == "clue_check" and after["clue_check"]["lane"] == "officer"
    assert after["clue_check"]["human"] is True and after["clue_check"]["deadline_words"] is None
    assert "15" in before["filing_approval"]["deadline_words"]["zh"]
    assert "10" in after["filing_approval"]["deadline_words"]["zh"]
    assert "线索登记" in after["filing_approval"]["deadline_words"]["zh"]  # its anchor named by the form's title
    assert "working days" in after["filing_approval"]["deadline_words"]["en"]
    assert before["ev_filed"]["milestone"] == "filed" and before["ev_filed"]["human"] is False
    assert set(before) == {"filing_approval", "ev_filed"} and set(after) == {"clue_check", "filing_approval", "ev_filed"}

    assert diff["flows"]["added"] == ["f_check"]
    assert {c["id"]: c["fields"] for c in diff["flows"]["changed"]} == {
        "f_intake": {"target": ["filing_approval", "clue_check"]}}
    assert diff["flow_details"]["after"]["f_check"] == {"source": "clue_check", "target": "filing_approval",
                                                         "condition": None}
    assert diff["flow_details"]["before"]["f_intake"]["target"] == "filing_approval"
    assert diff["lane_details"]["after"]["lane_reviewer"] == {"name": "legal_reviewer", "role": "legal_reviewer"}
    assert diff["lanes"] == {"added": [], "removed": [], "changed": [
        {"id": "lane_reviewer", "fields": {"name": ["法制审核人员", "legal_reviewer"]}}]}

    forms = diff["forms"]
    assert forms["added"] == ["clue_check"] and forms["removed"] == []
    (form,) = forms["changed"]
    assert form["id"] == "clue_intake" and form["fields"] == {"title": ["线索登记", "线索登记表"]}
    assert form["properties"] == {"added": ["clue_ref"], "removed": ["attachments"], "changed": ["source"]}
    assert form["field_titles"]["clue_ref"] == {"zh": "线索编号", "en": "Clue ref"}
    assert form["field_titles"]["source"]["zh"] == "线索的来源"
    assert diff["form_titles"]["clue_check"] == {"zh": "线索核查", "en": "Clue check"}

    assert diff["rules"] == {"added": [], "removed": ["instalments_in_order"], "changed": []}
    kind = diff["rule_kinds"]["instalments_in_order"]
    assert kind["kind"] == "instalments_in_order" and kind["code"] and kind["article"]

    names = diff["step_names"]
    assert names["clue_check"] == "线索核查" and names["gw_file"] == "是否立案？"
    assert names["lane_reviewer"] == "legal_reviewer"
    assert diff["cases"]["could_move"] >= 1 and diff["cases"]["blocked_count"] == 0
    assert case["id"] not in {b["case_id"] for b in diff["cases"]["blocked"]}


def test_a_rule_bound_again_with_other_parameters_is_that_binding_changed(api, ctx):
    _version, draft = general_penalty_draft(api)
    rules = json.loads(_file(api, draft["id"], RULES))
    binding = next(r for r in rules["rules"] if r["kind"] == "heavier_after_defence")
    binding["on"] = [*binding["on"]]
    binding["params"] = {**binding["params"]}
    binding["params"].pop("decided_kinds")
    binding["params"].pop("notified_kinds")
    _save(api, draft["id"], RULES, json.dumps(rules, ensure_ascii=False), 1)
    diff = api.get(f"/api/v1/drafts/{draft['id']}/compare", as_="author1").json
    (changed,) = diff["rules"]["changed"]
    assert changed["id"] == "heavier_after_defence" and set(changed["fields"]) == {"params"}
    assert diff["rule_kinds"]["heavier_after_defence"]["code"] == "HEAVIER_AFTER_DEFENCE"


def test_a_new_procedure_is_compared_with_nothing(api, ctx):
    draft = api.post("/api/v1/drafts", as_="author1", json={"process_id": "cmp_new", "title": "新程序"}).json
    diff = api.get(f"/api/v1/drafts/{draft['id']}/compare", as_="author1").json
    assert diff["base_version_id"] is None
    assert diff["steps"]["added"] == ["record"] and diff["flows"]["added"] == ["flow_record_end", "flow_start_record"]
    assert diff["lanes"]["added"] == ["lane_officer"] and diff["forms"]["added"] == ["cmp_new_record"]
    assert diff["step_details"]["after"]["record"]["name"] == "登记" and diff["step_details"]["before"] == {}
    assert diff["cases"] == {"could_move": 0, "blocked": [], "blocked_count": 0}


def test_a_draft_with_problems_is_not_compared_and_officers_read_no_comparison(api, ctx):
    draft = api.post("/api/v1/drafts", as_="author1", json={"process_id": "cmp_bad", "title": "有问题"}).json
    xml = _file(api, draft["id"], "bpmn/cmp_bad/cmp_bad.bpmn").replace('name="officer"', 'name="nobody"')
    _save(api, draft["id"], "bpmn/cmp_bad/cmp_bad.bpmn", xml, 1)
    r = api.get(f"/api/v1/drafts/{draft['id']}/compare", as_="author1")
    assert r.status_code == 422 and r.json["details"]["problems"], r.json
    assert api.get(f"/api/v1/drafts/{draft['id']}/compare", as_="officer1").status_code == 403
    assert api.get("/api/v1/drafts/999999/compare", as_="author1").status_code == 404


def test_a_test_run_is_started_only_in_a_department_of_the_authors_scope(api, ctx):
    from workflow_app.extensions import db
    from workflow_app.models import User
    from workflow_app.services.people import users

    draft = api.post("/api/v1/drafts", as_="author1", json={"process_id": "cmp_run", "title": "试运行范围"}).json
    author = db.session.execute(db.select(User).where(User.username == "author1")).scalar_one()
    outside = users.add_unit("cli:test", code="far_market", name="邻区市场监督管理局", kind="department",
                             parent_code=author.org_unit.parent.code)  # beside author1's district, not in it
    r = api.post(f"/api/v1/drafts/{draft['id']}/test-run", as_="author1", json={"department": outside.code})
    assert r.status_code == 422 and set(r.json["errors"]) == {"department"}, r.json
    assert api.post(f"/api/v1/drafts/{draft['id']}/test-run", as_="author1",
                    json={"department": "market"}).status_code == 201


def test_the_comparison_names_the_documents_the_rules_other_parts_and_the_other_files_changed(api, ctx, client, user):
    """Everything else a package holds is compared too: a document added with its template, a
    document's title changed, a template's content changed, rules.json's act dates changed and a
    decision table added, each on the API and in words on the page."""
    from tests.decision_tables import table
    from tests.integration.test_draft_documents import b64, draft_of, word
    from workflow_app.services.procedures import draft_documents

    draft = draft_of(api, "summary_penalty")
    d = draft["id"]
    r = api.post(f"/api/v1/drafts/{d}/documents", as_="author1", headers={"If-Match": '"draft-r1"'},
                 json={"kind": "payment_notice", "title": "缴款通知书", "step": "decide",
                       "content": b64(word("{{ case.number }}"))})
    assert r.status_code == 201, r.json
    manifest_path = "bpmn/summary_penalty/documents/documents.json"
    manifest = json.loads(_file(api, d, manifest_path))
    renamed = manifest["documents"][0]
    old_title, renamed["title"] = renamed["title"], renamed["title"] + "（当场）"
    revision = _save(api, d, manifest_path, json.dumps(manifest, ensure_ascii=False), 2)
    rules = json.loads(_file(api, d, "bpmn/summary_penalty/rules.json"))
    rules["act_dates"] = dict(list(rules["act_dates"].items())[:-1])
    revision = _save(api, d, "bpmn/summary_penalty/rules.json", json.dumps(rules, ensure_ascii=False), revision)
    revision = _save(api, d, "bpmn/summary_penalty/fines.dmn", table("fines").decode(), revision)
    template = f"bpmn/summary_penalty/documents/{renamed['template']}"
    draft_documents.replace_template(user("author1"), d, template, word("{{ case.number }}"), revision)

    diff = api.get(f"/api/v1/drafts/{d}/compare", as_="author1").json
    assert diff["documents"]["added"] == ["payment_notice"], diff["documents"]
    assert {c["id"]: c["fields"] for c in diff["documents"]["changed"]} == {
        renamed["kind"]: {"title": [old_title, renamed["title"]], "template_content": [None, "changed"]}}
    assert diff["document_titles"]["payment_notice"] == {"before": None, "after": "缴款通知书"}
    assert diff["rule_sections"]["changed"][0]["id"] == "act_dates" and not diff["rule_sections"]["added"]
    assert diff["files"] == {"added": ["bpmn/summary_penalty/fines.dmn"], "removed": [], "changed": []}
    assert diff["steps"] == {"added": [], "removed": [], "changed": []}  # the diagram is the same

    page = client_page(client, f"/workbench/drafts/{d}/compare")
    assert "缴款通知书（payment_notice）" in page and f"{renamed['title']}（{renamed['kind']}）" in page
    assert "rules.json · 每一步行为的日期（act_dates）" in page
    dropped = list(json.loads(_file(api, d, "bpmn/summary_penalty/rules.json"))["act_dates"])  # as saved
    gone = next(k for k in diff["rule_sections"]["changed"][0]["fields"])
    assert gone not in dropped and "变更涉及：</span>" in page
    assert "决策表：bpmn/summary_penalty/fines.dmn" in page
    assert "Word 模板的内容：</span>修改" in page


def client_page(client, url: str) -> str:
    from tests.web_session import page_login

    page_login(client, "author1")
    r = client.get(url)
    assert r.status_code == 200, r.data[:400]
    return r.data.decode()
