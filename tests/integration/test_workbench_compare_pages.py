"""The workbench's comparison and test-run pages ([8/9]) through the Flask test client: a draft of the
deployed 普通程序 with a step added and a deadline shortened, compared in words (the step's name,
the deadline old → new) with its markers for the diagram; the approver's summary on the draft's
page; a draft with problems sends the reader back to the editor; the test run started in a
department of the author's area, a step refused by the law (its article, the run unchanged), a form
missing a field (named beside it), two steps done, the run stale once the draft changes, discarded —
and nothing of it on officers' pages, in case lists, numbers or the trail. Junk and other users'
drafts: 4xx or the page again with the reason, never a 500. In a browser:
tests/browser/test_workbench_compare.py."""
import json
import re

import pytest

from tests.draft_edits import (
    CHECK_FORM,
    MAIN,
    check_form,
    with_check_step,
    with_filing_deadline,
    with_step_renamed,
)
from tests.helpers import days_ago
from tests.web_session import csrf_of, html, page_login
from workflow_app.wall_clock import local_today


def said(app, msgid: str) -> str:
    """A word of the pages as a Chinese page says it (its msgid until the catalogue translates it)."""
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("zh"):
        return gettext(msgid)


def _file(api, draft_id, path=MAIN):
    return api.get(f"/api/v1/drafts/{draft_id}/file?path={path}", as_="author1").data.decode("utf-8")


def _save(api, draft_id, path, text, revision):
    r = api.put(f"/api/v1/drafts/{draft_id}/file", as_="author1", headers={"If-Match": f'"draft-r{revision}"'},
                json={"path": path, "content": text})
    assert r.status_code == 200, r.json
    return r.json["revision"]


def edited_draft(api) -> int:
    """A draft of the deployed general procedure with the clue check added and the filing deadline
    shortened, saved through the API as the editor saves."""
    version = next(v for v in api.get("/api/v1/procedures", as_="author1").json["items"]
                   if v["procedure_id"] == "general_penalty")
    draft = api.post("/api/v1/drafts", as_="author1", json={"from_version_id": version["id"]}).json
    revision = _save(api, draft["id"], CHECK_FORM, check_form(), 1)
    _save(api, draft["id"], MAIN, with_filing_deadline(with_check_step(_file(api, draft["id"]))), revision)
    return draft["id"]


def log_out(client, page: str = "/workbench"):
    client.post("/logout", data={"csrf_token": csrf_of(html(client.get(page)))})


