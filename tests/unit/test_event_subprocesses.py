"""Ad-hoc steps are message-started event subprocesses; SpiffWorkflow 3.2 connects such a
subprocess into the spec the first time its message arrives. Specs are cached per engine worker,
so that must not depend on the worker: a step started in one worker finishes in another, and a
worker that has seen a message does not start the subprocess with every new case."""
from pathlib import Path

import pytest

from tests.helpers import STEPS, package_files
from workflow_app.config import Config
from workflow_app.engine.errors import EngineError
from workflow_app.engine.limits import DEFAULT_LIMITS
from workflow_app.engine.processor import WorkflowProcessor
from workflow_app.engine.specs import build_package
from workflow_app.services.procedures.forms import load_forms

FILES = package_files()
BPMN = {path: content for path, content in FILES.items() if path.endswith(".bpmn")}
INIT = {"party_kind": "organization", "party_name": "x", "department": "market", "case_title": "t"}


def two_workers():
    forms = {**load_forms(Path(Config.FORMS_DIR) / "shared"), **load_forms(Path(Config.FORMS_DIR) / "general_penalty")}
    return [build_package(BPMN, max_bytes=10**7, known_forms=forms, main_path="bpmn/general_penalty/general_penalty.bpmn")
            for _ in range(2)]


def on(procedure, processor, op):
    """One engine step on another worker's parse of the same version (state stored in between)."""
    loaded = WorkflowProcessor.load(procedure, processor.dump(), DEFAULT_LIMITS)
    op(loaded)
    return loaded


def ready_id(processor, bpmn_id):
    return next(t.engine_task_id for t in processor.ready_human_tasks() if t.bpmn_id == bpmn_id)


def test_a_step_started_in_one_worker_is_finished_in_another():
    a, b = two_workers()
    p = WorkflowProcessor.start(a, INIT, DEFAULT_LIMITS)
    p = on(a, p, lambda p: p.complete(ready_id(p, "clue_intake"), STEPS["clue_intake"][1]))
    p = on(a, p, lambda p: p.message("extension_request"))
    p = on(b, p, lambda p: p.complete(ready_id(p, "extension_request"), {
        "limit": "filing", "days": 10, "reason": "r", "requested_on": "2026-11-01"}))
    p = on(b, p, lambda p: p.complete(ready_id(p, "extension_approval"), {
        "decision": "refuse", "decided_on": "2026-11-02", "opinion": "x"}))
    assert [t.bpmn_id for t in p.ready_human_tasks()] == ["filing_approval"]
    fresh = WorkflowProcessor.start(a, INIT, DEFAULT_LIMITS)  # a has delivered a message before
    assert [t.bpmn_id for t in fresh.ready_human_tasks()] == ["clue_intake"] and not fresh.workflow.subprocesses
    p = on(b, p, lambda p: p.complete(ready_id(p, "filing_approval"), {
        "filing_decision": "not_file", "reason": "x", "limitation_checked": True}))
    assert p.is_completed()  # a finished ad-hoc step keeps nothing waiting


def test_a_message_the_process_does_not_wait_for_is_refused():
    a, _ = two_workers()
    p = WorkflowProcessor.start(a, INIT, DEFAULT_LIMITS)
    with pytest.raises(EngineError, match="not waiting for the message 'no_such_message'"):
        p.message("no_such_message")
