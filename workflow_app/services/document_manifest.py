"""The documents a procedure package declares: `bpmn/<id>/documents/documents.json` beside its Word
templates (ARCHITECTURE.md "Procedure packages"; docs/documents.md for template authors).

    {"documents": [
      {"kind": "filing_approval", "title": "立案审批表", "template": "filing_approval.docx",
       "step": "filing_approval", "when": {"field": "filing_approval.filing_decision", "equals": "file"}},
      {"kind": "service_receipt", "title": "送达回证", "template": "service_receipt.docx",
       "step": ["penalty_decision", "no_penalty_decision"]}]}

`kind` names the document in its URL (…/documents/<kind>.docx), `title` on the case page;
`template` is a file of the folder, or `shared/<name>.docx` for one of bpmn/shared/documents/;
`step` is the bpmn id of the user task the document comes from (of a list, the first completed),
and `when` a condition on a field of the latest completion of a form: that it equal a value
(`{"field": "filing_approval.filing_decision", "equals": "file"}`), or that it be filled or not
(`{"field": "execution.demand_served_on", "filled": true}`: a document that exists once an act was
recorded, whatever the form's choices said after it).

Why a file beside the templates rather than properties in the BPMN or entries in rules.json:
the templates and their list belong together (legal staff own both; a document may come from
either of two steps, so it belongs to no single element), and a rule binding checks the law
where a document only prints the record. Deploy checks the list against the package's BPMN and
forms and every template (word_templates.problems); a problem names its file.
"""
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath

from ..engine import word_templates
from .errors import Text, clip, tr
from .packages import DOCUMENTS, SHARED, Package

MANIFEST = "documents.json"
TEMPLATE_SUFFIX = ".docx"
KIND = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_DOCUMENTS = 100
MAX_TITLE = 100
_KEYS = {"kind", "title", "template", "step", "when", "$comment"}
EQUALS, FILLED = "equals", "filled"  # the tests of a `when`


@dataclass(frozen=True)
class When:
    """The condition a document exists under, on the latest completion of a form: its field
    `ref` (<form key>.<field>) equals `value` (test EQUALS), or is filled (FILLED: `value` True) or
    not (`value` False)."""

    ref: str
    test: str
    value: object

    def holds(self, by_form: dict[str, dict]) -> bool:
        """Whether the condition holds for the record's latest completion of each form (by form key)."""
        form, name = self.ref.split(".")
        recorded = (by_form.get(form) or {}).get(name)
        if self.test == EQUALS:
            return recorded == self.value
        return filled(recorded) is self.value


def filled(value) -> bool:
    """A recorded value that is something: not missing, not an empty text, list or object."""
    return value is not None and value != "" and value != [] and value != {}


@dataclass(frozen=True)
class DocumentSpec:
    kind: str
    title: str
    template: str  # the template's path in the layout (bpmn/<id>/documents/x.docx)
    steps: tuple[str, ...]  # bpmn ids; the document comes from the first completed
    when: When | None = None


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
        when = _when(entry["when"]) if entry.get("when") is not None else None
        if when is False:
            mine.append(tr('%(where)s: when is {"field": "<form key>.<field>", "equals": <value>} or '
                           '{"field": "<form key>.<field>", "filled": true or false}', where=where))
        if mine:
            found += mine
            continue
        specs.append(DocumentSpec(kind, title, template_path(procedure_id, template), tuple(steps), when))
    return specs, found


def _when(when) -> When | bool:
    """The condition an entry's `when` states, or False for one that is not of either shape."""
    if not isinstance(when, dict) or not isinstance(when.get("field"), str) or when["field"].count(".") != 1 \
            or not all(when["field"].split(".")):
        return False
    if set(when) == {"field", EQUALS}:
        return When(when["field"], EQUALS, when[EQUALS])
    if set(when) == {"field", FILLED} and isinstance(when[FILLED], bool):
        return When(when["field"], FILLED, when[FILLED])
    return False


def check(package: Package, forms: dict[str, dict], task_specs: dict) -> tuple[list[DocumentSpec], list[dict]]:
    """The package's documents, and its problems as deploy reports them (each with its file): the
    list's shape; a template missing, broken, or naming what the context does not have; a step
    that is no user task of the procedure; a `when` on no field, or equal to a choice the field lacks; a
    template of the folder no document uses.

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
    for spec in specs:
        where = tr("document %(kind)s", kind=spec.kind)
        for step in spec.steps if not package.single_file else ():
            if not (task_specs.get(step) or {}).get("human"):
                problems.append(_problem(path, tr("%(where)s: step %(step)s is no user task of the procedure",
                                                  where=where, step=repr(step))))
        if spec.when:
            problems += [_problem(path, m) for m in _when_problems(spec.when, forms, where)]
        template = package.files.get(spec.template)
        if template is None:
            problems.append(_problem(path, tr("%(where)s: its template %(file)s is not in the package", where=where,
                                              file=spec.template)))
        elif spec.template not in checked:
            checked[spec.template] = _template_problems(template, frozenset(forms))
            problems += [_problem(spec.template, m) for m in checked[spec.template]]
    used = {spec.template for spec in specs}
    problems += [_problem(p, tr("no document of %(manifest)s uses this template", manifest=path))
                 for p in sorted(templates - used)]
    return specs, problems


@lru_cache(maxsize=64)
def _template_problems(template: bytes, forms: frozenset[str]) -> tuple[Text, ...]:
    """word_templates.problems, once per template and forms (a package deployed again, a test
    database made per day, checks nothing twice)."""
    return tuple(word_templates.problems(template, set(forms)))


def _when_problems(when: When, forms: dict, where: Text) -> list[Text]:
    """A `when` names a field of the package's forms; one that `equals` names a choice it has."""
    ref, value = when.ref, when.value
    form, name = ref.split(".")
    field = ((forms.get(form) or {}).get("properties") or {}).get(name)
    if not isinstance(field, dict):
        return [tr("%(where)s: when names %(ref)s, which is no field of the package's forms", where=where, ref=ref)]
    choices = field.get("enum")
    if when.test == EQUALS and isinstance(choices, list) and value not in choices:
        return [tr("%(where)s: %(ref)s has no choice %(value)s (%(choices)s)", where=where, ref=ref,
                   value=repr(value), choices=", ".join(map(str, choices)))]
    return []


def _problem(path: str, message: Text) -> dict:
    return {"message": message, "element_id": None, "line": None, "file": path}
