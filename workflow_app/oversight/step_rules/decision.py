"""Step rules on the decision and its review: the legal review agrees with its findings
(LEGAL_REVIEW_INCONSISTENT, APL 58), the penalty is within the department's powers
(PENALTY_OUTSIDE_POWERS, APL 9, 18), and a major case is reviewed and discussed by the heads before
it is decided (LEGAL_REVIEW_SKIPPED, APL 58; COLLECTIVE_DISCUSSION_SKIPPED, APL 57(2))."""
from ..powers import PUBLIC_SECURITY_ONLY, kind_label
from .record import LARGE_FINE, Breach, CaseRecord


# -- LEGAL_REVIEW_INCONSISTENT (APL 58) -------------------------------------------------------------
def review_agrees_with_findings(record: CaseRecord) -> list[Breach]:
    if record.data.get("review_outcome") != "approve":
        return []
    failed = sorted(k for k, v in (record.data.get("findings") or {}).items()
                    if isinstance(v, dict) and v.get("result") == "fail")
    if not failed:
        return []
    zh, en = record.titles("findings", failed)
    return [Breach(
        ("legal_review.review_outcome", *(f"legal_review.findings.{k}" for k in failed)),
        f"审核事项“{'”“'.join(zh)}”未通过，审核结论不得为同意",
        f"the review approves although checklist findings failed ({'; '.join(en)})")]


# -- PENALTY_OUTSIDE_POWERS (APL 9, 18) ---------------------------------------------------------------
PENALTY_KIND_FIELDS = {
    "investigation_report": "proposed_penalty_kinds",
    "penalty_notice": "notified_penalty_kinds",
    "penalty_decision": "penalty_kinds",
}


def within_powers(record: CaseRecord) -> list[Breach]:
    name = PENALTY_KIND_FIELDS[record.form_key]
    outside = [k for k in record.data.get(name) or [] if k not in record.powers]
    if not outside:
        return []
    labels = "、".join(kind_label(k) for k in outside)
    detention = "；行政拘留只能由公安机关决定（第18条第3款）" if set(outside) & PUBLIC_SECURITY_ONLY else ""
    return [Breach(
        (f"{record.form_key}.{name}",),
        f"{record.department or '本部门'}的权责清单不包括{labels}，不得作出该处罚（《行政处罚法》第9条、第18条）{detention}",
        f"{', '.join(outside)} is not in the powers list of {record.department or 'the department'}: it may not "
        "impose it (APL Art. 9, 18)" + ("; only public security detains (Art. 18(3))" if detention else ""))]


# -- LEGAL_REVIEW_SKIPPED (APL 58), COLLECTIVE_DISCUSSION_SKIPPED (APL 57(2)) -------------------------
# What makes a penalty heavy enough for legal review and the heads' collective discussion: the
# kinds APL Art. 63 gives a hearing for (the BPMN's assess_review script routes on the same list;
# tests/unit/test_registers_vocabulary.py holds the two together) and a large fine or confiscation.
SEVERE_KINDS = ("suspend_licence", "lower_qualification", "revoke_licence", "restrict_activity",
                "suspend_production", "order_closure", "restrict_practice", "detention")


def _major_penalty(record: CaseRecord, kinds_ref: str, fine_ref: str, confiscation_ref: str) -> tuple[str, str] | None:
    threshold = LARGE_FINE.get(record.party_kind, LARGE_FINE["person"])
    fine, value = record.get(fine_ref), record.get(confiscation_ref)
    severe = [k for k in record.get(kinds_ref) or [] if k in SEVERE_KINDS]
    if severe:
        return (f"处罚种类含{'、'.join(kind_label(k) for k in severe)}", f"the penalty includes {', '.join(severe)}")
    if isinstance(fine, (int, float)) and fine >= threshold:
        return (f"罚款{fine:g}元达到较大数额（{threshold}元）", f"the fine of {fine:g} yuan reaches {threshold} yuan")
    if isinstance(value, (int, float)) and value >= threshold:
        return (f"没收财物价值{value:g}元达到较大数额（{threshold}元）",
                f"the confiscation of {value:g} yuan reaches {threshold} yuan")
    return None


def _why_major(record: CaseRecord) -> list[tuple[str, str, str]]:
    """(field, zh, en) of each reason the case is major or complex, from the penalty decided as well
    as the one proposed and the investigation report's own assessment."""
    reasons = []
    decided = _major_penalty(record, "penalty_decision.penalty_kinds", "penalty_decision.fine_amount",
                             "penalty_decision.confiscation_value")
    if decided:
        reasons.append(("penalty_decision.penalty_kinds", f"决定的{decided[0]}", f"as decided, {decided[1]}"))
    proposed = _major_penalty(record, "investigation_report.proposed_penalty_kinds",
                              "investigation_report.proposed_fine", "investigation_report.confiscation_value")
    if proposed:
        reasons.append(("investigation_report.proposed_penalty_kinds", f"拟作出的{proposed[0]}",
                        f"as proposed, {proposed[1]}"))
    if record.get("investigation_report.major_case") is True:
        reasons.append(("investigation_report.major_case", "调查终结报告认定情节重大",
                        "the investigation report finds the case major"))
    if record.get("investigation_report.complex_case") is True:
        reasons.append(("investigation_report.complex_case", "案情疑难复杂、涉及多个法律关系",
                        "the case is complex, involving several legal relations"))
    if "hearing_record" in record.earlier:  # APL 58(1)(二); DOMAIN.md counts a hearing held as major
        reasons.append(("hearing_record.held_on", "经过听证程序", "a hearing was held"))
    return reasons


def _major_decision_lacks(record: CaseRecord, missing_zh: str, missing_en: str) -> list[Breach]:
    """The breach of deciding a major case without `missing` (a review, a discussion)."""
    reasons = _why_major(record)
    if not reasons:
        return []
    return [Breach(
        ("penalty_decision.decided_on", *(r[0] for r in reasons)),
        f"{'；'.join(r[1] for r in reasons)}：{missing_zh}",
        f"{'; '.join(r[2] for r in reasons)}: {missing_en}")]


def legal_review_before_major_decision(record: CaseRecord) -> list[Breach]:
    """APL Art. 58(1): a decision on a major or complex case (or after a hearing) needs an approved
    legal review first; evaluated on the penalty actually decided, not only the one proposed."""
    if record.get("legal_review.review_outcome") == "approve":
        return []
    return _major_decision_lacks(record, "作出决定前应当经法制审核并通过，本案没有通过的法制审核",
                                 "the decision needs an approved legal review first, and the case has none")


def discussion_before_major_decision(record: CaseRecord) -> list[Breach]:
    """APL Art. 57(2): penalties for complex or serious violations are decided by the heads'
    collective discussion."""
    if "collective_discussion" in record.earlier:
        return []
    return _major_decision_lacks(record, "应当由行政机关负责人集体讨论决定，本案没有集体讨论记录",
                                 "the heads must decide by collective discussion, and none is recorded")
