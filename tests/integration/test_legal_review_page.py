"""The legal review page (法制审核, APL Art. 58; 国办发〔2018〕118号) through the Flask test client,
on SQLite and PostgreSQL: the case file and investigation report beside the checklist, a return
with a failed finding and opinions, the officer's re-investigation, the approval; the law's
refusals as a banner with the article and nothing typed lost; a reviewer who handled the case
told why before typing. The same journey in a real browser: tests/browser/test_review_journeys.py."""
import pytest

from tests.helpers import DAY, TO_DECISION, days_ago
from tests.web_session import csrf_of, html, page_login
from workflow_app.extensions import db
from workflow_app.models import User, UserRole

pytestmark = pytest.mark.dates

ITEMS = ("body_competent", "officers_certified", "facts_and_evidence", "procedure_lawful", "law_applied",
         "discretion_within_benchmark", "documents_complete", "criminal_transfer")


def reviewable(api, officers=("officer1", "officer2"), as_="officer1"):
    case = api.open_case(as_=as_)
    return api.run(case, *TO_DECISION[:2], ("investigation", {"officers": list(officers)}),
                   ("investigation_report", {"major_case": True}), *TO_DECISION[4:])


def review_form(failed=(), outcome="approve", opinions="同意", comments=None, skip=()) -> dict:
    form = {"review_outcome": outcome, "opinions": opinions, "reviewed_on": days_ago(DAY["reviewed"])}
    for item in ITEMS:
        if item not in skip:
            form[f"findings-{item}-result"] = "fail" if item in failed else "pass"
        form[f"findings-{item}-comment"] = (comments or {}).get(item, "")
    return form


def post_review(client, task_id: int, form: dict, url: str | None = None):
    url = url or f"/tasks/{task_id}/review"
    token = csrf_of(html(client.get(url)))
    return client.post(url, data={**form, "csrf_token": token})


@pytest.fixture
def officer3_also_reviews(app, api):
    """officer3 is certified and also a legal reviewer (an app context of its own: one held for the
    whole test would keep the login page's CSRF token in `g` across the test client's requests)."""
    with app.app_context():
        both = db.session.execute(db.select(User).where(User.username == "officer3")).scalar_one()
        both.role_rows.append(UserRole(role="legal_reviewer"))
        db.session.commit()


def test_the_review_page_shows_the_report_and_the_case_file_beside_the_118_checklist(client, api):
    case = reviewable(api)
    task = api.task(case, "legal_review")
    page_login(client, "reviewer1")
    page = html(client.get(f"/tasks/{task['id']}/review"))
    assert "法制审核" in page and case["number"] in page
    assert 'data-testid="investigation-report"' in page  # the report, in its form's labels
    assert "调查取证" in page and "证据清单" in page  # the case file
    for item in ITEMS:  # one finding per item of the checklist, in the form's Chinese titles
        assert f'name="findings-{item}-result"' in page and f'name="findings-{item}-comment"' in page
    assert "执法主体合法、未超越职权" in page and "是否涉嫌犯罪需移送司法机关" in page
    assert 'name="review_outcome"' in page and 'name="opinions"' in page
    assert 'data-testid="refusal"' not in page and "disabled" not in page
    # the queue leads to it
    queue = html(client.get("/inbox?queue=reviews"))
    assert f"/tasks/{task['id']}/review" in queue


def test_approving_with_a_failed_finding_is_refused_with_the_article_and_nothing_typed_is_lost(client, api):
    case = reviewable(api)
    task = api.task(case, "legal_review")
    page_login(client, "reviewer1")
    form = review_form(failed=("law_applied",), comments={"law_applied": "适用条款有误"}, opinions="同意处罚")
    r = post_review(client, task["id"], form)
    assert r.status_code == 200
    page = html(r)
    assert 'data-testid="refusal" data-code="LEGAL_REVIEW_INCONSISTENT"' in page
    assert "《行政处罚法》第58条" in page and "审核结论不得为同意" in page
    # next to its item, and what was typed is still there
    item = page.split('data-item="law_applied"')[1].split("</li>")[0]
    assert 'class="field-error"' in item and 'value="fail" required\n              checked' in item
    assert "适用条款有误" in item and "同意处罚</textarea>" in page
    trace = api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]
    assert [e["data"]["code"] for e in trace if e["action"] == "step.refused"] == ["LEGAL_REVIEW_INCONSISTENT"]
    assert api.ready(api.get(f"/api/v1/cases/{case['id']}").json) == ["legal_review"]


def test_a_missing_finding_and_missing_opinions_are_named_next_to_their_fields(client, api):
    case = reviewable(api)
    task = api.task(case, "legal_review")
    page_login(client, "reviewer1")
    r = post_review(client, task["id"], review_form(outcome="return", opinions="", skip=("procedure_lawful",)))
    assert r.status_code == 200
    page = html(r)
    item = page.split('data-item="procedure_lawful"')[1].split("</li>")[0]
    assert "为必填项" in item  # "result is required", in Chinese
    assert 'id="err-opinions"' in page and "审核意见" in page.split('id="err-opinions"')[1].split("</p>")[0]
    assert 'value="return" required\n        checked' in page


