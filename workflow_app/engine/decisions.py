"""Decision tables (DMN) of a procedure package: what a business rule task evaluates, such as the
fine range of a discretion benchmark's tier (行政裁量权基准, docs/decisions.md).

A package holds its tables as `bpmn/<id>/*.dmn`, one decision per file (SpiffWorkflow 3.2's
DMNParser reads one decision, holding one decision table). A business rule task names the
decision it evaluates (`spiffworkflow:calledDecisionId`); SpiffWorkflow's DMNEngine evaluates the
table in the task's data through the workflow's script engine, which is ours (scripting.py): every
input expression, input entry and output entry is an expression compiled by RestrictedPython and
run under the script budget, inside an engine worker under the step's OS limits. Never plain eval.

What SpiffWorkflow evaluates for an input entry (DMNEngine.evaluate), and so what deploy compiles:

* `-` or an empty cell matches any value;
* a cell with `?` is that cell with `?` standing for the input's value (`? < 5`, `? in ("a", "b")`);
* a cell that is an expression by itself is compared to the input with `==` (`"ordinary"`, `5`);
* any other cell is joined to the input expression as text (`amount` and `< 5`: `amount< 5`).

UNIQUE and FIRST take the first rule that matches (SpiffWorkflow does not check that only one
matches under UNIQUE), COLLECT every rule that matches, each output then a list; a table matching
no rule gives no outputs. Other hit policies, and COLLECT's aggregations, SpiffWorkflow does not
evaluate: deploy refuses them rather than let a table mean something it does not do.
"""
import ast
import json
import keyword
import re
import threading
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS

from ..messages import tr
from .errors import BpmnInvalid, BpmnProblem, ScriptCompileError, bounded_text
from .limits import DEFAULT_LIMITS, storable_problem
from .scripting import ScriptFailed, compile_expression

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DMN13_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"  # what dmn-js writes
# The DMN versions SpiffWorkflow reads (1.1, 1.2, 1.3), by namespace, with the XSD it ships for each.
DMN_NAMESPACES = dict(SCHEMAS)
SUFFIX = ".dmn"
HIT_POLICIES = ("UNIQUE", "FIRST", "COLLECT")
# A table is written by people and read by people: a sane one is far below these.
MAX_RULES = 500
MAX_INPUTS = 20
MAX_OUTPUTS = 20
MAX_CELL_CHARS = 2000
# The outputs of one evaluation, as JSON: they land in the case's data and on its trace.
MAX_OUTPUT_BYTES = 64 * 1024
OUTPUT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}\Z")
# The names SpiffWorkflow's serializer reads back as its own objects, or the engine's own.
RESERVED_OUTPUTS = frozenset({"typename", "dmninputexpr"})
# DMN's typeRef -> the JSON Schema type a form field filled from the output has (x-prefill).
OUTPUT_TYPES = {"string": "string", "number": "number", "integer": "integer", "long": "integer",
                "double": "number", "boolean": "boolean"}
# SpiffWorkflow 3.2's own pattern (DMNEngine.evaluate): a `?` outside quotes.
_QUESTION = re.compile(r'(\?)(?=(?:[^\'"]|[\'"][^\'"]*[\'"])*$)')
_INPUT_VALUE = "dmninputexpr"


@dataclass(frozen=True)
class Decision:
    """A decision of the package, as deploy read it."""

    id: str
    name: str
    file: str
    line: int | None
    hit_policy: str
    inputs: list[str] = field(default_factory=list)  # the input expressions
    # output name -> its JSON Schema type (OUTPUT_TYPES), or None where the table gives no typeRef
    # it maps; under COLLECT every output is a list ("array")
    outputs: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"name": self.name, "file": self.file, "hit_policy": self.hit_policy, "inputs": list(self.inputs),
                "outputs": dict(self.outputs)}


