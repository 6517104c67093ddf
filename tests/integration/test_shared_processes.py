"""The subprocesses several procedures call live in bpmn/shared/ (hearing, legal review, collective
discussion, service) and general_penalty calls them: a deploy without them is refused naming the
process it calls; a case runs through the called steps as through its own (task rows, lanes,
deadlines anchored across the call, the case page's steps, diagrams and trace); a step id may
name one step of the deploy only; the summary procedure, which calls none, keeps only its own."""
import io
import re
import zipfile

import pytest

from tests.helpers import (
    ANSWERED,
    FIXED_DATES_AS_OF,
    TO_DECISION,
    bpmn_file_holding,
    package_archive,
    package_files,
)
from tests.integration.test_procedures import deploy, problems
from tests.web_session import html, page_login

CALLED = {"call_hearing": "shared_hearing", "call_legal_review": "shared_legal_review",
          "call_collective_discussion": "shared_collective_discussion", "call_service": "shared_service",
          "call_coercive_execution": "shared_coercive_execution"}

# Fixed dates in the legal order, in 2026 (its holiday table is known): the hearing notified 11
# days ahead, held, the decision after it.
DATED = {
    "clue_intake": {"violation_date": "2026-06-01", "received_on": "2026-06-10"},
    "penalty_notice": {"served_on": "2026-09-15"},
    "statement_defence": {"answered_on": "2026-09-17", "hearing_requested": True},
    "hearing_notice": {"notice_served_on": "2026-09-18", "hearing_date": "2026-09-29"},
    "hearing_record": {"held_on": "2026-09-29"},
    "collective_discussion": {"held_on": "2026-10-15"},
    "penalty_decision": {"decided_on": "2026-10-16", **ANSWERED},  # the party attended its hearing
    "service": {"served_on": "2026-10-20"},
}


def dated(*steps):
    return [(step, DATED.get(step, {})) for step in steps]


def test_deploying_general_penalty_without_bpmn_shared_is_refused_naming_the_missing_called_process(api):
    files = {path: content for path, content in package_files().items() if not path.startswith("bpmn/shared/")}
    r = deploy(api, package_archive(files))
    assert r.status_code == 422, r.json
    found = {(p["element_id"], p["file"]): p["message"] for p in problems(r)}
    for call, process in CALLED.items():
        message = found[(call, "bpmn/general_penalty/general_penalty.bpmn")]
        assert f"'{process}'" in message and "not in this deploy" in message, message


def test_the_general_procedure_keeps_the_shared_files_it_calls_and_the_summary_procedure_none(api, client):
    listed = {v["procedure_id"]: v for v in api.get("/api/v1/procedures").json["items"]}

    def kept(procedure_id):
        data = api.get(f"/api/v1/procedures/{listed[procedure_id]['id']}/package").data
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return set(z.namelist())

    general = kept("general_penalty")
    assert {"bpmn/shared/hearing.bpmn", "bpmn/shared/legal_review.bpmn", "bpmn/shared/collective_discussion.bpmn",
            "bpmn/shared/service.bpmn", "forms/shared/hearing_notice.schema.json",
            "forms/shared/legal_review.schema.json", "bpmn/shared/documents/hearing_notice.docx"} <= general
    summary = kept("summary_penalty")
    assert not [p for p in summary if p.startswith("bpmn/shared/")], summary
    # The summary procedure runs as before: its first steps are its own, in its own lanes, and its
    # case page draws its own diagram only.
    case = api.open_case(procedure_id="summary_penalty")
    assert [(t["bpmn_id"], t["lane"]) for t in case["tasks"]] == [("identify", "officer")]
    page_login(client, "officer1")
    page = html(client.get(f"/cases/{case['id']}"))
    assert 'data-testid="diagram"' in page and 'data-testid="called-diagram"' not in page


