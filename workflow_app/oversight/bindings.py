"""Rule bindings: a procedure package binds the law's rule kinds to its own forms and fields.

Python keeps the library of rule *kinds* (`KINDS`, registered by oversight/step_rules/): each a
pure function of the case's record and its parameters, with its code and article. A package says
in `bpmn/<id>/rules.json` which kinds govern which of its forms, and which of its fields each
parameter reads, e.g.

    {"rules": [{"kind": "heavier_after_defence", "on": ["penalty_decision"],
                "params": {"decided_fine": "penalty_decision.fine_amount",
                           "notified_fine": "penalty_notice.notified_fine"}}]}

`on` names the package's form keys (every step that records one of them is governed); a field
parameter names `<form key>.<field>` of the package's forms. Nothing is keyed by a form name
shared across procedures: a procedure that binds no rule is governed by none.

Why a file beside the BPMN rather than extension properties inside it: one rule reads several
steps' fields (the decision against the notice), so it belongs to no single element; the
bindings are data with a schema per kind that deploy checks against the package's forms, and
that the workbench ([8/9]) edits as a form of its own, while diagram edits (layout churn) leave
them untouched in review.
"""
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from ..messages import Phrase, Text, tr
from . import clock, conditions
from .deadlines import form_day, form_instant

FIELD, FIELDS, FORM, NUMBER, TEXT, TEXTS, PAIRS, MAP = (
    "field", "fields", "form", "number", "text", "texts", "pairs", "map")
PARAM_KINDS = (FIELD, FIELDS, FORM, NUMBER, TEXT, TEXTS, PAIRS, MAP)
MAX_BINDINGS = 500
MAX_CONDITIONS = 20
WHEN = "when"  # the condition of an act date given under one
# rules.json: form key -> the conditions under which the overdue alert of a step of that form does
# not apply (services/oversight/alerts.py).
OVERDUE_ALERT_UNLESS = "overdue_alert_unless"


@dataclass(frozen=True)
class Param:
    """One parameter of a rule kind. `kind`: a field reference (`form.field`), a list of them, a
    form key, a number, a text, a list of texts, a list of [earlier, later] field pairs, or a map
    of form key -> field name(s). A field reference may go into a field's rows or items with `*`
    (`execution.instalments_paid.*.paid_on`: the date of every row).

    `types`: the JSON Schema types a referenced field may have (empty: any; for a number,
    ("integer",) asks a whole number); `format`: its string format ("date"). `default`: the value
    of an optional parameter the binding leaves out (a period the law sets, a form's choice).
    `enum_of`: a text naming one of the choices (`enum`) of the field another parameter names,
    checked at deploy (a misspelt choice would silently switch the rule off)."""

    kind: str
    types: tuple[str, ...] = ()
    format: str | None = None
    optional: bool = False
    doc: str = ""
    default: object = None
    enum_of: str | None = None


# What a kind's breach does. REFUSE: the step is refused (422, the case unchanged). BEFORE_FORM:
# likewise, but the kind reads only the case's earlier record, so it is checked before an ad-hoc
# step's form is typed (the case page says why the step cannot start now) as well as when it is
# submitted. ALERT: the step is taken and each breach raises the kind's oversight alert in the
# step's transaction (services/oversight/alerts.after_step): the law leaves the act to the officer but the
# supervisor must see it (a fine outside its benchmark).
REFUSE, BEFORE_FORM, ALERT = "refuse", "before_form", "alert"


@dataclass(frozen=True)
class RuleKind:
    name: str  # e.g. heavier_after_defence
    code: str  # the alert catalogue's code (DOMAIN.md), e.g. HEAVIER_AFTER_DEFENCE
    article: str  # the legal basis, in Chinese
    params: Mapping[str, Param]
    check: Callable  # (record, params) -> list[Breach], params completed with their defaults
    doc: str = ""
    effect: str = REFUSE
    title: Phrase | None = None  # its name for the workbench's author, in Chinese and English

    def complete(self, params: Mapping) -> dict:
        """The binding's parameters with the defaults of those it leaves out."""
        return {**{name: p.default for name, p in self.params.items() if p.default is not None}, **params}

    def run(self, record, params: Mapping) -> list:
        return list(self.check(record, self.complete(params)))


KINDS: dict[str, RuleKind] = {}


def register(kind: RuleKind) -> RuleKind:
    if kind.name in KINDS:
        raise ValueError(f"rule kind {kind.name} registered twice")
    KINDS[kind.name] = kind
    return kind


