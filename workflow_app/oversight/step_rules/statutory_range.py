"""The statutory range of a fine (FINE_OUTSIDE_STATUTORY_RANGE, APL Art. 32): a fine proposed,
notified or decided lies within the range the penalty provision of the case's cause (案由, the
department's causes register) sets — a fixed range in yuan, or multiples of the illegal gain or of
the goods' value from the amount the law names (Food Safety Law Art. 124: goods worth less than
10,000 yuan, 50,000–100,000 yuan; from 10,000, 10 to 20 times their value).

Below the minimum only where the record states a circumstance of APL Art. 32 (or 30, 31) for which
the law says the penalty shall be mitigated (减轻处罚), or finds that the case meets an item of the
department's light-penalty list (从轻减轻处罚清单: items that state such circumstances, published by the
department; `met_list_item`) whose tier includes 减轻 (`mitigated`, `lighter_or_mitigated`:
`mitigates`) — an item of 从轻 only (`lighter`) grounds a lighter penalty within the range, and the
refusal says so; above the maximum never: no circumstance lets an agency exceed what the law allows
(APL Art. 4, 5: the penalty has its legal basis). Unlike a departure from the discretion benchmark
(FINE_OUTSIDE_BENCHMARK, an alert), the step is refused.

The penalty kinds proposed, notified or decided are those the cause's penalty provision provides
(PENALTY_KIND_NOT_IN_PROVISION, APL Art. 4, 38(1): a penalty without a legal basis is invalid),
beside the confiscation of the illegal gain, which APL Art. 28(2) orders whatever the provision says.
"""
from ...messages import Phrase
from ..bindings import MAP, TEXT, TEXTS, Param, RuleKind, register
from ..powers import kind_label
from .penalty_lists import LIGHT, TIER_WORDS, grounds_mitigated, tier_of
from .record import Breach, CaseRecord, text_field, yuan

GROUP = Phrase("Statutory range of the penalty", "法定处罚幅度")

BASIS_WORDS = {"illegal_gain": ("违法所得", "illegal gain"), "goods_value": ("货值金额", "value of the goods")}


def statutory_bounds(cause: dict, basis_amount) -> tuple[float | None, float | None, str, str] | None:
    """(low, high, the range in Chinese, in English) a cause's provision allows for a fine, given
    the amount of its multiple's basis recorded (or None): the multiples of the basis where it is
    recorded and reaches `multiple_from`, else the fixed range. None where the cause sets no bound."""
    basis = cause.get("multiple_basis")
    amount = basis_amount if isinstance(basis_amount, int | float) and not isinstance(basis_amount, bool) else None
    if basis and amount is not None and amount > 0 and (
            cause.get("multiple_from") is None or amount >= cause["multiple_from"]):
        low_x, high_x = cause.get("min_multiple"), cause.get("max_multiple")
        low = round(amount * low_x, 2) if low_x is not None else None
        high = round(amount * high_x, 2) if high_x is not None else None
        zh_basis, en_basis = BASIS_WORDS.get(basis, (basis, basis))
        zh = (f"{zh_basis}{yuan(amount)}元的{yuan(low_x) + '倍以上' if low_x is not None else ''}"
              f"{yuan(high_x)}倍以下，即{yuan(low or 0)}元至{yuan(high)}元")
        times = f"{yuan(low_x)} to " if low_x is not None else "up to "
        en = (f"{times}{yuan(high_x)} times the {en_basis} of "
              f"{yuan(amount)} yuan, i.e. {yuan(low or 0)} to {yuan(high)} yuan")
        return low, high, zh, en
    low, high = cause.get("min_fine"), cause.get("max_fine")
    if low is None and high is None:
        return None
    zh = f"{yuan(low) + '元以上' if low is not None else ''}{yuan(high) + '元以下' if high is not None else ''}"
    en = (f"{yuan(low) if low is not None else '0'} to {yuan(high)} yuan" if high is not None
          else f"at least {yuan(low)} yuan")
    return low, high, zh, en


def _own_then_earlier(record: CaseRecord, mapping: dict | None) -> tuple[str | None, object]:
    """(reference, value) of a mapped field: the submitted form's own if it records one, else the
    latest-listed earlier form's that does (the decision's cause, else the notice's, else the
    report's)."""
    refs = _refs(mapping)
    own = [r for r in refs if r.split(".", 1)[0] == record.form_key]
    others = [r for r in reversed(refs) if r.split(".", 1)[0] != record.form_key]
    for ref in own + others:
        value = record.get(ref)
        if value not in (None, "", []):
            return ref, value
    return None, None


def _refs(mapping: dict | None) -> list[str]:
    refs = []
    for form, names in (mapping or {}).items():
        refs += [f"{form}.{name}" for name in (names if isinstance(names, list) else [names])]
    return refs


