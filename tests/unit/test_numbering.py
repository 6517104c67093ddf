"""The departments' numbering patterns (案号, 文号): how a number prints, and which patterns are refused."""
import pytest

from workflow_app.services.registers.numbering import (
    DEFAULT_PATTERN,
    _numbers_due,
    marker_problems,
    markers,
    numbered_fields,
    pattern_problems,
    render,
)


def test_the_default_pattern_prints_the_departments_numbers():
    assert render(DEFAULT_PATTERN, abbr="清市监", code="立", year=2026, seq=12) == "清市监立〔2026〕12号"
    assert render(DEFAULT_PATTERN, abbr="清市监", code="罚", year=2026, seq=7) == "清市监罚〔2026〕7号"


def test_a_padded_sequence_prints_its_digits():
    assert render("{abbr}{kind}字〔{year}〕第{seq:04}号", abbr="清公", code="决", year=2027, seq=3) == \
        "清公决字〔2027〕第0003号"
    assert pattern_problems("{abbr}{kind}字〔{year}〕第{seq:04}号") == []


@pytest.mark.parametrize("pattern", [DEFAULT_PATTERN, "{kind}〔{year}〕{seq}号", "〔{year}〕{abbr}{kind}{seq:06}"])
def test_a_pattern_naming_kind_year_and_sequence_is_accepted(pattern):
    assert pattern_problems(pattern) == []


@pytest.mark.parametrize("pattern, missing", [
    ("{abbr}{kind}〔{year}〕号", "{seq}"),  # every number of the year would print the same
    ("{abbr}{kind}第{seq}号", "{year}"),  # next year's 1号 would print as this year's
    ("{abbr}〔{year}〕{seq}号", "{kind}"),  # a decision and a notice would share their numbers
])
def test_a_pattern_that_could_print_one_number_twice_is_refused(pattern, missing):
    problems = " ".join(map(str, pattern_problems(pattern)))
    assert missing in problems, problems


@pytest.mark.parametrize("pattern", [
    "{abbr}{kind}〔{year}〕{seq}号{0}",  # a positional field
    "{abbr.__class__}{kind}〔{year}〕{seq}号",  # an attribute, as str.format would follow it
    "{abbr}{kind}〔{year}〕{seq:>10}号",  # a format spec other than zero padding
    "{abbr}{kind}〔{year}〕{seq}号}",  # a stray brace
    "{abbr}{kind}〔{year}〕{seq:00}号",  # padded to no digits
])
def test_anything_else_in_braces_is_refused(pattern):
    assert pattern_problems(pattern), pattern


@pytest.mark.parametrize("pattern", [
    "{abbr}{kind}\x00〔{year}〕{seq}号",  # NUL
    "{abbr}{kind}\ud800〔{year}〕{seq}号",  # a lone surrogate
    "{abbr}{kind}\n〔{year}〕{seq}号",  # a line break
    "{abbr}{kind}〔{year}〕{seq}号" + "号" * 100,  # too long to print
    "",
    "   ",
    None,
    12,
])
def test_junk_is_refused_as_a_pattern(pattern):
    assert pattern_problems(pattern), repr(pattern)


def test_the_numbered_fields_are_those_a_form_marks():
    schema = {"properties": {"decision_number": {"type": "string", "x-document-number": "penalty_decision"},
                             "decided_on": {"type": "string", "format": "date"},
                             "odd": {"type": "string", "x-document-number": 7}}}
    assert numbered_fields(schema) == {"decision_number": "penalty_decision"}
    assert numbered_fields(None) == {}


def test_a_number_per_another_field_is_issued_once_per_value_of_it():
    schema = {"properties": {"cuigao_hao": {"type": "string",
                                            "x-document-number": {"kind": "demand", "per": "cuigao_ri"}},
                             "cuigao_ri": {"type": "string", "format": "date"}}}
    assert markers(schema)["cuigao_hao"].per == "cuigao_ri" and numbered_fields(schema) == {"cuigao_hao": "demand"}
    assert _numbers_due(schema, {}, []) == ({}, {})  # no demand recorded: no number
    assert _numbers_due(schema, {"cuigao_ri": ""}, []) == ({}, {})
    assert _numbers_due(schema, {"cuigao_ri": "2026-10-01"}, []) == ({"cuigao_hao": "demand"}, {})
    earlier = [{"cuigao_ri": "2026-10-01", "cuigao_hao": "清市监催〔2026〕3号"}]
    assert _numbers_due(schema, {"cuigao_ri": "2026-10-01"}, earlier) == ({}, {"cuigao_hao": "清市监催〔2026〕3号"})
    assert _numbers_due(schema, {"cuigao_ri": "2026-10-09"}, earlier) == ({"cuigao_hao": "demand"}, {})
    # a demand recorded before its form numbered it keeps none: its number is not issued late
    assert _numbers_due(schema, {"cuigao_ri": "2026-10-01"}, [{"cuigao_ri": "2026-10-01"}]) == ({}, {})


