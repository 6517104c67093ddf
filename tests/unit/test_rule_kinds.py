"""The law's rule kinds as pure functions of a case's record and their parameters (no HTTP, no
engine, no database): each refuses the unlawful and lets the lawful pass.

The record here is a made-up procedure's (pinyin form keys and fields: `gaozhi.amount_proposed`,
`jueding.amount`…), and the general procedure's own names are given data the kinds must ignore:
a kind reads only what its parameters name. Fixed dates around the 2026 National Day holiday
(10-01 to 10-07; Saturday 10-10 a working day) show the working-day periods of APL 85.
"""
import json
from datetime import date
from pathlib import Path

import pytest

from workflow_app.oversight import bindings, step_rules
from workflow_app.oversight.alert_rules import CATALOGUE
from workflow_app.oversight.bindings import KINDS
from workflow_app.oversight.step_rules import CaseRecord

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 20)


def _f(kind, title, en, **extra):
    types = {"date": {"type": "string", "format": "date"}, "number": {"type": "number"},
             "bool": {"type": "boolean"}, "text": {"type": "string"}, "list": {"type": "array", "items": {"type": "string"}}}
    return {**types[kind], "title": title, "x-title-en": en, **extra}


def _form(title, en, **fields):
    return {"type": "object", "title": title, "x-title-en": en, "properties": fields}


_ITEM = {"type": "object", "properties": {"jieguo": {"type": "string", "enum": ["guo", "buguo"]}}}
FORMS = {
    "xiansuo": _form("线索", "Clue", faxian=_f("date", "发现日期", "Day discovered"),
                     weifa=_f("date", "违法日期", "Day of the violation"), chixu=_f("bool", "持续", "Continuing"),
                     zhongliao=_f("date", "终了日期（仍持续的不填）", "Day it ended (blank if ongoing)"),
                     weihai=_f("bool", "危害", "Harm"), haoma=_f("text", "证件号码", "ID number")),
    "diaocha": _form("调查", "Inquiry", renyuan=_f("list", "执法人员", "Officers"), baocun=_f("bool", "保存", "Preserved"),
                     baocun_ri=_f("date", "保存日期", "Day preserved"), chuli_ri=_f("date", "处理日期", "Day decided on")),
    "gaozhi": _form("告知", "Notice", amount_proposed=_f("number", "拟罚款（元）", "Fine proposed (yuan)"),
                    anyou=_f("text", "案由", "Cause"), suode=_f("number", "违法所得（元）", "Illegal gain (yuan)"),
                    huozhi=_f("number", "货值金额（元）", "Value of the goods (yuan)"),
                    kinds_proposed=_f("list", "拟处罚种类", "Kinds proposed"),
                    songda=_f("date", "告知送达日期", "Day the notice was served"),
                    tingzheng=_f("bool", "已告知听证权利", "Hearing offered"),
                    qingdan=_f("text", "清单事项", "List item"),
                    fuhe={"type": "string", "enum": ["shi", "fou"], "title": "是否符合", "x-title-en": "Meets it"}),
    "shenbian": _form("申辩", "Defence", fangqi=_f("bool", "书面放弃", "Waived"),
                      shenqing=_f("bool", "申请听证", "Hearing requested"),
                      chenshu=_f("bool", "提出陈述申辩", "Statement made")),
    "tongzhi": _form("听证通知", "Hearing notice", tongzhi_ri=_f("date", "通知日期", "Day notified"),
                     juxing_ri=_f("date", "举行日期", "Day of the hearing"), zhuchi=_f("text", "主持人", "Chair")),
    "tingzheng": _form("听证", "Hearing", ri=_f("date", "听证日", "Day held"),
                       daochang=_f("bool", "当事人到场", "Party present")),
    "shenhe": _form("审核", "Review", jielun={"type": "string", "enum": ["tongyi", "tuihui"], "title": "结论"},
                    shixiang={"type": "object", "title": "事项", "properties": {
                        "zhuti": {**_ITEM, "title": "主体合法", "x-title-en": "Body lawful"},
                        "chengxu": {**_ITEM, "title": "程序合法", "x-title-en": "Procedure lawful"}}}),
    "taolun": _form("讨论", "Discussion", ri=_f("date", "讨论日", "Day held")),
    "jueding": _form("决定", "Decision", amount=_f("number", "罚款金额（元）", "Fine (yuan)"),
                     kinds=_f("list", "处罚种类", "Kinds"), riqi=_f("date", "决定日期", "Decision date"),
                     moshou=_f("number", "没收价值", "Value confiscated"),
                     jizhun=_f("text", "裁量基准", "Benchmark item"),
                     dangci={"type": "string", "title": "裁量档次", "x-title-en": "Tier",
                             "enum": ["jianqing", "congqing", "yiban", "congzhong"],
                             "x-enum-labels": ["减轻", "从轻", "一般", "从重"],
                             "x-enum-labels-en": ["Mitigated", "Lenient", "Ordinary", "Aggravated"]},
                     anyou=_f("text", "案由", "Cause"), jianqing=_f("text", "减轻情形", "Mitigating circumstance"),
                     fuyi=_f("text", "复议机关", "Reconsideration body"), fayuan=_f("text", "诉讼法院", "Court"),
                     caina={"type": "string", "title": "采纳情况", "x-title-en": "Adopted",
                            "enum": ["caina", "bufen", "bucaina", "wei_tichu"]}),
    "chexiao": _form("撤回公示", "Withdrawal", riqi=_f("date", "撤销日期", "Day revoked")),
    "chuli": _form("查封扣押处理决定", "Handling of the seized items",
                   jieguo={"type": "string", "enum": ["moshou", "jiechu"], "title": "处理结果", "x-title-en": "Outcome"}),
    "songda": _form("送达", "Service", fangshi={"type": "string", "enum": ["zhijie", "dianzi"], "title": "方式",
                                                "x-title-en": "Method"},
                    tongyi=_f("bool", "同意电子送达", "Consent"), riqi=_f("date", "送达日期", "Day served")),
    "gongshi": _form("公示", "Disclosure", neirong=_f("text", "公示内容", "Public text")),
    "yisong": _form("移送", "Transfer", chaosong=_f("bool", "已抄送", "Copied"), jcy=_f("text", "检察院", "Procuratorate")),
    "zhixing": _form("执行", "Execution", qingkuang={
        "type": "string", "title": "执行情况", "x-title-en": "Execution",
        "enum": ["jiaoqing", "yuqi", "cuigao", "fayuan", "qiangzhi", "wuxu", "fenqi"]},
        jiaokuan=_f("number", "已缴金额", "Paid"), jiaokuan_ri=_f("date", "缴款日", "Day paid"),
        ge_qi={"type": "array", "title": "各期", "x-title-en": "Instalments", "items": {"type": "object", "properties": {
            "ri": _f("date", "缴款日", "Day paid"), "jine": _f("number", "金额", "Amount")}}},
        jiachu=_f("number", "加处罚款", "Late fee"), cuigao_ri=_f("date", "催告送达日", "Day demand served"),
        fayuan_ri=_f("date", "申请法院日", "Day applied to court"), fayuan_jieguo=_f("text", "法院结果", "Court result")),
    "fenqi": _form("分期审批", "Instalments approved", yijian={"type": "string", "enum": ["pizhun", "bupizhun"]},
                   ri=_f("date", "审批日", "Day approved"), jieshu=_f("date", "期满日", "Period ends"),
                   qi={"type": "array", "title": "分期", "x-title-en": "Schedule", "items": {"type": "object", "properties": {
                       "daoqi": _f("date", "到期日", "Due"), "jine": _f("number", "金额", "Amount")}}}),
    "jiean": _form("结案", "Closing", ri=_f("date", "结案日", "Day closed")),
    "dangchang": _form("当场处罚", "On the spot", fakuan=_f("number", "罚款金额（元）", "Fine (yuan)"),
                       zhonglei={"type": "array", "title": "处罚种类", "x-title-en": "Kinds", "items": {
                           "type": "string", "enum": ["jinggao", "fakuan", "moshou"]}},
                       leixing={"type": "string", "title": "当事人类型", "x-title-en": "Party", "enum": ["ziranren", "qiye", "shehui"]},
                       falv=_f("text", "另有规定的法律", "Other law"), xiane=_f("number", "该法律的限额", "Its limit")),
    "chafeng": _form("查封扣押", "Sealing up", cuoshi=_f("list", "措施", "Measures"),
                     daochang=_f("bool", "当事人到场", "Party present"), qianming=_f("text", "当事人签名", "Signature"),
                     jujue=_f("bool", "拒绝签名", "Refused"), zhuming=_f("text", "拒绝情况", "Refusal noted"),
                     jianzheng=_f("text", "见证人", "Witness"), jz_qianming=_f("text", "见证人签名", "Witness signature"),
                     qingdan={"type": "array", "title": "清单", "x-title-en": "List", "items": {
                         "type": "object", "properties": {"name": _f("text", "名称", "Name"),
                                                          "quantity": _f("number", "数量", "Quantity")}}}),
    "jiechu": _form("解除", "Release", tuihuan={"type": "array", "title": "退还清单", "x-title-en": "Returned", "items": {
        "type": "object", "properties": {"name": _f("text", "名称", "Name"), "quantity": _f("number", "数量", "Quantity"),
                                         "proceeds": _f("number", "变卖所得", "Proceeds")}}}),
    "shoujiao": _form("收缴", "Collection", dangchang=_f("bool", "当场收缴", "Collected on the spot"),
                      qingxing={"type": "string", "title": "情形", "x-title-en": "Ground",
                                "enum": ["xiao_e", "nan_zhixing", "bianyuan"]},
                      liyou=_f("text", "具体情况", "Why"), jine=_f("number", "收缴金额", "Amount collected")),
    "qzjueding": _form("强制执行决定", "Execution decision", ri=_f("date", "决定日期", "Day decided"),
                       fangshi=_f("list", "执行方式", "Means"), liji=_f("bool", "立即执行", "At once")),
    "qzshishi": _form("实施强制执行", "Execution", kaishi=_f("text", "开始时间", "Began", format="date-time"),
                      jieshu=_f("text", "结束时间", "Ended", format="date-time"), jinji=_f("bool", "紧急", "Emergency"),
                      liyou=_f("text", "紧急理由", "Why urgent")),
    "jiancha": _form("涉企检查", "Enterprise inspection",
                     yiju={"type": "string", "enum": ["jihua", "tousu"], "title": "检查依据", "x-title-en": "Trigger"},
                     niandu={"type": "integer", "title": "计划年度", "x-title-en": "Plan year"},
                     shixiang=_f("text", "检查事项", "Plan item"), xiansuo=_f("text", "线索", "Clue"),
                     shoudao=_f("date", "收到日期", "Day received"), rujian=_f("date", "入企日期", "Day of the visit"),
                     yijiao=_f("date", "移交日期", "Day handed on")),
}

MAJOR = {"decided": "jueding.riqi", "decided_kinds": "jueding.kinds", "decided_fine": "jueding.amount",
         "decided_confiscation": "jueding.moshou", "proposed_kinds": "gaozhi.kinds_proposed",
         "proposed_fine": "gaozhi.amount_proposed", "hearing_held": "tingzheng.ri"}
