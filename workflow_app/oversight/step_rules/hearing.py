"""Rule kinds on the party's say before the decision: its statement and defence (陈述、申辩) and
its hearing (听证) — `heavier_after_defence` (HEAVIER_AFTER_DEFENCE), `decision_after_defence_window`
and `hearing_request_not_waived` (DEFENCE_PERIOD_CUT), `hearing_notified_in_time`
(HEARING_NOTICE_SHORT), `hearing_chair_not_investigator` (HEARING_CHAIR_CONFLICT),
`hearing_offered_where_due` (HEARING_RIGHT_NOT_OFFERED), `decision_answers_the_party`
(PARTY_OPINIONS_UNANSWERED) (APL 44, 45, 62, 63, 64, 65).

Periods: APL Art. 85 makes the law's "三日、五日、七日" working days, so the defence window
(Art. 44-45, 64: 5 days) and the hearing notice (Art. 64: 7 days before the hearing) are counted
with the working-day calendar."""
from ...messages import Phrase
from ..bindings import NUMBER, TEXT, Param, RuleKind, register
from ..calendar import working_days_after
from .record import (
    Breach,
    CaseRecord,
    bool_field,
    date_field,
    form_of,
    large_fine,
    list_field,
    number_field,
    text_field,
)

GROUP = Phrase("Statement, defence and hearing", "陈述申辩与听证")


# -- HEAVIER_AFTER_DEFENCE (APL 45) -----------------------------------------------------------------
def heavier_after_defence(record: CaseRecord, params: dict) -> list[Breach]:
    if not record.recorded(form_of(params["notified_fine"])):
        return []  # a decision without a notice is NOTICE_SKIPPED's matter, not this rule's
    breaches = []
    fine, notified = record.get(params["decided_fine"]), record.get(params["notified_fine"])
    if isinstance(fine, int | float) and isinstance(notified, int | float) and fine > notified:
        (fine_zh, fine_en), (notified_zh, notified_en) = (record.label(params["decided_fine"]),
                                                          record.label(params["notified_fine"]))
        breaches.append(Breach(
            (params["decided_fine"], params["notified_fine"]),
            f"{fine_zh}{fine:g}元高于{notified_zh}{notified:g}元：不得因当事人陈述、申辩而给予更重的处罚；"
            "变更处罚须重新告知（《行政处罚法》第44条）",
            f"{fine_en} ({fine:g} yuan) is above {notified_en} ({notified:g} yuan): a penalty may not "
            "be made heavier after the party's defence; a change needs a new notice (APL Art. 44)"))
    kinds_ref, notified_ref = params.get("decided_kinds"), params.get("notified_kinds")
    kinds, notified_kinds = record.get(kinds_ref) or [], record.get(notified_ref)
    if kinds_ref and notified_ref and isinstance(notified_kinds, list):
        added = [k for k in kinds if k not in notified_kinds]
        if added:
            (kinds_zh, kinds_en), (notified_zh, notified_en) = record.label(kinds_ref), record.label(notified_ref)
            breaches.append(Breach(
                (kinds_ref, notified_ref),
                f"{kinds_zh}增加了{notified_zh}未载明的处罚种类（{'、'.join(added)}）：须重新告知（《行政处罚法》第44条）",
                f"{kinds_en} adds penalty kinds {notified_en} did not name ({', '.join(added)}): "
                "a change needs a new notice (APL Art. 44)"))
    return breaches


register(RuleKind(
    "heavier_after_defence", "HEAVIER_AFTER_DEFENCE", "《行政处罚法》第45条",
    {"decided_fine": number_field("the fine decided"),
     "notified_fine": number_field("the fine the notice proposed (its form on record: the notice was given)"),
     "decided_kinds": list_field("the penalty kinds decided", optional=True),
     "notified_kinds": list_field("the penalty kinds the notice proposed", optional=True)},
    heavier_after_defence,
    doc="The decision is not heavier than the notice: no higher fine, no kind the notice did not name.",
    title=Phrase("No heavier penalty after the defence", "不因陈述申辩加重处罚")))


# -- DEFENCE_PERIOD_CUT (APL 44, 45, 64) ------------------------------------------------------------
def decision_after_defence_window(record: CaseRecord, params: dict) -> list[Breach]:
    served, decided = record.day(params["notice_served"]), record.day(params["decided"])
    if served is None or decided is None or record.get(params.get("waived")) is True:
        return []
    days = int(params["working_days"])
    window_end = working_days_after(served, days)
    if decided > window_end:
        return []
    (decided_zh, decided_en), (served_zh, served_en) = record.label(params["decided"]), record.label(
        params["notice_served"])
    return [Breach(
        (params["decided"], params["notice_served"]),
        f"{served_zh}为{served}，当事人陈述、申辩及申请听证的{days}个工作日至{window_end}届满；"
        f"{decided_zh}为{decided}，剥夺了其权利，且当事人未书面放弃",
        f"{served_en} is {served}; the party's {days} working days to state, defend "
        f"and request a hearing run until {window_end}; {decided_en} {decided} cuts them short, and the party "
        "did not waive them in writing")]


