"""The documents a procedure package declares: `bpmn/<id>/documents/documents.json` beside its Word
templates (ARCHITECTURE.md "Procedure packages"; docs/documents.md for template authors).

    {"documents": [
      {"kind": "filing_approval", "title": "立案审批表", "template": "filing_approval.docx",
       "step": "filing_approval", "when": {"field": "filing_approval.filing_decision", "equals": "file"}},
      {"kind": "service_receipt", "title": "送达回证", "template": "service_receipt.docx",
       "step": ["penalty_decision", "no_penalty_decision"], "filled_in_by": ["service", "no_penalty_service"]}]}

`kind` names the document in its URL (…/documents/<kind>.docx), `title` on the case page;
`template` is a file of the folder, or `shared/<name>.docx` for one of bpmn/shared/documents/;
`step` is the bpmn id of the user task the document comes from (or a list of them), and `when` a
condition (oversight/conditions.py) on the record as it stood at a completion of that step: that
a field equal a value (`{"field": "filing_approval.filing_decision", "equals": "file"}`), be one of
several, include or exclude a choice, or be filled or not (`{"field": "execution.demand_served_on",
"filled": true}`: a document that exists once an act was recorded). The document prints the record
as it stood at the completion it comes from (services/cases/documents.Record.source), and of the later
steps `filled_in_by` names, their latest record (the service a 送达回证 records).

Why a file beside the templates rather than properties in the BPMN or entries in rules.json:
the templates and their list belong together (legal staff own both; a document may come from
either of two steps, so it belongs to no single element), and a rule binding checks the law
where a document only prints the record. Deploy checks the list against the package's BPMN and
forms and every template (word_templates.problems: each field a template names must be a field of
its form); a problem names its file.
"""
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath

from ...engine import word_templates
from ...oversight import conditions
from ..errors import Text, clip, tr
from .packages import DOCUMENTS, SHARED, Package

MANIFEST = "documents.json"
TEMPLATE_SUFFIX = ".docx"
KIND = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_DOCUMENTS = 100
MAX_TITLE = 100
_KEYS = {"kind", "title", "template", "step", "when", "filled_in_by", "$comment"}
EQUALS, IN, FILLED = conditions.EQUALS, conditions.IN, conditions.FILLED  # the tests of a `when`


# The condition a document comes under (oversight/conditions.py, one shape for the whole package).
When = conditions.Condition


@dataclass(frozen=True)
class DocumentSpec:
    kind: str
    title: str
    template: str  # the template's path in the layout (bpmn/<id>/documents/x.docx)
    steps: tuple[str, ...]  # bpmn ids; the document comes from a completion of one of them
    when: When | None = None
    filled_in_by: tuple[str, ...] = ()  # bpmn ids of later steps whose records fill the document in


def manifest_path(procedure_id: str) -> str:
    return f"bpmn/{procedure_id}/{DOCUMENTS}/{MANIFEST}"


def template_path(procedure_id: str, name: str) -> str:
    if name.startswith(f"{SHARED}/"):
        return f"bpmn/{SHARED}/{DOCUMENTS}/{name[len(SHARED) + 1:]}"
    return f"bpmn/{procedure_id}/{DOCUMENTS}/{name}"


def parse(content: bytes, procedure_id: str) -> tuple[list[DocumentSpec], list[Text]]:
    """The documents a manifest declares, and what is wrong with its shape."""
    try:
        manifest = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        return [], [tr("the list of documents is not JSON: %(reason)s", reason=clip(str(err), 300))]
    if not isinstance(manifest, dict) or not isinstance(manifest.get("documents"), list):
        return [], [tr('the list of documents is an object with a list "documents"')]
    found = [tr("unknown key %(key)s of the list of documents", key=repr(k))
             for k in sorted(set(manifest) - {"documents", "$comment"})]
    entries = manifest["documents"]
    if len(entries) > MAX_DOCUMENTS:
        return [], [tr("%(count)d documents; the limit is %(limit)d", count=len(entries), limit=MAX_DOCUMENTS)]
    specs, kinds = [], set()
    for i, entry in enumerate(entries):
        where = tr("document %(number)d", number=i + 1)
        if not isinstance(entry, dict):
            found.append(tr("%(where)s: a document is an object", where=where))
            continue
        kind = entry.get("kind")
        if not isinstance(kind, str) or not KIND.match(kind):
            found.append(tr("%(where)s: kind %(kind)s is not a name (a-z, 0-9 and _, from a letter, at most 64)",
                            where=where, kind=repr(kind)))
            continue
        where = tr("document %(number)d (%(kind)s)", number=i + 1, kind=kind)
        mine = [tr("%(where)s: unknown key %(key)s", where=where, key=repr(k)) for k in sorted(set(entry) - _KEYS)]
        if kind in kinds:
            mine.append(tr("%(where)s: kind %(kind)s is declared twice", where=where, kind=kind))
        kinds.add(kind)
        title = entry.get("title")
        if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
            mine.append(tr("%(where)s: a title of 1 to %(limit)d characters", where=where, limit=MAX_TITLE))
        template = entry.get("template")
        name = template[len(SHARED) + 1:] if isinstance(template, str) and template.startswith(f"{SHARED}/") else template
        if not isinstance(name, str) or not name.endswith(TEMPLATE_SUFFIX) or PurePosixPath(name).name != name \
                or name.startswith(".") or "\\" in name:
            mine.append(tr("%(where)s: template %(file)s is not a .docx file of the folder (or shared/<name>.docx)",
                           where=where, file=repr(template)))
        steps = entry.get("step")
        steps = [steps] if isinstance(steps, str) else steps
        if not isinstance(steps, list) or not steps or not all(isinstance(s, str) and s for s in steps):
            mine.append(tr("%(where)s: step is the bpmn id of a user task, or a list of them", where=where))
        when = conditions.parse(entry["when"]) if entry.get("when") is not None else None
        if entry.get("when") is not None and when is None:
            mine.append(tr("%(where)s: when is %(shapes)s", where=where, shapes=conditions.SHAPES))
        later = entry.get("filled_in_by", [])
        if not isinstance(later, list) or not all(isinstance(s, str) and s for s in later):
            mine.append(tr("%(where)s: filled_in_by lists the bpmn ids of user tasks", where=where))
        if mine:
            found += mine
            continue
        specs.append(DocumentSpec(kind, title, template_path(procedure_id, template), tuple(steps), when,
                                  tuple(later)))
    return specs, found


