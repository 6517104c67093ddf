"""The department's no-penalty list (首违不罚清单, APL Art. 33(1)) and light-penalty list (从轻减轻处罚
清单, APL Art. 32) against the penalty a case is given, once the officer has recorded that the case
meets an item of them:

- `no_penalty_list_respected` (MINOR_FIRST_VIOLATION_PENALIZED): a case meeting an item of the
  no-penalty list and decided with a penalty;
- `light_list_applied` (LIGHT_LIST_NOT_APPLIED): a case meeting an item of the light-penalty list
  whose proposed or decided penalty is heavier than the tiers the item names (its `tier`): an item
  of 从轻 (`lighter`) departs with a 一般/从重 tier recorded or a fine above the top of the benchmark
  item's 从轻 range; an item of 减轻 only (`mitigated`) with a 从轻, 一般 or 从重 tier or a fine above
  the top of its 减轻 range; an item of 从轻或者减轻 (`lighter_or_mitigated`) with a 一般/从重 tier or
  a fine above the top of both.

Alerts, not refusals. APL 33(1) says a minor violation promptly corrected without harm *is not*
penalized, and a first violation with minor harm promptly corrected *may not* be; APL 32 says the
circumstances of its list *shall* lighten or mitigate the penalty. A list turns that discretion into
the department's published self-restraint, so a departure must be visible to the supervisors; but
the law leaves room a step cannot judge — a case may carry aggravating circumstances beside the
listed one (国办发〔2022〕27号: both are weighed together), or the head may find on the record that
the conditions were not met after all — and a refusal would only push the officer to record the
finding falsely. The supervisor sees the case and asks.

The item's kind (no_penalty or light) comes from the department's register through the record
(`record.list_item(code)`). `judged` is the one judgement of a form's penalty against the finding,
for both kinds of item: the alert kinds raise on it, and the reviewer's and the officer's sheets
(services/cases/review_sheet.py) show it, consistent or not.

A light-list item says which tier the listed circumstance grounds (从轻减轻处罚清单 items do: APL 32
says 从轻或者减轻, and the department's list says which, where the law allows 减轻): `lighter` (从轻, a
lighter penalty within the statutory range), `mitigated` (减轻, below the statutory minimum) or
`lighter_or_mitigated` (从轻或者减轻). Only an item whose tier includes 减轻 is a ground for going below
the statutory minimum (减轻处罚): `fine_within_statutory_range` (statutory_range.py) reads the same
finding and the same tier (`grounds_mitigated`).
"""
from dataclasses import dataclass, field

from ...messages import Phrase
from ..bindings import ALERT, TEXT, TEXTS, Param, RuleKind, register
from ..powers import kind_label
from .record import Breach, CaseRecord, list_field, number_field, text_field, yuan

GROUP = Phrase("No-penalty and light-penalty lists", "不予处罚和从轻减轻清单")

NO_PENALTY, LIGHT = "no_penalty", "light"
# The tier a light-list item grounds (services/registers/penalty_lists.py imports them; models.PenaltyListItem.tier)
LIGHTER, MITIGATED, LIGHTER_OR_MITIGATED = "lighter", "mitigated", "lighter_or_mitigated"
TIERS = (LIGHTER, MITIGATED, LIGHTER_OR_MITIGATED)
TIER_WORDS = {LIGHTER: ("从轻", "a lighter penalty"), MITIGATED: ("减轻", "a mitigated penalty"),
              LIGHTER_OR_MITIGATED: ("从轻或者减轻", "a lighter or mitigated penalty")}


def tier_of(item: dict) -> str:
    """The tier a light-list item grounds. An item read without one grounds both, as every light
    item did before items named their tier (migration 0034 gives the register's old items that)."""
    tier = item.get("tier")
    return tier if tier in TIERS else LIGHTER_OR_MITIGATED


def grounds_lighter(tier: str) -> bool:
    """The tier includes 从轻 (a lighter penalty within the statutory range)."""
    return tier in (LIGHTER, LIGHTER_OR_MITIGATED)


def grounds_mitigated(tier: str) -> bool:
    """The tier includes 减轻 (below the statutory minimum, APL 32)."""
    return tier in (MITIGATED, LIGHTER_OR_MITIGATED)


