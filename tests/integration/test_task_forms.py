"""The task form pages through the Flask test client, on SQLite and PostgreSQL: every form of
forms/ renders from its JSON Schema and its example comes back from a POST of the rendered inputs
as the same data; a case goes from intake to closing through the pages alone; errors show beside
their fields in the page's language with everything typed kept; a refusal of the law is a banner
with its article; rows are added and removed without JavaScript; the new-case page and the ad-hoc
requests. The same journeys in a real browser: tests/browser/test_task_forms.py."""
import json
import re
from html import unescape

import pytest
from werkzeug.datastructures import MultiDict

from tests.conftest import ROOT
from tests.helpers import ANSWERED, STEPS, TO_DECISION, days_ago
from tests.web_session import csrf_of, html, page_login
from workflow_app.extensions import db
from workflow_app.i18n import LANGUAGE_COOKIE, localized_errors
from workflow_app.models import Case, Task
from workflow_app.services.procedures.forms import schema_errors, validate_form
from workflow_app.services.registers.numbering import numbered_fields
from workflow_app.web import task_forms

pytestmark = pytest.mark.dates

FORMS = {p.name.removesuffix(".schema.json"): json.loads(p.read_text(encoding="utf-8"))
         for p in sorted((ROOT / "forms").glob("*/*.schema.json"))}
INPUT_NAME = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')


# -- encoding data the way a browser sends the rendered form (the documented naming scheme) -------
def encode(schema: dict, data: dict, prefix: str = "") -> list[tuple[str, str]]:
    out = []
    for name, prop in schema.get("properties", {}).items():
        key = f"{prefix}{name}"
        rows = prop.get("type") == "array" and prop.get("items", {}).get("type") == "object"
        if name not in data:
            if rows:
                out.append((f"{key}-rows", "0"))
            continue
        value = data[name]
        if prop.get("type") == "boolean":
            if value:
                out.append((key, "true"))
        elif prop.get("type") == "object":
            out += encode(prop, value, f"{key}-")
        elif rows:
            out.append((f"{key}-rows", str(len(value))))
            for i, row in enumerate(value):
                out += encode(prop["items"], row, f"{key}-{i}-")
        elif prop.get("type") == "array":
            if "enum" in prop.get("items", {}) or prop.get("x-user-role") or prop.get("x-evidence") \
                    or prop.get("x-origin-evidence"):
                out += [(key, str(v)) for v in value]
            else:
                out.append((key, "\n".join(value)))
        else:
            out.append((key, str(value)))
    return out


def with_unticked_booleans(schema: dict, data: dict) -> dict:
    """An unticked checkbox is not sent: the page reads it as false."""
    out = dict(data)
    for name, prop in schema.get("properties", {}).items():
        if prop.get("type") == "boolean":
            out.setdefault(name, False)
        elif prop.get("type") == "object" and name in out:
            out[name] = with_unticked_booleans(prop, out[name])
    return out


def rendered_names(app, schema: dict, values: dict, people: dict) -> set[str]:
    with app.test_request_context("/"):
        macro = app.jinja_env.get_template("web/_form_fields.html").module.field
        fields = task_forms.build_fields(schema, values, {}, people)
        return set(INPUT_NAME.findall("".join(str(macro(f)) for f in fields)))


@pytest.mark.parametrize("form_key", sorted(FORMS))
def test_every_form_renders_and_its_example_comes_back_from_a_post_of_the_rendered_inputs(app, form_key):
    schema = FORMS[form_key]
    example = schema["examples"][0]
    people = {role: [(u, u) for u in _usernames(example)] for role in task_forms.user_roles(schema)}
    posted = encode(schema, example)
    names = rendered_names(app, schema, task_forms.read_form(schema, MultiDict(posted)), people)
    assert {name for name, _value in posted} <= names, f"the page does not render {sorted({n for n, _ in posted} - names)}"
    # every top-level field, by its name; but a number the system issues, or a field it fills in
    # (readOnly: a referral letter's department name), is shown, never sent
    issued = set(numbered_fields(schema)) | {n for n, p in schema["properties"].items() if p.get("readOnly") is True}
    assert set(schema["properties"]) - issued <= {n.split("-", 1)[0] for n in names}
    assert not issued & names
    with app.test_request_context("/"):
        data = task_forms.read_form(schema, MultiDict(posted))
    assert data == with_unticked_booleans(schema, example)
    assert validate_form(schema, data) == data


