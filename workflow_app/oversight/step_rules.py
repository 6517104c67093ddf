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

from .calendar import working_days_after

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


@dataclass(frozen=True)
class CaseRecord:
    """What a rule sees: the form being submitted and the latest data of each completed form."""

    form_key: str
    data: dict
    actor: str
    today: date  # Beijing
    party_kind: str  # person or organization
    earlier: dict[str, dict] = field(default_factory=dict)

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


# -- DATES_OUT_OF_ORDER ----------------------------------------------------------------------------
# The legal order of the dated acts, as "earlier -> later" edges. Pairs are checked through the
# transitive closure, so a step that did not happen (no hearing) does not break the chain.
DATE_ORDER = [
    ("clue_intake.violation_date", "clue_intake.received_on"),
    ("clue_intake.received_on", "investigation.preserved_on"),
    ("investigation.preserved_on", "investigation.preservation_decided_on"),
    ("clue_intake.received_on", "penalty_notice.served_on"),
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
    ("service.served_on", "execution.paid_on"),
    ("service.served_on", "execution.demand_served_on"),
    ("execution.demand_served_on", "execution.court_applied_on"),
    ("service.served_on", "closing.closed_on"),
    ("execution.paid_on", "closing.closed_on"),
    ("disclosure.published_on", "closing.closed_on"),
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
    "investigation.preserved_on": "先行登记保存日期",
    "investigation.preservation_decided_on": "先行登记保存处理决定日期",
    "penalty_notice.served_on": "告知书送达日期", "statement_defence.answered_on": "陈述申辩日期",
    "hearing_notice.notice_served_on": "听证通知送达日期", "hearing_notice.hearing_date": "听证日期",
    "hearing_record.held_on": "听证举行日期", "collective_discussion.held_on": "集体讨论日期",
    "penalty_decision.decided_on": "处罚决定日期", "no_penalty_decision.decided_on": "不予处罚决定日期",
    "service.served_on": "决定书送达日期", "disclosure.published_on": "公示日期",
    "execution.paid_on": "缴款日期", "execution.demand_served_on": "催告书送达日期",
    "execution.court_applied_on": "申请法院强制执行日期", "closing.closed_on": "结案日期",
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
    return [Breach(
        ("legal_review.review_outcome", *(f"legal_review.findings.{k}" for k in failed)),
        f"审核事项{'、'.join(failed)}未通过，审核结论不得为同意",
        f"the review approves although checklist findings failed ({', '.join(failed)})")]


# -- LIMITATION_EXPIRED (APL 36) --------------------------------------------------------------------
def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def discovered_within_limitation(record: CaseRecord) -> list[Breach]:
    violated, received = record.day("clue_intake.violation_date"), record.day("clue_intake.received_on")
    if violated is None or received is None:
        return []
    years = 5 if record.data.get("endangered_with_harm") is True else 2
    limit = _years_after(violated, years)
    if received <= limit:
        return []
    return [Breach(
        ("clue_intake.received_on", "clue_intake.violation_date"),
        f"违法行为发生于{violated}，{years}年内（至{limit}）未被发现，{received}发现的不再给予行政处罚",
        f"the violation of {violated} was not discovered within {years} years (by {limit}); discovered on "
        f"{received}, it may no longer be penalized")]


# -- HEARING_RIGHT_NOT_OFFERED (APL 63) ------------------------------------------------------------
# 较大数额罚款 (市场监督管理行政处罚听证办法 Art. 5): 10,000 yuan for a person, 100,000 for an
# organization; and the kinds APL 63 names (吊销许可证件, 责令停产停业/责令关闭, 限制开展生产经营活动).
LARGE_FINE = {"person": 10000, "organization": 100000}
HEARING_KINDS = ("revoke_licence", "order_closure", "restrict_activity")


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


def paid_in_full(record: CaseRecord) -> list[Breach]:
    outcome, paid = record.data.get("outcome"), record.data.get("amount_paid")
    fine = record.get("penalty_decision.fine_amount")
    if outcome not in ("paid", "paid_late") or paid is None or fine is None:
        return []
    due = fine  # the late fee (APL 72) is recorded on its own
    if paid >= due:
        return []
    return [Breach(
        ("execution.amount_paid", "penalty_decision.fine_amount"),
        f"实缴{paid:g}元少于应缴{due:g}元，不得记为缴纳完毕；暂缓或者分期缴纳须经行政机关批准",
        f"{paid:g} yuan paid is less than the {due:g} yuan due: it cannot be recorded as paid in full; deferred "
        "or instalment payment needs the agency's approval")]


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


RULES = [
    StepRule(DATES_OUT_OF_ORDER, "《行政处罚法》第44条、第57条、第61条、第64条", DATED_FORMS, dates_in_order),
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
]


@dataclass(frozen=True)
class Refusal:
    rule: StepRule
    breaches: list[Breach]


def rules_for(form_key: str | None) -> list[StepRule]:
    return [rule for rule in RULES if form_key in rule.forms]


def check(form_key: str | None, data: dict, *, actor: str, today: date, party_kind: str,
          load_record: Callable[[], dict[str, dict]]) -> list[Refusal]:
    """Every rule that governs the form, over the case's record (read once, only if needed)."""
    rules = rules_for(form_key)
    if not rules:
        return []
    earlier = load_record() if any(rule.needs_record for rule in rules) else {}
    record = CaseRecord(form_key, data, actor, today, party_kind, earlier)
    refusals = []
    for rule in rules:
        breaches = list(rule.check(record))
        if breaches:
            refusals.append(Refusal(rule, breaches))
    return refusals