@pytest.mark.as_of(FIXED_DATES_AS_OF)
def test_a_case_goes_through_the_called_hearing_and_legal_review_and_runs_deadlines_across_the_calls(api, client):
    case = api.run(api.open_case(), *dated(*TO_DECISION))
    assert api.ready(case) == ["hearing_notice"]  # the hearing requested: the called process starts
    assert api.task(case, "hearing_notice")["lane"] == "officer"
    case = api.run(case, *dated("hearing_notice", "hearing_record"))
    # Back in the caller: the hearing held (its record came back) makes the legal review required.
    review = api.task(case, "legal_review")
    assert review["lane"] == "legal_reviewer"
    # 5 working days from the day it became ready (Tuesday 12-01, the suite's day): 12-08.
    assert review["due_at"] == "2026-12-08T23:59:59+08:00"
    case = api.run(case, "legal_review")  # approved: the caller's gateway reads the outcome
    assert api.ready(case) == ["collective_discussion"]
    assert api.task(case, "collective_discussion")["lane"] == "department_head"
    case = api.run(case, *dated("collective_discussion", "penalty_decision"))
    # The called service runs its deadline from the caller's decision date: 7 working days from 10-16.
    assert api.task(case, "service")["due_at"] == "2026-10-27T23:59:59+08:00"
    case = api.run(case, *dated("service"))
    assert case["status"] == "served"  # the milestone of a called step stamps the case
    # The caller's execution runs from the called service's date: 15 days from 10-20.
    assert api.task(case, "execution")["due_at"] == "2026-11-04T23:59:59+08:00"
    assert [r["outcome"] for r in case["legal_reviews"]] == ["approve"]  # recorded from the called task's form

    # The case page lists the called steps, marks what runs them, draws the called processes,
    # and its trace names them.
    page_login(client, "officer1")
    page = html(client.get(f"/cases/{case['id']}"))
    step_list = page.split('data-testid="step-list"', 1)[1].split("</ol>", 1)[0]
    for bpmn_id in ("hearing_notice", "hearing_record", "legal_review", "collective_discussion", "service"):
        assert f'data-bpmn-id="{bpmn_id}"' in step_list, bpmn_id
    steps = re.search(r"data-steps='([^']*)'", page).group(1)
    assert '"hearing_record": {"state": "done"' in steps and '"called_by": ["call_hearing"]' in steps
    urls = re.findall(r'data-testid="called-diagram"[^>]*data-bpmn-url="([^"]+)"', page)
    assert sorted(u.rsplit("=", 1)[1].replace("%2F", "/") for u in urls) == sorted(
        f"bpmn/shared/{name}.bpmn" for name in ("coercive_execution", "collective_discussion", "hearing", "legal_review", "service"))
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)  # as the page's script sends it
    drawn = client.get(urls[0].replace("&amp;", "&"), headers={"X-CSRFToken": csrf})
    assert drawn.status_code == 200 and b"isExecutable=\"true\"" in drawn.data
    trace = page.split('data-testid="trace"', 1)[1]
    for name in ("听证通知", "举行听证", "法制审核", "集体讨论", "送达"):
        assert name in trace, name


def test_a_file_the_version_does_not_hold_is_not_served(api):
    listed = {v["procedure_id"]: v for v in api.get("/api/v1/procedures").json["items"]}
    version = listed["general_penalty"]["id"]
    for path in ("bpmn/shared/nowhere.bpmn", "forms/shared/legal_review.schema.json", "../etc/passwd"):
        assert api.get(f"/api/v1/procedures/{version}/bpmn", query_string={"file": path}).status_code == 404, path


def test_the_procedure_page_draws_each_called_process_below_its_own(api, client):
    listed = {v["procedure_id"]: v for v in api.get("/api/v1/procedures").json["items"]}
    page_login(client, "author1")
    page = html(client.get(f"/procedures/{listed['general_penalty']['id']}"))
    assert page.count('data-testid="called-diagram"') == len(CALLED)
    for process in CALLED.values():
        assert f'data-process-id="{process}"' in page
    # The called steps list with their lanes and deadlines, after the steps that lead to their call.
    order = re.findall(r'<tr id="step-([^"]+)"', page)
    assert order.index("statement_defence") < order.index("hearing_notice") < order.index("legal_review") \
        < order.index("penalty_decision") < order.index("service") < order.index("execution")


def test_a_step_id_used_in_two_processes_of_the_deploy_is_refused(api):
    files = package_files()
    path = bpmn_file_holding(files, "hearing_record")
    files[path] = files[path].replace(b"hearing_record", b"investigation")  # its id, form, lane and flows
    r = deploy(api, package_archive(files))
    assert r.status_code == 422, r.json
    messages = [p["message"] for p in problems(r) if p["element_id"] == "investigation"]
    assert any("'general_penalty'" in m and "'shared_hearing'" in m for m in messages), problems(r)
