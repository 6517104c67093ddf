"""The late fee of a case as the system counts it (oversight/late_fee.py), read from the record
through the procedure package's binding of `late_fee_as_computed` (its fine, service date, day
of payment and deferral approval), so no form name is assumed here: a procedure that binds no
such rule shows no late fee."""
from dataclasses import dataclass
from datetime import date

from ...models import Case
from ...oversight.late_fee import LateFee, late_fee
from ...wall_clock import local_today
from ..procedures.versions import procedure_info
from . import record as case_record

KIND = "late_fee_as_computed"


@dataclass(frozen=True)
class CaseLateFee:
    fee: LateFee
    fine: float
    paid: bool  # counted to the day of payment (else to today)


@dataclass(frozen=True)
class Basis:
    """What the late fee is counted on, as the case's record gives it through the binding."""

    fine: object  # as recorded: a number where a fine was decided
    served_on: date | None  # the day the decision was served
    paid_on: date | None  # the day of payment on record
    plan_approved: bool  # the head approved deferred or instalment payment (APL 66(2))


def basis(case: Case, forms: dict[str, dict] | None = None) -> Basis | None:
    """The record's fine, service date, day of payment and deferral approval, read through the
    package's binding of `late_fee_as_computed`; None for a procedure that binds no such rule.
    `forms`: the record as a document reads it (form key -> data), else the case's latest."""
    info = procedure_info(case.procedure_version)
    binding = next((b for b in info.bindings if b.kind.name == KIND), None)
    if binding is None:
        return None
    params = binding.kind.complete(binding.params)
    record = case_record.rule_record(None, case, {}, None, info.forms,
                                     earlier=(lambda: forms) if forms is not None else None)
    return Basis(record.get(params["fine"]), record.day(params["served_on"]), record.day(params.get("paid_on")),
                 record.get(params["plan_decision"]) == params["plan_approved"])


def of_case(case: Case, on: date | None = None) -> CaseLateFee | None:
    """The late fee the law runs on the case's fine, counted to the day of payment on record, else
    to `on` (today); None where no fine is decided and served, or an approved plan governs."""
    found = basis(case)
    if found is None:
        return None
    fee = late_fee(found.fine, found.served_on, found.paid_on or on or local_today(), plan_approved=found.plan_approved)
    return CaseLateFee(fee, float(found.fine), found.paid_on is not None) if fee is not None else None


def for_documents(case: Case, forms: dict[str, dict] | None = None) -> dict | None:
    """The basis a document's `|late_fee` counts on (engine/word_templates.py), as plain data: the
    fine, the service date and whether a plan was approved, on the record as the document reads it
    (`forms`, services/cases/documents.Source: a reprint counts as the first print did); None where no
    fine is decided and served."""
    found = basis(case, forms)
    fine = found.fine if found is not None else None
    if found is None or found.served_on is None or isinstance(fine, bool) or not isinstance(fine, int | float) \
            or fine <= 0:
        return None
    return {"fine": float(fine), "served_on": found.served_on.isoformat(), "plan_approved": found.plan_approved}


def as_json(found: CaseLateFee | None) -> dict | None:
    if found is None:
        return None
    fee = found.fee
    return {"amount": fee.yuan, "days": fee.days, "first_day": fee.first_day.isoformat(),
            "counted_to": fee.counted_to.isoformat(), "capped": fee.capped, "fine": found.fine,
            "to_payment": found.paid}
