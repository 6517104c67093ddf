"""Rule kinds of the summary procedure (简易程序, APL 51-53, 68-71): a decision on the spot stays
within its limit (`summary_within_limit`: SUMMARY_OVER_LIMIT, APL 51) and a fine is collected on
the spot only where the law allows it (`on_spot_collection_allowed`: ON_SPOT_COLLECTION_NOT_ALLOWED,
APL 68, 69).

The limits are parameters with the national defaults (200 yuan for a person, 3,000 for an
organisation; 100 yuan for collection on the spot): a package binds other numbers where its law
provides otherwise."""
from ...messages import Phrase
from ..bindings import NUMBER, TEXT, TEXTS, Param, RuleKind, register
from .record import Breach, CaseRecord, bool_field, list_field, number_field, text_field

GROUP = Phrase("Summary procedure", "简易程序")

PARTY_WORDS = {"person": ("公民", "a person"), "organization": ("法人或者其他组织", "an organisation")}


def _yuan(amount) -> str:
    return f"{amount:g}"


# -- SUMMARY_OVER_LIMIT (APL 51) ----------------------------------------------------------------------
def _party_kind(record: CaseRecord, params: dict) -> str:
    """person or organization: the field the binding names, else the case's party."""
    ref = params.get("party_kind")
    if not ref:
        return record.party_kind
    return "organization" if record.get(ref) in params["organization_kinds"] else "person"


def summary_within_limit(record: CaseRecord, params: dict) -> list[Breach]:
    """APL Art. 51: a decision on the spot is a warning, or a fine of at most 200 yuan for a person
    or 3,000 yuan for an organisation; a law may provide otherwise (its provision and limit on
    record). Above the limit the case takes the general procedure."""
    breaches = []
    kinds_ref = params.get("kinds")
    kinds = record.get(kinds_ref)
    if kinds_ref and isinstance(kinds, list):
        other = [k for k in kinds if k not in params["allowed_kinds"]]
        if other:
            zh, en = record.label(kinds_ref)
            breaches.append(Breach(
                (kinds_ref,),
                f"{zh}含{'、'.join(map(str, other))}：当场只能作出警告或者罚款的行政处罚（《行政处罚法》第51条），"
                "其他处罚应当适用普通程序",
                f"{en} includes {', '.join(map(str, other))}: a decision on the spot is a warning or a fine "
                "(APL Art. 51); any other penalty takes the general procedure"))
    fine = record.get(params["fine"])
    if not isinstance(fine, int | float) or isinstance(fine, bool):
        return breaches
    other_law, other_limit = record.get(params.get("other_law")), record.get(params.get("other_limit"))
    if isinstance(other_law, str) and other_law.strip() and isinstance(other_limit, int | float):
        limit, party_zh, party_en = other_limit, f"依照{other_law.strip()}", f"under {other_law.strip()}"
    else:
        kind = _party_kind(record, params)
        limit = params["organization_limit"] if kind == "organization" else params["person_limit"]
        party_zh, party_en = (f"对{PARTY_WORDS[kind][0]}", f"for {PARTY_WORDS[kind][1]}")
    if fine <= limit:
        return breaches
    zh, en = record.label(params["fine"])
    breaches.append(Breach(
        (params["fine"],),
        f"{zh}{_yuan(fine)}元超过当场处罚的限额：{party_zh}当场只能处以{_yuan(limit)}元以下罚款"
        "（《行政处罚法》第51条），应当适用普通程序",
        f"{en} of {_yuan(fine)} yuan is above the limit of a decision on the spot: {party_en} at most "
        f"{_yuan(limit)} yuan (APL Art. 51); the case takes the general procedure"))
    return breaches


register(RuleKind(
    "summary_within_limit", "SUMMARY_OVER_LIMIT", "《行政处罚法》第51条",
    {"fine": number_field("the fine decided (or proposed) on the spot"),
     "kinds": list_field("the penalty kinds decided (or proposed) on the spot", optional=True),
     "allowed_kinds": Param(TEXTS, optional=True, default=["warning", "fine"], enum_of="kinds",
                            doc="the choices of `kinds` a decision on the spot may make (default: warning, fine)"),
     "person_limit": Param(NUMBER, optional=True, default=200, doc="the highest fine for a person (default 200)"),
     "organization_limit": Param(NUMBER, optional=True, default=3000,
                                 doc="the highest fine for an organisation (default 3,000)"),
     "party_kind": text_field("the party's kind, where a form records it (default: the case's party)",
                              optional=True),
     "organization_kinds": Param(TEXTS, optional=True, default=["organization"], enum_of="party_kind",
                                 doc="the choices of `party_kind` that are organisations (default: organization)"),
     "other_law": text_field("the law that provides another limit (APL 51: 法律另有规定的，从其规定)", optional=True),
     "other_limit": number_field("the limit that law provides", optional=True)},
    summary_within_limit,
    doc="A decision on the spot is a warning or a fine within the summary limit of the party's kind, or of "
        "the law recorded as providing otherwise.",
    title=Phrase("Summary decision within its limit", "当场处罚不超过限额")))


