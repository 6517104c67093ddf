"""The engine's words follow Accept-Language too (Chinese by default), on SQLite and PostgreSQL:
the problems of a BPMN refused at deploy (`message`, `errors.file`, each of `details.problems`),
and the error of a step that failed in an engine worker, whether the worker said it (a script's
failure, one of the sandbox's limits: a Text pickled across the worker's pipe) or the web process
did (a worker killed at its CPU limit). The same request in either language names the same
elements and lines; what SpiffWorkflow or Python said stays as it was, inside a translated frame;
the trace keeps English."""
import io
import json

import pytest

from tests.integration.test_task_forms import _banner, page_of
from tests.samples import CATCHES_THE_TIMEOUT, process, script, sequential
from tests.web_session import csrf_of, html
from workflow_app.extensions import db
from workflow_app.models import TraceEvent

EN = {"Accept-Language": "en"}

# An unknown property, a lane that is no role, a script reaching for a dunder: three problems,
# each on its own element and line.
MANY_PROBLEMS = sequential("many_problems", [
    ("user", "t1", {"lane": "cleaner", "colour": "red"}),
    ("script", "s1", "x = ().__class__"),
])
# Passes our checks; SpiffWorkflow's parser refuses it (in English, which we cannot translate).
# A call into a process of the file that is not executable: our checks let it through (the callee
# is in the deploy), SpiffWorkflow's parser refuses it.
CALLS_A_PROCESS_IT_CANNOT_RUN = process(
    "calls_draft",
    '<bpmn:startEvent id="start"/><bpmn:callActivity id="call" calledElement="draft_process"/>'
    '<bpmn:endEvent id="end"/>',
    ["start", "call", "end"], [("f1", "start", "call"), ("f2", "call", "end")]).replace(
    b"</bpmn:definitions>", b'<bpmn:process id="draft_process" isExecutable="false"><bpmn:startEvent id="s2"/>'
    b'<bpmn:endEvent id="e2"/><bpmn:sequenceFlow id="g1" sourceRef="s2" targetRef="e2"/></bpmn:process>'
    b"</bpmn:definitions>")


def deploy(api, data: bytes, headers: dict | None = None):
    return api.post("/api/v1/procedures", as_="author1", data={"file": (io.BytesIO(data), "x.bpmn")},
                    content_type="multipart/form-data", headers=headers)


def where(problems: list[dict]) -> list[tuple]:
    return [(p["element_id"], p["line"]) for p in problems]


def test_a_refused_bpmn_lists_its_problems_in_chinese_by_default_and_in_english_on_request(api):
    zh, en = deploy(api, MANY_PROBLEMS), deploy(api, MANY_PROBLEMS, EN)
    assert zh.status_code == en.status_code == 422 and zh.json["error"] == en.json["error"] == "bpmn_invalid"
    assert zh.json["message"] == "该 BPMN 文件无法部署" and en.json["message"] == "the BPMN file cannot be deployed"
    assert sorted(zh.json) == sorted(en.json) and sorted(zh.json["details"]) == sorted(en.json["details"])
    problems = {"zh": zh.json["details"]["problems"], "en": en.json["details"]["problems"]}
    assert where(problems["zh"]) == where(problems["en"])
    assert {p["element_id"] for p in problems["zh"]} == {"t1", "lane_cleaner", "s1"}
    assert zh.json["details"]["problem_count"] == en.json["details"]["problem_count"] == 3

    by_element = {lang: {p["element_id"]: p["message"] for p in found} for lang, found in problems.items()}
    assert by_element["en"]["t1"] == "unknown property 'colour'"
    assert by_element["zh"]["t1"] == "未知属性 'colour'"
    assert by_element["en"]["lane_cleaner"].startswith("lane 'cleaner' is not a known role (officer, ")
    assert by_element["zh"]["lane_cleaner"].startswith("泳道 'cleaner' 不是已知角色（officer, ")
    # RestrictedPython's reason is English in both; the frame around it is translated
    assert by_element["en"]["s1"].startswith("script not allowed: ") and "__class__" in by_element["en"]["s1"]
    assert by_element["zh"]["s1"].startswith("脚本不被允许：") and "__class__" in by_element["zh"]["s1"]

    # the same messages, flattened with where they are, for simple clients
    line = next(p["line"] for p in problems["zh"] if p["element_id"] == "t1")
    assert f"未知属性 'colour' [元素 t1] [第 {line} 行]" in zh.json["errors"]["file"]
    assert f"unknown property 'colour' [element t1] [line {line}]" in en.json["errors"]["file"]
    assert len(zh.json["errors"]["file"]) == len(en.json["errors"]["file"]) == 3


