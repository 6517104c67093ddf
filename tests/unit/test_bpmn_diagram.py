"""Every shipped package's BPMN renders: every flow node and sequence flow has its shape or edge, and
every flow's ends list it (a flow named on a task but never defined leaves the case stuck)."""
from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[2] / "bpmn"
PACKAGES = sorted(p for p in ROOT.glob("*/*.bpmn") if p.parent.name != "shared")
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}


@pytest.fixture(params=PACKAGES, ids=[p.parent.name for p in PACKAGES])
def tree(request):
    return etree.parse(str(request.param))


def test_the_packages_are_found():
    assert {"general_penalty", "summary_penalty", "seizure"} <= {p.parent.name for p in PACKAGES}


def test_every_element_of_the_process_is_drawn(tree):
    drawn = {e.get("bpmnElement") for e in tree.iterfind(".//bpmndi:BPMNShape", NS)}
    drawn |= {e.get("bpmnElement") for e in tree.iterfind(".//bpmndi:BPMNEdge", NS)}
    process = tree.find(".//bpmn:process", NS)
    elements = [e.get("id") for e in process if isinstance(e.tag, str) and e.get("id")
                and etree.QName(e).localname not in ("laneSet", "documentation")]
    assert [e for e in elements if e not in drawn] == []
    for edge in tree.iterfind(".//bpmndi:BPMNEdge", NS):
        assert len(edge.findall("{http://www.omg.org/spec/DD/20100524/DI}waypoint")) >= 2, edge.get("id")


def test_every_incoming_and_outgoing_names_a_flow_with_that_end(tree):
    flows = {f.get("id"): f for f in tree.iterfind(".//bpmn:sequenceFlow", NS)}
    for ref in tree.iterfind(".//bpmn:incoming", NS):
        assert flows[ref.text].get("targetRef") == ref.getparent().get("id"), ref.text
    for ref in tree.iterfind(".//bpmn:outgoing", NS):
        assert flows[ref.text].get("sourceRef") == ref.getparent().get("id"), ref.text
    for flow_id, flow in flows.items():
        source = tree.find(f".//*[@id='{flow.get('sourceRef')}']")
        target = tree.find(f".//*[@id='{flow.get('targetRef')}']")
        assert flow_id in [o.text for o in source.iterfind("bpmn:outgoing", NS)], flow_id
        assert flow_id in [i.text for i in target.iterfind("bpmn:incoming", NS)], flow_id
