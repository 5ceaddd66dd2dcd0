import re

from django.utils.translation import gettext_lazy as _

from .errors import InvalidValue
from .text import fold_width

# Deliberately simple: one @, a dotted domain, no spaces. Deliverability is the mail
# server's business; this catches typing and column-mapping mistakes.
_EMAIL = re.compile(r"^[a-z0-9._%+\-']+@[a-z0-9\-]+(\.[a-z0-9\-]+)*\.[a-z]{2,}$")


def normalize_email(raw: str) -> str:
    value = fold_width(raw or "").strip().lower().replace(" ", "")
    value = value.replace("。", ".").rstrip(".")
    if not value:
        raise InvalidValue("required", _("E-mail address is empty."))
    if not _EMAIL.match(value):
        raise InvalidValue("invalid_email", _("“%(value)s” is not an e-mail address."), value=raw.strip())
    return value
