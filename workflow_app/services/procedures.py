"""Deploying procedures: validated, immutable versions keyed by content hash; and running
their engine steps, which happen in an engine worker process (engine/pool.py), never here."""
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy.exc import IntegrityError

from ..engine.errors import BpmnInvalid
from ..engine.limits import EngineLimits
from ..engine.pool import EngineUnavailable, engine_for
from ..engine.processor import StepResult
from ..engine.specs import build_procedure, sha256_of
from ..extensions import db
from ..models import Procedure as ProcedureRow
from ..models import ProcedureVersion, User
from . import audit
from .access import require_role
from .errors import MAX_FIELD_CHARS, MAX_MESSAGES, Conflict, Invalid, NotFound, Text, Unavailable, clip, tr
from .forms import load_forms, reference_forms, with_english_labels


def deploy(data: bytes, actor: User | str) -> tuple[ProcedureVersion, bool]:
    """Validate and store a BPMN file; returns (version, created). Identical content is a no-op.

    `actor` is the deploying user, or a label such as "cli:root" for the server operator.
    """
    if isinstance(actor, User):
        require_role(actor, "bpmn_author", "deploying procedures", "admin")
    sha = sha256_of(data)
    existing = version_by_sha(sha)
    if existing is not None:
        return existing, False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _invalid([{"message": tr("the file is not UTF-8 (%(reason)s at byte %(byte)d)", reason=err.reason,
                                       byte=err.start), "element_id": None, "line": None}]) from None
    forms = load_forms(current_app.config["FORMS_DIR"])
    try:
        procedure = build_procedure(data, max_bytes=current_app.config["BPMN_MAX_BYTES"],
                                    known_forms=forms, limits=engine_limits())
    except BpmnInvalid as err:
        raise _invalid([p.as_dict() for p in err.problems]) from None

    row = db.session.execute(
        db.select(ProcedureRow).where(ProcedureRow.process_id == procedure.process_id)
    ).scalar_one_or_none()
    if row is None:
        row = ProcedureRow(process_id=procedure.process_id, name=procedure.name)
        db.session.add(row)
        db.session.flush()
    last = db.session.execute(
        db.select(db.func.max(ProcedureVersion.version)).where(ProcedureVersion.procedure_id == row.id)
    ).scalar()
    version = ProcedureVersion(
        procedure_id=row.id, version=(last or 0) + 1, sha256=sha, bpmn_xml=text, name=procedure.name,
        forms={key: forms[key] for key in sorted(procedure.form_keys)},
        task_specs=procedure.task_specs, deployed_by_id=actor.id if isinstance(actor, User) else None,
    )
    row.name = procedure.name
    db.session.add(version)
    try:
        db.session.flush()
        audit.record("procedure.deployed", actor=actor, data={
            "process_id": procedure.process_id, "version": version.version, "sha256": sha})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = version_by_sha(sha)
        if existing is None:  # another deployment took the version number or audit sequence
            raise Conflict(tr("another deployment happened at the same time; deploy again")) from None
        return existing, False  # the same file, deployed concurrently: the other request won
    return version, True


def _located(problem: dict) -> Text:
    """A problem's message with where it is: `… [element Task_1] [line 12]`."""
    element, line = problem.get("element_id"), problem.get("line")
    if element and line:
        return tr("%(problem)s [element %(element)s] [line %(line)d]", problem=problem["message"],
                  element=element, line=line)
    if element:
        return tr("%(problem)s [element %(element)s]", problem=problem["message"], element=element)
    if line:
        return tr("%(problem)s [line %(line)d]", problem=problem["message"], line=line)
    return problem["message"]


def _invalid(problems: list[dict]) -> Invalid:
    """Every problem as a message of the field `file` (Invalid keeps the first MAX_MESSAGES), and
    the first MAX_MESSAGES located problems, clipped, with their count. Each message is a Text:
    the API says it in the reader's language (the deploy's `details` too), the CLI in English."""
    messages = [_located(p) for p in problems]
    shown = [{**p, "message": clip(p["message"]),
              "element_id": clip(p["element_id"], MAX_FIELD_CHARS) if p["element_id"] else None}
             for p in problems[:MAX_MESSAGES]]
    return Invalid({"file": messages}, tr("the BPMN file cannot be deployed"), code="bpmn_invalid",
                   details={"problems": shown, "problem_count": len(problems)})


def version_by_sha(sha: str) -> ProcedureVersion | None:
    return db.session.execute(
        db.select(ProcedureVersion).where(ProcedureVersion.sha256 == sha)
    ).scalar_one_or_none()


def latest_version(process_id: str) -> ProcedureVersion:
    version = db.session.execute(
        db.select(ProcedureVersion).join(ProcedureRow)
        .where(ProcedureRow.process_id == process_id)
        .order_by(ProcedureVersion.version.desc()).limit(1)
    ).scalar_one_or_none()
    if version is None:
        raise NotFound(tr("no procedure %(id)s is deployed", id=repr(process_id)))
    return version


def get_version(version_id: int) -> ProcedureVersion:
    version = db.session.get(ProcedureVersion, version_id)
    if version is None:
        raise NotFound(tr("procedure version %(id)s not found", id=version_id))
    return version


def list_versions() -> list[ProcedureVersion]:
    return list(db.session.execute(
        db.select(ProcedureVersion).join(ProcedureRow)
        .order_by(ProcedureRow.process_id, ProcedureVersion.version)
    ).scalars())


