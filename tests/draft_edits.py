"""Edits an author makes to a draft of the deployed 普通程序 (general_penalty), as text, for the
workbench's comparison and test-run tests (API, pages and browser): a step added between the clue
intake and the filing approval (线索核查, with a form of its own), and the filing approval's deadline
shortened from 15 to 10 working days."""
import json

MAIN = "bpmn/general_penalty/general_penalty.bpmn"
CHECK_FORM = "forms/general_penalty/clue_check.schema.json"
OLD_FILING_DEADLINE = "15 working days from clue_intake.received_on extendable as filing"
NEW_FILING_DEADLINE = "10 working days from clue_intake.received_on extendable as filing"

CHECK_STEP = """<bpmn:userTask id="clue_check" name="线索核查">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formKey" value="clue_check" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>f_intake</bpmn:incoming>
      <bpmn:outgoing>f_check</bpmn:outgoing>
    </bpmn:userTask>
    """


def check_form() -> str:
    return json.dumps({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "zhifaflow:forms/clue_check",
        "title": "线索核查",
        "x-title-en": "Clue check",
        "type": "object",
        "additionalProperties": False,
        "required": ["checked_on", "result"],
        "properties": {
            "checked_on": {"type": "string", "format": "date", "title": "核查日期", "x-title-en": "Checked on"},
            "result": {"type": "string", "title": "核查结论", "x-title-en": "Result", "enum": ["verified", "unfounded"],
                       "x-enum-labels": ["线索属实", "线索不实"], "x-enum-labels-en": ["Verified", "Unfounded"]},
            "note": {"type": "string", "maxLength": 200, "title": "核查说明", "x-title-en": "Note"},
        },
        "examples": [{"checked_on": "2026-12-01", "result": "verified", "note": "已电话核实"}],
    }, ensure_ascii=False, indent=2)


def with_check_step(xml: str) -> str:
    """The clue check between the intake and the filing approval: in the officers' lane, drawn
    below the intake, the intake's flow led into it and a new flow from it to the approval."""
    edits = [
        ("<bpmn:flowNodeRef>clue_intake</bpmn:flowNodeRef>",
         "<bpmn:flowNodeRef>clue_intake</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>clue_check</bpmn:flowNodeRef>"),
        ('<bpmn:userTask id="filing_approval"', CHECK_STEP + '<bpmn:userTask id="filing_approval"'),
        ('<bpmn:incoming>f_intake</bpmn:incoming>\n      <bpmn:outgoing>f_approval</bpmn:outgoing>',
         '<bpmn:incoming>f_check</bpmn:incoming>\n      <bpmn:outgoing>f_approval</bpmn:outgoing>'),
        ('<bpmn:sequenceFlow id="f_intake" sourceRef="clue_intake" targetRef="filing_approval" />',
         '<bpmn:sequenceFlow id="f_intake" sourceRef="clue_intake" targetRef="clue_check" />\n'
         '    <bpmn:sequenceFlow id="f_check" sourceRef="clue_check" targetRef="filing_approval" />'),
        ('<bpmndi:BPMNEdge id="f_intake_di" bpmnElement="f_intake"><di:waypoint x="505" y="130" />'
         '<di:waypoint x="525" y="130" /><di:waypoint x="525" y="660" /><di:waypoint x="545" y="660" /></bpmndi:BPMNEdge>',
         '<bpmndi:BPMNEdge id="f_intake_di" bpmnElement="f_intake"><di:waypoint x="450" y="170" />'
         '<di:waypoint x="450" y="260" /></bpmndi:BPMNEdge>\n'
         '      <bpmndi:BPMNShape id="clue_check_di" bpmnElement="clue_check"><dc:Bounds x="395" y="260" width="110" '
         'height="80" /></bpmndi:BPMNShape>\n'
         '      <bpmndi:BPMNEdge id="f_check_di" bpmnElement="f_check"><di:waypoint x="505" y="300" />'
         '<di:waypoint x="525" y="300" /><di:waypoint x="525" y="660" /><di:waypoint x="545" y="660" /></bpmndi:BPMNEdge>'),
    ]
    for before, after in edits:
        assert xml.count(before) == 1, before
        xml = xml.replace(before, after)
    return xml


def with_filing_deadline(xml: str, deadline: str = NEW_FILING_DEADLINE) -> str:
    assert xml.count(OLD_FILING_DEADLINE) == 1
    return xml.replace(OLD_FILING_DEADLINE, deadline)


def with_step_renamed(xml: str, old: str = "clue_intake", new: str = "clue_register") -> str:
    """The step's BPMN id changed everywhere the diagram names it: for the comparison the old step
    is removed and a new one added, and the cases waiting at the old one cannot move."""
    for pattern in ('id="{}"', 'sourceRef="{}"', 'targetRef="{}"', 'bpmnElement="{}"', ">{}<", "from {}.",
                    'id="{}_di"'):
        xml = xml.replace(pattern.format(old), pattern.format(new))
    return xml
