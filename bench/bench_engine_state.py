"""Benchmark: what the end-of-step checks cost (engine/processor.py `result`, `dump`).

Every engine step ends by proving the case can go on: the state is plain JSON (a walk over every
value), it is encoded, it is loaded again (a full deserialization), and the case is not stranded.
This prints, for states of growing size, the median time of the plain serialization the engine
did before (to_dict + json.dumps) next to the whole checked `result()`, in-process.

Run:  .venv/bin/python bench/bench_engine_state.py
"""
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.samples import process  # noqa: E402
from workflow_app.engine.limits import DEFAULT_LIMITS  # noqa: E402
from workflow_app.engine.processor import SERIALIZER, WorkflowProcessor  # noqa: E402
from workflow_app.engine.specs import build_package, build_procedure  # noqa: E402

RUNS = 31
INIT = {"party_kind": "organization", "party_name": "某公司", "department": "market", "case_title": "t"}


def median_ms(action) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def plain(processor) -> str:
    return json.dumps(SERIALIZER.to_dict(processor.workflow), separators=(",", ":"), ensure_ascii=False)


def loop_case(passes: int, data: dict):
    """A case that went round a gateway back-edge `passes` times, each pass recording `data`."""
    body = ('<bpmn:startEvent id="start"/><bpmn:userTask id="work" name="work"/>'
            '<bpmn:exclusiveGateway id="again" default="f_done"/><bpmn:endEvent id="end"/>')
    xml = process("looping", body, ["start", "work", "again", "end"],
                  [("f1", "start", "work"), ("f2", "work", "again"), ("f_back", "again", "work", "True"),
                   ("f_done", "again", "end")])
    processor = WorkflowProcessor.start(build_procedure(xml, max_bytes=10**6, known_forms=None), {}, DEFAULT_LIMITS)
    for i in range(passes):
        task = processor.ready_human_tasks()[0]
        processor.complete(task.engine_task_id, {**data, "pass": i})
    return processor


def main() -> None:
    main = "bpmn/general_penalty/general_penalty.bpmn"
    files = {main: (ROOT / main).read_bytes(),  # with the processes it calls
             **{f"bpmn/shared/{p.name}": p.read_bytes() for p in sorted((ROOT / "bpmn" / "shared").glob("*.bpmn"))}}
    penalty = build_package(files, max_bytes=10**7, known_forms=None, main_path=main)  # the forms are not measured
    evidence = {"evidence": [{"kind": "documentary", "description": "进货台账复印件" * 5} for _ in range(20)],
                "facts": "当事人未履行进货查验义务" * 20}
    cases = [
        ("general_penalty, just opened", WorkflowProcessor.start(penalty, INIT, DEFAULT_LIMITS)),
        ("loop, 20 passes of a 2 KB form", loop_case(20, evidence)),
        ("loop, 150 passes of a 2 KB form", loop_case(150, evidence)),
    ]
    print(f"{'state':36} {'size':>9} {'plain dump':>11} {'checked result()':>17} {'ratio':>6}")
    for label, processor in cases:
        size = len(plain(processor).encode())
        before = processor.completed_task_ids()
        old = median_ms(lambda p=processor: plain(p))
        new = median_ms(lambda p=processor, b=before: p.result(b))
        print(f"{label:36} {size / 1024:7.0f} KB {old:9.2f} ms {new:15.2f} ms {new / old:5.1f}x")


if __name__ == "__main__":
    main()
