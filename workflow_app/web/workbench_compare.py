"""A draft compared with the deployed version it would follow ([8/9] workbench): the comparison page
and the approver's summary of it on the draft's page.

Thin: services/procedures/drafts.compare decides what changed and which running cases could move
(and who may read it); this module only says it in the reader's words — each step by its name, each
changed field as old → new (the role, the form's title, the deadline in words) — and gives the
page's script (static/workbench-compare.js) the markers and badges to draw on the two diagrams:
the draft's (added and changed elements) and the base version's (removed ones).
"""
import json

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user, login_required

from ..i18n import localized, page_language
from ..services.errors import Invalid
from ..services.procedures import drafts
from . import bp
from .templating import ROLE_LABELS, alert_title

# a step's compared fields as the list names them (services/procedures/drafts.STEP_FIELDS)
STEP_FIELD_LABELS = {
    "name": lazy_gettext("Name"), "lane": lazy_gettext("Role"), "form_key": lazy_gettext("Form"),
    "deadline": lazy_gettext("Deadline"), "milestone": lazy_gettext("Milestone"), "status": lazy_gettext("Status"),
    "status_label": lazy_gettext("Status label"), "closes": lazy_gettext("Closes the case"),
    "legal_review": lazy_gettext("Legal review"), "overdue_alert": lazy_gettext("Overdue alert"),
    "due_soon_alert": lazy_gettext("Due-soon alert"), "message": lazy_gettext("Message awaited"),
    "request": lazy_gettext("Request that starts it"),
}
FLOW_FIELD_LABELS = {"source": lazy_gettext("From"), "target": lazy_gettext("To"),
                     "condition": lazy_gettext("Condition")}
LANE_FIELD_LABELS = {"name": lazy_gettext("Name"), "role": lazy_gettext("Role")}
RULE_FIELD_LABELS = {"on": lazy_gettext("Forms it governs"), "params": lazy_gettext("Parameters"),
                     "effect": lazy_gettext("Effect"), "kind": lazy_gettext("Kind")}
FORM_PART_LABELS = {"required": lazy_gettext("required fields"), "examples": lazy_gettext("example"),
                    "x-prefill": lazy_gettext("prefill")}
DOCUMENT_FIELD_LABELS = {"title": lazy_gettext("Title"), "template": lazy_gettext("Word template"),
                         "step": lazy_gettext("Steps it comes from"), "when": lazy_gettext("Made when"),
                         "filled_in_by": lazy_gettext("Filled in by"),
                         "template_content": lazy_gettext("The Word template's content")}
RULE_SECTION_LABELS = {"clock": lazy_gettext("The decision clock (its forms and time limits)"),
                       "act_dates": lazy_gettext("The date of each step's act"),
                       "milestone_dates": lazy_gettext("The dates milestones are recorded on"),
                       "overdue_alert_unless": lazy_gettext("When an overdue step raises no alert")}
FILE_KINDS = ((".dmn", lazy_gettext("Decision table")), (".bpmn", lazy_gettext("Diagram of a called process")),
              (".docx", lazy_gettext("Word template no document uses")))
GROUPS = (("steps", lazy_gettext("Steps")), ("flows", lazy_gettext("Sequence flows")),
          ("lanes", lazy_gettext("Roles (lanes)")), ("forms", lazy_gettext("Forms")),
          ("rules", lazy_gettext("Rule bindings")), ("documents", lazy_gettext("Documents")),
          ("others", lazy_gettext("Other parts of the package")))


def _none() -> str:
    return _("(none)")


def _both(value: dict | None) -> str | None:
    """A {zh, en} pair in the page's language."""
    if not value:
        return None
    return value.get("en") if page_language() == "en" else value.get("zh")


def _label(text: str | None) -> str | None:
    """A status label as the BPMN writes it ("中文|English") in the page's language."""
    if not text:
        return None
    zh, _bar, en = text.partition("|")
    return (en or zh) if page_language() == "en" else zh


