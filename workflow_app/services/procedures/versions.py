"""Deploying procedures: validated, immutable versions keyed by content hash; and running
their engine steps, which happen in an engine worker process (engine/pool.py), never here."""
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from flask import current_app, has_app_context
from jsonschema.exceptions import SchemaError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer

from ...engine.errors import BpmnInvalid
from ...engine.limits import EngineLimits
from ...engine.pool import EngineUnavailable, engine_for
from ...engine.processor import StepResult
from ...engine.specs import (
    build_package,
    executable_processes,
    flow_nodes,
    parse_xml,
    procedure_kind,
    properties_of,
    readable_roots,
    sha256_of,
)
from ...extensions import db
from ...models import Procedure as ProcedureRow
from ...models import ProcedureFile, ProcedureVersion, User
from ...models.types import utcnow
from ...oversight import bindings, clock, step_rules  # noqa: F401 - importing step_rules registers the rule kinds
from ...oversight.deadlines import DeadlineSyntaxError, describe, parse_deadline
from ...oversight.step_rules.record import short_title
from ..audit import trail as audit
from ..cases import prefill
from ..errors import MAX_FIELD_CHARS, MAX_MESSAGES, Conflict, Invalid, NotFound, Text, Unavailable, clip, tr
from ..people.access import require_role
from ..registers import numbering
from . import document_manifest, form_checks, packages, statuses
from .forms import check_form_schema, form_validator, reference_forms, with_english_labels


def deploy(data: bytes, actor: User | str) -> tuple[ProcedureVersion, bool]:
    """Validate and store an upload: a deploy archive (.zip) of one package, or a single BPMN
    file; returns (version, created). Identical content is a no-op.

    A single .bpmn file is a package of one file: when the repository (BPMN_DIR, FORMS_DIR) has a
    package of the same process id, the file takes the place of that package's diagram and the
    package's forms, rule bindings and templates come with it (an author's edited diagram);
    otherwise its forms are looked up among all of the repository's forms.
    `actor` is the deploying user, or a label such as "cli:root" for the server operator.
    """
    if isinstance(actor, User):
        require_role(actor, "bpmn_author", tr("deploying procedures"), "admin")
    if packages.is_zip(data):
        found = packages.packages_in(packages.read_zip(data))
        if len(found) != 1:
            raise packages.package_invalid(tr("the archive holds %(count)d packages (%(names)s); deploy one at a time",
                                              count=len(found), names=", ".join(p.procedure_id for p in found)))
        return deploy_package(found[0], actor)
    problem = _not_utf8(data)  # before the file is read for its process id
    if problem:
        raise _invalid([problem])
    return deploy_package(_single_file_package(data), actor)


def deploy_package(package: packages.Package, actor: User | str, *, approved: bool = False,
                   on_version=None) -> tuple[ProcedureVersion, bool]:
    """Validate a whole package and store it as one immutable version, hashed over its files.
    `approved`: a draft a second person approved (services/procedures/drafts.py): the approval is
    the deployer's right; `on_version(checked, version)` then writes the draft's own change in the
    transaction that stores the version (not called when identical content was deployed before)."""
    if isinstance(actor, User) and not approved:
        require_role(actor, "bpmn_author", tr("deploying procedures"), "admin")
    checked = check_package(package)
    return _store(checked.procedure, checked.files, checked.forms, checked.rules, checked.sha256, actor,
                  on_version=None if on_version is None else (lambda version: on_version(checked, version)))


@dataclass(frozen=True)
class CheckedPackage:
    """A package that passed every deploy check: what its version would store."""

    procedure: object  # engine.specs' parsed package
    files: dict[str, bytes]
    forms: dict
    rules: dict | None
    sha256: str


