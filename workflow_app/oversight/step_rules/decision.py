"""Rule kinds on the decision and its review: the legal review agrees with its findings
(`review_agrees_with_findings`: LEGAL_REVIEW_INCONSISTENT, APL 58), the penalty is within the
department's powers (`within_powers`: PENALTY_OUTSIDE_POWERS, APL 9, 18), and a major case is
reviewed and discussed by the heads before it is decided (`legal_review_before_major_decision`:
LEGAL_REVIEW_SKIPPED, APL 58; `discussion_before_major_decision`: COLLECTIVE_DISCUSSION_SKIPPED,
APL 57(2)); and a fine decided outside its discretion benchmark's range is seen by the supervisor
(`fine_within_benchmark`: the alert FINE_OUTSIDE_BENCHMARK; the step is taken); and the decision
names the reconsideration body and the court of the department's settings
(`remedies_named_as_registered`: REMEDY_BODY_MISNAMED, APL 59(1)(6), 行政复议法 Art. 24, 行政诉讼法
Art. 18)."""
import re
import unicodedata

from ...messages import Phrase
from ..bindings import ALERT, FORM, TEXT, Param, RuleKind, register
from ..powers import PUBLIC_SECURITY_ONLY, kind_label
from .record import (
    Breach,
    CaseRecord,
    bool_field,
    date_field,
    form_of,
    kinds_fields,
    large_fine,
    list_field,
    number_field,
    text_field,
)

GROUP = Phrase("The decision and its review", "处罚决定与审核")


def _approved(field: str) -> Param:
    return Param(TEXT, optional=True, default="approve", enum_of=field,
                 doc=f"the choice of `{field}` that approves (default: approve)")


# -- LEGAL_REVIEW_INCONSISTENT (APL 58) -------------------------------------------------------------
def review_agrees_with_findings(record: CaseRecord, params: dict) -> list[Breach]:
    if record.get(params["outcome"]) != params["approved"]:
        return []
    failed = sorted(ref.rsplit(".", 1)[0] for ref, value in record.each(params["findings"])
                    if value == params["failed"])
    if not failed:
        return []
    titles = [record.title(ref) for ref in failed]
    return [Breach(
        (params["outcome"], *failed),
        f"审核事项“{'”“'.join(zh for zh, _ in titles)}”未通过，审核结论不得为同意",
        f"the review approves although checklist findings failed ({'; '.join(en for _, en in titles)})")]


register(RuleKind(
    "review_agrees_with_findings", "LEGAL_REVIEW_INCONSISTENT", "《行政处罚法》第58条",
    {"outcome": text_field("the review's conclusion"),
     "approved": _approved("outcome"),
     "findings": text_field("the result of each checklist item (`form.findings.*.result`)"),
     "failed": Param(TEXT, optional=True, default="fail", enum_of="findings",
                     doc="the result of an item that failed (default: fail)")},
    review_agrees_with_findings,
    doc="A review does not approve where one of its checklist findings failed.",
    title=Phrase("Legal review agrees with its findings", "法制审核结论与审核事项一致")))


# -- PENALTY_OUTSIDE_POWERS (APL 9, 18) ---------------------------------------------------------------
def within_powers(record: CaseRecord, params: dict) -> list[Breach]:
    breaches = []
    for ref in params["kinds"]:
        if form_of(ref) != record.form_key:
            continue
        outside = [k for k in record.get(ref) or [] if k not in record.powers]
        if not outside:
            continue
        zh, en = record.label(ref)
        labels = "、".join(kind_label(k) for k in outside)
        detention = "；行政拘留只能由公安机关决定（第18条第3款）" if set(outside) & PUBLIC_SECURITY_ONLY else ""
        breaches.append(Breach(
            (ref,),
            f"{zh}含{labels}：{record.department or '本部门'}的权责清单不包括{labels}，不得作出该处罚"
            f"（《行政处罚法》第9条、第18条）{detention}",
            f"{en}: {', '.join(outside)} is not in the powers list of {record.department or 'the department'}: "
            "it may not impose it (APL Art. 9, 18)" + ("; only public security detains (Art. 18(3))" if detention
                                                        else "")))
    return breaches


