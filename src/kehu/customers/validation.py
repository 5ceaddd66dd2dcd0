"""Turn raw customer and contact input into clean values, or field-level errors."""

import datetime as dt

from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.errors import ValidationFailed
from kehu.core.models import Industry, Region
from kehu.core.normalize import (
    InvalidValue,
    normalize_credit_code,
    normalize_email,
    normalize_phone,
    normalize_resident_id,
    squash_spaces,
)
from kehu.core.normalize.identifiers import birth_date_from_resident_id

from .models import Contact, Customer, Dealer, LostReason, Tag

TEXT_LIMITS = {"name": 200, "occupation": 64, "address": 255, "title": 64, "wechat": 64}


class Errors:
    def __init__(self):
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message) -> None:
        self.fields.setdefault(field, []).append(str(message))

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(fields=self.fields)


def _text(data: dict, field: str, errors: Errors, required: bool = False) -> str | None:
    if field not in data:
        return None
    value = squash_spaces(str(data[field] or ""))
    if required and not value:
        errors.add(field, _("This field is required."))
    limit = TEXT_LIMITS.get(field)
    if limit and len(value) > limit:
        errors.add(field, _("At most %(limit)d characters.") % {"limit": limit})
    return value


def _normalized(data, field, errors, normalizer, out, key_field=None):
    if field not in data:
        return
    raw = str(data[field] or "").strip()
    if not raw:
        out[field] = ""
        if key_field:
            out[key_field] = ""
        return
    try:
        value = normalizer(raw)
    except InvalidValue as exc:
        errors.add(field, exc.message)
        return
    if key_field:
        out[field], out[key_field] = value.canonical, value.key
    else:
        out[field] = value


def _date(data, field, errors, out):
    if field not in data:
        return
    value = data[field]
    if value in (None, ""):
        out[field] = None
        return
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            errors.add(field, _("Enter a date as YYYY-MM-DD."))
            return
    if value > clock.today():
        errors.add(field, _("A birthday cannot be in the future."))
        return
    out[field] = value


def _choice(data, field, choices, errors, out, allow_blank=True):
    if field not in data:
        return
    value = data[field] or ""
    if value == "" and allow_blank:
        out[field] = ""
    elif value not in dict(choices):
        errors.add(field, _("“%(value)s” is not one of the allowed values.") % {"value": value})
    else:
        out[field] = value


def _fk(data, field, model, errors, out, queryset=None):
    if field not in data:
        return
    value = data[field]
    if value in (None, "", 0):
        out[field] = None
        return
    obj = (
        (queryset if queryset is not None else model.objects).filter(pk=value).first()
        if str(value).isdigit()
        else None
    )
    if obj is None:
        errors.add(field, _("No such record: %(value)s.") % {"value": value})
    else:
        out[field] = obj


