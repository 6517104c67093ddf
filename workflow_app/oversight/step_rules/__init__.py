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

Where each family lives in this package:
- `record.py`: what a rule reads and returns (`CaseRecord`, `Breach`, `StepRule`, `Refusal`), the
  date of each step's act (`STEP_DATES`, `step_date`) and the large fine (`LARGE_FINE`);
- `dates.py`: the order of the dates and none in the future (DATES_OUT_OF_ORDER), the limitation
  period (LIMITATION_EXPIRED), the decision on evidence preserved (EVIDENCE_PRESERVATION_LATE);
- `hearing.py`: statement, defence and hearing (HEAVIER_AFTER_DEFENCE, DEFENCE_PERIOD_CUT,
  HEARING_NOTICE_SHORT, HEARING_CHAIR_CONFLICT, HEARING_RIGHT_NOT_OFFERED);
- `decision.py`: the decision and its review (LEGAL_REVIEW_INCONSISTENT, PENALTY_OUTSIDE_POWERS,
  LEGAL_REVIEW_SKIPPED, COLLECTIVE_DISCUSSION_SKIPPED);
- `formalities.py`: the form of single acts (PARTY_ID_INVALID, SINGLE_OFFICER,
  ELECTRONIC_SERVICE_NO_CONSENT, PERSONAL_INFO_DISCLOSED, TRANSFER_NOT_COPIED);
- `execution.py`: payment, late fee, the court and closing (LATE_FEE_ABOVE_FINE, PAYMENT_INCOMPLETE,
  PAYMENT_SCHEDULE_MISMATCH, LATE_FEE_IN_DEFERRAL, EXECUTION_UNFINISHED, DEMAND_PERIOD_CUT);
- here: the codes, the rules in the order they run (`RULES`) and `check`.
"""
from collections.abc import Callable, Iterable
from datetime import date

from . import dates, decision, execution, formalities, hearing

# Re-exported (`name as name`) for the code that reads them from here: services/cases.py, the tests.
from .decision import SEVERE_KINDS as SEVERE_KINDS
from .hearing import HEARING_KINDS as HEARING_KINDS
from .record import STEP_DATES as STEP_DATES
from .record import Breach as Breach
from .record import CaseRecord, Refusal, StepRule
from .record import step_date as step_date

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


RULES = [
    StepRule(DATES_OUT_OF_ORDER, "《行政处罚法》第44条、第57条、第61条、第64条", dates.DATED_FORMS,
             dates.dates_in_order),
    StepRule(DATES_OUT_OF_ORDER, "《行政处罚法》第61条、第66条、第67条", frozenset({"execution"}),
             dates.instalments_in_order),
    StepRule(HEAVIER_AFTER_DEFENCE, "《行政处罚法》第45条", frozenset({"penalty_decision"}),
             hearing.not_heavier_than_notified),
    StepRule(DEFENCE_PERIOD_CUT, "《行政处罚法》第44条、第45条、第64条", frozenset({"penalty_decision"}),
             hearing.decision_after_defence_window),
    StepRule(DEFENCE_PERIOD_CUT, "《行政处罚法》第44条、第45条、第64条", frozenset({"statement_defence"}),
             hearing.hearing_request_not_waived, needs_record=False),
    StepRule(HEARING_NOTICE_SHORT, "《行政处罚法》第64条", frozenset({"hearing_notice"}),
             hearing.hearing_notified_in_time, needs_record=False),
    StepRule(HEARING_CHAIR_CONFLICT, "《行政处罚法》第64条", frozenset({"hearing_notice"}),
             hearing.chair_did_not_investigate),
    StepRule(LEGAL_REVIEW_INCONSISTENT, "《行政处罚法》第58条", frozenset({"legal_review"}),
             decision.review_agrees_with_findings, needs_record=False),
    StepRule(LIMITATION_EXPIRED, "《行政处罚法》第36条", frozenset({"clue_intake"}),
             dates.discovered_within_limitation, needs_record=False),
    StepRule(HEARING_RIGHT_NOT_OFFERED, "《行政处罚法》第63条", frozenset({"penalty_notice"}),
             hearing.hearing_offered_where_due, needs_record=False),
    StepRule(LATE_FEE_ABOVE_FINE, "《行政处罚法》第72条", frozenset({"execution"}),
             execution.late_fee_within_fine),
    StepRule(PAYMENT_INCOMPLETE, "《行政处罚法》第66条、第67条", frozenset({"execution"}),
             execution.paid_in_full),
    StepRule(DEMAND_PERIOD_CUT, "《行政强制法》第54条、第69条", frozenset({"execution"}),
             execution.court_applied_after_demand_period, needs_record=False),
    StepRule(EVIDENCE_PRESERVATION_LATE, "《行政处罚法》第56条", frozenset({"investigation"}),
             dates.preservation_decided_in_time, needs_record=False),
    StepRule(SINGLE_OFFICER, "《行政处罚法》第42条、第55条", frozenset({"investigation"}),
             formalities.recorded_by_a_named_officer, needs_record=False),
    StepRule(ELECTRONIC_SERVICE_NO_CONSENT, "《行政处罚法》第61条", frozenset({"service"}),
             formalities.electronic_service_consented, needs_record=False),
    StepRule(PARTY_ID_INVALID, "《行政处罚法》第59条", frozenset({"clue_intake"}),
             formalities.party_id_checks, needs_record=False),
    StepRule(PENALTY_OUTSIDE_POWERS, "《行政处罚法》第9条、第18条", frozenset(decision.PENALTY_KIND_FIELDS),
             decision.within_powers, needs_record=False),
    StepRule(LEGAL_REVIEW_SKIPPED, "《行政处罚法》第58条", frozenset({"penalty_decision"}),
             decision.legal_review_before_major_decision),
    StepRule(COLLECTIVE_DISCUSSION_SKIPPED, "《行政处罚法》第57条第2款", frozenset({"penalty_decision"}),
             decision.discussion_before_major_decision),
    StepRule(PERSONAL_INFO_DISCLOSED, "《行政处罚法》第48条；国办发〔2018〕118号", frozenset({"disclosure"}),
             formalities.no_personal_numbers_disclosed, needs_record=False),
    StepRule(PAYMENT_SCHEDULE_MISMATCH, "《行政处罚法》第66条第2款", frozenset({"payment_plan_approval"}),
             execution.schedule_covers_the_fine),
    StepRule(LATE_FEE_IN_DEFERRAL, "《行政处罚法》第66条第2款、第72条", frozenset({"execution"}),
             execution.no_late_fee_within_deferral),
    StepRule(EXECUTION_UNFINISHED, "《行政处罚法》第66条、第72条；《行政强制法》第53条、第54条",
             frozenset({"execution", "closing"}), execution.nothing_left_to_execute),
    StepRule(TRANSFER_NOT_COPIED, "《行政处罚法》第27条；《行政执法机关移送涉嫌犯罪案件的规定》第12条",
             frozenset({"transfer"}), formalities.transfer_copied_to_procuratorate, needs_record=False),
]


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
