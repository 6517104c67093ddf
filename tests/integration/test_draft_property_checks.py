"""What the workbench's properties panel asks before a save ([8/9], services/procedures/property_checks.py):
a step's deadline read back in the words of the procedure page, the anchors it may run from (only the
dates of earlier steps), what the deploy would refuse in it; a timer's value against the engine's
limits. On the diagram as the author's screen holds it, nothing stored; the draft's readers only."""
import re

from tests.integration.test_drafts import MAIN, file_of, new_draft
from tests.web_session import html, page_login

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


def check(api, draft_id, element_id, deadline="", bpmn=None, as_="author1", lang=ZH, expect=200):
    body = {"element_id": element_id, "deadline": deadline}
    if bpmn is not None:
        body["bpmn"] = bpmn
    r = api.post(f"/api/v1/drafts/{draft_id}/deadline-check", as_=as_, json=body, headers=lang)
    assert r.status_code == expect, r.json
    return r.json


def with_second_step(xml: str) -> str:
    """The skeleton with a second step (review) after the record step, both with the record form."""
    xml = xml.replace('<bpmn:flowNodeRef>end</bpmn:flowNodeRef>',
                      '<bpmn:flowNodeRef>review</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef>')
    xml = xml.replace('<bpmn:endEvent id="end"', '''<bpmn:userTask id="review" name="审查">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="small_check_record"/>
        <spiffworkflow:property name="milestone" value="reviewed"/>
        <spiffworkflow:property name="statusLabel" value="已审查|reviewed"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="end"''')
    return xml.replace('sourceRef="record" targetRef="end"', 'sourceRef="record" targetRef="review"').replace(
        '<bpmn:sequenceFlow id="flow_start_record"',
        '<bpmn:sequenceFlow id="flow_review_end" sourceRef="review" targetRef="end"/>\n'
        '    <bpmn:sequenceFlow id="flow_start_record"')


def test_a_deadline_is_read_back_in_the_procedure_pages_words_with_the_earlier_steps_dates_offered(api):
    draft = new_draft(api).json
    xml = with_second_step(file_of(api, draft["id"]))
    found = check(api, draft["id"], "review", "15 working days from record.recorded_on", bpmn=xml)
    assert found["words"] == "自“登记·登记日期”起15个工作日"
    assert found["parsed"] == {"amount": 15, "unit": "working_days", "anchor": "record.recorded_on",
                               "anchor_words": "登记·登记日期", "excluding_periods": False, "extendable_as": None}
    assert found["problems"] == []
    anchors = {a["anchor"]: a for a in found["anchors"]}
    assert list(anchors) == ["record.recorded_on", "task.ready"]
    assert anchors["record.recorded_on"] == {"anchor": "record.recorded_on", "kind": "form", "format": "date",
                                             "words": "登记·登记日期"}
    assert anchors["task.ready"]["words"] == "该步骤开始办理"
    # in English, as an English page says it
    said = check(api, draft["id"], "review", "15 working days from record.recorded_on", bpmn=xml, lang=EN)
    assert said["words"] == "15 working days from “Record · Recorded on”"

    # on the record step, the review's date comes after it: not offered, and typed, a named problem
    later = check(api, draft["id"], "record", "3 days from review.recorded_on", bpmn=xml)
    assert [a["anchor"] for a in later["anchors"]] == ["task.ready"]
    assert later["problems"] == ["期限起算点 'review.recorded_on'：环节 'review' 不在本环节之前（没有顺序流从它通向 'record'）"]
    assert later["words"] == "自“登记·登记日期”起3日"  # read back all the same: the review's form is the record form
    english = check(api, draft["id"], "record", "3 days from review.recorded_on", bpmn=xml, lang=EN)
    assert english["problems"] == ["deadline anchor 'review.recorded_on': task 'review' is not an earlier step (no "
                                   "sequence flow leads from it to 'record')"]
    # the milestone of a later step is not offered either; the end event is after both
    end = check(api, draft["id"], "end", bpmn=xml)
    assert [a["anchor"] for a in end["anchors"]] == ["record.recorded_on", "review.recorded_on", "milestone.reviewed",
                                                     "task.ready"]
    assert end["anchors"][2]["words"] == "审查"
    assert end["text"] == "" and end["words"] is None and end["problems"] == []


def test_what_the_deploy_refuses_in_a_deadline_is_said_before_the_save(api):
    draft = new_draft(api).json
    xml = with_second_step(file_of(api, draft["id"]))
    syntax = check(api, draft["id"], "review", "十五个工作日", bpmn=xml, lang=EN)
    assert syntax["parsed"] is None and syntax["words"] is None
    assert len(syntax["problems"]) == 1 and "is not of the form" in syntax["problems"][0]
    hours = check(api, draft["id"], "review", "24 hours from record.recorded_on", bpmn=xml, lang=EN)
    assert "without a time of day" in hours["problems"][0]
    milestone = check(api, draft["id"], "review", "5 days from milestone.filed", bpmn=xml, lang=EN)
    assert "declares no milestone 'filed'" in milestone["problems"][0]
    assert milestone["words"] == "5 days from “filed”"
    limit = check(api, draft["id"], "review", "5 days from record.recorded_on, extendable as decision", bpmn=xml,
                  lang=EN)
    assert "declares no time limit 'decision'" in limit["problems"][0] and limit["limits"] == []
    # the saved diagram when the screen's is not given: it has no review step yet
    assert check(api, draft["id"], "review", expect=422)["errors"]["element_id"]


