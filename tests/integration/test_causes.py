"""The causes registers (案由, services/registers/causes.py, `flask causes import|list`, GET /api/v1/causes) and
FINE_OUTSIDE_STATUTORY_RANGE (APL Art. 32): a fine proposed, notified or decided outside the range
of its cause's penalty provision is refused, unless going below the minimum is grounded in a
recorded APL 32 circumstance (减轻处罚); above the maximum never. On SQLite and PostgreSQL.

The demo register's Food Safety Law Art. 124 cause (workflow_app/demo/causes.csv): 50,000 to
100,000 yuan for goods worth less than 10,000 yuan, 10 to 20 times their value from 10,000."""
import re

from werkzeug.datastructures import MultiDict

from tests.helpers import STEPS
from tests.integration.test_step_rules import assert_refused
from tests.integration.test_task_forms import FORMS, _banner, encode, page_of
from tests.web_session import csrf_of, html
from workflow_app.extensions import db
from workflow_app.models import Cause, OrgUnit, TraceEvent
from workflow_app.web import task_forms

FSL_124 = "SCJG-SP-124-01"
HEADER = ("department,code,name,violated_provision,penalty_provision,penalty_kinds,min_fine,max_fine,multiple_basis,"
          "min_multiple,max_multiple,multiple_from,benchmark_item\n")
# the report's finding on the no-penalty list of STEPS' cause (Food Safety Law Art. 126), left out
# with that cause: Art. 124 is on no list of the demo
OFF_THE_LISTS = {"penalty_list_item": None, "meets_penalty_list": None}
MITIGATED = {"mitigating_circumstance": "eliminated_harm",
             "mitigation_facts": "当事人在执法人员检查前已主动下架并销毁全部过期食品，未造成危害后果"}


def propose(api, case, fine, expect=200, **more):
    """The investigation report proposes `fine` under the Food Safety Law Art. 124 cause."""
    data = {"cause": FSL_124, "proposed_fine": fine, "proposed_penalty_kinds": ["confiscation", "fine"],
            "benchmark_tier": "lighter", **OFF_THE_LISTS, **more}
    return api.complete(case, "investigation_report", expect=expect, **data)


def to_report(api):
    return api.run(api.open_case(), "clue_intake", "filing_approval", "investigation")


def cause(department: str, code: str) -> Cause | None:
    return db.session.execute(db.select(Cause).join(OrgUnit, Cause.department_id == OrgUnit.id)
                              .where(OrgUnit.code == department, Cause.code == code)).scalar()


# -- the register ---------------------------------------------------------------------------------------------
def test_the_demo_registers_hold_realistic_causes_of_several_departments(app, ctx):
    fsl = cause("market", FSL_124)
    assert (fsl.min_fine, fsl.max_fine, fsl.multiple_basis, fsl.min_multiple, fsl.max_multiple, fsl.multiple_from) == (
        50000, 100000, "goods_value", 10, 20, 10000)
    assert "第一百二十四条" in fsl.penalty_provision and fsl.benchmark_item == FSL_124
    departments = set(db.session.execute(db.select(OrgUnit.code).join(Cause, Cause.department_id == OrgUnit.id)).scalars())
    assert {"market", "environment", "transport", "emergency"} <= departments
    out = app.test_cli_runner().invoke(args=["causes", "list", "--department", "market"])
    assert out.exit_code == 0 and f"market\t{FSL_124}\t经营超过保质期的食品" in out.output
    assert "50000元以上100000元以下" in out.output
    out = app.test_cli_runner().invoke(args=["causes", "list", "--department", "nowhere"])
    assert out.exit_code == 1 and "Error: " in out.output


