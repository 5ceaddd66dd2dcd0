"""Company names: region, distinctive core (字号), industry words, legal form, branch.

A registered Chinese company name reads ``[region][core][industry][legal form]``, with the
region also found in brackets after the core or the industry (``尚祈科技(杭州)有限公司``,
``尚祈（杭州）科技有限公司``). People shorten it (``尚祈科技``, ``尚祈``), change the legal
form, type it in traditional script or with a typo. Two names are the same company when
their cores agree, their industries are compatible and their regions do not contradict;
the core is what ``company_key`` indexes.

A branch (``…有限公司上海分公司``, ``招商银行杭州分行``) is its own customer: it keeps the
head office's core but carries a branch location, and never equals its head office.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import regions
from .pinyin import to_pinyin
from .script import to_simplified
from .text import fold_width

_BRACKETS = str.maketrans(
    {"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")"}
)
_DROP = re.compile(r"[\s\"'“”‘’·・.,，、。:：;；]+")
_BRACKETED = re.compile(r"\(([^()]*)\)")

# Ordered longest first so 股份有限公司 wins over 有限公司.
_LEGAL_FORMS = (
    "集团股份有限公司",
    "集团有限责任公司",
    "集团有限公司",
    "股份有限公司",
    "有限责任公司",
    "股份合作公司",
    "有限公司",
    "股份公司",
    "集团公司",
    "总公司",
    "个人独资企业",
    "合伙企业",
    "普通合伙",
    "有限合伙",
    "合作社",
    "公司",
    "集团",
    "总部",
    "商行",
    "工作室",
    "经营部",
    "门市部",
    "商店",
    "店",
    "厂",
)
_LEGAL_BRACKETS = frozenset(
    {"集团", "股份", "普通合伙", "有限合伙", "特殊普通合伙", "控股", "总部", "中国", "中国区"}
)
_BRANCH_WORDS = (
    "分公司",
    "分店",
    "办事处",
    "代表处",
    "营业部",
    "营业所",
    "分理处",
    "分行",
    "支行",
    "分部",
    "分厂",
    "分所",
    "分院",
    "分校",
    "分中心",
)
_BRANCH = re.compile(r"(" + "|".join(_BRANCH_WORDS) + r")\)?$")
# Where a head-office name ends inside "head + location + branch word".
_HEAD_END = re.compile(r"(?:有限责任公司|股份有限公司|有限公司|公司|集团|银行|保险|证券|合伙\))")

# Industry words (行业表述), stripped right to left; compound forms are sequences of these.
_INDUSTRY_TOKENS = frozenset(
    word
    for line in (Path(__file__).resolve().parent.parent / "data" / "industry_words.txt")
    .read_text("utf-8")
    .splitlines()
    if not line.startswith("#")
    for word in line.split()
)
_MAX_TOKEN = max(map(len, _INDUSTRY_TOKENS))
_MIN_CORE = 2


@dataclass(frozen=True, slots=True)
class CompanyName:
    text: str  # cleaned full name (simplified, half-width, no spaces)
    core: str  # distinctive core (字号), e.g. 尚祈
    industry: tuple[str, ...]  # industry words, e.g. ("网络", "科技")
    regions: tuple[regions.Region, ...]  # every region word found, outermost first
    legal_form: str  # 有限公司, 股份有限公司, … or ""
    branch: str = ""  # branch location (上海, 杭州西湖) or the branch word when none
    branch_word: str = ""  # 分公司, 支行, …
    spelled: str = ""  # the core in toneless pinyin

    @property
    def city(self) -> str:
        for region in reversed(self.regions):
            if region.city:
                return region.city
        return ""

    @property
    def province(self) -> str:
        for region in self.regions:
            if region.province:
                return region.province
        return ""

    @property
    def is_branch(self) -> bool:
        return bool(self.branch_word)

    @property
    def key(self) -> str:
        return company_key_of(self)


def company_key_of(name: CompanyName) -> str:
    """Stable index key: the core, plus ``/branch`` for a branch."""
    return f"{name.core}/{name.branch}" if name.is_branch else name.core


def clean_company_text(raw: str) -> str:
    text = to_simplified(fold_width(raw or "")).translate(_BRACKETS)
    return _DROP.sub("", text)


def _region_words(text: str) -> tuple[regions.Region, ...] | None:
    """The regions ``text`` consists of entirely (``浙江杭州``, ``上海浦东``), else None."""
    found = []
    rest = text
    while rest:
        word, region = regions.match_prefix(rest, short_districts=bool(found))
        if not region:
            return None
        found.append(region)
        rest = rest[len(word) :]
    return tuple(found) or None


def _strip_legal_form(text: str) -> tuple[str, str]:
    forms = []
    changed = True
    while changed:
        changed = False
        for form in _LEGAL_FORMS:
            if text.endswith(form) and len(text) > len(form):
                forms.append(form)
                text = text[: -len(form)]
                changed = True
                break
    return text, "".join(reversed(forms))


def _split_branch(text: str) -> tuple[str, str, str]:
    """(head office name, branch location, branch word); location/word empty if not a branch."""
    match = _BRANCH.search(text)
    if not match or match.start() == 0:
        return text, "", ""
    word = match.group(1)
    prefix = text[: match.start()]
    if match.group(0).endswith(")") and "(" in prefix:
        head, _, location = prefix.rpartition("(")
        return head, location, word
    ends = list(_HEAD_END.finditer(prefix))
    if ends and ends[-1].end() >= _MIN_CORE:
        cut = ends[-1].end()
        return prefix[:cut], prefix[cut:], word
    # No legal form before the location: peel region words off the end (招商银行杭州西湖).
    for start in range(_MIN_CORE, len(prefix)):
        if _region_words(prefix[start:]):
            return prefix[:start], prefix[start:], word
    return prefix, "", word


def _strip_region_prefix(text: str) -> tuple[str, list[tuple[str, regions.Region]]]:
    """Leading region words, outermost first: a province, then a city of it, then a district.

    One city at most: in 杭州泰安健康管理 the second place name (泰安) is the core.
    """
    found: list[tuple[str, regions.Region]] = []
    while True:
        word, region = regions.match_prefix(text, plain_only=True)
        if not region:
            break
        rest = text[len(word) :]
        if len(rest) < _MIN_CORE:
            break
        previous = found[-1][1] if found else None
        if region.level == "district":
            if not word.endswith(("区", "县", "旗")):
                break  # bare district names (鼓楼, 长安) are too often part of a core
            if previous is not None and previous.level == "district":
                break
        elif region.level == "city":
            if previous is not None and (previous.level != "province" or previous.name != region.province):
                break
        elif previous is not None:
            break  # a province after anything else is a core (上海浙江…)
        found.append((word, region))
        text = rest
    return text, found


def _industry_only(text: str) -> bool:
    core, _ = _split_industry(text, min_core=0)
    return not core


def _split_industry(text: str, min_core: int = _MIN_CORE) -> tuple[str, tuple[str, ...]]:
    tokens: list[str] = []
    while len(text) > min_core:
        for length in range(min(_MAX_TOKEN, len(text) - min_core), 0, -1):
            if text[-length:] in _INDUSTRY_TOKENS:
                tokens.append(text[-length:])
                text = text[:-length]
                break
        else:
            break
    return text, tuple(reversed(tokens))


def _location_key(location: str) -> str:
    """Canonical branch location: region words without their suffixes (上海市 -> 上海)."""
    found = _region_words(location)
    if not found:
        return location
    parts = []
    for region in found:
        suffix = regions._CITY_SUFFIX if region.level == "city" else regions._DISTRICT_SUFFIX
        if region.level == "province":
            parts.append(regions._short(region.name, regions._PROVINCE_SUFFIXES))
        else:
            parts.append(regions._short(region.name, suffix))
    return "".join(dict.fromkeys(parts))


@lru_cache(maxsize=131072)
def parse_company(raw: str) -> CompanyName | None:
    """Parse a company name; ``None`` when nothing usable is left."""
    text = clean_company_text(raw)
    if not text:
        return None
    head, location, branch_word = _split_branch(text)

    found: list[regions.Region] = []
    legal_parts: list[str] = []

    def bracket(match: re.Match[str]) -> str:
        content = match.group(1)
        words = _region_words(content)
        if words:
            found.extend(words)
        elif content in _LEGAL_BRACKETS:
            legal_parts.append(content)
        else:
            return content  # unknown bracket text is kept, without its brackets
        return ""

    body = _BRACKETED.sub(bracket, head).replace("(", "").replace(")", "")
    body, legal_form = _strip_legal_form(body)
    if not found:  # a name with its region in brackets has none in front (德阳汽车服务(合肥))
        rest, prefix = _strip_region_prefix(body)
        # A place name followed only by industry words is the core itself (泰安健康管理).
        while prefix and _industry_only(rest):
            word, _ = prefix.pop()
            rest = word + rest
        body = rest
        found = [region for _, region in prefix]
    core, industry = _split_industry(body)
    if not core:
        return None
    legal = "".join(legal_parts) + legal_form
    branch = _location_key(location) if branch_word else ""
    return CompanyName(
        text=text,
        core=core,
        industry=industry,
        regions=tuple(found),
        legal_form=legal,
        branch=branch or (branch_word if branch_word else ""),
        branch_word=branch_word,
        spelled=to_pinyin(core),
    )


def company_key(raw: str) -> str:
    """Index key of a company name (its core, ``core/branch`` for a branch); "" if none."""
    name = parse_company(raw)
    return name.key if name else ""


def core_pinyin(core: str) -> str:
    return to_pinyin(core)


def industries_compatible(a: CompanyName, b: CompanyName) -> bool:
    """Whether the industry words allow the two names to be one company.

    Two full registered names (both with a legal form) must agree exactly: 锐聚电子有限公司
    and 锐聚电子商务有限公司 can both exist. A short name (简称, no legal form) may keep only
    part of the full name's industry words (尚祈科技 for 尚祈网络科技有限公司) or none, but
    never add words the full name does not have.
    """
    if a.legal_form and b.legal_form:
        return a.industry == b.industry
    if not a.legal_form and not b.legal_form:
        return set(a.industry) <= set(b.industry) or set(b.industry) <= set(a.industry)
    short, full = (a, b) if not a.legal_form else (b, a)
    return set(short.industry) <= set(full.industry)


def regions_compatible(a: CompanyName, b: CompanyName) -> bool | None:
    """True/False when both names carry a region, None when one does not."""
    if not a.regions or not b.regions:
        return None
    city_a, city_b = a.city, b.city
    if city_a and city_b:
        return city_a == city_b
    province_a, province_b = a.province, b.province
    if province_a and province_b:
        return province_a == province_b
    return None
