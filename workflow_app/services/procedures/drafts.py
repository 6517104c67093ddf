"""Drafts of procedure packages: the BPMN author's workbench ([8/9]) edits a package here before it
runs anywhere.

A draft is a whole package (its BPMN files, forms, rule bindings and Word templates, by their paths
in the repository's layout, as a deploy archive holds them), taken from a deployed version or made
from a small skeleton for a new procedure. It has an owner, who alone changes it; other authors and
the approvers read it; officers never see it (nothing of it runs, and the pages of cases never read
it). Every save names the draft's `revision` it was made on (If-Match): a save on an older revision
is refused (412) with the current one, so of two authors editing at once neither loses work silently.

`problems` runs the deploy's own checks (services/procedures/versions.check_package: the same code,
the same messages, each with the element, file and line it concerns) on the draft as it stands.

Publishing takes two people: the owner asks (`submit`: only a draft without problems; it is then
frozen), and a `procedure_approver` other than the owner either approves it — the draft is deployed
as the procedure's next version in the same transaction — or returns it with a reason (editable
again). Every action is traced on the procedure's own chain (`procedure:<process id>`).
"""
import json
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from flask import current_app
from sqlalchemy.orm import undefer

from ...engine import word_templates
from ...engine.specs import human_steps, sha256_of
from ...extensions import db
from ...models import Procedure as ProcedureRow
from ...models import ProcedureDraft, ProcedureDraftFile, ProcedureVersion, User
from ...models.types import utcnow
from ..audit import trail as audit
from ..errors import Conflict, Forbidden, Invalid, NotFound, PreconditionFailed, tr
from ..people.access import require_role
from ..transactions import one_transaction
from . import packages
from .versions import (
    ProcedureInfo,
    check_package,
    deadline_words,
    deploy_package,
    procedure_info,
    version_files,
)

EDITING, SUBMITTED, PUBLISHED, DISCARDED = "editing", "submitted", "published", "discarded"
STATUSES = (EDITING, SUBMITTED, PUBLISHED, DISCARDED)
PROCESS_ID = re.compile(r"[a-z][a-z0-9_]{1,63}")
# a file's path: bpmn/<folder>/... or forms/<folder>/..., plain names, a suffix a package may hold
PATH = re.compile(r"(bpmn|forms)/[a-z][a-z0-9_]{0,63}(/[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99}){1,3}")
MAX_TITLE = 200
MAX_REASON = 2000
MAX_FILES = 300
RACE = tr("the draft was changed by another request at the same time; reload it and save again")


@dataclass(frozen=True)
class DraftFile:
    path: str
    sha256: str
    size: int


def _require_reader(user: User) -> None:
    require_role(user, "bpmn_author", tr("the procedure workbench"), "procedure_approver", "admin")


def _require_author(user: User) -> None:
    require_role(user, "bpmn_author", tr("editing procedure drafts"), "admin")


def _draft(draft_id: int) -> ProcedureDraft:
    draft = db.session.get(ProcedureDraft, draft_id)
    if draft is None:
        raise NotFound(tr("draft %(id)s not found", id=draft_id))
    return draft


def _owned(user: User, draft_id: int, revision: int | None) -> ProcedureDraft:
    """The user's own draft, still being edited, at the revision the client read."""
    _require_author(user)
    draft = _draft(draft_id)
    if draft.owner_id != user.id:
        raise Forbidden(tr("only the draft's owner (%(owner)s) may change it", owner=draft.owner.full_name),
                        code="not_draft_owner")
    if draft.status != EDITING:
        raise Conflict(tr("the draft is %(status)s and cannot be changed", status=status_words(draft.status)),
                       code="draft_not_editing", details={"status": draft.status})
    check_revision(draft, revision)
    return draft


def editable(user: User, draft_id: int, revision: int | None) -> ProcedureDraft:
    """The user's own draft, being edited, at the revision named: what may be changed (a 403, 409
    or 412 otherwise), checked before a change is even read."""
    return _owned(user, draft_id, revision)


def check_revision(draft: ProcedureDraft, revision: int | None) -> None:
    """A change names the revision it was made on (If-Match, or `revision`): required, and equal."""
    if revision is None:
        raise PreconditionFailed(tr("name the draft's revision you changed (If-Match or revision); it is now "
                                    "%(now)d", now=draft.revision), code="revision_required",
                                 details={"revision": draft.revision})
    if revision != draft.revision:
        raise PreconditionFailed(tr("the draft changed after you read it (revision %(read)d, now %(now)d): "
                                    "reload it; your change was not saved", read=revision, now=draft.revision),
                                 details={"revision": draft.revision})


