"""The legal dates the record keeps (issue 13 §2): the filing approval records the filing date
(立案日期, not before the clue, not after today) and every later step is dated on or after it; the
legal review records its date and the collective discussion and the decision come on or after it;
the case page shows the recorded filing date, not the moment the approval was submitted."""
from tests.helpers import DAY, TO_DECISION, days_ago
from tests.web_session import html, page_login


def refused_for(r, code="DATES_OUT_OF_ORDER"):
    assert r.status_code == 422 and r.json["error"] == code, r.json
    return r.json


def test_a_filing_is_dated_not_before_the_clue_and_not_after_today(api):
    case = api.run(api.open_case(), "clue_intake")
    said = refused_for(api.complete(case, "filing_approval", filed_on=days_ago(DAY["received"] + 1), expect=422))
    assert "filing_approval.filed_on" in said["errors"]
    said = refused_for(api.complete(case, "filing_approval", filed_on=days_ago(-1), expect=422))
    assert "晚于今天" in said["message"]
    r = api.complete(case, "filing_approval", filed_on=None, expect=422)  # filing without its date
    assert "filed_on" in r.json["errors"], r.json


def test_an_investigation_report_dated_before_the_filing_is_refused(api):
    case = api.run(api.open_case(), "clue_intake", ("filing_approval", {"filed_on": days_ago(DAY["reported"] - 5)}),
                   "investigation")
    said = refused_for(api.complete(case, "investigation_report", reported_on=days_ago(DAY["reported"]), expect=422))
    assert "立案日期" in said["message"], said["message"]
    api.complete(case, "investigation_report", reported_on=days_ago(DAY["reported"] - 6))


def test_a_collective_discussion_dated_before_the_legal_review_is_refused(api):
    report = ("investigation_report", {"major_case": True, "reported_on": days_ago(DAY["reported"])})
    case = api.run(api.open_case(), *TO_DECISION[:3], report, *TO_DECISION[4:])
    case = api.complete(case, "legal_review", reviewed_on=days_ago(DAY["discussion"] - 1))
    said = refused_for(api.complete(case, "collective_discussion", held_on=days_ago(DAY["discussion"]), expect=422))
    assert "审核日期" in said["message"], said["message"]
    api.complete(case, "collective_discussion", held_on=days_ago(DAY["discussion"] - 1))


def test_the_case_page_shows_the_recorded_filing_date(client, api):
    case = api.run(api.open_case(), "clue_intake", ("filing_approval", {"filed_on": days_ago(DAY["filed"])}))
    page_login(client, "officer1")
    page = html(client.get(f"/cases/{case['id']}"))
    assert f'<span data-testid="recorded-date">{days_ago(DAY["filed"])}</span>' in page, page
