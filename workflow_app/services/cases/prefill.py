"""Forms that fill themselves: a field may declare where its value comes from (`"x-prefill"` on the
field in its form's JSON Schema), and the page and the API offer that value for the officer to
confirm or change. Nothing is recorded until the officer submits the form: a prefilled value is a
suggestion, checked like anything typed.

A source is a reference, or a list of them tried in order (the first that gives a value the field
accepts wins):
- `<form key>.<field>` (a path, `investigation.evidence`): what the case's latest completed step of
  that form recorded, e.g. the decision's fine from the notice (`penalty_notice.notified_fine`),
  and the notice's from the report (`investigation_report.proposed_fine`);
- `case.number`, `case.title`, `case.party_name`, `case.party_kind`: the case; `case.late_fee`: the
  late fee the system counts to the day of payment on record, else today (services/cases/late_fees.py,
  APL 72), offered only once one runs;
- `origin.<form key>.<field>`: what the latest completed step of that form recorded in the case
  this one was opened from (its first link, services/cases/links.py), e.g. a clue referred again
  offers the letter of the referral the receiving department returned; nothing for a case opened
  from no other, or from one without that form;
- `decision.<decision id>.<output>`: an output of the latest evaluation of a decision table of the
  package (a business rule task's automatic step, services/cases/decisions.py), e.g. the fine range
  of the benchmark tier the report proposes (`decision.benchmark_SCJG_SP_126_03.min_fine`);
- `department.name`, `department.code`: the case's department; `department.reconsideration_body`,
  `department.court`, `department.payment_bank`, `department.payment_account`,
  `department.payment_place` and `department.payment_manner` (the manner of performance built
  from them): its settings in force (services/registers/org_settings.py).
A value the field would not accept (another type, a choice it does not have) is not offered.
Deploy refuses a source naming a field its form does not have, or one of another type, an unknown
field of the case or the department, and a decision or output the package's tables do not have
(`problems`); a source naming a form the package does not have is allowed (a form reused by a
package without that step) and offers nothing there. A form named `case`, `department` or
`decision` stands before the source of that name.
"""
from collections.abc import Iterable

from ...models import Case
from ..errors import Text, tr
from ..procedures.forms import FormValidator
from . import decisions as case_decisions
from . import record as case_record

KEY = "x-prefill"
ORIGIN = "origin"
DECISION = "decision"
CASE_FIELDS = {"number": "string", "title": "string", "party_name": "string", "party_kind": "string",
               "late_fee": "number"}
DEPARTMENT_FIELDS = {"name": "string", "code": "string", "payment_bank": "string", "payment_account": "string",
                     "payment_place": "string", "payment_manner": "string", "reconsideration_body": "string",
                     "court": "string"}


def sources(prop: dict) -> list:
    value = prop.get(KEY) if isinstance(prop, dict) else None
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _read(node, path: Iterable[str]):
    for part in path:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _value(case: Case, forms: dict[str, dict], ref: str):
    head, _dot, rest = ref.partition(".")
    if head == "case" and rest == "late_fee":
        from . import late_fees

        found = late_fees.of_case(case)
        return found.fee.yuan if found is not None and found.fee.amount > 0 else None  # offered only once one runs
    if head == "case" and rest in CASE_FIELDS:
        return getattr(case, rest)
    if head == "department" and rest in DEPARTMENT_FIELDS:
        return _department_value(case.department, rest)
    if head == DECISION and head not in forms:
        decision, _dot, output = rest.partition(".")
        return case_decisions.output_of(case, decision, output) if output else None
    if head == ORIGIN and "." in rest and ORIGIN not in forms:
        origin = _origin(case)
        form, _dot, path = rest.partition(".")
        data = case_record.latest_forms(origin).get(form) if origin is not None else None
        return _read(data, path.split(".")) if data is not None else None
    data = forms.get(head)
    return _read(data, rest.split(".")) if data is not None and rest else None


def _origin(case: Case) -> Case | None:
    """The case this one was opened from or for: the origin of its first link."""
    from ...extensions import db
    from ...models import CaseLink

    if not hasattr(case, "_prefill_origin"):
        link = db.session.execute(db.select(CaseLink).where(CaseLink.to_case_id == case.id)
                                  .order_by(CaseLink.id).limit(1)).scalar_one_or_none()
        case._prefill_origin = db.session.get(Case, link.from_case_id) if link is not None else None
    return case._prefill_origin


def _department_value(unit, name: str):
    """The department's name or code, or one of its settings in force (services/registers/org_settings.py)."""
    from ..registers import org_settings

    if name in ("name", "code"):
        return getattr(unit, name)
    if name == "payment_manner":
        return org_settings.payment_manner(unit)
    return org_settings.settings_of(unit)[name]


