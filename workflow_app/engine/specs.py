"""Turning a BPMN file into something the engine can run, safely and with every error located.

Order matters: our own hardened XML parse first (size cap, no DOCTYPE, no entities, no network:
pitfall 8), then the BPMN XSD, then our checks (lanes, forms, deadlines, milestones, restricted
scripts), then SpiffWorkflow's own parse. Every problem found is reported, not just the first.
"""
import ast
import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import XSD_PATH
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity, SubWorkflowTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from ..messages import Text, tr
from ..oversight import alert_rules, procedure_kinds
from ..oversight.deadlines import TASK_READY, DeadlineSyntaxError, parse_deadline
from .decisions import SUFFIX as DMN_SUFFIX
from .decisions import DecisionEngine, business_rule_problems, parse_dmn, read_decisions
from .errors import BpmnInvalid, BpmnProblem, ScriptCompileError, bounded_text
from .limits import (
    DEFAULT_LIMITS,
    TIMER_KINDS,
    EngineLimits,
    LimitExceeded,
    check_cardinality,
    check_timer_value,
)
from .scripting import compile_expression, compile_script

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

# Lane names in a diagram may be the role code or its Chinese label; the engine gets the code.
LANE_LABELS = {
    "officer": "执法人员",
    "legal_reviewer": "法制审核人员",
    "department_head": "部门负责人",
    "supervisor": "执法监督人员",
}
_LANE_BY_NAME = {**{code: code for code in LANE_LABELS}, **{v: k for k, v in LANE_LABELS.items()}}

# Milestones are the procedure's own (`spiffworkflow:property name="milestone"`, a code such as
# filed, decided, seized): reaching one records a row (case_milestone) and sets the case's status,
# `status` (a code; the milestone's own by default) named `statusLabel` ("中文" or "中文|English";
# the element's name by default); `closesCase` = "true" closes the case (结案: it leaves the open
# lists; the process may go on, e.g. with its disclosure). Deadlines may run from a milestone.
MILESTONE_CODE = re.compile(r"[a-z][a-z0-9_]{0,31}\Z")
MILESTONE_LABEL_MAX = 64
# Every property a BPMN element may carry is read by something; any other is refused at deploy.
KNOWN_PROPERTIES = {"formKey", "deadline", "milestone", "status", "statusLabel", "closesCase", "legalReview",
                    "messageSenders", "overdueAlert", "dueSoonAlert", "reviewedReport", "procedureKind",
                    "crossDepartment"}
# A step whose completion reaches another department's case (线索移送, services/cases/referrals.py):
# `crossDepartment` names its part. `referral_letter`: the letter, checked against the org tree and
# the origin case's evidence; `referral_send`: its approval, which sends the letter (a receipt case
# opened in the receiving department, in the same transaction); `referral_feedback`: the referring
# case's wait for the answer, which only the receiving department's answer completes (the element
# waiting for the answer's message; a user task in versions before 0033);
# `referral_answer`: the receiving department's answer, written back onto the referring case. A
# process with a `referral_answer` step is opened only by a sending, never by hand.
CROSS_DEPARTMENT_STEPS = ("referral_letter", "referral_send", "referral_feedback", "referral_answer")
# The oversight alert a step's deadline raises (oversight/alert_rules.py CATALOGUE): `overdueAlert`
# once its due time has passed while it is still to be done, `dueSoonAlert` in the days before.
TIME_ALERT_PROPERTIES = ("overdueAlert", "dueSoonAlert")
MILESTONE_COMPANIONS = ("status", "statusLabel", "closesCase")
# A case's status before its first milestone; its label is the process's own `statusLabel`.
INITIAL_STATUS = "intake"
# What the five codes of the time before packages declared their milestones do when their
# element says nothing more (versions deployed before migration 0013 rely on it): a declaration
# on the element always wins.
LEGACY_MILESTONES = {"filed": ("investigating", False), "not_filed": ("not_filed", True),
                     "decided": ("decided", False), "served": ("served", False), "closed": ("closed", True)}
# Elements that wait for a message from outside (the party's reply, a judicial organ's answer):
# someone must be allowed to deliver it (POST /api/v1/cases/<id>/messages/<name>), the roles in
# `messageSenders` (comma-separated codes or labels) or else the element's lane.
MESSAGE_CATCH_TAGS = ("intermediateCatchEvent", "boundaryEvent", "receiveTask")
# 法制审核 (legal review, APL Art. 58) is declared on its task: `legalReview` = "true". Completing
# such a task records a LegalReview from these form fields, so its form must require them.
LEGAL_REVIEW_FIELDS = {"review_outcome": "string", "findings": "object"}
LEGAL_REVIEW_APPROVE = "approve"
LEGAL_REVIEW_OUTCOME_MAX = 16  # legal_review.outcome is a varchar(16)
# The steps a person does: SpiffWorkflow treats a plain bpmn:task as a manual task too, so it waits
# in someone's inbox like the others; each must be in a lane that is a role (a task nobody may
# complete would leave the case stuck there).
HUMAN_TASK_TAGS = ("userTask", "manualTask", "task")


def lane_role(lane_name: str | None) -> str | None:
    if lane_name is None:
        return None
    return _LANE_BY_NAME.get(lane_name.strip())


@dataclass
class Procedure:
    """A parsed, validated procedure: the SpiffWorkflow specs plus what we read from the BPMN."""

    process_id: str
    name: str
    sha256: str
    spec: object
    subprocess_specs: dict
    # bpmn_id -> {name, lane, form_key, deadline, milestone, legal_review, human}
    task_specs: dict = field(default_factory=dict)
    # the BPMN files it was built from (a package's paths), its own process's first
    files: list[str] = field(default_factory=list)
    # its decision tables (decisions.py): decision id -> Decision, and the DMN files holding them
    decisions: dict = field(default_factory=dict)
    decision_files: list[str] = field(default_factory=list)

    @property
    def form_keys(self) -> set[str]:
        return {t["form_key"] for t in self.task_specs.values() if t.get("form_key")}


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_xml(data: bytes, max_bytes: int) -> etree._ElementTree:
    """Parse untrusted BPMN bytes with every external-resource feature of the XML parser off."""
    if len(data) > max_bytes:
        raise BpmnInvalid([BpmnProblem(tr("the file is %(size)d bytes; the limit is %(limit)d",
                                          size=len(data), limit=max_bytes))])
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise BpmnInvalid([BpmnProblem(tr("a DOCTYPE or ENTITY declaration is not allowed in BPMN files"))])
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_pis=True,
    )
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as err:
        raise BpmnInvalid([BpmnProblem(tr("not well-formed XML: %(reason)s", reason=bounded_text(err.msg)),
                                       line=err.lineno)]) from None
    if tree.docinfo.doctype:
        raise BpmnInvalid([BpmnProblem(tr("a DOCTYPE declaration is not allowed in BPMN files"))])
    if tree.getroot().tag != f"{{{BPMN_NS}}}definitions":
        raise BpmnInvalid([BpmnProblem(tr("the root element must be bpmn:definitions"), line=1)])
    return tree


_xsd_lock = threading.Lock()
_xsd = None


def _xsd_problems(tree) -> list[BpmnProblem]:
    global _xsd
    with _xsd_lock:  # lxml schema objects are not safe to share between threads
        if _xsd is None:
            _xsd = etree.XMLSchema(etree.parse(XSD_PATH))
        if _xsd.validate(tree):
            return []
        return [BpmnProblem(tr("BPMN schema: %(reason)s", reason=bounded_text(e.message)), line=e.line)
                for e in _xsd.error_log]


