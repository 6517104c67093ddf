"""An enterprise inspection is no filed case (立案): its number (案号) is of a kind of its own,
`inspection_case` (检: 清市监检〔2027〕1号), which its procedure's kind (procedureKind `inspection`)
chooses (services/registers/numbering.py CASE_KINDS), gapless per department and year on a counter of its
own beside the penalty cases' 立. On SQLite and PostgreSQL."""
import re
from datetime import datetime

from tests.helpers import at_once
from tests.inspection import ENTITY, Inspection
from workflow_app.extensions import db
from workflow_app.models import IssuedNumber, NumberCounter, OrgUnit
from workflow_app.oversight.calendar import LOCAL_TZ


def trail(api, case, action: str) -> list[dict]:
    return [e["data"] for e in api.get(f"/api/v1/cases/{case['id']}/trace").json["items"] if e["action"] == action]


def test_an_inspection_is_numbered_by_the_inspection_kind_on_its_own_counter_and_a_penalty_case_keeps_its_own(
        app, api, clock):
    clock.set_now(datetime(2027, 3, 5, 10, 0, tzinfo=LOCAL_TZ))
    inspection = Inspection(api)
    first = inspection.open()
    penalty = api.open_case()
    second = inspection.open()
    assert (first["number"], penalty["number"], second["number"]) == (
        "清市监检〔2027〕1号", "清市监立〔2027〕1号", "清市监检〔2027〕2号")
    assert trail(api, first, "case.opened")[0]["number"] == "清市监检〔2027〕1号"
    with app.app_context():
        issued = db.session.execute(db.select(IssuedNumber.kind, IssuedNumber.seq, IssuedNumber.number)
                                    .order_by(IssuedNumber.id)).all()
        counters = dict(db.session.execute(db.select(NumberCounter.kind, NumberCounter.last)
                                           .where(NumberCounter.year == 2027)).all())
        db.session.remove()
    assert [tuple(row) for row in issued] == [("inspection_case", 1, "清市监检〔2027〕1号"),
                                              ("case", 1, "清市监立〔2027〕1号"),
                                              ("inspection_case", 2, "清市监检〔2027〕2号")]
    assert counters == {"inspection_case": 2, "case": 1}


def test_inspections_opened_at_once_take_consecutive_numbers_none_twice(app, api, clock):
    clock.set_now(datetime(2027, 3, 5, 10, 0, tzinfo=LOCAL_TZ))
    headers = api.headers("officer1")
    body = {"procedure_id": "inspection", "title": "涉企行政检查", "department": "market", "party": ENTITY}

    def attempt():
        r = app.test_client().post("/api/v1/cases", headers=headers, json=body)
        return r.status_code, r.json.get("number")

    results = at_once(app, attempt)
    assert sorted(results) == [(201, "清市监检〔2027〕1号"), (201, "清市监检〔2027〕2号")], results


def test_a_department_without_numbering_tells_an_inspections_register_number_from_a_cases(app, api, ctx):
    market = db.session.execute(db.select(OrgUnit).where(OrgUnit.code == "market")).scalar_one()
    market.numbering = None
    db.session.commit()
    inspection = Inspection(api)
    assert re.fullmatch(r"MARKET-检-\d{4}-00001", inspection.open()["number"])
    assert re.fullmatch(r"MARKET-\d{4}-00001", api.open_case()["number"])


def test_an_administrator_sets_the_inspections_code_like_any_other_and_not_one_another_kind_has(app, api):
    runner = app.test_cli_runner()
    shown = runner.invoke(args=["org", "numbering", "market"])
    assert shown.exit_code == 0 and re.search(r"inspection_case=清市监检〔\d{4}〕1号", shown.output), shown.output
    refused = runner.invoke(args=["org", "numbering", "market", "--code", "inspection_case=立"])
    assert refused.exit_code != 0 and "code:" in refused.output and "inspection_case" in refused.output
    r = runner.invoke(args=["org", "numbering", "market", "--code", "inspection_case=查"])
    assert r.exit_code == 0 and re.search(r"inspection_case=清市监查〔\d{4}〕1号", r.output), r.output
    assert re.fullmatch(r"清市监查〔\d{4}〕1号", Inspection(api).open()["number"])
    assert re.fullmatch(r"清市监立〔\d{4}〕1号", api.open_case()["number"])