def test_the_api_lists_a_departments_causes_and_looks_one_up_with_its_benchmark(api):
    own = api.get("/api/v1/causes")  # officer1's own department
    assert own.status_code == 200 and own.json["department"] == "market"
    codes = [c["code"] for c in own.json["items"]]
    assert FSL_124 in codes and codes == sorted(codes)
    other = api.get("/api/v1/causes?department=environment").json
    assert other["department"] == "environment" and all(c["department"] == "environment" for c in other["items"])
    one = api.get(f"/api/v1/causes/market/{FSL_124}")
    assert one.status_code == 200
    assert (one.json["min_fine"], one.json["max_fine"], one.json["multiple_basis"]) == (50000, 100000, "goods_value")
    assert "货值金额10000元以上的，货值金额10倍以上20倍以下罚款" in one.json["statutory_range"]
    assert [t["tier"] for t in one.json["benchmark"]["tiers"]] == ["lighter", "ordinary", "heavier"]
    english = api.get(f"/api/v1/causes/market/{FSL_124}", headers={"Accept-Language": "en"}).json
    assert "10 to 20 times the value of the goods" in english["statutory_range"]
    assert api.get("/api/v1/causes/market/NO-SUCH").status_code == 404
    assert api.get("/api/v1/causes?department=nowhere").status_code == 404
    assert api.get("/api/v1/causes?department=%00").status_code == 422
    for junk in ("%00", "%ED%A0%80", "x" * 5000):  # a NUL, a lone surrogate, a huge code: no such cause
        assert api.get(f"/api/v1/causes/market/{junk}").status_code == 404
        assert api.get(f"/api/v1/causes/{junk}/{FSL_124}").status_code == 404
    # a supervisor of the district belongs to no department: they name one
    assert api.get("/api/v1/causes", as_="supervisor1").status_code == 422
    assert api.get("/api/v1/causes?department=market", as_="supervisor1").status_code == 200


# -- the statutory range, through the API ------------------------------------------------------------------
def test_a_proposed_fine_below_the_statutory_minimum_is_refused_naming_the_provision_and_apl_32(api):
    case = to_report(api)
    r = propose(api, case, 20000, expect=422)  # 20,000 under Art. 124 (minimum 50,000), as 从轻
    assert_refused(api, case, r, "FINE_OUTSIDE_STATUTORY_RANGE", "第32条", "investigation_report.proposed_fine")
    assert "《中华人民共和国食品安全法》第一百二十四条第一款第五项" in r.json["message"]
    assert "50000元以上100000元以下" in r.json["message"] and "《行政处罚法》第32条" in r.json["message"]
    above = propose(api, case, 100001, **MITIGATED, expect=422)  # above the maximum: never
    assert above.json["error"] == "FINE_OUTSIDE_STATUTORY_RANGE" and "不得高于法定最高额" in above.json["message"]
    within = propose(api, case, 60000)
    assert "penalty_notice" in api.ready(within)


def test_a_recorded_apl_32_circumstance_grounds_a_fine_below_the_minimum_on_every_later_step(app, api):
    case = propose(api, to_report(api), 20000, **MITIGATED)
    # the notice and the decision take the report's cause and circumstance
    case = api.complete(case, "penalty_notice", cause=FSL_124, notified_fine=20000,
                        notified_penalty_kinds=["confiscation", "fine"])
    case = api.complete(case, "statement_defence")
    # the head's decision form opens with the case's cause and its penalty provision as the legal basis
    page = html(page_of(app.test_client(), "head1").get(f"/tasks/{api.task(case, 'penalty_decision')['id']}"))
    assert f'<option value="{FSL_124}" selected>' in page
    assert re.search(r'name="legal_basis"[^>]*>《中华人民共和国食品安全法》第一百二十四条第一款第五项</textarea>', page)
    decided = api.complete(case, "penalty_decision", cause=FSL_124, fine_amount=20000, benchmark_tier="mitigated",
                           penalty_kinds=["confiscation", "fine"])
    assert decided["status"] == "decided"


