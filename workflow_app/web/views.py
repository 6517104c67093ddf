"""The pages' views: parse, call one service as the logged-in user, render."""
import re
from datetime import date

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from ..i18n import LANGUAGE_COOKIE, LANGUAGE_COOKIE_SECONDS, LANGUAGES, localized, page_language
from ..services.cases import documents, late_fees, paper_entry, referrals, worklists
from ..services.cases import links as case_links
from ..services.cases import messages as case_messages
from ..services.cases import overview as case_overview
from ..services.cases import requests as case_requests
from ..services.errors import Conflict, Invalid, tr
from ..services.evidence import attachments
from ..services.evidence import items as evidence
from ..services.oversight import dashboard as dashboard_service
from ..services.people import parties, users
from . import bp
from . import parties as party_views
from .dashboard import TIME_LEFT_LABELS, page_context
from .login import _safe_next, start_page


def _date_arg(args: MultiDict, name: str) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid({name: [tr("must be a date, YYYY-MM-DD")]}) from None


def _text_arg(args: MultiDict, name: str, limit: int = 100) -> str | None:
    value = (args.get(name) or "").strip()
    if len(value) > limit:
        raise Invalid({name: [tr("must have at most %(limit)s characters", limit=limit)]})
    return value or None


def _per_page_arg(args: MultiDict, default: int) -> int:
    """A list page's length (`per_page`), at most API_PAGE_SIZE_MAX like the API's lists."""
    raw = args.get("per_page")
    if raw is None:
        return default
    most = current_app.config["API_PAGE_SIZE_MAX"]
    if not re.fullmatch("[0-9]{1,6}", raw) or not 1 <= int(raw) <= most:
        raise Invalid({"per_page": [tr("must be from %(min)s to %(max)s", min=1, max=most)]})
    return int(raw)


def wants_html() -> bool:
    """A browser asks for HTML; API clients and scripts get the JSON index."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes[best] > request.accept_mimetypes["application/json"]


@bp.get("/")
def index():
    if not wants_html():
        return {"name": "ZhifaFlow 行政执法案件办理与监督平台", "api": "/api/v1/openapi.json"}
    if current_user.is_authenticated:
        return redirect(start_page(current_user))
    return redirect(url_for("web.login"))


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico where a page names no icon (a download, an answer of the API):
    the site's own, not a 404 in the console."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.post("/language")
def set_language():
    """The language switch: remembered for the user when logged in, and in this browser (a cookie)."""
    lang = request.form.get("lang")
    if lang not in LANGUAGES:
        raise Invalid({"lang": [tr("must be one of %(choices)s", choices=", ".join(LANGUAGES))]})
    if current_user.is_authenticated:
        users.set_language(current_user, lang)
    response = make_response(redirect(_safe_next(request.form.get("next")) or url_for("web.index")))
    response.set_cookie(LANGUAGE_COOKIE, lang, max_age=LANGUAGE_COOKIE_SECONDS, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
    return response


@bp.get("/inbox")
@login_required
def inbox():
    args = request.args
    queue = args.get("queue", "mine")
    filters = {"queue": queue, "step": _text_arg(args, "step"), "department": _text_arg(args, "department"),
               "due_by": _date_arg(args, "due_by"), "overdue_only": args.get("overdue") == "1",
               "sort": args.get("sort", "due"), "kind": _text_arg(args, "kind", 16)}
    page = worklists.inbox(current_user, after=args.get("after"), **filters)
    return render_template("web/inbox.html", page=page, filters=filters, args=args,
                           steps=worklists.human_steps(),
                           departments=worklists.departments_in_scope(current_user))


@bp.get("/cases")
@login_required
def cases():
    args = request.args
    filters = {"number": _text_arg(args, "number"), "party": _text_arg(args, "party"),
               "status": _text_arg(args, "status"), "department": _text_arg(args, "department"),
               "step": _text_arg(args, "step"), "time_left": _text_arg(args, "time_left"),
               "opened_from": _date_arg(args, "opened_from"),
               "opened_to": _date_arg(args, "opened_to"), "kind": _text_arg(args, "kind", 16)}
    page = worklists.search_cases(current_user, after=args.get("after"), **filters)
    return render_template("web/cases.html", page=page, filters=filters, args=args,
                           steps=worklists.human_steps(), time_left_labels=TIME_LEFT_LABELS,
                           departments=worklists.departments_in_scope(current_user))


@bp.get("/dashboard")
@login_required
def dashboard():
    """执法监督看板: the figures of the user's scope, charts drawn over tables that work alone."""
    found = dashboard_service.summary(current_user, department=_text_arg(request.args, "department", 64))
    return render_template("web/dashboard.html", **page_context(found))


