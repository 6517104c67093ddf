"""Benchmark: the daily pages at a district's scale, on PostgreSQL.

A district's history (issue [4/6]): 100,000 cases and about 1.5 million trace events. Building
that through the engine would take hours, so the database is built in two stages:

1. Real cases: a fresh PostgreSQL database is migrated, seeded and given general_penalty through
   the real CLI (`flask --app wsgi db upgrade | demo seed | procedures deploy | demo cases`), so
   the templates are cases made by the services at every stage the demo knows.
2. Clones: each template is copied in SQL (COPY) into every department, spread over the last
   three years (closed history) or the last weeks (open work: about one case in eight), with its
   tasks, workflow state (engine task ids renewed, so an open clone can still be worked),
   legal reviews and trace. Every clone's trace is re-chained and re-signed with the audit key
   (chain "case:<new id>", HMAC-SHA256), so the chains verify: a sample is checked with
   `audit_verify.verify` after the build and the result printed.

Then each page is requested in-process (Flask test client: server time without the network)
`--requests` times after a warm-up, as the user who uses it, and its p50/p95 printed. Pages:
the officer's inbox, the department head's queue, the legal reviewer's queue, the supervisor's
task list, the case list (page 1, page 1000 by cursor and the deepest page a page number reaches),
and a case (its record, file and trace); then the same as HTML pages, as a logged-in browser asks
for them (a login session): /inbox (mine, the department's queue, the reviews), /cases (page 1
and the deep page by cursor) and /cases/<id> (which also verifies the case's hash chain); the
case with the long evidence list (its page, its evidence list's first and last pages, as a page
and through the API, and its trace's first and last pages); and the supervisors' alerts page
(page 1 and page 1000 by cursor), dashboard and its API summary (with the alerts `make
bench-worker` raises over the history; none before it runs). Last, each deep page is set against
the first page of its list: a keyset page must cost what the first costs.

Run:  make bench-pages          (= .venv/bin/python bench/bench_pages.py)
      .venv/bin/python bench/bench_pages.py --cases 100000 --requests 50
      .venv/bin/python bench/bench_pages.py --reuse      (measure an already built database again)
The database (`--database-url`, default zhifaflow_bench_pages on 127.0.0.1:5432) is dropped and
re-created unless --reuse is given; it is kept afterwards for EXPLAIN work.
"""
import argparse
import io
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.latency import p95  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/zhifaflow_bench_pages"
PASSWORD = "bench-password-1"
ENV = {
    "ZHIFAFLOW_ENV": "development",  # PostgreSQL without Redis and without a key file on disk
    "AUDIT_HMAC_KEY": "bench-pages-audit-key-0123456789abcdef0123456789",
    "SECRET_KEY": "bench-pages-secret-key-0123456789abcdef0123456789",
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # logins are not what is measured
    "LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
    "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
}
OPEN_SHARE = 0.12       # open work among the cases (the rest is closed or not filed)
HISTORY_DAYS = 3 * 365  # closed cases spread over three years
MARKET_SHARE = 0.3      # the demo's busiest department, where officer1 works
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Who stands for the market demo users in another department (demo/seed.py names them).
USER_ROLES = {"officer1": "officer1", "officer2": "officer2", "officer3": "officer1",
              "head1": "head", "reviewer1": "reviewer", "reviewer2": "reviewer"}
EVIDENCE_ITEMS = 200  # one case's evidence list (证据清单) as a long investigation leaves it
PHOTO_PX = (3000, 2250)  # a phone's photo (about 3.5 MB as JPEG)
SCAN_PX = (1240, 1754)   # an A4 page scanned at 150 dpi, as PDF
SCAN_SHARE = 0.15        # of the items, scanned documents; the rest photos


def admin_url(url: str) -> tuple[str, str]:
    base, name = url.rsplit("/", 1)
    return base.replace("postgresql+psycopg://", "postgresql://") + "/postgres", name


def plain_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def evidence_dir(url: str) -> Path:
    """The evidence store of the benchmark's database (a temporary directory named for it, made again
    with the database and kept with it)."""
    return Path(tempfile.gettempdir()) / f"{admin_url(url)[1]}-evidence"


def recreate_database(url: str) -> None:
    import psycopg
    server, name = admin_url(url)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def flask(*args: str, env: dict) -> str:
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True)  # this venv's flask, whichever it is
    if out.returncode:
        sys.exit(f"flask {' '.join(args)} failed:\n{out.stdout}{out.stderr}")
    return out.stdout