register(RuleKind(
    "decision_after_defence_window", "DEFENCE_PERIOD_CUT", "《行政处罚法》第44条、第45条、第64条",
    {"notice_served": date_field("the day the notice was served"),
     "decided": date_field("the day of the decision"),
     "waived": bool_field("the party waived its rights in writing", optional=True),
     "working_days": Param(NUMBER, ("integer",), optional=True, default=5,
                           doc="working days to state, defend and request a hearing (APL 64: 5)")},
    decision_after_defence_window,
    doc="No decision before the party's window to state, defend and request a hearing has closed, "
        "unless it waived them in writing.",
    title=Phrase("Decision after the defence window", "陈述申辩期满后作出决定")))


def hearing_request_not_waived(record: CaseRecord, params: dict) -> list[Breach]:
    if record.get(params["requested"]) is True and record.get(params["waived"]) is True:
        (waived_zh, waived_en), (requested_zh, requested_en) = record.label(params["waived"]), record.label(
            params["requested"])
        return [Breach(
            (params["waived"], params["requested"]),
            f"同一份记录既选择“{requested_zh}”又选择“{waived_zh}”，前后矛盾",
            f"the same record both says “{requested_en}” and “{waived_en}”: it contradicts itself")]
    return []


register(RuleKind(
    "hearing_request_not_waived", "DEFENCE_PERIOD_CUT", "《行政处罚法》第44条、第45条、第64条",
    {"requested": bool_field("the party requested a hearing"),
     "waived": bool_field("the party waived its rights to statement, defence and hearing")},
    hearing_request_not_waived,
    doc="A record does not both request a hearing and waive it.",
    title=Phrase("Hearing request not also waived", "申请听证与放弃听证不矛盾")))


# -- HEARING_NOTICE_SHORT, HEARING_CHAIR_CONFLICT (APL 64) ------------------------------------------
def hearing_notified_in_time(record: CaseRecord, params: dict) -> list[Breach]:
    notified, held = record.day(params["notified"]), record.day(params["hearing"])
    if notified is None or held is None:
        return []
    days = int(params["working_days"])
    earliest = working_days_after(notified, days)
    if held >= earliest:
        return []
    (held_zh, held_en), (notified_zh, notified_en) = record.label(params["hearing"]), record.label(params["notified"])
    return [Breach(
        (params["hearing"], params["notified"]),
        f"{notified_zh}为{notified}，应在举行听证的{days}个工作日前通知，"
        f"听证最早可于{earliest}举行，{held_zh}不得定于{held}",
        f"{notified_en} is {notified}; the party must be notified {days} working days before the hearing, "
        f"so it can be held on {earliest} at the earliest: {held_en} cannot be {held}")]


# APL Art. 64: the party is notified 7 working days before the hearing.
HEARING_NOTICE_WORKING_DAYS = 7

register(RuleKind(
    "hearing_notified_in_time", "HEARING_NOTICE_SHORT", "《行政处罚法》第64条",
    {"notified": date_field("the day the hearing notice was served"),
     "hearing": date_field("the day of the hearing"),
     "working_days": Param(NUMBER, ("integer",), optional=True, default=HEARING_NOTICE_WORKING_DAYS,
                           doc="working days' notice before the hearing (APL 64: 7)")},
    hearing_notified_in_time,
    doc="The party is notified of the hearing the working days the law gives before it.",
    title=Phrase("Hearing notified in time", "按期通知听证")))


def hearing_chair_not_investigator(record: CaseRecord, params: dict) -> list[Breach]:
    chair = record.get(params["chair"])
    if chair is None or chair not in (record.get(params["investigators"]) or []):
        return []
    (chair_zh, chair_en), (inv_zh, inv_en) = record.label(params["chair"]), record.label(params["investigators"])
    return [Breach(
        (params["chair"], params["investigators"]),
        f"{chair_zh}{chair}是本案调查人员（{inv_zh}），听证应由非本案调查人员主持",
        f"{chair_en} {chair} investigated the case ({inv_en}): a hearing is presided over by someone who did not")]


