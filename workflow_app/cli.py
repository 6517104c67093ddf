"""Command-line interface: `flask --app wsgi <group> <command>`.

Every group is a GuardedGroup: a command never prints a traceback. A service error becomes its
message, anything unexpected (an unreachable or unmigrated database, a bug) one line naming the
error, both on stderr with exit status 1.
"""
import getpass
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from .demo.cases import DEFAULT_COUNT
from .extensions import db
from .services.errors import ServiceError
from .services.procedures import versions as procedures

MAX_MESSAGE = 500


class GuardedGroup(AppGroup):
    """An AppGroup whose commands end in one line on stderr and exit 1 when they fail."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, EOFError):
            raise  # click reports these itself: usage errors, --help, Ctrl-D
        except ServiceError as err:
            _rollback_quietly()
            _fail(_service_message(err))
        except Exception as err:  # noqa: BLE001 - the point: no traceback, whatever it is
            _rollback_quietly()
            _fail(unexpected_message(err))


def unexpected_message(err: Exception) -> str:
    """One line for an error nobody anticipated: its type and the first line of its text."""
    cause = err.orig if isinstance(err, DBAPIError) and err.orig is not None else err
    lines = str(cause).strip().splitlines()
    text = f"{type(cause).__name__}: {lines[0].strip()}" if lines else type(cause).__name__
    if isinstance(err, OperationalError | ProgrammingError):  # cannot connect, or no such table
        text = (f"database error: {text} (is the database reachable and migrated? "
                "`flask --app wsgi db upgrade`)")
    elif isinstance(err, DBAPIError):
        text = f"database error: {text}"
    else:
        text = f"unexpected {text}"
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _service_message(err: ServiceError) -> str:
    details = "; ".join(f"{field}: {', '.join(map(str, msgs))}" for field, msgs in err.errors.items())
    return err.message + (f" ({details})" if details else "")


def _rollback_quietly():
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001, S110 - the database may be the thing that failed
        pass


demo_cli = GuardedGroup("demo", help="Demo data for trying the system out.")
procedures_cli = GuardedGroup("procedures", help="Deploy and list BPMN procedures.")
audit_cli = GuardedGroup("audit", help="Audit trail checks.")
users_cli = GuardedGroup("users", help="Users, roles and enforcement certificates.")
org_cli = GuardedGroup("org", help="The org tree: province → city → district → departments.")
cases_cli = GuardedGroup("cases", help="Operations on running cases.")
benchmarks_cli = GuardedGroup("benchmarks", help="The discretion benchmarks register (行政裁量权基准).")
causes_cli = GuardedGroup("causes", help="The departments' causes registers (案由) and their statutory ranges.")
penalty_lists_cli = GuardedGroup("penalty-lists", help="The departments' no-penalty lists (首违不罚清单) and "
                                                      "light-penalty lists (从轻减轻处罚清单).")
registers_cli = GuardedGroup("registers", help="The register of market entities (市场主体名录) inspections draw from.")
timers_cli = GuardedGroup("timers", help="BPMN timers: fire those that are due (one pass).")
oversight_cli = GuardedGroup("oversight", help="Oversight alerts: the time rules (one pass).")
worker_cli = GuardedGroup("worker", help="The background worker: timers and oversight alerts.")


def _operator() -> str:
    return f"cli:{getpass.getuser()}"


def _file_bytes(file: Path) -> bytes:
    """A file named on the command line, or a message and exit 1 (missing, unreadable)."""
    try:
        return file.read_bytes()
    except OSError as err:
        _fail(f"{file}: {err.strerror}")


def _run(action, *args, **kwargs):
    """Call a service; turn its errors into a message and exit 1 (never a traceback)."""
    try:
        return action(*args, **kwargs)
    except ServiceError as err:
        db.session.rollback()
        _fail(_service_message(err))


def _fail(message: str, code: int = 1):
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@demo_cli.command("seed")
@click.option("--password", required=True, help="Password given to every demo user.")
@click.option("--if-empty", is_flag=True, help="Do nothing when users already exist.")
def demo_seed(password: str, if_empty: bool):
    """Create the demo org tree (district, justice bureau, ~40 departments) and its users."""
    from .demo.seed import seed_demo

    if len(password) < 8:
        _fail("the password must be at least 8 characters")
    created = seed_demo(password, if_empty=if_empty)
    if created is None:
        click.echo("Demo data already present; nothing changed.")
    else:
        click.echo(f"Created {created['units']} org units, {created['users']} users, {created['benchmarks']} "
                   f"discretion benchmark items, {created['causes']} causes, {created['list_items']} items of "
                   f"the no-penalty and light-penalty lists and {created['market_entities']} market entities.")


@demo_cli.command("cases")
@click.option("--count", default=DEFAULT_COUNT, show_default=f"{DEFAULT_COUNT}, two at each stage",
              type=click.IntRange(1, 500), help="Cases to open, spread over the stages in turn.")
@click.option("--if-empty", is_flag=True, help="Do nothing when cases already exist.")
def demo_cases(count: int, if_empty: bool):
    """Open sample cases of general_penalty and the summary procedure at the stages people need to
    try the system, of 查封、扣押 (seizure) at each of its stages in two departments, and referrals
    (线索移送) at each of theirs (needs demo seed and the deployed BPMN); each case follows the procedure wherever it routes. Ends with one
    pass of the oversight scan, which raises the alerts of the steps past their due time."""
    from .demo.cases import STAGES, has_cases, seed_demo_cases

    if if_empty and has_cases():
        click.echo("Cases already present; nothing changed.")
        return
    reached = _run(seed_demo_cases, count)
    click.echo(f"Opened {count} demo cases in 市场监督管理局 (market):")
    for stage in STAGES:
        if reached[stage.name]:
            nxt = f"; next: {stage.inbox}" if stage.inbox else ""
            click.echo(f"  {reached[stage.name]:3d} {stage.label}{nxt}")
    from .demo.departments import seed_other_departments

    others = _run(seed_other_departments)
    if others:
        click.echo(f"Registered {others} clue(s) in other departments (生态环境, 交通运输, 应急管理), each with its "
                   "party, number and evidence.")
    from .demo import referral

    sent = _run(referral.seed_referral_cases)
    if sent:
        click.echo(f"Opened {sum(sent.values())} referrals (线索移送) to 综合行政执法局 (urban):")
    for stage in referral.STAGES:
        if sent.get(stage.name):
            nxt = f"; next: {stage.inbox}" if stage.inbox else ""
            click.echo(f"  {sent[stage.name]:3d} {stage.label}{nxt}")
    from .demo import seizure

    held = _run(seizure.seed_seizure_cases)
    if held:
        each = sum(held.values()) // len(seizure.DEPARTMENTS)
        click.echo(f"Opened {sum(held.values())} seizure cases (查封、扣押), {each} in 市场监督管理局 (market) and "
                   f"{each} in 生态环境分局 (environment):")
    for stage in seizure.STAGES:
        if held.get(stage.name):
            nxt = f"; next: {stage.inbox}" if stage.inbox else ""
            click.echo(f"  {held[stage.name]:3d} {stage.label}{nxt}")
    from .demo import inspection

    plans = _run(inspection.seed_inspection_plans)
    if plans:
        click.echo(f"Drafted this year's inspection plans (检查计划) of {', '.join(plans)}: market's published, "
                   "environment's awaiting environment_head's approval, transport's a draft.")
    inspected = _run(inspection.seed_inspection_cases)
    if inspected:
        click.echo(f"Opened {sum(inspected.values())} enterprise inspections (涉企行政检查) in 市场监督管理局 (market), six "
                   "of them by a random draw under its plan, and one of 生态环境分局 (environment) visiting jointly:")
        for name, label, inbox in inspection.STAGES:
            if inspected.get(name):
                nxt = f"; next: {inbox}" if inbox else ""
                click.echo(f"  {inspected[name]:3d} {label}{nxt}")
    from .demo.cases import DEPARTMENT
    from .models import Case, OrgUnit

    market = db.session.scalar(db.select(db.func.count()).select_from(Case).join(
        OrgUnit, Case.department_id == OrgUnit.id).where(OrgUnit.code == DEPARTMENT))
    click.echo(f"{market} demo cases in 市场监督管理局 (market) in all, the cases officer1 sees.")
    # the worker's pass, so that the demo's late steps show as alerts (预警) from the start
    from .services.oversight import alerts

    _report_scan(alerts.scan())


@procedures_cli.command("deploy")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--as", "username", help="Record the deployment as this user (must be a bpmn_author).")
def procedures_deploy(paths: tuple[str, ...], username: str | None):
    """Validate and deploy procedures as new versions (identical content: no-op). Each PATH is a
    package folder (bpmn/<id>), a folder holding bpmn/ and forms/ (every package in it), a deploy
    archive (.zip with bpmn/<id>/… and forms/<id>/… at its top level) or a single .bpmn file."""
    from .models import User
    from .services.procedures import packages

    actor = f"cli:{getpass.getuser()}"
    if username:
        actor = db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()
        if actor is None:
            _fail(f"no user {username!r}")
    failed = False
    for name in paths:
        path = Path(name)
        try:
            if path.is_dir():
                jobs = [(f"{name} [{p.procedure_id}]", lambda p=p: procedures.deploy_package(p, actor))
                        for p in packages.read_folder(path)]
            elif path.is_file():
                data = path.read_bytes()
                jobs = [(name, lambda data=data: procedures.deploy(data, actor))]
                if packages.is_zip(data):
                    jobs = [(f"{name} [{p.procedure_id}]", lambda p=p: procedures.deploy_package(p, actor))
                            for p in packages.packages_in(packages.read_zip(data))]
            else:
                click.echo(f"{name}: no such file or folder", err=True)
                failed = True
                continue
        except ServiceError as err:
            failed = True
            _echo_problems(name, err)
            continue
        for label, job in jobs:
            try:
                version, created = job()
            except ServiceError as err:
                db.session.rollback()
                failed = True
                _echo_problems(label, err)
                continue
            state = "deployed" if created else "unchanged (already deployed)"
            click.echo(f"{label}: {version.procedure.process_id} v{version.version} {state} sha256={version.sha256}")
    if failed:
        sys.exit(1)


def _echo_problems(label: str, err: ServiceError) -> None:
    click.echo(f"{label}: {err.message}", err=True)
    problems = err.details.get("problems") or [{"message": m} for msgs in err.errors.values() for m in msgs]
    for problem in problems:
        where = ", ".join(f"{label_} {problem[key]}" for key, label_ in
                          (("file", "file"), ("element_id", "element"), ("line", "line")) if problem.get(key))
        click.echo(f"  - {problem['message']}" + (f" ({where})" if where else ""), err=True)


@procedures_cli.command("list")
def procedures_list():
    """List deployed procedure versions."""
    for v in procedures.list_versions():
        click.echo(f"{v.procedure.process_id}\tv{v.version}\t{v.sha256[:12]}\t{v.deployed_at:%Y-%m-%d %H:%M}\t{v.name}")


def _audit(action, *args, **kwargs):
    """_run, and a missing or unusable audit key is one line too."""
    from .services.audit.keys import AuditKeyError

    try:
        return _run(action, *args, **kwargs)
    except AuditKeyError as err:
        _fail(str(err))


@audit_cli.command("verify")
@click.option("--case", "case_id", type=int, help="Only this case's chain.")
@click.option("--checkpoints", "checkpoint_files", multiple=True, type=click.Path(dir_okay=False),
              help="An exported checkpoint file kept by the auditor (repeatable).")
@click.option("--public-key", "public_key_files", multiple=True, type=click.Path(dir_okay=False),
              help="The auditor's copy of a checkpoint public key (repeatable; default: the server's).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes that check the trail (default: one per core on a large trail, else 1).")
def audit_verify(case_id: int | None, checkpoint_files: tuple[str, ...], public_key_files: tuple[str, ...],
                 workers: int | None):
    """Check every trace chain, the case, task, legal review and alert rows against it, and the
    signed checkpoints; exit 1 naming each event, field or chain that was edited, deleted or
    rolled back."""
    from .services.audit import checkpoints as audit_checkpoints

    report, found = _audit(audit_checkpoints.verify_trail, case_id, list(checkpoint_files), list(public_key_files),
                           workers=workers)
    if case_id is not None and report.chains == 0:
        _fail(f"no case {case_id}: neither a case row nor a trace chain")
    for note in found.notes:
        click.echo(f"Note: {note}", err=True)
    for problem in report.problems:
        click.echo(f"TAMPERED {problem}", err=True)
    if report.problem_count > len(report.problems):
        click.echo(f"... and {report.problem_count - len(report.problems)} more", err=True)
    summary = (f"{report.events} events in {report.chains} chains ({report.unkeyed_events} unkeyed, from "
               f"before keying), {report.cases} cases and their tasks, "
               f"{report.checkpoint_points} checkpointed heads from {len(found.checked)} checkpoint(s)")
    if report.ok:
        click.echo(f"OK: {summary} verified.")
    else:
        click.echo(f"FAILED: {report.problem_count} problem(s) in {summary}.", err=True)
        sys.exit(1)


@audit_cli.command("checkpoint")
def audit_checkpoint():
    """Verify the whole trail, then sign and store a checkpoint of every chain head."""
    from .services.audit import checkpoints as audit_checkpoints

    def create():
        try:
            return audit_checkpoints.create_checkpoint(_operator())
        except audit_checkpoints.TrailNotIntact as err:
            for problem in err.report.problems:
                click.echo(f"TAMPERED {problem}", err=True)
            raise

    checkpoint = _audit(create)
    click.echo(f"Checkpoint #{checkpoint.id} signed by key {checkpoint.public_key_id}: "
               f"{checkpoint.chains} chains, {checkpoint.events} events.")


@audit_cli.command("export-checkpoints")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def audit_export_checkpoints(file: str):
    """Write every signed checkpoint to FILE, for an auditor to keep outside the system."""
    from .services.audit import checkpoints as audit_checkpoints

    count = _audit(audit_checkpoints.export, file)
    click.echo(f"Exported {count} checkpoint(s) to {file}.")


@audit_cli.command("public-key")
def audit_public_key():
    """Print the checkpoint signing key's public half (PEM), for auditors to keep."""
    from .services.audit import keys as audit_keys

    key = _audit(audit_keys.signing_key)
    click.echo(audit_keys.public_key_pem(key.public_key()), nl=False)


