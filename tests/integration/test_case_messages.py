"""A procedure that waits for a message from outside continues when someone allowed delivers it:
POST /api/v1/cases/<id>/messages/<name> with {"data": {...}}, traced, one step of the case."""
import io
import re
from pathlib import Path

import pytest

from tests.samples import HEADER
from tests.web_session import csrf_of, html, page_login
from workflow_app.services.procedures import packages

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


# -- the case page's action (tests/fixtures/packages/party_reply) --------------------------------------------
PARTY_REPLY = Path(__file__).resolve().parents[1] / "fixtures" / "packages" / "party_reply"
REPLY = {"replied_on": "2026-11-02", "reply_text": "对告知内容无异议", "accepts": "accepts"}


def waiting_for_reply(api) -> dict:
    """A case of the fixture waiting for the party's written reply (its form declared)."""
    r = api.post("/api/v1/procedures", as_="author1", content_type="multipart/form-data",
                 data={"file": (io.BytesIO(packages.to_zip(packages.read_tree(PARTY_REPLY))), "party_reply.zip")})
    assert r.status_code in (200, 201), r.json
    case = api.open_case(procedure_id="party_reply", title="某商户答复案")
    return api.post(f"/api/v1/tasks/{api.task(case, 'notify')['id']}/complete").json


def test_a_message_whose_element_declares_a_form_takes_that_forms_data(api):
    case = waiting_for_reply(api)
    url = f"/api/v1/cases/{case['id']}/messages/party_reply"
    r = api.post(url, json={"data": {"reply_text": "无异议", "accepts": "maybe"}}, headers=EN)
    assert r.status_code == 422 and {"replied_on", "accepts"} <= set(r.json["errors"]), r.json
    assert api.post(url, json={"data": REPLY}).status_code == 200
    delivered = [e for e in api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]
                 if e["action"] == "message.delivered"]
    assert delivered[0]["data"] == {"message": "party_reply", "data": REPLY}


def test_the_case_page_offers_the_message_the_case_waits_for_to_those_who_deliver_it(api, client):
    case = waiting_for_reply(api)
    page_login(client, "officer1")
    page = html(client.get(f"/cases/{case['id']}"))
    links = re.findall(r'data-testid="message-link" data-message="([^"]+)">([^<]+)<', page)
    assert links == [("party_reply", "记录：当事人书面答复")]  # the one waited for now, not the receipt after it
    form = html(client.get(f"/cases/{case['id']}/messages/party_reply"))
    assert 'name="reply_text"' in form and "消息：当事人书面答复" in form
    r = client.post(f"/cases/{case['id']}/messages/party_reply", data={"csrf_token": csrf_of(form), "reply_text": "无异议"})
    assert r.status_code == 200 and 'data-testid="error-replied_on"' in html(r)  # beside the field, nothing sent
    r = client.post(f"/cases/{case['id']}/messages/party_reply",
                    data={"csrf_token": csrf_of(form), **REPLY})
    assert r.status_code == 302 and r.headers["Location"] == f"/cases/{case['id']}"
    page = html(client.get(f"/cases/{case['id']}"))
    assert "“当事人书面答复”已记录。下一步：暂无，案件等待后续事项。" in page  # the flash, not "the procedure has ended"
    assert re.findall(r'data-testid="message-link" data-message="([^"]+)"', page) == ["receipt_returned"]
    confirm = html(client.get(f"/cases/{case['id']}/messages/receipt_returned"))
    assert 'data-testid="message-confirm"' in confirm and 'name="reply_text"' not in confirm
    # delivered again (a second tab): refused in words, the case unchanged
    again = client.post(f"/cases/{case['id']}/messages/party_reply", data={"csrf_token": csrf_of(form), **REPLY})
    assert again.status_code == 200 and "本案当前未在等待消息 &#39;party_reply&#39;" in html(again)
    assert client.post(f"/cases/{case['id']}/messages/receipt_returned",
                       data={"csrf_token": csrf_of(confirm)}).status_code == 302
    assert [t["bpmn_id"] for t in api.get(f"/api/v1/cases/{case['id']}").json["tasks"]] == ["handle"]


def test_the_page_refuses_a_message_to_whom_the_procedure_does_not_give_it(api, client):
    case = waiting_for_reply(api)
    page_login(client, "head1")
    page = html(client.get(f"/cases/{case['id']}"))
    assert 'data-testid="message-link"' not in page
    assert client.get(f"/cases/{case['id']}/messages/party_reply").status_code == 403
    assert client.get(f"/cases/{case['id']}/messages/nobody_waits").status_code == 409
    token = csrf_of(html(client.get("/cases/new")))
    assert client.post(f"/cases/{case['id']}/messages/party_reply", data={"csrf_token": token, **REPLY}
                       ).status_code == 403
    assert client.post(f"/cases/{case['id']}/messages/party_reply", data=REPLY).status_code == 400  # no CSRF token


def test_deploy_refuses_a_message_form_that_does_not_exist(api):
    bpmn = waiting().replace(b'value="officer"/>', b'value="officer"/><spiffworkflow:property name="formKey" '
                                                  b'value="no_such_form"/>')
    r = deploy(api, bpmn)
    assert r.status_code == 422 and "formKey 'no_such_form' has no form in forms/" in str(r.json), r.json


def test_the_messages_data_becomes_the_process_variables_the_next_step_reads(api, ctx):
    """A catching element that names no variable of its own (spiffworkflow:messageVariable): the
    data delivered goes on with the process, the next step's task data holds it (SpiffWorkflow
    would have kept it in the element's internal data, out of reach)."""
    from tests.helpers import load_engine_state
    from workflow_app.engine.processor import WorkflowProcessor

    assert deploy(api, waiting()).status_code == 201
    case = api.open_case(procedure_id="await_reply")
    case = api.post(f"/api/v1/tasks/{api.task(case, 't1')['id']}/complete").json
    r = api.post(f"/api/v1/cases/{case['id']}/messages/party_reply",
                 json={"data": {"reply_text": "同意", "replied_on": "2026-11-02"}})
    assert r.status_code == 200, r.json
    engine = load_engine_state(case["id"])
    assert isinstance(engine, WorkflowProcessor)
    [t2] = [t for t in engine.workflow.get_tasks() if t.task_spec.bpmn_id == "t2"]
    assert t2.data["reply_text"] == "同意" and t2.data["replied_on"] == "2026-11-02"