@dataclass(frozen=True)
class Binding:
    """A kind bound to a package's forms with its parameters' values."""

    kind: RuleKind
    on: frozenset[str]
    params: Mapping = field(default_factory=dict)


def field_schema(forms: dict, ref: str) -> dict | None:
    form, _, name = ref.partition(".")
    return _schema_at(forms.get(form), name.split(".")) if name else None


def _schema_at(node, parts: list[str]) -> dict | None:
    """The schema at a path of a form's fields: `*` (or a row's number) goes into an array's
    items, or into every property of an object of like items (a checklist), all of which must
    have the rest of the path."""
    for i, part in enumerate(parts):
        if not isinstance(node, dict):
            return None
        if (part.isdigit() or part == "*") and "items" in node:
            node = node.get("items")
        elif part == "*" and isinstance(node.get("properties"), dict) and node["properties"]:
            found = [_schema_at(child, parts[i + 1:]) for child in node["properties"].values()]
            return found[0] if all(f is not None for f in found) else None
        else:
            node = (node.get("properties") or {}).get(part)
    return node if isinstance(node, dict) else None


def _choices(schema: dict) -> list | None:
    """The values a field may take (its `enum`, or its items' for a list)."""
    enum = schema.get("enum")
    if enum is None and isinstance(schema.get("items"), dict):
        enum = schema["items"].get("enum")
    return enum if isinstance(enum, list) else None


def _type_of(schema: dict) -> set[str]:
    kind = schema.get("type")
    return set(kind) if isinstance(kind, list) else {kind} if kind else set()


def _ref_problems(forms: dict, ref, param: Param, where: str) -> list[Text]:
    if not isinstance(ref, str) or "." not in ref:
        return [tr("%(where)s: %(ref)s is not a field reference (<form key>.<field>)", where=where, ref=repr(ref))]
    form = ref.split(".", 1)[0]
    if form not in forms:
        return [tr("%(where)s: %(ref)s names no form of the package (%(form)s)", where=where, ref=ref, form=form)]
    schema = field_schema(forms, ref)
    if schema is None:
        return [tr("%(where)s: form %(form)s has no field %(ref)s", where=where, form=form, ref=ref)]
    if param.types and not (_type_of(schema) & set(param.types)):
        return [tr("%(where)s: field %(ref)s is %(found)s; the rule needs %(types)s", where=where, ref=ref,
                   found="/".join(sorted(t for t in _type_of(schema) if t)) or "untyped",
                   types=" or ".join(param.types))]
    if param.format and schema.get("format") != param.format and not (
            param.format == "date" and schema.get("format") == "date-time"):  # a date and time has its date
        return [tr("%(where)s: field %(ref)s is not of format %(format)s", where=where, ref=ref,
                   format=param.format)]
    return []


def _param_problems(forms: dict, name: str, param: Param, value, where: str) -> list[Text]:
    where = tr("%(where)s, parameter %(name)s", where=where, name=name)
    if param.kind == FIELD:
        return _ref_problems(forms, value, param, where)
    if param.kind == FIELDS:
        if not isinstance(value, list) or not value:
            return [tr("%(where)s: a non-empty list of field references", where=where)]
        return [p for ref in value for p in _ref_problems(forms, ref, param, where)]
    if param.kind == PAIRS:
        if not isinstance(value, list) or not all(isinstance(v, list) and len(v) == 2 for v in value):
            return [tr("%(where)s: a list of [earlier, later] field references", where=where)]
        return [p for pair in value for ref in pair for p in _ref_problems(forms, ref, param, where)]
    if param.kind == FORM:
        if value not in forms:
            return [tr("%(where)s: %(value)s names no form of the package", where=where, value=repr(value))]
        return []
    if param.kind == MAP:
        if not isinstance(value, dict):
            return [tr("%(where)s: an object of form key -> field name(s)", where=where)]
        problems = []
        for form, names in value.items():
            for name_ in names if isinstance(names, list) else [names]:
                problems += _ref_problems(forms, f"{form}.{name_}", param, where)
        return problems
    if param.kind == NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            return [tr("%(where)s: a number", where=where)]
        if "integer" in param.types and (value < 0 or value != int(value) or value > 10000):
            return [tr("%(where)s: a whole number from 0 to 10000", where=where)]
        return []
    if param.kind == TEXT:
        return [] if isinstance(value, str) and value else [tr("%(where)s: a text", where=where)]
    if param.kind == TEXTS:
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            return [tr("%(where)s: a non-empty list of texts", where=where)]
        return []
    return [tr("%(where)s: unknown parameter kind", where=where)]


