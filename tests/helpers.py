"""Driving cases through the real API, the way a client would."""
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from io import BytesIO

from tests.conftest import PASSWORD
from workflow_app.demo.evidence import site_photo
from workflow_app.oversight.calendar import LOCAL_TZ
from workflow_app.wall_clock import local_today


def days_ago(n: int) -> str:
    """The Beijing date `n` days before today (the app's clock: ZHIFAFLOW_CLOCK pins it): recorded
    dates lie in the past and in the legal order of the steps (the step rules refuse the future
    and the out of order)."""
    return (local_today() - timedelta(days=n)).isoformat()



def noon_after(instant: datetime, days: int) -> datetime:
    """Noon in Beijing `days` days after the day of `instant`: where a test moves the app's clock
    past a due time (a day's last instant, 23:59:59.999), so that the test's own run (the clock
    runs on from where it is set) does not carry "today" into the next day between two reads."""
    day = instant.astimezone(LOCAL_TZ).date() + timedelta(days=days)
    return datetime.combine(day, time(12), tzinfo=LOCAL_TZ)

# The day tests written with fixed dates (the 2026 National Day holiday, its adjusted Saturday)
# run as of (`@pytest.mark.as_of(FIXED_DATES_AS_OF)`): after their last date, and in 2026, whose
# official holiday table the calendar has.
FIXED_DATES_AS_OF = "2026-12-01"

# Days before today of each dated act, in the legal order, with the statutory spacing to spare
# whatever holidays fall between (5 working days to answer the notice, 7 to notify the hearing).
DAY = {"violation": 120, "received": 110, "filed": 108, "reported": 100, "transfer_approved": 99, "transferred": 98,
       "party_informed": 97, "judicial_feedback": 96, "notice_served": 90, "answered": 84, "hearing_notified": 83,
       "hearing": 60, "reviewed": 55, "discussion": 50, "decided": 48, "served": 46, "published": 45, "paid": 40, "closed": 35,
       "plan_applied": 44, "plan_approved": 43, "instalment_1": 42, "instalment_2": 38}