@audit_cli.command("rotate-chain-key")
def audit_rotate_chain_key():
    """Key new trace events with a fresh chain key (embedded default; production: see docs/audit.md)."""
    from flask import current_app

    from .services.audit import keys as audit_keys

    new_id = _audit(audit_keys.rotate_chain_key, current_app._get_current_object())
    click.echo(f"New events are keyed with {new_id}; earlier keys stay in the key file to verify theirs.")


@org_cli.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--kind", default="department", show_default=True,
              type=click.Choice(["province", "city", "district", "bureau", "department"]))
@click.option("--parent", "parent_code", help="Code of the parent unit.")
@click.option("--name-en", help="English name.")
@click.option("--domain", "domains", multiple=True, help="Enforcement domain (执法领域), code or label; repeat.")
@click.option("--power", "powers", multiple=True,
              help="Penalty kind or coercive measure (seal, seize, freeze) of its powers list (权责清单); repeat.")
def org_add(code, name, kind, parent_code, name_en, domains, powers):
    """Add an org unit CODE named NAME (a department with its register: domains and powers)."""
    from .services.people import users

    unit = _run(users.add_unit, _operator(), code=code, name=name, kind=kind, parent_code=parent_code,
                name_en=name_en)
    if domains or powers:
        unit = _run(users.set_register, _operator(), code, domains=domains or None, powers=powers or None)
    click.echo(f"Added {unit.kind} {unit.code} {unit.name}")


