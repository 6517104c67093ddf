"""The random draw (双随机: random targets, random inspectors) under a published inspection plan,
and a supervisor's re-draw that checks it.

An officer of the department draws for one item of its published plan of the year: N targets from
the plan's population in the register of market entities (services/inspections/plans.py
`population_query`), leaving out the enterprises the department has already visited that year as
often as the plan allows per enterprise (visits carried out, their on-site record made:
services/inspections/visits.py `visits_carried_out`; a visit registered and never made does not count),
and K ≥ 2 inspectors per target from the department's officers whose enforcement certificate is
valid today in one of its domains (the same test as the step rules' SINGLE_OFFICER /
UNCERTIFIED_OFFICER: models.User.valid_certificate).
The server draws the seed (oversight/random_draw.py says how the result follows from it).

The draw is one transaction: the row with its seed, its inputs and their SHA-256, and the trail's
`inspection_draw.made` (system chain) with the seed, the digest and the result. Then each target
gets its inspection case (procedure `inspection`, the entity its party through the parties
register, services/registers/market_entities.party_fields), opened by the drawing officer, whose first step
(检查启动) is completed with the plan, the item, the draw and the inspectors drawn. Each case is
opened and its id written into the draw's result in one transaction that holds the draw's row
from before it looks whether the target has its case (`open_cases`), so two requests at once open
no target twice. A case that could not be opened, or whose first step could not be recorded, is
named in the answer and `open_cases` again opens or records what is missing; the draw's seed,
inputs and targets never change.

The re-draw (`verify`, a supervisor): the inputs are read back, their digest compared with the
one the trail recorded when the draw was made (an edited row would show), the draw recomputed from
the seed and compared with the stored result; the outcome is traced (`inspection_draw.verified`).
It checks that the result follows from the seed and inputs; that the inputs were the register and
officers of that day is what the trail's digest at that moment vouches for (the register itself
keeps no history).
"""
import hashlib
import json
import secrets
from dataclasses import dataclass

from ...extensions import db
from ...models import Case, InspectionDraw, OrgUnit, TraceEvent, User, UserRole
from ...models.types import utcnow
from ...oversight import random_draw
from ...wall_clock import local_today
from ..audit import trail as audit
from ..audit.trail import canonical_json
from ..cases import lifecycle as cases
from ..cases.step_path import ready_task_rows
from ..errors import Conflict, Invalid, NotFound, ServiceError, tr
from ..people.access import in_scope, require_role
from ..registers import market_entities
from ..transactions import one_transaction
from . import plans as inspection_plans
from . import visits as inspections

MAX_TARGETS = 200
MIN_INSPECTORS, MAX_INSPECTORS = 2, 5
PROCEDURE = "inspection"


def _whole(raw, field: str, low: int, high: int, errors: dict):
    if isinstance(raw, bool) or not isinstance(raw, int):
        errors[field] = [tr("must be a whole number")]
    elif not low <= raw <= high:
        errors[field] = [tr("must be from %(min)s to %(max)s", min=low, max=high)]
    else:
        return raw
    return None


def certified_officers(unit: OrgUnit, on) -> list[str]:
    """The department's active officers with an enforcement certificate valid that day in one of
    its domains, by username."""
    users = db.session.execute(db.select(User).join(UserRole, UserRole.user_id == User.id).where(
        User.org_unit_id == unit.id, User.active.is_(True), UserRole.role == "officer")).scalars().unique().all()
    domains = unit.enforcement_domains or None
    return sorted(u.username for u in users if u.valid_certificate(on, domains) is not None)


def inputs_digest(inputs: dict) -> str:
    return hashlib.sha256(canonical_json(inputs).encode("utf-8")).hexdigest()


def get(user: User, draw_id: int) -> InspectionDraw:
    found = db.session.get(InspectionDraw, draw_id)
    if found is None or not in_scope(user, found.department):
        raise NotFound(tr("draw %(id)s not found", id=draw_id))
    return found


def draws_of(plan) -> list[InspectionDraw]:
    return list(db.session.execute(db.select(InspectionDraw).where(InspectionDraw.plan_id == plan.id)
                                   .order_by(InspectionDraw.id)).scalars())