def test_a_deployed_package_offers_its_milestones_and_clock_limits(api):
    version = next(v for v in api.get("/api/v1/procedures", as_="author1").json["items"]
                   if v["procedure_id"] == "general_penalty")
    draft = api.post("/api/v1/drafts", as_="author1", json={"from_version_id": version["id"]}).json
    xml = file_of(api, draft["id"], "bpmn/general_penalty/general_penalty.bpmn")
    decision = re.search(r'<bpmn:userTask id="([^"]+)"[^>]*>(?:(?!</bpmn:userTask>).)*'
                         r'name="deadline" value="90 calendar days from milestone.filed[^"]*"', xml, re.S)[1]
    found = check(api, draft["id"], decision, "90 calendar days from milestone.filed excluding periods, "
                                              "extendable as decision")
    assert found["problems"] == []
    assert found["words"].startswith("自“") and found["words"].endswith("起90日（听证、检测、检验、检疫、鉴定、公告等期间不计入），可延长")
    assert {lim["limit"]: lim["words"] for lim in found["limits"]} == {"filing": "立案期限", "decision": "作出处理决定期限"}
    kinds = {a["kind"] for a in found["anchors"]}
    assert kinds == {"form", "milestone", "task"}
    assert "milestone.filed" in {a["anchor"] for a in found["anchors"]}
    assert "clue_intake.received_on" in {a["anchor"] for a in found["anchors"]}
    # word for word as the deployed version's page says the same deadline
    page_client = api.client.application.test_client()
    page_login(page_client, "author1")
    assert f'data-testid="deadline-words">{found["words"]}</span>' in html(page_client.get(f"/procedures/{version['id']}"))


def test_a_timer_is_checked_against_the_engines_limits(api):
    draft = new_draft(api).json

    def timer(kind, value, lang=EN, expect=200, as_="author1"):
        r = api.post(f"/api/v1/drafts/{draft['id']}/timer-check", as_=as_, json={"kind": kind, "value": value},
                     headers=lang)
        assert r.status_code == expect, r.json
        return r.json

    assert timer("duration", '"P5D"')["problems"] == []
    assert timer("duration", '"P5D"')["max_days"] == 3660
    assert "more than 3660 days ahead" in timer("duration", '"P20Y"')["problems"][0]
    assert "not an ISO 8601 duration" in timer("duration", '"five days"')["problems"][0]
    assert "repeating timer (timeCycle) is not allowed" in timer("cycle", '"R3/P1D"')["problems"][0]
    assert timer("cycle", '"R3/P1D"', lang=ZH)["problems"] == [
        "不允许使用循环定时器（timeCycle）：每次重复都会再次启动其后的环节；请使用 timeDuration 或 timeDate 定时器，法定期限请使用 deadline 属性"]
    assert timer("date", "add_days(seized_at, 25)")["problems"] == []  # over the case's data: at run time
    assert "script not allowed" in timer("date", "__import__('os')")["problems"][0]
    assert "timeDuration is empty" in timer("duration", "")["problems"][0]
    assert timer("weekly", '"P1D"', expect=422)["errors"]["kind"]
    assert timer("duration", "\x00", expect=422)["errors"]["value"]
    assert timer("duration", "P" * 301, expect=422)["errors"]["value"]
    assert api.post(f"/api/v1/drafts/{draft['id']}/timer-check", as_="officer1",
                    json={"kind": "duration", "value": '"P5D"'}).status_code in (403, 404)


def test_junk_and_strangers_get_a_named_refusal_never_a_500(api):
    draft = new_draft(api).json
    for body, name in (('{"element_id": "record", "deadline": "\\ud800"}', "deadline"),
                       ('{"element_id": "record", "deadline": "1 days from x.y\\u0000"}', "deadline"),
                       ('{"element_id": "re\\ud800cord"}', "element_id"),
                       ('{"element_id": "record", "bpmn": "\\ud800"}', "bpmn")):
        r = api.client.post(f"/api/v1/drafts/{draft['id']}/deadline-check", headers=api.headers("author1"), data=body,
                            content_type="application/json")
        assert r.status_code == 422 and name in r.json["errors"], (body, r.json)
    assert check(api, draft["id"], "x" * 301, expect=422)["errors"]["element_id"]
    assert check(api, draft["id"], "nowhere", expect=422)["errors"]["element_id"]
    broken = check(api, draft["id"], "record", bpmn="<not xml", expect=422)
    assert broken["errors"]["bpmn"]
    assert check(api, draft["id"], "record", bpmn="<!DOCTYPE x><x/>", expect=422)["errors"]["bpmn"]
    assert check(api, draft["id"], "record", bpmn="<a>" + "x" * 2_100_000 + "</a>", expect=422)["errors"]["bpmn"]
    r = api.post(f"/api/v1/drafts/{draft['id']}/deadline-check", as_="author1", json=["record"])
    assert r.status_code == 422
    r = api.post(f"/api/v1/drafts/{draft['id']}/deadline-check", as_="officer1", json={"element_id": "record"})
    assert r.status_code in (403, 404)
    assert api.post("/api/v1/drafts/999999/deadline-check", as_="author1",
                    json={"element_id": "record"}).status_code == 404
    # another author reads the draft: may ask, nothing is stored
    found = check(api, draft["id"], "record", "1 days from task.ready", as_="approver1")
    assert found["words"] == "自“该步骤开始办理”起1日"
    assert file_of(api, draft["id"]) == file_of(api, draft["id"], MAIN)
