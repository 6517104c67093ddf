"""Messages to a case: a procedure that waits for a message from outside (the party's reply, a
judicial organ's answer, another department's feedback) continues when someone delivers it.

`POST /api/v1/cases/<id>/messages/<name>` with `{"data": {...}}`: the procedure declares who may
deliver each message it waits for (the catching element's `messageSenders`, else its lane), in
the case's department or above; the data (a JSON object) becomes the process's variables; the
delivery is one step of the case (services/step_path.py), traced as `message.delivered`. A
message the case is not waiting for now is a 409; a message that starts an ad-hoc request must
come with its request's form (services/case_requests.py), never bare.
"""
from ..engine.errors import NotWaiting
from ..extensions import db
from ..models import Case, User, WorkflowState
from ..models.types import utcnow
from . import audit
from .access import ROLE_WORDS, in_scope, visible_case
from .errors import Conflict, Forbidden, Invalid, tr
from .procedures import procedure_info
from .step_path import StepPath

MAX_NAME = 128


def parse_name(name: str) -> str:
    if not name or len(name) > MAX_NAME or any(ord(c) < 32 for c in name):
        raise Invalid({"name": [tr("must be the name of a message the procedure waits for (1-%(max)d characters)",
                                   max=MAX_NAME)]})
    return name


def senders(case: Case, name: str) -> list[str]:
    """The roles that may deliver the message `name` to the case (none: its procedure never waits for it)."""
    info = procedure_info(case.procedure_version)
    return sorted({role for meta in info.task_specs.values() if meta.get("message") == name
                   for role in meta.get("senders", [])})


def deliver(user: User, case_id: int, name: str, data: dict) -> Case:
    """Deliver the message `name` with `data` to the case and advance it."""
    case = visible_case(user, case_id)
    info = procedure_info(case.procedure_version)
    requests = {meta["request"]: bpmn_id for bpmn_id, meta in info.task_specs.items() if meta.get("request")}
    if name in requests:
        raise Conflict(tr("the message %(message)s starts the ad-hoc step %(step)s: start it with its form "
                          "(POST /api/v1/cases/%(id)s/requests/%(step)s)", message=repr(name), step=requests[name],
                          id=case.id))
    roles = senders(case, name)
    if not roles:
        raise Conflict(tr("the case's procedure never waits for the message %(message)s", message=repr(name)))
    if not any(user.has_role(role) for role in roles):
        raise Forbidden(tr("the message %(message)s is delivered by the role %(roles)s; you do not have it",
                           message=repr(name), roles=", ".join(str(ROLE_WORDS.get(r, r)) for r in roles)),
                        details={"roles": roles})
    if not in_scope(user, case.department):
        raise Forbidden(tr("the case's department is outside your org scope"))
    state = db.session.get(WorkflowState, case.id)
    path = StepPath(user, failed="message.failed", case_id=case.id, failure_data={"message": name})
    try:
        step = path.engine("message", {"state": state.state, "message": name, "data": data},
                           case.procedure_version)
    except NotWaiting:
        raise Conflict(tr("the case is not waiting for the message %(message)s now", message=repr(name))) from None
    now = utcnow()
    with path.write(case, state, step, now):
        audit.record("message.delivered", actor=user, case_id=case.id, at=now,
                     data={"message": name, "data": data})
    return case