@org_cli.command("register")
@click.argument("code")
@click.option("--domain", "domains", multiple=True, help="Enforcement domain (执法领域), code or label; repeat.")
@click.option("--power", "powers", multiple=True,
              help="Penalty kind (APL Art. 9) it may impose, coercive measure (行政强制法 Art. 9: seal, seize, "
                   "freeze) it may take, or means of coercive execution a law gives it (行政强制法 Art. 12, 13: "
                   "transfer_deposit, auction, remove_obstruction, substitute_performance); repeat.")
def org_register(code, domains, powers):
    """Set a department's register: its enforcement domains and its powers list (each replaced when given);
    without options, print it."""
    from .services.people import users

    unit = (_run(users.set_register, _operator(), code, domains=domains or None, powers=powers or None)
            if domains or powers else _run(users.unit_by_code, code))
    click.echo(f"{unit.code}\tdomains: {','.join(unit.enforcement_domains or []) or '-'}"
               f"\tpowers: {','.join(unit.penalty_powers or []) or '-'}")


@org_cli.command("numbering")
@click.argument("code")
@click.option("--abbr", help="The department's short name (机关代字) its numbers begin with, e.g. 清市监.")
@click.option("--pattern", help="The pattern of its numbers, naming {kind}, {year} and {seq} (or {seq:0N}); "
                                "default {abbr}{kind}〔{year}〕{seq}号.")
