"""Ad-hoc steps: steps the officer starts at any time while the case's procedure runs.

In the BPMN each is a non-interrupting event subprocess started by a message; its first task is
the request itself (e.g. `extension_request`, `excluded_period`, `disclosure_revocation`) and its
id is the `kind` of `POST /cases/{id}/requests/{kind}`. Starting one is one action: the message
is delivered and the request's task completed with the submitted form, in the engine worker like
every other engine step, and everything is written in one transaction and traced (`task.ready` and
`task.completed` of the request, the next task it makes ready, any due time it moves). The law's
conditions (services/cases/time_limits.py) and the step rules are checked first; a refusal is traced.

The case page offers each ad-hoc step the user's role may start, and says of those the law does
not let start now (whatever the form would say: `time_limits.check_may_start`) why not, with the
article; the request's own page says it above the form, before anything is typed.
"""
from dataclasses import dataclass

from ...engine.errors import EngineError
from ...extensions import db
from ...i18n import refusal_message, step_name
from ...models import Case, Task, User, WorkflowState
from ...models.types import utcnow
from ...oversight import bindings
from ..audit import trail as audit
from ..errors import Forbidden, Invalid, NotFound, StepRefused, refusal_line, tr
from ..people import named as people
from ..people.access import ROLE_WORDS, in_scope, visible_case
from ..procedures.forms import validate_form
from ..procedures.versions import procedure_info
from . import time_limits
from .lifecycle import check_form_rules
from .step_path import StepPath, act_day, ready_task_rows, refusals_traced


def request_kinds(case: Case) -> list[str]:
    """The ad-hoc steps of the case's procedure version."""
    info = procedure_info(case.procedure_version)
    return sorted(bpmn_id for bpmn_id, meta in info.task_specs.items() if meta.get("request"))


def start_request(user: User, case_id: int, kind: str, data: dict) -> Case:
    """Start the ad-hoc step `kind` on the case with the request's form data."""
    case = visible_case(user, case_id)
    version = case.procedure_version
    info = procedure_info(version)
    meta = info.task_specs.get(kind)
    if not meta or not meta.get("request"):
        kinds = request_kinds(case)
        raise NotFound(tr("the case's procedure has no ad-hoc step %(kind)s; it has: %(kinds)s",
                          kind=repr(kind[:64]), kinds=", ".join(kinds) or "-"))
    lane = meta.get("lane")
    _check_may_start(user, case, kind, lane)
    schema = info.forms.get(meta["form_key"]) if meta.get("form_key") else None
    data = validate_form(schema, data, info.validators.get(meta["form_key"]) if schema is not None else None)
    ready = ready_task_rows(case.id)
    case.open_tasks = ready
    with refusals_traced(user, case.id, bpmn_id=kind):
        people.check_named_people(schema, data, case, act_day(info.rules, meta.get("form_key"), data))
        _check_before_form(case, info, kind, ready, user)
        time_limits.check_request(case, info.task_specs, kind, data, ready)
        check_form_rules(meta.get("form_key"), case, data, user, (bindings.REFUSE,))  # BEFORE_FORM: just above
    state = db.session.get(WorkflowState, case.id)
    known = {row.engine_task_id for row in ready}
    # Two engine steps, one unit of work: the message starts the step, the form completes it.
    path = StepPath(user, failed="request.failed", case_id=case.id, bpmn_id=kind)
    started = path.engine("message", {"state": state.state, "message": meta["request"]}, version)
    new = [t for t in started.ready if t.bpmn_id == kind and t.engine_task_id not in known]
    if not new:
        raise path.failure(EngineError(tr("the message %(message)s did not start the step %(step)s",
                                          message=repr(meta["request"]), step=kind), kind))
    step = path.engine("complete", {"state": started.state, "engine_task_id": new[0].engine_task_id, "data": data},
                       version)
    now = utcnow()
    row = Task(case_id=case.id, department_id=case.department_id, engine_task_id=new[0].engine_task_id, bpmn_id=kind,
               name=new[0].name, lane=lane, form_key=meta.get("form_key"), state="completed", ready_at=now,
               deadline=meta.get("deadline"), completed_at=now, completed_by_id=user.id, data=data)
    with path.write(case, state, step, now, completed=row, before=lambda: db.session.add(row)):
        audit.record("task.ready", actor=user, case_id=case.id, task_id=row.id, bpmn_id=kind, at=now,
                     data={"task": row.name, "lane": lane, "due_at": None, "request": meta["request"]})
        audit.record("task.completed", actor=user, case_id=case.id, task_id=row.id, bpmn_id=kind, at=now,
                     data={"task": row.name, "form": data, "changes": step.changes})
    return case


def parse_kind(kind: str) -> str:
    if not kind or len(kind) > 64:
        raise Invalid({"kind": [tr("must be the id of an ad-hoc step (1-64 characters)")]})
    return kind


