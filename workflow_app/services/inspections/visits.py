"""Enterprise inspection cases (the `inspection` package, bpmn/inspection): what the package's rule
kinds read beyond the case (`history_of`: the department's published plans and its earlier
inspections of the party), and the visit's public check (亮码/扫码入企).

The public check: once the visit is registered before entry (the step of the form
`inspection_visit`), the enterprise opens a link — printed or shown as a code the officers carry —
without logging in, and sees only what lets it check the visit: the department(s), the plan item
(or, for an inspection on a complaint, referral or clue, only that kind of trigger), the officers'
names with their certificate numbers and validity on the visit's day, and the visit's date.
Nothing else of the case (its party's data, findings, people's usernames, other steps) is shown.

The link names the case by a token signed with the application's secret key (itsdangerous,
salt `inspection-visit`): it cannot be guessed or altered, and needs no table. A joint visit
(several departments, one entry, services/inspections/joint_visits.py) lists every department's registration
on the same page: the token of any of its cases opens it. Rotating SECRET_KEY invalidates the printed links of visits still
to come (they are registered again, or their page reprinted).
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ...extensions import db
from ...models import Case, InspectionPlan, OrgUnit, Party, ProcedureVersion, Task, User
from ...oversight.calendar import LOCAL_TZ
from ...oversight.step_rules.record import InspectionHistory
from ...wall_clock import local_today
from ..errors import NotFound, tr

PROCEDURE = "inspection"
TRIGGER_FORM, VISIT_FORM, RECORD_FORM = "inspection_trigger", "inspection_visit", "inspection_record"
VISIT_DAY_FIELD = "visit_on"  # the registration's day of the visit
# The status of an inspection ended before its visit (终止检查: bpmn/inspection's milestone `withdrawn`):
# its registration no longer lets anyone in.
WITHDRAWN = "withdrawn"
TOKEN_SALT = "inspection-visit"
TRIGGER_WORDS = {"complaint": tr("a complaint or report"), "referral": tr("a referral or an assignment"),
                 "clue": tr("a clue found by monitoring or otherwise"), "other": tr("no plan and no recorded clue")}


# -- what the rule kinds read --------------------------------------------------------------------------
class CaseInspections(InspectionHistory):
    """The department's published plans, its other visits of the case's party carried out, and the
    case's joint visit."""

    def __init__(self, case: Case):
        self.case = case
        self._plans: dict[int, InspectionPlan | None] = {}

    def _plan(self, year: int) -> InspectionPlan | None:
        if year not in self._plans:
            self._plans[year] = db.session.execute(db.select(InspectionPlan).where(
                InspectionPlan.department_id == self.case.department_id, InspectionPlan.year == year,
                InspectionPlan.status == "published")).scalar()
        return self._plans[year]

    def plan_items(self, year: int) -> dict[str, dict] | None:
        plan = self._plan(year)
        return None if plan is None else {item["code"]: item for item in plan.items or []}

    def max_per_enterprise(self, year: int) -> int | None:
        plan = self._plan(year)
        return None if plan is None else plan.max_per_enterprise

    def earlier_visits(self, year: int) -> int:
        """The visits of the case's party the department carried out in that year in its other
        cases (visits_carried_out)."""
        if self.case.party_id is None:
            return 0
        return sum(visits_carried_out(self.case.department_id, year, party_id=self.case.party_id,
                                      other_than=self.case.id).values())

    def joint_visit_day(self) -> date | None:
        """The day of the joint visit the case takes part in (services/inspections/joint_visits.py), if any."""
        from .joint_visits import visit_of

        visit = visit_of(self.case)
        return visit.visit_on if visit is not None else None


def history_of(case: Case) -> InspectionHistory:
    return CaseInspections(case)


def visits_carried_out(department_id: int, year: int, *, party_id: int | None = None,
                       other_than: int | None = None) -> dict[str, int]:
    """credit code -> the department's inspections of that enterprise whose visit was carried out in
    the year: the case's on-site record (现场检查记录, the form `inspection_record`, the milestone
    `inspected`) is completed, and counted in the year of the day it records (`inspected_on`).

    A visit only registered is not counted: until the record is made nothing says it took place,
    and a case that ends, or is left, without its record was not carried out (国办发〔2024〕54号
    limits the inspections made, not those announced). `party_id`: of that party only;
    `other_than`: leaving that case out."""
    since = datetime.combine(date(year, 1, 1), time.min, LOCAL_TZ)  # a record is completed on or after its day
    query = (db.select(Party.id_number, Task.case_id, Task.data).join(Case, Task.case_id == Case.id)
             .join(Party, Case.party_id == Party.id)
             .join(ProcedureVersion, Case.procedure_version_id == ProcedureVersion.id)
             .where(Case.department_id == department_id, ProcedureVersion.kind == PROCEDURE,
                    Task.form_key == RECORD_FORM, Task.state == "completed", Task.completed_at >= since))
    if party_id is not None:
        query = query.where(Case.party_id == party_id)
    if other_than is not None:
        query = query.where(Case.id != other_than)
    visited: dict[str, set[int]] = {}
    for code, case_id, data in db.session.execute(query):
        if str((data or {}).get("inspected_on", ""))[:4] == str(year):
            visited.setdefault(code, set()).add(case_id)
    return {code: len(found) for code, found in visited.items()}