# The made-up procedure's bindings: kind -> (forms it governs, params).
BOUND = {
    "dates_in_order": (["xiansuo", "gaozhi", "jueding", "tongzhi"], {
        "order": [["xiansuo.weifa", "xiansuo.faxian"], ["xiansuo.faxian", "gaozhi.songda"],
                  ["gaozhi.songda", "tongzhi.tongzhi_ri"], ["tongzhi.tongzhi_ri", "tongzhi.juxing_ri"],
                  ["tongzhi.juxing_ri", "jueding.riqi"], ["gaozhi.songda", "jueding.riqi"]],
        "scheduled": ["tongzhi.juxing_ri"]}),
    "instalments_in_order": (["zhixing"], {"paid_on": "zhixing.ge_qi.*.ri", "served": "songda.riqi"}),
    "within_limitation": (["xiansuo"], {"violated": "xiansuo.weifa", "discovered": "xiansuo.faxian",
                                        "continuing": "xiansuo.chixu", "ended": "xiansuo.zhongliao",
                                        "endangered": "xiansuo.weihai"}),
    "preservation_decided_in_time": (["diaocha"], {"applied": "diaocha.baocun", "preserved": "diaocha.baocun_ri",
                                                   "decided": "diaocha.chuli_ri"}),
    "heavier_after_defence": (["jueding"], {"decided_fine": "jueding.amount", "notified_fine": "gaozhi.amount_proposed",
                                            "decided_kinds": "jueding.kinds", "notified_kinds": "gaozhi.kinds_proposed"}),
    "decision_after_defence_window": (["jueding"], {"notice_served": "gaozhi.songda", "decided": "jueding.riqi",
                                                    "waived": "shenbian.fangqi"}),
    "hearing_request_not_waived": (["shenbian"], {"requested": "shenbian.shenqing", "waived": "shenbian.fangqi"}),
    "decision_answers_the_party": (["jueding"], {"answer": "jueding.caina", "none_made": "wei_tichu",
                                                 "statement_made": "shenbian.chenshu",
                                                 "hearing_attended": "tingzheng.daochang"}),
    "hearing_notified_in_time": (["tongzhi"], {"notified": "tongzhi.tongzhi_ri", "hearing": "tongzhi.juxing_ri"}),
    "hearing_chair_not_investigator": (["tongzhi"], {"chair": "tongzhi.zhuchi", "investigators": "diaocha.renyuan"}),
    "hearing_offered_where_due": (["gaozhi"], {"offered": "gaozhi.tingzheng", "fine": "gaozhi.amount_proposed",
                                               "kinds": "gaozhi.kinds_proposed"}),
    "review_agrees_with_findings": (["shenhe"], {"outcome": "shenhe.jielun", "approved": "tongyi",
                                                 "findings": "shenhe.shixiang.*.jieguo", "failed": "buguo"}),
    "within_powers": (["gaozhi", "jueding"], {"kinds": ["gaozhi.kinds_proposed", "jueding.kinds"]}),
    "withdrawn_only_if_disclosed": (["chexiao"], {"disclosure": "gongshi", "revoked_on": "chexiao.riqi"}),
    "fine_within_benchmark": (["jueding"], {"item": "jueding.jizhun", "tier": "jueding.dangci",
                                            "fine": "jueding.amount", "kinds": "jueding.kinds"}),
    "fine_within_statutory_range": (["gaozhi", "jueding"], {
        "cause": {"gaozhi": "anyou", "jueding": "anyou"}, "fine": {"gaozhi": "amount_proposed", "jueding": "amount"},
        "kinds": {"gaozhi": "kinds_proposed", "jueding": "kinds"}, "mitigation": {"jueding": "jianqing"},
        "list_item": "gaozhi.qingdan", "list_meets": "gaozhi.fuhe", "list_met": "shi",
        "illegal_gain": {"gaozhi": "suode"}, "goods_value": {"gaozhi": "huozhi"}}),
    "kinds_within_cause": (["gaozhi", "jueding"], {"cause": {"gaozhi": "anyou", "jueding": "anyou"},
                                                   "kinds": {"gaozhi": "kinds_proposed", "jueding": "kinds"}}),
    "no_penalty_list_respected": (["jueding"], {"item": "gaozhi.qingdan", "meets": "gaozhi.fuhe", "met": "shi",
                                                "decided_kinds": "jueding.kinds", "decided_fine": "jueding.amount"}),
    "light_list_applied": (["jueding"], {"item": "gaozhi.qingdan", "meets": "gaozhi.fuhe", "met": "shi",
                                         "tier": "jueding.dangci", "fine": "jueding.amount", "kinds": "jueding.kinds",
                                         "benchmark_item": "jueding.jizhun", "lighter_tiers": ["congqing"],
                                         "mitigated_tiers": ["jianqing"], "heavier_tiers": ["yiban", "congzhong"]}),
    "legal_review_before_major_decision": (["jueding"], {**MAJOR, "review_outcome": "shenhe.jielun",
                                                         "approved": "tongyi"}),
    "discussion_before_major_decision": (["jueding"], {**MAJOR, "discussion": "taolun"}),
    "party_id_valid": (["xiansuo"], {"id_number": "xiansuo.haoma"}),
    "confiscated_in_linked_case": (["chuli"], {"outcome": "chuli.jieguo", "confiscation": "moshou"}),
    # enterprise inspections (their own tests: tests/unit/test_inspection_rules.py)
    "inspection_triggered": (["jiancha"], {"trigger": "jiancha.yiju", "planned": "jihua", "plan_year": "jiancha.niandu",
                                           "plan_item": "jiancha.shixiang", "reference": "jiancha.xiansuo",
                                           "received_on": "jiancha.shoudao"}),
    "inspection_within_frequency": (["jiancha"], {"visit_on": "jiancha.rujian"}),
    "clue_opened_in_linked_case": (["jiancha"], {"handed_on": "jiancha.yijiao"}),
    "on_joint_visit_day": (["jiancha"], {"visit_on": "jiancha.rujian"}),
    "withdrawn_before_record": (["chexiao"], {"record": "jiancha", "field": "chexiao.riqi"}),
    "party_identified": (["gaozhi"], {"notice": "gaozhi"}),
    "recorded_by_named_officer": (["diaocha"], {"officers": "diaocha.renyuan"}),
    "electronic_service_consented": (["songda"], {"method": "songda.fangshi", "electronic": "dianzi",
                                                  "consent": "songda.tongyi"}),
    "no_personal_numbers_disclosed": (["gongshi"], {"text": "gongshi.neirong"}),
    "transfer_copied_to_procuratorate": (["yisong"], {"copied": "yisong.chaosong", "procuratorate": "yisong.jcy"}),
    "late_fee_within_fine": (["zhixing"], {"late_fee": "zhixing.jiachu", "fine": "jueding.amount"}),
    "late_fee_as_computed": (["zhixing"], {"late_fee": "zhixing.jiachu", "fine": "jueding.amount",
                                           "served_on": "songda.riqi", "paid_on": "zhixing.jiaokuan_ri",
                                           "plan_decision": "fenqi.yijian", "plan_approved": "pizhun"}),
    "remedies_named_as_registered": (["jueding"], {"reconsideration_body": "jueding.fuyi", "court": "jueding.fayuan"}),
    "paid_in_time_when_recorded_so": (["zhixing"], {"outcome": "zhixing.qingkuang", "on_time": "jiaoqing",
                                                    "paid_on": "zhixing.jiaokuan_ri", "served_on": "songda.riqi",
                                                    "plan_decision": "fenqi.yijian", "plan_approved": "pizhun"}),
    "paid_in_full": (["zhixing"], {"outcome": "zhixing.qingkuang", "paid_outcomes": ["jiaoqing", "yuqi"],
                                   "instalment_outcome": "fenqi", "amount_paid": "zhixing.jiaokuan",
                                   "instalment_amounts": "zhixing.ge_qi.*.jine", "fine": "jueding.amount",
                                   "plan_decision": "fenqi.yijian", "plan_approved": "pizhun"}),
    "schedule_covers_the_fine": (["fenqi"], {"plan_decision": "fenqi.yijian", "plan_approved": "pizhun",
                                             "due_dates": "fenqi.qi.*.daoqi", "due_amounts": "fenqi.qi.*.jine",
                                             "decided": "fenqi.ri", "period_ends": "fenqi.jieshu",
                                             "fine": "jueding.amount"}),
    "no_late_fee_within_deferral": (["zhixing"], {
        "late_fee": "zhixing.jiachu", "plan_decision": "fenqi.yijian", "plan_approved": "pizhun",
        "due_dates": "fenqi.qi.*.daoqi", "due_amounts": "fenqi.qi.*.jine", "paid_dates": "zhixing.ge_qi.*.ri",
        "paid_amounts": "zhixing.ge_qi.*.jine", "paid_on": "zhixing.jiaokuan_ri", "amount_paid": "zhixing.jiaokuan"}),
    "nothing_left_to_execute": (["zhixing", "jiean"], {
        "decided_kinds": "jueding.kinds", "outcome": "zhixing.qingkuang", "not_applicable": "wuxu",
        "finished": ["jiaoqing", "yuqi", "qiangzhi"], "court": "fayuan", "court_result": "zhixing.fayuan_jieguo",
        "closed": "jiean.ri"}),
    "court_applied_after_demand_period": (["zhixing"], {"demand_served": "zhixing.cuigao_ri",
                                                        "court_applied": "zhixing.fayuan_ri"}),
    "summary_within_limit": (["dangchang"], {"fine": "dangchang.fakuan", "kinds": "dangchang.zhonglei",
                                             "allowed_kinds": ["jinggao", "fakuan"], "party_kind": "dangchang.leixing",
                                             "organization_kinds": ["qiye", "shehui"], "other_law": "dangchang.falv",
                                             "other_limit": "dangchang.xiane"}),
    "on_spot_collection_allowed": (["shoujiao"], {"collected": "shoujiao.dangchang", "fine": "dangchang.fakuan",
                                                  "ground": "shoujiao.qingxing", "small_fine": "xiao_e",
                                                  "reason": "shoujiao.liyou", "amount": "shoujiao.jine"}),
    "measures_within_powers": (["chafeng"], {"measures": ["chafeng.cuoshi"]}),
    "record_signed_or_witnessed": (["chafeng"], {"present": "chafeng.daochang", "signature": "chafeng.qianming",
                                                 "refused": "chafeng.jujue", "refusal_note": "chafeng.zhuming",
                                                 "witness": "chafeng.jianzheng",
                                                 "witness_signature": "chafeng.jz_qianming"}),
    "items_all_returned": (["jiechu"], {"seized": "chafeng.qingdan", "returned": "jiechu.tuihuan"}),
    "execution_power_held": (["zhixing"], {"outcome": "zhixing.qingkuang", "value": "qiangzhi"}),
    "execution_methods_within_powers": (["qzjueding"], {"methods": "qzjueding.fangshi"}),
    "decided_after_demand_period": (["qzjueding"], {"demand_served": "zhixing.cuigao_ri", "decided": "qzjueding.ri",
                                                    "immediate": "qzjueding.liji"}),
    "executed_in_lawful_hours": (["qzshishi"], {"started": "qzshishi.kaishi", "ended": "qzshishi.jieshu",
                                                "urgent": "qzshishi.jinji", "urgent_reason": "qzshishi.liyou"}),
}


def record(form_key, data, earlier=None, **kw) -> CaseRecord:
    return CaseRecord(form_key, data, today=kw.pop("today", TODAY), earlier=earlier or {}, forms=FORMS, **kw)


def breaches(kind: str, rec: CaseRecord, **params):
    on, bound = BOUND[kind]
    assert rec.form_key in on
    return KINDS[kind].run(rec, {**bound, **params})


def only(kind: str, rec: CaseRecord, **params):
    """The one breach the kind finds."""
    found = breaches(kind, rec, **params)
    assert len(found) == 1, found
    return found[0]


# -- the catalogue ----------------------------------------------------------------------------------
def test_every_kind_is_registered_with_its_code_and_article():
    assert set(BOUND) == set(KINDS)  # the tests below cover every kind
    for kind in KINDS.values():
        assert kind.code.isupper() and "第" in kind.article and kind.params, kind.name
        assert all(p.kind in bindings.PARAM_KINDS for p in kind.params.values())
        assert kind.effect in (bindings.REFUSE, bindings.BEFORE_FORM, bindings.ALERT), kind.name
        if kind.effect == bindings.ALERT:  # its breach raises the catalogue's alert of its code
            assert kind.code in CATALOGUE, kind.name


def test_every_kind_has_a_title_in_chinese_and_english_and_a_family_the_workbench_lists_it_under():
    """The workbench's author chooses kinds by name ([8/9]): each has its own, in both languages,
    and belongs to a family of step_rules that has a title too."""
    for kind in KINDS.values():
        assert kind.title is not None, kind.name
        assert kind.title.strip() and kind.title.zh.strip(), kind.name
        assert any("\u4e00" <= c <= "\u9fff" for c in kind.title.zh), kind.name  # Chinese
        assert kind.title.isascii(), kind.name  # English
        assert step_rules.group_of(kind) in step_rules.GROUPS, kind.name
    # no two kinds share a name in either language: the author tells them apart by it
    assert len({k.title.zh for k in KINDS.values()}) == len({str(k.title) for k in KINDS.values()}) == len(KINDS)
    for title in step_rules.GROUPS.values():
        assert title.strip() and title.zh.strip()


def test_the_made_up_procedures_bindings_pass_the_deploy_checks():
    rules = {"rules": [{"kind": k, "on": on, "params": params} for k, (on, params) in BOUND.items()]}
    assert bindings.problems(rules, FORMS) == []


def _package(procedure_id: str) -> tuple[dict, dict]:
    """A shipped package's rule bindings and forms (its own and the shared ones)."""
    forms = {p.name[: -len(".schema.json")]: json.loads(p.read_text(encoding="utf-8"))
             for folder in ("shared", procedure_id) for p in (ROOT / "forms" / folder).glob("*.schema.json")}
    return json.loads((ROOT / "bpmn" / procedure_id / "rules.json").read_text(encoding="utf-8")), forms


def test_the_shipped_packages_bindings_pass_the_deploy_checks_and_bind_every_kind():
    bound = set()
    packages = sorted(p.parent.name for p in (ROOT / "bpmn").glob("*/rules.json"))
    assert {"general_penalty", "summary_penalty", "seizure"} <= set(packages)
    for procedure_id in packages:
        rules, forms = _package(procedure_id)
        assert bindings.problems(rules, forms) == [], procedure_id
        bound |= {b.kind.name for b in bindings.bound(rules)}
    assert bound == set(KINDS)
    general, _ = _package("general_penalty")  # the summary procedure's kinds govern no general step
    assert not {"summary_within_limit", "on_spot_collection_allowed"} & {b.kind.name for b in bindings.bound(general)}


def _problems(kind, on, params, forms=FORMS):
    return [str(p) for p in bindings.problems({"rules": [{"kind": kind, "on": on, "params": params}]}, forms)]


def test_deploy_names_what_is_wrong_with_a_binding():
    on, params = BOUND["heavier_after_defence"]
    assert "unknown rule kind 'heavier'" in _problems("heavier", on, params)[0]
    missing = {k: v for k, v in params.items() if k != "notified_fine"}
    assert "parameter notified_fine is required" in _problems("heavier_after_defence", on, missing)[0]
    assert "the rule needs number" in _problems("heavier_after_defence", on, {**params, "decided_fine": "jueding.riqi"})[0]
    assert "has no field jueding.fine" in _problems("heavier_after_defence", on, {**params, "decided_fine": "jueding.fine"})[0]
    assert "which the package does not have" in _problems("heavier_after_defence", ["penalty_decision"], params)[0]
    assert "reads no field of it" in _problems("heavier_after_defence", ["jueding", "songda"], params)[0]


