"""Issue 7: the ad-hoc steps of a case (延期申请, 不计入期限的期间, 撤回公示) are offered on the case
page only when the law lets them start now; the others are listed, not as links, with the law's
reason and article, and their form page says it above the form before anything is typed. The API
refuses them exactly as the page says (services/cases/time_limits.check_may_start, then the form's own
conditions). Two requests at once on one case: one is recorded, the other is a 409, and the trace
and the task rows stay whole. Through the Flask test client, on SQLite and PostgreSQL."""
import re
import threading
import time
from html import unescape

import pytest
from werkzeug.datastructures import MultiDict

from tests.helpers import TO_DECISION, days_ago, to_decision_filed
from tests.integration.test_task_forms import FORMS, _banner, encode, page_of
from tests.web_session import csrf_of, html
from workflow_app.extensions import db
from workflow_app.i18n import LANGUAGE_COOKIE
from workflow_app.models import Task, TraceEvent
from workflow_app.services.audit import verify as audit_verify
from workflow_app.services.cases import step_path

pytestmark = pytest.mark.dates

FILING_ARTICLE = "《市场监督管理行政处罚程序规定》第18条"
DECISION_ARTICLE = "《行政处罚法》第60条；《市场监督管理行政处罚程序规定》第64条"
DISCLOSURE_ARTICLE = "《行政处罚法》第48条第2款"
KINDS = ("disclosure_revocation", "excluded_period", "extension_request")


def extension(limit: str, days: int = 5) -> dict:
    return {"limit": limit, "days": days, "reason": "案情复杂，需要补充调查", "requested_on": days_ago(0)}


def period() -> dict:
    return {"kind": "testing", "start_on": days_ago(0), "basis": "委托检验通知书"}


REVOCATION = {"revoked_by": "reconsideration", "outcome": "revoked", "body": "清河区人民政府",
              "document_number": "清政复决〔2026〕2号", "revoked_on": days_ago(0)}
CLUE_TODAY = ("clue_intake", {"received_on": days_ago(0), "violation_date": days_ago(3)})
APPROVE = {"decision": "approve", "decided_on": days_ago(0), "opinion": "同意延期"}


def request(api, case, kind, data, as_="officer1"):
    return api.post(f"/api/v1/cases/{case['id']}/requests/{kind}", as_=as_, json={"data": data})


def _extended_once(api, case):
    assert request(api, case, "extension_request", extension("filing")).status_code == 200
    task = api.task(api.get(f"/api/v1/cases/{case['id']}").json, "extension_approval")
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", as_="head1", json={"data": APPROVE})
    assert r.status_code == 200, r.json
    return r.json