def imposed_fine(record: CaseRecord, params: dict, fine_param: str = "fine", kinds_param: str = "kinds"):
    """The fine the form imposes (a number above 0; where its kinds are bound, only if they
    include `fined`), else None."""
    fine = record.get(params.get(fine_param)) if params.get(fine_param) else None
    if isinstance(fine, bool) or not isinstance(fine, int | float) or fine <= 0:
        return None
    if params.get(kinds_param):
        kinds = record.get(params[kinds_param])
        if not isinstance(kinds, list) or params.get("fined", "fine") not in kinds:
            return None
    return fine


def _kinds(record: CaseRecord, ref: str | None) -> list[str]:
    return [k for k in record.get(ref) or [] if isinstance(k, str)] if ref else []


@dataclass(frozen=True)
class Judgement:
    """The penalty a form proposes or decides against the list item the case was assessed against.
    `consistent`: True where the penalty agrees with the item the case meets, False where it
    departs from it, None where there is nothing to judge (the case does not meet the item, or the
    register has no such item). `message`/`message_en` say why; `fields` are the departing
    fields (the submitted form's), `details` the alert's."""

    code: str
    item: dict | None
    meets: bool
    consistent: bool | None
    message: str
    message_en: str
    fields: tuple[str, ...] = ()
    details: dict = field(default_factory=dict)


def _finding(record: CaseRecord, params: dict) -> tuple[str, bool, dict | None] | None:
    code = record.get(params["item"])
    if not isinstance(code, str) or not code:
        return None
    return code, record.get(params["meets"]) == params.get("met", "yes"), record.list_item(code)


def benchmark_of(record: CaseRecord, params: dict, item: dict) -> str | None:
    """The discretion benchmark item the case applies: the one the record names, else the one the
    causes register gives the list item's cause (the report may leave the field to its cause)."""
    code = record.get(params.get("benchmark_item")) if params.get("benchmark_item") else None
    if isinstance(code, str) and code:
        return code
    code = (record.cause(item.get("cause")) or {}).get("benchmark_item") if item.get("cause") else None
    return code if isinstance(code, str) and code else None


def named_tiers(params: dict, item: dict) -> tuple[list[str], list[str]]:
    """(the form's tiers the light-list item names — its 减轻 ones first, then its 从轻 ones —, the
    form's tiers that depart from it: 一般/从重, and 从轻 for an item of 减轻 only)."""
    tier = tier_of(item)
    lighter, mitigated = list(params.get("lighter_tiers") or ()), list(params.get("mitigated_tiers") or ())
    named = (mitigated if grounds_mitigated(tier) else []) + (lighter if grounds_lighter(tier) else [])
    departing = list(params.get("heavier_tiers") or ()) + ([] if grounds_lighter(tier) else lighter)
    return named, departing


def light_ceiling(record: CaseRecord, tiers: list[str], code: str | None) -> tuple[float, list[str]] | None:
    """(the highest fine of the benchmark item's ranges for `tiers`, the tiers the register holds)
    where the benchmark item `code` has a range in the register for one of them."""
    if not code:
        return None
    held = [(t, record.benchmark(code, t)) for t in tiers]
    held = [(t, r) for t, r in held if r]
    if not held:
        return None
    return max(r["max_fine"] for _t, r in held), [t for t, _r in held]


def judged(record: CaseRecord, params: dict) -> Judgement | None:
    """The form's penalty against the recorded finding on the lists; None without a finding."""
    found = _finding(record, params)
    if found is None:
        return None
    code, meets, item = found
    if item is None:
        return Judgement(code, None, meets, None, f"{record.department or '本部门'}的清单中没有事项{code}",
                         f"the lists of {record.department or 'the department'} have no item {code}")
    if not meets:
        return Judgement(code, item, False, None, f"本案经认定不符合清单事项{code}的适用条件，该事项不约束本案的处罚",
                         f"the case was found not to meet item {code}: the item does not bind its penalty")
    if item.get("kind") == NO_PENALTY:
        return _against_no_penalty_item(record, params, code, item)
    if item.get("kind") == LIGHT:
        return _against_light_item(record, params, code, item)
    return None