def check_package(package: packages.Package) -> CheckedPackage:
    """Every deploy check of a package, nothing stored: the problems raised as one Invalid
    (`details["problems"]`: message, element_id, file, line), the same for a deploy and a draft.

    The problems come all at once, in two stages. A file that cannot be read (a form that is no
    JSON Schema, a key defined twice, a file not UTF-8, the diagram missing) stops the check
    there: what is built on it would only repeat it. Otherwise a diagram that does not build does
    not hide the rest: the rule bindings are checked against the forms, the documents' list and
    templates against the forms (not against steps the diagram did not yield), and the forms the
    diagram names against themselves."""
    forms, form_paths, problems = _package_forms(package)
    bpmn = package.bpmn_files()
    if package.main_path not in bpmn:
        problems.append({"message": tr("the package has no %(path)s (its own process, with the id %(id)s)",
                                       path=package.main_path, id=repr(package.procedure_id)),
                         "element_id": None, "line": None, "file": package.main_path})
    tables = package.dmn_files()
    problems += [p for p in (_not_utf8(content, path) for path, content in {**bpmn, **tables}.items()) if p]
    problems += [{"message": tr("a decision table belongs in bpmn/%(id)s/ (beside the procedure's diagram)",
                                id=package.procedure_id), "element_id": None, "line": None, "file": path}
                 for path in package.misplaced_dmn_files()]
    if problems:
        raise _invalid(problems)
    try:
        procedure = build_package(bpmn, max_bytes=current_app.config["BPMN_MAX_BYTES"], known_forms=forms,
                                  limits=engine_limits(),
                                  process_id=None if package.single_file else package.procedure_id,
                                  main_path=package.main_path, dmn_files=tables)
    except BpmnInvalid as err:
        # A file deployed alone is the only file: its problems need no file name.
        problems = [p.in_file("").as_dict() if package.single_file and p.file == package.main_path
                    else p.as_dict() for p in err.problems]
        procedure = None
    if procedure is None:  # what needs the steps waits for a diagram that builds
        task_specs, used, prefill_problems = None, _named_forms(bpmn, forms), []
    else:
        task_specs, used = procedure.task_specs, procedure.form_keys
        prefill_problems = prefill.problems(forms, used, bindings.field_schema, procedure.decisions)
    rules, rule_problems = _package_rules(package, forms, task_specs or {})
    documents, document_problems = document_manifest.check(package, forms, task_specs)
    field_problems = [{"message": message, "element_id": None, "line": None, "file": form_paths.get(key)}
                      for key, message in [*_content_problems(forms, used), *prefill_problems,
                                           *numbering.form_problems(forms, used)]]
    problems += rule_problems + document_problems + field_problems
    if problems:
        raise _invalid(problems)
    used_forms = sorted(procedure.form_keys)
    templates = {document.template for document in documents}
    kept = {path: content for path, content in package.files.items()
            if (package.own(path) and not path.endswith((".bpmn", packages.FORM_SUFFIX)))
            or path in procedure.files or path in templates
            or (path.endswith(packages.FORM_SUFFIX) and form_paths.get(packages.form_key(path)) == path
                and (package.own(path) or packages.form_key(path) in procedure.form_keys))}
    return CheckedPackage(procedure, kept, {key: forms[key] for key in used_forms}, rules, package_sha(kept))


def _named_forms(bpmn: dict[str, bytes], forms: dict[str, dict]) -> set[str]:
    """The keys of the package's forms its diagram names (formKey, reviewedReport), read from the
    XML alone: what the form checks cover when the diagram does not build."""
    named = set()
    for _, node in flow_nodes(readable_roots(bpmn, current_app.config["BPMN_MAX_BYTES"])).values():
        props = properties_of(node)
        named.update(props.get(name) for name in ("formKey", "reviewedReport"))
    return named & forms.keys()


def _content_problems(forms: dict[str, dict], used) -> list[tuple[str, object]]:
    """(form key, what is wrong) of each form the procedure's steps use, by itself
    (form_checks.content_check: its example accepted, titles, Chinese labels of choices, roles)."""
    found = []
    for key in sorted(set(used) & forms.keys()):
        check = form_checks.content_check(forms[key])
        if check.schema_error:
            found.append((key, check.schema_error))
            continue
        found += [(key, message) for messages in check.problems.values() for message in messages]
        found += [(key, tr("the example of form %(form)s: %(field)s: %(reason)s", form=key, field=where,
                           reason=message))
                  for where, messages in check.example_errors.items() for message in messages]
    return found


