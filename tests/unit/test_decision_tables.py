"""Decision tables (DMN) in a procedure (engine/decisions.py): what deploy refuses, each problem
named by file, decision and line, hostile tables included; and how a business rule task evaluates
a table under the restricted engine — its outputs in the case's data, a table that would corrupt
the case or run away stopped with the step refused."""
import pytest

from tests.decision_tables import TIERS, evaluating, table
from workflow_app.engine.decisions import (
    MAX_CELL_CHARS,
    MAX_INPUTS,
    MAX_OUTPUTS,
    MAX_RULES,
    entry_expressions,
)
from workflow_app.engine.errors import BpmnInvalid, EngineError
from workflow_app.engine.limits import DEFAULT_LIMITS
from workflow_app.engine.processor import WorkflowProcessor
from workflow_app.engine.specs import build_package

MAIN = "bpmn/p/p.bpmn"
DMN = "bpmn/p/bench.dmn"


def build(tables: dict[str, bytes] | bytes, bpmn: bytes | None = None, max_bytes: int = 10**6):
    files = tables if isinstance(tables, dict) else {DMN: tables}
    return build_package({MAIN: bpmn or evaluating()}, max_bytes=max_bytes, known_forms=None, main_path=MAIN,
                         dmn_files=files)


def problems(tables, bpmn: bytes | None = None, **kw) -> list:
    with pytest.raises(BpmnInvalid) as err:
        build(tables, bpmn, **kw)
    return err.value.problems


def one_problem(tables, words: str, bpmn: bytes | None = None, **kw):
    found = problems(tables, bpmn, **kw)
    hits = [p for p in found if words in str(p.message)]
    assert hits, [str(p) for p in found]
    return hits[0]


def run(procedure, data: dict) -> tuple[WorkflowProcessor, object]:
    processor = WorkflowProcessor.start(procedure, data, DEFAULT_LIMITS)
    return processor, processor.result(set())


# -- a good table ----------------------------------------------------------------------------------
def test_a_benchmark_table_is_read_with_its_outputs_and_their_types():
    procedure = build(table())
    decision = procedure.decisions["bench"]
    assert (decision.file, decision.hit_policy, decision.inputs) == (DMN, "UNIQUE", ["benchmark_tier"])
    assert decision.outputs == {"min_fine": "number", "max_fine": "number"}
    assert procedure.decision_files == [DMN]


@pytest.mark.parametrize("tier, low, high", TIERS)
def test_the_business_rule_task_puts_the_tiers_range_in_the_cases_data(tier, low, high):
    processor, step = run(build(table()), {"benchmark_tier": tier})
    assert [t.bpmn_id for t in step.ready] == ["decide"]
    assert step.decisions == [{"bpmn_id": "rule", "task": "查裁量基准", "decision": "bench", "name": "裁量基准",
                               "outputs": {"min_fine": low, "max_fine": high},
                               "labels": {"min_fine": "min_fine", "max_fine": "max_fine"}}]
    [ready] = processor.workflow.get_tasks(manual=True, state=16)  # READY
    assert (ready.data["min_fine"], ready.data["max_fine"]) == (low, high)


def test_a_table_matching_no_rule_gives_no_outputs_and_the_case_goes_on():
    processor, step = run(build(table()), {"benchmark_tier": "no_such_tier"})
    assert [(d["bpmn_id"], d["decision"], d["outputs"]) for d in step.decisions] == [("rule", "bench", {})]
    assert [t.bpmn_id for t in step.ready] == ["decide"]


def test_cells_are_evaluated_as_spiffworkflow_builds_them_under_the_restricted_engine():
    rules = [(["< 1000", '"a"'], ['"small a"'], ""), (["? >= 1000 and ? < 5000", "-"], ['"middle"'], ""),
             (["-", '? in ("b", "c")'], ['"b or c"'], ""), (["-", "-"], ['"other"'], "")]
    dmn = table(rules=rules, inputs=(("amount", "amount", "number"), ("kind", "kind", "string")),
                outputs=(("band", "string"),), hit_policy="FIRST")
    procedure = build(dmn)
    for data, band in (({"amount": 10, "kind": "a"}, "small a"), ({"amount": 2000, "kind": "a"}, "middle"),
                       ({"amount": 9000, "kind": "c"}, "b or c"), ({"amount": 9000, "kind": "z"}, "other")):
        _, step = run(procedure, data)
        assert step.decisions[0]["outputs"] == {"band": band}, data
    assert entry_expressions("amount", "< 1000") == ("joined", ["amount< 1000"])
    assert entry_expressions("kind", '"a"') == ("equals", ['(kind) == ("a")'])
    assert entry_expressions("kind", '? in ("b", "c")') == ("value", ["kind", 'dmninputexpr in ("b", "c")'])
    assert entry_expressions("kind", "-") == ("any", [])


