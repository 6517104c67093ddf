"""案号 and 文号 the system issues (services/registers/numbering.py): from the department's pattern, gapless per
department, year and kind, under concurrency, never reused, printed on the documents and kept with
the case's record and its trail."""
import io
import re
import threading
from datetime import datetime

import docx
import pytest

from tests.helpers import STEPS, TO_DECISION, at_once, engine_steps_meet, migration_sandbox
from workflow_app.extensions import db
from workflow_app.models import IssuedNumber, NumberCounter, OrgUnit
from workflow_app.oversight.calendar import LOCAL_TZ
from workflow_app.services.cases import step_path


def listed(api, case) -> dict:
    r = api.get(f"/api/v1/cases/{case['id']}/documents")
    assert r.status_code == 200, r.json
    return {d["kind"]: d for d in r.json["items"]}


def docx_text(body: bytes) -> str:
    document = docx.Document(io.BytesIO(body))
    return "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for row in t.rows for c in row.cells])


def seq_of(number: str) -> int:
    return int(re.fullmatch(r".*〕(\d+)号", number).group(1))


def trail(api, case, action: str) -> list[dict]:
    return [e["data"] for e in api.get(f"/api/v1/cases/{case['id']}/trace").json["items"] if e["action"] == action]


def notices_ready(api, count: int) -> list[dict]:
    """`count` cases whose notice (告知) is the next step."""
    return [api.run(api.open_case(), *TO_DECISION[:4]) for _ in range(count)]


# -- the case number ---------------------------------------------------------------------------------
def test_a_case_is_numbered_by_its_departments_filing_pattern(api, clock):
    clock.set_now(datetime(2027, 3, 5, 10, 0, tzinfo=LOCAL_TZ))
    first, second = api.open_case(), api.open_case()
    assert (first["number"], second["number"]) == ("清市监立〔2027〕1号", "清市监立〔2027〕2号")
    assert trail(api, first, "case.opened")[0]["number"] == "清市监立〔2027〕1号"  # the trail names it


def test_the_year_is_beijings_year_of_the_act_not_utcs(api, clock):
    # 2028-01-01 07:30 in Beijing is still 2027-12-31 in UTC
    clock.set_now(datetime(2028, 1, 1, 7, 30, tzinfo=LOCAL_TZ))
    assert api.open_case()["number"] == "清市监立〔2028〕1号"


def test_a_department_without_a_pattern_keeps_the_registers_numbers_and_cannot_number_documents(app, api, ctx):
    market = db.session.execute(db.select(OrgUnit).where(OrgUnit.code == "market")).scalar_one()
    case = api.run(api.open_case(), *TO_DECISION[:4])
    market.numbering = None
    db.session.commit()
    assert re.fullmatch(r"MARKET-\d{4}-\d{5}", api.open_case()["number"])
    refused = api.complete(case, "penalty_notice", expect=409)
    assert refused.json["error"] == "numbering_not_set" and "flask org numbering" in refused.json["message"]
    assert "penalty_notice" in api.ready(api.get(f"/api/v1/cases/{case['id']}").json)  # nothing happened


# -- the document numbers ----------------------------------------------------------------------------
def test_completing_the_decision_issues_its_number_which_the_record_the_list_and_the_document_print(api):
    case = api.run(api.open_case(), *TO_DECISION, "penalty_decision")
    number = listed(api, case)["penalty_decision"]["number"]
    assert re.fullmatch(r"清市监罚〔20\d\d〕1号", number), number
    assert listed(api, case)["penalty_notice"]["number"].startswith("清市监罚告〔")
    assert listed(api, case)["filing_approval"]["number"] is None  # its step issues none (it prints the case's)
    decision = next(t for t in api.get(f"/api/v1/cases/{case['id']}/tasks").json["items"]
                    if t["bpmn_id"] == "penalty_decision")
    assert decision["data"]["decision_number"] == number  # the case's record, as printed
    word = api.get(f"/api/v1/cases/{case['id']}/documents/penalty_decision.docx")
    assert number in docx_text(word.data)
    assert number in api.get(f"/api/v1/cases/{case['id']}/documents/penalty_decision.html").get_data(as_text=True)
    assert number in docx_text(api.get(f"/api/v1/cases/{case['id']}/documents/service_receipt.docx").data)
    issued = [e["number"] for e in trail(api, case, "number.issued")]
    assert issued == [listed(api, case)["penalty_notice"]["number"], number]
    assert trail(api, case, "number.issued")[-1] == {"kind": "penalty_decision", "year": int(number[5:9]),
                                                     "seq": 1, "number": number, "field": "decision_number"}


