"""The decision clock: approved extensions and the periods the law does not count.

Pure functions over the case's recorded forms (the data of its completed steps, oldest first), so
the same facts give the same due times wherever they are computed (services/cases/lifecycle.py recomputes
every due time at every step). What the clock reads is the package's: the `clock` section of
`bpmn/<id>/rules.json` names its forms, its extendable limits and its hearing period
(`ClockRules`; deploy checks it against the package's forms and deadlines), so a procedure whose
law extends other limits (a seizure's 30 days, AC 25) declares them without Python.

- Extensions (the general procedure: APL Art. 60; 市场监督管理行政处罚程序规定 Art. 18, 64): a
  limit a deadline names (`extendable as <limit>`) may be extended by at most `first_max` days
  with the head's approval; where `further_max` is more than 0, further, only by the heads'
  collective discussion, which fixes a reasonable period of at most that. Each extension is two
  steps: the officer's request (the request form: `limit`, `days`, `reason`) and the head's
  decision (the approval form: `decision` approve or refuse, `approved_days`, and
  `collective_discussion` when one is needed). One request of a case waits for its decision at a
  time, so a decision belongs to the request before it.
- Excluded periods (APL Art. 60; 市场监督管理行政处罚程序规定 Art. 64): hearing, testing,
  inspection, quarantine, expert assessment, identification by the right holder and announcement
  do not count in a limit `excluding periods`. The hearing period runs from the party's request
  (the first date present of those `hearing_period.from` names) to the day the hearing was held;
  the others are recorded by the officer (the period form: `kind`, `start_on`, `end_on`, `basis`),
  a correction naming the record it replaces (`replaces`). A period not ended yet runs through
  today.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..messages import Text, tr

# The fields the clock reads of the forms its section names (the mechanism's own contract: a
# package's forms have them, with these JSON types, or the deploy is refused).
REQUEST_FIELDS = {"limit": "string", "days": "integer", "reason": "string"}
APPROVAL_FIELDS = {"decision": "string", "approved_days": "integer", "collective_discussion": None}
PERIOD_FIELDS = {"kind": "string", "start_on": "string", "end_on": "string", "basis": "string", "replaces": "integer"}
APPROVE = "approve"
MAX_DAYS = 3650
KEYS = {"extension_request", "extension_approval", "excluded_period", "limits", "periods_article",
        "hearing_period", "$comment"}


@dataclass(frozen=True)
class ExtensionRule:
    limit: str
    label: str               # Chinese, e.g. 立案期限
    label_en: str            # e.g. filing limit
    first_max: int           # days (in the limit's own unit) the head may grant the first time
    further_max: int         # an upper bound on a further extension's "reasonable period"; 0: none
    article: str

    @property
    def further(self) -> bool:
        """Whether a further extension is possible (by collective discussion)."""
        return self.further_max > 0


@dataclass(frozen=True)
class HearingPeriod:
    requested: str               # <form>.<field>: whether the party asked for a hearing
    starts: tuple[str, ...]      # <form>.<field> dates: the first present is the request's day
    held: str                    # <form>.<field>: the day the hearing was held
    article: str

    @property
    def forms(self) -> frozenset[str]:
        return frozenset(ref.split(".", 1)[0] for ref in (self.requested, *self.starts, self.held))


@dataclass(frozen=True)
class ClockRules:
    """A version's clock: the forms it reads and its extendable limits, in the law's order."""

    request_form: str | None = None
    approval_form: str | None = None
    period_form: str | None = None
    limits: dict[str, ExtensionRule] = field(default_factory=dict)
    periods_article: str = ""
    hearing: HearingPeriod | None = None

    @property
    def forms(self) -> frozenset[str]:
        """Every form the clock reads."""
        named = {self.request_form, self.approval_form, self.period_form} - {None}
        return frozenset(named) | (self.hearing.forms if self.hearing else frozenset())


def _label(value: str) -> tuple[str, str]:
    zh, _, en = value.partition("|")
    return zh.strip(), (en or zh).strip()


def from_section(section: dict) -> ClockRules:
    """A `clock` section checked at deploy (`problems`) as the clock's rules."""
    limits = {}
    for limit, spec in section.get("limits", {}).items():
        zh, en = _label(spec["label"])
        limits[limit] = ExtensionRule(limit, zh, en, spec["first_max"], spec.get("further_max", 0), spec["article"])
    hearing = section.get("hearing_period")
    return ClockRules(
        section.get("extension_request"), section.get("extension_approval"), section.get("excluded_period"), limits,
        section.get("periods_article", ""),
        HearingPeriod(hearing["requested"], tuple(hearing["from"]), hearing["held"], hearing["article"])
        if hearing else None)


