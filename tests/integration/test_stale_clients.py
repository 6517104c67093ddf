"""A stale client is refused, not obeyed: the case's ETag names its version, and a completion sent
with If-Match (or `version`) for a version the case has left is a 412 that changes nothing."""
from tests.helpers import STEPS, days_ago


def _complete(api, task_id, headers=None, **body):
    return api.client.post(f"/api/v1/tasks/{task_id}/complete", headers={**api.headers("officer1"), **(headers or {})},
                           json={"data": STEPS["clue_intake"][1], **body})


def test_a_completion_on_a_version_the_case_has_left_is_412_and_changes_nothing(api):
    case = api.run(api.open_case(), ("clue_intake", {"received_on": days_ago(0), "violation_date": days_ago(0)}))
    read = api.client.get(f"/api/v1/cases/{case['id']}", headers=api.headers("head1"))
    etag, version = read.headers["ETag"], read.json["version"]
    assert etag == f'"case-v{version}"'
    # An officer changes the case (an ad-hoc request) after the head read it.
    moved = api.post(f"/api/v1/cases/{case['id']}/requests/extension_request", as_="officer2", json={"data": {
        "limit": "filing", "days": 5, "reason": "案情复杂", "requested_on": days_ago(0)}})
    assert moved.status_code in (200, 201), moved.json
    task = api.task(case, "filing_approval")

    def decide(headers=None, **body):
        return api.client.post(f"/api/v1/tasks/{task['id']}/complete", headers={**api.headers("head1"), **(headers or {})},
                               json={"data": {**STEPS["filing_approval"][1], "filed_on": days_ago(0)}, **body})

    stale = decide({"If-Match": etag})
    assert stale.status_code == 412 and stale.json["error"] == "precondition_failed", stale.json
    assert stale.json["details"]["version"] > version
    assert decide(version=version).status_code == 412
    assert "filing_approval" in [t["bpmn_id"] for t in api.get(f"/api/v1/cases/{case['id']}", as_="head1").json["tasks"]]
    fresh = api.client.get(f"/api/v1/cases/{case['id']}", headers=api.headers("head1")).headers["ETag"]
    done = decide({"If-Match": fresh})
    assert done.status_code == 200 and done.headers["ETag"] == f'"case-v{done.json["version"]}"'


def test_an_if_match_that_is_not_our_etag_is_refused_and_two_disagreeing_versions_are_invalid(api):
    case = api.open_case()
    task = api.task(case, "clue_intake")
    assert _complete(api, task["id"], {"If-Match": "*"}).status_code == 412
    assert _complete(api, task["id"], {"If-Match": '"case-v1"'}, version=2).status_code == 422
    assert _complete(api, task["id"], version=-1).status_code == 422
    assert _complete(api, task["id"]).status_code == 200  # without either: as before


def test_every_time_the_api_gives_has_the_one_offset_the_law_counts_in(api):
    """Not +08:00 on tasks and +00:00 on the trace: +08:00 everywhere."""
    case = api.run(api.open_case(), ("clue_intake", {"received_on": days_ago(0), "violation_date": days_ago(0)}))
    case = api.get(f"/api/v1/cases/{case['id']}", as_="head1").json
    times = [case["created_at"], *[t["ready_at"] for t in case["tasks"]], *[t["due_at"] for t in case["tasks"]],
             *[m["at"] for m in case["milestones"]]]
    times += [e["at"] for e in api.get(f"/api/v1/cases/{case['id']}/trace", as_="head1").json["items"]]
    times += [t["completed_at"] for t in api.get(f"/api/v1/cases/{case['id']}/tasks", as_="head1").json["items"]
              if t.get("completed_at")]
    assert len(times) > 6 and all(t.endswith("+08:00") for t in times if t), times