def test_deploy_refuses_a_choice_the_field_does_not_offer_even_as_a_default():
    on, params = BOUND["electronic_service_consented"]
    assert "'electronic' is not a choice of field songda.fangshi" in _problems(
        "electronic_service_consented", on, {**params, "electronic": "electronic"})[0]
    default = {k: v for k, v in params.items() if k != "electronic"}
    assert "its default 'electronic' is not a choice of field songda.fangshi" in _problems(
        "electronic_service_consented", on, default)[0]
    on, params = BOUND["nothing_left_to_execute"]
    assert "'paid' is not a choice" in _problems("nothing_left_to_execute", on, {**params, "finished": ["paid"]})[0]
    on, params = BOUND["light_list_applied"]  # a default list of choices, each checked
    default = {k: v for k, v in params.items() if k != "lighter_tiers"}
    assert "its default 'lighter' is not a choice of field jueding.dangci" in _problems(
        "light_list_applied", on, default)[0]


def test_a_period_the_law_sets_is_a_whole_number_of_days():
    on, params = BOUND["hearing_notified_in_time"]
    assert _problems("hearing_notified_in_time", on, {**params, "working_days": 7}) == []
    assert "a whole number" in _problems("hearing_notified_in_time", on, {**params, "working_days": 6.5})[0]


def test_the_act_date_is_the_first_of_its_fields_recorded():
    rules = {"act_dates": {"gongshi": ["fabu", "jueding"], "songda": "riqi"}}
    assert bindings.act_date(rules, "songda", {"riqi": "2026-09-30"}) == date(2026, 9, 30)
    assert bindings.act_date(rules, "gongshi", {"jueding": "2026-09-29"}) == date(2026, 9, 29)
    assert bindings.act_date(rules, "gongshi", {"fabu": "2026-09-28", "jueding": "2026-09-29"}) == date(2026, 9, 28)
    assert bindings.act_date(rules, "jiean", {"riqi": "2026-09-30"}) is None
    assert bindings.act_date(None, "songda", {"riqi": "2026-09-30"}) is None


def test_a_binding_governs_only_the_forms_it_is_bound_on():
    rules = {"rules": [{"kind": k, "on": on, "params": p} for k, (on, p) in BOUND.items()]}
    governing = bindings.governing(bindings.bound(rules), "songda")
    assert [b.kind.name for b in governing] == ["electronic_service_consented"]
    # the general procedure's form key of the same act is not governed here
    assert bindings.governing(bindings.bound(rules), "service") == []
    assert step_rules.check(bindings.bound(rules), record("service", {"method": "electronic"})) == []


# -- the record names fields by their titles ------------------------------------------------------------
def test_a_field_is_named_by_its_forms_title_and_its_own_without_the_note():
    rec = record("xiansuo", {})
    assert rec.label("xiansuo.zhongliao") == ("线索·终了日期", "Clue · Day it ended")
    assert rec.label("zhixing.ge_qi.0.ri") == ("执行·各期·第1项·缴款日", "Execution · Instalments · item 1 · Day paid")
    assert rec.label("nowhere.x") == ("nowhere·x", "nowhere · x")


def test_the_record_of_earlier_steps_is_read_only_when_a_rule_asks_for_it():
    reads = []

    def load():
        reads.append(1)
        return {"gaozhi": {"songda": "2026-09-30"}}

    rec = CaseRecord("shenbian", {"shenqing": True, "fangqi": False}, today=TODAY, earlier=load, forms=FORMS)
    assert breaches("hearing_request_not_waived", rec) == [] and reads == []
    assert rec.get("gaozhi.songda") == "2026-09-30" and rec.get("gaozhi.songda") and reads == [1]


# -- DATES_OUT_OF_ORDER --------------------------------------------------------------------------------
def test_dates_in_the_future_or_out_of_order_are_refused_naming_the_fields_by_title():
    b = only("dates_in_order", record("xiansuo", {"weifa": "2026-09-01", "faxian": "2026-11-21"}))
    assert b.fields == ("xiansuo.faxian",) and "线索·发现日期" in b.message and "晚于今天" in b.message
    assert "Clue · Day discovered" in b.message_en and "xiansuo.faxian" not in b.message + b.message_en
    b = only("dates_in_order", record("xiansuo", {"weifa": "2026-09-02", "faxian": "2026-09-01"}))
    assert b.fields == ("xiansuo.faxian", "xiansuo.weifa") and "早于线索·违法日期（2026-09-02）" in b.message
    assert breaches("dates_in_order", record("xiansuo", {"weifa": "2026-09-01", "faxian": "2026-09-01"})) == []


def test_the_order_holds_through_a_step_that_did_not_happen_and_a_hearing_may_be_scheduled():
    earlier = {"gaozhi": {"songda": "2026-09-30"}}
    b = only("dates_in_order", record("jueding", {"riqi": "2026-09-29"}, earlier))
    assert b.fields == ("jueding.riqi", "gaozhi.songda")
    assert breaches("dates_in_order", record("jueding", {"riqi": "2026-10-30"}, earlier)) == []
    # no hearing notice on record: the decision is still held against the notice through it
    b = breaches("dates_in_order", record("jueding", {"riqi": "2026-09-29"}, {"xiansuo": {"faxian": "2026-09-30"}}))
    assert [x.fields for x in b] == [("jueding.riqi", "xiansuo.faxian")]
    assert breaches("dates_in_order", record("tongzhi", {"tongzhi_ri": "2026-11-01", "juxing_ri": "2026-12-01"},
                                             earlier)) == []


def test_the_general_procedures_names_are_not_read():
    """Data under the general procedure's form keys and fields, which the bindings do not name."""
    earlier = {"penalty_notice": {"served_on": "2026-11-01", "notified_fine": 1}, "gaozhi": {"songda": "2026-09-30"}}
    rec = record("jueding", {"riqi": "2026-10-30", "decided_on": "2026-10-01", "fine_amount": 99999}, earlier)
    assert breaches("dates_in_order", rec) == [] and breaches("heavier_after_defence", rec) == []


def test_each_instalment_lies_between_the_service_and_today():
    earlier = {"songda": {"riqi": "2026-10-10"}}
    rows = [{"ri": "2026-10-12", "jine": 1}, {"ri": "2026-10-09", "jine": 1}, {"ri": "2026-11-21", "jine": 1}]
    found = breaches("instalments_in_order", record("zhixing", {"ge_qi": rows}, earlier))
    assert [b.fields for b in found] == [("zhixing.ge_qi.1.ri", "songda.riqi"), ("zhixing.ge_qi.2.ri",)]
    assert "第2期缴款日2026-10-09早于送达·送达日期（2026-10-10）" in found[0].message
    assert breaches("instalments_in_order", record("zhixing", {"ge_qi": rows[:1]}, earlier)) == []


# -- LIMITATION_EXPIRED (APL 36) -----------------------------------------------------------------------
def test_a_violation_discovered_after_two_years_is_not_penalized_five_where_harm_was_done():
    late = {"weifa": "2023-03-01", "faxian": "2025-03-02"}
    b = only("within_limitation", record("xiansuo", late))
    assert b.fields == ("xiansuo.faxian", "xiansuo.weifa") and "2年" in b.message and "线索·发现日期" in b.message
    assert breaches("within_limitation", record("xiansuo", {**late, "faxian": "2025-03-01"})) == []
    assert breaches("within_limitation", record("xiansuo", {**late, "weihai": True})) == []
    assert breaches("within_limitation", record("xiansuo", {**late, "weihai": True}), years_endangered=1) != []


def test_a_continuing_violation_runs_from_its_end():
    going_on = {"weifa": "2020-01-01", "faxian": "2026-01-01", "chixu": True}
    assert breaches("within_limitation", record("xiansuo", going_on)) == []
    assert breaches("within_limitation", record("xiansuo", {**going_on, "zhongliao": "2024-06-01"})) == []
    b = only("within_limitation", record("xiansuo", {**going_on, "zhongliao": "2023-06-01"}))
    assert b.fields == ("xiansuo.faxian", "xiansuo.zhongliao") and "终了" in b.message


# -- EVIDENCE_PRESERVATION_LATE (APL 56) -------------------------------------------------------------
def test_preserved_evidence_is_decided_on_within_seven_working_days():
    preserved = {"baocun": True, "baocun_ri": "2026-09-30"}
    b = only("preservation_decided_in_time", record("diaocha", {**preserved, "chuli_ri": "2026-10-16"}))
    assert b.fields == ("diaocha.chuli_ri", "diaocha.baocun_ri") and "2026-10-15" in b.message
    assert breaches("preservation_decided_in_time", record("diaocha", {**preserved, "chuli_ri": "2026-10-15"})) == []
    b = only("preservation_decided_in_time", record("diaocha", preserved))
    assert b.fields == ("diaocha.chuli_ri",) and "调查·处理日期" in b.message
    assert breaches("preservation_decided_in_time", record("diaocha", {"baocun": False})) == []


# -- HEAVIER_AFTER_DEFENCE (APL 45) -----------------------------------------------------------------
def test_a_decision_heavier_than_the_notice_is_refused():
    earlier = {"gaozhi": {"amount_proposed": 20000, "kinds_proposed": ["fine"]}}
    found = breaches("heavier_after_defence", record("jueding", {"amount": 30000, "kinds": ["fine", "suspend_licence"]},
                                                     earlier))
    assert [b.fields for b in found] == [("jueding.amount", "gaozhi.amount_proposed"),
                                         ("jueding.kinds", "gaozhi.kinds_proposed")]
    assert "决定·罚款金额30000元高于告知·拟罚款20000元" in found[0].message and "suspend_licence" in found[1].message
    assert breaches("heavier_after_defence", record("jueding", {"amount": 15000, "kinds": ["fine"]}, earlier)) == []
    assert breaches("heavier_after_defence", record("jueding", {"amount": 30000, "kinds": ["fine"]})) == []  # no notice


# -- DEFENCE_PERIOD_CUT (APL 44, 45, 64) ------------------------------------------------------------
def test_no_decision_inside_the_five_working_days_unless_waived():
    """Served 2026-09-30: the five working days are 10-08, 09, 10 (a Saturday made a working day), 12, 13."""
    earlier = {"gaozhi": {"songda": "2026-09-30"}}
    b = only("decision_after_defence_window", record("jueding", {"riqi": "2026-10-13"}, earlier))
    assert b.fields == ("jueding.riqi", "gaozhi.songda") and "2026-10-13" in b.message_en
    assert "告知·告知送达日期为2026-09-30" in b.message
    assert breaches("decision_after_defence_window", record("jueding", {"riqi": "2026-10-14"}, earlier)) == []
    waived = {**earlier, "shenbian": {"fangqi": True}}
    assert breaches("decision_after_defence_window", record("jueding", {"riqi": "2026-10-08"}, waived)) == []
    assert breaches("decision_after_defence_window", record("jueding", {"riqi": "2026-10-14"}, earlier),
                    working_days=6) != []


def test_a_record_that_both_requests_a_hearing_and_waives_it_is_refused():
    b = only("hearing_request_not_waived", record("shenbian", {"shenqing": True, "fangqi": True}))
    assert b.fields == ("shenbian.fangqi", "shenbian.shenqing") and "申辩·申请听证" in b.message
    assert breaches("hearing_request_not_waived", record("shenbian", {"shenqing": True, "fangqi": False})) == []


# -- PARTY_OPINIONS_UNANSWERED (APL 45, 62, 65) ----------------------------------------------------
def test_a_decision_answers_the_statement_or_hearing_the_record_has():
    said = {"shenbian": {"chenshu": True}}
    b = only("decision_answers_the_party", record("jueding", {"caina": "wei_tichu"}, said))
    assert b.fields == ("jueding.caina", "shenbian.chenshu")
    assert "“申辩·提出陈述申辩”" in b.message and "决定·采纳情况" in b.message and "why" in b.message_en
    heard = {"shenbian": {"chenshu": False}, "tingzheng": {"daochang": True}}
    assert only("decision_answers_the_party", record("jueding", {"caina": "wei_tichu"}, heard)).fields == (
        "jueding.caina", "tingzheng.daochang")
    for answer in ("caina", "bufen", "bucaina"):  # answered, whatever the answer
        assert breaches("decision_answers_the_party", record("jueding", {"caina": answer}, said)) == []
    silent = {"shenbian": {"chenshu": False}, "tingzheng": {"daochang": False}}  # absent from its hearing
    assert breaches("decision_answers_the_party", record("jueding", {"caina": "wei_tichu"}, silent)) == []
    assert breaches("decision_answers_the_party", record("jueding", {"caina": "wei_tichu"}, said),
                    none_made="bucaina") == []  # the choice the binding names, not a word of its own


# -- HEARING_NOTICE_SHORT, HEARING_CHAIR_CONFLICT (APL 64) ------------------------------------------
def test_a_hearing_is_notified_seven_working_days_ahead():
    b = only("hearing_notified_in_time", record("tongzhi", {"tongzhi_ri": "2026-09-30", "juxing_ri": "2026-10-14"}))
    assert b.fields == ("tongzhi.juxing_ri", "tongzhi.tongzhi_ri") and "2026-10-15" in b.message
    assert breaches("hearing_notified_in_time", record("tongzhi", {"tongzhi_ri": "2026-09-30",
                                                                   "juxing_ri": "2026-10-15"})) == []


def test_an_investigator_does_not_preside_over_the_hearing():
    earlier = {"diaocha": {"renyuan": ["officer1", "officer2"]}}
    b = only("hearing_chair_not_investigator", record("tongzhi", {"zhuchi": "officer2"}, earlier))
    assert b.fields == ("tongzhi.zhuchi", "diaocha.renyuan") and "officer2" in b.message
    assert breaches("hearing_chair_not_investigator", record("tongzhi", {"zhuchi": "officer3"}, earlier)) == []


