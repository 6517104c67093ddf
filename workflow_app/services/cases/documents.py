"""The documents the law prescribes (执法文书), filled from what the case recorded.

A procedure's package declares its documents (document_manifest.py): each a Word template, the
step it comes from and its title; a document exists only once that step is completed, and prints
the record as it stood at the completion it comes from (Record.source), so a reprint prints what
was first printed and served, whatever was recorded since. The .docx is the template filled from
that record (`context`, documented for template authors in docs/documents.md) in an engine
worker, under its limits (engine/word_templates.py); the
print-ready HTML page is that .docx read back, paragraph by paragraph and table by table, so the
two cannot differ. Every download writes `document.generated` (kind, format, SHA-256 of the
bytes) to the case's trace, so what was printed can be matched later; the same recorded data
always gives the same bytes, changed data a new hash.
"""
import base64
import hashlib
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import quote

import docx
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from flask import current_app, render_template
from sqlalchemy.orm import selectinload

from ...engine.errors import EngineError
from ...engine.pool import EngineUnavailable, engine_for
from ...engine.template_fields import CASE_FIELDS
from ...engine.word_templates import CONTEXT_NAMES
from ...extensions import db
from ...models import Case, ProcedureFile, ProcedureVersion, Task, User
from ...oversight import conditions
from ...oversight.calendar import LOCAL_TZ
from ..audit import trail as audit
from ..errors import Conflict, NotFound, Unavailable, tr
from ..evidence import attachments
from ..evidence import items as evidence
from ..people.access import visible_case
from ..people.named import role_key
from ..procedures import document_manifest, packages
from ..procedures.document_manifest import DocumentSpec
from ..procedures.versions import actor_key_of, engine_limits, procedure_info
from ..registers import numbering
from ..transactions import one_transaction
from . import late_fees

FORMATS = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "html": "text/html; charset=utf-8"}
# The paragraph styles of a template that the print page sets apart (docs/documents.md).
HEADER_STYLES = {"文书机关": "authority", "文书标题": "title", "文书编号": "number"}
SIGNATURE_STYLE = "文书落款"


# -- the documents of a version -----------------------------------------------------------------------
_declared: OrderedDict[str, list[DocumentSpec]] = OrderedDict()
_declared_lock = threading.Lock()


def declared(version: ProcedureVersion) -> list[DocumentSpec]:
    """The documents the version's package declares, read once per version (versions are immutable)."""
    with _declared_lock:
        if version.sha256 in _declared:
            return _declared[version.sha256]
    content = _file(version, document_manifest.manifest_path(version.procedure.process_id))
    specs = document_manifest.parse(content, version.procedure.process_id)[0] if content is not None else []
    with _declared_lock:
        _declared[version.sha256] = specs
        while len(_declared) > 256:
            _declared.popitem(last=False)
    return specs


def _file(version: ProcedureVersion, path: str) -> bytes | None:
    """A file of the version's package; for a version deployed before its package had documents,
    the repository's file (BPMN_DIR) of the same procedure, so its cases keep their documents."""
    content = db.session.execute(db.select(ProcedureFile.content).where(
        ProcedureFile.version_id == version.id, ProcedureFile.path == path)).scalar_one_or_none()
    if content is not None or _stores_documents(version):
        return content
    process_id = version.procedure.process_id
    if not packages.PACKAGE_NAME.match(process_id or ""):
        return None
    local = Path(current_app.config["BPMN_DIR"]) / path.removeprefix("bpmn/")
    return local.read_bytes() if local.is_file() else None


def _stores_documents(version: ProcedureVersion) -> bool:
    return db.session.execute(db.select(ProcedureFile.id).where(
        ProcedureFile.version_id == version.id,
        ProcedureFile.path.like(f"bpmn/%/{packages.DOCUMENTS}/%")).limit(1)).first() is not None


