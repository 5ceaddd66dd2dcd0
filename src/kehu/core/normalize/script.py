"""Traditional → simplified Chinese, fast on text that is already simplified.

OpenCC's pure-Python converter costs tens of microseconds per call. Almost every value a
CRM sees is already simplified, so we test for traditional characters first (a set
intersection in C) and only convert, with a cache, when there is something to convert.
"""

from functools import cache, lru_cache
from pathlib import Path

import opencc


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@cache
def _traditional_chars() -> frozenset[str]:
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    chars = set()
    with path.open(encoding="utf-8") as f:
        for line in f:
            source, _, targets = line.rstrip("\n").partition("\t")
            if source and source not in targets.split():
                chars.add(source)
    return frozenset(chars)


@lru_cache(maxsize=65536)
def _convert(text: str) -> str:
    return _converter().convert(text)


def to_simplified(text: str) -> str:
    if not text or _traditional_chars().isdisjoint(text):
        return text
    return _convert(text)
