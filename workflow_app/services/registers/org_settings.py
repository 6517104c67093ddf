"""A department's settings: what its decisions name (APL 59, 67) - the bank, account and place
where the fine is paid, the body that hears an application for reconsideration and the court
with jurisdiction over a suit (stored as org_unit.settings, set by an administrator).

The reconsideration body, unless set, is the people's government at the department's own level
(行政复议法 Art. 24, revised 2023: a county-level department's decisions are reconsidered by the
county-level government): for a department of 清河区, 清河区人民政府. Where that law names the
department above (Art. 24(1)(…): 海关, 金融, 外汇, 税务, 国家安全 organs), the administrator sets it
and the setting wins. The court, unless set, is the basic people's court of the department's
district (行政诉讼法 Art. 18: the court where the organ that first acted is located), e.g.
清河区人民法院; a department of a city or province has no derived court and must have it set.
"""
from ...models import OrgUnit
from ...oversight.step_rules.decision import normalised_name as normalised  # noqa: F401 - as the rule compares
from ..audit import trail as audit
from ..errors import Invalid, tr
from ..transactions import one_transaction

# key -> the longest value kept (the decision's fields allow 300 characters; a manner of
# performance is built from bank, account and place).
FIELDS = {"payment_bank": 200, "payment_account": 64, "payment_place": 300, "reconsideration_body": 300,
          "court": 300}
_LEVEL_GOVERNMENT = {"district": "人民政府", "city": "人民政府", "province": "人民政府"}


def _junk(value: str) -> bool:
    """Control characters, DEL, lone surrogates, non-characters: never printed on a decision."""
    return any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF or ord(c) in (0x7F, 0xFFFE, 0xFFFF) for c in value)


def _level_unit(unit: OrgUnit) -> OrgUnit | None:
    """The unit whose government and court are the department's own level: the nearest
    district, city or province above it (or itself)."""
    node, seen = unit, 0
    while node is not None and seen < 20:
        if node.kind in _LEVEL_GOVERNMENT:
            return node
        node, seen = node.parent, seen + 1
    return None


DERIVED = ("reconsideration_body", "court")  # the settings the tree gives a default for


def derived(unit: OrgUnit) -> dict:
    """What the tree says where nothing is set: the reconsideration body (the people's government
    at the department's level) and, for a district's department, the district's people's court."""
    level = _level_unit(unit)
    if level is None:
        return {}
    out = {"reconsideration_body": f"{level.name}人民政府"}
    if level.kind == "district":
        out["court"] = f"{level.name}人民法院"
    return out


def settings_of(unit: OrgUnit) -> dict:
    """The department's settings in force: each key its set value, else the derived one, else None."""
    stored = unit.settings or {}
    # the tree is walked only for what is not set (a step reads the settings: no parent unit read
    # where the department has its own)
    fallback = derived(unit) if any(not stored.get(key) for key in DERIVED) else {}
    return {key: stored.get(key) or fallback.get(key) for key in FIELDS}


def payment_manner(unit: OrgUnit) -> str | None:
    """The manner of performance a decision prints (APL 59(1)(5), 67): where and to which account
    the fine is paid within 15 days, and the late fee after them (APL 72); None where nothing of
    the payment is set."""
    s = settings_of(unit)
    if not (s["payment_bank"] or s["payment_place"] or s["payment_account"]):
        return None
    where = "、".join(x for x in (s["payment_place"], s["payment_bank"]) if x)
    account = f"（账号：{s['payment_account']}）" if s["payment_account"] else ""
    return (f"自收到本决定书之日起十五日内，到{where}{account}缴纳罚款；"
            "到期不缴纳罚款的，每日按罚款数额的百分之三加处罚款，加处罚款的数额不超出罚款的数额")


def set_settings(actor, code: str, **values) -> OrgUnit:
    """Set a department's settings (admin): each key given replaces the stored one; an empty
    string removes it (the derived value, if any, applies again)."""
    from ..people.users import unit_by_code

    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise Invalid({key: [tr("not a department setting")] for key in unknown})
    unit = unit_by_code(code)
    current = dict(unit.settings or {})
    errors: dict[str, list] = {}
    for key, value in values.items():
        if value is None:
            continue
        if not isinstance(value, str):
            errors[key] = [tr("a text")]
            continue
        value = value.strip()
        if not value:
            current.pop(key, None)
        elif len(value) > FIELDS[key] or _junk(value):
            errors[key] = [tr("1 to %(limit)d printable characters", limit=FIELDS[key])]
        else:
            current[key] = value
    if errors:
        raise Invalid(errors)
    with one_transaction():
        unit.settings = current or None
        audit.record("org_unit.settings_set", actor=actor, data={"code": code, "settings": current})
    return unit


def describe(unit: OrgUnit) -> str:
    """The settings as `flask org settings` prints them: one line a key, derived values marked."""
    stored = unit.settings or {}
    lines = [unit.code]
    for key, value in settings_of(unit).items():
        mark = "" if key in stored or value is None else "  (derived)"
        lines.append(f"  {key}: {value if value is not None else '-'}{mark}")
    return "\n".join(lines)