def _against_no_penalty_item(record: CaseRecord, params: dict, code: str, item: dict) -> Judgement:
    kinds, fine = _kinds(record, params.get("kinds")), imposed_fine(record, params)
    if not kinds and fine is None:
        return Judgement(code, item, True, True, f"不予行政处罚，与不予处罚清单事项{code}一致",
                         f"no penalty, as item {code} of the no-penalty list requires")
    penalty_zh = "、".join(kind_label(k) for k in kinds) or f"罚款{yuan(fine)}元"
    return Judgement(
        code, item, True, False,
        f"本案符合不予处罚清单事项{code}，却给予{penalty_zh}：符合清单的案件依《行政处罚法》第33条第1款应当作出"
        f"不予行政处罚决定（{item.get('legal_ground')}）",
        f"the case meets item {code} of the no-penalty list, yet is given {', '.join(kinds) or f'a fine of {yuan(fine)} yuan'}: "
        "a case meeting the list is decided not to be penalized (APL Art. 33(1))",
        tuple(r for r in (params.get("kinds"), params.get("fine")) if r))


def _against_light_item(record: CaseRecord, params: dict, code: str, item: dict) -> Judgement:
    tier_ref = params.get("tier")
    tier = record.get(tier_ref) if tier_ref else None
    tier = tier if isinstance(tier, str) and tier else None
    fine = imposed_fine(record, params)
    benchmark = benchmark_of(record, params, item)
    item_tier = tier_of(item)
    named, departing = named_tiers(params, item)
    ceiling = light_ceiling(record, named, benchmark)
    heavier_tier = tier is not None and tier in departing
    above = fine is not None and ceiling is not None and fine > ceiling[0]
    light_words = [record.choice(tier_ref, t) for t in (ceiling[1] if ceiling else named)]
    light_zh = "、".join(f"“{zh}”" for zh, _en in light_words)
    light_en = " and ".join(en for _zh, en in light_words)
    item_tier_zh, item_tier_en = TIER_WORDS[item_tier]
    details = {"item": code, "cause": item.get("cause"), "list_kind": LIGHT, "list_tier": item_tier,
               "conditions": item.get("conditions"), "legal_ground": item.get("legal_ground"), "tier": tier,
               "fine": fine, "ceiling": ceiling[0] if ceiling else None, "benchmark_item": benchmark}
    if not heavier_tier and not above:
        said_zh, said_en = [], []
        if tier is not None:
            zh, en = record.choice(tier_ref, tier)
            said_zh.append(f"裁量阶次为“{zh}”")
            said_en.append(f"the tier is {en}")
        if fine is not None and ceiling is not None:
            said_zh.append(f"罚款{yuan(fine)}元不高于裁量基准{benchmark}{light_zh}档的上限{yuan(ceiling[0])}元")
            said_en.append(f"the fine of {yuan(fine)} yuan is within the top of the {light_en} tiers of benchmark "
                           f"{benchmark} ({yuan(ceiling[0])} yuan)")
        return Judgement(code, item, True, True,
                         f"{'，'.join(said_zh) or f'未给予重于{item_tier_zh}的处罚'}，与从轻减轻处罚清单事项{code}一致",
                         f"{', '.join(said_en) or f'no penalty heavier than {item_tier_en}'}: "
                         f"consistent with item {code} of the light-penalty list",
                         details=details)
    item_zh, item_en = record.label(params["item"])
    parts_zh, parts_en, fields = [], [], []
    if heavier_tier:
        (tier_zh, tier_en), (zh, en) = record.label(tier_ref), record.choice(tier_ref, tier)
        parts_zh.append(f"{tier_zh}却为“{zh}”")
        parts_en.append(f"{tier_en} is {en}")
        fields.append(tier_ref)
    if above:
        fine_zh, fine_en = record.label(params["fine"])
        parts_zh.append(f"{fine_zh}{yuan(fine)}元高于裁量基准{benchmark}{light_zh}档的上限{yuan(ceiling[0])}元")
        parts_en.append(f"{fine_en} of {yuan(fine)} yuan is above the top of the {light_en} tiers of benchmark "
                        f"{benchmark} ({yuan(ceiling[0])} yuan)")
        fields.append(params["fine"])
    message = (f"{item_zh}记载本案符合从轻减轻处罚清单事项{code}（{item.get('conditions')}），{'，'.join(parts_zh)}："
               f"符合该清单事项的案件依《行政处罚法》第32条应当{item_tier_zh}处罚（{item.get('legal_ground')}），"
               "清单是本部门公开的裁量承诺")
    message_en = (f"{item_en} records that the case meets item {code} of the light-penalty list "
                  f"({item.get('conditions')}), yet {' and '.join(parts_en)}: a case meeting the item is given "
                  f"{item_tier_en} (APL Art. 32), as the department has published")
    return Judgement(code, item, True, False, message, message_en, tuple(fields),
                     {**details, "message": message, "message_en": message_en})


