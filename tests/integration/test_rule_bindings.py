"""A procedure binds the law's rule kinds to its own steps and fields (bpmn/<id>/rules.json), and
is governed by those bindings only (ARCHITECTURE.md "Procedure packages").

The fixture tests/fixtures/packages/other_penalty is a small procedure of its own: other step ids,
form keys and field names than the general procedure's (`gaozhi.amount_proposed`,
`jueding.jueding_riqi`…), and one form key, `closing` with its field `closed_on`, that the
general procedure has too. Deployed as an archive through the API, each rule it binds refuses
with its code and article, the message naming the field by the package's titles; its `closing`
is governed by none of the general procedure's rules until its own package binds one.
"""
import io
import json
from pathlib import Path

import pytest

from tests.integration.test_step_rules import assert_refused
from workflow_app.services.procedures import packages

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "packages" / "other_penalty"
RULES = "bpmn/other_penalty/rules.json"

# Lawful data of each step, dated around the 2026 National Day holiday (10-01 to 10-07, Saturday
# 10-10 a working day): notice served 09-30, the five working days end on 10-13.
STEPS = {
    "dengji": ("officer1", {"weifa_riqi": "2026-09-01", "faxian_riqi": "2026-09-10", "gaishu": "巡查发现无照经营"}),
    "gaozhi": ("officer1", {"amount_proposed": 5000, "kinds_proposed": ["fine"], "songda_riqi": "2026-09-30"}),
    "chenshu": ("officer1", {"neirong": "无异议", "fangqi": False, "dafu_riqi": "2026-10-08"}),
    "jueding": ("head1", {"amount": 5000, "kinds": ["fine"], "jueding_riqi": "2026-10-14"}),
    "songda": ("officer1", {"fangshi": "zhijie", "songda_riqi": "2026-10-15"}),
    "banjie": ("head1", {"closed_on": "2026-10-20", "summary": "罚款已缴清"}),
}
ORDER = list(STEPS)


def layout(rules: dict | None = None) -> dict[str, bytes]:
    files = packages.read_tree(FIXTURE)
    if rules is not None:
        files[RULES] = json.dumps(rules, ensure_ascii=False).encode("utf-8")
    return files


def deploy(api, files: dict[str, bytes]):
    return api.post("/api/v1/procedures", as_="author1", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(packages.to_zip(files)), "other_penalty.zip")})


def open_case(api, files: dict[str, bytes] | None = None) -> dict:
    r = deploy(api, files or layout())
    assert r.status_code in (200, 201), r.json
    return api.open_case(procedure_id="other_penalty", title="某商户无照经营案")


def complete(api, case: dict, step: str, **changes):
    who, data = STEPS[step]
    data = {k: v for k, v in {**data, **changes}.items() if v is not None}
    return api.post(f"/api/v1/tasks/{api.task(case, step)['id']}/complete", as_=who, json={"data": data})


def walk(api, case: dict, until: str) -> dict:
    """Complete the steps before `until`, each with its lawful data."""
    for step in ORDER[:ORDER.index(until)]:
        r = complete(api, case, step)
        assert r.status_code == 200, (step, r.json)
        case = r.json
    return case


def assert_names(r, zh: str, en: str):
    """The refusal names the field by the package's titles, never by its reference."""
    body = r.json
    assert zh in body["message"] and en in body["message_en"], (body["message"], body["message_en"])
    for ref in body["errors"]:
        assert ref not in body["message"] and ref not in body["message_en"]


# -- each bound kind refuses on the package's own fields ---------------------------------------------
def test_a_source_discovered_before_the_violation_is_refused_and_named_by_its_title(api):
    case = open_case(api)
    r = complete(api, case, "dengji", weifa_riqi="2026-09-11")
    assert_refused(api, case, r, "DATES_OUT_OF_ORDER", "第44条", "xiansuo.faxian_riqi", "xiansuo.weifa_riqi")
    assert_names(r, "案源登记·发现日期（2026-09-10）早于案源登记·违法行为日期（2026-09-11）",
                 "Case source · Date discovered (2026-09-10) is before Case source · Date of the violation")
    assert complete(api, case, "dengji").status_code == 200