def _steps() -> dict:
    """Valid form data for each step of general_penalty, and who does it by default, dated from
    today by the app's clock as it reads now (a test that moves the clock gets dates from its day)."""
    return {
        "clue_intake": ("officer1", {"source": "complaint", "received_on": days_ago(DAY["received"]),
                                     "violation_date": days_ago(DAY["violation"]), "summary": "群众投诉超市销售过期食品",
                                     "party_id_number": "91110105MA01ABCD26", "party_address": "清河区兴华路18号"}),
        "filing_approval": ("head1", {"filing_decision": "file", "filed_on": days_ago(DAY["filed"]),
                                      "reason": "有违法事实，符合立案条件", "limitation_checked": True}),
        "investigation": ("officer1", {"officers": ["officer1", "officer2"], "credentials_shown": True,
                                       "evidence": [{"kind": "documentary", "description": "进货台账复印件"}],
                                       "preservation_applied": False}),
        "investigation_report": ("officer1", {
            "facts": "当事人未履行进货查验义务", "proposal": "penalty", "cause": "SCJG-SP-126-03",
            "violated_provision": "《食品安全法》第五十三条", "penalty_provision": "《食品安全法》第一百二十六条",
            "penalty_list_item": "SCJG-BCF-001", "meets_penalty_list": "no",
            "benchmark_tier": "ordinary", "proposed_penalty_kinds": ["fine"], "proposed_fine": 20000,
            "major_case": False, "complex_case": False}),
        "penalty_notice": ("officer1", {"notified_penalty": "罚款20000元",
                                        "notified_fine": 20000, "notified_penalty_kinds": ["fine"],
                                        "hearing_offered": True, "served_on": days_ago(DAY["notice_served"]), "service_method": "direct"}),
        "statement_defence": ("officer1", {"statement_made": False, "hearing_requested": False, "waived": False,
                                           "answered_on": days_ago(DAY["answered"])}),
        "hearing_notice": ("officer1", {"hearing_date": days_ago(DAY["hearing"]),
                                        "notice_served_on": days_ago(DAY["hearing_notified"]),
                                        "hearing_time": "09:30", "presiding_officer": "officer3", "hearing_members": ["王敏"],
                                        "clerk": "李华", "location": "局三楼听证室", "public": True}),
        "hearing_record": ("officer1", {"held_on": days_ago(DAY["hearing"]), "record": "听证笔录", "presiding_opinion": "维持",
                                        "party_attended": True}),
        "legal_review": ("reviewer1", {
            "findings": {k: {"result": "pass"} for k in (
                "body_competent", "officers_certified", "facts_and_evidence", "procedure_lawful", "law_applied",
                "discretion_within_benchmark", "documents_complete", "criminal_transfer")},
            "review_outcome": "approve", "opinions": "同意", "reviewed_on": days_ago(DAY["reviewed"])}),
        "collective_discussion": ("head1", {"held_on": days_ago(DAY["discussion"]), "members": ["head1", "head2", "head3"],
                                            "opinions": "同意处罚", "conclusion": "给予罚款"}),
        "penalty_decision": ("head1", {"penalty_kinds": ["fine"],
                                       "fine_amount": 20000, "legal_basis": "《食品安全法》第一百二十六条",
                                       "benchmark_tier": "ordinary", "decided_on": days_ago(DAY["decided"]),
                                       "statement_adopted": "none_made",
                                       "performance_manner": "自收到本决定书之日起十五日内，到清河区农商银行各网点缴纳罚款",
                                       "reconsideration_body": "清河区人民政府", "litigation_court": "清河区人民法院"}),
        "no_penalty_decision": ("head1", {"ground": "first_minor",
                                          "reasons": "首违不罚：初次违法，危害后果轻微并已及时改正",
                                          "legal_basis": "《行政处罚法》第三十三条第一款", "education": "已对当事人批评教育",
                                          "decided_on": days_ago(DAY["decided"]),
                                          "reconsideration_body": "清河区人民政府", "litigation_court": "清河区人民法院"}),
        "no_penalty_service": ("officer1", {"method": "direct", "served_on": days_ago(DAY["served"]), "recipient": "店长"}),
        "transfer_approval": ("head1", {"transfer_decision": "approve", "decided_on": days_ago(DAY["transfer_approved"]),
                                        "reason": "涉案金额达到刑事立案追诉标准，批准移送"}),
        "transfer": ("officer1", {"transferred_on": days_ago(DAY["transferred"]),
                                  "receiving_organ": "清河市公安局清河分局", "procuratorate": "清河区人民检察院",
                                  "procuratorate_copied": True,
                                  "materials": ["transfer_letter", "investigation_report", "items_list"]}),
        "transfer_service": ("officer1", {"method": "direct", "served_on": days_ago(DAY["party_informed"]),
                                          "recipient": "店长"}),
        "transfer_feedback": ("officer1", {"judicial_result": "accepted", "notified_on": days_ago(DAY["judicial_feedback"]),
                                           "notice_number": "清公（经）立字〔2026〕8号"}),
        "payment_plan_application": ("officer1", {"applied_on": days_ago(DAY["plan_applied"]), "plan_kind": "instalments",
                                                  "hardship": "营业收入锐减，有财务报表为证", "requested": "分两期缴纳"}),
        "payment_plan_approval": ("head1", {"plan_decision": "approve", "decided_on": days_ago(DAY["plan_approved"]),
                                            "instalments": [{"due_on": days_ago(DAY["instalment_1"]), "amount": 10000},
                                                            {"due_on": days_ago(DAY["instalment_2"]), "amount": 10000}],
                                            "period_ends_on": days_ago(DAY["instalment_2"]),
                                            "reason": "当事人确有经济困难，准予分两期缴纳"}),
        "execution_scheduled": ("officer1", {"outcome": "instalment_paid", "amount_paid": 10000,
                                             "instalments_paid": [{"paid_on": days_ago(DAY["instalment_1"]), "amount": 10000}]}),
        "service": ("officer1", {"method": "direct", "served_on": days_ago(DAY["served"]), "recipient": "店长"}),
        "execution": ("officer1", {"outcome": "paid", "paid_on": days_ago(DAY["paid"]), "amount_paid": 20000}),
        "disclosure": ("officer2", {"outcome": "disclosed", "public_text": "某超市未履行进货查验义务，罚款20000元。", "published_on": days_ago(DAY["published"]),
                                    "channel": "区政府网站"}),
        "closing": ("head1", {"closing_report": "已执行完毕", "record_complete": True, "closed_on": days_ago(DAY["closed"])}),
    }


