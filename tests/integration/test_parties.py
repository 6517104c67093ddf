"""The parties register (当事人) through the API and the pages: a natural person by the resident
identity number, an organisation by the unified social credit code, each checked; a case names its
party, so its record lists its cases (a repeat violation shows when the penalty is proposed); an
anonymous tip's party is identified later, by the notice at the latest (APL 44, 59)."""
import re

from werkzeug.datastructures import MultiDict

from tests.helpers import TO_DECISION
from tests.web_session import csrf_of, html, page_login
from workflow_app.oversight.identity import with_resident_check, with_uscc_check

PERSON_ID = with_resident_check("44010619850312123")
COMPANY_ID = with_uscc_check("91440106MA5CXKQ81")
COMPANY = {"name": "广州某食品贸易有限公司", "kind": "organization", "id_number": COMPANY_ID,
           "address": "广州市天河区某路1号", "legal_representative": "黄某", "phone": "020-5550101"}
PERSON = {"name": "林某某", "kind": "person", "id_number": PERSON_ID, "address": "清河区幸福里1栋"}
ANONYMOUS = {"name": "匿名举报所涉某超市", "kind": "organization"}


def page_of(client, username: str):
    page_login(client, username)
    return client


def register(api, party: dict, as_="officer1", expect=201):
    r = api.post("/api/v1/parties", as_=as_, json=party)
    assert r.status_code == expect, r.json
    return r.json


def trail(api, case) -> list[dict]:
    return api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]


# -- registering --------------------------------------------------------------------------------------
def test_an_officer_registers_an_organisation_by_its_checked_credit_code(api):
    r = api.post("/api/v1/parties", json={**COMPANY, "id_number": COMPANY_ID.lower()})
    assert r.status_code == 201 and r.headers["Location"] == f"/api/v1/parties/{r.json['id']}"
    party = r.json
    assert party["id_number"] == COMPANY_ID and party["legal_representative"] == "黄某" and party["cases"] == []
    assert api.get(f"/api/v1/parties/{party['id']}").json["name"] == COMPANY["name"]


def test_a_number_registered_already_is_a_conflict_naming_the_party(api):
    party = register(api, COMPANY)
    r = api.post("/api/v1/parties", json={**COMPANY, "name": "另一个名称"})
    assert r.status_code == 409 and r.json["details"]["party_id"] == party["id"] and "id_number" in r.json["errors"]


def test_a_wrong_check_character_is_refused_naming_the_one_it_would_be(api):
    wrong = PERSON_ID[:17] + ("0" if PERSON_ID[17] != "0" else "1")
    r = api.post("/api/v1/parties", json={**PERSON, "id_number": wrong})
    assert r.status_code == 422 and list(r.json["errors"]) == ["id_number"]
    assert f"应为{PERSON_ID[17]}" in r.json["errors"]["id_number"][0] or PERSON_ID[17] in r.json["errors"]["id_number"][0]
    r = api.post("/api/v1/parties", json={**COMPANY, "id_number": COMPANY_ID[:17] + "0"
                                          if COMPANY_ID[17] != "0" else COMPANY_ID[:17] + "1"})
    assert r.status_code == 422 and "id_number" in r.json["errors"]


def test_bad_party_input_is_a_422_naming_each_field(api):
    r = api.post("/api/v1/parties", json={"name": "某\n公司", "kind": "robot", "id_number": "x" * 65,
                                          "phone": "call me"})
    assert r.status_code == 422 and {"kind", "id_number"} <= set(r.json["errors"])
    r = api.post("/api/v1/parties", json={**PERSON, "name": "某\n某", "phone": "call me",
                                          "legal_representative": "某"})
    assert r.status_code == 422 and set(r.json["errors"]) == {"name", "phone", "legal_representative"}
    r = api.post("/api/v1/parties", json={**PERSON, "name": "张\u0000三"})
    assert r.status_code == 422 and "name" in r.json["errors"]
    r = api.post("/api/v1/parties", json={"name": "某公司", "kind": "organization"})
    assert r.status_code == 422 and set(r.json["errors"]) == {"id_number"}
    assert api.post("/api/v1/parties", json=["not", "an", "object"]).status_code == 422


def test_only_an_officer_registers_a_party(api):
    r = api.post("/api/v1/parties", as_="head1", json=COMPANY)
    assert r.status_code == 403


