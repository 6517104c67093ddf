"""The enterprise-inspection rule kinds (oversight/step_rules/inspection.py) as pure functions of a
case record: INSPECTION_WITHOUT_PLAN, INSPECTION_TOO_FREQUENT, a joint visit's department
registering on the joint visit's day, the clue handed on only to a linked penalty case, and an
inspection ended (终止检查) only before its on-site record."""
from datetime import date

from workflow_app.oversight.bindings import KINDS
from workflow_app.oversight.step_rules import CaseRecord
from workflow_app.oversight.step_rules.record import InspectionHistory

TRIGGER = {"trigger": "t.trigger", "planned": "plan", "plan_year": "t.plan_year", "plan_item": "t.plan_item",
           "reference": "t.reference", "received_on": "t.received_on"}


class History(InspectionHistory):
    def __init__(self, items=None, allowed=None, earlier=0, joint=None):
        self.items, self.allowed, self.earlier, self.joint = items, allowed, earlier, joint

    def plan_items(self, year):
        return self.items if year == 2026 else None

    def max_per_enterprise(self, year):
        return self.allowed if year == 2026 else None

    def earlier_visits(self, year):
        return self.earlier

    def joint_visit_day(self):
        return self.joint


def record(form, data, history=None, links=()):
    return CaseRecord(form, data, today=date(2026, 11, 1), inspections=lambda: history or History(),
                      links=list(links))


def triggered(data, history=None):
    return KINDS["inspection_triggered"].run(record("t", data, history), TRIGGER)


def test_a_recorded_complaint_with_its_reference_and_day_triggers_lawfully():
    assert triggered({"trigger": "complaint", "reference": "12315-1", "received_on": "2026-10-01"}) == []
    assert triggered({"trigger": "clue", "reference": "监测发现", "received_on": "2026-10-01"}) == []


def test_a_complaint_without_its_reference_or_neither_plan_nor_trigger_is_without_plan():
    assert [b.details["trigger"] for b in triggered({"trigger": "complaint", "received_on": "2026-10-01"})] == [
        "complaint"]
    found = triggered({"trigger": "other"})
    assert len(found) == 1 and "无计划、无线索" in found[0].message


def test_a_plan_item_counts_only_in_the_published_plan_of_its_year():
    history = History(items={"01": {"code": "01"}})
    assert triggered({"trigger": "plan", "plan_year": 2026, "plan_item": "01"}, history) == []
    missing = triggered({"trigger": "plan", "plan_year": 2026, "plan_item": "02"}, history)
    assert "没有编号为02的检查事项" in missing[0].message
    unpublished = triggered({"trigger": "plan", "plan_year": 2025, "plan_item": "01"}, history)
    assert "没有已公布的2025年度检查计划" in unpublished[0].message
    assert KINDS["inspection_triggered"].code == "INSPECTION_WITHOUT_PLAN" and KINDS["inspection_triggered"].effect == "alert"


def frequency(visit_on, history):
    return KINDS["inspection_within_frequency"].run(record("v", {"visit_on": visit_on}, history),
                                                    {"visit_on": "v.visit_on"})


def test_visits_up_to_the_plans_yearly_frequency_are_lawful_and_the_next_is_too_frequent():
    assert frequency("2026-10-01", History(allowed=2, earlier=1)) == []
    found = frequency("2026-10-01", History(allowed=2, earlier=2))
    assert found[0].details == {"year": 2026, "earlier": 2, "allowed": 2}
    assert frequency("2025-10-01", History(allowed=1, earlier=5)) == []  # no plan that year: no frequency set
    assert KINDS["inspection_within_frequency"].code == "INSPECTION_TOO_FREQUENT"


def test_a_department_of_a_joint_visit_registers_its_visit_on_the_joint_visits_day():
    kind, params = KINDS["on_joint_visit_day"], {"visit_on": "v.visit_on"}
    assert kind.run(record("v", {"visit_on": "2026-10-12"}), params) == []  # in no joint visit
    assert kind.run(record("v", {"visit_on": "2026-10-12"}, History(joint=date(2026, 10, 12))), params) == []
    found = kind.run(record("v", {"visit_on": "2026-10-13"}, History(joint=date(2026, 10, 12))), params)
    assert found[0].fields == ("v.visit_on",) and "联合检查的日期2026-10-12" in found[0].message
    assert found[0].details == {"joint_visit_on": "2026-10-12", "visit_on": "2026-10-13"}
    assert kind.code == "JOINT_VISIT_DAY_DIFFERS" and kind.effect == "refuse"


def test_a_clue_is_handed_on_only_once_a_penalty_case_is_linked_as_its_clue():
    kind, params = KINDS["clue_opened_in_linked_case"], {"handed_on": "c.handed_on"}
    assert kind.run(record("c", {"handed_on": "2026-10-01"}), params)
    linked = [{"kind": "inspection_clue", "outgoing": True, "case_id": 9}]
    assert kind.run(record("c", {"handed_on": "2026-10-01"}, links=linked), params) == []
    incoming = [{"kind": "inspection_clue", "outgoing": False, "case_id": 9}]
    assert kind.run(record("c", {"handed_on": "2026-10-01"}, links=incoming), params)


# -- 终止检查 only before the visit is carried out ----------------------------------------------------------------
WITHDRAWAL = {"record": "r", "field": "w.requested_on"}
APPROVAL = {"record": "r", "field": "a.decision", "decision": "a.decision", "approve": "approve"}


def withdrawn(form, data, earlier, params):
    rec = CaseRecord(form, data, today=date(2026, 11, 1), earlier=earlier)
    return KINDS["withdrawn_before_record"].run(rec, params)


def test_an_inspection_is_withdrawn_before_its_record_and_refused_after_it():
    assert KINDS["withdrawn_before_record"].effect == "before_form"
    assert withdrawn("w", {"requested_on": "2026-10-30"}, {"v": {"visit_on": "2026-10-31"}}, WITHDRAWAL) == []
    [breach] = withdrawn("w", {}, {"r": {"inspected_on": "2026-10-30"}}, WITHDRAWAL)
    assert breach.fields == ("w.requested_on",) and "现场检查记录" in breach.message


def test_the_head_may_always_refuse_a_withdrawal_but_not_approve_one_after_the_record():
    made = {"r": {"inspected_on": "2026-10-30"}}
    assert withdrawn("a", {"decision": "refuse"}, made, APPROVAL) == []
    assert withdrawn("a", {}, made, APPROVAL) == []  # nothing decided yet (the page before the form is typed)
    [breach] = withdrawn("a", {"decision": "approve"}, made, APPROVAL)
    assert breach.fields == ("a.decision",)
    assert withdrawn("a", {"decision": "approve"}, {}, APPROVAL) == []
