"""Normalise and validate one incoming lead (any path) into model values or field errors.

Values may come as ids, codes or names (an import file says 杭州市 and 产品咨询, the API
sends ids): ``Lookups`` resolves them, loaded once per batch.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.core.models import Industry, Region
from kehu.core.normalize import (
    InvalidValue,
    normalize_credit_code,
    normalize_email,
    normalize_phone,
    normalize_resident_id,
    squash_spaces,
)
from kehu.core.normalize.addresses import parse_address
from kehu.core.normalize.companies import parse_company
from kehu.core.normalize.text import fold_width

from ..models import Channel, DemandType, Lead

TEXT_LIMITS = {"name": 64, "company": 200, "title": 64, "wechat": 64, "address": 255, "notes": 5000}
FIELDS = [
    "channel",
    "kind",
    "name",
    "company",
    "title",
    "phone",
    "email",
    "wechat",
    "id_number",
    "credit_code",
    "address",
    "province",
    "city",
    "district",
    "industry",
    "company_size",
    "demand_type",
    "urgency",
    "notes",
]
URGENCY_WORDS = {
    "high": "high", "urgent": "high", "紧急": "high", "急": "high", "高": "high",
    "medium": "medium", "normal": "medium", "一般": "medium", "普通": "medium", "中": "medium",
    "low": "low", "not urgent": "low", "不急": "low", "低": "low",
}  # fmt: skip
SIZE_WORDS = {
    "micro": "micro", "微型": "micro", "微": "micro",
    "small": "small", "小型": "small", "小": "small",
    "medium": "medium", "中型": "medium", "中": "medium",
    "large": "large", "大型": "large", "大": "large",
}  # fmt: skip
KIND_WORDS = {
    "person": "person",
    "个人": "person",
    "company": "company",
    "企业": "company",
    "公司": "company",
}


def _fold(value) -> str:
    if not value:  # most fields of most rows: nothing to fold
        return ""
    return squash_spaces(fold_width(str(value))).strip()


class Lookups:
    """Reference rows by id, code and name, read once per batch."""

    def __init__(self):
        self.channels: dict[str, Channel] = {}
        for c in Channel.objects.all():
            for k in (str(c.pk), c.code, c.name, c.name_en.lower()):
                if k:
                    self.channels.setdefault(k, c)
        self.demand_types: dict[str, DemandType] = {}
        for d in DemandType.objects.filter(active=True):
            for k in (str(d.pk), d.code, d.name, d.name_en.lower()):
                if k:
                    self.demand_types.setdefault(k, d)
        self.industries: dict[str, Industry] = {}
        for i in Industry.objects.all():
            for k in (str(i.pk), i.code, i.name, i.name_en.lower()):
                if k:
                    self.industries.setdefault(k, i)
        self.regions_by_id: dict[int, Region] = {}
        self.regions_by_name: dict[tuple[int, str], list[Region]] = {}
        for r in Region.objects.all():
            self.regions_by_id[r.pk] = r
            self.regions_by_name.setdefault((r.level, r.name), []).append(r)

    def region(self, level: int, value, parent: Region | None = None) -> Region | None:
        text = _fold(value)
        if not text:
            return None
        if text.isdigit() and len(text) < 18:
            region = self.regions_by_id.get(int(text))
            return region if region and region.level == level else None
        found = self.regions_by_name.get((level, text), [])
        if parent is not None:
            found = [r for r in found if r.parent_id == parent.pk] or []
        return found[0] if len(found) == 1 or (found and parent is not None) else None


# Translated only for an error message: looking a translation up for every row of an
# import costs as much as folding the row's text.
REFERENCE_LABELS = {"demand_type": gettext_lazy("demand type"), "industry": gettext_lazy("industry")}


def _choice(raw, words: dict, errors: dict, field: str) -> str:
    text = _fold(raw).lower()
    if not text:
        return ""
    value = words.get(text)
    if value is None:
        errors.setdefault(field, []).append(
            _("“%(value)s” is not one of the allowed values.") % {"value": _fold(raw)}
        )
        return ""
    return value


def clean_lead(data: dict, lookups: Lookups, *, channel: Channel | None = None, partial: bool = False):
    """Return ``(values, errors)``; ``values`` are ready for ``Lead(**values)``.

    With ``partial`` (editing) only the keys present are checked, and channel requirements
    are the caller's business.
    """
    errors: dict[str, list[str]] = {}
    out: dict = {}

    def err(field, message):
        errors.setdefault(field, []).append(str(message))

    def present(field):
        return not partial or field in data

    if present("channel"):
        raw = data.get("channel")
        if channel is None and raw not in (None, ""):
            channel = lookups.channels.get(_fold(raw)) or lookups.channels.get(_fold(raw).lower())
            if channel is None:
                err("channel", _("No such channel: %(value)s.") % {"value": _fold(raw)})
        if channel is not None:
            if not channel.active:
                err("channel", _("The channel %(channel)s is not active.") % {"channel": channel})
            out["channel"] = channel
        elif "channel" not in errors:
            err("channel", _("This field is required."))

    for field, limit in TEXT_LIMITS.items():
        if present(field):
            raw = data.get(field)
            value = str(raw or "").strip() if field == "notes" else _fold(raw)
            if len(value) > limit:
                err(field, _("At most %(limit)d characters.") % {"limit": limit})
            out[field] = value[:limit]

    if present("kind"):
        out["kind"] = _choice(data.get("kind"), KIND_WORDS, errors, "kind") or ""
    if present("phone"):
        raw = _fold(data.get("phone"))
        out["phone"] = out["phone_key"] = ""
        if raw:
            try:
                phone = normalize_phone(raw)
                out["phone"], out["phone_key"] = phone.canonical, phone.key
            except InvalidValue as exc:
                err("phone", exc.message)
    for field, normalizer in (
        ("email", normalize_email),
        ("id_number", normalize_resident_id),
        ("credit_code", normalize_credit_code),
    ):
        if present(field):
            raw = _fold(data.get(field))
            out[field] = ""
            if raw:
                try:
                    out[field] = normalizer(raw)
                except InvalidValue as exc:
                    err(field, exc.message)
    if present("company"):
        parsed = parse_company(out["company"]) if out.get("company") else None
        out["company_key"] = parsed.key[:80] if parsed else ""
    if present("urgency"):
        out["urgency"] = _choice(data.get("urgency"), URGENCY_WORDS, errors, "urgency")
    if present("company_size"):
        out["company_size"] = _choice(data.get("company_size"), SIZE_WORDS, errors, "company_size")
    for field, table, label in (
        ("demand_type", lookups.demand_types, REFERENCE_LABELS["demand_type"]),
        ("industry", lookups.industries, REFERENCE_LABELS["industry"]),
    ):
        if present(field):
            raw = _fold(data.get(field))
            out[field] = None
            if raw:
                found = table.get(raw) or table.get(raw.lower())
                if found is None:
                    err(field, _("No such %(what)s: %(value)s.") % {"what": label, "value": raw})
                out[field] = found

    _regions(data, lookups, out, errors, present)

    if not partial:
        if not out.get("kind"):
            out["kind"] = (
                Lead.Kind.COMPANY if out.get("company") and not out.get("name") else Lead.Kind.PERSON
            )
        if channel is not None:
            _required(channel, out, data, errors)
        if "extra" in data and isinstance(data["extra"], dict):
            out["extra"] = {str(k)[:64]: str(v)[:500] for k, v in list(data["extra"].items())[:50]}
    return out, errors


def _regions(data, lookups: Lookups, out, errors, present) -> None:
    """Province / city / district from the fields given, else recognised in the address."""
    touched = any(present(f) for f in ("province", "city", "district", "address"))
    if not touched:
        return
    province = city = district = None
    for level, field in ((1, "province"), (2, "city"), (3, "district")):
        raw = data.get(field)
        if raw in (None, ""):
            continue
        parent = province if level == 2 else city if level == 3 else None
        region = lookups.region(level, raw, parent)
        if region is None:
            errors.setdefault(field, []).append(
                _("Unknown %(field)s: %(value)s.") % {"field": field, "value": _fold(raw)}
            )
        elif level == 1:
            province = region
        elif level == 2:
            city = region
        else:
            district = region
    address = out.get("address") or ""
    if address and not (province and city and district):
        parsed = parse_address(address)
        if parsed is not None:
            province = province or lookups.region(1, parsed.province)
            city = city or lookups.region(2, parsed.city, province)
            district = district or lookups.region(3, parsed.district, city)
    if city and not province:
        province = lookups.regions_by_id.get(city.parent_id)
    if city and province and city.parent_id != province.pk:
        errors.setdefault("city", []).append(
            _("%(city)s is not in %(province)s.") % {"city": city, "province": province}
        )
    if district and city and district.parent_id != city.pk:
        errors.setdefault("district", []).append(
            _("%(district)s is not in %(city)s.") % {"district": district, "city": city}
        )
    if district and not city:
        city = lookups.regions_by_id.get(district.parent_id)
        province = province or (lookups.regions_by_id.get(city.parent_id) if city else None)
    if any(present(f) for f in ("province", "city", "district")) or address:
        out["province"], out["city"], out["district"] = province, city, district


def _required(channel: Channel, out: dict, data: dict, errors: dict) -> None:
    required = channel.required_fields or Channel.DEFAULT_REQUIRED
    for field in required:
        if field == "channel" or field in errors:
            continue
        if field == "contact":
            if not (out.get("phone") or out.get("email") or out.get("wechat")) and not (
                "phone" in errors or "email" in errors
            ):
                errors.setdefault("phone", []).append(_("Give a phone number, an e-mail or a WeChat id."))
        elif field == "name":
            if not (out.get("name") or out.get("company")):
                errors.setdefault("name", []).append(_("Give a contact name or a company name."))
        elif not out.get(field):
            errors.setdefault(field, []).append(
                _("This field is required for leads from %(channel)s.") % {"channel": channel}
            )


REQUIRABLE = [
    ("name", gettext_lazy("name (a contact or a company)")),
    ("contact", gettext_lazy("a phone, e-mail or WeChat")),
    ("company", gettext_lazy("company")),
    ("title", gettext_lazy("job title")),
    ("address", gettext_lazy("address")),
    ("city", gettext_lazy("city")),
    ("industry", gettext_lazy("industry")),
    ("company_size", gettext_lazy("company size")),
    ("demand_type", gettext_lazy("demand type")),
    ("urgency", gettext_lazy("urgency")),
]
