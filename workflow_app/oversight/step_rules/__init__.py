"""Step rules: what the law forbids a step to record, checked before the step is taken.

Each rule is a small function over the case's record (`CaseRecord`: the latest data of every
completed form of the case by form key, the form being submitted, who acts and the Beijing
date), with a code, the article it enforces and a message in Chinese and English. A rule that
finds the step unlawful returns `Breach`es; services/cases.py refuses the step (422, the case
unchanged) and traces `step.refused`.

Rules run only on the forms they name (`StepRule.forms`), and the record of earlier steps is
read (one query) only when a rule that runs needs it, so a step no rule governs costs nothing.

Periods: APL Art. 85 makes the law's "三日、五日、七日" working days, so the defence window
(Art. 44-45, 64: 5 days) and the hearing notice (Art. 64: 7 days before the hearing) are
counted with the working-day calendar; so are the 10 days between a demand and the application
to the court (行政强制法 Art. 54, 69).
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from ..calendar import working_days_after
from ..identity import party_id_valid, personal_numbers
from ..powers import PUBLIC_SECURITY_ONLY, kind_label

DATES_OUT_OF_ORDER = "DATES_OUT_OF_ORDER"
HEAVIER_AFTER_DEFENCE = "HEAVIER_AFTER_DEFENCE"
DEFENCE_PERIOD_CUT = "DEFENCE_PERIOD_CUT"
HEARING_NOTICE_SHORT = "HEARING_NOTICE_SHORT"
HEARING_CHAIR_CONFLICT = "HEARING_CHAIR_CONFLICT"
LEGAL_REVIEW_INCONSISTENT = "LEGAL_REVIEW_INCONSISTENT"
LIMITATION_EXPIRED = "LIMITATION_EXPIRED"
HEARING_RIGHT_NOT_OFFERED = "HEARING_RIGHT_NOT_OFFERED"
LATE_FEE_ABOVE_FINE = "LATE_FEE_ABOVE_FINE"
PAYMENT_INCOMPLETE = "PAYMENT_INCOMPLETE"
DEMAND_PERIOD_CUT = "DEMAND_PERIOD_CUT"
EVIDENCE_PRESERVATION_LATE = "EVIDENCE_PRESERVATION_LATE"
SINGLE_OFFICER = "SINGLE_OFFICER"
ELECTRONIC_SERVICE_NO_CONSENT = "ELECTRONIC_SERVICE_NO_CONSENT"
PENALTY_OUTSIDE_POWERS = "PENALTY_OUTSIDE_POWERS"
LEGAL_REVIEW_SKIPPED = "LEGAL_REVIEW_SKIPPED"
COLLECTIVE_DISCUSSION_SKIPPED = "COLLECTIVE_DISCUSSION_SKIPPED"
PARTY_ID_INVALID = "PARTY_ID_INVALID"
PERSONAL_INFO_DISCLOSED = "PERSONAL_INFO_DISCLOSED"
EXECUTION_UNFINISHED = "EXECUTION_UNFINISHED"
TRANSFER_NOT_COPIED = "TRANSFER_NOT_COPIED"
PAYMENT_SCHEDULE_MISMATCH = "PAYMENT_SCHEDULE_MISMATCH"
LATE_FEE_IN_DEFERRAL = "LATE_FEE_IN_DEFERRAL"


@dataclass(frozen=True)
class CaseRecord:
    """What a rule sees: the form being submitted and the latest data of each completed form."""

    form_key: str
    data: dict
    actor: str
    today: date  # Beijing
    party_kind: str  # person or organization
    earlier: dict[str, dict] = field(default_factory=dict)
    department: str = ""  # the case's department, by name
    powers: frozenset[str] = frozenset()  # its powers list (权责清单): penalty kinds it may impose
    schema: dict = field(default_factory=dict)  # the submitted form's JSON Schema (its fields' titles)

    def titles(self, path: str, keys: Iterable[str]) -> tuple[list[str], list[str]]:
        """The Chinese and English titles of the fields `keys` of the submitted form's object field
        `path` (e.g. the checklist items of `findings`), each its key where the schema has none."""
        node = self.schema
        for part in path.split(".") if path else []:
            node = (node.get("properties") or {}).get(part) or {}
        props = node.get("properties") or {}
        zh = [(props.get(k) or {}).get("title") or k for k in keys]
        en = [(props.get(k) or {}).get("x-title-en") or k for k in keys]
        return zh, en

    def get(self, ref: str):
        """`penalty_notice.served_on`: the submitted form's value first, else the record's."""
        form, name = ref.split(".", 1)
        source = self.data if form == self.form_key else self.earlier.get(form, {})
        return source.get(name)

    def day(self, ref: str) -> date | None:
        value = self.get(ref)
        return date.fromisoformat(value) if isinstance(value, str) else None


@dataclass(frozen=True)
class Breach:
    fields: tuple[str, ...]  # form.field references, the submitted form's first
    message: str             # Chinese
    message_en: str


@dataclass(frozen=True)
class StepRule:
    code: str
    article: str
    forms: frozenset[str]
    check: Callable[[CaseRecord], Iterable[Breach]]
    needs_record: bool = True


# The date of each step's act, where its form records one: the day an officer's certificate must be
# valid on (UNCERTIFIED_OFFICER); a step without one is dated the day it is recorded.
STEP_DATES = {
    "clue_intake": "received_on", "penalty_notice": "served_on", "statement_defence": "answered_on",
    "hearing_notice": "notice_served_on", "hearing_record": "held_on", "collective_discussion": "held_on",
    "penalty_decision": "decided_on", "no_penalty_decision": "decided_on", "service": "served_on",
    "disclosure": ("published_on", "decided_on"), "execution": "paid_on", "closing": "closed_on",
}


def step_date(form_key: str | None, data: dict) -> date | None:
    names = STEP_DATES.get(form_key or "", ())
    for name in (names,) if isinstance(names, str) else names:
        value = data.get(name)
        try:
            if isinstance(value, str):
                return date.fromisoformat(value)
        except ValueError:
            return None
    return None


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


# -- HEARING_RIGHT_NOT_OFFERED (APL 63) ------------------------------------------------------------
# 较大数额罚款 (市场监督管理行政处罚听证办法 Art. 5): 10,000 yuan for a person, 100,000 for an
# organization; and the kinds APL 63 names (降低资质等级, 吊销许可证件, 责令停产停业, 责令关闭,
# 限制从业), with 限制开展生产经营活动 as one of its "其他较重的行政处罚".
LARGE_FINE = {"person": 10000, "organization": 100000}
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


# -- LATE_FEE_ABOVE_FINE (APL 72), PAYMENT_INCOMPLETE (APL 66, 67) ------------------------------------
def late_fee_within_fine(record: CaseRecord) -> list[Breach]:
    fee, fine = record.get("execution.late_fee"), record.get("penalty_decision.fine_amount")
    if fee is None or fine is None or fee <= fine:
        return []
    return [Breach(
        ("execution.late_fee", "penalty_decision.fine_amount"),
        f"加处罚款{fee:g}元超出罚款数额{fine:g}元",
        f"the late fee ({fee:g} yuan) exceeds the fine ({fine:g} yuan)")]


def approved_plan(record: CaseRecord) -> dict | None:
    """The head's approval of deferred or instalment payment (APL 66(2)), if one is on record."""
    plan = record.earlier.get("payment_plan_approval")
    return plan if plan and plan.get("plan_decision") == "approve" else None