def _not_utf8(data: bytes, path: str | None = None) -> dict | None:
    """The problem of a BPMN file that is not UTF-8, or None."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        problem = {"message": tr("the file is not UTF-8 (%(reason)s at byte %(byte)d)", reason=err.reason,
                                 byte=err.start), "element_id": None, "line": None}
        return {**problem, "file": path} if path else problem
    return None


def package_sha(files: dict[str, bytes]) -> str:
    """The version's hash: SHA-256 over each file's path and the SHA-256 of its bytes, by path."""
    manifest = "".join(f"{path}\0{sha256_of(content)}\n" for path, content in sorted(files.items()))
    return sha256_of(manifest.encode("utf-8"))


def _store(procedure, files: dict[str, bytes], forms: dict, rules: dict | None, sha: str,
           actor: User | str, on_version=None) -> tuple[ProcedureVersion, bool]:
    existing = version_by_sha(sha)
    if existing is not None:
        return existing, False
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
    main = files[procedure.files[0]]
    version = ProcedureVersion(
        procedure_id=row.id, version=(last or 0) + 1, sha256=sha, bpmn_xml=main.decode("utf-8"), name=procedure.name,
        kind=procedure_kind(parse_xml(main, max_bytes=len(main) + 1).getroot()),
        forms=forms, task_specs=procedure.task_specs, rules=rules,
        deployed_by_id=actor.id if isinstance(actor, User) else None,
    )
    row.name = procedure.name
    db.session.add(version)
    try:
        db.session.flush()
        for path, content in sorted(files.items()):
            db.session.add(ProcedureFile(version_id=version.id, path=path, sha256=sha256_of(content), content=content))
        audit.record("procedure.deployed", actor=actor, data={
            "process_id": procedure.process_id, "version": version.version, "sha256": sha,
            "files": {path: sha256_of(content) for path, content in sorted(files.items())}})
        if on_version is not None:
            on_version(version)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = version_by_sha(sha)
        if existing is None:  # another deployment took the version number or audit sequence
            raise Conflict(tr("another deployment happened at the same time; deploy again")) from None
        return existing, False  # the same package, deployed concurrently: the other request won
    return version, True


def package_forms(package: packages.Package) -> dict[str, dict]:
    """The package's forms by key as the deploy reads them (one that is not a JSON Schema left out:
    its problem is the deploy's to name)."""
    return _package_forms(package)[0]


def _package_forms(package: packages.Package) -> tuple[dict[str, dict], dict[str, str], list[dict]]:
    """The package's forms by key (its own, then the shared ones), the path each key came from,
    and the problems: a file that is not a JSON Schema, a key defined twice."""
    forms, paths, problems = {}, {}, []
    for path, content in package.form_files().items():
        key = packages.form_key(path)
        try:
            schema = json.loads(content.decode("utf-8"))
            if not isinstance(schema, dict):
                raise ValueError("a form is a JSON object")
            check_form_schema(schema)
        except (UnicodeDecodeError, ValueError, SchemaError, RecursionError) as err:
            problems.append({"message": tr("the form is not a valid JSON Schema: %(reason)s",
                                           reason=clip(str(getattr(err, "message", err)), 300)),
                             "element_id": None, "line": None, "file": path})
            continue
        if key in forms:
            if package.own(paths[key]) and not package.own(path):
                continue  # the package's own form of a key stands before a shared one
            problems.append({"message": tr("form %(key)s is defined twice (%(first)s)", key=repr(key),
                                           first=paths[key]), "element_id": None, "line": None, "file": path})
            continue
        forms[key], paths[key] = schema, path
    return forms, paths, problems


