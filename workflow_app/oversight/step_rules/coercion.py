"""Rule kinds of administrative coercion (行政强制法, "AC"): a measure only within the department's
powers (`measures_within_powers`: MEASURE_OUTSIDE_POWERS, AC 17), a record signed by the party, its
refusal noted, or witnessed when the party is absent (`record_signed_or_witnessed`:
RECORD_NOT_SIGNED, AC 18(8)(9)), and every item sealed or seized returned on release
(`items_all_returned`: ITEMS_NOT_RETURNED, AC 28); coercive execution by the agency itself only with a
means of execution in its powers list (`execution_power_held`: EXECUTION_WITHOUT_POWER, AC 13, 53;
`execution_methods_within_powers`: EXECUTION_METHOD_OUTSIDE_POWERS), decided only after the demand's
period (`decided_after_demand_period`: EXECUTION_BEFORE_DEMAND_PERIOD, AC 37) and carried out neither at
night nor on a day off save in a recorded emergency (`executed_in_lawful_hours`:
EXECUTION_AT_NIGHT_OR_HOLIDAY, AC 43)."""
from datetime import datetime, time

from ...messages import Phrase
from ..bindings import FIELD, NUMBER, TEXT, Param, RuleKind, register
from ..calendar import LOCAL_TZ, check_day, working_days_after
from ..powers import EXECUTION_METHODS, kind_label
from .record import Breach, CaseRecord, bool_field, date_field, form_of, kinds_fields, list_field, text_field

GROUP = Phrase("Administrative coercion", "行政强制")


# -- MEASURE_OUTSIDE_POWERS (AC 17) ---------------------------------------------------------------------
def measures_within_powers(record: CaseRecord, params: dict) -> list[Breach]:
    """A coercive measure is taken only by a body a law or regulation gives it to, within its powers
    (AC 17(1)); the department's powers list (权责清单) names the measures it may take."""
    breaches = []
    for ref in params["measures"]:
        if form_of(ref) != record.form_key:
            continue
        outside = [m for m in record.get(ref) or [] if m not in record.powers]
        if not outside:
            continue
        zh, en = record.label(ref)
        labels = "、".join(kind_label(m) for m in outside)
        breaches.append(Breach(
            (ref,),
            f"{zh}含{labels}：{record.department or '本部门'}的权责清单不包括该行政强制措施，不得实施"
            "（《中华人民共和国行政强制法》第17条：行政强制措施由法律、法规规定的行政机关在法定职权范围内实施）",
            f"{en}: {', '.join(outside)} is not in the powers list of {record.department or 'the department'}: it may "
            "not take that coercive measure (Administrative Coercion Law, Art. 17)"))
    return breaches


register(RuleKind(
    "measures_within_powers", "MEASURE_OUTSIDE_POWERS", "《中华人民共和国行政强制法》第17条",
    {"measures": kinds_fields("the coercive measures to be taken (seal, seize, freeze), one field per form")},
    measures_within_powers,
    doc="A coercive measure to be taken is in the department's powers list (权责清单).",
    title=Phrase("Coercive measure within the powers list", "强制措施在职权清单内")))


