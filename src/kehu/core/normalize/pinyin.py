"""Toneless pinyin, one reading per character, fast.

Used only to notice that two names sound alike (homophone typos from pinyin input
methods), so consistency matters more than the right reading of a heteronym: each
character gets its most common reading from pypinyin's table, looked up directly rather
than through pypinyin's phrase segmenter (100× slower per call). Surnames with a special
reading (曾 zeng, 单 shan) are corrected when a person's name is converted.
"""

import importlib.util
import unicodedata
from functools import cache
from pathlib import Path

_SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "朴": "piao",
    "查": "zha",
    "盖": "ge",
    "乐": "yue",
    "覃": "qin",
    "翟": "zhai",
    "缪": "miao",
    "尉": "yu",
    "长": "chang",
    "重": "chong",
    "种": "chong",
    "秘": "bi",
    "那": "na",
    "员": "yun",
    "万": "wan",
    "令": "ling",
}


@cache
def _table() -> dict[int, str]:
    # Load pypinyin's character table alone: importing the package also loads its phrase
    # dictionary, a quarter of a second we do not need.
    spec = importlib.util.find_spec("pypinyin")
    path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.py"
    module_spec = importlib.util.spec_from_file_location("_kehu_pinyin_dict", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.pinyin_dict


@cache
def char_pinyin(char: str) -> str:
    readings = _table().get(ord(char))
    if readings is None:
        return char.lower()
    first = readings.split(",", 1)[0]
    return "".join(c for c in unicodedata.normalize("NFD", first) if not unicodedata.combining(c))


def to_pinyin(text: str) -> str:
    return "".join(map(char_pinyin, text))


def name_to_pinyin(text: str, surname_length: int = 1) -> str:
    head = text[:surname_length]
    spelled = _SURNAME_READINGS.get(head) if surname_length == 1 else None
    return (spelled or to_pinyin(head)) + to_pinyin(text[surname_length:])
