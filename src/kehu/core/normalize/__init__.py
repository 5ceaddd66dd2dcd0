"""Normalisation and validation of the identifiers a CRM lives on.

Pure functions, no database: the same code cleans a customer form, a lead import row
and the files of ``kehu dedup match``. Each ``normalize_*`` returns the canonical form or
raises :class:`InvalidValue` with a machine-readable code and a translatable message.
"""

from .emails import normalize_email
from .errors import InvalidValue
from .identifiers import normalize_credit_code, normalize_org_code, normalize_resident_id
from .phones import Phone, normalize_phone
from .text import fold_width, squash_spaces

__all__ = [
    "InvalidValue",
    "Phone",
    "fold_width",
    "normalize_credit_code",
    "normalize_email",
    "normalize_org_code",
    "normalize_phone",
    "normalize_resident_id",
    "squash_spaces",
]
