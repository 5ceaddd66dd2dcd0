"""Demo history for the analytics pages: a year of leads that were claimed, followed up,
converted and bought, plus monthly channel costs.

The other apps' demo data is mostly "today" (leads just received, fresh pools). Reports
over a year need a past, so this adds one, written in bulk like an import of historical
data would be: the rows are what the leads, pool, activities and sales services record.
Idempotent: history leads carry an intake key, and a second run adds nothing.
"""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from kehu.accounts.models import User
from kehu.activities.models import FollowUp
from kehu.core import clock
from kehu.customers.models import Customer
from kehu.demo import names
from kehu.leads.models import Channel, ChannelCost, Lead
from kehu.pool.models import ClaimRefusal, OwnershipEvent, Pool, Target
from kehu.sales.models import Contract, Order, Payment

KEY = "analytics-demo"
# Channels differ in volume, quality, conversion and cost per month (CNY).
PROFILE = {
    "events": (0.6, 0.30, 18000),
    "website": (1.4, 0.18, 6000),
    "private_domain": (0.8, 0.26, 3000),
    "self_media": (1.0, 0.12, 5000),
    "sem": (2.0, 0.10, 26000),
    "purchased_list": (1.2, 0.05, 12000),
    "seo": (1.0, 0.14, 4000),
    "referral": (0.5, 0.38, 1500),
}
REASONS = ["首次跟进超时", "转化超时", "客户暂无需求"]


def _month_starts(today: dt.date, count: int) -> list[dt.date]:
    months, start = [], today.replace(day=1)
    for _ in range(count):
        months.append(start)
        start = (start - dt.timedelta(days=1)).replace(day=1)
    return months[::-1]


