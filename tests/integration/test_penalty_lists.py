"""The no-penalty and light-penalty lists (首违不罚清单 / 从轻减轻处罚清单, services/registers/penalty_lists.py,
`flask penalty-lists import|list`, GET /api/v1/penalty-lists, the /penalty-lists page), the report's
finding on them, the first violation the parties register shows, MINOR_FIRST_VIOLATION_PENALIZED
(APL 33) and PENALTY_KIND_NOT_IN_PROVISION (APL 4, 38). On SQLite and PostgreSQL.

The demo lists (workflow_app/demo/penalty_lists.csv) for the market bureau's cause SCJG-SP-126-03
(Food Safety Law Art. 126, 进货查验): SCJG-BCF-001, a first violation within 12 months; SCJG-BCF-002,
a minor violation corrected on the spot, whoever commits it; SCJG-BCF-000, the 2022 edition, ended;
and of the light-penalty list SCJG-CQ-003, records made up and goods taken off the shelf during the
investigation (the light-penalty list and the reviewer's sheet: test_light_penalty_list.py)."""
import json
import re
from datetime import timedelta

import pytest
from werkzeug.datastructures import MultiDict

from tests.helpers import NO_PENALTY_REPORT, STEPS, TO_DECISION
from tests.integration.test_step_rules import assert_refused
from tests.integration.test_task_forms import FORMS, encode, page_of
from tests.web_session import csrf_of, html
from workflow_app.extensions import db
from workflow_app.models import Alert, PenaltyListItem, TraceEvent

pytestmark = pytest.mark.dates

HEADER = ("department,code,cause,kind,tier,conditions,legal_ground,first_violation,look_back_months,valid_from,valid_to,"
          "document\n")
OLD_HEADER = HEADER.replace("kind,tier,", "kind,")  # before light items named their tier (migration 0034)
ART_126 = "SCJG-SP-126-03"
ART_124 = "SCJG-SP-124-01"
FIRST_ONLY, MINOR = "SCJG-BCF-001", "SCJG-BCF-002"
LIGHT_126 = "SCJG-CQ-003"  # the light-penalty list's item for the same cause
def party(number: str = "91990105MA0AB1CD2") -> dict:
    """An organisation of the register, by a credit code with its check character."""
    from workflow_app.oversight.identity import with_uscc_check

    code = with_uscc_check(number)
    return {"name": f"清河区食品店{code[-4:]}", "kind": "organization", "id_number": code}


def to_report(api, who: dict | None = None):
    case = api.open_case(party=who or party())
    return api.run(case, ("clue_intake", {"party_id_number": (who or party())["id_number"]}), "filing_approval",
                   "investigation")


def report(api, case, expect=200, **finding):
    return api.complete(case, "investigation_report", expect=expect, **finding)


def decided_with_a_fine(api, who: dict, fine: int = 20000, **finding) -> dict:
    case = report(api, to_report(api, who), proposed_fine=fine, **finding)
    return api.run(case, ("penalty_notice", {"notified_fine": fine, "notified_penalty": f"罚款{fine}元"}),
                   "statement_defence", ("penalty_decision", {"fine_amount": fine}))


def item(department: str, code: str) -> PenaltyListItem | None:
    from workflow_app.models import OrgUnit

    return db.session.execute(db.select(PenaltyListItem).join(OrgUnit, PenaltyListItem.department_id == OrgUnit.id)
                              .where(OrgUnit.code == department, PenaltyListItem.code == code)).scalar()


# -- the registers ----------------------------------------------------------------------------------------
def test_the_demo_lists_hold_items_of_several_departments_each_for_a_cause_of_its_register(app, ctx):
    first = item("market", FIRST_ONLY)
    assert (first.kind, first.cause.code, first.first_violation, first.look_back_months) == ("no_penalty", ART_126, True, 12)
    assert "第三十三条第一款" in first.legal_ground and "不予行政处罚清单" in first.document and first.valid_to is None
    assert item("market", "SCJG-CQ-001").kind == "light" and item("environment", "STHJ-BCF-001").look_back_months == 24
    assert item("transport", "JTYS-BCF-001").cause.department.code == "transport"
    out = app.test_cli_runner().invoke(args=["penalty-lists", "list", "--department", "market", "--cause", ART_126])
    assert out.exit_code == 0 and f"market\t{FIRST_ONLY}\t{ART_126}\tno_penalty\t2024-01-01..\t初次违法" in out.output
    assert "SCJG-BCF-000\tSCJG-SP-126-03\tno_penalty\t2022-01-01..2023-12-31" in out.output and "SCJG-CQ-001" not in out.output
    for args in (["--department", "nowhere"], ["--cause", ART_126], ["--department", "market", "--cause", "NO-SUCH"]):
        out = app.test_cli_runner().invoke(args=["penalty-lists", "list", *args])
        assert out.exit_code == 1 and out.output.startswith("Error: ") and "Traceback" not in out.output, out.output


