"""Small BPMN files for tests, built from a compact description (one lane per role)."""
from xml.sax.saxutils import escape

HEADER = ('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
          'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
          'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" '
          'targetNamespace="http://zhifaflow.local/test">\n')


def sequential(process_id: str, steps: list[tuple], lane_names: dict | None = None) -> bytes:
    """start → steps → end. A step is ("user", id, props) or ("script", id, code)."""
    lanes: dict[str, list[str]] = {}
    body, ids = [], ["start"]
    for step in steps:
        kind, sid = step[0], step[1]
        ids.append(sid)
        if kind == "user":
            props = step[2] if len(step) > 2 else {}
            lane = props.pop("lane", "officer")
            lanes.setdefault(lane, []).append(sid)
            ext = ""
            if props:
                items = "".join(f'<spiffworkflow:property name="{k}" value="{escape(v)}"/>' for k, v in props.items())
                ext = f"<bpmn:extensionElements><spiffworkflow:properties>{items}</spiffworkflow:properties></bpmn:extensionElements>"
            body.append(f'<bpmn:userTask id="{sid}" name="{sid}">{ext}</bpmn:userTask>')
        else:
            lanes.setdefault("officer", []).append(sid)
            body.append(f'<bpmn:scriptTask id="{sid}" name="{sid}"><bpmn:script>{escape(step[2])}</bpmn:script></bpmn:scriptTask>')
    ids.append("end")
    lanes.setdefault("officer", []).extend(["start", "end"])
    lane_xml = "".join(
        f'<bpmn:lane id="lane_{role}" name="{(lane_names or {}).get(role, role)}">'
        + "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in nodes) + "</bpmn:lane>"
        for role, nodes in lanes.items())
    flows = "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                    for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False)))
    xml = (HEADER + f'<bpmn:process id="{process_id}" name="{process_id}" isExecutable="true">'
           f'<bpmn:laneSet id="ls">{lane_xml}</bpmn:laneSet>'
           '<bpmn:startEvent id="start"/>' + "".join(body) + '<bpmn:endEvent id="end"/>'
           + flows + "</bpmn:process></bpmn:definitions>\n")
    return xml.encode("utf-8")


# -- a corpus of hostile procedures (tests/integration/test_hostile_procedures.py, bench/bench_hostile.py)
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


# (name, bpmn, element named in the problem, words of the message): refused at deploy.
HOSTILE_AT_DEPLOY = [
    ("huge_duration", timer("huge_duration", '"P99999999999Y"'), "wait", "days ahead"),
    ("far_date", timer("far_date", '"9999-01-01T00:00:00+08:00"', "timeDate"), "wait", "days ahead"),
    ("bad_duration", timer("bad_duration", '"not-a-duration"'), "wait", "ISO 8601 duration"),
    ("number_duration", timer("number_duration", "12345"), "wait", "not int"),
    ("ten_thousand_years", timer("ten_thousand_years", '"P10000Y"'), "wait", "days ahead"),
    ("endless_cycle", timer("endless_cycle", '"R/P99999Y"', "timeCycle"), "wait", "repeating timer"),
    ("big_loop", multi_instance("big_loop", "50000"), "many", "between 0 and"),
    ("text_loop", multi_instance("text_loop", '"many"'), "many", "whole number"),
    ("wide", fan_out("wide", 2000), "split", "outgoing sequence flows"),
    # Python's own parser gives up on these with MemoryError / RecursionError, not SyntaxError.
    ("deep_unary", script("deep_unary", "x = " + "-" * 100_000 + "1"), "bad", "cannot be compiled"),
    ("long_sum", script("long_sum", "x = 1" + " + 1" * 200_000), "bad", "cannot be compiled"),
]

# (process id, bpmn, element named in the error or None, words of the message; "a|b": either):
# deployed, then completing t1 runs the hostile element.
HOSTILE_AT_RUN_TIME = [
    ("catches_timeout", script("catches_timeout", CATCHES_THE_TIMEOUT), "bad", "stopped"),
    ("pow_script", script("pow_script", "x = pow(7, 10**7)"), "bad", "too large"),
    ("pow_condition", condition("pow_condition", "pow(7, 10**7) > 1"), None, "too large"),
    ("big_str", script("big_str", "s = 'a' * 1000000\nl = [s] * 1000\nt = str(l)"), "bad", "too large"),
    ("big_repr", script("big_repr", "s = 'a' * 1000000\nl = [s] * 1000\nt = f'{l!r}'"), "bad", "too large"),
    ("big_percent", script("big_percent", "s = 'a' * 1000000\nl = [s] * 1000\nt = '%s' % (l,)"), "bad", "too large"),
    ("big_state", script("big_state", "x = list(range(1000000))"), "bad", "bytes"),
    ("key_error", script("key_error", "x = {}[1]"), "bad", "KeyError: 1"),
    ("overflow", script("overflow", "x = 10.0**400"), "bad", "OverflowError"),
    ("recursion", script("recursion", "def f(n):\n    return f(n + 1)\nf(0)"), "bad", "RecursionError"),
    ("data_duration", timer("data_duration", "d", script="d = 'P99999999999Y'"), "wait", "days ahead"),
    ("data_not_duration", timer("data_not_duration", "d", script="d = 12345"), "wait", "not int"),
    ("data_loop", multi_instance("data_loop", "n", script="n = 50000"), "many", "between 0 and"),
]
