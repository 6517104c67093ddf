"""A clue returned by the receiving department (退回: 不属本局管辖) is referred again, through the API
on both databases: a new referral case opened from the returned one (link `referred_again`), its
own letter, number, approval, due time and answer; to another department, or to the one that
returned it only with the reason why; each case of the chain (and the origin) lists every letter
with its outcome, in order."""
import pytest

from tests.referral import RECEIVING_OFFICER, THIRD_OFFICER, Referral, steps
from tests.web_session import html, page_login

pytestmark = pytest.mark.dates

RETURNED = "该店铺位于商业综合体内部通道，不属本局管辖"


@pytest.fixture
def referral(api):
    return Referral(api)


def answer(api, referral, referring, officer, **changes):
    """The receiving department's answer to the referring case's letter."""
    return referral.complete(referral.receipt(referring, as_=officer), "referral_answer", as_=officer, **changes)


def returned_referral(api, referral, origin=None) -> dict:
    """A referral of the market bureau to urban, returned (not its jurisdiction)."""
    case = referral.open(linked_from={"case_id": origin["id"], "kind": "referred"} if origin else None)
    case = referral.run(case, "referral_letter", "referral_approval")
    answer(api, referral, case, RECEIVING_OFFICER, answer="return", reasons=RETURNED)
    return api.get(f"/api/v1/cases/{case['id']}").json


def again(api, referral, first, expect=201, **overrides):
    r = api.post("/api/v1/cases", json={
        "procedure_id": "referral", "title": first["title"], "department": "market",
        "party": {"name": first["party"]["name"], "kind": first["party"]["kind"]},
        "linked_from": {"case_id": first["id"], "kind": "referred_again", "reason": "原受移送部门退回"}, **overrides})
    assert r.status_code == expect, r.json
    return r.json if expect == 201 else r


def test_a_returned_referral_is_referred_again_to_another_department_and_every_letter_is_listed(api, referral):
    origin = api.open_case()
    photo = referral.photo(origin)
    first = returned_referral(api, referral, origin)
    assert first["status"] == "returned"
    second = again(api, referral, first)
    assert second["number"] != first["number"] and api.ready(second) == ["referral_letter"]
    second = referral.run(second, ("referral_letter", {"receiving_department": "transport",
                                                       "reasons": "占用道路属交通运输部门管辖",
                                                       "origin_evidence": [photo["id"]]}),
                          "referral_approval")
    assert second["status"] == "referred"
    answer(api, referral, second, THIRD_OFFICER, answer="accept", reasons="属本局管辖，已立案")
    second = api.get(f"/api/v1/cases/{second['id']}").json
    assert second["status"] == "accepted"
    for case in (first, second):  # each letter, its number and its own outcome, in order
        seen = referral.referrals(case)
        assert [(s["sequence"], s["referral_case"]["number"], s["to_department"], s["outcome"]) for s in seen] == [
            (1, first["number"], "综合行政执法局", "returned"), (2, second["number"], "交通运输局", "accepted")]
        assert [s["side"] for s in seen] == ["referring" if case is first else "chain",
                                             "referring" if case is second else "chain"]
    assert seen[0]["reasons"] == RETURNED
    assert [s["sequence"] for s in referral.referrals(origin)] == [1, 2]  # the origin lists both too
    links = api.get(f"/api/v1/cases/{second['id']}/links").json["items"]
    assert [(link["kind"], link["case"]["number"]) for link in links] == [("referred_again", first["number"])]


def test_the_new_letter_offers_the_returned_letters_clue_materials_and_contact_not_its_reasons(api, referral):
    first = returned_referral(api, referral)
    letter = next(e for e in api.get(f"/api/v1/cases/{first['id']}/trace").json["items"]
                  if e["action"] == "task.completed" and e["bpmn_id"] == "referral_letter")["data"]["form"]
    second = again(api, referral, first)
    task = api.get(f"/api/v1/tasks/{api.task(second, 'referral_letter')['id']}").json
    offered = {name: found["value"] for name, found in task["prefill"].items()}
    for name in ("clue", "materials", "contact"):
        assert offered[name] == letter[name], name
        assert task["prefill"][name]["source"] == f"origin.referral_letter.{name}"
    assert "reasons" not in offered and "receiving_department" not in offered  # the new letter's own
    # a first referral, opened from a penalty case, is offered nothing of it
    plain = referral.open(linked_from={"case_id": api.open_case()["id"], "kind": "referred"})
    assert not {"clue", "materials", "contact"} & set(
        api.get(f"/api/v1/tasks/{api.task(plain, 'referral_letter')['id']}").json["prefill"])


def test_to_the_department_that_returned_it_only_with_the_reason_why(api, referral):
    first = returned_referral(api, referral)
    second = again(api, referral, first)
    task = api.task(second, "referral_letter")
    _who, data = steps()["referral_letter"]
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data})
    assert r.status_code == 422 and {"receiving_department", "again_reason"} <= set(r.json["errors"])
    assert "综合行政执法局" in r.json["errors"]["receiving_department"][0]
    assert RETURNED in r.json["errors"]["receiving_department"][0]
    why = "经现场复核，该通道为市政道路延伸段，不属于物业管理区域"
    second = referral.run(second, ("referral_letter", {"again_reason": why}), "referral_approval")
    seen = referral.referrals(second)
    assert seen[1]["letter"]["again_reason"] == why and seen[1]["outcome"] is None
    task = next(t for t in api.get("/api/v1/tasks", as_=RECEIVING_OFFICER).json["items"]
                if t["bpmn_id"] == "referral_answer")
    copy = referral.referrals({"id": task["case_id"]}, as_=RECEIVING_OFFICER)[0]
    assert copy["letter"]["again_reason"] == why


def test_only_a_returned_referral_is_referred_again_and_only_once(api, referral):
    origin = api.open_case()
    r = again(api, referral, origin, expect=422)  # a penalty case is no returned referral
    assert "linked_from.case_id" in r.json["errors"]
    waiting = referral.sent()
    assert "linked_from.case_id" in again(api, referral, waiting, expect=422).json["errors"]
    first = returned_referral(api, referral)
    r = again(api, referral, first, expect=422, procedure_id="general_penalty")
    assert "linked_from.kind" in r.json["errors"]
    again(api, referral, first)
    r = again(api, referral, first, expect=409)
    assert r.json["error"] == "already_referred_again"
    r = api.post(f"/api/v1/cases/{origin['id']}/links", json={"case_id": first["id"], "kind": "referred_again"})
    assert r.status_code == 422 and "kind" in r.json["errors"]  # never made between two existing cases


def test_the_case_page_offers_refer_again_on_a_returned_referral_and_lists_the_letters(app, api, referral):
    first = returned_referral(api, referral)
    client = app.test_client()
    page_login(client, "officer1")
    page = html(client.get(f"/cases/{first['id']}"))
    assert 'data-testid="refer-again"' in page and "kind=referred_again" in page
    second = again(api, referral, first)
    page = html(client.get(f"/cases/{first['id']}"))
    assert 'data-testid="refer-again"' not in page  # referred again already
    page = html(client.get(f"/cases/{second['id']}"))
    # the letter not written yet: the first letter listed, as the first of the clue's letters
    assert page.count('data-testid="referral-letter"') == 1 and 'data-sequence="1"' in page and first["number"] in page
    new = html(client.get(f"/cases/new?from={first['id']}&procedure=referral&kind=referred_again"))
    assert f'value="{first["title"]}"' in new  # the same clue: its title offered