def test_the_api_lists_a_departments_items_by_cause_kind_and_day_and_one_item(api):
    own = api.get("/api/v1/penalty-lists")  # officer1's own department
    assert own.status_code == 200 and own.json["department"] == "market"
    codes = [i["code"] for i in own.json["items"]]
    assert {FIRST_ONLY, MINOR, "SCJG-CQ-001", "SCJG-CQ-002"} <= set(codes) and codes == sorted(codes)
    of_126 = api.get(f"/api/v1/penalty-lists?cause={ART_126}&on=2026-06-01").json["items"]
    assert [i["code"] for i in of_126] == [FIRST_ONLY, MINOR, LIGHT_126]  # the 2022 edition ended in 2023
    assert [i["code"] for i in api.get(f"/api/v1/penalty-lists?cause={ART_126}&on=2023-06-01").json["items"]] == [
        "SCJG-BCF-000"]
    light = api.get("/api/v1/penalty-lists?kind=light").json["items"]
    assert light and all(i["kind"] == "light" for i in light)
    first = of_126[0]
    assert (first["cause"], first["first_violation"], first["look_back_months"], first["valid_to"]) == (
        ART_126, True, 12, None)
    assert of_126[1]["look_back_months"] is None  # not limited to a first violation
    other = api.get("/api/v1/penalty-lists?department=environment").json
    assert other["department"] == "environment" and all(i["department"] == "environment" for i in other["items"])
    one = api.get(f"/api/v1/penalty-lists/market/{FIRST_ONLY}")
    assert one.status_code == 200 and one.json["conditions"].startswith("初次违法")
    # a supervisor of the district belongs to no department: they name one
    assert api.get("/api/v1/penalty-lists", as_="supervisor1").status_code == 422
    assert api.get("/api/v1/penalty-lists?department=transport", as_="supervisor1").json["items"]
    for url, status in (("?department=nowhere", 404), ("?cause=NO-SUCH", 404), ("?cause=STHJ-SW-83-02", 404),
                        ("?kind=heavy", 422), ("?on=2026-13-01", 422), ("?on=yesterday", 422), ("?on=" + "9" * 5000, 422),
                        ("?department=%00", 422), ("?cause=%00", 422), ("?cause=%ED%A0%80", 422),
                        ("?cause=" + "x" * 5000, 404)):
        r = api.get(f"/api/v1/penalty-lists{url}")
        assert r.status_code == status and r.json["error"], (url, r.status_code, r.json)
    bad = api.get("/api/v1/penalty-lists?kind=heavy&on=x", headers={"Accept-Language": "en"}).json["errors"]
    assert bad == {"kind": ["must be one of no_penalty, light"], "on": ["must be a date (YYYY-MM-DD)"]}
    for junk in ("%00", "%ED%A0%80", "x" * 5000, "NO-SUCH"):  # a NUL, a lone surrogate, a huge code, none such
        assert api.get(f"/api/v1/penalty-lists/market/{junk}").status_code == 404
        assert api.get(f"/api/v1/penalty-lists/{junk}/{FIRST_ONLY}").status_code == 404


# -- the import -------------------------------------------------------------------------------------------
def run_import(app, tmp_path, content: bytes):
    (tmp_path / "lists.csv").write_bytes(content)
    return app.test_cli_runner().invoke(args=["penalty-lists", "import", str(tmp_path / "lists.csv")])


