"""The departments' numbering patterns (案号, 文号): how a number prints, and which patterns are refused."""
import pytest

from workflow_app.services.numbering import DEFAULT_PATTERN, numbered_fields, pattern_problems, render


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
