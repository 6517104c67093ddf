"""Long lists page by cursor (keyset) as well as by page number near their start, and count only up
to a cap; a case's evidence list and trace page by cursor only."""
import io
import re
from datetime import timedelta

import pytest

from workflow_app.extensions import db
from workflow_app.models import Case, Task
from workflow_app.services import paging
from workflow_app.services.evidence import items as evidence


def walk(api, url, as_, per_page=2):
    """Every item id of a list, following its `next` cursors."""
    ids, cursor = [], None
    for _ in range(50):
        r = api.get(f"{url}{'&' if '?' in url else '?'}per_page={per_page}" + (f"&after={cursor}" if cursor else ""),
                    as_=as_)
        assert r.status_code == 200, r.json
        ids += [item["id"] for item in r.json["items"]]
        cursor = r.json["next"]
        if cursor is None:
            return ids
    raise AssertionError("the cursor never ended")


def pages(api, url, as_, per_page=2):
    ids, page = [], 1
    while True:
        r = api.get(f"{url}{'&' if '?' in url else '?'}per_page={per_page}&page={page}", as_=as_)
        if not r.json["items"]:
            return ids
        ids += [item["id"] for item in r.json["items"]]
        page += 1


def test_the_case_list_walked_by_cursor_is_the_list_in_order_ties_included(api, ctx):
    opened = [api.open_case()["id"] for _ in range(5)]
    # Three cases opened in the same instant: the id decides, newest first.
    same = db.session.get(Case, opened[0]).created_at
    db.session.execute(db.update(Case).where(Case.id.in_(opened[1:4])).values(created_at=same))
    db.session.commit()
    everything = api.get("/api/v1/cases?per_page=100", as_="supervisor1").json
    assert everything["total"] == 5 and everything["total_capped"] is False and everything["next"] is None
    expected = [c["id"] for c in everything["items"]]
    assert walk(api, "/api/v1/cases", "supervisor1") == expected == pages(api, "/api/v1/cases", "supervisor1")
    assert expected.index(opened[3]) < expected.index(opened[2]) < expected.index(opened[1])


def test_the_inbox_walked_by_cursor_keeps_undated_tasks_last_and_loses_none(api, ctx):
    for n in range(6):
        case = api.open_case()
        if n % 2:
            api.run(case, "clue_intake")  # filing approval has a due date; clue intake none
    ready = db.session.execute(db.select(Task).where(Task.state == "ready", Task.due_at.is_not(None))).scalars().all()
    ready[1].due_at = ready[0].due_at  # a tie on the due date: the id decides
    ready[2].due_at = ready[0].due_at + timedelta(days=3)
    db.session.commit()
    listed = api.get("/api/v1/tasks?per_page=100", as_="supervisor1").json["items"]
    dues = [t["due_at"] for t in listed]
    assert dues[:3] != [None] * 3 and dues[3:] == [None] * 3  # undated last
    expected = [t["id"] for t in listed]
    assert walk(api, "/api/v1/tasks", "supervisor1") == expected == pages(api, "/api/v1/tasks", "supervisor1")
    for per_page in (1, 4):
        assert walk(api, "/api/v1/tasks", "supervisor1", per_page=per_page) == expected


def test_a_cursor_the_list_did_not_hand_out_is_refused_naming_it(api):
    api.open_case()
    for bad in ("nonsense", "W10", "WzEsMiwzXQ", "WyJ4IiwxXQ", "WzEsIngiXQ", "WyIyMDI2LTAxLTAxIiwxXQ"):
        for url in ("/api/v1/cases", "/api/v1/tasks"):
            r = api.get(f"{url}?after={bad}", as_="supervisor1")
            assert r.status_code == 422 and "after" in r.json["errors"], (url, bad, r.json)


def test_a_list_longer_than_the_cap_says_its_count_is_capped(api, monkeypatch):
    for _ in range(3):
        api.open_case()
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    r = api.get("/api/v1/cases", as_="supervisor1").json
    assert (r["total"], r["total_capped"], len(r["items"])) == (2, True, 3)
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    r = api.get("/api/v1/cases", as_="supervisor1").json
    assert (r["total"], r["total_capped"]) == (3, False)