def test_a_violation_discovered_after_its_limitation_is_refused(api):
    case = open_case(api)
    r = complete(api, case, "dengji", weifa_riqi="2023-03-01", faxian_riqi="2025-03-02")
    assert_refused(api, case, r, "LIMITATION_EXPIRED", "第36条", "xiansuo.faxian_riqi", "xiansuo.weifa_riqi")
    assert_names(r, "案源登记·违法行为日期", "Case source · Date of the violation")
    assert "2年" in r.json["message"]
    assert complete(api, case, "dengji", weifa_riqi="2023-03-01", faxian_riqi="2025-03-01").status_code == 200


def test_a_penalty_outside_the_departments_powers_is_refused(api):
    case = walk(api, open_case(api), "gaozhi")
    r = complete(api, case, "gaozhi", kinds_proposed=["fine", "detention"])
    assert_refused(api, case, r, "PENALTY_OUTSIDE_POWERS", "第18条", "gaozhi.kinds_proposed")
    assert_names(r, "处罚告知·拟处罚种类", "Notice of the proposed penalty · Proposed kinds of penalty")
    assert "行政拘留" in r.json["message"]
    assert complete(api, case, "gaozhi").status_code == 200


def test_a_decision_heavier_than_the_notice_is_refused(api):
    case = walk(api, open_case(api), "jueding")
    r = complete(api, case, "jueding", amount=8000)
    assert_refused(api, case, r, "HEAVIER_AFTER_DEFENCE", "第45条", "jueding.amount", "gaozhi.amount_proposed")
    assert_names(r, "处罚决定·罚款金额8000元高于处罚告知·拟罚款金额5000元", "Penalty decision · Fine (8000 yuan)")
    r = complete(api, case, "jueding", kinds=["fine", "suspend_licence"])
    assert_refused(api, case, r, "HEAVIER_AFTER_DEFENCE", "第45条", "jueding.kinds", "gaozhi.kinds_proposed")
    assert complete(api, case, "jueding", amount=4000).json["status"] == "yijueding"


def test_a_decision_inside_the_defence_window_is_refused(api):
    case = walk(api, open_case(api), "jueding")
    r = complete(api, case, "jueding", jueding_riqi="2026-10-13")
    assert_refused(api, case, r, "DEFENCE_PERIOD_CUT", "第64条", "jueding.jueding_riqi", "gaozhi.songda_riqi")
    assert_names(r, "处罚告知·告知书送达日期为2026-09-30", "Penalty decision · Date of the decision 2026-10-13")
    assert complete(api, case, "jueding", jueding_riqi="2026-10-14").json["status"] == "yijueding"


def test_a_written_waiver_in_the_packages_own_field_lets_the_decision_come_sooner(api):
    case = open_case(api)
    for step in ORDER[:3]:
        case = complete(api, case, step, **({"fangqi": True, "dafu_riqi": "2026-09-30"} if step == "chenshu"
                                             else {})).json
    assert complete(api, case, "jueding", jueding_riqi="2026-10-08").json["status"] == "yijueding"


def test_electronic_service_without_consent_is_refused_on_the_packages_own_choice(api):
    case = walk(api, open_case(api), "songda")
    r = complete(api, case, "songda", fangshi="dianzi")
    assert_refused(api, case, r, "ELECTRONIC_SERVICE_NO_CONSENT", "第61条", "songda.tongyi", "songda.fangshi")
    assert_names(r, "决定书送达·当事人书面同意电子送达", "Service of the decision · Party's written consent")
    assert complete(api, case, "songda", fangshi="dianzi", tongyi=True).json["status"] == "zhixing"