def test_a_number_stays_with_its_document_however_often_it_is_printed(api):
    case = api.run(api.open_case(), *TO_DECISION, "penalty_decision")
    number = listed(api, case)["penalty_decision"]["number"]
    api.run(api.open_case(), *TO_DECISION, "penalty_decision")  # another decision takes the next number
    for _ in range(2):
        assert number in docx_text(api.get(f"/api/v1/cases/{case['id']}/documents/penalty_decision.docx").data)
    assert listed(api, case)["penalty_decision"]["number"] == number


def test_an_officer_cannot_type_a_number_the_system_issues(api):
    case = api.run(api.open_case(), *TO_DECISION[:4])
    refused = api.complete(case, "penalty_notice", expect=422, notice_number="清市监罚告〔2026〕99号")
    assert list(refused.json["errors"]) == ["notice_number"]
    assert "由系统" in refused.json["errors"]["notice_number"][0]  # Chinese unless the client asks otherwise


def test_the_hearing_notice_and_the_transfer_letter_are_numbered_too(api):
    heard = api.run(api.open_case(), *TO_DECISION[:-1], ("statement_defence", {"hearing_requested": True}),
                    "hearing_notice")
    assert re.fullmatch(r"清市监听〔20\d\d〕1号", listed(api, heard)["hearing_notice"]["number"])


# -- gapless, concurrent, never reused ---------------------------------------------------------------
def test_notices_completed_at_once_get_consecutive_numbers_with_no_gap_and_none_twice(app, api, ctx):
    cases = notices_ready(api, 6)
    tasks = [api.task(c, "penalty_notice")["id"] for c in cases]
    headers = api.headers("officer1")
    data = STEPS["penalty_notice"][1]
    claimed = iter(tasks)
    lock = threading.Lock()

    def attempt():
        with lock:
            task_id = next(claimed)
        r = app.test_client().post(f"/api/v1/tasks/{task_id}/complete", headers=headers, json={"data": data})
        return r.status_code

    assert sorted(at_once(app, attempt, workers=6)) == [200] * 6
    db.session.expire_all()
    numbers = [listed(api, c)["penalty_notice"]["number"] for c in cases]
    assert sorted(seq_of(n) for n in numbers) == [1, 2, 3, 4, 5, 6]
    rows = db.session.execute(db.select(IssuedNumber.number).where(IssuedNumber.kind == "penalty_notice")).scalars()
    assert sorted(rows) == sorted(numbers)


def test_a_step_that_loses_its_race_gives_its_number_back(app, api, ctx, monkeypatch):
    """Two completions of one decision at once: one wins (200), the other is refused (409) and
    rolls back with the number it took, so the next decision takes the very next number."""
    case = api.run(api.open_case(), *TO_DECISION)
    task_id = api.task(case, "penalty_decision")["id"]
    headers = api.headers("head1")
    original = engine_steps_meet(monkeypatch)  # both have run the engine and go on to write

    def attempt():
        r = app.test_client().post(f"/api/v1/tasks/{task_id}/complete", headers=headers,
                                   json={"data": STEPS["penalty_decision"][1]})
        return r.status_code

    assert sorted(at_once(app, attempt)) == [200, 409]
    monkeypatch.setattr(step_path, "run_engine_step", original)
    db.session.expire_all()
    first = listed(api, case)["penalty_decision"]["number"]
    later = api.run(api.open_case(), *TO_DECISION, "penalty_decision")
    assert seq_of(listed(api, later)["penalty_decision"]["number"]) == seq_of(first) + 1  # no gap
    year = int(first[5:9])
    market = db.session.execute(db.select(OrgUnit.id).where(OrgUnit.code == "market")).scalar_one()
    assert db.session.get(NumberCounter, (market, year, "penalty_decision")).last == seq_of(first) + 1


