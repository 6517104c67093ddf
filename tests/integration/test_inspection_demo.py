"""The demo's enterprise inspections (workflow_app/demo/inspection.py, run by `flask demo cases`):
this year's plans at three stages, and the market bureau's inspection cases at each stage of
the README's list, made through the services (a random draw under the published plan, then the
officers' steps), with the alerts of the late and unplanned ones."""
import pytest

from workflow_app.demo import inspection
from workflow_app.extensions import db
from workflow_app.models import Alert, Case, CaseLink, InspectionPlan, Procedure, ProcedureVersion
from workflow_app.services.cases import lifecycle as cases
from workflow_app.services.oversight import alerts

pytestmark = pytest.mark.dates


def test_the_demo_plans_stand_at_their_stages_and_the_inspections_at_theirs(ctx):
    plans = inspection.seed_inspection_plans()
    assert set(plans) == {"market", "environment", "transport"}
    statuses = {p.department.code: p.status for p in db.session.execute(db.select(InspectionPlan)).scalars()}
    assert statuses == {"market": "published", "environment": "submitted", "transport": "draft"}
    reached = inspection.seed_inspection_cases()
    assert reached == {name: 1 for name, _label, _inbox in inspection.STAGES}
    alerts.scan()
    found = db.session.execute(db.select(Case).join(ProcedureVersion).join(Procedure)
                               .where(Procedure.process_id == "inspection").order_by(Case.id)).scalars().all()
    ready = [sorted(t.bpmn_id for t in cases.ready_tasks(c)) for c in found]
    assert ready == [["visit_registration"], ["inspection_record"], ["inspection_result"],
                     ["inspection_disclosure", "inspection_followup"], ["inspection_clue", "inspection_disclosure"], [],
                     ["inspection_record"], ["inspection_disclosure"], ["visit_registration"], ["inspection_record"],
                     []]
    assert found[9].department.code == "environment" and found[9].party_id == found[6].party_id
    from workflow_app.services.inspections import joint_visits

    assert joint_visits.cases_visited_with(found[6]) == [found[6], found[9]]
    assert found[5].status == "closed" and found[10].status == "withdrawn"  # ended before its visit
    codes = {(c.id, a) for c in found for a in db.session.execute(
        db.select(Alert.code).where(Alert.case_id == c.id)).scalars()}
    assert codes == {(found[7].id, "INSPECTION_RESULT_NOT_DISCLOSED"), (found[8].id, "INSPECTION_WITHOUT_PLAN")}
    linked = db.session.execute(db.select(CaseLink).where(CaseLink.kind == "inspection_clue")).scalar_one()
    assert linked.from_case_id == found[4].id
    assert len({c.party_id for c in found}) == 10  # ten enterprises, one visited jointly
    assert inspection.seed_inspection_cases() == {}  # once