# Each stage of a case: how to get there, and for each ad-hoc step the refusal the law gives now
# ((code, article, the start of its Chinese message)), None when it may start, and the form data
# the API is sent (the limit the case is at).
STAGES = {
    "filing_limit_running": (
        lambda api, case: api.run(case, CLUE_TODAY),
        {"extension_request": None,
         "excluded_period": ("PERIOD_NOT_APPLICABLE", DECISION_ARTICLE, "本案作出处理决定的期限未在计算中"),
         "disclosure_revocation": ("DISCLOSURE_NOT_MADE", DISCLOSURE_ARTICLE, "本案的处罚决定尚未公示")},
        "filing"),
    "extension_pending": (
        lambda api, case: request(api, api.run(case, CLUE_TODAY), "extension_request", extension("filing")).json,
        {"extension_request": ("EXTENSION_PENDING", FILING_ARTICLE, "本案已有延期申请等待负责人审批")},
        "filing"),
    "filing_limit_extended_once": (
        lambda api, case: _extended_once(api, api.run(case, CLUE_TODAY)),
        {"extension_request": ("EXTENSION_EXHAUSTED", FILING_ARTICLE, "立案期限已经批准延长一次")},
        "filing"),
    "filing_limit_expired": (
        lambda api, case: api.run(case, ("clue_intake", {"received_on": days_ago(40), "violation_date": days_ago(45)})),
        {"extension_request": ("EXTENSION_LATE", FILING_ARTICLE, "立案期限已于")},
        "filing"),
    "not_filed": (
        lambda api, case: api.run(case, "clue_intake", ("filing_approval", {"filing_decision": "not_file"})),
        {"extension_request": ("EXTENSION_NOT_APPLICABLE", FILING_ARTICLE, "本案立案期限未在计算中"),
         "excluded_period": ("PERIOD_NOT_APPLICABLE", DECISION_ARTICLE, "本案作出处理决定的期限未在计算中"),
         "disclosure_revocation": ("DISCLOSURE_NOT_MADE", DISCLOSURE_ARTICLE, "本案的处罚决定尚未公示")},
        "filing"),
    "investigating": (
        lambda api, case: api.run(case, *to_decision_filed(20)[:2]),
        {"extension_request": None, "excluded_period": None,
         "disclosure_revocation": ("DISCLOSURE_NOT_MADE", DISCLOSURE_ARTICLE, "本案的处罚决定尚未公示")},
        "decision"),
    "decided_and_disclosed": (
        lambda api, case: api.run(case, *TO_DECISION, "penalty_decision", "disclosure"),
        {"extension_request": ("EXTENSION_NOT_APPLICABLE", DECISION_ARTICLE, "本案作出处理决定期限未在计算中"),
         "excluded_period": ("PERIOD_NOT_APPLICABLE", DECISION_ARTICLE, "本案作出处理决定的期限未在计算中"),
         "disclosure_revocation": None},
        "decision"),
}


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unescape(fragment))).strip()


def offered(page: str) -> tuple[set[str], dict[str, tuple[str, str]]]:
    """(the ad-hoc steps offered as links, kind -> (code, the entry's text) of those listed as not
    possible now) on a case page."""
    links = set(re.findall(r'data-testid="request-link" data-kind="([^"]+)"', page))
    listed = {m.group(1): (m.group(2), _text(m.group(3))) for m in re.finditer(
        r'<li data-testid="request-unavailable" data-kind="([^"]+)" data-code="([^"]+)">(.*?)</li>', page, re.S)}
    return links, listed


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_the_case_page_offers_what_the_law_lets_start_now_and_the_api_refuses_the_rest_as_the_page_says(
        app, api, stage):
    build, expected, limit = STAGES[stage]
    case = build(api, api.open_case())
    page = html(page_of(app.test_client(), "officer1").get(f"/cases/{case['id']}"))
    links, listed = offered(page)
    assert links | set(listed) == set(KINDS) and not links & set(listed)
    steps = api.get(f"/api/v1/cases/{case['id']}/requests").json["items"]  # the API lists the same
    assert {s["kind"] for s in steps if s["available"] and s["refusal"] is None} == links
    assert {s["kind"]: s["refusal"]["code"] for s in steps if not s["available"]} == {k: v[0] for k, v in listed.items()}
    assert all(s["refusal"]["message"] in listed[s["kind"]][1] for s in steps if not s["available"])
    data = {"extension_request": extension(limit), "excluded_period": period(), "disclosure_revocation": REVOCATION}
    for kind in KINDS:
        want = expected.get(kind, "unchanged")
        if want == "unchanged":
            continue
        if want is None:
            assert kind in links, (kind, listed.get(kind))
            continue
        code, article, message = want
        assert listed[kind][0] == code, (kind, listed[kind])
        assert message in listed[kind][1] and article in listed[kind][1], listed[kind]
        r = request(api, case, kind, data[kind])  # the API: the same refusal, as before, and traced
        assert r.status_code == 422 and (r.json["error"], r.json["article"]) == (code, article), r.json
        assert r.json["message"] in listed[kind][1] and r.json["message"].startswith(message)
        assert r.json["message_en"] and any(f"{code}: " in m for ms in r.json["errors"].values() for m in ms)
        trace = api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]
        assert (trace[-1]["action"], trace[-1]["bpmn_id"], trace[-1]["data"]["code"]) == ("step.refused", kind, code)
    for kind in sorted(links):  # and what the page offers, the API starts
        r = request(api, case, kind, data[kind])
        assert r.status_code == 200, (kind, r.json)