def _element_id(node) -> str | None:
    while node is not None:
        if node.get("id"):
            return node.get("id")
        node = node.getparent()
    return None


def _properties(node) -> dict[str, tuple[str, int]]:
    props = {}
    for prop in node.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property",
                           namespaces=NS):
        props[prop.get("name")] = (prop.get("value") or "", prop.sourceline)
    return props


def executable_processes(root) -> list:
    """The executable processes a case may start on: those no call activity of the file calls
    (SpiffWorkflow runs a called process only when it is executable too)."""
    called = {node.get("calledElement") for node in root.iter(f"{{{BPMN_NS}}}callActivity")}
    return [p for p in root.findall(f"{{{BPMN_NS}}}process")
            if p.get("isExecutable", "false") == "true" and p.get("id") not in called]


# Names SpiffWorkflow 3.2 gives its own task specs in every process: an element with one of these
# ids replaces the engine's task (an element "Start" leaves the process with no way in).
_RESERVED_IDS = {"Start", "End", "Root"}
_RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin")


def _structure_problems(root, main: bool = True) -> list[BpmnProblem]:
    problems = []
    ids = {n.get("id") for n in root.iter() if isinstance(n.tag, str) and n.get("id")}
    for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        for end in ("sourceRef", "targetRef"):
            ref = flow.get(end)
            if ref not in ids:
                problems.append(BpmnProblem(tr("the %(attribute)s %(ref)s of a sequence flow names no element",
                                               attribute=end, ref=repr(ref)), flow.get("id"), flow.sourceline))
    for node in root.iter():
        node_id = node.get("id") if isinstance(node.tag, str) else None
        if node_id and (node_id in _RESERVED_IDS or node_id.endswith(_RESERVED_SUFFIXES)):
            problems.append(BpmnProblem(tr("the id %(id)s is a name the engine gives its own tasks; rename the "
                                           "element", id=repr(node_id)), node_id, node.sourceline))
    executable = executable_processes(root)
    if not main:  # a file of called processes (bpmn/shared/): any number of them
        if not root.findall(f"{{{BPMN_NS}}}process"):
            problems.append(BpmnProblem(tr("the file holds no process"), line=root.sourceline))
        return problems
    if len(executable) != 1:
        problems.append(BpmnProblem(tr("exactly one executable process that no call activity calls is required; "
                                       "found %(count)d", count=len(executable)), line=root.sourceline))
    return problems


def _lane_of(node, lanes):
    """A task's lane, or (as SpiffWorkflow does) that of the subprocess around it."""
    while node is not None:
        if node.get("id") in lanes:
            return lanes[node.get("id")]
        node = node.getparent()
    return None


def _legal_review_form_problems(form_key: str | None, forms: dict | None) -> list[str]:
    """What the form of a task marked legalReview lacks for the legal-review record."""
    if not form_key:
        return [tr("a legalReview task needs a formKey whose form records the review")]
    if forms is None or form_key not in forms:
        return []  # an unknown formKey is reported on its own
    schema = forms[form_key]
    properties, required = schema.get("properties", {}), set(schema.get("required", []))
    problems = [
        tr("form %(form)s of a legalReview task must require the %(kind)s field %(field)s",
           form=repr(form_key), kind=kind, field=repr(name))
        for name, kind in LEGAL_REVIEW_FIELDS.items()
        if name not in required or properties.get(name, {}).get("type") != kind]
    outcomes = properties.get("review_outcome", {}).get("enum")
    if not outcomes or LEGAL_REVIEW_APPROVE not in outcomes or any(
            not isinstance(o, str) or len(o) > LEGAL_REVIEW_OUTCOME_MAX for o in outcomes):
        problems.append(tr("form %(form)s: review_outcome must list its outcomes (enum), including %(approve)s, "
                           "each at most %(max)d characters", form=repr(form_key),
                           approve=repr(LEGAL_REVIEW_APPROVE), max=LEGAL_REVIEW_OUTCOME_MAX))
    return problems


def _task_problems(root, known_forms: dict[str, dict] | None) -> list[BpmnProblem]:
    """Lanes, properties and forms of every element. `known_forms`: form key -> JSON Schema."""
    problems = []
    lanes = {}
    for ref in root.iter(f"{{{BPMN_NS}}}flowNodeRef"):
        lanes[(ref.text or "").strip()] = ref.getparent()
    for node in root.iter():
        if not isinstance(node.tag, str) or not node.tag.startswith(f"{{{BPMN_NS}}}"):
            continue
        tag = etree.QName(node).localname
        node_id = node.get("id")
        props = _properties(node)
        for name, (_, line) in props.items():
            if name not in KNOWN_PROPERTIES:
                problems.append(BpmnProblem(tr("unknown property %(name)s", name=repr(name)), node_id, line))
        if tag in HUMAN_TASK_TAGS:
            lane_node = _lane_of(node, lanes)
            if lane_node is None:
                problems.append(BpmnProblem(tr("a %(kind)s is a step a person does: it must be in a lane that is a role "
                                               "(%(roles)s)", kind=tag, roles=", ".join(LANE_LABELS)),
                                            node_id, node.sourceline))
            elif lane_role(lane_node.get("name")) is None:
                problems.append(BpmnProblem(
                    tr("lane %(lane)s is not a known role (%(roles)s)", lane=repr(lane_node.get("name")),
                       roles=", ".join(LANE_LABELS)), lane_node.get("id"), lane_node.sourceline))
        catches_message = tag == "receiveTask" or (
            tag in MESSAGE_CATCH_TAGS and node.find(f"{{{BPMN_NS}}}messageEventDefinition") is not None)
        # a person's step, or a message a person delivers (its data through that form: case_messages.py)
        if (tag in HUMAN_TASK_TAGS or catches_message) and "formKey" in props and known_forms is not None:
            key, line = props["formKey"]
            if key not in known_forms:
                problems.append(BpmnProblem(tr("formKey %(key)s has no form in forms/", key=repr(key)), node_id, line))
        if catches_message:
            problems += [BpmnProblem(m, node_id, node.sourceline)
                         for m in _sender_problems(props.get("messageSenders", ("", 0))[0], _lane_of(node, lanes))]
        elif "messageSenders" in props:
            problems.append(BpmnProblem(tr("messageSenders marks an element that waits for a message"), node_id,
                                        props["messageSenders"][1]))
        if "deadline" in props:
            text, line = props["deadline"]
            try:
                parse_deadline(text)
            except DeadlineSyntaxError as err:
                problems.append(BpmnProblem(bounded_text(err), node_id, line))
        if "legalReview" in props:
            value, line = props["legalReview"]
            if value not in ("true", "false"):
                problems.append(BpmnProblem(tr("legalReview must be 'true' or 'false', not %(value)s",
                                               value=repr(value)), node_id, line))
            elif tag != "userTask":
                problems.append(BpmnProblem(tr("legalReview marks a user task"), node_id, line))
            elif value == "true":
                problems += [BpmnProblem(m, node_id, line) for m in _legal_review_form_problems(
                    props.get("formKey", ("", 0))[0], known_forms)]
        if "reviewedReport" in props:  # the form of the report the legal reviewer reads beside the checklist
            value, line = props["reviewedReport"]
            if props.get("legalReview", ("", 0))[0] != "true":
                problems.append(BpmnProblem(tr("reviewedReport marks the legal review task (legalReview true)"),
                                            node_id, line))
            elif known_forms is not None and value not in known_forms:
                problems.append(BpmnProblem(tr("reviewedReport %(key)s has no form in forms/", key=repr(value[:60])),
                                            node_id, line))
        problems += _milestone_problems(props, node_id, process=tag == "process")
        if "procedureKind" in props:  # oversight/procedure_kinds.py: what the supervision counts it as
            value, line = props["procedureKind"]
            if tag != "process":
                problems.append(BpmnProblem(tr("procedureKind marks the process, not an element of its flow"),
                                            node_id, line))
            elif value not in procedure_kinds.KINDS:
                problems.append(BpmnProblem(tr("procedureKind %(value)s is not one of %(choices)s",
                                               value=repr(value[:40]), choices=", ".join(procedure_kinds.KINDS)),
                                            node_id, line))
        if "crossDepartment" in props:
            value, line = props["crossDepartment"]
            if tag != "userTask" and not (catches_message and value == CROSS_DEPARTMENT_STEPS[2]):
                problems.append(BpmnProblem(tr("crossDepartment marks a user task, or (referral_feedback) the element "
                                               "waiting for the answer's message"), node_id, line))
            elif value not in CROSS_DEPARTMENT_STEPS:
                problems.append(BpmnProblem(tr("crossDepartment %(value)s is not one of %(choices)s",
                                               value=repr(value[:40]), choices=", ".join(CROSS_DEPARTMENT_STEPS)),
                                            node_id, line))
        for name in TIME_ALERT_PROPERTIES:
            if name in props:
                value, line = props[name]
                if value not in alert_rules.CATALOGUE:
                    problems.append(BpmnProblem(tr("%(name)s %(value)s is not an alert of the catalogue",
                                                   name=name, value=repr(value[:40])), node_id, line))
                elif "deadline" not in props:
                    problems.append(BpmnProblem(tr("%(name)s needs the step's deadline", name=name), node_id, line))
    return problems