class _Steps(Mapping):
    def __getitem__(self, bpmn_id: str) -> tuple[str, dict]:
        return _steps()[bpmn_id]

    def __iter__(self):
        return iter(_steps())

    def __len__(self) -> int:
        return len(_steps())


STEPS = _Steps()


class Runs:
    """`run`: complete steps in order through the class's own `complete`."""

    def run(self, case: dict, *steps: str | tuple) -> dict:
        """Complete steps in order; a step is a bpmn id or (bpmn id, {field overrides})."""
        for step in steps:
            bpmn_id, changes = (step, {}) if isinstance(step, str) else step
            case = self.complete(case, bpmn_id, **changes)
        return case


class Api(Runs):
    def __init__(self, client):
        self.client = client
        self._tokens: dict[str, str] = {}
        self._received: dict[int, str] = {}  # case id -> the day its clue came in, as completed here

    def headers(self, username: str) -> dict:
        if username not in self._tokens:
            r = self.client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            assert r.status_code == 201, r.json
            self._tokens[username] = r.json["token"]
        return {"Authorization": f"Bearer {self._tokens[username]}"}

    def get(self, url, as_="officer1", headers: dict | None = None, **kw):
        return self.client.get(url, headers={**self.headers(as_), **(headers or {})}, **kw)

    def post(self, url, as_="officer1", headers: dict | None = None, **kw):
        """`headers` add to the bearer token (e.g. Accept-Language)."""
        return self.client.post(url, headers={**self.headers(as_), **(headers or {})}, **kw)

    def put(self, url, as_="officer1", headers: dict | None = None, **kw):
        return self.client.put(url, headers={**self.headers(as_), **(headers or {})}, **kw)

    def delete(self, url, as_="officer1", headers: dict | None = None, **kw):
        return self.client.delete(url, headers={**self.headers(as_), **(headers or {})}, **kw)

    def open_case(self, as_="officer1", **overrides):
        body = {"procedure_id": "general_penalty", "title": "某超市销售过期食品案", "department": "market",
                "party": {"name": "清河某超市有限公司", "kind": "organization"}}
        body.update(overrides)
        r = self.post("/api/v1/cases", as_=as_, json=body)
        assert r.status_code == 201, r.json
        return r.json

    def task(self, case: dict, bpmn_id: str) -> dict:
        matches = [t for t in case["tasks"] if t["bpmn_id"] == bpmn_id]
        assert matches, f"{bpmn_id} not ready; ready: {[t['bpmn_id'] for t in case['tasks']]}"
        return matches[0]

    def complete(self, case: dict, bpmn_id: str, as_: str | None = None, expect=200, **changes):
        default_user, data = STEPS[bpmn_id]
        if bpmn_id == "filing_approval" and case["id"] in self._received:
            # filed the day the clue came in, unless the test says otherwise: a test that moves the
            # clue's date keeps its later steps in the legal order after the filing date
            data = {**data, "filed_on": self._received[case["id"]]}
        if bpmn_id == "clue_intake":
            self._received[case["id"]] = changes.get("received_on", data.get("received_on"))
        return self.submit(case, bpmn_id, as_ or default_user, {**data, **changes}, expect)

    def submit(self, case: dict, bpmn_id: str, as_: str, data: dict, expect: int = 200):
        """Complete the case's ready step `bpmn_id` with `data` (fields None left out): the case's
        JSON, or the response where another status is expected."""
        data = {k: v for k, v in data.items() if v is not None}
        task = self.task(case, bpmn_id)
        r = self.post(f"/api/v1/tasks/{task['id']}/complete", as_=as_, json={"data": data})
        assert r.status_code == expect, (bpmn_id, r.status_code, r.json)
        return r.json if expect == 200 else r

    def signature(self, case: dict, png: bytes, as_: str = "officer1", headers: dict | None = None):
        """The party's signature drawn on the screen, sent as the page sends it (the response)."""
        return self.post(f"/api/v1/cases/{case['id']}/signatures", as_=as_, headers=headers,
                         data={"file": (BytesIO(png), "signature.png", "image/png")},
                         content_type="multipart/form-data")

    def signed(self, case: dict, png: bytes, as_: str = "officer1") -> str:
        """The SHA-256 of a signature drawn on the screen and stored, as an `x-signature` field records it."""
        r = self.signature(case, png, as_)
        assert r.status_code in (200, 201), (r.status_code, r.json)
        return r.json["sha256"]

    def site_photo(self, case: dict, label: str, step: str | None = None, as_: str = "officer1") -> dict:
        """A photo taken on the spot, on the case's evidence list (the stored item), collected at the
        ready step `step` where it is ready."""
        task = next((t for t in case["tasks"] if t["bpmn_id"] == step), None) if step else None
        fields = {"file": (BytesIO(site_photo(f"{case['number']} {label}", case["id"])), "photo.jpg", "image/jpeg")}
        if task is not None:
            fields["task_id"] = str(task["id"])
        r = self.post(f"/api/v1/cases/{case['id']}/evidence", as_=as_, data=fields, content_type="multipart/form-data")
        assert r.status_code in (200, 201), (r.status_code, r.json)
        return r.json

    def ready(self, case: dict) -> list[str]:
        return sorted(t["bpmn_id"] for t in case["tasks"])