def _fen(amount) -> int:
    return round(float(amount) * 100)


def _payments(data: dict) -> list[tuple[date, float]]:
    """The payments an execution record shows: its instalments, else its one payment."""
    rows = data.get("instalments_paid") or []
    if rows:
        return [(date.fromisoformat(r["paid_on"]), r["amount"]) for r in rows]
    if data.get("paid_on") and data.get("amount_paid") is not None:
        return [(date.fromisoformat(data["paid_on"]), data["amount_paid"])]
    return []


def paid_in_full(record: CaseRecord) -> list[Breach]:
    """Paid in full only when the payments add up to the fine; instalments short of it only under
    an approved schedule (APL 66(2)), and then recorded as instalments, not as paid."""
    outcome, paid = record.data.get("outcome"), record.data.get("amount_paid")
    fine = record.get("penalty_decision.fine_amount")
    instalments = record.data.get("instalments_paid") or []
    breaches = []
    if instalments and paid is not None and _fen(sum(r["amount"] for r in instalments)) != _fen(paid):
        total = sum(r["amount"] for r in instalments)
        breaches.append(Breach(
            ("execution.instalments_paid", "execution.amount_paid"),
            f"各期缴纳金额合计{total:g}元，与累计缴纳金额{paid:g}元不符",
            f"the instalments recorded add up to {total:g} yuan, not the {paid:g} yuan recorded as paid"))
    if outcome == "instalment_paid" and approved_plan(record) is None:
        breaches.append(Breach(
            ("execution.outcome", "payment_plan_approval.plan_decision"),
            "未经行政机关批准分期缴纳，不得按分期记录部分缴纳",
            "payment by instalments needs the agency's approval, and none is on record"))
    if outcome not in ("paid", "paid_late") or paid is None or fine is None:
        return breaches
    due = fine  # the late fee (APL 72) is recorded on its own
    if _fen(paid) >= _fen(due):
        return breaches
    breaches.append(Breach(
        ("execution.amount_paid", "penalty_decision.fine_amount"),
        f"实缴{paid:g}元少于应缴{due:g}元，不得记为缴纳完毕；暂缓或者分期缴纳须经行政机关批准",
        f"{paid:g} yuan paid is less than the {due:g} yuan due: it cannot be recorded as paid in full; deferred "
        "or instalment payment needs the agency's approval"))
    return breaches