# -- HEARING_RIGHT_NOT_OFFERED (APL 63) ------------------------------------------------------------
def test_a_large_fine_or_a_severe_kind_needs_the_hearing_offered():
    large = {"tingzheng": False, "amount_proposed": 100000, "kinds_proposed": ["fine"]}
    b = only("hearing_offered_where_due", record("gaozhi", large, party_kind="organization"))
    assert b.fields == ("gaozhi.tingzheng", "gaozhi.amount_proposed") and "告知·已告知听证权利" in b.message
    assert breaches("hearing_offered_where_due", record("gaozhi", {**large, "amount_proposed": 99999},
                                                         party_kind="organization")) == []
    assert breaches("hearing_offered_where_due", record("gaozhi", {**large, "amount_proposed": 10000},
                                                         party_kind="person")) != []
    revoke = {"tingzheng": False, "amount_proposed": 1000, "kinds_proposed": ["fine", "revoke_licence"]}
    b = only("hearing_offered_where_due", record("gaozhi", revoke, party_kind="organization"))
    assert b.fields == ("gaozhi.tingzheng", "gaozhi.kinds_proposed") and "revoke_licence" in b.message_en
    assert breaches("hearing_offered_where_due", record("gaozhi", {**revoke, "tingzheng": True})) == []


# -- LEGAL_REVIEW_INCONSISTENT (APL 58) -------------------------------------------------------------
def test_a_review_does_not_approve_a_failed_finding():
    findings = {"zhuti": {"jieguo": "guo"}, "chengxu": {"jieguo": "buguo"}}
    b = only("review_agrees_with_findings", record("shenhe", {"jielun": "tongyi", "shixiang": findings}))
    assert b.fields == ("shenhe.jielun", "shenhe.shixiang.chengxu")
    assert "审核事项“程序合法”未通过" in b.message and "(Procedure lawful)" in b.message_en
    assert breaches("review_agrees_with_findings", record("shenhe", {"jielun": "tuihui", "shixiang": findings})) == []
    passed = {"zhuti": {"jieguo": "guo"}, "chengxu": {"jieguo": "guo"}}
    assert breaches("review_agrees_with_findings", record("shenhe", {"jielun": "tongyi", "shixiang": passed})) == []


# -- PENALTY_OUTSIDE_POWERS (APL 9, 18) ---------------------------------------------------------------
def test_a_penalty_outside_the_departments_powers_is_refused():
    rec = record("gaozhi", {"kinds_proposed": ["fine", "detention"]}, powers=("warning", "fine"), department="市场监管局")
    b = only("within_powers", rec)
    assert b.fields == ("gaozhi.kinds_proposed",) and "行政拘留" in b.message and "公安" in b.message
    assert "告知·拟处罚种类" in b.message
    assert breaches("within_powers", record("gaozhi", {"kinds_proposed": ["fine"]}, powers=("fine",))) == []
    b = only("within_powers", record("jueding", {"kinds": ["lower_qualification"]}, powers=("fine",)))
    assert b.fields == ("jueding.kinds",) and "降低资质等级" in b.message


# -- DISCLOSURE_NOT_MADE (APL 48(2)): checked before the request's form is typed ------------------------
def test_a_disclosure_is_withdrawn_only_where_one_was_made():
    assert KINDS["withdrawn_only_if_disclosed"].effect == bindings.BEFORE_FORM
    b = only("withdrawn_only_if_disclosed", record("chexiao", {}))
    assert b.fields == ("chexiao.riqi",) and b.message == "本案的处罚决定尚未公示，无须撤回公示"
    assert breaches("withdrawn_only_if_disclosed", record("chexiao", {}, {"gongshi": {"riqi": "2026-11-02"}})) == []


# -- PAID_LATE_RECORDED_ON_TIME (APL 67(3), 72) -------------------------------------------------------
def test_a_payment_recorded_as_on_time_lies_within_the_15_days_after_service():
    served = {"songda": {"riqi": "2026-09-15"}}  # 15 days: 09-30; the next day starts the holiday
    def rec(paid_on, outcome="jiaoqing", earlier=served):
        return record("zhixing", {"qingkuang": outcome, "jiaokuan_ri": paid_on}, earlier)
    assert breaches("paid_in_time_when_recorded_so", rec("2026-09-30")) == []
    b = only("paid_in_time_when_recorded_so", rec("2026-10-02"))
    assert b.fields == ("zhixing.qingkuang", "zhixing.jiaokuan_ri") and "最后一日2026-09-30" in b.message
    assert breaches("paid_in_time_when_recorded_so", rec("2026-10-19", outcome="yuqi")) == []  # recorded late
    # A period ending in the National Day holiday ends on the next working day (served 09-20: 10-05 -> 10-08).
    assert breaches("paid_in_time_when_recorded_so", rec("2026-10-08", earlier={"songda": {"riqi": "2026-09-20"}})) == []
    assert only("paid_in_time_when_recorded_so", rec("2026-10-09", earlier={"songda": {"riqi": "2026-09-20"}}))
    # An approved plan sets its own dates.
    assert breaches("paid_in_time_when_recorded_so", rec("2026-11-30", earlier={**served, "fenqi": {"yijian": "pizhun"}})) == []


# -- FINE_OUTSIDE_BENCHMARK (APL 34): an alert kind, the step is taken ----------------------------------
def test_a_fine_outside_its_benchmark_tier_is_an_alert_not_a_refusal():
    register = {("SJ-01", "ordinary"): {"min_fine": 1000, "max_fine": 5000}}
    def rec(amount, kinds=("fine",), tier="ordinary"):
        return record("jueding", {"jizhun": "SJ-01", "dangci": tier, "amount": amount, "kinds": list(kinds)},
                      benchmark=lambda item, t: register.get((item, t)))
    assert KINDS["fine_within_benchmark"].effect == bindings.ALERT
    b = only("fine_within_benchmark", rec(8000))
    assert b.fields == ("jueding.amount",) and "决定·罚款金额8000元不在裁量基准SJ-01“ordinary”档的幅度（1000至5000元）" in b.message
    assert b.details == {"item": "SJ-01", "tier": "ordinary", "fine": 8000, "min_fine": 1000, "max_fine": 5000}
    assert only("fine_within_benchmark", rec(999)).details["fine"] == 999
    for lawful in (rec(1000), rec(5000), rec(8000, kinds=("warning",)), rec(8000, tier="heavy")):
        assert breaches("fine_within_benchmark", lawful) == []  # in range, no fine, a tier the register lacks
    # A step is refused only by the refusing kinds: the alert kind does not run there.
    bound = bindings.bound({"rules": [{"kind": "fine_within_benchmark", "on": ["jueding"],
                                       "params": BOUND["fine_within_benchmark"][1]}]})
    assert step_rules.check(bound, rec(8000)) == []
    assert [r.kind.name for r in step_rules.check(bound, rec(8000), (bindings.ALERT,))] == ["fine_within_benchmark"]


# -- FINE_OUTSIDE_STATUTORY_RANGE (APL 32): the cause's penalty provision bounds the fine -------------------
FSL_124 = {"code": "SP-124", "penalty_provision": "《中华人民共和国食品安全法》第一百二十四条第一款", "min_fine": 50000,
           "max_fine": 100000, "multiple_basis": "goods_value", "min_multiple": 10, "max_multiple": 20,
           "multiple_from": 10000, "penalty_kinds": ["confiscation", "fine", "suspend_production", "revoke_licence"]}
TRANSPORT_63 = {"code": "JT-63", "penalty_provision": "《中华人民共和国道路运输条例》第六十三条", "min_fine": 30000,
                "max_fine": 100000, "multiple_basis": "illegal_gain", "min_multiple": 2, "max_multiple": 10,
                "multiple_from": 20000}  # its kinds not in the register: not checked
FSL_126 = {"code": "SP-126", "penalty_provision": "《中华人民共和国食品安全法》第一百二十六条第一款", "min_fine": 5000,
           "max_fine": 50000, "penalty_kinds": ["warning", "fine", "suspend_production", "revoke_licence"]}
CAUSES = {"SP-124": FSL_124, "JT-63": TRANSPORT_63, "SP-126": FSL_126}


def ranged(form_key, data, earlier=None) -> CaseRecord:
    return record(form_key, data, earlier=earlier, department="示范市场监管局", cause=CAUSES.get)


def test_a_fine_below_the_statutory_minimum_is_refused_naming_the_penalty_provision_and_apl_32():
    kind = KINDS["fine_within_statutory_range"]
    assert (kind.code, kind.effect) == ("FINE_OUTSIDE_STATUTORY_RANGE", bindings.REFUSE) and "第32条" in kind.article
    b = only("fine_within_statutory_range", ranged("gaozhi", {"anyou": "SP-124", "amount_proposed": 20000,
                                                               "kinds_proposed": ["warning", "fine"]}))
    assert b.fields == ("gaozhi.amount_proposed",)
    assert "告知·拟罚款20000元低于《中华人民共和国食品安全法》第一百二十四条第一款规定的罚款幅度（50000元以上100000元以下）" in b.message
    assert "《行政处罚法》第32条" in b.message and "APL Art. 32" in b.message_en
    assert b.details == {"cause": "SP-124", "fine": 20000, "min_fine": 50000, "max_fine": 100000}


def test_below_the_minimum_passes_only_with_a_recorded_apl_32_circumstance_and_above_the_maximum_never():
    notice = {"gaozhi": {"anyou": "SP-124", "amount_proposed": 20000, "kinds_proposed": ["fine"]}}
    decided = {"amount": 20000, "kinds": ["fine"]}  # the decision's cause: the notice's
    b = only("fine_within_statutory_range", ranged("jueding", decided, notice))
    assert b.fields == ("jueding.amount", "jueding.jianqing")
    assert breaches("fine_within_statutory_range",
                    ranged("jueding", {**decided, "jianqing": "eliminated_harm"}, notice)) == []
    above = only("fine_within_statutory_range", ranged("jueding", {**decided, "amount": 100001,
                                                                   "jianqing": "eliminated_harm"}, notice))
    assert "超出" in above.message and "不得高于法定最高额" in above.message
    for lawful in (50000, 75000, 100000):
        assert breaches("fine_within_statutory_range", ranged("jueding", {**decided, "amount": lawful}, notice)) == []


def test_a_range_in_multiples_of_the_goods_value_or_the_illegal_gain_applies_from_the_amount_the_law_names():
    def proposed(cause, fine, **amounts):
        return ranged("gaozhi", {"anyou": cause, "amount_proposed": fine, "kinds_proposed": ["fine"], **amounts})
    # goods worth 30,000 yuan: 10 to 20 times, 300,000 to 600,000 yuan
    assert breaches("fine_within_statutory_range", proposed("SP-124", 300000, huozhi=30000)) == []
    low = only("fine_within_statutory_range", proposed("SP-124", 100000, huozhi=30000))
    assert "货值金额30000元的10倍以上20倍以下，即300000元至600000元" in low.message
    assert only("fine_within_statutory_range", proposed("SP-124", 600001, huozhi=30000)).details["max_fine"] == 600000
    # goods worth less than 10,000 yuan: the fixed range
    assert breaches("fine_within_statutory_range", proposed("SP-124", 60000, huozhi=9999)) == []
    # the illegal gain, for a transport cause: 2 to 10 times from 20,000 yuan, else 30,000 to 100,000
    assert breaches("fine_within_statutory_range", proposed("JT-63", 50000, suode=25000)) == []
    assert only("fine_within_statutory_range", proposed("JT-63", 40000, suode=25000)).details["min_fine"] == 50000
    assert breaches("fine_within_statutory_range", proposed("JT-63", 30000)) == []
    assert breaches("fine_within_statutory_range", proposed("JT-63", 30000, huozhi=25000)) == []  # not its basis


def test_nothing_to_check_without_a_cause_or_a_fine_and_a_cause_not_in_the_register_is_named():
    for lawful in ({"amount_proposed": 1, "kinds_proposed": ["fine"]},  # no cause chosen
                   {"anyou": "SP-124", "amount_proposed": 1, "kinds_proposed": ["warning"]},  # no fine imposed
                   {"anyou": "SP-124", "kinds_proposed": ["fine"]}):  # no amount (the schema asks it)
        assert breaches("fine_within_statutory_range", ranged("gaozhi", lawful)) == []
    b = only("fine_within_statutory_range", ranged("gaozhi", {"anyou": "SP-999", "amount_proposed": 1,
                                                              "kinds_proposed": ["fine"]}))
    assert b.fields == ("gaozhi.anyou", "gaozhi.amount_proposed") and "“SP-999”不在示范市场监管局的案由清单中" in b.message


def test_the_statutory_range_reads_the_decisions_own_cause_before_the_notices():
    notice = {"gaozhi": {"anyou": "JT-63", "amount_proposed": 30000, "kinds_proposed": ["fine"]}}
    assert only("fine_within_statutory_range", ranged("jueding", {"anyou": "SP-124", "amount": 30000, "kinds": ["fine"]},
                                                      notice)).details["cause"] == "SP-124"


