"""The workbench's properties panel ([8/9]) in a real browser: everything a procedure package says on
its elements is chosen from lists in the author's words, never typed as raw text, and each change is
one undoable modeling command. On a new procedure and on a draft of the deployed 线索移送 (referral):
a step's statutory deadline built from the dates of the steps before it (a later step's date is not
offered; typed by hand it is a named problem) and read back as the procedure page says it, with the
alerts it raises; the milestone, its status and whether it closes the case; legal review, the report
the reviewer reads, a referral's part, the kind of procedure; the step's form with its title and the
link to make one; a message and the roles that deliver it; a timer within the engine's limits (a
repeating one refused with the deploy's words); a lane's role and the process's first status. What
is saved is read back through the API. And axe-core on the panel's parts, and a 360 px screen."""
import re
from collections import Counter

import pytest
from lxml import etree
from playwright.sync_api import expect

from tests.browser.conftest import fresh_page, log_in, screenshot
from tests.browser.test_axe import AXE, violations
from tests.browser.test_workbench import (
    EDITOR_TIMEOUT,
    api,
    draft_id_of,
    editor_ready,
    main_file,
    select,
    shape,
    start_new_procedure,
)

pytestmark = [pytest.mark.xdist_group("browser_workbench")]

SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
CHECK_TIMEOUT = 10000


def props_of(xml: str, element_id: str) -> dict[str, str]:
    """The extension properties of one element of a saved diagram."""
    node = node_of(xml, element_id)
    return {p.get("name"): p.get("value")
            for p in node.findall(f"./{BPMN}extensionElements/{SPIFF}properties/{SPIFF}property")}


def node_of(xml: str, element_id: str):
    return etree.fromstring(xml.encode("utf-8")).xpath(f'//*[@id="{element_id}"]')[0]


def diagram(process_id: str) -> str:
    """A new procedure's diagram as its author drew it: 登记 → 审查 → wait 5 days → the party's reply
    (a receive task) → end, in one lane of officers; both steps on the skeleton's form."""
    form = f"{process_id}_record"
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="definitions_{process_id}" targetNamespace="http://zhifaflow.local/bpmn">
  <bpmn:process id="{process_id}" name="面板检查登记" isExecutable="true">
    <bpmn:laneSet id="laneset_{process_id}">
      <bpmn:lane id="lane_officer" name="officer">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>record</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>wait</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>reply</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="开始"/>
    <bpmn:userTask id="record" name="登记">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="{form}"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:userTask id="review" name="审查">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="{form}"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:intermediateCatchEvent id="wait" name="等待">
      <bpmn:timerEventDefinition id="wait_timer"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P5D"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:receiveTask id="reply" name="当事人答复"/>
    <bpmn:endEvent id="end" name="结束"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="record"/>
    <bpmn:sequenceFlow id="f2" sourceRef="record" targetRef="review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="wait"/>
    <bpmn:sequenceFlow id="f4" sourceRef="wait" targetRef="reply"/>
    <bpmn:sequenceFlow id="f5" sourceRef="reply" targetRef="end"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram_{process_id}">
    <bpmndi:BPMNPlane id="plane_{process_id}" bpmnElement="{process_id}">
      <bpmndi:BPMNShape id="lane_officer_di" bpmnElement="lane_officer" isHorizontal="true"><dc:Bounds x="130" y="80" width="900" height="160"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="182" y="142" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="record_di" bpmnElement="record"><dc:Bounds x="260" y="120" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="review_di" bpmnElement="review"><dc:Bounds x="410" y="120" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="wait_di" bpmnElement="wait"><dc:Bounds x="562" y="142" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="reply_di" bpmnElement="reply"><dc:Bounds x="650" y="120" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="812" y="142" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="218" y="160"/><di:waypoint x="260" y="160"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="360" y="160"/><di:waypoint x="410" y="160"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f3_di" bpmnElement="f3"><di:waypoint x="510" y="160"/><di:waypoint x="562" y="160"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f4_di" bpmnElement="f4"><di:waypoint x="598" y="160"/><di:waypoint x="650" y="160"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f5_di" bpmnElement="f5"><di:waypoint x="750" y="160"/><di:waypoint x="812" y="160"/></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