@click.option("--code", "codes", multiple=True, metavar="KIND=CODE",
              help="The code (字) of a kind, e.g. penalty_decision=罚, case=立 or inspection_case=检; KIND= restores the "
                   "default; repeat.")
def org_numbering(code, abbr, pattern, codes):
    """Set how department CODE numbers its cases (案号) and documents (文号), each option replacing
    what it names; without options, print it. Numbers already issued stay as printed."""
    from .services.people import users
    from .services.registers import numbering

    pairs = {}
    for item in codes:
        kind, sep, value = item.partition("=")
        if not sep:
            _fail(f"--code {item!r}: KIND=CODE, e.g. penalty_decision=罚", 2)
        pairs[kind.strip()] = value.strip()
    if abbr is None and pattern is None and not pairs:
        unit = _run(users.unit_by_code, code)
    else:
        unit = _run(numbering.set_numbering, _operator(), code, abbr=abbr, pattern=pattern,
                    codes=pairs if pairs else None)
    click.echo(numbering.describe(unit))


@org_cli.command("settings")
@click.argument("code")
@click.option("--payment-bank", help="The bank where the fine is paid (APL 67), e.g. 清河区农村商业银行.")
@click.option("--payment-account", help="The account the fine is paid to.")
@click.option("--payment-place", help="The place of payment (APL 59, 67), e.g. 清河区农商银行各营业网点.")
@click.option("--reconsideration-body", help="The reconsideration body (行政复议法 Art. 24); default: the people's "
                                              "government at the department's level. Set it where the law names the "
                                              "department above (海关, 税务, 国家安全 ...).")
