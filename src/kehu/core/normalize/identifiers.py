"""Checksummed Chinese identifiers.

* Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters.
* Organisation code (组织机构代码, GB 11714): 8 characters and a check character.
* Resident ID number (居民身份证号码, GB 11643): 17 digits and a check character;
  the legacy 15-digit form is upgraded to 18.

python-stdnum's validators are stricter than reality (see docs/decisions.md), so the
rules are written here; its check-digit functions are used to cross-check in tests.
"""

import datetime as dt
import re

from django.utils.translation import gettext_lazy as _

from .errors import InvalidValue
from .text import fold_width

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC = re.compile(rf"^[{USCC_ALPHABET}]{{2}}\d{{6}}[{USCC_ALPHABET}]{{10}}$")

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG = re.compile(r"^[0-9A-Z]{8}[0-9X]$")

_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RIC = re.compile(r"^\d{17}[\dX]$")
# Province-level codes (first two digits) of GB/T 2260, incl. Taiwan, Hong Kong, Macau.
_PROVINCES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
    }
    | {
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
        "91",
    }
)


def _clean(raw: str) -> str:
    return re.sub(r"[\s\-]", "", fold_width(raw or "")).upper()


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    total = sum(int(c, 36) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def ric_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _RIC_WEIGHTS, strict=True))
    return "0123456789X"[(12 - total % 11) % 11]


def normalize_credit_code(raw: str) -> str:
    value = _clean(raw)
    if not value:
        raise InvalidValue("required", _("Unified social credit code is empty."))
    if len(value) != 18:
        raise InvalidValue(
            "invalid_length",
            _("A unified social credit code has 18 characters; this one has %(count)d."),
            count=len(value),
        )
    if not _USCC.match(value):
        raise InvalidValue(
            "invalid_format",
            _(
                "Unified social credit code contains characters that are not allowed (I, O, Z, S, V) "
                "or a non-digit in the region part (characters 3–8)."
            ),
        )
    if uscc_check_char(value[:17]) != value[17]:
        raise InvalidValue(
            "invalid_checksum",
            _("Unified social credit code check character is wrong: expected %(expected)s."),
            expected=uscc_check_char(value[:17]),
        )
    return value


def normalize_org_code(raw: str) -> str:
    value = _clean(raw)
    if len(value) != 9 or not _ORG.match(value):
        raise InvalidValue(
            "invalid_format", _("An organisation code has 8 letters or digits and a check character.")
        )
    if org_code_check_char(value[:8]) != value[8]:
        raise InvalidValue(
            "invalid_checksum",
            _("Organisation code check character is wrong: expected %(expected)s."),
            expected=org_code_check_char(value[:8]),
        )
    return f"{value[:8]}-{value[8]}"


def _birth_date(value: str) -> dt.date:
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidValue("invalid_birth_date", _("ID number contains an impossible birth date.")) from None
    if born.year < 1880 or born > dt.date.today():
        raise InvalidValue("invalid_birth_date", _("ID number contains an impossible birth date."))
    return born


def normalize_resident_id(raw: str) -> str:
    value = _clean(raw)
    if not value:
        raise InvalidValue("required", _("ID number is empty."))
    if len(value) == 15 and value.isdigit():  # first-generation card: YYMMDD, no check char
        value = value[:6] + "19" + value[6:]
        value += ric_check_char(value)
    if len(value) != 18 or not _RIC.match(value):
        raise InvalidValue(
            "invalid_format", _("A resident ID number has 18 characters: 17 digits and a digit or X.")
        )
    if value[:2] not in _PROVINCES:
        raise InvalidValue("invalid_region", _("ID number does not start with a Chinese region code."))
    _birth_date(value)
    if ric_check_char(value[:17]) != value[17]:
        raise InvalidValue(
            "invalid_checksum",
            _("ID number check character is wrong: expected %(expected)s."),
            expected=ric_check_char(value[:17]),
        )
    return value


def birth_date_from_resident_id(value: str) -> dt.date:
    return _birth_date(value)
