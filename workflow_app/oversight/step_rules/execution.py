"""Rule kinds on executing the decision: payment in full or on an approved schedule
(`paid_in_full`: PAYMENT_INCOMPLETE; `schedule_covers_the_fine`: PAYMENT_SCHEDULE_MISMATCH; APL 66,
67), the late fee (`late_fee_within_fine`: LATE_FEE_ABOVE_FINE; `late_fee_as_computed`:
LATE_FEE_ABOVE_COMPUTED; `no_late_fee_within_deferral`:
LATE_FEE_IN_DEFERRAL; APL 66(2), 72), the court after a demand's period
(`court_applied_after_demand_period`: DEMAND_PERIOD_CUT, 行政强制法 Art. 54, 69), a payment recorded
as on time only within its 15 days (`paid_in_time_when_recorded_so`: PAID_LATE_RECORDED_ON_TIME,
APL 67, 72) and closing only once executed (`nothing_left_to_execute`: EXECUTION_UNFINISHED)."""
from datetime import date, datetime, time

from ...messages import Phrase
from ..bindings import NUMBER, TEXT, TEXTS, Param, RuleKind, register
from ..calendar import LOCAL_TZ, add_calendar_days, working_days_after
from .record import Breach, CaseRecord, date_field, form_of, list_field, number_field, rows_of, text_field

GROUP = Phrase("Payment and execution", "缴纳与执行")


def _approved(field: str) -> Param:
    return Param(TEXT, optional=True, default="approve", enum_of=field,
                 doc=f"the choice of `{field}` that approves (default: approve)")


def _fen(amount) -> int:
    return round(float(amount) * 100)