def load(options) -> None:
    if Lead.objects.filter(intake_key__startswith=KEY).exists():
        options.say("Analytics history already present.")
        return
    channels = {c.code: c for c in Channel.objects.filter(code__in=PROFILE)}
    sales = list(User.objects.filter(role__code="salesperson", is_active=True).order_by("pk"))
    if not channels or not sales:
        options.say("Analytics history skipped: no channels or salespeople.")
        return
    rng = random.Random(options.seed * 104729)
    now = clock.now()
    today = clock.today()
    pool = Pool.objects.filter(kind=Target.LEAD, is_default=True).first()
    per_month = max(min(options.customers // 10, 150), 20)
    months = _month_starts(today, 12)
    with transaction.atomic():
        costs = []
        for month in months:
            end = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            for code, channel in channels.items():
                base = PROFILE[code][2]
                amount = Decimal(base * rng.uniform(0.8, 1.25)).quantize(Decimal("0.01"))
                costs.append(ChannelCost(channel=channel, period_start=month, period_end=end, amount=amount))
        ChannelCost.objects.bulk_create(costs)
        made = _history(rng, options, channels, sales, pool, months, per_month, now)
    options.say(f"Analytics history: {made['leads']} leads over 12 months, {made['customers']} converted.")


def _history(rng, options, channels, sales, pool, months, per_month, now):
    codes = list(channels)
    weights = [PROFILE[c][0] for c in codes]
    counts = {"leads": 0, "customers": 0}
    n = 0
    with options.progress("analytics history", len(months)) as advance:
        for month in months:
            days = ((month + dt.timedelta(days=32)).replace(day=1) - month).days
            for _ in range(int(per_month * rng.uniform(0.8, 1.2))):
                n += 1
                created = dt.datetime.combine(month, dt.time(9), tzinfo=now.tzinfo) + dt.timedelta(
                    days=rng.randrange(days), hours=rng.uniform(0, 10)
                )
                if created >= now:
                    continue
                code = rng.choices(codes, weights)[0]
                _one_lead(rng, n, channels[code], PROFILE[code][1], sales, pool, created, now, counts)
            advance(1)
    return counts


def _one_lead(rng, n, channel, convert_rate, sales, pool, created, now, counts):
    owner = rng.choice(sales) if rng.random() < 0.8 else None
    invalid = rng.random() < 0.07
    grade = rng.choices("ABC", [0.25, 0.45, 0.3])[0]
    lead = Lead.objects.create(
        channel=channel,
        name=names.person_name(rng),
        phone=names.mobile(rng),
        grade=grade,
        score={"A": 80, "B": 55, "C": 25}[grade],
        status="invalid" if invalid else ("assigned" if owner else "in_pool"),
        owner=None if invalid else owner,
        intake="import",
        intake_key=f"{KEY}-{n}",
        created_at=created,
        updated_at=created,
    )
    counts["leads"] += 1
    if invalid or owner is None:
        return
    gained = created + dt.timedelta(hours=rng.uniform(0.2, 6))
    OwnershipEvent.objects.create(
        kind=rng.choice(["claim", "assign"]), lead=lead, pool=pool, to_user=owner, actor=owner, at=gained
    )
    if n % 23 == 0:  # now and then the owner hit a limit on an earlier attempt
        code = "daily_limit" if n % 2 else "quota_exceeded"
        ClaimRefusal.objects.create(
            at=gained - dt.timedelta(minutes=20), user=owner, lead=lead, pool=pool, code=code
        )
    first = gained + dt.timedelta(hours=rng.expovariate(1 / 10))
    if first < now and rng.random() < 0.85:
        FollowUp.objects.create(lead=lead, author=owner, content="电话沟通需求", at=first, created_at=first)
        Lead.objects.filter(pk=lead.pk).update(status="following", last_follow_up_at=first)
    elif rng.random() < 0.5:
        lost = gained + dt.timedelta(days=3)
        if lost < now:
            OwnershipEvent.objects.create(
                kind="reclaim", lead=lead, pool=pool, from_user=owner, reason=rng.choice(REASONS), at=lost
            )
            Lead.objects.filter(pk=lead.pk).update(owner=None, status="in_pool")
        return
    quality = {"A": 1.6, "B": 1.0, "C": 0.4}[lead.grade]
    if rng.random() > convert_rate * quality:
        return
    converted = created + dt.timedelta(days=rng.expovariate(1 / 14), hours=rng.uniform(1, 8))
    if converted >= now:
        return
    customer = Customer.objects.create(
        name=lead.name,
        phone=lead.phone,
        owner=owner,
        type="closed",
        created_at=converted,
        updated_at=converted,
    )
    Lead.objects.filter(pk=lead.pk).update(customer=customer, converted_at=converted, status="converted")
    OwnershipEvent.objects.create(kind="convert", lead=lead, customer=customer, to_user=owner, at=converted)
    counts["customers"] += 1
    for k in range(rng.choice([1, 1, 2, 3])):
        at = converted + dt.timedelta(days=k * rng.uniform(10, 60))
        if at >= now:
            break
        Order.objects.create(
            number=f"AD-{lead.pk}-{k}",
            customer=customer,
            owner=owner,
            ordered_at=at,
            total=Decimal(rng.randrange(800, 30000)),
            created_at=at,
        )
    if rng.random() < 0.4:
        signed = converted.date() + dt.timedelta(days=2)
        amount = Decimal(rng.randrange(10000, 120000))
        contract = Contract.objects.create(
            number=f"AD-HT-{lead.pk}",
            title="年度服务合同",
            customer=customer,
            owner=owner,
            amount=amount,
            status="active",
            signed_on=signed,
            created_at=converted,
            updated_at=converted,
        )
        paid = signed + dt.timedelta(days=rng.randrange(5, 40))
        if paid < now.date():
            Payment.objects.create(
                contract=contract,
                amount=(amount * Decimal("0.5")).quantize(Decimal("0.01")),
                received_on=paid,
                created_at=converted,
            )
            Contract.objects.filter(pk=contract.pk).update(
                received=(amount * Decimal("0.5")).quantize(Decimal("0.01"))
            )