def test_an_import_is_checked_whole_names_each_bad_line_and_is_traced(app, ctx, tmp_path):
    row = ("market,{code},{cause},{kind},{tier},某条件,《中华人民共和国行政处罚法》第三十三条第一款,{first},{months},{start},"
           "{end},某清单\n")
    good = dict(code="X-1", cause=ART_126, kind="no_penalty", tier="", first="yes", months="", start="2024-01-01", end="")
    lines = [row.format(**{**good, **change}) for change in (
        {"cause": ART_124.replace("124", "999")},  # line 2: no such cause in the register
        {"cause": "STHJ-SW-83-02"},                # line 3: another department's cause
        {"kind": "heavy"},                         # line 4
        {"first": "maybe"},                        # line 5
        {"first": "no", "months": "12"},           # line 6: a look-back for an item not for a first violation
        {"months": "0"},                           # line 7
        {"start": "2024-02-30"},                   # line 8
        {"start": "2025-01-01", "end": "2024-01-01"},  # line 9
        {"code": "X-" + "9" * 70},                 # line 10
        {},                                        # line 11: good
        {},                                        # line 12: the same item again
    )]
    lines.append("nowhere,X-2,A,no_penalty,,c,g,no,,2024-01-01,,d\n")  # line 13: no such department
    lines.append("market,X-3,,,,,,,,,,\n")  # line 14: the required cells empty
    lines.append(row.format(**good).rstrip("\n") + ",extra\n")  # line 15: a cell too many
    lines += [row.format(**{**good, "code": f"X-{n}", **change}) for n, change in enumerate((
        {"kind": "light"},                         # line 16: a light item without its tier
        {"kind": "light", "tier": "heavier"},      # line 17: no such tier
        {"tier": "lighter"},                       # line 18: a tier on a no_penalty item
        {"kind": "light", "tier": "x" * 30}), 4)]  # line 19
    out = run_import(app, tmp_path, (HEADER + "".join(lines)).encode())
    assert out.exit_code == 1 and "Traceback" not in out.output, out.output
    named = dict(re.findall(r"line (\d+): ([^;)]+)", out.output))
    assert set(named) == {str(n) for n in range(2, 20)} - {"11"}, named
    assert "not in the causes register of market" in named["2"] and "not in the causes register" in named["3"]
    assert "kind must be one of no_penalty, light" in named["4"] and "first_violation must be yes or no" in named["5"]
    assert "not for a first violation only" in named["6"] and "from 1 to 120" in named["7"]
    assert "valid_from must be a date" in named["8"] and "valid_to is before valid_from" in named["9"]
    assert "code is longer than 64 characters" in named["10"] and "given twice" in named["12"]
    assert "not a department" in named["13"] and "is empty" in named["14"] and "more cells" in named["15"]
    assert "tier is empty: a light item names the tier it grounds (lighter, mitigated, lighter_or_mitigated" in named["16"]
    assert "tier must be one of lighter, mitigated, lighter_or_mitigated" in named["17"]
    assert "tier is given, but a no_penalty item" in named["18"] and "leave it blank" in named["18"]
    assert "tier is longer than 24 characters" in named["19"] and "must be one of" not in named["19"]
    assert item("market", "X-1") is None  # nothing of the file was written
    out = run_import(app, tmp_path, ("\ufeff" + HEADER + row.format(**good) + row.format(
        **{**good, "code": FIRST_ONLY, "months": "24"})).encode())
    assert out.exit_code == 0 and "1 added, 1 updated" in out.output, out.output
    db.session.expire_all()
    assert item("market", "X-1").first_violation and item("market", FIRST_ONLY).look_back_months == 24
    event = db.session.execute(db.select(TraceEvent).where(TraceEvent.action == "penalty_lists.imported")
                               .order_by(TraceEvent.id.desc()).limit(1)).scalar_one()
    assert event.actor.startswith("cli:") and '"created":1' in event.data_json and "market/X-1" in event.data_json


def test_a_file_without_the_tier_column_is_refused_whole_naming_it(app, ctx, tmp_path):
    """A file of the lists as they were before light items named their tier: refused whole, not
    line by line, so the administrator adds the column once (blank on the no_penalty rows)."""
    old = (OLD_HEADER + f"market,X-1,{ART_126},no_penalty,c,g,no,,2024-01-01,,d\n"
           f"market,{LIGHT_126},{ART_126},light,c,g,no,,2024-01-01,,d\n")
    out = run_import(app, tmp_path, old.encode())
    assert out.exit_code == 1 and "Traceback" not in out.output, out.output
    assert "file: the header lacks the column tier" in out.output and "line " not in out.output
    assert "(lighter, mitigated, lighter_or_mitigated)" in out.output and "blank on the no_penalty rows" in out.output
    assert item("market", "X-1") is None and item("market", LIGHT_126).tier == "lighter"  # nothing written