def _day(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


# -- LATE_FEE_ABOVE_FINE (APL 72), PAYMENT_INCOMPLETE (APL 66, 67) ------------------------------------
def late_fee_within_fine(record: CaseRecord, params: dict) -> list[Breach]:
    fee, fine = record.get(params["late_fee"]), record.get(params["fine"])
    if not isinstance(fee, int | float) or not isinstance(fine, int | float) or fee <= fine:
        return []
    (fee_zh, fee_en), (fine_zh, fine_en) = record.label(params["late_fee"]), record.label(params["fine"])
    return [Breach(
        (params["late_fee"], params["fine"]),
        f"{fee_zh}{fee:g}元超出{fine_zh}{fine:g}元",
        f"{fee_en} ({fee:g} yuan) exceeds {fine_en} ({fine:g} yuan)")]


register(RuleKind(
    "late_fee_within_fine", "LATE_FEE_ABOVE_FINE", "《行政处罚法》第72条",
    {"late_fee": number_field("the late fee (加处罚款)"), "fine": number_field("the fine decided")},
    late_fee_within_fine,
    doc="The late fee does not exceed the fine.",
    title=Phrase("Late fee not above the fine", "加处罚款不超过罚款数额")))


# -- LATE_FEE_ABOVE_COMPUTED (APL 67(3), 72; 行政强制法 Art. 42) ----------------------------------------
def late_fee_as_computed(record: CaseRecord, params: dict) -> list[Breach]:
    """The late fee recorded is at most what the law runs to the day of payment (oversight/late_fee.py:
    3 % of the fine a day from the day after the 15 days, never above the fine). Less is allowed:
    an enforcement agreement may reduce or waive it (行政强制法 Art. 42(1)). Not computed while an
    approved deferral or instalment plan stands (its own rule)."""
    from ..late_fee import late_fee

    fee, fine = record.get(params["late_fee"]), record.get(params["fine"])
    served = record.day(params["served_on"])
    counted_to = record.day(params["paid_on"]) or record.today
    if not isinstance(fee, int | float) or isinstance(fee, bool) or fee <= 0:
        return []
    computed = late_fee(fine, served, counted_to, plan_approved=_plan_approved(record, params))
    if computed is None or _fen(fee) <= round(computed.amount * 100):
        return []
    (fee_zh, fee_en) = record.label(params["late_fee"])
    return [Breach(
        (params["late_fee"],),
        f"{fee_zh}{fee:g}元超出依法计算的数额{computed.yuan:g}元（自{computed.first_day.isoformat()}起"
        f"至{counted_to.isoformat()}共{computed.days}日，每日按罚款数额的百分之三，不超出罚款数额）",
        f"{fee_en} ({fee:g} yuan) exceeds the {computed.yuan:g} yuan the law runs ({computed.days} day(s) from "
        f"{computed.first_day.isoformat()} to {counted_to.isoformat()}, 3% of the fine a day, at most the fine)")]


# -- PAID_LATE_RECORDED_ON_TIME (APL 67(3), 72) ------------------------------------------------------
def paid_in_time_when_recorded_so(record: CaseRecord, params: dict) -> list[Breach]:
    """APL 67(3): the fine is paid within 15 days of the decision's service; from the 16th day a
    late fee runs (APL 72). A payment recorded as made in time (the `on_time` outcome) must lie
    within those days (a period ending on a holiday ends on the next working day); later, it is
    paid late, and the late fee is the system's to count. An approved deferral or instalment plan
    sets other dates (its own rules)."""
    if record.get(params["outcome"]) != params["on_time"] or _plan_approved(record, params):
        return []
    served, paid = record.day(params["served_on"]), record.day(params["paid_on"])
    if served is None or paid is None:
        return []
    start = datetime.combine(served, time.min, tzinfo=LOCAL_TZ)
    last = add_calendar_days(start, params["days"]).at.astimezone(LOCAL_TZ).date()
    if paid <= last:
        return []
    (paid_zh, paid_en), (outcome_zh, outcome_en) = record.label(params["paid_on"]), record.label(params["outcome"])
    return [Breach(
        (params["outcome"], params["paid_on"]),
        f"{paid_zh}{paid}晚于缴纳期限的最后一日{last}（送达后{params['days']}日）：{outcome_zh}不能记为按期缴纳，"
        "应记为逾期缴纳并加处罚款",
        f"{paid_en} {paid} is after the last day to pay, {last} ({params['days']} days from service): {outcome_en} "
        "is not 'paid on time' but paid late, with the late fee")]


def _plan_approved(record: CaseRecord, params: dict) -> bool:
    """The head's approval of deferred or instalment payment (APL 66(2)) is on record."""
    return record.get(params["plan_decision"]) == params["plan_approved"]


PLAN_PARAMS = {
    "plan_decision": text_field("the head's decision on deferred or instalment payment"),
    "plan_approved": _approved("plan_decision"),
}


def paid_in_full(record: CaseRecord, params: dict) -> list[Breach]:
    """Paid in full only when the payments add up to the fine; instalments short of it only under
    an approved schedule (APL 66(2)), and then recorded as instalments, not as paid."""
    outcome, paid = record.get(params["outcome"]), record.get(params["amount_paid"])
    fine = record.get(params["fine"])
    instalments = [amount for _, amount in record.each(params["instalment_amounts"])]
    (paid_zh, paid_en), (outcome_zh, outcome_en) = record.label(params["amount_paid"]), record.label(params["outcome"])
    breaches = []
    if instalments and paid is not None and _fen(sum(instalments)) != _fen(paid):
        total = sum(instalments)
        rows_zh, rows_en = record.label(rows_of(params["instalment_amounts"]))
        breaches.append(Breach(
            (rows_of(params["instalment_amounts"]), params["amount_paid"]),
            f"{rows_zh}合计{total:g}元，与{paid_zh}{paid:g}元不符",
            f"{rows_en} add up to {total:g} yuan, not the {paid:g} yuan of {paid_en}"))
    if outcome == params["instalment_outcome"] and not _plan_approved(record, params):
        breaches.append(Breach(
            (params["outcome"], params["plan_decision"]),
            f"未经行政机关批准分期缴纳，{outcome_zh}不得按分期记录部分缴纳",
            f"payment by instalments needs the agency's approval, and none is on record ({outcome_en})"))
    if outcome not in params["paid_outcomes"] or not isinstance(paid, int | float) \
            or not isinstance(fine, int | float):
        return breaches
    if _fen(paid) >= _fen(fine):  # the late fee (APL 72) is recorded on its own
        return breaches
    breaches.append(Breach(
        (params["amount_paid"], params["fine"]),
        f"{paid_zh}{paid:g}元少于应缴{fine:g}元，不得记为缴纳完毕；暂缓或者分期缴纳须经行政机关批准",
        f"{paid_en} ({paid:g} yuan) is less than the {fine:g} yuan due: it cannot be recorded as paid in full; "
        "deferred or instalment payment needs the agency's approval"))
    return breaches


register(RuleKind(
    "paid_in_full", "PAYMENT_INCOMPLETE", "《行政处罚法》第66条、第67条",
    {"outcome": text_field("the state of execution"),
     "paid_outcomes": Param(TEXTS, optional=True, default=["paid", "paid_late"], enum_of="outcome",
                            doc="the choices of `outcome` that record the fine paid in full (default: paid, "
                                "paid_late)"),
     "instalment_outcome": Param(TEXT, optional=True, default="instalment_paid", enum_of="outcome",
                                 doc="the choice of `outcome` that records instalments paid under a schedule "
                                     "(default: instalment_paid)"),
     "amount_paid": number_field("the total paid"),
     "instalment_amounts": number_field("the amount of each instalment paid, through its rows "
                                        "(`form.rows.*.amount`)"),
     "fine": number_field("the fine decided"),
     **PLAN_PARAMS},
    paid_in_full,
    doc="A fine is recorded as paid only when paid in full; instalments only under an approved schedule.",
    title=Phrase("Paid only when paid in full", "全额缴纳方记为已缴纳")))


# -- PAYMENT_SCHEDULE_MISMATCH, LATE_FEE_IN_DEFERRAL (APL 66(2), 72) ----------------------------------
def schedule_covers_the_fine(record: CaseRecord, params: dict) -> list[Breach]:
    """An approved schedule: instalments in date order, none before the approval, adding up to the
    fine, the period ending with the last one."""
    if record.get(params["plan_decision"]) != params["plan_approved"]:
        return []
    rows = rows_of(params["due_dates"])
    amounts = [amount for _, amount in record.each(params["due_amounts"])]
    fine = record.get(params["fine"])
    (rows_zh, rows_en), (fine_zh, fine_en) = record.label(rows), record.label(params["fine"])
    if not isinstance(fine, int | float):
        return [Breach((params["plan_decision"], params["fine"]),
                       f"本案未决定罚款（{fine_zh}），无可暂缓或者分期缴纳的罚款",
                       f"the decision imposes no fine ({fine_en}): there is nothing to defer or pay by instalments")]
    breaches = []
    total = sum(amounts)
    if _fen(total) != _fen(fine):
        breaches.append(Breach(
            (rows, params["fine"]),
            f"{rows_zh}合计{total:g}元，与{fine_zh}{fine:g}元不符",
            f"{rows_en} add up to {total:g} yuan, not to {fine_en} ({fine:g} yuan)"))
    days = [d for d in (_day(v) for _, v in record.each(params["due_dates"])) if d is not None]
    decided = record.day(params["decided"])
    if any(b <= a for a, b in zip(days, days[1:], strict=False)) or (decided and days and days[0] < decided):
        decided_zh, decided_en = record.label(params["decided"])
        breaches.append(Breach(
            (rows, params["decided"]),
            f"{rows_zh}的各期缴纳期限应晚于{decided_zh}并依次递增",
            f"the due dates of {rows_en} must follow {decided_en} and each other"))
    ends = record.day(params["period_ends"])
    if days and ends != days[-1]:
        ends_zh, ends_en = record.label(params["period_ends"])
        breaches.append(Breach(
            (params["period_ends"], rows),
            f"{ends_zh}应为最后一期的缴纳期限（{days[-1]}）",
            f"{ends_en} is the last instalment's due date ({days[-1]}), not {ends}"))
    return breaches


SCHEDULE_PARAMS = {
    "due_dates": date_field("the due date of each approved instalment, through its rows (`form.rows.*.date`)"),
    "due_amounts": number_field("the amount of each approved instalment (`form.rows.*.amount`)"),
}

register(RuleKind(
    "schedule_covers_the_fine", "PAYMENT_SCHEDULE_MISMATCH", "《行政处罚法》第66条第2款",
    {**PLAN_PARAMS, **SCHEDULE_PARAMS,
     "decided": date_field("the day of the approval"),
     "period_ends": date_field("the day the deferral or instalment period ends"),
     "fine": number_field("the fine decided")},
    schedule_covers_the_fine,
    doc="An approved schedule adds up to the fine, its instalments follow the approval and each other, and "
        "its period ends with the last one.",
    title=Phrase("Instalment schedule covers the fine", "分期缴纳计划与罚款相符")))


def paid_on_schedule(schedule: list[tuple[date, float]], payments: list[tuple[date, float]]) -> bool:
    """Every instalment paid by its due date: by each due date, the payments made so far cover
    the instalments due so far."""
    due_so_far = 0
    for due_on, amount in schedule:
        due_so_far += _fen(amount)
        if sum(_fen(paid) for day, paid in payments if day <= due_on) < due_so_far:
            return False
    return True


def _pairs(record: CaseRecord, dates_ref: str, amounts_ref: str) -> list[tuple[date, float]]:
    days = [_day(v) for _, v in record.each(dates_ref)]
    amounts = [v for _, v in record.each(amounts_ref)]
    return [(d, a) for d, a in zip(days, amounts, strict=False) if d is not None and isinstance(a, int | float)]


def no_late_fee_within_deferral(record: CaseRecord, params: dict) -> list[Breach]:
    fee = record.get(params["late_fee"])
    if not fee or not _plan_approved(record, params):
        return []
    payments = _pairs(record, params["paid_dates"], params["paid_amounts"])  # its instalments, else its one payment
    if not payments and record.day(params["paid_on"]) and isinstance(record.get(params["amount_paid"]), int | float):
        payments = [(record.day(params["paid_on"]), record.get(params["amount_paid"]))]
    if not paid_on_schedule(_pairs(record, params["due_dates"], params["due_amounts"]), payments):
        return []
    zh, en = record.label(params["late_fee"])
    return [Breach(
        (params["late_fee"], rows_of(params["due_dates"])),
        f"当事人已按批准的暂缓或者分期缴纳期限缴纳，期限内不得加处罚款（{zh}{fee:g}元）",
        f"the party paid within the approved deferral or instalment schedule: no late fee runs within it "
        f"({en}: {fee:g} yuan)")]


register(RuleKind(
    "no_late_fee_within_deferral", "LATE_FEE_IN_DEFERRAL", "《行政处罚法》第66条第2款、第72条",
    {"late_fee": number_field("the late fee (加处罚款)"), **PLAN_PARAMS, **SCHEDULE_PARAMS,
     "paid_dates": date_field("the date of each instalment paid (`form.rows.*.date`)"),
     "paid_amounts": number_field("the amount of each instalment paid (`form.rows.*.amount`)"),
     "paid_on": date_field("the day of a single payment (where no instalments are recorded)"),
     "amount_paid": number_field("the amount of a single payment")},
    no_late_fee_within_deferral,
    doc="No late fee runs while the approved deferral or instalments are paid on time.",
    title=Phrase("No late fee during a deferral", "暂缓或者分期期间不加处罚款")))


# -- EXECUTION_UNFINISHED (APL 66, 72; the case closes once the decision is executed) ------------------
def _needs_execution(kinds) -> bool:
    return any(k in (kinds or []) for k in ("fine", "confiscation"))


def nothing_left_to_execute(record: CaseRecord, params: dict) -> list[Breach]:
    if not record.recorded(form_of(params["decided_kinds"])):
        return []  # no penalty, or the case went to the judiciary: nothing to execute
    kinds = record.get(params["decided_kinds"])
    outcome = record.get(params["outcome"])
    outcome_zh, outcome_en = record.label(params["outcome"])
    if record.form_key == form_of(params["outcome"]):
        if outcome != params["not_applicable"] or not _needs_execution(kinds):
            return []
        kinds_zh, kinds_en = record.label(params["decided_kinds"])
        return [Breach(
            (params["outcome"], params["decided_kinds"]),
            f"{kinds_zh}包含罚款或者没收，须执行，{outcome_zh}不得记为无须执行",
            f"{kinds_en} includes a fine or confiscation: it must be executed, and {outcome_en} cannot say it "
            "needs no execution")]
    if not _needs_execution(kinds):
        return []
    if outcome in params["finished"] or (outcome == params["court"] and record.get(params.get("court_result"))):
        return []
    return [Breach(
        (params["closed"], params["outcome"]),
        f"处罚决定尚未执行完毕（{outcome_zh}：{outcome or '无'}），须缴清罚款、依法强制执行或者取得法院执行结果后方可结案",
        f"the decision is not executed yet ({outcome_en}: {outcome or 'none'}): the case closes once the fine is "
        "paid in full, coercive execution is done or the court's result is recorded")]


register(RuleKind(
    "nothing_left_to_execute", "EXECUTION_UNFINISHED", "《行政处罚法》第66条、第72条；《行政强制法》第53条、第54条",
    {"decided_kinds": list_field("the penalty kinds decided (its form on record: a penalty was decided)"),
     "outcome": text_field("the state of execution"),
     "not_applicable": Param(TEXT, optional=True, default="not_applicable", enum_of="outcome",
                             doc="the choice of `outcome` that says no execution is needed (default: not_applicable)"),
     "finished": Param(TEXTS, optional=True, default=["paid", "paid_late", "coercive_execution"], enum_of="outcome",
                       doc="the choices of `outcome` that finish execution (default: paid, paid_late, "
                           "coercive_execution)"),
     "court": Param(TEXT, optional=True, default="court_enforcement", enum_of="outcome",
                    doc="the choice of `outcome` that applies to the court, finished once its result is recorded "
                        "(default: court_enforcement)"),
     "court_result": text_field("the court's result", optional=True),
     "closed": date_field("the closing date (the field a refusal of closing names)")},
    nothing_left_to_execute,
    doc="A fine or confiscation is not recorded as needing no execution, and the case closes only once it "
        "is executed. Bind it on the execution's form and the closing's.",
    title=Phrase("Nothing left to execute at closing", "执行完毕方可结案")))


# -- DEMAND_PERIOD_CUT (行政强制法 Art. 54, 69) -------------------------------------------------------
def court_applied_after_demand_period(record: CaseRecord, params: dict) -> list[Breach]:
    demanded, applied = record.day(params["demand_served"]), record.day(params["court_applied"])
    if demanded is None or applied is None:
        return []
    days = int(params["working_days"])
    period_end = working_days_after(demanded, days)
    if applied > period_end:
        return []
    (applied_zh, applied_en), (demand_zh, demand_en) = record.label(params["court_applied"]), record.label(
        params["demand_served"])
    return [Breach(
        (params["court_applied"], params["demand_served"]),
        f"{demand_zh}为{demanded}，{days}个工作日至{period_end}届满后方可申请法院强制执行，"
        f"{applied_zh}不得为{applied}",
        f"{demand_en} is {demanded}; the court may be applied to only after its {days} working days end on "
        f"{period_end}: {applied_en} cannot be {applied}")]


# 行政强制法 Art. 54, 69: the court is applied to 10 working days after the demand at the earliest.
DEMAND_WORKING_DAYS = 10

register(RuleKind(
    "court_applied_after_demand_period", "DEMAND_PERIOD_CUT", "《行政强制法》第54条、第69条",
    {"demand_served": date_field("the day the demand (催告书) was served"),
     "court_applied": date_field("the day the court was applied to"),
     "working_days": Param(NUMBER, ("integer",), optional=True, default=DEMAND_WORKING_DAYS,
                           doc="working days after the demand (行政强制法 Art. 54, 69: 10)")},
    court_applied_after_demand_period,
    doc="The court is applied to only after the demand's period has run.",
    title=Phrase("Court applied to after the demand period", "催告期满后申请法院强制执行")))


register(RuleKind(
    "paid_in_time_when_recorded_so", "PAID_LATE_RECORDED_ON_TIME", "《行政处罚法》第67条第3款、第72条",
    {"outcome": text_field("the execution's outcome"),
     "on_time": Param(TEXT, optional=True, default="paid", enum_of="outcome",
                      doc="the outcome that records a payment in time (default: paid)"),
     "paid_on": date_field("the day the fine was paid"),
     "served_on": date_field("the day the decision was served"),
     "days": Param(NUMBER, ("integer",), optional=True, default=15, doc="the days to pay (APL 67(3): 15)"),
     **{name: Param(p.kind, p.types, p.format, True, p.doc, p.default, p.enum_of)
        for name, p in PLAN_PARAMS.items()}},
    paid_in_time_when_recorded_so,
    doc="A payment recorded as made in time lies within the days to pay after service.",
    title=Phrase("Payment recorded in time is within its period", "按期缴纳须在缴纳期限内")))


register(RuleKind(
    "late_fee_as_computed", "LATE_FEE_ABOVE_COMPUTED", "《行政处罚法》第67条第3款、第72条",
    {"late_fee": number_field("the late fee (加处罚款)"), "fine": number_field("the fine decided"),
     "served_on": date_field("the day the decision was served"),
     "paid_on": date_field("the day of payment (the fee is counted to it; else to today)", optional=True),
     **PLAN_PARAMS},
    late_fee_as_computed,
    doc="The late fee recorded is at most the system's: 3% of the fine a day after the 15 days, at most the fine.",
    title=Phrase("Late fee at most as computed", "加处罚款不超过应计数额")))
