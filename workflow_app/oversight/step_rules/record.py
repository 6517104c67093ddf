"""What every step rule reads and returns: the case's record (`CaseRecord`), a breach of the law
(`Breach`), a rule (`StepRule`) and the refusal of a step (`Refusal`); the date of each step's act
(`STEP_DATES`, `step_date`) and the large fine (`LARGE_FINE`) that several families of rules use."""
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class CaseRecord:
    """What a rule sees: the form being submitted and the latest data of each completed form."""

    form_key: str
    data: dict
    actor: str
    today: date  # Beijing
    party_kind: str  # person or organization
    earlier: dict[str, dict] = field(default_factory=dict)
    department: str = ""  # the case's department, by name
    powers: frozenset[str] = frozenset()  # its powers list (权责清单): penalty kinds it may impose
    schema: dict = field(default_factory=dict)  # the submitted form's JSON Schema (its fields' titles)

    def titles(self, path: str, keys: Iterable[str]) -> tuple[list[str], list[str]]:
        """The Chinese and English titles of the fields `keys` of the submitted form's object field
        `path` (e.g. the checklist items of `findings`), each its key where the schema has none."""
        node = self.schema
        for part in path.split(".") if path else []:
            node = (node.get("properties") or {}).get(part) or {}
        props = node.get("properties") or {}
        zh = [(props.get(k) or {}).get("title") or k for k in keys]
        en = [(props.get(k) or {}).get("x-title-en") or k for k in keys]
        return zh, en

    def get(self, ref: str):
        """`penalty_notice.served_on`: the submitted form's value first, else the record's."""
        form, name = ref.split(".", 1)
        source = self.data if form == self.form_key else self.earlier.get(form, {})
        return source.get(name)

    def day(self, ref: str) -> date | None:
        value = self.get(ref)
        return date.fromisoformat(value) if isinstance(value, str) else None


@dataclass(frozen=True)
class Breach:
    fields: tuple[str, ...]  # form.field references, the submitted form's first
    message: str             # Chinese
    message_en: str


@dataclass(frozen=True)
class StepRule:
    code: str
    article: str
    forms: frozenset[str]
    check: Callable[[CaseRecord], Iterable[Breach]]
    needs_record: bool = True


@dataclass(frozen=True)
class Refusal:
    rule: StepRule
    breaches: list[Breach]


# The date of each step's act, where its form records one: the day an officer's certificate must be
# valid on (UNCERTIFIED_OFFICER); a step without one is dated the day it is recorded.
STEP_DATES = {
    "clue_intake": "received_on", "penalty_notice": "served_on", "statement_defence": "answered_on",
    "hearing_notice": "notice_served_on", "hearing_record": "held_on", "collective_discussion": "held_on",
    "penalty_decision": "decided_on", "no_penalty_decision": "decided_on", "service": "served_on",
    "disclosure": ("published_on", "decided_on"), "execution": "paid_on", "closing": "closed_on",
}


def step_date(form_key: str | None, data: dict) -> date | None:
    names = STEP_DATES.get(form_key or "", ())
    for name in (names,) if isinstance(names, str) else names:
        value = data.get(name)
        try:
            if isinstance(value, str):
                return date.fromisoformat(value)
        except ValueError:
            return None
    return None


# 较大数额罚款 (市场监督管理行政处罚听证办法 Art. 5): 10,000 yuan for a person, 100,000 for an
# organization. It gives the party a hearing (APL 63) and makes the case major (APL 57(2), 58).
LARGE_FINE = {"person": 10000, "organization": 100000}