# -- finding ------------------------------------------------------------------------------------------
def test_parties_are_found_by_a_part_of_the_name_or_the_beginning_of_the_number(api):
    company = register(api, COMPANY)
    person = register(api, PERSON)
    assert [p["id"] for p in api.get("/api/v1/parties?q=食品贸易").json["items"]] == [company["id"]]
    assert [p["id"] for p in api.get(f"/api/v1/parties?q={PERSON_ID[:6]}").json["items"]] == [person["id"]]
    assert [p["id"] for p in api.get(f"/api/v1/parties?q={COMPANY_ID[:8].lower()}").json["items"]] == [company["id"]]
    page = api.get("/api/v1/parties").json
    assert page["total"] == 2 and [p["id"] for p in page["items"]] == [person["id"], company["id"]]
    first = api.get("/api/v1/parties?per_page=1").json
    assert first["next"] and api.get(f"/api/v1/parties?per_page=1&after={first['next']}").json["items"][0]["id"] == \
        company["id"]
    assert api.get("/api/v1/parties?q=%25").json["items"] == []  # a LIKE wildcard is a character here
    assert api.get("/api/v1/parties?q=" + "某" * 101).status_code == 422
    assert api.get("/api/v1/parties?per_page=0").status_code == 422


def test_a_persons_number_is_masked_in_lists_but_not_for_the_officers_of_its_cases(api):
    person = register(api, PERSON, as_="officer2")
    case = api.open_case(party={"id": person["id"]}, title="林某某无照经营案")
    assert case["party"] == {"name": "林某某", "kind": "person", "id": person["id"]}
    assert api.get("/api/v1/parties?q=林某某", as_="officer1").json["items"][0]["id_number"] == PERSON_ID  # opened it
    assert api.get("/api/v1/parties?q=林某某", as_="officer2").json["items"][0]["id_number"] == PERSON_ID  # registered
    masked = PERSON_ID[:4] + "*" * 10 + PERSON_ID[-4:]
    assert api.get("/api/v1/parties?q=林某某", as_="officer3").json["items"][0]["id_number"] == masked
    assert api.get(f"/api/v1/parties/{person['id']}", as_="head1").json["id_number"] == masked
    assert api.get(f"/api/v1/parties/{person['id']}", as_="supervisor1").json["id_number"] == masked
    company = register(api, COMPANY)
    assert api.get(f"/api/v1/parties/{company['id']}", as_="officer3").json["id_number"] == COMPANY_ID  # public


def test_a_party_is_seen_only_where_a_case_of_it_or_its_registering_unit_is_in_scope(api):
    party = register(api, COMPANY)
    assert api.get(f"/api/v1/parties/{party['id']}", as_="police_officer1").status_code == 404
    assert api.get("/api/v1/parties?q=食品", as_="police_officer1").json["items"] == []
    assert api.get(f"/api/v1/parties/{party['id']}", as_="supervisor1").status_code == 200
    assert api.get(f"/api/v1/parties/{party['id']}", as_="admin").status_code == 200
    r = api.post("/api/v1/cases", as_="police_officer1", json={
        "procedure_id": "general_penalty", "title": "某案", "department": "police", "party": {"id": party["id"]}})
    assert r.status_code == 422 and "party.id" in r.json["errors"]
    # the same number typed by the police: the one party of the register, now seen by them too
    police = api.open_case(as_="police_officer1", department="police", title="某公司扰乱秩序案",
                           party={**COMPANY, "name": "广州某食品贸易公司"})
    assert police["party"]["id"] == party["id"] and police["party"]["name"] == "广州某食品贸易公司"
    record = api.get(f"/api/v1/parties/{party['id']}", as_="police_officer1").json
    assert [c["number"] for c in record["cases"]] == [police["number"]] and record["cases_elsewhere"] == 0
    market = api.open_case(party={"id": party["id"]})
    record = api.get(f"/api/v1/parties/{party['id']}", as_="police_officer1").json
    assert [c["number"] for c in record["cases"]] == [police["number"]] and record["cases_elsewhere"] == 1
    assert market["number"] not in str(record)


