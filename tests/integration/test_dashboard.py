"""The supervision dashboard (执法监督看板, services/oversight/dashboard.py): its figures for a known set of
cases and alerts, each reader's scope, the page in both languages with its tables and links, the
API in both languages. Through the API and the pages, on SQLite and PostgreSQL."""
from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.test_alerts import filing_late
from tests.web_session import html, page_login
from workflow_app.extensions import db
from workflow_app.i18n import LANGUAGE_COOKIE
from workflow_app.models import Alert, Task
from workflow_app.oversight.calendar import LOCAL_TZ
from workflow_app.services.cases.worklists import DUE_SOON
from workflow_app.services.oversight import alerts, dashboard
from workflow_app.wall_clock import local_today, utcnow

pytestmark = pytest.mark.dates

SUMMARY = "/api/v1/oversight/summary"
EN = {"Accept-Language": "en"}


def known_set(api):
    """Market: a case whose filing is long overdue and a fresh clue; environment: another overdue
    filing. The worker's scan raises FILING_LATE (medium) on both overdue filings."""
    late = filing_late(api)
    fresh = api.open_case()
    other = api.open_case(as_="environment_officer1", department="environment")
    other = api.complete(other, "clue_intake", as_="environment_officer1")
    raised = alerts.scan().raised
    assert sorted(raised) == sorted([(late["number"], "FILING_LATE"), (other["number"], "FILING_LATE")])
    return late, fresh, other


def time_left_by_department(now: datetime) -> dict[str, dict[str, int]]:
    """The oracle: every ready step read as a row and sorted by hand."""
    counts: dict[str, dict[str, int]] = {}
    for task in db.session.execute(db.select(Task).where(Task.state == "ready")).scalars():
        due = task.due_at
        bucket = ("no_due" if due is None else "overdue" if due < now else
                  "due_soon" if due <= now + DUE_SOON else "later")
        code = task.case.department.code
        counts.setdefault(code, {"overdue": 0, "due_soon": 0, "later": 0, "no_due": 0})[bucket] += 1
    return counts


def test_the_figures_count_a_known_set_of_alerts_cases_and_steps(api, ctx):
    late, fresh, other = known_set(api)
    s = api.get(SUMMARY, as_="supervisor1").json
    assert s["department"] is None
    assert s["alerts"]["active"] == 2 and s["alerts"]["by_severity"] == {"high": 0, "medium": 2, "low": 0}
    assert [(r["code"], r["severity"], r["count"]) for r in s["alerts"]["by_rule"]] == [("FILING_LATE", "medium", 2)]
    assert s["alerts"]["by_rule"][0]["basis"] == "《市场监督管理行政处罚程序规定》第18条"
    assert sorted((d["department"], d["medium"], d["total"]) for d in s["alerts"]["by_department"]) == [
        ("environment", 1, 1), ("market", 1, 1)]
    statuses = {row["status"]: row["count"] for row in s["cases"]["by_status"]}
    # every status of the deployed procedures (the summary procedure's on_the_spot too), in their order
    assert statuses == {"intake": 3, "investigating": 0, "decided": 0, "served": 0, "closed": 0, "not_filed": 0,
                        "on_the_spot": 0, "not_approved": 0, "seized": 0, "released": 0,  # the seizure's too
                        "confiscation_referred": 0, "destroyed": 0,
                        "referral_drafting": 0, "not_referred": 0, "referred": 0, "feedback_overdue": 0,
                        "accepted": 0, "returned": 0,  # the referral's
                        "referral_received": 0, "receipt_accepted": 0, "receipt_returned": 0,  # its receipt's own
                        "registered": 0, "inspected": 0, "result": 0, "withdrawn": 0}  # the enterprise inspection's
    assert s["cases"]["total"] == 3 and s["cases"]["in_progress"] == 3

    oracle = time_left_by_department(utcnow())
    assert {d["department"]: {k: d[k] for k in ("overdue", "due_soon", "later", "no_due")}
            for d in s["steps"]["by_department"]} == oracle
    assert s["steps"]["by_time_left"]["overdue"] == 2  # the two filings past their 15 working days
    assert sum(s["steps"]["by_time_left"].values()) == 3 and s["steps"]["due_soon_days"] == 10

    weeks = s["alerts_per_week"]
    monday = local_today() - timedelta(days=local_today().weekday())
    assert len(weeks) == 12 and weeks[-1] == {"week_start": monday.isoformat(), "count": 2}
    assert [w["count"] for w in weeks[:-1]] == [0] * 11
    assert weeks[0]["week_start"] == (monday - timedelta(weeks=11)).isoformat()

    # a resolved alert leaves the active figures, and still counts in the week it was raised
    alert_id = db.session.execute(db.select(Alert.id).where(Alert.case_id == late["id"])).scalar_one()
    assert api.post(f"/api/v1/alerts/{alert_id}/resolve", as_="supervisor1", json={"reason": "已立案"}).status_code == 200
    s = api.get(SUMMARY, as_="supervisor1").json
    assert s["alerts"]["by_severity"]["medium"] == 1 and s["alerts_per_week"][-1]["count"] == 2
    assert [d["department"] for d in s["alerts"]["by_department"]] == ["environment"]