def test_collect_gives_lists_that_replace_an_earlier_evaluations():
    rules = [(["? > 0"], ['"positive"'], ""), (["? > 10"], ['"large"'], ""), (["-"], ['"any"'], "")]
    dmn = table(rules=rules, inputs=(("n", "n", "number"),), outputs=(("labels", "string"),), hit_policy="COLLECT")
    procedure = build(dmn)
    assert procedure.decisions["bench"].outputs == {"labels": "array"}
    _, step = run(procedure, {"n": 20, "labels": ["left by an earlier step"]})
    assert step.decisions[0]["outputs"] == {"labels": ["positive", "large", "any"]}
    processor, _ = run(procedure, {"n": 5, "labels": ["left by an earlier step"]})
    [ready] = processor.workflow.get_tasks(manual=True, state=16)
    assert ready.data["labels"] == ["positive", "any"]  # not unioned with the earlier list (DeepMerge)


# -- refused at deploy, named by file, decision and line ------------------------------------------------
def test_a_problem_names_the_file_the_decision_and_the_line():
    dmn = table(rules=[(['"a"'], ["__import__('os').system('id')", "1"], "")])
    problem = one_problem(dmn, "rule 1, output 1: the cell is not allowed")
    assert (problem.file, problem.element_id) == (DMN, "bench")
    assert problem.line == 4  # the rule's line of the file


@pytest.mark.parametrize("dmn, words", [
    (table(inputs=(("t", "().__class__.__bases__", "string"),)), "input 1 (t): the input expression is not allowed"),
    (table(inputs=(("t", "_secret", "string"),)), "the input expression is not allowed"),
    (table(rules=[(["tier.__class__"], ["1", "2"], "")]), "rule 1, input 1: the cell is not allowed"),
    (table(rules=[(['"a"'], ["[x for x in ().__class__.__mro__]", "2"], "")]), "rule 1, output 1"),
    (table(rules=[(["[1..5]"], ["1", "2"], "")]), "rule 1, input 1: the cell is not allowed"),
    (table(rules=[(['in ("a", "b")'], ["1", "2"], "")]), "joins the input expression and this cell as text"),
    (table(inputs=(("t", "a or b", "string"),), rules=[(["< 5"], ["1", "2"], "")]), "joins the input expression"),
    (table(rules=[(["   "], ["1", "2"], "")]), "only spaces"),
    (table(rules=[(['"a"'], ["1"], "")]), "rule 1 has 1 input and 1 output cells; the table has 1 inputs and 2"),
    (table(rules=[(['"' + "x" * MAX_CELL_CHARS + '"'], ["1", "2"], "")]), "longer than"),
    (table(hit_policy="PRIORITY"), "hit policy 'PRIORITY' is not evaluated by SpiffWorkflow"),
    (table(hit_policy="ANY"), "use UNIQUE, FIRST, COLLECT"),
    (table(hit_policy="COLLECT", aggregation="SUM"), "COLLECT with an aggregation (SUM)"),
    (table(outputs=(("1x", "number"), ("max_fine", "number"))), "its name '1x' is the variable"),
    (table(outputs=(("class", "number"), ("max_fine", "number"))), "not a Python keyword"),
    (table(outputs=(("typename", "number"), ("max_fine", "number"))), "'typename'"),
    (table(outputs=(("a.b", "number"), ("max_fine", "number"))), "'a.b'"),
    (table(outputs=(("fine", "number"), ("fine", "number"))), "output 'fine' is also column 1"),
    (table(inputs=(("t", "", "string"),)), "has no input expression"),
    (table(extra_in_table='<annotation name="note"/>'), "<annotation> in a decision table"),
    (table(rules=[(['"a"'], ["1", "2"], "x" * (MAX_CELL_CHARS + 1))]), "its annotation is longer than"),
])
def test_a_table_the_engine_would_refuse_or_misread_is_refused_at_deploy(dmn, words):
    problem = one_problem(dmn, words)
    assert problem.file == DMN and problem.element_id == "bench" and problem.line


