"""The task form page, the ad-hoc requests of a case, the messages it waits for and the new-case
page: thin views. Each reads the form (web/task_forms.py), calls the service the API calls
(services/cases/lifecycle.complete_task, services/cases/requests.start_request, services/cases/messages.deliver,
services/cases/lifecycle.open_case) and renders; the service's refusal comes back on the same page, beside
what was typed."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext, lazy_gettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..i18n import beside_fields, localized, page_language, refusal_message, step_name, task_step_name
from ..services.cases import decisions as case_decisions
from ..services.cases import lifecycle as cases
from ..services.cases import links as case_links
from ..services.cases import messages as case_messages
from ..services.cases import paper_entry, prefill, referrals, review_sheet, worklists
from ..services.cases import requests as case_requests
from ..services.errors import Conflict, Invalid, NotFound, Phrase, ServiceError, StepRefused
from ..services.evidence import attachments
from ..services.evidence import items as evidence
from ..services.inspections import joint_visits
from ..services.inspections import visits as inspections
from ..services.people import named as people
from ..services.people import parties
from ..services.procedures import versions as procedures
from ..services.procedures.forms import schema_errors
from ..services.registers import causes, penalty_lists
from ..wall_clock import local_today
from . import bp, legal_review
from . import parties as party_views
from . import task_forms as tf
from .legal_review import tier_labels
from .templating import list_kind_label, list_tier_label

PARTY_KINDS = ("organization", "person")
PARTY_KIND_WORDS = {"organization": "organization", "person": "natural person"}  # web/templating.PARTY_KINDS
PARTY_NAME_LIMIT = 200  # as the API (api/schemas.py PartySchema)
TASK_STATES = {"completed": lazy_gettext("completed"), "cancelled": lazy_gettext("withdrawn"),
               "failed": lazy_gettext("failed")}


def _people_for(schema: dict | None, case) -> dict[str, list[tuple[str, str]]]:
    today = local_today()
    return tf.people_choices({role: people.eligible(role, case, today) for role in tf.user_roles(schema)})


def _causes_for(schema: dict | None, case) -> list[tuple[str, str]]:
    """The department's causes, for a form that chooses one (`x-cause`)."""
    if not causes.cause_fields(schema):
        return []
    return [(c.code, f"{c.code} {c.name}") for c in causes.department_causes(case.department)]


def _list_items_for(schema: dict | None, case) -> list[tuple[str, str]]:
    """The items of the department's no-penalty and light-penalty lists in force today, for a form
    that records a finding on them (`"x-penalty-list": "item"`): a light item with the tier it grounds."""
    if "item" not in penalty_lists.list_fields(schema):
        return []
    return [(i.code, f"{i.code}（{list_kind_label(i.kind)}·{list_tier_label(i.tier) + '·' if i.tier else ''}"
                     f"{i.cause.code}）{i.conditions}")
            for i in penalty_lists.items_of(case.department, on=local_today())]


def _case_cause(case, schema: dict | None):
    """The register's cause an earlier step of the case chose, for a form that takes it (`x-cause`,
    `x-from-cause`); None if none (or one the register does not hold)."""
    props = (schema or {}).get("properties") or {}
    if not any(isinstance(p, dict) and (p.get("x-cause") is True or p.get("x-from-cause")) for p in props.values()):
        return None
    code = causes.case_cause(case, procedures.procedure_info(case.procedure_version).forms)
    return causes.find(case.department_id, code)


