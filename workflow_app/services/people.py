"""People named in form data (`"x-user-role"` on a field): they must exist, hold the role, belong
to the case's department, and - for officers - hold a valid enforcement certificate
(执法证, APL Art. 42: only certified officers act on cases, and no exception is allowed).
"""
from datetime import datetime

from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Case, User
from ..oversight.calendar import LOCAL_TZ
from .errors import Invalid, StepRefused

UNCERTIFIED_OFFICER = "UNCERTIFIED_OFFICER"


def named_people(schema: dict | None, data: dict) -> dict[str, tuple[str, list[str]]]:
    """field -> (role, usernames) for every field of the form that names users."""
    out = {}
    for field, prop in (schema or {}).get("properties", {}).items():
        role = prop.get("x-user-role")
        if role is None or field not in data:
            continue
        value = data[field]
        out[field] = (role, list(value) if isinstance(value, list) else [value])
    return out


def check_named_people(schema: dict | None, data: dict, case: Case, now: datetime) -> None:
    named = named_people(schema, data)
    if not named:
        return
    usernames = {u for _, names in named.values() for u in names}
    users = {u.username: u for u in db.session.execute(
        db.select(User).options(selectinload(User.certificates), selectinload(User.role_rows))
        .where(User.username.in_(usernames))).scalars()}
    errors: dict[str, list[str]] = {}
    uncertified = []
    today = now.astimezone(LOCAL_TZ).date()
    for field, (role, names) in named.items():
        for name in names:
            user = users.get(name)
            if user is None or not user.active:
                errors.setdefault(field, []).append(f"no active user {name!r}")
            elif role != "any" and not user.has_role(role):
                errors.setdefault(field, []).append(f"{name!r} does not have the role {role}")
            elif not case.department.contains(user.org_unit) and not user.org_unit.contains(case.department):
                errors.setdefault(field, []).append(f"{name!r} is not in {case.department.name}")
            elif role == "officer" and user.valid_certificate(today) is None:
                uncertified.append(name)
    if errors:
        raise Invalid(errors)
    if uncertified:
        message = (f"{UNCERTIFIED_OFFICER}: {', '.join(uncertified)} hold(s) no valid enforcement "
                   "certificate (《行政处罚法》第42条)")
        raise StepRefused({"_task": [message]}, message, code=UNCERTIFIED_OFFICER)
