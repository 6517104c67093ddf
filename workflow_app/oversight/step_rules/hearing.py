"""Step rules on the party's say before the decision: its statement and defence (陈述、申辩) and
its hearing (听证) — HEAVIER_AFTER_DEFENCE, DEFENCE_PERIOD_CUT, HEARING_NOTICE_SHORT,
HEARING_CHAIR_CONFLICT, HEARING_RIGHT_NOT_OFFERED (APL 44, 45, 63, 64)."""
from datetime import date

from ..calendar import working_days_after
from .record import LARGE_FINE, Breach, CaseRecord


# -- HEAVIER_AFTER_DEFENCE (APL 45) -----------------------------------------------------------------
def not_heavier_than_notified(record: CaseRecord) -> list[Breach]:
    if "penalty_notice" not in record.earlier:
        return []  # a decision without a notice is NOTICE_SKIPPED's matter, not this rule's
    breaches = []
    fine, notified = record.get("penalty_decision.fine_amount"), record.get("penalty_notice.notified_fine")
    if fine is not None and notified is not None and fine > notified:
        breaches.append(Breach(
            ("penalty_decision.fine_amount", "penalty_notice.notified_fine"),
            f"决定罚款{fine:g}元高于告知的{notified:g}元：不得因当事人陈述、申辩而给予更重的处罚；"
            "变更处罚须重新告知（《行政处罚法》第44条）",
            f"the decided fine ({fine:g} yuan) is above the notified fine ({notified:g} yuan): a penalty may not "
            "be made heavier after the party's defence; a change needs a new notice (APL Art. 44)"))
    kinds = record.get("penalty_decision.penalty_kinds") or []
    notified_kinds = record.get("penalty_notice.notified_penalty_kinds")
    if notified_kinds is not None:
        added = [k for k in kinds if k not in notified_kinds]
        if added:
            breaches.append(Breach(
                ("penalty_decision.penalty_kinds", "penalty_notice.notified_penalty_kinds"),
                f"决定增加了告知书未载明的处罚种类（{'、'.join(added)}）：须重新告知（《行政处罚法》第44条）",
                f"the decision adds penalty kinds the notice did not name ({', '.join(added)}): "
                "a change needs a new notice (APL Art. 44)"))
    return breaches


# -- DEFENCE_PERIOD_CUT (APL 44, 45, 64) ------------------------------------------------------------
DEFENCE_WORKING_DAYS = 5


def defence_window_end(served_on: date) -> date:
    """The last day on which the party may still state, defend and request a hearing."""
    return working_days_after(served_on, DEFENCE_WORKING_DAYS)


def decision_after_defence_window(record: CaseRecord) -> list[Breach]:
    served, decided = record.day("penalty_notice.served_on"), record.day("penalty_decision.decided_on")
    if served is None or decided is None or record.get("statement_defence.waived") is True:
        return []
    window_end = defence_window_end(served)
    if decided > window_end:
        return []
    return [Breach(
        ("penalty_decision.decided_on", "penalty_notice.served_on"),
        f"告知书于{served}送达，当事人陈述、申辩及申请听证的{DEFENCE_WORKING_DAYS}个工作日至{window_end}届满；"
        f"{decided}作出决定剥夺了其权利，且当事人未书面放弃",
        f"the notice was served on {served}; the party's {DEFENCE_WORKING_DAYS} working days to state, defend "
        f"and request a hearing run until {window_end}; a decision on {decided} cuts them short, and the party "
        "did not waive them in writing")]


def hearing_request_not_waived(record: CaseRecord) -> list[Breach]:
    if record.data.get("hearing_requested") is True and record.data.get("waived") is True:
        return [Breach(
            ("statement_defence.waived", "statement_defence.hearing_requested"),
            "同一份记录既申请听证又放弃陈述、申辩和听证权利，前后矛盾",
            "the same record both requests a hearing and waives the right to one")]
    return []


# -- HEARING_NOTICE_SHORT, HEARING_CHAIR_CONFLICT (APL 64) ------------------------------------------
HEARING_NOTICE_WORKING_DAYS = 7


def hearing_notified_in_time(record: CaseRecord) -> list[Breach]:
    notified, held = record.day("hearing_notice.notice_served_on"), record.day("hearing_notice.hearing_date")
    if notified is None or held is None:
        return []
    earliest = working_days_after(notified, HEARING_NOTICE_WORKING_DAYS)
    if held >= earliest:
        return []
    return [Breach(
        ("hearing_notice.hearing_date", "hearing_notice.notice_served_on"),
        f"听证通知于{notified}送达，应在举行听证的{HEARING_NOTICE_WORKING_DAYS}个工作日前通知，"
        f"听证最早可于{earliest}举行，不得定于{held}",
        f"the hearing notice was served on {notified}; the party must be notified "
        f"{HEARING_NOTICE_WORKING_DAYS} working days before the hearing, so it can be held on {earliest} at "
        f"the earliest, not on {held}")]


def chair_did_not_investigate(record: CaseRecord) -> list[Breach]:
    chair = record.get("hearing_notice.presiding_officer")
    if chair is None or chair not in (record.get("investigation.officers") or []):
        return []
    return [Breach(
        ("hearing_notice.presiding_officer", "investigation.officers"),
        f"听证主持人{chair}是本案调查人员，听证应由非本案调查人员主持",
        f"the presiding officer {chair} investigated the case: a hearing is presided over by someone who did not")]


# -- HEARING_RIGHT_NOT_OFFERED (APL 63) ------------------------------------------------------------
# Due for a large fine (LARGE_FINE, record.py) and the kinds APL 63 names (降低资质等级, 吊销许可证件,
# 责令停产停业, 责令关闭, 限制从业), with 限制开展生产经营活动 as one of its "其他较重的行政处罚".
HEARING_KINDS = ("lower_qualification", "revoke_licence", "restrict_activity", "suspend_production",
                 "order_closure", "restrict_practice")


def hearing_offered_where_due(record: CaseRecord) -> list[Breach]:
    if record.data.get("hearing_offered") is not False:
        return []
    fine = record.data.get("notified_fine")
    threshold = LARGE_FINE.get(record.party_kind, LARGE_FINE["person"])
    reasons_zh, reasons_en = [], []
    if fine is not None and fine >= threshold:
        reasons_zh.append(f"拟罚款{fine:g}元达到较大数额（{threshold}元）")
        reasons_en.append(f"the proposed fine of {fine:g} yuan reaches the large amount ({threshold} yuan)")
    kinds = [k for k in record.data.get("notified_penalty_kinds") or [] if k in HEARING_KINDS]
    if kinds:
        reasons_zh.append(f"拟作出{'、'.join(kinds)}")
        reasons_en.append(f"the proposed penalty includes {', '.join(kinds)}")
    if not reasons_zh:
        return []
    return [Breach(
        ("penalty_notice.hearing_offered", "penalty_notice.notified_fine" if fine is not None and fine >= threshold
         else "penalty_notice.notified_penalty_kinds"),
        f"{'；'.join(reasons_zh)}，应当告知当事人有要求听证的权利",
        f"{'; '.join(reasons_en)}: the party must be told of the right to a hearing")]
