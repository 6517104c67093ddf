"""The BPMN author's workbench ([8/9]): the drafts of procedure packages, a draft's editor, and an
approver's review of a submitted one.

Thin, like the other pages: services/procedures/drafts.py decides everything (who may read, change,
submit, approve or return, on which revision) for the pages and the JSON API alike. The editor
itself is the page's script (static/workbench-editor.js: the bpmn-js Modeler, a properties panel of
our own, the deploy's problems on the elements), which saves through the API with If-Match; the
page's forms (start a draft, submit it, approve it, return it) post here and name the revision the
page showed, so an answer on a stale page is refused as the API refuses it.
"""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user, login_required

from ..engine.specs import CROSS_DEPARTMENT_STEPS, LANE_LABELS, LEGACY_MILESTONES, MILESTONE_CODE
from ..i18n import beside_fields, localized, page_language
from ..oversight import procedure_kinds
from ..oversight.alert_rules import CATALOGUE
from ..services.errors import Invalid, ServiceError
from ..services.procedures import catalogue, drafts
from ..services.procedures import versions as procedures
from . import bp, workbench_compare
from .templating import ROLE_LABELS

FORM_SUFFIX = ".schema.json"
# the BPMN element types the panel names (bpmn:<type>); any other shows its type as BPMN writes it
ELEMENT_TYPES = {
    "Process": lazy_gettext("process"), "Lane": lazy_gettext("lane"), "Participant": lazy_gettext("pool"),
    "UserTask": lazy_gettext("user task"), "ManualTask": lazy_gettext("manual task"), "Task": lazy_gettext("task"),
    "ServiceTask": lazy_gettext("service task"), "ScriptTask": lazy_gettext("script task"),
    "BusinessRuleTask": lazy_gettext("business rule task"),
    "ReceiveTask": lazy_gettext("receive task"), "CallActivity": lazy_gettext("call activity"),
    "SubProcess": lazy_gettext("sub-process"), "StartEvent": lazy_gettext("start event"),
    "EndEvent": lazy_gettext("end event"), "IntermediateCatchEvent": lazy_gettext("intermediate catch event"),
    "IntermediateThrowEvent": lazy_gettext("intermediate throw event"), "BoundaryEvent": lazy_gettext("boundary event"),
    "ExclusiveGateway": lazy_gettext("exclusive gateway"), "ParallelGateway": lazy_gettext("parallel gateway"),
    "InclusiveGateway": lazy_gettext("inclusive gateway"), "EventBasedGateway": lazy_gettext("event-based gateway"),
    "SequenceFlow": lazy_gettext("sequence flow"),
}

# the words of bpmn-js's own palette and context pad, in the reader's language (its `translate` module)
BPMN_JS_WORDS = {
    "Activate create/remove space tool": lazy_gettext("Activate create/remove space tool"),
    "Activate global connect tool": lazy_gettext("Activate global connect tool"),
    "Activate hand tool": lazy_gettext("Activate hand tool"),
    "Activate lasso tool": lazy_gettext("Activate lasso tool"),
    "Add lane above": lazy_gettext("Add lane above"),
    "Add lane below": lazy_gettext("Add lane below"),
    "Add text annotation": lazy_gettext("Add text annotation"),
    "Append end event": lazy_gettext("Append end event"),
    "Append gateway": lazy_gettext("Append gateway"),
    "Append intermediate/boundary event": lazy_gettext("Append intermediate/boundary event"),
    "Append task": lazy_gettext("Append task"),
    "Change element": lazy_gettext("Change element"),
    "Connect to other element": lazy_gettext("Connect to other element"),
    "Connect using association": lazy_gettext("Connect using association"),
    "Create data object reference": lazy_gettext("Create data object reference"),
    "Create data store reference": lazy_gettext("Create data store reference"),
    "Create end event": lazy_gettext("Create end event"),
    "Create expanded sub-process": lazy_gettext("Create expanded sub-process"),
    "Create gateway": lazy_gettext("Create gateway"),
    "Create group": lazy_gettext("Create group"),
    "Create intermediate/boundary event": lazy_gettext("Create intermediate/boundary event"),
    "Create pool/participant": lazy_gettext("Create pool/participant"),
    "Create start event": lazy_gettext("Create start event"),
    "Create task": lazy_gettext("Create task"),
    "Delete": lazy_gettext("Delete"),
    "Divide into three lanes": lazy_gettext("Divide into three lanes"),
    "Divide into two lanes": lazy_gettext("Divide into two lanes"),
    "Search in diagram": lazy_gettext("Search in diagram"),
}


