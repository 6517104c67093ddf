"""Enterprise inspection pages (涉企行政检查): the departments' yearly inspection plans — drafted,
submitted, approved or returned, published — and the public page of published plans (no login).
The service (services/inspections/plans.py) decides; the pages show. The forms work without
script: a plan's items are the department's causes to tick, its population the industries and
risk grades to tick."""
import io

import segno
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user, login_required
from markupsafe import Markup

from ..extensions import db
from ..i18n import localized, localized_errors
from ..models import OrgUnit, User
from ..services.errors import Conflict, Forbidden, Invalid, NotFound
from ..services.inspections import draws as inspection_draws
from ..services.inspections import joint_visits
from ..services.inspections import plans as inspection_plans
from ..services.inspections import visits as inspections
from ..services.people.access import visible_case
from ..services.registers import causes, market_entities
from ..wall_clock import local_today
from . import bp

PLAN_STATUSES = {"draft": lazy_gettext("draft"), "submitted": lazy_gettext("submitted for approval"),
                 "approved": lazy_gettext("approved by the head"), "published": lazy_gettext("published")}
PLAN_EVENTS = {"inspection_plan.drafted": lazy_gettext("drafted"), "inspection_plan.changed": lazy_gettext("changed"),
               "inspection_plan.submitted": lazy_gettext("submitted for approval"),
               "inspection_plan.returned": lazy_gettext("returned to the drafter"),
               "inspection_plan.approved": lazy_gettext("approved by the head"), "inspection_plan.published": lazy_gettext("published")}


@bp.app_context_processor
def _inspection_words():
    return {"plan_status_label": lambda code: str(PLAN_STATUSES.get(code, code)), "region_name": _region_name,
            "plan_event_label": lambda action: str(PLAN_EVENTS.get(action, action))}


def _region_name(code: str | None) -> str:
    unit = db.session.execute(db.select(OrgUnit).where(OrgUnit.code == code)).scalar() if code else None
    return unit.name if unit is not None else (code or "")


ACTIONS = {"submit": inspection_plans.submit, "approve": inspection_plans.approve,
           "publish": inspection_plans.publish}


def _regions():
    return list(db.session.execute(db.select(OrgUnit).where(OrgUnit.kind.in_(market_entities.REGION_KINDS))
                                   .order_by(OrgUnit.path)).scalars())


def _form_fields(form) -> dict:
    """The plan form's fields as the service takes them."""
    raw = {"title": form.get("title", ""),
           "items": [{"cause": code} for code in form.getlist("cause")],
           "population": {"region": form.get("region") or None, "industries": form.getlist("industry"),
                          "risk_grades": form.getlist("risk_grade")}}
    frequency = (form.get("max_per_enterprise") or "").strip()
    raw["max_per_enterprise"] = int(frequency) if frequency.isdigit() and len(frequency) < 4 else frequency
    version = (form.get("version") or "").strip()
    if version.isdigit() and len(version) < 10:
        raw["version"] = int(version)
    return raw


def _may_draft() -> bool:
    return current_user.org_unit.kind == "department" and (
        current_user.has_role("officer") or current_user.has_role("department_head"))


def _list_page(errors: dict | None = None, form=None, status: int = 200):
    unit = current_user.org_unit if current_user.org_unit.kind == "department" else None
    return render_template("web/inspection_plans.html", plans=inspection_plans.plans_of(current_user),
                           may_draft=_may_draft(), unit=unit, causes=causes.department_causes(unit) if unit else [],
                           regions=_regions(), industries=market_entities.INDUSTRIES,
                           risk_grades=market_entities.RISK_GRADES, errors=localized_errors(errors or {}),
                           form=form, this_year=local_today().year,
                           population_size=inspection_plans.population_size), status


@bp.get("/inspection/plans")
@login_required
def inspection_plan_list():
    return _list_page()


@bp.post("/inspection/plans")
@login_required
def inspection_plan_draft():
    raw = _form_fields(request.form)
    year = (request.form.get("year") or "").strip()
    raw["year"] = int(year) if year.isdigit() and len(year) == 4 else year
    try:
        plan = inspection_plans.draft(current_user, raw)
    except Invalid as err:
        return _list_page(err.errors, request.form, 422)
    except Conflict as err:
        return _list_page({"year": [err.message]}, request.form, 409)
    flash(_("The plan is drafted."), "success")
    return redirect(url_for("web.inspection_plan_page", plan_id=plan.id))


