"""A draft's rule bindings in the workbench ([8/9]): the catalogue names every rule kind in Chinese and
English with its family, and POST /drafts/<id>/rules/check runs the deploy's own check on the
rules.json the page holds before it is saved, naming the binding and parameter each problem
concerns, in the reader's language; after Save the draft's problems say the same
(services/procedures/draft_bindings.py, oversight/bindings.problems_by_rule)."""
import json

import pytest

RULES = "bpmn/summary_penalty/rules.json"
EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def draft(api):
    """author1's draft of the deployed summary procedure."""
    version = next(v for v in api.get("/api/v1/procedures", as_="author1").json["items"]
                   if v["procedure_id"] == "summary_penalty")
    r = api.post("/api/v1/drafts", as_="author1", json={"from_version_id": version["id"]})
    assert r.status_code == 201, r.json
    return r.json


def rules_of(api, draft) -> dict:
    r = api.get(f"/api/v1/drafts/{draft['id']}/file?path={RULES}", as_="author1")
    assert r.status_code == 200, r.data
    return json.loads(r.data)


def check(api, draft, content, as_="author1", headers=EN, expect=200):
    body = {"content": content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)}
    r = api.post(f"/api/v1/drafts/{draft['id']}/rules/check", as_=as_, headers=headers, json=body)
    assert r.status_code == expect, r.json
    return r.json


def index_of(rules: dict, kind: str, form: str) -> int:
    return next(i for i, b in enumerate(rules["rules"]) if b["kind"] == kind and form in b["on"])


def test_the_catalogue_names_every_rule_kind_in_chinese_and_english_with_its_family(api, draft):
    found = api.get(f"/api/v1/drafts/{draft['id']}/catalogue", as_="author1").json
    groups = [g["name"] for g in found["rule_groups"]]
    assert groups[:2] == ["dates", "hearing"] and "summary" in groups
    assert all(g["title"]["zh"] and g["title"]["en"] for g in found["rule_groups"])
    for kind in found["rule_kinds"]:
        assert kind["title"]["zh"] and kind["title"]["en"] and kind["group"] in groups, kind["name"]
    summary = next(k for k in found["rule_kinds"] if k["name"] == "summary_within_limit")
    assert summary["title"] == {"zh": "当场处罚不超过限额", "en": "Summary decision within its limit"}
    assert summary["group"] == "summary" and summary["article"] == "《行政处罚法》第51条"
    fields = {f["ref"]: f for f in found["forms"]["summary_decision"]["fields"]}
    assert fields["summary_decision.fine_amount"]["title"] == "罚款金额（元）"
    assert fields["summary_decision.fine_amount"]["title_en"]
    # a list's choices are its items' (what a choice parameter is checked against), labelled in both languages
    kinds = fields["summary_decision.penalty_kinds"]
    assert (kinds["enum"], kinds["enum_labels"], kinds["enum_labels_en"]) == (
        ["warning", "fine"], ["警告", "罚款"], ["Warning", "Fine"])


def test_the_shipped_bindings_pass_and_a_wrong_one_is_named_by_its_binding_and_parameter(api, draft):
    rules = rules_of(api, draft)
    assert check(api, draft, rules) == {"draft_id": draft["id"], "revision": 1, "problems": [], "problem_count": 0}

    at = index_of(rules, "summary_within_limit", "summary_decision")
    rules["rules"][at]["params"]["fine"] = "summary_decision.decided_on"  # a date, not a number
    found = check(api, draft, rules)
    assert found["problem_count"] == 1
    problem = found["problems"][0]
    assert (problem["rule"], problem["param"]) == (at, "fine")
    assert problem["message"] == (f"rule {at + 1} (summary_within_limit), parameter fine: field "
                                  "summary_decision.decided_on is string; the rule needs number or integer")
    in_chinese = check(api, draft, rules, headers=ZH)["problems"][0]["message"]
    assert "summary_decision.decided_on" in in_chinese and in_chinese != problem["message"]

    # after Save, the draft's problems (the deploy's) say the same
    saved = api.put(f"/api/v1/drafts/{draft['id']}/file", as_="author1", headers={"If-Match": '"draft-r1"', **EN},
                    json={"path": RULES, "content": json.dumps(rules, ensure_ascii=False)})
    assert saved.status_code == 200, saved.json
    listed = api.get(f"/api/v1/drafts/{draft['id']}/problems", as_="author1", headers=EN).json
    assert [p["message"] for p in listed["problems"]] == [problem["message"]]
    assert listed["problems"][0]["file"] == RULES


def test_each_kind_of_problem_is_placed_on_its_binding_or_on_the_file(api, draft):
    rules = rules_of(api, draft)
    rules["rules"].append({"kind": "no_such_kind", "on": ["summary_decision"], "params": {}})
    rules["rules"].append({"kind": "summary_within_limit", "on": ["summary_decision"], "params": {}})
    rules["rules"].append({"kind": "summary_within_limit", "on": ["summary_decision"],
                           "params": {"fine": "summary_decision.fine_amount", "allowed_kinds": ["prison"],
                                      "kinds": "summary_decision.penalty_kinds"}})
    rules["act_dates"]["summary_decision"] = "fine_amount"
    n = len(rules["rules"])
    found = {(p["rule"], p["param"]): p["message"] for p in check(api, draft, rules)["problems"]}
    assert "unknown rule kind 'no_such_kind'" in found[n - 3, None]
    assert "parameter fine is required" in found[n - 2, "fine"]
    assert "'prison' is not a choice of field summary_decision.penalty_kinds" in found[n - 1, "allowed_kinds"]
    assert "summary_decision.fine_amount" in found[None, None]  # the act date is no date: the file's part
    assert len(found) == 4


def test_a_file_that_is_not_json_or_not_an_object_is_one_problem_of_the_file(api, draft):
    for content, words in (("{\"rules\": [", "not JSON"), ("[]", 'an object with a list "rules"'),
                           ("[" * 100_000, "not JSON"), ("", "not JSON")):
        found = check(api, draft, content)
        assert found["problem_count"] == 1 and words in found["problems"][0]["message"], content[:20]
        assert found["problems"][0]["rule"] is None


def test_the_check_refuses_what_is_not_a_file_and_readers_only_may_ask(api, draft, app):
    url = f"/api/v1/drafts/{draft['id']}/rules/check"
    for body in ('{}', '{"content": 5}', '{"content": ["x"]}', '{"content": "a\\u0000b"}', '{"content": "\\ud800"}'):
        r = api.post(url, as_="author1", headers=EN, data=body, content_type="application/json")
        assert r.status_code == 422 and "content" in json.dumps(r.json), (body, r.json)
    huge = api.post(url, as_="author1", headers=EN, json={"content": "x" * (app.config["BPMN_MAX_BYTES"] + 1)})
    assert huge.status_code in (413, 422), huge.status_code
    assert api.post(url, as_="officer1", json={"content": "{}"}).status_code == 403
    assert api.post("/api/v1/drafts/999999/rules/check", as_="author1", json={"content": "{}"}).status_code == 404
    # an approver reads the draft, so may check it; nothing is saved either way
    assert api.post(url, as_="approver1", json={"content": "{}"}).status_code == 200
    assert api.get(f"/api/v1/drafts/{draft['id']}", as_="author1").json["revision"] == 1