def _milestone_problems(props: dict, node_id: str | None, *, process: bool) -> list[BpmnProblem]:
    problems = []
    if process:  # the process's own statusLabel: the label of a case before any milestone
        for name in ("milestone", "status", "closesCase"):
            if name in props:
                problems.append(BpmnProblem(tr("%(name)s marks an element of the flow, not the process",
                                               name=name), node_id, props[name][1]))
        if "statusLabel" not in props:
            return problems
        props = {"milestone": (INITIAL_STATUS, 0), "statusLabel": props["statusLabel"]}
    if "milestone" not in props:
        for name in MILESTONE_COMPANIONS:
            if name in props:
                problems.append(BpmnProblem(tr("%(name)s describes a milestone: the element has no milestone property",
                                               name=name), node_id, props[name][1]))
        return problems
    for name in ("milestone", "status"):
        if name in props and not MILESTONE_CODE.match(props[name][0]):
            problems.append(BpmnProblem(tr("%(name)s %(value)s is not a code (a-z, 0-9 and _, starting with a "
                                           "letter, at most 32)", name=name, value=repr(props[name][0][:40])),
                                        node_id, props[name][1]))
    if "statusLabel" in props:
        value, line = props["statusLabel"]
        parts = value.split("|")
        if len(parts) > 2 or not all(p.strip() for p in parts) or len(value) > MILESTONE_LABEL_MAX:
            problems.append(BpmnProblem(tr("statusLabel is '中文' or '中文|English', at most %(max)s characters",
                                           max=MILESTONE_LABEL_MAX), node_id, line))
    if "closesCase" in props and props["closesCase"][0] not in ("true", "false"):
        problems.append(BpmnProblem(tr("closesCase must be 'true' or 'false', not %(value)s",
                                       value=repr(props["closesCase"][0][:40])), node_id, props["closesCase"][1]))
    return problems


def message_senders(value: str | None, lane: str | None) -> list[str]:
    """The roles that may deliver a message: `messageSenders` (codes or labels), else the lane's."""
    if value and value.strip():
        return [lane_role(v) or v.strip() for v in value.split(",") if v.strip()]
    role = lane_role(lane)
    return [role] if role else []


def _sender_problems(value: str, lane_node) -> list[str]:
    senders = message_senders(value, lane_node.get("name") if lane_node is not None else None)
    if not senders:
        return [tr("an element waiting for a message needs the roles that may deliver it: a lane, or the property "
                   "messageSenders (%(roles)s)", roles=", ".join(LANE_LABELS))]
    unknown = [r for r in senders if r not in LANE_LABELS]
    return [tr("messageSenders: %(role)s is not a known role (%(roles)s)", role=repr(r), roles=", ".join(LANE_LABELS))
            for r in unknown]


_SUBPROCESS_TAGS = ("subProcess", "transaction", "adHocSubProcess")


def _is_flow_node(node) -> bool:
    if not isinstance(node.tag, str) or not node.tag.startswith(f"{{{BPMN_NS}}}") or not node.get("id"):
        return False
    tag = etree.QName(node).localname
    return (tag.endswith(("Task", "Event", "Gateway")) or tag in ("task", "callActivity")
            or tag in _SUBPROCESS_TAGS)


def _flow_graph(root) -> dict[str, set[str]]:
    """Which flow node can come right after which: sequence flows; a task to its boundary events;
    a subprocess to its first nodes (those no flow enters), and its last nodes (those no flow
    leaves) to whatever follows the subprocess."""
    after: dict[str, set[str]] = {}
    entered, left = _flow_ends(root)
    for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        after.setdefault(flow.get("sourceRef"), set()).add(flow.get("targetRef"))
    for event in root.iter(f"{{{BPMN_NS}}}boundaryEvent"):
        after.setdefault(event.get("attachedToRef"), set()).add(event.get("id"))
    for tag in _SUBPROCESS_TAGS:
        for sub in root.iter(f"{{{BPMN_NS}}}{tag}"):
            _enter_and_leave(after, sub.get("id"), sub, entered, left, lambda node_id: node_id)
    return after


def _flow_ends(root) -> tuple[set[str], set[str]]:
    """The flow nodes some flow (or attachment) enters, and those some flow leaves."""
    entered, left = set(), set()
    for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        entered.add(flow.get("targetRef"))
        left.add(flow.get("sourceRef"))
    for event in root.iter(f"{{{BPMN_NS}}}boundaryEvent"):
        entered.add(event.get("id"))
    return entered, left


def _enter_and_leave(after: dict, holder, container, entered: set, left: set, key) -> None:
    """`holder` (a subprocess, or a call activity) runs the flow nodes of `container` (its own
    children, or the called process): it leads to their first nodes, their last lead on to what
    follows it. `key` names a node of the container in `after`."""
    following = after.get(holder, set()).copy()
    for child in container:
        if not _is_flow_node(child):
            continue
        if child.get("id") not in entered:
            after.setdefault(holder, set()).add(key(child.get("id")))
        if child.get("id") not in left:
            after.setdefault(key(child.get("id")), set()).update(following)


def _package_flow_graph(roots: dict[str, object]) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """`_flow_graph` over the files of one deploy, a node named (file, id): a call activity leads
    into the process it calls (another file's, or its own file's), whose last nodes lead on to
    what follows the call activity, as a subprocess's do."""
    after: dict[tuple[str, str], set[tuple[str, str]]] = {}
    processes = {}
    for path, root in roots.items():
        for source, targets in _flow_graph(root).items():
            after.setdefault((path, source), set()).update((path, t) for t in targets)
        for process in root.findall(f"{{{BPMN_NS}}}process"):
            processes.setdefault(process.get("id"), (path, process, root))
    ends = {path: _flow_ends(root) for path, root in roots.items()}
    for path, root in roots.items():
        for call in root.iter(f"{{{BPMN_NS}}}callActivity"):
            called = processes.get(call.get("calledElement"))
            if called is None:
                continue  # reported by _call_graph
            called_path, process, _ = called
            entered, left = ends[called_path]
            _enter_and_leave(after, (path, call.get("id")), process, entered, left,
                             lambda node_id, p=called_path: (p, node_id))
    return after


