"""Analytics reports on PostgreSQL at scale: p50/p95 per report and viewer, and the dashboards.

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/kehu_bench_analytics \
    .venv/bin/python bench/analytics/run.py [--scale 1.0] [--repeat 10] [--regenerate]

The database is created and filled once (bench/analytics/generate.py, INSERT … SELECT
generate_series): 1,000,000 leads, 300,000 customers, 5,000,000 order lines at scale 1.
Each report runs for a 12-month period as an administrator (everyone's figures), a
manager (one department: 20 salespeople) and a salesperson; the dashboards are rendered
through the whole Django stack (test client: session, middleware, templates).
"""

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "analytics"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("ALLOWED_HOSTS", "*")


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def timed(fn, repeat):
    fn()  # warm the cache once, as a running server would have it
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--no-refresh", action="store_true", help="keep the analytics summaries as they are")
    parser.add_argument(
        "--metrics",
        choices=["refresh", "keep", "live"],
        default="refresh",
        help="metric daily summary: rebuild it (default), keep it as it is, or drop it (all live)",
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is filled with benchmark data).")

    subprocess.run([sys.executable, "-m", "kehu", "migrate", "-v", "0"], check=True)
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client

    from kehu.accounts.models import User
    from kehu.activities.models import FollowUp
    from kehu.leads.models import Lead

    # Each step of the generator runs only while its table is still empty (resumable).
    generated = not (Lead.objects.exists() and FollowUp.objects.exists())
    if args.regenerate:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE leads_lead, customers_customer, sales_order, sales_orderline, sales_contract, "
                "sales_payment, pool_ownershipevent, activities_followup, leads_channelcost, "
                "sales_product, sales_productcategory, accounts_user, accounts_department, accounts_team "
                "RESTART IDENTITY CASCADE"
            )
    import generate

    started = time.perf_counter()
    s = args.scale
    generate.generate(
        leads=int(1_000_000 * s),
        customers=int(300_000 * s),
        orders=int(1_250_000 * s),
        contracts=int(200_000 * s),
        payments=int(400_000 * s),
        say=lambda m: print(f"  {time.perf_counter() - started:7.1f}s  {m}", flush=True),
    )
    setup = time.perf_counter() - started if generated or args.regenerate else None
    if setup:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

    from kehu.analytics import services, summaries
    from kehu.analytics.reports.base import Filters, Period

    # The summaries the reports read (the Huey task rebuilds them every ten minutes).
    refresh_seconds = second_refresh = 0.0
    if not args.no_refresh:
        started = time.perf_counter()
        summaries.refresh()
        refresh_seconds = time.perf_counter() - started
        started = time.perf_counter()
        summaries.refresh()
        second_refresh = time.perf_counter() - started
    # The daily summary of the performance metrics (kehu.core.metrics, a Huey task every
    # ten minutes): the leaderboard reads its closed days and computes the rest live.
    from kehu.core import metrics
    from kehu.core.models import MetricCoverage, MetricDay

    metric_refresh = 0.0
    if args.metrics == "refresh":
        started = time.perf_counter()
        metrics.refresh()
        metric_refresh = time.perf_counter() - started
    elif args.metrics == "live":
        # The comparison: no daily summary, every metric computed live over the period.
        MetricCoverage.objects.all().delete()
        MetricDay.objects.all().delete()

    counts = {}
    with connection.cursor() as cursor:
        for table in (
            "leads_lead",
            "customers_customer",
            "sales_order",
            "sales_orderline",
            "pool_ownershipevent",
            "activities_followup",
            "sales_payment",
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    period = Period.months(12)
    viewers = {
        "admin": User.objects.get(username="admin"),
        "manager": User.objects.get(username="manager1"),
        "salesperson": User.objects.get(username="sales1"),
    }
    print(f"# analytics benchmark — {platform.node()} {os.cpu_count()} cores, PostgreSQL")
    if setup:
        print(f"data generated in {setup:.0f} s")
    print("rows:", ", ".join(f"{k}={v:,}" for k, v in counts.items()))
    print(f"summaries refresh: {refresh_seconds:.1f} s (first), {second_refresh:.1f} s (again)")
    if args.metrics == "live":
        print("metric daily summary: none (every metric live)")
    else:
        print(f"metric daily summary: {MetricDay.objects.count():,} rows; refresh {metric_refresh:.1f} s")
    print(f"period {period.start} .. {period.end}; {args.repeat} runs after one warm-up\n")
    print(f"{'report':<18}{'viewer':<13}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    results = []
    for code in services.REPORTS:
        for who, user in viewers.items():

            def call(user=user, code=code):
                fresh = User.objects.get(pk=user.pk)  # scope is cached per user object, as per request
                return services.run(code, fresh, period, Filters())

            times = timed(call, args.repeat)
            p50, p95 = percentile(times, 50) * 1000, percentile(times, 95) * 1000
            results.append((code, who, p50, p95))
            print(f"{code:<18}{who:<13}{p50:9.0f}{p95:9.0f}{max(times) * 1000:9.0f}", flush=True)
    print()
    # Per metric, the admin's people over the period (what the leaderboard adds up).
    from kehu.analytics.reports import leaderboard
    from kehu.core import metrics as metric_registry

    ids = list(User.objects.filter(role__code__in=leaderboard.SALES_ROLES).values_list("pk", flat=True))

    def one_metric(code):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")  # as services.run does for reports
            cursor.execute("SET LOCAL jit = off")
            return metric_registry.compute(code, ids, period.start_at, period.end_at)

    for code in leaderboard.CODES:
        times = timed(lambda code=code: one_metric(code), args.repeat)
        p50, p95 = percentile(times, 50) * 1000, percentile(times, 95) * 1000
        print(f"metric {code:<18}{len(ids):>4} people{p50:9.0f}{p95:9.0f}{max(times) * 1000:9.0f}")
    print()
    for view, who in (("marketer", "admin"), ("manager", "manager"), ("salesperson", "salesperson")):
        client = Client()
        client.force_login(viewers[who])
        query = {"view": view, "start": period.start.isoformat(), "end": period.end.isoformat()}

        def page(client=client, query=query):
            response = client.get("/analytics/", query)
            assert response.status_code == 200, response.status_code
            return response

        times = timed(page, max(3, args.repeat // 2))
        print(
            f"dashboard {view:<12}{who:<13}{percentile(times, 50) * 1000:9.0f}"
            f"{percentile(times, 95) * 1000:9.0f}{max(times) * 1000:9.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