@bp.get("/cases/<id:case_id>")
@login_required
def case_page(case_id: int):
    overview = case_overview.case_overview(current_user, case_id)
    requests = case_requests.requests_for(current_user, overview.case)
    messages = case_messages.waiting_for(current_user, overview.case)
    case = overview.case
    identify = None
    if case.party_id is None and case.closed_at is None and current_user.has_role("officer"):
        q, matches = party_views.matches_for(_text_arg(request.args, "party_q"))
        identify = {"q": q, "matches": matches}
    return render_template("web/case.html", o=overview, case=case, requests=requests, messages=messages,
                           party_cases=parties.cases_of(case.party_id), identify=identify,
                           evidence_counts=evidence.counts(case), late_fee=late_fees.of_case(case),
                           paper=paper_entry.view(case), links=case_links.shown(current_user, case),
                           may_link=case_links.may_link(current_user, case), link_kinds=_link_kinds(),
                           referrals=referrals.shown(current_user, case),
                           may_refer=referrals.may_refer_from(current_user, case),
                           may_refer_again=referrals.may_refer_again(current_user, case),
                           may_refer_supervision=referrals.may_refer_as_supervision(current_user, case))


def _link_kinds() -> list[tuple[str, str]]:
    """(code, label) of the kinds of link, as the case that is the origin names the other."""
    lang = page_language()
    return [(code, kind.label(lang, outgoing=True)) for code, kind in case_links.KINDS.items()]


@bp.post("/cases/<id:case_id>/links")
@login_required
def link_case(case_id: int):
    """关联已有案件 on the case page (the API's POST /cases/{id}/links), the other case by its number."""
    form = request.form
    try:
        other = case_links.case_by_number(current_user, _text_arg(form, "case_number", 64) or "")
        asked = case_links.parse({"case_id": other.id, "kind": form.get("kind", ""),
                                  **({"reason": form["reason"]} if form.get("reason", "").strip() else {})}, field="")
        case_links.link_cases(current_user, case_id, asked)
    except (Invalid, Conflict) as err:
        messages = [m for ms in (err.errors or {}).values() for m in ms] if isinstance(err, Invalid) else []
        flash(localized(messages[0] if messages else err.message), "error")
    else:
        flash(_("Case %(number)s is linked to this case.", number=other.number), "success")
    return redirect(url_for("web.case_page", case_id=case_id) + "#links-h")


@bp.post("/cases/<id:case_id>/paper-entry/finish")
@login_required
def finish_paper_entry(case_id: int):
    """补录完成 on the case page (the API's POST /cases/{id}/paper-entry/finish)."""
    try:
        paper_entry.finish(current_user, case_id)
    except Conflict as err:
        flash(localized(err.message), "error")
    else:
        flash(_("The paper file is entered: the case's time limits are now watched as any case's."), "success")
    return redirect(url_for("web.case_page", case_id=case_id))


@bp.get("/cases/<id:case_id>/attachments/<sha256>.png")
@login_required
def case_attachment(case_id: int, sha256: str):
    """A file kept with the case (a drawn signature), for the case file and the step's form."""
    row = attachments.read(current_user, case_id, sha256)
    return current_app.response_class(row.content, mimetype=row.media_type, headers={
        "Content-Disposition": f'inline; filename="{row.kind}-{row.sha256[:12]}.png"',
        "Cache-Control": "private, max-age=86400"})


@bp.get("/cases/<id:case_id>/documents/<kind>.<any(docx, html):fmt>")
@login_required
def case_document(case_id: int, kind: str, fmt: str):
    """A document of the case, as the API gives it (its download is traced with its hash)."""
    content, mimetype, filename = documents.generate(current_user, case_id, kind, fmt)
    disposition = "attachment" if fmt == "docx" else "inline"
    return current_app.response_class(content, mimetype=mimetype, headers={
        "Content-Disposition": documents.content_disposition(disposition, filename, f"case-{case_id}-{kind}.{fmt}")})