def _package_rules(package: packages.Package, forms: dict, task_specs: dict) -> tuple[dict | None, list[dict]]:
    """The package's rule bindings (bpmn/<id>/rules.json), checked against its forms, and the
    limits its deadlines extend (`extendable as`) against those its clock declares."""
    content = package.files.get(package.rules_path)
    rules, problems = None, []
    if content is not None:
        where = {"element_id": None, "line": None, "file": package.rules_path}
        try:
            rules = json.loads(content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as err:
            return None, [{"message": tr("the rule bindings are not JSON: %(reason)s", reason=clip(str(err), 300)),
                           **where}]
        problems = [{"message": m, **where} for m in bindings.problems(rules, forms)]
        if problems:
            return rules, problems
    declared = clock.from_section(rules["clock"]).limits if isinstance(rules, dict) and "clock" in rules else {}
    for bpmn_id, meta in sorted(task_specs.items()):
        message = limit_problem(parse_deadline(meta["deadline"]), declared) if meta.get("deadline") else None
        if message is not None:
            problems.append({"message": message, "element_id": bpmn_id, "line": None, "file": package.main_path})
    # Stored with its clock always said (empty: none), so only versions deployed before packages
    # declared their clock fall back to the legacy one (oversight/clock.py `of_rules`).
    return {**(rules or {}), "clock": (rules or {}).get("clock", {})}, problems


def limit_problem(deadline, declared) -> Text | None:
    """A deadline `extendable as` a limit the package's clock does not declare (`declared`: the
    limits of its rules.json `clock.limits`): what the deploy says, or None."""
    limit = deadline.extendable_as
    if limit is None or limit in declared:
        return None
    return tr("deadline %(text)s: the package declares no time limit %(limit)s that extensions lengthen "
              "(rules.json: clock.limits; it declares %(limits)s)", text=repr(deadline.text), limit=repr(limit),
              limits=", ".join(declared) or "-")


def _single_file_package(data: bytes) -> packages.Package:
    """A BPMN file deployed alone, as a package (see `deploy`)."""
    process_id = _executable_process_id(data)
    config = current_app.config
    repository = packages.read_tree_parts(config["BPMN_DIR"], config["FORMS_DIR"])
    found = next((p for p in packages.packages_in_or_none(repository) if p.procedure_id == process_id), None)
    if found is None:
        found = packages.with_all_forms(process_id or "procedure", repository)
    found.files[found.main_path] = data
    found.single_file = True
    return found


def _executable_process_id(data: bytes) -> str | None:
    """The id of the file's executable process, when the file is XML with one (else the full
    validation reports what is wrong)."""
    try:
        root = parse_xml(data, current_app.config["BPMN_MAX_BYTES"]).getroot()
    except BpmnInvalid as err:
        raise _invalid([p.as_dict() for p in err.problems]) from None
    ids = [p.get("id") for p in executable_processes(root)]
    return ids[0] if len(ids) == 1 and ids[0] and packages.PACKAGE_NAME.match(ids[0]) else None


def _located(problem: dict) -> Text:
    """A problem's message with where it is: `… [element Task_1] [line 12]` (and the file, in a
    package of several)."""
    if problem.get("file") and problem["file"].count("/") > 0:
        inner = _located({**problem, "file": None})
        return tr("%(file)s: %(problem)s", file=problem["file"], problem=inner)
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
    rules: dict | None = None  # the package's rule bindings (oversight/bindings.py)
    statuses: dict = field(default_factory=dict)  # code -> statuses.Status, in the procedure's order

    @cached_property
    def bindings(self) -> list:
        """The rule bindings with their kinds and completed parameters (bindings.bound), once."""
        return bindings.bound(self.rules)

    @cached_property
    def clock(self) -> clock.ClockRules:
        """The decision clock's forms and limits (oversight/clock.py), once."""
        return clock.of_rules(self.rules, self.forms)

    @cached_property
    def validators(self) -> dict:
        """form key -> its schema's validator, found once per version: finding it by the schema's
        text wrote the whole schema out as JSON at every step (a fraction of a millisecond)."""
        return {key: form_validator(schema) for key, schema in self.forms.items() if isinstance(schema, dict)}


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
    task_specs = dict(version.task_specs or {})
    info = ProcedureInfo(version.sha256, task_specs,
                         _readable_forms(version.forms or {}, version.procedure.process_id), version.rules,
                         statuses.version_statuses(task_specs, statuses.initial_label_of(version.bpmn_xml)))
    with _infos_lock:
        _infos[version.sha256] = info
        while len(_infos) > 256:
            _infos.popitem(last=False)
    return info


def _readable_forms(forms: dict, process_id: str) -> dict:
    """A version's forms, with the English labels forms/ has gained since it was deployed (its
    package's forms/<id>/, then forms/shared/)."""
    forms_dir = current_app.config.get("FORMS_DIR") if has_app_context() else None
    reference = {}
    if forms_dir and packages.PACKAGE_NAME.match(process_id or ""):  # a name, never a path
        for folder in (packages.SHARED, process_id):
            reference.update(reference_forms(str(Path(forms_dir) / folder)))
    return {key: with_english_labels(schema, reference.get(key)) for key, schema in forms.items()}


def bpmn_sources(version: ProcedureVersion) -> str | dict[str, str]:
    """What the engine parses a version from: its BPMN XML, or, for a package whose procedure
    calls processes of other files or evaluates decision tables, every BPMN and DMN file by path,
    its own process's first. Read only when an engine worker has not parsed the version yet."""
    files = {path: content.decode("utf-8") for path, content in db.session.execute(
        db.select(ProcedureFile.path, ProcedureFile.content).where(
            ProcedureFile.version_id == version.id,
            db.or_(ProcedureFile.path.like("%.bpmn"), ProcedureFile.path.like(f"%{packages.DMN_SUFFIX}"))))}
    if len(files) <= 1:
        return version.bpmn_xml
    main = next(path for path, xml in files.items() if path.endswith(".bpmn") and xml == version.bpmn_xml)
    return {main: files.pop(main), **files}


def package_sources(procedure, files: dict[str, bytes]) -> str | dict[str, str]:
    """bpmn_sources of a package not deployed (a draft's test run), from its files by path:
    those the checked procedure (`CheckedPackage.procedure`) was built from."""
    paths = [*procedure.files, *procedure.decision_files]
    sources = {path: files[path].decode("utf-8") for path in paths}
    return sources[paths[0]] if len(sources) == 1 else sources


@dataclass(frozen=True)
class CalledProcess:
    """A process of another file that the version's procedure calls (bpmn/shared/…): its file
    (the diagram the pages draw below the procedure's own) and its name."""

    path: str
    process_id: str
    name: str


_called: OrderedDict[str, list[CalledProcess]] = OrderedDict()  # version's sha256 -> its called processes


def called_processes(version: ProcedureVersion) -> list[CalledProcess]:
    """The processes of the version's other BPMN files (those its procedure calls: deploy keeps
    no other), by file; cached per process by the version's content hash (its files are
    immutable), as procedure_info is: a case page asks on every view."""
    with _infos_lock:
        found = _called.get(version.sha256)
        if found is not None:
            _called.move_to_end(version.sha256)
            return list(found)
    found = _read_called_processes(version)
    with _infos_lock:
        _called[version.sha256] = found
        while len(_called) > 256:
            _called.popitem(last=False)
    return list(found)


def _read_called_processes(version: ProcedureVersion) -> list[CalledProcess]:
    rows = db.session.execute(
        db.select(ProcedureFile.path, ProcedureFile.content).where(
            ProcedureFile.version_id == version.id, ProcedureFile.path.like("%.bpmn"))
        .order_by(ProcedureFile.path)).all()
    if len(rows) <= 1:
        return []  # its own file only (or, deployed before packages, no file rows at all)
    main = version.bpmn_xml.encode("utf-8")
    found = []
    for path, content in rows:
        if content == main:
            continue
        root = parse_xml(content, max_bytes=len(content) + 1).getroot()  # validated at deploy
        found += [CalledProcess(path, p.get("id"), p.get("name") or p.get("id")) for p in executable_processes(root)]
    return found


def bpmn_file(version: ProcedureVersion, path: str | None) -> str:
    """A BPMN file of the version: its procedure's own (`path` None), or one of the files of the
    processes it calls (`path` as called_processes gives it)."""
    if path is None:
        return version.bpmn_xml
    content = db.session.execute(
        db.select(ProcedureFile.content).where(ProcedureFile.version_id == version.id, ProcedureFile.path == path,
                                               ProcedureFile.path.like("%.bpmn"))).scalar_one_or_none()
    if content is None:
        raise NotFound(tr("version %(version)s has no BPMN file %(path)s", version=version.version,
                          path=repr(clip(path, 200))))
    return content.decode("utf-8")


def version_files(version: ProcedureVersion) -> dict[str, bytes]:
    """Every file of a deployed version (the package as deployed), by path."""
    rows = db.session.execute(db.select(ProcedureFile).where(ProcedureFile.version_id == version.id)
                              .options(undefer(ProcedureFile.content))).scalars()
    return {row.path: row.content for row in rows}


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
    workers: ENGINE_USER_SHARE). The step runs at `payload["now"]` when given (a timer pass's
    instant), else now: its timers read that instant (engine/timer_clock.py). `actor_key`: whose
    step it is (`actor_key_of(user)`, or the timer worker's own name); None counts against no share."""
    return run_engine(op, payload, version.sha256, {v.sha256: (lambda v=v: bpmn_sources(v)) for v in (version, *others)},
                      actor_key=actor_key)


def run_engine(op: str, payload: dict, sha256: str, sources: dict, *, actor_key: str | None = None) -> StepResult:
    """run_engine_step on procedures given by hash -> a function giving their BPMN (a deployed
    version's, or a draft's under test: services/cases/draft_runs.py), the step's procedure `sha256`."""
    try:
        return engine_for(current_app.config).run(
            op, sources, {"sha256": sha256, "now": utcnow(), **payload}, engine_limits(), actor_key=actor_key)
    except EngineUnavailable as err:
        raise Unavailable(err.message) from None



# -- reading the catalogue (the procedures page) ----------------------------------------------------
PROCEDURE_READERS = ("bpmn_author", "admin", "supervisor", "procedure_approver")


@dataclass
class VersionRow:
    version: ProcedureVersion
    deployed_by: str  # the user's name, or the label of who deployed it ("cli:root")


def _deployers(versions: list[ProcedureVersion]) -> dict[int, str]:
    """version id -> who deployed it: the user on record, else the actor of its trace event."""
    from ...models import TraceEvent

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
    require_role(user, PROCEDURE_READERS[0], tr("reading the procedures"), *PROCEDURE_READERS[1:])
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
    status: object = None  # the label of the status its milestone sets
    deadline_words: object = None  # the deadline in the reader's words (a Phrase)


@dataclass
class VersionDetail:
    version: VersionRow
    others: list[ProcedureVersion]  # the procedure's other versions
    steps: list[StepSpec]  # in the BPMN's order, a called process's after the call activity that runs it
    called: list[CalledProcess] = field(default_factory=list)  # drawn below the procedure's own diagram


def deadline_words(text: str | None, info: ProcedureInfo):
    """A deadline as its reader says it (a Phrase), its anchor named by the form's and field's
    titles or by the milestone's element; None without a deadline, the text itself if unreadable."""
    if not text:
        return None
    try:
        deadline = parse_deadline(text)
    except DeadlineSyntaxError:
        return text
    return describe(deadline, anchor_words(deadline, info))


def anchor_words(deadline, info: ProcedureInfo) -> tuple[str, str]:
    if deadline.form_anchor:
        task_id, field_name = deadline.form_anchor
        meta = info.task_specs.get(task_id) or {}
        form = info.forms.get(meta.get("form_key")) or {}
        spec = (form.get("properties") or {}).get(field_name) or {}
        zh_form = short_title(form.get("title")) or meta.get("name") or task_id
        en_form = short_title(form.get("x-title-en")) or zh_form
        zh_field = short_title(spec.get("title")) or field_name
        return f"{zh_form}·{zh_field}", f"{en_form} · {short_title(spec.get('x-title-en')) or zh_field}"
    if deadline.milestone:
        for meta in info.task_specs.values():
            if meta.get("milestone") == deadline.milestone:
                status = info.statuses.get(meta.get("status"))
                return meta.get("name") or deadline.milestone, str(status.label) if status else deadline.milestone
        return deadline.milestone, deadline.milestone
    return "该步骤开始办理", "the step becoming ready"


def version_detail(user: User, version_id: int) -> VersionDetail:
    """One version: who deployed it, when, its hash, and its steps with lanes, forms and deadlines."""
    require_role(user, PROCEDURE_READERS[0], tr("reading the procedures"), *PROCEDURE_READERS[1:])
    version = get_version(version_id)
    info = procedure_info(version)
    steps = [StepSpec(bpmn_id, meta.get("name") or bpmn_id, meta.get("lane"), meta.get("form_key"),
                      (info.forms.get(meta.get("form_key")) or {}).get("title") if meta.get("form_key") else None,
                      meta.get("deadline"), meta.get("milestone"), bool(meta.get("legal_review")),
                      info.statuses[meta["status"]].label if meta.get("milestone") and meta.get("status") in info.statuses
                      else None, deadline_words(meta.get("deadline"), info))
             for _, bpmn_id, meta in sorted((meta.get("position", i), bpmn_id, meta)
                                            for i, (bpmn_id, meta) in enumerate(info.task_specs.items()))]
    others = [v for v in list_versions() if v.procedure_id == version.procedure_id and v.id != version.id]
    return VersionDetail(VersionRow(version, _deployers([version])[version.id]), others, steps,
                         called_processes(version))