def make(user: User, plan_id: int, raw: dict) -> tuple[InspectionDraw, list[dict]]:
    """Draw under an item of a published plan (the module's doc), then open the targets' cases:
    the draw, and [{credit_code, error}] of the targets whose case could not be opened."""
    plan = inspection_plans.get(user, plan_id)
    require_role(user, "officer", tr("drawing inspection targets"))
    unit = plan.department
    if user.org_unit_id != unit.id:
        raise Invalid({"plan": [tr("only an officer of %(department)s draws under its plan", department=unit.name)]})
    if plan.status != "published":
        raise Conflict(tr("only a published plan is drawn under"))
    if not isinstance(raw, dict):
        raise Invalid({"_body": [tr("the request body must be a JSON object")]})
    errors: dict = {}
    items = {item["code"]: item for item in plan.items or []}
    item = raw.get("item")
    if item not in items:
        errors["item"] = [tr("must be an item of the plan: %(codes)s", codes=", ".join(items))]
    count = _whole(raw.get("targets"), "targets", 1, MAX_TARGETS, errors)
    per_target = _whole(raw.get("inspectors_per_target", MIN_INSPECTORS), "inspectors_per_target",
                        MIN_INSPECTORS, MAX_INSPECTORS, errors)
    unknown = sorted(set(raw) - {"item", "targets", "inspectors_per_target"})
    for name in unknown[:10]:
        errors[str(name)[:64]] = [tr("is not a field of a draw")]
    if errors:
        raise Invalid(errors)
    today = local_today()
    done = inspections.visits_carried_out(unit.id, plan.year)
    entities = db.session.execute(inspection_plans.population_query(plan)).scalars().all()
    excluded = sorted(e.credit_code for e in entities if done.get(e.credit_code, 0) >= plan.max_per_enterprise)
    population = sorted(e.credit_code for e in entities if e.credit_code not in set(excluded))
    officers = certified_officers(unit, today)
    if len(population) < count:
        raise Invalid({"targets": [tr("the plan's population holds %(n)d enterprises that may still be inspected "
                                      "this year", n=len(population))]})
    if len(officers) < per_target:
        raise Invalid({"inspectors_per_target": [tr("%(department)s has %(n)d officers with a valid certificate",
                                                    department=unit.name, n=len(officers))]})
    inputs = {"population": population, "officers": officers, "excluded": excluded}
    digest = inputs_digest(inputs)
    seed = secrets.token_hex(16)
    names = {e.credit_code: e.name for e in entities}
    result = [{**row, "name": names[row["credit_code"]], "case_id": None}
              for row in random_draw.draw(seed, population, officers, count, per_target)]
    now = utcnow()
    with one_transaction():
        found = InspectionDraw(plan_id=plan.id, department_id=unit.id, item_code=item, seed=seed,
                               target_count=count, inspectors_per_target=per_target, inputs=inputs,
                               inputs_sha256=digest, result=result, drawn_by_id=user.id, drawn_at=now)
        db.session.add(found)
        db.session.flush()
        audit.record("inspection_draw.made", actor=user, at=now, data={
            "draw": found.id, "plan": plan.id, "year": plan.year, "department": unit.code, "item": item,
            "seed": seed, "inputs_sha256": digest, "population": len(population), "officers": len(officers),
            "excluded": len(excluded), "targets": count, "inspectors_per_target": per_target,
            "result": [[r["credit_code"], r["inspectors"]] for r in result]})
    return found, open_cases(user, found.id)


def open_cases(user: User, draw_id: int) -> list[dict]:
    """Open the inspection case of every target of the draw that has none yet (the drawing
    officer's, or another officer's of the department), and record its first step (检查启动) with
    the draw where it is still to do; returns [{credit_code, error}] of the targets that failed.

    A target's case is opened and written into the draw's result in one transaction that takes the
    draw's row first (`_locked`), so requests at once — a double click, two officers — never open
    one target twice: the second waits for the first's transaction, then finds the case recorded
    and opens none (its answer is the draw with the cases as opened)."""
    found = get(user, draw_id)
    require_role(user, "officer", tr("opening inspection cases"))
    plan, unit = found.plan, found.department
    item = next(i for i in plan.items if i["code"] == found.item_code)
    failed = []
    for index in range(len(found.result)):
        code = found.result[index]["credit_code"]
        try:
            case = _open_target(user, found.id, index, plan, unit, item)
            _record_start(user, found, case, index)
        except ServiceError as err:
            db.session.rollback()
            failed.append({"credit_code": code, "error": err.message})
    return failed


