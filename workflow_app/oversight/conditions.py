"""A condition on a case's record, as a procedure package declares it: one shape wherever a
package says "only while the record says so".

    {"field": "<form key>.<field>", "equals": <value>}        the field recorded that value
    {"field": "<form key>.<field>", "in": [<value>, …]}       … one of these values
    {"field": "<form key>.<field>", "filled": true | false}   … something (not nothing, an empty
                                                             text, list or object), or not
    {"field": "<form key>.<field>", "includes": <value>}      a list recorded with that value in it
    {"field": "<form key>.<field>", "excludes": <value>}      … without it (nothing recorded included)

It is read on a form's data by form key (the latest completion of each form, or the record as it
stood at one completion) and names a top-level field of the package's forms; `equals`, `in`,
`includes` and `excludes` name choices the field has, when it has choices. Used by documents.json (`when`: the completions a
document comes from, services/procedures/document_manifest.py) and rules.json (`act_dates`: when a date field
is the act's date; `overdue_alert_unless`: when a step's overdue alert does not apply,
oversight/bindings.py).
"""
from collections.abc import Mapping
from dataclasses import dataclass

from ..messages import Text, tr

EQUALS, IN, FILLED, INCLUDES, EXCLUDES = "equals", "in", "filled", "includes", "excludes"  # the tests
FIELD = "field"
MAX_CHOICES = 100
SHAPES = ('{"field": "<form key>.<field>", "equals": <value>}, {"field": "<form key>.<field>", "in": [<values>]}, '
          '{"field": "<form key>.<field>", "includes": <value>}, {"field": "<form key>.<field>", "excludes": <value>} '
          'or {"field": "<form key>.<field>", "filled": true or false}')


@dataclass(frozen=True)
class Condition:
    ref: str  # <form key>.<field>
    test: str  # EQUALS, IN or FILLED
    value: object  # the value; the list of values (IN); True or False (FILLED)

    @property
    def form(self) -> str:
        return self.ref.split(".")[0]

    @property
    def name(self) -> str:
        return self.ref.split(".")[1]

    def holds(self, by_form: Mapping[str, dict | None]) -> bool:
        """Whether it holds on the forms' data by form key (a form not recorded records nothing)."""
        recorded = (by_form.get(self.form) or {}).get(self.name)
        if self.test == EQUALS:
            return recorded == self.value
        if self.test == IN:
            return any(recorded == value for value in self.value)
        if self.test in (INCLUDES, EXCLUDES):
            included = isinstance(recorded, list) and any(item == self.value for item in recorded)
            return included is (self.test == INCLUDES)
        return filled(recorded) is self.value


def filled(value) -> bool:
    """A recorded value that is something: not missing, not an empty text, list or object."""
    return value is not None and value != "" and value != [] and value != {}


def parse(declared) -> Condition | None:
    """The condition a package declares, or None for one of no known shape."""
    if not isinstance(declared, dict) or not isinstance(declared.get(FIELD), str) \
            or declared[FIELD].count(".") != 1 or not all(declared[FIELD].split(".")):
        return None
    ref, tests = declared[FIELD], set(declared) - {FIELD}
    if tests == {EQUALS}:
        return Condition(ref, EQUALS, declared[EQUALS])
    if tests == {IN} and isinstance(declared[IN], list) and 0 < len(declared[IN]) <= MAX_CHOICES:
        return Condition(ref, IN, tuple(declared[IN]))
    if tests in ({INCLUDES}, {EXCLUDES}):
        test = INCLUDES if tests == {INCLUDES} else EXCLUDES
        return Condition(ref, test, declared[test])
    if tests == {FILLED} and isinstance(declared[FILLED], bool):
        return Condition(ref, FILLED, declared[FILLED])
    return None


def problems(condition: Condition, forms: Mapping[str, dict], where: Text) -> list[Text]:
    """The condition names a top-level field of the package's forms; `equals` and `in` name
    choices the field has, `includes` and `excludes` a choice of a list's items (a misspelt choice
    would silently never hold, or always), on a list."""
    field = ((forms.get(condition.form) or {}).get("properties") or {}).get(condition.name)
    if not isinstance(field, dict):
        return [tr("%(where)s names %(ref)s, which is no field of the package's forms", where=where,
                   ref=condition.ref)]
    listed = condition.test in (INCLUDES, EXCLUDES)
    if listed and field.get("type") != "array":
        return [tr("%(where)s: %(ref)s is no list; %(test)s reads the items of one", where=where, ref=condition.ref,
                   test=condition.test)]
    items = field.get("items") if isinstance(field.get("items"), dict) else {}
    choices = items.get("enum") if listed else field.get("enum")
    values = () if condition.test == FILLED else condition.value if condition.test == IN else (condition.value,)
    wrong = [v for v in values if isinstance(choices, list) and v not in choices]
    if wrong:
        return [tr("%(where)s: %(ref)s has no choice %(value)s (%(choices)s)", where=where, ref=condition.ref,
                   value=", ".join(map(repr, wrong)), choices=", ".join(map(str, choices)))]
    return []
