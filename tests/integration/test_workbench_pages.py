"""The workbench's pages ([8/9]) through the Flask test client: who sees them, starting a draft from
the page (a bad id named beside its field), the draft's page for its owner (the editor) and for
others (read only), and the forms that submit, return and approve it on the revision the page showed.
The editor itself, in a real browser: tests/browser/test_workbench.py."""
import re

from tests.web_session import csrf_of, html, page_login

MAIN = "bpmn/page_check/page_check.bpmn"


def start(client, **form):
    page = html(client.get("/workbench"))
    return client.post("/workbench", data={"csrf_token": csrf_of(page), **form})


def stored(api, draft_id: int) -> dict:
    """The draft as the API reads it now."""
    r = api.get(f"/api/v1/drafts/{draft_id}", as_="author1")
    assert r.status_code == 200, r.json
    return r.json


def post(client, draft_id: int, action: str, **form):
    page = html(client.get(f"/workbench/drafts/{draft_id}"))
    return client.post(f"/workbench/drafts/{draft_id}/{action}", data={"csrf_token": csrf_of(page), **form},
                       follow_redirects=True)


def test_officers_have_no_workbench_and_approvers_start_no_draft(client):
    page_login(client, "officer1")
    assert "/workbench" not in html(client.get("/inbox"))
    assert client.get("/workbench").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_of(html(client.get("/inbox")))})
    page_login(client, "approver1")
    page = html(client.get("/workbench"))
    assert 'data-testid="nav-workbench"' in page and 'data-testid="draft-new"' not in page


def test_a_draft_started_on_the_page_edited_by_its_owner_returned_and_approved(client, api):
    page_login(client, "author1")
    bad = start(client, start="new", process_id="Bad-Id", title="页面检查")
    assert bad.status_code == 422
    assert 'data-testid="error-process_id"' in html(bad) and 'value="Bad-Id"' in html(bad)
    r = start(client, start="new", process_id="page_check", title="页面检查")
    assert r.status_code == 302
    draft_id = int(re.search(r"/workbench/drafts/(\d+)$", r.headers["Location"])[1])
    page = html(client.get(r.headers["Location"]))
    assert 'data-testid="workbench"' in page and "bpmn-modeler.production.min.js" in page
    assert f'data-main-path="{MAIN}"' in page and "page_check_record" in page  # the forms the panel offers
    assert 'data-testid="problem-count"' in page

    # a lane that is no role: submitting is refused, saying why
    xml = api.get(f"/api/v1/drafts/{draft_id}/file?path={MAIN}", as_="author1").data.decode()
    saved = api.put(f"/api/v1/drafts/{draft_id}/file", as_="author1", headers={"If-Match": '"draft-r1"'},
                    json={"path": MAIN, "content": xml.replace('name="officer"', 'name="nobody"')})
    assert saved.status_code == 200
    refused = post(client, draft_id, "submit", revision="2", note="x")
    assert 'class="flash error"' in html(refused) and stored(api, draft_id)["status"] == "editing"
    api.put(f"/api/v1/drafts/{draft_id}/file", as_="author1", headers={"If-Match": '"draft-r2"'},
            json={"path": MAIN, "content": xml})
    # a stale page's submit: refused, nothing changed
    stale = post(client, draft_id, "submit", revision="2")
    assert 'class="flash error"' in html(stale) and stored(api, draft_id)["revision"] == 3
    done = post(client, draft_id, "submit", revision="3", note="新程序")
    assert 'class="flash success"' in html(done) and 'data-testid="workbench"' not in html(done)

    client.post("/logout", data={"csrf_token": csrf_of(html(client.get("/workbench")))})
    page_login(client, "approver1")
    review = html(client.get(f"/workbench/drafts/{draft_id}"))
    assert "新程序" in review and 'data-testid="approve"' in review and 'data-testid="return-form"' in review
    assert "bpmn-navigated-viewer" in review and "bpmn-modeler" not in review
    no_reason = post(client, draft_id, "return", revision="4", reason="  ")
    assert 'class="flash error"' in html(no_reason) and stored(api, draft_id)["status"] == "submitted"
    returned = post(client, draft_id, "return", revision="4", reason="请补充期限")
    assert stored(api, draft_id)["status"] == "editing"
    assert 'data-testid="returned-reason"' in html(returned) and "请补充期限" in html(returned)

    client.post("/logout", data={"csrf_token": csrf_of(html(client.get("/workbench")))})
    page_login(client, "author1")
    assert "请补充期限" in html(client.get(f"/workbench/drafts/{draft_id}"))
    post(client, draft_id, "submit", revision="5")
    client.post("/logout", data={"csrf_token": csrf_of(html(client.get("/workbench")))})
    page_login(client, "approver1")
    approved = html(post(client, draft_id, "approve", revision="6"))
    version_id = stored(api, draft_id)["published_version_id"]
    assert version_id and f'href="/procedures/{version_id}"' in approved
    assert client.get(f"/procedures/{version_id}").status_code == 200  # the approver reads the version