# -- RECORD_NOT_SIGNED (AC 18(8), (9)) ------------------------------------------------------------------
def _filled(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def record_signed_or_witnessed(record: CaseRecord, params: dict) -> list[Breach]:
    """The on-site record is signed by the party and the officers; a party who refuses has the
    refusal noted in it (AC 18(8)); a party who is absent has a witness invited, who signs it with
    the officers (AC 18(9)). Without a `present` field the party is taken as present (a receipt
    handed over)."""
    present = record.get(params.get("present")) is not False
    signature, refused = params["signature"], params.get("refused")
    signed, refusing = _filled(record.get(signature)), record.get(refused) is True
    note = params.get("refusal_note")
    witness, witness_signature = params.get("witness"), params.get("witness_signature")
    label = record.label
    if present:
        if signed and refusing:
            return [Breach((refused, signature), f"{label(signature)[0]}已记录，不能同时记录{label(refused)[0]}",
                           f"{label(signature)[1]} is recorded: the record cannot also say {label(refused)[1]}")]
        if signed:
            return []
        if refusing and (note is None or _filled(record.get(note))):
            return []
        if refusing:
            return [Breach((note,), f"当事人拒绝签名的，应当注明拒绝的情况（{label(note)[0]}）",
                           f"a party who refuses to sign has the refusal noted ({label(note)[1]})")]
        return [Breach((signature,) + ((refused,) if refused else ()),
                       f"应当由当事人签名（{label(signature)[0]}）；当事人拒绝签名的，应当予以注明",
                       f"the party signs ({label(signature)[1]}); if the party refuses, the refusal is noted")]
    if signed:
        return [Breach((signature, params["present"]),
                       f"记录当事人不在场，却有{label(signature)[0]}：请核对当事人是否到场",
                       f"the party is recorded as absent, yet there is a {label(signature)[1]}: check whether the party "
                       "attended")]
    missing = [ref for ref in (witness, witness_signature) if ref and not _filled(record.get(ref))]
    if not witness or not witness_signature or missing:
        shown = missing or [ref for ref in (witness, witness_signature) if ref]
        return [Breach(tuple(shown) or (params["present"],),
                       "当事人不到场的，应当邀请见证人到场，由见证人和执法人员签名"
                       f"（缺少{'、'.join(label(ref)[0] for ref in shown)}）",
                       "the party being absent, a witness is invited and signs with the officers "
                       f"({', '.join(label(ref)[1] for ref in shown)} missing)")]
    return []


register(RuleKind(
    "record_signed_or_witnessed", "RECORD_NOT_SIGNED", "《中华人民共和国行政强制法》第18条第八项、第九项",
    {"signature": text_field("the party's signature (an `x-signature` field)"),
     "present": bool_field("the party attended (without it: the party is taken as present)", optional=True),
     "refused": bool_field("the party refused to sign", optional=True),
     "refusal_note": text_field("how the party refused, noted in the record", optional=True),
     "witness": text_field("the witness's name, where the party was absent", optional=True),
     "witness_signature": text_field("the witness's signature (an `x-signature` field)", optional=True)},
    record_signed_or_witnessed,
    doc="A record is signed by the party, or its refusal noted; where the party is absent, by a witness.",
    title=Phrase("Record signed by the party or witnessed", "笔录由当事人签名或者见证")))


# -- ITEMS_NOT_RETURNED (AC 28) ---------------------------------------------------------------------------
def _rows(record: CaseRecord, ref: str) -> list[dict]:
    rows = record.get(ref)
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def _amount(value) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def items_all_returned(record: CaseRecord, params: dict) -> list[Breach]:
    """A release returns the items at once (AC 28(2)): every item of the list sealed or seized is on
    the list returned, by its name, in its full quantity, unless the proceeds of its sale (a
    perishable item sold) are returned instead. An item returned that was never on the list is
    named too."""
    seized, returned = params["seized"], params["returned"]
    back: dict[str, float] = {}
    proceeds: set[str] = set()
    for row in _rows(record, returned):
        name = str(row.get("name") or "").strip()
        back[name] = back.get(name, 0.0) + _amount(row.get("quantity"))
        if _amount(row.get(params["proceeds_field"])) > 0:
            proceeds.add(name)
    short = []
    listed: set[str] = set()
    for row in _rows(record, seized):
        name = str(row.get("name") or "").strip()
        listed.add(name)
        wanted = _amount(row.get("quantity"))
        if name not in proceeds and back.get(name, 0.0) < wanted:
            short.append((name, wanted, back.get(name, 0.0), str(row.get("unit") or "")))
    unknown = [name for name in back if name not in listed]
    if not short and not unknown:
        return []
    (zh_s, en_s), (zh_r, en_r) = record.label(seized), record.label(returned)
    parts_zh = [f"{name}查封（扣押）{_n(want)}{unit}，退还{_n(got)}{unit}" for name, want, got, unit in short]
    parts_en = [f"{name}: {_n(want)} {unit} sealed or seized, {_n(got)} returned" for name, want, got, unit in short]
    parts_zh += [f"{name}不在{zh_s}中" for name in unknown]
    parts_en += [f"{name} is not on the {en_s}" for name in unknown]
    return [Breach((returned, seized),
                   f"解除查封（扣押）应当立即退还财物，{zh_r}与{zh_s}不符：{'；'.join(parts_zh)}",
                   f"a release returns the items at once, and the {en_r} does not match the {en_s}: "
                   f"{'; '.join(parts_en)}")]


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


register(RuleKind(
    "items_all_returned", "ITEMS_NOT_RETURNED", "《中华人民共和国行政强制法》第28条第二款",
    {"seized": list_field("the list of the items sealed or seized (rows with name, quantity, unit)"),
     "returned": list_field("the list of the items returned (rows with name and quantity)"),
     "proceeds_field": Param(TEXT, optional=True, default="proceeds",
                             doc="the field of a returned row recording the proceeds of a sale returned instead")},
    items_all_returned,
    doc="On release every item sealed or seized is returned in full, or the proceeds of its sale.",
    title=Phrase("Items all returned on release", "解除时财物全部退还")))


# -- Coercive execution by the agency itself (AC 34-46) --------------------------------------------------
# AC 46(3): an agency without the power of execution that sealed up or seized property in the course of
# its administration may auction it, by law, to pay the fine the party, demanded, still does not pay
# (having sought no reconsideration or litigation in time): a department whose powers list holds 查封 or
# 扣押 may therefore execute by 拍卖 — of what it sealed up or seized, which the decision names.
SEIZING_MEASURES = frozenset({"seal", "seize"})


def _execution_powers(record: CaseRecord) -> list[str]:
    """The means of execution the department holds: those its powers list names, and 拍卖 of what it
    sealed up or seized where it may seal up or seize (AC 46(3))."""
    return [code for code in EXECUTION_METHODS
            if code in record.powers or (code == "auction" and SEIZING_MEASURES & record.powers)]


def execution_power_held(record: CaseRecord, params: dict) -> list[Breach]:
    """An agency executes its decision itself only where a law gives it a means of execution (AC 13), or
    auctions what it sealed up or seized (AC 46(3)); otherwise it applies to the people's court (AC 53):
    the choice of executing it oneself is refused to a department whose powers list (权责清单) names no
    means of execution and no measure of sealing up or seizing."""
    if record.get(params["outcome"]) != params["value"] or _execution_powers(record):
        return []
    zh, en = record.choice(params["outcome"], params["value"])
    department = record.department or "本部门"
    return [Breach(
        (params["outcome"],),
        f"{department}的权责清单没有行政强制执行权（{'、'.join(EXECUTION_METHODS.values())}均未列入，也未列入"
        f"查封、扣押而可依第46条第3款拍卖所查封、扣押的财物），不得选择"
        f"“{zh}”：当事人逾期不履行的，应当依法申请人民法院强制执行（《中华人民共和国行政强制法》第13条、第53条）",
        f"the powers list of {record.department or 'the department'} holds no means of coercive execution: it may not "
        f"choose \"{en}\" and applies to the people's court instead (Administrative Coercion Law, Arts. 13, 53)")]


register(RuleKind(
    "execution_power_held", "EXECUTION_WITHOUT_POWER", "《中华人民共和国行政强制法》第13条、第53条",
    {"outcome": text_field("the execution's outcome"),
     "value": Param(TEXT, optional=True, default="coercive_execution", enum_of="outcome",
                    doc="the outcome that has the agency execute its decision itself (default: coercive_execution)")},
    execution_power_held,
    doc="The agency executes its decision itself only where its powers list names a means of execution.",
    title=Phrase("Executed only with the power to execute", "具有强制执行权方可自行执行")))


def execution_methods_within_powers(record: CaseRecord, params: dict) -> list[Breach]:
    """Each means of execution decided is one the department holds (AC 13; 拍卖 also under AC 46(3))."""
    held = _execution_powers(record)
    outside = [m for m in record.get(params["methods"]) or [] if m not in held]
    if not outside:
        return []
    zh, en = record.label(params["methods"])
    return [Breach(
        (params["methods"],),
        f"{zh}含{'、'.join(kind_label(m) for m in outside)}：{record.department or '本部门'}的权责清单不包括该强制执行方式"
        f"（可用：{'、'.join(kind_label(m) for m in held) or '无'}），行政强制执行由法律设定（《中华人民共和国行政强制法》第13条）",
        f"{en}: {', '.join(outside)} is not in the powers list of {record.department or 'the department'} "
        f"(it holds: {', '.join(held) or 'none'}); coercive execution is only as a law provides "
        "(Administrative Coercion Law, Art. 13)")]


register(RuleKind(
    "execution_methods_within_powers", "EXECUTION_METHOD_OUTSIDE_POWERS", "《中华人民共和国行政强制法》第13条",
    {"methods": list_field("the means of execution decided (codes of powers.EXECUTION_METHODS)")},
    execution_methods_within_powers,
    doc="Each means of coercive execution decided is in the department's powers list.",
    title=Phrase("Means of execution within the powers list", "强制执行方式在职权清单内")))


def decided_after_demand_period(record: CaseRecord, params: dict) -> list[Breach]:
    """The execution decision only once the demand's period has passed without performance (AC 37(1)):
    the 催告书 gives ten days, working days under AC 69. At once only where there is evidence of property
    being moved or hidden (AC 37(3)), recorded with its reason."""
    demanded, decided = record.day(params["demand_served"]), record.day(params["decided"])
    if demanded is None or decided is None or record.get(params.get("immediate")) is True:
        return []
    days = int(params["working_days"])
    period_end = working_days_after(demanded, days)
    if decided > period_end:
        return []
    (decided_zh, decided_en), (demand_zh, demand_en) = record.label(params["decided"]), record.label(
        params["demand_served"])
    return [Breach(
        (params["decided"],),
        f"{demand_zh}为{demanded}，催告期限{days}个工作日至{period_end}届满；期满当事人仍不履行的，方可作出强制执行决定，"
        f"{decided_zh}不得为{decided}（有证据证明有转移或者隐匿财物迹象的，可以作出立即强制执行决定并写明理由）",
        f"{demand_en} is {demanded}; its {days} working days end on {period_end}, and the execution may be decided only "
        f"after they pass unperformed: {decided_en} cannot be {decided} (at once only on evidence of property being "
        "moved or hidden, with the reason recorded)")]


register(RuleKind(
    "decided_after_demand_period", "EXECUTION_BEFORE_DEMAND_PERIOD", "《中华人民共和国行政强制法》第35条、第37条、第69条",
    {"demand_served": date_field("the day the demand (催告书) was served"),
     "decided": date_field("the day of the execution decision"),
     "immediate": bool_field("immediate execution on evidence of property being moved or hidden (AC 37(3))",
                             optional=True),
     "working_days": Param(NUMBER, optional=True, default=10,
                           doc="the demand's period in working days (the 催告书 gives ten; AC 69)")},
    decided_after_demand_period,
    doc="The execution is decided only after the demand's period has passed, unless immediate on recorded evidence.",
    title=Phrase("Execution decided after the demand period", "催告期满后作出强制执行决定")))


NIGHT_STARTS, NIGHT_ENDS = time(22), time(6)  # 夜间: 22:00 to 06:00 Beijing time (AC 43; 治安管理处罚法 practice)


def _unlawful_hour(at: datetime) -> tuple[str, str] | None:
    local = at.astimezone(LOCAL_TZ)
    if local.time() >= NIGHT_STARTS or local.time() < NIGHT_ENDS:
        return f"{local:%Y-%m-%d %H:%M}为夜间（22时至次日6时）", f"{local:%Y-%m-%d %H:%M} is at night (22:00-06:00)"
    if not check_day(local.date()).working:
        return (f"{local:%Y-%m-%d}为法定节假日或者休息日", f"{local:%Y-%m-%d} is a statutory holiday or rest day")
    return None


def executed_in_lawful_hours(record: CaseRecord, params: dict) -> list[Breach]:
    """No coercive execution at night or on a statutory holiday, save in an emergency (AC 43(1)), recorded
    with its reason. 法定节假日 read as the calendar's days off: the statutory holidays and the weekly rest
    days (a weekend made a working day by the holiday arrangement counts as working)."""
    if record.get(params.get("urgent")) is True and str(record.get(params.get("urgent_reason")) or "").strip():
        return []
    breaches = []
    for ref in (params["started"], params.get("ended")):
        at = record.instant(ref)
        problem = at and _unlawful_hour(at)
        if problem:
            (label_zh, label_en) = record.label(ref)
            breaches.append(Breach(
                (ref,) + ((params["urgent"],) if params.get("urgent") else ()),
                f"{label_zh}：{problem[0]}，不得实施行政强制执行；情况紧急的，应当记录紧急情况及其理由",
                f"{label_en}: {problem[1]}; coercive execution may not take place then unless in an emergency "
                "recorded with its reason"))
    return breaches


register(RuleKind(
    "executed_in_lawful_hours", "EXECUTION_AT_NIGHT_OR_HOLIDAY", "《中华人民共和国行政强制法》第43条",
    {"started": Param(FIELD, ("string",), "date-time", False, "when the execution began (date and time)"),
     "ended": Param(FIELD, ("string",), "date-time", True, "when it ended (date and time)"),
     "urgent": bool_field("an emergency (the proviso of AC 43(1))", optional=True),
     "urgent_reason": text_field("the emergency and its reason", optional=True)},
    executed_in_lawful_hours,
    doc="Coercive execution neither at night (22:00-06:00) nor on a day off, unless an emergency is recorded.",
    title=Phrase("Not executed at night or on a day off", "不在夜间或者法定节假日执行")))
