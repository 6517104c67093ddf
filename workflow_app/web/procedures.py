"""The procedures page (read only): each procedure with its versions — who deployed each, when,
its SHA-256 — and a version's diagram (bpmn-js) with its steps: lanes, forms, deadlines. For
procedure authors and administrators; supervisors may read it. The editor comes later."""
from flask import render_template
from flask_login import current_user, login_required

from ..services.procedures import versions as procedures
from . import bp


@bp.get("/procedures")
@login_required
def procedure_list():
    return render_template("web/procedures.html", catalogue=procedures.catalogue(current_user))


@bp.get("/procedures/<id:version_id>")
@login_required
def procedure_version(version_id: int):
    return render_template("web/procedure.html", d=procedures.version_detail(current_user, version_id))