def problems(rules, forms: dict) -> list[Text]:
    """What is wrong with a package's rules.json, against its forms: an unknown kind, a form it
    is bound on that the package does not have, a missing, unknown or ill-typed parameter."""
    return [message for _rule, message in problems_by_rule(rules, forms)]


def problems_by_rule(rules, forms: dict) -> list[tuple[int | None, Text]]:
    """`problems`, each with the index in `rules` of the binding it concerns (None: the file's other
    parts), so the workbench shows a binding's problems on it before it is saved."""
    if not isinstance(rules, dict) or not isinstance(rules.get("rules", []), list):
        return [(None, tr('the rule bindings are an object with a list "rules"'))]
    unknown_keys = sorted(set(rules) - {"rules", "act_dates", "milestone_dates", OVERDUE_ALERT_UNLESS, "clock",
                                        "$comment"})
    found = [(None, tr("unknown key %(key)s of the rule bindings", key=repr(k))) for k in unknown_keys]
    entries = rules.get("rules", [])
    if len(entries) > MAX_BINDINGS:
        return [(None, tr("%(count)d rule bindings; the limit is %(limit)d", count=len(entries), limit=MAX_BINDINGS))]
    for i, entry in enumerate(entries):
        found += [(i, message) for message in _binding_problems(i, entry, forms)]
    others = []
    act_dates = rules.get("act_dates", {})
    if not isinstance(act_dates, dict):
        others.append(tr('"act_dates" is an object of form key -> its date field(s)'))
    else:
        others += _act_date_problems(forms, act_dates)
    if OVERDUE_ALERT_UNLESS in rules:
        others += _unless_problems(forms, rules[OVERDUE_ALERT_UNLESS])
    milestone_dates = rules.get("milestone_dates", {})
    if not isinstance(milestone_dates, dict):
        others.append(tr('"milestone_dates" is an object of milestone code -> the date field that records it'))
    else:
        for code, ref in sorted(milestone_dates.items()):
            others += _ref_problems(forms, ref, Param(FIELD, ("string",), "date"),
                                    tr("the date of milestone %(code)s", code=code))
    if "clock" in rules:
        others += clock.problems(rules["clock"], forms, lambda ref, types, format_, where: _ref_problems(
            forms, ref, Param(FIELD, types, format_), where))
    return found + [(None, message) for message in others]


def _binding_problems(i: int, entry, forms: dict) -> list[Text]:
    """What is wrong with the binding at index `i` of the file."""
    where = tr("rule %(number)d", number=i + 1)
    if not isinstance(entry, dict):
        return [tr("%(where)s: a binding is an object", where=where)]
    kind = KINDS.get(entry.get("kind"))
    if kind is None:
        return [tr("%(where)s: unknown rule kind %(kind)s (known: %(kinds)s)", where=where,
                   kind=repr(entry.get("kind")), kinds=", ".join(sorted(KINDS)))]
    where = tr("rule %(number)d (%(kind)s)", number=i + 1, kind=kind.name)
    extra = sorted(set(entry) - {"kind", "on", "params", "$comment"})
    found = [tr("%(where)s: unknown key %(key)s", where=where, key=repr(k)) for k in extra]
    on = entry.get("on")
    if not isinstance(on, list) or not on or not all(isinstance(f, str) for f in on):
        found.append(tr("%(where)s: \"on\" lists the form keys of the steps it governs", where=where))
    else:
        found += [tr("%(where)s: it is bound on form %(form)s, which the package does not have", where=where,
                     form=repr(f)) for f in on if f not in forms]
    params = entry.get("params", {})
    if not isinstance(params, dict):
        found.append(tr("%(where)s: \"params\" is an object", where=where))
        return found
    found += [tr("%(where)s: unknown parameter %(name)s", where=where, name=repr(n))
              for n in sorted(set(params) - set(kind.params))]
    mine = []
    for name, param in kind.params.items():
        if name not in params:
            if not param.optional:
                mine.append(tr("%(where)s: parameter %(name)s is required", where=where, name=name))
            continue
        mine += _param_problems(forms, name, param, params[name], where)
    found += mine
    if not mine:
        found += _choice_problems(kind, params, forms, where)
        if isinstance(on, list):
            read = _forms_read(kind, params)
            found += [tr("%(where)s: it is bound on form %(form)s, but reads no field of it", where=where,
                         form=repr(f)) for f in on if f in forms and f not in read]
    return found