def fine_within_statutory_range(record: CaseRecord, params: dict) -> list[Breach]:
    fine_ref = next((r for r in _refs(params["fine"]) if r.split(".", 1)[0] == record.form_key), None)
    fine = record.get(fine_ref)
    if fine_ref is None or isinstance(fine, bool) or not isinstance(fine, int | float):
        return []
    kinds_ref = next((r for r in _refs(params.get("kinds")) if r.split(".", 1)[0] == record.form_key), None)
    if kinds_ref is not None:
        kinds = record.get(kinds_ref)
        if not isinstance(kinds, list) or params["fined"] not in kinds:
            return []  # a fine typed but not imposed: nothing to check
    cause_ref, code = _own_then_earlier(record, params["cause"])
    if not isinstance(code, str) or not code:
        return []
    zh_fine, en_fine = record.label(fine_ref)
    found = record.cause(code)
    if found is None:
        zh, en = record.label(cause_ref)
        return [Breach(
            (cause_ref, fine_ref),
            f"{zh}“{code}”不在{record.department or '本部门'}的案由清单中，无法核对{zh_fine}是否在法定幅度之内",
            f"{en} {code} is not in the causes register of {record.department or 'the department'}: "
            f"{en_fine} cannot be checked against its statutory range")]
    basis = found.get("multiple_basis")
    _ref, amount = _own_then_earlier(record, params.get(basis)) if basis in BASIS_WORDS else (None, None)
    bounds = statutory_bounds(found, amount)
    if bounds is None:
        return []
    low, high, range_zh, range_en = bounds
    provision = found.get("penalty_provision") or code
    details = {"cause": code, "fine": fine, "min_fine": low, "max_fine": high}
    if high is not None and fine > high:
        return [Breach(
            (fine_ref,),
            f"{zh_fine}{yuan(fine)}元超出{provision}规定的罚款幅度（{range_zh}）：罚款不得高于法定最高额，"
            "《行政处罚法》第32条只许从轻或者减轻",
            f"{en_fine} of {yuan(fine)} yuan exceeds the range of {provision} ({range_en}): no circumstance "
            "allows a fine above the statutory maximum (APL Art. 32 only allows a lighter or mitigated penalty)",
            details)]
    if low is not None and fine < low:
        _ref, circumstance = _own_then_earlier(record, params.get("mitigation"))
        if circumstance not in (None, "", []):
            return []  # 减轻处罚 grounded in a recorded circumstance of APL Art. 32
        met = met_list_item(record, params)
        if met is not None and mitigates(met[1]):
            return []  # grounded in an item of the light-penalty list the case was found to meet
        mitigation = [r for r in _refs(params.get("mitigation")) if r.split(".", 1)[0] == record.form_key]
        if met is not None:  # an item the case meets, of 从轻 only: no ground for going below the minimum
            code, item = met
            tier_zh, tier_en = TIER_WORDS[tier_of(item)]
            return [Breach(
                (fine_ref, *mitigation),
                f"{zh_fine}{yuan(fine)}元低于{provision}规定的罚款幅度（{range_zh}）：低于法定最低额属于减轻处罚，"
                f"本案符合的从轻减轻处罚清单事项{code}只规定{tier_zh}处罚（在法定幅度内），不是减轻处罚的依据；"
                "减轻处罚应当具有并记录《行政处罚法》第32条规定的应当减轻处罚的情形",
                f"{en_fine} of {yuan(fine)} yuan is below the range of {provision} ({range_en}): a fine below the "
                f"statutory minimum is a mitigated penalty, and item {code} of the light-penalty list, which the "
                f"case meets, grounds only {tier_en} (within the range), not a mitigated one; a mitigated penalty "
                "needs a recorded circumstance of APL Art. 32",
                {**details, "list_item": code, "list_tier": tier_of(item)})]
        return [Breach(
            (fine_ref, *mitigation),
            f"{zh_fine}{yuan(fine)}元低于{provision}规定的罚款幅度（{range_zh}）：低于法定最低额属于减轻处罚，"
            "应当具有并记录《行政处罚法》第32条规定的应当减轻处罚的情形（或者本案符合的、规定减轻处罚的从轻减轻处罚清单事项）",
            f"{en_fine} of {yuan(fine)} yuan is below the range of {provision} ({range_en}): a fine below the "
            "statutory minimum is a mitigated penalty and needs a recorded circumstance of APL Art. 32 (or an item "
            "of the light-penalty list the case meets that grounds a mitigated penalty)",
            details)]
    return []


def met_list_item(record: CaseRecord, params: dict) -> tuple[str, dict] | None:
    """(code, item) of the department's lists that the record finds the case meets, where its kind
    may ground a mitigated penalty (`mitigating_list_kinds`: the light-penalty list, 从轻减轻处罚清单,
    whose items state circumstances of APL Art. 32); None otherwise."""
    if not params.get("list_item") or not params.get("list_meets"):
        return None
    code = record.get(params["list_item"])
    if not isinstance(code, str) or not code or record.get(params["list_meets"]) != params["list_met"]:
        return None
    item = record.list_item(code)
    return (code, item) if item is not None and item.get("kind") in params["mitigating_list_kinds"] else None