def test_the_weeks_are_beijing_mondays_and_an_alert_falls_in_the_week_it_was_raised(api, ctx, user):
    case = filing_late(api)
    alerts.scan()
    alert = db.session.execute(db.select(Alert).where(Alert.case_id == case["id"])).scalar_one()
    # Monday 00:30 Beijing is Sunday 16:30 UTC: the alert belongs to the Beijing week starting that Monday
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    alert.raised_at = datetime(2026, 11, 16, 0, 30, tzinfo=LOCAL_TZ).astimezone(UTC)
    db.session.commit()
    s = dashboard.summary(user("supervisor1"), now=now)
    assert [d.isoformat() for d, _ in s.alerts_per_week[-3:]] == ["2026-11-09", "2026-11-16", "2026-11-23"]
    assert [n for _, n in s.alerts_per_week[-3:]] == [0, 1, 0]
    alert.raised_at = datetime(2026, 11, 15, 23, 59, tzinfo=LOCAL_TZ).astimezone(UTC)  # the Sunday before
    db.session.commit()
    s = dashboard.summary(user("supervisor1"), now=now)
    assert [n for _, n in s.alerts_per_week[-3:]] == [1, 0, 0]
    alert.raised_at = now - timedelta(weeks=13)  # before the 12 weeks: not counted
    db.session.commit()
    assert sum(n for _, n in dashboard.summary(user("supervisor1"), now=now).alerts_per_week) == 0


def test_a_head_sees_his_department_only_and_the_filter_stays_in_scope(api, ctx):
    known_set(api)
    head = api.get(SUMMARY, as_="head1").json
    assert head["alerts"]["by_severity"]["medium"] == 1
    assert [d["department"] for d in head["alerts"]["by_department"]] == ["market"]
    assert [d["department"] for d in head["steps"]["by_department"]] == ["market"]
    assert head["cases"]["total"] == 2
    env_head = api.get(SUMMARY, as_="environment_head").json
    assert env_head["cases"]["total"] == 1 and [d["department"] for d in env_head["alerts"]["by_department"]] == [
        "environment"]

    narrowed = api.get(f"{SUMMARY}?department=environment", as_="supervisor1").json
    assert narrowed["department"] == "environment" and narrowed["cases"]["total"] == 1
    assert narrowed["alerts"]["active"] == 1 and narrowed["alerts_per_week"][-1]["count"] == 1
    for who, code in (("head1", "environment"), ("supervisor1", "nowhere"), ("supervisor1", "x" * 65)):
        r = api.get(f"{SUMMARY}?department={code}", as_=who)
        assert r.status_code == 422 and set(r.json["errors"]) == {"department"}, r.json


def test_officers_and_others_may_not_read_the_dashboard(api, client):
    assert api.get(SUMMARY, as_="officer1").status_code == 403
    assert api.get(SUMMARY, as_="reviewer1").status_code == 403
    assert api.get(SUMMARY, as_="author1").status_code == 403
    assert client.get(SUMMARY).status_code == 401
    page_login(client, "officer1")
    r = client.get("/dashboard")
    assert r.status_code == 403 and "<html" in html(r) and "执法监督看板" not in html(r)  # the page, no nav link
    assert api.get(SUMMARY, as_="admin").status_code == 200


