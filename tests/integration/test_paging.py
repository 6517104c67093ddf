"""Long lists page by cursor (keyset) as well as by page number, and count only up to a cap."""
from datetime import timedelta

from workflow_app.extensions import db
from workflow_app.models import Case, Task
from workflow_app.services import paging


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
