import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold_width(value: str) -> str:
    """Full-width letters, digits and punctuation to their half-width forms (NFKC)."""
    return unicodedata.normalize("NFKC", value)


def squash_spaces(value: str) -> str:
    return _SPACES.sub(" ", value).strip()