# -- a case names its party -------------------------------------------------------------------------
def test_opening_a_case_registers_a_known_party_with_its_number(api):
    case = api.open_case(party=COMPANY)
    party_id = case["party"]["id"]
    assert party_id and case["party"]["name"] == COMPANY["name"]
    opened = trail(api, case)[0]
    assert opened["action"] == "case.opened" and opened["data"]["party"]["id"] == party_id
    again = api.open_case(party={**COMPANY, "id_number": COMPANY_ID.lower()}, title="同一当事人再次违法案")
    assert again["party"]["id"] == party_id
    record = api.get(f"/api/v1/parties/{party_id}").json
    assert [c["number"] for c in record["cases"]] == [again["number"], case["number"]]


def test_a_known_party_is_refused_without_a_valid_number(api):
    for party, field in (({**COMPANY, "id_number": "91440106MA5CXKQ8"}, "party.id_number"),
                         ({**PERSON, "id_number": COMPANY_ID}, "party.id_number"),
                         ({"name": "某公司", "kind": "organization", "address": "某路1号"}, "party.id_number"),
                         ({"id": 1, "name": "x"}, "party.name"),
                         ({"kind": "person"}, "party.name")):
        r = api.post("/api/v1/cases", json={"procedure_id": "general_penalty", "title": "某案", "department": "market",
                                            "party": party})
        assert r.status_code == 422 and field in r.json["errors"], (party, r.json)


def test_a_party_of_the_other_kind_with_the_number_is_refused(api):
    register(api, COMPANY)
    r = api.post("/api/v1/cases", json={"procedure_id": "general_penalty", "title": "某案", "department": "market",
                                        "party": {**PERSON, "id_number": COMPANY_ID}})
    assert r.status_code == 422


def test_the_clue_intake_recording_the_number_identifies_the_party(api):
    case = api.run(api.open_case(party=ANONYMOUS), ("clue_intake", {"party_id_number": COMPANY_ID}))
    assert case["party"]["id"] is not None and case["party"]["name"] == ANONYMOUS["name"]
    identified = [e for e in trail(api, case) if e["action"] == "case.party_identified"]
    assert identified[0]["data"]["via"] == "party_id_number"
    assert identified[0]["data"]["party"]["id_number"] == COMPANY_ID


def test_a_number_recorded_other_than_the_case_partys_is_refused(api):
    case = api.open_case(party=COMPANY)
    r = api.complete(case, "clue_intake", expect=422)  # STEPS record 91110105MA01ABCD26
    assert COMPANY_ID in r.json["errors"]["party_id_number"][0]
    assert api.ready(api.complete(case, "clue_intake", party_id_number=COMPANY_ID)) == ["filing_approval"]


# -- an anonymous tip ------------------------------------------------------------------------------------
def _anonymous_at_notice(api):
    case = api.open_case(party=ANONYMOUS, title="匿名举报某超市销售过期食品案")
    assert case["party"] == {**ANONYMOUS, "id": None}
    return api.run(case, ("clue_intake", {"party_id_number": None, "party_address": None}), *TO_DECISION[1:4])


def test_an_anonymous_tips_case_cannot_pass_the_notice_until_its_party_is_identified(api, app):
    case = _anonymous_at_notice(api)
    r = api.complete(case, "penalty_notice", expect=422)
    assert r.json["error"] == "PARTY_NOT_IDENTIFIED" and r.json["article"] == "《行政处罚法》第44条、第59条"
    assert r.json["message"].startswith("当事人尚未查明") and "penalty_notice" in r.json["errors"]
    refused = [e for e in trail(api, case) if e["action"] == "step.refused"]
    assert refused[-1]["data"]["code"] == "PARTY_NOT_IDENTIFIED"
    r = api.post(f"/api/v1/cases/{case['id']}/party", json={**COMPANY, "name": "清河某超市有限公司"})
    assert r.status_code == 200, r.json
    identified = r.json
    assert identified["party"]["name"] == "清河某超市有限公司" and identified["party"]["id"]
    event = [e for e in trail(api, case) if e["action"] == "case.party_identified"][-1]
    assert event["actor"] == "officer1" and event["data"]["via"] == "identified"
    assert event["data"]["party_name"] == "清河某超市有限公司"
    assert api.ready(api.complete(identified, "penalty_notice")) == ["statement_defence"]
    verified = app.test_cli_runner().invoke(args=["audit", "verify"])  # the printed name follows the trail
    assert verified.exit_code == 0 and verified.output.startswith("OK:"), verified.output


