"""What someone with full rights on the database can do behind the application's back.

Every change goes through a connection that fires no triggers and checks no foreign keys
(PostgreSQL: a superuser session in replica mode; SQLite: a connection with foreign keys off and
the append-only triggers dropped, each test having its own copy of the database).
"""
from sqlalchemy import bindparam, text

from workflow_app.extensions import db
from workflow_app.models import TraceEvent
from workflow_app.models.types import UTCDateTime
from workflow_app.services.audit.trail import event_digest

APPEND_ONLY_TRIGGERS = ("trace_event_no_update", "trace_event_no_delete",
                        "audit_checkpoint_no_update", "audit_checkpoint_no_delete",
                        "case_attachment_no_update", "case_attachment_no_delete")


def tamper(*statements) -> None:
    """Run SQL statements (text, or (text or clause, params)) with no trigger or foreign key checks."""
    db.session.rollback()
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET session_replication_role = replica"))
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys = OFF")  # outside a transaction, as SQLite requires
            for trigger in APPEND_ONLY_TRIGGERS:
                conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        for statement in statements:
            sql, params = statement if isinstance(statement, tuple) else (statement, {})
            conn.execute(text(sql) if isinstance(sql, str) else sql, params)
        conn.commit()
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET session_replication_role = DEFAULT"))
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys = ON")


INSERT_EVENT = text(
    "INSERT INTO trace_event (id, chain, seq, case_id, at, actor_id, actor, action, task_id, bpmn_id, "
    "data_json, prev_sha256, sha256, key_id) VALUES (:id, :chain, :seq, :case_id, :at, :actor_id, "
    ":actor, :action, :task_id, :bpmn_id, :data_json, :prev, :digest, :key_id)"
).bindparams(bindparam("at", type_=UTCDateTime()))


def rewrite_chain(chain: str, *, key: bytes | None, key_id: str | None, edit=None, keep=None) -> None:
    """Rewrite a chain the way a forger would: change events (`edit(event_dict)`), drop those
    `keep(event_dict)` rejects, renumber, re-link every digest and move the head, so that the
    chain is consistent again - under plain SHA-256 (key None) or under a key the forger holds."""
    events = db.session.execute(
        db.select(TraceEvent).where(TraceEvent.chain == chain).order_by(TraceEvent.seq)).scalars().all()
    rows = [{c: getattr(e, c) for c in ("id", "chain", "seq", "case_id", "at", "actor_id", "actor", "action",
                                        "task_id", "bpmn_id", "data_json")} for e in events]
    rows = [r for r in rows if keep is None or keep(r)]
    statements = [("DELETE FROM trace_event WHERE chain = :chain", {"chain": chain})]
    prev = "0" * 64
    for seq, row in enumerate(rows, 1):
        row["seq"] = seq
        if edit:
            edit(row)
        fields = {k: v for k, v in row.items() if k != "id"}
        digest = event_digest(key, key_id=key_id, **fields, prev=prev)
        statements.append((INSERT_EVENT, {**row, "prev": prev, "digest": digest, "key_id": key_id}))
        prev = digest
    statements.append(("UPDATE trace_chain SET seq = :seq, head_sha256 = :head WHERE chain = :chain",
                       {"seq": len(rows), "head": prev, "chain": chain}))
    tamper(*statements)


def roll_back_chain(chain: str, to_seq: int) -> None:
    """Delete a chain's newest events and move its head back to the one before: no link breaks."""
    head = db.session.execute(db.select(TraceEvent.sha256).where(
        TraceEvent.chain == chain, TraceEvent.seq == to_seq)).scalar_one()
    tamper(("DELETE FROM trace_event WHERE chain = :chain AND seq > :seq", {"chain": chain, "seq": to_seq}),
           ("UPDATE trace_chain SET seq = :seq, head_sha256 = :head WHERE chain = :chain",
            {"seq": to_seq, "head": head, "chain": chain}))