# The clock of the versions deployed before packages declared theirs (their rules.json has no
# `clock` section: the general procedure's law, which Python held then). A section always wins.
LEGACY = from_section({
    "extension_request": "extension_request", "extension_approval": "extension_approval",
    "excluded_period": "excluded_period",
    "limits": {
        "filing": {"label": "立案期限|filing limit", "first_max": 15, "article": "《市场监督管理行政处罚程序规定》第18条"},
        "decision": {"label": "作出处理决定期限|decision limit", "first_max": 30, "further_max": 365,
                     "article": "《行政处罚法》第60条；《市场监督管理行政处罚程序规定》第64条"}},
    "periods_article": "《行政处罚法》第60条；《市场监督管理行政处罚程序规定》第64条",
    "hearing_period": {"requested": "statement_defence.hearing_requested",
                       "from": ["statement_defence.answered_on", "hearing_notice.notice_served_on"],
                       "held": "hearing_record.held_on", "article": "《行政处罚法》第64条（听证期间）"}})


def of_rules(rules: dict | None, forms: dict) -> ClockRules:
    """The clock of a version: its package's section (deploy stores one for every version, empty
    where the package declares none); the legacy clock for a version stored before, when it has
    the legacy request form; else none (nothing extends)."""
    if isinstance(rules, dict) and "clock" in rules:
        return from_section(rules["clock"])
    return LEGACY if LEGACY.request_form in forms else ClockRules()


def _field(forms: dict, form: str, name: str) -> dict | None:
    node = ((forms.get(form) or {}).get("properties") or {}).get(name)
    return node if isinstance(node, dict) else None


def _form_problems(forms: dict, key: str, form, fields_: dict[str, str | None]) -> list[Text]:
    if form is None:
        return []
    if not isinstance(form, str) or form not in forms:
        return [tr("clock: %(key)s %(form)s names no form of the package", key=key, form=repr(form))]
    found = []
    for name, kind in fields_.items():
        schema = _field(forms, form, name)
        if schema is None:
            found.append(tr("clock: form %(form)s has no field %(field)s, which the clock reads", form=form,
                            field=name))
        elif kind and schema.get("type") not in (kind, [kind, "null"], ["null", kind]):
            found.append(tr("clock: field %(form)s.%(field)s is not of type %(type)s", form=form, field=name,
                            type=kind))
    return found


def _days_problem(value, where: str, *, minimum: int) -> list[Text]:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_DAYS:
        return [tr("clock: %(where)s is a whole number of days from %(min)d to %(max)d", where=where, min=minimum,
                   max=MAX_DAYS)]
    return []