# -- its milestones, statuses and a deadline running from a milestone are its own ---------------------
def test_the_packages_own_milestones_give_its_statuses_deadlines_and_closing(api):
    """jueding reaches `yijueding`, songda's limit runs 7 working days from it, songda sets the
    status `zhixing` (执行中), banjie closes the case: none of these words is in Python."""
    from datetime import datetime

    from workflow_app.oversight.calendar import add_working_days

    case = open_case(api)
    assert case["status"] == "intake" and case["milestones"] == [] and case["closed_at"] is None
    case = walk(api, case, "songda")
    assert case["status"] == "yijueding"
    [reached] = case["milestones"]
    assert (reached["milestone"], reached["status"], reached["bpmn_id"]) == ("yijueding", "yijueding", "jueding")
    due = add_working_days(datetime.fromisoformat(reached["at"]), 7).at.replace(microsecond=0)
    assert datetime.fromisoformat(api.task(case, "songda")["due_at"]) == due
    # its own overdue alert: the worker raises what the package's task names, past its due time
    from datetime import timedelta

    from workflow_app.services.oversight import alerts
    with api.client.application.app_context():
        assert (case["number"], "SERVICE_LATE") not in alerts.scan(now=due - timedelta(hours=1)).raised
        assert (case["number"], "SERVICE_LATE") in alerts.scan(now=due + timedelta(hours=1)).raised
    case = complete(api, case, "songda").json
    assert case["status"] == "zhixing" and case["closed_at"] is None
    assert [m["milestone"] for m in case["milestones"]] == ["yijueding", "yisongda"]
    case = complete(api, case, "banjie").json
    assert case["status"] == "jiean" and case["closed_at"] == case["milestones"][-1]["at"]

    # the lists filter on the package's statuses, and say them in the reader's language
    listed = api.get("/api/v1/cases?status=jiean", as_="head1").json
    assert [c["number"] for c in listed["items"]] == [case["number"]]
    r = api.get("/api/v1/cases?status=no_such_status", as_="head1")
    # the known statuses listed (clipped at the field message's length: the package's come late)
    assert r.status_code == 422 and "intake" in r.json["errors"]["status"][0]
    summary = api.get("/api/v1/oversight/summary", as_="supervisor1").json
    by_status = {s["status"]: s for s in summary["cases"]["by_status"]}
    assert by_status["jiean"]["count"] >= 1 and by_status["jiean"]["name"] == "办结"
    assert by_status["zhixing"]["name"] == "执行中"


@pytest.mark.parametrize("old, new, said", [
    (b"from milestone.yijueding", b"from milestone.filed", "milestone.filed"),
    (b'"overdueAlert" value="SERVICE_LATE"', b'"overdueAlert" value="NO_SUCH_ALERT"', "NO_SUCH_ALERT"),
    (b'name="milestone" value="yisongda"', b'name="milestone" value="Yi Songda"', "Yi Songda"),
    (b'name="closesCase" value="true"', b'name="closesCase" value="yes"', "closesCase"),
], ids=["undeclared_milestone", "unknown_alert", "bad_code", "bad_closes"])
def test_a_package_whose_milestones_or_alerts_do_not_hold_is_refused_at_deploy(api, old, new, said):
    files = layout()
    bpmn = "bpmn/other_penalty/other_penalty.bpmn"
    assert old in files[bpmn]
    files[bpmn] = files[bpmn].replace(old, new)
    r = deploy(api, files)
    assert r.status_code == 422
    assert said in json.dumps(r.json, ensure_ascii=False)


