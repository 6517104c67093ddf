"""The no-penalty list (首违不罚清单, APL Art. 33(1)): a case the officer recorded as meeting an item
of the department's no-penalty list, then decided with a penalty, raises MINOR_FIRST_VIOLATION_PENALIZED
for the supervisor (`no_penalty_list_respected`).

An alert, not a refusal: APL 33(1) says a minor violation promptly corrected without harm *is not*
penalized, and a first violation with minor harm promptly corrected *may not* be; the list turns
that discretion into the department's published commitment, and the lawful path is a no-penalty
decision (不予行政处罚决定). A head may still find on the record that the conditions were not met
after all (the report's finding was wrong): the supervisor sees the case and asks.

The item's kind (no_penalty or light) comes from the department's register through the record
(`record.list_item(code)`): an item of the light-penalty list (从轻减轻处罚清单) never raises it.
"""
from ..bindings import ALERT, TEXT, Param, RuleKind, register
from ..powers import kind_label
from .record import Breach, CaseRecord, list_field, number_field, text_field

NO_PENALTY = "no_penalty"


def no_penalty_list_respected(record: CaseRecord, params: dict) -> list[Breach]:
    if record.get(params["meets"]) != params["met"]:
        return []
    code = record.get(params["item"])
    item = record.list_item(code) if isinstance(code, str) and code else None
    if item is None or item.get("kind") != NO_PENALTY:
        return []
    kinds = [k for k in record.get(params["decided_kinds"]) or [] if isinstance(k, str)]
    fine = record.get(params.get("decided_fine")) if params.get("decided_fine") else None
    fined = isinstance(fine, int | float) and not isinstance(fine, bool) and fine > 0
    if not kinds and not fined:
        return []
    zh, en = record.label(params["decided_kinds"])
    item_zh, _item_en = record.label(params["item"])
    penalty_zh = "、".join(kind_label(k) for k in kinds) or f"罚款{fine:g}元"
    return [Breach(
        (params["decided_kinds"],),
        f"{item_zh}记载本案符合不予处罚清单事项{code}（{item.get('conditions')}），{zh}仍为{penalty_zh}："
        f"符合清单的案件依《行政处罚法》第33条第1款应当作出不予行政处罚决定（{item.get('legal_ground')}）",
        f"the report records that the case meets item {code} of the no-penalty list ({item.get('conditions')}), "
        f"yet {en} imposes {', '.join(kinds) or f'a fine of {fine:g} yuan'}: a case meeting the list is decided "
        "not to be penalized (APL Art. 33(1))",
        {"item": code, "cause": item.get("cause"), "kinds": kinds, "fine": fine if fined else None,
         "conditions": item.get("conditions"), "legal_ground": item.get("legal_ground")})]


register(RuleKind(
    "no_penalty_list_respected", "MINOR_FIRST_VIOLATION_PENALIZED", "《行政处罚法》第33条第1款",
    {"item": text_field("the item of the department's no-penalty or light-penalty list the case was "
                        "assessed against (its code in the register)"),
     "meets": text_field("the officer's finding whether the case meets the item's conditions"),
     "met": Param(TEXT, optional=True, default="yes", enum_of="meets",
                  doc="the choice of `meets` that finds the case meets the item (default: yes)"),
     "decided_kinds": list_field("the penalty kinds decided"),
     "decided_fine": number_field("the fine decided", optional=True)},
    no_penalty_list_respected, effect=ALERT,
    doc="A case recorded as meeting an item of the no-penalty list but decided with a penalty raises "
        "MINOR_FIRST_VIOLATION_PENALIZED for the supervisor; the step is taken."))
