"""Pool test fixtures: leads made directly with the ORM (the leads app owns intake)."""

import itertools

import pytest

from kehu.core import clock
from kehu.leads.models import Channel, Lead
from kehu.pool.models import Pool, Target

_seq = itertools.count(1)


@pytest.fixture
def channel(db):
    return Channel.objects.get_or_create(code="web", defaults={"name": "官网"})[0]


@pytest.fixture
def lead_pool(db):
    """The seeded default lead pool (created by post_migrate)."""
    return Pool.objects.get(kind=Target.LEAD, is_default=True)


@pytest.fixture
def customer_pool(db):
    return Pool.objects.get(kind=Target.CUSTOMER, is_default=True)


@pytest.fixture
def make_lead(channel):
    """make_lead(pool=None, **fields) -> a lead; with ``pool`` it is put into that pool."""

    def make(pool=None, **fields):
        from kehu.pool import services

        now = clock.now()
        n = next(_seq)
        values = {
            "channel": channel,
            "name": f"客户{n}",
            "company": f"测试公司{n}",
            "phone": f"1380000{n:04d}",
            "grade": "B",
            "created_at": now,
            "updated_at": now,
        }
        values.update(fields)
        lead = Lead.objects.create(**values)
        if pool is not None:
            services.send_to_pool(lead, pool, reason="test")
            lead.refresh_from_db()
        return lead

    return make
