"""The light-penalty list (从轻减轻处罚清单, APL Art. 32) tied to the penalty, and the finding on the
lists on the legal reviewer's sheet, on SQLite and PostgreSQL:

- a case the report finds meeting an item of the light-penalty list, proposed or decided a penalty
  in a tier heavier than 从轻/减轻 of its benchmark, is taken and raises LIGHT_LIST_NOT_APPLIED for
  the supervisors (`light_list_applied`);
- a fine below the statutory minimum is a mitigated penalty (减轻) grounded in the light-list item
  the case meets, as in a recorded APL 32 circumstance (`fine_within_statutory_range`);
- the reviewer's sheet (GET /api/v1/tasks/{id}/review-sheet, the /tasks/{id}/review page) and the
  officer's form show the finding: the item, the officer's finding, whether the party is a first
  violator per the parties register, and whether the penalty agrees with it.

- each light item names its tier (从轻 `lighter`, 减轻 `mitigated`, 从轻或者减轻 `lighter_or_mitigated`):
  only an item of 减轻 grounds the fine below the minimum, LIGHT_LIST_NOT_APPLIED judges against the
  tiers it names, and the sheets, the register page and the API show it.

The demo's light-penalty item SCJG-CQ-001 (workflow_app/demo/penalty_lists.csv, 从轻或者减轻) is for
the cause SCJG-SP-124-01 (Food Safety Law Art. 124, expired food: 50,000 to 100,000 yuan), whose
benchmark item has the tiers lighter 50,000–65,000, ordinary 65,000–85,000 and heavier
85,000–100,000 yuan (no 减轻 range); the tests import it again with another tier where they need one."""
import csv
import io
import json
import re
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from tests.helpers import STEPS
from tests.integration.test_penalty_lists import decided_with_a_fine, party, report, to_report
from tests.integration.test_step_rules import assert_refused
from tests.integration.test_task_forms import FORMS, encode, page_of
from tests.web_session import csrf_of, html

pytestmark = pytest.mark.dates

ART_124, ART_126 = "SCJG-SP-124-01", "SCJG-SP-126-03"
EXPIRED_FOOD, MINOR = "SCJG-CQ-001", "SCJG-BCF-002"  # of the light-penalty list; of the no-penalty list
CODE = "LIGHT_LIST_NOT_APPLIED"
ON_THE_LIGHT_LIST = {
    "cause": ART_124, "violated_provision": "《中华人民共和国食品安全法》第三十四条第十项",
    "penalty_provision": "《中华人民共和国食品安全法》第一百二十四条第一款第五项", "benchmark_item": ART_124,
    "penalty_list_item": EXPIRED_FOOD, "meets_penalty_list": "yes", "proposed_penalty_kinds": ["fine"],
    "benchmark_tier": "lighter", "proposed_fine": 60000}


def alerts_of(api, case: dict, code: str = CODE) -> list[dict]:
    found = api.get(f"/api/v1/alerts?code={code}&status=all", as_="supervisor1").json["items"]
    return [a for a in found if a["case_id"] == case["id"]]


def notified(api, case: dict, fine: int) -> dict:
    return api.run(case, ("penalty_notice", {"notified_fine": fine, "notified_penalty": f"罚款{fine}元"}),
                   "statement_defence")


def under_review(api, who: dict | None = None, **proposal) -> dict:
    """A major case whose report proposes `proposal` on the light-penalty list, at its legal review."""
    case = report(api, to_report(api, who), **{**ON_THE_LIGHT_LIST, "major_case": True, **proposal})
    return notified(api, case, proposal.get("proposed_fine", ON_THE_LIGHT_LIST["proposed_fine"]))


DEMO_LISTS = Path(__file__).resolve().parents[2] / "workflow_app" / "demo" / "penalty_lists.csv"


