"""People named in form data (`"x-user-role"` on a field) and the officer who acts: they must
exist, hold the role, belong to the case's department, and - for officers - hold an enforcement
certificate (执法证) valid on the step's date in an enforcement domain of the case's department
(APL Art. 42, 55: only officers certified for the field act on its cases, no exception allowed;
a 交通运输 certificate does not work on a market-regulation case).

`x-user-role` is one role, or a list of roles any of which will do: the hearing's chair is a
person the agency designates who did not investigate (APL Art. 64), a legal reviewer or a head as
well as an officer, so the hearing notice names `["officer", "legal_reviewer", "department_head"]`.
Only a field that names officers alone asks for the certificate (they act in the officers' stead).
"""
from datetime import date

from sqlalchemy.orm import joinedload, selectinload

from ...extensions import db
from ...models import Case, Task, User
from ...oversight.powers import domain_label
from ..errors import Invalid, StepRefused, refusal_line, tr
from .access import role_words

UNCERTIFIED_OFFICER = "UNCERTIFIED_OFFICER"
UNCERTIFIED_ARTICLE = "《行政处罚法》第42条、第55条"
# A field naming department heads names the agency's 负责人 who decide together (APL Art. 57(2)).
NOT_BY_HEADS = "DISCUSSION_NOT_BY_HEADS"
NOT_BY_HEADS_ARTICLE = "《行政处罚法》第57条第2款"


def role_key(value) -> str | None:
    """An `x-user-role` as one text: the role, or the roles of a list joined by "|" (the key of
    the pages' pickers)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(r, str) for r in value):
        return "|".join(value)
    return None


def _holds(user: User, key: str) -> bool:
    return key == "any" or any(user.has_role(role) for role in key.split("|"))


def named_people(schema: dict | None, data: dict) -> dict[str, tuple[str, list[str]]]:
    """field -> (role key, usernames) for every field of the form that names users."""
    out = {}
    for field, prop in (schema or {}).get("properties", {}).items():
        role = role_key(prop.get("x-user-role"))
        if role is None or field not in data:
            continue
        value = data[field]
        out[field] = (role, list(value) if isinstance(value, list) else [value])
    return out


def _certificate_problem(user: User, case: Case, on: date) -> tuple[str, str] | None:
    """Why the officer may not act on the case on that day (zh, en), or None."""
    domains = case.department.enforcement_domains or []
    if user.valid_certificate(on, domains) is not None:
        return None
    if user.valid_certificate(on) is None:
        return (f"{user.username}（{user.full_name}）在{on}没有有效的行政执法证",
                f"{user.username} holds no enforcement certificate valid on {on}")
    held = "、".join(sorted({domain_label(c.domain) for c in user.certificates}))
    wanted = "、".join(domain_label(d) for d in domains) or "（未登记执法领域）"
    return (f"{user.username}（{user.full_name}）的执法证执法领域为{held}，不是{case.department.name}的执法领域（{wanted}）",
            f"{user.username}'s certificate is for {held}, not a domain of {case.department.name} ({wanted})")


def _refuse_uncertified(problems: dict[str, list[tuple[str, str]]]) -> None:
    zh = "；".join(p[0] for ps in problems.values() for p in ps)
    en = "; ".join(p[1] for ps in problems.values() for p in ps)
    raise StepRefused(
        {field: [refusal_line(UNCERTIFIED_OFFICER, p[1], p[0]) for p in ps] for field, ps in problems.items()},
        f"{zh}：执法人员应当持有本领域有效的行政执法证（《行政处罚法》第42条）",
        code=UNCERTIFIED_OFFICER, article=UNCERTIFIED_ARTICLE,
        message_en=f"{en}: enforcement is by officers holding a valid certificate for the department's "
                   "domain (APL Art. 42)")


def check_named_people(schema: dict | None, data: dict, case: Case, on: date) -> None:
    """`on`: the date of the step (its recorded date, else today in Beijing)."""
    named = named_people(schema, data)
    if not named:
        return
    usernames = {u for _, names in named.values() for u in names}
    users = {u.username: u for u in db.session.execute(  # one query: few people, few roles and certificates
        db.select(User).options(joinedload(User.certificates), joinedload(User.role_rows))
        .where(User.username.in_(usernames))).unique().scalars()}
    errors: dict[str, list[str]] = {}
    uncertified: dict[str, list[tuple[str, str]]] = {}
    not_heads: dict[str, list[User]] = {}
    for field, (role, names) in named.items():
        for name in names:
            user = users.get(name)
            if user is None or not user.active:
                errors.setdefault(field, []).append(tr("there is no active user %(name)s", name=repr(name)))
            elif role == "department_head" and not user.has_role(role):
                not_heads.setdefault(f"{schema_key(schema)}.{field}", []).append(user)
            elif not _holds(user, role):
                errors.setdefault(field, []).append(tr("%(name)s does not have the role %(role)s", name=repr(name),
                                                                       role=role_words(role.split("|"))))
            elif not case.department.contains(user.org_unit) and not user.org_unit.contains(case.department):
                errors.setdefault(field, []).append(tr("%(name)s is not in %(department)s", name=repr(name),
                                                                       department=case.department.name))
            elif role == "officer" and (problem := _certificate_problem(user, case, on)):
                uncertified.setdefault(f"{schema_key(schema)}.{field}", []).append(problem)
    if errors:
        raise Invalid(errors)
    if not_heads:
        _refuse_not_heads(not_heads)
    if uncertified:
        _refuse_uncertified(uncertified)


def _refuse_not_heads(not_heads: dict[str, list[User]]) -> None:
    people = [u for us in not_heads.values() for u in us]
    zh = "、".join(f"{u.username}（{u.full_name}）" for u in people)
    en = ", ".join(u.username for u in people)
    raise StepRefused(
        {field: [refusal_line(NOT_BY_HEADS, f"{', '.join(u.username for u in us)} is not a head of the department",
                              f"{'、'.join(u.username for u in us)}不是行政机关负责人")]
         for field, us in not_heads.items()},
        f"{zh}不是行政机关负责人：集体讨论由行政机关负责人进行（《行政处罚法》第57条第2款）",
        code=NOT_BY_HEADS, article=NOT_BY_HEADS_ARTICLE,
        message_en=f"{en} is not a head of the agency: the collective discussion is held by its heads "
                   "(APL Art. 57(2))")


def check_acting_officer(user: User, task: Task, case: Case, on: date) -> None:
    """The officer completing a step of the officers' lane acts in person: certified too."""
    if task.lane != "officer":
        return
    problem = _certificate_problem(user, case, on)
    if problem:
        _refuse_uncertified({"_task": [problem]})


def schema_key(schema: dict | None) -> str:
    """The form key from a schema's `$id` (zhifaflow:forms/<key>)."""
    return str((schema or {}).get("$id", "")).rsplit("/", 1)[-1] or "form"


def eligible(role: str, case: Case, on: date) -> list[User]:
    """The colleagues a field with `x-user-role` (its `role_key`) may name on the case (the pages'
    pickers): active, holding the role (one of them), in the case's department (or a unit
    containing it), and - officers alone - certified for the department's domain on `on`; the same
    conditions check_named_people applies."""
    users = db.session.execute(
        db.select(User).options(selectinload(User.certificates), selectinload(User.role_rows))
        .where(User.active.is_(True)).order_by(User.username)).scalars()
    out = []
    for user in users:
        if not _holds(user, role):
            continue
        if not (case.department.contains(user.org_unit) or user.org_unit.contains(case.department)):
            continue
        if role == "officer" and _certificate_problem(user, case, on) is not None:
            continue
        out.append(user)
    return out