def test_decisions_of_a_new_year_start_again_at_one(api, clock):
    clock.set_now(datetime(2029, 12, 31, 9, 0, tzinfo=LOCAL_TZ))
    december = api.run(api.open_case(), *TO_DECISION[:4], "penalty_notice")
    clock.set_now(datetime(2030, 1, 2, 9, 0, tzinfo=LOCAL_TZ))
    api._tokens.clear()  # the tokens of December have expired
    january = api.run(api.open_case(), *TO_DECISION[:4], "penalty_notice")
    assert listed(api, december)["penalty_notice"]["number"] == "清市监罚告〔2029〕1号"
    assert listed(api, january)["penalty_notice"]["number"] == "清市监罚告〔2030〕1号"


# -- the administrator's settings -------------------------------------------------------------------
def test_an_administrator_sets_a_departments_numbering_from_the_cli(app, api):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["org", "numbering", "market", "--abbr", "清河市监", "--code", "penalty_decision=处罚"])
    assert r.exit_code == 0, r.output
    assert re.search(r"penalty_decision=清河市监处罚〔\d{4}〕1号", r.output), r.output
    case = api.run(api.open_case(), *TO_DECISION, "penalty_decision")
    assert case["number"].startswith("清河市监立〔")
    assert listed(api, case)["penalty_decision"]["number"].startswith("清河市监处罚〔")
    r = runner.invoke(args=["org", "numbering", "market"])
    assert r.exit_code == 0 and "pattern: {abbr}{kind}〔{year}〕{seq}号" in r.output


@pytest.mark.parametrize("args, field", [
    (["--pattern", "{abbr}{kind}〔{year}〕号"], "pattern"),  # no {seq}
    (["--pattern", "{abbr.__class__}{kind}〔{year}〕{seq}号"], "pattern"),
    (["--abbr", "清\x00市监"], "abbr"),
    (["--abbr", "清" * 500], "abbr"),
    (["--code", "penalty_notice=罚"], "code"),  # the decision's code: two kinds would print the same
    (["--code", "Penalty=罚"], "code"),
    (["--code", "penalty_decision"], None),  # not KIND=CODE
])
def test_the_cli_refuses_a_numbering_that_could_not_print_or_would_print_twice(app, args, field):
    r = app.test_cli_runner().invoke(args=["org", "numbering", "market", *args])
    assert r.exit_code != 0 and "Traceback" not in r.output, r.output
    assert field is None or f"{field}:" in r.output, r.output


def test_an_unknown_department_is_named(app):
    r = app.test_cli_runner().invoke(args=["org", "numbering", "nowhere", "--abbr", "某"])
    assert r.exit_code == 1 and "nowhere" in r.output, r.output


def test_the_migration_keeps_each_departments_case_counter_both_ways(tmp_path):
    """Existing cases keep their numbers and a department's yearly case counter continues: the
    counters move to number_counter as kind `case`, and back on a downgrade."""
    app, runner, sql = migration_sandbox(tmp_path)

    assert runner.invoke(args=["db", "upgrade", "0015"]).exit_code == 0
    sql("INSERT INTO org_unit (id, code, name, kind, path) VALUES (1, 'market', '市场监督管理局', 'department', '/1/')")
    sql("INSERT INTO case_number_counter (department_id, year, last) VALUES (1, 2026, 41)")
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert sql("SELECT department_id, year, kind, last FROM number_counter") == [(1, 2026, "case", 41)]
    sql("INSERT INTO number_counter (department_id, year, kind, last) VALUES (1, 2026, 'penalty_decision', 7)")
    result = runner.invoke(args=["db", "downgrade", "0015"])
    assert result.exit_code == 0, result.output
    assert sql("SELECT department_id, year, last FROM case_number_counter") == [(1, 2026, 41)]
    with app.app_context():
        db.engine.dispose()
