"""Decision tables in the pages ([8/9], docs/decisions.md): a draft's tables in the workbench (the
list, a new one, each opened in the dmn-js Modeler and saved on the draft's revision through the
API), and the discretion benchmarks register (行政裁量权基准: every logged-in user reads it; an
administrator edits an item as a decision table, saved through PUT /api/v1/benchmarks/<code>/dmn).

Thin, like the other pages: services/procedures/draft_tables.py and services/oversight/benchmarks.py
decide; the editor is static/decision-table-editor.js, which reads its words and addresses from
the page."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user, login_required

from ..i18n import beside_fields, localized
from ..services.errors import Forbidden, Invalid, ServiceError, tr
from ..services.oversight import benchmarks
from ..services.procedures import draft_tables
from . import bp
from .workbench import may_edit

# dmn-js's own words in its decision table (its `translate` service), in the reader's language
DMN_JS_WORDS = {
    "Add rule": lazy_gettext("Add rule"),
    "Add input": lazy_gettext("Add input"),
    "Add output": lazy_gettext("Add output"),
    "Annotation": lazy_gettext("Annotation"),
    "Annotations": lazy_gettext("Annotations"),
    "Hit policy": lazy_gettext("Hit policy"),
    "Hit policy:": lazy_gettext("Hit policy:"),
    "Input": lazy_gettext("Input"),
    "Output": lazy_gettext("Output"),
    "Input label": lazy_gettext("Input label"),
    "Input expression": lazy_gettext("Input expression"),
    "Input type": lazy_gettext("Input type"),
    "Input values": lazy_gettext("Input values"),
    "Output label": lazy_gettext("Output label"),
    "Output name": lazy_gettext("Output name"),
    "Output type": lazy_gettext("Output type"),
    "Output values": lazy_gettext("Output values"),
    "Expression language": lazy_gettext("Expression language"),
    "Add rule above": lazy_gettext("Add rule above"),
    "Add rule below": lazy_gettext("Add rule below"),
    "Remove rule": lazy_gettext("Remove rule"),
    "Copy rule": lazy_gettext("Copy rule"),
    "Cut rule": lazy_gettext("Cut rule"),
    "Paste rule above": lazy_gettext("Paste rule above"),
    "Paste rule below": lazy_gettext("Paste rule below"),
    "Add input column left": lazy_gettext("Add input column left"),
    "Add input column right": lazy_gettext("Add input column right"),
    "Remove input column": lazy_gettext("Remove input column"),
    "Add output column left": lazy_gettext("Add output column left"),
    "Add output column right": lazy_gettext("Add output column right"),
    "Remove output column": lazy_gettext("Remove output column"),
    "Copy input column": lazy_gettext("Copy input column"),
    "Cut input column": lazy_gettext("Cut input column"),
    "Paste input column left": lazy_gettext("Paste input column left"),
    "Paste input column right": lazy_gettext("Paste input column right"),
    "Copy output column": lazy_gettext("Copy output column"),
    "Cut output column": lazy_gettext("Cut output column"),
    "Paste output column left": lazy_gettext("Paste output column left"),
    "Paste output column right": lazy_gettext("Paste output column right"),
    "Add cell description": lazy_gettext("Add cell description"),
    "Remove cell description": lazy_gettext("Remove cell description"),
    "Change cell expression language": lazy_gettext("Change cell expression language"),
    "Decision name": lazy_gettext("Decision name"),
    "Decision name: ": lazy_gettext("Decision name: "),
    "Input label: ": lazy_gettext("Input label: "),
    "Input expression: ": lazy_gettext("Input expression: "),
    "Output label: ": lazy_gettext("Output label: "),
    "Output name: ": lazy_gettext("Output name: "),
    "Type": lazy_gettext("Type"),
    "Value": lazy_gettext("Value"),
    "Values": lazy_gettext("Values"),
    "Predefined values": lazy_gettext("Predefined values"),
    "Add values": lazy_gettext("Add values"),
    "Add predefined values": lazy_gettext("Add predefined values"),
    "Clear predefined values": lazy_gettext("Clear predefined values"),
    "Custom values": lazy_gettext("Custom values"),
    "No values": lazy_gettext("No values"),
    "String value": lazy_gettext("String value"),
    "Strings must be in double quotes": lazy_gettext("Strings must be in double quotes"),
    "Match one": lazy_gettext("Match one"),
    "Match none": lazy_gettext("Match none"),
    "Edit string": lazy_gettext("Edit string"),
    "Edit number": lazy_gettext("Edit number"),
    "Edit boolean": lazy_gettext("Edit boolean"),
    "Comparison": lazy_gettext("Comparison"),
    "Comparison operator": lazy_gettext("Comparison operator"),
    "Range": lazy_gettext("Range"),
    "Equals": lazy_gettext("Equals"),
    "Less": lazy_gettext("Less"),
    "Greater": lazy_gettext("Greater"),
    "Less or equals": lazy_gettext("Less or equals"),
    "Greater or equals": lazy_gettext("Greater or equals"),
    "Yes": lazy_gettext("Yes"),
    "No": lazy_gettext("No"),
    "Set value": lazy_gettext("Set value"),
    "Enter expression": lazy_gettext("Enter expression"),
    "Expression": lazy_gettext("Expression"),
    "Edit": lazy_gettext("Edit"),
    "Delete": lazy_gettext("Delete"),
    "When": lazy_gettext("When"),
    "And": lazy_gettext("And"),
    "Then": lazy_gettext("Then"),
    "Include": lazy_gettext("Include"),
    "Exclude": lazy_gettext("Exclude"),
    "Start value": lazy_gettext("Start value"),
    "End value": lazy_gettext("End value"),
    "Exactly": lazy_gettext("Exactly"),
    "Between": lazy_gettext("Between"),
    "Boolean value": lazy_gettext("Boolean value"),
    "Test type": lazy_gettext("Test type"),
    "Edit input": lazy_gettext("Edit input"),
    "Edit output": lazy_gettext("Edit output"),
    "View DRD": lazy_gettext("View DRD"),
    "Expression language:": lazy_gettext("Expression language:"),
    "Unique": lazy_gettext("Unique"),
    "First": lazy_gettext("First"),
    "Priority": lazy_gettext("Priority"),
    "Any": lazy_gettext("Any"),
    "Collect": lazy_gettext("Collect"),
    "Collect (Sum)": lazy_gettext("Collect (Sum)"),
    "Collect (Min)": lazy_gettext("Collect (Min)"),
    "Collect (Max)": lazy_gettext("Collect (Max)"),
    "Collect (Count)": lazy_gettext("Collect (Count)"),
    "Rule order": lazy_gettext("Rule order"),
    "Output order": lazy_gettext("Output order"),
    "No overlap is possible and all rules are disjoint. Only a single rule can be matched": lazy_gettext("No overlap is possible and all rules are disjoint. Only a single rule can be matched"),
    "Rules may overlap. The first matching rule will be chosen": lazy_gettext("Rules may overlap. The first matching rule will be chosen"),
    "Collects the values of all matching rules": lazy_gettext("Collects the values of all matching rules"),
    "string": lazy_gettext("string"),
    "number": lazy_gettext("number"),
    "boolean": lazy_gettext("boolean"),
    "integer": lazy_gettext("integer"),
    "long": lazy_gettext("long"),
    "double": lazy_gettext("double"),
    "date": lazy_gettext("date"),
    "time": lazy_gettext("time"),
    "dateTime": lazy_gettext("dateTime"),
}
# the register's tiers (services/oversight/benchmarks.TIERS) as the page says them
TIER_LABELS = {"no_penalty": lazy_gettext("No penalty"),
               "mitigated": lazy_gettext("Mitigated (below the statutory minimum)"),
               "lighter": lazy_gettext("Lighter (within the statutory range)"),
               "ordinary": lazy_gettext("Ordinary"), "heavier": lazy_gettext("Heavier")}
# what a page's editor says, by the name its script asks for (data-label-<name>)
EDITOR_WORDS = {
    "loading": lazy_gettext("Loading the table…"),
    "load-failed": lazy_gettext("The table could not be loaded:"),
    "saving": lazy_gettext("Saving…"),
    "saved": lazy_gettext("Saved."),
    "unchanged": lazy_gettext("Nothing changed since the last save."),
    "dirty": lazy_gettext("Unsaved changes."),
    "failed": lazy_gettext("Not saved:"),
    "reloaded": lazy_gettext("The table as saved now is loaded."),
    "no-problems": lazy_gettext("No problems in this table: the deploy's checks pass."),
    "problems": lazy_gettext("Problems of this table the deploy would refuse: {count}."),
    "problems-failed": lazy_gettext("The problems could not be checked:"),
    "canvas": lazy_gettext("Decision table editor: each row is a rule, each column an input or an output"),
    "line": lazy_gettext("(line {line})"),
}


# -- a draft's tables (the workbench) -----------------------------------------------------------------


@bp.route("/workbench/drafts/<id:draft_id>/tables", methods=["GET", "POST"])
@login_required
def workbench_tables(draft_id: int):
    draft, found = draft_tables.tables(current_user, draft_id)  # authors, approvers, administrators
    typed = {name: (request.form.get(name) or "").strip() for name in ("decision_id", "title")}
    errors, status = {}, 200
    if request.method == "POST":
        raw = request.form.get("revision", "")
        revision = int(raw) if raw.isdigit() and len(raw) <= 10 else None
        try:
            _draft, path = draft_tables.new_table(current_user, draft_id, typed["decision_id"], typed["title"],
                                                  revision)
        except Invalid as err:
            errors, status = beside_fields(err.errors), 422
            if err.code != Invalid.code:
                errors.setdefault("decision_id", []).insert(0, localized(err.message))
        except ServiceError as err:
            errors, status = {"decision_id": [localized(err.message)]}, err.status
        else:
            flash(_("Decision table %(id)s added to the draft: edit it below.", id=typed["decision_id"]), "success")
            name = path.rsplit("/", 1)[1][: -len(".dmn")]
            return redirect(url_for("web.workbench_table", draft_id=draft_id, name=name))
        draft, found = draft_tables.tables(current_user, draft_id)
    return render_template("web/workbench_tables.html", draft=draft, tables=found, typed=typed, errors=errors,
                           may_edit=may_edit(draft)), status


@bp.get("/workbench/drafts/<id:draft_id>/tables/<string:name>")
@login_required
def workbench_table(draft_id: int, name: str):
    draft, table = draft_tables.table(current_user, draft_id, name)
    return render_template("web/workbench_table.html", draft=draft, table=table, may_edit=may_edit(draft),
                           words=_words())


def _words() -> dict:
    return {"dmn": {k: str(v) for k, v in DMN_JS_WORDS.items()}, "editor": EDITOR_WORDS}


# -- the discretion benchmarks register ----------------------------------------------------------------------
@bp.get("/benchmarks")
@login_required
def benchmark_list():
    return render_template("web/benchmarks.html", items=benchmarks.all_items(),
                           may_edit=current_user.has_role("admin"), tier_labels=TIER_LABELS)


@bp.get("/benchmarks/<path:code>/table")
@login_required
def benchmark_table(code: str):
    if not current_user.has_role("admin"):
        raise Forbidden(tr("only an administrator edits the benchmark register"))
    item = benchmarks.get(code)
    return render_template("web/benchmark_table.html", item=item, decision_id=benchmarks.decision_id(item.code),
                           words=_words())
