"""One lead through ``POST /api/v1/leads`` against a CRM of a million customers and leads.

Every request runs the whole intake pipeline (token auth, validation, normalisation,
grading, the de-duplication key lookup and comparison against the candidates, the insert of
the lead, its keys and its matches, the ``leads_received`` signal, the audit entry) through
Django's WSGI test client. Incoming leads are a realistic mix: a third copies of existing
customers (phone spelled differently, names in traditional script), a third copies of
existing leads, a third new people and companies.

Usage (database from DATABASE_URL; default SQLite in bench/out/leads/):
  .venv/bin/python bench/leads/intake_api.py [--customers 800000] [--leads 200000] [--requests 400]
"""

import argparse
import json
import platform
import random
import time

from common import percentile, prepare_crm

TRADITIONAL = str.maketrans(dict(zip("国华东伟丽龙军", "國華東偉麗龍軍", strict=True)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=800_000)
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--measure-only", action="store_true", help="use the database as it is (no top-up)")
    args = parser.parse_args()
    if args.measure_only:
        import django

        django.setup()
        from django.conf import settings

        settings.DEBUG = False
        setup = 0.0
    else:
        setup = prepare_crm(args.customers, args.leads)

    from django.db import connection
    from django.test import Client

    from kehu.accounts.models import User
    from kehu.accounts.services import issue_token
    from kehu.customers.models import Customer
    from kehu.dedup.models import DedupKey
    from kehu.demo import names
    from kehu.leads.models import Lead

    rng = random.Random(7)
    user = (
        User.objects.filter(role__code="marketer").first() or User.objects.filter(is_superuser=True).first()
    )
    client = Client()
    headers = {"Authorization": f"Bearer {issue_token(user, 'bench')}"}
    # Customers are sampled among the indexed ones (all of them after a complete set-up).
    indexed = (
        DedupKey.objects.filter(record_type=2).order_by("-record_id").values_list("record_id", flat=True)
    )
    max_c = indexed.first() or 1
    max_l = Lead.objects.order_by("-pk").values_list("pk", flat=True).first() or 1

    def sample(model, top):
        while True:
            row = (
                model.objects.filter(pk=rng.randrange(1, top + 1))
                .values("name", "phone", "email", "address")
                .first()
            )
            if row and row["phone"]:
                return row

    def incoming(i):
        roll = i % 3
        if roll == 0:
            row = sample(Customer, max_c)
        elif roll == 1 and max_l > 1:
            row = sample(Lead, max_l)
        else:
            row = {"name": names.person_name(rng), "phone": names.mobile(rng), "email": "", "address": ""}
        phone = row["phone"]
        if len(phone) == 11 and phone.startswith("1"):
            phone = f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"
        return {
            "channel": "website",
            "name": (row["name"] or names.person_name(rng)).translate(TRADITIONAL)[:64],
            "phone": phone,
            "email": row["email"],
            "address": row["address"],
        }

    payloads = [incoming(i) for i in range(args.requests + 20)]
    timings, cpu_timings, outcomes = [], [], {}
    for n, body in enumerate(payloads):
        started, cpu = time.perf_counter(), time.process_time()
        r = client.post("/api/v1/leads", json.dumps(body), content_type="application/json", headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (time.process_time() - cpu) * 1000
        assert r.status_code in (200, 201), r.content
        if n >= 20:  # warm-up: caches, prepared statements, parser tables
            timings.append(elapsed)
            cpu_timings.append(cpu)
            outcome = r.json()["dedup"]["outcome"]
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "customers": Customer.objects.count(),
                "leads": Lead.objects.count(),
                "dedup_keys": DedupKey.objects.count(),
                "indexed_records": DedupKey.objects.values("record_type", "record_id").distinct().count(),
                "requests": len(timings),
                "p50_ms": round(percentile(timings, 50), 1),
                "p95_ms": round(percentile(timings, 95), 1),
                "p99_ms": round(percentile(timings, 99), 1),
                "max_ms": round(max(timings), 1),
                # CPU time of this process per request (with SQLite, the database work too):
                # what the request costs when it is not waiting for a share of a busy machine.
                "cpu_p50_ms": round(percentile(cpu_timings, 50), 1),
                "cpu_p95_ms": round(percentile(cpu_timings, 95), 1),
                "outcomes": outcomes,
                "setup_s": round(setup),
                "python": platform.python_version(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
