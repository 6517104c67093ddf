"""Yearly inspection plans (年度检查计划, services/inspections/plans.py): drafted by an officer or
head, items from the department's powers list (its causes register), a target population over the
register of market entities, the yearly frequency per enterprise; approved by another head or
returned with a reason; published (immutable, on the public page without login); every act traced
with its actor. On SQLite and PostgreSQL."""
import json

from tests.integration.test_task_forms import page_of
from tests.web_session import csrf_of, html
from workflow_app.extensions import db
from workflow_app.models import TraceEvent
from workflow_app.wall_clock import local_today

PLAN = {"title": "市场监管局年度双随机抽查计划", "items": [{"cause": "SCJG-SP-124-01"}, {"cause": "SCJG-JG-13-01",
                                                                                 "title": "明码标价检查"}],
        "population": {"industries": ["F", "H"], "risk_grades": ["C", "D"]}, "max_per_enterprise": 1}


def draft(api, as_="officer1", **changes):
    body = {"year": local_today().year, **PLAN, **changes}
    r = api.post("/api/v1/inspection-plans", as_=as_, json=body)
    assert r.status_code == 201, r.json
    return r.json


def act(api, plan, action, as_, expect=200, **body):
    r = api.post(f"/api/v1/inspection-plans/{plan['id']}/{action}", as_=as_, json=body)
    assert r.status_code == expect, r.json
    return r.json


def plan_events(ctx_app, plan_id: int) -> list[tuple[str, str, dict]]:
    with ctx_app.app_context():
        rows = db.session.execute(db.select(TraceEvent).where(TraceEvent.action.startswith("inspection_plan."))
                                  .order_by(TraceEvent.seq)).scalars().all()
        out = [(e.action, e.actor, json.loads(e.data_json)) for e in rows]
        db.session.remove()
    return [e for e in out if e[2]["plan"] == plan_id]


def test_a_plan_is_drafted_changed_submitted_approved_by_another_head_and_published_each_act_traced(app, api):
    plan = draft(api)
    assert plan["status"] == "draft" and plan["department"] == "market" and plan["drafted_by"] == "officer1"
    assert [i["code"] for i in plan["items"]] == ["01", "02"]
    assert plan["items"][0]["title"] == "经营超过保质期的食品" and plan["items"][1]["title"] == "明码标价检查"
    assert "食品安全法" in plan["items"][0]["basis"]
    assert plan["population"] == {"region": "qinghe", "industries": ["F", "H"], "risk_grades": ["C", "D"]}
    assert plan["population_size"] > 0
    second = api.post("/api/v1/inspection-plans", json={"year": local_today().year, **PLAN})
    assert second.status_code == 409
    changed = api.post(f"/api/v1/inspection-plans/{plan['id']}", json={"max_per_enterprise": 2,
                                                                        "version": plan["version"]})
    assert changed.status_code == 200 and changed.json["max_per_enterprise"] == 2
    stale = api.post(f"/api/v1/inspection-plans/{plan['id']}", json={"max_per_enterprise": 3,
                                                                      "version": plan["version"]})
    assert stale.status_code == 409
    act(api, plan, "approve", "head1", expect=409)  # not submitted yet
    submitted = act(api, plan, "submit", "officer1")
    assert submitted["status"] == "submitted"
    assert api.post(f"/api/v1/inspection-plans/{plan['id']}", json={"title": "改"}).status_code == 409
    act(api, plan, "approve", "officer1", expect=403)  # an officer does not approve
    returned = act(api, plan, "return", "head1", reason="抽查比例未说明，请补充")
    assert returned["status"] == "draft" and returned["return_reason"] == "抽查比例未说明，请补充"
    act(api, plan, "submit", "officer1")
    act(api, plan, "publish", "head1", expect=409)  # not approved yet
    approved = act(api, plan, "approve", "head1")
    assert approved["status"] == "approved" and approved["approved_by"] == "head1"
    published = act(api, plan, "publish", "head2")
    assert published["status"] == "published" and published["published_at"]
    assert api.post(f"/api/v1/inspection-plans/{plan['id']}", json={"title": "改"}).status_code == 409
    events = plan_events(app, plan["id"])
    assert [(a, who) for a, who, _ in events] == [
        ("inspection_plan.drafted", "officer1"), ("inspection_plan.changed", "officer1"),
        ("inspection_plan.submitted", "officer1"), ("inspection_plan.returned", "head1"),
        ("inspection_plan.submitted", "officer1"), ("inspection_plan.approved", "head1"),
        ("inspection_plan.published", "head2")]
    assert events[1][2]["changes"] == {"max_per_enterprise": {"before": 1, "after": 2}}
    assert events[3][2]["reason"] == "抽查比例未说明，请补充"


def test_the_head_who_drafted_a_plan_does_not_approve_it(api):
    plan = draft(api, as_="head1")
    act(api, plan, "submit", "head1")
    refused = act(api, plan, "approve", "head1", expect=403)
    assert "drafted" in refused["message"] or "起草" in refused["message"]
    assert act(api, plan, "approve", "head2")["approved_by"] == "head2"


