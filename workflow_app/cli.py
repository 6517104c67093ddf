"""Command-line interface: `flask --app wsgi <group> <command>`."""
import getpass
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from .extensions import db
from .services import audit, procedures
from .services.errors import ServiceError

demo_cli = AppGroup("demo", help="Demo data for trying the system out.")
procedures_cli = AppGroup("procedures", help="Deploy and list BPMN procedures.")
audit_cli = AppGroup("audit", help="Audit trail checks.")


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
        click.echo(f"Created {created['units']} org units and {created['users']} users.")


@procedures_cli.command("deploy")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--as", "username", help="Record the deployment as this user (must be a bpmn_author).")
def procedures_deploy(files: tuple[str, ...], username: str | None):
    """Validate and deploy BPMN FILES as new procedure versions (identical content: no-op)."""
    from .models import User

    actor = f"cli:{getpass.getuser()}"
    if username:
        actor = db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()
        if actor is None:
            _fail(f"no user {username!r}")
    failed = False
    for name in files:
        path = Path(name)
        if not path.is_file():
            click.echo(f"{name}: no such file", err=True)
            failed = True
            continue
        try:
            version, created = procedures.deploy(path.read_bytes(), actor)
        except ServiceError as err:
            db.session.rollback()
            failed = True
            click.echo(f"{name}: {err.message}", err=True)
            for problem in err.details.get("problems", []):
                where = ", ".join(f"{label} {problem[key]}" for key, label in
                                  (("element_id", "element"), ("line", "line")) if problem.get(key))
                click.echo(f"  - {problem['message']}" + (f" ({where})" if where else ""), err=True)
            continue
        state = "deployed" if created else "unchanged (already deployed)"
        click.echo(f"{name}: {version.procedure.process_id} v{version.version} {state} sha256={version.sha256}")
    if failed:
        sys.exit(1)


@procedures_cli.command("list")
def procedures_list():
    """List deployed procedure versions."""
    for v in procedures.list_versions():
        click.echo(f"{v.procedure.process_id}\tv{v.version}\t{v.sha256[:12]}\t{v.deployed_at:%Y-%m-%d %H:%M}\t{v.name}")


@audit_cli.command("verify")
@click.option("--case", "case_id", type=int, help="Only this case's chain.")
def audit_verify(case_id: int | None):
    """Recompute every trace hash chain; exit 1 if any event was edited or deleted."""
    report = audit.verify(audit.case_chain(case_id) if case_id else None)
    for problem in report.problems:
        click.echo(f"TAMPERED {problem}", err=True)
    if report.ok:
        click.echo(f"OK: {report.events} events in {report.chains} chains verified.")
    else:
        click.echo(f"FAILED: {len(report.problems)} problem(s) in {report.events} events, "
                   f"{report.chains} chains.", err=True)
        sys.exit(1)


def register_cli(app: Flask):
    for group in (demo_cli, procedures_cli, audit_cli):
        app.cli.add_command(group)