# -- LEGAL_REVIEW_SKIPPED (APL 58), COLLECTIVE_DISCUSSION_SKIPPED (APL 57(2)) -------------------------
def test_a_major_decision_needs_an_approved_review_and_a_discussion():
    decided = {"riqi": "2026-10-30", "kinds": ["fine", "confiscation"], "amount": 1000, "moshou": 200000}
    rec = record("jueding", decided, {"gaozhi": {"kinds_proposed": ["fine"], "amount_proposed": 1000}},
                 party_kind="organization")
    for kind in ("legal_review_before_major_decision", "discussion_before_major_decision"):
        b = only(kind, rec)
        assert b.fields == ("jueding.riqi", "jueding.kinds") and "决定·没收价值200000元" in b.message
    done = {"shenhe": {"jielun": "tongyi"}, "taolun": {"ri": "2026-10-29"}}
    rec = record("jueding", decided, done, party_kind="organization")
    assert breaches("legal_review_before_major_decision", rec) == []
    assert breaches("discussion_before_major_decision", rec) == []
    minor = record("jueding", {**decided, "moshou": 1000}, party_kind="organization")
    assert breaches("legal_review_before_major_decision", minor) == []


def test_a_hearing_held_or_a_severe_kind_proposed_makes_the_case_major():
    b = only("legal_review_before_major_decision",
             record("jueding", {"riqi": "2026-10-30", "kinds": ["fine"]}, {"tingzheng": {"ri": "2026-10-20"}}))
    assert b.fields == ("jueding.riqi", "tingzheng.ri") and "经过听证程序" in b.message
    b = only("discussion_before_major_decision",
             record("jueding", {"riqi": "2026-10-30", "kinds": ["warning"]}, {"gaozhi": {"kinds_proposed": ["revoke_licence"]}}))
    assert b.fields == ("jueding.riqi", "gaozhi.kinds_proposed")


# -- PARTY_ID_INVALID, SINGLE_OFFICER, ELECTRONIC_SERVICE, PERSONAL_INFO, TRANSFER --------------------------
def test_the_partys_number_has_a_valid_check_character():
    b = only("party_id_valid", record("xiansuo", {"haoma": "91110105MA01ABCD27"}))
    assert b.fields == ("xiansuo.haoma",) and "线索·证件号码" in b.message
    assert breaches("party_id_valid", record("xiansuo", {"haoma": "91110105MA01ABCD26"})) == []


def test_no_notice_before_the_party_is_identified_with_a_valid_number():
    """告知 (APL 44) names the party by the number its decision will carry (APL 59): an anonymous
    tip's case reaches it only once its party is identified in the register."""
    b = only("party_identified", record("gaozhi", {}))
    assert b.fields == ("gaozhi",) and b.message.startswith("当事人尚未查明：告知前应当查明当事人")
    assert "not identified" in b.message_en
    assert breaches("party_identified", record("gaozhi", {}, party_number="91110105MA01ABCD26",
                                               party_kind="organization")) == []
    assert breaches("party_identified", record("gaozhi", {}, party_number=lambda: "110105194912310021",
                                               party_kind="person")) != []  # its check character is wrong
    assert breaches("party_identified", record("gaozhi", {}, party_number="11010519491231002X",
                                               party_kind="person")) == []


def test_the_officer_recording_is_one_of_those_who_did_the_act():
    b = only("recorded_by_named_officer", record("diaocha", {"renyuan": ["officer1", "officer2"]}, actor="officer3"))
    assert b.fields == ("diaocha.renyuan",) and "officer3" in b.message
    assert breaches("recorded_by_named_officer", record("diaocha", {"renyuan": ["officer1", "officer2"]},
                                                        actor="officer2")) == []


def test_electronic_service_needs_the_partys_consent():
    b = only("electronic_service_consented", record("songda", {"fangshi": "dianzi"}))
    assert b.fields == ("songda.tongyi", "songda.fangshi") and "送达·同意电子送达" in b.message
    assert breaches("electronic_service_consented", record("songda", {"fangshi": "dianzi", "tongyi": True})) == []
    assert breaches("electronic_service_consented", record("songda", {"fangshi": "zhijie"})) == []
    # the general procedure's choice means nothing here
    assert breaches("electronic_service_consented", record("songda", {"fangshi": "electronic"})) == []


def test_a_public_text_holds_no_personal_numbers():
    b = only("no_personal_numbers_disclosed", record("gongshi", {"neirong": "当事人手机13812345678"}))
    assert b.fields == ("gongshi.neirong",) and "13812345678" not in b.message and "手机号码" in b.message
    assert breaches("no_personal_numbers_disclosed", record("gongshi", {"neirong": "某超市罚款20000元"})) == []


def test_a_transfer_is_copied_to_the_procuratorate():
    b = only("transfer_copied_to_procuratorate", record("yisong", {"chaosong": False}))
    assert b.fields == ("yisong.chaosong", "yisong.jcy") and "移送·已抄送" in b.message
    assert breaches("transfer_copied_to_procuratorate", record("yisong", {"chaosong": True})) == []


# -- execution ----------------------------------------------------------------------------------------
DECIDED = {"jueding": {"amount": 20000, "kinds": ["fine"]}}


def test_the_late_fee_does_not_exceed_the_fine():
    b = only("late_fee_within_fine", record("zhixing", {"jiachu": 20001}, DECIDED))
    assert b.fields == ("zhixing.jiachu", "jueding.amount") and "执行·加处罚款20001元" in b.message
    assert breaches("late_fee_within_fine", record("zhixing", {"jiachu": 20000}, DECIDED)) == []


def test_the_late_fee_is_at_most_what_the_law_runs_to_the_day_of_payment():
    """Served on Monday 2026-03-02: the 15 days end on 03-17; paid on 03-20, 3 days of 3 % of 20,000."""
    served = {**DECIDED, "songda": {"riqi": "2026-03-02"}}
    paid = {"qingkuang": "yuqi", "jiaokuan_ri": "2026-03-20"}
    assert breaches("late_fee_as_computed", record("zhixing", {**paid, "jiachu": 1800}, served)) == []
    assert breaches("late_fee_as_computed", record("zhixing", {**paid, "jiachu": 900}, served)) == []  # reduced (行政强制法 42)
    b = only("late_fee_as_computed", record("zhixing", {**paid, "jiachu": 1800.01}, served))
    assert b.fields == ("zhixing.jiachu",)
    assert "执行·加处罚款1800.01元超出依法计算的数额1800元" in b.message and "自2026-03-18起至2026-03-20共3日" in b.message
    b = only("late_fee_as_computed", record("zhixing", {"jiaokuan_ri": "2026-03-17", "jiachu": 600}, served))
    assert "数额0元" in b.message  # paid on the 15th day: no fee runs
    # no payment day: counted to today (2026-11-20), capped at the fine
    assert breaches("late_fee_as_computed", record("zhixing", {"jiachu": 20000}, served)) == []
    # under an approved deferral the schedule's own rule governs
    deferred = {**served, "fenqi": {"yijian": "pizhun"}}
    assert breaches("late_fee_as_computed", record("zhixing", {**paid, "jiachu": 5000}, deferred)) == []


def test_a_decision_names_the_reconsideration_body_and_court_of_the_departments_settings():
    settings = {"reconsideration_body": "清河区人民政府", "court": "清河区人民法院"}
    ok = {"fuyi": " 清河区人民政府 ", "fayuan": "清河区 人民法院"}
    assert breaches("remedies_named_as_registered", record("jueding", ok, settings=settings)) == []
    b = only("remedies_named_as_registered", record("jueding", {**ok, "fuyi": "清河市市场监督管理局"}, settings=settings))
    assert b.fields == ("jueding.fuyi",) and "应为清河区人民政府" in b.message and "行政复议法》第24条" in b.message
    b = only("remedies_named_as_registered", record("jueding", {**ok, "fayuan": "清河市中级人民法院"}, settings=settings))
    assert b.fields == ("jueding.fayuan",) and "应为清河区人民法院" in b.message and "行政诉讼法》第18条" in b.message
    # full-width letters and digits are their half-width selves
    wide = {"reconsideration_body": "A市人民政府", "court": "第1人民法院"}
    assert breaches("remedies_named_as_registered", record("jueding", {"fuyi": "Ａ市人民政府", "fayuan": "第１人民法院"},
                                                           settings=wide)) == []
    # a department whose register sets nothing is not checked
    assert breaches("remedies_named_as_registered", record("jueding", {"fuyi": "任何机关"})) == []


def test_a_fine_is_paid_in_full_and_instalments_need_an_approval():
    b = only("paid_in_full", record("zhixing", {"qingkuang": "jiaoqing", "jiaokuan": 19999.5}, DECIDED))
    assert b.fields == ("zhixing.jiaokuan", "jueding.amount")
    assert breaches("paid_in_full", record("zhixing", {"qingkuang": "jiaoqing", "jiaokuan": 20000}, DECIDED)) == []
    rows = [{"ri": "2026-10-12", "jine": 10000}]
    b = only("paid_in_full", record("zhixing", {"qingkuang": "fenqi", "jiaokuan": 10000, "ge_qi": rows}, DECIDED))
    assert b.fields == ("zhixing.qingkuang", "fenqi.yijian")
    approved = {**DECIDED, "fenqi": {"yijian": "pizhun"}}
    assert breaches("paid_in_full", record("zhixing", {"qingkuang": "fenqi", "jiaokuan": 10000, "ge_qi": rows},
                                           approved)) == []
    b = only("paid_in_full", record("zhixing", {"qingkuang": "fenqi", "jiaokuan": 20000, "ge_qi": rows}, approved))
    assert b.fields == ("zhixing.ge_qi", "zhixing.jiaokuan") and "执行·各期合计10000元" in b.message


def test_an_approved_schedule_covers_the_fine_in_order():
    plan = {"yijian": "pizhun", "ri": "2026-10-01", "jieshu": "2026-11-01",
            "qi": [{"daoqi": "2026-10-15", "jine": 10000}, {"daoqi": "2026-11-01", "jine": 10000}]}
    assert breaches("schedule_covers_the_fine", record("fenqi", plan, DECIDED)) == []
    b = only("schedule_covers_the_fine", record("fenqi", {**plan, "qi": [plan["qi"][0], {"daoqi": "2026-11-01",
                                                                                     "jine": 5000}]}, DECIDED))
    assert b.fields == ("fenqi.qi", "jueding.amount") and "15000" in b.message and "20000" in b.message
    b = only("schedule_covers_the_fine", record("fenqi", {**plan, "jieshu": "2026-10-15"}, DECIDED))
    assert b.fields == ("fenqi.jieshu", "fenqi.qi")
    b = only("schedule_covers_the_fine", record("fenqi", {**plan, "ri": "2026-10-20"}, DECIDED))
    assert b.fields == ("fenqi.qi", "fenqi.ri")
    b = only("schedule_covers_the_fine", record("fenqi", plan))
    assert b.fields == ("fenqi.yijian", "jueding.amount")
    assert breaches("schedule_covers_the_fine", record("fenqi", {"yijian": "bupizhun"})) == []


def test_no_late_fee_while_the_approved_schedule_is_kept():
    approved = {**DECIDED, "fenqi": {"yijian": "pizhun", "qi": [{"daoqi": "2026-10-15", "jine": 10000},
                                                                {"daoqi": "2026-11-01", "jine": 10000}]}}
    on_time = [{"ri": "2026-10-15", "jine": 10000}, {"ri": "2026-11-01", "jine": 10000}]
    b = only("no_late_fee_within_deferral", record("zhixing", {"jiachu": 600, "ge_qi": on_time}, approved))
    assert b.fields == ("zhixing.jiachu", "fenqi.qi")
    late = [on_time[0], {"ri": "2026-11-04", "jine": 10000}]
    assert breaches("no_late_fee_within_deferral", record("zhixing", {"jiachu": 600, "ge_qi": late}, approved)) == []
    one = {"jiachu": 600, "jiaokuan_ri": "2026-10-15", "jiaokuan": 20000}  # one payment, all of it in time
    assert breaches("no_late_fee_within_deferral", record("zhixing", one, approved)) != []
    assert breaches("no_late_fee_within_deferral", record("zhixing", one, DECIDED)) == []  # no approval


def test_a_fine_must_be_executed_before_the_case_closes():
    b = only("nothing_left_to_execute", record("zhixing", {"qingkuang": "wuxu"}, DECIDED))
    assert b.fields == ("zhixing.qingkuang", "jueding.kinds")
    warning = {"jueding": {"kinds": ["warning"]}}
    assert breaches("nothing_left_to_execute", record("zhixing", {"qingkuang": "wuxu"}, warning)) == []
    b = only("nothing_left_to_execute", record("jiean", {"ri": "2026-11-01"}, {**DECIDED, "zhixing": {"qingkuang": "cuigao"}}))
    assert b.fields == ("jiean.ri", "zhixing.qingkuang") and "cuigao" in b.message_en and "执行·执行情况" in b.message
    court = {**DECIDED, "zhixing": {"qingkuang": "fayuan"}}
    assert breaches("nothing_left_to_execute", record("jiean", {}, court)) != []
    court["zhixing"]["fayuan_jieguo"] = "执行完毕"
    assert breaches("nothing_left_to_execute", record("jiean", {}, court)) == []
    assert breaches("nothing_left_to_execute", record("jiean", {}, {**DECIDED, "zhixing": {"qingkuang": "jiaoqing"}})) == []
    assert breaches("nothing_left_to_execute", record("jiean", {})) == []  # no penalty decided


def test_the_court_is_applied_to_only_after_ten_working_days_from_the_demand():
    b = only("court_applied_after_demand_period", record("zhixing", {"cuigao_ri": "2026-09-30", "fayuan_ri": "2026-10-20"}))
    assert b.fields == ("zhixing.fayuan_ri", "zhixing.cuigao_ri") and "执行·催告送达日为2026-09-30" in b.message
    assert breaches("court_applied_after_demand_period",
                    record("zhixing", {"cuigao_ri": "2026-09-30", "fayuan_ri": "2026-10-21"})) == []


