"""Reclaim sweep over 1,000,000 owned leads of which 100,000 have passed their deadline.

Target (issue 4): <= 30 s on PostgreSQL, and a second run changes nothing.

The data is loaded with COPY (PostgreSQL) into a fresh database: leads, their tenures
(owner, pool, deadlines) and the people. Then ``sweeps.reclaim_expired()`` runs as the
Huey task would, in batches of 5,000 (each its own transaction), and again.

Usage:
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/kehu_bench_pool \\
    .venv/bin/python bench/pool/reclaim_sweep.py [--leads 1000000] [--expired 100000]
"""

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("KEHU_VAR_DIR", str(ROOT / "bench" / "out" / "pool"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kehu_bench_pool")
sys.path.insert(0, str(ROOT / "src"))


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    """COPY rows (tuples of str/None) into ``table``."""
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--expired", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=200)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("This benchmark is for PostgreSQL: set DATABASE_URL=postgres://…")

    recreate_database(url)
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)

    from kehu.accounts.models import Role, User
    from kehu.core import clock
    from kehu.leads.models import Channel, Lead
    from kehu.pool.models import OwnershipEvent, Pool, Tenure
    from kehu.pool.services import sweeps

    t_load = time.perf_counter()
    now = clock.now().replace(microsecond=0)
    role = Role.objects.get(code="salesperson")
    unusable = make_password(None)
    User.objects.bulk_create(
        [
            User(username=f"bench{i}", name=f"销售{i}", role=role, password=unusable)
            for i in range(args.people)
        ]
    )
    people = list(User.objects.filter(username__startswith="bench").values_list("pk", flat=True))
    channel = Channel.objects.create(code="bench", name="基准")
    pool = Pool.objects.get(kind="lead", is_default=True)

    lead_columns = [
        "id", "channel_id", "kind", "name", "company", "title", "phone", "phone_key", "email", "wechat",
        "id_number", "credit_code", "address", "company_size", "urgency", "notes", "extra", "score", "grade",
        "status", "owner_id", "intake", "intake_key", "created_at", "updated_at", "company_key",
    ]  # fmt: skip
    grades = ["A", "B", "C"]
    created = (now - dt.timedelta(days=20)).isoformat()

    def leads():
        for i in range(1, args.leads + 1):
            owner = people[i % len(people)]
            yield (
                i, channel.pk, "person", f"客户{i}", "", "", f"138{i:08d}", f"138{i:08d}", "", "", "", "",
                "", "", "", "", "{}", 0, grades[i % 3], "following", owner, "bench", "", created, created, "",
            )  # fmt: skip

    def tenures():
        for i in range(1, args.leads + 1):
            owner = people[i % len(people)]
            # Every 10th lead (up to --expired) passed its deadline an hour ago; the rest have days left.
            expired = (
                i % (args.leads // args.expired) == 0 and i // (args.leads // args.expired) <= args.expired
            )
            due = now - dt.timedelta(hours=1) if expired else now + dt.timedelta(days=1 + i % 20)
            since = (now - dt.timedelta(days=10)).isoformat()
            yield (i, i, pool.pk, owner, since, None, due.isoformat(), due.isoformat(), 0)

    with connection.cursor() as c:
        raw = c.cursor
        copy_rows(raw, "leads_lead", lead_columns, leads())
        copy_rows(
            raw,
            "pool_tenure",
            [
                "id",
                "lead_id",
                "pool_id",
                "owner_id",
                "since",
                "follow_up_due",
                "convert_due",
                "due",
                "reminder_stage",
            ],
            tenures(),
        )
        for table in ("leads_lead", "pool_tenure"):
            c.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608
            )
            c.execute(f"VACUUM ANALYZE {table}")
    load_seconds = time.perf_counter() - t_load
    expired_before = Tenure.objects.filter(owner__isnull=False, due__lte=clock.now()).count()

    t0 = time.perf_counter()
    first = sweeps.reclaim_expired()
    first_seconds = time.perf_counter() - t0
    events_after_first = OwnershipEvent.objects.count()
    t1 = time.perf_counter()
    second = sweeps.reclaim_expired()
    second_seconds = time.perf_counter() - t1

    in_pool = Lead.objects.filter(owner__isnull=True, status="in_pool").count()
    checks = {
        "expired before": expired_before,
        "reclaimed (1st run)": first.done,
        "failures (1st run)": len(first.failures),
        "ledger events": events_after_first,
        "leads back in the pool": in_pool,
        "reclaimed (2nd run)": second.done,
        "new events in 2nd run": OwnershipEvent.objects.count() - events_after_first,
    }
    ok = (
        first.done == expired_before == in_pool == events_after_first == args.expired
        and second.done == 0
        and checks["new events in 2nd run"] == 0
    )
    print(f"machine: {platform.node()} · {os.cpu_count()} cores · PostgreSQL {connection.pg_version}")
    print(f"load (COPY {args.leads:,} leads + tenures, VACUUM ANALYZE): {load_seconds:.1f} s")
    print(f"reclaim sweep, 1st run: {first_seconds:.2f} s ({first.done / first_seconds:,.0f} leads/s)")
    print(f"reclaim sweep, 2nd run: {second_seconds:.3f} s")
    for key, value in checks.items():
        print(f"  {key}: {value:,}")
    print("OK" if ok else "MISMATCH")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