def test_an_anonymous_tips_party_is_identified_once_by_an_officer_with_the_cases_kind(api):
    case = api.open_case(party=ANONYMOUS)
    url = f"/api/v1/cases/{case['id']}/party"
    assert api.post(url, as_="head1", json=COMPANY).status_code == 403
    assert api.post(url, as_="police_officer1", json=COMPANY).status_code == 404
    r = api.post(url, json=PERSON)
    assert r.status_code == 422 and "kind" in r.json["errors"]
    r = api.post(url, json={"name": "某公司", "kind": "organization"})
    assert r.status_code == 422 and "id_number" in r.json["errors"]
    r = api.post(url, json={"party_id": 999999})
    assert r.status_code == 422 and "party_id" in r.json["errors"]
    party = register(api, COMPANY)
    assert api.post(url, json={"party_id": party["id"]}).json["party"]["id"] == party["id"]
    r = api.post(url, json={"party_id": party["id"]})
    assert r.status_code == 409


def test_the_record_lists_the_decision_and_fine_so_a_repeat_violation_shows(api):
    first = api.run(api.open_case(party=COMPANY, title="第一次违法案"), ("clue_intake", {"party_id_number": COMPANY_ID}),
                    *TO_DECISION[1:], "penalty_decision")
    second = api.open_case(party={"id": first["party"]["id"]}, title="第二次违法案")
    record = api.get(f"/api/v1/parties/{first['party']['id']}").json
    assert [c["title"] for c in record["cases"]] == ["第二次违法案", "第一次违法案"]
    decided = record["cases"][1]
    assert "罚〔" in decided["decision"] and decided["fine"] == 20000  # the number the system issued
    assert record["cases"][0]["decision"] is None and record["cases"][0]["status"] == second["status"]


# -- the pages ------------------------------------------------------------------------------------------
def test_the_party_page_lists_its_cases_and_says_a_repeat_violation(app, api):
    case = api.open_case(party=PERSON)
    api.open_case(party={"id": case["party"]["id"]}, title="林某某再次违法案")
    client = page_of(app.test_client(), "officer1")
    page = html(client.get(f"/parties/{case['party']['id']}"))
    assert "林某某" in page and PERSON_ID in page and page.count('data-testid="party-case"') == 2
    assert 'data-testid="party-repeat"' in page and case["number"] in page
    other = page_of(app.test_client(), "officer3")
    assert PERSON_ID not in html(other.get(f"/parties/{case['party']['id']}"))
    police = page_of(app.test_client(), "police_officer1")
    assert police.get(f"/parties/{case['party']['id']}").status_code == 404
    case_page = html(client.get(f"/cases/{case['id']}"))
    assert f'href="/parties/{case["party"]["id"]}"' in case_page and 'data-testid="party-repeat-tag"' in case_page
    task_page = html(client.get(f"/tasks/{case['tasks'][0]['id']}"))  # where the penalty is proposed too
    assert re.search(r'data-testid="task-party-cases">\(该当事人共2件案件\)', task_page)


def test_the_new_case_page_finds_a_party_without_script_and_opens_its_case(app, api):
    party = register(api, COMPANY)
    client = page_of(app.test_client(), "officer1")
    token = csrf_of(html(client.get("/cases/new")))
    form = {"csrf_token": token, "procedure": "general_penalty", "title": "某公司未建立进货查验记录案",
            "department": "market", "party_q": "食品贸易"}
    found = html(client.post("/cases/new", data=MultiDict({**form, "find": "1"})))
    assert 'data-testid="party-match"' in found and f'name="party_id" value="{party["id"]}"' in found
    assert 'value="某公司未建立进货查验记录案"' in found  # what was typed is kept
    assert html(client.get("/parties/lookup?q=食品贸易")).count('data-testid="party-match"') == 1
    assert 'data-testid="party-no-match"' in html(client.get("/parties/lookup?q=不存在"))
    r = client.post("/cases/new", data=MultiDict({**form, "party_id": str(party["id"])}))
    assert r.status_code == 302
    case_id = int(re.search(r"/cases/(\d+)", r.headers["Location"])[1])
    assert api.get(f"/api/v1/cases/{case_id}").json["party"] == {"name": COMPANY["name"], "kind": "organization",
                                                                "id": party["id"]}