register(RuleKind(
    "within_powers", "PENALTY_OUTSIDE_POWERS", "《行政处罚法》第9条、第18条",
    {"kinds": kinds_fields("the penalty kinds proposed, notified or decided, one field per form it is bound on")},
    within_powers,
    doc="A penalty kind proposed, notified or decided is in the department's powers list (权责清单).",
    title=Phrase("Penalty within the department's powers", "处罚种类在职权清单内")))


# -- LEGAL_REVIEW_SKIPPED (APL 58), COLLECTIVE_DISCUSSION_SKIPPED (APL 57(2)) -------------------------
# What makes a penalty heavy enough for legal review and the heads' collective discussion: the
# kinds APL Art. 63 gives a hearing for (the BPMN's assess_review script routes on the same list;
# tests/unit/test_registers_vocabulary.py holds the two together) and a large fine or confiscation.
SEVERE_KINDS = ("suspend_licence", "lower_qualification", "revoke_licence", "restrict_activity",
                "suspend_production", "order_closure", "restrict_practice", "detention")

MAJOR_CASE_PARAMS = {
    "decided": date_field("the day of the decision (the field a refusal names first)"),
    "decided_kinds": list_field("the penalty kinds decided"),
    "decided_fine": number_field("the fine decided", optional=True),
    "decided_confiscation": number_field("the value confiscated", optional=True),
    "proposed_kinds": list_field("the penalty kinds proposed (the investigation report)", optional=True),
    "proposed_fine": number_field("the fine proposed", optional=True),
    "proposed_confiscation": number_field("the value proposed for confiscation", optional=True),
    "major": bool_field("the report finds the case major (重大)", optional=True),
    "complex": bool_field("the report finds the case complex (疑难复杂)", optional=True),
    "hearing_held": date_field("a field of the hearing's record: its form on record means a hearing was held "
                               "(APL 58(1)(二))", optional=True),
}


def _major_penalty(record: CaseRecord, kinds_ref, fine_ref, confiscation_ref) -> tuple[str, str] | None:
    threshold = large_fine(record.party_kind)
    fine, value = record.get(fine_ref), record.get(confiscation_ref)
    severe = [k for k in record.get(kinds_ref) or [] if k in SEVERE_KINDS]
    if severe:
        zh, en = record.label(kinds_ref)
        return f"{zh}含{'、'.join(kind_label(k) for k in severe)}", f"{en} includes {', '.join(severe)}"
    if isinstance(fine, int | float) and fine >= threshold:
        zh, en = record.label(fine_ref)
        return f"{zh}{fine:g}元达到较大数额（{threshold}元）", f"{en} of {fine:g} yuan reaches {threshold} yuan"
    if isinstance(value, int | float) and value >= threshold:
        zh, en = record.label(confiscation_ref)
        return f"{zh}{value:g}元达到较大数额（{threshold}元）", f"{en} of {value:g} yuan reaches {threshold} yuan"
    return None


def _why_major(record: CaseRecord, params: dict) -> list[tuple[str, str, str]]:
    """(field, zh, en) of each reason the case is major or complex, from the penalty decided as well
    as the one proposed and the investigation report's own assessment."""
    reasons = []
    decided = _major_penalty(record, params["decided_kinds"], params.get("decided_fine"),
                             params.get("decided_confiscation"))
    if decided:
        reasons.append((params["decided_kinds"], *decided))
    proposed = _major_penalty(record, params.get("proposed_kinds"), params.get("proposed_fine"),
                              params.get("proposed_confiscation"))
    if proposed:
        reasons.append((params["proposed_kinds"], *proposed))
    for name, zh, en in (("major", "认定情节重大", "finds the case major"),
                         ("complex", "认定案情疑难复杂、涉及多个法律关系", "finds the case complex, involving several "
                                                                          "legal relations")):
        if params.get(name) and record.get(params[name]) is True:
            form_zh, form_en = record.label(form_of(params[name]))
            reasons.append((params[name], f"{form_zh}{zh}", f"{form_en} {en}"))
    if params.get("hearing_held") and record.recorded(form_of(params["hearing_held"])):
        reasons.append((params["hearing_held"], "经过听证程序", "a hearing was held"))  # DOMAIN.md: a hearing held is major
    return reasons