def _problem(err: ServiceError, form_key: str | None, case) -> dict:
    """What the page shows of a service's refusal: the banner, and the errors beside the fields."""
    lang = page_language()
    if isinstance(err, StepRefused):
        own, other = tf.refused_fields(form_key, err.errors)
        forms = procedures.procedure_info(case.procedure_version).forms
        other = [tf.reference_label(ref, forms, lang) for ref in other]
        # the banner says the law's message; the refused fields are marked beside them, and the
        # lines not about a field ("CODE: …") follow on an English page, as before
        general = [localized(m) for k, ms in err.errors.items() if k.startswith("_") for m in ms] if lang == "en" else []
        return {"banner": {"kind": "refused", "code": err.code, "article": err.article,
                           "message": refusal_message(err), "others": other, "general": general},
                "errors": {}, "refused": own}
    if isinstance(err, Invalid):
        errors = beside_fields(err.errors)
        general = [m for k, ms in errors.items() if k.startswith("_") for m in ms]
        return {"banner": {"kind": "invalid", "message": _("Some fields need your attention: see the "
                                                           "messages beside them."), "general": general},
                "errors": errors, "refused": set()}
    messages = {403: _("You may not do this."), 404: _("Not found, or not in your area of responsibility."),
                409: _("The case was changed meanwhile: the step may have been done already. Reload the "
                       "case and try again.")}
    return {"banner": {"kind": "invalid", "message": messages.get(err.status, err.message), "general": []},
            "errors": {}, "refused": set()}


def _status(err: ServiceError) -> int:
    """A form shown again with its errors or the law's refusal answers 200, as the login page does
    after a wrong password (a browser logs any 4xx page as an error); other failures keep theirs."""
    return 200 if isinstance(err, Invalid) else err.status


def _next_steps(case) -> str:
    names = [task_step_name(t) for t in cases.ready_tasks(case)]
    if names:
        return ("、" if page_language() != "en" else ", ").join(names)
    if case.closed_at is None:  # no step open, but not ended: it waits for a message or a date
        return _("none yet: the case waits for what comes next")
    return _("none: the procedure has ended")


# -- a task's form --------------------------------------------------------------------------------
@bp.route("/tasks/<id:task_id>", methods=["GET", "POST"])
@login_required
def task_form(task_id: int):
    if review_sheet.is_review_task(current_user, task_id):  # 法制审核: its own page (web/legal_review.py)
        return legal_review.review_task(task_id)
    task, schema = cases.task_with_form(current_user, task_id)
    values, problem = {}, {"banner": None, "errors": {}, "refused": set()}
    status = 200
    if request.method == "POST" and task.state == "ready":
        values = tf.shown_values(schema, request.form)
        if not tf.is_row_action(request.form):
            data = tf.read_form(schema, request.form)
            try:
                _store_drawn_signatures(schema, task.case_id, data, values)
                case = cases.complete_task(current_user, task_id, data)
            except ServiceError as err:
                problem = _problem(err, task.form_key, task.case)
                status = _status(err)
                task, schema = cases.task_with_form(current_user, task_id)  # after the rollback
            else:
                flash(_("“%(step)s” is recorded. Next: %(next)s.", step=task_step_name(task, {task.form_key: schema} if schema else {}),
                        next=_next_steps(case)),
                      "success")
                return redirect(url_for("web.case_page", case_id=case.id))
    offered = {}
    if request.method == "GET":
        values = tf.initial_values(schema, _case_cause(task.case, schema))
        if task.state == "ready":
            # what the form already opens with (the case's cause's provisions) stays; the record
            # fills what is still empty
            offered = {name: found for name, found in prefill.values(task.case, schema).items()
                       if values.get(name) in (None, "", [])}
            values.update({name: value for name, (value, _source) in offered.items()})
    joint_visit = joint_visits.to_register_on(task.case, task.form_key) if task.state == "ready" else None
    if joint_visit is not None and request.method == "GET" and not values.get(inspections.VISIT_DAY_FIELD):
        values[inspections.VISIT_DAY_FIELD] = joint_visit.visit_on.isoformat()  # the one day it may be
    fields = tf.build_fields(schema, values, problem["errors"], _people_for(schema, task.case), problem["refused"],
                             _causes_for(schema, task.case), _list_items_for(schema, task.case),
                             _referral_choices(schema, task.case))
    forms = procedures.procedure_info(task.case.procedure_version).forms
    for f in fields:
        if f.name in offered:
            ref = offered[f.name][1]
            f.prefilled = tf.reference_label(ref, forms, page_language(), decisions=case_decisions.latest(task.case)
                                             if ref.startswith("decision.") else None)
    for f in fields:
        if f.widget == "signature" and isinstance(f.value, str) and attachments.SHA256.match(f.value):
            f.attrs["data-current-url"] = url_for("web.case_attachment", case_id=task.case_id, sha256=f.value)
        elif f.widget == "evidence":
            _evidence_choices(f, task)
    return render_template("web/task.html", task=task, case=task.case, task_states=TASK_STATES, fields=fields, problem=problem,
                           title=tf.form_title(schema, page_language(), task.name),
                           action=url_for("web.task_form", task_id=task.id),
                           joint_visit=joint_visit,
                           cause_sheet=review_sheet.cause_sheet(task.case, schema, values, forms, task.form_key),
                           tier_labels=tier_labels(schema) or next(
                               (labels for form in forms.values() if (labels := tier_labels(form))), {})), status


