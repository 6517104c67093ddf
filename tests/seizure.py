"""Driving a case of 查封、扣押 (bpmn/seizure, 行政强制法 Arts. 17-28) through the real API: the
steps' valid data dated on the app's clock (the measure `hours` hours ago, its report two hours
after it, the decision and the release today), the party's signature drawn by code and a photo of
the items taken on the spot (uploaded to the evidence list, then named by the on-site record)."""
from datetime import timedelta

from tests.helpers import Runs, days_ago
from workflow_app.demo.signature import drawn_signature
from workflow_app.oversight.calendar import LOCAL_TZ
from workflow_app.wall_clock import utcnow

PARTY = {"name": "清河区鲜果多超市有限公司", "kind": "organization"}
SIGNATURE = drawn_signature(21)
WITNESS_SIGNATURE = drawn_signature(22)
ITEMS = [{"name": "香脆饼干（预包装食品）", "specification": "500克/袋，20袋/箱", "quantity": 120, "unit": "箱",
          "condition": "外包装完好"},
         {"name": "包装封口机", "quantity": 1, "unit": "台"}]


def instant(hours_ago: float) -> str:
    """A date and time `hours_ago` before the app's now, to the minute, in Beijing time with its offset."""
    at = (utcnow() - timedelta(hours=hours_ago)).astimezone(LOCAL_TZ)
    return at.replace(second=0, microsecond=0).isoformat()


def day_of(text: str) -> str:
    return text[:10]


def steps(hours: float = 48, reported_after: float = 2) -> dict:
    """bpmn id -> (who, data): the measure taken `hours` hours ago, reported `reported_after` hours
    later; the decision on it, the release and the closing today."""
    seized = instant(hours)
    reported = instant(hours - reported_after)
    return {
        "seizure_application": ("officer1", {
            "measures": ["seize"], "urgent": False, "facts": "当事人仓库存放标注虚假生产日期的饼干",
            "reasons": "防止涉案食品流入市场", "legal_basis": "《中华人民共和国食品安全法》第一百一十条第四项",
            "objects": "涉案饼干120箱及包装封口机1台", "party_id_number": "91990105MA01XGD1K2",
            "party_address": "清河区兴华路18号", "applied_on": day_of(seized)}),
        "seizure_approval": ("head1", {"approval_decision": "approve", "decided_on": day_of(seized),
                                       "opinion": "同意扣押"}),
        "seizure_onsite": ("officer1", {
            "officers": ["officer1", "officer2"], "credentials_shown": True, "seized_at": seized,
            "place": "清河区兴华路18号当事人仓库", "party_notified": True, "party_present": True, "informed": True,
            "record": "执法人员出示证件，当场告知理由、依据和权利，对涉案饼干予以扣押。", "items": ITEMS,
            "storage_place": "清河区市场监督管理局涉案财物保管室", "documents_handed_over": True,
            "reconsideration_body": "清河区人民政府", "litigation_court": "清河区人民法院"}),
        "seizure_report": ("officer1", {"reported_at": reported, "reported_to": "head1",
                                        "report": "情况紧急，已当场扣押，现报告并申请补办批准手续"}),
        "seizure_ratification": ("head1", {"ratification": "agree", "decided_on": day_of(reported),
                                           "opinion": "同意补办批准手续"}),
        "seizure_disposition": ("head1", {"disposition": "release", "release_ground": "unrelated",
                                          "facts_found": "涉案饼干检验合格", "reasons": "与违法行为无关，解除扣押",
                                          "decided_on": days_ago(0)}),
        "release": ("officer1", {"released_on": days_ago(0), "returned_items": ITEMS, "party_present": True}),
        "urgent_release": ("officer1", {"released_on": days_ago(0), "returned_items": ITEMS, "party_present": True}),
        "seizure_confiscation": ("officer1", {"outcome": "confiscation", "reasons": "依法应当没收",
                                              "referred_on": days_ago(0)}),
        "seizure_destruction": ("officer1", {"destroyed_on": days_ago(0), "method": "无害化焚烧",
                                             "place": "示范市固体废物无害化处理中心", "witnesses": "张明、李华",
                                             "record": "全部焚烧销毁"}),
        "seizure_expiry_warning": ("head1", {"instruction": "decide", "noted_on": days_ago(0)}),
        "seizure_closing": ("head1", {"closing_report": "已解除扣押并退还财物，案卷材料齐全", "record_complete": True,
                                      "closed_on": days_ago(0)}),
    }


