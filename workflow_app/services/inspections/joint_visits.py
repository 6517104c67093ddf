"""Joint inspection visits (联合检查, 进一次门、查多项事; 国办发〔2024〕54号): several departments that
each have an inspection of the same enterprise go in once, together, on one day. Each keeps its
own case, its own visit registration and its own record (nothing of one department's case goes
into another's); the joint visit only ties the cases together, so the enterprise is visited once
and its public check page (services/inspections/visits.py) lists every department of the visit with its
officers.

How it is formed: an officer of one department starts it from its open inspection case, naming the
day (`start`); an officer of each other department adds its own open inspection case of the same
enterprise by the visit's number (`join`), which the first department gives it. Departments do
not read each other's cases (org scope): a joint visit shows a reader its day, its enterprise and
the departments taking part, and the cases only where the reader may read them. One case per
department; a case is in one joint visit at most. Each act is traced on the case's own chain
(`inspection.joint_visit_started`, `inspection.joint_visit_joined`, naming the visit and the
departments).

One day: each department registers its part of the visit (入企检查登记) on the joint visit's day — the
registration of another day is refused (rule kind `on_joint_visit_day`, bpmn/inspection/rules.json,
JOINT_VISIT_DAY_DIFFERS, naming the day), and a case whose visit is registered already takes part
only in a joint visit of that day (`start`, `join`: 422 naming the days). Taking part writes the
case's row, so a join and a registration of another day at once cannot both commit (409).
"""
from dataclasses import dataclass
from datetime import date

from ...extensions import db
from ...models import Case, JointVisit, JointVisitCase, OrgUnit, User
from ...models.types import utcnow
from ..audit import trail as audit
from ..errors import Conflict, Invalid, NotFound, tr
from ..people.access import in_scope, require_role, visible_case
from ..transactions import one_transaction
from . import visits as inspections

PROCEDURE = "inspection"


def _inspection_case(user: User, case_id) -> Case:
    if isinstance(case_id, bool) or not isinstance(case_id, int) or not 1 <= case_id <= 2**31 - 1:
        raise Invalid({"case_id": [tr("must be the id of a case")]})
    case = visible_case(user, case_id)
    require_role(user, "officer", tr("taking part in a joint inspection visit"))
    if case.procedure_version.procedure.process_id != PROCEDURE:
        raise Invalid({"case_id": [tr("is not an enterprise inspection")]})
    if case.closed_at is not None:
        raise Conflict(tr("the case is closed"))
    if case.party_id is None:
        raise Invalid({"case_id": [tr("the inspection's enterprise is not identified yet")]})
    if db.session.execute(db.select(JointVisitCase.id).where(JointVisitCase.case_id == case.id)).first():
        raise Conflict(tr("the case is in a joint visit already"))
    return case


def _day(raw) -> date:
    if isinstance(raw, str) and len(raw) == 10:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise Invalid({"visit_on": [tr("must be a date (YYYY-MM-DD)")]})


def _departments(visit: JointVisit) -> list[str]:
    rows = db.session.execute(db.select(OrgUnit.code).join(JointVisitCase, JointVisitCase.department_id == OrgUnit.id)
                              .where(JointVisitCase.visit_id == visit.id).order_by(JointVisitCase.id)).scalars()
    return list(rows)


def _changes(case: Case, now) -> None:
    """Taking part in a joint visit is a change of the case: its row is written with its version
    check, so a registration of its visit at the same moment (which read no joint visit yet, as this
    read no registration) and this cannot both commit — the later gets 409."""
    case.updated_at = now


def start(user: User, case_id, visit_on) -> JointVisit:
    case = _inspection_case(user, case_id)
    day = _day(visit_on)
    registered = inspections.registered_visit_day(case)
    if registered is not None and registered != day:
        raise Invalid({"visit_on": [tr("the case's visit is registered for %(registered)s: a joint visit started from "
                                       "it is on that day", registered=registered.isoformat())]})
    now = utcnow()
    with one_transaction():
        _changes(case, now)
        visit = JointVisit(party_id=case.party_id, visit_on=day, created_by_id=user.id, created_at=now)
        db.session.add(visit)
        db.session.flush()
        db.session.add(JointVisitCase(visit_id=visit.id, case_id=case.id, department_id=case.department_id,
                                      joined_by_id=user.id, joined_at=now))
        db.session.flush()
        audit.record("inspection.joint_visit_started", actor=user, case_id=case.id, at=now,
                     data={"joint_visit": visit.id, "visit_on": day.isoformat(), "departments": _departments(visit)})
    return visit