# -- the public check of a visit ---------------------------------------------------------------------------
def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def visit_token(case_id: int) -> str:
    return _serializer().dumps(case_id)


def case_of_token(token: str) -> int | None:
    if not isinstance(token, str) or len(token) > 200:
        return None
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass
class PublicOfficer:
    name: str
    certificate: str | None
    valid_from: date | None
    valid_to: date | None
    valid_on_visit: bool


@dataclass
class PublicRegistration:
    """One department's registration of the visit, as the enterprise may see it."""

    department: str
    visit_on: str
    item: str | None  # the plan item's title and provision, or None
    trigger: object | None  # for an inspection outside the plan: the kind of trigger (a Text)
    plan_year: int | None
    officers: list[PublicOfficer] = field(default_factory=list)


def _latest(case_id: int, form_key: str) -> Task | None:
    return db.session.execute(db.select(Task).where(
        Task.case_id == case_id, Task.form_key == form_key, Task.state == "completed")
        .order_by(Task.completed_at.desc(), Task.id.desc()).limit(1)).scalar()


def registered_visit_day(case: Case) -> date | None:
    """The day of the case's visit as its department registered it; None before it is registered."""
    visit = _latest(case.id, VISIT_FORM)
    try:
        return date.fromisoformat((visit.data or {}).get(VISIT_DAY_FIELD) or "") if visit is not None else None
    except (TypeError, ValueError):
        return None


def registration(case: Case) -> PublicRegistration | None:
    """The case's registered visit as the public page shows it; None before the visit is registered,
    and once the inspection is withdrawn (the visit will not take place: nobody is let in on it)."""
    visit = _latest(case.id, VISIT_FORM) if case.status != WITHDRAWN else None
    if visit is None:
        return None
    data = visit.data or {}
    trigger = (_latest(case.id, TRIGGER_FORM) or Task(data={})).data or {}
    visit_on = data.get("visit_on") or ""
    item, trigger_word, year = None, None, trigger.get("plan_year")
    if trigger.get("trigger") == "plan" and isinstance(year, int):
        plan = db.session.execute(db.select(InspectionPlan).where(
            InspectionPlan.department_id == case.department_id, InspectionPlan.year == year,
            InspectionPlan.status == "published")).scalar()
        found = next((i for i in (plan.items if plan else []) if i.get("code") == trigger.get("plan_item")), None)
        item = f"{found['code']} {found['title']}（{found['basis']}）" if found else None
    else:
        trigger_word = TRIGGER_WORDS.get(trigger.get("trigger"), TRIGGER_WORDS["other"])
    try:
        day = date.fromisoformat(visit_on)
    except ValueError:
        day = local_today()
    unit = db.session.get(OrgUnit, case.department_id)
    people = []
    for username in data.get("officers") or []:
        user = db.session.execute(db.select(User).where(User.username == username)).scalar()
        if user is None:
            continue
        valid = user.valid_certificate(day, unit.enforcement_domains or None)
        shown = valid or (user.certificates[0] if user.certificates else None)
        people.append(PublicOfficer(user.full_name, shown.number if shown else None,
                                    shown.issued_on if shown else None, shown.expires_on if shown else None,
                                    valid is not None))
    return PublicRegistration(unit.name, visit_on, item, trigger_word, year if item else None, people)


def public_visit(token: str) -> list[PublicRegistration]:
    """The visit the token names, as its registrations (one per department; a joint visit's all):
    404 for a token that is not ours or a visit not registered yet (the same answer)."""
    case_id = case_of_token(token)
    case = db.session.get(Case, case_id) if case_id is not None else None
    if case is None or case.procedure_version.procedure.process_id != PROCEDURE:
        raise NotFound(tr("no such registered visit"))
    from .joint_visits import cases_visited_with

    cases = cases_visited_with(case)
    found = [r for r in (registration(c) for c in cases) if r is not None]
    if not found or registration(case) is None:
        raise NotFound(tr("no such registered visit"))
    return found
