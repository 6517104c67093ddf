"""What a draft's author may choose from in the workbench's properties panel ([8/9]): the draft's
forms and their fields (a deadline's anchor, a rule parameter, a prefill source), the law's rule
kinds with their parameters and articles, the roles a lane may be, the alerts a deadline may raise.

The panel chooses; deploy decides. Everything here is read from where deploy reads it (the draft's
forms, `oversight.bindings.KINDS` with each kind's title and family, the lane roles, the alert
catalogue), so a choice the panel offers is one the deploy's checks accept, and nothing is listed
twice in Python and JavaScript.
"""
import json

from ...engine.specs import LANE_LABELS
from ...oversight import step_rules  # noqa: F401 - registers the rule kinds in bindings.KINDS
from ...oversight.alert_rules import CATALOGUE
from ...oversight.bindings import KINDS, RuleKind
from ...oversight.step_rules import words
from ..errors import Invalid
from . import packages
from .drafts import get, layout, package_of

MAX_DEPTH = 4  # a field's path into rows and objects: deeper ones are not offered (none of ours is)


def _fields(node: dict, prefix: str, depth: int = 0) -> list[dict]:
    """A schema's fields as `<form key>.<path>` references, rows' fields through `*`."""
    found = []
    props = node.get("properties") if isinstance(node, dict) else None
    if not isinstance(props, dict) or depth > MAX_DEPTH:
        return found
    for name, prop in props.items():
        if not isinstance(prop, dict):
            continue
        ref = f"{prefix}.{name}"
        kind = prop.get("type")
        found.append({"ref": ref, "title": prop.get("title") if isinstance(prop.get("title"), str) else name,
                      "title_en": prop.get("x-title-en") if isinstance(prop.get("x-title-en"), str) else None,
                      "type": kind if isinstance(kind, str | list) else None,
                      "format": prop.get("format") if isinstance(prop.get("format"), str) else None,
                      **_choices(prop)})
        items = prop.get("items")
        if kind == "array" and isinstance(items, dict) and items.get("type") == "object":
            found += _fields(items, f"{ref}.*", depth + 1)
        elif kind == "object":
            found += _fields(prop, ref, depth + 1)
    return found


def _choices(prop: dict) -> dict:
    """The values a field may take (its `enum`, or its items' for a list: what a rule's choice
    parameter is checked against, bindings._choices) with their labels in Chinese and English
    (`x-enum-labels`, `x-enum-labels-en`: lists in the order of the values), each None if absent."""
    holder = prop if "enum" in prop or not isinstance(prop.get("items"), dict) else prop["items"]
    enum = holder.get("enum") if isinstance(holder.get("enum"), list) else None

    def labels(key: str) -> list | None:
        found = holder.get(key)
        return found if enum and isinstance(found, list) and len(found) == len(enum) else None

    return {"enum": enum, "enum_labels": labels("x-enum-labels"), "enum_labels_en": labels("x-enum-labels-en")}


def forms_of(files: dict[str, bytes]) -> dict[str, dict]:
    """The forms of a draft's files by key: {title, path, shared, fields}; a form that is not JSON
    (its problem is the deploy's to name) is listed without fields."""
    forms = {}
    for path in sorted(p for p in files if p.endswith(packages.FORM_SUFFIX)):
        key = packages.form_key(path)
        try:
            schema = json.loads(files[path])
        except (ValueError, UnicodeDecodeError):
            schema = None
        ok = isinstance(schema, dict)
        forms[key] = {"path": path, "shared": path.startswith(f"forms/{packages.SHARED}/"),
                      "title": schema.get("title") if ok and isinstance(schema.get("title"), str) else key,
                      "title_en": schema.get("x-title-en") if ok and isinstance(schema.get("x-title-en"), str) else None,
                      "fields": _fields(schema, key) if ok else []}
    return forms


def _both(phrase) -> dict:
    return {"zh": phrase.zh, "en": str(phrase)}


def _kind(kind: RuleKind) -> dict:
    alert = CATALOGUE.get(kind.code)
    return {"name": kind.name, "code": kind.code, "article": kind.article, "doc": kind.doc,
            "doc_zh": words.kind_doc(kind).zh, "effect": kind.effect,
            "title": _both(kind.title) if kind.title else {"zh": alert.zh, "en": alert.en} if alert else None,
            "group": step_rules.group_of(kind),
            "params": [{"name": name, "kind": p.kind, "types": list(p.types), "format": p.format,
                        "optional": p.optional, "doc": p.doc, "doc_zh": words.param_doc(kind, name).zh,
                        "default": p.default, "enum_of": p.enum_of}
                       for name, p in kind.params.items()]}


def catalogue(user, draft_id: int) -> dict:
    """What the panel offers for the draft (readers of the draft only: `drafts.get` decides)."""
    draft = get(user, draft_id)
    files = layout(draft)
    try:
        rules_path = package_of(draft).rules_path
    except Invalid:  # a draft without its folder still lists its forms; problems() names what is wrong
        rules_path = f"bpmn/{draft.process_id}/{packages.RULES_FILE}"
    return {"draft_id": draft.id, "revision": draft.revision, "rules_path": rules_path,
            "forms": forms_of(files),
            "rule_kinds": [_kind(k) for k in sorted(KINDS.values(), key=lambda k: k.name)],
            "rule_groups": [{"name": name, "title": _both(title)} for name, title in step_rules.GROUPS.items()],
            "roles": [{"code": code, "lane": lane} for code, lane in LANE_LABELS.items()],
            "alerts": [{"code": a.code, "zh": a.zh, "en": a.en, "basis": a.basis} for a in CATALOGUE.values()]}