def test_an_import_sets_a_light_items_tier_and_a_no_penalty_item_has_none(app, ctx, tmp_path):
    demo = {i.code: i.tier for i in db.session.execute(db.select(PenaltyListItem)).scalars()}
    assert (demo["SCJG-CQ-001"], demo["SCJG-CQ-002"], demo[LIGHT_126], demo["STHJ-CQ-001"]) == (
        "lighter_or_mitigated", "mitigated", "lighter", "lighter")
    assert demo[FIRST_ONLY] is None and demo["JTYS-BCF-001"] is None
    out = run_import(app, tmp_path, (HEADER + f"market,X-1,{ART_126},light,mitigated,c,g,no,,2024-01-01,,d\n"
                                     f"market,{LIGHT_126},{ART_126},light,lighter_or_mitigated,c,g,no,,2024-01-01,,d\n"
                                     ).encode())
    assert out.exit_code == 0 and "1 added, 1 updated" in out.output, out.output
    db.session.expire_all()
    assert (item("market", "X-1").tier, item("market", LIGHT_126).tier) == ("mitigated", "lighter_or_mitigated")
    out = run_import(app, tmp_path, (HEADER + f"market,X-1,{ART_126},no_penalty,,c,g,no,,2024-01-01,,d\n").encode())
    assert out.exit_code == 0, out.output
    db.session.expire_all()
    assert (item("market", "X-1").kind, item("market", "X-1").tier) == ("no_penalty", None)  # the kind changed
    listed = app.test_cli_runner().invoke(args=["penalty-lists", "list", "--department", "market"]).output
    assert f"market\t{LIGHT_126}\t{ART_126}\tlight/lighter_or_mitigated\t2024-01-01.." in listed
    assert "market\tX-1\tSCJG-SP-126-03\tno_penalty\t" in listed


def test_the_migration_gives_the_registers_light_items_both_tiers_and_no_penalty_items_none(tmp_path):
    from tests.helpers import migration_sandbox

    app, runner, sql = migration_sandbox(tmp_path)
    assert runner.invoke(args=["db", "upgrade", "0033"]).exit_code == 0
    sql("INSERT INTO org_unit (id, code, name, kind, path, registers_stamp) "
        "VALUES (1, 'market', '市场监督管理局', 'department', '/1/', 'old'), "
        "(2, 'transport', '交通运输局', 'department', '/2/', 'old')")
    sql("INSERT INTO cause (id, department_id, code, name, violated_provision, penalty_provision) "
        "VALUES (1, 1, 'C-1', '某违法行为', '某条', '某条'), (2, 2, 'C-2', '某违法行为', '某条', '某条')")
    sql("INSERT INTO penalty_list_item (id, department_id, code, cause_id, kind, conditions, legal_ground, "
        "first_violation, valid_from, document) VALUES "
        "(1, 1, 'BCF-1', 1, 'no_penalty', 'c', 'g', 1, '2024-01-01', 'd'), "
        "(2, 1, 'CQ-1', 1, 'light', 'c', 'g', 0, '2024-01-01', 'd'), "
        "(3, 2, 'BCF-2', 2, 'no_penalty', 'c', 'g', 1, '2024-01-01', 'd')")
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert sql("SELECT code, tier FROM penalty_list_item ORDER BY id") == [
        ("BCF-1", None), ("CQ-1", "lighter_or_mitigated"), ("BCF-2", None)]
    stamps = dict(sql("SELECT code, registers_stamp FROM org_unit"))
    assert stamps["market"] != "old" and stamps["transport"] == "old"  # its lists changed: copies are read again
    result = runner.invoke(args=["db", "downgrade", "0033"])
    assert result.exit_code == 0, result.output
    assert sql("SELECT code, kind FROM penalty_list_item ORDER BY id") == [
        ("BCF-1", "no_penalty"), ("CQ-1", "light"), ("BCF-2", "no_penalty")]
    with app.app_context():
        from workflow_app.extensions import db as sandbox_db

        sandbox_db.engine.dispose()


