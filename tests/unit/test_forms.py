"""Every form documents itself: one complete valid example, and a Chinese label for every
enumerated value, so no officer has to guess an English code."""
import re

import pytest

from workflow_app.config import Config
from workflow_app.services.errors import Invalid
from workflow_app.services.forms import load_forms, validate_form

FORMS = load_forms(Config.FORMS_DIR)
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def enums(node, path="", in_condition=False):
    """(path, enum, labels) of every enumerated field; `if` conditions restate values, not fields."""
    if isinstance(node, dict):
        if "enum" in node and not in_condition:
            yield path, node["enum"], node.get("x-enum-labels")
        for key, value in node.items():
            yield from enums(value, f"{path}/{key}", in_condition or key == "if")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from enums(value, f"{path}/{i}", in_condition)


def test_every_form_is_checked():
    assert len(FORMS) >= 16 and {"penalty_notice", "penalty_decision", "service"} <= set(FORMS)


@pytest.mark.parametrize("key", sorted(FORMS))
def test_the_form_carries_one_example_that_it_accepts(key):
    examples = FORMS[key].get("examples")
    assert isinstance(examples, list) and len(examples) == 1, key
    assert validate_form(FORMS[key], examples[0]) == examples[0]


@pytest.mark.parametrize("key", sorted(FORMS))
def test_every_enumerated_value_has_a_chinese_label(key):
    found = list(enums(FORMS[key]["properties"]))
    for path, values, labels in found:
        assert labels is not None, f"{key}{path}: no x-enum-labels"
        assert len(labels) == len(values), f"{key}{path}: {len(values)} values, {len(labels)} labels"
        assert all(isinstance(label, str) and CHINESE.search(label) for label in labels), f"{key}{path}"


def test_the_check_finds_an_enum_without_labels_and_an_example_the_form_refuses():
    form = {"type": "object", "properties": {"kind": {"type": "string", "enum": ["a", "b"]}},
            "required": ["kind"], "examples": [{"kind": "c"}]}
    assert [labels for _, _, labels in enums(form["properties"])] == [None]
    with pytest.raises(Invalid):
        validate_form(form, form["examples"][0])


def test_the_decision_form_asks_for_what_apl_59_requires():
    fields = FORMS["penalty_decision"]["properties"]
    required = set(FORMS["penalty_decision"]["required"])
    assert {"performance_manner", "reconsideration_body", "litigation_court", "legal_basis",
            "decided_on", "penalty_kinds"} <= required
    assert all(CHINESE.search(fields[name]["title"]) for name in fields)