# -- ON_SPOT_COLLECTION_NOT_ALLOWED (APL 68, 69) --------------------------------------------------------
def on_spot_collection_allowed(record: CaseRecord, params: dict) -> list[Breach]:
    """APL Art. 68: officers collect a fine on the spot only when it is at most 100 yuan, or when it
    could hardly be executed afterwards; Art. 69: in remote areas, on water or where transport is
    difficult, at the party's request. The amount collected is the fine."""
    if record.get(params["collected"]) is not True:
        return []
    collected_zh, collected_en = record.label(params["collected"])
    ground = record.get(params["ground"])
    ground_zh, ground_en = record.label(params["ground"])
    fine = record.get(params["fine"])
    breaches = []
    if not ground:
        breaches.append(Breach(
            (params["ground"], params["collected"]),
            f"{collected_zh}：须记明当场收缴的法定情形（{ground_zh}，《行政处罚法》第68条、第69条）",
            f"{collected_en}: the ground the law allows it on is to be recorded ({ground_en}; APL Art. 68, 69)"))
    elif ground == params["small_fine"]:
        if isinstance(fine, int | float) and fine > params["small_limit"]:
            fine_zh, fine_en = record.label(params["fine"])
            breaches.append(Breach(
                (params["ground"], params["fine"]),
                f"{fine_zh}{_yuan(fine)}元超过{_yuan(params['small_limit'])}元，不得以“依法给予{_yuan(params['small_limit'])}"
                "元以下罚款”为由当场收缴（《行政处罚法》第68条第1项）",
                f"{fine_en} of {_yuan(fine)} yuan is above {_yuan(params['small_limit'])} yuan: it cannot be "
                f"collected on the spot as a fine of at most {_yuan(params['small_limit'])} yuan (APL Art. 68(1))"))
    else:
        reason = record.get(params.get("reason"))
        if params.get("reason") and not (isinstance(reason, str) and reason.strip()):
            reason_zh, reason_en = record.label(params["reason"])
            breaches.append(Breach(
                (params["reason"], params["ground"]),
                f"{ground_zh}：当场收缴须记录事后难以执行或者到银行缴纳确有困难的具体情况（{reason_zh}，"
                "《行政处罚法》第68条第2项、第69条）",
                f"{ground_en}: collection on the spot needs the facts that make later payment hard on record "
                f"({reason_en}; APL Art. 68(2), 69)"))
    amount = record.get(params.get("amount"))
    if params.get("amount") and isinstance(amount, int | float) and isinstance(fine, int | float) \
            and round(amount * 100) != round(fine * 100):
        (amount_zh, amount_en), (fine_zh, fine_en) = record.label(params["amount"]), record.label(params["fine"])
        breaches.append(Breach(
            (params["amount"], params["fine"]),
            f"{amount_zh}{_yuan(amount)}元与{fine_zh}{_yuan(fine)}元不符",
            f"{amount_en} ({_yuan(amount)} yuan) is not {fine_en} ({_yuan(fine)} yuan)"))
    return breaches


register(RuleKind(
    "on_spot_collection_allowed", "ON_SPOT_COLLECTION_NOT_ALLOWED", "《行政处罚法》第68条、第69条",
    {"collected": bool_field("the fine was collected on the spot"),
     "fine": number_field("the fine decided"),
     "ground": text_field("the ground of the collection on the spot"),
     "small_fine": Param(TEXT, optional=True, default="small_fine", enum_of="ground",
                         doc="the choice of `ground` that is a fine of at most `small_limit` (default: small_fine)"),
     "small_limit": Param(NUMBER, optional=True, default=100,
                          doc="the highest fine collected on the spot for being small (default 100)"),
     "reason": text_field("why payment afterwards would be hard: recorded for every other ground", optional=True),
     "amount": number_field("the amount collected (the fine)", optional=True)},
    on_spot_collection_allowed,
    doc="A fine is collected on the spot only on a ground of APL Art. 68 or 69 on record: at most 100 yuan, or "
        "payment afterwards hard (its facts recorded); the amount collected is the fine.",
    title=Phrase("On-the-spot collection allowed", "当场收缴罚款符合法定情形")))
