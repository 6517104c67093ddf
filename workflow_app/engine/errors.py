"""Errors raised by the engine layer; services translate them for users.

Every message meant for a reader is a `Text` (workflow_app/messages.tr): English as a string for the
CLI, the logs and the trace, with its template and values kept so the API and the pages can say
it in the reader's language. A Text crosses the engine worker's pipe whole (pickle keeps its
template and values: worker.py); words we do not write (SpiffWorkflow's, lxml's, Python's) are
only ever a value inside a translated frame.
"""
from ..messages import Text, clip


class BpmnProblem:
    """One thing wrong with a BPMN file, located by element id and line where known."""

    def __init__(self, message: Text, element_id: str | None = None, line: int | None = None,
                 file: str | None = None):
        self.message = message
        self.element_id = element_id
        self.line = line
        self.file = file or None  # the package's file, where a deploy has several

    def in_file(self, path: str) -> "BpmnProblem":
        return BpmnProblem(self.message, self.element_id, self.line, path or None)

    def as_dict(self) -> dict:
        located = {"message": self.message, "element_id": self.element_id, "line": self.line}
        return {**located, "file": self.file} if self.file else located

    def __str__(self) -> str:  # English, for the CLI and the logs
        where = [f"file {self.file}"] if self.file else []
        if self.element_id:
            where.append(f"element {self.element_id}")
        if self.line:
            where.append(f"line {self.line}")
        return f"{self.message} ({', '.join(where)})" if where else self.message


class BpmnInvalid(Exception):
    """The BPMN file cannot be deployed; `problems` lists every reason found."""

    def __init__(self, problems: list[BpmnProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class ScriptError(Exception):
    """A BPMN script or condition was refused, failed, or ran out of CPU time."""


class ScriptCompileError(ScriptError):
    pass


class ScriptTimeout(ScriptError):
    pass


class EngineError(Exception):
    """The workflow could not advance (failing script, no outgoing flow, …).

    The case is left as it was before the attempt; `element_id` names the BPMN element.
    """

    def __init__(self, message: str, element_id: str | None = None):
        super().__init__(message)
        self.message = message
        self.element_id = element_id


class TaskNotReady(EngineError):
    """The task is no longer READY in the engine: another request completed it first (a lost race)."""


class NotWaiting(EngineError):
    """The process is not waiting for the message sent to it (ended, past that point, or never)."""


class MigrationBlocked(EngineError):
    """The case cannot move to the target version; `blockers` says why, step by step."""

    def __init__(self, blockers: list[str]):
        super().__init__("; ".join(blockers))
        self.blockers = blockers


MAX_MESSAGE = 300


def bounded_text(value, limit: int = MAX_MESSAGE) -> str:
    """str(value) cut to `limit` characters: error messages never echo a huge value whole. An
    exception carrying one of our own messages gives that Text (still translatable)."""
    if isinstance(value, BaseException) and len(value.args) == 1 and isinstance(value.args[0], Text):
        value = value.args[0]
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:  # noqa: BLE001 - a broken __str__ must not hide the error being reported
        text = f"<{type(value).__name__}>"
    return clip(text, limit)
