"""What the engine compares: a raw ``Record`` and its ``Prepared`` (normalised) form.

``prepare`` runs every normaliser once per record; blocking keys and comparisons only read
the prepared form. Invalid values never raise here: a malformed identifier is kept as
cleaned text (it can still equal the same malformed text elsewhere) and flagged invalid,
so it neither vetoes nor strongly supports a match.
"""

import re
from dataclasses import dataclass, field

from kehu.core.normalize import InvalidValue, normalize_credit_code, normalize_phone, normalize_resident_id
from kehu.core.normalize.addresses import Address, parse_address
from kehu.core.normalize.companies import CompanyName, parse_company
from kehu.core.normalize.emails import normalize_email
from kehu.core.normalize.names import PersonName, parse_person_name
from kehu.core.normalize.regions import canonical_city, city_for_area_code, province_of, region_for_division
from kehu.core.normalize.text import fold_width

PERSON = "person"
COMPANY = "company"
_KINDS = {"person": PERSON, "个人": PERSON, "company": COMPANY, "企业": COMPANY, "公司": COMPANY}
_PHONE_SPLIT = re.compile(r"[/;；,，、|]+")
_EMAIL_SPLIT = re.compile(r"[/;；,，、|\s]+")
_CLEAN_ID = re.compile(r"[\s\-]")
# Mail providers anyone can sign up to: a shared domain says nothing about the company.
_PUBLIC_MAIL_DOMAIN_LIST = (
    "qq.com foxmail.com 163.com 126.com yeah.net sina.com sina.cn sohu.com aliyun.com 139.com 189.cn "
    "wo.cn tom.com 21cn.com 263.net gmail.com hotmail.com outlook.com live.com msn.com yahoo.com "
    "yahoo.com.cn icloud.com me.com vip.qq.com vip.163.com vip.126.com vip.sina.com 188.com sogou.com "
    "protonmail.com"
)
PUBLIC_MAIL_DOMAINS = frozenset(_PUBLIC_MAIL_DOMAIN_LIST.split())


@dataclass(slots=True)
class Record:
    id: str
    kind: str = ""  # person | company ("" = unknown)
    name: str = ""
    company: str = ""
    phone: str = ""
    email: str = ""
    id_number: str = ""
    credit_code: str = ""
    address: str = ""
    city: str = ""
    owner: str = ""  # passthrough for the caller (e.g. who owns the customer)
    source: str = ""  # passthrough (lead channel)


@dataclass(slots=True)
class Prepared:
    record: Record
    kind: str
    name: PersonName | None
    company: CompanyName | None
    mobiles: frozenset[str]
    landlines: frozenset[str]  # digits; landlines and 400/800 service numbers
    emails: frozenset[str]
    email_domains: frozenset[str]  # company domains only (no public mail providers)
    id_number: str  # cleaned; see id_number_valid
    id_number_valid: bool
    credit_code: str
    credit_code_valid: bool
    address: Address | None
    city: str  # canonical city name (杭州市) from the best available source
    province: str
    # Where a company is registered: from its name (杭州尚祈…, 尚祈(杭州)…) or the division
    # code inside its credit code (91330106… -> 杭州市). Empty when unknown.
    registered_city: str = ""
    registered_province: str = ""
    keys: list[str] = field(default_factory=list)  # filled by blocking_keys on demand

    @property
    def id(self) -> str:
        return self.record.id


def _phones(raw: str) -> tuple[frozenset[str], frozenset[str], str]:
    mobiles, landlines = set(), set()
    area_city = ""
    for part in _PHONE_SPLIT.split(fold_width(raw or "")):
        if not part.strip():
            continue
        try:
            phone = normalize_phone(part, strict=False)
        except InvalidValue:
            continue
        if phone.kind == "mobile":
            mobiles.add(phone.key)
        else:
            landlines.add(phone.key)
            if phone.canonical.count("-") == 2 and phone.kind == "landline":
                # 0571-88123456-8001: the extension is a person, the switchboard the company.
                landlines.add(phone.canonical.rsplit("-", 1)[0].replace("-", ""))
            area_city = area_city or city_for_area_code(phone.area_code)
    return frozenset(mobiles), frozenset(landlines), area_city


def _emails(raw: str) -> tuple[frozenset[str], frozenset[str]]:
    emails, domains = set(), set()
    for part in _EMAIL_SPLIT.split(raw or ""):
        if not part.strip():
            continue
        try:
            email = normalize_email(part)
        except InvalidValue:
            continue
        emails.add(email)
        domain = email.rpartition("@")[2]
        if domain not in PUBLIC_MAIL_DOMAINS:
            domains.add(domain)
    return frozenset(emails), frozenset(domains)


def _identifier(raw: str, normalize) -> tuple[str, bool]:
    if not raw or not raw.strip():
        return "", False
    try:
        return normalize(raw), True
    except InvalidValue:
        return _CLEAN_ID.sub("", fold_width(raw)).upper(), False


def prepare(record: Record) -> Prepared:
    kind = _KINDS.get((record.kind or "").strip().lower(), "")
    company = parse_company(record.company) if record.company and record.company.strip() else None
    if not kind and company is not None and not (record.name or "").strip():
        kind = COMPANY
    mobiles, landlines, area_city = _phones(record.phone)
    emails, domains = _emails(record.email)
    id_number, id_valid = _identifier(record.id_number, normalize_resident_id)
    credit_code, cc_valid = _identifier(record.credit_code, normalize_credit_code)
    address = parse_address(record.address) if record.address and record.address.strip() else None

    registered_city = registered_province = ""
    if company is not None:
        registered_city, registered_province = company.city, company.province
        if cc_valid and not registered_city:
            division = region_for_division(credit_code[2:8])
            if division is not None and (not registered_province or division.province == registered_province):
                registered_city, registered_province = division.city, division.province

    city = canonical_city(record.city)
    if not city and address is not None:
        city = address.city
    if not city and kind == COMPANY:
        city = registered_city
    if not city:
        city = area_city
    province = province_of(city) if city else (address.province if address else "")

    return Prepared(
        record=record,
        kind=kind,
        name=parse_person_name(record.name) if record.name else None,
        company=company,
        mobiles=mobiles,
        landlines=landlines,
        emails=emails,
        email_domains=domains if kind == COMPANY else frozenset(),
        id_number=id_number,
        id_number_valid=id_valid,
        credit_code=credit_code,
        credit_code_valid=cc_valid,
        address=address,
        city=city,
        province=province,
        registered_city=registered_city,
        registered_province=registered_province,
    )