def reached(case: dict, milestone: str) -> str | None:
    """When the case (an API body) last reached the milestone, or None."""
    times = [m["at"] for m in case.get("milestones", []) if m["milestone"] == milestone]
    return times[-1] if times else None


def load_engine_state(case_id: int):
    """The case's stored workflow, loaded in this process for inspection (tests only: the app
    itself runs the engine in its worker processes)."""
    from workflow_app.engine.limits import DEFAULT_LIMITS
    from workflow_app.engine.processor import WorkflowProcessor
    from workflow_app.engine.specs import procedure_cache
    from workflow_app.extensions import db
    from workflow_app.models import Case, WorkflowState
    from workflow_app.services.procedures.versions import bpmn_sources

    db.session.expire_all()
    version = db.session.get(Case, case_id).procedure_version
    procedure = procedure_cache.get(version.sha256, lambda: bpmn_sources(version))  # with the processes it calls
    return WorkflowProcessor.load(procedure, db.session.get(WorkflowState, case_id).state, DEFAULT_LIMITS)


TRANSFER_REPORT = ("investigation_report", {
    "proposal": "transfer", "reported_on": days_ago(DAY["reported"]),
    "suspected_crime": "涉嫌生产、销售不符合安全标准的食品罪，涉案金额达到追诉标准",
    "proposed_penalty_kinds": None, "proposed_fine": None, "violated_provision": None, "penalty_provision": None,
    "benchmark_tier": None})
# The report under the demo register's Food Safety Law Art. 124 cause (经营超过保质期的食品: confiscation, a
# fine of 50,000 to 100,000 yuan, production suspended, the licence revoked; on no list of the demo),
# for a test whose fines or kinds lie outside those of STEPS' cause (Art. 126: 5,000 to 50,000 yuan).
FSL_124_REPORT = ("investigation_report", {
    "cause": "SCJG-SP-124-01", "penalty_list_item": None, "meets_penalty_list": None,
    "violated_provision": "《中华人民共和国食品安全法》第三十四条第十项",
    "penalty_provision": "《中华人民共和国食品安全法》第一百二十四条第一款第五项", "proposed_fine": 60000})
NO_PENALTY_REPORT = ("investigation_report", {
    "proposal": "no_penalty", "no_penalty_reason": "首违且及时改正", "proposed_penalty_kinds": None,
    "proposed_fine": None, "violated_provision": None, "penalty_provision": None, "benchmark_tier": None})

# The decision's answer to the party's statement, defence or hearing opinions (APL 45, 65), for a
# case where the party made them (STEPS' decision says it made none: PARTY_OPINIONS_UNANSWERED otherwise).
ANSWERED = {"statement_adopted": "not_adopted",
            "statement_reasons": "当事人称已完成整改，但复查时仍未建立进货查验记录，不符合减轻处罚的情形。"}

