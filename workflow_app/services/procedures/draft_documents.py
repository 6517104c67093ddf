"""A draft's Word documents ([8/9] workbench): the documents its list declares (documents.json:
title, the step that makes each, the steps that fill it in, its template), the templates no entry
names, and the author's upload of a changed template or of a new document with its entry.

Every upload goes through drafts.save_files, on the draft's revision the page read (a stale one is
refused, nothing written), and so through the same check as the API's PUT: a template is accepted
only when every field it names is a field of its form (engine/template_fields.py). A new document's
template and the list naming it are saved together, as one revision. A draft's preview
(services/cases/document_previews.py) fills a template from its forms' examples.
"""
import json
import re
from dataclasses import dataclass, field

from flask import current_app

from ...engine.specs import human_steps
from ...models import ProcedureDraft, User
from ..errors import Invalid, NotFound, tr
from . import document_manifest, drafts, packages
from .document_manifest import KIND, MAX_TITLE, TEMPLATE_SUFFIX, DocumentSpec

SHARED_PREFIX = f"bpmn/{packages.SHARED}/{packages.DOCUMENTS}/"


@dataclass(frozen=True)
class Step:
    id: str
    name: str
    form_key: str | None


@dataclass(frozen=True)
class DraftDocument:
    """A document the draft's list declares, with its steps named and its template's file."""

    kind: str
    title: str
    template: str  # as the list writes it: decision.docx, shared/hearing_notice.docx
    path: str  # the template's path in the package's layout
    steps: tuple[Step, ...]
    filled_in_by: tuple[Step, ...]
    size: int | None  # None: the template is not in the draft
    sha256: str | None


@dataclass
class DraftDocuments:
    draft: ProcedureDraft
    manifest_path: str
    documents: list[DraftDocument] = field(default_factory=list)
    unlisted: list[drafts.DraftFile] = field(default_factory=list)  # templates of the folder no entry names
    steps: list[Step] = field(default_factory=list)  # the people's steps a document may come from
    problems: list = field(default_factory=list)  # what is wrong with the list's shape


def steps_of(draft: ProcedureDraft, files: dict[str, bytes] | None = None) -> list[Step]:
    """The draft's people's steps, in the order of its BPMN (its own process first), read from the
    XML so a draft that does not build yet still has them."""
    package = drafts.package_in(files if files is not None else drafts.layout(draft), draft.process_id)
    found = human_steps(package.bpmn_files(), current_app.config["BPMN_MAX_BYTES"])
    return [Step(bpmn_id, step["name"], step["form_key"]) for bpmn_id, step in found.items()]


def manifest_of(draft: ProcedureDraft, files: dict[str, bytes]) -> tuple[list[DocumentSpec], list]:
    content = files.get(document_manifest.manifest_path(draft.process_id))
    if content is None:
        return [], []
    return document_manifest.parse(content, draft.process_id)


def documents(user: User, draft_id: int) -> DraftDocuments:
    """The draft's documents as its list declares them, and the templates it does not list."""
    draft = drafts.get(user, draft_id)
    files = drafts.layout(draft)
    specs, problems = manifest_of(draft, files)
    steps = steps_of(draft, files)
    by_id = {step.id: step for step in steps}
    info = {f.path: f for f in drafts.files_of(draft)}

    def named(ids) -> tuple[Step, ...]:
        return tuple(by_id.get(i) or Step(i, i, None) for i in ids)

    found = DraftDocuments(draft, document_manifest.manifest_path(draft.process_id), steps=steps, problems=problems)
    for spec in specs:
        template = info.get(spec.template)
        found.documents.append(DraftDocument(spec.kind, spec.title, _written(spec.template),
                                             spec.template, named(spec.steps), named(spec.filled_in_by),
                                             template.size if template else None,
                                             template.sha256 if template else None))
    used = {spec.template for spec in specs}
    folder = f"bpmn/{draft.process_id}/{packages.DOCUMENTS}/"
    found.unlisted = [f for path, f in sorted(info.items())
                      if path.startswith(folder) and path.endswith(TEMPLATE_SUFFIX) and path not in used]
    return found