def _reachable(after: dict, start, goal) -> bool:
    seen, todo = set(), list(after.get(start, ()))
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(after.get(node, ()))
    return False


def deadline_anchor_problems(roots: dict[str, object], known_forms: dict[str, dict] | None) -> list[BpmnProblem]:
    """A deadline running from a form date `<task id>.<field>` must name an earlier step's date:
    the task exists in a file of the deploy the procedure runs (`roots`: path -> root; a step of a
    called process may run from a date of its caller's steps, and the other way round) and is a
    human task (userTask/manualTask) other than the one carrying the deadline; its formKey's form
    has `field` as a string of format "date" (or "date-time", which hours need); and the
    deadline's element can be reached from that task along sequence flows (through gateways, into
    and out of subprocesses and called processes, and through boundary events). Reachability is necessary, not sufficient: on a
    path that skips the named task the due time stays unset until its date is recorded.
    Problems are located in the file of the deadline's element."""
    problems = []
    nodes = flow_nodes(roots)
    graph = []  # built once, when a deadline needs it

    def reachable(source, target) -> bool:
        if not graph:
            graph.append(_package_flow_graph(roots))
        return _reachable(graph[0], source, target)

    for path, root in roots.items():
        for node in root.iter():
            props = _properties(node) if _is_flow_node(node) else {}
            if "deadline" not in props:
                continue
            text, line = props["deadline"]
            try:
                deadline = parse_deadline(text)
            except DeadlineSyntaxError:
                continue  # reported by _task_problems
            anchor = deadline.form_anchor
            message = anchor and _anchor_problem(anchor, (path, node.get("id")), nodes, known_forms, reachable,
                                                 hours=deadline.unit == "hours")
            if message:
                problems.append(BpmnProblem(message, node.get("id"), line).in_file(path))
    return problems


def flow_nodes(roots: dict[str, object]) -> dict[str, tuple[str, object]]:
    """id -> (file, node) of every flow node of the deploy's files, in the files' order (a step's
    id is unique in the deploy: `_duplicate_step_problems`)."""
    nodes = {}
    for path, root in roots.items():
        for node in root.iter():
            if _is_flow_node(node):
                nodes.setdefault(node.get("id"), (path, node))
    return nodes


def properties_of(node) -> dict[str, str]:
    """The extension properties of a BPMN element: name -> value."""
    return {name: value for name, (value, _) in _properties(node).items()}


def diagram_steps(roots: dict[str, object]) -> dict[str, dict]:
    """id -> what the pages read of each flow node of the deploy's files as the diagram writes them
    (its name, form, milestone: `milestone_meta`), before SpiffWorkflow's parse: the workbench
    reads a diagram that may not parse yet."""
    steps = {}
    for node_id, (_, node) in flow_nodes(roots).items():
        props = properties_of(node)
        name = node.get("name") or node_id
        steps[node_id] = {"name": name, "form_key": props.get("formKey"), **milestone_meta(props, name)}
    return steps


def offered_anchors(roots: dict[str, object], element: tuple[str, str],
                    known_forms: dict[str, dict]) -> list[tuple[str, str | None]]:
    """The anchors a deadline on `element` (file, id) may run from, as (anchor, the field's format
    or None), in the files' order: each date (format date, or date-time) of the form of each
    person's step before it (the anchors `_anchor_problem` accepts), each milestone declared on a
    flow node before it, then `task.ready`."""
    before = earlier_nodes(roots, element)
    nodes = flow_nodes(roots)
    forms, milestones = [], []
    for node_id, (path, node) in nodes.items():
        if (path, node_id) not in before or node_id == element[1]:
            continue
        props = properties_of(node)
        if props.get("milestone") and f"milestone.{props['milestone']}" not in milestones:
            milestones.append(f"milestone.{props['milestone']}")
        schema = known_forms.get(props.get("formKey") or "") if etree.QName(node).localname in HUMAN_TASK_TAGS else None
        fields_ = schema.get("properties") if isinstance(schema, dict) else None
        for name, spec in (fields_ or {}).items():
            if (isinstance(spec, dict) and spec.get("type") == "string" and spec.get("format") in ("date", "date-time")
                    and re.fullmatch(r"[A-Za-z_]\w{0,127}", name)):
                forms.append((f"{node_id}.{name}", spec["format"]))
    return forms + [(m, None) for m in milestones] + [(TASK_READY, None)]


def deadline_anchor_problem(roots: dict[str, object], element: tuple[str, str], deadline,
                            known_forms: dict[str, dict] | None) -> Text | None:
    """What the deploy says of the form-date anchor of `deadline` (parsed) on `element` (file, id),
    or None (`deadline_anchor_problems`, for one deadline not written in the diagram yet)."""
    if not deadline.form_anchor:
        return None
    graph = _package_flow_graph(roots)
    return _anchor_problem(deadline.form_anchor, element, flow_nodes(roots), known_forms,
                           lambda source, target: _reachable(graph, source, target), hours=deadline.unit == "hours")


def _anchor_problem(anchor: tuple[str, str], element: tuple[str, str], nodes: dict, known_forms: dict | None,
                    reachable, hours: bool = False) -> Text | None:
    """What is wrong with the form-date anchor (task id, field) of the deadline of `element`
    (file, id), or None. Days run from a date or a date and time; `hours` only from a date and
    time (a date has no time of day)."""
    task_id, field_name = anchor
    source_path, source = nodes.get(task_id, (None, None))
    where = repr(f"{task_id}.{field_name}")
    if source is None or etree.QName(source).localname not in HUMAN_TASK_TAGS:
        return tr("deadline anchor %(anchor)s names no user task %(task)s of this procedure", anchor=where,
                  task=repr(task_id))
    if task_id == element[1]:
        return tr("deadline anchor %(anchor)s: a deadline runs from a date of an earlier step, not of the task "
                  "itself", anchor=where)
    form_key = _properties(source).get("formKey", ("", 0))[0]
    if not form_key:
        return tr("deadline anchor %(anchor)s: task %(task)s has no form (formKey)", anchor=where, task=repr(task_id))
    if known_forms is not None and form_key in known_forms:
        spec = known_forms[form_key].get("properties", {}).get(field_name)
        if spec is None:
            return tr("deadline anchor %(anchor)s: form %(form)s of task %(task)s has no field %(field)s",
                      anchor=where, form=repr(form_key), task=repr(task_id), field=repr(field_name))
        if spec.get("type") != "string" or spec.get("format") not in ("date", "date-time"):
            return tr("deadline anchor %(anchor)s: field %(field)s of form %(form)s is not a date (type string, "
                      "format date)", anchor=where, field=repr(field_name), form=repr(form_key))
        if hours and spec.get("format") != "date-time":
            return tr("deadline anchor %(anchor)s: field %(field)s of form %(form)s is a date without a time of day; "
                      "count days from it, or hours from a date and time (format date-time)", anchor=where,
                      field=repr(field_name), form=repr(form_key))
    if not reachable((source_path, task_id), element):
        return tr("deadline anchor %(anchor)s: task %(task)s is not an earlier step (no sequence flow leads from "
                  "it to %(element)s)", anchor=where, task=repr(task_id), element=repr(element[1]))
    return None