def join(user: User, visit_id: int, case_id) -> JointVisit:
    visit = db.session.get(JointVisit, visit_id)
    if visit is None:
        raise NotFound(tr("joint visit %(id)s not found", id=visit_id))
    case = _inspection_case(user, case_id)
    if case.party_id != visit.party_id:
        raise Invalid({"case_id": [tr("the case inspects another enterprise than the joint visit")]})
    registered = inspections.registered_visit_day(case)
    if registered is not None and registered != visit.visit_on:
        raise Invalid({"case_id": [tr("the case's visit is registered for %(registered)s; the joint visit is on "
                                      "%(day)s", registered=registered.isoformat(), day=visit.visit_on.isoformat())]})
    taken = db.session.execute(db.select(JointVisitCase.id).where(
        JointVisitCase.visit_id == visit.id, JointVisitCase.department_id == case.department_id)).first()
    if taken:
        raise Conflict(tr("%(department)s takes part in this joint visit already", department=case.department.name))
    now = utcnow()
    with one_transaction():
        _changes(case, now)
        db.session.add(JointVisitCase(visit_id=visit.id, case_id=case.id, department_id=case.department_id,
                                      joined_by_id=user.id, joined_at=now))
        db.session.flush()
        audit.record("inspection.joint_visit_joined", actor=user, case_id=case.id, at=now,
                     data={"joint_visit": visit.id, "visit_on": visit.visit_on.isoformat(),
                           "departments": _departments(visit)})
    return visit


def visit_of(case: Case) -> JointVisit | None:
    return db.session.execute(db.select(JointVisit).join(JointVisitCase, JointVisitCase.visit_id == JointVisit.id)
                              .where(JointVisitCase.case_id == case.id)).scalar()


def to_register_on(case: Case, form_key: str | None) -> JointVisit | None:
    """The joint visit whose day a step of the case registers its visit on: for the registration
    (入企检查登记) of a case in a joint visit, its joint visit; else None. The page shows the day and
    opens the field (`inspections.VISIT_DAY_FIELD`) with it; the rule kind `on_joint_visit_day` refuses
    another."""
    if form_key != inspections.VISIT_FORM:
        return None
    return visit_of(case)


def cases_visited_with(case: Case) -> list[Case]:
    """The case and the other cases of its joint visit (the case alone if it is in none), in the
    order they joined."""
    visit = visit_of(case)
    if visit is None:
        return [case]
    return list(db.session.execute(db.select(Case).join(JointVisitCase, JointVisitCase.case_id == Case.id)
                                   .where(JointVisitCase.visit_id == visit.id).order_by(JointVisitCase.id)).scalars())


@dataclass
class Member:
    department: OrgUnit
    case: Case | None  # None: a case the reader may not read


def members(user: User, visit: JointVisit) -> list[Member]:
    rows = db.session.execute(db.select(JointVisitCase).where(JointVisitCase.visit_id == visit.id)
                              .order_by(JointVisitCase.id)).scalars().all()
    out = []
    for row in rows:
        case = db.session.get(Case, row.case_id)
        out.append(Member(db.session.get(OrgUnit, row.department_id), case if in_scope(user, case.department) else None))
    return out


def get(user: User, visit_id: int) -> JointVisit:
    """A joint visit, for an officer or head of a department of the district that takes part or may
    join (its day and enterprise are what the departments coordinate on)."""
    visit = db.session.get(JointVisit, visit_id)
    if visit is None or not any(user.has_role(r) for r in ("officer", "department_head", "supervisor", "admin")):
        raise NotFound(tr("joint visit %(id)s not found", id=visit_id))
    return visit
