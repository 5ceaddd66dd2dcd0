"""Person names: cleaned text, pinyin for homophone typos, surname-only forms.

Chinese names are compared character by character; the pinyin key catches the commonest
typing error (a homophone picked from the input method: 杨/扬, 林/琳). Latin names are
lower-cased with their words sorted, so ``Wang Wei`` equals ``wei wang``.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from .pinyin import name_to_pinyin
from .script import to_simplified
from .text import fold_width

_SEPARATORS = re.compile(r"[\s·・.\-_,，、'’()（）]+")
_HAN = re.compile(r"^[\u3400-\u9fff]+$")
# Forms of address that follow a surname in sales data (王先生, 李总, 张经理).
_TITLES = (
    "总经理",
    "董事长",
    "副总",
    "先生",
    "女士",
    "小姐",
    "老师",
    "经理",
    "主任",
    "老板",
    "师傅",
    "总监",
    "总",
    "工",
)
_COMPOUND_SURNAME_LIST = (
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 "
    "司徒 夏侯 轩辕 令狐 钟离 端木 独孤 南宫 西门 呼延 澹台"
)
_COMPOUND_SURNAMES = frozenset(_COMPOUND_SURNAME_LIST.split())


@dataclass(frozen=True, slots=True)
class PersonName:
    text: str  # 王伟; latin: "wei wang"
    pinyin: str  # "wangwei"; latin: same as text without spaces
    surname: str
    partial: bool = False  # only a surname and a form of address (王先生)

    @property
    def is_han(self) -> bool:
        return bool(_HAN.match(self.text))


def _surname(text: str) -> str:
    return text[:2] if text[:2] in _COMPOUND_SURNAMES else text[:1]


@lru_cache(maxsize=131072)
def parse_person_name(raw: str) -> PersonName | None:
    text = to_simplified(fold_width(raw or "")).strip()
    if not text:
        return None
    if re.search(r"[a-zA-Z]", text) and not re.search(r"[\u3400-\u9fff]", text):
        words = sorted(w for w in _SEPARATORS.split(text.lower()) if w)
        if not words:
            return None
        latin = " ".join(words)
        return PersonName(latin, latin.replace(" ", ""), words[0])
    text = _SEPARATORS.sub("", text)
    if not text:
        return None
    partial = False
    for title in _TITLES:
        if not text.endswith(title):
            continue
        rest = text[: -len(title)]
        surname_only = len(rest) == 1 or rest in _COMPOUND_SURNAMES
        # 王总 / 欧阳总 are titles; a one-character title after a full name is part of it.
        if surname_only or (len(title) > 1 and 1 < len(rest) <= 3):
            text, partial = rest, surname_only
            break
    surname = _surname(text)
    return PersonName(text, name_to_pinyin(text, len(surname)), surname, partial)


def normalize_person_name(raw: str) -> str:
    """Cleaned display form (spaces removed, simplified script); "" when empty."""
    name = parse_person_name(raw)
    return name.text if name else ""
