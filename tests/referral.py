"""Driving a referral (线索移送, bpmn/referral and bpmn/referral_receipt) through the real API: the
market bureau refers a clue to the comprehensive enforcement bureau (`urban`), which answers; the
letter dated today, the feedback due `due_in` days later (or earlier, to test the overdue alert)."""
from datetime import date, timedelta

from tests.helpers import Runs, days_ago
from workflow_app.wall_clock import local_today

PARTY = {"name": "清河区好味来餐饮店", "kind": "organization"}
RECEIVER = "urban"  # 综合行政执法局
RECEIVING_OFFICER, THIRD_OFFICER = "urban_officer1", "transport_officer1"


def days_ahead(n: int) -> str:
    return (local_today() + timedelta(days=n)).isoformat()


def steps(referred: int = 0, due_in: int = 14) -> dict:
    """bpmn id -> (who, data): the letter `referred` days ago, its feedback due `due_in` days after
    the letter, the approval the same day, the answer today."""
    referred_on = days_ago(referred)
    due_on = (date.fromisoformat(referred_on) + timedelta(days=due_in)).isoformat()
    return {
        "referral_letter": ("officer1", {
            "receiving_department": RECEIVER, "clue": "检查中发现当事人在店外人行道上占道经营，摆放桌椅十余张",
            "reasons": "占道经营属城市管理综合执法部门管辖，依法移送", "materials": "现场照片",
            "contact": "张明 0571-88880001", "referred_on": referred_on, "feedback_due_on": due_on}),
        "referral_approval": ("head1", {"approval_decision": "approve", "opinion": "同意移送",
                                        "decided_on": referred_on}),
        "referral_answer": (RECEIVING_OFFICER, {"answer": "accept", "reasons": "属于本局管辖，已立案调查",
                                                "case_title": "好味来餐饮店占道经营案", "answered_on": days_ago(0)}),
    }


class Referral(Runs):
    """The API driver (tests.helpers.Api) with the referral's steps, on both sides."""

    def __init__(self, api, **dates):
        self.api = api
        self.dates = dates

    def open(self, as_="officer1", party=PARTY, linked_from: dict | None = None) -> dict:
        return self.api.open_case(as_=as_, procedure_id="referral", title=f"{party['name']}占道经营线索移送",
                                  department="market", party=party,
                                  **({"linked_from": linked_from} if linked_from else {}))

    def complete(self, case: dict, bpmn_id: str, expect: int = 200, as_: str | None = None, **changes):
        who, data = steps(**self.dates)[bpmn_id]
        return self.api.submit(case, bpmn_id, as_ or who, {**data, **changes}, expect)

    def sent(self, **letter) -> dict:
        """A referral drafted, approved and so sent: the referring case's body."""
        case = self.open()
        return self.run(case, ("referral_letter", letter), "referral_approval")

    def referrals(self, case: dict, as_: str = "officer1", expect: int = 200):
        r = self.api.get(f"/api/v1/cases/{case['id']}/referrals", as_=as_)
        assert r.status_code == expect, (r.status_code, r.json)
        return r.json["items"] if expect == 200 else r

    def receipt(self, referring: dict, as_: str = RECEIVING_OFFICER) -> dict:
        """The receipt case the sending opened in the receiving department, as its officer reads it."""
        number = next(r for r in self.referrals(referring) if r["side"] == "referring")["receipt_case"]["number"]
        found = self.api.get("/api/v1/cases", as_=as_, query_string={"q": number}).json["items"]
        assert found, number
        return self.api.get(f"/api/v1/cases/{found[0]['id']}", as_=as_).json

    def photo(self, case: dict, label: str = "占道经营现场", as_: str = "officer1") -> dict:
        return self.api.site_photo(case, label, as_=as_)
