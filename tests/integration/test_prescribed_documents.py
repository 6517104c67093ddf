"""The rest of the documents the general procedure prescribes (issue 13 §4), each from its step:
the 询问笔录 and 现场笔录 printed from the filing on to be filled in by hand on the spot, the
调查终结报告, the 听证笔录, the 法制审核意见书, the 集体讨论记录, the 催告书 of a demand to pay (行政强制法
Art. 35) and the 结案审批表; and the 行政处罚决定书's answer to the party's statement, defence and
hearing opinions (APL 45, 62, 65). Each prints what the case recorded, is absent from the case's
list (404 to download) until its step is done, and its download is traced with its hash."""
import hashlib
from datetime import date, timedelta

import pytest

from tests.helpers import ANSWERED, DAY, SHORTEST_PATH, STEPS, TO_DECISION, days_ago, noon_after
from tests.integration.test_documents import cn_date, documents, docx_text, download, generated

pytestmark = pytest.mark.dates

HEARD = (*TO_DECISION[:-1], ("statement_defence", {"hearing_requested": True}), "hearing_notice", "hearing_record")


def certificate(username: str) -> str:
    """The number of the officer's enforcement certificate (执法证), as the register holds it."""
    from workflow_app.extensions import db
    from workflow_app.models import Certificate, User

    return db.session.execute(db.select(Certificate.number).join(User, User.id == Certificate.user_id)
                              .where(User.username == username)).scalar_one()


def printed(api, case, kind: str) -> tuple[str, str]:
    """The document's .docx text and print page, both downloaded (and traced) now; each traced
    with the hash of the bytes served."""
    word, page = download(api, case, kind), download(api, case, kind, "html")
    assert word.status_code == page.status_code == 200, (kind, word.json, page.json)
    assert generated(api, case)[-2:] == [
        {"kind": kind, "format": "docx", "sha256": hashlib.sha256(word.data).hexdigest()},
        {"kind": kind, "format": "html", "sha256": hashlib.sha256(page.data).hexdigest()}]
    return docx_text(word.data), page.get_data(as_text=True)


def assert_not_yet(api, case, kind: str):
    assert kind not in documents(api, case)
    for fmt in ("docx", "html"):
        assert download(api, case, kind, fmt).status_code == 404, (kind, fmt)


def assert_prints(text: str, page: str, *recorded: str):
    for value in recorded:
        assert value in text, value
        assert value in page, value


# -- 询问笔录, 现场笔录: printed from the filing on, filled in by hand ------------------------------------------
def test_the_inquiry_and_site_records_print_the_cases_facts_and_blank_lines_from_the_filing_on(api, ctx):
    case = api.run(api.open_case(), "clue_intake")
    for kind in ("inquiry_record", "site_record"):
        assert_not_yet(api, case, kind)
    case = api.run(case, "filing_approval")
    listed = documents(api, case)
    assert (listed["inquiry_record"]["title"], listed["site_record"]["title"]) == ("询问笔录", "现场笔录")
    assert list(listed)[:3] == ["filing_approval", "inquiry_record", "site_record"]  # the list's order
    intake = STEPS["clue_intake"][1]
    for kind, title, signs in (("inquiry_record", "询问笔录", "被询问人（签名）"),
                               ("site_record", "现场笔录", "当事人（现场负责人）（签名）")):
        text, page = printed(api, case, kind)
        assert_prints(text, page, title, case["number"], "某超市销售过期食品案", "清河某超市有限公司",
                      intake["party_id_number"], intake["party_address"], signs, "记录人（签名）", "申请回避")
        assert "张明" not in text and "执法证号：" not in text  # no officer on record yet: left to write in
        assert "\u3000\u3000年\u3000\u3000月\u3000\u3000日\u3000\u3000时" in text  # the time, by hand
    text, page = printed(api, case, "inquiry_record")
    assert text.count("问：") >= 10 and text.count("答：") >= 10  # ruled question and answer lines
    assert '<th scope="row">问：</th>' in page and '<th scope="row">询问地点</th>' in page
    case = api.run(case, "investigation")  # the officers who investigate are on record from here
    officers = f"张明（执法证号：{certificate('officer1')}）、李华（执法证号：{certificate('officer2')}）"
    for kind in ("inquiry_record", "site_record"):
        assert_prints(*printed(api, case, kind), officers)