def test_junk_in_an_import_is_named_by_its_line_and_never_a_traceback(app, ctx, tmp_path):
    ok = f"market,X-1,{ART_126},light,lighter,c,g,no,,2024-01-01,,d\n".encode()
    for content, where, says in (
            (HEADER.encode() + ok + b"market,X-2,\xed\xa0\x80,light,lighter,c,g,no,,2024-01-01,,d\n", "line 3", "not UTF-8"),
            (HEADER.encode() + b"market,X\x00,a,light,lighter,c,g,no,,2024-01-01,,d\n", "line 2", "NUL"),
            (HEADER.encode() + ok + ok.replace(b"X-1", b"X-2").replace(b",c,", b"," + b"c" * 5000 + b","), "line 3",
             "conditions is longer than 1000 characters"),
            (HEADER.encode() + ok + b'market,"X-2\n', "line 3", "not CSV"),
            (HEADER.encode() + b'market,"X-1"x,a,light,lighter,c,g,no,,2024-01-01,,d\n', "line 2", "not CSV"),
            (HEADER.encode() + ok.replace(b",lighter,", b",\xe4\xbb\x8e\xe8\xbd\xbb,"), "line 2",  # 从轻: the code is named
             "tier must be one of lighter, mitigated, lighter_or_mitigated"),
            (b"\xff\xfe", "line 1", "not UTF-8"),
            (b"department,code\nmarket,X\n", "file", "lacks the columns"),
            (HEADER.encode(), "file", "no list items"),
            (HEADER.encode() + b"x" * (11 * 1024 * 1024), "file", "larger than")):
        out = run_import(app, tmp_path, content)
        assert out.exit_code == 1 and out.output.startswith("Error: ") and "Traceback" not in out.output, out.output
        assert f"{where}: " in out.output and says in out.output, (where, says, out.output[:500])
    assert app.test_cli_runner().invoke(args=["penalty-lists", "import", str(tmp_path / "missing.csv")]).exit_code == 1
    assert item("market", "X-1") is None


def test_an_imported_item_is_in_force_on_the_next_step_whichever_process_read_the_lists(app, api, tmp_path):
    """The step path reads a copy of the lists (services/registers/copies.py), renewed by the import."""
    case = to_report(api)
    report(api, case, expect=422, penalty_list_item="X-NEW", meets_penalty_list="no")
    with app.app_context():
        out = run_import(app, tmp_path, (HEADER + f"market,X-NEW,{ART_126},light,lighter,某条件,某依据,no,,2024-01-01,,"
                                                  "某清单\n").encode())
        assert out.exit_code == 0, out.output
    assert "penalty_notice" in api.ready(report(api, case, penalty_list_item="X-NEW", meets_penalty_list="no"))


# -- the report's finding -----------------------------------------------------------------------------------
def test_a_cause_on_the_no_penalty_list_needs_the_reports_finding_on_an_item_of_its_own_in_force(api):
    case = to_report(api)
    missing = report(api, case, expect=422, penalty_list_item=None, meets_penalty_list=None)
    assert list(missing.json["errors"]) == ["penalty_list_item"]
    assert f"{FIRST_ONLY}, {MINOR}" in missing.json["errors"]["penalty_list_item"][0]
    for code, says in (("SCJG-CQ-001", f"SCJG-CQ-001所属案由为{ART_124}"),  # another cause's item
                       ("SCJG-BCF-000", "有效期为2022-01-01至2023-12-31"),  # ended
                       ("STHJ-BCF-001", "不是市场监督管理局不予处罚、从轻减轻处罚清单中的事项")):  # another department's
        r = report(api, case, expect=422, penalty_list_item=code, meets_penalty_list="no")
        assert says in r.json["errors"]["penalty_list_item"][0], r.json
    # junk: a lone surrogate (as JSON escapes it), a NUL, more than the field holds
    task_id = api.task(case, "investigation_report")["id"]
    for junk in ("\ud800x", "x\u0000", "x" * 65):
        body = json.dumps({"data": {**STEPS["investigation_report"][1], "penalty_list_item": junk}})
        r = api.post(f"/api/v1/tasks/{task_id}/complete", data=body, content_type="application/json")
        assert r.status_code == 422 and r.json["errors"], (junk, r.status_code, r.json)
    r = report(api, case, expect=422, meets_penalty_list=None)  # an item without the finding
    assert list(r.json["errors"]) == ["meets_penalty_list"]
    r = report(api, case, expect=422, penalty_list_item=None)  # a finding without its item
    assert list(r.json["errors"]) == ["penalty_list_item"]
    # a cause with an item of the light-penalty list only needs none (Food Safety Law Art. 124)
    art_124 = {"cause": ART_124, "proposed_penalty_kinds": ["fine"], "proposed_fine": 60000,
               "penalty_list_item": None, "meets_penalty_list": None}
    assert "penalty_notice" in api.ready(report(api, case, **art_124))