def test_items_outside_the_powers_list_and_bad_populations_are_refused_naming_the_field(api):
    year = local_today().year
    r = api.post("/api/v1/inspection-plans", json={"year": year, **PLAN, "items": [{"cause": "STHJ-DQ-99-02"}]})
    assert r.status_code == 422 and list(r.json["errors"]) == ["items.1.cause"]  # environment's cause
    r = api.post("/api/v1/inspection-plans", json={"year": year, **PLAN, "population": {"region": "market"}})
    assert r.status_code == 422 and "population.region" in r.json["errors"]
    r = api.post("/api/v1/inspection-plans", json={"year": year, **PLAN,
                                                   "items": [{"cause": "SCJG-SP-124-01"}, {"cause": "SCJG-SP-124-01"}]})
    assert r.status_code == 422 and list(r.json["errors"]) == ["items.2.cause"]
    r = api.post("/api/v1/inspection-plans", json={"year": year + 5, **PLAN})
    assert r.status_code == 422 and "year" in r.json["errors"]
    for junk in ({"year": year, **PLAN, "title": "\x00"}, {"year": year, **PLAN, "title": "x" * 100_000},
                 {"year": year, **PLAN, "title": "\ud800"}, {"year": "2026", **PLAN},
                 {"year": year, **PLAN, "items": "SCJG"}, {"year": year, **PLAN, "max_per_enterprise": 0},
                 {"year": year, **PLAN, "population": {"industries": ["Z"]}}, {"year": year, **PLAN, "extra": 1},
                 {"year": year, **PLAN, "max_per_enterprise": True}, [1, 2]):
        r = api.post("/api/v1/inspection-plans", data=json.dumps(junk), content_type="application/json")
        assert r.status_code == 422, (str(junk)[:80], r.status_code, r.json)
    assert api.post("/api/v1/inspection-plans", as_="reviewer1", json={"year": year, **PLAN}).status_code == 403


def test_plans_are_read_in_scope_and_the_published_ones_on_the_public_page_without_login(app, api):
    plan = draft(api)
    assert api.get(f"/api/v1/inspection-plans/{plan['id']}", as_="environment_officer1").status_code == 404
    assert api.get(f"/api/v1/inspection-plans/{plan['id']}", as_="supervisor1").status_code == 200
    assert [p["id"] for p in api.get("/api/v1/inspection-plans", as_="supervisor1").json["items"]] == [plan["id"]]
    public = app.test_client()
    assert 'data-testid="public-plan"' not in html(public.get("/public/inspection-plans"))
    act(api, plan, "submit", "officer1")
    act(api, plan, "approve", "head1")
    act(api, plan, "publish", "head1")
    page = public.get("/public/inspection-plans")
    assert page.status_code == 200
    body = html(page)
    assert f'data-plan="{plan["id"]}"' in body and "明码标价检查" in body and "市场监督管理局" in body
    assert "officer1" not in body and "plan-form" not in body  # who drafted it is not public


def test_the_plan_pages_draft_submit_approve_and_publish_without_script(app):
    officer = page_of(app.test_client(), "officer1")
    page = html(officer.get("/inspection/plans"))
    assert 'data-testid="plan-form"' in page and 'value="SCJG-SP-124-01"' in page
    token = csrf_of(page)
    refused = officer.post("/inspection/plans", data={"csrf_token": token, "year": str(local_today().year),
                                                      "title": "", "max_per_enterprise": "1"})
    assert refused.status_code == 422
    body = html(refused)
    assert 'data-testid="error-title"' in body and 'data-testid="error-items"' in body
    r = officer.post("/inspection/plans", data={
        "csrf_token": token, "year": str(local_today().year), "title": "页面起草的计划", "cause": ["SCJG-SP-124-01"],
        "region": "qinghe", "industry": ["H"], "risk_grade": ["D"], "max_per_enterprise": "2"})
    assert r.status_code == 302
    plan_url = r.headers["Location"]
    page = html(officer.get(plan_url))
    assert 'data-status="draft"' in page and 'data-testid="plan-submit"' in page
    assert 'data-cause="SCJG-SP-124-01"' in page and 'data-testid="plan-frequency">2<' in page
    officer.post(plan_url + "/submit", data={"csrf_token": token})
    head = page_of(app.test_client(), "head1")
    page = html(head.get(plan_url))
    assert 'data-status="submitted"' in page and 'data-testid="plan-approve"' in page
    head_token = csrf_of(page)
    head.post(plan_url + "/approve", data={"csrf_token": head_token})
    head.post(plan_url + "/publish", data={"csrf_token": head_token})
    page = html(head.get(plan_url))
    assert 'data-status="published"' in page
    assert [a for a in ("inspection_plan.drafted", "inspection_plan.submitted", "inspection_plan.approved",
                        "inspection_plan.published") if f'data-action="{a}"' in page] == [
        "inspection_plan.drafted", "inspection_plan.submitted", "inspection_plan.approved",
        "inspection_plan.published"]
