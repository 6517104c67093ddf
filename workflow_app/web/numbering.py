"""The numbering page (案号、文号编号规则): each department of the administrator's scope with its short
name (机关代字), pattern and the next case number; one department's page shows the code of each kind
and the next number of each kind as it would print (read without issuing one), and the form that
changes them, checked as `flask org numbering` checks them (services/numbering.set_numbering:
administrators only; a refusal is shown beside its field)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user, login_required

from ..i18n import localized_errors
from ..services.errors import Invalid
from ..services.registers import numbering
from . import bp

# The kinds the shipped packages number, in the reader's words (a department's own kinds show their name).
KIND_LABELS = {
    "case": lazy_gettext("Case number (filed case)"),
    "inspection_case": lazy_gettext("Inspection case number"),
    "penalty_notice": lazy_gettext("Notice of proposed penalty"),
    "hearing_notice": lazy_gettext("Hearing notice"),
    "penalty_decision": lazy_gettext("Penalty decision"),
    "no_penalty_decision": lazy_gettext("Decision not to penalize"),
    "transfer": lazy_gettext("Transfer of a suspected crime"),
    "seizure_decision": lazy_gettext("Seizure decision"),
    "seizure_extension": lazy_gettext("Notice extending a seizure"),
    "seizure_release": lazy_gettext("Decision releasing a seizure"),
    "demand": lazy_gettext("Demand to perform"),
    "execution_decision": lazy_gettext("Coercive execution decision"),
}


@bp.get("/numbering")
@login_required
def numbering_list():
    units = numbering.numbered_departments(current_user)
    rows = [numbering.overview(unit) for unit in units]
    return render_template("web/numbering_list.html", rows=rows, case_kind=numbering.CASE)


def _page(code: str, errors: dict | None = None, values: dict | None = None, status: int = 200):
    unit = numbering.numbered_department(current_user, code)
    shown = numbering.overview(unit)
    values = values or {"abbr": shown["abbr"] or "", "pattern": shown["pattern"],
                        "codes": {k.kind: k.code or "" for k in shown["kinds"]}}
    return render_template("web/numbering.html", shown=shown, values=values, errors=localized_errors(errors or {}),
                           defaults=numbering.DEFAULT_CODES, default_pattern=numbering.DEFAULT_PATTERN,
                           kind_labels=KIND_LABELS), status


@bp.get("/numbering/<code>")
@login_required
def numbering_page(code: str):
    return _page(code)


@bp.post("/numbering/<code>")
@login_required
def numbering_set(code: str):
    form = request.form
    unit = numbering.numbered_department(current_user, code)
    kinds = [k.kind for k in numbering.examples(unit, 2000)]
    typed = {kind: (form.get(f"code-{kind}") or "").strip() for kind in kinds if f"code-{kind}" in form}
    # a code typed as its default is no code of the department's own: it follows the default
    codes = {kind: ("" if value == numbering.DEFAULT_CODES.get(kind) else value) for kind, value in typed.items()}
    values = {"abbr": form.get("abbr", ""), "pattern": form.get("pattern", ""), "codes": typed}
    try:
        numbering.set_numbering(current_user, code, abbr=values["abbr"], pattern=values["pattern"], codes=codes)
    except Invalid as err:
        return _page(code, err.errors, values, 422)
    flash(_("The numbering of %(department)s is changed: the numbers already issued stay as printed.",
            department=unit.name), "success")
    return redirect(url_for("web.numbering_page", code=code))