def test_a_clue_not_filed_has_no_records_to_fill_in(api):
    case = api.run(api.open_case(), "clue_intake", ("filing_approval", {"filing_decision": "not_file",
                                                                         "reason": "不属于本机关管辖"}))
    for kind in ("inquiry_record", "site_record"):
        assert_not_yet(api, case, kind)


# -- 调查终结报告 (APL 57) -------------------------------------------------------------------------------------
def test_the_investigation_report_states_the_facts_evidence_provisions_and_proposal(api, ctx):
    case = api.run(api.open_case(), *TO_DECISION[:3])
    assert_not_yet(api, case, "investigation_report")
    case = api.run(case, ("investigation_report", {"proposed_fine": 18000, "reported_on": days_ago(DAY["reported"])}))
    assert documents(api, case)["investigation_report"]["title"] == "调查终结报告"
    report = STEPS["investigation_report"][1]
    text, page = printed(api, case, "investigation_report")
    assert_prints(text, page, "调查终结报告", case["number"], "清河某超市有限公司", report["facts"], "进货台账复印件",
                  report["violated_provision"], report["penalty_provision"], "拟予行政处罚", "一般", "罚款", "18000元",
                  "投诉举报", cn_date(STEPS["clue_intake"][1]["received_on"]),  # filed the day the clue came in
                  f"张明（执法证号：{certificate('officer1')}）",
                  "承办人：张明", cn_date(days_ago(DAY["reported"])))
    assert "涉嫌罪名" not in text and "不予处罚理由" not in text  # nothing recorded, no row


# -- 听证笔录 (APL 64) ----------------------------------------------------------------------------------------
def test_the_hearing_record_names_who_heard_the_case_and_what_was_said(api):
    case = api.run(api.open_case(), *HEARD[:-1])
    assert_not_yet(api, case, "hearing_record")
    case = api.run(case, ("hearing_record", {"record": "当事人对违法事实无异议，请求减轻处罚。",
                                             "presiding_opinion": "建议维持拟作出的行政处罚。"}))
    assert documents(api, case)["hearing_record"]["title"] == "听证笔录"
    notice = STEPS["hearing_notice"][1]
    text, page = printed(api, case, "hearing_record")
    assert_prints(text, page, "听证笔录", case["number"], "清河某超市有限公司",
                  cn_date(STEPS["hearing_record"][1]["held_on"]) + " 09:30", notice["location"], "王芳", "王敏", "李华",
                  "公开", "到场", "当事人对违法事实无异议，请求减轻处罚。", "建议维持拟作出的行政处罚。",
                  "当事人或者其代理人（签名）", "书记员（签名）")


# -- 法制审核意见书 (APL 58; 国办发〔2018〕118号) ------------------------------------------------------------------
def test_the_legal_review_opinion_gives_each_finding_the_conclusion_and_the_reviewer(api):
    case = api.run(api.open_case(), *HEARD)
    assert_not_yet(api, case, "legal_review_opinion")
    findings = {**STEPS["legal_review"][1]["findings"],
                "discretion_within_benchmark": {"result": "pass", "comment": "罚款20000元在一般阶次范围内"}}
    case = api.run(case, ("legal_review", {"findings": findings, "opinions": "同意调查机构的处理意见。"}))
    assert documents(api, case)["legal_review_opinion"]["title"] == "法制审核意见书"
    text, page = printed(api, case, "legal_review_opinion")
    assert_prints(text, page, "法制审核意见书", case["number"], "清河某超市有限公司", "拟予行政处罚", "罚款20000元",
                  "执法主体合法、未超越职权", "裁量适当、符合裁量基准", "罚款20000元在一般阶次范围内", "同意调查机构的处理意见。",
                  "审核人：陈静", cn_date(STEPS["legal_review"][1]["reviewed_on"]), "第五十八条")
    assert text.count("通过") == 8 and "不通过" not in text