@click.option("--court", help="The people's court with jurisdiction (行政诉讼法 Art. 18); default for a district's "
                              "department: the district's people's court.")
def org_settings(code, payment_bank, payment_account, payment_place, reconsideration_body, court):
    """Set what department CODE's decisions name, each option replacing what it names ("" removes it:
    the derived value applies again); without options, print them."""
    from .services.people import users
    from .services.registers import org_settings as settings

    values = {"payment_bank": payment_bank, "payment_account": payment_account, "payment_place": payment_place,
              "reconsideration_body": reconsideration_body, "court": court}
    if all(v is None for v in values.values()):
        unit = _run(users.unit_by_code, code)
    else:
        unit = _run(settings.set_settings, _operator(), code, **values)
    click.echo(settings.describe(unit))


@org_cli.command("list")
def org_list():
    """Print the org tree."""
    from .models import OrgUnit

    for unit in db.session.execute(db.select(OrgUnit).order_by(OrgUnit.path)).scalars():
        click.echo(f"{'  ' * (unit.path.count('/') - 2)}{unit.code}\t{unit.name}\t{unit.kind}")


@users_cli.command("create")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name, e.g. 张明.")
@click.option("--unit", "unit_code", required=True, help="Org unit code, e.g. market.")
@click.option("--role", "roles", multiple=True, required=True, help="Repeat for several roles.")
@click.option("--legal-qualification", help="法律职业资格 certificate number (legal reviewers, APL Art. 58).")
@click.option("--qualified-on", type=click.DateTime(["%Y-%m-%d"]), help="The date it was obtained.")
@click.password_option(help="Prompted for when not given.")
def users_create(username, full_name, unit_code, roles, legal_qualification, qualified_on, password):
    """Create a user."""
    from .services.people import users

    user = _run(users.create_user, _operator(), username=username, full_name=full_name,
                unit_code=unit_code, roles=roles, password=password, legal_qualification=legal_qualification,
                qualified_on=qualified_on.date() if qualified_on else None)
    click.echo(f"Created {user.username} ({', '.join(sorted(user.roles))}) in {unit_code}")


