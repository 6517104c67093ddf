"""A draft's test run ([8/9] workbench): the draft's procedure run as a sandbox case, step by step,
with its forms' examples or typed data — the same engine, form validation, rule kinds and deadlines
as a real case — while nothing real is touched: no case row, no task rows, no case number or
document number issued, no trace event. Its state lives on the draft (`test_state`, `test_run`:
the department it runs in, the steps done with their data, the rules that would raise alerts,
the ready steps with their deadlines), one run per draft, owned by the draft's owner and readable
by the draft's readers. A run belongs to the draft's revision it began on: once the draft changes,
it is started again.

It lives among the case services (it runs case machinery over a procedure not yet deployed), so it
imports the procedures' checks from below, as the step path does.
"""
from datetime import datetime
from types import SimpleNamespace

from ...engine.errors import EngineError
from ...extensions import db
from ...models import OrgUnit, User
from ...models.types import utcnow
from ...oversight import bindings, step_rules
from ...oversight.calendar import LOCAL_TZ
from ...oversight.deadlines import DeadlineSyntaxError, parse_deadline
from ..errors import Conflict, Forbidden, Invalid, NotFound, tr
from ..people.access import in_scope
from ..procedures import drafts
from ..procedures.forms import validate_form
from ..procedures.versions import (
    ProcedureInfo,
    actor_key_of,
    check_package,
    deadline_words,
    package_sources,
    run_engine,
)
from ..transactions import one_transaction
from .lifecycle import raise_refusals
from .record import rule_record
from .step_path import engine_invalid

MAX_STEPS = 300
PARTY_KINDS = ("person", "organization")
MAX_PARTY_NAME = 200  # as a case's party (api/schemas.py PartySchema)


class _Run:
    """The draft's package as the run reads it: checked, with its sources for the engine."""

    def __init__(self, draft):
        self.draft = draft
        self.package = drafts.package_of(draft)
        self.checked = check_package(self.package)
        self.info = ProcedureInfo(self.checked.sha256, self.checked.procedure.task_specs, self.checked.forms,
                                  self.checked.rules)

    def sources(self):
        return package_sources(self.checked.procedure, self.package.files)

    def engine(self, op: str, payload: dict, user: User):
        try:
            return run_engine(op, payload, self.checked.sha256, {self.checked.sha256: self.sources},
                              actor_key=actor_key_of(user))
        except EngineError as err:
            raise engine_invalid(err) from None


def _writer(user: User, draft_id: int):
    draft = drafts.get(user, draft_id)
    if draft.owner_id != user.id:
        raise Forbidden(tr("only the draft's owner (%(owner)s) may run it", owner=draft.owner.full_name),
                               code="not_draft_owner")
    return draft


def start(user: User, draft_id: int, department_code: str, party: dict | None = None) -> dict:
    """A new test run of the draft in `department_code`, a department of the user's area (its
    registers, powers and settings are the rules' record), for a party {name, kind}; an earlier run
    of the draft is replaced."""
    draft = _writer(user, draft_id)
    readable = isinstance(department_code, str) and len(department_code) <= 64 and "\x00" not in department_code
    department = db.session.execute(db.select(OrgUnit).where(OrgUnit.code == department_code)
                                    ).scalar_one_or_none() if readable else None
    if department is None or department.kind != "department":
        raise Invalid({"department": [tr("no department with code %(code)s", code=repr(department_code)[:80])]})
    if not in_scope(user, department):  # its registers and settings are what the run reads: the author's own
        raise Invalid({"department": [tr("the department %(code)s is outside your area of responsibility",
                                         code=repr(department_code))]})
    party = party or {"name": "试运行当事人", "kind": "organization"}
    name = party.get("name")
    if (party.get("kind") not in PARTY_KINDS or not isinstance(name, str) or not name.strip()
            or len(name) > MAX_PARTY_NAME or "\x00" in name):
        raise Invalid({"party": [tr("a party: its name (at most %(max)d characters), and its kind (person or "
                                    "organization)", max=MAX_PARTY_NAME)]})
    party = {"name": name.strip(), "kind": party["kind"]}
    run = _Run(draft)
    initial = {"party_kind": party["kind"], "party_name": party["name"], "department": department.code,
               "case_title": f"{draft.title}（试运行）"}
    step = run.engine("start", {"data": initial}, user)
    now = utcnow()
    record = {"revision": draft.revision, "sha256": run.checked.sha256, "department": department.code,
              "party": {"name": party["name"], "kind": party["kind"]}, "started_at": now.isoformat(),
              "started_by": user.username, "steps": [], "milestones": [], "completed": False}
    _reached(record, step, now)
    record["ready"] = _ready(run, record, step, now)
    with one_transaction(drafts.RACE):
        draft.test_state, draft.test_run = step.state, record
    return view(draft)