def _blank(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _accepts(prop: dict, value) -> bool:
    schema = {k: v for k, v in prop.items() if not k.startswith("x-")}
    try:
        return FormValidator(schema).is_valid(value)
    except Exception:  # a schema the validator cannot read offers nothing, rather than fail the page
        return False


def values(case: Case, schema: dict | None) -> dict[str, tuple[object, str]]:
    """field -> (the value offered, the source it came from), for the form's top-level fields
    that declare a source and find a value there."""
    properties = (schema or {}).get("properties") or {}
    if not any(sources(p) for p in properties.values()):
        return {}
    forms = case_record.latest_forms(case)
    offered = {}
    for name, prop in properties.items():
        for ref in sources(prop):
            if not isinstance(ref, str):
                continue
            value = _value(case, forms, ref)
            if not _blank(value) and _accepts(prop, value):
                offered[name] = (value, ref)
                break
    return offered


def problems(forms: dict[str, dict], used: Iterable[str], field_schema,
             decisions: dict | None = None) -> list[tuple[str, Text]]:
    """(form key, what is wrong) for every source of the `used` forms that names nothing of the
    package's `forms` or `decisions` (decision id -> engine.decisions.Decision; None: its tables
    are not known here, and decision sources are left to the deploy), or a field of another type
    than the one it fills. `field_schema(forms, ref)`: the schema at a reference."""
    found = []
    for key in sorted(set(used) & forms.keys()):
        schema = forms[key]
        for name, prop in ((schema or {}).get("properties") or {}).items():
            if not isinstance(prop, dict) or KEY not in prop:
                continue
            refs = prop[KEY] if isinstance(prop[KEY], list) else [prop[KEY]]
            where = f"{key}.{name}"
            if not refs:
                found.append((key, tr("%(field)s: x-prefill names no source", field=where)))
            for ref in refs:
                problem = _ref_problem(forms, field_schema, prop, ref, where, decisions)
                if problem is not None:
                    found.append((key, problem))
    return found


def _ref_problem(forms, field_schema, prop: dict, ref, where: str, decisions: dict | None) -> Text | None:
    if not isinstance(ref, str) or "." not in ref:
        return tr("%(field)s: x-prefill %(ref)s is not a source (<form key>.<field>, case.<field>, "
                  "origin.<form key>.<field>, department.<field> or decision.<decision id>.<output>)",
                  field=where, ref=repr(ref))
    head, _dot, rest = ref.partition(".")
    target = prop.get("type")
    if head == DECISION and head not in forms:
        return _decision_problem(decisions, rest, ref, where, target) if decisions is not None else None
    if head == ORIGIN and head not in forms:
        if "." not in rest:
            return tr("%(field)s: x-prefill %(ref)s is not a source of the origin case (origin.<form key>.<field>)",
                      field=where, ref=ref)
        head, _dot, rest = rest.partition(".")
        ref = f"{head}.{rest}"
    elif head in ("case", "department") and head not in forms:
        known = CASE_FIELDS if head == "case" else DEPARTMENT_FIELDS
        if rest not in known:
            return tr("%(field)s: x-prefill %(ref)s: the %(what)s has no field %(name)s (it has %(fields)s)",
                      field=where, ref=ref, what=head, name=repr(rest), fields=", ".join(known))
        return None if target in (None, known[rest]) else tr(
            "%(field)s: x-prefill %(ref)s is a %(found)s; the field is %(type)s", field=where, ref=ref,
            found=known[rest], type=target)
    if head not in forms:
        return None  # a form reused by a package without that step (or the origin's): it offers nothing there
    source = field_schema(forms, ref)
    if source is None:
        return tr("%(field)s: x-prefill %(ref)s: form %(form)s has no such field", field=where, ref=ref, form=head)
    found = source.get("type")
    # a type that is a list (["string", "null"]) is not compared: only one type against another
    if isinstance(target, str) and isinstance(found, str) and found != target and not (
            {found, target} <= {"number", "integer"}):
        return tr("%(field)s: x-prefill %(ref)s is of type %(found)s; the field is %(type)s", field=where, ref=ref,
                  found=source.get("type"), type=target)
    return None


def _decision_problem(decisions: dict, rest: str, ref: str, where: str, target) -> Text | None:
    """A source `decision.<decision id>.<output>`: a decision of the package with that output, of
    the field's type where the table says its type (typeRef)."""
    decision_id, _dot, output = rest.partition(".")
    decision = decisions.get(decision_id)
    if decision is None:
        return tr("%(field)s: x-prefill %(ref)s: the package has no decision %(decision)s (it has %(decisions)s)",
                  field=where, ref=ref, decision=repr(decision_id), decisions=", ".join(sorted(decisions)) or "-")
    if output not in decision.outputs:
        return tr("%(field)s: x-prefill %(ref)s: decision %(decision)s has no output %(output)s (it has %(outputs)s)",
                  field=where, ref=ref, decision=repr(decision_id), output=repr(output),
                  outputs=", ".join(decision.outputs))
    found = decision.outputs[output]
    if target is not None and found is not None and found != target and not ({found, target} <= {"number", "integer"}):
        return tr("%(field)s: x-prefill %(ref)s is of type %(found)s; the field is %(type)s", field=where, ref=ref,
                  found=found, type=target)
    return None