# -- reading the record -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """The completion a document comes from (`row`), and the record as the document reads it: the
    latest completion of each step (by bpmn id, `tasks`) and of each form (by form key, `by_form`)
    as they stood when that completion was made, and the latest completion since of each step the
    document is filled in by (its `filled_in_by`: the service a 送达回证 records, the officers the
    询问笔录 names once the investigation names them)."""

    row: Task
    tasks: dict[str, Task]
    by_form: dict[str, dict]


class Record:
    """The case and its completed steps, oldest first."""

    def __init__(self, case: Case):
        self.case = case
        self.rows = db.session.execute(
            db.select(Task).where(Task.case_id == case.id, Task.state == "completed")
            .order_by(Task.completed_at, Task.id).options(db.joinedload(Task.completed_by))).scalars().all()
        self.schemas = procedure_info(case.procedure_version).forms

    def source(self, spec: DocumentSpec) -> Source | None:
        """Where the document comes from in this case, or None while it is not available. It may
        come from each completion of one of its steps at which its `when` held on the record as it
        then stood (a field of the step's own form: what that completion recorded), so a document
        once available stays so; it comes from the latest of them, unless that one records the
        same act again as an earlier one (the same value of the field its form numbers `per`,
        services/registers/numbering.py: a later execution record keeping the date of the demand served
        before), then from the first that recorded it. A reprint prints what that completion
        printed: a later completion of the same form, or of a form it read, changes nothing, unless
        the document is filled in by that step (`filled_in_by`)."""
        candidates, forms = [], {}
        for row in self.rows:
            if row.form_key:
                forms[row.form_key] = row.data or {}
            if row.bpmn_id in spec.steps and (spec.when is None or spec.when.holds(forms)):
                candidates.append(row)
        if not candidates:
            return None
        latest = candidates[-1]
        return self._as_of(next((row for row in candidates if self._same_act(row, latest)), latest), spec)

    def _same_act(self, row: Task, latest: Task) -> bool:
        """Whether `row` records the act `latest` records: the same value, filled, of each field
        its form numbers per (none: every completion is an act of its own)."""
        pers = [m.per for m in numbering.markers(self.schemas.get(latest.form_key)).values() if m.per]
        data, seen = latest.data or {}, row.data or {}
        return bool(pers) and row.form_key == latest.form_key and all(
            conditions.filled(data.get(per)) and seen.get(per) == data.get(per) for per in pers)

    def _as_of(self, produced: Task, spec: DocumentSpec) -> Source:
        at = self.rows.index(produced)
        read = self.rows[:at + 1] + [row for row in self.rows[at + 1:] if row.bpmn_id in spec.filled_in_by]
        return Source(produced, {row.bpmn_id: row for row in read},
                      {row.form_key: dict(row.data or {}) for row in read if row.form_key})

    def number(self, source: Source) -> str | None:
        """The 文号 the system issued when the document's completion was made (its form's
        x-document-number field), as printed; None for a step that issues none."""
        row = source.row
        for name in numbering.numbered_fields(self.schemas.get(row.form_key)):
            if (row.data or {}).get(name):
                return row.data[name]
        return None

    def signatures(self, source: Source) -> set[str]:
        """The SHA-256 of each drawn signature the document's record names (its forms' x-signature fields)."""
        return {value for key, data in source.by_form.items()
                for name in attachments.signature_fields(self.schemas.get(key))
                if isinstance(value := data.get(name), str) and attachments.SHA256.match(value)}

    @property
    def authority(self) -> str:
        """The authority's name as printed: 清河区 + 市场监督管理局."""
        unit = self.case.department
        parent = db.session.get(type(unit), unit.parent_id) if unit.parent_id else None
        if parent is not None and parent.kind == "district" and not unit.name.startswith(parent.name):
            return parent.name + unit.name
        return unit.name


def context(record: Record, spec: DocumentSpec, source: Source) -> dict:
    """What a template sees (docs/documents.md): plain data, built from the document's record alone
    (`source`), so the same record gives the same document."""
    case, row = record.case, source.row
    names = full_names({u for task in source.tasks.values()
                        for u in users_in(record.schemas.get(task.form_key), task.data or {})})
    steps = {bpmn_id: _step(task, record.schemas.get(task.form_key), names) for bpmn_id, task in source.tasks.items()}
    forms = dict(source.by_form)
    labels = {key: shown(record.schemas.get(key), data, names) for key, data in forms.items()}
    return assemble(case={name: getattr(case, name) for name in CASE_FIELDS},
                    authority=record.authority, department=case.department.name, spec=spec, forms=forms,
                    labels=labels, steps=steps, step=steps[row.bpmn_id],
                    evidence_list=evidence.cited(case, row.completed_at), officers=officers(record, source))


