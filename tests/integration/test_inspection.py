"""The enterprise inspection package (bpmn/inspection, forms/inspection; 国办发〔2024〕54号) through
the API on SQLite and PostgreSQL: its lifecycle on each result path, its alerts (each raised, and a
lawful case that raises none), the refusal of a clue not opened as a linked penalty case, and the
public check of the visit (亮码入企) that shows nothing else of the case."""
import re
from datetime import date

import pytest

from tests.helpers import days_ago
from tests.inspection import ENTITY, Inspection
from tests.web_session import html
from workflow_app.extensions import db
from workflow_app.models import Alert
from workflow_app.oversight.calendar import working_days_after
from workflow_app.services.oversight import alerts

pytestmark = pytest.mark.dates


def alert_codes(app, case_id: int) -> set[str]:
    with app.app_context():
        codes = set(db.session.execute(db.select(Alert.code).where(Alert.case_id == case_id)).scalars())
        db.session.remove()
    return codes


def planned(inspection, year_item="01") -> dict:
    return {"trigger": "plan", "plan_year": int(days_ago(inspection.days)[:4]), "plan_item": year_item,
            "inspectors": ["officer1", "officer2"], "trigger_reference": None, "trigger_received_on": None}


def test_a_complaint_triggered_inspection_with_no_problem_runs_to_its_filing_and_raises_no_alert(app, api):
    inspection = Inspection(api)
    case = inspection.open()
    assert case["status"] == "intake" and [t["bpmn_id"] for t in case["tasks"]] == ["inspection_trigger"]
    case = inspection.run(case, "inspection_trigger")
    assert case["status"] == "intake" and api.ready(case) == ["visit_registration"]
    case = inspection.run(case, "visit_registration")
    assert case["status"] == "registered"
    case = inspection.run(case, "inspection_record", "inspection_result")
    assert api.ready(case) == ["inspection_disclosure"]
    disclosure = api.task(case, "inspection_disclosure")
    inspected = date.fromisoformat(days_ago(inspection.days))
    # 20 working days from the inspection, counted with the holidays (双随机、一公开)
    assert disclosure["due_at"][:10] == working_days_after(inspected, 20).isoformat()
    case = inspection.run(case, "inspection_disclosure", "inspection_closing")
    assert case["status"] == "closed" and case["tasks"] == []
    assert alert_codes(app, case["id"]) == set()
    assert case["procedure_kind"] == "inspection" and case["party"]["name"] == ENTITY["name"]
    party = api.get(f"/api/v1/parties/{case['party']['id']}").json
    assert party["id_number"] == ENTITY["id_number"]  # the enterprise is the case's party in the register


def test_an_inspection_with_neither_plan_nor_trigger_raises_inspection_without_plan(app, api):
    inspection = Inspection(api)
    case = inspection.run(inspection.open(), ("inspection_trigger", {"trigger": "other", "trigger_reference": None,
                                                                     "trigger_received_on": None}))
    assert api.ready(case) == ["visit_registration"]  # an alert: the step is taken
    assert alert_codes(app, case["id"]) == {"INSPECTION_WITHOUT_PLAN"}


def test_a_plan_item_of_no_published_plan_raises_inspection_without_plan_and_a_published_one_does_not(app, api):
    inspection = Inspection(api)
    early = inspection.run(inspection.open(), ("inspection_trigger", planned(inspection)))
    assert alert_codes(app, early["id"]) == {"INSPECTION_WITHOUT_PLAN"}  # no plan published yet
    inspection.publish_plan()
    missing = inspection.run(inspection.open(), ("inspection_trigger", planned(inspection, "09")))
    assert alert_codes(app, missing["id"]) == {"INSPECTION_WITHOUT_PLAN"}  # no such item
    lawful = inspection.run(inspection.open(), ("inspection_trigger", planned(inspection)))
    assert alert_codes(app, lawful["id"]) == set()


def test_the_third_visit_of_an_enterprise_in_a_year_beyond_the_plans_two_raises_inspection_too_frequent(app, api):
    inspection = Inspection(api)
    inspection.publish_plan(max_per_enterprise=2)
    first = inspection.run(inspection.open(), ("inspection_trigger", planned(inspection)), "visit_registration",
                           "inspection_record")
    second = inspection.run(inspection.open(), ("inspection_trigger", planned(inspection)), "visit_registration",
                            "inspection_record")
    assert alert_codes(app, first["id"]) == set() and alert_codes(app, second["id"]) == set()
    third = inspection.run(inspection.open(), ("inspection_trigger", planned(inspection)), "visit_registration")
    assert alert_codes(app, third["id"]) == {"INSPECTION_TOO_FREQUENT"}
    other = Inspection(api)  # another enterprise is not counted with this one
    case = other.open(party={"name": "清河区锦绣印染厂", "kind": "organization", "id_number": "92990105MA07JXY2UH"})
    case = other.run(case, ("inspection_trigger", {**planned(other), "party_id_number": "92990105MA07JXY2UH"}),
                     "visit_registration")
    assert alert_codes(app, case["id"]) == set()