def _usernames(example: dict) -> list[str]:
    return [v for value in example.values() for v in (value if isinstance(value, list) else [value])
            if isinstance(v, str) and re.fullmatch(r"[a-z]+\d", v)]


@pytest.mark.parametrize("form_key", sorted(FORMS))
def test_an_empty_post_of_every_form_names_each_missing_required_field_in_chinese(app, form_key):
    schema = FORMS[form_key]
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        data = task_forms.read_form(schema, MultiDict(encode(schema, {})))
        errors = localized_errors(schema_errors(schema, data))
    for name in schema.get("required", []):
        prop = schema["properties"][name]
        if prop.get("type") == "object":  # an object's own required fields are named inside it
            for inner in prop["required"]:
                assert any(k.startswith(f"{name}.{inner}") for k in errors), (inner, errors)
        elif prop.get("type") != "boolean":
            assert errors.get(name) == [f"{prop['title']}为必填项"], (name, errors)


# -- a case through the pages alone ---------------------------------------------------------------
def page_of(client, username: str):
    other = client.application.test_client()
    page_login(other, username)
    return other


def ready_task(ctx_app, case_id: int, bpmn_id: str) -> int:
    with ctx_app.app_context():
        return db.session.execute(db.select(Task.id).where(
            Task.case_id == case_id, Task.bpmn_id == bpmn_id, Task.state == "ready")).scalar_one()


def submit_step(app, browsers: dict, case_id: int, bpmn_id: str, **changes):
    username, data = STEPS[bpmn_id]
    data = {k: v for k, v in {**data, **changes}.items() if v is not None}
    client = browsers.setdefault(username, page_of(app.test_client(), username))
    task_id = ready_task(app, case_id, bpmn_id)
    page = html(client.get(f"/tasks/{task_id}"))
    form_key = bpmn_id if bpmn_id in FORMS else {"no_penalty_service": "service", "transfer_service": "service",
                                                 "execution_scheduled": "execution"}[bpmn_id]
    posted = encode(FORMS[form_key], data)
    names = set(INPUT_NAME.findall(page))
    missing = {n for n, _v in posted if n.split("-", 1)[0] not in {x.split("-", 1)[0] for x in names}}
    assert not missing, (bpmn_id, missing)
    r = client.post(f"/tasks/{task_id}", data=MultiDict([("csrf_token", csrf_of(page)), *posted]))
    assert r.status_code == 302, (bpmn_id, r.status_code, _banner(html(r)), _errors(html(r)))
    assert r.headers["Location"] == f"/cases/{case_id}"
    return client


def _banner(page: str) -> str:
    m = re.search(r'data-testid="form-banner".*?</div>', page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unescape(m.group(0)))) if m else ""


def _errors(page: str) -> dict[str, str]:
    return {m.group(1): re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unescape(m.group(2)))).strip()
            for m in re.finditer(r'data-testid="error-([^"]+)">(.*?)</div>', page, re.S)}


def test_a_case_goes_from_the_new_case_page_through_a_hearing_and_review_to_closing_by_the_pages_alone(app):
    officer = page_of(app.test_client(), "officer1")
    page = html(officer.get("/cases/new"))
    assert 'name="procedure"' in page and 'name="party_name"' in page
    r = officer.post("/cases/new", data={"csrf_token": csrf_of(page), "procedure": "general_penalty",
                                         "title": "某超市销售过期食品案", "department": "market",
                                         "party_name": "清河某超市有限公司", "party_kind": "organization"})
    assert r.status_code == 302
    case_id = int(r.headers["Location"].rsplit("/", 1)[1])
    case_page = html(officer.get(r.headers["Location"]))
    assert "下一步：线索登记" in case_page  # the flash names the next step
    assert 'data-testid="task-link" data-bpmn-id="clue_intake"' in case_page
    browsers = {"officer1": officer}
    for step in (*TO_DECISION[:-1], "statement_defence", "hearing_notice", "hearing_record", "legal_review",
                 "collective_discussion", "penalty_decision", "disclosure", "service", "execution", "closing"):
        changes = {"statement_defence": {"hearing_requested": True}, "penalty_decision": ANSWERED}.get(step, {})
        client = submit_step(app, browsers, case_id, step, **changes)
    assert "“结案”已办理" in html(client.get(f"/cases/{case_id}"))
    with app.app_context():
        assert db.session.get(Case, case_id).status == "closed"