def _written(path: str) -> str:
    """A template's path as the list writes it."""
    if path.startswith(SHARED_PREFIX):
        return f"{packages.SHARED}/{path[len(SHARED_PREFIX):]}"
    return path.rsplit("/", 1)[1]


def template(user: User, draft_id: int, path: str) -> tuple[ProcedureDraft, bytes]:
    """A Word template of the draft, to download (readers too)."""
    if not _template_path(path):
        raise NotFound(tr("the draft has no Word template %(path)s", path=str(path)[:300]))
    return drafts.read_file(user, draft_id, path)


def _template_path(path) -> bool:
    return isinstance(path, str) and path.endswith(TEMPLATE_SUFFIX) and path.startswith("bpmn/") \
        and f"/{packages.DOCUMENTS}/" in path


def replace_template(user: User, draft_id: int, path: str, content: bytes, revision: int | None) -> ProcedureDraft:
    """A changed template saved over the draft's one (the owner, on the revision read): checked as
    any template (drafts._check_file)."""
    draft = drafts.editable(user, draft_id, revision)
    if not _template_path(path) or path not in {f.path for f in drafts.files_of(draft)}:
        raise Invalid({"path": [tr("the draft has no Word template %(path)s", path=str(path)[:300])]})
    return drafts.save_files(user, draft_id, {path: content}, revision)


def add_document(user: User, draft_id: int, revision: int | None, *, kind, title, steps, filled_in_by,
                 content: bytes) -> ProcedureDraft:
    """A new document of the draft: its template (`<kind>.docx` in the procedure's documents
    folder, replacing a template no entry names) and its entry in the list, saved together."""
    draft = drafts.editable(user, draft_id, revision)
    files = drafts.layout(draft)
    specs, problems = manifest_of(draft, files)
    steps, filled_in_by = _listed(steps), _listed(filled_in_by)
    errors: dict[str, list] = {}
    path = f"bpmn/{draft.process_id}/{packages.DOCUMENTS}/{kind}{TEMPLATE_SUFFIX}" if isinstance(kind, str) else ""
    if not isinstance(kind, str) or not KIND.match(kind):
        errors["kind"] = [tr("a name of a-z, 0-9 and _, from a letter, at most 64 characters")]
    elif any(spec.kind == kind for spec in specs):
        errors["kind"] = [tr("the list already has a document %(kind)s: upload its template instead", kind=kind)]
    elif any(spec.template == path for spec in specs):
        errors["kind"] = [tr("%(file)s is another document's template", file=path)]
    errors.update(_entry_errors(draft, files, problems, title, steps, filled_in_by))
    if errors:
        raise Invalid(errors)
    entry = {"kind": kind, "title": title.strip(), "template": f"{kind}{TEMPLATE_SUFFIX}",
             "step": steps[0] if len(steps) == 1 else steps}
    if filled_in_by:
        entry["filled_in_by"] = filled_in_by
    manifest_path = document_manifest.manifest_path(draft.process_id)
    manifest = _with_entry(files.get(manifest_path), entry)
    return drafts.save_files(user, draft_id, {path: content, manifest_path: manifest}, revision)


def change_document(user: User, draft_id: int, revision: int | None, kind: str, *, title, steps,
                    filled_in_by) -> ProcedureDraft:
    """A document's entry changed: its title, the steps it comes from and those that fill it in
    (its template, its `when` and any other key kept as written)."""
    draft = drafts.editable(user, draft_id, revision)
    files = drafts.layout(draft)
    specs, problems = manifest_of(draft, files)
    _the_document(specs, kind)
    steps, filled_in_by = _listed(steps), _listed(filled_in_by)
    errors = _entry_errors(draft, files, problems, title, steps, filled_in_by)
    if errors:
        raise Invalid(errors)
    manifest_path = document_manifest.manifest_path(draft.process_id)

    def change(entry: dict) -> dict:
        changed = {**entry, "title": title.strip(), "step": steps[0] if len(steps) == 1 else steps}
        if filled_in_by:
            changed["filled_in_by"] = filled_in_by
        else:
            changed.pop("filled_in_by", None)
        return changed

    return drafts.save_files(user, draft_id, {manifest_path: _with_changed(files[manifest_path], kind, change)},
                             revision)


