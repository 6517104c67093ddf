"""Step rules on executing the decision: payment in full or on an approved schedule
(PAYMENT_INCOMPLETE, PAYMENT_SCHEDULE_MISMATCH, APL 66, 67), the late fee (LATE_FEE_ABOVE_FINE,
LATE_FEE_IN_DEFERRAL, APL 66(2), 72), the court after a demand's period (DEMAND_PERIOD_CUT, 行政强制法
Art. 54, 69) and closing only once executed (EXECUTION_UNFINISHED)."""
from datetime import date

from ..calendar import working_days_after
from .record import Breach, CaseRecord


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