def test_more_rules_or_columns_than_a_sane_table_holds_are_refused():
    rules = [([f'"t{n}"'], ["1", "2"], "") for n in range(MAX_RULES + 1)]
    one_problem(table(rules=rules), f"the table has {MAX_RULES + 1} rules; the limit is {MAX_RULES}")
    inputs = tuple((f"i{n}", f"i{n}", "string") for n in range(MAX_INPUTS + 1))
    one_problem(table(inputs=inputs, rules=[]), f"{MAX_INPUTS + 1} inputs")
    outputs = tuple((f"o{n}", "number") for n in range(MAX_OUTPUTS + 1))
    one_problem(table(outputs=outputs, rules=[]), f"{MAX_OUTPUTS + 1} outputs")


@pytest.mark.parametrize("data, words", [
    (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
     b'<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/">&b;</definitions>', "DOCTYPE or ENTITY"),
    (b"<definitions", "not well-formed XML"),
    (b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>', "the root element must be"),
    (table().replace(b'xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"',
                     b'xmlns:semantic="https://www.omg.org/spec/DMN/20191111/MODEL/"')
     .replace(b"<", b"<semantic:").replace(b"<semantic:/", b"</semantic:").replace(b"<semantic:?xml", b"<?xml"),
     "the default namespace"),
    (table().replace(b'hitPolicy', b'hitPolicy') .replace(b"<decisionTable", b"<decisionTable bogus='1'"),
     "DMN schema"),
    (table().replace(b"</decision>", b'</decision><decision id="second" name="s"><decisionTable id="dt2">'
                                     b'<output id="o" name="x"/></decisionTable></decision>'),
     "holds 2"),
    (b'<?xml version="1.0"?><definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" '
     b'namespace="n"><decision id="bench" name="b"><literalExpression id="l"><text>1</text></literalExpression>'
     b"</decision></definitions>", "one decision table"),
])
def test_unsafe_or_malformed_files_are_named_problems(data, words):
    problem = one_problem(data, words)
    assert problem.file == DMN


def test_a_file_above_the_size_limit_is_refused_before_it_is_parsed():
    one_problem(table(), "the limit is 100", max_bytes=100)


def test_a_decision_id_twice_in_the_package_is_refused():
    problem = one_problem({DMN: table(), "bpmn/p/again.dmn": table()}, "decision 'bench' is also in bpmn/p/bench.dmn")
    assert problem.file == "bpmn/p/again.dmn"


@pytest.mark.parametrize("bpmn, words", [
    (evaluating(decision_id="nothing_here"), "calledDecisionId 'nothing_here' names no decision of the package "
                                             "(it has bench)"),
    (evaluating(decision_id=None), "names the decision it evaluates"),
    (evaluating(decision_id=" bench"), "names no decision"),
])
def test_a_business_rule_task_must_name_a_decision_of_the_package(bpmn, words):
    problem = one_problem(table(), words, bpmn=bpmn)
    assert (problem.file, problem.element_id) == (MAIN, "rule")


def test_a_package_without_tables_refuses_a_business_rule_task():
    with pytest.raises(BpmnInvalid) as err:
        build_package({MAIN: evaluating()}, max_bytes=10**6, known_forms=None, main_path=MAIN)
    assert any("names no decision of the package (it has none)" in str(p.message) for p in err.value.problems)


# -- a hostile table at run time: the step refused, nothing kept -------------------------------------------
def test_a_huge_output_stops_the_step():
    procedure = build(table(rules=[(["-"], ['"x" * 1000000', "1"], "")]))
    with pytest.raises(EngineError) as err:
        run(procedure, {"benchmark_tier": "ordinary"})
    assert "decision bench gave outputs the case cannot keep" in str(err.value.message)
    assert err.value.element_id == "rule"


def test_an_output_too_large_to_build_stops_the_step():
    procedure = build(table(rules=[(["-"], ['"x" * 10**9', "1"], "")]))
    with pytest.raises(EngineError) as err:
        run(procedure, {"benchmark_tier": "ordinary"})
    assert "too large" in str(err.value.message) and err.value.element_id == "rule"


def test_an_expression_that_loops_runs_out_of_its_cpu_time():
    loop = "len([x for x in range(10**6) for y in range(10**6)])"
    procedure = build(table(rules=[([f"? == {loop}"], ["1", "2"], "")]))
    with pytest.raises(EngineError) as err:
        run(procedure, {"benchmark_tier": "ordinary"})
    assert "CPU time" in str(err.value.message) and err.value.element_id == "rule"


def test_a_value_that_is_not_json_stops_the_step():
    procedure = build(table(rules=[(["-"], ["{1, 2}", "1"], "")]))
    with pytest.raises(EngineError) as err:
        run(procedure, {"benchmark_tier": "ordinary"})
    assert "cannot keep" in str(err.value.message)
