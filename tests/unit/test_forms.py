"""Every form documents itself: one complete valid example, and a Chinese label for every
enumerated value, so no officer has to guess an English code."""
import re
from pathlib import Path

import pytest

from workflow_app.config import Config
from workflow_app.services.errors import Invalid
from workflow_app.services.procedures.forms import load_forms, validate_form, with_english_labels

# every shipped package's forms and the shared ones (a key is defined in one folder only)
FORMS = {key: schema for folder in sorted(p for p in Path(Config.FORMS_DIR).iterdir() if p.is_dir())
         for key, schema in load_forms(folder).items()}
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
    assert len(FORMS) >= 16 and {"penalty_notice", "penalty_decision", "service", "closing",
                                 "summary_decision", "summary_service"} <= set(FORMS)


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


def untranslated(node, path=""):
    """Paths of every titled schema without `x-title-en`, and of every `x-enum-labels` without an
    `x-enum-labels-en` of the same length: an English page must never fall back to Chinese."""
    if isinstance(node, dict):
        if isinstance(node.get("title"), str) and not (
                isinstance(node.get("x-title-en"), str) and node["x-title-en"].strip()
                and not CHINESE.search(node["x-title-en"])):
            yield f"{path} x-title-en"
        if "x-enum-labels" in node:
            english = node.get("x-enum-labels-en")
            if not (isinstance(english, list) and len(english) == len(node["x-enum-labels"])
                    and all(isinstance(x, str) and x.strip() and not CHINESE.search(x) for x in english)):
                yield f"{path} x-enum-labels-en"
        for key, value in node.items():
            yield from untranslated(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from untranslated(value, f"{path}/{i}")


@pytest.mark.parametrize("key", sorted(FORMS))
def test_every_title_and_enumerated_label_has_english(key):
    assert list(untranslated(FORMS[key])) == [], key


def test_the_english_check_finds_a_missing_title_and_a_short_label_list():
    form = {"title": "表", "x-title-en": "Form", "properties": {
        "a": {"type": "string", "title": "甲"},
        "b": {"type": "string", "title": "乙", "x-title-en": "B", "enum": ["x", "y"],
              "x-enum-labels": ["某", "另"], "x-enum-labels-en": ["X"]},
        "c": {"type": "array", "items": {"type": "object", "properties": {
            "d": {"type": "string", "title": "丁", "x-title-en": "丁"}}}}}}
    assert list(untranslated(form)) == ["/properties/a x-title-en", "/properties/b x-enum-labels-en",
                                        "/properties/c/items/properties/d x-title-en"]


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


# -- English labels for versions deployed before forms/ had them -----------------------------------
def _without_english(node):
    if isinstance(node, dict):
        return {k: _without_english(v) for k, v in node.items() if k not in ("x-title-en", "x-enum-labels-en")}
    if isinstance(node, list):
        return [_without_english(v) for v in node]
    return node


@pytest.mark.parametrize("form_key", sorted(FORMS))
def test_a_form_deployed_without_english_labels_gets_every_one_of_them_back_from_forms(form_key):
    schema = FORMS[form_key]
    old = _without_english(schema)
    assert with_english_labels(old, schema) == schema
    assert with_english_labels(schema, schema) is schema  # nothing to add: the same object


def test_an_english_label_is_taken_only_where_the_chinese_it_translates_is_the_same():
    reference = {"title": "线索登记", "x-title-en": "Clue intake", "properties": {
        "source": {"title": "线索来源", "x-title-en": "Source", "enum": ["a", "b"],
                   "x-enum-labels": ["甲", "乙"], "x-enum-labels-en": ["A", "B"]},
        "summary": {"title": "线索内容", "x-title-en": "Details"}}}
    deployed = {"title": "线索登记", "properties": {
        "source": {"title": "来源", "enum": ["a", "b"], "x-enum-labels": ["甲", "丙"]},
        "summary": {"title": "线索内容", "x-title-en": "Summary of the clue"}}}
    filled = with_english_labels(deployed, reference)
    assert filled["x-title-en"] == "Clue intake"
    assert "x-title-en" not in filled["properties"]["source"]  # its Chinese title changed since
    assert "x-enum-labels-en" not in filled["properties"]["source"]  # so did a label of its choices
    assert filled["properties"]["summary"]["x-title-en"] == "Summary of the clue"  # its own is kept
    assert "x-title-en" not in deployed  # the deployed snapshot itself is not changed


def test_a_pattern_runs_in_linear_time_and_one_that_needs_backtracking_is_refused_at_deploy():
    """(a+)+$ against 64 a's and a b: Python's re backtracks through 2**64 ways before it says
    no; the forms' validator (RE2) says no at once, so an author's pattern cannot hold a worker.
    A look-around or back-reference, which only backtracking can run, is a deploy problem."""
    from workflow_app.services.procedures.form_checks import content_check

    schema = {"type": "object", "title": "登记", "properties": {
        "code": {"type": "string", "title": "编号", "pattern": "^(a+)+$", "maxLength": 100}},
        "examples": [{"code": "aaa"}]}
    with pytest.raises(Invalid) as refused:
        validate_form(schema, {"code": "a" * 64 + "b"})
    assert list(refused.value.errors) == ["code"]
    assert validate_form(schema, {"code": "a" * 64}) == {"code": "a" * 64}
    assert content_check(schema).count == 0

    for pattern in ("^(?=x)x$", r"^(a)\1$"):
        check = content_check({**schema, "properties": {"code": {**schema["properties"]["code"], "pattern": pattern}}})
        assert [str(m) for m in check.problems["code"]] == [
            f"properties/code: pattern {pattern!r} cannot be used: " + check.problems["code"][0].params["reason"]
            + " (a pattern is matched in linear time, so it has no look-around or back-reference)"]
    surrogate = content_check({**schema, "properties": {"code": {**schema["properties"]["code"], "pattern": "\ud800"}}})
    assert "lone surrogate" in str(surrogate.problems["code"][0])
    with pytest.raises(Invalid):
        validate_form(schema, {"code": "a\ud800"})
    nested = content_check({**schema, "properties": {"rows": {"type": "array", "title": "行", "items": {
        "type": "object", "patternProperties": {"^x": {"type": "string"}}}}}, "examples": [{"rows": []}]})
    assert "patternProperties" in str(nested.problems["rows"][0])


def test_a_forms_metaschema_check_is_kept_by_its_text_and_refuses_the_same_way_every_time(monkeypatch):
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    from workflow_app.services.procedures import forms

    checked = []
    real = Draft202012Validator.check_schema
    monkeypatch.setattr(Draft202012Validator, "check_schema",
                        classmethod(lambda cls, schema, **kw: (checked.append(schema), real(schema, **kw))[1]))
    good = {"type": "object", "properties": {"甲": {"type": "string", "minLength": 1}}}
    bad = {"type": "object", "properties": {"甲": {"type": "string", "minLength": -1}}}
    raised = []
    for _ in range(3):
        forms.check_form_schema(dict(good))
        with pytest.raises(SchemaError, match="-1") as refused:
            forms.check_form_schema(dict(bad))
        raised.append(refused.value)
    assert checked == [good, bad]  # once each, then kept
    # each refusal is its own error with the same place (the kept one holds no caller's frames)
    assert len({id(e) for e in raised}) == 3
    assert {tuple(e.absolute_path) for e in raised} == {("properties", "甲", "minLength")}
    # another form, or the same keys with another value, is checked anew
    with pytest.raises(SchemaError):
        forms.check_form_schema({**bad, "type": 5})
    forms.check_form_schema({**good, "required": ["甲"]})
    assert len(checked) == 4
    # a form longer than what is kept (a file may be 16 MiB) is checked each time, its text not kept
    large = {**good, "description": "长" * forms.KEPT_SCHEMA_CHARS}
    forms.check_form_schema(large)
    forms.check_form_schema(large)
    assert len(checked) == 6
