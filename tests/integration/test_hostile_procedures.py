"""A corpus of hostile procedures: whatever a BPMN contains, an engine step ends within its
limits, fails with a 422 naming the element, leaves the case exactly as it was, is traced, and
the server keeps answering meanwhile.

Each procedure is deployed through the API and driven through it, so the whole path runs: the
web process sends the step to an engine worker process, which is killed when it overruns.
"""
import io
import json
import threading
import time
from xml.sax.saxutils import escape

import pytest

from tests.samples import HEADER, sequential
from workflow_app.extensions import db
from workflow_app.models import TraceEvent, WorkflowState

# The OS layer's limits, tightened so that the corpus runs quickly.
STEP_CPU, STEP_WALL = 1.0, 3.0


@pytest.fixture
def tight(app):
    app.config.update(ENGINE_STEP_CPU_SECONDS=STEP_CPU, ENGINE_STEP_WALL_SECONDS=STEP_WALL)
    return app


def deploy(api, data: bytes, expect=(200, 201)):
    r = api.post("/api/v1/procedures", as_="author1", data={"file": (io.BytesIO(data), "x.bpmn")},
                 content_type="multipart/form-data")
    assert r.status_code in expect if isinstance(expect, tuple) else r.status_code == expect, r.json
    return r


def process(process_id: str, body: str, nodes: list[str], flows: list[tuple[str, str, str]]) -> bytes:
    """A process in the officer lane from its elements' XML and (id, source, target[, condition])."""
    refs = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in nodes)
    flow_xml = ""
    for fid, src, dst, *cond in flows:
        inner = (f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escape(cond[0])}'
                 "</bpmn:conditionExpression>") if cond else ""
        flow_xml += f'<bpmn:sequenceFlow id="{fid}" sourceRef="{src}" targetRef="{dst}">{inner}</bpmn:sequenceFlow>'
    return (HEADER + f'<bpmn:process id="{process_id}" isExecutable="true"><bpmn:laneSet id="ls">'
            f'<bpmn:lane id="l" name="officer">{refs}</bpmn:lane></bpmn:laneSet>{body}{flow_xml}'
            "</bpmn:process></bpmn:definitions>\n").encode("utf-8")


def with_script_then(process_id: str, script: str, element_xml: str, element_id: str) -> bytes:
    """start → t1 (user) → set (script) → <element> → end."""
    body = ('<bpmn:startEvent id="start"/><bpmn:userTask id="t1" name="t1"/>'
            f'<bpmn:scriptTask id="set" name="set"><bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>'
            f'{element_xml}<bpmn:endEvent id="end"/>')
    return process(process_id, body, ["start", "t1", "set", element_id, "end"],
                   [("f1", "start", "t1"), ("f2", "t1", "set"), ("f3", "set", element_id), ("f4", element_id, "end")])


def timer(process_id: str, expression: str, kind: str = "timeDuration", script: str = "x = 1") -> bytes:
    element = ('<bpmn:intermediateCatchEvent id="wait" name="wait"><bpmn:timerEventDefinition id="td">'
               f'<bpmn:{kind} xsi:type="bpmn:tFormalExpression">{escape(expression)}</bpmn:{kind}>'
               "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>")
    return with_script_then(process_id, script, element, "wait")


def multi_instance(process_id: str, cardinality: str, script: str = "x = 1") -> bytes:
    element = ('<bpmn:scriptTask id="many" name="many"><bpmn:multiInstanceLoopCharacteristics>'
               f"<bpmn:loopCardinality>{escape(cardinality)}</bpmn:loopCardinality>"
               "</bpmn:multiInstanceLoopCharacteristics><bpmn:script>y = 1</bpmn:script></bpmn:scriptTask>")
    return with_script_then(process_id, script, element, "many")


def condition(process_id: str, expression: str) -> bytes:
    body = ('<bpmn:startEvent id="start"/><bpmn:userTask id="t1" name="t1"/>'
            '<bpmn:exclusiveGateway id="choose" default="f_no"/><bpmn:endEvent id="end"/>')
    return process(process_id, body, ["start", "t1", "choose", "end"],
                   [("f1", "start", "t1"), ("f2", "t1", "choose"), ("f_yes", "choose", "end", expression),
                    ("f_no", "choose", "end")])


