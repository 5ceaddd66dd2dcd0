"""A small hand-built data set covering every report, made directly with the ORM.

Analytics only reads; the rows below are what the other domains' services would have
written (leads, the ownership ledger, follow-ups, customers, orders, contracts, payments).
Reports are cross-checked against plain Python over the same rows.
"""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from kehu.activities.models import FollowUp
from kehu.analytics import summaries
from kehu.core import clock
from kehu.customers.models import Customer
from kehu.leads.models import Channel, ChannelCost, Lead
from kehu.pool.models import ClaimRefusal, OwnershipEvent, Pool, Target
from kehu.sales.models import Contract, Order, Payment

NOW = timezone.make_aware(dt.datetime(2026, 6, 30, 15, 0))


def at(month, day, hour=10):
    return timezone.make_aware(dt.datetime(2026, month, day, hour, 0))


class Data:
    pass


@pytest.fixture
def now():
    with clock.frozen(NOW) as moment:
        yield moment


@pytest.fixture
def dataset(org, now):
    rnd = random.Random(20260630)
    ns = Data()
    ns.org = org
    web = Channel.objects.create(code="t-web", name="测试官网", name_en="Test website", category="self_built")
    sem = Channel.objects.create(code="t-sem", name="测试SEM", name_en="Test SEM", category="paid")
    baidu = Channel.objects.create(
        code="t-sem-bd", name="测试百度", name_en="Test Baidu", category="paid", parent=sem
    )
    ns.channels = [web, sem, baidu]
    # Costs: one inside June, one spanning May–June (half of it falls into June), one in April.
    ChannelCost.objects.create(
        channel=web, period_start=dt.date(2026, 6, 1), period_end=dt.date(2026, 6, 30), amount=Decimal("3000")
    )
    ChannelCost.objects.create(
        channel=sem, period_start=dt.date(2026, 5, 2), period_end=dt.date(2026, 6, 30), amount=Decimal("6000")
    )
    ChannelCost.objects.create(
        channel=baidu,
        period_start=dt.date(2026, 4, 1),
        period_end=dt.date(2026, 4, 30),
        amount=Decimal("999"),
    )
    pool = Pool.objects.get(kind=Target.LEAD, is_default=True)
    pool.cooling_off_days = 7
    pool.save()
    owners = [org.sales_a1, org.sales_a2, org.sales_b, org.sales_south, None]
    statuses = ["assigned", "following", "in_pool", "invalid", "new"]
    leads = []
    for n in range(60):
        owner = owners[n % len(owners)]
        created = at(5 if n % 4 == 0 else 6, 1 + (n * 7) % 28, 8 + n % 10)
        lead = Lead.objects.create(
            channel=ns.channels[n % 3],
            name=f"线索{n}",
            phone=f"1390000{n:04d}",
            grade="ABC"[n % 3 if n % 7 else 0],
            status=statuses[n % len(statuses)] if owner else "in_pool",
            owner=owner,
            created_at=created,
            updated_at=created,
        )
        leads.append(lead)
    # A duplicate and an archived (merged-away) lead.
    leads[5].duplicate_of = leads[4]
    leads[5].status = "new"
    leads[5].save()
    Lead.objects.filter(pk=leads[6].pk).update(archived_at=NOW)

    customers = []
    for n, lead in enumerate(leads):
        if lead.owner is None or n % 3 == 1 or lead.status == "invalid":
            continue
        converted = lead.created_at + dt.timedelta(days=rnd.choice([0, 1, 2, 4, 9, 20, 35, 70]), hours=3)
        if converted > NOW:
            converted = NOW - dt.timedelta(hours=1)
        customer = Customer.objects.create(
            name=f"客户{n}", owner=lead.owner, created_at=converted, updated_at=converted, type="closed"
        )
        customers.append(customer)
        Lead.objects.filter(pk=lead.pk).update(customer=customer, converted_at=converted, status="converted")
        OwnershipEvent.objects.create(
            kind="convert", lead=lead, to_user=lead.owner, from_user=lead.owner, at=converted
        )
    # Two leads of one channel converting to one customer: the customer counts once.
    twin = leads[15]
    twin.refresh_from_db()
    if twin.customer_id:
        other = leads[45]
        Lead.objects.filter(pk=other.pk).update(
            customer_id=twin.customer_id,
            converted_at=twin.converted_at,
            status="converted",
            channel=twin.channel,
        )
    ns.customers = customers
    order_no = 0
    for n, customer in enumerate(customers):
        for k in range(n % 3 + 1):
            order_no += 1
            total = Decimal(1000 + 137 * n + 11 * k)
            Order.objects.create(
                number=f"T-{order_no}",
                customer=customer,
                owner=customer.owner if k < 2 else org.sales_south,
                ordered_at=customer.created_at + dt.timedelta(days=k),
                total=total,
                refunded=Decimal("100") if (n + k) % 4 == 0 else Decimal(0),
                status="cancelled" if (n + k) % 5 == 0 else "confirmed",
                cancelled_at=customer.created_at if (n + k) % 5 == 0 else None,
                created_at=customer.created_at,
            )
        if n % 2 == 0:
            contract = Contract.objects.create(
                number=f"HT-{n}",
                title="合同",
                customer=customer,
                owner=customer.owner,
                amount=Decimal(5000 + n),
                status="active" if n % 4 else "draft",
                signed_on=(customer.created_at + dt.timedelta(days=1)).date(),
                created_at=customer.created_at,
                updated_at=customer.created_at,
            )
            receipt = Payment.objects.create(
                contract=contract,
                amount=Decimal(2000 + n),
                received_on=(customer.created_at + dt.timedelta(days=2)).date(),
                created_at=customer.created_at,
            )
            if n % 3 == 0:
                Payment.objects.create(
                    contract=contract,
                    kind="refund",
                    refund_of=receipt,
                    amount=Decimal("300"),
                    received_on=receipt.received_on,
                    created_at=customer.created_at,
                )
    # The ledger: claims/assignments, releases and reclaims with reasons; follow-ups.
    reasons = ["首次跟进超时", "deadline", "", "deadline"]  # "deadline": the sweep's, with a cause
    for n, lead in enumerate(leads):
        if lead.owner is None:
            continue
        gained = lead.created_at + dt.timedelta(hours=1)
        kind = "claim" if n % 2 else "assign"
        OwnershipEvent.objects.create(
            kind=kind, lead=lead, pool=pool, to_user=lead.owner, actor=lead.owner, at=gained
        )
        if n % 3 != 2:
            FollowUp.objects.create(
                lead=lead,
                author=lead.owner,
                content="电话沟通",
                at=gained + dt.timedelta(hours=n % 9 + 1),
                created_at=gained,
            )
            FollowUp.objects.create(
                lead=lead,
                author=lead.owner,
                content="再次沟通",
                at=gained + dt.timedelta(days=2),
                created_at=gained,
            )
        if n % 4 == 3:
            OwnershipEvent.objects.create(
                kind="release" if n % 8 == 3 else "reclaim",
                lead=lead,
                pool=pool,
                from_user=lead.owner,
                reason=reasons[(n // 4) % 4],
                data={"cause": "follow_up" if n % 3 else "conversion"}
                if reasons[(n // 4) % 4] == "deadline"
                else {},
                at=gained + dt.timedelta(days=3),
            )
        if n % 5 == 1:  # the owner was refused another claim by a limit before this one
            code = "daily_limit" if n % 2 else "team_quota_exceeded"
            ClaimRefusal.objects.create(
                at=gained - dt.timedelta(minutes=5), user=lead.owner, lead=lead, code=code
            )
    ns.leads = list(Lead.objects.order_by("pk"))
    ns.pool = pool
    summaries.refresh()
    return ns
