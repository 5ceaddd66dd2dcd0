"""Owner changes made on the customer record go through the pool's verbs and ledger."""

import pytest

from kehu.core.errors import Conflict
from kehu.customers import services as customer_services
from kehu.pool.models import Limit, OwnershipEvent


def test_owner_picked_on_the_customer_record_is_a_ledger_transfer(org):
    customer = customer_services.create_customer(
        org.manager_east, {"kind": "person", "name": "钱七", "owner": org.sales_a1.pk}
    )
    customer_services.update_customer(org.manager_east, customer, {"owner": org.sales_a2.pk})
    customer.refresh_from_db()
    assert customer.owner == org.sales_a2
    event = OwnershipEvent.objects.get(customer=customer)
    assert (event.kind, event.from_user, event.to_user, event.actor) == (
        "transfer",
        org.sales_a1,
        org.sales_a2,
        org.manager_east,
    )


def test_quota_applies_to_an_owner_picked_on_the_customer_record(org):
    Limit.objects.create(user=org.sales_a2, target="customer", max_held=0)
    customer = customer_services.create_customer(
        org.manager_east, {"kind": "person", "name": "孙八", "owner": org.sales_a1.pk}
    )
    with pytest.raises(Conflict):
        customer_services.update_customer(org.manager_east, customer, {"owner": org.sales_a2.pk})
    customer.refresh_from_db()
    assert customer.owner == org.sales_a1 and not OwnershipEvent.objects.filter(customer=customer).exists()


def test_a_refused_owner_change_on_the_form_says_why_on_the_owner_field(org, web):
    Limit.objects.create(user=org.sales_a2, target="customer", max_held=0)
    customer = customer_services.create_customer(
        org.manager_east, {"kind": "person", "name": "周九", "owner": org.sales_a1.pk}
    )
    response = web(org.manager_east).post(
        f"/customers/{customer.pk}/edit/",
        {"kind": "person", "name": "周九", "type": "potential", "owner": org.sales_a2.pk},
    )
    assert response.status_code == 200 and response.context["form"].errors["owner"]
    customer.refresh_from_db()
    assert customer.owner == org.sales_a1