def test_the_reasons_are_english_on_an_english_page_and_only_the_role_that_may_start_a_step_sees_it(app, api):
    case = request(api, api.run(api.open_case(), CLUE_TODAY), "extension_request", extension("filing")).json
    officer = page_of(app.test_client(), "officer1")
    zh = html(officer.get(f"/cases/{case['id']}"))
    assert "现阶段不能办理" in zh
    _links, listed = offered(zh)
    assert listed["extension_request"][1].startswith(
        "延长办案期限申请 — 本案已有延期申请等待负责人审批，审批后方可再次申请 法律依据： " + FILING_ARTICLE)
    officer.set_cookie(LANGUAGE_COOKIE, "en")
    en = html(officer.get(f"/cases/{case['id']}"))
    assert "Not possible at this stage" in en and "现阶段不能办理" not in en
    links, listed = offered(en)
    assert links == set()
    assert listed["extension_request"] == ("EXTENSION_PENDING", (
        "Request to extend a time limit — an extension request of this case awaits the head's decision; "
        f"request again after it Legal basis: {FILING_ARTICLE} · EXTENSION_PENDING"))
    assert "本案已有延期申请" not in en and "本案的处罚决定尚未公示" not in en
    assert listed["disclosure_revocation"][1].split(" — ")[1].startswith(
        "the case's decision has not been disclosed: there is no disclosure to withdraw")
    en_steps = api.client.get(f"/api/v1/cases/{case['id']}/requests",
                              headers={**api.headers("officer1"), "Accept-Language": "en"}).json["items"]
    pending = next(s for s in en_steps if s["kind"] == "extension_request")
    assert pending["name"] == "Request to extend a time limit" and pending["refusal"]["message"].startswith(
        "an extension request of this case awaits the head's decision")
    assert api.get(f"/api/v1/cases/{case['id']}/requests", as_="head1").json["items"] == []
    head = html(page_of(app.test_client(), "head1").get(f"/cases/{case['id']}"))  # the officer's steps
    assert 'data-testid="request-link"' not in head and 'data-testid="request-unavailable"' not in head
    assert 'data-testid="task-link" data-bpmn-id="extension_approval"' in head
    # nor does the request's own page offer the form to a role that may not start it
    r = page_of(app.test_client(), "head1").get(f"/cases/{case['id']}/requests/excluded_period")
    assert r.status_code == 403 and 'data-testid="task-form"' not in html(r)


def test_the_form_of_a_step_the_law_refuses_now_says_so_above_the_form_and_a_post_is_still_refused(app, api):
    case = api.run(api.open_case(), CLUE_TODAY)
    officer = page_of(app.test_client(), "officer1")
    url = f"/cases/{case['id']}/requests/extension_request"
    form = html(officer.get(url))
    assert 'data-testid="form-banner"' not in form and 'data-testid="task-form"' in form  # it may start
    refused = html(officer.get(f"/cases/{case['id']}/requests/disclosure_revocation"))
    assert "DISCLOSURE_NOT_MADE" in _banner(refused) and DISCLOSURE_ARTICLE in _banner(refused)
    request(api, case, "extension_request", extension("filing"))

    r = officer.get(url)
    assert r.status_code == 200
    page = html(r)
    banner = _banner(page)
    assert ("> 依法本案现阶段不能办理此步骤 本案已有延期申请等待负责人审批，审批后方可再次申请 法律依据： "
            f"{FILING_ARTICLE} · EXTENSION_PENDING") in banner, banner
    assert page.index('data-testid="form-banner"') < page.index('data-testid="task-form"')
    assert 'name="limit"' in page and "is-refused" not in page  # the form is there; no field is blamed yet
    with app.app_context():  # a look is not an attempt: nothing traced
        refusals = db.session.execute(db.select(TraceEvent.id).where(
            TraceEvent.case_id == case["id"], TraceEvent.action == "step.refused")).all()
    assert refusals == []

    typed = {**extension("filing"), "reason": "需向外地调取证据"}
    r = officer.post(url, data=MultiDict([("csrf_token", csrf_of(page)), *encode(FORMS["extension_request"], typed)]))
    assert r.status_code == 200 and "依法不能按所填内容办理此步骤" in _banner(html(r))
    assert "EXTENSION_PENDING" in _banner(html(r)) and "需向外地调取证据" in html(r)  # nothing typed is lost

    officer.set_cookie(LANGUAGE_COOKIE, "en")
    banner = _banner(html(officer.get(url)))
    assert ("> The law does not allow this step at this stage of the case an extension request of this case awaits "
            "the head's decision") in banner, banner