def _locked(draw_id: int) -> InspectionDraw:
    """The draw's row read afresh and held until the transaction ends: SELECT … FOR UPDATE on
    PostgreSQL; on SQLite, which has one writer at a time, by writing first (the row set to itself),
    so the read after it sees whatever the writer before committed."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(db.update(InspectionDraw).where(InspectionDraw.id == draw_id)
                           .values(id=InspectionDraw.id), execution_options={"synchronize_session": False})
    return db.session.execute(db.select(InspectionDraw).where(InspectionDraw.id == draw_id).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one()


def _open_target(user: User, draw_id: int, index: int, plan, unit: OrgUnit, item: dict) -> Case:
    """The target's case: the one recorded on the draw, or one opened now and recorded in the
    opening's own transaction, the draw's row held from before the check (`open_cases`)."""
    found = _locked(draw_id)
    row = found.result[index]
    if row.get("case_id"):
        db.session.commit()  # nothing written: the lock let go
        return db.session.get(Case, row["case_id"])
    entity = market_entities.by_code(row["credit_code"])

    def recorded(case: Case) -> None:  # inside the case's opening transaction, after its trace
        result = [dict(r) for r in found.result]
        result[index]["case_id"] = case.id
        found.result = result
        audit.record("inspection_draw.case_opened", actor=user, data={
            "draw": found.id, "credit_code": row["credit_code"], "case": case.id})

    return cases.open_case(user, process_id=PROCEDURE, title=f"{row['name']}涉企行政检查（{plan.year}年{item['title']}）",
                           department_code=unit.code, party=market_entities.party_fields(entity), answered=recorded)


def _record_start(user: User, found: InspectionDraw, case: Case, index: int) -> None:
    """The case's first step (检查启动) completed with the plan, the item, the draw and the
    inspectors drawn, unless it is done already (by the request that opened the case, at once)."""
    first = next((t for t in cases.ready_tasks(case) if t.form_key == inspections.TRIGGER_FORM), None)
    if first is None:
        return
    row = found.result[index]
    try:
        cases.complete_task(user, first.id, {
            "trigger": "plan", "plan_year": found.plan.year, "plan_item": found.item_code, "draw": found.id,
            "inspectors": row["inspectors"], "party_id_number": row["credit_code"],
            "party_address": market_entities.by_code(row["credit_code"]).address,
            "started_on": local_today().isoformat()})
    except Conflict:
        db.session.rollback()
        if any(t.id == first.id for t in ready_task_rows(case.id)):
            raise
        # completed meanwhile by the other request


@dataclass
class Verification:
    matches: bool
    inputs_intact: bool
    recomputed: list[dict]
    differences: list[str]


def _made_event(found: InspectionDraw) -> dict | None:
    marker = f'"draw":{found.id},'
    event = db.session.execute(db.select(TraceEvent).where(
        TraceEvent.chain == audit.SYSTEM_CHAIN, TraceEvent.action == "inspection_draw.made",
        TraceEvent.data_json.contains(marker)).limit(1)).scalar()
    return json.loads(event.data_json) if event is not None else None


def verify(user: User, draw_id: int) -> Verification:
    """A supervisor re-draws from the recorded seed and inputs (the module's doc); traced."""
    require_role(user, "supervisor", tr("verifying a draw"))
    found = get(user, draw_id)
    made = _made_event(found) or {}
    digest = inputs_digest(found.inputs)
    inputs_intact = digest == found.inputs_sha256 == made.get("inputs_sha256") and found.seed == made.get("seed")
    recomputed = random_draw.draw(found.seed, found.inputs.get("population", []), found.inputs.get("officers", []),
                                  found.target_count, found.inspectors_per_target)
    stored = [{"credit_code": r["credit_code"], "inspectors": r["inspectors"]} for r in found.result]
    differences = []
    if not inputs_intact:
        differences.append("inputs")
    for n, (again, kept) in enumerate(zip(recomputed, stored, strict=False), start=1):
        if again != kept:
            differences.append(f"target {n}")
    if len(recomputed) != len(stored):
        differences.append("count")
    if made.get("result") is not None and made["result"] != [[r["credit_code"], r["inspectors"]] for r in stored]:
        differences.append("trail")
    outcome = Verification(not differences, inputs_intact, recomputed, differences)
    with one_transaction():
        audit.record("inspection_draw.verified", actor=user, data={
            "draw": found.id, "matches": outcome.matches, "differences": differences})
    return outcome


def verifications(found: InspectionDraw) -> list[TraceEvent]:
    marker = f'"draw":{found.id},'
    return list(db.session.execute(db.select(TraceEvent).where(
        TraceEvent.chain == audit.SYSTEM_CHAIN, TraceEvent.action == "inspection_draw.verified",
        TraceEvent.data_json.contains(marker)).order_by(TraceEvent.seq)).scalars())