def remove_document(user: User, draft_id: int, revision: int | None, kind: str) -> ProcedureDraft:
    """A document taken out of the list, and its template with it when it is the procedure's own
    and no other document uses it (the deploy refuses a template no document names); a shared
    template stays, other procedures print it."""
    draft = drafts.editable(user, draft_id, revision)
    files = drafts.layout(draft)
    specs, problems = manifest_of(draft, files)
    if problems:
        raise Invalid({"manifest": _manifest_problems(draft, problems)})
    spec = _the_document(specs, kind)
    manifest_path = document_manifest.manifest_path(draft.process_id)
    own = spec.template.startswith(f"bpmn/{draft.process_id}/")
    unused = not any(other.template == spec.template for other in specs if other.kind != kind)
    return drafts.save_files(user, draft_id, {manifest_path: _with_changed(files[manifest_path], kind, None)},
                             revision, removed=(spec.template,) if own and unused else ())


def _the_document(specs: list[DocumentSpec], kind) -> DocumentSpec:
    found = next((spec for spec in specs if spec.kind == kind), None)
    if found is None:
        raise NotFound(tr("the draft's list has no document %(kind)s", kind=str(kind)[:64]))
    return found


def _listed(steps) -> list | object:
    """A step or a list of them, as a list (anything else as it came, for _entry_errors to refuse)."""
    if steps is None or steps == "":
        return []
    return [steps] if isinstance(steps, str) else steps


def _entry_errors(draft: ProcedureDraft, files: dict, problems: list, title, steps, filled_in_by) -> dict:
    """What is wrong with a document's title and steps typed for the draft, by field."""
    known = {step.id for step in steps_of(draft, files)}
    errors: dict[str, list] = {}
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE or _unprintable(title):
        errors["title"] = [tr("a title of 1 to %(limit)d characters", limit=MAX_TITLE)]
    if not isinstance(steps, list) or not steps or not all(isinstance(s, str) and s in known for s in steps):
        errors["step"] = [tr("choose the step the document comes from, one of the draft's steps")]
    if not isinstance(filled_in_by, list) or not all(isinstance(s, str) and s in known for s in filled_in_by):
        errors["filled_in_by"] = [tr("only the draft's steps")]
    if problems:
        errors["manifest"] = _manifest_problems(draft, problems)
    return errors


def _manifest_problems(draft: ProcedureDraft, problems: list) -> list:
    return [tr("the list of documents %(file)s has problems; correct it first",
               file=document_manifest.manifest_path(draft.process_id)), *problems[:5]]


def _with_changed(content: bytes, kind: str, change) -> bytes:
    """The list of documents with the entry of `kind` changed (`change(entry)`) or, for None,
    taken out; written out again, its other keys ($comment…) and entries as they were."""
    manifest = json.loads(content.decode("utf-8"))
    entries = []
    for entry in manifest["documents"]:
        if isinstance(entry, dict) and entry.get("kind") == kind:
            if change is None:
                continue
            entry = change(entry)
        entries.append(entry)
    return (json.dumps({**manifest, "documents": entries}, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def _unprintable(text: str) -> bool:
    return bool(_UNPRINTABLE.search(text))


def _with_entry(content: bytes | None, entry: dict) -> bytes:
    """The list of documents with one more entry at its end, the rest of its text as the author
    wrote it (where its end is the usual `]` and `}`), else written out again."""
    line = json.dumps(entry, ensure_ascii=False)
    if content is None:
        return f'{{\n  "documents": [\n    {line}\n  ]\n}}\n'.encode()
    text = content.decode("utf-8")
    manifest = json.loads(text)
    expected = {**manifest, "documents": [*manifest["documents"], entry]}
    end = re.search(r"(\S)(\s*\]\s*\}\s*)$", text)
    if end is not None:
        joiner = "\n    " if end.group(1) == "[" else ",\n    "
        candidate = text[:end.start(2)] + joiner + line + text[end.start(2):]
        try:
            if json.loads(candidate) == expected:
                return candidate.encode("utf-8")
        except ValueError:
            pass
    return (json.dumps(expected, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