def _act_date_problems(forms: dict, act_dates: dict) -> list[Text]:
    """Each form's act date: a date field of it, or a list of them, each a name or {"field": <name>,
    "when": <condition>} on a field of the same form (it is read on the step's own data)."""
    found = []
    for form, entries in sorted(act_dates.items()):
        where = tr("the act dates, form %(form)s", form=form)
        plain = [] if isinstance(entries, str | dict) else entries if isinstance(entries, list) else None
        if plain is None or (isinstance(entries, list) and not entries):
            found.append(tr("%(where)s: a date field, or a list of them", where=where))
            continue
        for entry in [entries] if isinstance(entries, str | dict) else plain:
            if isinstance(entry, dict):
                when = conditions.parse(entry.get(WHEN))
                if set(entry) != {conditions.FIELD, WHEN} or not isinstance(entry.get(conditions.FIELD), str) \
                        or when is None:
                    found.append(tr('%(where)s: a date given under a condition is {"field": <date field>, '
                                    '"when": %(shapes)s}', where=where, shapes=conditions.SHAPES))
                    continue
                if when.form != form:
                    found.append(tr("%(where)s: the condition of a date reads the step's own form %(form)s, "
                                    "not %(ref)s", where=where, form=form, ref=when.ref))
                    continue
                found += conditions.problems(when, forms, where)
                entry = entry[conditions.FIELD]
            found += _ref_problems(forms, f"{form}.{entry}" if isinstance(entry, str) else entry,
                                   Param(FIELD, ("string",), "date"), where)
    return found


def _unless_problems(forms: dict, unless) -> list[Text]:
    """`overdue_alert_unless`: form key -> a non-empty list of conditions (oversight/conditions.py)."""
    if not isinstance(unless, dict):
        return [tr('"%(key)s" is an object of form key -> the conditions under which the overdue alert of its '
                   'steps does not apply', key=OVERDUE_ALERT_UNLESS)]
    found = []
    for form, declared in sorted(unless.items()):
        if form == "$comment":
            continue
        where = tr("%(key)s, form %(form)s", key=OVERDUE_ALERT_UNLESS, form=form)
        if form not in forms:
            found.append(tr("%(where)s: the package has no form %(form)s", where=where, form=repr(form)))
            continue
        if not isinstance(declared, list) or not declared or len(declared) > MAX_CONDITIONS:
            found.append(tr("%(where)s: a list of 1 to %(limit)d conditions", where=where, limit=MAX_CONDITIONS))
            continue
        for i, entry in enumerate(declared):
            place = tr("%(where)s, condition %(number)d", where=where, number=i + 1)
            condition = conditions.parse(entry)
            if condition is None:
                found.append(tr("%(where)s: a condition is %(shapes)s", where=place, shapes=conditions.SHAPES))
            else:
                found += conditions.problems(condition, forms, place)
    return found


def overdue_alert_excused(rules: dict | None, form_key: str | None, forms: Mapping[str, dict | None]
                          ) -> conditions.Condition | None:
    """The first of the conditions the package declares for the steps of `form_key`
    (`overdue_alert_unless`) that holds on `forms` (form key -> data: the record as the step sees it,
    its own form being what it records), under which its overdue alert does not apply; None: it
    applies."""
    declared = ((rules or {}).get(OVERDUE_ALERT_UNLESS) or {}).get(form_key or "") or ()
    return next((c for c in map(conditions.parse, declared) if c is not None and c.holds(forms)), None)


def _choice_problems(kind: RuleKind, params: dict, forms: dict, where: Text) -> list[Text]:
    """A text parameter naming a choice of a field (its `enum_of`), the default included, that the
    field does not offer."""
    found = []
    for name, param in kind.params.items():
        ref = params.get(param.enum_of) if param.enum_of else None
        value = params.get(name, param.default)
        schema = field_schema(forms, ref) if isinstance(ref, str) else None
        choices = _choices(schema) if schema else None
        if value is None or choices is None:
            continue
        wrong = [v for v in (value if isinstance(value, list | tuple) else [value]) if v not in choices]
        if wrong and name in params:
            found.append(tr("%(where)s, parameter %(name)s: %(value)s is not a choice of field %(ref)s (%(choices)s)",
                            where=where, name=name, value=", ".join(map(repr, wrong)), ref=ref,
                            choices=", ".join(map(str, choices))))
        elif wrong:
            found.append(tr("%(where)s, parameter %(name)s: its default %(value)s is not a choice of field %(ref)s "
                            "(%(choices)s); set it", where=where, name=name, value=", ".join(map(repr, wrong)),
                            ref=ref, choices=", ".join(map(str, choices))))
    return found