# -- 集体讨论记录 (APL 57(2)) -------------------------------------------------------------------------------------
def test_the_collective_discussion_record_names_the_heads_their_opinions_and_conclusion(api):
    case = api.run(api.open_case(), *HEARD, "legal_review")
    assert_not_yet(api, case, "collective_discussion_record")
    case = api.run(case, ("collective_discussion", {"opinions": "一致同意给予罚款", "conclusion": "罚款20000元"}))
    assert documents(api, case)["collective_discussion_record"]["title"] == "集体讨论记录"
    text, page = printed(api, case, "collective_discussion_record")
    assert_prints(text, page, "集体讨论记录", case["number"], "赵强、吴刚、郑敏", "一致同意给予罚款", "罚款20000元",
                  cn_date(STEPS["collective_discussion"][1]["held_on"]), "记录人", "第五十七条第二款")


# -- the decision answers the party (APL 45, 62, 65) ------------------------------------------------------------
def test_the_decision_answers_the_partys_statement_and_defence_and_the_answer_is_offered(api):
    said = ("statement_defence", {"statement_made": True, "statement": "已补建进货台账，请求从轻处罚",
                                  "statement_adopted": "partly_adopted"})
    case = api.run(api.open_case(), *TO_DECISION[:-1], said)
    decision = api.get(f"/api/v1/tasks/{api.task(case, 'penalty_decision')['id']}", as_="head1").json
    assert decision["prefill"]["statement_adopted"] == {"value": "partly_adopted",
                                                         "source": "statement_defence.statement_adopted"}
    r = api.complete(case, "penalty_decision", expect=422)  # the default says none was made
    assert r.json["error"] == "PARTY_OPINIONS_UNANSWERED" and "第45条" in r.json["article"]
    assert any(m.startswith("PARTY_OPINIONS_UNANSWERED:") for m in r.json["errors"]["penalty_decision.statement_adopted"])
    r = api.complete(case, "penalty_decision", expect=422, statement_adopted="partly_adopted")
    assert "statement_reasons" in r.get_data(as_text=True)  # an answer states its reasons
    case = api.complete(case, "penalty_decision", statement_adopted="partly_adopted",
                        statement_reasons="当事人已补建台账，已在裁量中考虑；其余理由不成立。")
    text, page = printed(api, case, "penalty_decision")
    assert_prints(text, page, "对当事人提出的陈述、申辩意见，本机关经复核，部分采纳。理由：当事人已补建台账，已在裁量中考虑；其余理由不成立。")


def test_after_a_hearing_the_decision_answers_the_hearing_opinions_too(api):
    case = api.run(api.open_case(), *HEARD, "legal_review", "collective_discussion")
    decision = api.get(f"/api/v1/tasks/{api.task(case, 'penalty_decision')['id']}", as_="head1").json
    assert decision["prefill"]["statement_reasons"] == {"value": "维持", "source": "hearing_record.presiding_opinion"}
    r = api.complete(case, "penalty_decision", expect=422)  # the party attended its hearing
    assert r.json["error"] == "PARTY_OPINIONS_UNANSWERED"
    assert any(m.startswith("PARTY_OPINIONS_UNANSWERED:") for m in r.json["errors"]["hearing_record.party_attended"])
    case = api.complete(case, "penalty_decision", **ANSWERED)
    text, page = printed(api, case, "penalty_decision")
    assert_prints(text, page, "对当事人提出的陈述、申辩和听证意见，本机关经复核，不予采纳。理由：" + ANSWERED["statement_reasons"])


def test_a_party_who_said_nothing_is_told_so_in_the_decision(api):
    case = api.run(api.open_case(), *TO_DECISION, "penalty_decision")
    text, page = printed(api, case, "penalty_decision")
    assert_prints(text, page, "当事人未提出陈述、申辩意见。", "要求听证等权利")
    assert "本机关经复核" not in text


