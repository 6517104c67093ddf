"""The oversight alerts' pages (预警): the supervisors' list, and one alert with its history and
the handlers' actions (acknowledge; ask the department to rectify by a day; resolve or dismiss
with a reason) and the department head's rectification report.

Thin: parse the query or the form, call services/oversight/alerts.py (the functions the API's
/api/v1/alerts calls, with the same permission checks) and render. A refusal comes back on the
same page: a missing reason beside its field with what was typed, an alert someone else handled
meanwhile (409) as a banner over the alert as it now stands.
"""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..i18n import beside_fields, localized
from ..models.oversight import ACTIVE, STATUSES
from ..oversight.alert_rules import CATALOGUE
from ..services.cases import worklists
from ..services.errors import Conflict, Invalid, tr
from ..services.oversight import alerts
from . import bp
from .views import _text_arg

PER_PAGE = 50
ALL = "all"
STATUS_FILTERS = ("active", *STATUSES, ALL)  # "active" (not yet resolved or dismissed) by default
ACTIONS = ("acknowledge", "request_rectification", "report_rectification", "resolve", "dismiss")
FIELDS = ("reason", "opinion", "due_on", "report")  # what the forms type, kept on an error


@bp.get("/alerts")
@login_required
def alert_list():
    args = request.args
    filters = {"status": args.get("status") or "active", "severity": _text_arg(args, "severity"),
               "code": _text_arg(args, "code"), "department": _text_arg(args, "department")}
    page = alerts.list_alerts(current_user, status=None if filters["status"] == ALL else filters["status"],
                              severity=filters["severity"], code=filters["code"],
                              department_code=filters["department"], after=args.get("after") or None,
                              per_page=PER_PAGE)
    return render_template("web/alerts.html", page=page, filters=filters, args=args, statuses=STATUS_FILTERS,
                           severities=alerts.SEVERITIES, codes=list(CATALOGUE),
                           departments=worklists.departments_in_scope(current_user))


@bp.route("/alerts/<id:alert_id>", methods=["GET", "POST"])
@login_required
def alert_page(alert_id: int):
    typed, errors, conflict, status = dict.fromkeys(FIELDS, ""), {}, None, 200
    if request.method == "POST":
        action = request.form.get("action")
        typed = {name: request.form.get(name, "") for name in FIELDS}
        try:
            _act(action, alert_id, typed)
        except Invalid as err:  # the form again, its errors beside the fields (200, as the task forms)
            errors = beside_fields(err.errors)
        except Conflict as err:  # handled by someone else meanwhile
            conflict, status = localized(err.message), 409
        else:
            flash(_done(action), "success")
            return redirect(url_for("web.alert_page", alert_id=alert_id))
    alert = alerts.get_alert(current_user, alert_id)
    return render_template("web/alert.html", alert=alert, kind=CATALOGUE.get(alert.code),
                           history=alerts.history(alert), automatic=_automatic(),
                           may_handle=alerts.may_handle(current_user),
                           may_report=alerts.may_report(current_user, alert),
                           typed=typed, errors=errors, conflict=conflict, reason_max=alerts.REASON_MAX,
                           active=ACTIVE), status


def _automatic() -> dict[str, str]:
    """Who raised an alert when no person did: the worker's scan, or the rules of a step."""
    return {alerts.SCANNER: _("the oversight scan (automatic)"),
            alerts.STEP_RULES: _("the rules checked when the step was done (automatic)")}


def _act(action: str | None, alert_id: int, typed: dict) -> None:
    if action == "acknowledge":
        alerts.acknowledge(current_user, alert_id)
    elif action == "request_rectification":
        alerts.request_rectification(current_user, alert_id, typed["opinion"], typed["due_on"])
    elif action == "report_rectification":
        alerts.report_rectification(current_user, alert_id, typed["report"])
    elif action == "resolve":
        alerts.resolve(current_user, alert_id, typed["reason"])
    elif action == "dismiss":
        alerts.dismiss(current_user, alert_id, typed["reason"])
    else:
        raise Invalid({"action": [tr("must be one of %(choices)s", choices=", ".join(ACTIONS))]})


def _done(action: str) -> str:
    return {"acknowledge": _("The alert is acknowledged."),
            "request_rectification": _("The department is asked to rectify; the opinion is recorded on the case's trace."),
            "report_rectification": _("The rectification report is recorded; the supervisors will review it."),
            "resolve": _("The alert is resolved; the reason is recorded on the case's trace."),
            "dismiss": _("The alert is dismissed; the reason is recorded on the case's trace.")}[action]
