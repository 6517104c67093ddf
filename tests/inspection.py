"""Driving an enterprise inspection (bpmn/inspection, 国办发〔2024〕54号) through the real API: the
steps' valid data dated on the app's clock (started, registered and visited `days` days ago, the
result the day after the visit, the disclosure and the filing today), a photo taken on the spot and
the enterprise's signature drawn by code; and the market bureau's plan published through the API."""

from tests.helpers import Runs, days_ago
from workflow_app.demo.signature import drawn_signature
from workflow_app.wall_clock import local_today

ENTITY = {"name": "清河区恒源化工有限公司", "kind": "organization", "id_number": "91990105MA06HYH1XW",
          "address": "清河区工业园区纬三路9号"}
SIGNATURE = drawn_signature(31)
PLAN = {"title": "市场监督管理局年度双随机抽查计划",
        "items": [{"cause": "SCJG-SP-126-03", "title": "进货查验记录制度执行情况"}, {"cause": "SCJG-SP-124-01"}],
        "population": {"industries": [], "risk_grades": []}, "max_per_enterprise": 2}


def steps(days: int = 3) -> dict:
    """bpmn id -> (who, data)."""
    return {
        "inspection_trigger": ("officer1", {
            "trigger": "complaint", "trigger_reference": "12315投诉举报平台第2026-0815号：群众反映该企业销售过期食品",
            "trigger_received_on": days_ago(days), "party_id_number": ENTITY["id_number"],
            "party_address": ENTITY["address"], "started_on": days_ago(days)}),
        "visit_registration": ("officer1", {"officers": ["officer1", "officer2"], "visit_on": days_ago(days),
                                            "place": ENTITY["address"], "registered_on": days_ago(days)}),
        "inspection_record": ("officer1", {
            "officers": ["officer1", "officer2"], "credentials_shown": True, "inspected_on": days_ago(days),
            "place": ENTITY["address"], "findings": "抽查进货查验记录，记录完整；未发现超过保质期的食品。",
            "party_present": True}),
        "inspection_result": ("officer1", {"result": "no_problem", "result_on": days_ago(max(days - 1, 0)),
                                           "summary": "未发现问题"}),
        "inspection_followup": ("officer1", {"checked_on": days_ago(0), "rectified": True,
                                             "followup_note": "已整改到位"}),
        "inspection_clue": ("officer1", {"handed_on": days_ago(0), "note": "已从本案立案查处"}),
        "inspection_disclosure": ("officer1", {"disclosed_on": days_ago(0), "channel": "国家企业信用信息公示系统",
                                               "public_text": "检查结果：未发现问题。"}),
        "inspection_closing": ("head1", {"closed_on": days_ago(0), "summary": "检查完毕，材料归档"}),
    }


class Inspection(Runs):
    """The API driver (tests.helpers.Api) with the inspection procedure's steps."""

    def __init__(self, api, days: int = 3):
        self.api = api
        self.days = days

    def open(self, party=ENTITY, as_="officer1", department="market") -> dict:
        return self.api.open_case(as_=as_, procedure_id="inspection", title=f"{party['name']}涉企行政检查",
                                  department=department, party=party)

    def complete(self, case: dict, bpmn_id: str, expect: int = 200, as_: str | None = None, **changes):
        who, data = steps(self.days)[bpmn_id]
        if bpmn_id == "inspection_record" and "photos" not in changes:
            changes = {"photos": [self.photo(case)["id"]], **changes}
        if bpmn_id == "inspection_record" and not {"party_signature", "refused_to_sign", "party_present"} & set(changes):
            changes = {"party_signature": self.sign(case), **changes}
        return self.api.submit(case, bpmn_id, as_ or who, {**data, **changes}, expect)

    def sign(self, case: dict, png: bytes = SIGNATURE, as_: str = "officer1") -> str:
        return self.api.signed(case, png, as_)

    def photo(self, case: dict, as_: str = "officer1") -> dict:
        return self.api.site_photo(case, "检查现场", "inspection_record", as_)

    def publish_plan(self, **changes) -> dict:
        """This year's plan of the market bureau, drafted by officer1, approved and published by head1."""
        r = self.api.post("/api/v1/inspection-plans", json={"year": local_today().year, **PLAN, **changes})
        assert r.status_code == 201, r.json
        plan = r.json
        for action, who in (("submit", "officer1"), ("approve", "head1"), ("publish", "head1")):
            r = self.api.post(f"/api/v1/inspection-plans/{plan['id']}/{action}", as_=who, json={})
            assert r.status_code == 200, r.json
        return r.json
