"""What the workbench's properties panel asks before the author saves ([8/9]): the anchors a step's
deadline may run from, the deadline in the words the procedure's page will say it in, and what the
deploy would say of it; a timer's value against the engine's limits.

The panel builds the property's text; the server reads it. The diagram is the one on the author's
screen (unsaved changes included), read with the deploy's own parse and flow graph (engine/specs.py)
beside the draft's other files as saved, so what the panel offers and says is what the deploy accepts
and what the procedure page shows (versions.deadline_words). Nothing is stored: any reader of the
draft may ask.
"""
import json

from flask import current_app

from ...engine.errors import BpmnInvalid
from ...engine.specs import (
    TIMER_KINDS,
    deadline_anchor_problem,
    diagram_steps,
    executable_processes,
    files_run,
    initial_status_label,
    milestone_anchor_problem,
    offered_anchors,
    parse_xml,
    script_problem,
    timer_problem,
)
from ...messages import Phrase
from ...oversight import bindings, clock
from ...oversight.deadlines import (
    MILESTONE_PREFIX,
    TASK_READY,
    Deadline,
    DeadlineSyntaxError,
    describe,
    parse_deadline,
)
from ..errors import Invalid, tr
from . import drafts, packages, statuses
from .versions import ProcedureInfo, anchor_words, engine_limits, limit_problem, package_forms

MAX_TEXT = 300  # a deadline's or a timer's text: the grammar's longest is far shorter
TIMER_TAGS = {kind: tag for tag, kind in TIMER_KINDS.items()}  # date -> timeDate, …


def _text(value, name: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT or any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF
                                                                  for c in value):
        raise Invalid({name: [tr("at most %(max)d characters of one line", max=MAX_TEXT)]})
    return value


def _package(user, draft_id: int, bpmn: bytes | None) -> tuple[packages.Package, dict[str, object]]:
    """The draft's package, its main diagram replaced by `bpmn` (the author's screen) when given,
    and the parsed roots of the files a case of it runs."""
    draft = drafts.get(user, draft_id)
    package = drafts.package_of(draft)
    files = dict(package.files)
    if bpmn is not None:
        files[package.main_path] = bpmn
    package = packages.Package(package.procedure_id, files)
    limit = current_app.config["BPMN_MAX_BYTES"]
    roots = {}
    for path, data in package.bpmn_files().items():
        try:
            roots[path] = parse_xml(data, limit).getroot()
        except BpmnInvalid as err:
            if path == package.main_path:
                raise Invalid({"bpmn": [p.message for p in err.problems[:3]]}) from None
    if package.main_path not in roots:
        raise Invalid({"bpmn": [tr("the draft has no file %(path)s", path=package.main_path)]})
    return package, files_run(roots, package.main_path)


def _declared_limits(package: packages.Package, forms: dict) -> dict[str, clock.ExtensionRule]:
    """The limits the package's clock declares (rules.json `clock.limits`); none while its rule
    bindings have problems of their own (the problems list names them)."""
    try:
        rules = json.loads(package.files.get(package.rules_path, b"{}").decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return {}
    if not isinstance(rules, dict) or "clock" not in rules or bindings.problems(rules, forms):
        return {}
    return clock.from_section(rules["clock"]).limits


def _anchor_kind(anchor: str) -> str:
    if anchor == TASK_READY:
        return "task"
    return "milestone" if anchor.startswith(MILESTONE_PREFIX) else "form"


def _anchor_phrase(anchor: str, info: ProcedureInfo) -> Phrase:
    """An anchor as the procedure page names it in a deadline (the form's and field's titles, the
    milestone's element, or the step becoming ready)."""
    zh, en = anchor_words(Deadline(1, "calendar_days", anchor, anchor), info)
    return Phrase(en, zh)


def deadline(user, draft_id: int, element_id, text, bpmn: bytes | None = None) -> dict:
    """The deadline `text` of the element `element_id` of the draft's diagram (`bpmn`: as on the
    author's screen; else as saved): the anchors it may run from (each in words), the limits it may
    be extended as, and the text read back (its parts, its words as the procedure page says them,
    and what the deploy would refuse in it)."""
    element_id = _text(element_id, "element_id")
    text = _text(text if text is not None else "", "deadline")
    package, roots = _package(user, draft_id, bpmn)
    main = package.main_path
    steps = diagram_steps(roots)
    if element_id not in steps or not any(node.get("id") == element_id for node in roots[main].iter()):
        raise Invalid({"element_id": [tr("names no step of the procedure's diagram")]})
    forms = package_forms(package)
    process = executable_processes(roots[main])
    info = ProcedureInfo("", steps, forms, statuses=statuses.version_statuses(
        steps, initial_status_label(roots[main]) if process else None))
    limits = _declared_limits(package, forms)
    anchors = [{"anchor": anchor, "format": fmt, "kind": _anchor_kind(anchor), "words": _anchor_phrase(anchor, info)}
               for anchor, fmt in offered_anchors(roots, (main, element_id), forms)]
    answer = {"element_id": element_id, "anchors": anchors,
              "limits": [{"limit": code, "words": Phrase(rule.label_en, rule.label)} for code, rule in limits.items()],
              "text": text.strip(), "parsed": None, "words": None, "problems": []}
    if not text.strip():
        return answer
    try:
        parsed = parse_deadline(text)
    except DeadlineSyntaxError as err:
        answer["problems"] = [err.args[0]]
        return answer
    answer["parsed"] = {"amount": parsed.amount, "unit": parsed.unit, "anchor": parsed.anchor,
                        "anchor_words": _anchor_phrase(parsed.anchor, info),
                        "excluding_periods": parsed.excluding_periods, "extendable_as": parsed.extendable_as}
    answer["words"] = describe(parsed, anchor_words(parsed, info))
    declared = {meta["milestone"] for meta in steps.values() if meta.get("milestone")}
    found = [deadline_anchor_problem(roots, (main, element_id), parsed, forms),
             milestone_anchor_problem(parsed.milestone, declared) if parsed.milestone else None,
             limit_problem(parsed, limits)]
    answer["problems"] = [message for message in found if message is not None]
    return answer


def timer(user, draft_id: int, kind, value) -> dict:
    """A timer's value as the BPMN writes it (`kind`: date, duration or cycle; `value`: its
    expression, a quoted ISO 8601 text such as "P5D", or one over the case's data): what the deploy
    refuses in it, checked against the engine's limits as the deploy checks them."""
    drafts.get(user, draft_id)  # the draft's readers only
    if kind not in TIMER_TAGS:
        raise Invalid({"kind": [tr("must be one of %(choices)s", choices=", ".join(TIMER_TAGS))]})
    value = _text(value if value is not None else "", "value")
    limits = engine_limits()
    found = [script_problem(value.strip()) if value.strip() else None, timer_problem(TIMER_TAGS[kind], value, limits)]
    return {"kind": kind, "value": value, "max_days": limits.max_timer_days,
            "problems": [message for message in found if message is not None]}
