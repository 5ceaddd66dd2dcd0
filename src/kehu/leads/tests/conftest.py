import pytest

from kehu.customers import services as customer_services
from kehu.leads.models import Channel


@pytest.fixture(autouse=True)
def fresh_configuration():
    """Each test starts without the process-wide copy of channels, rules and sources."""
    from kehu.leads.services.intake import forget_configuration

    forget_configuration()
    yield
    forget_configuration()


@pytest.fixture
def channel(db):
    return Channel.objects.get(code="events")


@pytest.fixture
def website(db):
    return Channel.objects.get(code="website")


@pytest.fixture
def lead_data():
    """A complete lead for the default required fields."""

    def make(**extra):
        data = {
            "channel": "events",
            "name": "王建国",
            "company": "杭州尚祈网络科技有限公司",
            "phone": "138 1234 5678",
            "email": "wang@shangqi.com",
            "address": "浙江省杭州市西湖区文三路90号东部软件园3幢501室",
            "demand_type": "quotation",
            "urgency": "high",
        }
        data.update(extra)
        return data

    return make


@pytest.fixture
def customer(org):
    def make(owner=None, **data):
        data.setdefault("name", "杭州尚祈网络科技有限公司")
        data.setdefault("kind", "company")
        owner = owner or org.sales_a1
        return customer_services.create_customer(owner, {"owner": owner.pk, **data})

    return make