def build_templates(url: str) -> None:
    env = {**os.environ, **ENV, "DATABASE_URL": url}
    flask("db", "upgrade", env=env)
    flask("demo", "seed", "--password", PASSWORD, env=env)
    flask("procedures", "deploy", str(ROOT), env=env)
    flask("demo", "cases", env=env)


# -- cloning -----------------------------------------------------------------------------------------
class Ids:
    """The next id of each table, handed out in the build and written to the sequences at the end."""

    def __init__(self, conn, tables):
        self.next = {t: conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {t}").fetchone()[0] for t in tables}

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


class Copier:
    """Rows for one table, written with COPY in batches."""

    def __init__(self, conn, table: str, columns: list[str]):
        self.conn, self.table, self.columns = conn, table, columns
        self.buffer = io.StringIO()
        self.rows = 0

    def add(self, row: tuple) -> None:
        self.buffer.write("\t".join(_copy_text(v) for v in row) + "\n")
        self.rows += 1

    def flush(self) -> None:
        if not self.buffer.tell():
            return
        with self.conn.cursor().copy(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN") as copy:
            copy.write(self.buffer.getvalue())
        self.buffer = io.StringIO()


def _copy_text(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, bytes | memoryview):
        value = "\\x" + bytes(value).hex()  # bytea's hex form
    elif isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))  # a JSON column
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def fetch(conn, sql, *args):
    cur = conn.execute(sql, args)
    names = [d.name for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def clone_cases(url: str, total: int, seed: int) -> dict:
    """Copy the template cases until the database holds `total` cases; return what was written."""
    import psycopg

    from workflow_app.oversight.calendar import LOCAL_TZ
    from workflow_app.services.audit.trail import canonical_json, event_digest

    rng = random.Random(seed)
    from workflow_app import create_app
    from workflow_app.services.audit import keys as audit_keys
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, **ENV})
    with app.app_context():
        keys = audit_keys.chain_keys()
        key, key_id = keys.current, keys.current_id

    conn = psycopg.connect(plain_url(url))
    cases = fetch(conn, "SELECT * FROM enforcement_case ORDER BY id")
    needed = total - len(cases)
    if needed <= 0:
        return {"cases": 0}
    def by_case(sql: str) -> defaultdict:
        """The rows a query gives, grouped by their case, in the query's order."""
        grouped = defaultdict(list)
        for row in fetch(conn, sql):
            grouped[row["case_id"]].append(row)
        return grouped

    tasks = by_case("SELECT * FROM case_task ORDER BY id")
    states = {r["case_id"]: r for r in fetch(conn, "SELECT * FROM workflow_state")}
    events = by_case("SELECT * FROM trace_event WHERE case_id IS NOT NULL ORDER BY chain, seq")
    reviews = by_case("SELECT * FROM legal_review ORDER BY id")
    milestones = by_case("SELECT * FROM case_milestone ORDER BY id")
    # the alerts the demo's oversight scan raised (audit verify reads them back)
    alerts = by_case("SELECT * FROM oversight_alert ORDER BY id")
    # the files kept with the cases (drawn signatures) and their evidence lists: the clones name the
    # same files (kept once by hash), as the same photos sent to two cases would
    attachments = by_case("SELECT * FROM case_attachment ORDER BY id")
    evidence = by_case("SELECT * FROM case_evidence ORDER BY id")
    withdrawals = {r["evidence_id"]: r for r in fetch(conn, "SELECT * FROM evidence_withdrawal")}
    users = {r["username"]: r["id"] for r in fetch(conn, "SELECT id, username FROM user_account")}
    usernames = {i: n for n, i in users.items()}
    departments = fetch(conn, "SELECT id, code FROM org_unit WHERE kind = 'department' ORDER BY id")
    market = next(d for d in departments if d["code"] == "market")
    others = [d for d in departments if d["code"] != "market"]
    counters = {(r["department_id"], r["year"]): r["last"]
                for r in fetch(conn, "SELECT * FROM number_counter WHERE kind = 'case'")}

    closed = [c for c in cases if c["closed_at"] is not None]
    open_ = [c for c in cases if c["closed_at"] is None]
    # The template's state split once around its engine task ids: a clone joins fresh ids in.
    state_parts = {cid: UUID_RE.split(s["state"]) for cid, s in states.items()}
    state_ids = {cid: UUID_RE.findall(s["state"]) for cid, s in states.items()}

    ids = Ids(conn, ["enforcement_case", "case_task", "trace_event", "legal_review", "oversight_alert",
                     "case_milestone", "case_attachment", "case_evidence", "evidence_withdrawal"])

    def copier(table, rows):
        return Copier(conn, table, list(rows[0])) if rows else None
    out = {
        "case": Copier(conn, "enforcement_case", [k for k in cases[0]]),
        "state": Copier(conn, "workflow_state", list(next(iter(states.values())))),
        "task": Copier(conn, "case_task", list(next(iter(tasks.values()))[0])),
        "event": Copier(conn, "trace_event", list(next(iter(events.values()))[0])),
        "review": Copier(conn, "legal_review", list(next(iter(reviews.values()))[0])) if reviews else None,
        "chain": Copier(conn, "trace_chain", ["chain", "seq", "head_sha256"]),
        "alert": Copier(conn, "oversight_alert", list(next(iter(alerts.values()))[0])) if alerts else None,
        "milestone": Copier(conn, "case_milestone", list(next(iter(milestones.values()))[0])) if milestones else None,
        "attachment": copier("case_attachment", [r for rows in attachments.values() for r in rows]),
        "evidence": copier("case_evidence", [r for rows in evidence.values() for r in rows]),
        "withdrawal": copier("evidence_withdrawal", list(withdrawals.values())),
    }
    time_columns = {"created_at", "updated_at", "closed_at",
                    "next_due_at", "next_timer_at", "ready_at", "due_at", "completed_at", "at", "raised_at",
                    "handled_at", "requested_at", "reported_at", "rectification_due_at", "stored_at",
                    "withdrawn_at", "paper_entry_until"}

    def shift(row: dict, days: int) -> dict:
        return {k: (v - timedelta(days=days) if k in time_columns and v is not None else v) for k, v in row.items()}

    def flush_all():  # parents before children (foreign keys)
        for name in ("case", "state", "task", "review", "alert", "milestone", "attachment", "evidence", "withdrawal",
                     "event", "chain"):
            if out[name] is not None:
                out[name].flush()

    for n in range(needed):
        if n and n % 2000 == 0:
            flush_all()
        is_open = rng.random() < OPEN_SHARE
        template = rng.choice(open_ if is_open else closed)
        days = rng.randint(0, 30) if is_open else rng.randint(30, HISTORY_DAYS)
        department = market if rng.random() < MARKET_SHARE else rng.choice(others)
        code = department["code"]

        def user(uid, department=department, code=code):
            if uid is None or department is market:
                return uid
            stand_in = USER_ROLES.get(usernames.get(uid))
            return users.get(f"{code}_{stand_in}", uid) if stand_in else uid

        case = shift(template, days)
        case_id = ids.take("enforcement_case")
        year = case["created_at"].astimezone(LOCAL_TZ).year
        counters[(department["id"], year)] = counters.get((department["id"], year), 0) + 1
        case.update(id=case_id, department_id=department["id"], created_by_id=user(case["created_by_id"]),
                    number=f"{code.upper()}-{year}-{counters[(department['id'], year)]:05d}", version=1,
                    milestones=None if not template["milestones"] else canonical_json(
                        [{**item, "at": (datetime.fromisoformat(item["at"]) - timedelta(days=days)).isoformat()}
                         for item in template["milestones"]]),
                    paper_entry=shift_data(template["paper_entry"], days, {}) if template.get("paper_entry") else None)
        out["case"].add(tuple(case.values()))

        renewed = {old: str(uuid.uuid4()) for old in dict.fromkeys(state_ids[template["id"]])}
        parts, found = state_parts[template["id"]], state_ids[template["id"]]
        text = "".join(piece + (renewed[found[i]] if i < len(found) else "") for i, piece in enumerate(parts))
        state = shift(states[template["id"]], days)
        state.update(case_id=case_id, state=text)
        out["state"].add(tuple(state.values()))

        task_ids = {}
        for task in tasks[template["id"]]:
            row = shift(task, days)
            task_ids[task["id"]] = ids.take("case_task")
            row.update(id=task_ids[task["id"]], case_id=case_id, department_id=department["id"],
                       engine_task_id=renewed.get(task["engine_task_id"], str(uuid.uuid4())),
                       assignee_id=user(row["assignee_id"]), completed_by_id=user(row["completed_by_id"]),
                       data=None if row["data"] is None else canonical_json(row["data"]))
            out["task"].add(tuple(row.values()))
        for review in reviews.get(template["id"], []):
            row = shift(review, days)
            row.update(id=ids.take("legal_review"), case_id=case_id, task_id=task_ids[review["task_id"]],
                       reviewer_id=user(review["reviewer_id"]), findings=canonical_json(review["findings"]))
            out["review"].add(tuple(row.values()))
        milestone_ids = {}
        for milestone in milestones.get(template["id"], []):
            row = shift(milestone, days)
            milestone_ids[milestone["id"]] = ids.take("case_milestone")
            row.update(id=milestone_ids[milestone["id"]], case_id=case_id)
            out["milestone"].add(tuple(row.values()))
        alert_ids = {}
        for alert in alerts.get(template["id"], []):
            alert_ids[alert["id"]] = ids.take("oversight_alert")
        for alert in alerts.get(template["id"], []):
            row = shift(alert, days)
            row.update(id=alert_ids[alert["id"]], case_id=case_id, department_id=department["id"],
                       task_id=task_ids.get(row["task_id"]) if row["task_id"] else None,
                       handled_by_id=user(row["handled_by_id"]), requested_by_id=user(row["requested_by_id"]),
                       reported_by_id=user(row["reported_by_id"]),
                       details=canonical_json(shift_data(row["details"] or {}, days, alert_ids)))
            out["alert"].add(tuple(row.values()))

        for row in attachments.get(template["id"], []):
            row = shift(row, days)
            row.update(id=ids.take("case_attachment"), case_id=case_id, stored_by_id=user(row["stored_by_id"]))
            out["attachment"].add(tuple(row.values()))
        evidence_ids = {}
        for item in evidence.get(template["id"], []):
            row = shift(item, days)
            evidence_ids[item["id"]] = ids.take("case_evidence")
            row.update(id=evidence_ids[item["id"]], case_id=case_id, collected_by_id=user(row["collected_by_id"]),
                       task_id=task_ids.get(row["task_id"]) if row["task_id"] else None,
                       collected_on=row["collected_on"] - timedelta(days=days) if row["collected_on"] else None)
            out["evidence"].add(tuple(row.values()))
            if item["id"] in withdrawals:
                withdrawal = shift(withdrawals[item["id"]], days)
                withdrawal.update(id=ids.take("evidence_withdrawal"), evidence_id=evidence_ids[item["id"]],
                                  withdrawn_by_id=user(withdrawal["withdrawn_by_id"]))
                out["withdrawal"].add(tuple(withdrawal.values()))

        chain, prev, seq = f"case:{case_id}", "0" * 64, 0
        for ev in events[template["id"]]:
            row = shift(ev, days)
            actor_id = user(row["actor_id"])
            actor = usernames.get(actor_id, row["actor"]) if actor_id else row["actor"]
            row["data_json"] = event_data(row["action"], row["data_json"], case, code, days, alert_ids,
                                          milestone_ids, evidence_ids)
            row.update(id=ids.take("trace_event"), chain=chain, case_id=case_id, actor_id=actor_id, actor=actor,
                       task_id=task_ids.get(row["task_id"]) if row["task_id"] else None, prev_sha256=prev,
                       key_id=key_id)
            row["sha256"] = event_digest(key, key_id=key_id, chain=chain, seq=row["seq"], case_id=case_id,
                                         at=row["at"].astimezone(UTC), actor_id=actor_id, actor=actor, action=row["action"],
                                         task_id=row["task_id"], bpmn_id=row["bpmn_id"],
                                         data_json=row["data_json"], prev=prev)
            prev, seq = row["sha256"], row["seq"]
            out["event"].add(tuple(row.values()))
        out["chain"].add((chain, seq, prev))

    flush_all()
    for table, value in ids.next.items():
        if value > 1:  # a table still empty keeps its sequence at its start
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", (value - 1,))
    for (department_id, year), last in counters.items():
        conn.execute("INSERT INTO number_counter (department_id, year, kind, last) VALUES (%s, %s, 'case', %s) "
                     "ON CONFLICT (department_id, year, kind) DO UPDATE SET last = excluded.last",
                     (department_id, year, last))
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE")  # as autovacuum would leave a database that grew over years
    conn.close()
    return {name: c.rows for name, c in out.items() if c is not None}