class _Words:
    """The comparison's values in the reader's words."""

    def __init__(self, diff: dict):
        self.diff = diff

    def name(self, element_id: str | None) -> str:
        if not element_id:
            return _none()
        name = self.diff["step_names"].get(element_id)
        return f"{name}（{element_id}）" if name and name != element_id else element_id

    def form(self, key: str | None) -> str:
        if not key:
            return _none()
        title = _both(self.diff["form_titles"].get(key))
        return f"{title}（{key}）" if title and title != key else key

    def role(self, code: str | None) -> str:
        return str(ROLE_LABELS[code]) if code in ROLE_LABELS else (code or _none())

    def step_value(self, field: str, detail: dict | None) -> str:
        value = (detail or {}).get(field)
        if field == "lane":
            return self.role(value)
        if field == "form_key":
            return self.form(value)
        if field == "deadline":
            return (_both((detail or {}).get("deadline_words")) or value) if value else _none()
        if field == "status_label":
            return _label(value) or _none()
        if field in ("closes", "legal_review"):
            return _("yes") if value else _("no")
        if field in ("overdue_alert", "due_soon_alert") and value:
            title = alert_title(value)
            return f"{title}（{value}）" if title and title != value else value
        return _none() if value in (None, "") else str(value)


def _entry(kind: str, title: str, element_id: str | None = None, diagram: str | None = None, elements=(),
           lines=(), badge: str = "") -> dict:
    """One line of the list: what was added, removed or changed, the diagram element it selects
    (`elements`: the element, then the call activities that run it), and its details — each
    (label, old, new) for a change, (label, None, value) for a fact."""
    return {"kind": kind, "title": title, "id": element_id, "diagram": diagram,
            "elements": [e for e in [element_id, *elements] if e] if diagram else [],
            "lines": list(lines), "badge": badge}


def _step_entries(diff: dict, words: _Words) -> list[dict]:
    before, after = diff["step_details"]["before"], diff["step_details"]["after"]
    out = []

    def facts(detail):
        return [(STEP_FIELD_LABELS[f], None, words.step_value(f, detail))
                for f in ("lane", "form_key", "deadline", "milestone") if detail.get(f)]

    for step_id in diff["steps"]["added"]:
        detail = after.get(step_id, {})
        out.append(_entry("added", words.name(step_id), step_id, "draft", detail.get("called_by", ()), facts(detail),
                          _("added")))
    for change in diff["steps"]["changed"]:
        step_id, fields = change["id"], change["fields"]
        lines = []
        for f in fields:
            old, new = words.step_value(f, before.get(step_id)), words.step_value(f, after.get(step_id))
            if old == new:  # said alike (a deadline's anchor renamed, its form the same): as the BPMN writes it
                old, new = (str(v) if v not in (None, "") else _none() for v in fields[f])
            lines.append((STEP_FIELD_LABELS.get(f, f), old, new))
        out.append(_entry("changed", words.name(step_id), step_id, "draft",
                          after.get(step_id, {}).get("called_by", ()), lines,
                          _("changed: %(fields)s", fields=_list([str(STEP_FIELD_LABELS.get(f, f)) for f in fields]))))
    for step_id in diff["steps"]["removed"]:
        detail = before.get(step_id, {})
        out.append(_entry("removed", words.name(step_id), step_id, "base", detail.get("called_by", ()), facts(detail),
                          _("removed")))
    return out


def _flow_title(words: _Words, flow: dict | None) -> str:
    flow = flow or {}
    return _("%(source)s → %(target)s", source=words.name(flow.get("source")), target=words.name(flow.get("target")))


def _flow_entries(diff: dict, words: _Words) -> list[dict]:
    before, after = diff["flow_details"]["before"], diff["flow_details"]["after"]

    def value(field, flow):
        text = (flow or {}).get(field)
        return (text or _none()) if field == "condition" else words.name(text)

    out = [_entry("added", _flow_title(words, after.get(f)), f, "draft", badge=_("added")) for f in diff["flows"]["added"]]
    for change in diff["flows"]["changed"]:
        f = change["id"]
        out.append(_entry("changed", _flow_title(words, after.get(f)), f, "draft",
                          lines=[(FLOW_FIELD_LABELS.get(k, k), value(k, before.get(f)), value(k, after.get(f)))
                                 for k in change["fields"]], badge=_("changed")))
    out += [_entry("removed", _flow_title(words, before.get(f)), f, "base", badge=_("removed"))
            for f in diff["flows"]["removed"]]
    return out