def _major_decision_lacks(record: CaseRecord, params: dict, missing_zh: str, missing_en: str) -> list[Breach]:
    """The breach of deciding a major case without `missing` (a review, a discussion)."""
    reasons = _why_major(record, params)
    if not reasons:
        return []
    return [Breach(
        (params["decided"], *(r[0] for r in reasons)),
        f"{'；'.join(r[1] for r in reasons)}：{missing_zh}",
        f"{'; '.join(r[2] for r in reasons)}: {missing_en}")]


def legal_review_before_major_decision(record: CaseRecord, params: dict) -> list[Breach]:
    """APL Art. 58(1): a decision on a major or complex case (or after a hearing) needs an approved
    legal review first; evaluated on the penalty actually decided, not only the one proposed."""
    if record.get(params["review_outcome"]) == params["approved"]:
        return []
    return _major_decision_lacks(record, params, "作出决定前应当经法制审核并通过，本案没有通过的法制审核",
                                 "the decision needs an approved legal review first, and the case has none")


register(RuleKind(
    "legal_review_before_major_decision", "LEGAL_REVIEW_SKIPPED", "《行政处罚法》第58条",
    {**MAJOR_CASE_PARAMS, "review_outcome": text_field("the legal review's conclusion"),
     "approved": _approved("review_outcome")},
    legal_review_before_major_decision,
    doc="A major or complex case (on the penalty decided or proposed, or after a hearing) is decided only "
        "after an approved legal review.",
    title=Phrase("Legal review before a major decision", "重大案件决定前经法制审核")))


def discussion_before_major_decision(record: CaseRecord, params: dict) -> list[Breach]:
    """APL Art. 57(2): penalties for complex or serious violations are decided by the heads'
    collective discussion."""
    if record.recorded(params["discussion"]):
        return []
    return _major_decision_lacks(record, params, "应当由行政机关负责人集体讨论决定，本案没有集体讨论记录",
                                 "the heads must decide by collective discussion, and none is recorded")


register(RuleKind(
    "discussion_before_major_decision", "COLLECTIVE_DISCUSSION_SKIPPED", "《行政处罚法》第57条第2款",
    {**MAJOR_CASE_PARAMS, "discussion": Param(FORM, doc="the form of the heads' collective discussion")},
    discussion_before_major_decision,
    doc="A major or complex case is decided by the heads' collective discussion, on record before the decision.",
    title=Phrase("Collective discussion before a major decision", "重大案件经负责人集体讨论")))


# -- FINE_OUTSIDE_BENCHMARK (APL 34; 国办发〔2022〕27号: 行政裁量权基准) ------------------------------------------
def fits(tier_range: dict | None, fine) -> bool | None:
    """Whether `fine` is within a benchmark tier's range {"min_fine", "max_fine"}; None when there
    is nothing to compare (no tier, no amount). The rule kind below and the reviewer's sheet
    (services/cases/review_sheet.py) judge a fine by it."""
    if tier_range is None or isinstance(fine, bool) or not isinstance(fine, int | float):
        return None
    return tier_range["min_fine"] <= fine <= tier_range["max_fine"]


