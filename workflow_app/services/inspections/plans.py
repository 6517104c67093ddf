"""Yearly inspection plans (年度检查计划, 国办发〔2024〕54号 on regulating enterprise-related
inspections; 双随机、一公开): what a department may inspect, whom, and how often.

A plan belongs to one department and one year (one plan a year: its items hold everything the
department inspects that year). It names:

- its **items** (检查事项): each a cause of the department's causes register (案由, the items of its
  powers list, services/registers/causes.py), i.e. the provision whose observance the inspection checks —
  an inspection item outside the department's powers list cannot be planned;
- its **target population**: the market entities of a region (the department's own district by
  default) of some industries (GB/T 4754-2017 sections) and credit risk grades (none named: any),
  read from the register of market entities (services/registers/market_entities.py) when a draw is made;
- the **yearly frequency** allowed per enterprise (`max_per_enterprise`): how many times the
  department may inspect one enterprise that year (INSPECTION_TOO_FREQUENT beyond it).

Its life: an officer or head of the department drafts it (`draft`, changed as often as needed),
submits it (`submitted`); a department head who did not draft it approves it (`approved`) or
returns it to draft with a reason (separation of duties: the drafter does not approve their own
plan); a head publishes the approved plan (`published`: immutable, listed on the public page
without login). Every act is one transaction traced on the system chain (`inspection_plan.*`)
with the acting user and, for a change, each changed field before and after: the plan's history
on its page is read back from those events.
"""
import json
import re

from ...extensions import db
from ...models import InspectionPlan, MarketEntity, OrgUnit, TraceEvent, User
from ...models.types import utcnow
from ...wall_clock import local_today
from ..audit import trail as audit
from ..errors import Conflict, Forbidden, Invalid, NotFound, tr
from ..people.access import in_scope, require_role, scope_filter
from ..registers import causes, market_entities
from ..transactions import one_transaction

STATUSES = ("draft", "submitted", "approved", "published")
STATUS_WORDS = {"draft": tr("a draft"), "submitted": tr("submitted for approval"),
                "approved": tr("approved by the head"), "published": tr("published")}
TITLE_MAX, ITEM_TITLE_MAX, REASON_MAX = 200, 200, 2000
MAX_ITEMS = 50
MAX_FREQUENCY = 12
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
_LINE_CONTROL = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
EDITABLE = ("title", "items", "population", "max_per_enterprise")


# -- checking what is typed ---------------------------------------------------------------------------
def _text(raw, field: str, limit: int, errors: dict, *, required: bool = True, lines: bool = False) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip() and not required):
        if required:
            errors[field] = [tr("is required")]
        return None
    if not isinstance(raw, str):
        errors[field] = [tr("must be text")]
        return None
    value = raw.strip()
    if not value:
        errors[field] = [tr("must not be empty")]
    elif len(value) > limit:
        errors[field] = [tr("must have at most %(limit)s characters", limit=limit)]
    elif (_CONTROL if lines else _LINE_CONTROL).search(value):
        errors[field] = [tr("must not contain control characters or line breaks")]
    else:
        return value
    return None


def _whole(raw, field: str, low: int, high: int, errors: dict) -> int | None:
    if isinstance(raw, bool) or not isinstance(raw, int):
        errors[field] = [tr("must be a whole number")]
        return None
    if not low <= raw <= high:
        errors[field] = [tr("must be from %(min)s to %(max)s", min=low, max=high)]
        return None
    return raw


