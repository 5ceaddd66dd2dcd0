"""Demo customers in bulk: persons and companies with contacts, tags and valid identifiers.

Built for volume (``--customers 1000000`` in minutes): rows are generated as plain values
(with the rows other apps derive from them, ``customers.bulk``) by two forked processes and
written here with bulk inserts in chunks; a large load into a small table is one transaction
whose indexes are built at the end, a top-up commits chunk by chunk.
"""

import datetime as dt
import random
from collections.abc import Callable
from contextlib import nullcontext
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone
from pypinyin import lazy_pinyin

from kehu.accounts.models import SalesRegion, User
from kehu.core import forked
from kehu.core.bulk import indexes_deferred, insert_rows, reserve_ids, sync_sequence
from kehu.core.models import Industry, Region
from kehu.demo import names

from . import bulk
from .models import Contact, Customer, Dealer, LostReason, Tag

CHUNK = 5000
FORK_FROM = 20_000  # fewer customers are made faster than a second process starts
ONE_GO_FROM = 50_000
TITLES = ("总经理", "采购经理", "技术总监", "财务经理", "行政主管", "项目经理", "董事长助理")


class Context:
    """Everything generation needs, loaded once."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        districts = list(Region.objects.filter(level=3).select_related("parent", "parent__parent"))
        self.districts = [d for d in districts if d.parent.code in names.CITY_CENTRES] or districts
        self.industries = list(Industry.objects.all())
        self.tags = list(Tag.objects.all())
        self.lost_reasons = list(LostReason.objects.all())
        self.dealers = list(Dealer.objects.all())
        owners = list(
            User.objects.filter(
                role__code__in=["salesperson", "sales_manager"], is_active=True
            ).prefetch_related("sales_regions__regions")
        )
        self.region_of_province = {}
        for sales_region in SalesRegion.objects.prefetch_related("regions"):
            for province in sales_region.regions.all():
                self.region_of_province[province.pk] = sales_region
        # Salespeople get customers in the provinces their sales region covers.
        self.owners_by_province: dict[int, list[User]] = {}
        for owner in owners:
            for sales_region in owner.sales_regions.all():
                for province in sales_region.regions.all():
                    self.owners_by_province.setdefault(province.pk, []).append(owner)
        self.all_owners = owners
        self.cities = {d.parent.pk: SimpleNamespace(name=d.parent.name) for d in self.districts}
        # Names are built from a few hundred characters: read their pinyin once.
        self.char_pinyin = {c: lazy_pinyin(c)[0] for c in set(names.SURNAMES + names.GIVEN)}
        # (district, city, province, lat, lon, owner ids, sales region id) per district.
        self.places = []
        for d in self.districts:
            city, province = d.parent, d.parent.parent
            lat, lon = names.CITY_CENTRES.get(city.code, (30.0, 115.0))
            region = self.region_of_province.get(province.pk)
            owner_ids = [o.pk for o in (self.owners_by_province.get(province.pk) or owners)]
            self.places.append((d, city, province, lat, lon, owner_ids, region.pk if region else None))

    def pinyin(self, text: str) -> str:
        return "".join(self.char_pinyin.get(c) or "".join(lazy_pinyin(c)) for c in text)


CUSTOMER_FIELDS = (
    "id",
    "kind",
    "name",
    "type",
    "lost_reason",
    "phone",
    "phone_key",
    "email",
    "id_number",
    "credit_code",
    "gender",
    "occupation",
    "birthday",
    "industry",
    "size",
    "address",
    "province",
    "city",
    "district",
    "sales_region",
    "latitude",
    "longitude",
    "owner",
    "dealer",
    "notes",
    "value_tier",
    "last_contact_at",
    "created_at",
    "updated_at",
)
CONTACT_FIELDS = (
    "customer",
    "name",
    "title",
    "is_key_person",
    "gender",
    "mobile",
    "phone",
    "phone_key",
    "email",
    "wechat",
    "birthday",
    "notes",
)


def _customer(ctx: Context, pk: int, now: dt.datetime) -> tuple[tuple, list[tuple], list[int]]:
    """One customer as a row of CUSTOMER_FIELDS, its contacts and its tag ids."""
    rng = ctx.rng
    district, city, province, lat, lon, owner_ids, sales_region = rng.choice(ctx.places)
    owner = None if rng.random() < 0.08 else rng.choice(owner_ids)
    created = now - dt.timedelta(days=rng.randrange(1, 1100), seconds=rng.randrange(86400))
    contacted = None if rng.random() < 0.15 else created + (now - created) * rng.random()
    ctype = rng.choices(TYPES, weights=(45, 25, 22, 8))[0]
    lost_reason = rng.choice(ctx.lost_reasons).pk if ctype == "lost" and ctx.lost_reasons else None
    dealer = rng.choice(ctx.dealers).pk if ctx.dealers and rng.random() < 0.1 else None
    address = names.address(rng, province.name, city.name, district.name)
    contacts = []
    if rng.random() < 0.6:
        kind, male, born = "person", rng.random() < 0.5, names.birthday(rng)
        name = names.person_name(rng)
        phone = names.mobile(rng)
        id_number = names.resident_id(rng, district.code, born, male) if rng.random() < 0.5 else ""
        email = names.email_for(rng, ctx.pinyin(name)) if rng.random() < 0.6 else ""
        gender, occupation, credit, industry, size = (
            ("male" if male else "female"),
            rng.choice(names.OCCUPATIONS),
            "",
            None,
            "",
        )
    else:
        kind, born, id_number, email, gender, occupation = "company", None, "", "", "", ""
        name = names.company_name(rng, city.name.removesuffix("市"))
        credit = names.credit_code(rng, district.code)
        industry = rng.choice(ctx.industries).pk if ctx.industries else None
        size = rng.choice(SIZES)
        phone = (
            names.landline(rng, AREA_CODES.get(city.code, "0571"))
            if rng.random() < 0.5
            else names.mobile(rng)
        )
        for i in range(rng.choice((1, 1, 2, 2, 3))):
            contact_name = names.person_name(rng)
            contacts.append(
                (
                    pk,
                    contact_name,
                    rng.choice(TITLES),
                    i == 0,
                    rng.choice(("male", "female")),
                    names.mobile(rng),
                    "",
                    "",
                    names.email_for(rng, ctx.pinyin(contact_name)) if rng.random() < 0.7 else "",
                    "",
                    names.birthday(rng) if rng.random() < 0.3 else None,
                    "",
                )
            )
    row = (
        pk,
        kind,
        name,
        ctype,
        lost_reason,
        phone,
        phone.replace("-", ""),
        email,
        id_number,
        credit,
        gender,
        occupation,
        born,
        industry,
        size,
        address,
        province.pk,
        city.pk,
        district.pk,
        sales_region,
        round(lat + rng.uniform(-0.25, 0.25), 6),
        round(lon + rng.uniform(-0.25, 0.25), 6),
        owner,
        dealer,
        "",
        "",
        contacted,
        created,
        contacted or created,
    )
    tag_ids = [t.pk for t in rng.sample(ctx.tags, k=min(len(ctx.tags), rng.choice((0, 0, 1, 1, 2))))]
    return row, contacts, tag_ids


TYPES = tuple(Customer.Type.values)
SIZES = tuple(Customer.Size.values)
AREA_CODES = {
    "110100": "010",
    "120100": "022",
    "310100": "021",
    "500100": "023",
    "320100": "025",
    "320500": "0512",
    "320200": "0510",
    "330100": "0571",
    "330200": "0574",
    "330300": "0577",
    "340100": "0551",
    "350100": "0591",
    "350200": "0592",
    "370100": "0531",
    "370200": "0532",
    "410100": "0371",
    "420100": "027",
    "430100": "0731",
    "440100": "020",
    "440300": "0755",
    "440600": "0757",
    "510100": "028",
    "610100": "029",
    "210100": "024",
}


def _chunks(ctx: Context, seed: int, first: int, count: int, now: dt.datetime, part: int = 0, parts: int = 1):
    """Chunks ``part``, ``part + parts``… of ``(customers, contacts, tag ids, derived rows)``.

    No database needed, so they are made in other processes when there are cores for them
    (``core.forked``). Each chunk has its own random sequence: the same customers come out
    whichever process makes them.
    """
    for number, start in enumerate(range(0, count, CHUNK)):
        if number % parts != part:
            continue
        ctx.rng = random.Random(f"{seed}:{number}")
        batch = [_customer(ctx, first + start + i, now) for i in range(min(CHUNK, count - start))]
        yield batch, bulk.derived_rows(*_records(ctx, batch))


_AT = {name: CUSTOMER_FIELDS.index(name) for name in (*bulk.RECORD_FIELDS, "owner", "city")}


def _records(ctx: Context, batch) -> tuple[list[SimpleNamespace], dict[int, list[SimpleNamespace]]]:
    """The batch as ``customers.bulk`` describes its records."""
    customers, contacts = [], {}
    for row, people, _ in batch:
        record = SimpleNamespace(**{name: row[_AT[name]] for name in bulk.RECORD_FIELDS})
        record.owner_id, record.city = row[_AT["owner"]], ctx.cities[row[_AT["city"]]]
        customers.append(record)
        if people:  # CONTACT_FIELDS; the key person comes first
            contacts[record.id] = [
                SimpleNamespace(name=c[1], is_key_person=c[3], mobile=c[5], phone=c[6], email=c[8])
                for c in people
            ]
    return customers, contacts


def generate(count: int, seed: int, progress: Callable[[int], None] | None = None) -> int:
    """Add ``count`` customers; returns how many were written."""
    ctx = Context(random.Random(seed))
    now = timezone.now()
    first = reserve_ids(Customer, count)  # a bulk load: no one else adds customers meanwhile
    if count >= FORK_FROM and forked.two_processes():
        # Making a customer and its keys costs more than writing it: two makers, one writer.
        chunks = forked.from_children(
            [lambda part=part: _chunks(ctx, seed, first, count, now, part, 2) for part in range(2)]
        )
    else:
        chunks = _chunks(ctx, seed, first, count, now)
    written = 0
    # A large load into a small table goes in as one transaction with the indexes built at
    # the end; a top-up commits chunk by chunk.
    in_one_go = count >= ONE_GO_FROM and first - 1 <= count
    with indexes_deferred() if in_one_go else nullcontext() as defer:
        for batch, derived in chunks:
            with transaction.atomic():
                if defer:
                    for model in (Customer, Contact, Customer.tags.through, *(d[0] for d in derived)):
                        defer(model)
                insert_rows(Customer, CUSTOMER_FIELDS, (row for row, _, _ in batch))
                insert_rows(Contact, CONTACT_FIELDS, (c for _, contacts, _ in batch for c in contacts))
                insert_rows(
                    Customer.tags.through,
                    ("customer", "tag"),
                    ((row[0], tag) for row, _, tags in batch for tag in tags),
                )
                for model, fields, rows in derived:
                    insert_rows(model, fields, rows)
            written += len(batch)
            if progress:
                progress(len(batch))
        if in_one_go and hasattr(progress, "note"):
            progress.note("building indexes")
    for model in (Customer, Contact, Customer.tags.through):
        sync_sequence(model)
    return written


def load(options) -> None:
    """Top up to ``options.customers`` customers (a re-run adds nothing)."""
    existing = Customer.all_objects.count()
    missing = max(options.customers - existing, 0)
    if not missing:
        options.say(f"{existing} customers already present.")
        return
    with options.progress("customers", missing) as advance:
        # A different seed per top-up keeps an interrupted run from repeating rows when resumed.
        generate(missing, options.seed * 1_000_003 + existing, progress=advance)
    options.say(f"Added {missing} customers ({existing + missing} in all).")
