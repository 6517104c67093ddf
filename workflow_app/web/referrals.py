"""The supervision's referrals (执法监督移送线索): the list of what the justice bureau's supervision
sent, and the letter a supervisor sends, of a case it audits ("执法监督移送" on the case page) or of a
bare clue. Thin: services/cases/referrals.py `refer_by_supervision` (the function POST /api/v1/referrals
calls, with the same checks); a refusal comes back on the same page, beside its field, with what
was typed."""
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..i18n import beside_fields, localized, page_language
from ..services.cases import referrals
from ..services.errors import Invalid, ServiceError, tr
from ..services.people.access import require_role, visible_case
from ..wall_clock import local_today
from . import bp
from . import task_forms as tf

LETTER = "letter."
OWN_FIELDS = ("title", "party_name", "party_kind")  # what the page asks beside the letter (a bare clue)
DEFAULT_PERIOD = timedelta(days=15)  # the feedback date the form opens with


@bp.get("/supervision/referrals")
@login_required
def supervision_referrals():
    rows = referrals.sent_by_supervision(current_user)
    return render_template("web/supervision_referrals.html", rows=rows,
                           may_refer=referrals.may_refer_as_supervision(current_user))


@bp.route("/supervision/referrals/new", methods=["GET", "POST"])
@login_required
def supervision_referral_new():
    require_role(current_user, referrals.SUPERVISION_ROLE, tr("referring a clue as the supervision"))
    origin = _origin(request.values.get("case"))
    schema = referrals.letter_form()
    typed = {name: (request.form.get(name) or "").strip() for name in OWN_FIELDS}
    errors, banner, status = {}, None, 200
    if request.method == "POST":
        values = tf.shown_values(schema, request.form)
        if not tf.is_row_action(request.form):
            try:
                referral = referrals.refer_by_supervision(
                    current_user, tf.read_form(schema, request.form), case_id=origin.id if origin else None,
                    title=typed["title"] or None,
                    party=None if origin else {"name": typed["party_name"], "kind": typed["party_kind"]})
            except Invalid as err:
                errors = beside_fields(_on_page(err.errors))
                banner = _("Some fields need your attention: see the messages beside them.")
            except ServiceError as err:
                banner, status = localized(err.message), err.status
            else:
                flash(_("The clue is referred to %(department)s: its receipt %(number)s awaits the answer, due "
                        "%(day)s.", department=referral.to_department.name, number=referral.receipt_case.number,
                        day=referral.due_on.isoformat()), "success")
                return redirect(url_for("web.case_page", case_id=origin.id) if origin
                                else url_for("web.supervision_referrals"))
    else:
        today = local_today()
        values = {**tf.initial_values(schema), "referred_on": today.isoformat(),
                  "feedback_due_on": (today + DEFAULT_PERIOD).isoformat()}
    fields = tf.build_fields(schema, values, errors, {}, choices=referrals.supervision_choices(current_user, origin))
    return render_template("web/supervision_referral_new.html", origin=origin, fields=fields, typed=typed,
                           errors=errors, banner=banner, kinds=("organization", "person"),
                           title=tf.form_title(schema, page_language(), _("Referral letter"))), status


def _origin(raw):
    """The audited case the letter refers (`?case=`), if any: one the supervisor may read."""
    if raw in (None, ""):
        return None
    if not str(raw).isdigit() or len(str(raw)) > 10:
        abort(404)
    return visible_case(current_user, int(raw))


def _on_page(errors: dict) -> dict:
    """The service's field names as the page's: the letter's fields by their own names, the
    party's by the page's inputs."""
    out = {}
    for key, messages in errors.items():
        name = key.removeprefix(LETTER).split(".")[0] if key.startswith(LETTER) else {
            "party": "party_name", "party.name": "party_name", "party.kind": "party_kind"}.get(key, key)
        out.setdefault(name, []).extend(messages)
    return out