def checked_fields(unit: OrgUnit, raw: dict, *, partial: bool = False) -> dict:
    """The plan's fields as typed, checked against the department's registers: 422 naming each
    wrong field (`items.2.cause`, `population.industries` …)."""
    errors: dict[str, list] = {}
    out: dict = {}
    if not isinstance(raw, dict):
        raise Invalid({"_body": [tr("the request body must be a JSON object")]})
    unknown = sorted(set(raw) - {"title", "items", "population", "max_per_enterprise", "year", "department",
                                 "version"})
    for name in unknown[:10]:
        errors[str(name)[:64]] = [tr("is not a field of an inspection plan")]
    if not partial or "title" in raw:
        out["title"] = _text(raw.get("title"), "title", TITLE_MAX, errors)
    if not partial or "max_per_enterprise" in raw:
        out["max_per_enterprise"] = _whole(raw.get("max_per_enterprise"), "max_per_enterprise", 1, MAX_FREQUENCY,
                                           errors)
    if not partial or "items" in raw:
        out["items"] = _items(unit, raw.get("items"), errors)
    if not partial or "population" in raw:
        out["population"] = _population(unit, raw.get("population"), errors)
    if errors:
        raise Invalid(errors)
    return out


def _items(unit: OrgUnit, raw, errors: dict) -> list | None:
    if not isinstance(raw, list) or not raw:
        errors["items"] = [tr("must be a list of at least one item")]
        return None
    if len(raw) > MAX_ITEMS:
        errors["items"] = [tr("must have at most %(limit)s items", limit=MAX_ITEMS)]
        return None
    items, seen = [], set()
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            errors[f"items.{n}"] = [tr("must be an object with the cause it checks")]
            continue
        code = item.get("cause")
        cause = causes.find(unit.id, code) if isinstance(code, str) else None
        if cause is None:
            errors[f"items.{n}.cause"] = [tr("must be a cause of %(department)s's powers list (its causes register)",
                                             department=unit.name)]
            continue
        if cause.code in seen:
            errors[f"items.{n}.cause"] = [tr("is planned twice")]
            continue
        seen.add(cause.code)
        title = _text(item.get("title"), f"items.{n}.title", ITEM_TITLE_MAX, errors, required=False) or cause.name
        items.append({"code": f"{len(items) + 1:02d}", "cause": cause.code, "title": title,
                      "basis": cause.violated_provision})
    return items


def _population(unit: OrgUnit, raw, errors: dict) -> dict | None:
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        errors["population"] = [tr("must be an object: region, industries, risk_grades")]
        return None
    out = {}
    region = raw.get("region")
    if region in (None, ""):
        out["region"] = (unit.parent or unit).code
    elif not isinstance(region, str) or len(region) > 64 or _LINE_CONTROL.search(region) or db.session.execute(
            db.select(OrgUnit.id).where(OrgUnit.code == region, OrgUnit.kind.in_(market_entities.REGION_KINDS))
    ).first() is None:
        errors["population.region"] = [tr("is not a district, city or province of the org tree")]
    else:
        out["region"] = region
    for name, vocabulary in (("industries", market_entities.INDUSTRIES),
                             ("risk_grades", market_entities.RISK_GRADES)):
        value = raw.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > len(vocabulary):
            errors[f"population.{name}"] = [tr("must be a list of %(choices)s", choices=", ".join(vocabulary))]
        elif set(value) - set(vocabulary):
            errors[f"population.{name}"] = [tr("must be a list of %(choices)s", choices=", ".join(vocabulary))]
        else:
            out[name] = sorted(set(value))
    unknown = set(raw) - {"region", "industries", "risk_grades"}
    if unknown:
        errors["population"] = [tr("has only region, industries and risk_grades")]
    return out


# -- finding -----------------------------------------------------------------------------------------------
def get(user: User, plan_id: int) -> InspectionPlan:
    plan = db.session.get(InspectionPlan, plan_id)
    if plan is None or not in_scope(user, plan.department):
        raise NotFound(tr("inspection plan %(id)s not found", id=plan_id))  # outside scope looks absent
    return plan


def plans_of(user: User, year: int | None = None) -> list[InspectionPlan]:
    """The plans of the departments in the user's scope, newest year first."""
    query = db.select(InspectionPlan).where(scope_filter(user, InspectionPlan.department_id))
    if year is not None:
        query = query.where(InspectionPlan.year == year)
    return list(db.session.execute(query.order_by(InspectionPlan.year.desc(), InspectionPlan.department_id)).scalars())