def fan_out(process_id: str, branches: int) -> bytes:
    scripts = "".join(f'<bpmn:scriptTask id="s{i}" name="s{i}"><bpmn:script>x = {i}</bpmn:script></bpmn:scriptTask>'
                      for i in range(branches))
    body = ('<bpmn:startEvent id="start"/><bpmn:userTask id="t1" name="t1"/>'
            f'<bpmn:parallelGateway id="split"/>{scripts}<bpmn:parallelGateway id="join"/><bpmn:endEvent id="end"/>')
    flows = [("f1", "start", "t1"), ("f2", "t1", "split"), ("f3", "join", "end")]
    flows += [(f"a{i}", "split", f"s{i}") for i in range(branches)] + [(f"b{i}", f"s{i}", "join") for i in range(branches)]
    return process(process_id, body, ["start", "t1", "split", "join", "end"] + [f"s{i}" for i in range(branches)],
                   flows)


def script(process_id: str, code: str) -> bytes:
    return sequential(process_id, [("user", "t1", {}), ("script", "bad", code), ("user", "t2", {})])


# -- refused at deploy: the limit is visible in the BPMN itself ----------------------------------------
@pytest.mark.parametrize("bpmn, element, words", [
    (timer("huge_duration", '"P99999999999Y"'), "wait", "days ahead"),
    (timer("far_date", '"9999-01-01T00:00:00+08:00"', "timeDate"), "wait", "days ahead"),
    (timer("bad_duration", '"not-a-duration"'), "wait", "ISO 8601 duration"),
    (timer("number_duration", "12345"), "wait", "not int"),
    (timer("ten_thousand_years", '"P10000Y"'), "wait", "days ahead"),
    (timer("endless_cycle", '"R/P99999Y"', "timeCycle"), "wait", "days ahead"),
    (multi_instance("big_loop", "50000"), "many", "between 0 and"),
    (multi_instance("text_loop", '"many"'), "many", "whole number"),
    (fan_out("wide", 2000), "split", "outgoing sequence flows"),
])
def test_a_limit_given_as_a_constant_is_refused_at_deploy(api, bpmn, element, words):
    r = deploy(api, bpmn, expect=422)
    problems = r.json["details"]["problems"]
    assert any(p["element_id"] == element and words in p["message"] for p in problems), problems


# -- refused while running: a clean 422, the case as it was, the attempt traced ----------------------
def run_hostile(api, bpmn: bytes, process_id: str):
    """Deploy, open a case, complete t1 (which runs the hostile element); return (response, seconds)."""
    deploy(api, bpmn)
    case = api.open_case(procedure_id=process_id)
    before = db.session.get(WorkflowState, case["id"]).state
    started = time.monotonic()
    r = api.post(f"/api/v1/tasks/{api.task(case, 't1')['id']}/complete", json={"data": {}})
    elapsed = time.monotonic() - started
    assert r.status_code == 422 and r.json["error"] == "engine_error", r.json
    db.session.expire_all()
    assert db.session.get(WorkflowState, case["id"]).state == before
    assert api.ready(api.get(f"/api/v1/cases/{case['id']}").json) == ["t1"]
    failed = db.session.execute(db.select(TraceEvent).where(
        TraceEvent.case_id == case["id"], TraceEvent.action == "task.failed")).scalars().all()
    assert len(failed) == 1
    assert len(json.dumps(r.json)) < 5000  # the error names the problem; it does not echo the value
    return r, json.loads(failed[0].data_json), elapsed


CATCHES_THE_TIMEOUT = """while True:
    try:
        while True:
            try:
                pass
            except:
                pass
    except:
        n = 1
"""


