"""The decision tables a case's business rule tasks evaluated (engine/decisions.py): automatic
steps, recorded on the case's trace (`case.decision`, in the step's transaction, with the outputs
the table gave) like its other automatic steps.

The trace is their one record: a later form may offer a decision's output (services/cases/prefill.py,
`decision.<decision id>.<output>`), read back from there — the keyed, hash-chained record of what
the engine did, which no other row could contradict.
"""
import json
from datetime import datetime

from ...extensions import db
from ...models import Case, TraceEvent
from ..audit import trail as audit

TRACE_ACTION = "case.decision"


def record(case: Case, evaluated: dict, now: datetime) -> None:
    """One evaluation (engine/decisions.py `evaluation`) on the case's trace: the business rule
    task, the decision (id and name), the outputs it gave and their labels."""
    audit.record(TRACE_ACTION, actor=None, case_id=case.id, bpmn_id=evaluated["bpmn_id"], at=now,
                 data={key: evaluated[key] for key in ("task", "decision", "name", "outputs", "labels")})


def latest(case: Case) -> dict[str, dict]:
    """decision id -> its latest evaluation in the case: {task, decision, name, outputs, labels}
    (a table matching no rule gave no outputs)."""
    cached = getattr(case, "_decisions", None)
    if cached is not None and cached[0] == case.version:
        return cached[1]
    found: dict[str, dict] = {}
    if case.id is not None:
        rows = db.session.execute(
            db.select(TraceEvent.data_json).where(TraceEvent.chain == audit.case_chain(case.id),
                                                  TraceEvent.action == TRACE_ACTION)
            .order_by(TraceEvent.seq)).scalars()
        for data_json in rows:  # oldest first: the latest evaluation of a decision wins
            data = json.loads(data_json or "{}")
            if isinstance(data.get("decision"), str) and isinstance(data.get("outputs"), dict):
                found[data["decision"]] = data
    case._decisions = (case.version, found)
    return found


def output_of(case: Case, decision: str, output: str):
    """An output of the decision's latest evaluation in the case, or None."""
    return (latest(case).get(decision) or {}).get("outputs", {}).get(output)
