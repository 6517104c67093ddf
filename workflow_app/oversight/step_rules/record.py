"""What every rule kind reads and returns: the case's record (`CaseRecord`), a breach of the law
(`Breach`) and the refusal of a step (`Refusal`); the parameter shapes the kinds share and the
large fine (`LARGE_FINE`) that several families of rules use.

A kind reads the record only through its parameters: `record.get("penalty_notice.served_on")`
with the reference the package bound, never a form key or field name of its own. It names a
field to the user by the package's titles (`record.label`), never by its reference; the
references go in `Breach.fields`, the keys of the refusal's `errors`.
"""
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from ..bindings import FIELD, FIELDS, Param, RuleKind, field_schema
from ..deadlines import form_day, form_instant


class InspectionHistory:
    """What the enterprise-inspection kinds read beyond the case (oversight/step_rules/inspection.py):
    the department's published plan of a year (its items by code, the yearly frequency it allows
    per enterprise), how many other visits of the case's party the department carried out in a year,
    and the day of the joint visit the case takes part in. This one knows of none (a record built
    without the registers)."""

    def plan_items(self, year: int) -> dict[str, dict] | None:
        return None

    def max_per_enterprise(self, year: int) -> int | None:
        return None

    def earlier_visits(self, year: int) -> int:
        return 0

    def joint_visit_day(self) -> date | None:
        return None


NO_INSPECTIONS = InspectionHistory()


class CaseRecord:
    """What a rule sees: the form being submitted and the latest data of each completed form (by
    form key), who acts, the Beijing date (and the instant, `now`, where known), the party's kind and its number in the register (None
    while unidentified), the department and its powers, and the
    forms of the case's procedure version (their titles name the fields in messages), and the
    department's discretion benchmarks (`benchmark(item code, tier)`: the tier's range
    {"min_fine", "max_fine"}, or None where the register has no such item or tier), and its causes
    register (`cause(code)`: the statutory range of the department's cause, models.Cause.statutory_range,
    or None where the register has no such cause), its no-penalty and light-penalty lists
    (`list_item(code)`: the item, services/registers/copies.ListItem.as_rule_reads, or None), and its settings
    (`settings`: the reconsideration body and court its decisions name), and its links to other
    cases (`links`).

    `earlier` is the record itself or a function reading it: it is read once, when a rule first
    asks for a form other than the submitted one, so a step whose rules read only its own form
    costs no query."""

    def __init__(self, form_key: str | None, data: dict, *, today: date, actor: str = "",
                 party_kind: str = "person", earlier: dict[str, dict] | Callable[[], dict[str, dict]] | None = None,
                 department: str = "", powers: Iterable[str] = (), forms: dict[str, dict] | None = None,
                 benchmark: Callable[[str, str], dict | None] | None = None,
                 cause: Callable[[str], dict | None] | None = None,
                 list_item: Callable[[str], dict | None] | None = None,
                 party_number: str | Callable[[], str | None] | None = None,
                 settings: dict | Callable[[], dict] | None = None, now: datetime | None = None,
                 links: list[dict] | Callable[[], list[dict]] | None = None,
                 inspections: Callable[[], "InspectionHistory"] | None = None):
        self._settings = settings
        self._inspections = inspections
        self._links = links
        self.form_key, self.data, self.today, self.actor = form_key, data, today, actor
        self.now = now  # the instant of the step (what a recorded date and time may not pass); None: unknown
        self._party_number = party_number
        self.party_kind, self.department, self.powers = party_kind, department, frozenset(powers)
        self.forms = forms or {}
        self.benchmark = benchmark or (lambda item, tier: None)
        self.cause = cause or (lambda code: None)
        self.list_item = list_item or (lambda code: None)
        self._earlier = earlier

    @cached_property
    def party_number(self) -> str | None:
        """The number of the case's party in the register; None while the party is unidentified
        (read when a rule first asks)."""
        source = self._party_number
        return source() if callable(source) else source

    @cached_property
    def settings(self) -> dict:
        """The department's settings in force (services/registers/org_settings.py settings_of): its
        reconsideration body, court and place of payment; a key None where not known (read when
        a rule first asks)."""
        source = self._settings
        return dict((source() if callable(source) else source) or {})

    @cached_property
    def links(self) -> list[dict]:
        """The case's links to other cases ([{kind, outgoing, case_id}], services/cases/links.py
        kinds_of): read when a rule first asks."""
        source = self._links
        return list((source() if callable(source) else source) or [])

    @cached_property
    def inspections(self) -> "InspectionHistory":
        """The department's published inspection plans and its earlier inspections of the case's
        party (services/inspections/visits.py `history_of`): read when a rule first asks."""
        source = self._inspections
        return source() if callable(source) else NO_INSPECTIONS

    @cached_property
    def earlier(self) -> dict[str, dict]:
        source = self._earlier
        return dict((source() if callable(source) else source) or {})

    def _source(self, form: str) -> dict:
        return self.data if form == self.form_key else self.earlier.get(form) or {}

    def get(self, ref: str | None):
        """`penalty_notice.served_on`: the submitted form's value if it is that form, else the
        record's; None where the binding leaves the parameter out or nothing is recorded."""
        if not ref:
            return None
        form, *path = ref.split(".")
        node = self._source(form)
        for part in path:
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict):
                node = node.get(part)
            else:
                return None
        return node

    def day(self, ref: str | None) -> date | None:
        """The Beijing date a field records: its date, or the date of its date and time."""
        return form_day(self.get(ref))

    def instant(self, ref: str | None) -> datetime | None:
        """The moment a date-and-time field records (`format: date-time`), None for a plain date."""
        return form_instant(self.get(ref))

    def each(self, ref: str | None) -> list[tuple[str, object]]:
        """Every value a reference with `*` reaches, with its own reference: for
        `execution.instalments_paid.*.paid_on`, (`execution.instalments_paid.0.paid_on`, its date)
        for each row; for `legal_review.findings.*.result`, one per checklist item."""
        if not ref:
            return []
        form, *path = ref.split(".")
        found: list[tuple[str, object]] = []

        def walk(node, at: str, rest: list[str]):
            if not rest:
                if node is not None:
                    found.append((at, node))
                return
            part, rest = rest[0], rest[1:]
            if part == "*":
                items = enumerate(node) if isinstance(node, list) else node.items() if isinstance(node, dict) else ()
                for key, child in items:
                    walk(child, f"{at}.{key}", rest)
            elif isinstance(node, dict):
                walk(node.get(part), f"{at}.{part}", rest)

        walk(self._source(form), form, path)
        return found

    def recorded(self, form: str | None) -> bool:
        """Whether the case has completed a step of the form."""
        return bool(form) and form in self.earlier

    def label(self, ref: str) -> tuple[str, str]:
        """A field in the user's words, (Chinese, English): its form's title and its own
        (`线索登记·收到线索日期`, `Clue intake · Date the clue was received`), each without its
        closing note in brackets; a form or field without a title is named by its key."""
        form, *path = ref.split(".")
        node = self.forms.get(form) or {}
        zh, en = [short_title(node.get("title")) or form], [short_title(node.get("x-title-en") or node.get("title")) or form]
        for part in path:
            if part.isdigit() or part == "*":
                node = node.get("items") or {}
                if part.isdigit():
                    zh.append(f"第{int(part) + 1}项")
                    en.append(f"item {int(part) + 1}")
                continue
            node = (node.get("properties") or {}).get(part) or {}
            zh.append(short_title(node.get("title")) or part)
            en.append(short_title(node.get("x-title-en") or node.get("title")) or part)
        return "·".join(zh), " · ".join(en)

    def title(self, ref: str) -> tuple[str, str]:
        """The field's own title, (Chinese, English), without its form's (a checklist item)."""
        zh, en = self.label(ref)
        return zh.rsplit("·", 1)[-1], en.rsplit(" · ", 1)[-1]

    def choice(self, ref: str | None, value) -> tuple[str, str]:
        """A choice of a field in the user's words, (Chinese, English): its label in the form
        (`x-enum-labels`, `x-enum-labels-en`), else the value itself (`ordinary` -> 一般, Ordinary)."""
        schema = field_schema(self.forms, ref) if ref else None
        choices = (schema or {}).get("enum") or []
        if value not in choices:
            return str(value), str(value)
        at = choices.index(value)
        zh_labels, en_labels = (schema.get("x-enum-labels") or []), (schema.get("x-enum-labels-en") or [])
        zh = zh_labels[at] if at < len(zh_labels) else str(value)
        return zh, en_labels[at] if at < len(en_labels) else zh


