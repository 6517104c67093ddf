"""The numbers of pre-printed forms (services/registers/printed_numbers.py): the summary procedure's decision
form (当场处罚决定书, APL Art. 52) is pre-printed and numbered; the officer types its number, and a
number recorded for a department is never recorded again, on another case or over a number the
system issued — refused beside the field naming the case that holds it, under concurrency, and
given back by a step that rolls back. On both databases."""
import json
import threading

import pytest
from sqlalchemy.exc import IntegrityError

from tests.helpers import at_once, engine_steps_meet
from tests.summary import ON_THE_SPOT, Summary, decision_number
from tests.tampering import tamper
from workflow_app.extensions import db
from workflow_app.models import Case, IssuedNumber, Task
from workflow_app.services.cases import lifecycle as cases
from workflow_app.services.cases import step_path
from workflow_app.services.errors import Invalid
from workflow_app.services.procedures import versions as procedures
from workflow_app.services.registers import printed_numbers

pytestmark = pytest.mark.dates

BEFORE = ON_THE_SPOT[:-1]  # up to the decision


@pytest.fixture
def summary(api):
    return Summary(api)


def at_the_decision(summary) -> dict:
    return summary.run(summary.open(), *BEFORE)


def recorded(number: str) -> list[tuple]:
    db.session.expire_all()
    return db.session.execute(db.select(IssuedNumber.case_id, IssuedNumber.kind, IssuedNumber.seq, IssuedNumber.field)
                              .where(IssuedNumber.number == number)).all()


def trail(api, case, action: str) -> list[dict]:
    return [e["data"] for e in api.get(f"/api/v1/cases/{case['id']}/trace").json["items"] if e["action"] == action]


# -- recorded once -------------------------------------------------------------------------------------
def test_a_number_recorded_on_one_case_is_refused_on_another_naming_the_case_that_holds_it(app, api, summary, ctx):
    first = summary.run(at_the_decision(summary), "decide")
    number = decision_number(first)
    assert recorded(number) == [(first["id"], "summary_decision", None, "decision_number")]
    assert trail(api, first, "number.recorded") == [{"kind": "summary_decision", "number": number,
                                                     "field": "decision_number"}]
    second = at_the_decision(summary)
    r = summary.complete(second, "decide", expect=422, decision_number=number)
    assert r.json["error"] == "number_taken" and list(r.json["errors"]) == ["decision_number"]
    said = r.json["errors"]["decision_number"][0]
    assert number in said and first["number"] in said and first["title"] in said, said
    assert "预先印制" in said  # Chinese unless the client asks otherwise
    assert r.json["details"]["case"] == {"id": first["id"], "number": first["number"]}
    with app.app_context():  # a request of its own (the test's context keeps the language it chose first)
        english = api.post(f"/api/v1/tasks/{api.task(second, 'decide')['id']}/complete",
                           headers={"Accept-Language": "en"},
                           json={"data": {**summary_data(summary, second), "decision_number": number}})
    assert english.status_code == 422
    assert english.json["errors"]["decision_number"][0].startswith(f"{number} is already used by case {first['number']}")
    assert api.ready(api.get(f"/api/v1/cases/{second['id']}").json) == ["decide"]  # nothing happened
    assert recorded(number) == [(first["id"], "summary_decision", None, "decision_number")]
    assert summary.complete(second, "decide")["status"] == "decided"  # its own form's number


def test_the_decision_page_says_beside_the_number_which_case_holds_it(app, api, summary):
    from werkzeug.datastructures import MultiDict

    from tests.web_session import csrf_of, html, page_login

    first = summary.run(at_the_decision(summary), "decide")
    second = at_the_decision(summary)
    task_id = api.task(second, "decide")["id"]
    browser = app.test_client()
    page_login(browser, "officer1")
    token = csrf_of(html(browser.get(f"/tasks/{task_id}")))
    data = {**summary_data(summary, second), "decision_number": decision_number(first)}
    posted = [(k, v) for k, value in data.items() for v in (value if isinstance(value, list) else [value])]
    r = browser.post(f"/tasks/{task_id}", data=MultiDict([("csrf_token", token), *[(k, str(v)) for k, v in posted]]))
    assert r.status_code == 200
    page = html(r)
    error = page[page.index('data-testid="error-decision_number"'):]
    assert first["number"] in error[:error.index("</div>")] and f'value="{decision_number(first)}"' in page


def summary_data(summary, case) -> dict:
    from tests.summary import steps

    return {"decision_number": decision_number(case), **steps(**summary.dates)["decide"][1]}