def assemble(*, case: dict, authority: str, department: str, spec: DocumentSpec, forms: dict, labels: dict,
             steps: dict, step: dict, evidence_list: list, officers: list) -> dict:
    """The context a template is filled from, one shape for a case's document and a draft's preview
    (document_previews.py; the names engine/template_fields.py checks a template against). Each
    form's data is also a name of its own (`clue_intake`), unless its key is a name of the context."""
    return {**{key: data for key, data in forms.items() if key not in CONTEXT_NAMES},
            "case": case, "authority": authority, "department": department,
            "document": {"kind": spec.kind, "title": spec.title},
            "forms": forms, "labels": labels, "steps": steps, "step": step,
            "evidence_list": evidence_list, "officers": officers}


OFFICER = "officer"


def officers(record: Record, source: Source) -> list[dict]:
    """The enforcement officers the document's record names (the fields of its completed steps that name
    officers alone, `"x-user-role": "officer"`: the investigation's), in the order the steps were
    completed and the fields list them, each once: their full name and the number of their
    enforcement certificate (执法证) valid on the day that step was completed, in one of the
    department's domains where they hold one; an empty number where they held none that day."""
    named: dict[str, date] = {}
    for row in sorted(source.tasks.values(), key=lambda r: (r.completed_at, r.id)):
        schema = record.schemas.get(row.form_key) or {}
        on = row.completed_at.astimezone(LOCAL_TZ).date()
        for name, prop in (schema.get("properties") or {}).items():
            value = (row.data or {}).get(name)
            if not isinstance(prop, dict) or role_key(prop.get("x-user-role")) != OFFICER:
                continue
            for username in value if isinstance(value, list) else [value]:
                if isinstance(username, str) and username not in named:
                    named[username] = on
    if not named:
        return []
    users = {u.username: u for u in db.session.execute(
        db.select(User).options(selectinload(User.certificates)).where(User.username.in_(sorted(named)))).scalars()}
    domains = record.case.department.enforcement_domains or []
    found = []
    for username, on in named.items():
        user = users.get(username)
        if user is None:
            continue
        certificate = user.valid_certificate(on, domains) or user.valid_certificate(on)
        found.append({"name": user.full_name, "certificate": certificate.number if certificate else ""})
    return found


def _step(row: Task, schema: dict | None, names: dict[str, str]) -> dict:
    return step_entry(row.bpmn_id, row.name, row.form_key,
                      row.completed_at.astimezone(LOCAL_TZ).date().isoformat() if row.completed_at else None,
                      row.completed_by.full_name if row.completed_by else "", dict(row.data or {}), schema, names)


def step_entry(bpmn_id: str, name: str, form_key: str | None, completed_on: str | None, completed_by: str,
               data: dict, schema: dict | None, names: dict[str, str]) -> dict:
    """A completed step as a template sees it (`steps.<id>`, `step`)."""
    return {"id": bpmn_id, "name": name, "form": form_key, "completed_on": completed_on,
            "completed_by": completed_by, "data": data, "labels": shown(schema, data, names)}


