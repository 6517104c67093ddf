"""The causes register page (案由清单, read only): a department's causes from its powers list, each
with the provision violated, the penalty provision, the penalty kinds, the statutory fine and the
discretion benchmark it names; above them, the department's settings its decisions name (the
place and account of payment, the reconsideration body, the court). Powers lists are public registers: every logged-in user reads any
department's; administrators import them (`flask causes import`) and set the settings (`flask org settings`)."""
from flask import render_template, request
from flask_login import current_user, login_required

from ..services import causes, org_settings
from . import bp


@bp.get("/causes")
@login_required
def cause_list():
    departments = causes.departments()
    own = current_user.org_unit if current_user.org_unit.kind == "department" else (departments[0] if departments
                                                                                     else None)
    code = request.args.get("department") or None
    unit = causes.department(code, own) if (code or own) else None
    return render_template("web/causes.html", departments=departments, unit=unit,
                           causes=causes.department_causes(unit) if unit else [], range_words=causes.range_words,
                           settings=org_settings.settings_of(unit) if unit else {},
                           settings_set=set((unit.settings or {}) if unit else ()))
