"""A draft's test run on a page ([8/9] workbench): its owner starts a run in a department of their
area, then does each ready step on its form — rendered by the task pages' own code (web/task_forms.py,
templates/web/_form_fields.html), opened with the form's example — and sees the field errors beside
the fields, or the law's refusal with its article (the run unchanged), or the step done with the
alerts it would raise and the deadline each next step gets; the diagram marks the steps done and
the ready ones with their due dates (static/workbench-run.js).

The page's forms post to the routes below, which call services/cases/draft_runs.py as the JSON API
does (thin, like workbench.py's `_act`): the form is then read back and its errors placed beside
its fields by the very code of the task pages, without a second renderer in JavaScript, and the page
works without JavaScript save its diagram. Nothing of a run is a case: no case row, task, number or
trace event (the service's guarantee), so nothing of it reaches officers' pages.
"""
from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..i18n import beside_fields, localized, page_language, refusal_message, step_name
from ..services.cases import draft_runs, worklists
from ..services.errors import Invalid, NotFound, ServiceError, StepRefused
from ..services.procedures import drafts
from . import bp
from . import task_forms as tf
from .task_views import _causes_for, _list_items_for, _people_for  # the task pages' own choices
from .templating import local_datetime, local_due

PARTY_KINDS = ("organization", "person")


class _Department:
    """What the task pages' choices read of a case (its department) for a run's department."""

    def __init__(self, unit):
        self.department, self.department_id = unit, unit.id


def _run_of(draft_id: int) -> dict | None:
    try:
        return draft_runs.get_run(current_user, draft_id)
    except NotFound:
        return None


def _when(text: str | None) -> str:
    return local_datetime(datetime.fromisoformat(text)) if text else "—"


def _both(value: dict | None) -> str | None:
    if not value:
        return None
    return value.get("en") if page_language() == "en" else value.get("zh")


def _steps_json(run: dict) -> dict:
    """The diagram's markers: each step done, then each ready one with its due date (a step done
    again later keeps the latest state); a step of a called process marks the call activity."""
    steps = {}
    for done in run["steps"]:
        steps[done["bpmn_id"]] = {"state": "done", "name": done["name"], "at": _when(done["at"]), "due": None,
                                  "called_by": done.get("called_by") or []}
    if not run["stale"]:
        for ready in run["ready"]:
            steps[ready["bpmn_id"]] = {"state": "ready", "name": ready["name"],
                                       "due": local_due(ready["due_at"]) if ready.get("due_at") else None,
                                       "called_by": ready.get("called_by") or []}
    return steps


def _problem(err: ServiceError, form_key: str | None, forms: dict) -> dict:
    """The banner and the fields' errors of a refused step, as the task page shows them."""
    if isinstance(err, StepRefused):
        own, other = tf.refused_fields(form_key, err.errors)
        lang = page_language()
        general = [localized(m) for k, ms in err.errors.items() if k.startswith("_") for m in ms] if lang == "en" else []
        return {"banner": {"kind": "refused", "code": err.code, "article": err.article,
                           "message": refusal_message(err), "general": general,
                           "others": [tf.reference_label(ref, forms, lang) for ref in other]},
                "errors": {}, "refused": own}
    errors = beside_fields(err.errors)
    return {"banner": {"kind": "invalid", "message": _("Some fields need your attention: see the messages beside "
                                                       "them."),
                       "general": [m for k, ms in errors.items() if k.startswith("_") for m in ms]},
            "errors": errors, "refused": set()}


def _page(draft, run: dict | None, *, chosen: str | None = None, values: dict | None = None,
          problem: dict | None = None, start_errors: dict | None = None, typed: dict | None = None):
    """The page: the run (or none), the chosen ready step's form, the start form."""
    own = draft.owner_id == current_user.id
    departments = worklists.departments_in_scope(current_user) if own else []
    problem = problem or {"banner": None, "errors": {}, "refused": set()}
    step, fields, title = None, [], None
    live = run is not None and not run["stale"] and not run["completed"]
    if own and live and run["ready"]:
        chosen = chosen or request.args.get("step") or run["ready"][0]["engine_task_id"]
        if not any(r["engine_task_id"] == chosen for r in run["ready"]):
            chosen = run["ready"][0]["engine_task_id"]
        step, schema, forms = draft_runs.step_form(current_user, draft.id, chosen)
        unit = next((d for d in departments if d.code == run["department"]), None)
        where = _Department(unit) if unit is not None else None
        shown = values if values is not None else dict(step.get("example") or {})
        fields = tf.build_fields(schema, shown, problem["errors"],
                                 _people_for(schema, where) if where else {}, problem["refused"],
                                 _causes_for(schema, where) if where else [],
                                 _list_items_for(schema, where) if where else [])
        title = tf.form_title(schema, page_language(), step["name"])
    problem_count = drafts.problems(current_user, draft.id)[2] if own and not live else 0
    typed = typed or {"department": run["department"] if run else (departments[0].code if departments else ""),
                      "party_name": run["party"]["name"] if run else "", "party_kind": run["party"]["kind"] if run
                      else "organization"}
    return render_template(
        "web/workbench_test_run.html", draft=draft, run=run, own=own, live=live, step=step, fields=fields,
        title=title, problem=problem, departments=departments, typed=typed, start_errors=start_errors or {},
        run_party_kinds=PARTY_KINDS, problem_count=problem_count, when=_when, due=local_due, both=_both,
        steps=_steps_json(run) if run else {}, main_path=drafts.main_path(draft),
        department_name={d.code: d.name for d in departments}.get(run["department"]) if run else None,
        step_name=step_name)


