"""Small DMN decision tables and the procedures that evaluate them, for tests (engine/decisions.py)."""
from xml.sax.saxutils import escape

from tests.samples import HEADER

DMN13 = "https://www.omg.org/spec/DMN/20191111/MODEL/"
# The discretion benchmark of the demo register's item SCJG-SP-126-03 (workflow_app/demo/benchmarks.csv)
# as the tests write it: tier -> (min_fine, max_fine).
TIERS = [("lighter", 5000, 18500), ("ordinary", 18500, 36500), ("heavier", 36500, 50000)]


def table(decision_id: str = "bench", rules=None, *, inputs=(("tier", "benchmark_tier", "string"),),
          outputs=(("min_fine", "number"), ("max_fine", "number")), hit_policy: str | None = None,
          aggregation: str | None = None, extra_in_table: str = "", extra: str = "", name: str = "裁量基准") -> bytes:
    """A DMN 1.3 file of one decision table. `rules`: [(input cells, output cells, annotation)];
    by default one rule per tier of TIERS."""
    if rules is None:
        rules = [([f'"{tier}"'], [str(low), str(high)], f"{tier}档") for tier, low, high in TIERS]
    policy = f' hitPolicy="{hit_policy}"' if hit_policy else ""
    policy += f' aggregation="{aggregation}"' if aggregation else ""
    columns = "".join(
        f'<input id="in_{n}" label="{escape(label)}"><inputExpression id="ie_{n}" typeRef="{kind}">'
        f"<text>{escape(expression)}</text></inputExpression></input>"
        for n, (label, expression, kind) in enumerate(inputs))
    columns += "".join(f'<output id="out_{n}" label="{escape(out)}" name="{escape(out)}"'
                       + (f' typeRef="{kind}"' if kind else "") + "/>"
                       for n, (out, kind) in enumerate(outputs))
    body = ""
    for r, (cells_in, cells_out, note) in enumerate(rules):
        body += f'\n<rule id="rule_{r}">' + (f"<description>{escape(note)}</description>" if note else "")
        body += "".join(f'<inputEntry id="r{r}_i{n}"><text>{escape(c)}</text></inputEntry>'
                        for n, c in enumerate(cells_in))
        body += "".join(f'<outputEntry id="r{r}_o{n}"><text>{escape(c)}</text></outputEntry>'
                        for n, c in enumerate(cells_out))
        body += "</rule>"
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{DMN13}" id="defs_{decision_id}" '
            f'name="{escape(name)}" namespace="http://zhifaflow.local/dmn">\n'
            f'<decision id="{decision_id}" name="{escape(name)}">{extra}<decisionTable id="dt_{decision_id}"{policy}>'
            f"{columns}{extra_in_table}{body}</decisionTable></decision>\n</definitions>\n").encode()


def _user_task(task_id: str, name: str, form: str | None) -> str:
    props = (f'<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formKey" '
             f'value="{form}"/></spiffworkflow:properties></bpmn:extensionElements>') if form else ""
    return f'<bpmn:userTask id="{task_id}" name="{name}">{props}</bpmn:userTask>'


def evaluating(process_id: str = "p", decision_id: str | None = "bench", *, then: str = "decide",
               form: str | None = None, before: str | None = None, before_form: str | None = None) -> bytes:
    """start → (`before`: an officer's user task with `before_form`) → rule (a business rule task
    calling `decision_id`) → `then` (an officer's user task with `form`) → end."""
    called = (f"<bpmn:extensionElements><spiffworkflow:calledDecisionId>{decision_id}"
              "</spiffworkflow:calledDecisionId></bpmn:extensionElements>") if decision_id is not None else ""
    nodes = ["start", *([before] if before else []), "rule", then, "end"]
    tasks = (_user_task(before, "调查终结报告", before_form) if before else "") + _user_task(then, "决定", form)
    flows = "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                    for i, (a, b) in enumerate(zip(nodes, nodes[1:], strict=False)))
    return (HEADER + f'<bpmn:process id="{process_id}" name="{process_id}" isExecutable="true">'
            '<bpmn:laneSet id="ls"><bpmn:lane id="lane_officer" name="officer">'
            + "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in nodes)
            + '</bpmn:lane></bpmn:laneSet><bpmn:startEvent id="start"/>'
            f'<bpmn:businessRuleTask id="rule" name="查裁量基准">{called}</bpmn:businessRuleTask>'
            f'{tasks}<bpmn:endEvent id="end"/>{flows}</bpmn:process></bpmn:definitions>\n').encode()
