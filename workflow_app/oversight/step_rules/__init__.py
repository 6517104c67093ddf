"""Step rules: the law's rule *kinds*, what it forbids a step to record, checked before the step
is taken. Importing this package registers every kind in `oversight.bindings.KINDS`.

Each kind is a pure function of the case's record and its parameters (`(record, params) ->
list[Breach]`), with a code, the article it enforces and a message in Chinese and English. It
reads every step and field through its parameters: a procedure package binds it to its own forms
and fields in `bpmn/<id>/rules.json` (oversight/bindings.py), so no rule is keyed by a form name
shared across procedures, and a procedure that binds no rule is governed by none. A kind that
finds the step unlawful returns `Breach`es; services/cases/lifecycle.py refuses the step (422, the case
unchanged) and traces `step.refused`.

Only the bindings on the submitted form run (`bindings.governing`), and the record of earlier
steps is read (one query) only when one of them asks for a form other than the submitted one.

Where each family lives in this package:
- `record.py`: what a kind reads and returns (`CaseRecord`, `Breach`, `Refusal`), its parameter
  shapes and the large fine (`LARGE_FINE`);
- `dates.py`: the order of the dates and none in the future (`dates_in_order`,
  `instalments_in_order`), the limitation period (`within_limitation`), the decision on evidence
  preserved (`preservation_decided_in_time`);
- `hearing.py`: statement, defence and hearing (`heavier_after_defence`,
  `decision_after_defence_window`, `hearing_request_not_waived`, `hearing_notified_in_time`,
  `hearing_chair_not_investigator`, `hearing_offered_where_due`);
- `decision.py`: the decision and its review (`review_agrees_with_findings`, `within_powers`,
  `legal_review_before_major_decision`, `discussion_before_major_decision`,
  `remedies_named_as_registered`);
- `formalities.py`: the form of single acts (`party_id_valid`, `recorded_by_named_officer`,
  `electronic_service_consented`, `no_personal_numbers_disclosed`,
  `transfer_copied_to_procuratorate`);
- `summary.py`: the summary procedure's decision on the spot (`summary_within_limit`) and collection
  on the spot (`on_spot_collection_allowed`);
- `execution.py`: payment, late fee, the court and closing (`late_fee_within_fine`, `late_fee_as_computed`,
  `paid_in_full`, `schedule_covers_the_fine`, `no_late_fee_within_deferral`,
  `nothing_left_to_execute`, `court_applied_after_demand_period`);
- `statutory_range.py`: the fine within its cause's statutory range (`fine_within_statutory_range`)
  and the kinds among those its penalty provision provides (`kinds_within_cause`);
- `links.py`: the linked cases the law asks for (`confiscated_in_linked_case`);
- `penalty_lists.py`: a case meeting the no-penalty list decided with a penalty
  (`no_penalty_list_respected`, an alert), or meeting the light-penalty list given a penalty
  heavier than the tiers the item names, 从轻, 减轻 or either (`light_list_applied`, an alert);
- `coercion.py`: administrative coercion (行政强制法): a measure within the department's powers
  (`measures_within_powers`), a record signed by the party, its refusal noted, or witnessed
  (`record_signed_or_witnessed`), the items returned on release (`items_all_returned`);
- `inspection.py`: enterprise inspections (`inspection_triggered`, an alert;
  `inspection_within_frequency`, an alert; `on_joint_visit_day`; `clue_opened_in_linked_case`);
- here: `check`, running a version's bindings on a step, and `GROUPS`: the families above by the
  name of their module, each with its `GROUP` title in Chinese and English (every kind also has its
  own `title`), the workbench's list of kinds to bind.
"""
from collections.abc import Iterable

from ..bindings import BEFORE_FORM, REFUSE, Binding, RuleKind, governing
from . import (  # noqa: F401 - each registers its kinds
    coercion,
    dates,
    decision,
    execution,
    formalities,
    hearing,
    inspection,
    links,
    penalty_lists,
    statutory_range,
    summary,
)

# Re-exported (`name as name`) for the code that reads them from here: the tests.
from .decision import SEVERE_KINDS as SEVERE_KINDS
from .hearing import HEARING_KINDS as HEARING_KINDS
from .record import Breach as Breach
from .record import CaseRecord as CaseRecord
from .record import Refusal as Refusal

# module name -> its family's title, in the order the workbench lists them
GROUPS = {module.__name__.rsplit(".", 1)[1]: module.GROUP for module in (
    dates, hearing, decision, formalities, summary, execution, statutory_range, links, penalty_lists, coercion,
    inspection)}


def group_of(kind: RuleKind) -> str:
    """The family (module name, a key of GROUPS) a kind is registered in."""
    return kind.check.__module__.rsplit(".", 1)[1]


def check(bindings: Iterable[Binding], record: CaseRecord, effects: tuple[str, ...] = (REFUSE, BEFORE_FORM)
          ) -> list[Refusal]:
    """Every binding of those `effects` that governs the submitted form (`record.form_key`), over
    the case's record, in the bindings' order: the breaches of those broken."""
    refusals = []
    for binding in governing(bindings, record.form_key, *effects):
        breaches = list(binding.kind.check(record, binding.params))
        if breaches:
            refusals.append(Refusal(binding.kind, breaches))
    return refusals