def problems(section, forms: dict, ref_problems) -> list[Text]:
    """What is wrong with a package's `clock` section, against its forms: an unknown key, a form
    it names that the package lacks or that lacks a field the clock reads, a limit without its
    label, days or article, a request form offering a limit not declared (or the other way
    round), a hearing period reading fields that are not there. `ref_problems(ref, types,
    format, where)` checks a field reference (oversight/bindings.py)."""
    if not isinstance(section, dict):
        return [tr("clock: an object (its forms, limits and hearing period)")]
    found = [tr("clock: unknown key %(key)s", key=repr(k)) for k in sorted(set(section) - KEYS)]
    request, approval = section.get("extension_request"), section.get("extension_approval")
    if (request is None) != (approval is None):
        found.append(tr("clock: extension_request and extension_approval come together"))
    found += _form_problems(forms, "extension_request", request, REQUEST_FIELDS)
    limits_ = section.get("limits", {})
    further = not isinstance(limits_, dict) or any(
        isinstance(spec, dict) and spec.get("further_max", 0) for spec in limits_.values())
    # a collective discussion decides only a further extension: a package whose limits allow none
    # (行政强制法 Art. 25: once, by at most 30 days) need not ask for it
    found += _form_problems(forms, "extension_approval", approval,
                            APPROVAL_FIELDS if further else {k: v for k, v in APPROVAL_FIELDS.items()
                                                              if k != "collective_discussion"})
    found += _form_problems(forms, "excluded_period", section.get("excluded_period"), PERIOD_FIELDS)
    limits = section.get("limits", {})
    if not isinstance(limits, dict) or len(limits) > 20:
        return found + [tr("clock: limits is an object of at most 20 limits: name -> its rule")]
    for limit, spec in limits.items():
        where = tr("limit %(limit)s", limit=repr(limit))
        if not (isinstance(limit, str) and limit.replace("_", "a").isalpha() and limit.islower() and len(limit) <= 40):
            found.append(tr("clock: %(where)s: a name of lowercase letters and _ (at most 40)", where=where))
        if not isinstance(spec, dict):
            found.append(tr("clock: %(where)s is an object (label, first_max, further_max, article)", where=where))
            continue
        found += [tr("clock: %(where)s: unknown key %(key)s", where=where, key=repr(k))
                  for k in sorted(set(spec) - {"label", "first_max", "further_max", "article", "$comment"})]
        for key in ("label", "article"):
            if not isinstance(spec.get(key), str) or not spec[key].strip() or len(spec[key]) > 200:
                found.append(tr("clock: %(where)s: %(key)s is a text (at most 200 characters)", where=where, key=key))
        found += _days_problem(spec.get("first_max"), tr("%(where)s first_max", where=where), minimum=1)
        found += _days_problem(spec.get("further_max", 0), tr("%(where)s further_max", where=where), minimum=0)
    if limits and request is None:
        found.append(tr("clock: limits need the extension_request and extension_approval forms"))
    offered = (_field(forms, request, "limit") or {}).get("enum") if isinstance(request, str) else None
    if isinstance(offered, list) and isinstance(limits, dict) and set(offered) != set(limits):
        found.append(tr("clock: the request form's limit offers %(offered)s, the clock declares %(declared)s",
                        offered=", ".join(map(str, offered)) or "-", declared=", ".join(limits) or "-"))
    article = section.get("periods_article", "-")
    if not isinstance(article, str) or not article.strip():
        found.append(tr("clock: %(key)s is a text", key="periods_article"))
    hearing = section.get("hearing_period")
    if hearing is not None:
        found += _hearing_problems(hearing, ref_problems)
    return found


def _hearing_problems(hearing, ref_problems) -> list[Text]:
    where = tr("clock: hearing_period")
    if not isinstance(hearing, dict) or set(hearing) - {"requested", "from", "held", "article", "$comment"}:
        return [tr("%(where)s is an object of requested, from, held and article", where=where)]
    found = ref_problems(hearing.get("requested"), ("boolean",), None, where)
    starts = hearing.get("from")
    if not isinstance(starts, list) or not starts:
        found.append(tr("%(where)s: from is a non-empty list of date fields", where=where))
    else:
        found += [p for ref in starts for p in ref_problems(ref, ("string",), "date", where)]
    found += ref_problems(hearing.get("held"), ("string",), "date", where)
    if not isinstance(hearing.get("article"), str) or not hearing["article"].strip():
        found.append(tr("%(where)s: article is a text", where=where))
    return found


@dataclass(frozen=True)
class ClockRow:
    """One completed step the clock reads: its task id, form key and recorded data."""

    task_id: int | None
    form_key: str
    data: dict