# -- a case's evidence list and trace: by cursor only ---------------------------------------------
def add_evidence(api, case, n: int, as_="officer1") -> list[int]:
    """`n` items of plain text (a scanned statement's transcript), each of its own bytes."""
    ids = []
    for k in range(n):
        r = api.post(f"/api/v1/cases/{case['id']}/evidence", as_=as_, content_type="multipart/form-data",
                     data={"file": (io.BytesIO(f"询问笔录 第{k + 1}页".encode()), f"page-{k + 1}.txt")})
        assert r.status_code == 201, r.json
        ids.append(r.json["id"])
    return ids


def test_the_evidence_list_walked_by_cursor_is_the_list_in_the_order_collected(api):
    case = api.open_case()
    ids = add_evidence(api, case, 7)
    url = f"/api/v1/cases/{case['id']}/evidence"
    first = api.get(f"{url}?per_page=3").json
    assert [i["id"] for i in first["items"]] == ids[:3] and first["next"]
    assert (first["total"], first["total_capped"], first["per_page"]) == (7, False, 3) and "page" not in first
    for per_page in (1, 3, 7, 200):
        assert walk(api, url, "officer1", per_page=per_page) == ids
    everything = api.get(url).json  # the default page holds them all
    assert everything["per_page"] == evidence.PAGE_SIZE and everything["next"] is None
    assert [i["id"] for i in everything["items"]] == ids


def test_a_walk_through_the_evidence_list_loses_and_repeats_nothing_while_it_changes(api):
    """An item withdrawn behind the reader stays where it was; one added meanwhile comes at the end."""
    case = api.open_case()
    ids = add_evidence(api, case, 5)
    url = f"/api/v1/cases/{case['id']}/evidence?per_page=2"
    page1 = api.get(url).json
    api.post(f"/api/v1/cases/{case['id']}/evidence/{ids[0]}/withdraw", json={"reason": "重复拍摄"})
    [added] = add_evidence(api, case, 1, as_="officer2")
    seen = [i["id"] for i in page1["items"]]
    cursor = page1["next"]
    while cursor:
        page = api.get(f"{url}&after={cursor}").json
        seen += [i["id"] for i in page["items"]]
        cursor = page["next"]
    assert seen == [*ids, added]
    assert api.get(url).json["items"][0]["withdrawn"]["reason"] == "重复拍摄"


def test_the_evidence_list_and_the_trace_cap_their_page_size_and_refuse_a_foreign_cursor(api):
    case = api.open_case()
    add_evidence(api, case, 2)
    cases_cursor = api.get("/api/v1/cases?per_page=1", as_="supervisor1").json["next"]
    for url in (f"/api/v1/cases/{case['id']}/evidence", f"/api/v1/cases/{case['id']}/trace"):
        assert api.get(f"{url}?per_page=200").status_code == 200
        for bad in ("per_page=201", "per_page=0", "per_page=x"):
            r = api.get(f"{url}?{bad}")
            assert r.status_code == 422 and list(r.json["errors"]) == ["per_page"], (url, bad, r.json)
        for bad in ("nonsense", "W10", "WzAsMV0", cases_cursor, "WyJ4Il0", "WzBd", "Wy0xXQ"):
            r = api.get(f"{url}?after={bad}")
            assert r.status_code == 422 and list(r.json["errors"]) == ["after"], (url, bad, r.json)
        assert "page" not in api.get(f"{url}?page=2").json  # no page numbers: the first page


