"""The oversight alerts' pages (预警; web/alerts.py) through the Flask test client, on SQLite and
PostgreSQL: the supervisors' list with its filters, count and keyset pages; one alert with its
rule, legal basis, late step and history; acknowledging, then resolving or dismissing with a
reason (errors beside the field, what was typed kept, an alert handled meanwhile by someone else a
409 banner); heads read, officers are refused; the case page shows a case's active alerts.

The database is read in an app context of its own, never one held across the pages' requests
(a request in a pushed app context would share its `g`: the logged-in user, the CSRF token)."""
import re
from types import SimpleNamespace

import pytest

from tests.helpers import TO_DECISION
from tests.web_session import csrf_of, html, page_login
from workflow_app.extensions import db
from workflow_app.models import Alert, TraceEvent
from workflow_app.services.audit import verify as audit_verify
from workflow_app.services.oversight import alerts

pytestmark = pytest.mark.dates


def late_filing(api) -> dict:
    """A case whose clue came in 110 days ago: its filing decision is long overdue (FILING_LATE)."""
    return api.run(api.open_case(), "clue_intake")


def alert_of(app, case: dict, code: str = "FILING_LATE") -> dict:
    with app.app_context():
        a = db.session.execute(db.select(Alert).where(Alert.case_id == case["id"], Alert.code == code)).scalar_one()
        return SimpleNamespace(id=a.id, status=a.status, reason=a.reason, details=a.details, case_id=a.case_id)


def scan(app, now=None):
    with app.app_context():
        return alerts.scan(now=now)


