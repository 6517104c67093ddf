"""Driving a case of the summary procedure (简易程序, bpmn/summary_penalty) through the real API:
the steps' valid data, dated on the app's clock (everything on the spot yesterday, the filing and
the hand-over of the money today), and the party's signature drawn by code.

The story: goods on sale without their price tags (the market bureau's cause SCJG-JG-13-01 of the
demo register, 价格法 Art. 13, a fine of up to 5,000 yuan), fined on the spot; a warning is decided
under SCJG-SP-126-03 (Food Safety Law Art. 126, which provides one), whose no-penalty list the
notice assesses (WARNING). Each case's pre-printed decision form has a number of its own
(`decision_number`): a number is used once per department."""
from tests.helpers import Runs, days_ago
from workflow_app.demo.signature import drawn_signature
from workflow_app.oversight.identity import with_resident_check

PERSON = {"name": "王某某", "kind": "person"}
ORGANIZATION = {"name": "清河区便民烟酒店", "kind": "organization"}
PARTY_ID = with_resident_check("99010519850312001")
SIGNATURE = drawn_signature(11)
# The steps up to the decision handed over, in their order.
ON_THE_SPOT = ("identify", "notify", "hear_statement", "decide")
PRICE_TAGS = "SCJG-JG-13-01"  # 经营者不按规定明码标价: confiscation and a fine of up to 5,000 yuan
PURCHASE_RECORDS = "SCJG-SP-126-03"  # warning, or 5,000 to 50,000 yuan; on the no-penalty list
# The notice of a warning: its cause provides one; the officers assess it against the no-penalty list.
WARNING = {"notified_penalty_kinds": ["warning"], "notified_fine": None, "cause": PURCHASE_RECORDS,
           "facts": "当事人销售散装熟食，未查验供货者的许可证和食品合格证明，未建立进货查验记录",
           "violated_provision": "《中华人民共和国食品安全法》第五十三条第一款",
           "penalty_provision": "《中华人民共和国食品安全法》第一百二十六条第一款第三项",
           "penalty_list_item": "SCJG-BCF-002", "meets_penalty_list": "no"}


def decision_number(case: dict) -> str:
    """The number printed on the case's own decision form (one per case)."""
    return f"清市监当罚〔2026〕{case['id']:04d}号"


def steps(on_spot: int = 1, later: int = 0) -> dict:
    """bpmn id -> (who, data): the acts on the spot `on_spot` days ago, the filing, the hand-over
    of the money and the closing `later` days ago."""
    spot, after = days_ago(on_spot), days_ago(later)
    return {
        "identify": ("officer1", {"officers": ["officer1", "officer2"], "credentials_shown": True, "checked_on": spot,
                                  "place": "清河区车站路45号店内", "party_id_number": PARTY_ID,
                                  "party_address": "清河区幸福里3栋2单元501室"}),
        "notify": ("officer1", {"facts": "当事人店内销售的12种商品未标明价格", "evidence": "现场检查笔录；照片6张",
                                "cause": PRICE_TAGS, "violated_provision": "《中华人民共和国价格法》第十三条第一款",
                                "penalty_provision": "《价格违法行为行政处罚规定》第十三条",
                                "notified_penalty_kinds": ["fine"], "notified_fine": 100, "rights_told": True,
                                "notified_on": spot}),
        "hear_statement": ("officer1", {"statement_made": False, "answered_on": spot}),
        "decide": ("officer1", {"penalty_kinds": ["fine"],  # + decision_number: the case's own
                                "fine_amount": 100, "legal_basis": "《价格违法行为行政处罚规定》第十三条",
                                "decided_on": spot, "decided_time": "10:30",
                                "performance_manner": "当场缴纳，或者十五日内到银行缴纳",
                                "reconsideration_body": "清河区人民政府", "litigation_court": "清河区人民法院"}),
        "serve": ("officer1", {"served_on": spot}),  # + party_signature or the refusal, per test
        "payment": ("officer1", {"collected_on_the_spot": True, "collection_ground": "small_fine",
                                 "receipt_number": "财罚No.0012345", "collected_on": spot, "amount_collected": 100}),
        "hand_over": ("officer1", {"handed_over_on": after, "amount_handed_over": 100, "received_by": "局财务科出纳"}),
        "file_record": ("head1", {"filed_on": after, "review_note": "材料齐全，予以备案"}),
        "closing": ("head1", {"closing_report": "当场处罚决定已交付并备案，罚款已当场收缴并交至本机关", "record_complete": True,
                              "closed_on": after}),
    }


class Summary(Runs):
    """The API driver (tests.helpers.Api) with the summary procedure's steps."""

    def __init__(self, api, **dates):
        self.api = api
        self.dates = dates

    def open(self, party=PERSON, as_="officer1") -> dict:
        return self.api.open_case(as_=as_, procedure_id="summary_penalty", title=f"{party['name']}不按规定明码标价案",
                                  party=party)

    def complete(self, case: dict, bpmn_id: str, expect: int = 200, as_: str | None = None, **changes):
        who, data = steps(**self.dates)[bpmn_id]
        if bpmn_id == "decide":
            data = {"decision_number": decision_number(case), **data}
        return self.api.submit(case, bpmn_id, as_ or who, {**data, **changes}, expect)

    def sign(self, case: dict, png: bytes = SIGNATURE, as_: str = "officer1", expect: int | tuple = (200, 201),
             headers: dict | None = None):
        r = self.api.signature(case, png, as_, headers)
        assert r.status_code in (expect if isinstance(expect, tuple) else (expect,)), (r.status_code, r.json)
        return r

    def served(self, case: dict) -> dict:
        """Up to the decision handed over against the party's drawn signature (from wherever on
        the spot the case stands)."""
        ready = {t["bpmn_id"] for t in case["tasks"]}
        todo = next((ON_THE_SPOT[i:] for i, step in enumerate(ON_THE_SPOT) if step in ready), ())
        case = self.run(case, *todo)
        sha = self.sign(case).json["sha256"]
        return self.complete(case, "serve", party_signature=sha)
