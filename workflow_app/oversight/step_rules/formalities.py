"""Rule kinds on the form of single acts: the party is named by a valid number (`party_id_valid`:
PARTY_ID_INVALID, APL 59), two officers investigate and record (`recorded_by_named_officer`:
SINGLE_OFFICER, APL 42, 55), electronic service has the party's consent
(`electronic_service_consented`: ELECTRONIC_SERVICE_NO_CONSENT, APL 61), a disclosure publishes no
personal numbers (`no_personal_numbers_disclosed`: PERSONAL_INFO_DISCLOSED, APL 48) and a transfer
of a suspected crime is copied to the procuratorate (`transfer_copied_to_procuratorate`:
TRANSFER_NOT_COPIED, 国务院令第310号); a disclosure is withdrawn only where one was made
(`withdrawn_only_if_disclosed`: DISCLOSURE_NOT_MADE, APL 48(2), checked before the form is typed)."""
from ...messages import Phrase
from ..bindings import BEFORE_FORM, FORM, TEXT, Param, RuleKind, register
from ..identity import number_problem, party_id_valid, personal_numbers
from .record import Breach, CaseRecord, bool_field, date_field, list_field, text_field

GROUP = Phrase("Formalities of single acts", "执法行为的形式")


# -- PARTY_ID_INVALID (APL 59) ----------------------------------------------------------------------
def party_id_checks(record: CaseRecord, params: dict) -> list[Breach]:
    """The decision names the party by identity number or credit code (APL Art. 59): the number
    recorded must be one, its check character included."""
    number = record.get(params["id_number"])
    if not isinstance(number, str) or party_id_valid(number):
        return []
    zh, en = record.label(params["id_number"])
    return [Breach(
        (params["id_number"],),
        f"{zh}{number}不是有效的居民身份证号码或统一社会信用代码（校验位不符）",
        f"{en} {number} is not a valid resident identity number or unified social credit code (its check "
        "character does not match)")]


register(RuleKind(
    "party_id_valid", "PARTY_ID_INVALID", "《行政处罚法》第59条",
    {"id_number": text_field("the party's resident identity number or unified social credit code")},
    party_id_checks,
    doc="The party's number is a valid identity number or credit code, its check character included.",
    title=Phrase("Party's identity number valid", "当事人证件号码有效")))


# -- PARTY_NOT_IDENTIFIED (APL 44, 59) ----------------------------------------------------------------
def party_identified(record: CaseRecord, params: dict) -> list[Breach]:
    """告知 names the party to whom the penalty is proposed (APL 44) by the number the decision will
    carry (APL 59): a case opened on an anonymous tip reaches it only once its party is identified
    in the register with a valid number."""
    number = record.party_number
    if number is not None and number_problem(record.party_kind, number) is None:
        return []
    zh, en = record.label(params["notice"])
    if number is None:
        return [Breach(
            (params["notice"],),
            f"当事人尚未查明：{zh}前应当查明当事人，并以有效的身份证号码或统一社会信用代码登记（案件页面“查明当事人”）",
            f"the party is not identified: before the {en} the party must be identified and registered with a "
            "valid resident identity number or unified social credit code (\"Identify the party\" on the case page)")]
    return [Breach(
        (params["notice"],),
        f"当事人登记的号码{number}不是有效的身份证号码或统一社会信用代码，{zh}前应当更正",
        f"the party's registered number {number} is not a valid resident identity number or unified social credit "
        f"code: correct it before the {en}")]


register(RuleKind(
    "party_identified", "PARTY_NOT_IDENTIFIED", "《行政处罚法》第44条、第59条",
    {"notice": Param(FORM, doc="the form of the step that needs the party identified (the notice)")},
    party_identified,
    doc="The case's party is identified in the register with a valid number before the step (the notice).",
    title=Phrase("Party identified before the notice", "告知前当事人身份已登记")))


# -- SINGLE_OFFICER (APL 42, 55) --------------------------------------------------------------------
def recorded_by_named_officer(record: CaseRecord, params: dict) -> list[Breach]:
    """The form names the two (or more) officers who investigated (its schema requires two distinct
    ones); the person recording it must be one of them: an investigation recorded by someone else
    does not show that two officers did it in person."""
    officers = record.get(params["officers"])
    if not isinstance(officers, list) or record.actor in officers:
        return []
    zh, en = record.label(params["officers"])
    return [Breach(
        (params["officers"],),
        f"调查取证应当由两名以上执法人员进行并由其记录；提交人{record.actor}不在{zh}（{'、'.join(map(str, officers))}）之中",
        f"the investigation must be done and recorded by the two or more officers it names; {record.actor} "
        f"is not one of {en} ({', '.join(map(str, officers))})")]


register(RuleKind(
    "recorded_by_named_officer", "SINGLE_OFFICER", "《行政处罚法》第42条、第55条",
    {"officers": list_field("the officers who did the act (usernames)")},
    recorded_by_named_officer,
    doc="The act is recorded by one of the two or more officers who did it.",
    title=Phrase("Recorded by one of the officers who acted", "由实施行为的执法人员记录")))


