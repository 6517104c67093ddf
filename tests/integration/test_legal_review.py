"""法制审核: a reviewer who handled the case is refused (APL 58; 国办发〔2018〕118号)."""
import pytest

from tests.helpers import TO_DECISION
from workflow_app.extensions import db

pytestmark = pytest.mark.dates


def reviewable_case(api, officers=("officer1", "officer2")):
    case = api.open_case()
    return api.run(case, *TO_DECISION[:2], ("investigation", {"officers": list(officers)}),
                   ("investigation_report", {"major_case": True}), *TO_DECISION[4:])


@pytest.fixture
def officer3_also_reviews(ctx):
    """officer3 is certified and, like some staff in small departments, also a legal reviewer."""
    from workflow_app.extensions import db
    from workflow_app.models import User, UserRole

    both = db.session.execute(db.select(User).where(User.username == "officer3")).scalar_one()
    both.role_rows.append(UserRole(role="legal_reviewer"))
    db.session.commit()


def test_a_reviewer_named_as_investigating_officer_is_refused_and_the_attempt_traced(api, officer3_also_reviews):
    case = reviewable_case(api, officers=("officer1", "officer3"))
    r = api.complete(case, "legal_review", as_="officer3", expect=422)
    assert r.json["error"] == "REVIEWER_CONFLICT"
    assert "第58条" in r.json["errors"]["_task"][0]
    trace = api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]
    refused = [e for e in trace if e["action"] == "step.refused"]
    assert len(refused) == 1 and refused[0]["actor"] == "officer3"
    assert refused[0]["data"]["code"] == "REVIEWER_CONFLICT"
    assert api.ready(api.get(f"/api/v1/cases/{case['id']}").json) == ["legal_review"]  # unchanged
    approved = api.complete(case, "legal_review", as_="reviewer1")
    assert api.ready(approved) == ["collective_discussion"]


def test_a_reviewer_who_completed_a_step_is_refused(api, officer3_also_reviews):
    case = api.open_case(as_="officer3")
    case = api.run(case, *TO_DECISION[:2], "investigation", ("investigation_report", {"major_case": True}),
                   *TO_DECISION[4:])
    r = api.complete(case, "legal_review", as_="officer3", expect=422)
    assert r.json["error"] == "REVIEWER_CONFLICT"


def test_the_review_is_recorded_with_its_findings(api, ctx):
    from workflow_app.extensions import db
    from workflow_app.models import LegalReview

    case = reviewable_case(api)
    api.complete(case, "legal_review", review_outcome="return", opinions="适用法律错误")
    reviews = db.session.execute(db.select(LegalReview).where(LegalReview.case_id == case["id"])).scalars().all()
    assert [(r.outcome, r.opinions) for r in reviews] == [("return", "适用法律错误")]
    assert reviews[0].findings["law_applied"] == {"result": "pass"}


def test_a_return_requires_opinions(api):
    case = reviewable_case(api)
    r = api.complete(case, "legal_review", review_outcome="return", opinions="", expect=422)
    assert "opinions" in r.json["errors"]


def test_the_case_shows_review_opinions_to_the_officer_who_reinvestigates(api):
    case = reviewable_case(api)
    case = api.complete(case, "legal_review", review_outcome="return", opinions="补充当事人询问笔录")
    assert api.ready(case) == ["investigation"]
    reviews = api.get(f"/api/v1/cases/{case['id']}", as_="officer1").json["legal_reviews"]
    assert [(r["outcome"], r["opinions"], r["reviewer"]) for r in reviews] == [
        ("return", "补充当事人询问笔录", "reviewer1")]


def test_the_reviewer_reads_the_case_file_with_what_each_step_recorded(api):
    case = reviewable_case(api)
    r = api.get(f"/api/v1/cases/{case['id']}/tasks", as_="reviewer1")
    assert r.status_code == 200
    items = r.json["items"]
    assert [t["bpmn_id"] for t in items][:3] == ["clue_intake", "filing_approval", "investigation"]
    report = next(t for t in items if t["bpmn_id"] == "investigation_report")
    assert report["state"] == "completed" and report["completed_by"] == "officer1"
    assert report["data"]["major_case"] is True
    assert items[-1]["bpmn_id"] == "legal_review" and items[-1]["state"] == "ready"
    assert api.get(f"/api/v1/cases/{case['id']}/tasks", as_="environment_officer1").status_code == 404


def test_concurrent_refused_attempts_are_both_traced(app, api, officer3_also_reviews, monkeypatch):
    import threading

    from tests.helpers import STEPS
    from workflow_app.services.audit import trail as audit

    case = reviewable_case(api, officers=("officer1", "officer3"))
    task = api.task(case, "legal_review")
    headers = api.headers("officer3")
    original = audit._head
    barrier = threading.Barrier(2)
    first_read = threading.local()

    def racing_head(chain):
        head = original(chain)
        if not getattr(first_read, "done", False):  # the retry after the lost insert reads alone
            first_read.done = True
            barrier.wait(timeout=10)  # both have read the same head: the second insert loses and retries
        return head

    # On PostgreSQL the head is read FOR UPDATE, so the second reader waits for the first to
    # commit and the two cannot both hold it; the race exists only where reads take no lock.
    if db.engine.dialect.name == "sqlite":
        monkeypatch.setattr(audit, "_head", racing_head)
    codes = []

    def attempt():
        r = app.test_client().post(f"/api/v1/tasks/{task['id']}/complete", headers=headers,
                                   json={"data": STEPS["legal_review"][1]})
        codes.append(r.status_code)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    monkeypatch.setattr(audit, "_head", original)
    assert codes == [422, 422]
    trace = api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]
    assert [e["action"] for e in trace].count("step.refused") == 2
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