def test_the_new_case_page_registers_a_new_party_or_refuses_its_number_beside_the_field(app, api):
    client = page_of(app.test_client(), "officer1")
    form = {"csrf_token": csrf_of(html(client.get("/cases/new"))), "procedure": "general_penalty",
            "title": "林某某无照经营案", "department": "market", "party_name": "林某某", "party_kind": "person",
            "party_id_number": PERSON_ID[:17] + "0" if PERSON_ID[17] != "0" else PERSON_ID[:17] + "1"}
    page = html(client.post("/cases/new", data=MultiDict(form)))
    assert 'id="f-party_id_number-error"' in page and "校验" in page
    r = client.post("/cases/new", data=MultiDict({**form, "party_id_number": PERSON_ID.lower()}))
    assert r.status_code == 302
    assert api.get("/api/v1/parties?q=林某某").json["items"][0]["id_number"] == PERSON_ID


def test_the_case_page_identifies_an_anonymous_tips_party(app, api):
    case = api.open_case(party=ANONYMOUS)
    client = page_of(app.test_client(), "officer1")
    page = html(client.get(f"/cases/{case['id']}"))
    assert 'data-testid="identify-party"' in page and 'data-testid="party-unidentified"' in page
    r = client.post(f"/cases/{case['id']}/party", data=MultiDict({
        "csrf_token": csrf_of(page), "party_kind": "organization", "party_name": "清河某超市有限公司",
        "party_id_number": COMPANY_ID[:17]}), follow_redirects=True)
    assert "身份证号码/统一社会信用代码: 统一社会信用代码应为18位（现为17位）" in html(r)
    r = client.post(f"/cases/{case['id']}/party", data=MultiDict({"csrf_token": csrf_of(page), "party_id": "x"}),
                    follow_redirects=True)
    assert "请选择查找到的当事人之一" in html(r)
    assert api.get(f"/api/v1/cases/{case['id']}").json["party"]["id"] is None
    r = client.post(f"/cases/{case['id']}/party", data=MultiDict({
        "csrf_token": csrf_of(page), "party_kind": "organization", "party_name": "清河某超市有限公司",
        "party_id_number": COMPANY_ID}))
    assert r.status_code == 302
    page = html(client.get(f"/cases/{case['id']}"))
    assert 'data-testid="identify-party"' not in page and "清河某超市有限公司" in page
    assert api.get(f"/api/v1/cases/{case['id']}").json["party"]["id"] is not None


def test_two_cases_opened_at_once_against_one_new_party_both_name_it(app, api, monkeypatch):
    """Two officers open cases against the same new party at once, each having found no party of
    the number: both cases are opened and name the one party, registered once (the second waits
    for the first's insert and finds it), instead of one of them getting a conflict."""
    import json
    import threading

    from tests.helpers import at_once
    from workflow_app.extensions import db
    from workflow_app.models import Party, TraceEvent
    from workflow_app.services.people import parties

    looked_up, barrier, seen = parties.by_number, threading.Barrier(2), threading.local()

    def both_find_nothing_first(number):
        found = looked_up(number)
        if not getattr(seen, "once", False):
            seen.once = True
            barrier.wait(timeout=10)
        return found

    monkeypatch.setattr(parties, "by_number", both_find_nothing_first)
    headers = api.headers("officer1")
    body = {"procedure_id": "general_penalty", "title": "某超市销售过期食品案", "department": "market",
            "party": COMPANY}

    def attempt():
        r = app.test_client().post("/api/v1/cases", headers=headers, json=body)
        return r.status_code, r.json

    results = at_once(app, attempt)
    assert [status for status, _ in results] == [201, 201], results
    monkeypatch.setattr(parties, "by_number", looked_up)
    with app.app_context():
        party_ids = {answer["party"]["id"] for _, answer in results}
        assert len(party_ids) == 1
        assert db.session.execute(db.select(db.func.count()).select_from(Party)
                                  .where(Party.id_number == COMPANY_ID)).scalar_one() == 1
        registered = [json.loads(e.data_json) for e in db.session.execute(
            db.select(TraceEvent).where(TraceEvent.action == "party.registered")).scalars()]
        assert [d["id"] for d in registered] == list(party_ids)