def _referral_choices(schema: dict | None, case) -> dict:
    """A referral letter's choices: the departments of the org tree it may go to (`x-department`),
    the evidence it may enclose (`x-origin-evidence`: the origin case's items and the case's own)."""
    props = (schema or {}).get("properties") or {}
    out = {}
    if any(p.get("x-department") is True for p in props.values()):
        out["x-department"] = referrals.departments(current_user, case)
    if any(p.get("x-origin-evidence") is True for p in props.values()):
        out["x-origin-evidence"] = [(str(item.id), f"{item.title}（{number}）")
                                    for item, number in referrals.enclosable(case)]
    return out


def _evidence_choices(f, task) -> None:
    """An `x-evidence` field: the items of the evidence list collected at this step and those the
    form names, each a checkbox with its thumbnail; photos taken in the page are uploaded to the
    list first (static/task-photos.js) and come back as checked boxes. Opened afresh, the form
    names the items collected at the step."""
    ready = task.state == "ready"
    collected = evidence.collected_at(task.case, task.id) if ready else []
    chosen = evidence.named(task.case, [int(v) for v in f.value if str(v).isdigit()])
    if request.method == "GET" and ready and not f.value:
        f.value = [str(item.id) for item in collected]
    items = {item.id: item for item in [*collected, *chosen]}
    f.options = [(str(i), items[i].title) for i in sorted(items)]
    f.attrs = {"data-case": str(task.case_id), "data-task": str(task.id),
               "data-upload-url": url_for("web.evidence_upload", case_id=task.case_id),
               "data-list-url": url_for("web.evidence_list", case_id=task.case_id)}


def _store_drawn_signatures(schema: dict | None, case_id: int, data: dict, values: dict) -> None:
    """A signature drawn on the page comes as a PNG data URL (`<field>-png`): it is stored with the
    case first (services/evidence/attachments.py), and the step names it by its SHA-256; the page shows it
    again if the step is refused. Drawn again, the new drawing replaces it."""
    for name in attachments.signature_fields(schema):
        drawn = request.form.get(f"{name}-png", "")
        if drawn.strip():
            row, _created = attachments.store_signature(current_user, case_id, attachments.from_data_url(drawn, name),
                                                        field=name)
            data[name] = values[name] = row.sha256