@users_cli.command("set-password")
@click.argument("username")
@click.password_option(help="Prompted for when not given.")
def users_set_password(username, password):
    """Set a user's password (their login sessions end and their API tokens are revoked)."""
    from .services.people import users

    _run(users.set_password, _operator(), username, password)
    click.echo(f"Password of {username} changed.")


@users_cli.command("roles")
@click.argument("username")
@click.option("--grant", multiple=True)
@click.option("--revoke", multiple=True)
def users_roles(username, grant, revoke):
    """Grant or revoke roles."""
    from .services.people import users

    user = _run(users.change_roles, _operator(), username, grant=grant, revoke=revoke)
    click.echo(f"{username}: {', '.join(sorted(user.roles)) or '(no roles)'}")


@users_cli.command("deactivate")
@click.argument("username")
def users_deactivate(username):
    """Stop a user from logging in (their sessions end, their tokens are revoked; their record stays)."""
    from .services.people import users

    _run(users.set_active, _operator(), username, False)
    click.echo(f"{username} deactivated.")


@users_cli.command("activate")
@click.argument("username")
def users_activate(username):
    from .services.people import users

    _run(users.set_active, _operator(), username, True)
    click.echo(f"{username} activated.")


@users_cli.command("certify")
@click.argument("username")
@click.option("--number", required=True, help="Certificate number (执法证号).")
@click.option("--domain", required=True, help="Enforcement domain, e.g. 市场监管.")
@click.option("--issued", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--expires", type=click.DateTime(["%Y-%m-%d"]), required=True)
def users_certify(username, number, domain, issued, expires):
    """Register an enforcement certificate (行政执法证) for an officer."""
    from .services.people import users

    cert = _run(users.add_certificate, _operator(), username, number=number, domain=domain,
                issued_on=issued.date(), expires_on=expires.date())
    click.echo(f"Certificate {cert.number} registered for {username}, valid until {cert.expires_on}.")


@users_cli.command("qualify")
@click.argument("username")
@click.option("--number", required=True, help="法律职业资格 certificate number.")
@click.option("--obtained", type=click.DateTime(["%Y-%m-%d"]), required=True, help="The date it was obtained.")
def users_qualify(username, number, obtained):
    """Record a user's legal professional qualification (法律职业资格, APL Art. 58(2))."""
    from .services.people import users

    user = _run(users.set_legal_qualification, _operator(), username, number=number, obtained_on=obtained.date())
    click.echo(f"Legal qualification {user.legal_qualification_number} recorded for {username}.")


@users_cli.command("list")
@click.option("--unit", "unit_code", help="Only this unit and the units below it.")
def users_list(unit_code):
    from .models import OrgUnit, User
    from .services.people import users

    query = db.select(User).join(OrgUnit, User.org_unit_id == OrgUnit.id).order_by(User.username)
    if unit_code:
        unit = _run(users.unit_by_code, unit_code)
        query = query.where(OrgUnit.path.startswith(unit.path))
    for user in db.session.execute(query).scalars():
        state = "" if user.active else "\t(inactive)"
        click.echo(f"{user.username}\t{user.full_name}\t{user.org_unit.code}\t{','.join(sorted(user.roles))}{state}")


@cases_cli.command("migrate")
@click.argument("case_id", type=int)
@click.option("--to-version-id", type=int, help="Target procedure version id (default: the latest).")
@click.option("--as", "username", required=True, help="The bpmn_author or admin taking the action.")
def cases_migrate(case_id, to_version_id, username):
    """Move a running case to another version of its procedure (checked and traced)."""
    from .services.cases.migration import migrate_case
    from .services.people import users

    actor = _run(users.user_by_name, username)
    case = _run(migrate_case, actor, case_id, to_version_id)
    click.echo(f"{case.number} is now on {case.procedure_version.procedure.process_id} "
               f"v{case.procedure_version.version}.")


@benchmarks_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def benchmarks_import(file):
    """Import benchmark items from a CSV file (code,title,violated_provision,penalty_provision,
    tier,min_fine,max_fine,circumstances; one row per tier). Checked whole; traced."""
    from .services.oversight import benchmarks

    created, updated = _run(benchmarks.import_csv, _file_bytes(file), _operator())
    click.echo(f"Benchmarks: {created} item(s) added, {updated} updated.")


@benchmarks_cli.command("list")
def benchmarks_list():
    """Every benchmark item and its tiers' fine ranges."""
    from .services.oversight import benchmarks

    for item in benchmarks.all_items():
        tiers = "  ".join(f"{t['tier']} {t['min_fine']}-{t['max_fine']}" for t in item.tiers or [])
        click.echo(f"{item.code}\t{item.title}\t{tiers}")


@causes_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def causes_import(file):
    """Import causes from a CSV file (department,code,name,violated_provision,penalty_provision,
    penalty_kinds,min_fine,max_fine,multiple_basis,min_multiple,max_multiple,multiple_from,
    benchmark_item; one row per cause). Checked whole; traced."""
    from .services.registers import causes

    created, updated = _run(causes.import_csv, _file_bytes(file), _operator())
    click.echo(f"Causes: {created} added, {updated} updated.")


@causes_cli.command("list")
@click.option("--department", help="A department's code (default: every department).")
def causes_list(department):
    """The causes of the register and each one's statutory range."""
    from .services.registers import causes

    units = [causes.department(department)] if department else causes.departments()
    for unit in units:
        for cause in causes.department_causes(unit):
            click.echo(f"{unit.code}\t{cause.code}\t{cause.name}\t{cause.penalty_provision}\t{causes.range_words(cause).zh}")


@penalty_lists_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def penalty_lists_import(file):
    """Import list items from a CSV file (department,code,cause,kind,tier,conditions,legal_ground,
    first_violation,look_back_months,valid_from,valid_to,document; one row per item; tier, of a light
    item only: lighter, mitigated or lighter_or_mitigated). Checked whole; traced."""
    from .services.registers import penalty_lists

    created, updated = _run(penalty_lists.import_csv, _file_bytes(file), _operator())
    click.echo(f"List items: {created} added, {updated} updated.")


@penalty_lists_cli.command("list")
@click.option("--department", help="A department's code (default: every department).")
@click.option("--cause", help="A cause of the department's register (with --department).")
def penalty_lists_list(department, cause):
    """The items of the lists: department, code, cause, kind (a light item's with its tier:
    light/lighter), validity, conditions."""
    from .services.registers import causes, penalty_lists

    if cause and not department:
        _fail("--cause needs --department")
    units = [causes.department(department)] if department else causes.departments()
    for unit in units:
        if cause:
            _run(causes.get, unit.code, cause)
        for item in penalty_lists.items_of(unit, cause or None):
            until = item.valid_to.isoformat() if item.valid_to else ""
            kind = f"{item.kind}/{item.tier}" if item.tier else item.kind
            click.echo(f"{unit.code}\t{item.code}\t{item.cause.code}\t{kind}\t"
                       f"{item.valid_from.isoformat()}..{until}\t{item.conditions}")


@registers_cli.command("import-entities")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def registers_import_entities(file):
    """Import market entities from a CSV file (credit_code,name,address,industry,risk_grade,region;
    UTF-8 with or without a BOM, or GBK). All or nothing: every wrong line is named on stderr with
    its line number, and nothing is imported; traced."""
    from .services.errors import Invalid
    from .services.registers import market_entities

    try:
        created, updated = market_entities.import_csv(_file_bytes(file), _operator())
    except Invalid as err:
        _rollback_quietly()
        click.echo(f"Error: {err.message}", err=True)
        for where, messages in err.errors.items():
            click.echo(f"  {where}: {'; '.join(map(str, messages))}", err=True)
        sys.exit(1)
    click.echo(f"Market entities: {created} added, {updated} updated.")


@registers_cli.command("entities")
@click.option("--q", "query", help="Part of the name, or the start of the credit code.")
@click.option("--industry", help="A section of GB/T 4754-2017 (A..T).")
@click.option("--risk", "risk_grade", help="A credit risk grade (A..D).")
@click.option("--region", help="An org unit's code (a district, city or province).")
def registers_entities(query, industry, risk_grade, region):
    """The market entities of the register (at most the first 1,000 matches, by name)."""
    from .services.registers import market_entities

    page = _run(market_entities.search, query, industry, risk_grade, region, per_page=1000)
    for e in page.items:
        click.echo(f"{e.credit_code}\t{e.name}\t{e.industry}\t{e.risk_grade}\t{e.region.code}\t{e.address}")


@timers_cli.command("fire")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True,
              help="The most cases advanced in this pass.")
