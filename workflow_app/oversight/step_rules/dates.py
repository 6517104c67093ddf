"""Step rules on dates: the legal order of the dated acts and no date in the future
(DATES_OUT_OF_ORDER, instalments included), the limitation period (LIMITATION_EXPIRED, APL 36) and
the decision on evidence preserved (EVIDENCE_PRESERVATION_LATE, APL 56)."""
from datetime import date

from ..calendar import working_days_after
from .record import Breach, CaseRecord

# -- DATES_OUT_OF_ORDER ----------------------------------------------------------------------------
# The legal order of the dated acts, as "earlier -> later" edges. Pairs are checked through the
# transitive closure, so a step that did not happen (no hearing) does not break the chain.
DATE_ORDER = [
    ("clue_intake.violation_date", "clue_intake.received_on"),
    ("clue_intake.violation_date", "clue_intake.violation_ended_on"),
    ("clue_intake.received_on", "investigation.preserved_on"),
    ("investigation.preserved_on", "investigation.preservation_decided_on"),
    ("clue_intake.received_on", "penalty_notice.served_on"),
    ("clue_intake.received_on", "investigation_report.reported_on"),
    ("investigation_report.reported_on", "penalty_notice.served_on"),
    ("investigation_report.reported_on", "no_penalty_decision.decided_on"),
    ("investigation_report.reported_on", "transfer_approval.decided_on"),
    ("transfer_approval.decided_on", "transfer.transferred_on"),
    ("transfer.transferred_on", "transfer_feedback.notified_on"),
    ("transfer.transferred_on", "service.served_on"),
    ("transfer_feedback.notified_on", "closing.closed_on"),
    ("clue_intake.received_on", "no_penalty_decision.decided_on"),
    ("penalty_notice.served_on", "statement_defence.answered_on"),
    ("penalty_notice.served_on", "hearing_notice.notice_served_on"),
    ("statement_defence.answered_on", "hearing_notice.notice_served_on"),
    ("hearing_notice.notice_served_on", "hearing_notice.hearing_date"),
    ("hearing_notice.hearing_date", "hearing_record.held_on"),
    ("hearing_record.held_on", "penalty_decision.decided_on"),
    ("penalty_notice.served_on", "collective_discussion.held_on"),
    ("collective_discussion.held_on", "penalty_decision.decided_on"),
    ("collective_discussion.held_on", "no_penalty_decision.decided_on"),
    ("penalty_notice.served_on", "penalty_decision.decided_on"),
    ("penalty_decision.decided_on", "service.served_on"),
    ("no_penalty_decision.decided_on", "service.served_on"),
    ("penalty_decision.decided_on", "disclosure.published_on"),
    ("penalty_decision.decided_on", "disclosure.decided_on"),
    ("service.served_on", "execution.paid_on"),
    ("service.served_on", "execution.demand_served_on"),
    ("execution.demand_served_on", "execution.court_applied_on"),
    ("execution.court_applied_on", "execution.court_result_on"),
    ("service.served_on", "payment_plan_application.applied_on"),
    ("payment_plan_application.applied_on", "payment_plan_approval.decided_on"),
    ("execution.court_result_on", "closing.closed_on"),
    ("service.served_on", "closing.closed_on"),
    ("execution.paid_on", "closing.closed_on"),
    ("disclosure.published_on", "closing.closed_on"),
    ("disclosure.decided_on", "closing.closed_on"),
    # The clock's steps (oversight/clock.py) and the withdrawal of a disclosure (APL 48(2)).
    ("clue_intake.received_on", "extension_request.requested_on"),
    ("extension_request.requested_on", "extension_approval.decided_on"),
    ("excluded_period.start_on", "excluded_period.end_on"),
    ("penalty_decision.decided_on", "disclosure_revocation.revoked_on"),
    ("disclosure.published_on", "disclosure_revocation.revoked_on"),
    ("disclosure_revocation.revoked_on", "disclosure_withdrawal.withdrawn_on"),
]
# Dates set for the future when recorded: the day the hearing will be held.
SCHEDULED = {"hearing_notice.hearing_date"}