# -- an ad-hoc request of a case ------------------------------------------------------------------
@bp.route("/cases/<id:case_id>/requests/<kind>", methods=["GET", "POST"])
@login_required
def case_request(case_id: int, kind: str):
    kind = case_requests.parse_kind(kind)
    case, name, schema = case_requests.request_form(current_user, case_id, kind)
    values, problem = {}, {"banner": None, "errors": {}, "refused": set()}
    status = 200
    if request.method == "POST":
        values = tf.shown_values(schema, request.form)
        if not tf.is_row_action(request.form):
            data = tf.read_form(schema, request.form)
            try:
                case = case_requests.start_request(current_user, case_id, kind, data)
            except ServiceError as err:
                problem = _problem(err, people.schema_key(schema), case)
                status = _status(err)
                case, name, schema = case_requests.request_form(current_user, case_id, kind)
            else:
                flash(_("“%(step)s” is recorded. Next: %(next)s.", step=step_name(name, schema), next=_next_steps(case)), "success")
                return redirect(url_for("web.case_page", case_id=case.id))
    else:
        values = tf.initial_values(schema)
        refusal = case_requests.refusal_now(case, kind)
        if refusal is not None:  # said before anything is typed; a POST is still refused as ever
            banner = _problem(refusal, people.schema_key(schema), case)["banner"]
            problem["banner"] = {**banner, "heading": _("The law does not allow this step at this stage of the case")}
    fields = tf.build_fields(schema, values, problem["errors"], _people_for(schema, case), problem["refused"])
    return render_template("web/task.html", task=None, case=case, fields=fields, problem=problem,
                           title=tf.form_title(schema, page_language(), name), step_name=step_name(name, schema),
                           action=url_for("web.case_request", case_id=case.id, kind=kind)), status


# -- a message the case waits for -----------------------------------------------------------------
@bp.route("/cases/<id:case_id>/messages/<name>", methods=["GET", "POST"])
@login_required
def case_message(case_id: int, name: str):
    """Deliver a message the case waits for (the party's reply, another body's answer): its data
    through the form the catching element declares, else on a confirmation."""
    name = case_messages.parse_name(name)
    case, action = case_messages.message_action(current_user, case_id, name)
    schema, label = action.schema, step_name(action.label, action.schema)
    values, problem = {}, {"banner": None, "errors": {}, "refused": set()}
    status = 200
    if request.method == "POST":
        values = tf.shown_values(schema, request.form) if schema else {}
        if not tf.is_row_action(request.form):
            data = tf.read_form(schema, request.form) if schema else {}
            try:
                case = case_messages.deliver(current_user, case_id, name, data)
            except ServiceError as err:
                problem = _problem(err, None, case) if isinstance(err, Invalid) else {
                    "banner": {"kind": "invalid", "message": localized(err.message), "general": []},
                    "errors": {}, "refused": set()}  # not waiting (any more), or not yours: said in words
                # the form again with the reason in words answers 200, as a refused step's (_status)
                status = 200 if isinstance(err, Conflict) else _status(err)
            else:
                flash(_("“%(message)s” is delivered. Next: %(next)s.", message=label, next=_next_steps(case)),
                      "success")
                return redirect(url_for("web.case_page", case_id=case.id))
    elif schema:
        values = tf.initial_values(schema)
    fields = tf.build_fields(schema, values, problem["errors"], _people_for(schema, case), problem["refused"]) \
        if schema else []
    return render_template("web/task.html", task=None, case=case, fields=fields, problem=problem,
                           title=tf.form_title(schema, page_language(), label) if schema else label,
                           message=label, action=url_for("web.case_message", case_id=case.id, name=name)), status