def test_a_first_violation_item_is_met_only_by_a_party_unpenalized_for_the_cause_within_its_look_back(api, clock):
    repeat = party("91990105MA0RP1CD3")
    earlier = decided_with_a_fine(api, repeat)  # a fine for Art. 126, decided 48 days ago
    case = to_report(api, repeat)
    r = report(api, case, expect=422, penalty_list_item=FIRST_ONLY, meets_penalty_list="yes")
    assert list(r.json["errors"]) == ["meets_penalty_list"]
    assert f"案件{earlier['number']}已于" in r.json["errors"]["meets_penalty_list"][0]
    assert "12个月" in r.json["errors"]["meets_penalty_list"][0]
    # the item of a minor violation corrected on the spot is for any party; one found not to meet is no claim
    assert "penalty_notice" in api.ready(report(api, case, penalty_list_item=MINOR, meets_penalty_list="yes"))
    # a no-penalty decision, a fine for another cause, and a fine decided more
    # than the item's 12 months ago leave a party a first violator
    other = party("91990105MA0TT4EF5")
    api.run(report(api, to_report(api, other), **{k: v for k, v in NO_PENALTY_REPORT[1].items()},
                   penalty_list_item=FIRST_ONLY, meets_penalty_list="yes"), "no_penalty_decision")
    decided_with_a_fine(api, other, 60000, cause=ART_124, proposed_penalty_kinds=["fine"], penalty_list_item=None,
                        meets_penalty_list=None)
    now = clock.utcnow()
    clock.set_now(now - timedelta(days=330))
    decided_with_a_fine(api, other)  # decided 330 + 48 days ago
    clock.set_now(now)
    case = report(api, to_report(api, other), penalty_list_item=FIRST_ONLY, meets_penalty_list="yes")
    assert "penalty_notice" in api.ready(case)


def test_a_case_found_on_the_no_penalty_list_is_decided_not_to_be_penalized_without_an_alert(api):
    first = party("91990105MA0FW6GH7")
    case = report(api, to_report(api, first), **NO_PENALTY_REPORT[1], penalty_list_item=FIRST_ONLY,
                  meets_penalty_list="yes")
    case = api.complete(case, "no_penalty_decision")
    assert case["status"] == "decided" and api.ready(case) == ["no_penalty_service"]
    alerts = api.get("/api/v1/alerts?code=MINOR_FIRST_VIOLATION_PENALIZED", as_="supervisor1").json["items"]
    assert not [a for a in alerts if a["case_id"] == case["id"]]


def test_a_case_found_on_the_no_penalty_list_and_fined_raises_minor_first_violation_penalized(app, api):
    case = report(api, to_report(api), penalty_list_item=MINOR, meets_penalty_list="yes")  # proposes a fine all the same
    case = api.run(case, *TO_DECISION[4:])
    # the head's decision form says what the report found and what a penalty would raise
    head = page_of(app.test_client(), "head1")
    page = html(head.get(f"/tasks/{api.task(case, 'penalty_decision')['id']}"))
    assert f'data-testid="list-finding" data-code="{MINOR}" data-meets="yes"' in page
    assert "MINOR_FIRST_VIOLATION_PENALIZED" in page and "不予行政处罚决定" in page
    decided = api.complete(case, "penalty_decision")  # a fine of 20,000 yuan: the step is taken
    assert decided["status"] == "decided"
    found = api.get("/api/v1/alerts?code=MINOR_FIRST_VIOLATION_PENALIZED", as_="supervisor1").json["items"]
    alert = next(a for a in found if a["case_id"] == case["id"])
    assert (alert["severity"], alert["details"]["item"], alert["details"]["kinds"]) == ("medium", MINOR, ["fine"])
    assert alert["details"]["fine"] == 20000 and "第33条" in alert["basis"]
    trace = [e for e in api.get(f"/api/v1/cases/{case['id']}/trace").json["items"] if e["action"] == "alert.raised"]
    assert [e["data"]["code"] for e in trace] == ["MINOR_FIRST_VIOLATION_PENALIZED"]
    # shown on the case and on the alert's page
    supervisor = page_of(app.test_client(), "supervisor1")
    assert 'data-code="MINOR_FIRST_VIOLATION_PENALIZED"' in html(supervisor.get(f"/cases/{case['id']}"))
    page = html(supervisor.get(f"/alerts/{alert['id']}"))
    assert 'data-testid="alert-list-item"' in page and "当场补建进货查验记录" in page and "首违不罚清单案件被处罚" in page
    with app.app_context():
        assert db.session.get(Alert, alert["id"]).code == "MINOR_FIRST_VIOLATION_PENALIZED"


