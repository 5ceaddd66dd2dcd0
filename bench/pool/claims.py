"""Claims per second through ``pool.services.claim`` (limits, cooling-off, ledger, tenure).

One process, N threads with their own connections, each claiming random leads for random
people from a pool of C-grade leads (no notifications), with per-person daily limits so
refusals happen too. Reports claims/s and refusals by code, and checks there are no double
owners and no limit violations.

Usage:
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/kehu_bench_pool_claims \\
    .venv/bin/python bench/pool/claims.py [--leads 20000] [--attempts 4000] [--threads 8]
"""

import argparse
import os
import random
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("KEHU_VAR_DIR", str(ROOT / "bench" / "out" / "pool"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kehu_bench_pool_claims")
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).parent))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--attempts", type=int, default=4_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--daily", type=int, default=15)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    if url.startswith("postgres"):
        from reclaim_sweep import recreate_database

        recreate_database(url)
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from kehu.accounts.models import Role, User
    from kehu.core import clock
    from kehu.core.errors import Conflict
    from kehu.leads.models import Channel, Lead
    from kehu.pool import services
    from kehu.pool.models import Limit, OwnershipEvent, Pool

    role = Role.objects.get(code="salesperson")
    unusable = make_password(None)
    User.objects.bulk_create(
        [
            User(username=f"claimer{i}", name=f"销售{i}", role=role, password=unusable)
            for i in range(args.people)
        ]
    )
    people = list(User.objects.filter(username__startswith="claimer"))
    Limit.objects.create(daily_claims=args.daily)
    channel = Channel.objects.create(code="bench", name="基准")
    now = clock.now()
    leads = Lead.objects.bulk_create(
        [
            Lead(channel=channel, name=f"客户{i}", grade="C", created_at=now, updated_at=now)
            for i in range(args.leads)
        ],
        batch_size=2000,
    )
    pool = Pool.objects.get(kind="lead", is_default=True)
    for start in range(0, len(leads), 2000):
        services.send_many_to_pool([(lead, pool, "bench", None) for lead in leads[start : start + 2000]])
    lead_ids = [lead.pk for lead in leads]
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def worker(n: int):
        rng = random.Random(n)
        local = Counter()
        try:
            for _ in range(args.attempts // args.threads):
                person = rng.choice(people)
                lead = Lead(pk=rng.choice(lead_ids))
                try:
                    services.claim(person, lead)
                    local["won"] += 1
                except Conflict as refusal:
                    local[refusal.code] += 1
        finally:
            connection.close()
            with lock:
                outcomes.update(local)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.threads)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    attempts = sum(outcomes.values())
    claims = OwnershipEvent.objects.filter(kind="claim")
    per_lead = Counter(claims.values_list("lead_id", flat=True))
    per_person = Counter(claims.values_list("to_user_id", flat=True))
    ok = (
        claims.count() == outcomes["won"]
        and (not per_lead or max(per_lead.values()) == 1)
        and (not per_person or max(per_person.values()) <= args.daily)
    )
    print(f"database: {connection.vendor} · {os.cpu_count()} cores · {args.threads} threads")
    print(f"{attempts:,} claim attempts in {seconds:.1f} s: {attempts / seconds:,.0f} attempts/s")
    refusals = dict(outcomes - Counter(won=outcomes["won"]))
    print(f"  won {outcomes['won']:,} ({outcomes['won'] / seconds:,.0f} claims/s); refusals: {refusals}")
    print("OK: no double owners, no limit passed" if ok else "MISMATCH")
    if url.startswith("postgres"):
        connection.close()
        import psycopg

        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