def _forms_read(kind: RuleKind, params: dict) -> set[str]:
    """The forms a binding's parameters name."""
    read = set()
    for name, param in kind.params.items():
        value = params.get(name)
        if param.kind == FIELD and isinstance(value, str):
            read.add(value.split(".", 1)[0])
        elif param.kind in (FIELDS, PAIRS) and isinstance(value, list):
            refs = [r for v in value for r in (v if isinstance(v, list) else [v])]
            read |= {r.split(".", 1)[0] for r in refs if isinstance(r, str)}
        elif param.kind == FORM and isinstance(value, str):
            read.add(value)
        elif param.kind == MAP and isinstance(value, dict):
            read |= set(value)
    return read


def bound(rules: dict | None) -> list[Binding]:
    """A deployed version's bindings (checked at deploy) with their kinds, their parameters
    completed with the defaults, in the order of the file (the first rule broken is the one a
    refusal leads with). A version without bindings is governed by no rule."""
    out = []
    for entry in (rules or {}).get("rules", []):
        kind = KINDS.get(entry["kind"])
        if kind is not None:
            out.append(Binding(kind, frozenset(entry["on"]), kind.complete(entry.get("params", {}))))
    return out


def governing(bindings: Iterable[Binding], form_key: str | None, *effects: str) -> list[Binding]:
    """The bindings on `form_key` (of those effects, when named)."""
    return [b for b in bindings if form_key in b.on and (not effects or b.kind.effect in effects)]


def _act_values(rules: dict | None, form_key: str | None, data: dict):
    """The values of the step's act-date fields, in the order `act_dates` names them (form key ->
    its date field, or several; a field given as {"field": <name>, "when": <condition on the same
    form>} counts only where the step's data meets the condition, oversight/conditions.py)."""
    names = ((rules or {}).get("act_dates") or {}).get(form_key or "")
    for entry in [names] if isinstance(names, str | dict) else names or ():
        name = entry
        if isinstance(entry, dict):
            when = conditions.parse(entry.get(WHEN))
            if when is None or not when.holds({form_key: data}):
                continue
            name = entry.get(conditions.FIELD)
        value = data.get(name) if isinstance(name, str) else None
        if isinstance(value, str):
            yield value


def act_date(rules: dict | None, form_key: str | None, data: dict) -> date | None:
    """The date of a step's act, where its form records one (`act_dates` of the bindings, the
    first present wins): the day an officer's certificate must be valid on (UNCERTIFIED_OFFICER),
    and the day a late act is judged on (services/oversight/alerts.after_late_act). None: the step is dated
    the day it is recorded."""
    for value in _act_values(rules, form_key, data):
        return form_day(value)  # a date, or the Beijing date of a date and time
    return None


def act_instant(rules: dict | None, form_key: str | None, data: dict):
    """The moment of a step's act where its form records a date and time for it (the first
    `act_dates` field present holding one): what a limit counted in hours is held to. None: the
    form records a date only, or nothing."""
    for value in _act_values(rules, form_key, data):
        return form_instant(value)
    return None


def milestone_date_refs(rules: dict | None) -> dict[str, str]:
    """milestone code -> the <form key>.<field> that records its legal date (`milestone_dates`)."""
    refs = (rules or {}).get("milestone_dates") or {}
    return {code: ref for code, ref in refs.items() if isinstance(ref, str) and "." in ref}


def milestone_date(rules: dict | None, milestone: str, forms: dict[str, dict]) -> date | None:
    """The legal date of a milestone as the step that reached it records it (`milestone_dates`
    of the bindings: milestone code -> <form key>.<field>, e.g. filed -> filing_approval.filed_on,
    立案日期), from the case's latest form data by form key; None where the package declares
    none or the field holds no date."""
    ref = ((rules or {}).get("milestone_dates") or {}).get(milestone)
    if not isinstance(ref, str) or "." not in ref:
        return None
    form, _dot, name = ref.partition(".")
    return form_day((forms.get(form) or {}).get(name))
