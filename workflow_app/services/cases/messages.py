"""Messages to a case: a procedure that waits for a message from outside (the party's reply, a
judicial organ's answer, another department's feedback) continues when someone delivers it.

`POST /api/v1/cases/<id>/messages/<name>` with `{"data": {...}}`: the procedure declares who may
deliver each message it waits for (the catching element's `messageSenders`, else its lane), in
the case's department or above; the data (a JSON object) becomes the process's variables; the
delivery is one step of the case (services/cases/step_path.py), traced as `message.delivered`. A
message the case is not waiting for now is a 409; a message that starts an ad-hoc request must
come with its request's form (services/cases/requests.py), never bare. Where the catching element
declares a form (`formKey`), the data is that form's, checked against it (422 naming the field).

The case page offers the messages the case waits for now that the user may deliver
(`waiting_for`): the engine is asked only for a procedure with such a message.

A message another department's step delivers (`crossDepartment` on the catching element: a
referral's wait for the receiving department's answer, services/cases/referrals.py) is delivered by that
step only, through `prepare` and `Delivery.write` inside its own transaction; by hand it is
refused (403) and never offered.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from ...engine.errors import EngineError, NotWaiting
from ...extensions import db
from ...models import Case, User, WorkflowState
from ...models.types import utcnow
from ..audit import trail as audit
from ..errors import Conflict, Forbidden, Invalid, ServiceError, tr
from ..people.access import ROLE_WORDS, in_scope, visible_case
from ..procedures.forms import validate_form
from ..procedures.versions import actor_key_of, procedure_info, run_engine_step
from .step_path import StepPath

MAX_NAME = 128


@dataclass(frozen=True)
class MessageAction:
    """A message a case's procedure waits for, as a page offers it: its name, the name of the
    element that catches it (当事人答复, as the BPMN gives it), the roles that deliver it, and the
    form of its data (None: delivered with no data, on a confirmation)."""

    name: str
    label: str
    bpmn_id: str
    senders: tuple[str, ...]
    schema: dict | None


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


def _actions(case: Case) -> dict[str, MessageAction]:
    """The messages the case's procedure may wait for, by name (the first element catching each,
    by BPMN id); ad-hoc requests are not among them."""
    info = procedure_info(case.procedure_version)
    actions: dict[str, MessageAction] = {}
    for bpmn_id, meta in sorted(info.task_specs.items()):
        name = meta.get("message")
        if name and name not in actions and not meta.get("cross_department"):
            actions[name] = MessageAction(name, meta.get("name") or name, bpmn_id, tuple(senders(case, name)),
                                          info.forms.get(meta["form_key"]) if meta.get("form_key") else None)
    return actions


def message_action(user: User, case_id: int, name: str) -> tuple[Case, MessageAction]:
    """The case and the message `name` its procedure waits for, if the user may deliver it: the
    same refusals as the delivery (409 an ad-hoc request's or an unknown message, 403 another
    role's or another department's)."""
    case = visible_case(user, case_id)
    info = procedure_info(case.procedure_version)
    requests = {meta["request"]: bpmn_id for bpmn_id, meta in info.task_specs.items() if meta.get("request")}
    if name in requests:
        raise Conflict(tr("the message %(message)s starts the ad-hoc step %(step)s: start it with its form "
                          "(POST /api/v1/cases/%(id)s/requests/%(step)s)", message=repr(name), step=requests[name],
                          id=case.id))
    if any(meta.get("message") == name and meta.get("cross_department") for meta in info.task_specs.values()):
        raise Forbidden(tr("the feedback is recorded by the receiving department's answer, not by hand"),
                        code="answered_by_receiving_department")
    action = _actions(case).get(name)
    if action is None or not action.senders:
        raise Conflict(tr("the case's procedure never waits for the message %(message)s", message=repr(name)))
    if not _may_deliver(user, case, action):
        if not in_scope(user, case.department):
            raise Forbidden(tr("the case's department is outside your org scope"))
        raise Forbidden(tr("the message %(message)s is delivered by the role %(roles)s; you do not have it",
                           message=repr(name), roles=", ".join(str(ROLE_WORDS.get(r, r)) for r in action.senders)),
                        details={"roles": list(action.senders)})
    return case, action


def _may_deliver(user: User, case: Case, action: MessageAction) -> bool:
    return any(user.has_role(role) for role in action.senders) and in_scope(user, case.department)


def waiting_for(user: User, case: Case) -> list[MessageAction] | None:
    """The messages the case waits for now that the user may deliver, for the case page; None when
    the engine cannot say now (every worker busy, a state it cannot read). The engine is asked
    (a read in a worker; nothing is stored or traced) only when the procedure has a message the
    user may deliver."""
    offered = {name: action for name, action in _actions(case).items() if _may_deliver(user, case, action)}
    state = db.session.get(WorkflowState, case.id) if offered and case.closed_at is None else None
    if state is None:
        return []
    try:
        waiting = run_engine_step("waiting", {"state": state.state}, case.procedure_version,
                                  actor_key=actor_key_of(user))
    except (EngineError, ServiceError):
        return None
    return [offered[name] for name in waiting if name in offered]


def deliver(user: User, case_id: int, name: str, data: dict) -> Case:
    """Deliver the message `name` with `data` to the case and advance it."""
    case, action = message_action(user, case_id, name)
    with prepare(user, case, name, data, action.schema).write(utcnow()):
        pass
    return case


@dataclass
class Delivery:
    """A message's engine step, taken; its one transaction still to be written (`write`)."""

    actor: User
    case: Case
    name: str
    data: dict
    state: WorkflowState
    path: StepPath
    step: object

    @contextmanager
    def write(self, now: datetime, *, commit: bool = True, traced: dict | None = None) -> Iterator[object]:
        """The delivery's rows and `message.delivered` (with `traced` beside the message and its
        data); `commit` False: inside a transaction already begun (another case's step). The
        caller's own events go in the block."""
        with self.path.write(self.case, self.state, self.step, now, commit=commit) as change:
            audit.record("message.delivered", actor=self.actor, case_id=self.case.id, at=now,
                         data={"message": self.name, "data": self.data, **(traced or {})})
            yield change


def prepare(actor: User, case: Case, name: str, data: dict, schema: dict | None) -> Delivery:
    """The engine step delivering `name` with `data` (checked against the catching element's form,
    `schema`) to the case, before the transaction; who may deliver it is the caller's check. A
    case not waiting for it is a 409."""
    if schema is not None:
        data = validate_form(schema, data)
    state = db.session.get(WorkflowState, case.id)
    path = StepPath(actor, failed="message.failed", case_id=case.id, failure_data={"message": name})
    try:
        step = path.engine("message", {"state": state.state, "message": name, "data": data},
                           case.procedure_version)
    except NotWaiting:
        raise Conflict(tr("the case is not waiting for the message %(message)s now", message=repr(name))) from None
    return Delivery(actor, case, name, data, state, path, step)