def test_a_missing_field_and_a_wrong_number_show_beside_their_fields_in_chinese_with_everything_typed_kept(app, api):
    case = api.open_case()
    client = page_of(app.test_client(), "officer1")
    task_id = api.task(case, "clue_intake")["id"]
    page = html(client.get(f"/tasks/{task_id}"))
    data = {**STEPS["clue_intake"][1], "summary": None, "party_id_number": "12345"}
    posted = encode(FORMS["clue_intake"], {k: v for k, v in data.items() if v is not None})
    r = client.post(f"/tasks/{task_id}", data=MultiDict([("csrf_token", csrf_of(page)), *posted]))
    assert r.status_code == 200
    page = html(r)
    assert _errors(page) == {"summary": "此项为必填项", "party_id_number": "此项格式不正确"}
    assert 'value="12345"' in page and "清河区兴华路18号" in page and f'value="{days_ago(110)}"' in page
    assert 'aria-invalid="true" aria-describedby="f-summary-error"' in page
    english = page_of(app.test_client(), "officer1")
    english.set_cookie(LANGUAGE_COOKIE, "en")
    token = csrf_of(html(english.get(f"/tasks/{task_id}")))
    r = english.post(f"/tasks/{task_id}", data=MultiDict([("csrf_token", token), *posted]))
    assert _errors(html(r))["summary"] == "This field is required"
    with app.app_context():
        assert db.session.get(Task, task_id).state == "ready"