# -- reading the files ------------------------------------------------------------------------------
def parse_dmn(data: bytes, max_bytes: int) -> etree._ElementTree:
    """Parse untrusted DMN bytes as BPMN files are parsed (specs.parse_xml): a size cap, no DOCTYPE
    or entity, no network; comments and processing instructions dropped (SpiffWorkflow's parser
    reads every child of a decision table as a column or a rule)."""
    if len(data) > max_bytes:
        raise BpmnInvalid([BpmnProblem(tr("the file is %(size)d bytes; the limit is %(limit)d",
                                          size=len(data), limit=max_bytes))])
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise BpmnInvalid([BpmnProblem(tr("a DOCTYPE or ENTITY declaration is not allowed in DMN files"))])
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_pis=True, remove_comments=True)
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as err:
        raise BpmnInvalid([BpmnProblem(tr("not well-formed XML: %(reason)s", reason=bounded_text(err.msg)),
                                       line=err.lineno)]) from None
    root = tree.getroot()
    namespace = etree.QName(root).namespace
    if etree.QName(root).localname != "definitions" or namespace not in DMN_NAMESPACES:
        raise BpmnInvalid([BpmnProblem(tr("the root element must be the definitions of DMN 1.1, 1.2 or 1.3 (%(ns)s)",
                                          ns=DMN13_NS), line=1)])
    if root.nsmap.get(None) != namespace and root.nsmap.get("dmn") != namespace:
        # SpiffWorkflow finds the DMN elements under the default namespace or the prefix dmn: only
        raise BpmnInvalid([BpmnProblem(tr("write the DMN namespace as the default namespace (xmlns=…) or with the "
                                          "prefix dmn"), line=1)])
    return tree


_xsd_lock = threading.Lock()
_xsds: dict[str, object] = {}


def _xsd_problems(tree) -> list[BpmnProblem]:
    """The DMN schema's problems. SpiffWorkflow ships the XSDs of DMN 1.1 and 1.3 whole; its 1.2
    schema does not load (a broken import), so a 1.2 file is checked by the rules below alone."""
    namespace = etree.QName(tree.getroot()).namespace
    with _xsd_lock:  # lxml schema objects are not safe to share between threads
        if namespace not in _xsds:
            try:
                _xsds[namespace] = etree.XMLSchema(etree.parse(DMN_NAMESPACES[namespace]))
            except (etree.XMLSchemaParseError, OSError):
                _xsds[namespace] = None
        schema = _xsds[namespace]
        if schema is None or schema.validate(tree):
            return []
        return [BpmnProblem(tr("DMN schema: %(reason)s", reason=bounded_text(e.message)), line=e.line)
                for e in schema.error_log][:20]


def _tag(node) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _text(node, ns: str) -> str | None:
    """The text of the node's <text> child (a cell, an input expression), None without one."""
    found = node.find(f"{{{ns}}}text")
    return found.text if found is not None else None


def read_decisions(trees: dict[str, object]) -> tuple[dict[str, Decision], list[BpmnProblem], set[str]]:
    """The decisions of the package's DMN files (path -> parsed tree) by id, every problem found
    (each located by file, decision and line), and the ids of every decision the files name,
    those with problems too (a business rule task calling one is not reported again)."""
    decisions: dict[str, Decision] = {}
    problems: list[BpmnProblem] = []
    named: set[str] = set()
    for path, tree in trees.items():
        root = tree.getroot()
        ns = etree.QName(root).namespace
        nodes = list(root.iter(f"{{{ns}}}decision"))
        named.update(n.get("id") for n in nodes if n.get("id"))
        found = _xsd_problems(tree)
        if found:
            problems += [p.in_file(path) for p in found]
            continue
        if len(nodes) != 1:
            problems.append(BpmnProblem(
                tr("a DMN file holds one decision (SpiffWorkflow reads one per file); this one holds %(count)d: put "
                   "each in a file of its own", count=len(nodes)), line=root.sourceline).in_file(path))
            continue
        node = nodes[0]
        decision_id = node.get("id")
        if not decision_id:
            problems.append(BpmnProblem(tr("the decision has no id"), line=node.sourceline).in_file(path))
            continue
        if decision_id in decisions:
            problems.append(BpmnProblem(tr("decision %(id)s is also in %(other)s: a decision's id names it in the "
                                           "whole package", id=repr(decision_id), other=decisions[decision_id].file),
                                        decision_id, node.sourceline).in_file(path))
            continue
        decision, found = _read_decision(node, ns, path)
        problems += found
        if decision is not None:
            decisions[decision_id] = decision
    return decisions, problems, named