# -- PAYMENT_SCHEDULE_MISMATCH, LATE_FEE_IN_DEFERRAL (APL 66(2), 72) ----------------------------------
def schedule_covers_the_fine(record: CaseRecord) -> list[Breach]:
    """An approved schedule: instalments in date order, none before the approval, adding up to the
    fine, the period ending with the last one."""
    if record.data.get("plan_decision") != "approve":
        return []
    rows = record.data.get("instalments") or []
    fine = record.get("penalty_decision.fine_amount")
    breaches = []
    if fine is None:
        return [Breach(("payment_plan_approval.plan_decision", "penalty_decision.fine_amount"),
                       "本案未决定罚款，无可暂缓或者分期缴纳的罚款",
                       "the decision imposes no fine: there is nothing to defer or pay by instalments")]
    total = sum(r["amount"] for r in rows)
    if _fen(total) != _fen(fine):
        breaches.append(Breach(
            ("payment_plan_approval.instalments", "penalty_decision.fine_amount"),
            f"批准的各期金额合计{total:g}元，与罚款数额{fine:g}元不符",
            f"the approved instalments add up to {total:g} yuan, not to the fine of {fine:g} yuan"))
    days = [date.fromisoformat(r["due_on"]) for r in rows]
    decided = record.day("payment_plan_approval.decided_on")
    if any(b <= a for a, b in zip(days, days[1:], strict=False)) or (decided and days and days[0] < decided):
        breaches.append(Breach(
            ("payment_plan_approval.instalments", "payment_plan_approval.decided_on"),
            "各期缴纳期限应晚于批准日期并依次递增",
            "the instalments' due dates must follow the approval and each other"))
    ends = record.day("payment_plan_approval.period_ends_on")
    if days and ends != days[-1]:
        breaches.append(Breach(
            ("payment_plan_approval.period_ends_on", "payment_plan_approval.instalments"),
            f"暂缓或者分期缴纳期限届满日应为最后一期的缴纳期限（{days[-1]}）",
            f"the period ends with the last instalment's due date ({days[-1]}), not on {ends}"))
    return breaches


def paid_on_schedule(schedule: list[dict], payments: list[tuple[date, float]]) -> bool:
    """Every instalment paid by its due date: by each due date, the payments made so far cover
    the instalments due so far."""
    due_so_far = 0
    for row in schedule:
        due_on = date.fromisoformat(row["due_on"])
        due_so_far += _fen(row["amount"])
        if sum(_fen(amount) for day, amount in payments if day <= due_on) < due_so_far:
            return False
    return True


def no_late_fee_within_deferral(record: CaseRecord) -> list[Breach]:
    fee, plan = record.data.get("late_fee"), approved_plan(record)
    if not fee or plan is None:
        return []
    if not paid_on_schedule(plan.get("instalments") or [], _payments(record.data)):
        return []
    return [Breach(
        ("execution.late_fee", "payment_plan_approval.instalments"),
        f"当事人已按批准的暂缓或者分期缴纳期限缴纳，期限内不得加处罚款（加处{fee:g}元）",
        f"the party paid within the approved deferral or instalment schedule: no late fee runs within it "
        f"({fee:g} yuan recorded)")]


# -- EXECUTION_UNFINISHED (APL 66, 72; the case closes once the decision is executed) ------------------
FINISHED_OUTCOMES = ("paid", "paid_late", "coercive_execution")