# -- a form key shared with the general procedure inherits none of its rules ---------------------------
def test_a_form_key_of_the_general_procedure_is_governed_only_by_what_this_package_binds(api):
    """The general procedure binds the order of the dates (no date in the future) and the execution
    finished on its `closing.closed_on`; this package binds nothing on its `closing`."""
    case = walk(api, open_case(api), "banjie")
    case = complete(api, case, "banjie", closed_on="2099-12-31").json  # general_penalty refuses a future date
    assert case["status"] == "jiean"

    # the same package, with its own dates rule bound on its closing
    rules = json.loads((FIXTURE / RULES).read_text(encoding="utf-8"))
    dates = rules["rules"][0]
    dates["on"].append("closing")
    dates["params"]["order"].append(["songda.songda_riqi", "closing.closed_on"])
    case = walk(api, open_case(api, layout(rules)), "banjie")
    assert case["procedure_version"] == 2
    r = complete(api, case, "banjie", closed_on="2099-12-31")
    assert_refused(api, case, r, "DATES_OUT_OF_ORDER", "第44条", "closing.closed_on")
    assert_names(r, "办结·结案日期为2099-12-31", "Case concluded · Closing date is 2099-12-31")  # its titles
    r = complete(api, case, "banjie", closed_on="2026-10-14")
    assert_refused(api, case, r, "DATES_OUT_OF_ORDER", "第44条", "closing.closed_on", "songda.songda_riqi")
    assert complete(api, case, "banjie").json["status"] == "jiean"


def test_a_bpmn_deployed_alone_binds_no_rule(api):
    """Without its rules.json, the same procedure is governed by no rule: nothing is inherited."""
    files = {p: c for p, c in layout().items() if p != RULES}
    case = open_case(api, files)
    r = complete(api, case, "dengji", weifa_riqi="2023-03-01", faxian_riqi="2025-03-02")
    assert r.status_code == 200, r.json


def test_a_deadline_extends_only_a_limit_its_package_declares(api):
    """`extendable as <limit>`: the package's clock (rules.json `clock.limits`) declares the limit
    and the forms of its request and approval; none is assumed from the general procedure."""
    files = layout()
    bpmn = "bpmn/other_penalty/other_penalty.bpmn"
    old = b'value="7 working days from milestone.yijueding"'
    files[bpmn] = files[bpmn].replace(old, b'value="7 working days from milestone.yijueding, extendable as decision"')
    r = api.post("/api/v1/procedures", as_="author1", content_type="multipart/form-data",
                 headers={"Accept-Language": "en"},
                 data={"file": (io.BytesIO(packages.to_zip(files)), "other_penalty.zip")})
    assert r.status_code == 422, r.json
    [problem] = r.json["details"]["problems"]
    assert "declares no time limit 'decision'" in problem["message"] and problem["file"] == bpmn
    assert problem["element_id"] == "songda"

    rules = json.loads((FIXTURE / RULES).read_text(encoding="utf-8"))
    rules["clock"] = {"extension_request": "gaozhi", "extension_approval": "jueding"}
    r = deploy(api, layout(rules))
    assert r.status_code == 422
    said = json.dumps(r.json, ensure_ascii=False)
    assert "clock" in said and "limit" in said  # its forms lack the fields the clock reads


# -- deploy checks the bindings against the package's forms --------------------------------------------
@pytest.mark.parametrize("change, needle", [
    (lambda rules: rules["rules"][3]["params"].update(decided_fine="jueding.fine_amount"),
     "form jueding has no field jueding.fine_amount"),
    (lambda rules: rules["rules"][3]["params"].update(decided_fine="jueding.jueding_riqi"),
     "the rule needs number"),
    (lambda rules: rules["rules"][5]["params"].pop("electronic"),
     "its default 'electronic' is not a choice of field songda.fangshi"),
    (lambda rules: rules["rules"][4].update(on=["penalty_decision"]),
     "it is bound on form 'penalty_decision', which the package does not have"),
    (lambda rules: rules["rules"].append({"kind": "heavier_after_defense", "on": ["jueding"]}),
     "unknown rule kind 'heavier_after_defense'"),
])
def test_deploy_refuses_bindings_its_forms_do_not_fit(api, change, needle):
    rules = json.loads((FIXTURE / RULES).read_text(encoding="utf-8"))
    change(rules)
    r = api.post("/api/v1/procedures", as_="author1", content_type="multipart/form-data",
                 headers={"Accept-Language": "en"},
                 data={"file": (io.BytesIO(packages.to_zip(layout(rules))), "other_penalty.zip")})
    assert r.status_code == 422, r.json
    problems = r.json["details"]["problems"]
    assert any(needle in p["message"] and p["file"] == RULES for p in problems), problems