# -- 催告书 (行政强制法 Art. 35, 36; APL 72) ------------------------------------------------------------------------
def test_the_payment_reminder_exists_once_a_demand_is_recorded_and_states_the_fine_the_late_fee_and_the_deadline(
        api, clock):
    from workflow_app.oversight.late_fee import late_fee

    decided = (*TO_DECISION, "penalty_decision", "disclosure", "service")
    case = api.run(api.open_case(), *decided)
    assert_not_yet(api, case, "payment_reminder")
    decided_on, served_on = STEPS["penalty_decision"][1]["decided_on"], STEPS["service"][1]["served_on"]
    # Sixty days on (the service 106 days ago), so that both periods fit whatever day the suite runs as
    # of, a Spring Festival inside either: the demand 56 days after the service (the 15 days to pay,
    # carried past a holiday, leave days of late fee) and the court applied to 45 days after the
    # demand (its 10 working days over). 46 days in all did not hold both: as of 2026-03-08 the
    # demand of 2026-02-16 had its 10 working days end on 2026-03-06 and the court of 03-03 was refused.
    clock.set_now(noon_after(clock.utcnow(), 60))
    api._tokens.clear()  # the tokens of sixty days ago have expired
    demand = days_ago(50)
    case = api.complete(case, "execution", outcome="demanded", paid_on=None, amount_paid=None, demand_served_on=demand)
    assert documents(api, case)["payment_reminder"]["title"] == "催告书"
    fee = late_fee(20000, date.fromisoformat(served_on), date.fromisoformat(demand))
    assert fee.days > 0 and fee.yuan == min(600 * fee.days, 20000)  # 3 % of the fine a day, never above it
    text, page = printed(api, case, "payment_reminder")
    number = documents(api, case)["penalty_decision"]["number"]
    amount = f"{fee.yuan:g}元"
    assert_prints(text, page, "催告书", "清河某超市有限公司：", f"《行政处罚决定书》（{number}）",
                  cn_date(decided_on), cn_date(served_on),
                  "20000元", f"共{fee.days}日，加处罚款{amount}", cn_date(fee.first_day.isoformat()),
                  f"{amount}（截至{cn_date(demand)}）", f"{20000 + fee.yuan:g}元",
                  f"十日内（{cn_date((date.fromisoformat(demand) + timedelta(days=10)).isoformat())}前）",
                  "有权进行陈述和申辩", "第三十五条", "《行政处罚决定书》载明的缴款银行、账户或者地点")
    # the court applied to later: the demand is still on record, and so is its reminder
    ready = api.get(f"/api/v1/tasks/{api.task(case, 'execution')['id']}").json
    assert ready["prefill"]["demand_served_on"] == {"value": demand, "source": "execution.demand_served_on"}
    case = api.complete(case, "execution", outcome="court_enforcement", paid_on=None, amount_paid=None,
                        demand_served_on=demand, court_applied_on=days_ago(5))
    assert "payment_reminder" in documents(api, case)
    assert_prints(*printed(api, case, "payment_reminder"), f"共{fee.days}日，加处罚款{amount}")


def test_a_fine_paid_in_time_has_no_payment_reminder(api):
    case = api.run(api.open_case(), *SHORTEST_PATH[:-1])
    assert "execution" not in api.ready(case)
    assert_not_yet(api, case, "payment_reminder")


# -- 结案审批表 (APL 47) ---------------------------------------------------------------------------------------
def test_the_closing_approval_form_sums_up_the_decision_its_execution_and_the_closing(api):
    case = api.run(api.open_case(), *SHORTEST_PATH[:-1])
    assert_not_yet(api, case, "closing_approval")
    case = api.run(case, "closing")
    assert documents(api, case)["closing_approval"]["title"] == "结案审批表"
    number = documents(api, case)["penalty_decision"]["number"]
    execution = STEPS["execution"][1]
    text, page = printed(api, case, "closing_approval")
    assert_prints(text, page, "结案审批表", case["number"], "清河某超市有限公司", number, "罚款", "20000元", "按期缴纳",
                  cn_date(execution["paid_on"]), cn_date(STEPS["service"][1]["served_on"]),
                  cn_date(STEPS["disclosure"][1]["published_on"]), "已执行完毕", "审批人", "赵强",
                  cn_date(STEPS["closing"][1]["closed_on"]), "清河区市场监督管理局（印章）")
    assert "催告书" not in text and "不予行政处罚决定书" not in text