# -- SUMMARY_OVER_LIMIT (APL 51), ON_SPOT_COLLECTION_NOT_ALLOWED (APL 68, 69) ------------------------------
def test_a_fine_on_the_spot_is_at_most_200_yuan_for_a_person_and_3000_for_an_organisation():
    person = {"zhonglei": ["fakuan"], "leixing": "ziranren"}
    assert breaches("summary_within_limit", record("dangchang", {**person, "fakuan": 200})) == []
    b = only("summary_within_limit", record("dangchang", {**person, "fakuan": 200.5}))
    assert b.fields == ("dangchang.fakuan",) and "当场处罚·罚款金额200.5元超过当场处罚的限额：对公民当场只能处以200元以下罚款" in b.message
    assert "for a person at most 200 yuan" in b.message_en
    for kind in ("qiye", "shehui"):
        organisation = {**person, "leixing": kind}
        assert breaches("summary_within_limit", record("dangchang", {**organisation, "fakuan": 3000})) == []
        assert "法人或者其他组织当场只能处以3000元以下" in only(
            "summary_within_limit", record("dangchang", {**organisation, "fakuan": 3001})).message


def test_the_party_is_the_cases_where_no_field_records_its_kind():
    on, params = BOUND["summary_within_limit"]
    unbound = {k: v for k, v in params.items() if k not in ("party_kind", "organization_kinds")}
    data = {"zhonglei": ["fakuan"], "fakuan": 1000}
    assert KINDS["summary_within_limit"].run(record("dangchang", data, party_kind="organization"), unbound) == []
    assert len(KINDS["summary_within_limit"].run(record("dangchang", data, party_kind="person"), unbound)) == 1


def test_the_limits_are_the_bindings_and_a_law_may_provide_another():
    data = {"zhonglei": ["fakuan"], "leixing": "ziranren", "fakuan": 150}
    assert breaches("summary_within_limit", record("dangchang", data), person_limit=100) != []
    assert breaches("summary_within_limit", record("dangchang", {**data, "falv": "《某法》第十条", "xiane": 500}),
                    person_limit=100) == []
    b = only("summary_within_limit", record("dangchang", {**data, "falv": "《某法》第十条", "xiane": 50}))
    assert "依照《某法》第十条当场只能处以50元以下罚款" in b.message
    # a law named without its limit changes nothing
    assert breaches("summary_within_limit", record("dangchang", {**data, "fakuan": 250, "falv": "《某法》"})) != []


def test_a_decision_on_the_spot_is_a_warning_or_a_fine():
    b = only("summary_within_limit", record("dangchang", {"zhonglei": ["jinggao", "moshou"]}))
    assert b.fields == ("dangchang.zhonglei",) and "moshou" in b.message and "警告或者罚款" in b.message
    assert breaches("summary_within_limit", record("dangchang", {"zhonglei": ["jinggao"]})) == []


def test_a_fine_is_collected_on_the_spot_only_on_a_ground_of_the_law():
    fine = {"dangchang": {"fakuan": 100}}
    spot = {"dangchang": True, "qingxing": "xiao_e", "jine": 100}
    assert breaches("on_spot_collection_allowed", record("shoujiao", spot, fine)) == []
    assert breaches("on_spot_collection_allowed", record("shoujiao", {"dangchang": False}, fine)) == []
    big = {"dangchang": {"fakuan": 150}}
    b = only("on_spot_collection_allowed", record("shoujiao", {**spot, "jine": 150}, big))
    assert b.fields == ("shoujiao.qingxing", "dangchang.fakuan") and "超过100元" in b.message
    b = only("on_spot_collection_allowed", record("shoujiao", {**spot, "qingxing": "nan_zhixing", "jine": 150}, big))
    assert b.fields == ("shoujiao.liyou", "shoujiao.qingxing") and "第68条第2项" in b.message
    assert breaches("on_spot_collection_allowed", record(
        "shoujiao", {**spot, "qingxing": "bianyuan", "liyou": "水上作业，无法到银行缴纳", "jine": 150}, big)) == []
    b = only("on_spot_collection_allowed", record("shoujiao", {"dangchang": True, "jine": 100}, fine))
    assert b.fields == ("shoujiao.qingxing", "shoujiao.dangchang")
    b = only("on_spot_collection_allowed", record("shoujiao", {**spot, "jine": 80}, fine))
    assert b.fields == ("shoujiao.jine", "dangchang.fakuan") and "80元与" in b.message
    assert breaches("on_spot_collection_allowed", record("shoujiao", spot, fine), small_limit=50) != []


# -- PENALTY_KIND_NOT_IN_PROVISION (APL 4, 38(1)): the kinds the cause's penalty provision provides ----------
def test_a_penalty_kind_the_causes_provision_does_not_provide_is_refused_naming_the_provision():
    kind = KINDS["kinds_within_cause"]
    assert (kind.code, kind.effect) == ("PENALTY_KIND_NOT_IN_PROVISION", bindings.REFUSE) and "第38条" in kind.article
    b = only("kinds_within_cause", ranged("gaozhi", {"anyou": "SP-124", "kinds_proposed": ["warning", "fine"]}))
    assert b.fields == ("gaozhi.kinds_proposed",)
    assert b.message.startswith("告知·拟处罚种类含警告：《中华人民共和国食品安全法》第一百二十四条第一款规定的处罚种类为"
                                "没收违法所得、没收非法财物、罚款、责令停产停业、吊销许可证件，不包括警告")
    assert "《行政处罚法》第4条、第38条第1款" in b.message and "APL Art. 4, 38(1)" in b.message_en
    assert b.details == {"cause": "SP-124", "kinds": ["warning"], "provided": FSL_124["penalty_kinds"]}
    # the decision under the notice's cause; confiscating the illegal gain is lawful whatever the provision
    notice = {"gaozhi": {"anyou": "SP-124"}}
    assert only("kinds_within_cause", ranged("jueding", {"kinds": ["public_criticism"]}, notice)).fields == ("jueding.kinds",)
    assert breaches("kinds_within_cause", ranged("jueding", {"kinds": ["fine", "revoke_licence"]}, notice)) == []
    art_126 = {"anyou": "SP-126", "kinds": ["warning", "confiscation"]}  # no confiscation in Art. 126
    assert breaches("kinds_within_cause", ranged("jueding", art_126)) == []
    assert only("kinds_within_cause", ranged("jueding", art_126), always=[]).details["kinds"] == ["confiscation"]


def test_kinds_are_not_checked_without_a_cause_or_its_kinds_in_the_register():
    for lawful in ({"kinds_proposed": ["warning"]},  # no cause chosen
                   {"anyou": "SP-999", "kinds_proposed": ["warning"]},  # not in the register: the range rule says so
                   {"anyou": "JT-63", "kinds_proposed": ["warning"]},  # the register lists no kinds for it
                   {"anyou": "SP-124", "kinds_proposed": []}):
        assert breaches("kinds_within_cause", ranged("gaozhi", lawful)) == []


# -- MINOR_FIRST_VIOLATION_PENALIZED (APL 33): an alert kind, the decision is taken -------------------------------
LISTS = {"BCF-1": {"code": "BCF-1", "kind": "no_penalty", "cause": "SP-126", "conditions": "初次违法、危害后果轻微并及时改正",
                   "legal_ground": "《中华人民共和国行政处罚法》第三十三条第一款", "first_violation": True},
         "CQ-1": {"code": "CQ-1", "kind": "light", "cause": "SP-126", "conditions": "主动消除危害后果",
                  "legal_ground": "《中华人民共和国行政处罚法》第三十二条第一项", "first_violation": False,
                  "tier": "lighter_or_mitigated"},
         # the same circumstance, an item grounding 从轻 only, and one grounding 减轻 only
         "CQ-L": {"code": "CQ-L", "kind": "light", "cause": "SP-126", "conditions": "立案调查期间主动改正",
                  "legal_ground": "《中华人民共和国行政处罚法》第三十二条第一项", "first_violation": False,
                  "tier": "lighter"},
         "CQ-M": {"code": "CQ-M", "kind": "light", "cause": "SP-126", "conditions": "货值极小并主动召回",
                  "legal_ground": "《中华人民共和国行政处罚法》第三十二条第一项", "first_violation": False,
                  "tier": "mitigated"}}


def listed(decided, finding) -> CaseRecord:
    return record("jueding", decided, earlier={"gaozhi": finding}, list_item=LISTS.get)


def test_a_case_found_on_the_no_penalty_list_and_decided_with_a_penalty_raises_an_alert_not_a_refusal():
    kind = KINDS["no_penalty_list_respected"]
    assert (kind.code, kind.effect) == ("MINOR_FIRST_VIOLATION_PENALIZED", bindings.ALERT)
    assert CATALOGUE[kind.code].severity == "medium" and "第33条" in CATALOGUE[kind.code].basis
    meets = {"qingdan": "BCF-1", "fuhe": "shi"}
    b = only("no_penalty_list_respected", listed({"kinds": ["warning", "fine"], "amount": 5000}, meets))
    assert b.fields == ("jueding.kinds",)
    assert "告知·清单事项记载本案符合不予处罚清单事项BCF-1（初次违法、危害后果轻微并及时改正），决定·处罚种类仍为警告、罚款" in b.message
    assert "《行政处罚法》第33条第1款" in b.message and "APL Art. 33(1)" in b.message_en
    assert b.details == {"item": "BCF-1", "cause": "SP-126", "kinds": ["warning", "fine"], "fine": 5000,
                         "conditions": "初次违法、危害后果轻微并及时改正",
                         "legal_ground": "《中华人民共和国行政处罚法》第三十三条第一款"}
    assert only("no_penalty_list_respected", listed({"amount": 5000}, meets)).details["fine"] == 5000  # a fine alone
    for lawful in (listed({"kinds": ["fine"], "amount": 5000}, {**meets, "fuhe": "fou"}),  # found not to meet it
                   listed({"kinds": ["fine"]}, {"qingdan": "CQ-1", "fuhe": "shi"}),  # the light-penalty list
                   listed({"kinds": ["fine"]}, {"qingdan": "BCF-9", "fuhe": "shi"}),  # not in the register
                   listed({"kinds": [], "amount": 0}, meets),  # no penalty decided
                   listed({"kinds": ["fine"]}, {})):  # no finding recorded
        assert breaches("no_penalty_list_respected", lawful) == []
    # the decision is taken: the kind runs with the alert kinds only
    bound = bindings.bound({"rules": [{"kind": "no_penalty_list_respected", "on": ["jueding"],
                                       "params": BOUND["no_penalty_list_respected"][1]}]})
    rec = listed({"kinds": ["fine"]}, meets)
    assert step_rules.check(bound, rec) == []
    assert [r.kind.name for r in step_rules.check(bound, rec, (bindings.ALERT,))] == ["no_penalty_list_respected"]


# -- LIGHT_LIST_NOT_APPLIED (APL 32): an alert kind, the step is taken ------------------------------------------
TIERS = {("SJ-01", "congqing"): {"min_fine": 5000, "max_fine": 18500},
         ("SJ-01", "yiban"): {"min_fine": 18500, "max_fine": 36500}}  # no range for 减轻 (below the minimum)


def lightened(decided, finding=None) -> CaseRecord:
    """The decision of a case the notice found meeting the light-penalty list's CQ-1, unless `finding` says otherwise."""
    return record("jueding", {"jizhun": "SJ-01", "kinds": ["fine"], **decided},
                  earlier={"gaozhi": {"qingdan": "CQ-1", "fuhe": "shi"} if finding is None else finding},
                  list_item=LISTS.get, benchmark=lambda item, tier: TIERS.get((item, tier)))