@dataclass(frozen=True)
class ProcedureInfo:
    """What the web process needs of a version: its task metadata and form schemas (no spec)."""

    sha256: str
    task_specs: dict
    forms: dict


_infos: OrderedDict[str, ProcedureInfo] = OrderedDict()
_infos_lock = threading.Lock()


def procedure_info(version: ProcedureVersion) -> ProcedureInfo:
    """Task metadata and forms of a stored version, cached per process by content hash (the
    columns are immutable and deferred, so a warm cache costs no query)."""
    with _infos_lock:
        info = _infos.get(version.sha256)
        if info is not None:
            _infos.move_to_end(version.sha256)
            return info
    info = ProcedureInfo(version.sha256, dict(version.task_specs or {}), _readable_forms(version.forms or {}))
    with _infos_lock:
        _infos[version.sha256] = info
        while len(_infos) > 256:
            _infos.popitem(last=False)
    return info


def _readable_forms(forms: dict) -> dict:
    """A version's forms, with the English labels forms/ has gained since it was deployed."""
    forms_dir = current_app.config.get("FORMS_DIR") if has_app_context() else None
    reference = reference_forms(forms_dir) if forms_dir else {}
    return {key: with_english_labels(schema, reference.get(key)) for key, schema in forms.items()}


def actor_key_of(actor: User | str) -> str:
    """The key a user's (or a named worker's) engine steps are counted under in the pool."""
    return f"user:{actor.id}" if isinstance(actor, User) else str(actor)


def engine_limits() -> EngineLimits:
    return EngineLimits.from_config(current_app.config)


def run_engine_step(op: str, payload: dict, version: ProcedureVersion,
                    *others: ProcedureVersion, actor_key: str | None = None) -> StepResult:
    """One engine step of a case on `version` (and `others`, e.g. a migration's target), in an
    engine worker under the configured limits. Raises EngineError (the step failed; nothing
    changed) or Unavailable (no worker free, or the actor's steps already hold their share of the
    workers: ENGINE_USER_SHARE). `actor_key`: whose step it is (`actor_key_of(user)`, or the timer
    worker's own name); None counts against no share."""
    sources = {v.sha256: (lambda v=v: v.bpmn_xml) for v in (version, *others)}
    try:
        return engine_for(current_app.config).run(op, sources, {"sha256": version.sha256, **payload},
                                                  engine_limits(), actor_key=actor_key)
    except EngineUnavailable as err:
        raise Unavailable(err.message) from None



# -- reading the catalogue (the procedures page) ----------------------------------------------------
PROCEDURE_READERS = ("bpmn_author", "admin", "supervisor")


@dataclass
class VersionRow:
    version: ProcedureVersion
    deployed_by: str  # the user's name, or the label of who deployed it ("cli:root")


def _deployers(versions: list[ProcedureVersion]) -> dict[int, str]:
    """version id -> who deployed it: the user on record, else the actor of its trace event."""
    from ..models import TraceEvent

    users = {u.id: u.full_name for u in db.session.execute(
        db.select(User).where(User.id.in_({v.deployed_by_id for v in versions if v.deployed_by_id}))).scalars()}
    by_sha: dict[str, str] = {}
    for actor, data in db.session.execute(
            db.select(TraceEvent.actor, TraceEvent.data_json)  # the system chain: (chain, seq) is indexed
            .where(TraceEvent.chain == audit.SYSTEM_CHAIN, TraceEvent.action == "procedure.deployed")):
        sha = json.loads(data or "{}").get("sha256")
        if sha:
            by_sha.setdefault(sha, actor)
    return {v.id: users.get(v.deployed_by_id) or by_sha.get(v.sha256) or "—" for v in versions}


def catalogue(user: User) -> list[tuple[ProcedureRow, list[VersionRow]]]:
    """Each procedure with its versions, newest first (read only: authors, admins, supervisors)."""
    require_role(user, PROCEDURE_READERS[0], "reading the procedures", *PROCEDURE_READERS[1:])
    versions = list_versions()
    deployers = _deployers(versions)
    out: dict[int, tuple[ProcedureRow, list[VersionRow]]] = {}
    for v in versions:
        out.setdefault(v.procedure_id, (v.procedure, []))[1].insert(0, VersionRow(v, deployers[v.id]))
    return list(out.values())


@dataclass
class StepSpec:
    bpmn_id: str
    name: str
    lane: str | None
    form_key: str | None
    form_title: str | None
    deadline: str | None
    milestone: str | None
    legal_review: bool


@dataclass
class VersionDetail:
    version: VersionRow
    others: list[ProcedureVersion]  # the procedure's other versions
    steps: list[StepSpec]  # in the BPMN's order


def version_detail(user: User, version_id: int) -> VersionDetail:
    """One version: who deployed it, when, its hash, and its steps with lanes, forms and deadlines."""
    require_role(user, PROCEDURE_READERS[0], "reading the procedures", *PROCEDURE_READERS[1:])
    version = get_version(version_id)
    info = procedure_info(version)
    steps = [StepSpec(bpmn_id, meta.get("name") or bpmn_id, meta.get("lane"), meta.get("form_key"),
                      (info.forms.get(meta.get("form_key")) or {}).get("title") if meta.get("form_key") else None,
                      meta.get("deadline"), meta.get("milestone"), bool(meta.get("legal_review")))
             for bpmn_id, meta in info.task_specs.items()]
    others = [v for v in list_versions() if v.procedure_id == version.procedure_id and v.id != version.id]
    return VersionDetail(VersionRow(version, _deployers([version])[version.id]), others, steps)