_EXPRESSION_TAGS = ("conditionExpression", "loopCondition", "completionCondition", "timeDate",
                    "timeDuration", "timeCycle", "loopCardinality")


def script_problem(source: str, compiler=compile_expression) -> Text | None:
    """What the deploy says of a script or expression RestrictedPython refuses, or None."""
    try:
        compiler(source)
    except ScriptCompileError as err:
        return tr("script not allowed: %(reason)s", reason=bounded_text(err))
    return None


def _script_problems(root) -> list[BpmnProblem]:
    """Compile every script and expression under RestrictedPython now, so a forbidden one
    (`__import__`, `__subclasses__`, …) is refused at deploy rather than at run time."""
    problems = []

    def check(node, source, compiler):
        message = script_problem(source, compiler)
        if message is not None:
            problems.append(BpmnProblem(message, _element_id(node), node.sourceline))

    for tag in _EXPRESSION_TAGS:
        for node in root.iter(f"{{{BPMN_NS}}}{tag}"):
            if (node.text or "").strip():
                check(node, node.text.strip(), compile_expression)
    for node in root.iter(f"{{{BPMN_NS}}}script", f"{{{SPIFF_NS}}}preScript", f"{{{SPIFF_NS}}}postScript"):
        if (node.text or "").strip():
            check(node, node.text, compile_script)
    return problems


def _constant(source: str):
    """The value of an expression that is a plain literal ("P5D", 3), else raises ValueError."""
    return ast.literal_eval(source.strip())


def _sequential_item_problems(root) -> list[BpmnProblem]:
    """A sequential multi-instance that gives each instance an input item but collects no output
    item stops a case at its second instance: SpiffWorkflow 3.2 merges a finished instance's whole
    data back into the task's, input item included, and refuses to make the next instance while
    that item exists ("Multiinstance input item … already exists"). Every case that reaches it
    would wait there for ever, so the deploy refuses it; with an output collection and item only
    the output item is merged back. (A parallel multi-instance makes every instance first.)"""
    problems = []
    for loop in root.iter(f"{{{BPMN_NS}}}multiInstanceLoopCharacteristics"):
        if loop.get("isSequential") != "true" or loop.find(f"{{{BPMN_NS}}}inputDataItem") is None:
            continue
        collects = (loop.find(f"{{{BPMN_NS}}}loopDataOutputRef") is not None
                    and loop.find(f"{{{BPMN_NS}}}outputDataItem") is not None)
        if not collects:
            problems.append(BpmnProblem(tr(
                "a sequential multi-instance with an input item (inputDataItem) must collect an output item "
                "(loopDataOutputRef and outputDataItem): without one, each instance's data, its input item "
                "included, merges back and the second instance cannot start, so the case would stop there"),
                _element_id(loop.getparent()), loop.sourceline))
    return problems