def timers_fire(limit):
    """One pass: advance every case whose BPMN timer is due (exit 1 if a case failed)."""
    from .services.cases import timers

    _report(timers.fire_due(limit=limit))


@oversight_cli.command("scan")
@click.option("--limit", type=click.IntRange(1, 100_000), default=500, show_default=True,
              help="The most alerts raised in this pass.")
def oversight_scan(limit):
    """One pass of the time rules: raise the alerts of the steps past (or near) their due time."""
    from .services.oversight import alerts

    _report_scan(alerts.scan(limit=limit))


@worker_cli.command("run")
@click.option("--every", type=click.IntRange(1, 3600), default=30, show_default=True,
              help="Seconds between passes.")
def worker_run(every):
    """The background worker: every --every seconds, fire the due BPMN timers, then apply the
    oversight time rules; until stopped (Ctrl-C or SIGTERM)."""
    import signal
    import time

    from .services.cases import timers
    from .services.oversight import alerts

    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    click.echo(f"Worker: a pass every {every} s (timers, then oversight alerts); Ctrl-C or SIGTERM stops it.")
    try:
        while not stop["now"]:
            done = timers.fire_due()
            if done.fired or done.failed or done.busy:
                _report(done, exit_on_failure=False)
            scanned = alerts.scan()
            if scanned.raised or scanned.cleared:
                _report_scan(scanned)
            db.session.remove()
            for _ in range(every * 10):
                if stop["now"]:
                    break
                time.sleep(0.1)
    except KeyboardInterrupt:
        pass
    click.echo("Worker stopped.")


