"""Phone numbers are shown in full only to roles with the ``view_full_phone`` capability."""

import re

from .capabilities import VIEW_FULL_PHONE

_DIGIT = re.compile(r"\d")


def mask_phone(value: str) -> str:
    """138****5678 for mobiles; for other numbers keep the area code and the last four digits."""
    if not value:
        return value
    digits = [i for i, ch in enumerate(value) if ch.isdigit()]
    if len(digits) < 7:
        return _DIGIT.sub("*", value)
    keep_head = (
        3 if len(digits) == 11 and value[0] == "1" else len(value.split("-", 1)[0]) if "-" in value else 3
    )
    hidden = {i for i in digits if i >= keep_head and i < digits[-4]}
    return "".join("*" if i in hidden else ch for i, ch in enumerate(value))


def can_see_full_phone(user) -> bool:
    cached = getattr(user, "_kehu_full_phone", None)
    if cached is None:
        cached = user.can(VIEW_FULL_PHONE)
        user._kehu_full_phone = cached
    return cached


def phone_for(user, value: str) -> str:
    return value if not value or can_see_full_phone(user) else mask_phone(value)


PHONE_FIELDS = frozenset({"phone", "mobile", "phone_key"})


def mask_changes(user, changes: dict) -> dict:
    """An audit entry's {field: [old, new]} with phone numbers masked for this viewer."""
    if can_see_full_phone(user):
        return changes
    return {
        name: [mask_phone(v) if isinstance(v, str) else v for v in pair] if name in PHONE_FIELDS else pair
        for name, pair in changes.items()
    }
