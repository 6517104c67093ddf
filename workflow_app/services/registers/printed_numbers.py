"""Numbers printed on pre-printed forms: the officer types them, the system keeps any from being used twice.

On the spot the officers fill in a pre-printed, numbered form (当场处罚决定书, APL Art. 52: 预定格式、
编有号码) and type its number into the step. A package's form marks that field with
`"x-printed-number": "<kind>"` (checked at deploy: services/registers/numbering.form_problems). A number, once
recorded for a department, is its case's: another case of the department that types it, or types a
number the system issued (a case's 案号, a document's 文号), is refused beside the field (422)
naming the case that holds it — where the user may read that case; otherwise only that another case
of the department does.

The number is recorded in one form (`as_recorded`: Unicode NFKC, so that full-width ０１２ is 012, and
white space removed), in issued_number beside the numbers the system issues, with no sequence, inside
the step's one transaction (services/cases/lifecycle.complete_task). The unique (department, number) decides:
the row is written with INSERT … ON CONFLICT DO NOTHING, so of two steps recording one number at
once the second waits for the first (PostgreSQL's unique index; SQLite's write lock) and finds it
held, or is refused as a lost race (409) — never both kept. A step that rolls back takes its row
with it, and the number is free again. The same step done again in its case with the same number
records nothing new.
"""
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ...extensions import db
from ...models import Case, IssuedNumber, User
from ...oversight.calendar import LOCAL_TZ
from ..audit import trail as audit
from ..errors import Invalid, Text, tr
from ..people.access import in_scope
from .numbering import MAX_NUMBER, PRINTED_MARKER, unprintable

TAKEN = "number_taken"  # the code of the refusal


@dataclass(frozen=True)
class Recorded:
    kind: str
    number: str
    field: str


def printed_fields(schema: dict | None) -> dict[str, str]:
    """field -> kind: the top-level fields of a form whose number the officer types from a pre-printed form."""
    props = (schema or {}).get("properties") or {}
    return {name: prop[PRINTED_MARKER] for name, prop in props.items()
            if isinstance(prop, dict) and isinstance(prop.get(PRINTED_MARKER), str)}


def as_recorded(value: str) -> str:
    """The number as it is recorded and compared: ０１２３ and 0123, `No. 12` and `No.12` are one number."""
    return "".join(unicodedata.normalize("NFKC", value).split())


def read(schema: dict | None, data: dict) -> dict:
    """The form's data (valid against its schema) with each typed number as recorded; a number that
    is blank once its spaces are gone, too long or holds control characters is refused beside its field."""
    fields = printed_fields(schema)
    out, errors = dict(data), {}
    for name in fields:
        value = data.get(name)
        if not isinstance(value, str):
            continue
        number = as_recorded(value)
        if not number:
            errors[name] = [tr("type the number printed on the form")]
        elif len(number) > MAX_NUMBER:
            errors[name] = [tr("a number of at most %(limit)d characters (this one has %(count)d)", limit=MAX_NUMBER,
                               count=len(number))]
        elif unprintable(number):
            errors[name] = [tr("control characters and broken text cannot be printed")]
        else:
            out[name] = number
    if errors:
        raise Invalid(errors)
    return out


def check_free(user: User, schema: dict | None, data: dict, case: Case) -> None:
    """Before the step runs: no typed number is held by another case of the department (422 beside
    the field). The step's own transaction decides again (`record`): this is the early answer."""
    for name, kind in printed_fields(schema).items():
        number = data.get(name)
        if isinstance(number, str) and number:
            held = _held(case.department_id, number)
            if held is not None and not _own(held, case, kind):
                raise _taken(user, case, name, number, held)


def record(user: User, schema: dict | None, data: dict, case: Case, *, task_id: int | None,
           now: datetime) -> list[Recorded]:
    """Inside the step's transaction, after its flush: each typed number recorded for the case's
    department and traced (`number.recorded`); one another case holds, or took meanwhile, is
    refused (422 beside the field) and the step rolls back whole."""
    recorded = []
    for name, kind in printed_fields(schema).items():
        number = data.get(name)
        if not isinstance(number, str) or not number:
            continue
        if not _insert(case, kind, number, name, task_id, now):
            held = _held(case.department_id, number)
            if held is None or not _own(held, case, kind):
                raise _taken(user, case, name, number, held)
            continue  # the step done again with its number: recorded the first time
        audit.record("number.recorded", actor=user, case_id=case.id, task_id=task_id, at=now,
                     data={"kind": kind, "number": number, "field": name})
        recorded.append(Recorded(kind, number, name))
    return recorded


def _insert(case: Case, kind: str, number: str, field: str, task_id: int | None, now: datetime) -> bool:
    """Whether the row was written: INSERT … ON CONFLICT (department, number) DO NOTHING."""
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (insert(IssuedNumber)
                 .values(department_id=case.department_id, year=now.astimezone(LOCAL_TZ).year, kind=kind, seq=None,
                         number=number, case_id=case.id, task_id=task_id, field=field, issued_at=now)
                 .on_conflict_do_nothing(index_elements=["department_id", "number"])
                 .returning(IssuedNumber.id))
    with db.session.no_autoflush:
        return db.session.execute(statement).scalar() is not None


def _held(department_id: int, number: str) -> IssuedNumber | None:
    with db.session.no_autoflush:
        return db.session.execute(db.select(IssuedNumber).where(IssuedNumber.department_id == department_id,
                                                                 IssuedNumber.number == number)).scalar()


def _own(held: IssuedNumber, case: Case, kind: str) -> bool:
    """The case's own record of this number as a pre-printed form of this kind (its step done before)."""
    return held.case_id == case.id and held.seq is None and held.kind == kind


def _taken(user: User, case: Case, field: str, number: str, held: IssuedNumber | None) -> Invalid:
    holder = db.session.get(Case, held.case_id) if held is not None else None
    said = (tr("check the number printed on the form: the number of a pre-printed form is used once"))
    details = {"number": number}
    message: Text
    if holder is not None and holder.id == case.id:
        message = tr("%(number)s is already a number of this case (%(case)s): %(advice)s", number=number,
                     case=holder.number, advice=said)
        details["case"] = {"id": holder.id, "number": holder.number}
    elif holder is not None and in_scope(user, holder.department):
        message = tr("%(number)s is already used by case %(case)s (%(title)s): %(advice)s", number=number,
                     case=holder.number, title=holder.title, advice=said)
        details["case"] = {"id": holder.id, "number": holder.number}
    else:  # a case the user may not read: that it exists, not which
        message = tr("%(number)s is already used by another case of %(department)s: %(advice)s", number=number,
                     department=case.department.name, advice=said)
    return Invalid({field: [message]}, tr("the number is already used"), code=TAKEN, details=details)
