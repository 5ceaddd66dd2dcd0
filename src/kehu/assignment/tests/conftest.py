"""Assignment fixtures: leads made with the ORM, salespeople, an active rule set."""

import itertools

import pytest

from kehu.accounts.models import User
from kehu.assignment import services
from kehu.assignment.models import RuleSet
from kehu.core import clock
from kehu.leads.models import Channel, Lead

_seq = itertools.count(1)


@pytest.fixture
def channel(db):
    return Channel.objects.get_or_create(code="web", defaults={"name": "官网"})[0]


@pytest.fixture
def make_lead(channel):
    """make_lead(**fields) -> a NEW, unowned lead (not routed)."""

    def make(**fields):
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
        return Lead.objects.create(**values)

    return make


@pytest.fixture
def sellers(org):
    """Five more salespeople in the East department (s1 … s5), besides the org's."""
    role = org.roles["salesperson"]
    return [
        User.objects.create_user(
            username=f"s{i}", password="x", name=f"销售{i}", role=role, department=org.departments["east"]
        )
        for i in range(1, 6)
    ]


@pytest.fixture
def active_set(org):
    """An empty active rule set owned by the East manager; add rules with ``rule(...)``."""
    rule_set = services.create_rule_set(org.manager_east, {"name": "现行规则"})
    return services.activate_rule_set(org.manager_east, rule_set)


@pytest.fixture
def rule(org, active_set):
    """rule(**data) -> a rule appended to the active set."""

    def make(rule_set: RuleSet | None = None, **data):
        data.setdefault("name", f"规则{next(_seq)}")
        return services.create_rule(org.manager_east, rule_set or active_set, data)

    return make
