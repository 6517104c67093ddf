"""What each rule kind and each of its parameters is, in Chinese, for the workbench's author.

The kinds say it in English beside their code (`RuleKind.doc`, `Param.doc`: the developers' words,
read with the function); `words_zh.json` beside this file says the same in Chinese, keyed by the
kind's and the parameter's names — the names a package's rules.json binds, which do not change
when an English sentence is reworded. Legal staff may improve the Chinese without touching code;
tests/unit/test_rule_words.py keeps the file whole (every kind and parameter, nothing stale).
"""
import json
from functools import cache
from pathlib import Path

from ...messages import Phrase
from ..bindings import RuleKind

WORDS_FILE = Path(__file__).with_name("words_zh.json")


@cache
def _chinese() -> dict:
    with WORDS_FILE.open(encoding="utf-8") as f:
        return json.load(f)


def kind_doc(kind: RuleKind) -> Phrase:
    """What the kind checks: English as the string, Chinese in `zh` (the English where the file
    has no Chinese yet)."""
    return Phrase(kind.doc, (_chinese().get(kind.name) or {}).get("doc") or kind.doc)


def param_doc(kind: RuleKind, name: str) -> Phrase:
    """What the kind's parameter `name` names, in both languages."""
    doc = kind.params[name].doc
    return Phrase(doc, ((_chinese().get(kind.name) or {}).get("params") or {}).get(name) or doc)


def gaps(kinds: dict[str, RuleKind]) -> list[str]:
    """What the Chinese file lacks or keeps in vain: `kind` or `kind.param`, each with why."""
    words, found = _chinese(), []
    for name, kind in sorted(kinds.items()):
        entry = words.get(name) or {}
        if not entry.get("doc"):
            found.append(f"{name}: no Chinese doc")
        params = entry.get("params") or {}
        found += [f"{name}.{p}: no Chinese doc" for p in kind.params if not params.get(p)]
        found += [f"{name}.{p}: no such parameter" for p in sorted(set(params) - set(kind.params))]
    found += [f"{name}: no such kind" for name in sorted(set(words) - set(kinds))]
    return found