def event_data(action: str, data_json: str, case: dict, code: str, days: int, alert_ids: dict,
               milestone_ids: dict, evidence_ids: dict) -> str:
    """The event's data as the clone's own trace would hold it: its number and department where
    the event names them, its alerts', milestones' and evidence items' ids, its times shifted like
    the rows (the verifier compares the two)."""
    from workflow_app.services.audit.trail import canonical_json
    data = json.loads(data_json)
    if not isinstance(data, dict):
        return data_json
    if action == "case.opened":
        data.update(number=case["number"], department=code)
        if isinstance(data.get("paper_entry"), dict):  # entered from paper: when it began, moved with the case
            data["paper_entry"] = shift_data(data["paper_entry"], days, alert_ids)
    elif action == "case.milestone" and data.get("id") in milestone_ids:
        data["id"] = milestone_ids[data["id"]]
    elif action in ("evidence.stored", "evidence.withdrawn") and data.get("id") in evidence_ids:
        data["id"] = evidence_ids[data["id"]]
    return canonical_json(shift_data(data, days, alert_ids))


def shift_data(data: dict, days: int, alert_ids: dict) -> dict:
    """An event's data or an alert's details, for a clone: times (`…_at`) and days (`…_on`, an
    alert's rectification deadline) `days` earlier, alert ids the clone's own."""
    data = dict(data)
    for k, v in data.items():
        if k in ("alert", "rectification_of") and v in alert_ids:
            data[k] = alert_ids[v]
        elif k.endswith(("_at", "_on")) and isinstance(v, str):
            try:
                moved = datetime.fromisoformat(v) - timedelta(days=days)
            except ValueError:
                continue
            data[k] = moved.isoformat() if k.endswith("_at") else moved.date().isoformat()
    return data