def markers_of(page: str, which: str) -> list:
    found = re.search(rf'data-which="{which}"[^>]*data-markers="([^"]*)"', page, re.S)
    return json.loads(found[1].replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&"))


def test_the_comparison_page_says_each_change_in_words_and_marks_it_for_the_diagram(client, api, app):
    api.open_case()  # a running case of the general procedure: it could move
    draft_id = edited_draft(api)
    page_login(client, "author1")
    draft_page = html(client.get(f"/workbench/drafts/{draft_id}"))
    assert f'href="/workbench/drafts/{draft_id}/compare"' in draft_page
    assert f'href="/workbench/drafts/{draft_id}/test-run"' in draft_page

    r = client.get(f"/workbench/drafts/{draft_id}/compare")
    assert r.status_code == 200
    page = html(r)
    assert 'data-testid="compare-counts"' in page and 'data-testid="base-version"' in page
    steps = page[page.index('data-testid="changes-steps"'):page.index('data-testid="changes-flows"')]
    assert "线索核查（clue_check）" in steps and "立案审批（filing_approval）" in steps
    # the deadline in words, old → new, and the added step's role and form
    deadline = said(app, "Deadline")
    assert re.search(rf"{deadline}：.*15个工作日.*→.*10个工作日", steps, re.S), steps
    assert said(app, "enforcement officer") in steps  # the added step's role
    draft_markers = markers_of(page, "draft")
    assert {"elements": ["clue_check"], "state": "added", "badge": said(app, "added")} in draft_markers
    assert any(m["elements"] == ["filing_approval"] and m["state"] == "changed" and deadline in m["badge"]
               for m in draft_markers)
    assert any(m["elements"] == ["f_check"] and m["state"] == "added" for m in draft_markers)
    assert markers_of(page, "base") == []  # nothing removed
    flows = page[page.index('data-testid="changes-flows"'):page.index('data-testid="compare-cases"')]
    assert "线索核查（clue_check） → 立案审批（filing_approval）" in flows
    assert 'data-testid="could-move"' in page
    # English second
    client.post("/language", data={"lang": "en", "csrf_token": csrf_of(page)})
    english = html(client.get(f"/workbench/drafts/{draft_id}/compare"))
    assert "What changed" in english and "Deadline" in english and "working days" in english


def test_a_renamed_step_is_removed_on_the_versions_diagram_and_keeps_the_cases_waiting_at_it(client, api, app):
    case = api.open_case()  # waits at the clue intake
    version = next(v for v in api.get("/api/v1/procedures", as_="author1").json["items"]
                   if v["procedure_id"] == "general_penalty")
    draft = api.post("/api/v1/drafts", as_="author1", json={"from_version_id": version["id"]}).json
    _save(api, draft["id"], MAIN, with_step_renamed(_file(api, draft["id"])), 1)
    page_login(client, "author1")
    page = html(client.get(f"/workbench/drafts/{draft['id']}/compare"))
    assert {"elements": ["clue_intake"], "state": "removed", "badge": said(app, "removed")} in markers_of(page, "base")
    assert {"elements": ["clue_register"], "state": "added", "badge": said(app, "added")} in markers_of(page, "draft")
    removed = page[page.index('data-id="clue_intake"'):]
    assert 'data-kind="removed"' in page[page.rindex("<li", 0, page.index('data-id="clue_intake"')):][:200]
    assert "线索登记（clue_intake）" in removed[:400]
    assert "from clue_register.received_on" in page  # the filing deadline's anchor renamed: said as written
    blocked = page[page.index('data-testid="blocked-cases"'):]
    assert case["number"] in blocked and "线索登记（clue_intake）" in blocked[:blocked.index("</table>")]


def test_the_approver_reviews_the_comparison_before_approving(client, api):
    draft_id = edited_draft(api)
    assert api.post(f"/api/v1/drafts/{draft_id}/submit", as_="author1", json={"revision": 3}).status_code == 200
    page_login(client, "approver1")
    page = html(client.get(f"/workbench/drafts/{draft_id}"))
    review = page[page.index('data-testid="review-comparison"'):page.index('data-testid="approve"')]
    counts = re.search(r'data-testid="review-count-steps">.*?</tr>', review, re.S)[0]
    assert [int(n) for n in re.findall(r'class="num"[^>]*>(\d+)<', counts)] == [1, 0, 1]
    assert f'href="/workbench/drafts/{draft_id}/compare"' in review
    assert client.get(f"/workbench/drafts/{draft_id}/compare").status_code == 200
    assert 'data-testid="test-run-link"' not in page  # the author's


def test_a_draft_with_problems_sends_the_reader_to_the_editor_and_others_get_no_comparison(client, api):
    draft = api.post("/api/v1/drafts", as_="author1", json={"process_id": "cmp_page", "title": "有问题"}).json
    xml = _file(api, draft["id"], "bpmn/cmp_page/cmp_page.bpmn").replace('name="officer"', 'name="nobody"')
    _save(api, draft["id"], "bpmn/cmp_page/cmp_page.bpmn", xml, 1)
    page_login(client, "author1")
    r = client.get(f"/workbench/drafts/{draft['id']}/compare")
    assert r.status_code == 200
    assert 'data-testid="compare-problems"' in html(r) and 'data-testid="back-to-editor"' in html(r)
    run_page = html(client.get(f"/workbench/drafts/{draft['id']}/test-run"))
    assert 'data-testid="start-problems"' in run_page and 'data-testid="start-run-form"' not in run_page
    assert client.get("/workbench/drafts/999999/compare").status_code == 404
    fresh = api.post("/api/v1/drafts", as_="author1", json={"process_id": "cmp_fresh", "title": "新程序"}).json
    page = html(client.get(f"/workbench/drafts/{fresh['id']}/compare"))
    assert 'data-testid="no-base"' in page and 'data-which="base"' not in page and 'data-which="draft"' in page
    log_out(client)
    page_login(client, "officer1")
    assert client.get(f"/workbench/drafts/{draft['id']}/compare").status_code == 403
    assert client.get(f"/workbench/drafts/{draft['id']}/test-run").status_code == 403


def counts(app):
    from workflow_app.extensions import db
    from workflow_app.models import Case, IssuedNumber, Task, TraceEvent

    with app.app_context():  # its own: a context held across the page's requests would share their `g`
        found = tuple(db.session.execute(db.select(db.func.count()).select_from(model)).scalar()
                      for model in (Case, Task, TraceEvent, IssuedNumber))
        db.session.remove()
    return found


def form_of(page: str) -> dict:
    """The step form's inputs as the page fills them (the example)."""
    form = page[page.index('data-testid="task-form"'):]
    form = form[:form.index("</form>")]
    values = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form))
    for name, checked in re.findall(r'<input type="checkbox"[^>]*name="([^"]+)" value="true"( checked)?', form):
        if checked:
            values[name] = "true"
        else:
            values.pop(name, None)
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        values[name] = chosen[1] if chosen else ""
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        values[name] = text
    radios = re.findall(r'<input type="radio" name="([^"]+)" value="([^"]*)" checked', form)
    values.update(dict(radios))
    return values


