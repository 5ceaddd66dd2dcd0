"""Chinese phone numbers in every format people type them.

Canonical forms: mobile ``13812345678``; landline ``0571-88123456`` (area code with its
leading 0, dash, local number; ``-ext`` appended when given); service numbers
``400-123-4567``. ``Phone.key`` is the digits-only form used for matching.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from django.utils.translation import gettext_lazy as _

from .errors import InvalidValue
from .text import fold_width

_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x)\s*(\d{1,6})\s*$", re.IGNORECASE)
_NON_DIGIT = re.compile(r"\D")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area codes of two digits after the 0 (Beijing 010, 020-029); all others have three.
_SHORT_AREA = re.compile(r"^0(10|2\d)")


@dataclass(frozen=True, slots=True)
class Phone:
    canonical: str
    kind: str  # "mobile" | "landline" | "service"

    @property
    def key(self) -> str:
        return _NON_DIGIT.sub("", self.canonical)

    @property
    def area_code(self) -> str:
        return self.canonical.split("-", 1)[0] if self.kind == "landline" else ""

    def __str__(self) -> str:
        return self.canonical


def _strip_country_code(raw: str, digits: str) -> tuple[str, bool]:
    stripped = raw.lstrip()
    if stripped.startswith("+"):
        if digits.startswith("86"):
            return digits[2:], True
        raise InvalidValue("foreign_phone", _("Only Chinese (+86) numbers are accepted."))
    if digits.startswith("0086"):
        return digits[4:], True
    # "86-138…" / "86 571 …": the 86 is a country code only if what follows is a whole number.
    if digits.startswith("86") and len(digits) in (12, 13):
        rest = digits[2:]
        if _MOBILE.match(rest) or not rest.startswith("1"):
            return rest, True
    return digits, False


def _parse(raw: str) -> Phone:
    text = fold_width(raw or "").strip()
    if not text:
        raise InvalidValue("required", _("Phone number is empty."))
    extension = ""
    match = _EXTENSION.search(text)
    if match:
        extension, text = match.group(1), text[: match.start()]
    digits = _NON_DIGIT.sub("", text)
    if not digits:
        raise InvalidValue("invalid_phone", _("“%(value)s” contains no digits."), value=raw.strip())
    digits, had_country_code = _strip_country_code(text, digits)
    if had_country_code and not digits.startswith(("0", "1", "400", "800")):
        digits = "0" + digits  # +86 571 88123456 drops the trunk 0 of the area code
    if had_country_code and digits.startswith("10") and len(digits) == 10:
        digits = "0" + digits  # +86 10 88123456 (Beijing)

    if _MOBILE.match(digits):
        return Phone(digits, "mobile")
    if digits.startswith(("400", "800")) and len(digits) == 10:
        return Phone(f"{digits[:3]}-{digits[3:6]}-{digits[6:]}", "service")
    if digits.startswith("0") and len(digits) >= 10:
        area_len = 3 if _SHORT_AREA.match(digits) else 4
        area, local = digits[:area_len], digits[area_len:]
        if len(local) > 8 and not extension and len(local) <= 12:
            local, extension = local[:8], local[8:]
        if len(local) in (7, 8) and local[0] not in "01":
            canonical = f"{area}-{local}" + (f"-{extension}" if extension else "")
            return Phone(canonical, "landline")
    if len(digits) in (7, 8) and digits[0] not in "01":
        raise InvalidValue(
            "missing_area_code",
            _("“%(value)s” looks like a landline without its area code (e.g. 0571-88123456)."),
            value=raw.strip(),
        )
    if digits.startswith("1") and len(digits) != 11:
        raise InvalidValue(
            "invalid_mobile",
            _("A mobile number has 11 digits; “%(value)s” has %(count)d."),
            value=raw.strip(),
            count=len(digits),
        )
    raise InvalidValue("invalid_phone", _("“%(value)s” is not a valid phone number."), value=raw.strip())


def _is_assigned(canonical: str) -> bool:
    national = "".join(canonical.split("-")[:2])  # without any extension
    if _MOBILE.match(national) and not national.startswith("179"):
        return _mobile_block_assigned(national[:7])
    return _other_assigned(national)


@lru_cache(maxsize=65536)
def _mobile_block_assigned(block: str) -> bool:
    """Whether the mobile numbers of a block (号段: the first seven of eleven digits, the unit
    in which China allocates them, and all the numbering plan's patterns look at) are in use:
    one check per block instead of per number (a test compares with every number's own).

    What parse() returns for these: only 11/12/179 (carrier codes) could be stripped as a
    national prefix. Building the number directly skips the parser (⅔ of the cost)."""
    number = phonenumbers.PhoneNumber(country_code=86, national_number=int(block + "0000"))
    return phonenumbers.is_valid_number(number)


@lru_cache(maxsize=65536)
def _other_assigned(national: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(national, "CN"))
    except phonenumbers.NumberParseException:  # 17984008343: "179xx" read as a carrier code
        return False


def normalize_phone(raw: str, *, strict: bool = True) -> Phone:
    """Parse ``raw`` into a :class:`Phone`.

    ``strict`` also checks the number against the numbering plan (real mobile prefixes,
    real area codes); matching code passes ``strict=False`` to stay fast and tolerant.
    """
    phone = _parse(raw)
    if strict and phone.kind != "service" and not _is_assigned(phone.canonical):
        message = (
            _("“%(value)s” is not a mobile number in use in China.")
            if phone.kind == "mobile"
            else _("“%(value)s” does not have a Chinese area code.")
        )
        raise InvalidValue("unassigned_phone", message, value=raw.strip())
    return phone