def test_only_visits_carried_out_count_towards_the_yearly_frequency_not_those_only_registered(app, api):
    """A visit registered and never carried out (no on-site record: its case waits, or is left) is
    no inspection made; the frequency is checked again when a visit is recorded, over the visits
    carried out by then."""
    inspection = Inspection(api)
    inspection.publish_plan(max_per_enterprise=1)
    announced = inspection.run(inspection.open(), ("inspection_trigger", planned(inspection)), "visit_registration")
    made = inspection.run(inspection.open(), ("inspection_trigger", planned(inspection)), "visit_registration")
    assert alert_codes(app, made["id"]) == set()  # the first visit was only registered: none made yet
    made = inspection.run(made, "inspection_record")
    assert alert_codes(app, made["id"]) == set()  # the one visit made this year
    announced = inspection.run(announced, "inspection_record")  # made after all: the second this year
    assert alert_codes(app, announced["id"]) == {"INSPECTION_TOO_FREQUENT"}
    with app.app_context():
        alert = db.session.execute(db.select(Alert).where(Alert.case_id == announced["id"])).scalar_one()
        db.session.remove()
    assert alert.details["earlier"] == 1 and alert.details["allowed"] == 1


def test_a_result_not_disclosed_20_working_days_after_the_inspection_raises_the_alert_by_the_worker(app, api):
    inspection = Inspection(api, days=45)
    case = inspection.run(inspection.open(), "inspection_trigger", "visit_registration", "inspection_record",
                          "inspection_result")
    with app.app_context():
        alerts.scan()
        db.session.remove()
    assert "INSPECTION_RESULT_NOT_DISCLOSED" in alert_codes(app, case["id"])
    recent = Inspection(api, days=3)
    fresh = recent.run(recent.open(), "inspection_trigger", "visit_registration", "inspection_record",
                       "inspection_result")
    with app.app_context():
        alerts.scan()
        db.session.remove()
    assert "INSPECTION_RESULT_NOT_DISCLOSED" not in alert_codes(app, fresh["id"])


def test_a_rectification_is_followed_up_and_a_clue_is_handed_on_only_to_a_linked_penalty_case(app, api):
    inspection = Inspection(api)
    base = ("inspection_trigger", "visit_registration", "inspection_record")
    rectify = inspection.run(inspection.open(), *base, ("inspection_result", {
        "result": "rectification", "rectify_by": days_ago(0), "rectification_requirements": "补建进货查验记录台账"}))
    assert api.ready(rectify) == ["inspection_disclosure", "inspection_followup"]
    rectify = inspection.run(rectify, "inspection_followup", "inspection_disclosure", "inspection_closing")
    assert rectify["status"] == "closed"
    clue = inspection.run(inspection.open(), *base, ("inspection_result", {
        "result": "clue", "clue_summary": "发现涉嫌经营超过保质期的食品"}))
    refused = inspection.complete(clue, "inspection_clue", expect=422)
    assert refused.json["error"] == "INSPECTION_CLUE_WITHOUT_CASE"
    opened = api.open_case(linked_from={"case_id": clue["id"], "kind": "inspection_clue"},
                           party={"name": ENTITY["name"], "kind": "organization", "id_number": ENTITY["id_number"]})
    assert opened["procedure_id"] == "general_penalty"
    clue = inspection.complete(api.get(f"/api/v1/cases/{clue['id']}").json, "inspection_clue")
    assert api.ready(clue) == ["inspection_disclosure"]


