"""Assignment throughput and rule simulation on a generated organisation.

Builds (once; rerun with --fresh to rebuild) 200 salespeople in 4 departments, 10 teams and
4 sales regions, 20 rules over all four strategies, and N new leads spread over 30 days;
then routes every lead through the active rule set in intake-sized batches
(``route_leads`` — the same call the ``leads_received`` receiver makes) and reports
leads/s, and replays the same 30 days through a draft copy with ``simulate``.

Usage (database from DATABASE_URL; default: SQLite in bench/out/assignment/):
  .venv/bin/python bench/assignment/route.py [--leads 100000] [--batch 1000] [--fresh]
"""

import argparse
import collections
import datetime as dt
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("KEHU_VAR_DIR", str(ROOT / "bench" / "out" / "assignment"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
os.environ.setdefault("DEBUG", "1")

PEOPLE = 200
DEPARTMENTS = ("华东销售部", "华南销售部", "华北销售部", "西部销售部")
PROVINCES = {  # department -> provinces its sales region covers
    "华东销售部": ("310000", "320000", "330000", "340000"),
    "华南销售部": ("440000", "450000", "350000", "460000"),
    "华北销售部": ("110000", "120000", "130000", "370000"),
    "西部销售部": ("510000", "500000", "610000", "530000"),
}


def build(n_leads: int, seed: int = 1) -> None:
    from django.db import transaction

    from kehu.accounts.models import Department, Role, SalesRegion, Team, User
    from kehu.assignment import services
    from kehu.core import clock
    from kehu.core.bulk import insert_rows, reserve_ids, sync_sequence
    from kehu.core.models import Industry, Region
    from kehu.leads.models import Channel, DemandType, Lead
    from kehu.pool.models import Limit, Pool, Target

    rng = random.Random(seed)
    role = Role.objects.get(code="salesperson")
    manager_role = Role.objects.get(code="sales_manager")
    industries = list(Industry.objects.filter(parent__isnull=True).values_list("pk", flat=True))
    with transaction.atomic():
        company = Department.objects.create(name="基准公司")
        manager = User.objects.create_user(
            username="bench_manager", password=None, name="基准主管", role=manager_role, department=company
        )
        people, teams, regions = [], [], {}
        for d_index, name in enumerate(DEPARTMENTS):
            dept = Department.objects.create(name=name, parent=company)
            region = SalesRegion.objects.create(name=f"基准{name}")
            region.regions.set(Region.objects.filter(code__in=PROVINCES[name]))
            regions[name] = region
            dept_teams = [
                Team.objects.create(name=f"{name}{t}组", department=dept) for t in range(1, 3 + d_index % 2)
            ]
            teams += dept_teams
            for i in range(PEOPLE // len(DEPARTMENTS)):
                user = User.objects.create_user(
                    username=f"bench_s{d_index}_{i}",
                    password=None,
                    name=f"销售{d_index}-{i}",
                    role=role,
                    department=dept,
                    level=rng.choice(User.Level.values),
                    hire_date=dt.date(2026, 1, 1) - dt.timedelta(days=rng.randint(30, 3000)),
                    customer_scales=rng.sample(["micro", "small", "medium", "large"], rng.randint(0, 2)),
                    on_leave=rng.random() < 0.03,
                )
                user.teams.add(dept_teams[i % len(dept_teams)])
                user.industries.set(rng.sample(industries, rng.randint(0, 3)))
                region.members.add(user)
                people.append(user)
        # Holding quotas: a department default with a few personal overrides.
        Limit.objects.create(target=Target.LEAD, department=company, max_held=800)
        for user in rng.sample(people, 10):
            Limit.objects.create(target=Target.LEAD, user=user, max_held=rng.choice([50, 100, 200]))
        vip_pool = Pool.objects.create(name="基准大客户池", kind=Target.LEAD)

        channels = list(Channel.objects.values_list("pk", flat=True)) or [
            Channel.objects.create(code="bench-web", name="官网").pk
        ]
        demand_types = list(DemandType.objects.values_list("pk", flat=True))
        rule_set = services.create_rule_set(manager, {"name": "基准规则"})
        depts = {d.name: d for d in Department.objects.filter(name__in=DEPARTMENTS)}
        provinces = {r.code: r.pk for r in Region.objects.filter(level=1)}
        strategies = ["round_robin", "load_balanced", "direct_match", "leaderboard"]
        rules = []
        # 16 regional rules: per department, grade A / B / by size / the rest.
        for d_index, name in enumerate(DEPARTMENTS):
            region_ids = [provinces[c] for c in PROVINCES[name]]
            dept_teams = [t for t in teams if t.department_id == depts[name].pk]
            rules += [
                {
                    "name": f"{name} A级",
                    "conditions": {"regions": region_ids, "grades": ["A"]},
                    "strategy": "leaderboard",
                    "departments": [depts[name].pk],
                    "settings": {
                        "metrics": [
                            {"code": "lead_conversions", "weight": 2},
                            {"code": "activity", "weight": 1},
                        ],
                        "tiers": [{"top": 5, "weight": 3}, {"top": 15, "weight": 2}],
                    },
                },
                {
                    "name": f"{name} 大中型",
                    "conditions": {"regions": region_ids, "company_sizes": ["large", "medium"]},
                    "strategy": "direct_match",
                    "sales_regions": [regions[name].pk],
                    "settings": {"dimensions": ["region", "industry", "scale", "level"]},
                },
                {
                    "name": f"{name} B级",
                    "conditions": {"regions": region_ids, "grades": ["B"]},
                    "strategy": "load_balanced",
                    "teams": [t.pk for t in dept_teams],
                },
                {
                    "name": f"{name} 其他",
                    "conditions": {"regions": region_ids},
                    "strategy": strategies[d_index % 2],
                    "departments": [depts[name].pk],
                },
            ]
        # 4 catch-all rules for leads outside the four territories.
        rules += [
            {
                "name": "大客户进池",
                "conditions": {"company_sizes": ["large"]},
                "target": "pool",
                "pool": vip_pool.pk,
            },
            {
                "name": "紧急需求",
                "conditions": {"urgencies": ["high"], "demand_types": demand_types[:2]},
                "strategy": "round_robin",
                "users": [p.pk for p in people[::5]],
            },
            {
                "name": "按渠道",
                "conditions": {"channels": channels[:3]},
                "strategy": "load_balanced",
                "users": [p.pk for p in people[1::4]],
            },
            {"name": "兜底", "strategy": "round_robin", "users": [p.pk for p in people[::2]]},
        ]
        for data in rules:
            services.create_rule(manager, rule_set, data)
        services.activate_rule_set(manager, rule_set)

        # Leads over the last 30 days, NEW and unowned (as intake stores them).
        now = clock.now()
        all_provinces = list(Region.objects.filter(level=1).values_list("pk", flat=True))
        cities = collections.defaultdict(list)
        for pk, parent in Region.objects.filter(level=2).values_list("pk", "parent_id"):
            cities[parent].append(pk)
        territory = [provinces[c] for codes in PROVINCES.values() for c in codes]
        first = reserve_ids(Lead, n_leads)
        fields = (
            "id", "channel_id", "kind", "name", "company", "province_id", "city_id", "industry_id",
            "company_size", "demand_type_id", "urgency", "score", "grade", "status", "created_at",
            "updated_at", "title", "phone", "phone_key", "email", "wechat", "id_number", "credit_code",
            "address", "notes", "extra", "intake", "intake_key", "company_key",
        )  # fmt: skip

        def rows():
            for i in range(n_leads):
                province = rng.choice(territory) if rng.random() < 0.85 else rng.choice(all_provinces)
                city = rng.choice(cities[province]) if cities.get(province) else None
                at = now - dt.timedelta(seconds=rng.randint(60, 30 * 86400))
                yield (
                    first + i, rng.choice(channels), "company", f"联系人{i}", f"基准公司{i}", province, city,
                    rng.choice(industries) if rng.random() < 0.7 else None,
                    rng.choice(["", "micro", "small", "medium", "large"]),
                    rng.choice(demand_types) if demand_types and rng.random() < 0.8 else None,
                    rng.choice(["", "high", "medium", "low"]), rng.randint(0, 100), rng.choice("AABBBCC"),
                    "new", at, at, "", "", "", "", "", "", "", "", "", {}, "bench", "", f"基准公司{i}",
                )  # fmt: skip

        insert_rows(Lead, fields, rows())
        sync_sequence(Lead)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--fresh", action="store_true", help="delete the SQLite database first")
    parser.add_argument("--skip-route", action="store_true")
    parser.add_argument("--skip-simulation", action="store_true")
    parser.add_argument("--progress", action="store_true", help="print the rate after each batch")
    args = parser.parse_args()

    var = Path(os.environ["KEHU_VAR_DIR"])
    if args.fresh and not os.environ.get("DATABASE_URL"):
        for suffix in ("", "-wal", "-shm"):
            (var / f"kehu.sqlite3{suffix}").unlink(missing_ok=True)
    var.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "kehu", "migrate", "-v", "0"], env=dict(os.environ), check=True)

    import django

    django.setup()
    from django.db import connection

    from kehu.assignment import services
    from kehu.assignment.models import RuleSet
    from kehu.leads.models import Lead
    from kehu.pool.models import OwnershipEvent

    if not RuleSet.objects.filter(name="基准规则").exists():
        started = time.perf_counter()
        build(args.leads)
        print(f"built {args.leads} leads, {PEOPLE} people, 20 rules in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE leads_lead")

    print(f"database: {connection.vendor}; python {platform.python_version()}; {os.cpu_count()} cores")
    if not args.skip_route:
        ids = list(
            Lead.objects.filter(status="new", intake="bench")
            .order_by("created_at", "id")
            .values_list("pk", flat=True)
        )
        print(f"routing {len(ids)} new leads in batches of {args.batch} …")
        started = time.perf_counter()
        done = 0
        for i in range(0, len(ids), args.batch):
            batch = list(Lead.objects.filter(pk__in=ids[i : i + args.batch]).order_by("created_at", "id"))
            done += len(services.route_leads(batch))
            if args.progress:
                print(f"  {done} routed, {done / (time.perf_counter() - started):,.0f} leads/s", flush=True)
        seconds = time.perf_counter() - started
        print(f"routed {done} leads in {seconds:.1f} s: {done / seconds:,.0f} leads/s")
        events = collections.Counter(
            OwnershipEvent.objects.filter(lead_id__in=ids).values_list("kind", flat=True)
        )
        owners = collections.Counter(
            Lead.objects.filter(pk__in=ids, owner__isnull=False).values_list("owner_id", flat=True)
        )
        print(
            f"events: {dict(events)}; people with leads: {len(owners)}; max {max(owners.values(), default=0)}"
        )

    if args.skip_simulation:
        return
    draft = RuleSet.objects.filter(name="基准草案").first()
    if draft is None:
        from kehu.accounts.models import User

        manager = User.objects.get(username="bench_manager")
        draft = services.create_rule_set(
            manager, {"name": "基准草案"}, copy_from=RuleSet.objects.get(name="基准规则")
        )
    started = time.perf_counter()
    report = services.simulate(draft, days=30)
    seconds = time.perf_counter() - started
    print(
        f"simulation of {report.days} days: {report.leads} leads in {seconds:.1f} s; "
        f"assigned {report.assigned}, to pools {report.to_pool}, quota refusals {report.quota_refusals}, "
        f"Gini {report.gini}, expected reclaims {report.expected_reclaims}"
    )


if __name__ == "__main__":
    main()
