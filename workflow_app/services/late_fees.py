"""The late fee of a case as the system counts it (oversight/late_fee.py), read from the record
through the procedure package's binding of `late_fee_as_computed` (its fine, service date, day
of payment and deferral approval), so no form name is assumed here: a procedure that binds no
such rule shows no late fee."""
from dataclasses import dataclass
from datetime import date

from ..models import Case
from ..oversight.late_fee import LateFee, late_fee
from ..wall_clock import local_today
from . import case_record
from .procedures import procedure_info

KIND = "late_fee_as_computed"


@dataclass(frozen=True)
class CaseLateFee:
    fee: LateFee
    fine: float
    paid: bool  # counted to the day of payment (else to today)


def of_case(case: Case, on: date | None = None) -> CaseLateFee | None:
    """The late fee the law runs on the case's fine, counted to the day of payment on record, else
    to `on` (today); None where no fine is decided and served, or an approved plan governs."""
    info = procedure_info(case.procedure_version)
    binding = next((b for b in info.bindings if b.kind.name == KIND), None)
    if binding is None:
        return None
    params = binding.kind.complete(binding.params)
    record = case_record.rule_record(None, case, {}, None, info.forms)
    fine, served, paid_on = record.get(params["fine"]), record.day(params["served_on"]), record.day(params.get("paid_on"))
    plan = record.get(params["plan_decision"]) == params["plan_approved"]
    fee = late_fee(fine, served, paid_on or on or local_today(), plan_approved=plan)
    return CaseLateFee(fee, float(fine), paid_on is not None) if fee is not None else None


def as_json(found: CaseLateFee | None) -> dict | None:
    if found is None:
        return None
    fee = found.fee
    return {"amount": fee.yuan, "days": fee.days, "first_day": fee.first_day.isoformat(),
            "counted_to": fee.counted_to.isoformat(), "capped": fee.capped, "fine": found.fine,
            "to_payment": found.paid}