# -- ELECTRONIC_SERVICE_NO_CONSENT (APL 61) -----------------------------------------------------------
def electronic_service_consented(record: CaseRecord, params: dict) -> list[Breach]:
    if record.get(params["method"]) != params["electronic"] or record.get(params["consent"]) is True:
        return []
    (consent_zh, consent_en), (method_zh, method_en) = record.label(params["consent"]), record.label(params["method"])
    return [Breach(
        (params["consent"], params["method"]),
        f"{method_zh}为电子送达，须经当事人书面同意并签订确认书；未记录{consent_zh}的，不得电子送达",
        f"{method_en} is electronic service, which needs the party's written consent, and none is recorded "
        f"({consent_en})")]


register(RuleKind(
    "electronic_service_consented", "ELECTRONIC_SERVICE_NO_CONSENT", "《行政处罚法》第61条",
    {"method": text_field("the method of service"),
     "electronic": Param(TEXT, optional=True, default="electronic", enum_of="method",
                         doc="the choice of `method` that is electronic service (default: electronic)"),
     "consent": bool_field("the party's written consent to electronic service")},
    electronic_service_consented,
    doc="A document is served electronically only with the party's written consent.",
    title=Phrase("Electronic service with the party's consent", "电子送达经当事人同意")))


# -- PERSONAL_INFO_DISCLOSED (APL 48; 国办发〔2018〕118号) ---------------------------------------------
def no_personal_numbers_disclosed(record: CaseRecord, params: dict) -> list[Breach]:
    """Refused, not masked: the officer sees what the public would have seen and words the text
    (a mask the system applies silently would publish a text nobody read)."""
    found = personal_numbers(record.get(params["text"]) or "")
    if not found:
        return []
    labels = {"id_number": ("身份证号码", "identity number"), "mobile": ("手机号码", "mobile phone number")}
    zh = "、".join(f"{labels[kind][0]}{masked}" for kind, masked in found)
    en = ", ".join(f"{labels[kind][1]} {masked}" for kind, masked in found)
    text_zh, text_en = record.label(params["text"])
    return [Breach(
        (params["text"],),
        f"{text_zh}含有个人信息（{zh}），应当删除后再公开（《行政处罚法》第48条）",
        f"{text_en} contains personal information ({en}); remove it before publishing (APL Art. 48)")]


register(RuleKind(
    "no_personal_numbers_disclosed", "PERSONAL_INFO_DISCLOSED", "《行政处罚法》第48条；国办发〔2018〕118号",
    {"text": text_field("the text to be published")},
    no_personal_numbers_disclosed,
    doc="A text for the public holds no identity or mobile phone number.",
    title=Phrase("No personal numbers disclosed", "公开内容不含个人号码")))


# -- TRANSFER_NOT_COPIED (国务院令第310号) --------------------------------------------------------------
def transfer_copied_to_procuratorate(record: CaseRecord, params: dict) -> list[Breach]:
    if record.get(params["copied"]) is True:
        return []
    zh, en = record.label(params["copied"])
    return [Breach(
        (params["copied"], *([params["procuratorate"]] if params.get("procuratorate") else [])),
        f"移送涉嫌犯罪案件，涉嫌犯罪案件移送书应当抄送同级人民检察院（{zh}）",
        f"a transfer of a suspected crime is copied to the procuratorate at the same level, and this one is not "
        f"({en})")]


register(RuleKind(
    "transfer_copied_to_procuratorate", "TRANSFER_NOT_COPIED",
    "《行政处罚法》第27条；《行政执法机关移送涉嫌犯罪案件的规定》第12条",
    {"copied": bool_field("the transfer letter was copied to the procuratorate"),
     "procuratorate": text_field("the procuratorate copied", optional=True)},
    transfer_copied_to_procuratorate,
    doc="A transfer of a suspected crime is copied to the procuratorate at the same level.",
    title=Phrase("Transfer copied to the procuratorate", "移送涉嫌犯罪案件抄送检察院")))


# -- DISCLOSURE_NOT_MADE (APL 48(2)) --------------------------------------------------------------------
def withdrawn_only_if_disclosed(record: CaseRecord, params: dict) -> list[Breach]:
    """APL Art. 48(2): a disclosed decision that is revoked is withdrawn from disclosure; a case
    whose decision was never disclosed has nothing to withdraw. It reads only the earlier record,
    so the case page says so before the request's form is typed."""
    if record.recorded(params["disclosure"]):
        return []
    return [Breach((params["revoked_on"],), "本案的处罚决定尚未公示，无须撤回公示",
                   "the case's decision has not been disclosed: there is no disclosure to withdraw")]


register(RuleKind(
    "withdrawn_only_if_disclosed", "DISCLOSURE_NOT_MADE", "《行政处罚法》第48条第2款",
    {"disclosure": Param(FORM, doc="the form of the disclosure step"),
     "revoked_on": date_field("the field of the request the refusal names (the day the decision was revoked)")},
    withdrawn_only_if_disclosed, effect=BEFORE_FORM,
    doc="The withdrawal of a disclosure is asked for only where the decision was disclosed.",
    title=Phrase("Disclosure withdrawn only if made", "已公开方可撤回公开")))