def check(package: Package, forms: dict[str, dict], task_specs: dict | None) -> tuple[list[DocumentSpec], list[dict]]:
    """The package's documents, and its problems as deploy reports them (each with its file): the
    list's shape; a template missing, broken, or naming what the context does not have; a step
    that is no user task of the procedure; a `when` on no field, or equal to a choice the field lacks; a
    template of the folder no document uses. `task_specs` None: the diagram did not build, so the
    steps are not known and what names one is not checked against them (the rest is).

    A BPMN file deployed alone takes the repository's package around it (procedures.deploy): an
    author's edited diagram may lack a step the package's documents come from, and is not refused
    for it; such a document is never available."""
    path = manifest_path(package.procedure_id)
    templates = {p for p in package.documents() if p.endswith(TEMPLATE_SUFFIX)}
    content = package.files.get(path)
    if content is None:
        return [], [_problem(p, tr("no %(manifest)s declares this template", manifest=path)) for p in sorted(templates)]
    specs, shape = parse(content, package.procedure_id)
    problems = [_problem(path, message) for message in shape]
    checked: dict[str, tuple[Text, ...]] = {}
    steps_known = task_specs is not None and not package.single_file
    for spec in specs:
        where = tr("document %(kind)s", kind=spec.kind)
        for step in (*spec.steps, *spec.filled_in_by) if steps_known else ():
            if not (task_specs.get(step) or {}).get("human"):
                problems.append(_problem(path, tr("%(where)s: step %(step)s is no user task of the procedure",
                                                  where=where, step=repr(step))))
        if spec.when:
            problems += [_problem(path, m) for m in conditions.problems(spec.when, forms,
                                                                        tr("%(where)s: when", where=where))]
        template = package.files.get(spec.template)
        if template is None:
            problems.append(_problem(path, tr("%(where)s: its template %(file)s is not in the package", where=where,
                                              file=spec.template)))
        elif spec.template not in checked:
            checked[spec.template] = template_problems(template, forms, task_specs if steps_known else None)
            problems += [_problem(spec.template, m) for m in checked[spec.template]]
    used = {spec.template for spec in specs}
    problems += [_problem(p, tr("no document of %(manifest)s uses this template", manifest=path))
                 for p in sorted(templates - used)]
    return specs, problems


def template_problems(template: bytes, forms: dict[str, dict], task_specs: dict | None) -> tuple[Text, ...]:
    """word_templates.problems against the package's forms and steps (bpmn id -> its form key;
    None where the steps are not known), once per template, forms and steps (a package deployed
    again, a test database made per day, checks nothing twice)."""
    steps = None if task_specs is None else tuple(sorted((bpmn_id, (spec or {}).get("form_key") or "")
                                                         for bpmn_id, spec in task_specs.items()))
    return _template_problems(template, json.dumps(forms, sort_keys=True, ensure_ascii=False), steps)


@lru_cache(maxsize=64)
def _template_problems(template: bytes, forms_json: str, steps: tuple | None) -> tuple[Text, ...]:
    return tuple(word_templates.problems(template, json.loads(forms_json),
                                         None if steps is None else {k: v or None for k, v in steps}))


def _problem(path: str, message: Text) -> dict:
    return {"message": message, "element_id": None, "line": None, "file": path}
