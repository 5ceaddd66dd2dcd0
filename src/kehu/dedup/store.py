"""The engine's ``Index`` over the database: blocking keys of leads and customers.

Keys are written whenever a lead or customer is saved (delete and re-insert its rows) and
read with one query per lead (or per batch): for each key at most ``MAX_POSTINGS + 1``
postings are fetched, and a key with more is skipped as uninformative, exactly as
``MemoryIndex`` does. The cost of a lookup therefore depends on the lead's keys, not on
the size of the CRM.
"""

import hashlib
from collections.abc import Iterable
from types import SimpleNamespace

from django.db import connection

from .engine import MAX_POSTINGS, Prepared, Record, blocking_keys, prepare
from .models import CUSTOMER, LEAD, DedupKey

PREFIX = {LEAD: "L", CUSTOMER: "C"}
_IN_CHUNK = 500  # bound on the parameters of one statement (SQLite allows 32766 but not on every build)


def hash_key(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def record_id(record_type: int, pk: int) -> str:
    return f"{PREFIX[record_type]}{pk}"


def parse_record_id(value: str) -> tuple[int, int]:
    return (LEAD if value[0] == "L" else CUSTOMER), int(value[1:])


# --- Records from rows ---------------------------------------------------------------------

LEAD_FIELDS = ("id", "kind", "name", "company", "phone", "email", "id_number", "credit_code", "address")


def lead_record(row: dict, city: str = "") -> Record:
    # A lead marked "person" may well be a company's contact (name + company): the kind is
    # left open so it can match a company customer as well as a person.
    return Record(
        id=record_id(LEAD, row["id"]) if row.get("id") else row.get("tmp_id", ""),
        kind="company" if row.get("kind") == "company" else "",
        name=row.get("name") or "",
        company=row.get("company") or "",
        phone=row.get("phone") or "",
        email=row.get("email") or "",
        id_number=row.get("id_number") or "",
        credit_code=row.get("credit_code") or "",
        address=row.get("address") or "",
        city=city,
    )


def customer_record(customer, contacts: Iterable = ()) -> Record:
    """A customer as the engine sees it: a company's contacts add their phones and e-mails."""
    phones = [customer.phone] + [p for c in contacts for p in (c.mobile, c.phone)]
    emails = [customer.email] + [c.email for c in contacts]
    contact_name = ""
    if customer.kind == "company":
        key_people = [c for c in contacts if c.is_key_person] or list(contacts)
        contact_name = key_people[0].name if key_people else ""
    city = customer.city.name if getattr(customer, "city", None) else ""
    return Record(
        id=record_id(CUSTOMER, customer.id),
        kind=customer.kind,
        name=contact_name if customer.kind == "company" else customer.name,
        company=customer.name if customer.kind == "company" else "",
        phone="/".join(dict.fromkeys(p for p in phones if p)),
        email="/".join(dict.fromkeys(e for e in emails if e)),
        id_number=customer.id_number,
        credit_code=customer.credit_code,
        address=customer.address,
        city=city,
        owner=str(customer.owner_id or ""),
    )


def load_leads(ids: Iterable[int]) -> dict[int, Record]:
    from kehu.leads.models import Lead

    ids = list(ids)
    out: dict[int, Record] = {}
    for start in range(0, len(ids), _IN_CHUNK):
        rows = Lead.objects.filter(pk__in=ids[start : start + _IN_CHUNK], archived_at__isnull=True).values(
            *LEAD_FIELDS, "city__name", "duplicate_of_id"
        )
        for row in rows:
            record = lead_record(row, row["city__name"] or "")
            record.source = str(row["duplicate_of_id"] or "")  # the original, when a duplicate
            out[row["id"]] = record
    return out


def load_customers(ids: Iterable[int]) -> dict[int, Record]:
    """Records of customers, read as plain rows (no model instances: an import loads
    thousands of candidates per chunk, and indexing a bulk load reads every customer)."""
    from kehu.customers.models import Contact, Customer

    ids = list(ids)
    out: dict[int, Record] = {}
    fields = ("id", "kind", "name", "phone", "email", "id_number", "credit_code", "address", "owner_id")
    for start in range(0, len(ids), _IN_CHUNK):
        part = ids[start : start + _IN_CHUNK]
        contacts: dict[int, list[SimpleNamespace]] = {}
        for row in (
            Contact.objects.filter(customer_id__in=part)
            .order_by("customer_id", "-is_key_person", "id")
            .values("customer_id", "name", "mobile", "phone", "email", "is_key_person")
        ):
            contacts.setdefault(row["customer_id"], []).append(SimpleNamespace(**row))
        for row in Customer.objects.filter(pk__in=part).values(*fields, "city__name"):
            row["city"] = SimpleNamespace(name=row["city__name"]) if row["city__name"] else None
            out[row["id"]] = customer_record(SimpleNamespace(**row), contacts.get(row["id"], ()))
    return out


# --- Writing keys ----------------------------------------------------------------------------


def keys_of(record: Record) -> tuple[Prepared, list[int]]:
    prepared = prepare(record)
    prepared.keys = blocking_keys(prepared)
    return prepared, sorted({hash_key(k) for k in prepared.keys})


KEY_FIELDS = ("key", "record_type", "record_id")


def key_rows(record_type: int, items: Iterable[tuple[int, list[int]]]) -> list[tuple[int, int, int]]:
    """DedupKey rows (KEY_FIELDS) of records ``(pk, keys)``, in key order: a batch's keys then
    go into the key index page after page, not at random."""
    return sorted((key, record_type, pk) for pk, keys in items for key in keys)


def write_keys(record_type: int, items: Iterable[tuple[int, list[int]]], *, replace: bool = True) -> None:
    """Store the hashed keys of records ``(pk, keys)``; ``replace`` drops their old keys first."""
    items = list(items)
    if replace:
        pks = [pk for pk, _ in items]
        for start in range(0, len(pks), _IN_CHUNK):
            DedupKey.objects.filter(
                record_type=record_type, record_id__in=pks[start : start + _IN_CHUNK]
            ).delete()
    rows = key_rows(record_type, items)
    if not rows:
        return
    if connection.vendor == "postgresql":
        from kehu.core.bulk import insert_rows

        insert_rows(DedupKey, KEY_FIELDS, rows)  # COPY
        return
    table = connection.ops.quote_name(DedupKey._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (key, record_type, record_id) VALUES (%s, %s, %s)",  # noqa: S608 - model table
            rows,
        )


def drop_keys(record_type: int, pks: Iterable[int]) -> None:
    pks = list(pks)
    for start in range(0, len(pks), _IN_CHUNK):
        DedupKey.objects.filter(
            record_type=record_type, record_id__in=pks[start : start + _IN_CHUNK]
        ).delete()


def index_leads(pks: Iterable[int]) -> None:
    records = load_leads(pks)
    write_keys(LEAD, [(pk, keys_of(r)[1]) for pk, r in records.items()])


def index_customers(pks: Iterable[int], *, new: bool = False) -> None:
    """(Re)write the keys of customers; ``new``: they have none yet (a bulk load), so there
    is nothing to drop first."""
    pks = list(pks)
    records = load_customers(pks)
    if not new:
        drop_keys(CUSTOMER, [pk for pk in pks if pk not in records])  # deleted customers leave the index
    write_keys(CUSTOMER, [(pk, keys_of(r)[1]) for pk, r in records.items()], replace=not new)


# --- Reading ---------------------------------------------------------------------------------


def postings(keys: Iterable[int], max_postings: int = MAX_POSTINGS) -> set[tuple[int, int]]:
    return {holder for holders in postings_by_key(keys, max_postings).values() for holder in holders}


def postings_by_key(
    keys: Iterable[int], max_postings: int = MAX_POSTINGS, full: set[int] | None = None
) -> dict[int, list[tuple[int, int]]]:
    """``(record_type, record_id)`` of the records sharing a key, skipping over-full keys
    (added to ``full`` when given).

    One statement: per key a sub-select limited to ``max_postings + 1`` rows, so a key held
    by a whole building costs at most that many index entries.
    """
    keys = list(dict.fromkeys(keys))
    found: dict[int, list[tuple[int, int]]] = {}
    table = connection.ops.quote_name(DedupKey._meta.db_table)
    limit = int(max_postings) + 1
    if connection.vendor == "postgresql" and keys:
        # One statement for any number of keys: a LATERAL sub-select per array element is
        # planned once, where 200 UNION ALL branches are planned on every call.
        sql = (
            f"SELECT k.key, d.record_type, d.record_id FROM unnest(%s::bigint[]) AS k(key) "  # noqa: S608
            f"CROSS JOIN LATERAL (SELECT record_type, record_id FROM {table} "
            f"WHERE {table}.key = k.key LIMIT {limit}) d"
        )
        by_key: dict[int, list[tuple[int, int]]] = {}
        with connection.cursor() as cursor:
            cursor.execute(sql, [keys])
            for key, record_type, rid in cursor.fetchall():
                by_key.setdefault(key, []).append((record_type, rid))
        if full is not None:
            full.update(key for key, holders in by_key.items() if len(holders) > max_postings)
        return {key: holders for key, holders in by_key.items() if len(holders) <= max_postings}
    for start in range(0, len(keys), 200):
        part = keys[start : start + 200]
        sub = (
            f"SELECT * FROM (SELECT key, record_type, record_id FROM {table} WHERE key = %s LIMIT {limit}) s"  # noqa: S608
        )
        sql = " UNION ALL ".join([sub] * len(part))
        by_key: dict[int, list[tuple[int, int]]] = {}
        with connection.cursor() as cursor:
            cursor.execute(sql, part)
            for key, record_type, rid in cursor.fetchall():
                by_key.setdefault(key, []).append((record_type, rid))
        found.update((key, holders) for key, holders in by_key.items() if len(holders) <= max_postings)
        if full is not None:
            full.update(key for key, holders in by_key.items() if len(holders) > max_postings)
    return found


class DatabaseIndex:
    """``engine.Index`` over ``DedupKey``; candidates are loaded and prepared on demand.

    Prepared candidates are cached for the life of the index (one request, one import),
    so a batch that keeps meeting the same customer prepares it once.
    """

    def __init__(self, cache_size: int = 50_000):
        self.cache: dict[tuple[int, int], Prepared | None] = {}
        self.cache_size = cache_size
        self.added: dict[str, Prepared] = {}

    def add(self, prepared: Prepared) -> None:  # written by the caller with write_keys
        self.added[prepared.id] = prepared

    def forget(self, holders: Iterable[tuple[int, int]]) -> None:
        for holder in holders:
            self.cache.pop(holder, None)

    def candidates_for_keys(
        self, hashed: list[int], exclude: tuple[int, int] | None = None
    ) -> list[Prepared]:
        holders = postings(hashed)
        holders.discard(exclude)
        return [p for p in self.fetch(holders).values() if p is not None]

    def fetch(self, holders: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Prepared | None]:
        """The prepared records of ``holders`` (None: gone), from the cache or the database.
        Taken into a dict of their own: loading may clear a full cache, the held ones too."""
        found: dict[tuple[int, int], Prepared | None] = {}
        missing = []
        for holder in holders:
            if holder in self.cache:
                found[holder] = self.cache[holder]
            else:
                missing.append(holder)
        if missing:
            self.load(missing)
            found.update((h, self.cache.get(h)) for h in missing)
        return found

    def load(self, holders: Iterable[tuple[int, int]]) -> None:
        holders = list(holders)
        if len(self.cache) + len(holders) > self.cache_size:
            self.cache.clear()
        lead_ids = [pk for t, pk in holders if t == LEAD]
        customer_ids = [pk for t, pk in holders if t == CUSTOMER]
        for pk in lead_ids:
            self.cache[(LEAD, pk)] = None
        for pk in customer_ids:
            self.cache[(CUSTOMER, pk)] = None
        for pk, record in load_leads(lead_ids).items():
            self.cache[(LEAD, pk)] = prepare(record)
        for pk, record in load_customers(customer_ids).items():
            self.cache[(CUSTOMER, pk)] = prepare(record)

    def candidates(self, prepared: Prepared) -> list[Prepared]:
        if not prepared.keys:
            prepared.keys = blocking_keys(prepared)
        exclude = (
            parse_record_id(prepared.id)
            if prepared.id[:1] in ("L", "C") and prepared.id[1:].isdigit()
            else None
        )
        return self.candidates_for_keys([hash_key(k) for k in prepared.keys], exclude)