# -- MINOR_FIRST_VIOLATION_PENALIZED (APL 33(1)) ---------------------------------------------------------
def no_penalty_list_respected(record: CaseRecord, params: dict) -> list[Breach]:
    if record.get(params["meets"]) != params["met"]:
        return []
    code = record.get(params["item"])
    item = record.list_item(code) if isinstance(code, str) and code else None
    if item is None or item.get("kind") != NO_PENALTY:
        return []
    kinds = _kinds(record, params["decided_kinds"])
    fine = imposed_fine(record, params, "decided_fine", "")
    if not kinds and fine is None:
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
        {"item": code, "cause": item.get("cause"), "kinds": kinds, "fine": fine,
         "conditions": item.get("conditions"), "legal_ground": item.get("legal_ground")})]


_ITEM = text_field("the item of the department's no-penalty or light-penalty list the case was assessed against "
                   "(its code in the register)")
_MEETS = text_field("the officer's finding whether the case meets the item's conditions")
_MET = Param(TEXT, optional=True, default="yes", enum_of="meets",
             doc="the choice of `meets` that finds the case meets the item (default: yes)")

register(RuleKind(
    "no_penalty_list_respected", "MINOR_FIRST_VIOLATION_PENALIZED", "《行政处罚法》第33条第1款",
    {"item": _ITEM, "meets": _MEETS, "met": _MET,
     "decided_kinds": list_field("the penalty kinds decided"),
     "decided_fine": number_field("the fine decided", optional=True)},
    no_penalty_list_respected, effect=ALERT,
    doc="A case recorded as meeting an item of the no-penalty list but decided with a penalty raises "
        "MINOR_FIRST_VIOLATION_PENALIZED for the supervisor; the step is taken.",
    title=Phrase("No-penalty list respected", "落实不予处罚清单")))


# -- LIGHT_LIST_NOT_APPLIED (APL 32; 国办发〔2022〕27号) -----------------------------------------------------
def light_list_applied(record: CaseRecord, params: dict) -> list[Breach]:
    found = judged(record, params)
    if found is None or found.consistent is not False or (found.item or {}).get("kind") != LIGHT:
        return []  # the no-penalty list's departure is MINOR_FIRST_VIOLATION_PENALIZED's
    return [Breach(found.fields, found.message, found.message_en, found.details)]


register(RuleKind(
    "light_list_applied", "LIGHT_LIST_NOT_APPLIED", "《行政处罚法》第32条；国办发〔2022〕27号",
    {"item": _ITEM, "meets": _MEETS, "met": _MET,
     "tier": text_field("the discretion tier the form applies", optional=True),
     "fine": number_field("the fine the form proposes or decides", optional=True),
     "kinds": list_field("the penalty kinds the form proposes or decides; the fine counts only where they include "
                         "a fine", optional=True),
     "fined": Param(TEXT, optional=True, default="fine", enum_of="kinds",
                    doc="the choice of `kinds` that is a fine (default: fine)"),
     "benchmark_item": text_field("the discretion benchmark item the case applies (its code in the register); "
                                  "where none is recorded, the one the causes register gives the item's cause",
                                  optional=True),
     "lighter_tiers": Param(TEXTS, optional=True, default=("lighter",), enum_of="tier",
                            doc="the tiers of a lighter penalty (从轻): for an item of 从轻, a fine above the top of "
                                "their ranges in the benchmark departs; for an item of 减轻 only, recorded, they "
                                "depart (default: lighter)"),
     "mitigated_tiers": Param(TEXTS, optional=True, default=("mitigated",), enum_of="tier",
                              doc="the tiers of a mitigated penalty (减轻, below the statutory minimum): for an item "
                                  "of 减轻, a fine above the top of their ranges in the benchmark departs "
                                  "(default: mitigated)"),
     "heavier_tiers": Param(TEXTS, optional=True, default=("ordinary", "heavier"), enum_of="tier",
                            doc="the tiers heavier than a lighter penalty (一般, 从重): recorded, they depart "
                                "(default: ordinary, heavier)")},
    light_list_applied, effect=ALERT,
    doc="A case recorded as meeting an item of the light-penalty list whose penalty is heavier than the tiers the "
        "item names (从轻, 减轻, or either) raises LIGHT_LIST_NOT_APPLIED for the supervisor; the step is taken.",
    title=Phrase("Light-penalty list applied", "落实从轻减轻处罚清单")))
