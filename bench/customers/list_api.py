"""Customers list API with a million customers: p50/p95 beside the same query in raw SQL.

The request: first page of 50, filtered by owner and type, sorted by last contact — as a
sales manager (department scope) and as an administrator (all), through the whole Django
stack (token auth, scope, filters, serialisation, JSON) with Django's WSGI test client.
The raw figure replays on a bare cursor exactly the SQL statements the request ran (token
lookup, page, count, tags), so the ratio shows what the framework adds to the database.

Usage (the database comes from DATABASE_URL; default: SQLite in bench/out/):
  .venv/bin/python bench/customers/list_api.py [--customers 1000000] [--requests 300] [--skip-setup]
Generating the data is done once (kehu demo-data) and timed.
"""

import argparse
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("KEHU_VAR_DIR", str(ROOT / "bench" / "out" / "customers"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("ALLOWED_HOSTS", "*")


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--skip-setup", action="store_true", help="migrate only; measure the data loaded")
    args = parser.parse_args()

    env = dict(os.environ)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kehu", "migrate", "-v", "0"], env=env, check=True)
    if not args.skip_setup:
        subprocess.run(
            [sys.executable, "-m", "kehu", "demo-data", "--customers", str(args.customers), "--quiet"],
            env=env,
            check=True,
        )
    setup_seconds = time.perf_counter() - started

    import django

    django.setup()
    from django.conf import settings

    # DEBUG=1 only lets the bench start without a SECRET_KEY: requests are measured as a
    # production process runs them, without Django's per-query debug log. (The replay below
    # captures the statements with CaptureQueriesContext, which logs for its own duration.)
    settings.DEBUG = False
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kehu.accounts.models import User
    from kehu.accounts.services import issue_token
    from kehu.customers.models import Customer

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            # What autovacuum does soon after a bulk load: statistics, and the visibility map
            # that lets COUNT(*) read the index alone.
            cursor.execute("VACUUM ANALYZE customers_customer")
    total = Customer.objects.count()
    owners = list(User.objects.filter(role__code="salesperson", department__name="华东销售部"))
    types = ["potential", "target", "closed", "lost"]
    rng = random.Random(1)
    cases = [(rng.choice(owners), rng.choice(types)) for _ in range(args.requests)]
    results = {}
    for viewer_name in ("manager1", "admin"):
        viewer = User.objects.get(username=viewer_name)
        client = Client(headers={"Authorization": f"Bearer {issue_token(viewer, 'bench')}"})
        api, raw = [], []
        for owner, ctype in cases[:20]:  # warm-up
            client.get("/api/v1/customers", {"owner": owner.pk, "type": ctype, "sort": "last_contact"})
        for owner, ctype in cases:
            t0 = time.perf_counter()
            response = client.get(
                "/api/v1/customers", {"owner": owner.pk, "type": ctype, "sort": "last_contact"}
            )
            api.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200 and len(response.json()["items"]) <= 50
        for owner, ctype in cases:
            # Replay, on a bare cursor, exactly the SQL this API request ran (auth, page,
            # count, tags): the difference to the API time is what Django and Ninja add.
            with CaptureQueriesContext(connection) as captured:
                client.get("/api/v1/customers", {"owner": owner.pk, "type": ctype, "sort": "last_contact"})
            statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith("UPDATE")]
            t0 = time.perf_counter()
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
                    cursor.fetchall()
            raw.append((time.perf_counter() - t0) * 1000)
        results[viewer_name] = (api, raw)

    print(f"\nCustomers list API — {total:,} customers, {connection.vendor} {_db_version(connection)}")
    print(
        f"machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
        f"data setup {setup_seconds:.1f} s"
    )
    print(f"{'viewer':<10} {'API p50':>9} {'API p95':>9} {'SQL p50':>9} {'SQL p95':>9} {'p95 ratio':>10}")
    for viewer_name, (api, raw) in results.items():
        print(
            f"{viewer_name:<10} {percentile(api, 50):>8.1f}ms {percentile(api, 95):>8.1f}ms "
            f"{percentile(raw, 50):>8.1f}ms {percentile(raw, 95):>8.1f}ms "
            f"{percentile(api, 95) / percentile(raw, 95):>9.1f}x"
        )


def _db_version(connection):
    with connection.cursor() as cursor:
        cursor.execute("select sqlite_version()" if connection.vendor == "sqlite" else "show server_version")
        return cursor.fetchone()[0]


if __name__ == "__main__":
    main()
