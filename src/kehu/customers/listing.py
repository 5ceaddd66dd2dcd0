"""Customer list rows as plain dicts, for the list API (the hot path of the CRM).

Reading ``values()`` with the related names joined in, instead of model instances with
select_related, keeps a page of 50 rows to a few milliseconds of Python.
"""

from django.utils.translation import get_language

from kehu.accounts.masking import phone_for

from .models import Customer

FIELDS = (
    "id",
    "kind",
    "name",
    "type",
    "phone",
    "email",
    "value_tier",
    "last_contact_at",
    "created_at",
    "updated_at",
    "owner_id",
    "owner__name",
    "owner__username",
    "province_id",
    "province__name",
    "province__name_en",
    "city_id",
    "city__name",
    "city__name_en",
    "district_id",
    "district__name",
    "district__name_en",
    "industry_id",
    "industry__name",
    "industry__name_en",
    "dealer_id",
    "dealer__name",
)
# English names of regions and industries are read only for readers in English.
FIELDS_ZH = tuple(f for f in FIELDS if not f.endswith("__name_en"))


def _ref(row: dict, prefix: str, english: bool, label: str = "name") -> dict | None:
    pk = row[f"{prefix}_id"]
    if pk is None:
        return None
    name = row[f"{prefix}__name_en"] if english else None
    return {"id": pk, "name": name or row[f"{prefix}__{label}"]}


def list_items(user, queryset) -> list[dict]:
    english = (get_language() or "").startswith("en")
    rows = list(queryset.values(*(FIELDS if english else FIELDS_ZH)))
    tags: dict[int, list[str]] = {}
    for customer_id, tag in Customer.tags.through.objects.filter(
        customer_id__in=[r["id"] for r in rows]
    ).values_list("customer_id", "tag__name"):
        tags.setdefault(customer_id, []).append(tag)
    items = []
    for row in rows:
        owner = None
        if row["owner_id"] is not None:
            owner = {"id": row["owner_id"], "name": row["owner__name"] or row["owner__username"]}
        items.append(
            {
                "id": row["id"],
                "kind": row["kind"],
                "name": row["name"],
                "type": row["type"],
                "phone": phone_for(user, row["phone"]),
                "email": row["email"],
                "province": _ref(row, "province", english),
                "city": _ref(row, "city", english),
                "district": _ref(row, "district", english),
                "industry": _ref(row, "industry", english),
                "dealer": _ref(row, "dealer", False),
                "owner": owner,
                "tags": sorted(tags.get(row["id"], [])),
                "value_tier": row["value_tier"],
                "last_contact_at": row["last_contact_at"],
                "created_at": row["created_at"],
                "updated_at": row["updated_at"],
            }
        )
    return items