def test_a_case_found_on_the_light_list_and_given_a_heavier_tier_or_a_fine_above_its_lighter_tiers_raises_an_alert():
    kind = KINDS["light_list_applied"]
    assert (kind.code, kind.effect) == ("LIGHT_LIST_NOT_APPLIED", bindings.ALERT) and "第32条" in kind.article
    assert CATALOGUE[kind.code].severity == "medium" and "第32条" in CATALOGUE[kind.code].basis
    both = only("light_list_applied", lightened({"dangci": "yiban", "amount": 20000}))
    assert both.fields == ("jueding.dangci", "jueding.amount")
    assert both.message.startswith("告知·清单事项记载本案符合从轻减轻处罚清单事项CQ-1（主动消除危害后果），决定·裁量档次却为“一般”，"
                                   "决定·罚款金额20000元高于裁量基准SJ-01“从轻”档的上限18500元：")
    assert "《行政处罚法》第32条" in both.message and "《中华人民共和国行政处罚法》第三十二条第一项" in both.message
    assert "Decision · Tier is Ordinary and Decision · Fine of 20000 yuan is above the top of the Lenient tiers" \
        in both.message_en and "APL Art. 32" in both.message_en
    assert {k: both.details[k] for k in ("item", "list_kind", "tier", "fine", "ceiling", "benchmark_item")} == {
        "item": "CQ-1", "list_kind": "light", "tier": "yiban", "fine": 20000, "ceiling": 18500, "benchmark_item": "SJ-01"}
    assert both.details["message"] == both.message
    # the tier alone, or the fine alone, departs
    assert only("light_list_applied", lightened({"dangci": "congzhong", "amount": 9000})).fields == ("jueding.dangci",)
    assert only("light_list_applied", lightened({"dangci": "congqing", "amount": 18501})).fields == ("jueding.amount",)
    assert only("light_list_applied", lightened({"amount": 36500})).fields == ("jueding.amount",)  # no tier recorded
    for lawful in (lightened({"dangci": "congqing", "amount": 18500}),  # the top of the lighter tier
                   lightened({"dangci": "jianqing", "amount": 3000}),  # mitigated: below the statutory minimum
                   lightened({"dangci": "congqing", "kinds": ["warning"], "amount": 20000}),  # no fine imposed
                   lightened({"dangci": "congqing", "amount": 20000, "jizhun": "SJ-99"}),  # a benchmark the register lacks
                   lightened({"dangci": "yiban", "amount": 20000}, {"qingdan": "CQ-1", "fuhe": "fou"}),  # not met
                   lightened({"dangci": "yiban", "amount": 20000}, {"qingdan": "BCF-1", "fuhe": "shi"}),  # no-penalty list
                   lightened({"dangci": "yiban", "amount": 20000}, {"qingdan": "CQ-9", "fuhe": "shi"}),  # not in the register
                   lightened({"dangci": "yiban", "amount": 20000}, {})):  # no finding recorded
        assert breaches("light_list_applied", lawful) == []
    # no benchmark item recorded: the one the causes register gives the list item's cause, where it gives one
    def unnamed(causes):
        return record("jueding", {"kinds": ["fine"], "dangci": "congqing", "amount": 20000},
                      earlier={"gaozhi": {"qingdan": "CQ-1", "fuhe": "shi"}}, list_item=LISTS.get, cause=causes.get,
                      benchmark=lambda item, tier: TIERS.get((item, tier)))
    assert only("light_list_applied", unnamed({"SP-126": {**FSL_126, "benchmark_item": "SJ-01"}})).details[
        "benchmark_item"] == "SJ-01"
    assert breaches("light_list_applied", unnamed(CAUSES)) == []
    # the step is taken: the kind runs with the alert kinds only
    bound = bindings.bound({"rules": [{"kind": "light_list_applied", "on": ["jueding"],
                                       "params": BOUND["light_list_applied"][1]}]})
    rec = lightened({"dangci": "yiban", "amount": 20000})
    assert step_rules.check(bound, rec) == []
    assert [r.kind.name for r in step_rules.check(bound, rec, (bindings.ALERT,))] == ["light_list_applied"]


def test_the_judgement_of_a_penalty_against_either_list_says_whether_it_is_consistent():
    """What the reviewer's sheet shows: the same judgement, consistent or not, for both kinds of item."""
    from workflow_app.oversight.step_rules.penalty_lists import judged

    params = KINDS["light_list_applied"].complete(BOUND["light_list_applied"][1])
    light = judged(lightened({"dangci": "congqing", "amount": 8000}), params)
    assert (light.code, light.meets, light.consistent) == ("CQ-1", True, True)
    assert light.message == "裁量阶次为“从轻”，罚款8000元不高于裁量基准SJ-01“从轻”档的上限18500元，与从轻减轻处罚清单事项CQ-1一致"
    assert judged(lightened({"dangci": "yiban", "amount": 8000}), params).consistent is False
    first = {"qingdan": "BCF-1", "fuhe": "shi"}
    fined = judged(lightened({"amount": 5000}, first), params)
    assert fined.consistent is False and "应当作出不予行政处罚决定" in fined.message and "APL Art. 33(1)" in fined.message_en
    assert judged(lightened({"kinds": [], "amount": None}, first), params).consistent is True
    not_met = judged(lightened({"amount": 5000}, {**first, "fuhe": "fou"}), params)
    assert (not_met.meets, not_met.consistent) == (False, None) and "不约束本案的处罚" in not_met.message
    unknown = judged(lightened({"amount": 5000}, {"qingdan": "CQ-9", "fuhe": "shi"}), params)
    assert (unknown.item, unknown.consistent) == (None, None)
    assert judged(lightened({"amount": 5000}, {}), params) is None


def test_a_light_list_item_the_case_meets_grounds_a_fine_below_the_statutory_minimum():
    def below(finding):
        return record("jueding", {"anyou": "SP-124", "amount": 20000, "kinds": ["fine"]}, earlier={"gaozhi": finding},
                      cause=CAUSES.get, list_item=LISTS.get)
    assert breaches("fine_within_statutory_range", below({"qingdan": "CQ-1", "fuhe": "shi"})) == []
    for no_ground in ({"qingdan": "CQ-1", "fuhe": "fou"},  # found not to meet it
                      {"qingdan": "BCF-1", "fuhe": "shi"},  # the no-penalty list: APL 33, not a ground of APL 32
                      {"qingdan": "CQ-9", "fuhe": "shi"},  # not in the register
                      {}):
        b = only("fine_within_statutory_range", below(no_ground))
        assert "或者本案符合的、规定减轻处罚的从轻减轻处罚清单事项" in b.message and "light-penalty list" in b.message_en
    # a kind of item the binding names as a ground; above the maximum never
    assert breaches("fine_within_statutory_range", below({"qingdan": "BCF-1", "fuhe": "shi"}),
                    mitigating_list_kinds=["light", "no_penalty"]) == []
    above = record("jueding", {"anyou": "SP-124", "amount": 100001, "kinds": ["fine"]},
                   earlier={"gaozhi": {"qingdan": "CQ-1", "fuhe": "shi"}}, cause=CAUSES.get, list_item=LISTS.get)
    assert "不得高于法定最高额" in only("fine_within_statutory_range", above).message


def test_only_a_light_list_item_whose_tier_includes_mitigation_grounds_a_fine_below_the_statutory_minimum():
    def below(finding, amount=20000, items=LISTS, **decided):
        return record("jueding", {"anyou": "SP-124", "amount": amount, "kinds": ["fine"], **decided},
                      earlier={"gaozhi": finding}, cause=CAUSES.get, list_item=items.get)
    for grounds in ("CQ-M", "CQ-1"):  # 减轻; 从轻或者减轻
        assert breaches("fine_within_statutory_range", below({"qingdan": grounds, "fuhe": "shi"})) == []
    # an item of 从轻 only: no ground for going below the minimum, and the refusal says why
    b = only("fine_within_statutory_range", below({"qingdan": "CQ-L", "fuhe": "shi"}))
    assert b.fields == ("jueding.amount", "jueding.jianqing")
    assert "本案符合的从轻减轻处罚清单事项CQ-L只规定从轻处罚（在法定幅度内），不是减轻处罚的依据" in b.message
    assert "低于法定最低额属于减轻处罚" in b.message and "《行政处罚法》第32条" in b.message
    assert "item CQ-L of the light-penalty list, which the case meets, grounds only a lighter penalty" in b.message_en
    assert (b.details["list_item"], b.details["list_tier"], b.details["min_fine"]) == ("CQ-L", "lighter", 50000)
    # within the range it is the lighter penalty the item grounds; a recorded APL 32 circumstance still mitigates
    assert breaches("fine_within_statutory_range", below({"qingdan": "CQ-L", "fuhe": "shi"}, 50000)) == []
    assert breaches("fine_within_statutory_range", below({"qingdan": "CQ-L", "fuhe": "shi"},
                                                         jianqing="eliminated_harm")) == []
    # found not to meet it: the general refusal, no word of the item
    b = only("fine_within_statutory_range", below({"qingdan": "CQ-L", "fuhe": "fou"}))
    assert "CQ-L" not in b.message and "list_item" not in b.details
    # an item read without a tier grounds both, as every light item did before items named one
    untiered = {**LISTS, "CQ-L": {k: v for k, v in LISTS["CQ-L"].items() if k != "tier"}}
    assert breaches("fine_within_statutory_range", below({"qingdan": "CQ-L", "fuhe": "shi"}, items=untiered)) == []


MITIGATED_RANGE = {**TIERS, ("SJ-01", "jianqing"): {"min_fine": 1000, "max_fine": 5000}}


def tiered(code, decided, ranges=MITIGATED_RANGE) -> CaseRecord:
    """The decision of a case the notice found meeting the light-penalty list's `code`, the benchmark
    SJ-01 holding a 减轻 range (1,000–5,000 yuan) beside 从轻 (5,000–18,500) and 一般."""
    return record("jueding", {"jizhun": "SJ-01", "kinds": ["fine"], **decided},
                  earlier={"gaozhi": {"qingdan": code, "fuhe": "shi"}}, list_item=LISTS.get,
                  benchmark=lambda item, tier: ranges.get((item, tier)))


def test_a_lighter_only_light_list_item_departs_at_an_ordinary_tier_or_a_fine_above_the_top_of_lighter():
    b = only("light_list_applied", tiered("CQ-L", {"dangci": "yiban", "amount": 20000}))
    assert b.fields == ("jueding.dangci", "jueding.amount")
    assert "决定·罚款金额20000元高于裁量基准SJ-01“从轻”档的上限18500元" in b.message
    assert "依《行政处罚法》第32条应当从轻处罚（" in b.message and "或者减轻" not in b.message
    assert "is given a lighter penalty (APL Art. 32)" in b.message_en
    assert (b.details["list_tier"], b.details["ceiling"]) == ("lighter", 18500)
    assert only("light_list_applied", tiered("CQ-L", {"dangci": "congqing", "amount": 18501})).fields == (
        "jueding.amount",)
    assert only("light_list_applied", tiered("CQ-L", {"amount": 18501})).fields == ("jueding.amount",)  # no tier
    for lawful in (tiered("CQ-L", {"dangci": "congqing", "amount": 18500}),  # the top of 从轻
                   tiered("CQ-L", {"dangci": "jianqing", "amount": 3000}),  # lighter still (the range rule judges 减轻)
                   tiered("CQ-L", {"dangci": "congqing", "kinds": ["warning"], "amount": 20000})):
        assert breaches("light_list_applied", lawful) == []


def test_a_mitigated_only_light_list_item_departs_at_a_lighter_tier_or_a_fine_above_the_top_of_mitigated():
    b = only("light_list_applied", tiered("CQ-M", {"dangci": "congqing", "amount": 9000}))
    assert b.fields == ("jueding.dangci", "jueding.amount")
    assert "决定·裁量档次却为“从轻”" in b.message and "高于裁量基准SJ-01“减轻”档的上限5000元" in b.message
    assert "依《行政处罚法》第32条应当减轻处罚（" in b.message and "is given a mitigated penalty" in b.message_en
    assert (b.details["list_tier"], b.details["ceiling"]) == ("mitigated", 5000)
    assert only("light_list_applied", tiered("CQ-M", {"dangci": "jianqing", "amount": 5001})).fields == (
        "jueding.amount",)
    assert only("light_list_applied", tiered("CQ-M", {"dangci": "yiban", "amount": 3000})).fields == ("jueding.dangci",)
    assert breaches("light_list_applied", tiered("CQ-M", {"dangci": "jianqing", "amount": 5000})) == []
    # the benchmark holds no 减轻 range: the tier alone is judged
    assert breaches("light_list_applied", tiered("CQ-M", {"dangci": "jianqing", "amount": 9000}, TIERS)) == []
    assert only("light_list_applied", tiered("CQ-M", {"dangci": "congqing", "amount": 9000}, TIERS)).fields == (
        "jueding.dangci",)


def test_a_lighter_or_mitigated_item_is_judged_against_the_top_of_both_tiers_as_before_items_named_a_tier():
    assert breaches("light_list_applied", tiered("CQ-1", {"dangci": "congqing", "amount": 18500})) == []
    assert breaches("light_list_applied", tiered("CQ-1", {"dangci": "jianqing", "amount": 3000})) == []
    b = only("light_list_applied", tiered("CQ-1", {"dangci": "congqing", "amount": 18501}))
    assert b.details["ceiling"] == 18500 and "“减轻”、“从轻”档的上限18500元" in b.message
    assert "应当从轻或者减轻处罚" in b.message and b.details["list_tier"] == "lighter_or_mitigated"
    untiered = {k: v for k, v in LISTS["CQ-1"].items() if k != "tier"}  # read without one: both
    rec = record("jueding", {"jizhun": "SJ-01", "kinds": ["fine"], "dangci": "congqing", "amount": 18501},
                 earlier={"gaozhi": {"qingdan": "CQ-1", "fuhe": "shi"}}, list_item={"CQ-1": untiered}.get,
                 benchmark=lambda item, tier: MITIGATED_RANGE.get((item, tier)))
    assert only("light_list_applied", rec).message == b.message


def test_the_judgement_against_a_light_item_names_the_tier_it_grounds():
    from workflow_app.oversight.step_rules.penalty_lists import judged

    params = KINDS["light_list_applied"].complete(BOUND["light_list_applied"][1])
    nothing = judged(tiered("CQ-L", {"kinds": ["warning"], "amount": None}), params)
    assert nothing.consistent is True and nothing.message == "未给予重于从轻的处罚，与从轻减轻处罚清单事项CQ-L一致"
    assert nothing.message_en == "no penalty heavier than a lighter penalty: consistent with item CQ-L of the light-penalty list"
    mitigated = judged(tiered("CQ-M", {"dangci": "jianqing", "amount": 4000}), params)
    assert mitigated.consistent is True
    assert mitigated.message == "裁量阶次为“减轻”，罚款4000元不高于裁量基准SJ-01“减轻”档的上限5000元，与从轻减轻处罚清单事项CQ-M一致"
    assert judged(tiered("CQ-M", {"dangci": "congqing", "amount": 4000}), params).consistent is False


def test_a_record_names_a_choice_by_its_label_in_both_languages():
    rec = record("jueding", {})
    assert rec.choice("jueding.dangci", "yiban") == ("一般", "Ordinary")
    assert rec.choice("jueding.dangci", "nowhere") == ("nowhere", "nowhere")
    assert rec.choice("jueding.amount", 5) == ("5", "5") and rec.choice(None, "x") == ("x", "x")