# A repeating timer is refused, not capped: in SpiffWorkflow 3.2 each repetition sends one more
# token down the flow after the timer (an intermediate or interrupting boundary event: the same
# legal step several times in one case) or adds a task to an inbox (a non-interrupting boundary
# event). A legal step happens once per case; the reminders of a statutory limit are the
# deadline property and the oversight alerts (working days, raised once per step).
def timer_problem(tag: str, source: str | None, limits: EngineLimits = DEFAULT_LIMITS) -> Text | None:
    """What the deploy refuses in one timer as the BPMN writes it (`tag`: timeDate, timeDuration or
    timeCycle; `source`: its expression), or None: any repeating timer; an empty one; a constant
    beyond the engine's limits. An expression over the case's data is checked when the engine
    evaluates it (its script is checked by `_script_problems`)."""
    if tag == "timeCycle":
        return tr("a repeating timer (timeCycle) is not allowed: each repetition would start the steps after it "
                  "again; use a timeDuration or timeDate timer, or a deadline property for a statutory time limit")
    source = (source or "").strip()
    if not source:
        return tr("%(tag)s is empty", tag=tag)
    try:
        value = _constant(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None  # an expression over case data: checked at run time
    try:
        check_timer_value(TIMER_KINDS[tag], value, limits)
    except LimitExceeded as err:
        return tr('%(tag)s: %(reason)s (write a quoted ISO 8601 value, e.g. "P5D")', tag=tag, reason=bounded_text(err))
    return None


def _limit_problems(root, limits: EngineLimits) -> list[BpmnProblem]:
    """What the engine's limits refuse, checked now where the BPMN gives it as a constant:
    timers, loop cardinalities, and how many branches one element fans out to. (Values computed
    from case data are checked when the engine evaluates them.)"""
    problems = []
    for tag in ("timeCycle", *(t for t in TIMER_KINDS if t != "timeCycle")):  # the refused kind first
        for node in root.iter(f"{{{BPMN_NS}}}{tag}"):
            message = timer_problem(tag, node.text, limits)
            if message is not None:  # timeX → timerEventDefinition → the event
                problems.append(BpmnProblem(message, _element_id(node.getparent().getparent()), node.sourceline))
    problems += _sequential_item_problems(root)
    for node in root.iter(f"{{{BPMN_NS}}}loopCardinality"):
        source = (node.text or "").strip()
        try:
            value = _constant(source)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        try:
            check_cardinality(value, limits)
        except LimitExceeded as err:
            problems.append(BpmnProblem(bounded_text(err), _element_id(node), node.sourceline))
    outgoing: dict[str, int] = {}
    for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        outgoing[flow.get("sourceRef")] = outgoing.get(flow.get("sourceRef"), 0) + 1
    for source, count in outgoing.items():
        if count > limits.max_fan_out:
            problems.append(BpmnProblem(tr("%(count)d outgoing sequence flows; the limit is %(limit)d",
                                           count=count, limit=limits.max_fan_out), source))
    return problems


def _spiff_problem(err: Exception) -> BpmnProblem:
    """SpiffWorkflow's own words (English) as the reason inside a translated frame."""
    if isinstance(err, ValidationException):
        reason = bounded_text(err.args[0] if err.args else err)
        return BpmnProblem(tr("the BPMN parser refused the file: %(reason)s", reason=reason), err.id or None,
                           err.line_number or None)
    return BpmnProblem(tr("the BPMN parser refused the file: %(reason)s",
                          reason=f"{type(err).__name__}: {bounded_text(err)}"))


def _steps_in_order(spec, subprocess_specs: dict) -> list[tuple[object, tuple[str, ...]]]:
    """Every task spec the procedure runs, with the call activities that run it (their BPMN ids,
    outermost first; none for a step of the procedure's own process or of a subprocess drawn in
    it): the procedure's own process in the parser's order, each subprocess's or called process's
    steps right after the element that runs it, so a called hearing lists with the steps around
    its call. A process called from two places lists once, run by both call activities."""
    steps: dict[int, tuple[object, tuple[str, ...]]] = {}

    def walk(process_spec, via: tuple[str, ...], path: tuple[str, ...]):
        for task_spec in process_spec.task_specs.values():
            known = steps.get(id(task_spec))
            steps[id(task_spec)] = (task_spec, via if known is None else tuple(dict.fromkeys(known[1] + via)))
            called = task_spec.spec if isinstance(task_spec, SubWorkflowTask) else None
            if called in subprocess_specs and called not in path:  # a cycle is refused before, but never loop
                runs = via + (task_spec.bpmn_id,) if isinstance(task_spec, CallActivity) else via
                walk(subprocess_specs[called], runs, path + (called,))

    walk(spec, (), (spec.name,))
    return list(steps.values())


def _message_definition(task_spec):
    """The message a task spec waits for from outside (not an ad-hoc step's start), or None."""
    definition = getattr(task_spec, "event_definition", None)
    if isinstance(definition, MessageEventDefinition) and not isinstance(task_spec, StartEvent):
        return definition
    return None


def _is_step(task_spec) -> bool:
    """Whether the version's task metadata describes the element: a person's step, a milestone,
    a message from outside."""
    if getattr(task_spec, "bpmn_id", None) is None:
        return False
    props = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
    return bool(getattr(task_spec, "manual", False)) or "milestone" in props or _message_definition(task_spec) is not None


def _duplicate_step_problems(steps, lines: dict) -> list[BpmnProblem]:
    """A step's BPMN id names it in the whole deploy (its task rows, deadline anchors, documents,
    the case's diagram): two processes the procedure runs may not both have a step of that id."""
    problems, first = [], {}
    for task_spec, _ in steps:
        if not _is_step(task_spec):
            continue
        other = first.setdefault(task_spec.bpmn_id, task_spec)
        if other is not task_spec:
            path, line = lines.get((task_spec._wf_spec.name, task_spec.bpmn_id), (None, None))
            problems.append(BpmnProblem(tr(
                "step id %(id)s is used in process %(first)s and in process %(second)s: a step's id names it in the "
                "whole deploy; rename one", id=repr(task_spec.bpmn_id), first=repr(other._wf_spec.name),
                second=repr(task_spec._wf_spec.name)), task_spec.bpmn_id, line).in_file(path or ""))
    return problems


def _task_meta(steps) -> dict:
    """bpmn id -> what the services read of the step (`steps`: `_steps_in_order`)."""
    meta = {}
    for task_spec, via in steps:
        if not _is_step(task_spec) or task_spec.bpmn_id in meta:
            continue
        props = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
        bpmn_id, name = task_spec.bpmn_id, task_spec.bpmn_name or task_spec.bpmn_id
        definition = _message_definition(task_spec)
        if definition is not None:  # a message the case may wait for, from outside (services/cases/messages.py)
            meta[bpmn_id] = {"name": name, "lane": lane_role(task_spec.lane), "form_key": props.get("formKey"),
                             "deadline": None,
                             **milestone_meta(props, name), "legal_review": False, "human": False,
                             "message": definition.name,
                             "senders": message_senders(props.get("messageSenders"), task_spec.lane),
                             **({"cross_department": props["crossDepartment"]} if props.get("crossDepartment") else {})}
        else:
            meta[bpmn_id] = {
                "name": name,
                "lane": lane_role(task_spec.lane),
                "form_key": props.get("formKey"),
                "deadline": props.get("deadline"),
                **milestone_meta(props, name),
                "legal_review": props.get("legalReview") == "true",
                "human": bool(getattr(task_spec, "manual", False)),
                "reviewed_report": props.get("reviewedReport"),
                "overdue_alert": props.get("overdueAlert"),
                "due_soon_alert": props.get("dueSoonAlert"),
                **({"cross_department": props["crossDepartment"]} if props.get("crossDepartment") else {}),
            }
        # Its place in the procedure: PostgreSQL keeps the metadata as JSONB, which does not keep the order.
        meta[bpmn_id]["position"] = len(meta) - 1
        if via:  # the call activities of the procedure that run the step: the case's diagram marks them
            meta[bpmn_id]["called_by"] = list(via)
    # An ad-hoc step (services/cases/requests.py): the human task right after the message start
    # event of an event subprocess is started by delivering that message.
    for task_spec, _ in steps:
        definition = getattr(task_spec, "event_definition", None)
        if not isinstance(definition, MessageEventDefinition) or not isinstance(task_spec, StartEvent):
            continue
        for output in task_spec.outputs:
            if getattr(output, "bpmn_id", None) in meta and meta[output.bpmn_id]["human"]:
                meta[output.bpmn_id]["request"] = definition.name
                # the people's steps of the same event subprocess (its approval, …): while one is
                # to be done, the request is being handled and is not made a second time
                meta[output.bpmn_id]["request_steps"] = sorted(
                    other.bpmn_id for other, _ in steps
                    if other._wf_spec is task_spec._wf_spec and other.bpmn_id in meta and other.bpmn_id != output.bpmn_id
                    and meta[other.bpmn_id]["human"])
    return meta


def milestone_meta(props: dict, name: str) -> dict:
    """What reaching the element's milestone does: the status it sets, that status's label
    ("中文" or "中文|English"), whether it closes the case."""
    milestone = props.get("milestone")
    if not milestone:
        return {"milestone": None}
    status, closes = LEGACY_MILESTONES.get(milestone, (milestone, False))
    return {"milestone": milestone, "status": props.get("status") or status,
            "status_label": props.get("statusLabel") or name,
            "closes": props["closesCase"] == "true" if "closesCase" in props else closes}


def procedure_kind(root) -> str:
    """The process's `procedureKind` (oversight/procedure_kinds.py), a penalty procedure by default."""
    processes = executable_processes(root)
    value = _properties(processes[0]).get("procedureKind", (None, 0))[0] if processes else None
    return value if value in procedure_kinds.KINDS else procedure_kinds.DEFAULT


def initial_status_label(root) -> str | None:
    """The process's `statusLabel`: what a case of it is called before its first milestone."""
    processes = executable_processes(root)
    return _properties(processes[0]).get("statusLabel", (None, 0))[0] if processes else None


def _milestone_anchor_problems(task_specs: dict) -> list[BpmnProblem]:
    """A deadline running from `milestone.<code>` needs a milestone the procedure declares; one
    status has one label and closes the case or not, wherever it is reached."""
    problems, declared, statuses = [], {}, {}
    for bpmn_id, meta in task_specs.items():
        if meta.get("milestone"):
            declared.setdefault(meta["milestone"], bpmn_id)
            first = statuses.setdefault(meta["status"], (bpmn_id, meta["status_label"], meta["closes"]))
            if (first[1], first[2]) != (meta["status_label"], meta["closes"]):
                problems.append(BpmnProblem(tr(
                    "status %(status)s is declared differently at %(first)s (label %(label)s, closesCase %(closes)s)",
                    status=repr(meta["status"]), first=repr(first[0]), label=repr(first[1]),
                    closes=str(first[2]).lower()), bpmn_id))
    for bpmn_id, meta in task_specs.items():
        try:
            code = parse_deadline(meta["deadline"]).milestone if meta.get("deadline") else None
        except DeadlineSyntaxError:
            continue
        message = milestone_anchor_problem(code, declared) if code is not None else None
        if message is not None:
            problems.append(BpmnProblem(message, bpmn_id))
    return problems


def _engine_lane_problems(steps, lines: dict) -> list[BpmnProblem]:
    """Every task the engine will wait on a person for has a lane that is a role, as the engine
    itself assigns lanes: it may differ from the diagram's own reading (a task in a subprocess
    takes the subprocess's lane; the last of nested lanes naming a task wins; a called process's
    task takes a lane of its own process, not the call activity's), and a task whose lane is no
    role would be in nobody's inbox."""
    problems = []
    for task_spec, _ in steps:
        bpmn_id = getattr(task_spec, "bpmn_id", None)
        if bpmn_id is None or not getattr(task_spec, "manual", False) or lane_role(task_spec.lane):
            continue
        path, line = lines.get((task_spec._wf_spec.name, bpmn_id), (None, None))
        problems.append(BpmnProblem(
            tr("step %(step)s is done by a person, but the engine puts it in lane %(lane)s, which is not a known "
               "role (%(roles)s)", step=repr(bpmn_id), lane=repr(task_spec.lane), roles=", ".join(LANE_LABELS)),
            bpmn_id, line).in_file(path or ""))
    return problems


def _element_lines(roots: dict[str, object]) -> dict[tuple[str, str], tuple[str, int]]:
    """(process or subprocess id, element id) -> (file, line): where the element of an engine
    task spec is written (SpiffWorkflow names a spec after its process or subprocess)."""
    lines = {}
    owners = ("process", *_SUBPROCESS_TAGS)
    for path, root in roots.items():
        for node in root.iter():
            if not isinstance(node.tag, str) or not node.get("id"):
                continue
            owner = node.getparent()
            while owner is not None and etree.QName(owner).localname not in owners:
                owner = owner.getparent()
            if owner is not None:
                lines[(owner.get("id"), node.get("id"))] = (path, node.sourceline)
    return lines


class _PackageParser(SpiffBpmnParser):
    """SpiffWorkflow's parser, whose business rule tasks evaluate with decisions.DecisionEngine."""

    def get_engine(self, decision_ref, node):
        engine = super().get_engine(decision_ref, node)
        return DecisionEngine(engine.decision_table, decision_ref, self.dmn_parsers[decision_ref].get_name())


def _spiff_parse(trees: dict[str, object], process_id: str, decision_trees: dict[str, object] | None = None):
    """SpiffWorkflow's specs of `process_id` and of every process it calls, from the package's
    files (path -> parsed tree): a call activity resolves into any file of the same deploy, a
    business rule task into any of its decision tables (`decision_trees`)."""
    parser = _PackageParser()
    for path, tree in trees.items():
        parser.add_bpmn_xml(tree, filename=path)
    for path, tree in (decision_trees or {}).items():
        parser.add_dmn_xml(tree.getroot(), filename=path)
    spec = parser.get_spec(process_id)
    subprocess_specs = parser.get_subprocess_specs(process_id)
    for each in (spec, *subprocess_specs.values()):
        _connect_event_subprocesses(each)
    return spec, subprocess_specs


def _connect_event_subprocesses(spec) -> None:
    """Connect each message/signal-started event subprocess as SpiffWorkflow 3.2 would the first
    time its event arrives (`BpmnStartTask.trigger_wf`), here at parse time instead.

    SpiffWorkflow connects it lazily by mutating the spec (Start -> subprocess -> End), and then
    relies on it: the subprocess's task must have an input when it becomes ready (`TaskSpec.test`).
    Specs are cached per engine worker and never stored with a case, so a lazily mutated spec
    depended on which worker had seen such an event before: a case whose subprocess was started in
    one worker failed to finish it in another ("No input task connected"), and a worker that had
    seen one started the subprocess with every new case. Connected here, every worker's spec is the
    same and `trigger_wf` never mutates it. Start does not list the subprocess among its outputs, so
    a new case does not start it: only its event does."""
    for name in getattr(spec.start, "trigger_specs", []):
        task_spec = spec.task_specs[name]
        if spec.start.name not in task_spec._inputs:
            task_spec._inputs.append(spec.start.name)
        if spec.end.name not in task_spec._outputs:
            task_spec.connect(spec.end)


def build_procedure(data: bytes, *, max_bytes: int, known_forms: dict[str, dict] | None,
                    limits: EngineLimits = DEFAULT_LIMITS) -> Procedure:
    """Validate a single BPMN upload completely; raise BpmnInvalid listing every problem."""
    return build_package({"": data}, max_bytes=max_bytes, known_forms=known_forms, limits=limits)


def _process_ids(root) -> list[str]:
    return [p.get("id") for p in root.findall(f"{{{BPMN_NS}}}process") if p.get("id")]


def _calls(root) -> dict[str, set[str]]:
    """process id -> the processes its call activities name (in its subprocesses too)."""
    calls = {}
    for process in root.findall(f"{{{BPMN_NS}}}process"):
        calls[process.get("id")] = {node.get("calledElement") for node in process.iter(f"{{{BPMN_NS}}}callActivity")
                                    if node.get("calledElement")}
    return calls


def _call_graph(roots: dict[str, object]) -> tuple[dict[str, set[str]], list[BpmnProblem]]:
    """Which process calls which, over every file of the deploy, and what is wrong with it: a
    process defined twice, a call activity naming no process or one not in this deploy, a process
    calling itself, directly or through others (SpiffWorkflow would build a spec that recurses for
    ever)."""
    calls: dict[str, set[str]] = {}
    home: dict[str, str] = {}  # process id -> its file
    problems = []
    for path, root in roots.items():
        for process_id, called in _calls(root).items():
            if process_id in calls:
                problems.append(BpmnProblem(tr("process %(process)s is defined in two files of the package",
                                               process=repr(process_id)), process_id).in_file(path))
            calls[process_id] = called
            home.setdefault(process_id, path)
    for path, root in roots.items():
        for node in root.iter(f"{{{BPMN_NS}}}callActivity"):
            called = node.get("calledElement")
            if not called:
                problems.append(BpmnProblem(tr("a call activity must name the process it calls (calledElement)"),
                                            node.get("id"), node.sourceline).in_file(path))
            elif called not in calls:
                problems.append(BpmnProblem(tr("the call activity calls process %(process)s, which is not in this deploy",
                                               process=repr(called)), node.get("id"), node.sourceline).in_file(path))
    # A cycle: a depth-first walk that meets a process on its own path.
    walked, reported = set(), set()

    def walk(process_id: str, path: tuple[str, ...]):
        if process_id in path:
            cycle = path[path.index(process_id):] + (process_id,)
            if frozenset(cycle) not in reported:
                reported.add(frozenset(cycle))
                problems.append(BpmnProblem(tr("a cycle of calls: %(cycle)s (a process may not call itself, directly "
                                               "or through others)", cycle=" → ".join(cycle)), process_id)
                                .in_file(home.get(process_id, "")))
            return
        if process_id in walked or process_id not in calls:
            return
        walked.add(process_id)
        for called in sorted(calls[process_id]):
            walk(called, path + (process_id,))

    for process_id in sorted(calls):
        walk(process_id, ())
    return calls, problems


def _reached(calls: dict[str, set[str]], start: str) -> set[str]:
    """The processes a case on `start` can run: itself and what it calls, through any depth."""
    reached, todo = set(), [start]
    while todo:
        process_id = todo.pop()
        if process_id not in reached and process_id in calls:
            reached.add(process_id)
            todo.extend(calls[process_id])
    return reached


def files_run(roots: dict[str, object], main_path: str, calls: dict[str, set[str]] | None = None) -> dict:
    """The files of a deploy (path -> parsed root) a case of the main file's process runs: that
    file, and each file holding a process it calls, through any depth."""
    calls = calls if calls is not None else _call_graph(roots)[0]
    reached = set()
    for process in executable_processes(roots[main_path]) if main_path in roots else []:
        reached |= _reached(calls, process.get("id"))
    return {path: root for path, root in roots.items() if path == main_path or reached & set(_process_ids(root))}


def earlier_nodes(roots: dict[str, object], element: tuple[str, str]) -> set[tuple[str, str]]:
    """The flow nodes (file, id) of the files a case runs (`files_run`) from which `element` (file,
    id) is reached along the deploy's flow graph: what "an earlier step" means to a deadline's
    anchor (`_anchor_problem`)."""
    before: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for source, targets in _package_flow_graph(roots).items():
        for target in targets:
            before.setdefault(target, set()).add(source)
    seen, todo = set(), list(before.get(element, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(before.get(node, ()))
    return seen


def milestone_anchor_problem(code: str, declared) -> Text | None:
    """A deadline running from `milestone.<code>` when the procedure declares only the milestones
    `declared`: what the deploy says, or None."""
    if code in declared:
        return None
    return tr("deadline anchor %(anchor)s: the procedure declares no milestone %(code)s (it has %(declared)s)",
              anchor=repr(f"milestone.{code}"), code=repr(code), declared=", ".join(sorted(declared)) or tr("none"))


def build_package(bpmn_files: dict[str, bytes], *, max_bytes: int, known_forms: dict[str, dict] | None,
                  limits: EngineLimits = DEFAULT_LIMITS, process_id: str | None = None,
                  main_path: str | None = None, dmn_files: dict[str, bytes] | None = None) -> Procedure:
    """Validate the BPMN files of one deploy (path -> bytes) completely; raise BpmnInvalid listing
    every problem, each located by file, element and line.

    `main_path` names the file of the procedure's own process (the only one of the package that
    must have exactly one executable process), `process_id` the id that process must have (the
    package's name). The other files hold processes the procedure calls (bpmn/shared/): only
    those it reaches are checked and kept (`Procedure.files`), as one procedure with its own: a
    called process's steps may run their deadlines from the caller's dates, name the caller's
    forms, and the other way round. A shared file no call reaches is another procedure's
    business (what it names need not exist here). `dmn_files`: the package's decision tables
    (path -> bytes, decisions.py), which its business rule tasks evaluate."""
    main_path = main_path if main_path is not None else next(iter(bpmn_files))
    trees, problems = {}, []
    for path, data in bpmn_files.items():
        try:
            trees[path] = parse_xml(data, max_bytes)
        except BpmnInvalid as err:
            problems += [p.in_file(path) for p in err.problems]
    decision_trees = {}
    for path, data in (dmn_files or {}).items():
        try:
            decision_trees[path] = parse_dmn(data, max_bytes)
        except BpmnInvalid as err:
            problems += [p.in_file(path) for p in err.problems]
    decisions, decision_problems, named = read_decisions(decision_trees)
    problems += decision_problems
    roots = {path: tree.getroot() for path, tree in trees.items()}
    # Calls across the files, reported with the files' own problems (a self-call makes both).
    calls, call_problems = _call_graph(roots)
    used = files_run(roots, main_path, calls)
    for path, root in used.items():
        found = _xsd_problems(trees[path])
        found += _structure_problems(root, main=path == main_path)
        found += _task_problems(root, known_forms)
        found += _script_problems(root)
        found += _limit_problems(root, limits)
        found += business_rule_problems(root, decisions, named)
        problems += [p.in_file(path) for p in found]
    problems += deadline_anchor_problems(used, known_forms)
    problems += call_problems
    if problems:
        raise BpmnInvalid(problems)
    process = executable_processes(used[main_path])[0]
    if process_id is not None and process.get("id") != process_id:
        raise BpmnInvalid([BpmnProblem(tr("the package %(package)s must hold the process %(package)s; its executable "
                                          "process is %(process)s", package=repr(process_id),
                                          process=repr(process.get("id"))), process.get("id"),
                                       process.sourceline).in_file(main_path)])
    try:
        spec, subprocess_specs = _spiff_parse({path: trees[path] for path in used}, process.get("id"), decision_trees)
    except (SpiffWorkflowException, etree.LxmlError, KeyError, ValueError, TypeError) as err:
        raise BpmnInvalid([_spiff_problem(err)]) from None
    steps = _steps_in_order(spec, subprocess_specs)
    lines = _element_lines(used)
    problems = _duplicate_step_problems(steps, lines) + _engine_lane_problems(steps, lines)
    if problems:
        raise BpmnInvalid(problems)
    task_specs = _task_meta(steps)
    problems = _milestone_anchor_problems(task_specs)
    if problems:
        raise BpmnInvalid(problems)
    return Procedure(
        process_id=process.get("id"),
        name=process.get("name") or process.get("id"),
        sha256=sha256_of(bpmn_files[main_path]),
        spec=spec,
        subprocess_specs=subprocess_specs,
        task_specs=task_specs,
        files=[main_path, *sorted(path for path in used if path != main_path)],
        decisions=decisions,
        decision_files=sorted(decision_trees),
    )


class ProcedureCache:
    """Parsed procedures by content hash: a stored version is parsed once per process."""

    def __init__(self, size: int = 64):
        self.size = size
        self._items: OrderedDict[str, Procedure] = OrderedDict()
        self._lock = threading.Lock()

    def has(self, sha256: str) -> bool:
        with self._lock:
            return sha256 in self._items

    def get(self, sha256: str, load) -> Procedure:
        """The procedure of a stored version; `load()` gives its BPMN XML on a cache miss."""
        with self._lock:
            if sha256 in self._items:
                self._items.move_to_end(sha256)
                return self._items[sha256]
        loaded = load()
        # One file (its XML), or a package's files by path: its BPMN files, its own process's
        # first, and its decision tables (.dmn).
        files = loaded if isinstance(loaded, dict) else {"": loaded}
        trees, decision_trees = {}, {}
        for path, xml in files.items():
            data = xml.encode("utf-8") if isinstance(xml, str) else xml
            # Already validated at deploy: skip XSD and forms, keep the hardened XML parse.
            if path.endswith(DMN_SUFFIX):
                decision_trees[path] = parse_dmn(data, max_bytes=len(data) + 1)
            else:
                trees[path] = parse_xml(data, max_bytes=len(data) + 1)
        process = executable_processes(next(iter(trees.values())).getroot())[0]
        spec, subs = _spiff_parse(trees, process.get("id"), decision_trees)
        procedure = Procedure(process.get("id"), process.get("name") or process.get("id"), sha256,
                              spec, subs, _task_meta(_steps_in_order(spec, subs)))
        with self._lock:
            self._items[sha256] = procedure
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return procedure


procedure_cache = ProcedureCache()


def readable_roots(bpmn_files: dict[str, bytes], max_bytes: int) -> dict[str, object]:
    """path -> the root element of each BPMN file that parses, in the files' order; a file that
    cannot be read is left out (what reads a diagram that may not build: the deploy's problems
    name such a file)."""
    roots = {}
    for path, data in bpmn_files.items():
        try:
            roots[path] = parse_xml(data, max_bytes=max_bytes).getroot()
        except BpmnInvalid:
            continue
    return roots


def human_steps(bpmn_files: dict[str, bytes], max_bytes: int) -> dict[str, dict]:
    """The people's steps the BPMN files declare, read from the XML alone (a draft being edited,
    which may not build yet): bpmn id -> {name, form_key, file}, in the files' order (the
    procedure's own process first) and the order of the elements; a file that cannot be read is
    left out (the draft's problems name it)."""
    steps: dict[str, dict] = {}
    for path, root in readable_roots(bpmn_files, max_bytes).items():
        for node in root.iter(*(f"{{{BPMN_NS}}}{tag}" for tag in HUMAN_TASK_TAGS)):
            bpmn_id = node.get("id")
            if bpmn_id and bpmn_id not in steps:
                steps[bpmn_id] = {"name": node.get("name") or bpmn_id,
                                  "form_key": _properties(node).get("formKey", ("", 0))[0] or None, "file": path}
    return steps
