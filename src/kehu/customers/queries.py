"""Finding customers: the one filter/sort/search used by the list page, the API and exports.

Everything starts from the viewer's scope; filters only ever narrow it.
"""

import math
import re
from dataclasses import dataclass, field

from django.db.models import F, Q, QuerySet

from kehu.accounts.scope import scoped
from kehu.core.normalize import InvalidValue, normalize_phone

from .models import Contact, Customer

SORTS = {
    "last_contact": (F("last_contact_at").desc(nulls_last=True), "-id"),
    "-last_contact": (F("last_contact_at").asc(nulls_first=True), "id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}
DEFAULT_SORT = "last_contact"
_DIGITS = re.compile(r"^[\d\s+\-()（）]{7,}$")


@dataclass
class CustomerFilter:
    q: str = ""
    owner: str = ""  # a user id, "me", or "none" (unowned)
    type: str = ""
    kind: str = ""
    tag: int | None = None
    province: int | None = None
    city: int | None = None
    district: int | None = None
    sales_region: int | None = None
    dealer: int | None = None
    industry: int | None = None
    value_tier: str = ""
    sort: str = DEFAULT_SORT
    ids: list[int] = field(default_factory=list)


def search_condition(q: str) -> Q:
    """What a search box query means: a phone, an e-mail, an identifier or a name.

    Conditions on contacts are written as subqueries so that a customer with several
    matching contacts still appears once.
    """
    q = q.strip()

    def via_contacts(**lookup) -> Q:
        return Q(pk__in=Contact.objects.filter(**lookup).values("customer_id"))

    if _DIGITS.match(q):
        try:
            key = normalize_phone(q, strict=False).key
            return Q(phone_key=key) | via_contacts(mobile=key) | via_contacts(phone_key=key)
        except InvalidValue:
            return Q(phone_key__startswith=re.sub(r"\D", "", q))
    if "@" in q:
        return Q(email=q.lower()) | via_contacts(email=q.lower())
    if len(q) == 18 and q[:17].isalnum():
        return Q(id_number=q.upper()) | Q(credit_code=q.upper())
    return Q(name__icontains=q) | via_contacts(name__icontains=q)


def find_customers(user, flt: CustomerFilter) -> QuerySet:
    # The conditions are gathered and applied in one filter(): every filter() call copies the
    # query, scope condition included.
    conditions: list[Q] = []
    exact: dict = {}
    if flt.q:
        conditions.append(search_condition(flt.q))
    if flt.owner == "me":
        exact["owner_id"] = user.pk
    elif flt.owner == "none":
        exact["owner__isnull"] = True
    elif flt.owner:
        exact["owner_id"] = flt.owner
    for name in ("type", "kind", "value_tier"):
        if getattr(flt, name):
            exact[name] = getattr(flt, name)
    for name in ("province", "city", "district", "sales_region", "dealer", "industry"):
        if getattr(flt, name):
            exact[f"{name}_id"] = getattr(flt, name)
    if flt.tag:
        conditions.append(
            Q(pk__in=Customer.tags.through.objects.filter(tag_id=flt.tag).values("customer_id"))
        )
    if flt.ids:
        exact["pk__in"] = flt.ids
    qs = scoped(user, Customer)
    if conditions or exact:
        qs = qs.filter(*conditions, **exact)
    return qs.order_by(*SORTS.get(flt.sort, SORTS[DEFAULT_SORT]))


EARTH_RADIUS_KM = 6371.0088


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def customers_near(user, latitude: float, longitude: float, radius_km: float, limit: int = 500):
    """Visible customers within ``radius_km`` of a point, nearest first, as (customer, km).

    A bounding box on the indexed coordinates narrows the candidates in SQL; the exact
    great-circle distance is then computed for those few rows only.
    """
    dlat = radius_km / 111.32
    dlon = radius_km / max(111.32 * math.cos(math.radians(latitude)), 1e-6)
    box = scoped(user, Customer).filter(
        latitude__range=(latitude - dlat, latitude + dlat),
        longitude__range=(longitude - dlon, longitude + dlon),
    )
    found = []
    for customer in box.select_related("owner"):
        km = distance_km(latitude, longitude, customer.latitude, customer.longitude)
        if km <= radius_km:
            found.append((customer, round(km, 2)))
    found.sort(key=lambda pair: pair[1])
    return found[:limit]
