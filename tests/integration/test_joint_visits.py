"""Joint inspection visits (进一次门、查多项事, services/inspections/joint_visits.py): two departments each with
their own inspection case and record of one enterprise go in once; the enterprise's check page
lists both departments and their officers; each department registers its visit on the joint visit's
day; a case of another enterprise, a second case of one department, a case that is no inspection, or
one whose visit is registered for another day cannot join. On SQLite and PostgreSQL."""
import json
import re

from tests.helpers import days_ago
from tests.inspection import ENTITY, Inspection
from tests.inspection import steps as steps_of_days
from tests.integration.test_task_forms import page_of
from tests.web_session import html
from workflow_app.extensions import db
from workflow_app.models import TraceEvent
from workflow_app.services.inspections import visits as inspections

ENVIRONMENT = {"as_": "environment_officer1"}
ENV_OFFICERS = ["environment_officer1", "environment_officer2"]


def environment_case(inspection):
    case = inspection.open(as_="environment_officer1", department="environment")
    return inspection.complete(case, "inspection_trigger", **ENVIRONMENT)


def test_two_departments_visit_one_enterprise_once_and_its_page_lists_both(app, api):
    inspection = Inspection(api)
    market = inspection.run(inspection.open(), "inspection_trigger")
    environment = environment_case(inspection)
    r = api.post("/api/v1/joint-visits", json={"case_id": market["id"], "visit_on": days_ago(0)})
    assert r.status_code == 201, r.json
    visit = r.json
    assert visit["enterprise"] == ENTITY["name"] and [d["department"] for d in visit["departments"]] == ["market"]
    joined = api.post(f"/api/v1/joint-visits/{visit['id']}/cases", as_="environment_officer1",
                      json={"case_id": environment["id"]})
    assert joined.status_code == 200, joined.json
    assert [d["department"] for d in joined.json["departments"]] == ["market", "environment"]
    # each department reads its own case in the visit, not the other's
    seen = api.get(f"/api/v1/joint-visits/{visit['id']}").json["departments"]
    assert [d["case_id"] for d in seen] == [market["id"], None]
    market = inspection.complete(market, "visit_registration", visit_on=days_ago(0))  # the joint visit's day
    environment = inspection.complete(environment, "visit_registration", officers=ENV_OFFICERS, visit_on=days_ago(0),
                                      **ENVIRONMENT)
    with app.app_context():
        token = inspections.visit_token(environment["id"])
        chain = [json.loads(e.data_json) for e in db.session.execute(db.select(TraceEvent).where(
            TraceEvent.case_id == environment["id"], TraceEvent.action == "inspection.joint_visit_joined")).scalars()]
        db.session.remove()
    assert chain == [{"joint_visit": visit["id"], "visit_on": days_ago(0), "departments": ["market", "environment"]}]
    page = html(app.test_client().get(f"/visit/{token}"))
    assert page.count('data-testid="public-registration"') == 2
    assert "市场监督管理局" in page and "生态环境分局" in page and page.count('data-testid="public-officer"') == 4
    assert ENTITY["id_number"] not in page and market["number"] not in page


def test_a_joint_visit_takes_only_open_inspections_of_its_enterprise_one_per_department(api):
    inspection = Inspection(api)
    market = inspection.run(inspection.open(), "inspection_trigger")
    visit = api.post("/api/v1/joint-visits", json={"case_id": market["id"], "visit_on": days_ago(0)}).json
    again = inspection.run(inspection.open(), "inspection_trigger")
    assert api.post(f"/api/v1/joint-visits/{visit['id']}/cases", json={"case_id": again["id"]}).status_code == 409
    assert api.post("/api/v1/joint-visits", json={"case_id": market["id"], "visit_on": days_ago(0)}).status_code == 409
    other = inspection.open(as_="environment_officer1", department="environment",
                            party={"name": "清河区锦绣印染厂", "kind": "organization", "id_number": "92990105MA07JXY2UH"})
    r = api.post(f"/api/v1/joint-visits/{visit['id']}/cases", as_="environment_officer1", json={"case_id": other["id"]})
    assert r.status_code == 422 and "case_id" in r.json["errors"]
    penalty = api.open_case()
    r = api.post("/api/v1/joint-visits", json={"case_id": penalty["id"], "visit_on": days_ago(0)})
    assert r.status_code == 422 and "case_id" in r.json["errors"]
    # another department's case cannot be joined by this one's officer: it does not exist for them
    assert api.post(f"/api/v1/joint-visits/{visit['id']}/cases", json={"case_id": other["id"]}).status_code == 404
    for junk in ({"case_id": again["id"], "visit_on": "2026-13-40"}, {"case_id": "1", "visit_on": days_ago(0)},
                 {"case_id": again["id"], "visit_on": "\x00" * 10}, {"case_id": again["id"]}, {"visit_on": days_ago(0)}):
        assert api.post("/api/v1/joint-visits", json=junk).status_code == 422, junk
    assert api.get("/api/v1/joint-visits/999999").status_code == 404
    assert api.post("/api/v1/joint-visits/999999/cases", json={"case_id": again["id"]}).status_code == 404


