"""Step rules on the form of single acts: the party is named by a valid number (PARTY_ID_INVALID,
APL 59), two officers investigate and record (SINGLE_OFFICER, APL 42, 55), electronic service has
the party's consent (ELECTRONIC_SERVICE_NO_CONSENT, APL 61), a disclosure publishes no personal
numbers (PERSONAL_INFO_DISCLOSED, APL 48) and a transfer of a suspected crime is copied to the
procuratorate (TRANSFER_NOT_COPIED, 国务院令第310号)."""
from ..identity import party_id_valid, personal_numbers
from .record import Breach, CaseRecord


# -- PARTY_ID_INVALID (APL 59) ----------------------------------------------------------------------
def party_id_checks(record: CaseRecord) -> list[Breach]:
    """The decision names the party by identity number or credit code (APL Art. 59): the number
    recorded at intake must be one, its check character included."""
    number = record.data.get("party_id_number")
    if not isinstance(number, str) or party_id_valid(number):
        return []
    return [Breach(
        ("clue_intake.party_id_number",),
        f"{number}不是有效的居民身份证号码或统一社会信用代码（校验位不符）",
        f"{number} is not a valid resident identity number or unified social credit code (its check "
        "character does not match)")]


# -- SINGLE_OFFICER (APL 42, 55) --------------------------------------------------------------------
def recorded_by_a_named_officer(record: CaseRecord) -> list[Breach]:
    """The form names the two (or more) officers who investigated (its schema requires two distinct
    ones); the person recording it must be one of them: an investigation recorded by someone else
    does not show that two officers did it in person."""
    officers = record.data.get("officers")
    if not isinstance(officers, list) or record.actor in officers:
        return []
    named = "、".join(str(o) for o in officers)
    return [Breach(
        ("investigation.officers",),
        f"调查取证应当由两名以上执法人员进行并由其记录；提交人{record.actor}不在列明的执法人员（{named}）之中",
        f"the investigation must be done and recorded by the two or more officers it names; {record.actor} "
        f"is not one of them ({', '.join(str(o) for o in officers)})")]


# -- ELECTRONIC_SERVICE_NO_CONSENT (APL 61) -----------------------------------------------------------
def electronic_service_consented(record: CaseRecord) -> list[Breach]:
    if record.data.get("method") != "electronic" or record.data.get("electronic_consent") is True:
        return []
    return [Breach(
        ("service.electronic_consent", "service.method"),
        "电子送达须经当事人书面同意并签订确认书；未记录当事人同意的，不得电子送达",
        "electronic service needs the party's written consent, and none is recorded")]


# -- PERSONAL_INFO_DISCLOSED (APL 48; 国办发〔2018〕118号) ---------------------------------------------
def no_personal_numbers_disclosed(record: CaseRecord) -> list[Breach]:
    """Refused, not masked: the officer sees what the public would have seen and words the text
    (a mask the system applies silently would publish a text nobody read)."""
    found = personal_numbers(record.data.get("public_text") or "")
    if not found:
        return []
    labels = {"id_number": ("身份证号码", "identity number"), "mobile": ("手机号码", "mobile phone number")}
    zh = "、".join(f"{labels[kind][0]}{masked}" for kind, masked in found)
    en = ", ".join(f"{labels[kind][1]} {masked}" for kind, masked in found)
    return [Breach(
        ("disclosure.public_text",),
        f"公示内容含有个人信息（{zh}），应当删除后再公开（《行政处罚法》第48条）",
        f"the public text contains personal information ({en}); remove it before publishing (APL Art. 48)")]


# -- TRANSFER_NOT_COPIED (国务院令第310号) --------------------------------------------------------------
def transfer_copied_to_procuratorate(record: CaseRecord) -> list[Breach]:
    if record.data.get("procuratorate_copied") is True:
        return []
    return [Breach(
        ("transfer.procuratorate_copied", "transfer.procuratorate"),
        "移送涉嫌犯罪案件，涉嫌犯罪案件移送书应当抄送同级人民检察院",
        "a transfer of a suspected crime is copied to the procuratorate at the same level, and this one is not")]