def _read_decision(node, ns: str, path: str) -> tuple[Decision | None, list[BpmnProblem]]:
    decision_id = node.get("id")

    def problem(message, line=None) -> BpmnProblem:
        return BpmnProblem(message, decision_id, line or node.sourceline).in_file(path)

    tables = [child for child in node if _tag(child) == "decisionTable"]
    others = [_tag(child) for child in node if _tag(child) in ("literalExpression", "context", "invocation",
                                                                 "relation", "list", "functionDefinition")]
    if len(tables) != 1 or others:
        return None, [problem(tr("the decision must be one decision table (SpiffWorkflow evaluates no other kind of "
                                 "decision logic)"))]
    table = tables[0]
    problems = []
    hit_policy = (table.get("hitPolicy") or "UNIQUE").upper()
    if hit_policy not in HIT_POLICIES:
        problems.append(problem(tr("hit policy %(policy)s is not evaluated by SpiffWorkflow: use %(policies)s",
                                   policy=repr(hit_policy[:40]), policies=", ".join(HIT_POLICIES)), table.sourceline))
    if table.get("aggregation"):
        problems.append(problem(tr("COLLECT with an aggregation (%(aggregation)s) is not evaluated by SpiffWorkflow, "
                                   "which would give the list of values: remove the aggregation",
                                   aggregation=bounded_text(table.get("aggregation"), 20)), table.sourceline))
    inputs = [child for child in table if _tag(child) == "input"]
    outputs = [child for child in table if _tag(child) == "output"]
    rules = [child for child in table if _tag(child) == "rule"]
    for child in table:
        if _tag(child) not in ("input", "output", "rule"):
            problems.append(problem(tr("<%(element)s> in a decision table is not read by SpiffWorkflow, which refuses "
                                       "it (a table holds inputs, outputs and rules; a rule's annotation is its "
                                       "description)", element=_tag(child) or "?"), child.sourceline))
    too_many = [problem(tr("the table has %(count)d %(what)s; the limit is %(limit)d", count=count, what=what,
                           limit=limit), table.sourceline)
                for count, limit, what in ((len(inputs), MAX_INPUTS, tr("inputs")),
                                           (len(outputs), MAX_OUTPUTS, tr("outputs")),
                                           (len(rules), MAX_RULES, tr("rules"))) if count > limit]
    if too_many:  # not read further: a table that size is refused whatever its cells
        return None, problems + too_many
    input_expressions = []
    for n, column in enumerate(inputs, start=1):
        expression = column.find(f"{{{ns}}}inputExpression")
        source = _text(expression, ns) if expression is not None else None
        where = tr("input %(n)d (%(label)s)", n=n, label=bounded_text(column.get("label") or column.get("id") or "",
                                                                         60))
        if not (source or "").strip():
            problems.append(problem(tr("%(where)s has no input expression (the value of the case's data it reads, "
                                       "e.g. benchmark_tier)", where=where), column.sourceline))
            input_expressions.append(None)
            continue
        reason = _compile_problem(source)
        if reason:
            problems.append(problem(tr("%(where)s: the input expression is not allowed: %(reason)s", where=where,
                                       reason=reason), column.sourceline))
            input_expressions.append(None)
            continue
        input_expressions.append(source)
    names: dict[str, int] = {}
    for n, column in enumerate(outputs, start=1):
        name = column.get("name") or ""
        where = tr("output %(n)d (%(label)s)", n=n, label=bounded_text(column.get("label") or name or "", 60))
        if not OUTPUT_NAME.match(name) or keyword.iskeyword(name) or name in RESERVED_OUTPUTS:
            problems.append(problem(tr("%(where)s: its name %(name)s is the variable it sets in the case's data: a "
                                       "letter, then letters, digits and _ (at most 64), not a Python keyword",
                                       where=where, name=repr(bounded_text(name, 60))), column.sourceline))
        elif name in names:
            problems.append(problem(tr("%(where)s: output %(name)s is also column %(other)d", where=where,
                                       name=repr(name), other=names[name]), column.sourceline))
        else:
            names[name] = n
    for n, rule in enumerate(rules, start=1):
        problems += [problem(message, line) for message, line in _rule_problems(rule, n, ns, input_expressions,
                                                                                 len(outputs))]
    if problems:
        return None, problems
    types = {column.get("name"): ("array" if hit_policy == "COLLECT"
                                  else OUTPUT_TYPES.get((column.get("typeRef") or "").strip()))
             for column in outputs}
    return Decision(decision_id, node.get("name") or decision_id, path, node.sourceline, hit_policy,
                    input_expressions, types), []


