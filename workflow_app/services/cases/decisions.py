"""The decision tables a case's business rule tasks evaluated (engine/decisions.py): automatic
steps, recorded on the case's trace (`case.decision`, in the step's transaction, with the outputs
the table gave) like its other automatic steps.

The trace is their one record: a later form may offer a decision's output (services/cases/prefill.py,
`decision.<decision id>.<output>`), read back from there — the keyed, hash-chained record of what
the engine did, which no other row could contradict.
"""
import json

from ...extensions import db
from ...models import Case, TraceEvent
from ..audit import trail as audit

TRACE_ACTION = "case.decision"


def latest_outputs(case: Case) -> dict[str, dict]:
    """decision id -> the outputs of its latest evaluation in the case (a table matching no rule
    gave none)."""
    cached = getattr(case, "_decision_outputs", None)
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
                found[data["decision"]] = data["outputs"]
    case._decision_outputs = (case.version, found)
    return found
