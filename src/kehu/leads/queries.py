"""Finding leads: one filter/sort/search for the list page, the API and exports.

Everything starts from the viewer's scope; filters only narrow it. Archived (merged-away)
leads are hidden unless asked for; duplicates are shown, marked, and can be filtered out.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from kehu.accounts.scope import scoped
from kehu.core.normalize import InvalidValue, normalize_phone

from .models import Lead

SORTS = {
    "-created": ("-created_at", "-id"),
    "created": ("created_at", "id"),
    "-score": ("-score", "-id"),
    "score": ("score", "id"),
    "name": ("name", "id"),
}
DEFAULT_SORT = "-created"
_DIGITS = re.compile(r"^[\d\s+\-()（）]{7,}$")


@dataclass
class LeadFilter:
    q: str = ""
    status: str = ""
    grade: str = ""
    channel: int | None = None
    owner: str = ""  # a user id, "me", or "none"
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    dedup: str = ""  # "" | "unique" (no duplicates) | "duplicate" | "customer"
    sort: str = DEFAULT_SORT


def search_condition(q: str) -> Q:
    q = q.strip()
    if _DIGITS.match(q):
        try:
            return Q(phone_key=normalize_phone(q, strict=False).key)
        except InvalidValue:
            return Q(phone_key__startswith=re.sub(r"\D", "", q))
    if "@" in q:
        return Q(email=q.lower())
    if len(q) == 18 and q[:17].isalnum():
        return Q(credit_code=q.upper()) | Q(id_number=q.upper())
    return Q(name__icontains=q) | Q(company__icontains=q)


def find_leads(user, flt: LeadFilter) -> QuerySet:
    qs = scoped(user, Lead).filter(archived_at__isnull=True)
    if flt.q:
        qs = qs.filter(search_condition(flt.q))
    if flt.status:
        qs = qs.filter(status=flt.status)
    if flt.grade:
        qs = qs.filter(grade=flt.grade)
    if flt.channel:
        qs = qs.filter(Q(channel_id=flt.channel) | Q(channel__parent_id=flt.channel))
    if flt.owner == "me":
        qs = qs.filter(owner=user)
    elif flt.owner == "none":
        qs = qs.filter(owner__isnull=True)
    elif flt.owner:
        qs = qs.filter(owner_id=int(flt.owner))
    if flt.created_from:
        qs = qs.filter(created_at__date__gte=flt.created_from)
    if flt.created_to:
        qs = qs.filter(created_at__date__lte=flt.created_to)
    if flt.dedup == "unique":
        qs = qs.filter(duplicate_of__isnull=True, matched_customer__isnull=True)
    elif flt.dedup == "duplicate":
        qs = qs.filter(duplicate_of__isnull=False)
    elif flt.dedup == "customer":
        qs = qs.filter(matched_customer__isnull=False)
    return qs.order_by(*SORTS.get(flt.sort, SORTS[DEFAULT_SORT]))