@pytest.mark.parametrize("kind", sorted(set(BOUND) - {"transfer_copied_to_procuratorate", "withdrawn_only_if_disclosed",
                                                     "party_identified", "record_signed_or_witnessed",
                                                     "inspection_triggered"}))
def test_a_kind_given_nothing_of_its_forms_finds_nothing(kind):
    """A step whose form records none of the fields a kind reads is no breach of it (but a
    transfer not recorded as copied to the procuratorate is not copied, a withdrawal of a disclosure
    never made has nothing to withdraw, a party not identified is not identified, a record
    nobody signed is not signed: refused above, and an inspection that records no trigger has
    none: tests/unit/test_inspection_rules.py)."""
    on, _ = BOUND[kind]
    assert breaches(kind, record(on[0], {})) == []


# -- administrative coercion (行政强制法) -------------------------------------------------------------------
SHA = "a" * 64


def test_a_coercive_measure_is_taken_only_within_the_departments_powers():
    rec = record("chafeng", {"cuoshi": ["seal", "seize"]}, powers=["fine", "seize"], department="某局")
    found = only("measures_within_powers", rec)
    assert found.fields == ("chafeng.cuoshi",) and "查封场所、设施或者财物" in found.message and "某局" in found.message
    assert breaches("measures_within_powers", record("chafeng", {"cuoshi": ["seize"]}, powers=["seize"])) == []


@pytest.mark.parametrize("data, fields", [
    ({"daochang": True}, ("chafeng.qianming", "chafeng.jujue")),                 # neither signed nor refused
    ({"daochang": True, "jujue": True}, ("chafeng.zhuming",)),                    # refused, not noted
    ({"daochang": True, "qianming": SHA, "jujue": True}, ("chafeng.jujue", "chafeng.qianming")),  # both
    ({"daochang": False}, ("chafeng.jianzheng", "chafeng.jz_qianming")),          # absent, no witness
    ({"daochang": False, "jianzheng": "赵某"}, ("chafeng.jz_qianming",)),          # the witness did not sign
    ({"daochang": False, "qianming": SHA, "jianzheng": "赵某", "jz_qianming": SHA}, ("chafeng.qianming", "chafeng.daochang")),
])
def test_a_record_is_signed_by_the_party_its_refusal_noted_or_a_witness_signs(data, fields):
    assert only("record_signed_or_witnessed", record("chafeng", data)).fields == fields


@pytest.mark.parametrize("data", [
    {"daochang": True, "qianming": SHA},
    {"daochang": True, "jujue": True, "zhuming": "拒绝签名，已录像"},
    {"daochang": False, "jianzheng": "赵某", "jz_qianming": SHA},
])
def test_a_signed_noted_or_witnessed_record_passes(data):
    assert breaches("record_signed_or_witnessed", record("chafeng", data)) == []


def test_without_a_presence_field_the_party_is_present():
    rec = record("chafeng", {})
    assert KINDS["record_signed_or_witnessed"].run(rec, {"signature": "chafeng.qianming"})[0].fields == \
        ("chafeng.qianming",)


def test_a_release_returns_every_item_in_full_or_its_proceeds():
    seized = {"qingdan": [{"name": "饼干", "quantity": 120}, {"name": "封口机", "quantity": 1}]}
    short = record("jiechu", {"tuihuan": [{"name": "饼干", "quantity": 100}]}, earlier={"chafeng": seized})
    found = only("items_all_returned", short)
    assert "饼干查封（扣押）120，退还100" in found.message and "封口机" in found.message
    stranger = record("jiechu", {"tuihuan": [{"name": "饼干", "quantity": 120}, {"name": "封口机", "quantity": 1},
                                              {"name": "电脑", "quantity": 1}]}, earlier={"chafeng": seized})
    assert "电脑不在" in only("items_all_returned", stranger).message
    whole = record("jiechu", {"tuihuan": [{"name": "饼干", "quantity": 0, "proceeds": 900},
                                           {"name": "封口机", "quantity": 1}]}, earlier={"chafeng": seized})
    assert breaches("items_all_returned", whole) == []


def test_two_dates_and_times_are_held_to_their_order_by_the_minute_and_none_may_be_ahead_of_now():
    """An urgent measure at 10:30 and its report at 09:00 the same day are out of order, though their
    days are equal; a date against a date and time is compared by day; a time later than now is
    refused, a phone's clock a few minutes ahead is not."""
    from datetime import UTC, datetime

    forms = {**FORMS, "cuoshi": _form("当场实施", "Measure", shijian={"type": "string", "format": "date-time",
                                                                  "title": "实施时间", "x-title-en": "Taken at"}),
             "baogao": _form("报告", "Report", shijian={"type": "string", "format": "date-time", "title": "报告时间",
                                                      "x-title-en": "Reported at"}, ri=_f("date", "日", "Day"))}
    params = {"order": [["cuoshi.shijian", "baogao.shijian"], ["cuoshi.shijian", "baogao.ri"]]}
    assert bindings.problems({"rules": [{"kind": "dates_in_order", "on": ["baogao"], "params": params}]}, forms) == []
    now = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # 12:00 Beijing time
    taken = {"cuoshi": {"shijian": "2026-11-20T10:30:00+08:00"}}

    def run(data):
        rec = CaseRecord("baogao", data, today=TODAY, now=now, earlier=taken, forms=forms)
        return KINDS["dates_in_order"].run(rec, params)

    early = run({"shijian": "2026-11-20T09:00:00+08:00"})
    assert len(early) == 1 and "2026-11-20 09:00" in early[0].message and "2026-11-20 10:30" in early[0].message
    assert run({"shijian": "2026-11-20T11:00:00+08:00", "ri": "2026-11-20"}) == []
    assert run({"shijian": "2026-11-20T12:03:00+08:00"}) == []  # within the phone's slack
    ahead = run({"shijian": "2026-11-20T13:00:00+08:00"})
    assert len(ahead) == 1 and "晚于现在" in ahead[0].message


def test_confiscation_is_refused_until_the_penalty_case_is_opened_from_the_seizure():
    kind = KINDS["confiscated_in_linked_case"]
    assert (kind.code, kind.article, kind.effect) == ("CONFISCATION_WITHOUT_PENALTY_CASE",
                                                      "《中华人民共和国行政强制法》第27条", bindings.REFUSE)
    b = only("confiscated_in_linked_case", record("chuli", {"jieguo": "moshou"}))
    assert b.fields == ("chuli.jieguo",) and b.details == {"link": "confiscation"}
    assert b.message.startswith("查封扣押处理决定·处理结果为没收：应当先从本案立案") and "第27条" in b.message
    assert "Art. 27" in b.message_en
    # a link the other way round (this case opened from another), or of another kind, is not the penalty case
    for links in ([{"kind": "confiscation", "outgoing": False, "case_id": 7}],
                  [{"kind": "related", "outgoing": True, "case_id": 7}]):
        assert len(breaches("confiscated_in_linked_case", record("chuli", {"jieguo": "moshou"}, links=links))) == 1
    opened = [{"kind": "confiscation", "outgoing": True, "case_id": 7}]
    assert breaches("confiscated_in_linked_case", record("chuli", {"jieguo": "moshou"}, links=opened)) == []
    assert breaches("confiscated_in_linked_case", record("chuli", {"jieguo": "jiechu"})) == []  # released
    assert breaches("confiscated_in_linked_case", record("chuli", {"jieguo": "moshou"}, links=opened),
                    link="referral") != []  # the binding names the kind of link
    # the links are read only when a rule asks
    asked = []
    rec = record("chuli", {"jieguo": "jiechu"}, links=lambda: asked.append(1) or [])
    assert breaches("confiscated_in_linked_case", rec) == [] and asked == []


def test_an_act_date_under_a_condition_dates_the_act_only_where_the_steps_record_meets_it():
    rules = {"act_dates": {"zhixing": [{"field": "jiaokuan_ri", "when": {"field": "zhixing.qingkuang",
                                                                         "in": ["anqi", "yuqi"]}}]}}
    paid = {"qingkuang": "yuqi", "jiaokuan_ri": "2026-10-19"}
    assert bindings.act_date(rules, "zhixing", paid) == date(2026, 10, 19)
    # a demand with a payment date typed beside it: the demand is dated the day it is recorded
    assert bindings.act_date(rules, "zhixing", {**paid, "qingkuang": "cuigao"}) is None
    assert bindings.act_date(rules, "zhixing", {"jiaokuan_ri": "2026-10-19"}) is None


def test_an_overdue_alert_is_excused_by_the_first_declared_condition_that_holds():
    rules = {"overdue_alert_unless": {"zhixing": [{"field": "jueding.zhonglei", "excludes": "fine"},
                                                  {"field": "zhixing.qingkuang", "equals": "wuxu"}]}}
    fined = {"jueding": {"zhonglei": ["warning", "fine"]}}
    assert bindings.overdue_alert_excused(rules, "zhixing", {**fined, "zhixing": {}}) is None
    assert bindings.overdue_alert_excused(rules, "zhixing", {**fined, "zhixing": {"qingkuang": "wuxu"}}).ref == \
        "zhixing.qingkuang"
    assert bindings.overdue_alert_excused(rules, "zhixing", {"jueding": {"zhonglei": ["warning"]}}).ref == \
        "jueding.zhonglei"
    assert bindings.overdue_alert_excused(rules, "songda", {"jueding": {"zhonglei": ["warning"]}}) is None
    assert bindings.overdue_alert_excused(None, "zhixing", {}) is None


# -- coercive execution by the agency itself (行政强制法 Arts. 13, 37, 43) --------------------------------------
def test_the_agency_executes_itself_only_with_a_means_of_execution_in_its_powers_list():
    rec = record("zhixing", {"qingkuang": "qiangzhi"}, department="某局", powers=["fine", "freeze"])
    found = only("execution_power_held", rec)
    assert found.fields == ("zhixing.qingkuang",) and "人民法院" in found.message and "某局" in found.message
    assert breaches("execution_power_held", record("zhixing", {"qingkuang": "qiangzhi"}, powers=["auction"])) == []
    # AC 46(3): a department that may seal up or seize auctions what it seized
    assert breaches("execution_power_held", record("zhixing", {"qingkuang": "qiangzhi"}, powers=["seize"])) == []
    assert breaches("execution_power_held", record("zhixing", {"qingkuang": "fayuan"}, powers=[])) == []


def test_each_means_of_execution_decided_is_in_the_powers_list():
    rec = record("qzjueding", {"fangshi": ["transfer_deposit", "auction"]}, powers=["transfer_deposit"])
    found = only("execution_methods_within_powers", rec)
    assert "拍卖" in found.message and "划拨存款、汇款" in found.message  # what is outside, and what it holds
    ok = record("qzjueding", {"fangshi": ["transfer_deposit"]}, powers=["transfer_deposit"])
    assert breaches("execution_methods_within_powers", ok) == []
    seized = record("qzjueding", {"fangshi": ["auction", "transfer_deposit"]}, powers=["seal"])  # AC 46(3)
    assert "划拨" in only("execution_methods_within_powers", seized).message


@pytest.mark.parametrize("decided, immediate, refused", [
    ("2026-10-16", None, True),    # served 09-28: ten working days (the holiday not counted, 10-10 counted) end 10-16
    ("2026-10-17", None, False),   # the day after
    ("2026-10-08", True, False),   # at once on recorded evidence (AC 37(3))
    ("2026-10-08", False, True),
])
def test_the_execution_is_decided_only_after_the_demands_ten_working_days(decided, immediate, refused):
    data = {"ri": decided, **({"liji": immediate} if immediate is not None else {})}
    rec = record("qzjueding", data, earlier={"zhixing": {"cuigao_ri": "2026-09-28"}})
    found = breaches("decided_after_demand_period", rec)
    assert bool(found) is refused, found
    if refused:
        assert "2026-10-16" in found[0].message and found[0].fields == ("qzjueding.ri",)


@pytest.mark.parametrize("began, ended, codes", [
    ("2026-11-19T10:00:00+08:00", "2026-11-19T11:30:00+08:00", 0),   # a Thursday morning
    ("2026-11-19T22:00:00+08:00", None, 1),                          # 22:00 is night
    ("2026-11-19T05:59:00+08:00", None, 1),                          # before 06:00
    ("2026-11-19T06:00:00+08:00", None, 0),
    ("2026-11-19T20:00:00+08:00", "2026-11-19T22:10:00+08:00", 1),   # ran into the night
    ("2026-11-19T14:00:00Z", None, 1),                               # 22:00 in Beijing, given in UTC
    ("2026-10-03T10:00:00+08:00", None, 1),                          # National Day holiday
    ("2026-11-21T10:00:00+08:00", None, 1),                          # a Saturday
    ("2026-10-10T10:00:00+08:00", None, 0),                          # a Saturday made a working day
])
def test_no_execution_at_night_or_on_a_day_off(began, ended, codes):
    data = {"kaishi": began, **({"jieshu": ended} if ended else {})}
    assert len(breaches("executed_in_lawful_hours", record("qzshishi", data))) == codes


def test_an_emergency_recorded_with_its_reason_allows_execution_at_night():
    night = {"kaishi": "2026-11-19T23:00:00+08:00", "jinji": True}
    assert len(breaches("executed_in_lawful_hours", record("qzshishi", night))) == 1  # no reason, no emergency
    assert breaches("executed_in_lawful_hours", record("qzshishi", {**night, "liyou": "污染物持续排放"})) == []