def get_run(user: User, draft_id: int) -> dict:
    draft = drafts.get(user, draft_id)
    if draft.test_run is None:
        raise NotFound(tr("the draft has no test run"))
    return view(draft)


def view(draft) -> dict:
    run = dict(draft.test_run)
    run["stale"] = run["revision"] != draft.revision
    run["draft_id"], run["draft_revision"] = draft.id, draft.revision
    return run


def complete(user: User, draft_id: int, engine_task_id: str, data) -> dict:
    """One step of the run, checked as a real case's step is: the form (422 naming its fields), the
    rule kinds the package binds to it (a refusal with the law's words, nothing done), then the
    engine. The rules that would raise an oversight alert are listed with the step."""
    draft = _writer(user, draft_id)
    record = _current(draft)
    if record["completed"]:
        raise Conflict(tr("the test run has ended; start it again"), code="test_run_ended")
    task = _ready_step(record, engine_task_id)
    if len(record["steps"]) >= MAX_STEPS:
        raise Conflict(tr("a test run takes at most %(max)d steps; start it again", max=MAX_STEPS))
    run = _Run(draft)
    if run.checked.sha256 != record["sha256"]:
        raise Conflict(tr("the draft changed since this test run began: start it again"), code="test_run_stale")
    schema = run.checked.forms.get(task["form_key"]) if task["form_key"] else None
    data = validate_form(schema, data, run.info.validators.get(task["form_key"]) if schema is not None else None)
    forms = _latest_forms(record)
    department = db.session.execute(db.select(OrgUnit).where(OrgUnit.code == record["department"])).scalar_one()
    case = SimpleNamespace(id=None, department=department, department_id=department.id,
                           party_kind=record["party"]["kind"], party_id=None, party=None, title=draft.title)
    rules = run.info.bindings
    if task["form_key"]:
        reads = rule_record(task["form_key"], case, data, user, run.checked.forms, earlier=lambda: forms)
        raise_refusals(step_rules.check(bindings.governing(rules, task["form_key"], bindings.REFUSE,
                                                           bindings.BEFORE_FORM), reads))
        alerts = [{"code": r.kind.code, "article": r.kind.article, "message": r.breaches[0].message,
                   "message_en": r.breaches[0].message_en}
                  for r in step_rules.check(rules, reads, (bindings.ALERT,))]
    else:
        alerts = []
    step = run.engine("complete", {"state": draft.test_state, "engine_task_id": engine_task_id, "data": data}, user)
    now = utcnow()
    record = {**record, "steps": [*record["steps"], {
        "bpmn_id": task["bpmn_id"], "name": task["name"], "form_key": task["form_key"], "data": data,
        "at": now.isoformat(), "by": user.username, "alerts": alerts, "due_at": task.get("due_at"),
        "called_by": task.get("called_by") or []}]}
    record["milestones"] = list(record["milestones"])
    _reached(record, step, now)
    record["completed"] = step.completed
    record["ready"] = _ready(run, record, step, now)
    with one_transaction(drafts.RACE):
        draft.test_state, draft.test_run = step.state, record
    return view(draft)