def test_the_trace_walked_by_cursor_is_the_whole_chain_in_order(api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval")
    add_evidence(api, case, 3)
    url = f"/api/v1/cases/{case['id']}/trace"
    whole = api.get(url).json
    seqs = [e["seq"] for e in whole["items"]]
    assert seqs == list(range(1, len(seqs) + 1)) and whole["next"] is None and whole["per_page"] == 200
    assert whole["total"] == len(seqs) > 6
    walked, cursor = [], None
    while True:
        page = api.get(f"{url}?per_page=4" + (f"&after={cursor}" if cursor else "")).json
        walked += page["items"]
        cursor = page["next"]
        if cursor is None:
            break
    assert walked == whole["items"]
    # each page links to the last of the page before: the chain checks across pages
    assert all(b["prev_sha256"] == a["sha256"] for a, b in zip(walked, walked[1:], strict=False))


@pytest.mark.parametrize("url, as_", [("/api/v1/cases", "supervisor1"), ("/api/v1/tasks", "supervisor1"),
                                      ("/api/v1/alerts", "supervisor1"), ("/api/v1/parties", "officer1")])
def test_every_numbered_list_answers_near_pages_only(api, url, as_):
    """OFFSET reads every row before the page: a page number reaches the first PAGE_NUMBER_ROWS rows."""
    last = paging.last_page_number(50)
    assert last == paging.PAGE_NUMBER_ROWS // 50
    assert api.get(f"{url}?page={last}", as_=as_).status_code == 200
    r = api.get(f"{url}?page={last + 1}", as_=as_, headers={"Accept-Language": "en"})
    assert r.status_code == 422 and list(r.json["errors"]) == ["page"]
    assert r.json["errors"]["page"] == [f"must be at most {last} at 50 rows a page: page numbers reach the first "
                                        f"{paging.PAGE_NUMBER_ROWS} rows; further on, follow `next` (after=)"]
    assert api.get(f"{url}?page={last + 1}&after=", as_=as_).status_code == 422  # an empty cursor is none
    assert api.get(f"{url}?page=1&per_page=200", as_=as_).status_code == 200


def test_the_openapi_document_declares_the_paging_parameters(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]

    def params(path):
        return {p["name"]: p for p in paths[path]["get"]["parameters"] if p["in"] == "query"}

    for path in ("/cases/{case_id}/evidence", "/cases/{case_id}/trace"):
        assert set(params(path)) == {"after", "per_page"}, path
    for path in ("/cases", "/tasks", "/alerts", "/parties"):
        page = params(path)["page"]
        assert page["schema"]["maximum"] == paging.PAGE_NUMBER_ROWS and "follow `next`" in page["description"]
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    for name in ("EvidenceList", "Trace"):
        assert {"items", "next", "total", "per_page"} <= set(schemas[name]["properties"]), name


# -- a register: the causes, by code ------------------------------------------------------------------
def test_the_causes_register_walked_by_cursor_is_the_register_in_code_order(api, client):
    from tests.web_session import html, page_login

    whole = api.get("/api/v1/causes").json
    codes = [c["code"] for c in whole["items"]]
    assert len(codes) > 3 and codes == sorted(codes) and whole["next"] is None and whole["per_page"] == 200
    assert whole["department"] == "market" and whole["total"] == len(codes)
    walked, cursor = [], None
    while True:
        page = api.get("/api/v1/causes?per_page=2" + (f"&after={cursor}" if cursor else "")).json
        assert page["department"] == "market"
        walked += [c["code"] for c in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert walked == codes
    for bad in ("WzFd", "WyJcdTAwMDAiXQ", "W251bGxd", "WyIiXQ"):  # [1], ["\u0000"], [null], [""]
        r = api.get(f"/api/v1/causes?after={bad}")
        assert r.status_code == 422 and list(r.json["errors"]) == ["after"], (bad, r.json)

    page_login(client, "officer1")
    first = html(client.get("/causes?per_page=3"))
    assert re.findall(r'data-testid="cause" data-code="([^"]+)"', first) == codes[:3]
    assert f'data-testid="causes-count">({len(codes)})' in first
    second = html(client.get(re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")))
    assert re.findall(r'data-testid="cause" data-code="([^"]+)"', second) == codes[3:6]
    assert client.get("/causes?after=nonsense").status_code == 422