def _report_scan(scanned) -> None:
    raised = ", ".join(f"{number} {code}" for number, code in scanned.raised)
    click.echo(f"Oversight: {len(scanned.raised)} alert(s) raised" + (f" ({raised})" if raised else "")
               + (f", {len(scanned.cleared)} cleared" if scanned.cleared else "") + ".")


def _report(done, exit_on_failure: bool = True) -> None:
    click.echo(f"Timers: {len(done.fired)} case(s) advanced" + (f" ({', '.join(done.fired)})" if done.fired else "")
               + (f", {len(done.skipped)} advanced by another worker" if done.skipped else "")
               + (", the engine workers were busy: the rest waits for the next pass" if done.busy else "") + ".")
    for number, why in done.failed:
        click.echo(f"FAILED {number}: {why} (retried later)", err=True)
    if done.failed and exit_on_failure:
        sys.exit(1)


def register_cli(app: Flask):
    for group in (demo_cli, procedures_cli, audit_cli, users_cli, org_cli, cases_cli, benchmarks_cli, causes_cli,
                  registers_cli, penalty_lists_cli, timers_cli, oversight_cli, worker_cli):
        app.cli.add_command(group)
    # Flask-Migrate's `db` group, guarded the same way (a copy: its module-level group is shared).
    migrate_group = app.cli.commands.get("db")
    if isinstance(migrate_group, click.Group) and not isinstance(migrate_group, GuardedGroup):
        app.cli.add_command(GuardedGroup(
            migrate_group.name, commands=migrate_group.commands, callback=migrate_group.callback,
            params=migrate_group.params, help=migrate_group.help))