@bp.get("/workbench/drafts/<id:draft_id>/test-run")
@login_required
def workbench_test_run(draft_id: int):
    draft = drafts.get(current_user, draft_id)  # authors, approvers, administrators read it; others 403
    return _page(draft, _run_of(draft_id))


def _back(draft_id: int, **args):
    return redirect(url_for("web.workbench_test_run", draft_id=draft_id, **args))


@bp.post("/workbench/drafts/<id:draft_id>/test-run/start")
@login_required
def workbench_test_run_start(draft_id: int):
    draft = drafts.get(current_user, draft_id)
    typed = {"department": (request.form.get("department") or "").strip(),
             "party_name": (request.form.get("party_name") or "").strip(),
             "party_kind": request.form.get("party_kind") or "organization"}
    party = {"name": typed["party_name"], "kind": typed["party_kind"]} if typed["party_name"] else None
    try:
        draft_runs.start(current_user, draft_id, typed["department"], party)
    except Invalid as err:
        if not err.errors.keys() & {"department", "party"}:  # the draft's problems (the page links to the editor)
            reasons = [localized(m) for ms in err.errors.values() for m in ms][:3] or [localized(err.message)]
            flash(_("The test run cannot start: %(reasons)s", reasons="；".join(reasons)), "error")
            return _back(draft_id)
        errors = beside_fields(err.errors)
        return _page(draft, _run_of(draft_id), start_errors={"department": errors.get("department", []),
                                                             "party_name": errors.get("party", [])}, typed=typed)
    except ServiceError as err:
        flash(localized(err.message), "error")
        return _back(draft_id)
    flash(_("The test run has started: do its first step below."), "success")
    return _back(draft_id)


@bp.post("/workbench/drafts/<id:draft_id>/test-run/step")
@login_required
def workbench_test_run_step(draft_id: int):
    draft = drafts.get(current_user, draft_id)
    engine_task_id = request.form.get("engine_task_id", "")
    try:
        step, schema, forms = draft_runs.step_form(current_user, draft_id, engine_task_id)
    except ServiceError as err:  # stale, ended, a step not ready (done in another window): said, the page again
        flash(localized(err.message), "error")
        return _back(draft_id)
    values = tf.shown_values(schema, request.form)
    if tf.is_row_action(request.form):
        return _page(draft, _run_of(draft_id), chosen=engine_task_id, values=values)
    try:
        run = draft_runs.complete(current_user, draft_id, engine_task_id, tf.read_form(schema, request.form))
    except Invalid as err:  # the form's errors, or the law's refusal: the run is unchanged
        return _page(draft, _run_of(draft_id), chosen=engine_task_id, values=values,
                     problem=_problem(err, step["form_key"], forms))
    except ServiceError as err:
        flash(localized(err.message), "error")
        return _back(draft_id)
    done = run["steps"][-1]
    if run["completed"]:
        flash(_("“%(step)s” is done. The procedure has ended.", step=done["name"]), "success")
    else:
        names = ("、" if page_language() != "en" else ", ").join(r["name"] for r in run["ready"]) or _(
            "none yet: the run waits for what comes next")
        flash(_("“%(step)s” is done. Next: %(next)s.", step=done["name"], next=names), "success")
    return _back(draft_id)


@bp.post("/workbench/drafts/<id:draft_id>/test-run/discard")
@login_required
def workbench_test_run_discard(draft_id: int):
    try:
        draft_runs.discard(current_user, draft_id)
    except ServiceError as err:
        flash(localized(err.message), "error")
    else:
        flash(_("The test run is discarded: nothing of it is kept."), "success")
    return _back(draft_id)
