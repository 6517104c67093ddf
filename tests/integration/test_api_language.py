"""The API speaks the reader's language (Accept-Language; Chinese by default), on SQLite and
PostgreSQL: its error `message`, the field messages of JSON Schema validation (one template per
validator kind, naming the field by its title), and the law's refusals (`message` by language,
`message` and `message_en` both kept). The JSON's shape does not change with the language."""
import io

import pytest

from tests.helpers import STEPS, TO_DECISION

EN = {"Accept-Language": "en"}


def complete(api, task_id: int, data: dict, headers: dict | None = None, as_: str = "officer1"):
    return api.client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data},
                           headers={**api.headers(as_), **(headers or {})})


def test_a_422_without_accept_language_names_each_field_in_chinese_by_its_title(api):
    case = api.open_case()
    task = api.task(case, "clue_intake")
    data = {k: v for k, v in STEPS["clue_intake"][1].items() if k != "summary"}
    data.update(received_on="昨天", party_address="", source="rumour")
    r = complete(api, task["id"], data)
    assert r.status_code == 422 and r.json["error"] == "invalid"
    assert r.json["message"] == "请求无效"
    errors = r.json["errors"]
    assert errors["summary"] == ["线索内容为必填项"]
    assert errors["received_on"][0].endswith("必须为日期，格式为 YYYY-MM-DD")
    assert "必须为以下之一" in errors["source"][0] and "投诉举报" in errors["source"][0]


def test_the_same_422_in_english_with_accept_language_en(api):
    case = api.open_case()
    task = api.task(case, "clue_intake")
    data = {k: v for k, v in STEPS["clue_intake"][1].items() if k != "summary"}
    data.update(received_on="昨天", source="rumour")
    zh = complete(api, task["id"], data)
    en = complete(api, task["id"], data, headers=EN)
    assert en.status_code == 422 and en.json["message"] == "the request is not valid"
    assert en.json["errors"]["summary"] == ["Details of the clue is required"]
    assert en.json["errors"]["received_on"] == ["Date the clue was received must be a date, YYYY-MM-DD"]
    assert en.json["errors"]["source"][0].startswith(
        'Source of the clue must be one of "inspection" (Supervisory inspection), "complaint" (Complaint or report)')
    assert zh.json["errors"]["source"][0].startswith('线索来源必须为以下之一："inspection"（监督检查）、')
    assert sorted(en.json) == sorted(zh.json) and sorted(en.json["errors"]) == sorted(zh.json["errors"])


@pytest.mark.parametrize("header, language", [("en-US,en;q=0.9", "en"), ("zh-CN,zh;q=0.9", "zh"),
                                              ("fr", "zh"), ("en;q=0.3, zh;q=0.8", "zh"), ("*", "zh")])
def test_the_language_is_the_best_match_of_accept_language_and_chinese_otherwise(api, header, language):
    r = api.client.get("/api/v1/cases/999999", headers={**api.headers("officer1"), "Accept-Language": header})
    assert r.status_code == 404 and r.json["error"] == "not_found"
    assert r.json["message"] == {"en": "case 999999 not found", "zh": "案件 999999 不存在"}[language]


@pytest.mark.parametrize("value, zh, en", [
    ("x" * 5001, "审核意见至多5000个字（现有5001个）", "Review opinion must have at most 5000 characters (it has 5001)"),
    ("", "审核意见为必填项", "Review opinion is required"),
    (7, "审核意见必须为文字", "Review opinion must be text"),
])
def test_length_and_type_messages_name_the_field_by_its_title(api, value, zh, en):
    case = api.run(api.open_case(), *TO_DECISION[:2], "investigation", ("investigation_report", {"major_case": True}),
                   *TO_DECISION[4:])
    task = api.task(case, "legal_review")
    data = dict(STEPS["legal_review"][1], opinions=value)
    assert complete(api, task["id"], data, as_="reviewer1").json["errors"]["opinions"] == [zh]
    assert complete(api, task["id"], data, EN, as_="reviewer1").json["errors"]["opinions"] == [en]


def test_an_unknown_field_and_a_missing_nested_field_are_named(api):
    case = api.run(api.open_case(), *TO_DECISION[:2], "investigation", ("investigation_report", {"major_case": True}),
                   *TO_DECISION[4:])
    task = api.task(case, "legal_review")
    data = dict(STEPS["legal_review"][1], extra=1)
    data["findings"] = {k: v for k, v in data["findings"].items() if k != "law_applied"}
    r = complete(api, task["id"], data, as_="reviewer1")
    assert r.json["errors"]["extra"] == ["extra不是本表单的字段"]
    assert r.json["errors"]["findings.law_applied"] == ["适用法律依据正确为必填项"]
    r = complete(api, task["id"], data, EN, as_="reviewer1")
    assert r.json["errors"]["findings.law_applied"] == ["Legal basis correctly applied is required"]


