"""Every rule kind and every parameter says what it is in Chinese for the workbench's author
(oversight/step_rules/words_zh.json), and the file names no kind or parameter that is gone."""
from workflow_app.oversight import step_rules  # noqa: F401 - registers the kinds
from workflow_app.oversight.bindings import KINDS, Param, RuleKind
from workflow_app.oversight.step_rules import words


def test_every_kind_and_parameter_has_its_chinese_words_and_none_is_stale():
    assert words.gaps(KINDS) == []


def test_a_kind_or_parameter_missing_from_the_file_is_named_and_said_in_english_meanwhile():
    kind = RuleKind("no_such_kind_yet", "X", "第1条", {"day": Param("field", doc="the day")}, lambda r, p: [],
                    doc="Checks nothing.")
    assert words.gaps({**KINDS, kind.name: kind}) == ["no_such_kind_yet: no Chinese doc",
                                                      "no_such_kind_yet.day: no Chinese doc"]
    assert (words.kind_doc(kind).zh, str(words.param_doc(kind, "day"))) == ("Checks nothing.", "the day")
    gone = {name: k for name, k in KINDS.items() if name != "dates_in_order"}
    assert words.gaps(gone) == ["dates_in_order: no such kind"]


def test_the_chinese_is_chinese_and_keeps_the_parameters_field_references():
    kind = KINDS["dates_in_order"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in words.kind_doc(kind).zh)
    for name in kind.params:
        zh = words.param_doc(kind, name).zh
        assert zh and any("\u4e00" <= ch <= "\u9fff" for ch in zh), (name, zh)
