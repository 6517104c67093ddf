"""A draft's document filled from samples ([8/9] workbench): what a template will print, before the
draft runs anywhere.

The template is filled by the renderer of a case's documents (documents.fill, in an engine worker
under its limits) from the context a case's document has (documents.assemble), with the package's
forms' examples (each form's first `examples` entry) as every step's record, and sample values
where a case would give its own, each marked （样例）: the case's number, title and party, the
authority, the department, who completed the steps, the evidence list, the officers, the document's
number, a drawn signature. Its print page is the filled .docx read back (documents.read_back), as a
case's print page is. Nothing of a preview is stored, numbered or traced; readers of the draft may
preview it.

It lives among the case services as the draft's test run does (draft_runs.py): it runs a case's
machinery over a package not yet deployed.
"""
import hashlib
import json
from dataclasses import dataclass

from ...demo.signature import drawn_signature
from ...models import User
from ...oversight import bindings
from ...oversight.deadlines import form_day
from ...wall_clock import local_today
from ..errors import Conflict, NotFound, tr
from ..evidence import attachments
from ..procedures import draft_documents, drafts
from ..procedures.document_manifest import DocumentSpec
from ..registers import numbering
from . import documents
from .late_fees import KIND as LATE_FEE_KIND

SAMPLE = "（样例）"
SAMPLE_DRAWING = drawn_signature(2)  # a drawn signature of the demo's kind, printed where an example signed
SAMPLE_SHA = hashlib.sha256(SAMPLE_DRAWING).hexdigest()


@dataclass(frozen=True)
class Preview:
    kind: str
    title: str
    word: bytes  # the filled .docx

    @property
    def page(self) -> documents.Page:
        return documents.read_back(self.word)

    def filename(self, process_id: str, fmt: str) -> str:
        return f"{process_id}-{self.kind}-样例.{fmt}"


def preview(user: User, draft_id: int, kind: str) -> Preview:
    """The draft's document `kind` filled from its forms' examples and sample values."""
    draft = drafts.get(user, draft_id)
    files = drafts.layout(draft)
    specs, _ = draft_documents.manifest_of(draft, files)
    spec = next((s for s in specs if s.kind == kind), None)
    if spec is None:
        raise NotFound(tr("the draft's list of documents has no document %(kind)s", kind=str(kind)[:64]))
    template = files.get(spec.template)
    if template is None:
        raise Conflict(tr("the template %(file)s of document %(kind)s is not in the draft", file=spec.template,
                          kind=spec.kind), code="document_template_failed")
    schemas, _ = drafts.template_data(draft)
    steps = draft_documents.steps_of(draft, files)
    forms = {key: _sample_data(schema) for key, schema in schemas.items()}
    values = sample_context(spec, schemas, forms, steps, draft.title)
    images = {SAMPLE_SHA: SAMPLE_DRAWING} if any(
        data.get(name) == SAMPLE_SHA for key, data in forms.items()
        for name in attachments.signature_fields(schemas.get(key))) else {}
    basis = _late_fee_basis(files.get(f"bpmn/{draft.process_id}/rules.json"), forms)
    word = documents.fill(user, template, spec, values, authority=values["authority"], images=images,
                          late_fee_basis=basis, title=f"{SAMPLE}{spec.title}")
    return Preview(spec.kind, spec.title, word)


def sample_context(spec: DocumentSpec, schemas: dict[str, dict], forms: dict[str, dict],
                   steps: list[draft_documents.Step], draft_title: str) -> dict:
    """The context of a case's document (documents.assemble), every step completed with its form's
    example, every value a case would give marked as a sample."""
    today = local_today()
    names = {username: f"{SAMPLE}{username}"
             for key, data in forms.items() for username in documents.users_in(schemas.get(key), data)}
    entries = {step.id: documents.step_entry(step.id, step.name, step.form_key, today.isoformat(),
                                             f"{SAMPLE}经办人", dict(forms.get(step.form_key) or {}),
                                             schemas.get(step.form_key), names) for step in steps}
    made = next((entries[s] for s in spec.steps if s in entries), None) or documents.step_entry(
        spec.steps[0], spec.steps[0], None, today.isoformat(), f"{SAMPLE}经办人", {}, None, names)
    labels = {key: documents.shown(schemas.get(key), data, names) for key, data in forms.items()}
    return documents.assemble(
        case={"number": f"{SAMPLE}〔{today.year}〕1号", "title": f"{SAMPLE}{draft_title}",
              "party_name": f"{SAMPLE}某某商贸有限公司", "party_kind": "organization"},
        authority=f"{SAMPLE}某某区市场监督管理局", department=f"{SAMPLE}市场监督管理局", spec=spec, forms=forms,
        labels=labels, steps=entries, step=made, evidence_list=_sample_evidence(today), officers=[
            {"name": f"{SAMPLE}执法人员甲", "certificate": f"{SAMPLE}00000001"},
            {"name": f"{SAMPLE}执法人员乙", "certificate": f"{SAMPLE}00000002"}])


def _sample_data(schema: dict) -> dict:
    """A form's first example, its document numbers (issued when the step is completed, so always there) and drawn
    signatures replaced by marked samples."""
    examples = schema.get("examples") if isinstance(schema, dict) else None
    data = dict(examples[0]) if isinstance(examples, list) and examples and isinstance(examples[0], dict) else {}
    for name, marker in numbering.markers(schema if isinstance(schema, dict) else None).items():
        if marker.per is None or data.get(marker.per):  # issued when the step is completed (per: with its act)
            data[name] = f"{SAMPLE}文号"
    props = schema.get("properties") if isinstance(schema, dict) else None
    for name, prop in (props or {}).items():
        if not isinstance(prop, dict):
            continue
        if numbering.PRINTED_MARKER in prop and data.get(name):
            data[name] = f"{SAMPLE}文号"
        elif prop.get("x-signature") is True and data.get(name):
            data[name] = SAMPLE_SHA
    return data


def _sample_evidence(today) -> list[dict]:
    items = [("现场照片", "物证", "证明现场情况"), ("询问笔录", "当事人陈述", "证明违法事实")]
    return [{"id": number, "number": number, "title": f"{SAMPLE}{title}", "kind": kind, "source": f"{SAMPLE}现场提取",
             "proves": proves, "sha256": "0" * 64, "collected_on": today.isoformat(),
             "line": f"{number}. {SAMPLE}{title}（{kind}；证明：{proves}）"}
            for number, (title, kind, proves) in enumerate(items, start=1)]


def _late_fee_basis(rules: bytes | None, forms: dict[str, dict]) -> dict | None:
    """What `|late_fee` counts on in the preview: the fine and service date the package's binding of
    late_fee_as_computed names, read from the examples (None where it binds none, or they give none)."""
    try:
        found = next((b for b in bindings.bound(json.loads(rules.decode("utf-8"))) if b.kind.name == LATE_FEE_KIND),
                     None) if rules else None
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        return None
    if found is None:
        return None

    def value(ref):
        form, _, name = ref.partition(".") if isinstance(ref, str) else ("", "", "")
        return (forms.get(form) or {}).get(name)

    params = found.params
    fine, served = value(params.get("fine")), value(params.get("served_on"))
    day = form_day(served) if isinstance(served, str) else None
    if isinstance(fine, bool) or not isinstance(fine, int | float) or fine <= 0 or day is None:
        return None
    plan = params.get("plan_decision")
    return {"fine": float(fine), "served_on": day.isoformat(),
            "plan_approved": plan is not None and value(plan) == params.get("plan_approved")}