def fine_within_benchmark(record: CaseRecord, params: dict) -> list[Breach]:
    """A fine decided outside the range of the benchmark item and tier the case applies. The law
    lets the officer depart from a benchmark with reasons, so the step is taken and the supervisor
    alerted. Nothing to compare (no fine, no item or tier, one the register does not hold): no
    breach."""
    kinds = record.get(params.get("kinds")) if params.get("kinds") else None
    if params.get("kinds") and (not isinstance(kinds, list) or params["fined"] not in kinds):
        return []
    item, tier, fine = record.get(params["item"]), record.get(params["tier"]), record.get(params["fine"])
    if not (isinstance(item, str) and item and isinstance(tier, str) and tier):
        return []
    found = record.benchmark(item, tier)
    if fits(found, fine) is not False:
        return []
    low, high = f"{found['min_fine']:g}", f"{found['max_fine']:g}"
    zh, en = record.label(params["fine"])
    return [Breach(
        (params["fine"],),
        f"{zh}{fine:g}元不在裁量基准{item}“{tier}”档的幅度（{low}至{high}元）之内",
        f"{en} {fine:g} yuan is outside the range of benchmark {item}, tier {tier} ({low} to {high} yuan)",
        {"item": item, "tier": tier, "fine": fine, "min_fine": found["min_fine"], "max_fine": found["max_fine"]})]


register(RuleKind(
    "fine_within_benchmark", "FINE_OUTSIDE_BENCHMARK", "《行政处罚法》第34条；国办发〔2022〕27号",
    {"item": text_field("the benchmark item the case applies (its code in the register)"),
     "tier": text_field("the tier of the item the decision applies"),
     "fine": number_field("the fine decided"),
     "kinds": list_field("the penalty kinds decided; the rule applies only where they include a fine",
                         optional=True),
     "fined": Param(TEXT, optional=True, default="fine", enum_of="kinds",
                    doc="the choice of `kinds` that is a fine (default: fine)")},
    fine_within_benchmark, effect=ALERT,
    doc="A fine decided outside its benchmark tier's range raises FINE_OUTSIDE_BENCHMARK for the supervisor; "
        "the step is taken.",
    title=Phrase("Fine within its benchmark", "罚款在裁量基准幅度内")))


# -- REMEDY_BODY_MISNAMED (APL 59(1)(6); 行政复议法 Art. 24; 行政诉讼法 Art. 18) --------------------------
_SPACE = re.compile(r"\s+")


def normalised_name(value) -> str:
    """A name as compared: full-width letters, digits and brackets as half-width (NFKC), without
    whitespace anywhere (清河区 人民法院 and 清河区人民法院 are one court)."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", value)) if isinstance(value, str) else ""


def _same_name(a, b) -> bool:
    return normalised_name(a) == normalised_name(b)


def remedies_named_as_registered(record: CaseRecord, params: dict) -> list[Breach]:
    """A decision tells the party where to apply for reconsideration and where to sue (APL
    59(1)(6)); the body and the court are those of the department's settings in the org register
    (the people's government at its own level unless the law names the department above, 行政复议法
    Art. 24; the court of the place of the organ, 行政诉讼法 Art. 18), never another. A setting the
    register does not know (None) is not checked."""
    breaches = []
    for ref, key, article, article_en in (
            (params["reconsideration_body"], "reconsideration_body", "《中华人民共和国行政复议法》第24条",
             "Administrative Reconsideration Law, Art. 24"),
            (params["court"], "court", "《中华人民共和国行政诉讼法》第18条", "Administrative Litigation Law, Art. 18")):
        if not ref or form_of(ref) != record.form_key:
            continue
        value, expected = record.get(ref), record.settings.get(key)
        if not isinstance(value, str) or not value.strip() or not expected or _same_name(value, expected):
            continue
        zh, en = record.label(ref)
        breaches.append(Breach(
            (ref,),
            f"{zh}应为{expected}（{article}，按本部门在组织登记中的设置），不得写为{value.strip()}",
            f"{en} must be {expected} ({article_en}, as the department's settings in the org register say), "
            f"not {value.strip()}"))
    return breaches


register(RuleKind(
    "remedies_named_as_registered", "REMEDY_BODY_MISNAMED",
    "《行政处罚法》第59条、《行政复议法》第24条、《行政诉讼法》第18条",
    {"reconsideration_body": text_field("the reconsideration body the decision names"),
     "court": text_field("the people's court the decision names", optional=True)},
    remedies_named_as_registered,
    doc="The decision names the reconsideration body and the court of the department's settings.",
    title=Phrase("Remedies named as registered", "复议机关和管辖法院载明正确")))