# -- PENALTY_KIND_NOT_IN_PROVISION (APL 4, 38) --------------------------------------------------------------
def test_a_penalty_kind_the_causes_provision_does_not_provide_is_refused_naming_the_field_and_the_provision(api):
    case = to_report(api)
    r = report(api, case, expect=422, proposed_penalty_kinds=["public_criticism", "fine"])
    assert_refused(api, case, r, "PENALTY_KIND_NOT_IN_PROVISION", "第38条", "investigation_report.proposed_penalty_kinds")
    assert "《中华人民共和国食品安全法》第一百二十六条第一款第三项规定的处罚种类为警告、罚款、责令停产停业、吊销许可证件，" \
           "不包括通报批评" in r.json["message"]
    case = report(api, case, proposed_penalty_kinds=["confiscation", "fine"])  # the illegal gain: APL Art. 28(2)
    r = api.complete(case, "penalty_notice", expect=422, notified_penalty_kinds=["fine", "restrict_practice"])
    assert_refused(api, case, r, "PENALTY_KIND_NOT_IN_PROVISION", "第4条", "penalty_notice.notified_penalty_kinds")


# -- the pages --------------------------------------------------------------------------------------------
def test_the_lists_page_shows_a_departments_items_filtered_and_is_linked_from_the_causes_register(app):
    client = page_of(app.test_client(), "officer1")
    causes = html(client.get("/causes"))
    assert 'data-testid="penalty-lists-link"' in causes and "/penalty-lists?department=market" in causes
    assert f'href="/penalty-lists?department=market&amp;cause={ART_126}"' in causes and "不予处罚清单 2" in causes
    page = html(client.get("/penalty-lists"))
    assert 'data-testid="penalty-lists" data-department="market"' in page
    assert f'data-code="{FIRST_ONLY}" data-kind="no_penalty" data-valid="yes"' in page
    assert 'data-code="SCJG-BCF-000" data-kind="no_penalty" data-valid="no"' in page and "是：近12个月内" in page
    light = html(client.get("/penalty-lists?department=market&kind=light"))
    assert "SCJG-CQ-001" in light and FIRST_ONLY not in light
    assert "STHJ-BCF-001" in html(client.get("/penalty-lists?department=environment"))
    assert client.get("/penalty-lists?department=nowhere").status_code == 404
    assert client.get("/penalty-lists?kind=heavy").status_code == 422
    assert client.get("/penalty-lists?cause=NO-SUCH").status_code == 404


def test_the_officer_sees_the_causes_list_items_and_whether_the_party_is_a_first_violator(app, api):
    repeat = party("91990105MA0PG8HJ9")
    earlier = decided_with_a_fine(api, repeat)
    case = to_report(api, repeat)
    client = page_of(app.test_client(), "officer1")
    task_id = api.task(case, "investigation_report")["id"]
    page = html(client.get(f"/tasks/{task_id}"))
    assert re.search(rf'<select id="f-penalty_list_item" name="penalty_list_item"[^>]*>.*<option value="{FIRST_ONLY}">',
                     page, re.S)
    assert "SCJG-BCF-000" not in page  # ended: not offered
    data = {k: v for k, v in {**STEPS["investigation_report"][1], "penalty_list_item": None,
                              "meets_penalty_list": None}.items() if v is not None}
    r = client.post(f"/tasks/{task_id}", data=MultiDict([("csrf_token", csrf_of(page)),
                                                         *encode(FORMS["investigation_report"], data)]))
    page = html(r)
    assert r.status_code == 200 and 'data-testid="penalty-list-sheet"' in page
    assert f'data-code="{FIRST_ONLY}" data-kind="no_penalty"' in page and f'data-code="{MINOR}"' in page
    assert 'data-testid="first-violation" data-first="no"' in page and earlier["number"] in page
    assert "选择本案适用的清单事项" in page  # the error beside the field
