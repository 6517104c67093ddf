"""The legal review page (法制审核, APL Art. 58; 国办发〔2018〕118号): the case file and the
investigation report beside the checklist, a finding per item, approve or return with opinions.

`/tasks/<id>/review` answers for a ready legal review; the generic task page `/tasks/<id>` hands a
task the BPMN marks as the legal review to `review_task` (services/cases/review_sheet.is_review_task),
so both addresses show this page and post the same form.

Thin: the form's fields are read back into the review form's data (its JSON Schema names them),
services/cases/lifecycle.complete_task validates and decides; refusals come back as a banner with the
article, field errors next to their item, and what was typed stays on the page.
"""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..i18n import enum_labels, localized_errors, refusal_message
from ..services.cases import lifecycle as cases
from ..services.cases import review_sheet
from ..services.errors import Invalid, StepRefused
from ..wall_clock import local_today
from . import bp

FORM_PREFIX = "legal_review."  # step rules name fields by form key: legal_review.findings.x


def form_data(form, checklist: list[str]) -> dict:
    """The posted fields as the review form's data: findings-<item>-result / -comment (nested
    fields by their path joined with "-", as the generic task page names them), review_outcome and
    opinions. An item left unanswered stays out, so the schema names it."""
    findings = {}
    for item in checklist:
        result = form.get(f"findings-{item}-result")
        comment = (form.get(f"findings-{item}-comment") or "").strip()
        finding = {}
        if result:
            finding["result"] = result
        if comment:
            finding["comment"] = comment
        if finding:
            findings[item] = finding
    data = {"findings": findings}
    if form.get("review_outcome"):
        data["review_outcome"] = form["review_outcome"]
    data["opinions"] = (form.get("opinions") or "").strip()
    if (form.get("reviewed_on") or "").strip():
        data["reviewed_on"] = form["reviewed_on"].strip()
    return data


def field_errors(errors: dict) -> dict[str, list[str]]:
    """Errors by the page's field names: the finding's item for anything within it
    (findings.x.result -> findings.x), the form's own fields as they are."""
    out: dict[str, list[str]] = {}
    for name, messages in localized_errors(errors).items():
        name = name.removeprefix(FORM_PREFIX)
        parts = name.split(".")
        key = ".".join(parts[:2]) if parts[0] == "findings" and len(parts) > 1 else name
        out.setdefault(key, []).extend(messages)
    return out


@bp.route("/tasks/<id:task_id>/review", methods=["GET", "POST"])
@login_required
def review_task(task_id: int):
    sheet = review_sheet.review_sheet(current_user, task_id)
    items = [name for name, _schema in sheet.checklist]
    # the form again with its errors answers 200, as the login page does: a browser logs a 4xx page
    # as a console error, and the page is the answer the reviewer asked for
    typed, errors, refusal = None, {}, None
    if request.method == "POST":
        typed = form_data(request.form, items)
        try:
            cases.complete_task(current_user, task_id, typed)
        except StepRefused as err:
            # each field the law names carries the refusal, in the page's language
            refusal, errors = err, {name: [refusal_message(err)] for name in field_errors(err.errors)}
        except Invalid as err:
            errors = field_errors(err.errors)
        else:
            flash(_("The legal review is recorded.") if typed.get("review_outcome") == "approve"
                  else _("The legal review is recorded: the case goes back with your opinions."), "info")
            return redirect(url_for("web.case_page", case_id=sheet.task.case_id))
    refusal = refusal or sheet.refusal
    return render_template(
        "web/legal_review.html", sheet=sheet, o=sheet.overview, case=sheet.overview.case, task=sheet.task,
        typed=typed, errors=errors, refusal=refusal,
        refusal_message=refusal_message(refusal) if refusal else None,
        tier_labels=tier_labels(sheet.overview.forms.get(sheet.report.form_key) if sheet.report else None),
        today=local_today())


def tier_labels(form: dict | None) -> dict[str, str]:
    """The discretion tiers by their labels in the page's language (the form's choices of its
    `x-benchmark` tier field: the report's for the reviewer, the decision's for the head)."""
    tier = review_sheet.benchmark_fields(form).get("tier")
    prop = ((form or {}).get("properties") or {}).get(tier) if tier else None
    return dict(zip(map(str, (prop or {}).get("enum") or []), enum_labels(prop), strict=False)) if prop else {}
