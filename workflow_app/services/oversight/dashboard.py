"""The supervision dashboard (执法监督看板): the figures of the user's org scope in a few GROUP BY
queries, never a row per case.

- active alerts (open or acknowledged) by department, rule and severity: one query, the small
  result (departments × rules) summed here by severity, by rule and by department;
- cases by status, and how many are open: one query, read from the (department, status, closed_at)
  index alone, in its order (migration 0023);
- cases by department and kind of procedure (行政处罚, 行政强制, …, oversight/procedure_kinds.py), and how
  many are open: one query grouped by department and procedure version, from the (department,
  procedure version, closed_at) index alone (migration 0025), the few versions' kinds summed here;
- ready steps by department and time left (overdue, due within worklists.DUE_SOON, later, no time limit):
  one query over the ready steps' partial index;
- alerts raised per week (Monday to Sunday, Beijing time) over the last WEEKS weeks, whatever their
  status now: one query, the week picked by a CASE over the weeks' bounds (the same SQL on SQLite
  and PostgreSQL).

Readers: supervisors, admins and department heads (as the alerts, services/oversight/alerts.READERS), each
within their unit and the units below it; `department` narrows to one department in scope.
"""
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case as sql_case
from sqlalchemy import func

from ...extensions import db
from ...models import Alert, Case, OrgUnit, ProcedureVersion, Task, User
from ...models.oversight import ACTIVE
from ...models.types import utcnow
from ...oversight import procedure_kinds
from ...oversight.calendar import LOCAL_TZ
from ..cases.worklists import TIME_LEFT, departments_in_scope, time_left_of_step
from ..errors import Invalid, tr
from ..people.access import in_scope, require_role, scope_unit_ids
from ..procedures import statuses
from .alerts import READERS, SEVERITIES

WEEKS = 12
DEPARTMENT_CODE_MAX = 64  # OrgUnit.code


@dataclass
class DepartmentFigures:
    unit: OrgUnit
    counts: dict[str, int]  # by severity (alerts) or by time left (steps)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class RuleFigures:
    code: str
    severity: str
    count: int


@dataclass
class KindFigures:
    """Cases of one department (or of the scope: unit None) by kind of procedure: kind -> (all, open)."""

    unit: OrgUnit | None
    counts: dict[str, tuple[int, int]]

    @property
    def total(self) -> int:
        return sum(total for total, _open in self.counts.values())


@dataclass
class Summary:
    department: OrgUnit | None  # the filter, if any
    now: datetime
    alerts_by_severity: dict[str, int]
    alerts_by_rule: list[RuleFigures]  # most first
    alerts_by_department: list[DepartmentFigures]  # most first
    cases_by_status: dict[str, int]  # every status of the deployed procedures, in their order
    open_cases: int  # not closed (结案)
    steps_by_time_left: dict[str, int]  # TIME_LEFT
    steps_by_department: list[DepartmentFigures]  # most overdue first
    alerts_per_week: list[tuple[date, int]]  # (Monday, alerts raised that week), oldest first
    departments: list[OrgUnit] = field(default_factory=list)  # the departments in scope (the filter's choices)
    cases_by_kind: KindFigures | None = None  # the scope's cases by kind of procedure
    kinds_by_department: list[KindFigures] = field(default_factory=list)  # most cases first

    @property
    def active_alerts(self) -> int:
        return sum(self.alerts_by_severity.values())

    @property
    def overdue_steps(self) -> int:
        return self.steps_by_time_left["overdue"]


def summary(user: User, department: str | None = None, now: datetime | None = None) -> Summary:
    require_role(user, READERS[0], tr("the supervision dashboard"), *READERS[1:])
    now = now or utcnow()
    unit, unit_ids = _scope(user, department)
    by_department, by_rule, by_severity = _active_alerts(unit_ids)
    steps_by_department, steps_total = _ready_steps(unit_ids, now)
    units = _units({*by_department, *steps_by_department})
    cases_by_status, open_cases = _cases_by_status(unit_ids)
    by_kind, kinds_by_department = _cases_by_kind(unit_ids)
    units = {**units, **_units(set(kinds_by_department) - set(units))}
    return Summary(
        department=unit, now=now,
        alerts_by_severity=by_severity,
        alerts_by_rule=sorted(by_rule.values(), key=lambda r: (-r.count, SEVERITIES.index(r.severity), r.code)),
        alerts_by_department=_ranked(by_department, units, ("high", "medium", "low")),
        cases_by_status=cases_by_status,
        open_cases=open_cases,
        steps_by_time_left=steps_total,
        steps_by_department=_ranked(steps_by_department, units, TIME_LEFT),
        alerts_per_week=_alerts_per_week(unit_ids, now),
        departments=departments_in_scope(user),
        cases_by_kind=KindFigures(None, by_kind),
        kinds_by_department=sorted((KindFigures(units[d], counts) for d, counts in kinds_by_department.items()),
                                   key=lambda f: (-f.total, f.unit.code)))


def _scope(user: User, department: str | None) -> tuple[OrgUnit | None, list[int]]:
    """The ids of the units the figures count: the user's scope, or one department in it."""
    ids = scope_unit_ids(user)
    if not department:
        return None, ids
    if len(department) > DEPARTMENT_CODE_MAX:
        raise Invalid({"department": [tr("must have at most %(limit)s characters", limit=DEPARTMENT_CODE_MAX)]})
    unit = db.session.execute(db.select(OrgUnit).where(OrgUnit.code == department)).scalar_one_or_none()
    if unit is None or not in_scope(user, unit):
        raise Invalid({"department": [tr("no department %(code)s in your area of responsibility", code=department)]})
    below = set(db.session.execute(db.select(OrgUnit.id).where(OrgUnit.path.startswith(unit.path))).scalars())
    return unit, [i for i in ids if i in below]