def test_the_api_names_rules_statuses_and_departments_in_the_requests_language(app, api):
    with app.app_context():  # then each request its own context, as in production (Flask-Babel keeps its locale there)
        known_set(api)
        db.session.remove()
    zh = api.get(SUMMARY, as_="supervisor1").json
    en = api.get(SUMMARY, as_="supervisor1", headers=EN).json
    assert zh["alerts"]["by_rule"][0]["name"].startswith("立案超期")
    assert en["alerts"]["by_rule"][0]["name"].startswith("filing late")
    assert {d["name"] for d in zh["alerts"]["by_department"]} == {"市场监督管理局", "生态环境分局"}
    assert {d["name"] for d in en["alerts"]["by_department"]} == {"Market Regulation Bureau",
                                                                  "Ecology and Environment Branch"}
    assert zh["cases"]["by_status"][0] == {"status": "intake", "name": "线索登记（未立案）", "count": 3}
    assert en["cases"]["by_status"][0] == {"status": "intake", "name": "clue, not yet filed", "count": 3}
    r = api.get(f"{SUMMARY}?department=nowhere", as_="supervisor1", headers=EN)
    assert "nowhere" in r.json["errors"]["department"][0] and "area of responsibility" in r.json["errors"]["department"][0]
    r = api.get(f"{SUMMARY}?department=nowhere", as_="supervisor1")
    assert "职责范围" in r.json["errors"]["department"][0]
    paths = api.get("/api/v1/openapi.json").json["paths"]
    assert "#/components/schemas/OversightSummary" in str(paths["/oversight/summary"]["get"]["responses"]["200"])


def test_the_page_shows_the_figures_tables_and_links_to_the_filtered_lists(api, client, ctx):
    late, fresh, other = known_set(api)
    page_login(client, "supervisor1")
    page = html(client.get("/dashboard"))
    assert '<html lang="zh-CN">' in page and "执法监督看板" in page and 'data-testid="nav-dashboard"' in page
    # figures: two medium alerts, two steps overdue, three cases in progress; each a link to its list
    assert 'href="/alerts?status=active&amp;severity=medium" data-testid="figure-alerts-medium"' in page
    assert '<span class="figure-value">2</span>' in page and '<span class="figure-value">3</span>' in page
    assert 'href="/cases?time_left=overdue" data-testid="figure-overdue-steps"' in page
    # the tables the charts draw, rows linked to the lists
    assert '<a href="/alerts?status=active&amp;code=FILING_LATE">立案超期' in page
    assert 'href="/alerts?status=active&amp;department=environment&amp;severity=medium"' in page
    assert '<a href="/cases?status=intake">线索登记（未立案）</a>' in page
    assert 'href="/cases?department=market&amp;time_left=overdue"' in page
    assert '<script type="application/json" id="dashboard-data">' in page
    assert 'src="/static/vendor/echarts/echarts.common.min.js"' in page and "<script>" not in page

    # the list a step figure links to holds the cases it counts
    listed = html(client.get("/cases?department=market&time_left=overdue"))
    assert late["number"] in listed and fresh["number"] not in listed and other["number"] not in listed
    assert client.get("/cases?time_left=soonish").status_code == 422

    narrowed = html(client.get("/dashboard?department=environment"))
    assert 'href="/alerts?status=active&amp;department=environment&amp;severity=medium"' in narrowed
    assert 'href="/cases?department=environment&amp;time_left=overdue"' in narrowed
    assert client.get("/dashboard?department=nowhere").status_code == 422


def test_the_page_in_english(app, api, client):
    with app.app_context():
        known_set(api)
        db.session.remove()
    page_login(client, "head1")
    client.set_cookie(LANGUAGE_COOKIE, "en")
    page = html(client.get("/dashboard"))
    assert '<html lang="en">' in page and "Supervision dashboard" in page
    assert ">filing late: no filing decision 15 working days after the clue</a>" in page
    assert "Market Regulation Bureau" in page and "Ecology and Environment Branch" not in page
    assert "active alerts, medium" in page and "clue, not yet filed" in page and "due within 10 days" in page
    assert '"filing late"' in page  # the chart's words too
