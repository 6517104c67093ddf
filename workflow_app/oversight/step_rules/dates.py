"""Rule kinds on dates: the legal order of the dated acts and no date in the future
(`dates_in_order`, `instalments_in_order`: DATES_OUT_OF_ORDER), the limitation period
(`within_limitation`: LIMITATION_EXPIRED, APL 36) and the decision on evidence preserved
(`preservation_decided_in_time`: EVIDENCE_PRESERVATION_LATE, APL 56)."""
from datetime import date, datetime, timedelta
from functools import lru_cache

from ...messages import Phrase
from ..bindings import FIELDS, NUMBER, PAIRS, Param, RuleKind, register
from ..calendar import LOCAL_TZ, working_days_after
from .record import Breach, CaseRecord, bool_field, date_field, form_of

GROUP = Phrase("Dates and limitation", "日期与时效")

# -- DATES_OUT_OF_ORDER ----------------------------------------------------------------------------
# A time recorded on a phone may run a little ahead of the server's clock.
FUTURE_SLACK = timedelta(minutes=5)


def _shown(at: datetime) -> str:
    """A recorded instant as the reader sees it: Beijing time, to the minute."""
    return at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


@lru_cache(maxsize=64)
def _closure(edges: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Every (earlier, later) the edges imply: a step that did not happen (no hearing) does not
    break the chain between the steps around it."""
    later: dict[str, set[str]] = {}
    for a, b in edges:
        later.setdefault(a, set()).add(b)
    pairs = []
    for start in later:
        seen, stack = set(), [start]
        while stack:
            for nxt in later.get(stack.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        pairs.extend((start, b) for b in sorted(seen))
    return tuple(sorted(pairs))


@lru_cache(maxsize=64)
def _by_form(pairs: tuple[tuple[str, str], ...]) -> dict[str, tuple[list[str], list[tuple[str, str]]]]:
    """form -> (its dates that the order names, sorted; the pairs whose later date is its own)."""
    forms: dict[str, tuple[set[str], list[tuple[str, str]]]] = {}
    for pair in pairs:
        for ref in pair:
            forms.setdefault(form_of(ref), (set(), []))[0].add(ref)
        forms[form_of(pair[1])][1].append(pair)
    return {form: (sorted(own), later) for form, (own, later) in forms.items()}


def dates_in_order(record: CaseRecord, params: dict) -> list[Breach]:
    pairs = _closure(tuple(tuple(p) for p in params["order"]))
    scheduled = set(params.get("scheduled") or ())
    breaches = []
    own, later_here = _by_form(pairs).get(record.form_key, ([], []))
    for ref in own:
        day, at = record.day(ref), record.instant(ref)
        if ref in scheduled:
            continue
        if day is not None and day > record.today:
            zh, en = record.label(ref)
            breaches.append(Breach(
                (ref,), f"{zh}为{day}，晚于今天（{record.today}，北京时间），不得记录将来的日期",
                f"{en} is {day}, after today ({record.today}, Beijing time): a date cannot be in the future"))
        elif at is not None and record.now is not None and at > record.now + FUTURE_SLACK:
            zh, en = record.label(ref)
            shown = _shown(at)
            breaches.append(Breach(
                (ref,), f"{zh}为{shown}（北京时间），晚于现在，不得记录将来的时间",
                f"{en} is {shown} Beijing time, later than now: a time cannot be in the future"))
    for earlier, later in later_here:
        # The submitted dates against those the legal order puts before them. A later step already
        # on record belongs to an earlier round (e.g. before legal review returned the case) and
        # is done again after this one, so it is not held against it. Two dates and times (an
        # urgent measure and its report) are held to their order by the minute; otherwise by day.
        first_at, second_at = record.instant(earlier), record.instant(later)
        if first_at is not None and second_at is not None:
            if first_at <= second_at:
                continue
            (later_zh, later_en), (earlier_zh, earlier_en) = record.label(later), record.label(earlier)
            first, second = _shown(first_at), _shown(second_at)
            breaches.append(Breach(
                (later, earlier), f"{later_zh}（{second}）早于{earlier_zh}（{first}），不符合法定程序顺序",
                f"{later_en} ({second}) is before {earlier_en} ({first}): out of the legal order of the steps"))
            continue
        first, second = record.day(earlier), record.day(later)
        if first is None or second is None or first <= second:
            continue
        (later_zh, later_en), (earlier_zh, earlier_en) = record.label(later), record.label(earlier)
        breaches.append(Breach(
            (later, earlier), f"{later_zh}（{second}）早于{earlier_zh}（{first}），不符合法定程序顺序",
            f"{later_en} ({second}) is before {earlier_en} ({first}): out of the legal order of the steps"))
    return breaches


register(RuleKind(
    "dates_in_order", "DATES_OUT_OF_ORDER", "《行政处罚法》第44条、第57条、第61条、第64条",
    {"order": Param(PAIRS, ("string",), "date", doc=(
        "the legal order of the dated acts, as [earlier, later] date fields; checked through its "
        "transitive closure, so a step that did not happen does not break the chain")),
     "scheduled": Param(FIELDS, ("string",), "date", optional=True, doc=(
         "dates set for the future when recorded (the day the hearing will be held)"))},
    dates_in_order,
    doc="A date of the submitted form is not in the future (unless scheduled) and not before a date the "
        "legal order puts before it. Bind it on every form whose dates `order` names.",
    title=Phrase("Dates in their legal order", "日期先后有序")))


def instalments_in_order(record: CaseRecord, params: dict) -> list[Breach]:
    """Each instalment recorded as paid lies between the decision's service and today."""
    served = record.day(params["served"])
    served_zh, served_en = record.label(params["served"])
    breaches = []
    for i, (ref, value) in enumerate(record.each(params["paid_on"])):
        try:
            day = date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            day = None
        if day is None:
            continue
        zh, en = record.title(ref)
        if day > record.today:
            breaches.append(Breach((ref,), f"第{i + 1}期{zh}{day}晚于今天（{record.today}），不得记录将来的日期",
                                   f"{en} of instalment {i + 1} ({day}) is after today ({record.today})"))
        elif served is not None and day < served:
            breaches.append(Breach((ref, params["served"]),
                                   f"第{i + 1}期{zh}{day}早于{served_zh}（{served}），不符合法定程序顺序",
                                   f"{en} of instalment {i + 1} ({day}) is before {served_en} ({served})"))
    return breaches


register(RuleKind(
    "instalments_in_order", "DATES_OUT_OF_ORDER", "《行政处罚法》第61条、第66条、第67条",
    {"paid_on": date_field("the date of each instalment paid, through its rows (`form.rows.*.date`)"),
     "served": date_field("the day the decision was served")},
    instalments_in_order,
    doc="Each instalment paid is dated between the decision's service and today.",
    title=Phrase("Instalments dated in order", "分期缴纳日期有序")))


# -- LIMITATION_EXPIRED (APL 36) --------------------------------------------------------------------
def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def within_limitation(record: CaseRecord, params: dict) -> list[Breach]:
    """Two years from the violation (five where life, health or financial safety was endangered
    with harmful consequences); for a continuing violation (连续或者继续状态) from the day it ended,
    and not at all while it goes on."""
    violated, received = record.day(params["violated"]), record.day(params["discovered"])
    if violated is None or received is None:
        return []
    start, start_ref = violated, params["violated"]
    continuing = record.get(params.get("continuing")) is True
    if continuing:
        start, start_ref = record.day(params.get("ended")), params.get("ended")
        if start is None:
            return []  # still going on when discovered: the period has not begun
    years = int(params["years_endangered"] if record.get(params.get("endangered")) is True else params["years"])
    limit = _years_after(start, years)
    if received <= limit:
        return []
    (start_zh, start_en), (found_zh, found_en) = record.label(start_ref), record.label(params["discovered"])
    what_zh = f"违法行为的连续或继续状态于{start}终了（{start_zh}）" if continuing else f"违法行为发生于{start}（{start_zh}）"
    what_en = f"the continuing violation ended on {start} ({start_en})" if continuing \
        else f"the violation of {start} ({start_en})"
    return [Breach(
        (params["discovered"], start_ref),
        f"{what_zh}，{years}年内（至{limit}）未被发现，{received}发现（{found_zh}）的不再给予行政处罚",
        f"{what_en} was not discovered within {years} years (by {limit}); discovered on "
        f"{received} ({found_en}), it may no longer be penalized")]


register(RuleKind(
    "within_limitation", "LIMITATION_EXPIRED", "《行政处罚法》第36条",
    {"violated": date_field("the day of the violation"),
     "discovered": date_field("the day it was discovered (the clue received)"),
     "continuing": bool_field("the violation is continuous or continuing", optional=True),
     "ended": date_field("the day a continuing violation ended", optional=True),
     "endangered": bool_field("life, health or financial safety endangered with harmful consequences",
                              optional=True),
     "years": Param(NUMBER, ("integer",), optional=True, default=2, doc="the limitation period (APL 36: 2 years)"),
     "years_endangered": Param(NUMBER, ("integer",), optional=True, default=5,
                               doc="the period where `endangered` (APL 36: 5 years)")},
    within_limitation,
    doc="A violation discovered after its limitation period may no longer be penalized.",
    title=Phrase("Within the limitation period", "未超过行政处罚追责时效")))


# -- EVIDENCE_PRESERVATION_LATE (APL 56) -------------------------------------------------------------
def preservation_decided_in_time(record: CaseRecord, params: dict) -> list[Breach]:
    if record.get(params["applied"]) is not True:
        return []
    days = int(params["working_days"])
    preserved, decided = record.day(params["preserved"]), record.day(params["decided"])
    missing = [ref for ref, day in ((params["preserved"], preserved), (params["decided"], decided)) if day is None]
    if missing:
        labels = [record.label(ref) for ref in missing]
        return [Breach(
            tuple(missing), f"采取先行登记保存的，应当记录保存日期及{days}个工作日内作出处理决定的日期"
                            f"（缺少{'、'.join(zh for zh, _ in labels)}）",
            f"evidence was preserved: the day it was preserved and the day of the decision on it (within {days} "
            f"working days) must be recorded ({', '.join(en for _, en in labels)} missing)")]
    limit = working_days_after(preserved, days)
    if decided <= limit:
        return []
    zh, en = record.label(params["decided"])
    return [Breach(
        (params["decided"], params["preserved"]),
        f"证据于{preserved}先行登记保存，应在{days}个工作日内（至{limit}）作出处理决定，"
        f"{zh}为{decided}，已逾期",
        f"evidence preserved on {preserved} must be decided on within {days} working days "
        f"(by {limit}); {en} is {decided}, late")]


register(RuleKind(
    "preservation_decided_in_time", "EVIDENCE_PRESERVATION_LATE", "《行政处罚法》第56条",
    {"applied": bool_field("evidence was preserved (先行登记保存)"),
     "preserved": date_field("the day it was preserved"),
     "decided": date_field("the day of the decision on it"),
     "working_days": Param(NUMBER, ("integer",), optional=True, default=7,
                           doc="working days to decide (APL 56: 7)")},
    preservation_decided_in_time,
    doc="Evidence preserved is decided on within the working days the law gives.",
    title=Phrase("Preserved evidence decided on in time", "先行登记保存的证据及时处理")))
