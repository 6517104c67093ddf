"""Who may see and do what: roles and org scope, enforced here for pages, API and CLI alike.

A user acts in their own org unit and every unit below it (province → city → district →
department). Lanes in BPMN are roles.
"""
from ...extensions import db
from ...models import Case, OrgUnit, Task, User
from ..errors import Forbidden, NotFound, tr

# the roles as a message names them (the pages' words, web/templating.ROLE_LABELS)
ROLE_WORDS = {"officer": tr("enforcement officer"), "legal_reviewer": tr("legal reviewer"),
              "department_head": tr("department head"), "supervisor": tr("supervisor"),
              "bpmn_author": tr("procedure author"), "procedure_approver": tr("procedure approver"),
              "admin": tr("administrator")}


def in_scope(user: User, unit: OrgUnit) -> bool:
    return user.org_unit.contains(unit)


def scope_unit_ids(user: User) -> list[int]:
    """Ids of the user's unit and every unit below it, read once per request (session).

    Lists filter on these literal ids rather than a subquery: the planner then knows how many
    cases each unit holds and picks the index that fits (one department, or a whole district)."""
    cache = db.session.info.setdefault("scope_unit_ids", {})
    path = user.org_unit.path
    if path not in cache:
        cache[path] = list(db.session.execute(
            db.select(OrgUnit.id).where(OrgUnit.path.startswith(path)).order_by(OrgUnit.id)).scalars())
    return cache[path]


def scope_filter(user: User, column=Case.department_id):
    """SQL condition: the department (of a case, or `column`) is the user's unit or below it."""
    return column.in_(scope_unit_ids(user))


def visible_case(user: User, case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None or not in_scope(user, case.department):
        raise NotFound(tr("case %(id)s not found", id=case_id))  # outside scope looks the same as absent
    return case


def visible_task(user: User, task_id: int) -> Task:
    """The task, if its case is in the user's scope; otherwise the 404 of a task that does not
    exist, naming neither its case nor that it exists."""
    task = db.session.get(Task, task_id)
    if task is None:
        raise NotFound(tr("task %(id)s not found", id=task_id))
    require_task_in_scope(user, task)
    return task


def require_task_in_scope(user: User, task: Task) -> None:
    if not in_scope(user, task.case.department):
        raise NotFound(tr("task %(id)s not found", id=task.id))  # as if it did not exist: no case, no hint


def role_words(roles) -> str:
    """Roles in the reader's words, "a or b or c" (a Text within a Text is said in their language:
    执法人员或法制审核人员)."""
    words = [ROLE_WORDS.get(role, role) for role in roles]
    said = words[0]
    for word in words[1:]:
        said = tr("%(first)s or %(second)s", first=said, second=word)
    return said


def require_role(user: User, role: str, what: str, *others: str):
    """The user must hold `role` (or one of `others`); `what` the action, a tr() text."""
    roles = (role, *others)
    if not any(user.has_role(r) for r in roles):
        raise Forbidden(tr("%(what)s requires the role %(roles)s", what=what, roles=role_words(roles)),
                        details={"roles": list(roles)})


def check_may_act(user: User, task: Task, case: Case):
    """The user's role must match the task's lane, in the case's department or above it."""
    if task.lane is None or not user.has_role(task.lane):
        raise Forbidden(tr("task %(step)s is for the role %(role)s; you do not have it", step=task.bpmn_id,
                           role=ROLE_WORDS.get(task.lane, task.lane)), details={"role": task.lane})
    if not in_scope(user, case.department):
        raise Forbidden(tr("the case's department is outside your org scope"))
