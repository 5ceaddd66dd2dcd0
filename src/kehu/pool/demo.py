"""Demo pools: department pools with display rules, limits, leads in the pools, claimed
leads with running deadlines, and a customer pool with customers nobody followed up.

Idempotent: nothing is added when the East China pool exists already.
"""

import datetime as dt
import random

from kehu.accounts.models import Department, Team, User
from kehu.core import clock
from kehu.core.models import Region

from .models import DisplayRule, GradePolicy, Limit, Pool, Target
from .seed import LEAD_POLICIES

EAST, SOUTH = "华东线索池", "华南线索池"
DEMO_LEADS = 150


def _pool(name, department, region_codes):
    pool = Pool.objects.create(
        name=name, kind=Target.LEAD, department=department, cooling_off_days=7, hold_hours=2, order=1
    )
    pool.regions.set(Region.objects.filter(code__in=region_codes))
    for grade, hours, days, notify in LEAD_POLICIES:
        GradePolicy.objects.create(
            pool=pool, grade=grade, follow_up_hours=hours, convert_days=days, notify=notify
        )
    return pool


def _demo_leads(rng, count):
    """Leads for the pools when the leads app's demo has made none (marked intake="demo-pool")."""
    from kehu.leads.models import Channel, Lead

    channel = Channel.objects.filter(active=True).first() or Channel.objects.create(
        code="web", name="官网表单"
    )
    provinces = list(
        Region.objects.filter(code__in=["330000", "310000", "320000", "440000", "350000", "110000"])
    )
    surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
    now = clock.now()
    leads = []
    for _ in range(count):
        name = rng.choice(surnames) + rng.choice(given) + (rng.choice(given) if rng.random() < 0.6 else "")
        province = rng.choice(provinces)
        company = rng.choice(
            ["", f"{province.name[:2]}{rng.choice(['华信', '恒通', '远景', '博达', '启明'])}科技有限公司"]
        )
        created = now - dt.timedelta(hours=rng.randint(1, 240))
        leads.append(
            Lead(
                channel=channel,
                kind="company" if company else "person",
                name=name,
                company=company,
                phone=f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
                province=province,
                grade=rng.choice("AABBBCC"),
                score=rng.randint(20, 95),
                intake="demo-pool",
                created_at=created,
                updated_at=created,
            )
        )
    return Lead.objects.bulk_create(leads)


def load(options) -> None:
    from kehu.customers.models import Customer
    from kehu.leads.models import Lead

    from . import services

    if Pool.objects.filter(name=EAST).exists():
        options.say("Pools already present.")
        return
    rng = random.Random(options.seed * 7919)
    departments = {d.name: d for d in Department.objects.filter(name__in=["华东销售部", "华南销售部"])}
    if len(departments) < 2:
        options.say("Pools: the organisation demo data is missing; skipped.")
        return
    east = _pool(EAST, departments["华东销售部"], ["330000", "310000", "320000"])
    _pool(SOUTH, departments["华南销售部"], ["440000", "350000"])
    teams = {t.name: t for t in Team.objects.filter(name__in=["杭州一组", "上海二组"])}
    if "杭州一组" in teams:
        rule = DisplayRule.objects.create(pool=east, team=teams["杭州一组"], order_by=DisplayRule.Order.GRADE)
        rule.regions.set(Region.objects.filter(code="330000"))
    if "上海二组" in teams:
        rule = DisplayRule.objects.create(
            pool=east, team=teams["上海二组"], order_by=DisplayRule.Order.NEWEST
        )
        rule.regions.set(Region.objects.filter(code__in=["310000", "320000"]))
    Limit.objects.create(target=Target.LEAD, daily_claims=20, max_held=60)
    Limit.objects.create(target=Target.LEAD, department=departments["华东销售部"], max_held=50)
    junior = User.objects.filter(username="sales2").first()
    if junior:
        Limit.objects.create(target=Target.LEAD, user=junior, daily_claims=10)
    Limit.objects.create(target=Target.CUSTOMER, max_held=400)

    leads = list(Lead.objects.filter(owner__isnull=True, status=Lead.Status.NEW)[:DEMO_LEADS])
    if not leads:
        leads = _demo_leads(rng, DEMO_LEADS)
    now = clock.now()
    with clock.frozen(now - dt.timedelta(hours=48)):
        services.send_many_to_pool([(lead, None, "演示数据", None) for lead in leads])
    people = list(User.objects.filter(role__code="salesperson", is_active=True).order_by("username"))
    claimed = 0
    for lead in rng.sample(leads, min(len(leads) // 3, len(leads))):
        lead.refresh_from_db()
        for person in rng.sample(people, len(people)):
            # Claimed some hours ago, so the countdowns on "My leads" differ.
            with clock.frozen(now - dt.timedelta(hours=rng.randint(0, 40))):
                try:
                    services.claim(person, lead)
                except services.ServiceError:
                    continue
            claimed += 1
            break
    customers = list(
        Customer.objects.filter(owner__isnull=False, type=Customer.Type.POTENTIAL).order_by(
            "last_contact_at", "id"
        )[:25]
    )
    for customer in customers:
        services.send_to_pool(customer, None, reason="30 天未跟进")
    options.say(
        f"Pools: {len(leads)} leads in pools, {claimed} claimed, "
        f"{len(customers)} customers in the customer pool."
    )