def _needs_execution(decision: dict) -> bool:
    return any(k in (decision.get("penalty_kinds") or []) for k in ("fine", "confiscation"))


def execution_finished(execution: dict | None, decision: dict) -> bool:
    if not _needs_execution(decision):
        return True
    if not execution:
        return False
    outcome = execution.get("outcome")
    return outcome in FINISHED_OUTCOMES or (outcome == "court_enforcement" and bool(execution.get("court_outcome")))


def nothing_left_to_execute(record: CaseRecord) -> list[Breach]:
    decision = record.earlier.get("penalty_decision")
    if not decision:
        return []  # no penalty, or the case went to the judiciary: nothing to execute
    if record.form_key == "execution":
        if record.data.get("outcome") != "not_applicable" or not _needs_execution(decision):
            return []
        return [Breach(
            ("execution.outcome", "penalty_decision.penalty_kinds"),
            "处罚决定包含罚款或者没收，须执行，不得记为无须执行",
            "the decision imposes a fine or confiscation: it must be executed, not recorded as needing no execution")]
    execution = record.earlier.get("execution")
    if execution_finished(execution, decision):
        return []
    outcome = (execution or {}).get("outcome") or "none"
    return [Breach(
        ("closing.closed_on", "execution.outcome"),
        f"处罚决定尚未执行完毕（执行情况：{outcome}），须缴清罚款、依法强制执行或者取得法院执行结果后方可结案",
        f"the decision is not executed yet (execution: {outcome}): the case closes once the fine is paid in full, "
        "coercive execution is done or the court's result is recorded")]


# -- TRANSFER_NOT_COPIED (国务院令第310号) --------------------------------------------------------------
def transfer_copied_to_procuratorate(record: CaseRecord) -> list[Breach]:
    if record.data.get("procuratorate_copied") is True:
        return []
    return [Breach(
        ("transfer.procuratorate_copied", "transfer.procuratorate"),
        "移送涉嫌犯罪案件，涉嫌犯罪案件移送书应当抄送同级人民检察院",
        "a transfer of a suspected crime is copied to the procuratorate at the same level, and this one is not")]


# -- DEMAND_PERIOD_CUT (行政强制法 Art. 54, 69) -------------------------------------------------------
DEMAND_WORKING_DAYS = 10


def court_applied_after_demand_period(record: CaseRecord) -> list[Breach]:
    demanded, applied = record.day("execution.demand_served_on"), record.day("execution.court_applied_on")
    if demanded is None or applied is None:
        return []
    period_end = working_days_after(demanded, DEMAND_WORKING_DAYS)
    if applied > period_end:
        return []
    return [Breach(
        ("execution.court_applied_on", "execution.demand_served_on"),
        f"催告书于{demanded}送达，{DEMAND_WORKING_DAYS}个工作日至{period_end}届满后方可申请法院强制执行，"
        f"不得于{applied}申请",
        f"the demand was served on {demanded}; the court may be applied to only after its "
        f"{DEMAND_WORKING_DAYS} working days end on {period_end}, not on {applied}")]


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
# tests/unit/test_step_rules_registers.py holds the two together) and a large fine or confiscation.
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