def test_the_bpmn_parsers_own_refusal_is_its_english_reason_in_a_translated_frame(api):
    zh, en = deploy(api, CALLS_A_PROCESS_IT_CANNOT_RUN), deploy(api, CALLS_A_PROCESS_IT_CANNOT_RUN, EN)
    assert zh.status_code == en.status_code == 422
    [zh_problem], [en_problem] = zh.json["details"]["problems"], en.json["details"]["problems"]
    assert zh_problem["message"].startswith("BPMN 解析器拒绝了该文件：Process draft_process is not executable")
    assert en_problem["message"].startswith("the BPMN parser refused the file: Process draft_process is not executable")
    assert where([zh_problem]) == where([en_problem])


def test_a_file_that_is_not_xml_is_refused_in_the_readers_language(api):
    zh, en = deploy(api, b"<bpmn:definitions"), deploy(api, b"<bpmn:definitions", EN)
    assert zh.json["details"]["problems"][0]["message"].startswith("XML 格式不正确：")
    assert en.json["details"]["problems"][0]["message"].startswith("not well-formed XML: ")
    assert where(zh.json["details"]["problems"]) == where(en.json["details"]["problems"]) == [(None, 1)]


def test_a_deploy_without_a_file_says_where_to_put_it_in_the_readers_language(api):
    zh = api.post("/api/v1/procedures", as_="author1", data={}, content_type="multipart/form-data")
    en = api.post("/api/v1/procedures", as_="author1", data={}, content_type="multipart/form-data", headers=EN)
    assert zh.status_code == en.status_code == 422
    assert zh.json["errors"] == {"file": ["请以 multipart 表单的 file 字段上传 BPMN XML 文件"]}
    assert en.json["errors"] == {"file": ["send the BPMN XML as the multipart file field 'file'"]}


def test_the_cli_says_a_refused_bpmn_in_english(app, tmp_path):
    path = tmp_path / "many_problems.bpmn"
    path.write_bytes(MANY_PROBLEMS)
    result = app.test_cli_runner().invoke(args=["procedures", "deploy", str(path)])
    assert result.exit_code == 1
    assert "the BPMN file cannot be deployed" in result.output
    assert "  - unknown property 'colour' (element t1, line " in result.output


# -- a step that failed in the engine ---------------------------------------------------------------
def fail_t1(api, process_id: str, bpmn: bytes) -> tuple[dict, dict]:
    """Deploy, open a case, complete t1 twice (Chinese, then English): both fail the same way."""
    assert deploy(api, bpmn).status_code == 201
    case = api.open_case(procedure_id=process_id)
    url = f"/api/v1/tasks/{api.task(case, 't1')['id']}/complete"
    zh, en = api.post(url, json={"data": {}}), api.post(url, json={"data": {}}, headers=EN)
    for r in (zh, en):
        assert r.status_code == 422 and r.json["error"] == "engine_error", r.json
    assert zh.json["details"] == en.json["details"] and sorted(zh.json) == sorted(en.json)
    assert zh.json["message"] == "程序无法继续，案件未作改动"
    assert en.json["message"] == "the procedure could not continue; the case is unchanged"
    return zh.json, en.json