'''


def new_procedure(page, process_id: str) -> int:
    """A new procedure whose diagram has two steps, a timer and a receive task (put through the API,
    as the author's earlier session saved it), loaded in the editor at revision 2."""
    draft_id = start_new_procedure(page, process_id, "面板检查登记")
    editor_ready(page, 1)
    saved = api(page, "PUT", f"/api/v1/drafts/{draft_id}/file",
                {"path": f"bpmn/{process_id}/{process_id}.bpmn", "content": diagram(process_id)}, revision=1)
    assert saved["status"] == 200, saved
    page.reload()
    editor_ready(page, 2)
    return draft_id


def select_by_name(page, element_id: str):
    """A lane or a pool, selected by a click on its name at its left edge (its middle is its steps')."""
    box = shape(page, element_id).bounding_box()
    page.mouse.click(box["x"] + 8, box["y"] + box["height"] / 2)
    expect(page.get_by_test_id("selected-id")).to_have_text(element_id)


def save(page, revision: int):
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("draft-revision")).to_have_text(str(revision))
    editor_ready(page, revision)


def problems(page):
    return page.locator('[data-testid="problems-panel"] [data-testid="problems"] li')


def deadline_words(page):
    return page.get_by_test_id("deadline-words")


def choose(page, selector: str, value: str):
    """A choice in the panel, as a person makes it: the select changes, then the focus moves on."""
    page.select_option(selector, value)
    page.locator(selector).blur()


def type_in(page, selector: str, text: str):
    page.fill(selector, text)
    page.press(selector, "Tab")


def test_a_new_procedures_deadline_milestone_legal_review_form_and_process_are_chosen_from_lists(page):
    log_in(page, "author1")
    draft_id = new_procedure(page, "wbp_new")
    process_id = "wbp_new"

    # 1. the deadline of the review runs from the record's date: offered in the form's words
    select(page, "review")
    anchor = page.locator("#prop-deadline-anchor")
    expect(anchor).to_be_visible(timeout=CHECK_TIMEOUT)
    offered = anchor.locator("option").evaluate_all("os => os.map(o => [o.value, o.textContent])")
    assert offered == [["", "（无期限）"], ["record.recorded_on", "登记·登记日期"], ["task.ready", "该步骤开始办理"]], offered
    choose(page, "#prop-deadline-anchor", "record.recorded_on")
    type_in(page, "#prop-deadline-amount", "15")
    choose(page, "#prop-deadline-unit", "working_days")
    expect(deadline_words(page)).to_have_text("程序页面将显示为： 自“登记·登记日期”起15个工作日", timeout=CHECK_TIMEOUT)
    expect(page.locator("#prop-deadline")).to_have_value("15 working days from record.recorded_on")
    # hours need a date with a time of day: the record's date is not one
    choose(page, "#prop-deadline-unit", "hours")
    expect(anchor.locator('option[value="record.recorded_on"]')).to_be_disabled()
    expect(page.locator("#prop-deadline-excluding")).to_be_disabled()
    expect(page.get_by_test_id("deadline-problems")).to_contain_text("record.recorded_on", timeout=CHECK_TIMEOUT)
    choose(page, "#prop-deadline-unit", "calendar_days")
    expect(deadline_words(page)).to_have_text("程序页面将显示为： 自“登记·登记日期”起15日", timeout=CHECK_TIMEOUT)
    expect(page.get_by_test_id("deadline-problems").locator("li")).to_have_count(0)
    # the alert it raises, by its Chinese title
    alert = page.locator("#prop-overdue-alert")
    expect(alert).to_be_enabled()
    expect(alert.locator('option[value="FILING_LATE"]')).to_contain_text("FILING_LATE")
    choose(page, "#prop-overdue-alert", "FILING_LATE")
    screenshot(page, "workbench-panel-01-deadline")

    # 2. the milestone: a code (a bad one is named, not written), its status, its names, closing the case
    type_in(page, "#prop-milestone", "Reviewed!")
    expect(page.locator("#prop-milestone-error")).to_be_visible()
    type_in(page, "#prop-milestone", "reviewed")
    expect(page.locator("#prop-milestone-error")).to_have_count(0)
    type_in(page, "#prop-status-label-zh", "已审查")
    type_in(page, "#prop-status-label-en", "reviewed")
    page.locator("#prop-closes-case").check()

    # 3. legal review: the marker and the report the reviewer reads
    page.locator("#prop-legal-review").check()
    expect(page.locator("#prop-reviewed-report")).to_be_enabled()
    choose(page, "#prop-reviewed-report", f"{process_id}_record")

    # 4. the form: its title beside its key, and the way to make one for the step
    expect(page.get_by_test_id("form-title")).to_contain_text("登记")
    link = page.get_by_test_id("new-form-link")
    assert link.get_attribute("href") == f"/workbench/drafts/{draft_id}/forms/new?step=review"
    screenshot(page, "workbench-panel-02-milestone")

    save(page, 3)
    xml = main_file(page, draft_id, process_id)
    assert props_of(xml, "review") == {
        "formKey": f"{process_id}_record", "deadline": "15 calendar days from record.recorded_on",
        "overdueAlert": "FILING_LATE", "milestone": "reviewed", "statusLabel": "已审查|reviewed", "closesCase": "true",
        "legalReview": "true", "reviewedReport": f"{process_id}_record"}
    # the deploy names what the legal review's form lacks: the panel wrote what was chosen, the deploy judges
    expect(problems(page).first).to_contain_text("review_outcome")

    # undo takes back the last change made in the panel, as one command each
    page.get_by_test_id("undo").click()
    select(page, "review")
    expect(page.locator("#prop-reviewed-report")).to_have_value("")
    page.get_by_test_id("undo").click()
    select(page, "review")
    expect(page.locator("#prop-legal-review")).not_to_be_checked()
    page.get_by_test_id("redo").click()
    select(page, "review")
    expect(page.locator("#prop-legal-review")).to_be_checked()
    page.locator("#prop-legal-review").uncheck()  # the marker and its report go together
    save(page, 4)
    assert "legalReview" not in props_of(main_file(page, draft_id, process_id), "review")
    expect(problems(page)).to_have_count(0)

    # a later step's date is not offered on the record step; typed by hand, it is a named problem
    select(page, "record")
    expect(page.locator("#prop-deadline-anchor")).to_be_visible(timeout=CHECK_TIMEOUT)
    values = page.locator("#prop-deadline-anchor option").evaluate_all("os => os.map(o => o.value)")
    assert values == ["", "task.ready"], values
    page.locator('[data-testid="deadline-section"] summary').click()
    type_in(page, "#prop-deadline", "3 days from review.recorded_on")
    expect(page.get_by_test_id("deadline-problems")).to_contain_text("review", timeout=CHECK_TIMEOUT)
    expect(page.locator("#prop-deadline-anchor")).to_have_value("review.recorded_on")
    expect(page.locator("#prop-deadline-anchor option:checked")).to_contain_text("不是本环节之前的步骤")
    screenshot(page, "workbench-panel-03-later-step")
    save(page, 5)
    expect(problems(page)).to_have_count(1)
    expect(problems(page).first).to_contain_text("review.recorded_on")
    expect(problems(page).first).to_have_attribute("data-element-id", "record")
    # the author takes it back: no deadline
    select(page, "record")
    expect(page.locator("#prop-deadline-anchor")).to_be_visible(timeout=CHECK_TIMEOUT)
    choose(page, "#prop-deadline-anchor", "")
    save(page, 6)
    expect(problems(page)).to_have_count(0)
    assert "deadline" not in props_of(main_file(page, draft_id, process_id), "record")

    # what is offered follows the diagram on the screen, saved or not: the flow from the record cut, the
    # review's deadline no longer runs from an earlier step's date
    page.evaluate("""() => { const m = ZhifaWorkbench.modeler();
        m.get('modeling').removeElements([m.get('elementRegistry').get('f2')]); }""")
    select(page, "review")
    expect(page.get_by_test_id("deadline-problems")).to_contain_text("record.recorded_on", timeout=CHECK_TIMEOUT)
    expect(page.locator("#prop-deadline-anchor option:checked")).to_have_text("登记·登记日期（不是本环节之前的步骤）")
    page.get_by_test_id("undo").click()
    select(page, "review")
    expect(page.get_by_test_id("deadline-problems").locator("li")).to_have_count(0, timeout=CHECK_TIMEOUT)
    expect(page.locator("#prop-deadline-anchor option:checked")).to_have_text("登记·登记日期")
    expect(page.get_by_test_id("save-status")).to_contain_text("未保存")

    # 7. the lane's role stays; the process (nothing selected): its kind and first status, in words
    select_by_name(page, "lane_officer")
    expect(page.locator("#prop-role")).to_have_value("officer")
    page.evaluate("() => ZhifaWorkbench.modeler().get('selection').select(null)")
    expect(page.get_by_test_id("process-section")).to_be_visible()
    expect(page.locator("#prop-procedure-kind option:checked")).to_have_text("行政处罚")
    choose(page, "#prop-procedure-kind", "inspection")
    type_in(page, "#prop-initial-label-zh", "待检查")
    type_in(page, "#prop-initial-label-en", "to be inspected")
    save(page, 7)
    assert props_of(main_file(page, draft_id, process_id), process_id) == {
        "procedureKind": "inspection", "statusLabel": "待检查|to be inspected"}
    expect(problems(page)).to_have_count(0)


def test_a_new_procedures_message_and_timer_are_chosen_with_the_engines_limits(page):
    log_in(page, "author1")
    draft_id = new_procedure(page, "wbp_msg")
    process_id = "wbp_msg"

    # 5. the receive task waits for a message made here, delivered by the roles chosen
    select(page, "reply")
    expect(page.get_by_test_id("message-section")).to_be_visible()
    expect(page.locator("#prop-message")).to_have_value("")
    choose(page, "#prop-message", "__new__")
    type_in(page, "#prop-message-name", "Party Reply")
    page.get_by_test_id("create-message").click()
    expect(page.locator("#prop-message-name-error")).to_be_visible()
    page.fill("#prop-message-name", "party_reply")
    page.get_by_test_id("create-message").click()
    expect(page.locator("#prop-message option:checked")).to_have_text("party_reply")
    page.locator("#prop-sender-officer").check()
    page.locator("#prop-sender-legal_reviewer").check()
    # its form too (a message's data is a form's)
    choose(page, "#prop-form", f"{process_id}_record")
    screenshot(page, "workbench-panel-04-message")

    # 6. the timer: five days, as written; then ten; a repeating one is refused in the deploy's words
    select(page, "wait")
    expect(page.get_by_test_id("timer-section")).to_be_visible()
    expect(page.locator("#prop-timer-kind")).to_have_value("duration")
    expect(page.locator("#prop-timer-amount")).to_have_value("5")
    expect(page.locator("#prop-timer-unit")).to_have_value("D")
    expect(page.get_by_test_id("timer-words")).to_have_text("开始等待后5日触发。")
    expect(page.get_by_test_id("timer-limits")).to_contain_text("3660")
    type_in(page, "#prop-timer-amount", "10")
    expect(page.get_by_test_id("timer-words")).to_have_text("开始等待后10日触发。")
    type_in(page, "#prop-timer-amount", "20")
    choose(page, "#prop-timer-unit", "Y")
    expect(page.get_by_test_id("timer-problems")).to_contain_text("3660", timeout=CHECK_TIMEOUT)
    choose(page, "#prop-timer-unit", "D")
    expect(page.get_by_test_id("timer-problems").locator("li")).to_have_count(0, timeout=CHECK_TIMEOUT)
    choose(page, "#prop-timer-kind", "cycle")
    expect(page.get_by_test_id("timer-problems")).to_contain_text("timeCycle", timeout=CHECK_TIMEOUT)
    screenshot(page, "workbench-panel-05-timer")
    page.get_by_test_id("undo").click()  # the repeating timer goes; the twenty days stay
    select(page, "wait")
    expect(page.locator("#prop-timer-kind")).to_have_value("duration")
    expect(page.locator("#prop-timer-amount")).to_have_value("20")
    choose(page, "#prop-timer-kind", "date")
    page.fill("#prop-timer-at", "2027-03-01T09:30")
    page.locator("#prop-timer-at").blur()
    expect(page.get_by_test_id("timer-words")).to_have_text("于北京时间 2027-03-01 09:30 触发。")
    # the deadline of the timer event, from the record's date: on a timer event too
    expect(page.locator("#prop-deadline-anchor")).to_be_visible(timeout=CHECK_TIMEOUT)

    save(page, 3)
    xml = main_file(page, draft_id, process_id)
    reply = node_of(xml, "reply")
    message_id = reply.get("messageRef")
    message = node_of(xml, message_id)
    assert message.tag == f"{BPMN}message" and message.get("name") == "party_reply"
    assert props_of(xml, "reply") == {"messageSenders": "legal_reviewer,officer", "formKey": f"{process_id}_record"}
    timer = node_of(xml, "wait_timer")
    assert [(etree.QName(c).localname, c.text) for c in timer] == [("timeDate", '"2027-03-01T09:30:00+08:00"')]
    expect(problems(page)).to_have_count(0)

    # a repeating timer saved anyway is the deploy's problem, named on the element
    select(page, "wait")
    choose(page, "#prop-timer-kind", "cycle")
    type_in(page, "#prop-timer-count", "3")
    save(page, 4)
    expect(problems(page).first).to_contain_text("timeCycle")
    expect(shape(page, "wait")).to_have_class(re.compile("has-problem"))
    timer = node_of(main_file(page, draft_id, process_id), "wait_timer")
    assert [(etree.QName(c).localname, c.text) for c in timer] == [("timeCycle", '"R3/P20D"')]


def test_a_deployed_referrals_panel_reads_and_changes_its_message_timer_deadline_and_pool(page):
    log_in(page, "author1")
    form = page.get_by_test_id("draft-from-version")
    value = form.locator("option", has_text="(referral v").first.get_attribute("value")
    form.locator("select").select_option(value)
    form.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/workbench/drafts/\d+$"))
    draft_id = draft_id_of(page)
    editor_ready(page, 1)
    before = main_file(page, draft_id, "referral")

    # the wait for the answer: its message, its referral part, no senders by hand (the answer delivers it)
    select(page, "referral_feedback")
    expect(page.locator("#prop-message option:checked")).to_have_text("referral_feedback")
    expect(page.locator("#prop-cross-department")).to_have_value("referral_feedback")
    assert page.locator("#prop-cross-department option").count() == 2  # none, or the wait for the answer
    expect(page.get_by_test_id("form-title")).to_contain_text("反馈")
    # the letter: its part of the referral in words
    select(page, "referral_letter")
    expect(page.locator("#prop-cross-department option:checked")).to_contain_text("移送函")

    # the boundary timer: a date computed from the letter; its deadline read back as the procedure page says it
    select(page, "feedback_due")
    expect(page.locator("#prop-timer-kind")).to_have_value("date")
    expect(page.get_by_test_id("timer-words")).to_contain_text("feedback_due_at")
    expect(page.get_by_test_id("timer-problems").locator("li")).to_have_count(0, timeout=CHECK_TIMEOUT)
    expect(deadline_words(page)).to_contain_text("起0日", timeout=CHECK_TIMEOUT)
    expect(page.locator("#prop-deadline-anchor")).to_have_value("referral_letter.feedback_due_on")
    expect(page.locator("#prop-overdue-alert")).to_have_value("REFERRAL_FEEDBACK_OVERDUE")
    expect(page.locator("#prop-milestone")).to_have_value("feedback_overdue")
    expect(page.locator("#prop-status-label-zh")).to_have_value("逾期未反馈")
    expect(page.locator("#prop-status-label-en")).to_have_value("feedback overdue")
    screenshot(page, "workbench-panel-06-referral-timer")

    # the pool: the process's kind and first status, in words
    select_by_name(page, "participant_referral")
    expect(page.locator("#prop-procedure-kind option:checked")).to_have_text("线索移送")
    expect(page.locator("#prop-initial-label-zh")).to_have_value("待移送")
    type_in(page, "#prop-initial-label-en", "referral to be drafted")
    # a name with | is refused before it is written
    type_in(page, "#prop-initial-label-zh", "待|移送")
    expect(page.locator("#prop-initial-label-zh-error")).to_be_visible()
    type_in(page, "#prop-initial-label-zh", "待移送")
    expect(page.locator("#prop-initial-label-zh-error")).to_have_count(0)
    save(page, 2)
    after = main_file(page, draft_id, "referral")
    assert props_of(after, "referral")["statusLabel"] == "待移送|referral to be drafted"
    expect(problems(page)).to_have_count(0)
    # nothing else moved: every other property as it was
    pattern = r'<spiffworkflow:property name="([^"]+)" value="([^"]*)"'
    now, then = Counter(re.findall(pattern, after)), Counter(re.findall(pattern, before))
    assert (now - then, then - now) == ({("statusLabel", "待移送|referral to be drafted"): 1},
                                        {("statusLabel", "待移送|referral being drafted"): 1})


def test_the_panels_parts_have_no_wcag_21_aa_violation_and_fit_a_phone(browser, demo_server):
    with fresh_page(browser, demo_server, viewport={"width": 1280, "height": 900}, bypass_csp=True) as page:
        assert AXE.exists(), "axe-core is installed by `make assets` (npm ci)"
        log_in(page, "author1")
        draft_id = new_procedure(page, "wbp_axe")
        found = {}
        for element_id in ("review", "wait", "reply"):
            select(page, element_id)
            if element_id == "review":
                expect(page.locator("#prop-deadline-anchor")).to_be_visible(timeout=CHECK_TIMEOUT)
                page.locator('[data-testid="deadline-section"] summary').click()
            found[element_id] = violations(page)
        page.evaluate("() => ZhifaWorkbench.modeler().get('selection').select(null)")
        expect(page.get_by_test_id("process-section")).to_be_visible()
        found["process"] = violations(page)
        assert {k: v for k, v in found.items() if v} == {}

    phone = {"width": 360, "height": 740}
    with fresh_page(browser, demo_server, viewport=phone, device_scale_factor=2, is_mobile=True,
                    has_touch=True) as page:
        log_in(page, "author1")
        page.goto(f"/workbench/drafts/{draft_id}")
        editor_ready(page)
        page.evaluate("() => { const m = ZhifaWorkbench.modeler(); "
                      "m.get('selection').select(m.get('elementRegistry').get('review')); }")
        anchor = page.locator("#prop-deadline-anchor")
        expect(anchor).to_be_visible(timeout=EDITOR_TIMEOUT)
        anchor.scroll_into_view_if_needed()
        anchor.select_option("task.ready")
        page.fill("#prop-deadline-amount", "7")
        page.locator("#prop-deadline-amount").blur()
        expect(deadline_words(page)).to_have_text("程序页面将显示为： 自“该步骤开始办理”起7个工作日", timeout=CHECK_TIMEOUT)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, width
        box = page.locator('[data-testid="properties"]').bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
        screenshot(page, "workbench-panel-07-phone")
        page.get_by_test_id("save").click()
        editor_ready(page, 3)

        # in English, the author's second language: the same deadline in the words of an English page
        page.get_by_test_id("lang-switch").click()
        try:
            editor_ready(page)
            page.evaluate("() => { const m = ZhifaWorkbench.modeler(); "
                          "m.get('selection').select(m.get('elementRegistry').get('review')); }")
            expect(deadline_words(page)).to_have_text("The procedure page will say: 7 working days from “the step "
                                                      "becoming ready”", timeout=CHECK_TIMEOUT)
            expect(page.locator("#prop-deadline-unit option:checked")).to_have_text("working days")
            expect(page.locator("#prop-deadline-anchor option:checked")).to_have_text("the step becoming ready")
        finally:
            page.get_by_test_id("lang-switch").click()  # back to Chinese for the other tests of this user


def pick(page, element_id: str):
    """An element of a large diagram (fitted to the screen, its shapes too small to click), selected
    as the modeler's search would select it."""
    page.evaluate("""id => { const m = ZhifaWorkbench.modeler();
        m.get('selection').select(m.get('elementRegistry').get(id)); }""", element_id)
    expect(page.get_by_test_id("selected-id")).to_have_text(element_id)


def test_a_deployed_decisions_deadline_keeps_its_periods_and_extension_through_the_builder(page):
    log_in(page, "author1")
    form = page.get_by_test_id("draft-from-version")
    value = form.locator("option", has_text="(general_penalty v").first.get_attribute("value")
    form.locator("select").select_option(value)
    form.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/workbench/drafts/\d+$"))
    draft_id = draft_id_of(page)
    editor_ready(page, 1)

    # 90 days from the filing, the law's periods left out, extendable as the decision limit: read into the builder
    pick(page, "penalty_decision")
    expect(page.locator("#prop-deadline-anchor")).to_have_value("milestone.filed", timeout=CHECK_TIMEOUT)
    expect(page.locator("#prop-deadline-amount")).to_have_value("90")
    expect(page.locator("#prop-deadline-unit")).to_have_value("calendar_days")
    expect(page.locator("#prop-deadline-excluding")).to_be_checked()
    expect(page.locator("#prop-deadline-limit option:checked")).to_have_text("作出处理决定期限")
    expect(deadline_words(page)).to_contain_text("起90日（听证、检测、检验、检疫、鉴定、公告等期间不计入），可延长")
    expect(page.locator("#prop-overdue-alert option:checked")).to_contain_text("DECISION_OVERDUE")
    expect(page.locator("#prop-due-soon-alert option:checked")).to_contain_text("DECISION_DUE_SOON")
    expect(page.locator("#prop-milestone")).to_have_value("decided")
    offered = page.locator("#prop-deadline-anchor option").evaluate_all("os => os.map(o => o.value)")
    assert "clue_intake.received_on" in offered and "milestone.filed" in offered, offered
    assert "service.served_on" not in offered, offered  # the service comes after the decision
    screenshot(page, "workbench-panel-08-decision")

    # sixty days instead: only the number changes in what is written
    type_in(page, "#prop-deadline-amount", "60")
    expect(deadline_words(page)).to_contain_text("起60日（听证", timeout=CHECK_TIMEOUT)
    # the three years of the disclosure's timer, in words
    pick(page, "ev_disclosure_period_ends")
    expect(page.get_by_test_id("timer-words")).to_have_text("开始等待后1095日触发。")
    save(page, 2)
    xml = main_file(page, draft_id, "general_penalty")
    assert props_of(xml, "penalty_decision")["deadline"] == (
        "60 calendar days from milestone.filed excluding periods, extendable as decision")
    expect(problems(page)).to_have_count(0)