# the parts of a referral (engine/specs.py CROSS_DEPARTMENT_STEPS) in the author's words
CROSS_DEPARTMENT_WORDS = {
    "referral_letter": lazy_gettext("the referral letter (drafted by the officer)"),
    "referral_send": lazy_gettext("the approval that sends the referral letter"),
    "referral_feedback": lazy_gettext("the wait for the receiving department's answer"),
    "referral_answer": lazy_gettext("the receiving department's answer"),
}
MESSAGE_NAME = r"[a-z][a-z0-9_]{0,63}"  # a new message's name: it is part of the delivery's address


def _panel(draft) -> dict:
    """What the properties panel chooses from, in the author's words: the forms' titles, the alerts
    a deadline may raise, the kinds of procedure, the parts of a referral, the codes' patterns and
    the engine's limit on timers (each from where the deploy reads it)."""
    lang = page_language()
    forms = catalogue.forms_of(drafts.layout(draft))
    return {"form_titles": {key: form["title"] for key, form in forms.items()},
            "alerts": [{"code": a.code, "title": a.title(lang)} for a in CATALOGUE.values()],
            "procedure_kinds": [{"code": code, "words": procedure_kinds.label(code, lang)}
                                for code in procedure_kinds.KINDS],
            "default_kind": procedure_kinds.DEFAULT,
            "cross_department": [{"code": code, "words": str(CROSS_DEPARTMENT_WORDS[code])}
                                 for code in CROSS_DEPARTMENT_STEPS],
            "milestone_pattern": MILESTONE_CODE.pattern.removesuffix("\\Z"),
            "legacy_closes": {code: closes for code, (_, closes) in LEGACY_MILESTONES.items()},
            "message_pattern": MESSAGE_NAME,
            "max_timer_days": procedures.engine_limits().max_timer_days}


def _may_author(user) -> bool:
    return user.has_role("bpmn_author") or user.has_role("admin")


def may_edit(draft) -> bool:
    """The reader may change the draft on the workbench's pages: its owner, an author, while it is
    edited (the service checks again on every change)."""
    return draft.owner_id == current_user.id and draft.status == drafts.EDITING and _may_author(current_user)


def form_revision() -> int | None:
    """The draft's revision a page's form names (its hidden field), None when it names none."""
    raw = request.form.get("revision", "")
    return int(raw) if raw.isdigit() and len(raw) <= 10 else None


def said(err: ServiceError) -> str:
    """A service's refusal as one line on a page: an Invalid's reasons (after its own message when
    it has one of its own), else its message."""
    if isinstance(err, Invalid):
        reasons = [localized(m) for messages in err.errors.values() for m in messages]
        return "；".join(reasons if err.code == Invalid.code else [localized(err.message)] + reasons)
    return localized(err.message)


def _latest_versions() -> list:
    """Each deployed procedure's latest version: what a new draft of an existing procedure starts from."""
    latest: dict[int, object] = {}
    for version in procedures.list_versions():
        latest[version.procedure_id] = version  # ordered by version: the last one wins
    return sorted(latest.values(), key=lambda v: v.procedure.process_id)



