"""The procedures page (read only) through the Flask test client, on SQLite and PostgreSQL: each
procedure with its versions (who deployed, when, SHA-256), a version's steps with lanes, forms,
deadlines and the legal-review mark, and the diagram's element; for authors, admins and
supervisors only. The diagram drawn in a real browser: tests/browser/test_review_journeys.py."""
import io
import re

from tests.samples import sequential
from tests.web_session import html, page_login
from workflow_app.extensions import db
from workflow_app.i18n import LANGUAGE_COOKIE
from workflow_app.models import ProcedureVersion, User


def test_the_procedures_list_each_version_with_who_deployed_it_when_and_its_hash(client, api, app):
    data = sequential("author_made", [("user", "close", {"formKey": "closing", "lane": "officer"})])
    r = api.post("/api/v1/procedures", as_="author1", data={"file": (io.BytesIO(data), "p.bpmn")},
                 content_type="multipart/form-data")
    assert r.status_code == 201
    with app.app_context():
        versions = db.session.execute(db.select(ProcedureVersion)).scalars().all()
        shas = {v.sha256 for v in versions}
    page_login(client, "author1")
    page = html(client.get("/procedures"))
    assert "程序" in page and "general_penalty" in page and "author_made" in page
    for sha in shas:
        assert sha[:16] in page
    row = page.split('data-process-id="author_made"')[1].split("</section>")[0]

    with app.app_context():
        author = db.session.execute(db.select(User).where(User.username == "author1")).scalar_one().full_name
    assert author in row and "v1" in row and "最新" in row
    # the shipped procedures were deployed from the command line: the trace names the operator
    shipped = page.split('data-process-id="general_penalty"')[1].split("</section>")[0]
    assert "cli:" in shipped


def test_a_version_shows_its_steps_lanes_forms_deadlines_and_the_diagram(client, api, app):
    with app.app_context():
        version = db.session.execute(db.select(ProcedureVersion).join(ProcedureVersion.procedure)
                                     .where(ProcedureVersion.name.contains("普通程序"))).scalars().first()
        vid, sha = version.id, version.sha256
    page_login(client, "supervisor1")
    page = html(client.get(f"/procedures/{vid}"))
    assert 'data-testid="diagram"' in page and f"/api/v1/procedures/{vid}/bpmn" in page and sha in page
    steps = page.split('data-testid="steps"')[1]
    review = steps.split('data-bpmn-id="legal_review"')[1].split("</tr>")[0]
    assert "法制审核人员" in review and "legal_review" in review and "法制审核" in review
    assert 'class="tag yours">法制审核' in review
    filing = steps.split('data-bpmn-id="filing_approval"')[1].split("</tr>")[0]
    assert "部门负责人" in filing and "working days" in filing  # the statutory deadline as the BPMN says it
    # and in the reader's words: the anchor by its form's and field's titles, the milestone by its element
    assert "自“线索登记·收到线索日期”起15个工作日，可延长" in filing
    decision = steps.split('data-bpmn-id="penalty_decision"')[1].split("</tr>")[0]
    assert "自“已立案”起90日（听证、检测、检验、检疫、鉴定、公告等期间不计入），可延长" in decision
    assert "节点" in decision  # its milestone, by the status it sets
    assert "已作出决定" in decision
    client.set_cookie(LANGUAGE_COOKIE, "en")
    english = html(client.get(f"/procedures/{vid}")).split('data-bpmn-id="filing_approval"')[1].split("</tr>")[0]
    assert "15 working days from “Clue intake · Date" in english and "extendable" in english
    # the BPMN the page's script draws, with the session and the page's token
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    r = client.get(f"/api/v1/procedures/{vid}/bpmn", headers={"X-CSRFToken": token})
    assert r.status_code == 200 and r.get_data(as_text=True).lstrip().startswith("<?xml")


def test_officers_and_reviewers_do_not_read_the_procedures(client, api):
    for username in ("officer1", "reviewer1"):
        other = client.application.test_client()
        page_login(other, username)
        assert other.get("/procedures").status_code == 403
        assert other.get("/procedures/1").status_code == 403
    page_login(client, "admin")
    page = html(client.get("/cases"))
    assert 'href="/procedures"' in page
    officer = client.application.test_client()
    page_login(officer, "officer1")
    assert 'href="/procedures"' not in html(officer.get("/inbox"))


def test_an_unknown_version_is_a_404_page(client):
    page_login(client, "author1")
    assert client.get("/procedures/999999").status_code == 404