def test_the_visit_page_shows_the_enterprise_only_the_department_item_officers_and_day_without_login(app, api):
    inspection = Inspection(api)
    inspection.publish_plan()
    case = inspection.run(inspection.open(), ("inspection_trigger", planned(inspection)))
    from tests.integration.test_task_forms import page_of

    officer = page_of(app.test_client(), "officer1")
    page = html(officer.get(f"/inspection/cases/{case['id']}"))
    assert 'data-testid="visit-not-registered"' in page
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "<" not in title and title.count(case["number"]) == 1  # the page's title is words, not a form
    assert page.count('data-testid="joint-visit"') == 1
    case = inspection.run(case, "visit_registration")
    page = html(officer.get(f"/inspection/cases/{case['id']}"))
    link = re.search(r'data-testid="visit-link">([^<]+)<', page).group(1)
    path = link.split("localhost", 1)[-1]
    public = app.test_client()  # no login
    r = public.get(path)
    assert r.status_code == 200
    body = html(r)
    assert "市场监督管理局" in body and "进货查验记录制度执行情况" in body and days_ago(inspection.days) in body
    assert body.count('data-testid="public-officer"') == 2 and "ZF-" in body and 'data-testid="certificate-valid"' in body
    shown = re.sub(r"ZF-\d+-officer\d", "", body)  # the demo's certificate numbers hold the username
    for secret in (case["number"], ENTITY["id_number"], ENTITY["name"], "officer1", "officer2", "12315", case["title"],
                   "/cases/"):
        assert secret not in shown, secret
    assert public.get(path[:-3] + "abc").status_code == 404
    assert public.get("/visit/" + "x" * 500).status_code == 404
    unregistered = inspection.run(inspection.open(), "inspection_trigger")
    from workflow_app.services.inspections import visits as inspections

    with app.app_context():
        token = inspections.visit_token(unregistered["id"])
    assert public.get(f"/visit/{token}").status_code == 404  # not registered yet: nothing to check


def test_the_record_and_the_result_notice_print_from_the_package_templates(api):
    inspection = Inspection(api)
    case = inspection.run(inspection.open(), "inspection_trigger", "visit_registration", "inspection_record",
                          ("inspection_result", {"result": "rectification", "rectify_by": days_ago(0),
                                                 "rectification_requirements": "补建进货查验记录台账",
                                                 "summary": "进货查验记录不全"}))
    listed = api.get(f"/api/v1/cases/{case['id']}/documents").json
    kinds = [d["kind"] for d in listed["items"]]
    assert kinds == ["inspection_record", "inspection_result_notice"]
    record = api.get(f"/api/v1/cases/{case['id']}/documents/inspection_record.html")
    assert record.status_code == 200
    page = record.get_data(as_text=True)
    assert "现场检查记录" in page and "抽查进货查验记录，记录完整" in page and ENTITY["id_number"] in page
    assert "投诉举报" in page and "被检查单位人员签名" in page and "<img" in page
    notice = api.get(f"/api/v1/cases/{case['id']}/documents/inspection_result_notice.html").get_data(as_text=True)
    assert "行政检查结果告知书" in notice and "发现问题，责令限期整改" in notice and "补建进货查验记录台账" in notice
    assert api.get(f"/api/v1/cases/{case['id']}/documents/inspection_result_notice.docx").status_code == 200


def test_the_visit_page_shows_the_check_link_as_a_qr_code_that_reads_back_as_the_link(app, api):
    """亮码入企: the registered visit's page shows the check link as a QR code and offers it as a PNG to
    print; a QR reader (as a phone's camera) gets exactly the link back. Before registration there
    is none, and the PNG is only for the case's readers."""
    import io

    import zxingcpp
    from PIL import Image

    from tests.integration.test_task_forms import page_of

    inspection = Inspection(api)
    inspection.publish_plan()
    case = inspection.run(inspection.open(), ("inspection_trigger", planned(inspection)))
    officer = page_of(app.test_client(), "officer1")
    assert 'data-testid="visit-qr"' not in html(officer.get(f"/inspection/cases/{case['id']}"))
    assert officer.get(f"/inspection/cases/{case['id']}/visit-qr.png").status_code == 404
    case = inspection.run(case, "visit_registration")
    page = html(officer.get(f"/inspection/cases/{case['id']}"))
    link = re.search(r'data-testid="visit-link">([^<]+)<', page).group(1)
    assert re.search(r'data-testid="visit-qr">\s*<svg[^>]*>.*?</svg>', page, re.S)
    r = officer.get(f"/inspection/cases/{case['id']}/visit-qr.png")
    assert r.status_code == 200 and r.mimetype == "image/png"
    assert [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(r.data)))] == [link]
    assert app.test_client().get(f"/inspection/cases/{case['id']}/visit-qr.png").status_code in (302, 401)
    other = page_of(app.test_client(), "environment_officer1")
    assert other.get(f"/inspection/cases/{case['id']}/visit-qr.png").status_code in (403, 404)
