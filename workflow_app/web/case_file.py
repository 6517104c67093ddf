"""The case file (卷宗) made readable: each recorded value under its form's label in the page's
language (`title`, or `x-title-en` on an English page).

Presentation only: labels come from the form's JSON Schema (`title`, `enum` + `x-enum-labels`),
people named by `x-user-role` fields are shown by name. No rule is decided here.
"""
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _

from ..i18n import enum_labels, page_language, schema_title
from ..oversight.calendar import LOCAL_TZ
from ..oversight.deadlines import form_instant


def _separator(chinese: str, english: str) -> str:
    return english if page_language() == "en" else chinese


@dataclass
class Entry:
    label: str
    value: str | None = None  # plain text
    rows: list[list["Entry"]] | None = None  # an array of objects: one list of entries per row
    children: list["Entry"] | None = None  # an object: its own entries
    titled: bool = True  # the schema gave the field a title (else the label is its name)
    image: str | None = None  # a drawn signature (`x-signature`): where the page reads it; value: its SHA-256


def _inline(children: list[Entry]) -> str | None:
    """An object of plain, untitled fields (a checklist finding: result and comment) as one text."""
    if any(c.titled or c.value is None for c in children):
        return None
    return _separator("；", "; ").join(c.value for c in children if c.value not in (None, "—"))


def _enum_label(prop: dict, value) -> str | None:
    values = prop.get("enum") or []
    return dict(zip(values, enum_labels(prop), strict=True)).get(value) if prop.get("x-enum-labels") else None


def _text(prop: dict, value, people: dict[str, str]) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == "":
        return "—"
    if prop.get("x-user-role") and isinstance(value, str):
        name = people.get(value)
        return (f"{name}（{value}）" if page_language() != "en" else f"{name} ({value})") if name else value
    label = _enum_label(prop, value)
    if label is not None:
        return label
    if prop.get("format") == "date-time" and isinstance(value, str):
        at = form_instant(value)  # shown in Beijing time, as every time of the pages
        if at is not None:
            return at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def entries(schema: dict | None, data: dict, people: dict[str, str], case_id: int | None = None) -> list[Entry]:
    """The recorded data in the form's own order, then anything the schema does not name; with
    `case_id`, a drawn signature is shown as the image kept with the case."""
    properties = (schema or {}).get("properties", {})
    names = [n for n in properties if n in data] + [n for n in data if n not in properties]
    out = []
    for name in names:
        prop, value = properties.get(name, {}), data[name]
        label = schema_title(prop, name)
        if prop.get("x-signature") is True and case_id is not None and isinstance(value, str):
            out.append(Entry(label, value, image=url_for("web.case_attachment", case_id=case_id, sha256=value)))
        elif isinstance(value, dict):
            children = entries(prop, value, people, case_id)
            text = _inline(children)
            out.append(Entry(label, text, titled="title" in prop) if text is not None
                       else Entry(label, children=children, titled="title" in prop))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out.append(Entry(label, rows=[entries(prop.get("items", {}), v, people, case_id) for v in value],
                             titled="title" in prop))
        elif isinstance(value, list):
            item = {**prop.get("items", {}), **({"x-user-role": prop["x-user-role"]} if prop.get("x-user-role") else {})}
            out.append(Entry(label, _separator("、", ", ").join(_text(item, v, people) for v in value) or "—", titled="title" in prop))
        else:
            out.append(Entry(label, _text(prop, value, people), titled="title" in prop))
    return out
