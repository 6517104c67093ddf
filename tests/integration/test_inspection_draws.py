"""The random draw (双随机, services/inspections/draws.py) under a published plan: targets from the
plan's population, two or more certified inspectors each, the seed and the inputs' digest on the
trail, an inspection case opened for each target with its first step recorded (the enterprise its
party), a supervisor's re-draw that matches, and one that shows a tampered draw. On SQLite and
PostgreSQL."""
import json

from tests.inspection import PLAN, Inspection
from tests.integration.test_task_forms import page_of
from tests.web_session import csrf_of, html
from workflow_app.extensions import db
from workflow_app.models import InspectionDraw, MarketEntity, Task, TraceEvent
from workflow_app.wall_clock import local_today


def draw(api, plan, as_="officer1", expect=201, **body):
    r = api.post(f"/api/v1/inspection-plans/{plan['id']}/draws", as_=as_,
                 json={"item": "01", "targets": 3, **body})
    assert r.status_code == expect, r.json
    return r.json


def test_a_draw_picks_targets_of_the_population_and_certified_inspectors_and_opens_their_cases(app, api):
    inspection = Inspection(api)
    plan = inspection.publish_plan(population={"industries": ["H"], "risk_grades": ["C", "D"]})
    made = draw(api, plan, inspectors_per_target=2)
    found = made["draw"]
    assert made["failed"] == [] and len(found["result"]) == 3 and len(found["seed"]) == 32
    with app.app_context():
        population = {e.credit_code for e in db.session.execute(db.select(MarketEntity).where(
            MarketEntity.industry == "H", MarketEntity.risk_grade.in_(["C", "D"]))).scalars()}
        db.session.remove()
    assert set(found["inputs"]["population"]) == population
    assert found["inputs"]["officers"] == ["officer1", "officer2", "officer3"]  # the certified officers of market
    for target in found["result"]:
        assert target["credit_code"] in population and len(target["inspectors"]) == 2
        case = api.get(f"/api/v1/cases/{target['case_id']}").json
        assert case["procedure_kind"] == "inspection" and api.ready(case) == ["visit_registration"]
        assert case["party"]["name"] == target["name"]
        with app.app_context():
            trigger = db.session.execute(db.select(Task.data).where(
                Task.case_id == case["id"], Task.bpmn_id == "inspection_trigger")).scalar_one()
            db.session.remove()
        assert (trigger["trigger"], trigger["draw"], trigger["plan_item"]) == ("plan", found["id"], "01")
        assert trigger["inspectors"] == target["inspectors"] and trigger["party_id_number"] == target["credit_code"]
    with app.app_context():
        event = db.session.execute(db.select(TraceEvent).where(TraceEvent.action == "inspection_draw.made")).scalar_one()
        data = json.loads(event.data_json)
        db.session.remove()
    assert data["seed"] == found["seed"] and data["inputs_sha256"] == found["inputs_sha256"]
    assert data["result"] == [[t["credit_code"], t["inspectors"]] for t in found["result"]]
    assert event.actor == "officer1"


def test_a_supervisor_redraws_and_the_page_says_it_matches_and_a_tampered_draw_does_not(app, api):
    inspection = Inspection(api)
    plan = inspection.publish_plan()
    found = draw(api, plan, targets=2)["draw"]
    assert api.post(f"/api/v1/inspection-draws/{found['id']}/verify").status_code == 403  # an officer
    checked = api.post(f"/api/v1/inspection-draws/{found['id']}/verify", as_="supervisor1")
    assert checked.status_code == 200 and checked.json["matches"] is True and checked.json["differences"] == []
    supervisor = page_of(app.test_client(), "supervisor1")
    page = html(supervisor.get(f"/inspection/draws/{found['id']}"))
    assert found["seed"] in page and 'data-testid="draw-verify"' in page
    r = supervisor.post(f"/inspection/draws/{found['id']}/verify", data={"csrf_token": csrf_of(page)})
    assert 'data-matches="yes"' in html(r)
    # someone with database access swaps a target's inspectors: the re-draw shows it
    with app.app_context():
        row = db.session.get(InspectionDraw, found["id"])
        result = [dict(r) for r in row.result]
        result[0]["inspectors"] = ["officer3", "officer2"] if result[0]["inspectors"] != ["officer3", "officer2"] \
            else ["officer1", "officer2"]
        db.session.execute(db.update(InspectionDraw).where(InspectionDraw.id == found["id"]).values(result=result))
        db.session.commit()
        db.session.remove()
    tampered = api.post(f"/api/v1/inspection-draws/{found['id']}/verify", as_="supervisor1").json
    assert tampered["matches"] is False and "target 1" in tampered["differences"]
    r = supervisor.post(f"/inspection/draws/{found['id']}/verify", data={"csrf_token": csrf_of(page)})
    assert 'data-matches="no"' in html(r)
    with app.app_context():
        outcomes = [json.loads(e.data_json)["matches"] for e in db.session.execute(
            db.select(TraceEvent).where(TraceEvent.action == "inspection_draw.verified").order_by(TraceEvent.seq)).scalars()]
        db.session.remove()
    assert outcomes == [True, True, False, False]