def test_the_goods_value_sets_the_range_in_multiples_and_a_cause_not_in_the_register_is_refused(api):
    case = to_report(api)
    # goods worth 30,000 yuan: 10 to 20 times, 300,000 to 600,000 yuan
    low = propose(api, case, 100000, goods_value=30000, expect=422)
    assert "货值金额30000元的10倍以上20倍以下，即300000元至600000元" in low.json["message"]
    unknown = propose(api, case, 60000, cause="STHJ-DQ-99-02", expect=422)  # another department's cause
    assert unknown.json["errors"] == {"cause": ["STHJ-DQ-99-02不是市场监督管理局案由清单中的案由"]}
    assert propose(api, case, 60000, cause="x" * 65, expect=422).json["errors"]["cause"]  # longer than a code
    # no cause chosen: the department has a register, so the report names one from it
    missing = propose(api, case, 60000, cause=None, expect=422)
    assert missing.json["errors"] == {"cause": ["为必填项：请从市场监督管理局的案由清单中选择本案的案由"]}


def test_a_decision_under_the_notices_cause_is_checked_against_it(api):
    case = propose(api, to_report(api), 60000)
    case = api.complete(case, "penalty_notice", notified_fine=60000, notified_penalty_kinds=["fine"])
    case = api.complete(case, "statement_defence")
    r = api.complete(case, "penalty_decision", fine_amount=40000, expect=422)  # the report's cause, no circumstance
    assert_refused(api, case, r, "FINE_OUTSIDE_STATUTORY_RANGE", "第32条", "penalty_decision.fine_amount",
                   "penalty_decision.mitigating_circumstance")
    assert api.complete(case, "penalty_decision", fine_amount=40000, **MITIGATED)["status"] == "decided"


# -- the import ---------------------------------------------------------------------------------------------
def test_an_import_is_checked_whole_names_each_bad_line_and_is_traced(app, ctx, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER
                   + "market,X-1,某违法行为,某法第1条,某法第2条,fine,100,50,,,,,\n"            # min above max
                   + "nowhere,X-2,某违法行为,某法第1条,某法第2条,fine,1,5,,,,,\n"               # no such department
                   + "environment,X-3,某违法行为,某法第1条,某法第2条,detention;fine,1,5,,,,,\n"  # not its power
                   + "market,X-4,某违法行为,某法第1条,某法第2条,fine,1,5,turnover,1,2,,\n"      # unknown basis
                   + "market,X-5,某违法行为,某法第1条,某法第2条,warning,1,5,,,,,\n"               # a range, no fine
                   + "market,X-6,某违法行为,某法第1条,某法第2条,fine,ten,5,,,,,NO-ITEM\n",
                   encoding="utf-8")
    out = app.test_cli_runner().invoke(args=["causes", "import", str(bad)])
    assert out.exit_code == 1 and all(f"line {n}" in out.output for n in range(2, 8)), out.output
    assert "not in the powers list of environment" in out.output and "NO-ITEM" in out.output
    assert cause("market", "X-1") is None
    good = tmp_path / "good.csv"
    good.write_text("\ufeff" + HEADER
                    + "market,X-1,某违法行为,某法第1条,某法第2条,warning;fine,1000,5000,illegal_gain,1,5,5000,\n"
                    + f"market,{FSL_124},经营超过保质期的食品,某法第1条,某法第2条,fine,60000,100000,,,,,\n",
                    encoding="utf-8")
    out = app.test_cli_runner().invoke(args=["causes", "import", str(good)])
    assert out.exit_code == 0 and "1 added, 1 updated" in out.output, out.output
    db.session.expire_all()
    assert (cause("market", "X-1").multiple_basis, cause("market", FSL_124).min_fine) == ("illegal_gain", 60000)
    event = db.session.execute(db.select(TraceEvent).where(TraceEvent.action == "causes.imported")
                               .order_by(TraceEvent.id.desc()).limit(1)).scalar_one()
    assert event.actor.startswith("cli:") and '"created":1' in event.data_json
    for junk in (b"\xff\xfe", b"department,code\nx,y\n", HEADER.encode(), HEADER.encode() + b"market,\x00,a,b,c,fine,,1,,,,,\n",
                 HEADER.encode() + b"market,X-9," + b"x" * 400 + b",b,c,fine,,1,,,,,\n"):
        (tmp_path / "junk.csv").write_bytes(junk)
        out = app.test_cli_runner().invoke(args=["causes", "import", str(tmp_path / "junk.csv")])
        assert out.exit_code == 1 and out.output.startswith("Error: ") and "Traceback" not in out.output, out.output
    assert app.test_cli_runner().invoke(args=["causes", "import", str(tmp_path / "missing.csv")]).exit_code == 1