def _lane_entries(diff: dict, words: _Words) -> list[dict]:
    before, after = diff["lane_details"]["before"], diff["lane_details"]["after"]

    def value(field, lane):
        return words.role((lane or {}).get("role")) if field == "role" else ((lane or {}).get("name") or _none())

    out = [_entry("added", words.name(lane_id), lane_id, "draft",
                  lines=[(LANE_FIELD_LABELS["role"], None, value("role", after.get(lane_id)))], badge=_("added"))
           for lane_id in diff["lanes"]["added"]]
    for change in diff["lanes"]["changed"]:
        lane_id = change["id"]
        out.append(_entry("changed", words.name(lane_id), lane_id, "draft",
                          lines=[(LANE_FIELD_LABELS.get(k, k), value(k, before.get(lane_id)), value(k, after.get(lane_id)))
                                 for k in change["fields"]],
                          badge=_("changed: %(fields)s", fields=_list([str(LANE_FIELD_LABELS.get(k, k))
                                                                        for k in change["fields"]]))))
    out += [_entry("removed", words.name(lane_id), lane_id, "base",
                   lines=[(LANE_FIELD_LABELS["role"], None, value("role", before.get(lane_id)))], badge=_("removed"))
            for lane_id in diff["lanes"]["removed"]]
    return out


def _list(items) -> str:
    return ("、" if page_language() != "en" else ", ").join(items)


def _form_entries(diff: dict, words: _Words) -> list[dict]:
    out = [_entry("added", words.form(key)) for key in diff["forms"]["added"]]
    for change in diff["forms"]["changed"]:
        titles = change.get("field_titles") or {}
        lines = []
        if "title" in change["fields"]:
            old, new = change["fields"]["title"]
            lines.append((_("Title"), old or _none(), new or _none()))
        props = change.get("properties") or {}
        for part, label in (("added", _("Fields added")), ("removed", _("Fields removed")),
                            ("changed", _("Fields changed"))):
            if props.get(part):
                lines.append((label, None, _list(_both(titles.get(n)) or n for n in props[part])))
        if change.get("other"):
            lines.append((_("Also changed"), None, _list(str(FORM_PART_LABELS.get(k, k)) for k in change["other"])))
        out.append(_entry("changed", words.form(change["id"]), lines=lines))
    out += [_entry("removed", words.form(key)) for key in diff["forms"]["removed"]]
    return out


def _rule_entries(diff: dict, words: _Words) -> list[dict]:
    kinds = diff.get("rule_kinds") or {}

    def title(key):
        kind = kinds.get(key) or {}
        name = alert_title(kind["code"]) if kind.get("code") else None
        head = f"{name}（{kind['code']}）" if name and name != kind.get("code") else (kind.get("code") or key)
        return f"{head} · {kind['article']}" if kind.get("article") else head

    out = [_entry("added", title(key)) for key in diff["rules"]["added"]]
    for change in diff["rules"]["changed"]:
        lines = []
        for field, (old, new) in change["fields"].items():
            if field == "on" and isinstance(old, list) and isinstance(new, list):
                gained, lost = [k for k in new if k not in old], [k for k in old if k not in new]
                if gained:
                    lines.append((_("Now also governs"), None, _list(words.form(k) for k in gained)))
                if lost:
                    lines.append((_("No longer governs"), None, _list(words.form(k) for k in lost)))
            else:
                lines.append((RULE_FIELD_LABELS.get(field, field), None, _("changed")))
        out.append(_entry("changed", title(change["id"]), lines=lines))
    out += [_entry("removed", title(key)) for key in diff["rules"]["removed"]]
    return out


def _document_entries(diff: dict, words: _Words) -> list[dict]:
    titles = diff.get("document_titles") or {}

    def title(kind, when):
        name = (titles.get(kind) or {}).get(when)
        return f"{name}（{kind}）" if name else kind

    def value(field, v):
        if v in (None, "", []):
            return _none()
        if field in ("step", "filled_in_by"):
            return _list(words.name(s) for s in ([v] if isinstance(v, str) else v))
        if field == "when":
            return json.dumps(v, ensure_ascii=False)
        return str(v)

    documents = diff["documents"]
    out = [_entry("added", title(kind, "after")) for kind in documents["added"]]
    for change in documents["changed"]:
        lines = [(DOCUMENT_FIELD_LABELS[f], None, _("changed")) if f == "template_content"
                 else (DOCUMENT_FIELD_LABELS.get(f, f), value(f, old), value(f, new))
                 for f, (old, new) in change["fields"].items()]
        out.append(_entry("changed", title(change["id"], "after"), lines=lines))
    out += [_entry("removed", title(kind, "before")) for kind in documents["removed"]]
    return out


