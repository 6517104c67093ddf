"""general_penalty driven through every branch via the API (DOMAIN.md, the general procedure)."""
from tests.helpers import TO_DECISION


def test_penalty_without_review_goes_from_intake_to_closing(api):
    case = api.open_case()
    assert case["status"] == "intake" and api.ready(case) == ["clue_intake"]
    case = api.run(case, *TO_DECISION)
    assert case["status"] == "investigating" and case["filed_at"]
    assert api.ready(case) == ["penalty_decision"]  # 20,000 yuan for an organization: not major
    case = api.run(case, "penalty_decision")
    assert case["status"] == "decided" and api.ready(case) == ["disclosure", "service"]
    case = api.run(case, "disclosure", "service")
    assert case["status"] == "served" and api.ready(case) == ["execution"]
    case = api.run(case, "execution", "closing")
    assert case["status"] == "closed" and case["closed_at"] and case["tasks"] == []