# -- the pages ----------------------------------------------------------------------------------------------
def test_the_causes_page_shows_a_departments_register_with_its_statutory_ranges(app):
    client = page_of(app.test_client(), "officer1")
    page = html(client.get("/causes"))
    assert 'data-testid="causes" data-department="market"' in page and f'data-code="{FSL_124}"' in page
    assert "50000元以上100000元以下罚款" in page and "《中华人民共和国食品安全法》第一百二十四条第一款第五项" in page
    other = html(client.get("/causes?department=environment"))
    assert 'data-department="environment"' in other and "STHJ-DQ-99-02" in other and FSL_124 not in other
    assert client.get("/causes?department=nowhere").status_code == 404


def test_the_officer_chooses_the_cause_sees_its_benchmark_and_a_fine_below_its_minimum_is_refused(app, api):
    case = to_report(api)
    client = page_of(app.test_client(), "officer1")
    task_id = api.task(api.get(f"/api/v1/cases/{case['id']}").json, "investigation_report")["id"]
    page = html(client.get(f"/tasks/{task_id}"))
    assert re.search(rf'<select id="f-cause" name="cause"[^>]*>.*<option value="{FSL_124}">{FSL_124} 经营超过保质期的食品',
                     page, re.S)
    assert "STHJ-DQ-99-02" not in page  # another department's cause is not offered
    data = {**STEPS["investigation_report"][1], "cause": FSL_124, "proposed_fine": 20000, "benchmark_tier": "lighter"}
    data = {k: v for k, v in {**data, **OFF_THE_LISTS}.items() if v is not None}
    posted = encode(FORMS["investigation_report"], data)
    r = client.post(f"/tasks/{task_id}", data=MultiDict([("csrf_token", csrf_of(page)), *posted]))
    page = html(r)
    assert r.status_code == 200 and 'data-code="FINE_OUTSIDE_STATUTORY_RANGE"' in page
    assert "低于《中华人民共和国食品安全法》第一百二十四条第一款第五项规定的罚款幅度" in _banner(page)
    assert 'data-testid="cause-sheet" data-cause="SCJG-SP-124-01"' in page
    assert 'data-testid="benchmark" data-within="no"' in page and "50000–65000" in page
    posted = encode(FORMS["investigation_report"], {**data, **MITIGATED})
    r = client.post(f"/tasks/{task_id}", data=MultiDict([("csrf_token", csrf_of(page)), *posted]))
    assert r.status_code == 302
    # the notice takes the report's cause
    notice = api.task(api.get(f"/api/v1/cases/{case['id']}").json, "penalty_notice")["id"]
    page = html(client.get(f"/tasks/{notice}"))
    assert f'<option value="{FSL_124}" selected>' in page and 'data-testid="cause-sheet"' in page


def test_a_fresh_report_opens_with_the_cases_cause_its_provisions_and_its_benchmark_item():
    fsl = Cause(code=FSL_124, violated_provision="《中华人民共和国食品安全法》第三十四条第十项",
                penalty_provision="《中华人民共和国食品安全法》第一百二十四条第一款第五项", benchmark_item=FSL_124)
    assert task_forms.initial_values(FORMS["investigation_report"], fsl) == {
        "cause": FSL_124, "violated_provision": fsl.violated_provision, "penalty_provision": fsl.penalty_provision,
        "benchmark_item": FSL_124}
    fsl.benchmark_item = None  # a cause with no benchmark leaves the field to the officer
    assert "benchmark_item" not in task_forms.initial_values(FORMS["investigation_report"], fsl)
    assert task_forms.initial_values(FORMS["investigation_report"]) == {}