def test_full_width_digits_and_spaces_do_not_make_another_number(api, summary, ctx):
    first = summary.run(at_the_decision(summary), ("decide", {"decision_number": "当罚 No.００１２３"}))
    decided = api.get(f"/api/v1/cases/{first['id']}/tasks").json["items"]
    assert next(t for t in decided if t["bpmn_id"] == "decide")["data"]["decision_number"] == "当罚No.00123"
    second = at_the_decision(summary)
    r = summary.complete(second, "decide", expect=422, decision_number="当罚No. 00123 ")
    assert first["number"] in r.json["errors"]["decision_number"][0]


def test_a_number_the_system_issued_is_not_typed_as_a_printed_one(api, summary, ctx):
    other = api.open_case()  # a case of the general procedure: its 案号 the system issued
    case = at_the_decision(summary)
    r = summary.complete(case, "decide", expect=422, decision_number=other["number"])
    assert other["number"] in r.json["errors"]["decision_number"][0]
    r = summary.complete(case, "decide", expect=422, decision_number=case["number"])  # its own case number
    assert "本案" in r.json["errors"]["decision_number"][0]


def test_another_department_may_print_the_same_number(api, summary, ctx):
    """Unique per department: the number on the market bureau's form is no other bureau's concern
    (the urban management bureau has no causes register: its notice names no cause)."""
    urban = api.open_case(as_="urban_officer1", procedure_id="summary_penalty", title="王某占道经营案",
                          department="urban", party={"name": "王某某", "kind": "person"})
    for bpmn_id, changes in (("identify", {"officers": ["urban_officer1", "urban_officer2"]}),
                             ("notify", {"cause": None}), ("hear_statement", {}),
                             ("decide", {"decision_number": "当罚No.0001"})):
        urban = summary.complete(urban, bpmn_id, as_="urban_officer1", **changes)
    market = summary.complete(at_the_decision(summary), "decide", decision_number="当罚No.0001")
    assert sorted(case_id for case_id, *_ in recorded("当罚No.0001")) == sorted([urban["id"], market["id"]])


def test_a_user_who_may_not_read_the_holder_is_not_told_which_case_it_is(api, summary, ctx, user):
    holder = summary.run(at_the_decision(summary), "decide")
    case = at_the_decision(summary)
    row = db.session.get(Case, case["id"])
    schema = procedures.procedure_info(row.procedure_version).forms["summary_decision"]
    data = {"decision_number": decision_number(holder)}
    with pytest.raises(Invalid) as seen:
        printed_numbers.check_free(user("environment_officer1"), schema, data, row)
    said = str(seen.value.errors["decision_number"][0])
    assert holder["number"] not in said and holder["title"] not in said and "case" not in seen.value.details
    assert "another case of" in said or "其他案件" in said
    with pytest.raises(Invalid) as seen:
        printed_numbers.check_free(user("officer1"), schema, data, row)
    assert holder["number"] in str(seen.value.errors["decision_number"][0])


@pytest.mark.parametrize("junk, reason", [
    ("当罚\x00No.1", "NUL"),
    ("当罚\ud800No.1", "surrogate"),
    ("1" * 100_000, "long"),
    ("当罚\x07No.1", "control"),
    ("   ", "blank"),
])
def test_junk_in_the_number_is_refused_naming_the_field(api, summary, ctx, junk, reason):
    case = at_the_decision(summary)
    body = json.dumps({"data": {**summary_data(summary, case), "decision_number": junk}})  # \ud800 escaped
    r = api.post(f"/api/v1/tasks/{api.task(case, 'decide')['id']}/complete", data=body,
                 content_type="application/json")
    assert r.status_code == 422, (reason, r.json)
    assert [k for k in r.json["errors"] if k.endswith("decision_number")], (reason, r.json)
    assert db.session.execute(db.select(IssuedNumber).where(IssuedNumber.seq.is_(None))).first() is None


def test_a_package_whose_typed_number_would_not_fit_is_refused_at_deploy(api):
    import io

    from tests.helpers import package_archive, package_files

    files = package_files("summary_penalty")
    path = next(p for p in files if p.endswith("summary_decision.schema.json"))
    form = json.loads(files[path])
    form["properties"]["decision_number"]["maxLength"] = 100
    files = {**files, path: json.dumps(form, ensure_ascii=False).encode()}
    r = api.post("/api/v1/procedures", as_="author1", data={"file": (io.BytesIO(package_archive(files)), "p.zip")},
                 content_type="multipart/form-data", headers={"Accept-Language": "en"})
    assert r.status_code == 422, r.json
    problems = r.json["details"]["problems"]
    assert [p["file"] for p in problems] == [path]
    assert "summary_decision.decision_number: a typed number is kept in at most 64 characters" in problems[0]["message"]