@dataclass
class Extension:
    request_task_id: int | None
    limit: str
    days: int
    reason: str
    decision: str | None = None  # None while the head has not decided; approve | refuse
    approved_days: int = 0
    approval_task_id: int | None = None


def extensions(rows: list[ClockRow], rules: ClockRules) -> list[Extension]:
    """Every extension request of the case, oldest first, with the head's decision on it."""
    found: list[Extension] = []
    if rules.request_form is None:
        return found
    for row in rows:
        if row.form_key == rules.request_form:
            found.append(Extension(row.task_id, row.data.get("limit"), int(row.data.get("days") or 0),
                                   row.data.get("reason") or ""))
        elif row.form_key == rules.approval_form and found and found[-1].decision is None:
            ext = found[-1]
            ext.decision = row.data.get("decision")
            ext.approval_task_id = row.task_id
            if ext.decision == APPROVE:
                ext.approved_days = granted_days(ext, row.data)
    return found


def granted_days(ext: Extension, approval: dict) -> int:
    """The days an approval grants: those it names, else those requested."""
    days = approval.get("approved_days")
    return int(days) if isinstance(days, int) else ext.days


def approved_days(rows: list[ClockRow], rules: ClockRules) -> dict[str, int]:
    """limit -> the days of its approved extensions."""
    total: dict[str, int] = {}
    for ext in extensions(rows, rules):
        if ext.decision == APPROVE:
            total[ext.limit] = total.get(ext.limit, 0) + ext.approved_days
    return total


def pending_extension(rows: list[ClockRow], rules: ClockRules) -> Extension | None:
    found = extensions(rows, rules)
    return found[-1] if found and found[-1].decision is None else None


def approved_count(rows: list[ClockRow], rules: ClockRules, limit: str) -> int:
    return sum(1 for ext in extensions(rows, rules) if ext.limit == limit and ext.decision == APPROVE)


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date | None  # None: not ended yet (runs through today)
    basis: str
    task_id: int | None = None


def _day(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _get(latest: dict[str, dict], ref: str):
    form, _, name = ref.partition(".")
    return (latest.get(form) or {}).get(name)


def hearing_period(latest: dict[str, dict], hearing: HearingPeriod) -> Period | None:
    """From the party's request for a hearing to the day it was held (APL Art. 64); `latest`: the
    latest data of each form the period reads."""
    if not _get(latest, hearing.requested):
        return None
    start = next((day for day in (_day(_get(latest, ref)) for ref in hearing.starts) if day), None)
    if start is None:
        return None
    return Period("hearing", start, _day(_get(latest, hearing.held)), hearing.article)


def excluded_periods(rows: list[ClockRow], rules: ClockRules) -> list[Period]:
    """The periods not counted: the recorded ones (a correction replaces the record it names)
    and the hearing's."""
    recorded: dict[int | None, Period] = {}
    replaced: set[int] = set()
    latest: dict[str, dict] = {}
    hearing_forms = rules.hearing.forms if rules.hearing else frozenset()
    for row in rows:
        if row.form_key == rules.period_form:
            start = _day(row.data.get("start_on"))
            if start is None:
                continue
            if isinstance(row.data.get("replaces"), int):
                replaced.add(row.data["replaces"])
            recorded[row.task_id] = Period(row.data.get("kind", ""), start, _day(row.data.get("end_on")),
                                           row.data.get("basis", ""), row.task_id)
        if row.form_key in hearing_forms:
            latest[row.form_key] = row.data
    periods = [p for task_id, p in recorded.items() if task_id not in replaced]
    hearing = hearing_period(latest, rules.hearing) if rules.hearing else None
    return periods + ([hearing] if hearing else [])


def excluded_days(periods: list[Period], today: date) -> frozenset[date]:
    """Every day of the periods, both ends included; an open period runs through today."""
    days: set[date] = set()
    for period in periods:
        end = period.end or max(today, period.start)
        day = period.start
        while day <= end:
            days.add(day)
            day += timedelta(days=1)
    return frozenset(days)
