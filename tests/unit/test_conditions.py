"""The one shape of a package's conditions (oversight/conditions.py): documents.json's `when`, and
rules.json's act dates under a condition and `overdue_alert_unless`."""
import pytest

from workflow_app.oversight import conditions
from workflow_app.oversight.conditions import EXCLUDES, IN, INCLUDES, Condition, parse

FORMS = {"zhixing": {"properties": {"qingkuang": {"type": "string", "enum": ["anqi", "cuigao", "wuxu"]},
                                    "cuigao_ri": {"type": "string", "format": "date"}}},
         "jueding": {"properties": {"zhonglei": {"type": "array", "items": {"type": "string",
                                                                            "enum": ["warning", "fine"]}}}}}


def test_in_holds_on_one_of_its_values():
    paid = parse({"field": "zhixing.qingkuang", "in": ["anqi", "cuigao"]})
    assert paid == Condition("zhixing.qingkuang", IN, ("anqi", "cuigao"))
    assert paid.holds({"zhixing": {"qingkuang": "cuigao"}}) and not paid.holds({"zhixing": {"qingkuang": "wuxu"}})
    assert not paid.holds({})


def test_includes_and_excludes_read_the_items_of_a_list():
    fined = parse({"field": "jueding.zhonglei", "includes": "fine"})
    nothing_to_pay = parse({"field": "jueding.zhonglei", "excludes": "fine"})
    assert (fined.test, nothing_to_pay.test) == (INCLUDES, EXCLUDES)
    for kinds, has_fine in ((["warning", "fine"], True), (["warning"], False), ([], False), (None, False),
                            ("fine", False)):  # a text is no list
        record = {"jueding": {"zhonglei": kinds}}
        assert fined.holds(record) is has_fine and nothing_to_pay.holds(record) is not has_fine, kinds


@pytest.mark.parametrize("declared", [
    {"field": "zhixing.qingkuang", "in": []},
    {"field": "zhixing.qingkuang", "in": "anqi"},
    {"field": "zhixing.qingkuang", "in": ["anqi"] * 101},
    {"field": "zhixing.qingkuang", "includes": "a", "excludes": "b"},
    {"field": "zhixing.qingkuang", "equal": "anqi"},
    {"field": "zhixing.qingkuang", "filled": 1},
    {"field": "zhixing.qingkuang.x", "equals": 1},
    {"field": 7, "equals": 1},
    "zhixing.qingkuang",
    None,
])
def test_a_condition_of_no_known_shape_is_none(declared):
    assert parse(declared) is None


@pytest.mark.parametrize("declared, said", [
    ({"field": "zhixing.qingkuang", "in": ["anqi", "payed"]}, "has no choice 'payed'"),
    ({"field": "zhixing.zhuangtai", "equals": "anqi"}, "names zhixing.zhuangtai, which is no field"),
    ({"field": "songda.riqi", "filled": True}, "names songda.riqi, which is no field"),
    ({"field": "zhixing.qingkuang", "excludes": "anqi"}, "zhixing.qingkuang is no list"),
    ({"field": "jueding.zhonglei", "excludes": "fines"}, "has no choice 'fines'"),
])
def test_a_condition_on_no_field_or_no_choice_is_named(declared, said):
    [problem] = conditions.problems(parse(declared), FORMS, "where")
    assert said in problem and problem.startswith("where")


def test_a_condition_on_a_field_and_its_choices_has_no_problem():
    for declared in ({"field": "zhixing.qingkuang", "in": ["anqi", "cuigao"]},
                     {"field": "jueding.zhonglei", "excludes": "fine"},
                     {"field": "zhixing.cuigao_ri", "filled": True},
                     {"field": "zhixing.cuigao_ri", "equals": "2026-10-01"}):  # no choices: any value
        assert conditions.problems(parse(declared), FORMS, "where") == [], declared