# -- concurrency and rollback -----------------------------------------------------------------------------
def test_two_cases_recording_one_number_at_once_one_wins(app, api, summary, ctx, monkeypatch):
    """Both pass the early check (the number is free), run their engine step, then write together:
    the unique key decides, one is kept (200), the other refused (422, or 409 where SQLite's writer
    lost), never both."""
    pair = [at_the_decision(summary), at_the_decision(summary)]
    number = "当罚No.4242"
    headers = api.headers("officer1")
    original = engine_steps_meet(monkeypatch)  # both have run the engine and go on to write
    claimed, lock = iter(pair), threading.Lock()

    def attempt():
        with lock:
            case = next(claimed)
        task = next(t for t in case["tasks"] if t["bpmn_id"] == "decide")
        r = app.test_client().post(f"/api/v1/tasks/{task['id']}/complete", headers=headers,
                                   json={"data": {**summary_data(summary, case), "decision_number": number}})
        return case["id"], r.status_code, r.json

    results = at_once(app, attempt)
    monkeypatch.setattr(step_path, "run_engine_step", original)
    statuses = sorted(status for _id, status, _body in results)
    assert statuses in ([200, 409], [200, 422]), results
    winner = next(case_id for case_id, status, _ in results if status == 200)
    loser, _, body = next(r for r in results if r[1] != 200)
    if body["error"] == "number_taken":
        assert list(body["errors"]) == ["decision_number"]
    assert [case_id for case_id, *_ in recorded(number)] == [winner]
    db.session.expire_all()
    assert db.session.get(Case, loser).status == "on_the_spot"  # unchanged, its decision still to make


def test_a_step_that_rolls_back_leaves_its_number_free(app, api, summary, ctx, monkeypatch):
    """The step records its number, then fails later in its transaction (the trail's next place
    taken meanwhile, answered 409): the number goes with the rollback, and another case takes it."""
    number = "当罚No.0777"
    case = at_the_decision(summary)
    original = cases.audit.record

    def chain_taken(action, **kwargs):
        original(action, **kwargs)
        if action == "task.completed":
            raise IntegrityError("INSERT INTO trace_event …", {}, Exception("the chain's next place was taken"))

    monkeypatch.setattr(cases.audit, "record", chain_taken)
    r = summary.complete(case, "decide", expect=409, decision_number=number)
    monkeypatch.setattr(cases.audit, "record", original)
    assert r.json["error"] == "conflict"
    assert recorded(number) == []
    assert not trail(api, case, "number.recorded")
    assert api.ready(api.get(f"/api/v1/cases/{case['id']}").json) == ["decide"]
    other = summary.complete(at_the_decision(summary), "decide", decision_number=number)
    assert [case_id for case_id, *_ in recorded(number)] == [other["id"]]


# -- the migration -----------------------------------------------------------------------------------------
def test_the_migration_records_the_numbers_typed_before_it_the_first_case_keeping_a_duplicate(app, api, summary, ctx):
    """Decision numbers typed before revision 0026 are recorded by it (as the code records them), so
    a new case cannot take one; of two cases that typed one number, the first completed keeps it.
    A downgrade forgets the typed numbers and keeps the issued ones."""
    first = summary.run(at_the_decision(summary), ("decide", {"decision_number": "当罚No.0001"}))
    second = summary.run(at_the_decision(summary), ("decide", {"decision_number": "当罚No.0002"}))
    issued = db.session.execute(db.select(db.func.count()).select_from(IssuedNumber)
                                .where(IssuedNumber.seq.is_not(None))).scalar()
    db.session.remove()
    runner = app.test_cli_runner()
    try:
        result = runner.invoke(args=["db", "downgrade", "0025"])
        assert result.exit_code == 0, result.output
        assert recorded("当罚No.0001") == []
        # as a case could record it before 0026: the second case typed the first's number, with a space
        second_task = db.session.execute(db.select(Task.id).where(Task.case_id == second["id"],
                                                                  Task.bpmn_id == "decide")).scalar_one()
        data = db.session.get(Task, second_task).data
        db.session.remove()
        tamper((db.update(Task).where(Task.id == second_task).values(data={**data, "decision_number": "当罚 No.0001"}),
                {}))
    finally:
        result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"number 当罚No.0001 of case {second['id']}" in result.output and f"held by case {first['id']}" in result.output
    assert [row[:3] for row in recorded("当罚No.0001")] == [(first["id"], "summary_decision", None)]
    assert recorded("当罚No.0002") == []
    assert db.session.execute(db.select(db.func.count()).select_from(IssuedNumber)
                              .where(IssuedNumber.seq.is_not(None))).scalar() == issued
    r = summary.complete(at_the_decision(summary), "decide", expect=422, decision_number="当罚No.0001")
    assert first["number"] in r.json["errors"]["decision_number"][0]