@bp.route("/workbench", methods=["GET", "POST"])
@login_required
def workbench():
    found = drafts.list_drafts(current_user)  # authors, approvers, administrators; others 403
    typed = {name: (request.form.get(name) or "").strip() for name in ("start", "from_version_id", "process_id",
                                                                      "title")}
    errors, status = {}, 200
    if request.method == "POST":
        try:
            if typed["start"] == "version":
                raw = typed["from_version_id"]
                if not raw.isdigit() or len(raw) > 10:
                    raise Invalid({"from_version_id": [_("choose a deployed version")]})
                draft = drafts.create(current_user, from_version_id=int(raw))
            else:
                draft = drafts.create(current_user, process_id=typed["process_id"], title=typed["title"])
        except Invalid as err:
            errors, status = beside_fields(err.errors), 422
        except ServiceError as err:
            errors, status = {"from_version_id": [localized(err.message)]}, err.status
        else:
            flash(_("Draft %(title)s started: edit its diagram below.", title=draft.title), "success")
            return redirect(url_for("web.workbench_draft", draft_id=draft.id))
    return render_template("web/workbench.html", drafts=found, typed=typed, errors=errors,
                           may_author=_may_author(current_user), versions=_latest_versions(),
                           status_word=drafts.status_words), status


@bp.get("/workbench/drafts/<id:draft_id>")
@login_required
def workbench_draft(draft_id: int):
    draft = drafts.get(current_user, draft_id)
    forms = sorted(f.path.rsplit("/", 1)[1][:-len(FORM_SUFFIX)] for f in drafts.files_of(draft)
                   if f.path.startswith("forms/") and f.path.endswith(FORM_SUFFIX))
    own = draft.owner_id == current_user.id
    editable = may_edit(draft)
    may_review = (draft.status == drafts.SUBMITTED and not own and current_user.has_role("procedure_approver"))
    problems = comparison = None
    if may_review:  # the approver sees at once whether approval is possible, and what it would change
        _, problems, count = drafts.problems(current_user, draft.id)
        problems = {"items": problems, "count": count}
        comparison = None if count else workbench_compare.summary(current_user, draft)
    return render_template("web/workbench_draft.html", draft=draft, owner_name=draft.owner.full_name,
                           reviewer_name=draft.reviewed_by.full_name if draft.reviewed_by else "",
                           status_word=localized(drafts.status_words(draft.status)), main_path=drafts.main_path(draft),
                           forms=forms, roles=LANE_LABELS,
                           role_ui={code: str(ROLE_LABELS[code]) for code in LANE_LABELS},
                           type_labels={k: str(v) for k, v in ELEMENT_TYPES.items()},
                           bpmn_words={k: str(v) for k, v in BPMN_JS_WORDS.items()}, may_edit=editable, may_review=may_review, own=own,
                           problems=problems, comparison=comparison, panel=_panel(draft) if editable else None)


def _act(draft_id: int, call, done: str):
    """One of the page's forms: the service's answer as a message on the draft's page."""
    try:
        call()
    except ServiceError as err:
        flash(said(err), "error")
    else:
        flash(done, "success")
    return redirect(url_for("web.workbench_draft", draft_id=draft_id))


@bp.post("/workbench/drafts/<id:draft_id>/submit")
@login_required
def workbench_submit(draft_id: int):
    return _act(draft_id, lambda: drafts.submit(current_user, draft_id, form_revision(), request.form.get("note") or None),
                _("The draft is submitted for approval; it cannot be changed until an approver answers."))


@bp.post("/workbench/drafts/<id:draft_id>/approve")
@login_required
def workbench_approve(draft_id: int):
    return _act(draft_id, lambda: drafts.approve(current_user, draft_id, form_revision()),
                _("The draft is approved and deployed as the procedure's next version."))


@bp.post("/workbench/drafts/<id:draft_id>/return")
@login_required
def workbench_return(draft_id: int):
    return _act(draft_id, lambda: drafts.return_draft(current_user, draft_id, form_revision(),
                                                      request.form.get("reason") or ""),
                _("The draft is returned to its author with your reason."))