@pytest.mark.parametrize("marker, said", [
    ({"kind": "demand", "per": "nowhere"}, "names no other field"),
    ({"kind": "demand", "per": "cuigao_hao"}, "names no other field"),
    ({"kind": "demand"}, 'is "<kind>" or'),
    ({"kind": "Demand", "per": "cuigao_ri"}, 'is "<kind>" or'),
    (["demand"], 'is "<kind>" or'),
    ("", 'is "<kind>" or'),
])
def test_deploy_names_a_marker_that_cannot_number(marker, said):
    schema = {"properties": {"cuigao_hao": {"type": "string", "x-document-number": marker},
                             "cuigao_ri": {"type": "string", "format": "date"}}}
    [problem] = marker_problems(schema)
    assert said in problem and "cuigao_hao" in problem


def test_a_marker_below_the_top_level_is_named():
    schema = {"properties": {"fenqi": {"type": "array", "items": {"type": "object", "properties": {
        "hao": {"type": "string", "x-document-number": "demand"}}}}}}
    assert [str(p) for p in marker_problems(schema)] == [
        "field fenqi.hao: x-document-number is read on a top-level field only"]


# -- the markers, as deploy checks them ------------------------------------------------------------------
def typed_problems(**props) -> str:
    from workflow_app.services.registers.numbering import form_problems

    return " ".join(str(problem) for _key, problem in form_problems({"f": {"properties": props}}, ["f"]))


def test_a_typed_number_is_a_top_level_string_that_fits_its_column():
    assert typed_problems(number={"type": "string", "maxLength": 64, "x-printed-number": "summary_decision"}) == ""
    assert typed_problems(number={"type": "string", "x-document-number": "penalty_decision"}) == ""
    assert "maxLength" in typed_problems(number={"type": "string", "maxLength": 100,
                                                  "x-printed-number": "summary_decision"})
    assert "maxLength" in typed_problems(number={"type": "string", "x-printed-number": "summary_decision"})
    assert "a number is a string" in typed_problems(number={"type": "integer", "maxLength": 10,
                                                             "x-printed-number": "summary_decision"})


@pytest.mark.parametrize("prop, said", [
    ({"type": "string", "maxLength": 64, "x-printed-number": "Summary Decision"}, "names the kind"),
    ({"type": "string", "maxLength": 64, "x-printed-number": 7}, "names the kind"),
    ({"type": "string", "maxLength": 64, "x-printed-number": "case"}, "case number is the system's"),
    ({"type": "string", "maxLength": 64, "x-printed-number": "a", "x-document-number": "b"}, "not both"),
    ({"type": "array", "items": {"type": "object", "properties": {
        "number": {"type": "string", "maxLength": 64, "x-printed-number": "receipt"}}}}, "f.number.*.number"),
    ({"type": "object", "properties": {"number": {"type": "string", "x-document-number": "penalty_decision"}}},
     "a top-level field only"),
])
def test_a_marker_the_step_would_not_read_as_meant_is_refused(prop, said):
    assert said in typed_problems(number=prop)


def test_the_shipped_forms_mark_their_numbers_as_deploy_asks():
    import json

    from tests.conftest import ROOT
    from workflow_app.services.registers.numbering import form_problems

    forms = {p.name.removesuffix(".schema.json"): json.loads(p.read_text(encoding="utf-8"))
             for p in (ROOT / "forms").glob("*/*.schema.json")}
    assert form_problems(forms, forms) == []
    assert {"decision_number": "summary_decision"} == {
        name: prop["x-printed-number"] for name, prop in forms["summary_decision"]["properties"].items()
        if "x-printed-number" in prop}


def test_each_procedure_kind_with_a_case_number_kind_of_its_own_is_a_kind_and_has_a_default_code():
    from workflow_app.oversight import procedure_kinds
    from workflow_app.services.registers.numbering import CASE, CASE_KINDS, DEFAULT_CODES, case_kind

    assert case_kind("inspection") == "inspection_case" and DEFAULT_CODES["inspection_case"] == "检"
    assert {case_kind(kind) for kind in ("penalty", "coercion", "referral", "other", None)} == {CASE}
    for kind, number_kind in CASE_KINDS.items():
        assert kind in procedure_kinds.KINDS and number_kind in DEFAULT_CODES
    assert len(set(DEFAULT_CODES.values())) == len(DEFAULT_CODES)  # no two kinds print the same