def _other_entries(diff: dict, words: _Words) -> list[dict]:
    """The parts of rules.json other than the bindings, then the package's other files by path."""
    def section(name):
        label = RULE_SECTION_LABELS.get(name)
        return f"rules.json · {label}（{name}）" if label else f"rules.json · {name}"

    def file(path):
        kind = next((label for suffix, label in FILE_KINDS if path.endswith(suffix)), None)
        return f"{kind}：{path}" if kind else path

    def parts(change):  # a section's entries that differ, a form by its title (act_dates: per form)
        keys = [k for k in change["fields"] if k != "content"]
        if not keys:
            return [(_("Content"), None, _("changed"))]
        forms = diff.get("form_titles") or {}
        return [(_("Changed for"), None, _list(words.form(k) if k in forms else k for k in keys))]

    out = []
    for key, name in (("rule_sections", section), ("files", file)):
        part = diff[key]
        out += [_entry("added", name(k)) for k in part["added"]]
        out += [_entry("changed", name(c["id"]), lines=parts(c) if key == "rule_sections"
                       else [(_("Content"), None, _("changed"))]) for c in part["changed"]]
        out += [_entry("removed", name(k)) for k in part["removed"]]
    return out


def _group_diff(diff: dict, key: str) -> dict:
    """The group's added, removed and changed (the other parts: rules.json's sections and files)."""
    if key != "others":
        return diff[key]
    return {part: diff["rule_sections"][part] + diff["files"][part] for part in ("added", "removed", "changed")}


def comparison_groups(diff: dict) -> list[dict]:
    """The list of the comparison page: one group per kind of element, each entry in words."""
    words = _Words(diff)
    build = {"steps": _step_entries, "flows": _flow_entries, "lanes": _lane_entries, "forms": _form_entries,
             "rules": _rule_entries, "documents": _document_entries, "others": _other_entries}
    return [{"key": key, "title": title, "entries": build[key](diff, words)} for key, title in GROUPS]


def counts(diff: dict) -> dict:
    """How many of each kind were added, removed, changed (the page's summary and the approver's)."""
    return {key: {part: len(_group_diff(diff, key)[part]) for part in ("added", "removed", "changed")}
            for key, _title in GROUPS}


def markers(groups: list[dict]) -> dict:
    """What the page's script draws: per diagram (draft, base), the entries with an element, their
    state (added, changed, removed) and badge."""
    out = {"draft": [], "base": []}
    for group in groups:
        for entry in group["entries"]:
            if entry["diagram"]:
                out[entry["diagram"]].append({"elements": entry["elements"], "state": entry["kind"],
                                              "badge": entry["badge"] if group["key"] != "flows" else ""})
    return out


def summary(user, draft) -> dict | None:
    """The approver's summary on the draft's page: the counts and the cases, or None when the draft
    cannot be compared (its problems are listed beside it)."""
    try:
        diff = drafts.compare(user, draft.id)
    except Invalid:
        return None
    return {"counts": counts(diff), "titles": dict(GROUPS), "cases": diff["cases"], "base_version": diff["base_version"]}


def blocked_cases(diff: dict) -> list[dict]:
    words = _Words(diff)
    return [{"number": b["number"], "missing": _list(words.name(s) for s in b["missing_steps"])}
            for b in diff["cases"]["blocked"]]


@bp.get("/workbench/drafts/<id:draft_id>/compare")
@login_required
def workbench_compare(draft_id: int):
    draft = drafts.get(current_user, draft_id)  # authors, approvers, administrators; others 403, none 404
    try:
        diff = drafts.compare(current_user, draft_id)
    except Invalid as err:  # the deploy refuses the draft as it stands: nothing to compare yet
        problems = err.details.get("problems") or [{"message": m} for ms in err.errors.values() for m in ms]
        return render_template("web/workbench_compare.html", draft=draft, diff=None,
                               problems=[localized(p["message"]) for p in problems[:10]],
                               problem_count=err.details.get("problem_count", len(problems)))
    groups = comparison_groups(diff)
    return render_template("web/workbench_compare.html", draft=draft, diff=diff, groups=groups, counts=counts(diff),
                           markers=markers(groups), blocked=blocked_cases(diff), main_path=drafts.main_path(draft))