def _active_alerts(unit_ids: list[int]):
    rows = db.session.execute(
        db.select(Alert.department_id, Alert.code, Alert.severity, func.count())
        .where(Alert.status.in_(ACTIVE), Alert.department_id.in_(unit_ids))
        .group_by(Alert.department_id, Alert.code, Alert.severity)).all()
    by_department: dict[int, dict[str, int]] = {}
    by_rule: dict[str, RuleFigures] = {}
    by_severity = dict.fromkeys(SEVERITIES, 0)
    for department_id, code, severity, count in rows:
        counts = by_department.setdefault(department_id, dict.fromkeys(SEVERITIES, 0))
        counts[severity] = counts.get(severity, 0) + count
        by_severity[severity] = by_severity.get(severity, 0) + count
        rule = by_rule.setdefault(code, RuleFigures(code, severity, 0))
        rule.count += count
    return by_department, by_rule, by_severity


def _cases_by_status(unit_ids: list[int]) -> tuple[dict[str, int], int]:
    """Cases by status, and how many are not closed (结案), counted in one pass over the index in
    its order (grouped by department and status: no hashing; a few hundred rows summed here)."""
    counts = dict.fromkeys(statuses.catalogue(), 0)
    open_cases = 0
    for status, cases, closed in db.session.execute(
            db.select(Case.status, func.count(), func.count(Case.closed_at)).where(Case.department_id.in_(unit_ids))
            .group_by(Case.department_id, Case.status)):
        counts[status] = counts.get(status, 0) + cases
        open_cases += cases - closed
    return counts, open_cases


def _cases_by_kind(unit_ids: list[int]) -> tuple[dict[str, tuple[int, int]], dict[int, dict[str, tuple[int, int]]]]:
    """Cases by kind of procedure (all, open): of the scope, with every kind, and by department."""
    kind_of = dict(db.session.execute(db.select(ProcedureVersion.id, ProcedureVersion.kind)).all())
    scope = dict.fromkeys(procedure_kinds.KINDS, (0, 0))
    by_department: dict[int, dict[str, tuple[int, int]]] = {}
    for department_id, version_id, cases, closed in db.session.execute(
            db.select(Case.department_id, Case.procedure_version_id, func.count(), func.count(Case.closed_at))
            .where(Case.department_id.in_(unit_ids)).group_by(Case.department_id, Case.procedure_version_id)):
        kind = kind_of.get(version_id, procedure_kinds.DEFAULT)
        for counts in (scope, by_department.setdefault(department_id, {})):
            total, still_open = counts.get(kind, (0, 0))
            counts[kind] = (total + cases, still_open + cases - closed)
    return scope, by_department


def _ready_steps(unit_ids: list[int], now: datetime):
    """Ready steps by department and time left, read through the ready steps' partial index."""
    # grouped by its label: PostgreSQL takes a CASE with bound values in GROUP BY only by its name
    left = time_left_of_step(now).label("time_left")
    rows = db.session.execute(
        db.select(Task.department_id, left, func.count())
        .where(Task.state == "ready", Task.department_id.in_(unit_ids))
        .group_by(Task.department_id, left)).all()
    by_department: dict[int, dict[str, int]] = {}
    total = dict.fromkeys(TIME_LEFT, 0)
    for department_id, bucket, count in rows:
        by_department.setdefault(department_id, dict.fromkeys(TIME_LEFT, 0))[bucket] += count
        total[bucket] += count
    return by_department, total


def week_starts(now: datetime, weeks: int = WEEKS) -> list[date]:
    """The Mondays (Beijing) of the last `weeks` weeks, this week's last."""
    today = now.astimezone(LOCAL_TZ).date()
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def _alerts_per_week(unit_ids: list[int], now: datetime) -> list[tuple[date, int]]:
    mondays = week_starts(now)
    bounds = [datetime.combine(d, time.min, tzinfo=LOCAL_TZ).astimezone(UTC) for d in mondays]
    week = sql_case(*[(Alert.raised_at < b, i) for i, b in enumerate(bounds[1:])], else_=len(bounds) - 1).label("week")
    counts = dict(db.session.execute(
        db.select(week, func.count())
        .where(Alert.raised_at >= bounds[0], Alert.department_id.in_(unit_ids)).group_by(week)).all())
    return [(monday, counts.get(i, 0)) for i, monday in enumerate(mondays)]


def _units(ids: set[int]) -> dict[int, OrgUnit]:
    if not ids:
        return {}
    return {u.id: u for u in db.session.execute(db.select(OrgUnit).where(OrgUnit.id.in_(sorted(ids)))).scalars()}


def _ranked(counts: dict[int, dict[str, int]], units: dict[int, OrgUnit], order: tuple[str, ...]):
    """Departments, the most of the first kinds first (high alerts, then medium …), then by code."""
    rows = [DepartmentFigures(units[i], c) for i, c in counts.items()]
    return sorted(rows, key=lambda r: (*(-r.counts[k] for k in order), r.unit.code))


def unit_name(unit: OrgUnit, lang: str) -> str:
    return (unit.name_en or unit.name) if lang == "en" else unit.name
