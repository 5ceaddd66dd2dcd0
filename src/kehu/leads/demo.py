"""Demo leads: several channels and grades, duplicates of leads and leads of existing customers.

Leads go through the real intake pipeline (so scores, grades, keys and matches are real),
each with an intake key: a second run finds them all already received and adds nothing.
"""

import random

from django.db.models import Exists, OuterRef

from kehu.core.models import Region
from kehu.customers.models import Customer
from kehu.dedup import store
from kehu.dedup.models import CUSTOMER, DedupKey
from kehu.demo import names

from .services import intake_batch, row_key

CHANNELS = ("events", "website", "private_domain", "self_media", "sem", "purchased_list", "seo", "referral")
LIGHT = ("website", "sem", "seo", "purchased_list")  # channels that need only a name and a contact
DEMANDS = ("product_enquiry", "quotation", "trial", "solution", "partnership", "after_sales")
TRADITIONAL = str.maketrans(dict(zip("国华东伟丽龙军", "國華東偉麗龍軍", strict=True)))


def _index_bulk_loaded_customers(options) -> None:
    """Customers written by bulk loads have no dedup keys yet; index those now."""
    has_keys = DedupKey.objects.filter(record_type=CUSTOMER, record_id=OuterRef("pk"))
    missing = list(Customer.objects.filter(~Exists(has_keys)).values_list("pk", flat=True))
    if not missing:  # the customers' demo writes their keys as it makes them
        return
    with options.progress("dedup keys", len(missing)) as advance:
        for start in range(0, len(missing), 2000):
            part = missing[start : start + 2000]
            store.index_customers(part, new=True)  # selected for having no keys
            advance(len(part))


def _rows(rng: random.Random, count: int) -> list[dict]:
    cities = list(Region.objects.filter(level=3).select_related("parent", "parent__parent")[:200])
    pool = list(Customer.objects.order_by("pk").values("name", "kind", "phone", "email")[:5000])
    customers = rng.sample(pool, min(len(pool), max(count // 10, 1)))
    rows: list[dict] = []
    for i in range(count):
        roll = rng.random()
        if rows and roll < 0.12:  # a duplicate of an earlier lead, typed differently
            base = dict(rng.choice(rows))
            base["name"] = (base.get("name") or "").translate(TRADITIONAL)
            phone = base.get("phone") or ""
            if phone.startswith("1") and len(phone) == 11:
                base["phone"] = f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"
            base["channel"] = rng.choice(LIGHT)
            rows.append(base)
            continue
        if rows and roll < 0.16:  # the same person again with a new phone and e-mail: worth a look
            base = dict(rng.choice(rows))
            if base.get("company") and base.get("city"):
                base.update(
                    phone=names.mobile(rng), email=f"new{i}@example.cn", address="", channel=rng.choice(LIGHT)
                )
                rows.append(base)
                continue
        if customers and roll < 0.2:  # an existing customer asks again
            c = rng.choice(customers)
            rows.append(
                {
                    "channel": rng.choice(LIGHT),
                    "name": c["name"] if c["kind"] == "person" else names.person_name(rng),
                    "company": c["name"] if c["kind"] == "company" else "",
                    "phone": c["phone"],
                    "email": c["email"],
                    "demand_type": rng.choice(DEMANDS),
                    "urgency": rng.choice(("high", "medium", "low")),
                    "address": "",
                }
            )
            continue
        district = rng.choice(cities)
        city, province = district.parent, district.parent.parent
        company = names.company_name(rng, city.name.rstrip("市")) if rng.random() < 0.6 else ""
        rich = rng.random()
        rows.append(
            {
                "channel": rng.choice(CHANNELS if rich > 0.2 else LIGHT),
                "name": names.person_name(rng),
                "company": company,
                "title": rng.choice(("总经理", "采购经理", "技术总监", "")) if company else "",
                "phone": names.mobile(rng),
                "email": names.email_for(rng, f"user{i}") if rich > 0.4 else "",
                "address": names.address(rng, province.name, city.name, district.name) if rich > 0.2 else "",
                "city": city.name,
                "demand_type": rng.choice(DEMANDS) if rich > 0.15 else "",
                "urgency": rng.choice(("high", "medium", "low")) if rich > 0.1 else "",
                "notes": rng.choice(("想了解报价", "希望安排演示", "", "")),
            }
        )
    return rows


def load(options) -> None:
    _index_bulk_loaded_customers(options)
    count = max(min(options.customers // 5, 2000), 50)
    rng = random.Random(options.seed * 7919 + 3)
    rows = _rows(rng, count)
    keys = [row_key("demo", options.seed, i) for i in range(count)]
    # Channel rules differ: rows that miss a required field come back rejected, and stay out.
    with options.progress("leads", count) as advance:
        results = intake_batch(None, rows, path="import", keys=keys, progress=advance)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    options.say("Leads: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
