"""printed numbers: the number of a pre-printed form, typed by the officer, is recorded once per department

Revision ID: 0026
Revises: 0025

The officers of the summary procedure fill in a pre-printed, numbered 当场处罚决定书 (APL Art. 52)
and type its number; a form field marked `"x-printed-number": "<kind>"` records it in issued_number
beside the numbers the system issues, with no sequence (issued_number.seq becomes nullable), so the
unique (department_id, number) refuses it on a second case (services/registers/printed_numbers.py).

The decision numbers typed before this revision are recorded as well, so that a new case cannot
take one an earlier case holds: those of a form field marked `"x-decision": "number"` that the
system does not issue (no `x-document-number`) in the completed steps, as the running code records
them (Unicode NFKC, white space removed; their kind the form's key, their year the Beijing year of
the step's completion). Where two cases of a department already recorded one number (the fault this
revision ends), the first completed keeps it and the later ones are named on the console for the
department to look into; the steps' records are left as they were (they are on the audit trail).
"""
import json
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

BEIJING = timezone(timedelta(hours=8))
MAX_NUMBER = 64  # issued_number.number


def upgrade():
    with op.batch_alter_table("issued_number") as batch:
        batch.alter_column("seq", existing_type=sa.Integer(), nullable=True)
    _record_typed_decision_numbers(op.get_bind())


def _as_recorded(value) -> str | None:
    """The typed number as services/printed_numbers.as_recorded records it; None where it could not be."""
    if not isinstance(value, str):
        return None
    number = "".join(unicodedata.normalize("NFKC", value).split())
    if not number or len(number) > MAX_NUMBER or any(
            ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF or ord(c) in (0x7F, 0xFFFE, 0xFFFF) for c in number):
        return None
    return number


def _beijing_year(completed) -> int:
    """The Beijing year of a completion time as the database gives it (SQLite: naive UTC text)."""
    if isinstance(completed, str):
        completed = datetime.fromisoformat(completed)
    if completed.tzinfo is None:
        completed = completed.replace(tzinfo=UTC)
    return completed.astimezone(BEIJING).year


def _typed_number_fields(forms) -> dict[str, list[str]]:
    """form key -> its top-level fields holding a decision number the officer types."""
    if isinstance(forms, str):
        forms = json.loads(forms)
    found = {}
    for key, schema in (forms or {}).items():
        props = (schema or {}).get("properties") or {} if isinstance(schema, dict) else {}
        names = [name for name, prop in props.items() if isinstance(prop, dict)
                 and prop.get("x-decision") == "number" and not prop.get("x-document-number")]
        if names:
            found[key] = names
    return found


def _record_typed_decision_numbers(conn) -> None:
    typed = {row.id: _typed_number_fields(row.forms)
             for row in conn.execute(sa.text("SELECT id, forms FROM procedure_version"))}
    form_keys = sorted({key for fields in typed.values() for key in fields})
    if not form_keys:
        return
    held = {(row.department_id, row.number): row.case_id
            for row in conn.execute(sa.text("SELECT department_id, number, case_id FROM issued_number"))}
    steps = conn.execute(sa.text(
        "SELECT t.id, t.case_id, t.form_key, t.data, t.completed_at, c.department_id, c.procedure_version_id "
        "FROM case_task t JOIN enforcement_case c ON c.id = t.case_id "
        "WHERE t.state = 'completed' AND t.form_key IN :keys ORDER BY t.completed_at, t.id"
    ).bindparams(sa.bindparam("keys", expanding=True)), {"keys": form_keys})
    insert = sa.text("INSERT INTO issued_number (department_id, year, kind, seq, number, case_id, task_id, field, "
                     "issued_at) VALUES (:department_id, :year, :kind, NULL, :number, :case_id, :task_id, :field, "
                     ":issued_at)")
    for step in steps:
        data = json.loads(step.data) if isinstance(step.data, str) else (step.data or {})
        for name in typed.get(step.procedure_version_id, {}).get(step.form_key, []):
            number = _as_recorded(data.get(name))
            if number is None:
                continue
            holder = held.get((step.department_id, number))
            if holder is not None:
                if holder != step.case_id:
                    print(f"0024: number {number} of case {step.case_id} (step {step.id}) is already held by case "
                          f"{holder} of the same department; left unrecorded")
                continue
            conn.execute(insert, {"department_id": step.department_id, "year": _beijing_year(step.completed_at),
                                  "kind": step.form_key, "number": number, "case_id": step.case_id,
                                  "task_id": step.id, "field": name, "issued_at": step.completed_at})
            held[(step.department_id, number)] = step.case_id


def downgrade():
    op.execute("DELETE FROM issued_number WHERE seq IS NULL")
    with op.batch_alter_table("issued_number") as batch:
        batch.alter_column("seq", existing_type=sa.Integer(), nullable=False)
