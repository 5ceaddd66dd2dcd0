"""Shared set-up for the leads benchmarks: a CRM of N customers and M leads, all indexed.

Customers come from ``kehu demo-data`` (bulk generator); leads are generated from the same
generator's rows (realistic names, phones, addresses) and bulk-inserted; then every record
without de-duplication keys gets them, in chunks (the same code as ``kehu dedup reindex``).
"""

import datetime as dt
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("KEHU_VAR_DIR", str(ROOT / "bench" / "out" / "leads"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("ALLOWED_HOSTS", "*")

CHUNK = 5000


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def prepare_crm(customers: int, leads: int, say=print) -> float:
    """Make sure the database holds ``customers`` customers and ``leads`` leads, indexed."""
    started = time.perf_counter()
    env = dict(os.environ)
    subprocess.run([sys.executable, "-m", "kehu", "migrate", "-v", "0"], env=env, check=True)
    subprocess.run(
        [sys.executable, "-m", "kehu", "demo-data", "--customers", str(customers), "--quiet"],
        env=env,
        check=True,
    )
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # DEBUG=1 only lets the bench start without a SECRET_KEY; no query log
    from kehu.leads.models import Lead

    missing = leads - Lead.objects.count()
    if missing > 0:
        say(f"generating {missing} leads")
        _bulk_leads(missing)
    _index_missing(say)
    return time.perf_counter() - started


LEAD_FIELDS = (
    "id", "channel", "kind", "name", "company", "title", "phone", "phone_key", "email", "company_key",
    "wechat", "id_number", "credit_code", "address", "province", "city", "district", "industry",
    "company_size", "urgency", "notes", "extra", "score", "grade", "status", "intake", "intake_key",
    "created_at", "updated_at",
)  # fmt: skip


def _bulk_leads(count: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from kehu.core.bulk import insert_rows, reserve_ids, sync_sequence
    from kehu.core.normalize.companies import parse_company
    from kehu.customers import demo as customer_demo
    from kehu.leads.models import Channel, Lead

    ctx = customer_demo.Context(random.Random(4242))
    fields = customer_demo.CUSTOMER_FIELDS
    at = {name: i for i, name in enumerate(fields)}
    channels = list(Channel.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    now = timezone.now()
    written = 0
    while written < count:
        size = min(CHUNK, count - written)
        with transaction.atomic():
            first = reserve_ids(Lead, size)
            rows = []
            for i in range(size):
                row, contacts, _tags = customer_demo._customer(ctx, first + i, now)
                company = row[at["name"]] if row[at["kind"]] == "company" else ""
                name = contacts[0][1] if company and contacts else ("" if company else row[at["name"]])
                parsed = parse_company(company) if company else None
                rows.append(
                    (
                        first + i, ctx.rng.choice(channels), row[at["kind"]], name, company, "",
                        row[at["phone"]], row[at["phone_key"]], row[at["email"]],
                        parsed.key[:80] if parsed else "", "", row[at["id_number"]], row[at["credit_code"]],
                        row[at["address"]], row[at["province"]], row[at["city"]], row[at["district"]],
                        row[at["industry"]], row[at["size"]], ctx.rng.choice(("high", "medium", "")), "", {},
                        ctx.rng.randrange(101), ctx.rng.choice("ABC"), "new", "import", "",
                        now - dt.timedelta(days=ctx.rng.randrange(400)), now,
                    )
                )  # fmt: skip
            insert_rows(Lead, LEAD_FIELDS, rows)
        written += size
    sync_sequence(Lead)


def _index_missing(say=print) -> None:
    from django.db import connection, transaction

    from kehu.customers.models import Customer
    from kehu.dedup import store
    from kehu.dedup.models import CUSTOMER, LEAD, DedupKey
    from kehu.leads.models import Lead

    for model, record_type, loader in (
        (Customer, CUSTOMER, store.load_customers),
        (Lead, LEAD, store.load_leads),
    ):
        table = DedupKey._meta.db_table
        with connection.cursor() as cursor:
            sql = f"SELECT COALESCE(MAX(record_id), 0) FROM {table} WHERE record_type = %s"  # noqa: S608
            cursor.execute(sql, [record_type])
            done = cursor.fetchone()[0]
        ids = list(model._base_manager.filter(pk__gt=done).order_by("pk").values_list("pk", flat=True))
        if not ids:
            continue
        say(f"indexing {len(ids)} {model._meta.verbose_name_plural}")
        started = time.perf_counter()
        for start in range(0, len(ids), CHUNK):
            with transaction.atomic():
                records = loader(ids[start : start + CHUNK])
                store.write_keys(
                    record_type, [(pk, store.keys_of(r)[1]) for pk, r in records.items()], replace=False
                )
        say(f"  {len(ids) / (time.perf_counter() - started):,.0f} records/s")
    if connection.vendor == "postgresql":
        # Planner statistics for every bulk-loaded table: with autovacuum off (as on the bench
        # machine) leads_lead had none, and the re-import check's `intake_key IN (…)` became
        # a sequential scan of the whole table (≈ 100 ms per 500 keys at 360,000 leads).
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {DedupKey._meta.db_table}")
            cursor.execute("ANALYZE")
