"""Identity numbers of the parties: the 18-digit resident identity number (居民身份证号码,
GB 11643-1999) and the unified social credit code (统一社会信用代码, GB 32100-2015), each with its
check character; and finding personal numbers (identity numbers, mobile phone numbers) in a text
meant for the public (APL Art. 48; 国办发〔2018〕118号: personal information is not disclosed).
"""
import re
from datetime import date

from ..messages import Text, tr

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

RESIDENT_ID = re.compile(r"^[1-9]\d{16}[\dX]$")
USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
# In free text: 18 characters not touching other digits or letters; a mobile number (1[3-9] and
# 9 more digits), also written with spaces or hyphens in 3-4-4 groups, or after +86.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{16}[\dXx])(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[ -]?)?(1[3-9]\d[ -]?\d{4}[ -]?\d{4})(?!\d)")


def resident_id_valid(value: str) -> bool:
    value = value.upper()
    if not RESIDENT_ID.match(value):
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if born.year < 1900:
        return False
    total = sum(int(c) * w for c, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def uscc_valid(value: str) -> bool:
    if not USCC.match(value) or not registration_codes_known(value):
        return False
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(value[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31] == value[17]


# GB 32100-2015 Table 1: the registration authority (登记管理部门, 1st character) and the kinds of
# organisation it registers (机构类别, 2nd): 1 机构编制 (1 机关, 2 事业单位, 3 中央编办直接管理机构编制的
# 群众团体, 9 其他), 5 民政 (1 社会团体, 2 民办非企业单位, 3 基金会, 9 其他), 9 工商/市场监管 (1 企业,
# 2 个体工商户, 3 农民专业合作社), Y 其他 (1). The authorities given codes after the standard (外交,
# 司法行政, 文化, 旅游, 宗教, 工会, 军队, 农业 …: 2-8, A-G, N) are published with type codes 1-9 whose
# lists are not in the standard: any digit 1-9 is taken for them.
_USCC_TYPES = {"1": "1239", "5": "1239", "9": "123", "Y": "1",
               **{code: "123456789" for code in "2345678ABCDEFGN"}}


def registration_codes_known(value: str) -> bool:
    return len(value) >= 2 and value[1] in _USCC_TYPES.get(value[0], "")


def party_id_valid(value: str) -> bool:
    """An identity number (person) or a unified social credit code (organization), check included."""
    return resident_id_valid(value) or uscc_valid(value)


def with_resident_check(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return first17 + _ID_CHECK[total % 11]


def with_uscc_check(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return first17 + _USCC_CHARS[(31 - total % 31) % 31]


def normalized_number(value: str) -> str:
    """A number as typed, made comparable: surrounding blanks dropped, letters upper case (an
    identity number's check character X is often typed x; a credit code's letters likewise)."""
    return value.strip().upper()


def number_problem(kind: str, value: str) -> Text | None:
    """Why `value` (normalized) is not the number of a party of `kind` (person: the resident
    identity number, GB 11643; organization: the unified social credit code, GB 32100), or None.
    The reason names what is wrong: the length, a character, the birth date, the registration
    codes, or the check character (with the one it should be)."""
    if kind == "person":
        return _resident_problem(value)
    return _uscc_problem(value)


def _resident_problem(value: str) -> Text | None:
    if len(value) != 18:
        return tr("a resident identity number has 18 characters (this has %(count)d)", count=len(value))
    if not RESIDENT_ID.match(value):
        return tr("a resident identity number is 17 digits (the first not 0) and a check character, a digit or X")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1900:
        return tr("characters 7 to 14 of a resident identity number are the birth date; %(date)s is no date",
                  date=value[6:14])
    expected = with_resident_check(value[:17])[17]
    if expected != value[17]:
        return tr("the check character does not match (GB 11643, ISO 7064 MOD 11-2): it would be %(expected)s",
                  expected=expected)
    return None


def _uscc_problem(value: str) -> Text | None:
    if len(value) != 18:
        return tr("a unified social credit code has 18 characters (this has %(count)d)", count=len(value))
    if not USCC.match(value):
        return tr("a unified social credit code is made of digits and the letters A-H J-N P-R T-U W-Y (no I, O, "
                  "S, V, Z), characters 3 to 8 digits")
    if not registration_codes_known(value):
        return tr("%(codes)s is not a registration authority and kind of organisation of GB 32100", codes=value[:2])
    expected = with_uscc_check(value[:17])[17]
    if expected != value[17]:
        return tr("the check character does not match (GB 32100, MOD 31): it would be %(expected)s",
                  expected=expected)
    return None


def masked_id_number(value: str) -> str:
    """A natural person's identity number as a list shows it: the first 4 and the last 4 characters
    (4401**********123X)."""
    return value[:4] + "*" * max(len(value) - 8, 0) + value[-4:]


def personal_numbers(text: str) -> list[tuple[str, str]]:
    """(kind, masked number) of every identity or mobile number in the text: kind `id_number` or
    `mobile`. A unified social credit code is an organization's public identifier, not flagged."""
    found = []
    for match in _ID_IN_TEXT.finditer(text):
        if resident_id_valid(match.group(1)):
            found.append(("id_number", _mask(match.group(1))))
    for match in _MOBILE_IN_TEXT.finditer(text):
        found.append(("mobile", _mask(re.sub(r"\D", "", match.group(1)))))
    return found


def _mask(number: str) -> str:
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