def alert_rows(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-alert-id="(\d+)"', page)]


def logged_in(client, username: str):
    other = client.application.test_client()
    page_login(other, username)
    return other


def post(client, url: str, **form):
    token = csrf_of(html(client.get(url)))
    return client.post(url, data={"csrf_token": token, **form})


@pytest.fixture
def raised(app, api):
    """Two late cases of the market department with their FILING_LATE alerts (medium), and a case
    decided 48 days ago and neither served nor disclosed: SERVICE_LATE (high), DISCLOSURE_LATE."""
    late = [late_filing(api) for _ in range(2)]
    decided = api.run(api.open_case(), *TO_DECISION, "penalty_decision")
    scan(app)
    return {"late": late, "decided": decided}


# -- the list -------------------------------------------------------------------------------------
def test_supervisors_land_on_the_active_alerts_newest_first_with_the_count_and_each_rows_facts(app, client, raised):
    r = page_login(client, "supervisor1")
    assert r.headers["Location"] == "/alerts"
    page = html(client.get("/alerts"))
    assert "<h1>执法监督预警" in page and 'data-testid="alerts-count">共 4 条' in page
    assert 'data-testid="nav-alerts" aria-current="page">预警</a>' in page
    first, second = raised["late"]
    row = re.search(rf'<tr data-alert-id="{alert_of(app, first).id}".*?</tr>', page, re.S).group(0)
    assert 'class="sev sev-medium"' in row and ">中</span>" in row  # the word, not the colour alone
    assert "立案超期" in row and f'href="/cases/{first["id"]}"' in row and first["number"] in row
    assert "清河某超市有限公司" in row and "立案审批" in row and "待处理" in row
    assert re.search(r'<span class="due">\d{4}-\d{2}-\d{2}</span>', row)  # the due date, in Beijing time
    ids = alert_rows(page)
    assert ids == sorted(ids, reverse=True)  # newest first
    late = re.search(rf'<tr data-alert-id="{alert_of(app, raised["decided"], "SERVICE_LATE").id}".*?</tr>',
                     page, re.S).group(0)
    assert 'class="sev sev-high"' in late and ">高</span>" in late and "送达超期" in late


def test_the_list_filters_by_status_severity_rule_and_department(app, client, api, raised):
    page_login(client, "supervisor1")
    resolved = alert_of(app, raised["late"][0])
    assert api.post(f"/api/v1/alerts/{resolved.id}/resolve", as_="supervisor1", json={"reason": "已督促立案"}).status_code == 200
    service = alert_of(app, raised["decided"], "SERVICE_LATE").id

    def listed(query: str) -> set[int]:
        r = client.get(f"/alerts?{query}")
        assert r.status_code == 200, html(r)
        return set(alert_rows(html(r)))

    everything = listed("status=all")
    assert resolved.id in everything and len(everything) == 4
    assert resolved.id not in listed("") and listed("") == listed("status=active")
    assert listed("status=resolved") >= {resolved.id}
    assert listed("severity=high") == {service}
    assert service not in listed("severity=medium") and len(listed("severity=medium")) == 2
    assert listed("code=SERVICE_LATE") == {service}
    assert listed("department=market") == listed("")
    assert listed("department=tax") == set()
    assert listed("status=open&severity=low") == set()
    page = html(client.get("/alerts?severity=high"))
    assert 'data-testid="alerts-count">共 1 条' in page and '<option value="high" selected>' in page
    assert re.search(r'<option value="DECISION_OVERDUE"\s*>决定超期</option>', page)  # the rules by the catalogue's names


def test_a_filter_value_that_is_not_offered_is_named_on_a_422_page(app, client, raised):
    page_login(client, "supervisor1")
    r = client.get("/alerts?status=maybe&severity=huge&code=NOPE")
    assert r.status_code == 422
    page = html(r)
    assert "<code>status</code>" in page and "<code>severity</code>" in page and "<code>code</code>" in page
    assert client.get("/alerts?after=nonsense").status_code == 422


def test_the_alert_pages_follow_each_other_without_gaps_or_repeats(app, client, api):
    for _ in range(5):
        late_filing(api)
    scan(app)
    from workflow_app.web import alerts as pages

    page_login(client, "supervisor1")
    original, pages.PER_PAGE = pages.PER_PAGE, 2
    try:
        seen, url = [], "/alerts"
        while url:
            page = html(client.get(url))
            assert 'data-testid="alerts-count">共 5 条' in page
            seen += alert_rows(page)
            more = re.search(r'href="([^"]+)" rel="next"', page)
            url = more.group(1).replace("&amp;", "&") if more else None
        assert len(seen) == len(set(seen)) == 5 and seen == sorted(seen, reverse=True)
    finally:
        pages.PER_PAGE = original


def test_heads_read_the_alerts_and_officers_are_refused(app, client, raised):
    alert_id = alert_of(app, raised["late"][0]).id
    head = logged_in(client, "head1")
    assert head.get("/alerts").status_code == 200
    page = html(head.get(f"/alerts/{alert_id}"))
    assert 'data-testid="read-only"' in page and 'name="action"' not in page
    r = head.post(f"/alerts/{alert_id}", data={"csrf_token": csrf_of(page), "action": "acknowledge"})
    assert r.status_code == 403 and alert_of(app, raised["late"][0]).status == "open"
    officer = logged_in(client, "officer1")
    r = officer.get("/alerts")
    assert r.status_code == 403 and "您无权进行此操作" in html(r)
    assert officer.get(f"/alerts/{alert_id}").status_code == 403
    assert 'data-testid="nav-alerts"' not in html(officer.get("/inbox"))
    outside = logged_in(client, "transport_head")  # the transport department's head
    assert outside.get(f"/alerts/{alert_id}").status_code == 404  # another department's: as if none
    assert alert_id not in alert_rows(html(outside.get("/alerts?status=all")))


# -- one alert ------------------------------------------------------------------------------------
def test_an_alert_shows_its_rule_basis_step_due_date_case_and_history(app, client, raised):
    alert = alert_of(app, raised["late"][0])
    page_login(client, "supervisor1")
    page = html(client.get(f"/alerts/{alert.id}"))
    assert 'data-testid="alert-title">立案超期</h1>' in page
    assert "立案超期：收到线索15个工作日内未作出立案决定" in page and '<code class="muted">FILING_LATE</code>' in page
    assert 'data-testid="alert-basis">《市场监督管理行政处罚程序规定》第18条</dd>' in page
    assert "立案审批" in page and alert.details["due_at"][:4] in page
    assert f'href="/cases/{alert.case_id}"' in page
    history = re.search(r'data-testid="alert-history">.*?</ol>', page, re.S).group(0)
    assert 'data-action="raised"' in history and "监督巡查（自动）" in history
    assert 'data-testid="acknowledge-form"' in page and 'data-testid="close-form"' in page
    assert 'maxlength="2000"' in page and "required" in page


def test_a_supervisor_acknowledges_then_resolves_with_a_reason_recorded_in_the_history(app, client, raised):
    alert = alert_of(app, raised["late"][0])
    url = f"/alerts/{alert.id}"
    page_login(client, "supervisor1")
    r = post(client, url, action="acknowledge")
    assert r.status_code == 302 and r.headers["Location"] == url
    page = html(client.get(url))
    assert "预警已签收。" in page and 'data-status="acknowledged"' in page
    assert 'data-testid="acknowledge-form"' not in page and 'data-testid="close-form"' in page
    r = post(client, url, action="resolve", reason="  已督促部门于当日作出立案决定  ")
    assert r.status_code == 302
    page = html(client.get(url))
    assert 'data-status="resolved"' in page and 'data-testid="close-form"' not in page
    history = re.search(r'data-testid="alert-history">.*?</ol>', page, re.S).group(0)
    assert [a for a in re.findall(r'data-action="(\w+)"', history)] == ["raised", "acknowledged", "resolved"]
    assert history.count("孙丽") == 2  # supervisor1 acknowledged and resolved it
    assert "理由： 已督促部门于当日作出立案决定" in history
    assert alert_of(app, raised["late"][0]).status == "resolved"
    with app.app_context():
        assert audit_verify.verify(alert.case_id).ok
    # the case's trace names the alert's actions in the page's words
    case_page = html(client.get(f"/cases/{alert.case_id}"))
    assert "签收监督预警" in case_page and "办结监督预警" in case_page


def test_a_reason_missing_or_too_long_is_said_beside_the_field_and_what_was_typed_is_kept(app, client, raised):
    alert = alert_of(app, raised["late"][0])
    url = f"/alerts/{alert.id}"
    page_login(client, "supervisor1")
    r = post(client, url, action="dismiss", reason="   ")
    assert r.status_code == 200
    page = html(r)
    assert 'data-testid="form-errors"' in page
    assert re.search(r'<p class="field-error" id="err-reason" data-testid="reason-error">请填写理由（1至2000个字）</p>', page)
    assert 'aria-invalid="true"' in page
    long = "整改情况说明" * 400  # 2,400 characters
    r = post(client, url, action="resolve", reason=long)
    assert r.status_code == 200 and 'data-testid="reason-error"' in html(r) and long in html(r)
    r = post(client, url, action="close", reason="x")
    assert r.status_code == 200 and "必须为以下之一：acknowledge, request_rectification, report_rectification, resolve, dismiss" in html(r)
    assert alert_of(app, raised["late"][0]).status == "open"
    r = post(client, url, action="dismiss", reason="系统时间配置错误导致误报")
    assert r.status_code == 302
    assert alert_of(app, raised["late"][0]).status == "dismissed"


def test_an_alert_handled_meanwhile_by_someone_else_is_a_409_banner_and_the_reason_typed_is_shown(app, client, api, raised):
    alert = alert_of(app, raised["late"][0])
    url = f"/alerts/{alert.id}"
    page_login(client, "supervisor1")
    token = csrf_of(html(client.get(url)))  # the page as it was, open
    assert api.post(f"/api/v1/alerts/{alert.id}/acknowledge", as_="admin").status_code == 200
    r = client.post(url, data={"csrf_token": token, "action": "acknowledge"})
    assert r.status_code == 409
    page = html(r)
    assert 'data-testid="alert-conflict"' in page and "该预警已由他人处理" in page
    assert "预警已是“已签收”状态，只有待处理的预警可以签收" in page
    assert 'data-testid="close-form"' in page  # it can still be resolved
    assert api.post(f"/api/v1/alerts/{alert.id}/resolve", as_="admin", json={"reason": "已整改"}).status_code == 200
    r = client.post(url, data={"csrf_token": token, "action": "resolve", "reason": "我的办结理由"})
    assert r.status_code == 409
    page = html(r)
    assert "预警已是“已办结”状态" in page and 'data-testid="close-form"' not in page
    assert '<blockquote class="typed" data-testid="typed-reason">我的办结理由</blockquote>' in page
    assert alert_of(app, raised["late"][0]).reason == "已整改"


def test_the_alert_pages_in_english(app, client, raised):
    page_login(client, "supervisor1")
    client.post("/language", data={"lang": "en", "csrf_token": csrf_of(html(client.get("/alerts")))})
    page = html(client.get("/alerts"))
    assert '<html lang="en">' in page and "<h1>Oversight alerts" in page and "4 alerts" in page
    assert ">medium</span>" in page and "filing late" in page and "Filing approval" in page
    assert "执法监督预警" not in page and "立案超期" not in page
    alert = alert_of(app, raised["late"][0])
    page = html(client.get(f"/alerts/{alert.id}"))
    assert 'data-testid="alert-title">filing late</h1>' in page and "What was found" in page
    assert "the oversight scan (automatic)" in page and ">Acknowledge</button>" in page
    r = post(client, f"/alerts/{alert.id}", action="resolve", reason="")
    assert "give the reason (1 to 2000 characters)" in html(r)


# -- the case page --------------------------------------------------------------------------------
def test_the_case_page_shows_its_active_alerts_linked_for_readers_only(app, client, raised):
    case = raised["late"][0]
    alert = alert_of(app, case)
    officer = logged_in(client, "officer1")
    page = html(officer.get(f"/cases/{case['id']}"))
    section = re.search(r'data-testid="case-alerts">.*?</section>', page, re.S).group(0)
    assert "立案超期：收到线索15个工作日内未作出立案决定" in section and ">中</span>" in section
    assert "/alerts/" not in section  # an officer does not read the alerts' pages
    supervisor = logged_in(client, "supervisor1")
    page = html(supervisor.get(f"/cases/{case['id']}"))
    assert f'href="/alerts/{alert.id}" data-testid="case-alert-link"' in page
    post(supervisor, f"/alerts/{alert.id}", action="dismiss", reason="误报")
    assert 'data-testid="case-alerts"' not in html(officer.get(f"/cases/{case['id']}"))  # active ones only
    with app.app_context():
        traced = db.session.execute(db.select(TraceEvent.action).where(TraceEvent.case_id == case["id"])
                                    .order_by(TraceEvent.id)).scalars().all()
    assert traced[-1] == "alert.dismissed"



def test_an_alert_about_the_case_not_a_step_shows_what_was_found_instead_of_a_due_date(app, client, api):
    """CASE_IDLE (no step of its own): its last activity; raised by the scan 31 days on."""
    from datetime import timedelta

    from workflow_app.models.types import utcnow

    case = api.open_case()
    scan(app, now=utcnow() + timedelta(days=31))
    idle = alert_of(app, case, "CASE_IDLE")
    page_login(client, "supervisor1")
    row = re.search(rf'<tr data-alert-id="{idle.id}".*?</tr>', html(client.get("/alerts?code=CASE_IDLE")), re.S).group(0)
    assert "案件停滞" in row and "最近办理" in row and 'class="sev sev-low"' in row and ">低</span>" in row
    page = html(client.get(f"/alerts/{idle.id}"))
    assert "最近办理活动" in page and 'data-testid="alert-due"' not in page and "—" in page
    assert 'data-testid="alert-basis">执法监督工作规范</dd>' in page


def test_a_requested_and_reported_rectification_shows_in_the_history_and_under_its_status(app, client, api, raised):
    """Through the API (the pages have no rectification forms yet): the opinion with its day, the
    department's report; the alert stays active and can still be resolved on the page."""
    from datetime import timedelta

    from workflow_app.wall_clock import local_today

    alert = alert_of(app, raised["late"][0])
    due = (local_today() + timedelta(days=10)).isoformat()
    r = api.post(f"/api/v1/alerts/{alert.id}/request-rectification", as_="supervisor1",
                 json={"opinion": "请于十日内作出立案决定", "due_on": due})
    assert r.status_code == 200, r.json
    page_login(client, "supervisor1")
    assert alert.id in alert_rows(html(client.get("/alerts?status=rectification_requested")))
    assert alert.id in alert_rows(html(client.get("/alerts")))  # still active
    assert api.post(f"/api/v1/alerts/{alert.id}/report-rectification", as_="head1",
                    json={"report": "已于当日作出立案决定"}).status_code == 200
    page = html(client.get(f"/alerts/{alert.id}"))
    history = re.search(r'data-testid="alert-history">.*?</ol>', page, re.S).group(0)
    assert re.findall(r'data-action="(\w+)"', history) == ["raised", "rectification_requested", "rectification_reported"]
    assert "请于十日内作出立案决定" in history and due in history and "已于当日作出立案决定" in history
    assert "整改期限" in page and 'data-testid="close-form"' in page
    assert post(client, f"/alerts/{alert.id}", action="resolve", reason="整改到位").status_code == 302


def test_the_supervisor_asks_to_rectify_on_the_page_and_the_head_reports_on_it(app, client, raised):
    from datetime import timedelta

    from workflow_app.wall_clock import local_today

    alert = alert_of(app, raised["late"][0])
    url = f"/alerts/{alert.id}"
    supervisor = logged_in(client, "supervisor1")
    assert 'data-testid="rectify-form"' in html(supervisor.get(url))
    r = post(supervisor, url, action="request_rectification", opinion="   ", due_on="2020-01-01")
    page = html(r)
    assert r.status_code == 200 and 'data-testid="opinion-error"' in page and 'data-testid="due_on-error"' in page
    assert 'value="2020-01-01"' in page  # what was typed is kept
    due = (local_today() + timedelta(days=7)).isoformat()
    r = post(supervisor, url, action="request_rectification", opinion="请于七日内作出立案决定并报告", due_on=due)
    assert r.status_code == 302 and alert_of(app, raised["late"][0]).status == "rectification_requested"
    assert 'data-testid="rectify-form"' not in html(supervisor.get(url))  # asked once
    head = logged_in(client, "head1")
    page = html(head.get(url))
    assert 'data-testid="report-form"' in page and "请于七日内作出立案决定并报告" in page
    assert 'data-testid="close-form"' not in page  # heads report; supervisors resolve
    r = post(head, url, action="report_rectification", report="")
    assert r.status_code == 200 and 'data-testid="report-error"' in html(r)
    r = post(head, url, action="report_rectification", report="已于次日作出立案决定")
    assert r.status_code == 302 and alert_of(app, raised["late"][0]).status == "rectification_reported"
    assert 'data-testid="report-form"' not in html(head.get(url))
    officer = logged_in(client, "officer1")
    assert officer.get(url).status_code == 403
    with app.app_context():
        assert audit_verify.verify(raised["late"][0]["id"]).ok
