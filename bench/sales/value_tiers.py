"""Value-tier recomputation and commission statements at volume, on PostgreSQL.

1. Value tiers: 1,000,000 customers and 10,000,000 order lines (2,500,000 orders of four
   lines). ``kehu.sales.services.value_tiers.recompute`` is timed as the periodic task runs
   it: a full comparison with every customer, after switching between quantiles and
   thresholds (a large share of tiers move), the next day's nightly run, and an unchanged
   rerun.
2. Commission statement: one salesperson with 10,000 orders in one quarter (two ledger
   rows per order, some reversals) among 2.5 million ledger rows of others; the statement
   API (totals + first page of 100 rows, token auth, JSON) is requested 300 times; p50/p95.

The data is written by set-based SQL (generate_series) straight into the tables, which
is how a bulk load would go; the code measured is the application's, unchanged.

Usage:
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/kehu_bench_sales \\
    .venv/bin/python bench/sales/value_tiers.py [--customers 1000000] [--orders 2500000]
"""

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("KEHU_VAR_DIR", str(ROOT / "bench" / "out" / "sales"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("ALLOWED_HOSTS", "*")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kehu_bench_sales")

LINES_PER_ORDER = 4
STATEMENT_ORDERS = 10_000


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def timed(label, fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.1f} s", flush=True)
    return seconds, result


def load(args, cursor, connection):
    """Customers, products, orders with lines and a commission ledger, unless already there."""
    from django.core.management import call_command

    from kehu.accounts.models import Role, User
    from kehu.customers.models import Customer
    from kehu.sales.models import Order, Product

    call_command("migrate", verbosity=0)
    role = Role.objects.get(code="salesperson")
    people = [
        User.objects.get_or_create(username=f"bench{i}", defaults={"name": f"销售{i}", "role": role})[0]
        for i in range(50)
    ]
    if not Product.objects.exists():
        Product.objects.bulk_create(
            Product(code=f"P{i:04d}", name=f"产品{i}", price=100 + i) for i in range(200)
        )
    product_min = Product.objects.order_by("pk").first().pk
    # people[0] is the statement's salesperson: only the orders given to them below.
    owner_ids = [p.pk for p in people[1:]]
    if Customer.objects.count() < args.customers:
        cursor.execute(
            """
            INSERT INTO customers_customer (kind, name, type, phone, phone_key, email, id_number, credit_code,
                gender, occupation, size, address, notes, value_tier, owner_id, created_at, updated_at)
            SELECT 'person', '客户' || g, 'potential', '', '', '', '', '', '', '', '', '', '', '',
                   (%s::bigint[])[1 + g %% %s], now(), now()
            FROM generate_series(1, %s) g
            """,
            [owner_ids, len(owner_ids), args.customers - Customer.objects.count()],
        )
    first_customer = Customer.objects.order_by("pk").values_list("pk", flat=True).first()
    if Order.objects.count() < args.orders:
        # A bulk load: skip the per-row foreign-key triggers (the generator keeps the keys valid).
        cursor.execute("SET session_replication_role = replica")
        # Customers buy unevenly (power of a uniform draw); about a fifth never buy.
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            """
            INSERT INTO sales_order (id, number, customer_id, owner_id, status, ordered_at, total, refunded,
                notes, created_at)
            SELECT g, 'BO' || g,
                   %(first)s + floor(power(random(), 1.6) * %(customers)s * 0.8)::bigint,
                   (%(owners)s::bigint[])[1 + g %% %(n_owners)s],
                   CASE WHEN g %% 53 = 0 THEN 'cancelled' ELSE 'confirmed' END,
                   now() - random() * interval '730 days',
                   t.total,
                   CASE WHEN g %% 29 = 0 THEN round(t.total / 10, 2) ELSE 0 END,
                   '', now()
            FROM generate_series(1, %(orders)s) g,
                 LATERAL (SELECT sum(((g * 37 + i * 101) %% 900 + 100) * (1 + (g + i) %% 3))::numeric(14, 2)
                          AS total
                          FROM generate_series(1, %(lines)s) i) t
            """,
            {
                "first": first_customer,
                "customers": args.customers,
                "owners": owner_ids,
                "n_owners": len(owner_ids),
                "orders": args.orders,
                "lines": LINES_PER_ORDER,
            },
        )
        cursor.execute(
            """
            INSERT INTO sales_orderline (order_id, product_id, quantity, unit_price, amount)
            SELECT g, %(product_min)s + (g + i) %% 200, 1 + (g + i) %% 3, (g * 37 + i * 101) %% 900 + 100,
                   ((g * 37 + i * 101) %% 900 + 100) * (1 + (g + i) %% 3)
            FROM generate_series(1, %(orders)s) g, generate_series(1, %(lines)s) i
            """,
            {"product_min": product_min, "orders": args.orders, "lines": LINES_PER_ORDER},
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('sales_order', 'id'), (SELECT max(id) FROM sales_order))"
        )
        # The statement's salesperson: every 250th order, all in one quarter.
        person = people[0]
        cursor.execute(
            """
            UPDATE sales_order SET owner_id = %s,
                   ordered_at = timestamp '2026-04-01' + (id %% 91) * interval '1 day' + interval '10 hours'
            WHERE id %% %s = 0
            """,
            [person.pk, args.orders // STATEMENT_ORDERS],
        )
        # The ledger: two rows per order (two rules), reversals for cancelled orders.
        cursor.execute(
            """
            INSERT INTO sales_commissionentry (user_id, source, order_id, base_amount, share, amount,
                occurred_on, created_at)
            SELECT o.owner_id, 'order', o.id, o.total * r.part, 100, round(o.total * r.part * r.rate, 2),
                   o.ordered_at::date, now()
            FROM sales_order o, (VALUES (0.7, 0.03), (0.3, 0.05)) AS r(part, rate)
            """
        )
        cursor.execute(
            """
            INSERT INTO sales_commissionentry (user_id, source, order_id, reverses_id, base_amount, share,
                amount,
                occurred_on, created_at)
            SELECT e.user_id, 'order_cancel', e.order_id, e.id, e.base_amount, 100, -e.amount,
                   e.occurred_on + 3, now()
            FROM sales_commissionentry e JOIN sales_order o ON o.id = e.order_id
            WHERE o.status = 'cancelled' AND e.reverses_id IS NULL
            """
        )
        cursor.execute("SET session_replication_role = DEFAULT")
    connection.commit() if not connection.get_autocommit() else None
    for table in ("customers_customer", "sales_order", "sales_orderline", "sales_commissionentry"):
        cursor.execute(f"VACUUM ANALYZE {table}")
    return people[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=2_500_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from kehu.accounts.services import issue_token
    from kehu.customers.models import Customer
    from kehu.sales.models import CustomerValue, Order, OrderLine, ValueTierSettings
    from kehu.sales.services import value_tiers

    if connection.vendor != "postgresql":
        sys.exit("This benchmark runs on PostgreSQL (set DATABASE_URL).")
    with connection.cursor() as cursor:
        setup_seconds, person = timed("load", load, args, cursor, connection)

    customers, orders, lines = Customer.objects.count(), Order.objects.count(), OrderLine.objects.count()
    print(f"customers {customers:,}, orders {orders:,}, order lines {lines:,}")
    from kehu.core import clock

    conf = ValueTierSettings.current()
    runs = []

    def run(label, **kwargs):
        seconds, result = timed(label, value_tiers.recompute, **kwargs)
        runs.append((label, seconds, result))
        return result

    # Start from a full comparison (a fresh database gets its figures this way).
    run("full comparison with every customer", full=True)
    conf.method = ValueTierSettings.Method.QUANTILES
    conf.save()
    run("switch to quantiles (a large share of tiers move)")
    conf.method = ValueTierSettings.Method.THRESHOLDS
    conf.save()
    run("switch back to thresholds")
    with clock.frozen(clock.now() + dt.timedelta(days=1)):
        run("next day (the nightly run)")
        run("same day again (nothing changed)")
    buyers = Order.objects.filter(status="confirmed").values("customer_id").distinct().count()
    assert runs[-1][2]["valued"] == buyers == CustomerValue.objects.count(), (runs[-1], buyers)
    tiers = dict(
        Customer.objects.exclude(value_tier="")
        .values_list("value_tier")
        .annotate(n=django.db.models.Count("id"))
    )

    # Commission statement
    client = Client(headers={"Authorization": f"Bearer {issue_token(person, 'bench')}"})
    url = f"/api/v1/commissions/statement?start=2026-04-01&end=2026-06-30&user={person.pk}"
    body = client.get(url).json()
    assert body["orders"] >= STATEMENT_ORDERS * 0.98, body["orders"]
    for _ in range(20):
        client.get(url)
    times = []
    for _ in range(args.requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sales_commissionentry")
        ledger = cursor.fetchone()[0]

    print()
    print(f"date {dt.date.today()}, {platform.machine()}, {os.cpu_count()} cores, PostgreSQL")
    print(
        f"data: {customers:,} customers, {orders:,} orders, {lines:,} order lines; load {setup_seconds:.0f} s"
    )
    for label, seconds, result in runs:
        print(f"value tiers, {label}: {seconds:.1f} s {result}")
    print(f"tiers: {tiers}")
    print(
        f"statement: {body['orders']:,} orders, {body['count']:,} ledger rows of {ledger:,}; "
        f"{args.requests} requests p50 {statistics.median(times):.1f} ms, "
        f"p95 {percentile(times, 95):.1f} ms, "
        f"max {max(times):.1f} ms"
    )


if __name__ == "__main__":
    main()