def status_words(status: str):
    return {EDITING: tr("being edited"), SUBMITTED: tr("awaiting approval"), PUBLISHED: tr("published"),
            DISCARDED: tr("discarded")}.get(status, status)


def _trace(action: str, user: User, draft: ProcedureDraft, **data) -> None:
    audit.record(action, actor=user, chain=audit.procedure_chain(draft.process_id),
                 data={"draft_id": draft.id, "revision": draft.revision, **data})


def _bump(draft: ProcedureDraft, read: int) -> None:
    """The draft's next revision, by one conditional UPDATE: of two saves on the same revision at
    once, exactly one moves it (the other's transaction is refused, nothing of it written)."""
    now = utcnow()
    done = db.session.execute(db.update(ProcedureDraft).where(
        ProcedureDraft.id == draft.id, ProcedureDraft.revision == read).values(
        revision=read + 1, updated_at=now).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise PreconditionFailed(RACE, details={"revision": read + 1})
    draft.revision, draft.updated_at = read + 1, now


def _confirm(draft: ProcedureDraft, read: int) -> None:
    """That the draft is still at the revision read, by the same conditional UPDATE as `_bump`
    (it waits for a save in flight and sees what it wrote), moving nothing."""
    done = db.session.execute(db.update(ProcedureDraft).where(
        ProcedureDraft.id == draft.id, ProcedureDraft.revision == read).values(
        revision=read).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise PreconditionFailed(RACE, details={"revision": read + 1})


# -- making one ----------------------------------------------------------------------------------
def create(user: User, *, from_version_id: int | None = None, process_id: str | None = None,
           title: str | None = None) -> ProcedureDraft:
    """A draft of a deployed version's package (`from_version_id`), or of a new procedure
    (`process_id`, `title`) from the skeleton: a lane of officers, one step with its form."""
    _require_author(user)
    errors = {}
    if from_version_id is not None:
        version = db.session.get(ProcedureVersion, from_version_id)
        if version is None:
            raise NotFound(tr("procedure version %(id)s not found", id=from_version_id))
        files, process_id = version_files(version), version.procedure.process_id
        title = _title(title, errors) if title is not None else version.name
    else:
        if not isinstance(process_id, str) or not PROCESS_ID.fullmatch(process_id):
            errors["process_id"] = [tr("a procedure id: 2 to 64 lower-case letters, digits and _, starting with "
                                       "a letter")]
        elif db.session.execute(db.select(ProcedureRow.id).where(ProcedureRow.process_id == process_id)).first():
            errors["process_id"] = [tr("the procedure %(id)s exists: make a draft of one of its versions",
                                       id=process_id)]
        title = _title(title, errors)
    if errors:
        raise Invalid(errors)
    if from_version_id is None:
        files = skeleton(process_id, title)
    digests = {path: sha256_of(content) for path, content in sorted(files.items())}
    now = utcnow()
    with one_transaction(RACE):
        draft = ProcedureDraft(process_id=process_id, title=title, base_version_id=from_version_id,
                               owner=user, status=EDITING, revision=1, created_at=now, updated_at=now)
        db.session.add(draft)
        db.session.flush()
        for path, digest in digests.items():
            db.session.add(ProcedureDraftFile(draft_id=draft.id, path=path, sha256=digest,
                                              size=len(files[path]), content=files[path]))
        _trace("draft.created", user, draft, base_version_id=from_version_id, title=title, files=digests)
    return draft


def _title(title, errors: dict) -> str | None:
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE or "\x00" in title:
        errors["title"] = [tr("a name of 1 to %(max)d characters", max=MAX_TITLE)]
        return None
    return title.strip()


# -- reading --------------------------------------------------------------------------------------
def list_drafts(user: User, *, status: str | None = None) -> list[ProcedureDraft]:
    """The drafts of every author (newest change first); discarded ones only when asked for."""
    _require_reader(user)
    query = db.select(ProcedureDraft).order_by(ProcedureDraft.updated_at.desc(), ProcedureDraft.id.desc())
    if status is not None:
        if status not in STATUSES:
            raise Invalid({"status": [tr("one of %(values)s", values=", ".join(STATUSES))]})
        query = query.where(ProcedureDraft.status == status)
    else:
        query = query.where(ProcedureDraft.status != DISCARDED)
    return list(db.session.execute(query).scalars())


def get(user: User, draft_id: int) -> ProcedureDraft:
    _require_reader(user)
    return _draft(draft_id)


def files_of(draft: ProcedureDraft) -> list[DraftFile]:
    return [DraftFile(f.path, f.sha256, f.size) for f in draft.files]


def read_file(user: User, draft_id: int, path: str) -> tuple[ProcedureDraft, bytes]:
    draft = get(user, draft_id)
    row = db.session.execute(db.select(ProcedureDraftFile).where(
        ProcedureDraftFile.draft_id == draft.id, ProcedureDraftFile.path == path)
        .options(undefer(ProcedureDraftFile.content))).scalar_one_or_none()
    if row is None:
        raise NotFound(tr("the draft has no file %(path)s", path=path))
    return draft, row.content


def layout(draft: ProcedureDraft) -> dict[str, bytes]:
    rows = db.session.execute(db.select(ProcedureDraftFile.path, ProcedureDraftFile.content).where(
        ProcedureDraftFile.draft_id == draft.id)).all()
    return {path: content for path, content in rows}


def main_path(draft: ProcedureDraft) -> str:
    return f"bpmn/{draft.process_id}/{draft.process_id}.bpmn"


# -- changing it ----------------------------------------------------------------------------------
def _check_file(draft: ProcedureDraft, path: str, content: bytes, files: dict[str, bytes] | None = None) -> None:
    """A file the draft may hold. A Word template is checked against the draft's forms and steps
    as they would stand with `files` saved (each field it names a field of its form)."""
    if not isinstance(path, str) or not PATH.fullmatch(path) or ".." in path:
        raise Invalid({"path": [tr("a path of the package's layout: bpmn/<folder>/<file> or forms/<folder>/<file>, "
                                   "plain names")]})
    if not path.endswith(packages.ALLOWED_SUFFIXES):
        raise Invalid({"path": [tr("a package holds only %(suffixes)s files",
                                   suffixes=", ".join(packages.ALLOWED_SUFFIXES))]})
    limit = current_app.config["BPMN_MAX_BYTES"]
    if len(content) > limit:
        raise Invalid({"content": [tr("at most %(max)d bytes", max=limit)]})
    if path.endswith(".docx"):
        forms, steps = template_data(draft, files or {path: content})
        found = word_templates.problems(content, forms, steps)
        if found:
            raise Invalid({"content": found[:MAX_TEMPLATE_PROBLEMS]}, tr("the Word template cannot be used"),
                          code="template_invalid", details={"problem_count": len(found)})
    else:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as err:
            raise Invalid({"content": [tr("the file is not UTF-8 (%(reason)s at byte %(byte)d)", reason=err.reason,
                                          byte=err.start)]}) from None


MAX_TEMPLATE_PROBLEMS = 50


def template_data(draft: ProcedureDraft, changed: dict[str, bytes] | None = None
                  ) -> tuple[dict[str, dict], dict[str, str | None]]:
    """What a template of the draft may name: its forms (its own and the shared; key -> schema, a
    form that is not JSON as an empty schema, judged by the draft's problems) and its people's
    steps (bpmn id -> form key), with `changed` files as they would be saved."""
    package = package_in({**layout(draft), **(changed or {})}, draft.process_id)
    forms = {}
    for path, content in package.form_files().items():
        try:
            schema = json.loads(content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            schema = {}
        forms.setdefault(packages.form_key(path), schema if isinstance(schema, dict) else {})
    steps = human_steps(package.bpmn_files(), current_app.config["BPMN_MAX_BYTES"])
    return forms, {bpmn_id: step["form_key"] for bpmn_id, step in steps.items()}


def save_file(user: User, draft_id: int, path: str, content: bytes, revision: int | None) -> ProcedureDraft:
    """Write one file of the user's draft (new or replaced): the draft's next revision."""
    return save_files(user, draft_id, {path: content}, revision)


def save_files(user: User, draft_id: int, files: dict[str, bytes], revision: int | None,
               removed: tuple[str, ...] = ()) -> ProcedureDraft:
    """Write files of the user's draft (new or replaced) together, and remove those `removed`
    names: one next revision, or nothing saved (a Word template and the list of documents that
    names it)."""
    with one_transaction(RACE):
        draft = _owned(user, draft_id, revision)
        gone = []
        for path in removed:
            row = db.session.execute(db.select(ProcedureDraftFile).where(
                ProcedureDraftFile.draft_id == draft.id, ProcedureDraftFile.path == path)).scalar_one_or_none()
            if row is not None and path != main_path(draft):
                db.session.delete(row)
                gone.append(path)
        for path, content in files.items():
            _check_file(draft, path, content, files)
        changed = {}
        for path, content in files.items():
            row = db.session.execute(db.select(ProcedureDraftFile).where(
                ProcedureDraftFile.draft_id == draft.id, ProcedureDraftFile.path == path)).scalar_one_or_none()
            digest = sha256_of(content)
            if row is None:
                count = db.session.execute(db.select(db.func.count()).where(
                    ProcedureDraftFile.draft_id == draft.id)).scalar()
                if count >= MAX_FILES:
                    raise Invalid({"path": [tr("a draft holds at most %(max)d files", max=MAX_FILES)]})
                db.session.add(ProcedureDraftFile(draft_id=draft.id, path=path, sha256=digest, size=len(content),
                                                  content=content))
                db.session.flush()
            elif row.sha256 == digest:
                continue
            else:
                row.sha256, row.size, row.content = digest, len(content), content
            changed[path] = (digest, len(content))
        if not changed and not gone:
            # nothing changed: no new revision, but the revision read must still be the draft's
            # (a save of the same text another save has just written is that save's race, a 412)
            _confirm(draft, revision)
            return draft
        _bump(draft, revision)
        for path, (digest, size) in changed.items():
            _trace("draft.file_saved", user, draft, path=path, sha256=digest, size=size)
        for path in gone:
            _trace("draft.file_removed", user, draft, path=path)
    return draft


def delete_file(user: User, draft_id: int, path: str, revision: int | None) -> ProcedureDraft:
    with one_transaction(RACE):
        draft = _owned(user, draft_id, revision)
        if path == main_path(draft):
            raise Invalid({"path": [tr("the procedure's own diagram cannot be removed")]})
        row = db.session.execute(db.select(ProcedureDraftFile).where(
            ProcedureDraftFile.draft_id == draft.id, ProcedureDraftFile.path == path)).scalar_one_or_none()
        if row is None:
            raise NotFound(tr("the draft has no file %(path)s", path=path))
        db.session.delete(row)
        _bump(draft, revision)
        _trace("draft.file_removed", user, draft, path=path)
    return draft


# -- its problems ---------------------------------------------------------------------------------
def package_of(draft: ProcedureDraft) -> packages.Package:
    return package_in(layout(draft), draft.process_id)


def package_in(files: dict[str, bytes], process_id: str) -> packages.Package:
    found = [p for p in packages.packages_in(files) if p.procedure_id == process_id]
    if not found:
        raise packages.package_invalid(tr("the draft has no folder bpmn/%(id)s", id=process_id))
    return found[0]


def problems(user: User, draft_id: int) -> tuple[ProcedureDraft, list[dict], int]:
    """The deploy's problems of the draft as it stands: (draft, the first of them, how many)."""
    draft = get(user, draft_id)
    try:
        check_package(package_of(draft))
    except Invalid as err:
        found = err.details.get("problems")
        if found is None:  # a package-level refusal (no package, a bad name): its messages
            found = [{"message": m, "element_id": None, "file": None, "line": None}
                     for messages in err.errors.values() for m in messages]
        return draft, found, err.details.get("problem_count", len(found))
    return draft, [], 0


# -- publishing -------------------------------------------------------------------------------------
def submit(user: User, draft_id: int, revision: int | None, note: str | None = None) -> ProcedureDraft:
    """The owner asks for the draft to be published: only without problems; frozen until answered."""
    if note is not None and (not isinstance(note, str) or len(note) > MAX_REASON or "\x00" in note):
        raise Invalid({"note": [tr("at most %(max)d characters", max=MAX_REASON)]})
    with one_transaction(RACE):
        draft = _owned(user, draft_id, revision)
        _, found, count = problems(user, draft_id)
        if count:
            raise Invalid({"draft": [tr("the draft has %(count)d problem(s): correct them first", count=count)]},
                          tr("the draft cannot be submitted"), code="draft_has_problems",
                          details={"problems": found, "problem_count": count})
        draft.status, draft.submitted_at, draft.note = SUBMITTED, utcnow(), (note or "").strip() or None
        draft.review_reason = None
        _bump(draft, revision)
        _trace("draft.submitted", user, draft, note=draft.note, files=_file_digests(draft))
    return draft


def _file_digests(draft: ProcedureDraft) -> dict[str, str]:
    return {f.path: f.sha256 for f in draft.files}


def _reviewable(user: User, draft_id: int, revision: int | None) -> ProcedureDraft:
    require_role(user, "procedure_approver", tr("approving procedure drafts"))
    draft = _draft(draft_id)
    if draft.status != SUBMITTED:
        raise Conflict(tr("the draft is %(status)s, not awaiting approval", status=status_words(draft.status)),
                       code="draft_not_submitted", details={"status": draft.status})
    if draft.owner_id == user.id:
        raise Forbidden(tr("a draft is approved by a second person, not by its owner"), code="own_draft")
    check_revision(draft, revision)
    return draft


def approve(user: User, draft_id: int, revision: int | None) -> tuple[ProcedureDraft, ProcedureVersion]:
    """A second person approves: the draft is deployed as the procedure's next version (the
    deploy's checks again), the draft published and naming it, in the version's transaction."""
    draft = _reviewable(user, draft_id, revision)

    def publish(version: ProcedureVersion, **more) -> None:
        _bump(draft, revision)
        draft.status, draft.reviewed_by, draft.reviewed_at = PUBLISHED, user, utcnow()
        draft.published_version_id = version.id
        _trace("draft.approved", user, draft, version_id=version.id, version=version.version,
               sha256=version.sha256, files=_file_digests(draft), **more)

    try:
        version, created = deploy_package(package_of(draft), user, approved=True,
                                          on_version=lambda _checked, version: publish(version))
    except Exception:
        db.session.rollback()
        raise
    if not created:  # the same package was deployed before: nothing was stored, the draft names that version
        with one_transaction(RACE):
            draft = _reviewable(user, draft_id, revision)
            publish(version, already_deployed=True)
    return draft, version


def return_draft(user: User, draft_id: int, revision: int | None, reason: str) -> ProcedureDraft:
    """A second person returns the draft to its owner with the reason; it can be edited again."""
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON or "\x00" in reason:
        raise Invalid({"reason": [tr("say why, in at most %(max)d characters", max=MAX_REASON)]})
    with one_transaction(RACE):
        draft = _reviewable(user, draft_id, revision)
        draft.status, draft.reviewed_by, draft.reviewed_at = EDITING, user, utcnow()
        draft.review_reason = reason.strip()
        _bump(draft, revision)
        _trace("draft.returned", user, draft, reason=draft.review_reason)
    return draft


def discard(user: User, draft_id: int, revision: int | None) -> ProcedureDraft:
    with one_transaction(RACE):
        draft = _owned(user, draft_id, revision)
        draft.status = DISCARDED
        _bump(draft, revision)
        _trace("draft.discarded", user, draft)
    return draft


# -- a new procedure's skeleton ----------------------------------------------------------------------
def skeleton(process_id: str, title: str) -> dict[str, bytes]:
    """The files of a new procedure: one lane of officers, a start, one step with its form
    (`<id>_record`), an end; with its diagram's layout, so the modeler draws it."""
    form = f"{process_id}_record"
    name = _xml_text(title)
    bpmn = f'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="definitions_{process_id}" targetNamespace="http://zhifaflow.local/bpmn">
  <bpmn:process id="{process_id}" name="{name}" isExecutable="true">
    <bpmn:laneSet id="laneset_{process_id}">
      <bpmn:lane id="lane_officer" name="officer">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>record</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="开始"/>
    <bpmn:userTask id="record" name="登记">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formKey" value="{form}"/>
        </spiffworkflow:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="结束"/>
    <bpmn:sequenceFlow id="flow_start_record" sourceRef="start" targetRef="record"/>
    <bpmn:sequenceFlow id="flow_record_end" sourceRef="record" targetRef="end"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram_{process_id}">
    <bpmndi:BPMNPlane id="plane_{process_id}" bpmnElement="{process_id}">
      <bpmndi:BPMNShape id="lane_officer_di" bpmnElement="lane_officer" isHorizontal="true">
        <dc:Bounds x="130" y="80" width="520" height="160"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="192" y="142" width="36" height="36"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="record_di" bpmnElement="record">
        <dc:Bounds x="300" y="120" width="100" height="80"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end">
        <dc:Bounds x="482" y="142" width="36" height="36"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="flow_start_record_di" bpmnElement="flow_start_record">
        <di:waypoint x="228" y="160"/>
        <di:waypoint x="300" y="160"/>
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="flow_record_end_di" bpmnElement="flow_record_end">
        <di:waypoint x="400" y="160"/>
        <di:waypoint x="482" y="160"/>
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
'''
    schema = f'''{{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "zhifaflow:forms/{form}",
  "title": "登记",
  "x-title-en": "Record",
  "type": "object",
  "additionalProperties": false,
  "required": ["recorded_on", "summary"],
  "properties": {{
    "recorded_on": {{"type": "string", "format": "date", "title": "登记日期", "x-title-en": "Recorded on"}},
    "summary": {{"type": "string", "minLength": 1, "maxLength": 2000, "title": "内容", "x-title-en": "Summary"}}
  }},
  "examples": [{{"recorded_on": "2026-12-01", "summary": "登记内容"}}]
}}
'''
    return {f"bpmn/{process_id}/{process_id}.bpmn": bpmn.encode("utf-8"),
            f"forms/{process_id}/{PurePosixPath(form).name}{packages.FORM_SUFFIX}": schema.encode("utf-8")}


def _xml_text(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;"))


# -- compared with the deployed version ----------------------------------------------------------------
# What a step is compared on: its person's step (name, lane's role, form, deadline, legal review,
# alerts), the milestone it marks (code, the status it sets and its label, whether it closes the
# case), the message it waits for and the ad-hoc request that starts it.
STEP_FIELDS = ("name", "lane", "form_key", "deadline", "milestone", "status", "status_label", "closes",
               "legal_review", "overdue_alert", "due_soon_alert", "message", "request")
LANE_FIELDS = ("name", "role")
BPMN_NS = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
MAX_CASES_LISTED = 50


@dataclass(frozen=True)
class _Diagram:
    """What the comparison reads of a BPMN file itself: its sequence flows (id -> source, target,
    condition), its lanes (id -> name, the role it stands for) and every named element's name."""
    flows: dict
    lanes: dict
    names: dict


def _diagram(xml: bytes | str) -> _Diagram:
    from ...engine.specs import lane_role, parse_xml

    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    root = parse_xml(data, max_bytes=len(data) + 1).getroot()
    flows = {}
    for flow in root.iter(f"{BPMN_NS}sequenceFlow"):
        condition = flow.find(f"{BPMN_NS}conditionExpression")
        flows[flow.get("id")] = {"source": flow.get("sourceRef"), "target": flow.get("targetRef"),
                                 "condition": (condition.text or "").strip() if condition is not None else None}
    lanes = {lane.get("id"): {"name": (lane.get("name") or "").strip() or None, "role": lane_role(lane.get("name"))}
             for lane in root.iter(f"{BPMN_NS}lane")}
    names = {el.get("id"): el.get("name").strip() for el in root.iter()
             if isinstance(el.tag, str) and el.tag.startswith(BPMN_NS) and el.get("id") and (el.get("name") or "").strip()}
    return _Diagram(flows, lanes, names)


def _diff(old: dict, new: dict, fields=None) -> dict:
    """added and removed keys; changed ones with each differing field as [old, new] (`fields`, else
    every key of the two values)."""
    changed = []
    for key in sorted(old.keys() & new.keys()):
        a, b = old[key], new[key]
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            names = fields if fields is not None else sorted(a.keys() | b.keys())
            differ = {f: [a.get(f), b.get(f)] for f in names if a.get(f) != b.get(f)}
        else:
            differ = {"content": [a, b]}
        if differ:
            changed.append({"id": key, "fields": differ})
    return {"added": sorted(new.keys() - old.keys()), "removed": sorted(old.keys() - new.keys()), "changed": changed}


def _details(diff: dict, old: dict, new: dict) -> dict:
    """Each element removed or changed as it was (`before`), each added or changed as it is (`after`)."""
    changed = [c["id"] for c in diff["changed"]]
    return {"before": {k: old[k] for k in [*diff["removed"], *changed]},
            "after": {k: new[k] for k in [*diff["added"], *changed]}}


def _two(en, zh) -> dict:
    return {"zh": zh or en, "en": en or zh}


def _form_changes(old: dict, new: dict) -> dict:
    """Forms by key: added, removed, and changed ones with their title [old, new], their fields
    (properties) added, removed or changed, the other parts of the schema that differ (required,
    examples…), and the titles of the fields named, in both languages."""
    result = _diff({k: None for k in old}, {k: None for k in new})
    for key in sorted(old.keys() & new.keys()):
        a, b = old[key] or {}, new[key] or {}
        if a == b:
            continue
        props = _diff(a.get("properties") or {}, b.get("properties") or {})
        props["changed"] = [c["id"] for c in props["changed"]]
        titles = {}
        for name in [*props["added"], *props["removed"], *props["changed"]]:
            spec = (b.get("properties") or {}).get(name) or (a.get("properties") or {}).get(name) or {}
            titles[name] = _two(spec.get("x-title-en"), spec.get("title") or name)
        result["changed"].append({
            "id": key, "fields": {"title": [a.get("title"), b.get("title")]} if a.get("title") != b.get("title") else {},
            "properties": props, "field_titles": titles,
            "other": sorted(k for k in (a.keys() | b.keys()) - {"title", "properties", "x-title-en"}
                            if a.get(k) != b.get(k))})
    return result


def _step_detail(meta: dict, info) -> dict:
    """A step as the comparison shows it: its compared fields, its deadline in words, whether a
    person does it, and the call activities that run it (a step of a called process)."""
    words = deadline_words(meta.get("deadline"), info)
    return {**{f: meta.get(f) for f in STEP_FIELDS}, "human": bool(meta.get("human")),
            "called_by": list(meta.get("called_by") or []),
            "deadline_words": None if words is None else _two(str(words), getattr(words, "zh", str(words)))}


def compare(user: User, draft_id: int) -> dict:
    """The draft against the version it would follow (its base, else the procedure's latest): the
    steps (people's steps, the elements marking a milestone or waiting for a message: name, lane,
    form, deadline, milestone, legal review, alerts), the sequence flows, the lanes (the roles),
    the forms (their fields) and the rule bindings added, removed or changed, each step added,
    removed or changed with its details before and after (its deadline in words); and the
    procedure's running cases in the user's scope that could move to it — those whose ready steps
    all exist in the draft — with the steps that keep the others. Only a draft the deploy accepts
    is compared (422 otherwise)."""
    from ...models import Case, Task
    from ...oversight.bindings import KINDS
    from ..people.access import scope_filter

    draft = get(user, draft_id)
    package = package_of(draft)
    checked = check_package(package)
    base = db.session.get(ProcedureVersion, draft.base_version_id) if draft.base_version_id else None
    if base is None:
        base = db.session.execute(db.select(ProcedureVersion).join(ProcedureRow).where(
            ProcedureRow.process_id == draft.process_id).order_by(ProcedureVersion.version.desc()).limit(1)
        ).scalar_one_or_none()
    new_specs = checked.procedure.task_specs
    new_info = ProcedureInfo(checked.sha256, new_specs, checked.forms, checked.rules)
    new_diagram = _diagram(package.files[package.main_path])
    if base is None:
        old_specs, old_info, old_forms, old_rules = {}, None, {}, {}
        old_diagram = _Diagram({}, {}, {})
    else:
        old_info = procedure_info(base)
        old_specs, old_forms = old_info.task_specs, base.forms or {}
        old_rules = (base.rules or {}).get("rules") or {}
        old_diagram = _diagram(base.bpmn_xml)
    steps = _diff(old_specs, new_specs, STEP_FIELDS)
    flows = _diff(old_diagram.flows, new_diagram.flows, ("source", "target", "condition"))
    lanes = _diff(old_diagram.lanes, new_diagram.lanes, LANE_FIELDS)
    rules = _diff(_by_key(old_rules), _by_key((checked.rules or {}).get("rules") or {}))
    names = {**old_diagram.names, **{k: v.get("name") or k for k, v in old_specs.items()},
             **new_diagram.names, **{k: v.get("name") or k for k, v in new_specs.items()}}
    changed_ids = [c["id"] for c in steps["changed"]]
    forms = {**old_forms, **checked.forms}
    old_rule_items, new_rule_items = _by_key(old_rules), _by_key((checked.rules or {}).get("rules") or {})
    rule_kinds = {}
    for key in [*rules["added"], *rules["removed"], *(c["id"] for c in rules["changed"])]:
        entry = new_rule_items.get(key) or old_rule_items.get(key)
        kind = KINDS.get(entry.get("kind")) if isinstance(entry, dict) else None
        rule_kinds[key] = {"kind": entry.get("kind") if isinstance(entry, dict) else None,
                           "code": kind.code if kind else None, "article": kind.article if kind else None}
    result = {
        "draft_id": draft.id, "revision": draft.revision,
        "base_version_id": base.id if base else None, "base_version": base.version if base else None,
        "steps": steps,
        "flows": flows,
        "lanes": lanes,
        "forms": _form_changes(old_forms, checked.forms),
        "rules": rules,
        "step_details": {
            "before": {k: _step_detail(old_specs[k], old_info) for k in [*steps["removed"], *changed_ids]},
            "after": {k: _step_detail(new_specs[k], new_info) for k in [*steps["added"], *changed_ids]}},
        "flow_details": _details(flows, old_diagram.flows, new_diagram.flows),
        "lane_details": _details(lanes, old_diagram.lanes, new_diagram.lanes),
        "step_names": {k: names[k] for k in sorted(names)},
        "form_titles": {k: _two(v.get("x-title-en"), v.get("title") or k) for k, v in sorted(forms.items())
                        if isinstance(v, dict)},
        "rule_kinds": rule_kinds,
        **_package_changes(package, checked, base),
        "cases": {"could_move": 0, "blocked": [], "blocked_count": 0},
    }
    if base is not None:
        ready = db.session.execute(
            db.select(Case.id, Case.number, Task.bpmn_id).join(Task, Task.case_id == Case.id)
            .join(ProcedureVersion, Case.procedure_version_id == ProcedureVersion.id)
            .where(ProcedureVersion.procedure_id == base.procedure_id, Case.closed_at.is_(None),
                   Task.state == "ready", scope_filter(user)).order_by(Case.id)).all()
        steps_of: dict[tuple[int, str], list[str]] = {}
        for case_id, number, bpmn_id in ready:
            steps_of.setdefault((case_id, number), []).append(bpmn_id)
        for (case_id, number), ready_steps in steps_of.items():
            missing = sorted(s for s in ready_steps if s not in new_specs)
            if not missing:
                result["cases"]["could_move"] += 1
                continue
            result["cases"]["blocked_count"] += 1
            if len(result["cases"]["blocked"]) < MAX_CASES_LISTED:
                result["cases"]["blocked"].append({"case_id": case_id, "number": number, "missing_steps": missing})
    return result


DOCUMENT_FIELDS = ("title", "template", "step", "when", "filled_in_by", "template_content")
RULES_OWN_KEYS = ("rules", "$comment")  # the bindings (compared one by one) and the author's note


def _package_changes(package: packages.Package, checked, base: ProcedureVersion | None) -> dict:
    """What the rest of the package changed: `documents` (documents.json's entries by kind, each
    changed field as [old, new], `template_content` when the template file itself differs),
    `rule_sections` (rules.json's parts other than the bindings: clock, act_dates…) and `files`
    (every other file by path: decision tables, called processes, templates no document uses),
    with `document_titles` (kind -> {"before", "after"} titles)."""
    from ...models import ProcedureFile
    from .document_manifest import manifest_path, template_path

    new_files = {path: sha256_of(content) for path, content in checked.files.items()}
    old_files, old_manifest = {}, None
    manifest = manifest_path(package.procedure_id)
    if base is not None:
        old_files = dict(db.session.execute(db.select(ProcedureFile.path, ProcedureFile.sha256)
                                            .where(ProcedureFile.version_id == base.id)).all())
        if manifest in old_files:
            old_manifest = db.session.execute(db.select(ProcedureFile.content).where(
                ProcedureFile.version_id == base.id, ProcedureFile.path == manifest)).scalar_one()

    def entries(content: bytes | None, files: dict) -> dict:
        try:
            listed = json.loads(content.decode("utf-8"))["documents"] if content is not None else []
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError):
            listed = []  # a version stored before its list was checked: nothing to compare it by
        out = {}
        for entry in listed if isinstance(listed, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("kind"), str):
                template = entry.get("template")
                path = template_path(package.procedure_id, template) if isinstance(template, str) else None
                out[entry["kind"]] = {**{f: entry.get(f) for f in DOCUMENT_FIELDS[:-1]},
                                      "template_path": path, "template_content": files.get(path)}
        return out

    old_documents = entries(old_manifest, old_files)
    new_documents = entries(package.files.get(manifest) if manifest in checked.files else None, new_files)
    documents = _diff(old_documents, new_documents, DOCUMENT_FIELDS)
    for change in documents["changed"]:
        if "template_content" in change["fields"]:  # the same file changed: said as such, not as two hashes
            change["fields"]["template_content"] = [None, "changed"]
    covered = {package.main_path, manifest, package.rules_path,
               *(d["template_path"] for d in (*old_documents.values(), *new_documents.values()) if d["template_path"])}
    others = {path: sha for path, sha in old_files.items()
              if path not in covered and not path.endswith(packages.FORM_SUFFIX)}
    mine = {path: sha for path, sha in new_files.items()
            if path not in covered and not path.endswith(packages.FORM_SUFFIX)}
    old_rules, new_rules = (base.rules if base is not None else None) or {}, checked.rules or {}
    sections = _diff({k: v for k, v in old_rules.items() if k not in RULES_OWN_KEYS and v not in (None, {}, [])},
                     {k: v for k, v in new_rules.items() if k not in RULES_OWN_KEYS and v not in (None, {}, [])})
    return {"documents": documents,
            "document_titles": {kind: {"before": (old_documents.get(kind) or {}).get("title"),
                                       "after": (new_documents.get(kind) or {}).get("title")}
                                for kind in sorted(old_documents.keys() | new_documents.keys())},
            "rule_sections": sections, "files": _diff(others, mine)}


def _by_key(rules) -> dict:
    """Rule bindings by a stable key: a dict's own keys; a list's items by their `kind` where the
    kind is bound once (so a binding's forms or parameters changed show as that binding changed),
    else by the kind and the forms it is bound `on`."""
    if isinstance(rules, dict):
        return rules
    items = rules if isinstance(rules, list) else []
    kinds = [item.get("kind") if isinstance(item, dict) else None for item in items]
    keyed = {}
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            key = str(n)
        elif kinds.count(item.get("kind")) == 1:
            key = str(item.get("kind"))
        else:
            on = item.get("on")
            on = ",".join(map(str, on)) if isinstance(on, list) else on
            key = f"{item.get('kind')}@{on if on else n}"
        keyed[key if key not in keyed else f"{key}#{n}"] = item
    return keyed