# -- a new case -----------------------------------------------------------------------------------
@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new_case():
    procs = _procedures()
    departments = worklists.departments_in_scope(current_user)
    asked = request.args.get("procedure", "")  # "移送线索" on a case page: the referral, opened from it
    form = {"procedure": request.form.get("procedure") or (asked if any(p == asked for p, _ in procs) else "")
            or (procs[0][0] if procs else ""),
            "title": request.form.get("title", ""),
            "department": request.form.get("department") or current_user.org_unit.code,
            "party_name": request.form.get("party_name", ""),
            "party_kind": request.form.get("party_kind", "organization"),
            **{f"party_{name}": request.form.get(f"party_{name}", "") for name in PARTY_DETAILS},
            "party_q": request.form.get("party_q", request.args.get("party_q", "")),
            "party_id": request.form.get("party_id", ""),
            "paper": request.form.get("paper") == "1",
            "paper_reason": request.form.get("paper_reason", ""),
            "paper_reference": request.form.get("paper_reference", ""),
            "from_case": request.form.get("from_case", request.args.get("from", "")),
            "link_kind": request.form.get("link_kind", request.args.get("kind", "")),
            "link_reason": request.form.get("link_reason", "")}
    errors: dict[str, list[str]] = {}
    origin = _origin_of(form)
    if origin is not None and request.method == "GET":
        _prefill_from(form, origin, departments)
    q, matches = "", None
    try:
        q, matches = party_views.matches_for(form["party_q"])
    except Invalid as err:
        errors = beside_fields({"party_q": [m for messages in err.errors.values() for m in messages]})
    chosen = None
    try:
        chosen = _chosen_party(form["party_id"], matches)
    except Invalid as err:
        errors = {**errors, **beside_fields(err.errors)}
    if request.method == "POST" and not request.form.get("find") and not errors:
        errors = _new_case_errors(form, procs, departments, chosen is not None)
        if not errors:
            try:
                case = cases.open_case(current_user, process_id=form["procedure"], title=form["title"].strip(),
                                       department_code=form["department"], party=_party_of(form, chosen),
                                       paper=_paper_of(form), linked_from=_link_of(form, origin))
            except (Invalid, NotFound) as err:
                errors = ({"procedure": [localized(err.message)]} if isinstance(err, NotFound) or not err.errors
                          else party_views.web_party_errors(_link_fields(_paper_fields(err.errors))))
            else:
                flash(_("Case %(number)s is opened. Next: %(next)s.", number=case.number,
                        next=_next_steps(case)), "success")
                return redirect(url_for("web.case_page", case_id=case.id))
    return render_template("web/case_new.html", form=form, errors=errors, procedures=procs,
                           departments=departments, kinds=PARTY_KINDS, q=q, matches=matches, chosen=chosen,
                           paper_days=paper_entry.entry_days(), origin=origin, link_kinds=_link_kinds())


def _origin_of(form: dict):
    """The case the new one is opened from ("从本案立新案": ?from=<id>), if the user may read it; an
    id that names no such case is dropped, as a case the user may not read is not named."""
    value = (form["from_case"] or "").strip()
    if not value.isdigit() or not 0 < int(value) < 2**31:
        form["from_case"] = ""
        return None
    try:
        return cases.get_case(current_user, int(value))
    except NotFound:
        form["from_case"] = ""
        return None


def _prefill_from(form: dict, origin, departments) -> None:
    """A case opened from another starts with its party and department (the officer may change them)."""
    if origin.party_id is not None:  # found in the register and picked, as if the officer had looked it up
        form["party_id"], form["party_q"] = str(origin.party_id), origin.party.id_number or origin.party.name
    else:
        form["party_name"], form["party_kind"] = origin.party_name, origin.party_kind
    if any(unit.code == origin.department.code for unit in departments):
        form["department"] = origin.department.code
    if form["link_kind"] == "referred_again" and not form["title"]:  # the same clue, referred again
        form["title"] = origin.title


def _link_of(form: dict, origin) -> dict | None:
    """The link to the case the new one is opened from, as the service takes it."""
    if origin is None:
        return None
    reason = form["link_reason"].strip()
    return {"case_id": origin.id, "kind": form["link_kind"], **({"reason": reason} if reason else {})}


def _link_fields(errors: dict) -> dict:
    return {{"linked_from.kind": "link_kind", "linked_from.reason": "link_reason", "linked_from.case_id": "from_case",
             "linked_from": "link_kind"}.get(name, name): messages for name, messages in errors.items()}


def _link_kinds() -> list[tuple[str, str]]:
    lang = page_language()
    return [(code, kind.label(lang, outgoing=False)) for code, kind in case_links.KINDS.items()]


# What the new-case page may record of a party registered with the case, beside its name and kind.
PARTY_DETAILS = ("id_number", "address", "legal_representative", "phone")


def _chosen_party(value: str, matches: list | None):
    """The party picked from the register (`party_id`), if any: one the user may see."""
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or not 0 < int(value) < 2**31:
        raise Invalid({"party_id": [_("Choose one of the parties found.")]})
    for party in matches or ():
        if party.id == int(value):
            return party
    try:
        return parties.get_party(current_user, int(value))
    except NotFound:
        raise Invalid({"party_id": [_("Choose one of the parties found.")]}) from None