@dataclass(frozen=True)
class Refusal:
    """Why the law does not let a step start now: its code, article and message in the page's
    language."""

    code: str
    article: str | None
    message: str


@dataclass(frozen=True)
class AdHocStep:
    """An ad-hoc step of the case the user's role may start, and whether the law lets it start now."""

    kind: str
    name: str  # in the page's language (i18n.step_name)
    refusal: Refusal | None  # None: it may be started now

    @property
    def available(self) -> bool:
        return self.refusal is None


def refusal_now(case: Case, kind: str, ready: list[Task] | None = None) -> StepRefused | None:
    """The law's refusal of starting the ad-hoc step `kind` on the case now, whatever its form
    would say (services/cases/time_limits.check_may_start), or None when it may be started. Read only:
    nothing is traced (nobody tried the step). `ready`: the case's ready tasks, when read already."""
    info = procedure_info(case.procedure_version)
    try:
        _check_before_form(case, info, kind, ready_task_rows(case.id) if ready is None else ready, None)
    except StepRefused as refusal:
        return refusal
    return None


def _check_before_form(case: Case, info, kind: str, ready: list[Task], user: User | None) -> None:
    """What the law says of starting `kind` now before its form is typed: the decision clock's
    conditions (services/cases/time_limits.py), then the package's rule kinds that read only the case's
    record (effect BEFORE_FORM)."""
    time_limits.check_may_start(case, info.task_specs, kind, ready)  # the law's own words first (EXTENSION_PENDING)
    _check_not_pending(info, kind, ready)
    check_form_rules(info.task_specs[kind].get("form_key"), case, {}, user, (bindings.BEFORE_FORM,))


REQUEST_PENDING = "REQUEST_PENDING"


def _check_not_pending(info, kind: str, ready: list[Task]) -> None:
    """An ad-hoc step whose earlier request is still being handled (a step of its event subprocess,
    its approval, is to be done) is not started again: a second message would run a second copy of
    the subprocess beside the first, and the head would decide the same request twice."""
    meta = info.task_specs[kind]
    steps = set(meta.get("request_steps") or ())
    waiting = next((task for task in ready if task.bpmn_id in steps), None)
    if waiting is None:
        return
    forms = info.forms
    asked, asked_en = meta["name"], step_name(meta["name"], forms.get(meta.get("form_key")), "en")
    step, step_en = waiting.name, step_name(waiting.name, forms.get(waiting.form_key), "en")
    message_en = (f"the case's earlier {asked_en} is still being handled ({step_en} is to be done); "
                  "make it again once that is done")
    raise StepRefused({kind: [refusal_line(REQUEST_PENDING, message_en,
                                           f"本案上一次{asked}尚在办理中（待{step}），办结后方可再次提出")]},
                      f"本案上一次{asked}尚在办理中（待{step}），办结后方可再次提出", code=REQUEST_PENDING,
                      message_en=message_en, details={"rules": [{"code": REQUEST_PENDING, "article": None}],
                                                      "pending_step": waiting.bpmn_id})


def requests_for(user: User, case: Case) -> list[AdHocStep]:
    """The ad-hoc steps of the case the user's roles may start (the case page's actions), each
    with the law's refusal when it may not be started now."""
    info = procedure_info(case.procedure_version)
    ready = ready_task_rows(case.id)
    found = []
    for kind in request_kinds(case):
        meta = info.task_specs[kind]
        if not (user.has_role(meta.get("lane") or "") and in_scope(user, case.department)):
            continue
        refused = refusal_now(case, kind, ready)
        form = info.forms.get(meta["form_key"]) if meta.get("form_key") else None
        found.append(AdHocStep(kind, step_name(meta.get("name") or kind, form), None if refused is None else
                               Refusal(refused.code, refused.article, refusal_message(refused))))
    return found


def _check_may_start(user: User, case: Case, kind: str, lane: str | None) -> None:
    """The step is for its lane's role, on a case in the user's scope."""
    if lane is None or not user.has_role(lane):
        raise Forbidden(tr("task %(step)s is for the role %(role)s; you do not have it", step=kind,
                           role=ROLE_WORDS.get(lane, lane)), details={"role": lane})
    if not in_scope(user, case.department):
        raise Forbidden(tr("the case's department is outside your org scope"))


def request_form(user: User, case_id: int, kind: str) -> tuple[Case, str, dict | None]:
    """The case, the step's name and its form's JSON Schema, for the page of an ad-hoc step
    (a user who may not start it is told so: 403, as the POST would)."""
    case = visible_case(user, case_id)
    info = procedure_info(case.procedure_version)
    meta = info.task_specs.get(kind)
    if not meta or not meta.get("request"):
        raise NotFound(tr("the case's procedure has no ad-hoc step %(kind)s", kind=repr(kind[:64])))
    _check_may_start(user, case, kind, meta.get("lane"))
    return case, meta.get("name") or kind, info.forms.get(meta["form_key"]) if meta.get("form_key") else None