@pytest.mark.parametrize("bpmn, process_id, element, words", [
    (script("catches_timeout", CATCHES_THE_TIMEOUT), "catches_timeout", "bad", "stopped"),
    (script("pow_script", "x = pow(7, 10**7)"), "pow_script", "bad", "too large"),
    (condition("pow_condition", "pow(7, 10**7) > 1"), "pow_condition", None, "too large"),
    (script("big_str", "s = 'a' * 1000000\nl = [s] * 1000\nt = str(l)"), "big_str", "bad", "memory|stopped"),
    (script("big_repr", "s = 'a' * 1000000\nl = [s] * 1000\nt = f'{l!r}'"), "big_repr", "bad", "memory|stopped"),
    (script("big_percent", "s = 'a' * 1000000\nl = [s] * 1000\nt = '%s' % (l,)"), "big_percent", "bad", "memory|stopped"),
    (script("big_state", "x = list(range(1000000))"), "big_state", "bad", "bytes"),
    (script("key_error", "x = {}[1]"), "key_error", "bad", "KeyError: 1"),
    (script("overflow", "x = 10.0**400"), "overflow", "bad", "OverflowError"),
    (script("recursion", "def f(n):\n    return f(n + 1)\nf(0)"), "recursion", "bad", "RecursionError"),
    (timer("data_duration", "d", script="d = 'P99999999999Y'"), "data_duration", "wait", "days ahead"),
    (timer("data_not_duration", "d", script="d = 12345"), "data_not_duration", "wait", "not int"),
    (multi_instance("data_loop", "n", script="n = 50000"), "data_loop", "many", "between 0 and"),
])
def test_a_hostile_step_fails_cleanly_within_its_limits(api, ctx, tight, bpmn, process_id, element, words):
    r, traced, elapsed = run_hostile(api, bpmn, process_id)
    message = r.json["errors"]["_engine"][0]
    # "a|b": either stop is right (a huge repr may hit the memory cap or the CPU limit first)
    assert any(w.lower() in message.lower() for w in words.split("|")), message
    if element:
        assert r.json["details"]["element_id"] == element and traced["element"] == element
    assert elapsed < STEP_WALL + 10  # the wall-clock limit plus a generous margin for a loaded machine


def test_a_step_creating_too_many_engine_tasks_is_refused(api, ctx, app):
    app.config["ENGINE_MAX_NEW_TASKS"] = 50
    r, traced, _ = run_hostile(api, multi_instance("many_tasks", "n", script="n = 100"), "many_tasks")
    assert "engine tasks" in r.json["errors"]["_engine"][0]


def test_the_server_answers_other_requests_while_a_step_is_killed(api, tight, app):
    from workflow_app.engine.pool import engine_for

    deploy(api, script("spin_forever", CATCHES_THE_TIMEOUT))
    case = api.open_case(procedure_id="spin_forever")
    pool = engine_for(app.config)
    replaced = pool.replaced
    headers = api.headers("officer1")
    done = {}

    def hostile():
        r = app.test_client().post(f"/api/v1/tasks/{api.task(case, 't1')['id']}/complete", headers=headers,
                                   json={"data": {}})
        done["hostile"] = (time.monotonic(), r.status_code)

    thread = threading.Thread(target=hostile)
    thread.start()
    time.sleep(0.3)  # the hostile step is running in a worker now
    other = api.get("/api/v1/cases?per_page=5")
    answered = time.monotonic()
    opened = api.open_case()  # an engine step on the other worker
    thread.join(timeout=STEP_WALL + 30)
    assert other.status_code == 200 and opened["tasks"]
    assert done["hostile"][1] == 422 and answered < done["hostile"][0]
    assert pool.replaced == replaced + 1  # the killed worker was replaced
    assert api.open_case(procedure_id="general_penalty")["tasks"]  # and the pool still serves


def test_a_failing_case_opening_is_refused_and_traced_on_the_system_chain(api, ctx, tight):
    bpmn = sequential("fails_at_start", [("script", "boom", "x = 1 / 0"), ("user", "t1", {})])
    deploy(api, bpmn)
    r = api.post("/api/v1/cases", json={"procedure_id": "fails_at_start", "title": "t", "department": "market",
                                        "party": {"name": "某公司", "kind": "organization"}})
    assert r.status_code == 422 and r.json["details"]["element_id"] == "boom"
    failed = db.session.execute(db.select(TraceEvent).where(TraceEvent.action == "case.open_failed")).scalars().all()
    assert len(failed) == 1 and json.loads(failed[0].data_json)["element"] == "boom"
    assert api.get("/api/v1/cases").json["total"] == 0