def published(year: int | None = None) -> list[InspectionPlan]:
    """Every published plan (the public page: no login)."""
    query = db.select(InspectionPlan).where(InspectionPlan.status == "published")
    if year is not None:
        query = query.where(InspectionPlan.year == year)
    return list(db.session.execute(query.order_by(InspectionPlan.year.desc(), InspectionPlan.department_id)).scalars())


def population_query(plan: InspectionPlan):
    """SELECT of the market entities the plan targets (the draw's population), by credit code."""
    population = plan.population or {}
    region = db.session.execute(db.select(OrgUnit).where(OrgUnit.code == population.get("region"))).scalar()
    query = db.select(MarketEntity).where(MarketEntity.region_id.in_(
        market_entities.region_ids(region) if region is not None else []))
    if population.get("industries"):
        query = query.where(MarketEntity.industry.in_(population["industries"]))
    if population.get("risk_grades"):
        query = query.where(MarketEntity.risk_grade.in_(population["risk_grades"]))
    return query.order_by(MarketEntity.credit_code)


def population_size(plan: InspectionPlan) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(population_query(plan).subquery())).scalar()


def history(plan: InspectionPlan) -> list[TraceEvent]:
    """The plan's events on the system chain, oldest first. Each event's data (canonical JSON,
    keys sorted) holds `"plan":<id>,` with keys after it (status, year), so the comma ends the id."""
    marker = f'"plan":{plan.id},'
    return list(db.session.execute(db.select(TraceEvent).where(
        TraceEvent.chain == audit.SYSTEM_CHAIN, TraceEvent.action.startswith("inspection_plan."),
        TraceEvent.data_json.contains(marker)).order_by(TraceEvent.seq)).scalars())


def event_data(event: TraceEvent) -> dict:
    return json.loads(event.data_json)


# -- its life -------------------------------------------------------------------------------------------
def _department(user: User, code: str | None) -> OrgUnit:
    unit = causes.department(code, user.org_unit if user.org_unit.kind == "department" else None) \
        if code or user.org_unit.kind == "department" else None
    if unit is None:
        raise Invalid({"department": [tr("is required: name the department")]})
    if not in_scope(user, unit):
        raise NotFound(tr("no department %(code)s", code=unit.code))
    return unit


def _trace(action: str, user: User, plan: InspectionPlan, now, **more) -> None:
    audit.record(action, actor=user, at=now, data={"plan": plan.id, "year": plan.year,
                                                   "department": plan.department.code, "status": plan.status,
                                                   **more})


def draft(user: User, raw: dict) -> InspectionPlan:
    """An officer or head drafts the department's plan for a year (one plan a year: a second is a
    409 naming the first)."""
    require_role(user, "officer", tr("drafting an inspection plan"), "department_head")
    unit = _department(user, raw.get("department") if isinstance(raw, dict) else None)
    errors: dict = {}
    today = local_today()
    year = _whole(raw.get("year"), "year", today.year - 1, today.year + 1, errors)
    if errors:
        raise Invalid(errors)
    fields = checked_fields(unit, raw)
    existing = db.session.execute(db.select(InspectionPlan).where(
        InspectionPlan.department_id == unit.id, InspectionPlan.year == year)).scalar()
    if existing is not None:
        raise Conflict(tr("%(department)s has an inspection plan for %(year)s already: change that one",
                          department=unit.name, year=year), details={"plan_id": existing.id})
    now = utcnow()
    with one_transaction():
        plan = InspectionPlan(department=unit, department_id=unit.id, year=year, status="draft",
                              drafted_by_id=user.id, drafted_at=now, updated_at=now, **fields)
        db.session.add(plan)
        db.session.flush()
        _trace("inspection_plan.drafted", user, plan, now, fields=fields)
    return plan


