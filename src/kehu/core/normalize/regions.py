"""Chinese provinces, prefecture-level cities and districts (``core/data/regions.txt``).

Used to strip region words from company names and to split addresses. Names are known in
full (``浙江省``, ``杭州市``, ``西湖区``) and in short form (``浙江``, ``杭州``). Short forms
that are ordinary words (``东方``, ``红河``) or district names (``西湖``, ambiguous across
cities) are only accepted where the caller says the context allows it.
"""

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent.parent / "data" / "regions.txt"

_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
_ETHNIC = (
    "(?:(?:朝鲜|土家|苗|羌|彝|藏|布依|侗|哈尼|壮|傣|白|景颇|傈僳|回|"
    "蒙古|柯尔克孜|哈萨克|维吾尔|畲|满|达斡尔)族?)*"
)
_CITY_SUFFIX = re.compile(_ETHNIC + "(?:自治州|地区|林区|盟|市)$")
_DISTRICT_SUFFIX = re.compile(_ETHNIC + "(?:自治县|新区|矿区|特区|林区|区|县|市|旗)$")


@dataclass(frozen=True, slots=True)
class Region:
    level: str  # "province" | "city" | "district"
    name: str  # full official name: 浙江省, 杭州市, 西湖区
    province: str
    city: str = ""  # for cities (itself) and districts


@dataclass
class Gazetteer:
    provinces: dict[str, Region] = field(default_factory=dict)  # full or short form
    cities: dict[str, Region] = field(default_factory=dict)  # full or short form
    plain_cities: dict[str, Region] = field(default_factory=dict)  # forms safe on their own
    districts: dict[str, tuple[Region, ...]] = field(default_factory=dict)  # full name
    district_short: dict[str, tuple[Region, ...]] = field(default_factory=dict)
    area_codes: dict[str, str] = field(default_factory=dict)  # "0571" -> 杭州市
    division_cities: dict[str, Region] = field(default_factory=dict)  # "3301" -> 杭州市
    division_provinces: dict[str, Region] = field(default_factory=dict)  # "33" -> 浙江省
    max_len: int = 0
    # First two characters -> every name form starting with them, longest first.
    by_start: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _short(name: str, suffix: re.Pattern[str] | tuple[str, ...]) -> str:
    if isinstance(suffix, tuple):
        for end in suffix:
            if name.endswith(end) and len(name) - len(end) >= 2:
                return name[: -len(end)]
        return name
    short = suffix.sub("", name)
    return short if len(short) >= 2 else name


@cache
def gazetteer() -> Gazetteer:
    gz = Gazetteer()
    districts: dict[str, list[Region]] = {}
    district_short: dict[str, list[Region]] = {}
    for raw in _DATA.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        province, city, division, area_code, names = (part.strip() for part in line.split("|"))
        common_word = city.startswith("~")
        city = city.lstrip("~")
        province_region = Region("province", province, province)
        for form in {province, _short(province, _PROVINCE_SUFFIXES)}:
            gz.provinces[form] = province_region
        city_region = Region("city", city, province, city)
        short = _short(city, _CITY_SUFFIX)
        gz.cities.setdefault(city, city_region)
        gz.plain_cities.setdefault(city, city_region)
        if not common_word:
            gz.cities.setdefault(short, city_region)
            if city.endswith("市"):
                gz.plain_cities.setdefault(short, city_region)
        if area_code:
            gz.area_codes[area_code] = city
        gz.division_provinces.setdefault(division[:2], province_region)
        if len(division) == 4:
            gz.division_cities[division] = city_region
            if province in gz.provinces and province == city:  # municipality: 1100 is the city too
                gz.division_cities.setdefault(division[:2] + "00", city_region)
        for district in names.split():
            region = Region("district", district, province, city)
            districts.setdefault(district, []).append(region)
            short = _short(district, _DISTRICT_SUFFIX)
            if short != district:
                district_short.setdefault(short, []).append(region)
    gz.districts = {k: tuple(v) for k, v in districts.items()}
    gz.district_short = {k: tuple(v) for k, v in district_short.items()}
    forms = {*gz.provinces, *gz.cities, *gz.districts, *gz.district_short}
    gz.max_len = max(map(len, forms))
    by_start: dict[str, list[str]] = {}
    for form in forms:  # every form has at least two characters
        by_start.setdefault(form[:2], []).append(form)
    gz.by_start = {k: tuple(sorted(v, key=len, reverse=True)) for k, v in by_start.items()}
    return gz


def province_of(city: str) -> str:
    region = gazetteer().cities.get(city)
    return region.province if region else ""


def city_for_area_code(area_code: str) -> str:
    return gazetteer().area_codes.get(area_code, "")


def region_for_division(code: str) -> Region | None:
    """The city (or failing that, province) of a GB/T 2260 code such as 330106 or 3301."""
    gz = gazetteer()
    return gz.division_cities.get(code[:4]) or gz.division_provinces.get(code[:2])


def lookup(word: str, *, plain_only: bool = False) -> Region | None:
    """The region a whole word names (city before province: 北京 is the city)."""
    gz = gazetteer()
    region = (gz.plain_cities if plain_only else gz.cities).get(word) or gz.provinces.get(word)
    if region:
        return region
    candidates = gz.districts.get(word)
    if candidates and len(candidates) == 1:
        return candidates[0]
    return None


def match_prefix(
    text: str, *, short_districts: bool = False, plain_only: bool = False
) -> tuple[str, Region | None]:
    """The longest region name ``text`` starts with, as (matched text, region).

    A district that exists in several cities comes back as a ``Region`` with an empty city.
    """
    gz = gazetteer()
    cities = gz.plain_cities if plain_only else gz.cities
    for word in gz.by_start.get(text[:2], ()):
        if not text.startswith(word):
            continue
        region = cities.get(word) or gz.provinces.get(word)
        if region:
            return word, region
        candidates = gz.districts.get(word)
        if candidates is None and short_districts:
            candidates = gz.district_short.get(word)
        if candidates:
            if len(candidates) == 1:
                return word, candidates[0]
            return word, Region("district", candidates[0].name, "", "")
    return "", None


def canonical_city(raw: str) -> str:
    """``杭州`` / ``杭州市`` / ``浙江省杭州市`` / ``北京`` -> ``杭州市`` / ``北京市``; unknown -> ``""``."""
    text = (raw or "").strip().replace(" ", "")
    if not text:
        return ""
    gz = gazetteer()
    region = gz.cities.get(text)
    if region:
        return region.name
    word, region = match_prefix(text)
    if region and region.level == "province" and word != text:
        rest = gz.cities.get(text[len(word) :])
        if rest:
            return rest.name
    return ""


def districts_named(name: str) -> tuple[Region, ...]:
    gz = gazetteer()
    return gz.districts.get(name, ()) or gz.district_short.get(name, ())
