"""The causes register page (案由清单, read only): a department's causes from its powers list, each
with the provision violated, the penalty provision, the penalty kinds, the statutory fine and the
discretion benchmark it names; above them, the department's settings its decisions name (the
place and account of payment, the reconsideration body, the court). Powers lists are public registers: every logged-in user reads any
department's; administrators import them (`flask causes import`) and set the settings (`flask org settings`).

The no-penalty and light-penalty lists page (不予处罚清单、从轻减轻处罚清单, read only), linked from the
causes register: a department's items, of one cause or kind where asked, each with its conditions,
legal ground, validity and issuing document (`flask penalty-lists import`)."""
from flask import render_template, request
from flask_login import current_user, login_required

from ..services.registers import causes, org_settings, penalty_lists
from ..wall_clock import local_today
from . import bp
from .views import _per_page_arg


def _own_department(departments):
    return current_user.org_unit if current_user.org_unit.kind == "department" else (departments[0] if departments
                                                                                     else None)


@bp.get("/causes")
@login_required
def cause_list():
    departments = causes.departments()
    own = _own_department(departments)
    code = request.args.get("department") or None
    unit = causes.department(code, own) if (code or own) else None
    page = causes.register_page(unit, after=request.args.get("after") or None,
                                per_page=_per_page_arg(request.args, causes.REGISTER_PAGE)) if unit else None
    return render_template("web/causes.html", departments=departments, unit=unit, page=page, args=request.args,
                           causes=page.items if page else [], range_words=causes.range_words,
                           settings=org_settings.settings_of(unit) if unit else {},
                           settings_set=set((unit.settings or {}) if unit else ()),
                           list_counts=penalty_lists.counts_by_cause(unit, local_today()) if unit else {})


@bp.get("/penalty-lists")
@login_required
def penalty_list_page():
    departments = causes.departments()
    own = _own_department(departments)
    args = request.args
    unit, cause, kind, on = penalty_lists.parse_filters(args.get("department") or None, args.get("cause") or None,
                                                        args.get("kind") or None, args.get("on") or None, own)
    today = local_today()
    return render_template("web/penalty_lists.html", departments=departments, unit=unit, cause=cause, kind=kind,
                           on=on, today=today, kinds=penalty_lists.KINDS,
                           causes=causes.department_causes(unit),
                           items=penalty_lists.items_of(unit, cause, kind, on))