def test_a_refusal_of_the_law_picks_its_message_by_language_and_keeps_both(api):
    case = api.run(api.open_case(), *TO_DECISION[:2], "investigation", ("investigation_report", {"major_case": True}),
                   *TO_DECISION[4:])
    task = api.task(case, "legal_review")
    data = dict(STEPS["legal_review"][1])
    data["findings"] = dict(data["findings"], law_applied={"result": "fail"})
    zh = complete(api, task["id"], data, as_="reviewer1")
    en = complete(api, task["id"], data, EN, as_="reviewer1")
    assert zh.status_code == en.status_code == 422
    assert zh.json["error"] == en.json["error"] == "LEGAL_REVIEW_INCONSISTENT"
    assert zh.json["message"] != zh.json["message_en"] and "审核结论不得为同意" in zh.json["message"]
    assert en.json["message"] == en.json["message_en"] == zh.json["message_en"]
    assert "approves although checklist findings failed (Legal basis correctly applied)" in en.json["message_en"]
    assert "审核事项“适用法律依据正确”未通过" in zh.json["message"]  # the checklist item by its title
    assert en.json["article"] == zh.json["article"] == "《行政处罚法》第58条"
    # each field's line: the code, then the reason in the reader's language
    assert zh.json["errors"]["legal_review.findings.law_applied"][0].startswith(
        "LEGAL_REVIEW_INCONSISTENT: 审核事项“适用法律依据正确”未通过")
    assert en.json["errors"]["legal_review.findings.law_applied"][0].startswith(
        "LEGAL_REVIEW_INCONSISTENT: the review approves")


def test_who_may_not_act_is_told_in_either_language(api):
    case = api.open_case()
    task = api.task(case, "clue_intake")
    zh = complete(api, task["id"], STEPS["clue_intake"][1], as_="reviewer1")
    en = complete(api, task["id"], STEPS["clue_intake"][1], EN, as_="reviewer1")
    assert zh.status_code == en.status_code == 403
    assert zh.json["message"] == "环节 clue_intake 由执法人员办理，您不是执法人员"
    assert en.json["message"] == "task clue_intake is for the role enforcement officer; you do not have it"


def test_unauthenticated_and_unknown_addresses_answer_in_the_language_too(client):
    assert client.get("/api/v1/cases").json["message"].startswith("请先登录")
    assert client.get("/api/v1/cases", headers=EN).json["message"].startswith("log in first")
    assert client.get("/api/v1/no-such-thing").json["message"] == "接口没有这个地址"
    assert client.get("/api/v1/no-such-thing", headers=EN).json["message"] == "the API has no such address"


def test_the_request_bodys_field_messages_follow_the_language_too(api):
    body = {"procedure_id": "general_penalty", "department": "market", "party": {"name": "某公司", "kind": "organization"},
            "surplus": 1}
    zh = api.client.post("/api/v1/cases", json=body, headers=api.headers("officer1"))
    en = api.client.post("/api/v1/cases", json=body, headers={**api.headers("officer1"), **EN})
    assert zh.status_code == en.status_code == 422
    assert zh.json["message"] == "请求无效" and en.json["message"] == "the request is not valid"
    assert zh.json["errors"]["title"] == ["缺少必填字段。"] and zh.json["errors"]["surplus"] == ["未知字段。"]
    assert en.json["errors"]["title"] == ["Missing data for required field."]


@pytest.mark.parametrize("body, field, zh, en", [
    ({"title": "", "party": {"name": "某公司", "kind": "organization"}}, "title", "不得为空", "must not be empty"),
    ({"title": "某案", "party": {"name": "某" * 201, "kind": "organization"}}, "party.name",
     "应为1至200个字（现有201个）", "must have 1 to 200 characters (it has 201)"),
    ({"title": "某案", "party": {"name": "某公司", "kind": "robot"}}, "party.kind",
     '必须为以下之一："person", "organization"', 'must be one of "person", "organization"'),
])
def test_the_request_bodys_limits_are_said_in_the_language_too(api, body, field, zh, en):
    body = {"procedure_id": "general_penalty", "department": "market", **body}
    said = {lang: api.client.post("/api/v1/cases", json=body, headers={**api.headers("officer1"), **headers})
            for lang, headers in (("zh", {}), ("en", EN))}
    assert said["zh"].status_code == said["en"].status_code == 422
    assert said["zh"].json["errors"][field] == [zh] and said["en"].json["errors"][field] == [en]


def test_a_missing_role_is_said_wholly_in_the_readers_language(api):
    """Not "deploying procedures需要以下角色：bpmn_author or admin": the action and the roles too."""
    zh = api.post("/api/v1/procedures", as_="officer1", content_type="multipart/form-data",
                  data={"file": (io.BytesIO(b"<x/>"), "x.bpmn")})
    assert zh.status_code == 403 and zh.json["message"] == "部署程序需要以下角色：流程设计人员或系统管理员", zh.json
    assert zh.json["details"]["roles"] == ["bpmn_author", "admin"]
    en = api.client.post("/api/v1/cases", headers={**api.headers("reviewer1"), **EN},
                         json={"procedure_id": "general_penalty", "title": "t", "department": "market",
                               "party": {"name": "某公司", "kind": "organization"}})
    assert en.status_code == 403 and en.json["message"] == "opening a case requires the role enforcement officer"
    zh = api.post("/api/v1/cases", as_="reviewer1", json={"procedure_id": "general_penalty", "title": "t",
                                                          "department": "market",
                                                          "party": {"name": "某公司", "kind": "organization"}})
    assert zh.json["message"] == "新建案件需要以下角色：执法人员"