SIGNED = ("seizure_onsite", "release", "urgent_release")  # the party signs the record, or the receipt
# The steps of each path, from the application to the items held (查封扣押中).
PRIOR = ("seizure_application", "seizure_approval", "seizure_onsite")
URGENT = (("seizure_application", {"urgent": True, "urgent_reason": "当事人正在装车外运涉案食品"}), "seizure_onsite")


class Seizure(Runs):
    """The API driver (tests.helpers.Api) with the seizure procedure's steps."""

    def __init__(self, api, **dates):
        self.api = api
        self.dates = dates

    def open(self, party=PARTY, as_="officer1", department="market") -> dict:
        return self.api.open_case(as_=as_, procedure_id="seizure", title=f"{party['name']}涉嫌标注虚假生产日期扣押案",
                                  department=department, party=party)

    def data(self, bpmn_id: str) -> tuple[str, dict]:
        return steps(**self.dates)[bpmn_id]

    def complete(self, case: dict, bpmn_id: str, expect: int = 200, as_: str | None = None, **changes):
        who, data = self.data(bpmn_id)
        if bpmn_id == "seizure_onsite" and "photos" not in changes:
            changes = {"photos": [self.photo(case)["id"]], **changes}
        if bpmn_id in SIGNED and not {"party_signature", "refused_to_sign", "party_present"} & set(changes):
            changes = {"party_signature": self.sign(case), **changes}
        return self.api.submit(case, bpmn_id, as_ or who, {**data, **changes}, expect)

    def sign(self, case: dict, png: bytes = SIGNATURE, as_: str = "officer1") -> str:
        return self.api.signed(case, png, as_)

    def photo(self, case: dict, label: str = "扣押现场", as_: str = "officer1") -> dict:
        """A photo of the items, taken on the spot: on the evidence list, collected at the open step."""
        return self.api.site_photo(case, label, "seizure_onsite", as_)

    def request(self, case: dict, kind: str, data: dict, as_: str = "officer1", expect: int = 200):
        r = self.api.post(f"/api/v1/cases/{case['id']}/requests/{kind}", as_=as_, json={"data": data})
        assert r.status_code == expect, (kind, r.status_code, r.json)
        return r.json if expect == 200 else r

    def extend(self, case: dict, days: int = 30, approved: int | None = None) -> dict:
        """An extension asked for, approved by the head and notified to the party (行政强制法 Art. 25)."""
        case = self.request(case, "extension_request", {"limit": "seizure", "days": days, "reason": "案情复杂，需调取外地生产记录",
                                                        "requested_on": days_ago(0)})
        approval = {"decision": "approve", "decided_on": days_ago(0), "opinion": "情况复杂，同意延长",
                    **({"approved_days": approved} if approved else {})}
        task = self.api.task(case, "extension_approval")
        r = self.api.post(f"/api/v1/tasks/{task['id']}/complete", as_="head1", json={"data": approval})
        assert r.status_code == 200, r.json
        case = r.json
        task = self.api.task(case, "extension_notice")
        r = self.api.post(f"/api/v1/tasks/{task['id']}/complete", as_="officer1", json={"data": {
            "served_on": days_ago(0), "method": "direct", "recipient": "当事人法定代表人陈某某"}})
        assert r.status_code == 200, r.json
        return r.json