DATE_LABELS = {
    "clue_intake.violation_date": "违法行为发生日期", "clue_intake.received_on": "收到线索日期",
    "clue_intake.violation_ended_on": "连续或继续状态终了日期",
    "investigation.preserved_on": "先行登记保存日期",
    "investigation.preservation_decided_on": "先行登记保存处理决定日期",
    "penalty_notice.served_on": "告知书送达日期", "statement_defence.answered_on": "陈述申辩日期",
    "hearing_notice.notice_served_on": "听证通知送达日期", "hearing_notice.hearing_date": "听证日期",
    "hearing_record.held_on": "听证举行日期", "collective_discussion.held_on": "集体讨论日期",
    "penalty_decision.decided_on": "处罚决定日期", "no_penalty_decision.decided_on": "不予处罚决定日期",
    "service.served_on": "决定书送达日期", "disclosure.published_on": "公示日期",
    "disclosure.decided_on": "不予公开决定日期",
    "execution.paid_on": "缴款日期", "execution.demand_served_on": "催告书送达日期",
    "execution.court_applied_on": "申请法院强制执行日期", "closing.closed_on": "结案日期",
    "investigation_report.reported_on": "调查终结报告日期", "transfer_approval.decided_on": "批准移送日期",
    "transfer.transferred_on": "移送日期", "transfer_feedback.notified_on": "立案或者不予立案通知送达日期",
    "execution.court_result_on": "法院裁定或者执行完毕日期", "payment_plan_application.applied_on": "暂缓或者分期缴纳申请日期",
    "payment_plan_approval.decided_on": "暂缓或者分期缴纳审批日期",
    "extension_request.requested_on": "延期申请日期", "extension_approval.decided_on": "延期审批日期",
    "excluded_period.start_on": "期间开始日期", "excluded_period.end_on": "期间结束日期",
    "disclosure_revocation.revoked_on": "决定被撤销等的日期", "disclosure_withdrawal.withdrawn_on": "撤回公示日期",
}