_NOTE = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


def short_title(title) -> str:
    """A title without its closing note in brackets: `罚款金额（元）` -> `罚款金额`."""
    if not isinstance(title, str):
        return ""
    short = _NOTE.sub("", title)
    return short or title


def form_of(ref: str | None) -> str:
    return (ref or "").split(".", 1)[0]


def rows_of(ref: str | None) -> str:
    """The list a row reference goes through: `execution.instalments_paid.*.paid_on` ->
    `execution.instalments_paid` (the field a refusal of the rows names)."""
    return (ref or "").split(".*", 1)[0]


@dataclass(frozen=True)
class Breach:
    fields: tuple[str, ...]  # form.field references, the submitted form's first
    message: str             # Chinese
    message_en: str
    details: dict | None = None  # an alert kind's: the alert's details (plain JSON)


@dataclass(frozen=True)
class Refusal:
    kind: RuleKind
    breaches: list[Breach]


# The shapes of the kinds' parameters: a reference to a field of these JSON types.
def date_field(doc: str, optional: bool = False) -> Param:
    return Param(FIELD, ("string",), "date", optional, doc)


def number_field(doc: str, optional: bool = False) -> Param:
    return Param(FIELD, ("number", "integer"), None, optional, doc)


def bool_field(doc: str, optional: bool = False) -> Param:
    return Param(FIELD, ("boolean",), None, optional, doc)


def text_field(doc: str, optional: bool = False) -> Param:
    return Param(FIELD, ("string",), None, optional, doc)


def list_field(doc: str, optional: bool = False) -> Param:
    return Param(FIELD, ("array",), None, optional, doc)


def kinds_fields(doc: str) -> Param:
    return Param(FIELDS, ("array",), None, False, doc)


# 较大数额罚款 (市场监督管理行政处罚听证办法 Art. 5): 10,000 yuan for a person, 100,000 for an
# organization. It gives the party a hearing (APL 63) and makes the case major (APL 57(2), 58).
LARGE_FINE = {"person": 10000, "organization": 100000}


def large_fine(party_kind: str) -> int:
    return LARGE_FINE.get(party_kind, LARGE_FINE["person"])


def yuan(value) -> str:
    """An amount as the registers and messages write it: 50000, 12.5."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) and not value.is_integer() \
        else f"{int(value)}"