def retiered(app, tmp_path, code: str, tier: str) -> None:
    """The demo's item `code` imported again (`flask penalty-lists import`) naming `tier`."""
    rows = list(csv.DictReader(io.StringIO(DEMO_LISTS.read_text(encoding="utf-8"))))
    out = io.StringIO()
    writer = csv.DictWriter(out, list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerow({**next(r for r in rows if r["code"] == code), "tier": tier})
    (tmp_path / "retiered.csv").write_text(out.getvalue(), encoding="utf-8")
    with app.app_context():
        done = app.test_cli_runner().invoke(args=["penalty-lists", "import", str(tmp_path / "retiered.csv")])
    assert done.exit_code == 0 and "0 added, 1 updated" in done.output, done.output


def sheet_of(api, case: dict, as_: str = "reviewer1", **headers):
    return api.get(f"/api/v1/tasks/{api.task(case, 'legal_review')['id']}/review-sheet", as_=as_, headers=headers)


# -- LIGHT_LIST_NOT_APPLIED: an alert, the step is taken ---------------------------------------------------
def test_a_report_on_the_light_list_proposing_an_ordinary_fine_is_taken_and_raises_light_list_not_applied(app, api):
    case = report(api, to_report(api), **{**ON_THE_LIGHT_LIST, "benchmark_tier": "ordinary", "proposed_fine": 70000})
    assert "penalty_notice" in api.ready(case)  # the step is taken
    [alert] = alerts_of(api, case)
    assert alert["severity"] == "medium" and "第32条" in alert["basis"] and alert["raised_by"] == "rule:step"
    d = alert["details"]
    assert {k: d[k] for k in ("item", "list_kind", "tier", "fine", "ceiling", "benchmark_item")} == {
        "item": EXPIRED_FOOD, "list_kind": "light", "tier": "ordinary", "fine": 70000, "ceiling": 65000,
        "benchmark_item": ART_124}
    assert "裁量阶次却为“一般”" in d["message"] and "高于裁量基准SCJG-SP-124-01“从轻”档的上限65000元" in d["message"]
    assert "is Ordinary" in d["message_en"]
    trace = [e for e in api.get(f"/api/v1/cases/{case['id']}/trace").json["items"] if e["action"] == "alert.raised"]
    assert [e["data"]["code"] for e in trace] == [CODE]
    # the supervisor reads what was found on the alert's page, in either language
    supervisor = page_of(app.test_client(), "supervisor1")
    page = html(supervisor.get(f"/alerts/{alert['id']}"))
    assert "从轻减轻清单未落实" in page and 'data-testid="alert-list-item"' in page and "货值金额不足500元" in page
    assert 'data-testid="alert-finding"' in page and "65000元" in page
    supervisor.post("/language", data={"lang": "en", "csrf_token": csrf_of(page)})
    english = html(supervisor.get(f"/alerts/{alert['id']}"))
    assert "Light-penalty list item" in english and "above the top of the Lenient tiers" in english


def test_a_decision_in_a_tier_heavier_than_the_light_list_raises_the_alert_a_consistent_report_none(api):
    case = report(api, to_report(api), **ON_THE_LIGHT_LIST)  # 从轻, 60,000 yuan: consistent
    assert alerts_of(api, case) == []
    case = notified(api, case, 60000)
    decided = api.complete(case, "penalty_decision", fine_amount=60000, benchmark_tier="ordinary")
    assert decided["status"] == "decided"
    [alert] = alerts_of(api, case)
    assert alert["details"]["tier"] == "ordinary" and alert["details"]["fine"] == 60000
    assert alert["task_id"] == api.task(case, "penalty_decision")["id"]  # raised by the decision


# -- 减轻处罚 (APL 32): below the statutory minimum, grounded in the light-list item --------------------------
def test_a_fine_below_the_statutory_minimum_is_mitigated_on_the_ground_of_the_light_list_item_the_case_meets(api):
    case = to_report(api)
    mitigated = {**ON_THE_LIGHT_LIST, "benchmark_tier": "mitigated", "proposed_fine": 20000}
    r = report(api, case, expect=422, **{**mitigated, "meets_penalty_list": "no"})  # found not to meet it: no ground
    assert_refused(api, case, r, "FINE_OUTSIDE_STATUTORY_RANGE", "第32条", "investigation_report.proposed_fine")
    assert "或者本案符合的、规定减轻处罚的从轻减轻处罚清单事项" in r.json["message"]
    case = report(api, case, **mitigated)  # 20,000 yuan under a minimum of 50,000: 减轻, on the item's ground
    case = notified(api, case, 20000)  # the notice and the decision take the report's ground
    decided = api.complete(case, "penalty_decision", fine_amount=20000, benchmark_tier="mitigated")
    assert decided["status"] == "decided" and alerts_of(api, case) == []
    # an item of the no-penalty list is no ground of APL 32 (Food Safety Law Art. 126: 5,000 yuan at least)
    other = to_report(api, party("91990105MA0MN3PQ4"))
    r = report(api, other, expect=422, cause=ART_126, penalty_list_item=MINOR, meets_penalty_list="yes",
               proposed_fine=3000, benchmark_tier="mitigated")
    assert_refused(api, other, r, "FINE_OUTSIDE_STATUTORY_RANGE", "第32条", "investigation_report.proposed_fine")


# -- the reviewer's sheet ---------------------------------------------------------------------------------
def test_the_reviewers_sheet_gives_the_list_finding_the_first_violation_and_the_proposals_consistency(api):
    case = under_review(api, party("91990105MA0RW5HT6"))
    r = sheet_of(api, case)
    assert r.status_code == 200, r.json
    body = r.json
    assert (body["may_act"], body["refusal"], body["case_number"]) == (True, None, case["number"])
    assert body["benchmark"]["code"] == ART_124 and (body["benchmark"]["tier"], body["benchmark"]["within"]) == (
        "lighter", True)
    found = body["penalty_list"]
    assert (found["code"], found["meets"], found["consistent"]) == (EXPIRED_FOOD, True, True)
    item = found["item"]
    assert (item["kind"], item["cause"], item["cause_name"]) == ("light", ART_124, "经营超过保质期的食品")
    assert item["conditions"].startswith("经营的超过保质期食品货值金额不足500元") and "第三十二条第一项" in item["legal_ground"]
    first = found["first_violation"]
    assert (first["first"], first["months"], first["earlier"]) == (True, 12, [])  # the item's look-back: 12 months
    assert found["consistency"] == ("裁量阶次为“从轻”，罚款60000元不高于裁量基准SCJG-SP-124-01“从轻”档的上限65000元，"
                                    f"与从轻减轻处罚清单事项{EXPIRED_FOOD}一致")
    english = sheet_of(api, case, **{"Accept-Language": "en"}).json["penalty_list"]["consistency"]
    assert english.endswith(f"consistent with item {EXPIRED_FOOD} of the light-penalty list")
    # the officer who proposed it reads the same sheet, and is told it is not theirs to review
    officers = sheet_of(api, case, as_="officer1").json
    assert officers["may_act"] is False and officers["forbidden"] and officers["penalty_list"]["code"] == EXPIRED_FOOD


def test_the_sheet_shows_a_repeat_violator_and_a_proposal_heavier_than_the_list_and_none_without_a_finding(api):
    repeat = party("91990105MA0RP7UW8")
    finding = {k: v for k, v in ON_THE_LIGHT_LIST.items() if k != "proposed_fine"}
    earlier = decided_with_a_fine(api, repeat, 60000, **{**finding, "meets_penalty_list": "no"})
    case = under_review(api, repeat, benchmark_tier="ordinary", proposed_fine=70000)
    found = sheet_of(api, case).json["penalty_list"]
    assert found["first_violation"]["first"] is False
    assert [e["case_number"] for e in found["first_violation"]["earlier"]] == [earlier["number"]]
    assert found["consistent"] is False and "裁量阶次却为“一般”" in found["consistency"]
    # a report with no finding on the lists (Art. 124 has no no-penalty item: none is required)
    plain = under_review(api, party("91990105MA0NF9WX1"), penalty_list_item=None, meets_penalty_list=None)
    assert sheet_of(api, plain).json["penalty_list"] is None
    # the no-penalty list's item the case meets, with a fine proposed all the same: inconsistent
    minor = report(api, to_report(api, party("91990105MA0MP2YX3")), penalty_list_item=MINOR, meets_penalty_list="yes",
                   major_case=True)
    minor = notified(api, minor, STEPS["investigation_report"][1]["proposed_fine"])
    body = sheet_of(api, minor).json
    found = body["penalty_list"]
    assert (found["item"]["kind"], found["consistent"]) == ("no_penalty", False)
    assert "应当作出不予行政处罚决定" in found["consistency"]
    # a report that leaves the benchmark item to its cause: the cause's, as the finding is judged
    assert "benchmark_item" not in STEPS["investigation_report"][1] and body["benchmark"]["code"] == ART_126


def test_a_task_that_is_no_legal_review_has_no_sheet(api):
    case = under_review(api, party("91990105MA0NR4AB5"))
    report_task = sheet_of(api, case).json["report_task_id"]
    r = api.get(f"/api/v1/tasks/{report_task}/review-sheet", as_="reviewer1")
    assert r.status_code == 404 and "not a legal review" in api.get(
        f"/api/v1/tasks/{report_task}/review-sheet", as_="reviewer1", headers={"Accept-Language": "en"}).json["message"]
    for junk in ("99999999", "abc", "-1", "1e3", "%00", "9" * 40):
        assert api.get(f"/api/v1/tasks/{junk}/review-sheet", as_="reviewer1").status_code == 404, junk


def test_the_review_page_and_the_officers_form_show_the_same_list_finding(app, api):
    case = under_review(api, party("91990105MA0PG6CD7"))
    reviewer = page_of(app.test_client(), "reviewer1")
    page = html(reviewer.get(f"/tasks/{api.task(case, 'legal_review')['id']}/review"))
    assert f'data-testid="list-finding-sheet" data-code="{EXPIRED_FOOD}" data-meets="yes" data-consistent="yes"' in page
    assert 'data-testid="list-finding-item" data-kind="light"' in page and "从轻减轻处罚清单" in page
    assert "经营超过保质期的食品" in page and "《中华人民共和国行政处罚法》第三十二条第一项" in page
    assert 'data-testid="list-finding-first" data-first="yes"' in page
    assert 'data-testid="list-consistency" data-consistent="yes"' in page
    reviewer.post("/language", data={"lang": "en", "csrf_token": csrf_of(page)})
    english = html(reviewer.get(f"/tasks/{api.task(case, 'legal_review')['id']}/review"))
    assert "The investigation report found that the case meets item SCJG-CQ-001." in english
    assert "consistent with item SCJG-CQ-001 of the light-penalty list" in english
    # the officer proposing an ordinary fine reads the same finding beside the report, before taking the step
    draft = to_report(api, party("91990105MA0QF8EF9"))
    officer = page_of(app.test_client(), "officer1")
    task_id = api.task(draft, "investigation_report")["id"]
    form = html(officer.get(f"/tasks/{task_id}"))
    data = {k: v for k, v in {**STEPS["investigation_report"][1], **ON_THE_LIGHT_LIST, "facts": "",
                              "benchmark_tier": "ordinary", "proposed_fine": 70000}.items() if v not in (None, "")}
    r = officer.post(f"/tasks/{task_id}", data=MultiDict([("csrf_token", csrf_of(form)),
                                                           *encode(FORMS["investigation_report"], data)]))
    page = html(r)
    assert r.status_code == 200 and re.search(r'has-error[^"]*" data-field="facts"', page)  # nothing recorded
    assert f'data-testid="list-finding-sheet" data-code="{EXPIRED_FOOD}" data-meets="yes" data-consistent="no"' in page
    assert "LIGHT_LIST_NOT_APPLIED" in page and "“一般”" in page
    assert alerts_of(api, draft) == []


def test_junk_in_the_reports_finding_tier_or_fine_is_a_422_naming_the_field_and_raises_nothing(api):
    case = to_report(api, party("91990105MA0JK1GH2"))
    task_id = api.task(case, "investigation_report")["id"]
    base = {**STEPS["investigation_report"][1], **ON_THE_LIGHT_LIST}
    for name, junk in (("meets_penalty_list", 5), ("meets_penalty_list", "\u0000"), ("meets_penalty_list", "\ud800"),
                       ("penalty_list_item", {"code": EXPIRED_FOOD}), ("penalty_list_item", "x" * 100_000),
                       ("benchmark_tier", "heavy"), ("benchmark_tier", ["ordinary"]), ("benchmark_item", "x" * 65),
                       ("proposed_fine", "70000"), ("proposed_fine", -1), ("proposed_fine", 1e300),
                       ("proposed_penalty_kinds", "fine")):
        body = json.dumps({"data": {**base, name: junk}})
        r = api.post(f"/api/v1/tasks/{task_id}/complete", data=body, content_type="application/json")
        named = [k for k in r.json.get("errors", {}) if k in (name, f"data.{name}")]  # NUL: the request's body path
        assert r.status_code == 422 and named, (name, junk, r.status_code, r.json)
    after = api.get(f"/api/v1/cases/{case['id']}").json
    assert api.ready(after) == ["investigation_report"] and alerts_of(api, case) == []


def test_the_report_done_again_after_a_return_meeting_the_list_resolves_the_alert_its_first_version_raised(api, app):
    """The report proposed an ordinary fine on the light list (LIGHT_LIST_NOT_APPLIED); the legal
    review returned it, and the report done again proposes the lenient one: the alert is resolved
    by that step, on the trail, instead of staying open over a record that no longer deviates.
    Done again still deviating, it stays open (and is not raised twice)."""
    case = under_review(api, benchmark_tier="ordinary", proposed_fine=70000)
    [alert] = alerts_of(api, case)
    assert alert["status"] == "open"
    case = api.complete(case, "legal_review", review_outcome="return", opinions="未落实从轻减轻处罚清单")
    case = api.run(case, "investigation")
    case = report(api, case, **{**ON_THE_LIGHT_LIST, "major_case": True, "benchmark_tier": "ordinary",
                                "proposed_fine": 68000})
    assert [a["status"] for a in alerts_of(api, case)] == ["open"]  # still deviating: the same alert, open
    case = api.complete(notified(api, case, 68000), "legal_review", review_outcome="return", opinions="仍未落实")
    case = api.run(case, "investigation")
    case = report(api, case, **{**ON_THE_LIGHT_LIST, "major_case": True})  # 从轻, 60,000 yuan
    [alert] = alerts_of(api, case)
    assert alert["status"] == "resolved" and "corrected" in alert["reason"]
    resolved = [e for e in api.get(f"/api/v1/cases/{case['id']}/trace").json["items"] if e["action"] == "alert.resolved"]
    assert [(e["actor"], e["data"]["code"]) for e in resolved] == [("rule:step", CODE)]
    from workflow_app.services.audit import verify as audit_verify

    with app.app_context():
        assert audit_verify.verify(case_id=case["id"]).ok  # the row as its trail says


# -- the item's tier: 从轻, 减轻, or either ------------------------------------------------------------------
def test_an_item_of_lighter_only_grounds_no_fine_below_the_statutory_minimum_and_the_refusal_says_so(app, api, tmp_path):
    retiered(app, tmp_path, EXPIRED_FOOD, "lighter")
    case = to_report(api, party("91990105MA0TL1AB3"))
    mitigated = {**ON_THE_LIGHT_LIST, "benchmark_tier": "mitigated", "proposed_fine": 20000}
    r = report(api, case, expect=422, **mitigated)
    assert_refused(api, case, r, "FINE_OUTSIDE_STATUTORY_RANGE", "第32条", "investigation_report.proposed_fine")
    assert f"本案符合的从轻减轻处罚清单事项{EXPIRED_FOOD}只规定从轻处罚（在法定幅度内），不是减轻处罚的依据" in r.json["message"]
    assert f"item {EXPIRED_FOOD} of the light-penalty list, which the case meets, grounds only a lighter penalty" \
        in r.json["message_en"]
    # within the statutory range it is the lighter penalty the item grounds
    assert "penalty_notice" in api.ready(report(api, case, **ON_THE_LIGHT_LIST))
    # the department's list names the item 从轻或者减轻 again: the same fine below the minimum is taken
    retiered(app, tmp_path, EXPIRED_FOOD, "lighter_or_mitigated")
    other = to_report(api, party("91990105MA0TL2CD5"))
    assert "penalty_notice" in api.ready(report(api, other, **mitigated))


def test_an_item_of_mitigation_only_raises_light_list_not_applied_for_a_lighter_tier(app, api, tmp_path):
    retiered(app, tmp_path, EXPIRED_FOOD, "mitigated")
    case = report(api, to_report(api, party("91990105MA0TM3EF7")), **ON_THE_LIGHT_LIST)  # 从轻, 60,000 yuan
    assert "penalty_notice" in api.ready(case)  # the step is taken
    [alert] = alerts_of(api, case)
    d = alert["details"]
    assert (d["item"], d["list_tier"], d["tier"], d["fine"]) == (EXPIRED_FOOD, "mitigated", "lighter", 60000)
    assert "裁量阶次却为“从轻”" in d["message"] and "依《行政处罚法》第32条应当减轻处罚" in d["message"]
    assert "is given a mitigated penalty" in d["message_en"]
    # the supervisor reads the tier the item grounds on the alert's page
    supervisor = page_of(app.test_client(), "supervisor1")
    page = html(supervisor.get(f"/alerts/{alert['id']}"))
    supervisor.post("/language", data={"lang": "en", "csrf_token": csrf_of(page)})
    page = html(supervisor.get(f"/alerts/{alert['id']}"))
    assert 'data-testid="alert-list-tier" data-tier="mitigated"' in page
    assert "The item grounds: Mitigated (below the statutory minimum)" in page
    # the mitigated fine the item grounds: no alert, and below the minimum, taken
    below = report(api, to_report(api, party("91990105MA0TM4GH9")),
                   **{**ON_THE_LIGHT_LIST, "benchmark_tier": "mitigated", "proposed_fine": 20000})
    assert "penalty_notice" in api.ready(below) and alerts_of(api, below) == []


def test_an_item_of_lighter_only_raises_light_list_not_applied_above_the_top_of_lighter(app, api, tmp_path):
    retiered(app, tmp_path, EXPIRED_FOOD, "lighter")
    case = report(api, to_report(api, party("91990105MA0TL5JK1")), **{**ON_THE_LIGHT_LIST, "proposed_fine": 66000})
    [alert] = alerts_of(api, case)
    assert (alert["details"]["list_tier"], alert["details"]["ceiling"]) == ("lighter", 65000)
    assert "依《行政处罚法》第32条应当从轻处罚" in alert["details"]["message"]
    assert alerts_of(api, report(api, to_report(api, party("91990105MA0TL6LM3")), **ON_THE_LIGHT_LIST)) == []


def test_the_items_tier_is_shown_on_the_sheets_the_register_page_and_in_the_api(app, api):
    """The pages' words for a tier are read in English here (their Chinese is the catalogue's)."""
    case = under_review(api, party("91990105MA0TX7NP5"))
    found = sheet_of(api, case).json["penalty_list"]
    assert found["item"]["tier"] == "lighter_or_mitigated"
    assert api.get(f"/api/v1/penalty-lists/market/{EXPIRED_FOOD}").json["tier"] == "lighter_or_mitigated"
    tiers = {i["code"]: i["tier"] for i in api.get("/api/v1/penalty-lists").json["items"]}
    assert (tiers["SCJG-CQ-002"], tiers["SCJG-CQ-003"], tiers[MINOR]) == ("mitigated", "lighter", None)
    reviewer = page_of(app.test_client(), "reviewer1")
    page = html(reviewer.get(f"/tasks/{api.task(case, 'legal_review')['id']}/review"))
    assert 'data-testid="list-finding-item" data-kind="light" data-tier="lighter_or_mitigated"' in page
    reviewer.post("/language", data={"lang": "en", "csrf_token": csrf_of(page)})
    page = html(reviewer.get(f"/tasks/{api.task(case, 'legal_review')['id']}/review"))
    assert 'data-testid="list-finding-tier" data-tier="lighter_or_mitigated">Lighter or mitigated</dd>' in page
    officer = page_of(app.test_client(), "officer1")
    register = html(officer.get("/penalty-lists?department=market&kind=light"))
    assert 'data-code="SCJG-CQ-003" data-kind="light" data-valid="yes" data-tier="lighter"' in register
    assert 'data-code="SCJG-CQ-002" data-kind="light" data-valid="yes" data-tier="mitigated"' in register
    officer.post("/language", data={"lang": "en", "csrf_token": csrf_of(register)})
    english = html(officer.get("/penalty-lists?department=market"))
    light = re.search(r'data-code="SCJG-CQ-003".*?</tr>', english, re.S).group(0)
    assert 'data-testid="list-item-tier">Lighter (within the statutory range)</td>' in light
    assert "Mitigated (below the statutory minimum)" in english
    minor = re.search(rf'data-code="{MINOR}".*?</tr>', english, re.S).group(0)
    assert 'data-tier=""' in minor and 'data-testid="list-item-tier">—</td>' in minor
    # the officer's form, its cause chosen (come back refused for a slip), lists the cause's items with their tiers
    draft = to_report(api, party("91990105MA0TX8QR7"))
    task_id = api.task(draft, "investigation_report")["id"]
    form = html(officer.get(f"/tasks/{task_id}"))
    assert re.search(rf'<option value="{EXPIRED_FOOD}">{EXPIRED_FOOD}（Light-penalty list·Lighter or mitigated·{ART_124}）',
                     form), "the item's select names its tier"
    data = {k: v for k, v in {**STEPS["investigation_report"][1], **ON_THE_LIGHT_LIST, "facts": ""}.items()
            if v not in (None, "")}
    page = html(officer.post(f"/tasks/{task_id}", data=MultiDict([("csrf_token", csrf_of(form)),
                                                                  *encode(FORMS["investigation_report"], data)])))
    listed = re.search(rf'data-testid="list-item" data-code="{EXPIRED_FOOD}".*?</div>', page, re.S).group(0)
    assert 'data-testid="list-item-tier" data-tier="lighter_or_mitigated">Lighter or mitigated</span>' in listed
    assert 'data-testid="list-finding-tier" data-tier="lighter_or_mitigated">Lighter or mitigated</dd>' in page