def clean_customer(data: dict, instance: Customer | None = None) -> dict:
    """Validate a partial or full set of customer fields; returns model-ready values.

    Only keys present in ``data`` are validated and returned, so the same function serves
    create (all fields) and update (the changed ones).
    """
    errors, out = Errors(), {}
    creating = instance is None
    if creating and not data.get("name"):
        errors.add("name", _("This field is required."))
    for field in ("name", "occupation", "address", "notes"):
        value = _text(data, field, errors, required=(field == "name"))
        if value is not None:
            out[field] = value
    _choice(data, "kind", Customer.Kind.choices, errors, out, allow_blank=False)
    _choice(data, "type", Customer.Type.choices, errors, out, allow_blank=False)
    _choice(data, "gender", Customer.Gender.choices, errors, out)
    _choice(data, "size", Customer.Size.choices, errors, out)
    _normalized(data, "phone", errors, lambda raw: normalize_phone(raw), out, key_field="phone_key")
    _normalized(data, "email", errors, normalize_email, out)
    _normalized(data, "id_number", errors, normalize_resident_id, out)
    _normalized(data, "credit_code", errors, normalize_credit_code, out)
    _date(data, "birthday", errors, out)
    _fk(data, "industry", Industry, errors, out)
    _fk(data, "dealer", Dealer, errors, out, Dealer.objects.filter(active=True))
    _fk(data, "lost_reason", LostReason, errors, out)
    for level, field in ((1, "province"), (2, "city"), (3, "district")):
        _fk(data, field, Region, errors, out, Region.objects.filter(level=level))
    from kehu.accounts.models import SalesRegion

    _fk(data, "sales_region", SalesRegion, errors, out)
    _coordinates(data, errors, out)

    merged = (
        {
            f: getattr(instance, f)
            for f in ("kind", "type", "lost_reason", "province", "city", "district", "birthday", "gender")
        }
        if instance
        else {}
    )
    merged.update(out)
    if merged.get("type") == Customer.Type.LOST and not merged.get("lost_reason"):
        errors.add("lost_reason", _("Say why the customer was lost."))
    _check_region_chain(merged, errors)
    # A resident ID number carries the birthday and gender; fill them when not given.
    if out.get("id_number") and "id_number" not in errors.fields:
        born = birth_date_from_resident_id(out["id_number"])
        if merged.get("birthday") and merged["birthday"] != born and "birthday" in data:
            errors.add(
                "birthday",
                _("Does not match the birth date in the ID number (%(date)s).") % {"date": born.isoformat()},
            )
        out.setdefault("birthday", merged.get("birthday") or born)
        if not merged.get("gender"):
            out["gender"] = "male" if int(out["id_number"][16]) % 2 else "female"
    if "tags" in data:
        out["tags"] = _tags(data["tags"], errors)
    errors.raise_if_any()
    return out


def _coordinates(data, errors, out):
    for field, bound in (("latitude", 90), ("longitude", 180)):
        if field not in data:
            continue
        value = data[field]
        if value in (None, ""):
            out[field] = None
            continue
        try:
            value = float(value)
        except (TypeError, ValueError):
            errors.add(field, _("Enter a number."))
            continue
        if not -bound <= value <= bound:
            errors.add(field, _("Must be between %(low)s and %(high)s.") % {"low": -bound, "high": bound})
        else:
            out[field] = value
    if ("latitude" in out) != ("longitude" in out) or (
        "latitude" in out and (out["latitude"] is None) != (out["longitude"] is None)
    ):
        errors.add("latitude", _("Give both latitude and longitude, or neither."))


def _check_region_chain(values: dict, errors: Errors) -> None:
    province, city, district = values.get("province"), values.get("city"), values.get("district")
    if district and city and district.parent_id != city.pk:
        errors.add("district", _("%(district)s is not in %(city)s.") % {"district": district, "city": city})
    if city and province and city.parent_id != province.pk:
        errors.add("city", _("%(city)s is not in %(province)s.") % {"city": city, "province": province})


def _tags(value, errors: Errors) -> list[Tag]:
    items = value if isinstance(value, list | tuple) else str(value or "").split(",")
    tags = []
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        tag = Tag.objects.filter(pk=item).first() if item.isdigit() else Tag.objects.filter(name=item).first()
        if tag is None:
            errors.add("tags", _("No such tag: %(value)s.") % {"value": item})
        else:
            tags.append(tag)
    return tags


def clean_contact(data: dict, instance: Contact | None = None) -> dict:
    errors, out = Errors(), {}
    if instance is None and not data.get("name"):
        errors.add("name", _("This field is required."))
    for field in ("name", "title", "wechat", "notes"):
        value = _text(data, field, errors, required=(field == "name"))
        if value is not None:
            out[field] = value
    _choice(data, "gender", Customer.Gender.choices, errors, out)
    if "is_key_person" in data:
        out["is_key_person"] = bool(data["is_key_person"])
    _normalized(data, "mobile", errors, lambda raw: _mobile(raw), out)
    _normalized(data, "phone", errors, lambda raw: normalize_phone(raw), out, key_field="phone_key")
    _normalized(data, "email", errors, normalize_email, out)
    _date(data, "birthday", errors, out)
    errors.raise_if_any()
    return out


def _mobile(raw: str) -> str:
    phone = normalize_phone(raw)
    if phone.kind != "mobile":
        raise InvalidValue("not_mobile", _("This is not a mobile number."))
    return phone.canonical