# -- one case with a long evidence list ---------------------------------------------------------------
def evidence_case(conn) -> tuple[int, int]:
    """(case id, items) of the case with the longest evidence list."""
    return conn.execute("SELECT case_id, count(*) FROM case_evidence GROUP BY case_id "
                        "ORDER BY count(*) DESC, case_id LIMIT 1").fetchone() or (None, 0)


def add_evidence(url: str, items: int, seed: int) -> tuple[int, int]:
    """Give the first case of the market department (officer1's) under investigation `items`
    evidence items through the service an upload calls (services/evidence/items.store): phone photos and
    scanned pages, each file of its own bytes kept in the evidence store, each item's
    `evidence.stored` event on the case's chain. Returns (case id, MB kept)."""
    from PIL import Image, ImageDraw

    from workflow_app import create_app
    from workflow_app.extensions import db
    from workflow_app.models import Case, Task, User
    from workflow_app.services.evidence import items as evidence

    rng = random.Random(seed)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, **ENV})
    photos = [Image.effect_noise(PHOTO_PX, rng.randint(30, 50)).convert("RGB") for _ in range(4)]
    scan = Image.effect_noise(SCAN_PX, 20).point(lambda v: min(255, v + 90))  # a light page with grain
    kept = 0
    with app.app_context():
        officer = db.session.execute(db.select(User).where(User.username == "officer1")).scalar_one()
        case = db.session.execute(db.select(Case).where(
            Case.number.like("MARKET-%"), Case.closed_at.is_(None), Case.status == "investigating")
            .order_by(Case.id).limit(1)).scalar_one()
        items -= evidence.counts(case)[0]  # the demo's own items, if it has any
        steps = [t.id for t in db.session.execute(db.select(Task).where(
            Task.case_id == case.id, Task.state != "cancelled").order_by(Task.id)).scalars()]
        day = case.created_at.date()
        for n in range(1, items + 1):
            is_scan = rng.random() < SCAN_SHARE
            page = (scan if is_scan else rng.choice(photos)).copy()
            ImageDraw.Draw(page).text((40, 40), f"ZhifaFlow bench {case.number} #{n}", fill=0 if is_scan else (255, 255, 0))
            out = io.BytesIO()
            page.save(out, "PDF" if is_scan else "JPEG", quality=85)
            kept += out.tell()
            out.seek(0)
            description = evidence.Description(
                title=f"询问笔录 第{n}页" if is_scan else f"现场照片 {n}", kind="documentary" if is_scan else "physical",
                source="当事人提供" if is_scan else "现场拍摄", proves="货架陈列过期食品及其数量",
                collected_on=day, task_id=rng.choice(steps) if steps else None)
            evidence.store(officer, case.id, out, f"{'scan' if is_scan else 'IMG'}_{n:04d}.{'pdf' if is_scan else 'jpg'}",
                           description)
        return case.id, kept // (1024 * 1024)