# -- two requests at once ---------------------------------------------------------------------------
@pytest.mark.parametrize("kinds", [("extension_request", "extension_request"), ("extension_request", "excluded_period")])
def test_two_ad_hoc_requests_at_once_on_one_case_one_is_recorded_the_other_is_a_409(app, api, ctx, monkeypatch, kinds):
    """Both requests pass the law's checks on the same state of the case before either is written
    (a barrier holds each in the engine step): the case row's version lets one write, the other is
    told to reload (409), and nothing of it is kept."""
    case = api.run(api.open_case(), *to_decision_filed(20)[:2])  # investigating: the decision limit runs
    data = {"extension_request": extension("decision"), "excluded_period": period()}
    headers = api.headers("officer1")
    original = step_path.run_engine_step
    barrier = threading.Barrier(2)

    def held_step(operation, *args, **kwargs):
        if operation == "message":
            barrier.wait(timeout=20)  # both have read the same case version and passed the checks
        result = original(operation, *args, **kwargs)
        time.sleep(0.2)
        return result

    monkeypatch.setattr(step_path, "run_engine_step", held_step)
    results = []

    def attempt(kind):
        r = app.test_client().post(f"/api/v1/cases/{case['id']}/requests/{kind}", headers=headers,
                                   json={"data": data[kind]})
        results.append((r.status_code, kind, r.json))

    threads = [threading.Thread(target=attempt, args=(kind,)) for kind in kinds]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    monkeypatch.undo()
    assert sorted(code for code, _kind, _body in results) == [200, 409], results
    [(_code, won, _body)] = [r for r in results if r[0] == 200]
    [(_code, _kind, lost)] = [r for r in results if r[0] == 409]
    assert lost["error"] == "conflict", lost

    db.session.expire_all()
    rows = db.session.execute(db.select(Task.bpmn_id, Task.state).where(
        Task.case_id == case["id"], Task.bpmn_id.in_(kinds))).all()
    assert rows == [(won, "completed")]
    assert audit_verify.verify(case_id=case["id"]).ok
    actions = db.session.execute(db.select(TraceEvent.action, TraceEvent.bpmn_id).where(
        TraceEvent.case_id == case["id"], TraceEvent.bpmn_id.in_(kinds)).order_by(TraceEvent.seq)).all()
    assert actions == [("task.ready", won), ("task.completed", won)]  # a lost race is not a failure
    after = api.get(f"/api/v1/cases/{case['id']}").json
    expected_ready = {"investigation", "extension_approval"} if won == "extension_request" else {"investigation"}
    assert {t["bpmn_id"] for t in after["tasks"]} == expected_ready
    # the engine's state holds the winner's step only: the next request goes through (or waits for the head)
    r = request(api, case, "excluded_period", period())
    assert r.status_code == 200, r.json
    if won == "extension_request":
        r = request(api, case, "extension_request", extension("decision"))
        assert r.status_code == 422 and r.json["error"] == "EXTENSION_PENDING"
    assert audit_verify.verify(case_id=case["id"]).ok