@pytest.mark.dates  # the run's dates are relative to today, its due dates read from the calendar
def test_a_test_run_on_the_page_refused_corrected_and_stepped_through_touches_nothing_real(client, api, app):
    draft_id = edited_draft(api)
    page_login(client, "author1")
    url = f"/workbench/drafts/{draft_id}/test-run"
    page = html(client.get(url))
    assert 'data-testid="start-run-form"' in page and 'value="market"' in page
    before = counts(app)

    # a department outside the author's area, or junk: named beside the field, no run
    for junk in ("nowhere", "m" * 5000):
        r = client.post(f"{url}/start", data={"csrf_token": csrf_of(page), "department": junk})
        assert r.status_code == 200 and 'data-testid="error-department"' in html(r), junk
    nul = client.post(f"{url}/start", data={"csrf_token": csrf_of(page), "department": "market\x00"})
    assert nul.status_code == 422  # refused for every request (strict_input.py), naming the field
    r = client.post(f"{url}/start", data={"csrf_token": csrf_of(page), "department": "market",
                                          "party_name": "某" * 201, "party_kind": "person"})
    assert 'data-testid="error-party_name"' in html(r)
    r = client.post(f"{url}/start", data={"csrf_token": csrf_of(page), "department": "market",
                                          "party_name": "清河试运行超市", "party_kind": "organization"})
    assert r.status_code == 302
    page = html(client.get(url))
    assert "清河试运行超市" in page and 'data-testid="task-form"' in page
    assert 'data-bpmn-id="clue_intake"' in page
    filled = form_of(page)
    assert filled["received_on"]  # the form's example, by the task pages' own fields
    engine_task_id = filled["engine_task_id"]

    # the law refuses a clue received in the future: its article, the run unchanged
    future = {**filled, "received_on": "2999-01-01"}
    r = client.post(f"{url}/step", data=future)
    page = html(r)
    assert r.status_code == 200 and 'data-testid="form-banner"' in page, page[page.find("form-banner") - 100:][:1500]
    assert 'class="banner refused"' in page and "DATES_OUT_OF_ORDER" in page
    assert 'data-testid="refusal-article"' in page and 'value="2999-01-01"' in page  # as typed
    assert api.get(f"/api/v1/drafts/{draft_id}/test-run", as_="author1").json["steps"] == []
    # a required field left empty: named beside it
    r = client.post(f"{url}/step", data={**filled, "received_on": ""})
    assert 'data-testid="error-received_on"' in html(r)
    # junk step ids: said, nothing done
    for junk in ("no-such-step", "x" * 5000):
        r = client.post(f"{url}/step", data={**filled, "engine_task_id": junk}, follow_redirects=True)
        assert r.status_code == 200 and 'class="flash error"' in html(r)

    data = {**filled, "received_on": days_ago(3), "violation_date": days_ago(5)}
    data.pop("violation_ended_on", None)
    data.pop("violation_continuing", None)
    r = client.post(f"{url}/step", data=data, follow_redirects=True)
    page = html(r)
    assert 'class="flash success"' in page and "线索核查" in page, page[page.find("flash"):][:600]
    assert re.search(r'data-testid="done-step" data-bpmn-id="clue_intake"', page)
    filled = form_of(page)
    assert filled["engine_task_id"] != engine_task_id and filled["result"] == "verified"
    r = client.post(f"{url}/step", data={**filled, "checked_on": local_today().isoformat()}, follow_redirects=True)
    page = html(r)
    assert re.search(r'data-testid="done-step" data-bpmn-id="clue_check"', page)
    ready = page[page.index('data-testid="ready-steps"'):page.index('data-testid="step-form-card"')]
    assert "立案审批" in ready and "10个工作日" in ready  # the changed deadline, in words
    due = re.search(r'data-testid="ready-due">([^<]+)<', ready)[1]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", due.strip()) and due.strip() > days_ago(3)
    steps = json.loads(re.search(r'data-steps="([^"]*)"', page)[1].replace("&#34;", '"').replace("&amp;", "&"))
    assert steps["clue_intake"]["state"] == "done" and steps["clue_check"]["state"] == "done"
    assert steps["filing_approval"]["state"] == "ready" and steps["filing_approval"]["due"] == due.strip()

    # in English, second: the deadline in English words, the form's English titles
    client.post("/language", data={"lang": "en", "csrf_token": csrf_of(page)})
    english = html(client.get(url))
    assert "Ready steps" in english and "working days" in english and "Steps done" in english
    client.post("/language", data={"lang": "zh", "csrf_token": csrf_of(english)})

    # nothing real: no case, task, trace event or number; nothing on an officer's pages
    assert counts(app) == before
    log_out(client)
    page_login(client, "officer1")
    for officer_page in ("/inbox", "/cases"):
        assert "（试运行）" not in html(client.get(officer_page)) and "清河试运行超市" not in html(client.get(officer_page))
    assert client.get(url).status_code == 403
    log_out(client, "/inbox")

    # another reader sees the run and may not step it
    page_login(client, "approver1")
    page = html(client.get(url))
    assert 'data-testid="not-owner"' in page and 'data-testid="task-form"' not in page
    assert 'data-testid="start-run-form"' not in page
    r = client.post(f"{url}/step", data={**filled, "csrf_token": csrf_of(page)}, follow_redirects=True)
    assert 'class="flash error"' in html(r)
    r = client.post(f"{url}/discard", data={"csrf_token": csrf_of(page)}, follow_redirects=True)
    assert 'class="flash error"' in html(r)
    log_out(client)

    # the draft changes: the run is stale and offers to start again; then discarded
    page_login(client, "author1")
    _save(api, draft_id, MAIN, _file(api, draft_id) + "\n", 3)
    page = html(client.get(url))
    assert 'data-testid="run-stale"' in page and 'data-testid="task-form"' not in page
    assert 'data-testid="start-run-form"' in page
    r = client.post(f"{url}/discard", data={"csrf_token": csrf_of(page)}, follow_redirects=True)
    assert 'class="flash success"' in html(r) and 'data-testid="run"' not in html(r)
    assert api.get(f"/api/v1/drafts/{draft_id}/test-run", as_="author1").status_code == 404