TO_DECISION = ("clue_intake", "filing_approval", "investigation", "investigation_report", "penalty_notice",
               "statement_defence")


def to_decision_after(n: int) -> tuple:
    """The steps from the investigation to the party's statement, dated after a filing n days ago
    (n >= 10): the report 2 days after it, the notice 3, the statement 6. The decision limit
    (90 days from the recorded filing date, APL 60) then still runs; the default history of STEPS,
    filed DAY["filed"] days ago, is long past it."""
    return ("investigation", ("investigation_report", {"reported_on": days_ago(n - 2)}),
            ("penalty_notice", {"served_on": days_ago(n - 3)}), ("statement_defence", {"answered_on": days_ago(n - 6)}))


def to_decision_filed(n: int) -> tuple:
    """TO_DECISION for a case whose clue came in n + 2 days ago and which was filed (立案日期) n days ago."""
    return (("clue_intake", {"received_on": days_ago(n + 2), "violation_date": days_ago(n + 5)}),
            ("filing_approval", {"filed_on": days_ago(n)}), *to_decision_after(n))


# The shortest path to "closed" (no hearing, no legal review): disclosure and service become ready
# together after the decision. The benches (bench/bench_cases.py) drive it too, with STEPS' data.
SHORTEST_PATH = (*TO_DECISION, "penalty_decision", "disclosure", "service", "execution", "closing")


def at_once(app, action, workers: int = 2) -> list:
    """`action()` in `workers` threads released together, each in an app context of its own (as
    separate worker processes would be): their results, in the order they finished."""
    import threading

    from workflow_app.extensions import db

    results, start = [], threading.Barrier(workers)

    def run():
        with app.app_context():
            start.wait()
            results.append(action())
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def engine_steps_meet(monkeypatch, workers: int = 2, *, after: bool = True):
    """Concurrent steps wait for each other at their engine step: `after` it (both go on to write
    together), else before it (both have read the same state and run it). Returns the engine step
    as it was, for a test that goes on alone to set it back."""
    import threading

    from workflow_app.services.cases import step_path

    original, barrier = step_path.run_engine_step, threading.Barrier(workers)

    def together(*args, **kwargs):
        if not after:
            barrier.wait(timeout=10)
            return original(*args, **kwargs)
        result = original(*args, **kwargs)
        barrier.wait(timeout=10)
        return result

    monkeypatch.setattr(step_path, "run_engine_step", together)
    return original


def package_files(procedure_id: str = "general_penalty") -> dict[str, bytes]:
    """The repository's package of `procedure_id` with the shared files (bpmn/shared/, forms/shared/),
    by path, as a deploy archive lays it out."""
    from pathlib import Path

    from workflow_app.services.procedures import packages

    root = Path(__file__).resolve().parents[1]
    return next(p for p in packages.packages_in(packages.read_tree(root)) if p.procedure_id == procedure_id).files


def bpmn_file_holding(files: Mapping[str, bytes], element_id: str) -> str:
    """The path of the package's BPMN file in which the element `element_id` is written."""
    needle = f' id="{element_id}" '.encode()
    return next(path for path, content in files.items() if path.endswith(".bpmn") and needle in content)


def package_archive(files: Mapping[str, bytes]) -> bytes:
    """A deploy archive (.zip) of these files."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path, content in files.items():
            z.writestr(path, content)
    return out.getvalue()


def migration_sandbox(tmp_path):
    """An app on a database of its own (SQLite in tmp_path) for a migration's test: (the app, the
    CLI runner to `db upgrade <rev>` / `db downgrade <rev>` with, and `sql(statement)`, which runs
    one statement in a transaction of its own and returns its rows, if any)."""
    from sqlalchemy import text

    from workflow_app import create_app
    from workflow_app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}"},
                     instance_path=str(tmp_path / "instance"))

    def sql(statement: str):
        with app.app_context(), db.engine.begin() as conn:
            rows = conn.execute(text(statement))
            return rows.all() if rows.returns_rows else None

    return app, app.test_cli_runner(), sql


def docx_with_text(template: bytes, text: str) -> bytes:
    """A Word template with one more paragraph at its end holding `text` (a Jinja expression, say)."""
    import io

    import docx

    document = docx.Document(io.BytesIO(template))
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
