"""Free-text Chinese addresses split into comparable parts.

``浙江省杭州市西湖区文三路88弄12号5幢2单元301室`` becomes province, city, district, road
(文三路), lane (88), number (12), building (5), unit (2), room (301) and the floor implied
by the room (3). The many ways people write the same place converge on the same parts:
``5-2-301`` / ``5幢2单元301室``, ``88-12号`` / ``88弄12号``, ``123#`` / ``123号``,
``大厦23F`` / ``大厦23楼2318`` / ``大厦2318室`` (floor 23), full-width digits, stray spaces,
province or city left out. Comparison then tolerates dropped parts and flags contradictions.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from . import regions
from .script import to_simplified
from .text import fold_width

_DASHES = str.maketrans({"－": "-", "—": "-", "–": "-", "~": "-", "_": "-", "f": "F"})
_DROP = re.compile(r"[\s,，、。;；:：()（）\[\]【】\"'“”]+")
_ROAD_END = re.compile(r"(?:大道|大街|胡同|公路|路|街|道|巷|弄|里|村|桥|坊|湾|港|堤|线)$")
_ROAD_CHARS = "路街道巷弄里"
_TOWN = re.compile(r"^([\u4e00-\u9fff]{2,5}?(?:街道|镇|乡))(?=[\u4e00-\u9fff])")
# A number with its marker; "号楼" and "#楼" before "号" and "#".
_TOKEN = re.compile(r"(\d+)(号楼|#楼|单元|栋|幢|座|号|弄|室|层|楼|F|#|-|房)?|([^\d]+)")
_LETTER_BUILDING = re.compile(r"([A-Z])(?:座|栋|幢|区|楼)$")
_BUILDING = frozenset({"号楼", "#楼", "栋", "幢", "座"})
_FLOOR = frozenset({"层", "楼", "F"})
_ROOM = frozenset({"室", "房", ""})


@dataclass(frozen=True, slots=True)
class Address:
    text: str  # cleaned (simplified, half-width, no spaces)
    province: str = ""
    city: str = ""
    district: str = ""
    town: str = ""
    road: str = ""  # 文三路; or whatever precedes the first number
    lane: str = ""  # 弄
    number: str = ""  # house number (号)
    poi: str = ""  # building complex: 世贸广场, 创新大厦
    building: str = ""
    unit: str = ""
    floor: str = ""
    room: str = ""

    @property
    def has_street(self) -> bool:
        return bool(self.road and self.number)


@dataclass(frozen=True, slots=True)
class AddressMatch:
    level: str  # "room" | "floor" | "building" | "number" | "road" | "different"
    conflict: str = ""  # which part contradicts when level == "different"

    @property
    def same_place(self) -> bool:
        return self.level in ("room", "floor", "building", "number")


def clean_address_text(raw: str) -> str:
    text = to_simplified(fold_width(raw or "")).translate(_DASHES)
    return _DROP.sub("", text)


def _split_admin(text: str) -> tuple[dict[str, str], str]:
    parts = {"province": "", "city": "", "district": ""}
    while text:
        word, region = regions.match_prefix(text, short_districts=bool(parts["city"]))
        if not region:
            break
        rest = text[len(word) :]
        # 上海路, 北京东路: a place name that starts a road is not a region.
        if not word.endswith(("省", "市", "区", "县", "州", "盟", "旗")) and (
            not rest
            or rest[0] in _ROAD_CHARS
            or (len(rest) > 1 and rest[0] in "东西南北中" and rest[1] in "路街")
        ):
            break
        if rest[:1] in ("市", "区", "县") and region.level != "district":
            rest = rest[1:]
        level = region.level
        if level == "province":
            if parts["province"] or parts["city"]:
                break
            parts["province"] = region.name
            if region.name in regions.gazetteer().cities:  # municipality: 北京市 is also the city
                parts["city"] = region.name
        elif level == "city":
            if (parts["city"] and parts["city"] != region.name) or parts["district"]:
                break
            parts["city"] = region.name
            parts["province"] = parts["province"] or region.province
        else:
            if parts["district"]:
                break
            parts["district"] = region.name
            if region.city and not parts["city"]:
                parts["city"], parts["province"] = region.city, region.province
        text = rest
    return parts, text


def _fine_parts(tokens: list[tuple[str, str, str]]) -> dict[str, str]:
    """Interpret the numbers after the house number: building, unit, floor, room."""
    out: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        digits, marker, text = tokens[i]
        if text:
            letter = _LETTER_BUILDING.search(text)
            if letter:
                out.setdefault("building", letter.group(1))
                text = text[: letter.start()]
            if text and "poi" not in out and "building" not in out and "room" not in out:
                out["poi"] = re.sub(r"^[-#号]+|[-#]+$", "", text)
            i += 1
            continue
        if marker == "-":
            group = [digits]
            j = i + 1
            while j < len(tokens) and tokens[j][0] and tokens[j][1] == "-":
                group.append(tokens[j][0])
                j += 1
            last_marker = ""
            if j < len(tokens) and tokens[j][0]:
                group.append(tokens[j][0])
                last_marker = tokens[j][1]
                j += 1
            if len(group) >= 3:
                out.setdefault("building", group[0])
                out.setdefault("unit", group[1])
                out.setdefault("room", group[2])
            elif len(group) == 2:
                out.setdefault("building", group[0])
                out.setdefault("floor" if last_marker in _FLOOR else "room", group[1])
            else:
                out.setdefault("room", group[0])
            i = j
            continue
        if marker in _BUILDING:
            out.setdefault("building", digits)
        elif marker == "单元":
            out.setdefault("unit", digits)
        elif marker in _FLOOR:
            out.setdefault("floor", digits)
        elif marker in _ROOM or marker == "号":
            out.setdefault("room", digits)
        i += 1
    return out


_LEADING_TEXT = re.compile(r"\D*")


@lru_cache(maxsize=65536)
def _head(prefix: str) -> tuple[dict[str, str], str, str]:
    """Admin parts, town and road of the text before the first digit (shared by many addresses)."""
    admin, rest = _split_admin(prefix)
    town = ""
    match = _TOWN.match(rest)
    if match and not _ROAD_END.search(match.group(1)[:-1]):
        town, rest = match.group(1), rest[match.end() :]
    return admin, town, rest


@lru_cache(maxsize=131072)
def parse_address(raw: str) -> Address | None:
    text = clean_address_text(raw)
    if not text:
        return None
    prefix = _LEADING_TEXT.match(text).group(0)
    admin, town, road = _head(prefix)
    rest = text[len(prefix) :]
    tokens = [
        (m.group(1) or "", m.group(2) or "", m.group(3) or "") for m in _TOKEN.finditer(rest) if m.group(0)
    ]
    lane = number = ""
    if tokens and tokens[0][0]:
        digits, marker, _ = tokens[0]
        nxt = tokens[1] if len(tokens) > 1 else ("", "", "")
        if marker == "弄" or (marker == "-" and nxt[0] and nxt[1] in ("号", "#")):
            lane = digits.lstrip("0") or "0"
            if nxt[0] and nxt[1] in ("号", "#", ""):
                number = nxt[0]
                tokens = tokens[2:]
            else:
                tokens = tokens[1:]
        elif marker in ("号", "#", "") or (marker == "-" and road):
            number = digits
            tokens = tokens[1:]
    fine = _fine_parts(tokens)
    room = fine.get("room", "").lstrip("0")
    floor = fine.get("floor", "").lstrip("0")
    if room and not floor and len(room) >= 3:
        floor = room[:-2]  # 2318室 is on the 23rd floor
    return Address(
        text=text,
        province=admin["province"],
        city=admin["city"],
        district=admin["district"],
        town=town,
        road=road,
        lane=lane,
        number=number.lstrip("0"),
        poi=fine.get("poi", ""),
        building=fine.get("building", "").lstrip("0"),
        unit=fine.get("unit", "").lstrip("0"),
        floor=floor,
        room=room,
    )


def compare_addresses(a: Address | None, b: Address | None) -> AddressMatch | None:
    """How far two addresses agree; ``None`` when either is missing or has no street."""
    if a is None or b is None:
        return None
    for part in ("city", "district"):
        x, y = getattr(a, part), getattr(b, part)
        if x and y and x != y:
            return AddressMatch("different", part)
    if not a.road or not b.road:
        return None
    if a.road != b.road:
        return AddressMatch("different", "road")
    for part in ("lane", "number"):
        x, y = getattr(a, part), getattr(b, part)
        if x and y and x != y:
            return AddressMatch("different", part)
    if not (a.number and b.number):
        return AddressMatch("road")
    level = "number"
    for part, reached in (
        ("building", "building"),
        ("unit", "building"),
        ("floor", "floor"),
        ("room", "room"),
    ):
        x, y = getattr(a, part), getattr(b, part)
        if x and y:
            if x != y:
                return AddressMatch("different", part)
            level = reached
    return AddressMatch(level)
