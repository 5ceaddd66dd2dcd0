"""`kehu demo-data --customers N` as a user runs it: a fresh SQLite database, then the whole
command (every domain's demo data, the customers' de-duplication keys included), timed.

Usage:
  .venv/bin/python bench/customers/demo_data.py [--customers 1000000] [--seed 1] [--keep DIR]
Prints wall time, the CPU time of the command and its helper processes, the machine's load
before the run, and the rows written. The database goes to a temporary directory, removed
afterwards unless --keep names one.
"""

import argparse
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEHU = str(Path(sys.executable).with_name("kehu"))
TABLES = ("customers_customer", "customers_contact", "dedup_dedupkey", "leads_lead", "sales_order")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", help="directory for the database (kept)")
    args = parser.parse_args()
    var = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kehu-demo-bench-"))
    var.mkdir(parents=True, exist_ok=True)
    if (var / "kehu.sqlite3").exists():
        sys.exit(f"{var} already holds a database; the bench starts from an empty one")
    env = dict(os.environ, KEHU_VAR_DIR=str(var), DEBUG="1")
    env.pop("DATABASE_URL", None)  # the embedded SQLite database under KEHU_VAR_DIR
    try:
        subprocess.run([KEHU, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        load = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [KEHU, "demo-data", "--customers", str(args.customers), "--seed", str(args.seed)],
            env=env,
            check=True,
            cwd=ROOT,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        db = sqlite3.connect(var / "kehu.sqlite3")
        counts = {
            table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
            for table in TABLES
        }
        db.close()
    finally:
        if not args.keep:
            shutil.rmtree(var, ignore_errors=True)
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} cores, load average before {load:.2f}")
    print(f"kehu demo-data --customers {args.customers}: {wall:.1f} s wall (target < 300 s)")
    print(
        f"CPU of the command and its helpers: user {after.ru_utime - before.ru_utime:.1f} s,"
        f" system {after.ru_stime - before.ru_stime:.1f} s"
    )
    print("rows: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))


if __name__ == "__main__":
    main()
