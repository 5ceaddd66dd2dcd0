import datetime as dt

import pytest
from django.utils import timezone

from kehu.core import clock
from kehu.customers import services as customer_services
from kehu.leads.models import Channel, Lead

NOW = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))  # a Monday morning, Asia/Shanghai


@pytest.fixture
def now():
    with clock.frozen(NOW) as at:
        yield at


@pytest.fixture
def customers(org, now):
    """mine: sales_a1's customer (with a contact); theirs: sales_a2's; south: sales_south's."""

    class Customers:
        mine = customer_services.create_customer(
            org.sales_a1, {"name": "杭州绿源茶业", "contacts": [{"name": "王经理", "mobile": "13900000001"}]}
        )
        theirs = customer_services.create_customer(org.sales_a2, {"name": "宁波海港物流"})
        south = customer_services.create_customer(org.sales_south, {"name": "深圳南山科技"})

    return Customers


@pytest.fixture
def lead(org, now):
    channel = Channel.objects.get_or_create(code="web", defaults={"name": "官网", "name_en": "Website"})[0]
    return Lead.objects.create(
        channel=channel, name="李雷", phone="13700000000", owner=org.sales_a1, created_at=now, updated_at=now
    )


@pytest.fixture
def other_lead(org, now):
    channel = Channel.objects.get_or_create(code="fair", defaults={"name": "展会", "name_en": "Fair"})[0]
    return Lead.objects.create(
        channel=channel, name="韩梅梅", owner=org.sales_a2, created_at=now, updated_at=now
    )