def shown(schema, value, names: dict[str, str]):
    """The value as a document prints it: a choice by its label (the form's x-enum-labels), a
    user (a field with x-user-role) by their full name; rows and lists of choices item by item."""
    if not isinstance(schema, dict):
        return value
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        return {key: shown(props.get(key), item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [shown(_items(schema), item, names) for item in value]
    choices, labels = schema.get("enum"), schema.get("x-enum-labels")
    if isinstance(choices, list) and isinstance(labels, list):
        return next((label for choice, label in zip(choices, labels, strict=False) if choice == value), value)
    if schema.get("x-user-role") and isinstance(value, str):
        return names.get(value, value)
    return value


def users_in(schema, value) -> set[str]:
    """The usernames a form's data records (its fields with x-user-role)."""
    if not isinstance(schema, dict):
        return set()
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        return set().union(*(users_in(props.get(key), item) for key, item in value.items()))
    if isinstance(value, list):
        return set().union(*(users_in(_items(schema), item) for item in value))
    return {value} if schema.get("x-user-role") and isinstance(value, str) else set()


def _items(schema: dict):
    """The schema of a list's items; a list marked x-user-role (`investigation.officers`) names users
    in each of its items."""
    items = schema.get("items")
    if schema.get("x-user-role") and isinstance(items, dict) and not items.get("x-user-role"):
        return {**items, "x-user-role": schema["x-user-role"]}
    return items


def full_names(usernames: set[str]) -> dict[str, str]:
    if not usernames:
        return {}
    return dict(db.session.execute(db.select(User.username, User.full_name)
                                   .where(User.username.in_(sorted(usernames)))).all())


# -- the use cases --------------------------------------------------------------------------------
def list_documents(user: User, case_id: int) -> list[dict]:
    """The documents the case's completed steps make available."""
    case = visible_case(user, case_id)
    specs = declared(case.procedure_version)
    if not specs:
        return []
    record = Record(case)
    available = [(spec, record.source(spec)) for spec in specs]
    return [{"kind": spec.kind, "title": spec.title, "step": source.row.bpmn_id,
             "step_completed_at": source.row.completed_at, "number": record.number(source),
             "links": {fmt: f"/api/v1/cases/{case.id}/documents/{spec.kind}.{fmt}" for fmt in FORMATS}}
            for spec, source in available if source is not None]


def generate(user: User, case_id: int, kind: str, fmt: str) -> tuple[bytes, str, str]:
    """The document's bytes, media type and file name; the download is traced with its hash."""
    case = visible_case(user, case_id)
    spec = next((s for s in declared(case.procedure_version) if s.kind == kind), None)
    record = Record(case)
    source = record.source(spec) if spec is not None else None
    if source is None or fmt not in FORMATS:
        raise NotFound(tr("case %(id)s has no document %(name)s (unknown, or its step is not completed)", id=case_id,
                          name=f"{kind}.{fmt}"))
    word = _fill(user, case, spec, context(record, spec, source), record.authority,
                 attachments.drawings(case, record.signatures(source)), late_fees.for_documents(case, source.by_form))
    content = word if fmt == "docx" else render_html(read_back(word)).encode("utf-8")
    digest = hashlib.sha256(content).hexdigest()
    with one_transaction():
        audit.record("document.generated", actor=user, case_id=case.id, task_id=source.row.id,
                     bpmn_id=source.row.bpmn_id, data={"kind": kind, "format": fmt, "sha256": digest})
    return content, FORMATS[fmt], f"{case.number}-{kind}.{fmt}"


def content_disposition(disposition: str, filename: str, fallback: str) -> str:
    """The Content-Disposition of a document: a case number prints in Chinese (清市监立〔2026〕1号),
    which an HTTP header cannot carry as it is, so the name is given RFC 6266's way (filename*,
    UTF-8), after an ASCII `fallback` (case-12-penalty_decision.docx) for old clients."""
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _fill(user: User, case: Case, spec: DocumentSpec, values: dict, authority: str, images: dict[str, bytes],
          late_fee_basis: dict | None) -> bytes:
    """The template filled in an engine worker (engine/word_templates.py), counted against the
    user's share of the workers; `images`: the drawn signatures it may print, checked;
    `late_fee_basis`: what its `|late_fee` counts on (services/cases/late_fees.py)."""
    template = _file(case.procedure_version, spec.template)
    if template is None:
        raise Conflict(tr("the template %(file)s of document %(kind)s is missing from its procedure's package",
                          file=spec.template, kind=spec.kind), code="document_template_failed")
    return fill(user, template, spec, values, authority=authority, images=images, late_fee_basis=late_fee_basis)


def fill(user: User, template: bytes, spec: DocumentSpec, values: dict, *, authority: str,
         images: dict[str, bytes], late_fee_basis: dict | None, title: str | None = None) -> bytes:
    """`template` filled from `values` in an engine worker, the one renderer of a case's documents
    and a draft's previews; a template that cannot be filled is a 409 naming it and the reason."""
    payload = {"template": template, "context": values, "title": title or spec.title, "author": authority,
               "images": images, "late_fee": late_fee_basis}
    try:
        return engine_for(current_app.config).run("document", {}, payload, engine_limits(),
                                                  actor_key=actor_key_of(user))
    except EngineUnavailable as err:
        raise Unavailable(err.message) from None
    except EngineError as err:
        raise Conflict(tr("the template %(file)s of document %(kind)s could not be filled: %(reason)s",
                          file=spec.template, kind=spec.kind, reason=err.message),
                       code="document_template_failed") from None


# -- the print page -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Picture:
    """A drawing printed in a paragraph (a signature), as the .docx holds it: a data URL of its PNG
    and its size on paper in millimetres."""

    src: str
    width_mm: float
    height_mm: float


@dataclass
class Page:
    """A filled .docx as the print page shows it: its header (the authority, the title, the
    number), its body in order ("para", pieces: text and Pictures) | ("fields", rows of cell
    texts), its signature lines."""

    authority: str = ""
    title: str = ""
    number: str = ""
    blocks: list[tuple] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)


def read_back(word: bytes) -> Page:
    """The print page of a filled .docx: the leading paragraphs in the header styles (文书机关,
    文书标题, 文书编号) make the header, the trailing ones in 文书落款 the signature lines; every
    other paragraph with text or a drawing, and every table, the body."""
    document = docx.Document(io.BytesIO(word))
    blocks = []
    for element in document.element.body.iterchildren():
        if element.tag.endswith("}p"):
            paragraph = Paragraph(element, document)
            blocks.append(("para", _pieces(paragraph, document), paragraph.style.name if paragraph.style is not None
                           else ""))
        elif element.tag.endswith("}tbl"):
            rows = [[cell.text for cell in row.cells] for row in Table(element, document).rows]
            blocks.append(("fields", rows, ""))
    page = Page()
    while blocks and (blocks[0][2] in HEADER_STYLES and not getattr(page, HEADER_STYLES[blocks[0][2]])
                      or blocks[0][:2] == ("para", [])):
        _, pieces, style = blocks.pop(0)
        if style in HEADER_STYLES:
            setattr(page, HEADER_STYLES[style], _text(pieces))
    while blocks and (blocks[-1][2] == SIGNATURE_STYLE or blocks[-1][:2] == ("para", [])):
        _, pieces, style = blocks.pop()
        if style == SIGNATURE_STYLE:
            page.signature.insert(0, _text(pieces))
    page.blocks = [(kind, content) for kind, content, _ in blocks if kind == "fields" or content]
    return page


_EMU_PER_MM = 36_000


def _pieces(paragraph: Paragraph, document) -> list:
    """A paragraph's text, and its drawings where they stand: [text, Picture, text …] (nothing for
    an empty paragraph). Only a PNG the document itself holds is shown."""
    if not paragraph._p.xpath(".//a:blip"):
        return [paragraph.text] if paragraph.text else []
    pieces = []
    for run in paragraph.runs:
        for blip in run._r.xpath(".//a:blip"):
            part = document.part.related_parts.get(blip.get(qn("r:embed")))
            extent = run._r.xpath(".//wp:extent")
            if part is None or part.content_type != attachments.PNG or not extent:
                continue
            pieces.append(Picture(f"data:image/png;base64,{base64.b64encode(part.blob).decode('ascii')}",
                                  int(extent[0].get("cx")) / _EMU_PER_MM, int(extent[0].get("cy")) / _EMU_PER_MM))
        if run.text:
            pieces.append(run.text)
    return pieces


def _text(pieces: list) -> str:
    return "".join(p for p in pieces if isinstance(p, str))


def render_html(page: Page, *, sample: bool = False) -> str:
    """The print page; `sample`: a draft's preview filled from samples (document_previews.py), said so."""
    return render_template("documents/document.html", doc=page, sample=sample)
