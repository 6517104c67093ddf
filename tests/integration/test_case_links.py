"""Linked cases (services/cases/links.py): a case opened from another, or two existing cases linked,
traced on both chains, shown to readers of each case only, never made twice; bad links are 422s
naming the field, and nothing is opened. Through the API, on SQLite and PostgreSQL."""
import json

import pytest

from workflow_app.extensions import db
from workflow_app.models import Case, CaseLink, TraceEvent
from workflow_app.services.audit import verify as audit_verify

JUNK = ["\x00", "\ud800", "x" * 100_000]


def linked_events(case_id: int) -> list[dict]:
    rows = db.session.execute(db.select(TraceEvent.data_json).where(
        TraceEvent.case_id == case_id, TraceEvent.action == "case.linked").order_by(TraceEvent.seq)).scalars()
    return [json.loads(row) for row in rows]


def test_a_case_opened_from_another_is_linked_in_its_opening_and_traced_on_both_chains(api, ctx):
    origin = api.open_case(title="某公司涉嫌销售假冒商品查封案")
    case = api.open_case(title="某公司销售假冒商品案（没收查封物品）",
                         linked_from={"case_id": origin["id"], "kind": "confiscation", "reason": "查封物品拟没收"})

    assert linked_events(origin["id"]) == [{"kind": "confiscation", "reason": "查封物品拟没收",
                                            "to": {"id": case["id"], "number": case["number"]}}]
    assert linked_events(case["id"]) == [{"kind": "confiscation", "reason": "查封物品拟没收",
                                          "from": {"id": origin["id"], "number": origin["number"]}}]
    opened = db.session.execute(db.select(TraceEvent.data_json).where(
        TraceEvent.case_id == case["id"], TraceEvent.action == "case.opened")).scalar_one()
    assert json.loads(opened)["linked_from"] == {"id": origin["id"], "number": origin["number"], "kind": "confiscation"}

    mine = api.get(f"/api/v1/cases/{origin['id']}/links").json["items"]
    assert [(link["direction"], link["kind"], link["case"]["number"], link["label"]) for link in mine] == [
        ("to", "confiscation", case["number"], "没收涉案物品的处罚案件")]
    theirs = api.get(f"/api/v1/cases/{case['id']}/links", headers={"Accept-Language": "en"}).json["items"]
    assert [(link["direction"], link["case"]["id"], link["label"]) for link in theirs] == [
        ("from", origin["id"], "from the seizure case")]
    assert theirs[0]["created_by"] == "officer1" and theirs[0]["created_at"].endswith("+08:00")
    assert audit_verify.verify(origin["id"]).ok and audit_verify.verify(case["id"]).ok


def test_two_existing_cases_are_linked_once_by_officers_or_heads(api, ctx):
    one, other = api.open_case(), api.open_case(title="另一案")
    r = api.post(f"/api/v1/cases/{one['id']}/links", as_="supervisor1", json={"case_id": other["id"], "kind": "related"})
    assert r.status_code == 403  # supervisors read cases, they do not link them
    r = api.post(f"/api/v1/cases/{one['id']}/links", as_="head1", json={"case_id": other["id"], "kind": "related"})
    assert r.status_code == 201, r.json
    assert r.json["direction"] == "to" and r.json["case"]["number"] == other["number"] and r.json["label"] == "关联案件"
    for origin, target in ((one, other), (other, one)):  # either way round, the pair is linked already
        again = api.post(f"/api/v1/cases/{origin['id']}/links", json={"case_id": target["id"], "kind": "related"})
        assert again.status_code == 409 and again.json["error"] == "already_linked"
    itself = api.post(f"/api/v1/cases/{one['id']}/links", json={"case_id": one["id"], "kind": "related"})
    assert itself.status_code == 422 and "case_id" in itself.json["errors"]
    assert db.session.execute(db.select(db.func.count()).select_from(CaseLink)).scalar() == 1
    assert len(linked_events(one["id"])) == 1 and len(linked_events(other["id"])) == 1


def test_a_link_to_a_case_the_reader_may_not_read_is_neither_made_nor_shown(api, ctx):
    market = api.open_case()
    transport = api.open_case(as_="transport_officer1", department="transport", title="超限运输案")
    # officer1 (market) cannot read the transport case: as if it did not exist
    r = api.post(f"/api/v1/cases/{market['id']}/links", json={"case_id": transport["id"], "kind": "related"})
    assert r.status_code == 422 and r.json["errors"]["case_id"]
    r = api.post("/api/v1/cases", json={"procedure_id": "general_penalty", "title": "t", "department": "market",
                                        "party": {"name": "某公司", "kind": "organization"},
                                        "linked_from": {"case_id": transport["id"], "kind": "referral"}})
    assert r.status_code == 422 and r.json["errors"]["linked_from.case_id"]

    # the supervisor reads both and may not link; a link made by someone who reads both is shown
    # to each reader only where they may read the other case
    db.session.add(CaseLink(from_case_id=transport["id"], to_case_id=market["id"], kind="referral",
                            created_by_id=db.session.get(Case, transport["id"]).created_by_id))
    db.session.commit()
    assert api.get(f"/api/v1/cases/{market['id']}/links").json["items"] == []
    seen = api.get(f"/api/v1/cases/{market['id']}/links", as_="supervisor1").json["items"]
    assert [(s["direction"], s["case"]["id"]) for s in seen] == [("from", transport["id"])]
    assert api.get(f"/api/v1/cases/{transport['id']}/links", as_="officer1").status_code == 404


@pytest.mark.parametrize("link, field", [
    ({"case_id": "1", "kind": "related"}, "linked_from.case_id"),
    ({"case_id": True, "kind": "related"}, "linked_from.case_id"),
    ({"case_id": 2**40, "kind": "related"}, "linked_from.case_id"),
    ({"case_id": 1, "kind": "seized"}, "linked_from.kind"),
    ({"kind": "related"}, "linked_from.case_id"),
    ({"case_id": 1, "kind": "related", "why": "x"}, "linked_from.why"),
    *[({"case_id": 1, "kind": "related", "reason": junk}, "linked_from.reason") for junk in JUNK],
    ("case 1", "linked_from"),
])
def test_a_bad_link_is_refused_naming_its_field_and_opens_nothing(api, ctx, link, field):
    before = db.session.execute(db.select(db.func.count()).select_from(Case)).scalar()
    body = {"procedure_id": "general_penalty", "title": "t", "department": "market",
            "party": {"name": "某公司", "kind": "organization"}, "linked_from": link}
    # sent as JSON text with its escapes, as a client would (a lone surrogate cannot be UTF-8)
    r = api.post("/api/v1/cases", data=json.dumps(body), content_type="application/json")
    assert r.status_code in (400, 422), r.json
    assert r.status_code == 400 or any(key.startswith(field) for key in r.json["errors"]), r.json
    assert db.session.execute(db.select(db.func.count()).select_from(Case)).scalar() == before