def _rule_problems(rule, n: int, ns: str, inputs: list, output_count: int) -> list[tuple]:
    found = []
    entries = [c for c in rule if _tag(c) == "inputEntry"]
    results = [c for c in rule if _tag(c) == "outputEntry"]
    if len(entries) != len(inputs) or len(results) != output_count:
        return [(tr("rule %(n)d has %(entries)d input and %(results)d output cells; the table has %(inputs)d inputs "
                    "and %(outputs)d outputs", n=n, entries=len(entries), results=len(results), inputs=len(inputs),
                    outputs=output_count), rule.sourceline)]
    description = rule.find(f"{{{ns}}}description")
    if description is not None and len(description.text or "") > MAX_CELL_CHARS:
        found.append((tr("rule %(n)d: its annotation is longer than %(max)d characters", n=n, max=MAX_CELL_CHARS),
                      description.sourceline))
    for column, (entry, source) in enumerate(zip(entries, inputs, strict=True), start=1):
        text = _text(entry, ns)
        if source is None:
            continue  # the input itself is reported
        reason = entry_problem(source, text)
        if reason:
            found.append((tr("rule %(n)d, input %(column)d: %(reason)s", n=n, column=column, reason=reason),
                          entry.sourceline))
    for column, entry in enumerate(results, start=1):
        text = _text(entry, ns)
        if not text:
            continue  # an empty output cell gives "" (SpiffWorkflow)
        reason = _compile_problem(text)
        if reason:
            found.append((tr("rule %(n)d, output %(column)d: the cell is not allowed: %(reason)s", n=n, column=column,
                             reason=reason), entry.sourceline))
    return found


def _compile_problem(source: str):
    """Why the restricted engine would not compile `source` (a Text), or None."""
    if len(source) > MAX_CELL_CHARS:
        return tr("it is longer than %(max)d characters", max=MAX_CELL_CHARS)
    try:
        compile_expression(source)
    except ScriptCompileError as err:
        return bounded_text(err, 300)
    return None


def entry_expressions(input_expression: str, text: str | None) -> tuple[str, list[str]]:
    """How SpiffWorkflow 3.2 evaluates an input entry (DMNEngine.evaluate), and the expressions
    it evaluates, built the same way: ("any", []) for `-` or an empty cell, ("value", [input,
    cell with ? replaced]), ("equals", [...]) or ("joined", [...]). Raises ScriptCompileError
    where it could build none the restricted engine compiles."""
    if text is None or text == "-":
        return "any", []
    match = _QUESTION.sub(_INPUT_VALUE, text)
    if _INPUT_VALUE in match:
        return "value", [input_expression, match]
    try:
        compile_expression(text)
        return "equals", [f"({input_expression}) == ({text})"]
    except ScriptCompileError:
        compile_expression(f"v {text}")  # SpiffWorkflow's own test (DMNEngine.needs_eq)
    return "joined", [input_expression + text]


def entry_problem(input_expression: str, text: str | None):
    """Why an input entry would fail or mislead when SpiffWorkflow evaluates it, or None."""
    if text is not None and text != "-" and not text.strip():
        return tr("the cell holds only spaces: write - for any value")
    if text is not None and len(text) > MAX_CELL_CHARS:
        return tr("it is longer than %(max)d characters", max=MAX_CELL_CHARS)
    try:
        kind, expressions = entry_expressions(input_expression, text)
    except ScriptCompileError as err:
        return tr("the cell is not allowed: %(reason)s", reason=bounded_text(err, 300))
    for expression in expressions:
        reason = _compile_problem(expression)
        if reason:
            return tr("the cell is not allowed: %(reason)s", reason=reason)
    if kind == "joined" and not _joins_cleanly(input_expression, text):
        return tr("SpiffWorkflow joins the input expression and this cell as text (%(joined)s), which does not "
                  "compare the input's value: write ? for the value, e.g. ? < 5 or ? in (\"a\", \"b\")",
                  joined=bounded_text(expressions[0], 80))
    return None