def _plan_page(plan_id: int, errors: dict | None = None, form=None, status: int = 200):
    plan = inspection_plans.get(current_user, plan_id)
    department = plan.department
    in_department = current_user.org_unit_id == department.id or current_user.org_unit.contains(department)
    return render_template(
        "web/inspection_plan.html", plan=plan, history=inspection_plans.history(plan),
        event_data=inspection_plans.event_data, causes=causes.department_causes(department), regions=_regions(),
        industries=market_entities.INDUSTRIES, risk_grades=market_entities.RISK_GRADES,
        errors=localized_errors(errors or {}), form=form, population_size=inspection_plans.population_size(plan),
        may_edit=plan.status == "draft" and in_department and (current_user.has_role("officer")
                                                               or current_user.has_role("department_head")),
        is_head=current_user.has_role("department_head") and in_department,
        may_draw=plan.status == "published" and current_user.has_role("officer")
        and current_user.org_unit_id == department.id,
        draws=inspection_draws.draws_of(plan)), status


@bp.get("/inspection/plans/<id:plan_id>")
@login_required
def inspection_plan_page(plan_id: int):
    return _plan_page(plan_id)


@bp.post("/inspection/plans/<id:plan_id>")
@login_required
def inspection_plan_change(plan_id: int):
    try:
        inspection_plans.change(current_user, plan_id, _form_fields(request.form))
    except Invalid as err:
        return _plan_page(plan_id, err.errors, request.form, 422)
    except Conflict as err:
        flash(localized(err.message), "error")
        return redirect(url_for("web.inspection_plan_page", plan_id=plan_id))
    flash(_("The plan is changed."), "success")
    return redirect(url_for("web.inspection_plan_page", plan_id=plan_id))


@bp.post("/inspection/plans/<id:plan_id>/<any(submit, approve, return, publish):action>")
@login_required
def inspection_plan_act(plan_id: int, action: str):
    version = (request.form.get("version") or "").strip()
    version = int(version) if version.isdigit() and len(version) < 10 else None
    try:
        if action == "return":
            inspection_plans.return_plan(current_user, plan_id, request.form.get("reason"), version)
        else:
            ACTIONS[action](current_user, plan_id, version)
    except Invalid as err:
        return _plan_page(plan_id, err.errors, request.form, 422)
    except (Conflict, Forbidden) as err:
        flash(localized(err.message), "error")
        return redirect(url_for("web.inspection_plan_page", plan_id=plan_id))
    flash({"submit": _("The plan is submitted for approval."), "approve": _("The plan is approved."),
           "return": _("The plan is returned to its drafter."), "publish": _("The plan is published.")}[action],
          "success")
    return redirect(url_for("web.inspection_plan_page", plan_id=plan_id))


@bp.post("/inspection/plans/<id:plan_id>/draws")
@login_required
def inspection_draw_make(plan_id: int):
    form = request.form

    def number(name):
        raw = (form.get(name) or "").strip()
        return int(raw) if raw.isdigit() and len(raw) < 6 else raw

    try:
        found, _failed = inspection_draws.make(current_user, plan_id, {
            "item": form.get("item"), "targets": number("targets"),
            "inspectors_per_target": number("inspectors_per_target")})
    except Invalid as err:
        return _plan_page(plan_id, err.errors, form, 422)
    except (Conflict, Forbidden) as err:
        flash(localized(err.message), "error")
        return redirect(url_for("web.inspection_plan_page", plan_id=plan_id))
    opened = sum(1 for r in found.result if r.get("case_id"))
    flash(_("Drawn: %(n)d enterprises; %(opened)d inspection cases opened.", n=len(found.result), opened=opened),
          "success")
    return redirect(url_for("web.inspection_draw_page", draw_id=found.id))


def _draw_page(draw_id: int, outcome=None, status: int = 200):
    found = inspection_draws.get(current_user, draw_id)
    names = dict(db.session.execute(db.select(User.username, User.full_name).where(
        User.username.in_(found.inputs.get("officers", [])))).all())
    return render_template("web/inspection_draw.html", draw=found, plan=found.plan, outcome=outcome, names=names,
                           item=next((i for i in found.plan.items if i["code"] == found.item_code), {}),
                           verifications=inspection_draws.verifications(found),
                           event_data=inspection_plans.event_data,
                           may_verify=current_user.has_role("supervisor"),
                           may_open=current_user.has_role("officer") and current_user.org_unit_id == found.department_id
                           and any(not r.get("case_id") for r in found.result)), status


@bp.get("/inspection/draws/<id:draw_id>")
@login_required
def inspection_draw_page(draw_id: int):
    return _draw_page(draw_id)


