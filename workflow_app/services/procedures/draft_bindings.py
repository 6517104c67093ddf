"""A draft's rule bindings (bpmn/<id>/rules.json) checked as the deploy checks them, before they are
saved: the workbench's rule section ([8/9], static/workbench-rules.js) sends the file it holds and
shows each binding's problems on it while the author edits.

The check is the deploy's own (`oversight.bindings.problems_by_rule`, the same messages), against
the draft's forms as the deploy reads them; it changes nothing, so any reader of the draft may ask.
After Save the draft's problems (drafts.problems) say it again, with the rest of the package.
"""
import json

from flask import current_app

from ...messages import Text, clip
from ...oversight import (
    bindings,
    step_rules,  # noqa: F401 - registers the rule kinds in bindings.KINDS
)
from ..errors import Invalid, tr
from .drafts import get, package_of
from .versions import package_forms


def check(user, draft_id: int, content) -> dict:
    """The problems the deploy would find in `content` as the draft's rules.json: {draft_id,
    revision, problems: [{message, rule (its index in "rules", None for the file's other parts),
    param (the parameter it concerns, or None)}], problem_count}."""
    draft = get(user, draft_id)
    if not isinstance(content, str):
        raise Invalid({"content": [tr("the rules file's text")]})
    limit = current_app.config["BPMN_MAX_BYTES"]
    if len(content.encode("utf-8")) > limit:
        raise Invalid({"content": [tr("at most %(max)d bytes", max=limit)]})
    forms = package_forms(package_of(draft))
    try:
        rules = json.loads(content)
    except (ValueError, RecursionError) as err:
        found = [(None, tr("the rule bindings are not JSON: %(reason)s", reason=clip(str(err), 300)))]
    else:
        found = bindings.problems_by_rule(rules, forms)
    return {"draft_id": draft.id, "revision": draft.revision, "problem_count": len(found),
            "problems": [{"message": message, "rule": rule, "param": _parameter(message)} for rule, message in found]}


def _parameter(message) -> str | None:
    """The parameter a binding's problem names: its place (`rule 2 (kind), parameter fine: …`, the
    messages of bindings.py keep their templates and values), else its own words (`parameter fine
    is required`)."""
    while isinstance(message, Text):
        if "parameter %(name)s" in message.template:
            return message.params.get("name")
        message = message.params.get("where")
    return None