def mitigates(item: dict) -> bool:
    """A light-list item grounds a mitigated penalty only where its tier includes 减轻; an item of
    another kind a binding names as a ground (`mitigating_list_kinds`) names no tier."""
    return item.get("kind") != LIGHT or grounds_mitigated(tier_of(item))


register(RuleKind(
    "fine_within_statutory_range", "FINE_OUTSIDE_STATUTORY_RANGE", "《行政处罚法》第32条",
    {"cause": Param(MAP, ("string",), doc="form key -> the field naming the case's cause (案由) in the department's "
                                          "register; the submitted form's own, else the latest earlier one"),
     "fine": Param(MAP, ("number", "integer"), doc="form key -> the fine it proposes, notifies or decides"),
     "kinds": Param(MAP, ("array",), optional=True,
                    doc="form key -> its penalty kinds; the rule applies where they include a fine"),
     "fined": Param(TEXT, optional=True, default="fine", doc="the penalty kind that is a fine (default: fine)"),
     "mitigation": Param(MAP, optional=True,
                         doc="form key -> the field recording the circumstance of APL Art. 32 that mitigates "
                             "the penalty (减轻); recorded, a fine may go below the minimum"),
     "list_item": text_field("the item of the department's no-penalty or light-penalty list the case was assessed "
                             "against (its code in the register)", optional=True),
     "list_meets": text_field("the officer's finding whether the case meets that item", optional=True),
     "list_met": Param(TEXT, optional=True, default="yes", enum_of="list_meets",
                       doc="the choice of `list_meets` that finds the case meets the item (default: yes)"),
     "mitigating_list_kinds": Param(TEXTS, optional=True, default=("light",),
                                    doc="the kinds of list item that ground a mitigated penalty: met, a fine may go "
                                        "below the minimum (default: light, the light-penalty list; of it, only an "
                                        "item whose tier includes 减轻)"),
     "illegal_gain": Param(MAP, ("number", "integer"), optional=True,
                           doc="form key -> the illegal gain (违法所得), for a range in multiples of it"),
     "goods_value": Param(MAP, ("number", "integer"), optional=True,
                          doc="form key -> the value of the goods (货值金额), for a range in multiples of it")},
    fine_within_statutory_range,
    doc="A fine proposed, notified or decided lies within its cause's statutory range; below the minimum only "
        "with a recorded APL Art. 32 circumstance or a light-penalty list item of 减轻 the case meets (减轻处罚), above "
        "the maximum never.",
    title=Phrase("Fine within the statutory range", "罚款在法定幅度内")))


# -- PENALTY_KIND_NOT_IN_PROVISION (APL Art. 4, 38(1)) ------------------------------------------------
def kinds_within_cause(record: CaseRecord, params: dict) -> list[Breach]:
    """The kinds of the submitted form (its field of `kinds`) are among those its cause's penalty
    provision provides (the register's `penalty_kinds`), or among `always`. Nothing to check
    without a cause, for a cause the register lacks (`fine_within_statutory_range` names it) or
    one whose kinds the register does not list."""
    kinds_ref = next((r for r in _refs(params["kinds"]) if r.split(".", 1)[0] == record.form_key), None)
    kinds = record.get(kinds_ref)
    if kinds_ref is None or not isinstance(kinds, list) or not kinds:
        return []
    _cause_ref, code = _own_then_earlier(record, params["cause"])
    found = record.cause(code) if isinstance(code, str) and code else None
    provided = list((found or {}).get("penalty_kinds") or [])
    if not provided:
        return []
    outside = [k for k in kinds if isinstance(k, str) and k not in provided and k not in params["always"]]
    if not outside:
        return []
    zh, en = record.label(kinds_ref)
    provision = found.get("penalty_provision") or code
    return [Breach(
        (kinds_ref,),
        f"{zh}含{'、'.join(kind_label(k) for k in outside)}：{provision}规定的处罚种类为"
        f"{'、'.join(kind_label(k) for k in provided)}，不包括{'、'.join(kind_label(k) for k in outside)}"
        "（《行政处罚法》第4条、第38条第1款：没有法定依据的行政处罚无效）",
        f"{en} includes {', '.join(outside)}: {provision} provides {', '.join(provided)} only "
        "(APL Art. 4, 38(1): a penalty without a legal basis is invalid)",
        {"cause": code, "kinds": outside, "provided": provided})]


register(RuleKind(
    "kinds_within_cause", "PENALTY_KIND_NOT_IN_PROVISION", "《行政处罚法》第4条、第38条第1款",
    {"cause": Param(MAP, ("string",), doc="form key -> the field naming the case's cause (案由) in the department's "
                                          "register; the submitted form's own, else the latest earlier one"),
     "kinds": Param(MAP, ("array",), doc="form key -> the penalty kinds it proposes, notifies or decides"),
     "always": Param(TEXTS, optional=True, default=("confiscation",),
                     doc="kinds any provision allows (default: confiscation, of the illegal gain: APL Art. 28(2))")},
    kinds_within_cause,
    doc="The penalty kinds proposed, notified or decided are those the cause's penalty provision provides.",
    title=Phrase("Penalty kinds within the cause's provision", "处罚种类符合罚则规定")))