@bp.post("/inspection/draws/<id:draw_id>/verify")
@login_required
def inspection_draw_verify(draw_id: int):
    try:
        outcome = inspection_draws.verify(current_user, draw_id)
    except Forbidden as err:
        flash(localized(err.message), "error")
        return redirect(url_for("web.inspection_draw_page", draw_id=draw_id))
    return _draw_page(draw_id, outcome)


@bp.post("/inspection/draws/<id:draw_id>/open-cases")
@login_required
def inspection_draw_open(draw_id: int):
    try:
        failed = inspection_draws.open_cases(current_user, draw_id)
    except Forbidden as err:
        flash(localized(err.message), "error")
    else:
        if failed:
            flash(_("%(n)d cases could not be opened.", n=len(failed)), "error")
    return redirect(url_for("web.inspection_draw_page", draw_id=draw_id))


@bp.get("/public/inspection-plans")
def public_inspection_plans():
    """双随机、一公开: the published plans, for anyone, without login."""
    return render_template("web/public_inspection_plans.html", plans=inspection_plans.published(),
                           industries=market_entities.INDUSTRIES, risk_grades=market_entities.RISK_GRADES)


@bp.get("/inspection/cases/<id:case_id>")
@login_required
def inspection_case_page(case_id: int):
    """The inspection's own page for its officers: what triggered it, the visit as registered and
    the public link the enterprise opens to check it (亮码入企)."""
    case = visible_case(current_user, case_id)
    if case.procedure_version.procedure.process_id != inspections.PROCEDURE:
        raise NotFound(_("This case is not an enterprise inspection."))
    return _case_page(case)


def _visit_link(case) -> str | None:
    """The public check link of the case's visit, once the visit is registered."""
    if not inspections.registration(case):
        return None
    return url_for("web.public_visit", token=inspections.visit_token(case.id), _external=True)


def _visit_qr(link: str):
    """The link as a QR code (error correction M: a printed code still reads when a little worn)."""
    return segno.make(link, error="m")


def _case_page(case, errors: dict | None = None, status: int = 200):
    link = _visit_link(case)
    registered = link is not None
    qr = Markup(_visit_qr(link).svg_inline(scale=4, title=_("QR code of the visit's check link"))) if link else None
    visit = joint_visits.visit_of(case)
    return render_template("web/inspection_case.html", case=case, registered=registered, link=link, qr=qr,
                           visit=visit,
                           members=joint_visits.members(current_user, visit) if visit else [],
                           may_join=current_user.has_role("officer") and case.closed_at is None,
                           errors=localized_errors(errors or {})), status


@bp.get("/inspection/cases/<id:case_id>/visit-qr.png")
@login_required
def inspection_visit_qr(case_id: int):
    """The visit's check link as a QR code to print (亮码入企), for the case's readers."""
    case = visible_case(current_user, case_id)
    if case.procedure_version.procedure.process_id != inspections.PROCEDURE:
        raise NotFound(_("This case is not an enterprise inspection."))
    link = _visit_link(case)
    if link is None:
        raise NotFound(_("The visit is not registered yet: it has no check link."))
    out = io.BytesIO()
    _visit_qr(link).save(out, kind="png", scale=8, border=4)
    return Response(out.getvalue(), mimetype="image/png", headers={
        "Content-Disposition": f'attachment; filename="visit-{case.id}-qr.png"', "Cache-Control": "private, no-store"})


@bp.post("/inspection/cases/<id:case_id>/joint-visit")
@login_required
def inspection_joint_visit(case_id: int):
    """Start a joint visit from this case, or join one by its number."""
    case = visible_case(current_user, case_id)
    number = (request.form.get("visit") or "").strip()
    try:
        if number:
            if not number.isdigit() or len(number) > 9:
                raise Invalid({"visit": [_("Give the joint visit's number.")]})
            joint_visits.join(current_user, int(number), case.id)
        else:
            joint_visits.start(current_user, case.id, request.form.get("visit_on"))
    except Invalid as err:
        return _case_page(case, err.errors, 422)
    except (Conflict, NotFound, Forbidden) as err:
        flash(localized(err.message), "error")
    else:
        flash(_("The case is in the joint visit."), "success")
    return redirect(url_for("web.inspection_case_page", case_id=case.id))


@bp.get("/visit/<token>")
def public_visit(token: str):
    """扫码入企: the enterprise checks the visit without logging in (services/inspections/visits.py says
    what it sees, and nothing else)."""
    try:
        registrations = inspections.public_visit(token)
    except NotFound:
        return render_template("web/public_visit.html", registrations=[]), 404
    return render_template("web/public_visit.html", registrations=registrations)