def traced_errors(app) -> list[str]:
    # A context of its own: the requests above must not share one (Flask-Babel keeps the
    # language chosen in the app context's `g`, so a shared one would answer both in Chinese).
    with app.app_context():
        return [json.loads(e.data_json)["error"] for e in db.session.execute(
            db.select(TraceEvent).where(TraceEvent.action == "task.failed").order_by(TraceEvent.id)).scalars()]


def test_a_failing_script_is_said_in_either_language_with_pythons_own_words(api, app):
    zh, en = fail_t1(api, "key_error", script("key_error", "x = 1\ny = {}[1]"))
    assert zh["errors"]["_engine"] == ["程序无法继续（BPMN 元素 bad）：KeyError: 1（脚本第 2 行）"]
    assert en["errors"]["_engine"] == ["the procedure could not continue (BPMN element bad): KeyError: 1 "
                                       "(script line 2)"]
    assert traced_errors(app) == ["KeyError: 1 (script line 2)"] * 2  # the record is English, whoever asked


def test_a_long_error_is_clipped_in_its_reason_and_still_said_in_chinese(api, app):
    zh, en = fail_t1(api, "long_key", script("long_key", "x = {}['k' * 2000]"))
    [message] = zh["errors"]["_engine"]
    assert message.startswith("程序无法继续（BPMN 元素 bad）：KeyError: 'kkk") and len(message) <= 300
    assert message.endswith("个字符）") or message.endswith("行）")  # the clipped reason, or its script line
    assert en["errors"]["_engine"][0].startswith("the procedure could not continue (BPMN element bad): KeyError: 'kk")


@pytest.mark.parametrize("code, zh_reason, en_reason", [
    ("x = pow(7, 10**7)", "** 运算的结果过大", "result of ** is too large"),
    ("x = 'a'.format()", "脚本中不能使用 str.format", "str.format is not available in scripts"),
    ("x = list(range(1000000))", "脚本留下了 ", "script left "),
])
def test_a_limit_of_the_sandbox_is_said_in_either_language(api, code, zh_reason, en_reason):
    zh, en = fail_t1(api, "limited", script("limited", code))
    assert zh["errors"]["_engine"][0].startswith(f"程序无法继续（BPMN 元素 bad）：{zh_reason}"), zh
    assert en["errors"]["_engine"][0].startswith(f"the procedure could not continue (BPMN element bad): {en_reason}")


def test_a_step_killed_at_its_cpu_limit_is_said_in_either_language(api, app):
    """The worker is killed (SIGXCPU or the wall clock): the web process says why, and names the
    element the worker said it was running."""
    app.config.update(ENGINE_STEP_CPU_SECONDS=1.0, ENGINE_STEP_WALL_SECONDS=3.0)
    zh, en = fail_t1(api, "spins", script("spins", CATCHES_THE_TIMEOUT))
    assert zh["errors"]["_engine"][0].startswith("程序无法继续（BPMN 元素 bad）：本步流程运算")
    assert zh["errors"]["_engine"][0].endswith("已被终止")
    assert en["errors"]["_engine"][0].startswith("the procedure could not continue (BPMN element bad): the engine step ")
    assert en["errors"]["_engine"][0].endswith("and was stopped")


def test_the_task_page_says_a_failed_step_in_the_pages_language(api, app):
    assert deploy(api, script("key_error", "x = 1\ny = {}[1]")).status_code == 201
    task_id = api.task(api.open_case(procedure_id="key_error"), "t1")["id"]
    client = page_of(app.test_client(), "officer1")
    page = html(client.get(f"/tasks/{task_id}"))
    r = client.post(f"/tasks/{task_id}", data={"csrf_token": csrf_of(page)})
    assert r.status_code == 200
    assert "程序无法继续（BPMN 元素 bad）：KeyError: 1（脚本第 2 行）" in _banner(html(r))