def test_a_return_goes_back_to_the_officer_and_after_reinvestigation_the_review_approves(client, api):
    case = reviewable(api)
    task = api.task(case, "legal_review")
    page_login(client, "reviewer1")
    r = post_review(client, task["id"], review_form(failed=("facts_and_evidence",), outcome="return",
                                                    opinions="补充当事人询问笔录"))
    assert r.status_code == 302 and r.headers["Location"] == f"/cases/{case['id']}"
    assert "已提交" in html(client.get(r.headers["Location"]))
    done = html(client.get(f"/tasks/{task['id']}/review"))  # the review done: read only, saying so
    assert 'data-testid="not-ready"' in done and '<fieldset class="plain" disabled>' in done
    case = api.get(f"/api/v1/cases/{case['id']}").json
    assert api.ready(case) == ["investigation"]
    assert [(x["outcome"], x["opinions"]) for x in case["legal_reviews"]] == [("return", "补充当事人询问笔录")]
    # the officer investigates again and reports; the review is ready again and shows the earlier one
    case = api.run(case, "investigation", ("investigation_report", {"major_case": True}), *TO_DECISION[4:])
    again = api.task(case, "legal_review")
    page = html(client.get(f"/tasks/{again['id']}/review"))
    assert 'data-testid="earlier-reviews"' in page and "补充当事人询问笔录" in page
    earlier = page.split('data-testid="earlier-reviews"')[1].split("</ul>")[0]
    assert "不通过" in earlier and "事实清楚，证据合法充分" in earlier  # the item that failed
    r = post_review(client, again["id"], review_form(opinions="同意"))
    assert r.status_code == 302
    case = api.get(f"/api/v1/cases/{case['id']}").json
    assert [(x["outcome"], x["reviewer"]) for x in case["legal_reviews"]] == [("return", "reviewer1"),
                                                                            ("approve", "reviewer1")]
    assert api.ready(case) == ["collective_discussion"]


def test_a_reviewer_who_investigated_the_case_sees_why_and_the_form_is_disabled(client, api, officer3_also_reviews):
    case = reviewable(api, officers=("officer1", "officer3"))
    task = api.task(case, "legal_review")
    page_login(client, "officer3")
    page = html(client.get(f"/tasks/{task['id']}/review"))
    assert 'data-testid="refusal" data-code="REVIEWER_CONFLICT"' in page
    assert "办理过本案（调查取证）" in page and "《行政处罚法》第58条" in page
    assert '<fieldset class="plain" disabled>' in page
    # posting anyway is refused by the service, traced, and the case stays
    r = post_review(client, task["id"], review_form())
    assert r.status_code == 200 and 'data-code="REVIEWER_CONFLICT"' in html(r)
    trace = api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]
    assert [e["data"]["code"] for e in trace if e["action"] == "step.refused"] == ["REVIEWER_CONFLICT"]


def test_the_refusal_banner_speaks_english_after_the_switch(client, api, officer3_also_reviews):
    case = reviewable(api, officers=("officer1", "officer3"))
    task = api.task(case, "legal_review")
    page_login(client, "officer3")
    client.set_cookie("zhifaflow_lang", "en")
    page = html(client.get(f"/tasks/{task['id']}/review"))
    assert "handled this case (Investigation) and may not review it" in page and "Legal review" in page
    assert "调查取证" not in page.split("data-testid=\"refusal\"")[-1].split("</div>")[0]


def test_an_officer_may_read_but_not_do_the_review(client, api):
    case = reviewable(api)
    task = api.task(case, "legal_review")
    page_login(client, "officer2")
    page = html(client.get(f"/tasks/{task['id']}/review"))
    assert 'data-code="forbidden"' in page and '<fieldset class="plain" disabled>' in page
    r = post_review(client, task["id"], review_form())
    assert r.status_code == 403


def test_a_task_that_is_no_legal_review_or_outside_scope_is_a_404(client, api):
    case = reviewable(api)
    page_login(client, "reviewer1")
    other = api.task(api.open_case(), "clue_intake")
    assert client.get(f"/tasks/{other['id']}/review").status_code == 404
    outsider = client.application.test_client()
    page_login(outsider, "environment_reviewer")
    assert outsider.get(f"/tasks/{api.task(case, 'legal_review')['id']}/review").status_code == 404


def test_the_generic_task_page_can_tell_a_legal_review_from_other_tasks(app, api):
    """The hook /tasks/<id> uses to hand a legal review to this page (the BPMN's legalReview mark)."""
    from workflow_app.services.cases.review_sheet import is_review_task

    case = reviewable(api)
    review, other = api.task(case, "legal_review")["id"], api.task(api.open_case(), "clue_intake")["id"]
    with app.app_context():
        reviewer = db.session.execute(db.select(User).where(User.username == "reviewer1")).scalar_one()
        assert is_review_task(reviewer, review) is True
        assert is_review_task(reviewer, other) is False


@pytest.mark.parametrize("fine, verdict, says", [
    (20000, "yes", "拟罚款数额（20000元）在拟适用裁量阶次的幅度内"),
    (40000, "no", "拟罚款数额（40000元）超出拟适用裁量阶次的幅度"),
])
def test_the_reviewer_sees_the_reports_benchmark_with_the_proposed_tier_and_whether_the_fine_fits(
        client, api, fine, verdict, says):
    case = api.run(api.open_case(), *TO_DECISION[:2], "investigation", ("investigation_report", {
        "major_case": True, "benchmark_item": "SCJG-SP-126-03", "proposed_fine": fine}), *TO_DECISION[4:])
    task = api.task(case, "legal_review")
    page_login(client, "reviewer1")
    page = html(client.get(f"/tasks/{task['id']}/review"))
    block = page.split('data-testid="benchmark"')[1].split("</div>")[0]
    assert block.startswith(f' data-within="{verdict}"')
    assert "SCJG-SP-126-03" in block and "18500–36500" in block and "一般 ← 拟适用" in block and says in block
    client.set_cookie("zhifaflow_lang", "en")
    english = html(client.get(f"/tasks/{task['id']}/review")).split('data-testid="benchmark"')[1].split("</div>")[0]
    assert "← proposed" in english and "一般" not in english and "yuan" in english
