"""Identity numbers of the parties: the 18-digit resident identity number (居民身份证号码,
GB 11643-1999) and the unified social credit code (统一社会信用代码, GB 32100-2015), each with its
check character; and finding personal numbers (identity numbers, mobile phone numbers) in a text
meant for the public (APL Art. 48; 国办发〔2018〕118号: personal information is not disclosed).
"""
import re
from datetime import date

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
    if not USCC.match(value):
        return False
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(value[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31] == value[17]


def party_id_valid(value: str) -> bool:
    """An identity number (person) or a unified social credit code (organization), check included."""
    return resident_id_valid(value) or uscc_valid(value)


def with_resident_check(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return first17 + _ID_CHECK[total % 11]


def with_uscc_check(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return first17 + _USCC_CHARS[(31 - total % 31) % 31]


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