def test_a_draw_is_refused_on_an_unpublished_plan_a_wrong_item_too_many_targets_or_by_a_head(api):
    r = api.post("/api/v1/inspection-plans", json={"year": local_today().year, **PLAN})
    draft = r.json
    assert api.post(f"/api/v1/inspection-plans/{draft['id']}/draws", json={"item": "01", "targets": 1}).status_code == 409
    for action, who in (("submit", "officer1"), ("approve", "head1"), ("publish", "head1")):
        api.post(f"/api/v1/inspection-plans/{draft['id']}/{action}", as_=who, json={})
    plan = api.get(f"/api/v1/inspection-plans/{draft['id']}").json
    assert draw(api, plan, expect=422, item="09")["errors"].keys() == {"item"}
    assert "targets" in draw(api, plan, expect=422, targets=100000)["errors"]
    assert "inspectors_per_target" in draw(api, plan, expect=422, inspectors_per_target=4)["errors"]  # 3 certified
    assert draw(api, plan, as_="head1", expect=403)
    assert api.post(f"/api/v1/inspection-plans/{plan['id']}/draws", as_="environment_officer1",
                    json={"item": "01", "targets": 1}).status_code == 404
    for junk in ({"item": "\x00", "targets": 1}, {"item": "01", "targets": "3"}, {"item": "01", "targets": True},
                 {"item": "01", "targets": 1, "seed": "mine"}, {"item": "x" * 100_000, "targets": 1}):
        assert api.post(f"/api/v1/inspection-plans/{plan['id']}/draws", json=junk).status_code == 422, junk
    assert api.get("/api/v1/inspection-draws/999999").status_code == 404


def test_an_enterprise_visited_as_often_as_the_plan_allows_is_left_out_of_the_next_draw_one_only_announced_not(api):
    """Visits carried out count (the on-site record made); a visit registered and not carried out
    does not, so its enterprise may be drawn again."""
    inspection = Inspection(api, days=0)  # the draw starts its cases today
    plan = inspection.publish_plan(population={"industries": ["C"], "risk_grades": ["C"]}, max_per_enterprise=1)
    first = draw(api, plan, targets=2)["draw"]
    visited, announced = first["result"]
    case = api.get(f"/api/v1/cases/{visited['case_id']}").json
    inspection.run(case, "visit_registration", "inspection_record")
    inspection.run(api.get(f"/api/v1/cases/{announced['case_id']}").json, "visit_registration")
    second = draw(api, plan, targets=1)["draw"]
    assert second["inputs"]["excluded"] == [visited["credit_code"]]
    assert visited["credit_code"] not in second["inputs"]["population"]
    assert announced["credit_code"] in second["inputs"]["population"]
    assert second["result"][0]["credit_code"] != visited["credit_code"]


def test_two_requests_opening_a_draws_cases_at_once_open_each_target_once(app, api, monkeypatch):
    """A double click on the draw's 'open the cases' (or two officers at once), both requests past
    their look at the draw before either opens a case: the draw's row is held from before the look
    to the case's opening, so each target gets one case; the second request answers with the cases
    the first opened."""
    import threading

    from tests.helpers import at_once
    from workflow_app.models import Case, Party
    from workflow_app.services.cases import lifecycle as cases
    from workflow_app.services.inspections import draws as inspection_draws

    plan = Inspection(api).publish_plan()
    monkeypatch.setattr(inspection_draws, "open_cases", lambda user, draw_id: [])  # drawn, no case opened yet
    found = draw(api, plan, targets=2)["draw"]
    monkeypatch.undo()
    assert [t["case_id"] for t in found["result"]] == [None, None]
    opening, barrier, seen = cases.open_case, threading.Barrier(2), threading.local()

    def both_past_their_look(*args, **kwargs):
        if not getattr(seen, "once", False):
            seen.once = True
            try:  # the two meet here, unless one waits for the other to let go of the draw
                barrier.wait(timeout=3)
            except threading.BrokenBarrierError:
                pass
        return opening(*args, **kwargs)

    monkeypatch.setattr(cases, "open_case", both_past_their_look)
    headers = api.headers("officer1")

    def attempt():
        r = app.test_client().post(f"/api/v1/inspection-draws/{found['id']}/open-cases", headers=headers)
        return r.status_code, r.json

    results = at_once(app, attempt)
    monkeypatch.undo()
    assert [status for status, _ in results] == [200, 200], results
    assert [answer["failed"] for _, answer in results] == [[], []]
    opened = [[t["case_id"] for t in answer["draw"]["result"]] for _, answer in results]
    assert opened[0] == opened[1] and None not in opened[0]
    codes = [t["credit_code"] for t in found["result"]]
    with app.app_context():
        per_target = dict(db.session.execute(
            db.select(Party.id_number, db.func.count(Case.id)).join(Case, Case.party_id == Party.id)
            .where(Party.id_number.in_(codes)).group_by(Party.id_number)).all())
        traced = db.session.execute(db.select(db.func.count()).select_from(TraceEvent).where(
            TraceEvent.action == "inspection_draw.case_opened")).scalar_one()
        started = db.session.execute(db.select(db.func.count()).select_from(Task).where(
            Task.case_id.in_(opened[0]), Task.bpmn_id == "inspection_trigger", Task.state == "completed")).scalar_one()
        db.session.remove()
    assert per_target == dict.fromkeys(codes, 1) and traced == 2 and started == 2


def test_opening_the_cases_again_opens_none_twice_and_is_an_officers_act(api):
    inspection = Inspection(api)
    plan = inspection.publish_plan()
    found = draw(api, plan, targets=2)["draw"]
    again = api.post(f"/api/v1/inspection-draws/{found['id']}/open-cases")
    assert again.status_code == 200 and again.json["failed"] == []
    assert [t["case_id"] for t in again.json["draw"]["result"]] == [t["case_id"] for t in found["result"]]
    assert api.post(f"/api/v1/inspection-draws/{found['id']}/open-cases", as_="head1").status_code == 403
    listed = api.get(f"/api/v1/inspection-plans/{plan['id']}/draws").json["items"]
    assert [d["id"] for d in listed] == [found["id"]]