def _party_of(form: dict, chosen) -> dict:
    """The case's party as the service takes it: one of the register, a new one with its number,
    or an anonymous tip's party by name and kind alone."""
    if chosen is not None:
        return {"id": chosen.id}
    party = {"name": form["party_name"].strip(), "kind": form["party_kind"]}
    details = {name: form[f"party_{name}"].strip() for name in PARTY_DETAILS if form[f"party_{name}"].strip()}
    return {**party, **details}


def _paper_of(form: dict) -> dict | None:
    """补录: the paper entry asked for on the page, as the service takes it."""
    if not form["paper"]:
        return None
    return {"reason": form["paper_reason"].strip(),
            **({"reference": form["paper_reference"].strip()} if form["paper_reference"].strip() else {})}


def _paper_fields(errors: dict) -> dict:
    """The service's names of the paper entry's fields (paper_entry.reason) as the page's inputs."""
    return {{"paper_entry.reason": "paper_reason", "paper_entry.reference": "paper_reference",
             "paper_entry": "paper_reason"}.get(name, name): messages for name, messages in errors.items()}


def _procedures() -> list[tuple[str, str]]:
    """(process id, name) of each deployed procedure, by its latest version's name."""
    latest: dict[str, str] = {}
    for version in procedures.list_versions():
        latest[version.procedure.process_id] = version
    # a procedure opened only by another case's step (a referral's receipt) is not offered
    return sorted((process_id, version.name) for process_id, version in latest.items()
                  if referrals.opened_by_hand(version))


def _both(english: str) -> Phrase:
    """A word of the pages in both languages (the catalogue's Chinese), for the validation
    messages, which the service says in the reader's language."""
    with force_locale("zh"):
        return Phrase(english, gettext(english))


def _new_case_schema(procs: list, departments: list) -> dict:
    """The new-case form as a JSON Schema, so that its fields are checked and their errors worded
    as every task form's (services/procedures/forms.schema_errors); the limits are the API's (api/schemas.py)."""
    def labelled(en: str, **prop):
        label = _both(en)
        return {"title": label.zh, "x-title-en": str(label), **prop}

    return {"type": "object", "required": ["procedure", "title", "department", "party_name", "party_kind"],
            "properties": {
                "procedure": labelled("Procedure", enum=[p for p, _name in procs],
                                      **{"x-enum-labels": [name for _p, name in procs]}),
                "title": labelled("Case title", type="string", maxLength=300),
                "paper_reason": labelled("Why it is entered from paper", type="string", maxLength=500),
                "paper_reference": labelled("The paper file's reference", type="string", maxLength=100),
                "department": labelled("Department", enum=[unit.code for unit in departments],
                                       **{"x-enum-labels": [unit.name for unit in departments]}),
                "party_name": labelled("Party", type="string", maxLength=PARTY_NAME_LIMIT),
                "party_kind": labelled("The party is", enum=list(PARTY_KINDS), **{
                    "x-enum-labels": [_both(PARTY_KIND_WORDS[k]).zh for k in PARTY_KINDS],
                    "x-enum-labels-en": [PARTY_KIND_WORDS[k] for k in PARTY_KINDS]}),
            }}


def _new_case_errors(form: dict, procs: list, departments: list, party_chosen: bool) -> dict[str, list[str]]:
    """The new-case form's own fields, in the page's language (blank means not given); a party
    picked from the register needs no name and kind typed."""
    schema = _new_case_schema(procs, departments)
    fields = set(schema["properties"])
    if party_chosen:
        fields -= {"party_name", "party_kind"}
        schema = {**schema, "required": [f for f in schema["required"] if f in fields]}
    data = {name: value.strip() for name, value in form.items()
            if name in fields and isinstance(value, str) and value.strip()}
    errors = beside_fields(schema_errors(schema, data))
    if form["paper"] and not form["paper_reason"].strip():
        errors["paper_reason"] = [_("Say why the case is entered from its paper file.")]
    return errors