def _deploy(api, data: bytes):
    import io

    r = api.post("/api/v1/procedures", as_="author1", data={"file": (io.BytesIO(data), "p.bpmn")},
                 content_type="multipart/form-data")
    assert r.status_code == 201, r.json


def test_a_task_in_the_reviewers_lane_without_the_marker_is_an_ordinary_step(api, ctx):
    """Only the BPMN's legalReview marker makes a review: a reviewer's other work records none."""
    from tests.helpers import STEPS
    from tests.samples import sequential
    from workflow_app.extensions import db
    from workflow_app.models import LegalReview

    _deploy(api, sequential("reviewer_closes", [("user", "close", {"formKey": "closing", "lane": "legal_reviewer"})]))
    case = api.open_case(procedure_id="reviewer_closes")
    task = api.task(case, "close")
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", as_="reviewer1", json={"data": STEPS["closing"][1]})
    assert r.status_code == 200 and r.json["status"] == "closed" and r.json["legal_reviews"] == []
    assert db.session.execute(db.select(LegalReview)).scalars().all() == []


def test_a_task_marked_legal_review_records_the_review_in_whichever_lane(api, app):
    from tests.helpers import STEPS, days_ago
    from tests.samples import sequential

    # whoever reviews holds the legal professional qualification (APL Art. 58(2))
    r = app.test_cli_runner().invoke(args=["users", "qualify", "head1", "--number", "A20150000123",
                                           "--obtained", days_ago(2000)])
    assert r.exit_code == 0, r.output

    _deploy(api, sequential("head_reviews", [
        ("user", "review", {"formKey": "legal_review", "lane": "department_head", "legalReview": "true"})]))
    case = api.open_case(procedure_id="head_reviews")
    task = api.task(case, "review")
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", as_="head1", json={"data": STEPS["legal_review"][1]})
    assert r.status_code == 200
    assert [(v["reviewer"], v["outcome"]) for v in r.json["legal_reviews"]] == [("head1", "approve")]


def test_the_presiding_officer_of_the_hearing_may_not_review(api, officer3_also_reviews):
    """Every form field marked x-user-role names a handler, not only the investigating officers."""
    case = api.run(api.open_case(), *TO_DECISION[:-1], ("statement_defence", {"hearing_requested": True}),
                   ("hearing_notice", {"presiding_officer": "officer3"}), "hearing_record")
    r = api.complete(case, "legal_review", as_="officer3", expect=422)
    assert r.json["error"] == "REVIEWER_CONFLICT"
    assert api.complete(case, "legal_review", as_="reviewer1")["legal_reviews"][0]["reviewer"] == "reviewer1"


def test_who_handled_the_case_comes_from_the_forms_of_the_version(api, ctx):
    from workflow_app.extensions import db
    from workflow_app.models import Case
    from workflow_app.services.cases.legal_review import handlers_of

    case = api.run(api.open_case(), *TO_DECISION[:-1], ("statement_defence", {"hearing_requested": True}),
                   ("hearing_notice", {"presiding_officer": "officer3"}), "hearing_record")
    row = db.session.get(Case, case["id"])
    assert handlers_of(row) == {"officer1", "officer2", "officer3", "head1"}


def test_a_moved_case_keeps_the_people_named_in_forms_its_new_version_no_longer_has(api, app, ctx, tmp_path):
    """investigation's form is renamed in version 2; the officers named under version 1 still count."""
    import shutil
    from pathlib import Path

    from workflow_app.extensions import db
    from workflow_app.models import Case
    from workflow_app.services.cases.legal_review import handlers_of

    case = reviewable_case(api, officers=("officer1", "officer3"))
    forms = tmp_path / "forms"
    shutil.copytree(app.config["FORMS_DIR"], forms)
    shutil.copy(forms / "general_penalty" / "investigation.schema.json",
                forms / "general_penalty" / "investigation_team.schema.json")
    app.config["FORMS_DIR"] = str(forms)
    bpmn = (Path(app.config["BPMN_DIR"]) / "general_penalty" / "general_penalty.bpmn").read_bytes()
    _deploy(api, bpmn.replace(b'name="formKey" value="investigation"', b'name="formKey" value="investigation_team"'))
    r = api.post(f"/api/v1/cases/{case['id']}/migrate", as_="author1", json={})
    assert r.status_code == 200 and r.json["procedure_version"] == 2
    assert handlers_of(db.session.get(Case, case["id"])) == {"officer1", "officer3", "head1"}
