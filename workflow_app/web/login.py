"""Logging in and out of the pages (Flask-Login session), with the API's login limits and words."""
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..api.authentication import login_limits
from ..services.errors import Unauthorized
from ..services.people import auth, users
from . import bp


class LoginForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=64)])
    password = PasswordField(validators=[DataRequired(), Length(max=256)])


def start_page(user) -> str:
    """Where each role starts: officers and heads their inbox, legal reviewers their review queue,
    supervisors the oversight alerts (预警), procedure authors and approvers the workbench, everyone
    else (admins) the cases."""
    if user.has_role("officer") or user.has_role("department_head"):
        return url_for("web.inbox")
    if user.has_role("legal_reviewer"):
        return url_for("web.inbox", queue="reviews")
    if user.has_role("supervisor"):
        return url_for("web.alert_list")
    if user.has_role("procedure_approver") or user.has_role("bpmn_author"):
        return url_for("web.workbench")
    return url_for("web.cases")


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host (an open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.route("/login", methods=["GET", "POST"])
@login_limits
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(start_page(current_user))
    form = LoginForm()
    status, error = 200, None
    if form.validate_on_submit():
        try:
            user = auth.authenticate(form.username.data.strip(), form.password.data)
        except Unauthorized:
            # the form again, with the message in the box (200: a browser logs a 4xx page as an error)
            error = _("Wrong username or password.")
        else:
            session.clear()  # nothing of an earlier session carries over into this login
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or start_page(user))
    elif request.method == "POST":
        status = 400  # a missing field or a stale form (CSRF): the page says which
    return render_template("web/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout():
    users.log_out(current_user._get_current_object())  # every session of the user, on every browser
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("web.login"))
