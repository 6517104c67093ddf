"""The parties' numbers and their check characters: the 18-character resident identity number
(GB 11643-1999: ISO 7064 MOD 11-2, a birth date that exists) and the unified social credit code
(GB 32100-2015: registration authority and kind of organisation, MOD 31 over 0-9 A-H J-N P-R T-U
W-Y)."""
import pytest

from workflow_app.oversight.identity import (
    masked_id_number,
    normalized_number,
    number_problem,
    resident_id_valid,
    uscc_valid,
    with_resident_check,
    with_uscc_check,
)

# The standard's own example (GB 11643-1999, Annex A): 11010519491231002X.
PERSON = "11010519491231002X"
# A company registered by market regulation (9, enterprise 1) whose check character is Y.
COMPANY = "91350100M000100Y43"


def test_a_resident_number_with_its_check_character_is_valid():
    assert number_problem("person", PERSON) is None and resident_id_valid(PERSON)
    assert number_problem("person", with_resident_check("44010619850312123")) is None


def test_a_wrong_resident_check_character_is_refused_naming_the_right_one():
    problem = number_problem("person", "110105194912310021")
    assert problem is not None and "MOD 11-2" in str(problem) and "X" in str(problem)


@pytest.mark.parametrize("number, says", [
    ("11010519491231002", "18 characters (this has 17)"),
    ("11010519491231002X1", "18 characters (this has 19)"),
    ("", "18 characters (this has 0)"),
    ("01010519491231002X", "17 digits (the first not 0)"),
    ("1101051949123100AX", "17 digits"),
    ("11010519490230002X", "birth date; 19490230 is no date"),  # 30 February
    ("11010518991231002X", "birth date"),  # before 1900
    ("1101051949123100\x002X"[:18], "17 digits"),
    ("１１０１０５１９４９１２３１００２Ｘ", "17 digits"),  # full-width digits are not the number
])
def test_a_malformed_resident_number_is_refused_saying_why(number, says):
    problem = number_problem("person", number)
    assert problem is not None and says in str(problem), problem


def test_a_lower_case_x_is_the_check_character_x_once_normalized():
    assert number_problem("person", normalized_number(" 11010519491231002x ")) is None
    assert number_problem("person", "11010519491231002x") is not None  # the register stores it upper case


def test_a_credit_code_with_its_check_character_is_valid():
    assert number_problem("organization", COMPANY) is None and uscc_valid(COMPANY)
    for first17 in ("91110105MA01ABCD2", "92990105MA05BMY9T", "12100000400000803", "51100000500018573",
                    "Y1110000MA0000001"):
        assert number_problem("organization", with_uscc_check(first17)) is None, first17


def test_a_wrong_credit_code_check_character_is_refused_naming_the_right_one():
    problem = number_problem("organization", "91350100M000100Y44")
    assert problem is not None and "MOD 31" in str(problem) and "3" in str(problem)
    assert not uscc_valid("91350100M000100Y44")


@pytest.mark.parametrize("number, says", [
    ("91350100M000100Y4", "18 characters (this has 17)"),
    ("91350100M000100Y433", "18 characters (this has 19)"),
    ("91350100M000I00Y43", "no I, O"),  # I is not of the alphabet
    ("91350100M000O00Y43", "no I, O"),
    ("913501A0M000100Y43", "characters 3 to 8 digits"),  # the region code is digits
    ("9135\x000100M000100Y4", "no I, O"),
    ("", "18 characters"),
])
def test_a_malformed_credit_code_is_refused_saying_why(number, says):
    problem = number_problem("organization", number)
    assert problem is not None and says in str(problem), problem


@pytest.mark.parametrize("codes", ["94", "99", "14", "Y2", "01", "H1"])
def test_a_credit_code_of_no_registration_authority_and_kind_of_gb_32100_is_refused(codes):
    number = with_uscc_check(codes + "350100M000100Y4")  # its check character right
    problem = number_problem("organization", number)
    assert problem is not None and codes in str(problem) and "GB 32100" in str(problem)
    assert not uscc_valid(number)


def test_lower_case_letters_of_a_credit_code_are_its_letters_once_normalized():
    assert number_problem("organization", normalized_number("91350100m000100y43")) is None
    assert number_problem("organization", "91350100m000100y43") is not None


def test_a_number_of_the_other_kind_of_party_is_refused():
    assert number_problem("person", COMPANY) is not None
    assert number_problem("organization", PERSON) is not None


def test_a_list_shows_a_persons_number_masked_to_its_first_and_last_four():
    assert masked_id_number("44010619850312123X") == "4401**********123X"