RULES = [
    StepRule(DATES_OUT_OF_ORDER, "《行政处罚法》第44条、第57条、第61条、第64条", DATED_FORMS, dates_in_order),
    StepRule(DATES_OUT_OF_ORDER, "《行政处罚法》第61条、第66条、第67条", frozenset({"execution"}),
             instalments_in_order),
    StepRule(HEAVIER_AFTER_DEFENCE, "《行政处罚法》第45条", frozenset({"penalty_decision"}),
             not_heavier_than_notified),
    StepRule(DEFENCE_PERIOD_CUT, "《行政处罚法》第44条、第45条、第64条", frozenset({"penalty_decision"}),
             decision_after_defence_window),
    StepRule(DEFENCE_PERIOD_CUT, "《行政处罚法》第44条、第45条、第64条", frozenset({"statement_defence"}),
             hearing_request_not_waived, needs_record=False),
    StepRule(HEARING_NOTICE_SHORT, "《行政处罚法》第64条", frozenset({"hearing_notice"}),
             hearing_notified_in_time, needs_record=False),
    StepRule(HEARING_CHAIR_CONFLICT, "《行政处罚法》第64条", frozenset({"hearing_notice"}),
             chair_did_not_investigate),
    StepRule(LEGAL_REVIEW_INCONSISTENT, "《行政处罚法》第58条", frozenset({"legal_review"}),
             review_agrees_with_findings, needs_record=False),
    StepRule(LIMITATION_EXPIRED, "《行政处罚法》第36条", frozenset({"clue_intake"}),
             discovered_within_limitation, needs_record=False),
    StepRule(HEARING_RIGHT_NOT_OFFERED, "《行政处罚法》第63条", frozenset({"penalty_notice"}),
             hearing_offered_where_due, needs_record=False),
    StepRule(LATE_FEE_ABOVE_FINE, "《行政处罚法》第72条", frozenset({"execution"}), late_fee_within_fine),
    StepRule(PAYMENT_INCOMPLETE, "《行政处罚法》第66条、第67条", frozenset({"execution"}), paid_in_full),
    StepRule(DEMAND_PERIOD_CUT, "《行政强制法》第54条、第69条", frozenset({"execution"}),
             court_applied_after_demand_period, needs_record=False),
    StepRule(EVIDENCE_PRESERVATION_LATE, "《行政处罚法》第56条", frozenset({"investigation"}),
             preservation_decided_in_time, needs_record=False),
    StepRule(SINGLE_OFFICER, "《行政处罚法》第42条、第55条", frozenset({"investigation"}),
             recorded_by_a_named_officer, needs_record=False),
    StepRule(ELECTRONIC_SERVICE_NO_CONSENT, "《行政处罚法》第61条", frozenset({"service"}),
             electronic_service_consented, needs_record=False),
    StepRule(PARTY_ID_INVALID, "《行政处罚法》第59条", frozenset({"clue_intake"}), party_id_checks,
             needs_record=False),
    StepRule(PENALTY_OUTSIDE_POWERS, "《行政处罚法》第9条、第18条", frozenset(PENALTY_KIND_FIELDS), within_powers,
             needs_record=False),
    StepRule(LEGAL_REVIEW_SKIPPED, "《行政处罚法》第58条", frozenset({"penalty_decision"}),
             legal_review_before_major_decision),
    StepRule(COLLECTIVE_DISCUSSION_SKIPPED, "《行政处罚法》第57条第2款", frozenset({"penalty_decision"}),
             discussion_before_major_decision),
    StepRule(PERSONAL_INFO_DISCLOSED, "《行政处罚法》第48条；国办发〔2018〕118号", frozenset({"disclosure"}),
             no_personal_numbers_disclosed, needs_record=False),
    StepRule(PAYMENT_SCHEDULE_MISMATCH, "《行政处罚法》第66条第2款", frozenset({"payment_plan_approval"}),
             schedule_covers_the_fine),
    StepRule(LATE_FEE_IN_DEFERRAL, "《行政处罚法》第66条第2款、第72条", frozenset({"execution"}),
             no_late_fee_within_deferral),
    StepRule(EXECUTION_UNFINISHED, "《行政处罚法》第66条、第72条；《行政强制法》第53条、第54条",
             frozenset({"execution", "closing"}), nothing_left_to_execute),
    StepRule(TRANSFER_NOT_COPIED, "《行政处罚法》第27条；《行政执法机关移送涉嫌犯罪案件的规定》第12条",
             frozenset({"transfer"}), transfer_copied_to_procuratorate, needs_record=False),
]


@dataclass(frozen=True)
class Refusal:
    rule: StepRule
    breaches: list[Breach]


def rules_for(form_key: str | None) -> list[StepRule]:
    return [rule for rule in RULES if form_key in rule.forms]


def check(form_key: str | None, data: dict, *, actor: str, today: date, party_kind: str,
          load_record: Callable[[], dict[str, dict]], department: str = "",
          powers: Iterable[str] = (), schema: dict | None = None) -> list[Refusal]:
    """Every rule that governs the form, over the case's record (read once, only if needed)."""
    rules = rules_for(form_key)
    if not rules:
        return []
    earlier = load_record() if any(rule.needs_record for rule in rules) else {}
    record = CaseRecord(form_key, data, actor, today, party_kind, earlier, department, frozenset(powers),
                        schema or {})
    refusals = []
    for rule in rules:
        breaches = list(rule.check(record))
        if breaches:
            refusals.append(Refusal(rule, breaches))
    return refusals
