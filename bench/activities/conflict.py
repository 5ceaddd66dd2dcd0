"""Appointment conflict check with a million appointments: p50/p95/max of the check alone and of
a whole booking (locks, check, insert, rolled back).

Data: 1,000 salespeople, 100,000 customers, 1,000,000 appointments over two years (each
person's day holds a few back-to-back visits, a fifth with a second attendee), so every
probe lands among real neighbours. Probes are random (person, customer, 1-hour slot) in
the loaded period: about a quarter collide with a booked visit.

Usage (the database comes from DATABASE_URL; default: SQLite in bench/out/activities/):
  .venv/bin/python bench/activities/conflict.py [--appointments 1000000] [--probes 2000]
  createdb -h 127.0.0.1 -U postgres kehu_bench_activities
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/kehu_bench_activities \
    .venv/bin/python bench/activities/conflict.py
"""

import argparse
import datetime as dt
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("KEHU_VAR_DIR", str(ROOT / "bench" / "out" / "activities"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
os.environ.setdefault("DEBUG", "0")  # DEBUG would log every query
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz")

PEOPLE = 1_000
CUSTOMERS = 100_000
PERIOD_START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def load(appointments: int, rng: random.Random) -> float:
    from django.db import connection, transaction

    from kehu.accounts.models import User
    from kehu.activities.models import Appointment, Attendance
    from kehu.core import bulk
    from kehu.customers.models import Customer

    if Appointment.objects.count() >= appointments:
        return 0.0
    started = time.perf_counter()
    with transaction.atomic():
        Attendance.objects.all().delete()
        Appointment.objects.all().delete()
        first_user = bulk.reserve_ids(User, PEOPLE)
        User.objects.bulk_create(
            [
                User(pk=first_user + i, username=f"bench{i}", name=f"销售{i}", password="!")  # noqa: S106 - unusable password
                for i in range(PEOPLE)
            ],
            batch_size=500,
        )
        bulk.sync_sequence(User)
        now = dt.datetime.now(dt.UTC)
        first_customer = bulk.reserve_ids(Customer, CUSTOMERS)
        bulk.insert_rows(
            Customer,
            [
                "id",
                "kind",
                "name",
                "type",
                "phone",
                "phone_key",
                "email",
                "id_number",
                "credit_code",
                "gender",
                "occupation",
                "size",
                "address",
                "notes",
                "value_tier",
                "created_at",
                "updated_at",
                "owner",
            ],
            (
                (
                    first_customer + i,
                    "person",
                    f"客户{i}",
                    "potential",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    now,
                    now,
                    first_user + i % PEOPLE,
                )
                for i in range(CUSTOMERS)
            ),
        )
        bulk.sync_sequence(Customer)

        per_person = appointments // PEOPLE
        first_id = bulk.reserve_ids(Appointment, appointments)
        attendance_id = bulk.reserve_ids(Attendance, appointments * 2)
        appointment_rows, attendance_rows = [], []
        for person in range(PEOPLE):
            user_id = first_user + person
            day, slot = PERIOD_START, None
            for _ in range(per_person):
                # A few visits a day, back to back or with gaps, in office hours (UTC+8 → 01:00-10:00 UTC).
                if slot is None or slot.hour >= 9:
                    day += dt.timedelta(days=1)
                    slot = day.replace(hour=1, minute=0) + dt.timedelta(minutes=30 * rng.randrange(4))
                length = dt.timedelta(minutes=rng.choice((30, 60, 60, 90, 120)))
                start, end = slot, slot + length
                slot = end + dt.timedelta(minutes=30 * rng.randrange(3))
                pk = first_id + len(appointment_rows)
                customer = first_customer + rng.randrange(CUSTOMERS)
                appointment_rows.append(
                    (
                        pk,
                        "拜访",
                        start,
                        end,
                        "",
                        "",
                        customer,
                        user_id,
                        "scheduled",
                        30,
                        start - dt.timedelta(minutes=30),
                        start,
                        0,
                        now,
                        now,
                    )
                )
                attendees = [user_id]
                if rng.random() < 0.2:
                    attendees.append(first_user + rng.randrange(PEOPLE))
                for attendee in dict.fromkeys(attendees):
                    attendance_rows.append(
                        (attendance_id + len(attendance_rows), pk, attendee, start, end, True)
                    )
        bulk.insert_rows(
            Appointment,
            [
                "id",
                "title",
                "start",
                "end",
                "place",
                "notes",
                "customer",
                "organizer",
                "status",
                "remind_minutes",
                "remind_at",
                "reminded_at",
                "sequence",
                "created_at",
                "updated_at",
            ],
            appointment_rows,
        )
        bulk.sync_sequence(Appointment)
        bulk.insert_rows(Attendance, ["id", "appointment", "user", "start", "end", "active"], attendance_rows)
        bulk.sync_sequence(Attendance)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        else:
            cursor.execute("VACUUM ANALYZE activities_appointment")
            cursor.execute("VACUUM ANALYZE activities_attendance")
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--probes", type=int, default=2000)
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "kehu", "migrate", "-v", "0"], env=dict(os.environ), check=True)

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from kehu.accounts.models import User
    from kehu.activities import services
    from kehu.activities.models import Appointment, Attendance
    from kehu.core.errors import Conflict
    from kehu.customers.models import Customer

    rng = random.Random(7)
    load_seconds = load(args.appointments, rng)
    total, attendance = Appointment.objects.count(), Attendance.objects.count()
    users = list(User.objects.filter(username__startswith="bench").values_list("pk", flat=True))
    first_customer = Customer.objects.order_by("pk").values_list("pk", flat=True).first()
    last = Appointment.objects.order_by("-start").values_list("start", flat=True).first()
    span = (last - PERIOD_START).total_seconds()

    def probe():
        start = PERIOD_START + dt.timedelta(seconds=rng.randrange(int(span)))
        start = start.replace(minute=30 * (start.minute // 30), second=0, microsecond=0)
        return (
            rng.choice(users),
            first_customer + rng.randrange(CUSTOMERS),
            start,
            start + dt.timedelta(hours=1),
        )

    probes = [probe() for _ in range(args.probes)]
    for user_id, customer_id, start, end in probes[:50]:  # warm-up
        services.find_conflict(start, end, [user_id], customer_id)

    load_before = os.getloadavg()[0]
    check, check_cpu, hits = [], [], 0
    for user_id, customer_id, start, end in probes:
        c0, t0 = time.process_time(), time.perf_counter()
        other, _ = services.find_conflict(start, end, [user_id], customer_id)
        check.append((time.perf_counter() - t0) * 1000)
        check_cpu.append((time.process_time() - c0) * 1000)
        hits += other is not None
    load_after = os.getloadavg()[0]

    # On PostgreSQL, what the server spends per check (planning + execution of its queries),
    # independent of how long the busy machine made the client wait for a CPU.
    server = []
    if connection.vendor == "postgresql":
        for user_id, customer_id, start, end in probes[:500]:
            with CaptureQueriesContext(connection) as captured:
                services.find_conflict(start, end, [user_id], customer_id)
            spent = 0.0
            with connection.cursor() as cursor:
                for query in captured.captured_queries:
                    cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
                    result = cursor.fetchone()[0][0]
                    spent += result["Planning Time"] + result["Execution Time"]
            server.append(spent)

    booking = []
    actor = User.objects.get(pk=users[0])
    actor.is_superuser = True  # sees every customer: the booking measures the check, not the scope
    for user_id, customer_id, start, end in probes[: args.probes // 4]:
        data = {"title": "bench", "start": start, "end": end, "attendees": [user_id], "customer": customer_id}
        t0 = time.perf_counter()
        try:
            with transaction.atomic():
                services.book_appointment(actor, data)
                transaction.set_rollback(True)
        except Conflict:
            pass
        booking.append((time.perf_counter() - t0) * 1000)

    user_id, customer_id, start, end = probes[0]
    with CaptureQueriesContext(connection) as captured:
        services.find_conflict(start, end, [user_id], customer_id)
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries[:2]:
            explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
            cursor.execute(explain + query["sql"])
            plans.append(" / ".join(str(row[-1]) for row in cursor.fetchall()))

    with connection.cursor() as cursor:
        cursor.execute("select sqlite_version()" if connection.vendor == "sqlite" else "show server_version")
        version = cursor.fetchone()[0]
    print(
        f"\nAppointment conflict check — {total:,} appointments, {attendance:,} attendances, "
        f"{connection.vendor} {version}"
    )
    print(
        f"machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
        f"data load {load_seconds:.1f} s (0 = reused)"
    )
    print(f"{'':<28} {'p50':>8} {'p95':>8} {'max':>8}")
    print(
        f"{'check (person + customer)':<28} {percentile(check, 50):>6.2f}ms {percentile(check, 95):>6.2f}ms "
        f"{max(check):>6.1f}ms   {hits}/{len(check)} probes collided"
    )
    row = "{:<28} {:>6.2f}ms {:>6.2f}ms {:>6.1f}ms"
    print(
        row.format(
            "  of which client CPU", percentile(check_cpu, 50), percentile(check_cpu, 95), max(check_cpu)
        )
    )
    if server:
        print(
            row.format("  server plan + execute", percentile(server, 50), percentile(server, 95), max(server))
        )
    print(f"load average (1 min) before/after the checks: {load_before:.1f} / {load_after:.1f}")
    print(
        f"{'whole booking (rolled back)':<28} {percentile(booking, 50):>6.2f}ms "
        f"{percentile(booking, 95):>6.2f}ms {max(booking):>6.1f}ms"
    )
    for plan in plans:
        print("plan:", plan)


if __name__ == "__main__":
    main()
