"""Opening a case is safe to retry (`Idempotency-Key`, services/idempotency.py): the same request
again gets the first answer again - the same case, number and body - and no second case; the same
key with another request is refused; two retries at once open one case; a 201 says where the case
is (`Location`)."""

from sqlalchemy import func

from tests.helpers import at_once, engine_steps_meet
from workflow_app.extensions import db
from workflow_app.models import Case, IdempotentRequest, NumberCounter

BODY = {"procedure_id": "general_penalty", "title": "某超市销售过期食品案", "department": "market",
        "party": {"name": "清河某超市有限公司", "kind": "organization"}}


def _open(api, key=None, as_="officer1", body=BODY):
    return api.post("/api/v1/cases", as_=as_, json=body, headers={"Idempotency-Key": key} if key else {})


def _cases() -> int:
    db.session.expire_all()
    return db.session.execute(db.select(func.count()).select_from(Case)).scalar()


def test_a_retry_with_the_same_key_gets_the_first_answer_and_opens_no_second_case(api, ctx):
    first = _open(api, "6f1c9a3e-retry-1")
    assert first.status_code == 201 and first.headers["Location"] == f"/api/v1/cases/{first.json['id']}"
    assert "Idempotent-Replayed" not in first.headers
    opened = _cases()
    again = _open(api, "6f1c9a3e-retry-1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json and again.headers["Location"] == first.headers["Location"]
    assert _cases() == opened
    assert api.get(again.headers["Location"], as_="officer1").json["number"] == first.json["number"]
    # Without a key, or with another, each request is a case of its own.
    assert _open(api).json["id"] != first.json["id"]
    assert _open(api, "6f1c9a3e-retry-2").json["id"] != first.json["id"]
    assert _cases() == opened + 2


def test_the_same_key_with_another_request_is_refused_naming_the_header(api):
    assert _open(api, "k-1").status_code == 201
    r = _open(api, "k-1", body={**BODY, "title": "另一案件"})
    assert r.status_code == 422 and "Idempotency-Key" in r.json["errors"], r.json
    assert "另一请求" in r.json["errors"]["Idempotency-Key"][0], r.json


def test_keys_are_each_users_own(api):
    mine = _open(api, "shared-key", as_="officer1")
    theirs = _open(api, "shared-key", as_="officer2")
    assert mine.status_code == theirs.status_code == 201 and mine.json["id"] != theirs.json["id"]


def test_a_malformed_key_is_refused_and_opens_nothing(api, ctx):
    opened = _cases()
    for key in ("has space", "x" * 201, "键"):
        r = api.post("/api/v1/cases", as_="officer1", json=BODY, headers={"Idempotency-Key": key.encode("utf-8")
                                                                           .decode("latin-1")})
        assert r.status_code == 422 and "Idempotency-Key" in r.json["errors"], (key, r.json)
    assert _cases() == opened


def test_a_refused_opening_keeps_no_answer_so_the_corrected_request_may_use_a_new_key(api, ctx):
    r = _open(api, "k-bad", body={**BODY, "department": "nowhere"})
    assert r.status_code == 422
    db.session.expire_all()
    assert db.session.execute(db.select(IdempotentRequest).where(IdempotentRequest.key == "k-bad")).first() is None
    assert _open(api, "k-bad").status_code == 201  # nothing was kept: the key is still free


def test_two_retries_at_once_open_one_case_with_one_number(app, api, ctx, monkeypatch):
    api.open_case()  # the department-year counter exists
    headers = {**api.headers("officer1"), "Idempotency-Key": "flaky-network-7"}
    engine_steps_meet(monkeypatch, after=False)  # both have found no kept answer and run the opening
    before = db.session.execute(db.select(NumberCounter.last)).scalar()
    opened = _cases()

    def attempt():
        r = app.test_client().post("/api/v1/cases", headers=headers, json=BODY)
        return r.status_code, r.json.get("id"), r.json.get("number")

    results = at_once(app, attempt)
    assert [code for code, _, _ in results] == [201, 201], results
    assert len({(i, n) for _, i, n in results}) == 1, results  # one case, one answer
    assert _cases() == opened + 1
    db.session.expire_all()
    assert db.session.execute(db.select(NumberCounter.last)).scalar() == before + 1  # no number lost
