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