def test_a_conditional_requirement_of_the_schema_shows_beside_its_field(app, api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval", "investigation")
    client = page_of(app.test_client(), "officer1")
    task_id = api.task(api.get(f"/api/v1/cases/{case['id']}").json, "investigation_report")["id"]
    page = html(client.get(f"/tasks/{task_id}"))
    data = {**STEPS["investigation_report"][1], "violated_provision": None}  # a penalty needs its provision
    posted = encode(FORMS["investigation_report"], {k: v for k, v in data.items() if v is not None})
    r = client.post(f"/tasks/{task_id}", data=MultiDict([("csrf_token", csrf_of(page)), *posted]))
    assert r.status_code == 200 and _errors(html(r)) == {"violated_provision": "此项为必填项"}


def test_a_step_the_law_refuses_shows_a_banner_with_the_article_and_marks_the_field_it_names(app, api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval")
    client = page_of(app.test_client(), "officer1")
    task_id = api.task(api.get(f"/api/v1/cases/{case['id']}").json, "investigation")["id"]
    page = html(client.get(f"/tasks/{task_id}"))
    assert 'name="officers" value="officer1"' in page and 'name="evidence-0-kind"' in page
    data = {**STEPS["investigation"][1], "officers": ["officer2", "officer3"]}  # recorded by neither of them
    posted = encode(FORMS["investigation"], data)
    r = client.post(f"/tasks/{task_id}", data=MultiDict([("csrf_token", csrf_of(page)), *posted]))
    assert r.status_code == 200
    page = html(r)
    banner = _banner(page)
    assert "依法不能按所填内容办理此步骤" in banner and "法律依据： 《行政处罚法》第42条、第55条" in banner
    assert "SINGLE_OFFICER" in banner
    assert re.search(r'class="field field-people has-error is-refused" data-field="officers"', page)
    assert 'name="officers" value="officer2" checked' in page and "进货台账复印件" in page
    trace = api.get(f"/api/v1/cases/{case['id']}/trace").json
    assert [e["data"]["code"] for e in trace["items"] if e["action"] == "step.refused"] == ["SINGLE_OFFICER"]


def test_a_decision_dated_before_the_notice_is_refused_naming_the_notice_it_was_compared_with(app, api):
    case = api.run(api.open_case(), *TO_DECISION)
    head = page_of(app.test_client(), "head1")
    task_id = api.task(api.get(f"/api/v1/cases/{case['id']}").json, "penalty_decision")["id"]
    page = html(head.get(f"/tasks/{task_id}"))
    assert 'name="penalty_kinds" value="fine"' in page
    data = {**STEPS["penalty_decision"][1], "decided_on": days_ago(95)}  # the notice was served 90 days ago
    r = head.post(f"/tasks/{task_id}", data=MultiDict([("csrf_token", csrf_of(page)),
                                                       *encode(FORMS["penalty_decision"], data)]))
    assert r.status_code == 200
    page, banner = html(r), _banner(html(r))
    assert "DATES_OUT_OF_ORDER" in banner and "行政处罚事先告知 · 告知书送达日期" in banner
    assert 'data-field="decided_on"' in page and "此项与上方所示的法律规定不符。" in _errors(page)["decided_on"]
    assert f'value="{days_ago(95)}"' in page and 'name="penalty_kinds" value="fine" checked' in page


def test_rows_are_added_and_removed_by_a_round_trip_keeping_what_was_typed(app, api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval")
    client = page_of(app.test_client(), "officer1")
    task_id = api.task(api.get(f"/api/v1/cases/{case['id']}").json, "investigation")["id"]
    page = html(client.get(f"/tasks/{task_id}"))
    token = csrf_of(page)
    typed = [("evidence-rows", "1"), ("evidence-0-kind", "physical"), ("evidence-0-description", "过期面包三袋"),
             ("officers", "officer2")]
    r = client.post(f"/tasks/{task_id}", data=MultiDict([("csrf_token", token), *typed, ("_add", "evidence")]))
    page = html(r)
    assert r.status_code == 200 and 'name="evidence-1-kind"' in page and "过期面包三袋" in page
    assert 'name="officers" value="officer2" checked' in page and 'data-testid="form-banner"' not in page
    r = client.post(f"/tasks/{task_id}", data=MultiDict([
        ("csrf_token", token), ("evidence-rows", "2"), ("evidence-0-kind", "physical"),
        ("evidence-0-description", "过期面包三袋"), ("evidence-1-kind", "documentary"),
        ("evidence-1-description", "进货台账"), ("_remove", "evidence-0")]))
    page = html(r)
    assert 'name="evidence-1-kind"' not in page and "过期面包三袋" not in page and "进货台账" in page
    with app.app_context():
        assert db.session.get(Task, task_id).state == "ready"


def test_the_pickers_offer_only_the_eligible_colleagues(app, api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval")
    client = page_of(app.test_client(), "officer1")
    task_id = api.task(api.get(f"/api/v1/cases/{case['id']}").json, "investigation")["id"]
    page = html(client.get(f"/tasks/{task_id}"))
    offered = set(re.findall(r'name="officers" value="([^"]+)"', page))
    with app.app_context():
        from workflow_app.models import User

        users = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
        market = db.session.get(Case, case["id"]).department
        for username in offered:  # officers of the case's department (or above it), certified
            user = users[username]
            assert user.has_role("officer") and user.certificates
            assert market.contains(user.org_unit) or user.org_unit.contains(market)
        left_out = {name for name, u in users.items() if u.has_role("officer")} - offered
    assert {"officer1", "officer2"} <= offered and not offered & {"head1", "reviewer1", "supervisor1"}
    for name in left_out:  # each officer left out is one the service refuses to have named
        data = {**STEPS["investigation"][1], "officers": ["officer1", name]}
        r = api.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data})
        assert r.status_code == 422, (name, r.json)


def test_a_head_approves_filing_from_the_inbox_link(app, api):
    case = api.run(api.open_case(), "clue_intake")
    head = page_of(app.test_client(), "head1")
    inbox = html(head.get("/inbox"))
    task_id = api.task(api.get(f"/api/v1/cases/{case['id']}").json, "filing_approval")["id"]
    assert f'href="/tasks/{task_id}" data-testid="task-link"' in inbox
    page = html(head.get(f"/tasks/{task_id}"))
    assert "立案审批" in page and 'type="radio" name="filing_decision" value="file"' in page
    posted = encode(FORMS["filing_approval"], STEPS["filing_approval"][1])
    r = head.post(f"/tasks/{task_id}", data=MultiDict([("csrf_token", csrf_of(page)), *posted]))
    assert r.status_code == 302
    assert "“立案审批”已办理。下一步：调查取证。" in html(head.get(r.headers["Location"]))


def test_a_step_of_another_role_is_refused_and_a_done_step_has_no_form(app, api):
    opened = api.open_case()
    intake_id = api.task(opened, "clue_intake")["id"]
    case = api.run(opened, "clue_intake")
    officer = page_of(app.test_client(), "officer1")
    task_id = api.task(api.get(f"/api/v1/cases/{case['id']}").json, "filing_approval")["id"]
    page = html(officer.get(f"/tasks/{task_id}"))
    posted = encode(FORMS["filing_approval"], STEPS["filing_approval"][1])
    r = officer.post(f"/tasks/{task_id}", data=MultiDict([("csrf_token", csrf_of(page)), *posted]))
    assert r.status_code == 403 and "您无权进行此操作。" in _banner(html(r))
    intake = html(officer.get(f"/tasks/{intake_id}"))
    assert 'data-testid="task-form"' not in intake and "此步骤已不可办理" in intake


def test_a_post_without_its_csrf_token_is_refused(app, api):
    case = api.open_case()
    client = page_of(app.test_client(), "officer1")
    task_id = api.task(case, "clue_intake")["id"]
    r = client.post(f"/tasks/{task_id}", data=MultiDict(encode(FORMS["clue_intake"], STEPS["clue_intake"][1])))
    assert r.status_code == 400
    with app.app_context():
        assert db.session.get(Task, task_id).state == "ready"


def test_an_extension_is_requested_from_the_case_page_and_a_second_one_is_refused_with_its_article(app, api):
    clue_today = {"received_on": days_ago(0), "violation_date": days_ago(3)}  # the filing limit still runs
    case = api.run(api.open_case(), ("clue_intake", clue_today))
    client = page_of(app.test_client(), "officer1")
    page = html(client.get(f"/cases/{case['id']}"))
    assert f'href="/cases/{case["id"]}/requests/extension_request"' in page
    form = html(client.get(f"/cases/{case['id']}/requests/extension_request"))
    assert "延长办案期限申请" in form and 'name="limit"' in form and 'name="days"' in form
    request = {"limit": "filing", "days": 15, "reason": "案情复杂，需进一步核查", "requested_on": days_ago(0)}
    r = client.post(f"/cases/{case['id']}/requests/extension_request",
                    data=MultiDict([("csrf_token", csrf_of(form)), *encode(FORMS["extension_request"], request)]))
    assert r.status_code == 302, _banner(html(r))
    assert "“延长办案期限申请”已办理" in html(client.get(r.headers["Location"]))
    r = client.post(f"/cases/{case['id']}/requests/extension_request",  # the first awaits the head
                    data=MultiDict([("csrf_token", csrf_of(form)), *encode(FORMS["extension_request"], request)]))
    assert r.status_code == 200
    assert "EXTENSION_PENDING" in _banner(html(r)) and "《市场监督管理行政处罚程序规定》第18条" in _banner(html(r))
    assert "案情复杂，需进一步核查" in html(r) and 'data-field="limit"' in html(r)


def test_the_new_case_page_names_its_missing_fields_and_keeps_the_others(app):
    officer = page_of(app.test_client(), "officer1")
    page = html(officer.get("/cases/new"))
    r = officer.post("/cases/new", data={"csrf_token": csrf_of(page), "procedure": "general_penalty",
                                         "title": "", "department": "market", "party_name": "清河某超市",
                                         "party_kind": "organization"})
    assert r.status_code == 200
    page = html(r)
    assert 'id="f-title-error">此项为必填项' in page and 'value="清河某超市"' in page
    # a value no option offers (a tampered POST) is named beside its field, with the allowed ones
    r = officer.post("/cases/new", data={"csrf_token": csrf_of(page), "procedure": "no_such_procedure",
                                         "title": "某案", "department": "market", "party_name": "清河某超市",
                                         "party_kind": "robot"})
    errors = {m[0]: unescape(m[1]) for m in re.findall(r'id="f-([a-z_]+)-error">([^<]*)<', html(r))}
    assert errors["procedure"].startswith('此项必须为以下之一："general_penalty"（') and "party_kind" in errors
    assert '"person"（自然人）' in errors["party_kind"] and set(errors) == {"procedure", "party_kind"}
    supervisor = page_of(app.test_client(), "supervisor1")
    assert 'data-testid="new-case"' not in html(supervisor.get("/cases"))