def test_each_department_registers_its_visit_on_the_joint_visits_day_which_its_form_shows(app, api):
    inspection = Inspection(api)
    market = inspection.run(inspection.open(), "inspection_trigger")
    environment = environment_case(inspection)
    day = days_ago(1)
    visit = api.post("/api/v1/joint-visits", json={"case_id": market["id"], "visit_on": day}).json
    api.post(f"/api/v1/joint-visits/{visit['id']}/cases", as_="environment_officer1", json={"case_id": environment["id"]})
    refused = inspection.complete(market, "visit_registration", expect=422, visit_on=days_ago(3))
    assert refused.json["error"] == "JOINT_VISIT_DAY_DIFFERS"
    assert list(refused.json["errors"]) == ["inspection_visit.visit_on"]
    assert day in refused.json["message"] and days_ago(3) in refused.json["message"]
    market = inspection.complete(market, "visit_registration", visit_on=day)
    assert market["status"] == "registered"
    # the other department's form opens on the day, and says why
    officer = page_of(app.test_client(), "environment_officer1")
    page = html(officer.get(f"/tasks/{api.task(environment, 'visit_registration')['id']}"))
    assert 'data-testid="joint-visit-day"' in page and f'data-day="{day}"' in page
    assert re.search(rf'name="visit_on"[^>]*value="{day}"', page), "the visit's day opens with the joint visit's"
    assert day in html(officer.get(f"/inspection/cases/{environment['id']}"))
    environment = inspection.complete(environment, "visit_registration", officers=ENV_OFFICERS, visit_on=day,
                                      **ENVIRONMENT)
    assert environment["status"] == "registered"


def test_a_case_registered_for_another_day_neither_starts_nor_joins_a_joint_visit_of_that_day(api):
    inspection = Inspection(api)
    market = inspection.run(inspection.open(), "inspection_trigger", "visit_registration")  # for days_ago(3)
    r = api.post("/api/v1/joint-visits", json={"case_id": market["id"], "visit_on": days_ago(1)})
    assert r.status_code == 422 and list(r.json["errors"]) == ["visit_on"] and days_ago(3) in r.json["errors"]["visit_on"][0]
    visit = api.post("/api/v1/joint-visits", json={"case_id": market["id"], "visit_on": days_ago(3)})
    assert visit.status_code == 201, visit.json
    environment = environment_case(inspection)
    environment = inspection.complete(environment, "visit_registration", officers=ENV_OFFICERS, visit_on=days_ago(2),
                                      **ENVIRONMENT)
    r = api.post(f"/api/v1/joint-visits/{visit.json['id']}/cases", as_="environment_officer1",
                 json={"case_id": environment["id"]})
    assert r.status_code == 422 and list(r.json["errors"]) == ["case_id"]
    assert days_ago(2) in r.json["errors"]["case_id"][0] and days_ago(3) in r.json["errors"]["case_id"][0]


def test_a_registration_for_another_day_and_a_join_at_once_do_not_both_pass(app, api, monkeypatch):
    """生态环境分局's officer joins the market bureau's joint visit (today) while the branch's visit is
    registered for three days ago, each request having looked before the other wrote (the join finds
    no registration, the registration no joint visit): the case's version check lets one commit and
    answers the other 409, so no department of a joint visit is registered for another day."""
    import threading

    from tests.helpers import at_once
    from workflow_app.services.inspections import visits as inspections

    inspection = Inspection(api)
    market = inspection.run(inspection.open(), "inspection_trigger")
    environment = environment_case(inspection)
    visit = api.post("/api/v1/joint-visits", json={"case_id": market["id"], "visit_on": days_ago(0)}).json
    barrier, seen = threading.Barrier(2), threading.local()

    def looked(read):
        def wrapped(*args):
            found = read(*args)
            if not getattr(seen, "once", False):
                seen.once = True
                try:
                    barrier.wait(timeout=5)
                except threading.BrokenBarrierError:
                    pass
            return found
        return wrapped

    monkeypatch.setattr(inspections, "registered_visit_day", looked(inspections.registered_visit_day))
    monkeypatch.setattr(inspections.CaseInspections, "joint_visit_day",
                        looked(inspections.CaseInspections.joint_visit_day))
    headers = api.headers("environment_officer1")
    task = api.task(environment, "visit_registration")
    _who, data = steps_of_days(inspection.days)["visit_registration"]
    requests = [("join", f"/api/v1/joint-visits/{visit['id']}/cases", {"case_id": environment["id"]}),
                ("register", f"/api/v1/tasks/{task['id']}/complete", {"data": {**data, "officers": ENV_OFFICERS}})]
    pick = threading.Lock()

    def attempt():
        with pick:
            name, url, body = requests.pop()
        return name, app.test_client().post(url, headers=headers, json=body).status_code

    results = dict(at_once(app, attempt))
    monkeypatch.undo()
    assert sorted(results.values()) == [200, 409], results
    joined = [d["department"] for d in api.get(f"/api/v1/joint-visits/{visit['id']}").json["departments"]]
    registered = api.get(f"/api/v1/cases/{environment['id']}", **ENVIRONMENT).json["status"] == "registered"
    assert (joined == ["market", "environment"]) != registered, (joined, registered)