register(RuleKind(
    "hearing_chair_not_investigator", "HEARING_CHAIR_CONFLICT", "《行政处罚法》第64条",
    {"chair": text_field("the presiding officer (a username)"),
     "investigators": list_field("the officers who investigated (usernames)")},
    hearing_chair_not_investigator,
    doc="The hearing is presided over by someone who did not investigate the case.",
    title=Phrase("Hearing chair not an investigator", "听证主持人不是调查人员")))


# -- HEARING_RIGHT_NOT_OFFERED (APL 63) ------------------------------------------------------------
# Due for a large fine (LARGE_FINE, record.py) and the kinds APL 63 names (降低资质等级, 吊销许可证件,
# 责令停产停业, 责令关闭, 限制从业), with 限制开展生产经营活动 as one of its "其他较重的行政处罚".
HEARING_KINDS = ("lower_qualification", "revoke_licence", "restrict_activity", "suspend_production",
                 "order_closure", "restrict_practice")


def hearing_offered_where_due(record: CaseRecord, params: dict) -> list[Breach]:
    if record.get(params["offered"]) is not False:
        return []
    fine = record.get(params["fine"])
    threshold = large_fine(record.party_kind)
    reasons_zh, reasons_en = [], []
    large = isinstance(fine, int | float) and fine >= threshold
    if large:
        reasons_zh.append(f"拟罚款{fine:g}元达到较大数额（{threshold}元）")
        reasons_en.append(f"the proposed fine of {fine:g} yuan reaches the large amount ({threshold} yuan)")
    kinds = [k for k in record.get(params["kinds"]) or [] if k in HEARING_KINDS]
    if kinds:
        reasons_zh.append(f"拟作出{'、'.join(kinds)}")
        reasons_en.append(f"the proposed penalty includes {', '.join(kinds)}")
    if not reasons_zh:
        return []
    zh, en = record.label(params["offered"])
    return [Breach(
        (params["offered"], params["fine"] if large else params["kinds"]),
        f"{'；'.join(reasons_zh)}，应当告知当事人有要求听证的权利（{zh}）",
        f"{'; '.join(reasons_en)}: the party must be told of the right to a hearing ({en})")]


register(RuleKind(
    "hearing_offered_where_due", "HEARING_RIGHT_NOT_OFFERED", "《行政处罚法》第63条",
    {"offered": bool_field("the notice told the party of the right to a hearing"),
     "fine": number_field("the fine proposed"),
     "kinds": list_field("the penalty kinds proposed")},
    hearing_offered_where_due,
    doc="A notice of a large fine or of a kind APL 63 names tells the party of the right to a hearing.",
    title=Phrase("Hearing right offered where due", "依法告知听证权利")))


# -- PARTY_OPINIONS_UNANSWERED (APL 45, 62, 65) ----------------------------------------------------
def decision_answers_the_party(record: CaseRecord, params: dict) -> list[Breach]:
    """APL 45: the agency hears the party's statement and defence and reviews them; APL 65: after a
    hearing it decides on the hearing's record; a decision that says the party made neither,
    while the record has a statement or a hearing the party attended, does not answer them."""
    if record.get(params["answer"]) != params["none_made"]:
        return []
    said = [ref for ref in (params["statement_made"], params.get("hearing_attended"))
            if ref and record.get(ref) is True]
    if not said:
        return []
    (answer_zh, answer_en) = record.label(params["answer"])
    said_zh = "、".join(f"“{record.label(ref)[0]}”" for ref in said)
    said_en = ", ".join(f"“{record.label(ref)[1]}”" for ref in said)
    return [Breach(
        (params["answer"], *said),
        f"记录表明{said_zh}，{answer_zh}不能选择当事人未提出意见：应当写明对当事人陈述、申辩和听证意见复核后是否采纳及理由",
        f"the record says {said_en}: {answer_en} cannot say the party made none; state whether the party's "
        "statement, defence and hearing opinions were adopted after review, and why")]


register(RuleKind(
    "decision_answers_the_party", "PARTY_OPINIONS_UNANSWERED", "《行政处罚法》第45条、第62条、第65条",
    {"answer": text_field("the decision's answer to the party's statement, defence and hearing opinions (a choice)"),
     "none_made": Param(TEXT, optional=True, default="none_made", enum_of="answer",
                        doc="the choice of `answer` that says the party made none (default: none_made)"),
     "statement_made": bool_field("the party made a statement or defence"),
     "hearing_attended": bool_field("the party attended its hearing", optional=True)},
    decision_answers_the_party,
    doc="A decision does not say the party made no statement, defence or hearing opinion where the record "
        "has one: it states whether they were adopted and why.",
    title=Phrase("Decision answers the party's opinions", "决定回应当事人意见")))
