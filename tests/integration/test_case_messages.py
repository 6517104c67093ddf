"""A procedure that waits for a message from outside continues when someone allowed delivers it:
POST /api/v1/cases/<id>/messages/<name> with {"data": {...}}, traced, one step of the case."""
import io

import pytest

from tests.samples import HEADER

EN = {"Accept-Language": "en"}


def waiting(process_id="await_reply", senders: str | None = "officer", lane="officer") -> bytes:
    """start → t1 (officer) → wait for the message `party_reply` → t2 (officer) → end."""
    prop = ("" if senders is None else '<bpmn:extensionElements><spiffworkflow:properties>'
            f'<spiffworkflow:property name="messageSenders" value="{senders}"/>'
            '</spiffworkflow:properties></bpmn:extensionElements>')
    nodes = ["start", "t1", "reply", "t2", "end"]
    lane_xml = (f'<bpmn:laneSet id="ls"><bpmn:lane id="l" name="{lane}">'
                + "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in nodes)
                + "</bpmn:lane></bpmn:laneSet>") if lane else ""
    flows = "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                    for i, (a, b) in enumerate(zip(nodes, nodes[1:], strict=False)))
    return (HEADER + '<bpmn:message id="m_reply" name="party_reply"/>'
            f'<bpmn:process id="{process_id}" isExecutable="true">{lane_xml}<bpmn:startEvent id="start"/>'
            '<bpmn:userTask id="t1" name="送达通知"/>'
            f'<bpmn:intermediateCatchEvent id="reply" name="当事人答复">{prop}'
            '<bpmn:messageEventDefinition id="md" messageRef="m_reply"/></bpmn:intermediateCatchEvent>'
            '<bpmn:userTask id="t2" name="处理答复"/><bpmn:endEvent id="end"/>'
            f"{flows}</bpmn:process></bpmn:definitions>\n").encode()


def deploy(api, data: bytes):
    return api.post("/api/v1/procedures", as_="author1", data={"file": (io.BytesIO(data), "p.bpmn")},
                    content_type="multipart/form-data", headers=EN)


def test_a_waiting_case_continues_when_the_message_is_delivered(api, app):
    assert deploy(api, waiting()).status_code == 201
    case = api.open_case(procedure_id="await_reply")
    case = api.post(f"/api/v1/tasks/{api.task(case, 't1')['id']}/complete").json
    assert case["tasks"] == []  # waiting for the party
    url = f"/api/v1/cases/{case['id']}/messages/party_reply"
    # Not a role the procedure declares for it: 403; an unknown message: 409.
    assert api.post(url, as_="head1", json={"data": {}}).status_code == 403
    assert api.post(f"/api/v1/cases/{case['id']}/messages/nobody_waits", json={"data": {}}).status_code == 409
    r = api.post(url, json={"data": {"reply_text": "同意", "replied_on": "2026-11-02"}})
    assert r.status_code == 200, r.json
    assert [t["bpmn_id"] for t in r.json["tasks"]] == ["t2"]
    trace = api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]
    delivered = [e for e in trace if e["action"] == "message.delivered"]
    assert len(delivered) == 1 and delivered[0]["data"] == {
        "message": "party_reply", "data": {"reply_text": "同意", "replied_on": "2026-11-02"}}
    assert delivered[0]["actor"] == "officer1"
    # Delivered once: the case no longer waits for it.
    again = api.post(url, json={"data": {}})
    assert again.status_code == 409 and "not waiting" in api.post(url, json={"data": {}}, headers=EN).json["message"]


def test_a_message_that_starts_an_ad_hoc_request_needs_its_form(api):
    case = api.open_case()
    r = api.post(f"/api/v1/cases/{case['id']}/messages/extension_request", json={"data": {}}, headers=EN)
    assert r.status_code == 409 and "requests/extension_request" in r.json["message"], r.json


@pytest.mark.parametrize("senders, lane, needle", [
    (None, None, "needs the roles that may deliver it"),
    ("nobody", "officer", "not a known role"),
])
def test_a_message_nobody_may_deliver_is_refused_at_deploy(api, senders, lane, needle):
    r = deploy(api, waiting("no_senders", senders=senders, lane=lane))
    assert r.status_code == 422
    assert any(needle in p["message"] for p in r.json["details"]["problems"]), r.json