def _joins_cleanly(input_expression: str, text: str) -> bool:
    """Whether `input` joined to `text` reads as the input's value followed by the cell
    (`amount< 5`), not as other words (`tierin (…)`, `a or b< 5`)."""
    try:
        joined = ast.dump(ast.parse(input_expression + text, mode="eval"))
        meant = ast.dump(ast.parse(f"({input_expression}) {text}", mode="eval"))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return joined == meant


# -- the business rule tasks of the BPMN files --------------------------------------------------------
def called_decision(node) -> str | None:
    """The decision a bpmn:businessRuleTask evaluates (its spiffworkflow:calledDecisionId, as
    SpiffWorkflow reads it: the element's text, whitespace included), None without one."""
    found = node.find(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}calledDecisionId")
    return found.text if found is not None else None


def business_rule_problems(root, decisions: dict[str, Decision], named: set[str] = frozenset()) -> list[BpmnProblem]:
    """Every business rule task names a decision of the package (one of `named`, whose file has
    problems of its own, is not reported again)."""
    problems = []
    for node in root.iter(f"{{{BPMN_NS}}}businessRuleTask"):
        called = called_decision(node)
        if not (called or "").strip():
            problems.append(BpmnProblem(tr("a business rule task names the decision it evaluates "
                                           "(spiffworkflow:calledDecisionId)"), node.get("id"), node.sourceline))
        elif called not in decisions and called not in named:
            problems.append(BpmnProblem(tr("calledDecisionId %(id)s names no decision of the package (it has %(ids)s)",
                                           id=repr(bounded_text(called, 80)), ids=", ".join(sorted(decisions)) or
                                           tr("none")), node.get("id"), node.sourceline))
    return problems


# -- evaluating -----------------------------------------------------------------------------------------
class DecisionEngine(DMNEngine):
    """SpiffWorkflow's DMNEngine, whose result is checked before it reaches the case's data, and
    noted for the step's result (the case's trace records every evaluation).

    The result's outputs replace the task's earlier values of the same names: SpiffWorkflow merges
    them in with DeepMerge, which would union a COLLECT list with the one an earlier evaluation
    left (SPIFFWORKFLOW.md)."""

    def __init__(self, decision_table, decision_id: str, name: str | None = None):
        super().__init__(decision_table)
        self.decision_id = decision_id
        self.name = name or decision_id

    def result(self, task):
        outputs = dict(super().result(task))  # a rule's outputs come as an OrderedDict
        engine = task.workflow.script_engine
        limits = getattr(engine, "limits", DEFAULT_LIMITS)
        problem = storable_problem(outputs, limits.max_data_depth, reserved_key="typename",
                                   max_values=MAX_OUTPUT_BYTES)
        if problem is None:
            try:
                size = len(json.dumps(outputs, ensure_ascii=False, allow_nan=False).encode("utf-8"))
            except (TypeError, ValueError, RecursionError) as err:
                problem = bounded_text(err)
            else:
                if size > MAX_OUTPUT_BYTES:
                    problem = tr("%(size)d bytes; the limit is %(limit)d", size=size, limit=MAX_OUTPUT_BYTES)
        if problem is not None:
            raise ScriptFailed(tr("decision %(decision)s gave outputs the case cannot keep: %(reason)s",
                                  decision=self.decision_id, reason=problem), task=task)
        for name in outputs:
            task.data.pop(name, None)
        noted = getattr(engine, "decisions", None)
        if noted is not None:
            noted.append(evaluation(task.task_spec.bpmn_id, task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                                    self.decision_id, self.name, json.loads(json.dumps(outputs)),
                                    {o.name: o.label for o in self.decision_table.outputs if o.label}))
        return outputs


def evaluation(bpmn_id: str, task: str, decision: str, name: str, outputs: dict, labels: dict) -> dict:
    """What a step reports of one evaluation (processor.StepResult.decisions): the business rule
    task (its id and name), the decision (its id and name), the outputs it gave, their labels."""
    return {"bpmn_id": bpmn_id, "task": task, "decision": decision, "name": name, "outputs": outputs,
            "labels": labels}