# -- measuring ---------------------------------------------------------------------------------------
def measure(url: str, requests: int, seed: int, evidence_case_id: int, evidence_items: int
            ) -> list[tuple[str, list[float]]]:
    from workflow_app import create_app
    from workflow_app.extensions import db
    from workflow_app.models import Alert, Case, Evidence, TraceEvent
    from workflow_app.models.oversight import ACTIVE
    from workflow_app.services import paging
    from workflow_app.services.audit import trail as audit
    from workflow_app.services.audit import verify as audit_verify

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, **ENV})
    client = app.test_client()
    rng = random.Random(seed)

    def token(username):
        r = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        assert r.status_code == 201, (username, r.status_code, r.get_data(as_text=True)[:200])
        return {"Authorization": f"Bearer {r.get_json()['token']}"}

    with app.app_context():
        market_ids = [i for (i,) in db.session.execute(
            db.select(Case.id).where(Case.number.like("MARKET-%")).order_by(db.func.random()).limit(200))]
        sample = [i for (i,) in db.session.execute(
            db.select(Case.id).order_by(db.func.random()).limit(50))]
        # The cursor a reader following `next` holds on reaching page 1000 of 50 (or the last page of
        # a smaller database), computed rather than walked.
        total = db.session.execute(db.select(db.func.count(Case.id))).scalar()
        deep = max(2, min(1000, (total - 1) // 50 + 1))
        last_number = paging.last_page_number(50)  # a page number reaches no deeper (OFFSET)
        row = db.session.execute(db.select(Case.created_at, Case.id).order_by(Case.created_at.desc(), Case.id.desc())
                                 .offset((deep - 1) * 50 - 1).limit(1)).one()
        deep_cursor = paging.encode_cursor([row.created_at, row.id])
        # The last page of the long evidence list (50 a page) and of its case's trace (50 a page), and
        # page 1000 of the active alerts (or their last page), by the cursor a reader would hold.
        items = db.session.execute(db.select(Evidence.id).where(Evidence.case_id == evidence_case_id)
                                   .order_by(Evidence.id)).scalars().all()
        evidence_cursor = paging.encode_cursor([items[(len(items) - 1) // 50 * 50 - 1]]) if len(items) > 50 else None
        events = db.session.execute(db.select(db.func.max(TraceEvent.seq)).where(
            TraceEvent.chain == audit.case_chain(evidence_case_id))).scalar() or 0
        trace_cursor = paging.encode_cursor([(events - 1) // 50 * 50]) if events > 50 else None
        active = db.session.execute(db.select(db.func.count(Alert.id)).where(Alert.status.in_(ACTIVE))).scalar()
        alert_page = min(1000, (active - 1) // 50 + 1) if active > 50 else None
        alert_cursor = None
        if alert_page:
            row = db.session.execute(db.select(Alert.raised_at, Alert.id).where(Alert.status.in_(ACTIVE))
                                     .order_by(Alert.raised_at.desc(), Alert.id.desc())
                                     .offset((alert_page - 1) * 50 - 1).limit(1)).one()
            alert_cursor = paging.encode_cursor([row.raised_at, row.id])
        bad = [i for i in sample if not audit_verify.verify(case_id=i).ok]
        print(f"audit chains verified on a sample: {len(sample) - len(bad)}/{len(sample)} ok")
        report = audit_verify.verify(case_id=evidence_case_id)
        print(f"the case with {evidence_items} evidence items ({evidence_case_id}): its chain and files "
              f"{'verified ok' if report.ok else 'BROKEN: ' + '; '.join(map(str, report.problems[:3]))}")
        department_code = db.session.get(Case, evidence_case_id).department.code

    as_ = {u: token(u) for u in ("officer1", "head1", "reviewer1", "supervisor1")}
    browsers = {u: page_session(app, u) for u in as_}  # the HTML pages ride a login session
    pages = [
        ("officer's inbox (GET /api/v1/tasks?mine=1)", "officer1", lambda: "/api/v1/tasks?mine=1"),
        ("head's queue (GET /api/v1/tasks?mine=1)", "head1", lambda: "/api/v1/tasks?mine=1"),
        ("review queue (GET /api/v1/tasks?mine=1)", "reviewer1", lambda: "/api/v1/tasks?mine=1"),
        ("supervisor's task list (GET /api/v1/tasks)", "supervisor1", lambda: "/api/v1/tasks"),
        ("case list, page 1", "supervisor1", lambda: "/api/v1/cases?page=1"),
        (f"case list, page {deep} (cursor)", "supervisor1", lambda: f"/api/v1/cases?after={deep_cursor}",
         "case list, page 1"),
        (f"case list, page {last_number} (deepest page number)", "supervisor1",
         lambda: f"/api/v1/cases?page={last_number}", "case list, page 1"),
        ("case record (GET /api/v1/cases/<id>)", "officer1", lambda: f"/api/v1/cases/{rng.choice(market_ids)}"),
        ("case file (GET /api/v1/cases/<id>/tasks)", "officer1",
         lambda: f"/api/v1/cases/{rng.choice(market_ids)}/tasks"),
        ("case trace (GET /api/v1/cases/<id>/trace)", "officer1",
         lambda: f"/api/v1/cases/{rng.choice(market_ids)}/trace"),
        ("page: officer's inbox (GET /inbox)", "officer1", lambda: "/inbox"),
        ("page: head's queue (/inbox?queue=department)", "head1", lambda: "/inbox?queue=department"),
        ("page: review queue (GET /inbox?queue=reviews)", "reviewer1", lambda: "/inbox?queue=reviews"),
        ("page: cases, page 1 (GET /cases)", "supervisor1", lambda: "/cases"),
        (f"page: cases, page {deep} (cursor)", "supervisor1", lambda: f"/cases?after={deep_cursor}",
         "page: cases, page 1 (GET /cases)"),
        ("page: case (/cases/<id>, chain verified)", "officer1", lambda: f"/cases/{rng.choice(market_ids)}"),
        (f"page: case with {evidence_items} evidence items", "officer1", lambda: f"/cases/{evidence_case_id}"),
        ("page: its evidence list (/cases/<id>/evidence)", "officer1",
         lambda: f"/cases/{evidence_case_id}/evidence"),
        ("page: its evidence list, last page (cursor)", "officer1",
         lambda: f"/cases/{evidence_case_id}/evidence?after={evidence_cursor}",
         "page: its evidence list (/cases/<id>/evidence)"),
        ("its evidence list (GET /api/v1/cases/<id>/evidence)", "officer1",
         lambda: f"/api/v1/cases/{evidence_case_id}/evidence"),
        ("its evidence list, last page (cursor)", "officer1",
         lambda: f"/api/v1/cases/{evidence_case_id}/evidence?after={evidence_cursor}",
         "its evidence list (GET /api/v1/cases/<id>/evidence)"),
        ("its trace, page 1 (GET …/trace?per_page=50)", "officer1",
         lambda: f"/api/v1/cases/{evidence_case_id}/trace?per_page=50"),
        ("its trace, last page (cursor)", "officer1",
         lambda: f"/api/v1/cases/{evidence_case_id}/trace?per_page=50&after={trace_cursor}",
         "its trace, page 1 (GET …/trace?per_page=50)"),
        # the supervisors' pages read the alerts the worker raised (make bench-worker: a pass over the history)
        ("page: alerts (GET /alerts)", "supervisor1", lambda: "/alerts"),
        ("page: alerts, one department's high (filtered)", "supervisor1",
         lambda: f"/alerts?department={department_code}&severity=high"),
        ("page: alerts, all statuses (?status=all)", "supervisor1", lambda: "/alerts?status=all"),
        ("alerts (GET /api/v1/alerts)", "supervisor1", lambda: "/api/v1/alerts"),
        (f"alerts, page {alert_page} (cursor)", "supervisor1", lambda: f"/api/v1/alerts?after={alert_cursor}",
         "alerts (GET /api/v1/alerts)"),
        ("page: supervision dashboard (GET /dashboard)", "supervisor1", lambda: "/dashboard"),
        ("oversight summary (GET /api/v1/oversight/summary)", "supervisor1", lambda: "/api/v1/oversight/summary"),
    ]
    # the deep pages that cannot be built on this database (a short list) are left out
    pages = [p for p in pages if not (("evidence list, last page" in p[0] and evidence_cursor is None)
                                      or ("trace, last page" in p[0] and trace_cursor is None)
                                      or (p[0].startswith("alerts, page") and alert_cursor is None))]
    results = []
    for label, user, path, *first in pages:
        session = browsers[user] if label.startswith("page:") else None

        def get(url_, session=session, user=user):
            return session.get(url_) if session is not None else client.get(url_, headers=as_[user])

        for _ in range(3):
            get(path())
        times = []
        for _ in range(requests):
            url_ = path()
            start = time.perf_counter()
            r = get(url_)
            times.append((time.perf_counter() - start) * 1000)
            assert r.status_code == 200, (label, url_, r.status_code, r.get_data(as_text=True)[:300])
        results.append((label, times, first[0] if first else None))
    return results


def deep_against_first(results) -> list[str]:
    """Each deep page next to the first page of its list (p50): a keyset page is as fast as the first
    when it costs at most half as much again, or 5 ms more (the machine is shared); a page number is
    bounded (paging.PAGE_NUMBER_ROWS), so its deepest page is compared too."""
    p50 = {label: statistics.median(times) for label, times, _first in results}
    lines = []
    for label, _times, first in results:
        if first is None or first not in p50:
            continue
        deep, top = p50[label], p50[first]
        verdict = "as fast as the first" if deep <= max(1.5 * top, top + 5) else "SLOWER than the first"
        lines.append(f"{label:52} {deep:8.1f} vs {top:6.1f} ms (x{deep / top:4.2f}): {verdict}")
    return lines


def page_session(app, username: str):
    """A test client logged in through the login page (its CSRF token), as a browser is."""
    browser = app.test_client()
    form = browser.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    r = browser.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302, (username, r.status_code)
    return browser


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--evidence-items", type=int, default=EVIDENCE_ITEMS,
                        help="the evidence list of the case that has one")
    parser.add_argument("--reuse", action="store_true", help="measure the database already built")
    args = parser.parse_args()
    ENV["EVIDENCE_DIR"] = str(evidence_dir(args.database_url))
    os.environ.update(ENV)
    if not args.reuse:
        start = time.perf_counter()
        recreate_database(args.database_url)
        shutil.rmtree(ENV["EVIDENCE_DIR"], ignore_errors=True)
        build_templates(args.database_url)
        templates = time.perf_counter() - start
        written = clone_cases(args.database_url, args.cases, args.seed)
        print(f"built in {time.perf_counter() - start:.0f} s (templates through the services {templates:.0f} s): "
              + ", ".join(f"{n} {k} rows" for k, n in written.items()))
    import psycopg
    try:
        conn = psycopg.connect(plain_url(args.database_url))
    except psycopg.OperationalError as err:
        sys.exit(f"cannot open the benchmark database ({str(err).strip().splitlines()[-1]}); "
                 + ("run without --reuse to build it" if args.reuse else "is PostgreSQL running?"))
    with conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("enforcement_case", "case_task", "trace_event")}
        ready = conn.execute("SELECT count(*) FROM case_task WHERE state = 'ready'").fetchone()[0]
        found = evidence_case(conn)
    if found[1] < args.evidence_items:  # a new database (or one built before the bench made this case)
        start = time.perf_counter()
        case_id, mb = add_evidence(args.database_url, args.evidence_items, args.seed)
        print(f"evidence: case {case_id} given its items through the service in {time.perf_counter() - start:.0f} s "
              f"({mb} MB kept in {ENV['EVIDENCE_DIR']})")
        with psycopg.connect(plain_url(args.database_url)) as conn:
            found = evidence_case(conn)
    print(f"database: {counts['enforcement_case']} cases, {counts['case_task']} tasks ({ready} ready), "
          f"{counts['trace_event']} trace events; case {found[0]} has {found[1]} evidence items")
    print(f"{'page':52} {'p50 ms':>8} {'p95 ms':>8}   ({args.requests} requests each, in-process)")
    results = measure(args.database_url, args.requests, args.seed, found[0], found[1])
    for label, times, _first in results:
        print(f"{label:52} {statistics.median(times):8.1f} {p95(times):8.1f}")
    print(f"\n{'deep page against the first page of its list':52} {'p50 ms':>8}")
    for line in deep_against_first(results):
        print(line)


if __name__ == "__main__":
    main()
