"""法制审核: a reviewer who handled the case is refused (APL 58; 国办发〔2018〕118号)."""
import pytest

from tests.helpers import TO_DECISION
from workflow_app.extensions import db


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
    from workflow_app.services import audit

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
