"""Graded agreement of two person names or two company names.

Levels rather than raw ratios, so rules read like the business talks: "same name",
"sounds the same", "one character off". Chinese names are short; one character of a
two-character name is half of it, so a one-off in a two-character name is its own level.
"""

from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import ratio

from kehu.core.normalize.companies import CompanyName, industries_compatible
from kehu.core.normalize.names import PersonName


def _one_substitution(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def name_level(a: PersonName, b: PersonName) -> str:
    """same | homophone | typo | typo_short | surname_only | differs."""
    if a.text == b.text:
        return "surname_only" if a.partial or b.partial else "same"
    if a.partial or b.partial:
        short, full = (a, b) if a.partial else (b, a)
        if full.text.startswith(short.text) or full.pinyin.startswith(short.pinyin):
            return "surname_only"
        return "differs"
    if a.pinyin == b.pinyin:
        return "homophone"
    if not (a.is_han and b.is_han):
        return "typo" if ratio(a.pinyin, b.pinyin) >= 90 else "differs"
    if _one_substitution(a.text, b.text):
        return "typo" if len(a.text) >= 3 else "typo_short"
    if min(len(a.text), len(b.text)) >= 2 and Levenshtein.distance(a.text, b.text) == 1:
        return "typo_short"  # a character dropped or doubled (王伟 / 王伟伟)
    return "differs"


def company_level(a: CompanyName, b: CompanyName) -> tuple[str, float]:
    """(level, similarity): same | short | core_same | homophone | typo | contains | similar | differs.

    ``short``: the same core where one name is a short name without industry words (尚祈):
    cores are reused across cities and trades, so this alone is weaker than a full match.
    ``core_same``: the same core with contradicting industries, i.e. probably two companies.
    """
    compatible = industries_compatible(a, b)
    if a.core == b.core:
        if not compatible:
            return "core_same", 1.0
        if bool(a.industry) != bool(b.industry) or (not a.industry and not (a.legal_form and b.legal_form)):
            return "short", 1.0
        return "same", 1.0
    full_a, full_b = a.core + "".join(a.industry), b.core + "".join(b.industry)
    if full_a == full_b:
        return "same", 1.0  # the same words, split differently
    similarity = ratio(full_a, full_b) / 100
    if compatible and a.spelled == b.spelled:
        return "homophone", similarity
    # A typo may hit the trade words too (尚祈科技 / 尚祈科枝): compare the whole name.
    if (compatible and _one_substitution(a.core, b.core)) or _one_substitution(full_a, full_b):
        return "typo", similarity
    if compatible and min(len(a.core), len(b.core)) >= 3 and Levenshtein.distance(a.core, b.core) == 1:
        return "typo", similarity
    if not compatible:
        return "differs", similarity
    shorter, longer = sorted((a.core, b.core), key=len)
    if len(shorter) >= 2 and shorter in longer:
        return "contains", similarity
    return ("similar" if similarity >= 0.85 else "differs"), similarity