def _closure(edges: list[tuple[str, str]]) -> list[tuple[str, str]]:
    later: dict[str, set[str]] = {}
    for a, b in edges:
        later.setdefault(a, set()).add(b)
    pairs = []
    for start in later:
        seen, stack = set(), [start]
        while stack:
            for nxt in later.get(stack.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        pairs.extend((start, b) for b in sorted(seen))
    return sorted(pairs)


DATE_PAIRS = _closure(DATE_ORDER)
DATED_FORMS = frozenset(ref.split(".")[0] for pair in DATE_ORDER for ref in pair)


def _label(ref: str) -> str:
    return f"{DATE_LABELS.get(ref, ref)}（{ref}）"


def dates_in_order(record: CaseRecord) -> list[Breach]:
    breaches = []
    own = [ref for ref in sorted({r for pair in DATE_PAIRS for r in pair}) if ref.split(".")[0] == record.form_key]
    for ref in own:
        day = record.day(ref)
        if day is not None and day > record.today and ref not in SCHEDULED:
            breaches.append(Breach(
                (ref,), f"{_label(ref)}为{day}，晚于今天（{record.today}，北京时间），不得记录将来的日期",
                f"{ref} is {day}, after today ({record.today}, Beijing time): a date cannot be in the future"))
    for earlier, later in DATE_PAIRS:
        # The submitted dates against those the legal order puts before them. A later step already
        # on record belongs to an earlier round (e.g. before legal review returned the case) and
        # is done again after this one, so it is not held against it.
        if later.split(".")[0] != record.form_key:
            continue
        first, second = record.day(earlier), record.day(later)
        if first is None or second is None or first <= second:
            continue
        breaches.append(Breach(
            (later, earlier), f"{_label(later)}（{second}）早于{_label(earlier)}（{first}），不符合法定程序顺序",
            f"{later} ({second}) is before {earlier} ({first}): out of the legal order of the steps"))
    return breaches


def instalments_in_order(record: CaseRecord) -> list[Breach]:
    """Each instalment recorded as paid lies between the decision's service and today."""
    served = record.day("service.served_on")
    breaches = []
    for i, row in enumerate(record.data.get("instalments_paid") or []):
        day = date.fromisoformat(row["paid_on"])
        ref = f"execution.instalments_paid.{i}.paid_on"
        if day > record.today:
            breaches.append(Breach((ref,), f"第{i + 1}期缴款日期{day}晚于今天（{record.today}），不得记录将来的日期",
                                   f"instalment {i + 1} paid on {day}, after today ({record.today})"))
        elif served is not None and day < served:
            breaches.append(Breach((ref, "service.served_on"),
                                   f"第{i + 1}期缴款日期{day}早于决定书送达日期{served}，不符合法定程序顺序",
                                   f"instalment {i + 1} paid on {day}, before the decision was served on {served}"))
    return breaches


# -- LIMITATION_EXPIRED (APL 36) --------------------------------------------------------------------
def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def discovered_within_limitation(record: CaseRecord) -> list[Breach]:
    """Two years from the violation (five where life, health or financial safety was endangered
    with harmful consequences); for a continuing violation (连续或者继续状态) from the day it ended,
    and not at all while it goes on."""
    violated, received = record.day("clue_intake.violation_date"), record.day("clue_intake.received_on")
    if violated is None or received is None:
        return []
    start, start_ref = violated, "clue_intake.violation_date"
    if record.data.get("violation_continuing") is True:
        start, start_ref = record.day("clue_intake.violation_ended_on"), "clue_intake.violation_ended_on"
        if start is None:
            return []  # still going on when discovered: the period has not begun
    years = 5 if record.data.get("endangered_with_harm") is True else 2
    limit = _years_after(start, years)
    if received <= limit:
        return []
    what_zh = f"违法行为的连续或继续状态于{start}终了" if start_ref != "clue_intake.violation_date" \
        else f"违法行为发生于{start}"
    what_en = f"the continuing violation ended on {start}" if start_ref != "clue_intake.violation_date" \
        else f"the violation of {start}"
    return [Breach(
        ("clue_intake.received_on", start_ref),
        f"{what_zh}，{years}年内（至{limit}）未被发现，{received}发现的不再给予行政处罚",
        f"{what_en} was not discovered within {years} years (by {limit}); discovered on "
        f"{received}, it may no longer be penalized")]


# -- EVIDENCE_PRESERVATION_LATE (APL 56) -------------------------------------------------------------
PRESERVATION_WORKING_DAYS = 7


def preservation_decided_in_time(record: CaseRecord) -> list[Breach]:
    if record.data.get("preservation_applied") is not True:
        return []
    preserved, decided = record.day("investigation.preserved_on"), record.day("investigation.preservation_decided_on")
    missing = [ref for ref, day in (("investigation.preserved_on", preserved),
                                    ("investigation.preservation_decided_on", decided)) if day is None]
    if missing:
        return [Breach(
            tuple(missing), "采取先行登记保存的，应当记录保存日期及七个工作日内作出处理决定的日期",
            "evidence was preserved: the day it was preserved and the day of the decision on it (within 7 "
            f"working days) must be recorded ({', '.join(missing)} missing)")]
    limit = working_days_after(preserved, PRESERVATION_WORKING_DAYS)
    if decided <= limit:
        return []
    return [Breach(
        ("investigation.preservation_decided_on", "investigation.preserved_on"),
        f"证据于{preserved}先行登记保存，应在{PRESERVATION_WORKING_DAYS}个工作日内（至{limit}）作出处理决定，"
        f"{decided}作出已逾期",
        f"evidence preserved on {preserved} must be decided on within {PRESERVATION_WORKING_DAYS} working days "
        f"(by {limit}); the decision of {decided} is late")]