def _check_version(plan: InspectionPlan, version) -> None:
    if version is not None and version != plan.version:
        raise Conflict(tr("the plan was changed by someone else since you opened it; reload it"),
                       details={"version": plan.version})


def change(user: User, plan_id: int, raw: dict) -> InspectionPlan:
    """Change a draft (officer or head of the department): only the fields given; each change
    traced with its value before and after."""
    plan = get(user, plan_id)
    require_role(user, "officer", tr("changing an inspection plan"), "department_head")
    if plan.status != "draft":
        raise Conflict(tr("only a draft plan can be changed (this one is %(status)s)", status=STATUS_WORDS[plan.status]))
    _check_version(plan, raw.get("version") if isinstance(raw, dict) else None)
    fields = checked_fields(plan.department, raw, partial=True)
    changes = {name: {"before": getattr(plan, name), "after": value}
               for name, value in fields.items() if getattr(plan, name) != value}
    if not changes:
        return plan
    now = utcnow()
    with one_transaction():
        for name, value in fields.items():
            setattr(plan, name, value)
        plan.updated_at = now
        db.session.flush()
        _trace("inspection_plan.changed", user, plan, now, changes=changes)
    return plan


def _move(user: User, plan_id: int, action: str, *, version=None, reason=None) -> InspectionPlan:
    plan = get(user, plan_id)
    _check_version(plan, version)
    wanted = {"submit": "draft", "approve": "submitted", "return": "submitted", "publish": "approved"}[action]
    if plan.status != wanted:
        raise Conflict(tr("the plan is %(status)s: this needs it %(wanted)s", status=STATUS_WORDS[plan.status],
                          wanted=STATUS_WORDS[wanted]))
    if action == "submit":
        require_role(user, "officer", tr("submitting an inspection plan"), "department_head")
    else:
        require_role(user, "department_head", {"approve": tr("approving an inspection plan"),
                                               "return": tr("returning an inspection plan"),
                                               "publish": tr("publishing an inspection plan")}[action])
    if action == "approve" and plan.drafted_by_id == user.id:
        raise Forbidden(tr("the head who drafted the plan cannot approve it: another head of the department does"))
    now = utcnow()
    more = {}
    with one_transaction():
        if action == "submit":
            plan.status, plan.submitted_at = "submitted", now
        elif action == "approve":
            plan.status, plan.approved_by_id, plan.approved_at, plan.return_reason = "approved", user.id, now, None
        elif action == "return":
            plan.status, plan.return_reason = "draft", reason
            more["reason"] = reason
        else:
            plan.status, plan.published_at = "published", now
        plan.updated_at = now
        db.session.flush()
        _trace({"submit": "inspection_plan.submitted", "approve": "inspection_plan.approved",
                "return": "inspection_plan.returned", "publish": "inspection_plan.published"}[action],
               user, plan, now, **more)
    return plan


def submit(user: User, plan_id: int, version=None) -> InspectionPlan:
    return _move(user, plan_id, "submit", version=version)


def approve(user: User, plan_id: int, version=None) -> InspectionPlan:
    return _move(user, plan_id, "approve", version=version)


def return_plan(user: User, plan_id: int, reason, version=None) -> InspectionPlan:
    errors: dict = {}
    reason = _text(reason, "reason", REASON_MAX, errors, lines=True)
    if errors:
        raise Invalid(errors)
    return _move(user, plan_id, "return", version=version, reason=reason)


def publish(user: User, plan_id: int, version=None) -> InspectionPlan:
    return _move(user, plan_id, "publish", version=version)


def published_plan_of(department_id: int, year: int) -> InspectionPlan | None:
    """The department's published plan of that year (what an inspection's trigger names)."""
    return db.session.execute(db.select(InspectionPlan).where(
        InspectionPlan.department_id == department_id, InspectionPlan.year == year,
        InspectionPlan.status == "published")).scalar()
