"""``kehu leads import`` of a 100,000-row file, de-duplication on, against a large CRM.

The file is what a purchased list looks like: mostly new people and companies, about one
row in ten a re-typed duplicate of another row of the file (traditional script, phone
spelled with +86 and dashes), one in twenty an existing customer, one in thirty malformed
(bad phone or e-mail). The import runs in-process exactly as the command does (column
guessing, intake pipeline in chunks, error collection); the figure is rows per second of
wall time for the whole command.

Usage (database from DATABASE_URL):
  .venv/bin/python bench/leads/import_file.py [--rows 100000] [--customers 800000] [--leads 200000]
"""

import argparse
import csv
import io
import json
import os
import random
import resource
import time
from pathlib import Path

from common import ROOT, prepare_crm

TRADITIONAL = str.maketrans(dict(zip("国华东伟丽龙军", "國華東偉麗龍軍", strict=True)))


def make_file(path, rows: int, seed: int) -> None:
    from kehu.core.models import Region
    from kehu.customers.models import Customer
    from kehu.demo import names

    rng = random.Random(seed)
    districts = list(Region.objects.filter(level=3).select_related("parent", "parent__parent"))
    top = Customer.objects.order_by("-pk").values_list("pk", flat=True)[0]
    written: list[list[str]] = []
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["姓名", "公司名称", "手机", "邮箱", "地址", "备注"])
        for i in range(rows):
            roll = rng.random()
            if written and roll < 0.10:
                base = list(rng.choice(written))
                base[0] = base[0].translate(TRADITIONAL)
                if len(base[2]) == 11:
                    base[2] = f"+86 {base[2][:3]}-{base[2][3:7]}-{base[2][7:]}"
                row = base
            elif roll < 0.15:
                c = (
                    Customer.objects.filter(pk=rng.randrange(1, top + 1))
                    .values("name", "kind", "phone", "email")
                    .first()
                )
                if c is None:
                    continue
                person = c["kind"] == "person"
                row = [
                    c["name"] if person else names.person_name(rng),
                    "" if person else c["name"],
                    c["phone"],
                    c["email"],
                    "",
                    "",
                ]
            else:
                d = rng.choice(districts)
                city, province = d.parent, d.parent.parent
                company = names.company_name(rng, city.name.rstrip("市")) if rng.random() < 0.5 else ""
                row = [
                    names.person_name(rng),
                    company,
                    names.mobile(rng),
                    names.email_for(rng, f"u{seed}x{i}") if rng.random() < 0.5 else "",
                    names.address(rng, province.name, city.name, d.name) if rng.random() < 0.7 else "",
                    "",
                ]
                if rng.random() < 0.033:
                    row[2] = row[2][:6]  # malformed: too short
            writer.writerow(row)
            written.append(row)


def _server_cpu(connection) -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend, when it is local."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=800_000)
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--workers", type=int, help="passed to the command (default: its own choice)")
    args = parser.parse_args()
    setup = prepare_crm(args.customers, args.leads)

    from django.core.management import call_command
    from django.db import connection

    from kehu.customers.models import Contact, Customer
    from kehu.dedup.models import DedupKey
    from kehu.leads.models import ImportRun, Lead

    path = ROOT / "bench" / "out" / f"leads-import-{args.seed}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    make_file(path, args.rows, args.seed)
    if connection.vendor == "postgresql":
        # What autovacuum does soon after the bulk set-up (it is off on some machines):
        # planner statistics, and the visibility map that lets counts read indexes alone.
        with connection.cursor() as cursor:
            for model in (Lead, DedupKey, Customer, Contact):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    before = Lead.objects.count()
    out = io.StringIO()
    server = _server_cpu(connection)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started, cpu = time.perf_counter(), time.process_time()
    extra = ["--workers", str(args.workers)] if args.workers else []
    call_command("leads_import", str(path), "--channel", "purchased_list", "--quiet", *extra, stdout=out)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_cpu = done.ru_utime + done.ru_stime - children.ru_utime - children.ru_stime
    server = _server_cpu(connection) - server if server is not None else None
    run = ImportRun.objects.order_by("-pk").first()
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "workers": args.workers or "default",
                "existing_leads_before": before,
                "rows": run.total,
                "seconds": round(seconds, 1),
                "rows_per_s": round(run.total / seconds),
                "cpu_s": round(cpu, 1),  # this process only (the database server works besides)
                "rows_per_cpu_s": round(run.total / cpu),
                # The forked preparing process, and this connection's PostgreSQL backend
                # (read from /proc: only when the server runs on this machine).
                "child_cpu_s": round(child_cpu, 1),
                "server_cpu_s": round(server, 1) if server is not None else None,
                "new": run.created,
                "duplicates": run.duplicates,
                "existing_customers": run.existing,
                "rejected": run.rejected,
                "skipped": run.skipped,
                "setup_s": round(setup),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