def step_form(user: User, draft_id: int, engine_task_id: str) -> tuple[dict, dict | None, dict]:
    """A ready step of the draft's run with its form's schema and the draft's forms (the page
    renders the form as a task page does): (the step as the run lists it, its schema or None, the
    forms by key). A stale or ended run, or a step not ready in it, is refused as `complete` would."""
    draft = drafts.get(user, draft_id)
    task = _ready_step(_current(draft), engine_task_id)
    forms = _Run(draft).checked.forms
    return task, forms.get(task["form_key"]) if task["form_key"] else None, forms


def _current(draft) -> dict:
    """The draft's run, begun on the draft's revision as it stands."""
    record = draft.test_run
    if record is None:
        raise NotFound(tr("the draft has no test run"))
    if record["revision"] != draft.revision:
        raise Conflict(tr("the draft changed since this test run began (revision %(then)d, now %(now)d): start it "
                          "again", then=record["revision"], now=draft.revision), code="test_run_stale")
    return record


def _ready_step(record: dict, engine_task_id) -> dict:
    task = next((t for t in record["ready"] if t["engine_task_id"] == engine_task_id), None)
    if task is None:
        raise Conflict(tr("step %(id)s is not ready in the test run", id=repr(engine_task_id)[:80]),
                       code="task_not_ready")
    return task


def discard(user: User, draft_id: int) -> None:
    draft = _writer(user, draft_id)
    with one_transaction(drafts.RACE):
        draft.test_state, draft.test_run = None, None


def _reached(record: dict, step, now: datetime) -> None:
    for bpmn_id, milestone, status, closes in step.milestones:
        record["milestones"].append({"bpmn_id": bpmn_id, "milestone": milestone, "status": status,
                                     "closes": closes, "at": now.isoformat()})
    # the decision tables its business rule tasks evaluated, with their outputs (engine/decisions.py)
    record["decisions"] = [*record.get("decisions", []), *({**evaluated, "at": now.isoformat()}
                                                           for evaluated in step.decisions)]


def _latest_forms(record: dict) -> dict[str, dict]:
    forms = {}
    for done in record["steps"]:
        if done["form_key"]:
            forms[done["form_key"]] = done["data"]
    return forms


def _ready(run: _Run, record: dict, step, now: datetime) -> list[dict]:
    """The ready steps with their forms' examples and the due time each gets on this run's record."""
    by_bpmn = {}
    for done in record["steps"]:
        by_bpmn[done["bpmn_id"]] = done["data"]
    milestones = {m["milestone"]: datetime.fromisoformat(m["at"]) for m in record["milestones"]}
    earlier = {t["engine_task_id"]: t for t in record.get("ready") or []}
    ready = []
    for human in step.ready:
        meta = run.checked.procedure.task_specs.get(human.bpmn_id) or {}
        form_key = meta.get("form_key")
        schema = run.checked.forms.get(form_key) or {}
        ready_at = datetime.fromisoformat(earlier[human.engine_task_id]["ready_at"]) \
            if human.engine_task_id in earlier else now
        text = meta.get("deadline")
        due_at = None
        if text:
            try:
                deadline = parse_deadline(text)
            except DeadlineSyntaxError:
                deadline = None
            if deadline is not None:
                due = deadline.due({deadline.anchor: deadline.start(by_bpmn.get, milestones.get, ready_at)})
                due_at = due.at.astimezone(LOCAL_TZ).isoformat() if due else None
        words = deadline_words(text, run.info)
        ready.append({"engine_task_id": human.engine_task_id, "bpmn_id": human.bpmn_id,
                      "name": meta.get("name") or human.name, "lane": meta.get("lane", human.lane),
                      "form_key": form_key, "example": (schema.get("examples") or [None])[0],
                      "deadline": text,
                      "deadline_words": {"zh": getattr(words, "zh", str(words)), "en": str(words)}
                      if words is not None else None,
                      "due_at": due_at, "ready_at": ready_at.isoformat(),
                      "called_by": list(meta.get("called_by") or [])})
    return ready
