import datetime as dt

import pytest

from kehu.core.errors import Forbidden, ValidationFailed
from kehu.core.models import AuditEntry, Region
from kehu.customers import services, timeline
from kehu.customers.models import Customer, LostReason, Tag


def test_create_normalises_identifiers_and_derives_birthday(org):
    customer = services.create_customer(
        org.sales_a1,
        {
            "name": "王 伟",
            "phone": "+86 138-1234-5678",
            "email": " WangWei@QQ.com",
            "id_number": "11010519491231002x",
        },
    )
    assert customer.name == "王 伟"
    assert (customer.phone, customer.phone_key, customer.email) == (
        "13812345678",
        "13812345678",
        "wangwei@qq.com",
    )
    assert customer.id_number == "11010519491231002X"
    assert customer.birthday == dt.date(1949, 12, 31)
    assert customer.gender == "female"  # 17th digit even
    assert customer.owner == org.sales_a1


def test_field_level_errors_are_all_reported_at_once(org):
    with pytest.raises(ValidationFailed) as exc:
        services.create_customer(
            org.sales_a1,
            {
                "name": "",
                "phone": "12345",
                "credit_code": "91330106MA2GL0TL81",
                "birthday": "2999-01-01",
                "type": "lost",
            },
        )
    fields = exc.value.fields
    assert set(fields) >= {"name", "phone", "credit_code", "birthday", "lost_reason"}
    assert Customer.objects.count() == 0


def test_region_chain_must_be_consistent(org):
    hangzhou = Region.objects.get(code="330100")
    pudong = Region.objects.get(code="310115")
    with pytest.raises(ValidationFailed) as exc:
        services.create_customer(org.sales_a1, {"name": "x", "city": hangzhou.pk, "district": pudong.pk})
    assert "district" in exc.value.fields


def test_salesperson_cannot_give_a_customer_to_someone_outside_their_scope(org):
    with pytest.raises(ValidationFailed) as exc:
        services.create_customer(org.sales_a1, {"name": "x", "owner": org.sales_south.pk})
    assert "owner" in exc.value.fields
    customer = services.create_customer(org.manager_east, {"name": "y", "owner": org.sales_b.pk})
    assert customer.owner == org.sales_b


def test_every_change_is_audited_with_old_and_new_values(org):
    tag = Tag.objects.create(name="VIP")
    customer = services.create_customer(org.sales_a1, {"name": "张三", "phone": "13812345678"})
    services.update_customer(
        org.sales_a1, customer, {"phone": "13900001111", "type": "target", "tags": [tag.pk]}
    )
    entries = list(AuditEntry.objects.filter(object_id=customer.pk).order_by("at", "id"))
    assert [e.action for e in entries] == ["create", "update"]
    change = entries[1].changes
    assert change["phone"] == ["13812345678", "13900001111"]
    assert change["type"] == ["potential", "target"]
    assert change["tags"] == [[], ["VIP"]]
    assert entries[1].actor == org.sales_a1
    # Saving without a change is not an event.
    services.update_customer(org.sales_a1, customer, {"phone": "139 0000 1111"})
    assert AuditEntry.objects.filter(object_id=customer.pk).count() == 2


def test_owner_change_goes_on_the_timeline(org):
    customer = services.create_customer(org.manager_east, {"name": "李四", "owner": org.sales_a1.pk})
    services.update_customer(org.manager_east, customer, {"owner": org.sales_a2.pk})
    entry = customer.timeline.get(kind=timeline.OWNER_CHANGE)
    assert entry.data == {"old": "sales_a1", "new": "sales_a2"}
    assert "sales_a1" in timeline.describe(entry)


def test_lost_needs_a_reason_and_leaving_lost_clears_it(org):
    reason = LostReason.objects.create(name="价格太高")
    customer = services.create_customer(org.sales_a1, {"name": "c", "type": "lost", "lost_reason": reason.pk})
    assert customer.lost_reason == reason
    services.update_customer(org.sales_a1, customer, {"type": "target"})
    customer.refresh_from_db()
    assert customer.lost_reason is None


def test_delete_is_soft_needs_the_capability_and_can_be_restored(org):
    customer = services.create_customer(org.sales_a1, {"name": "c"})
    with pytest.raises(Forbidden):
        services.delete_customer(org.sales_a1, customer)
    services.delete_customer(org.manager_east, customer)
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert Customer.all_objects.filter(pk=customer.pk).exists()
    services.restore_customer(org.manager_east, customer.pk)
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert list(
        AuditEntry.objects.filter(object_id=customer.pk).values_list("action", flat=True).order_by("id")
    ) == ["create", "delete", "restore"]


def test_contacts_are_validated_and_audited(org):
    customer = services.create_customer(org.sales_a1, {"name": "杭州尚祈科技有限公司", "kind": "company"})
    with pytest.raises(ValidationFailed) as exc:
        services.add_contact(org.sales_a1, customer, {"name": "王经理", "mobile": "0571-88123456"})
    assert "mobile" in exc.value.fields
    contact = services.add_contact(
        org.sales_a1, customer, {"name": "王经理", "mobile": "138 1234 5678", "is_key_person": True}
    )
    assert contact.mobile == "13812345678"
    services.update_contact(org.sales_a1, contact, {"title": "采购经理"})
    assert AuditEntry.objects.filter(object_id=contact.pk, action="update").get().changes["title"] == [
        "",
        "采购经理",
    ]


def test_touch_contact_only_moves_forward(org):
    customer = services.create_customer(org.sales_a1, {"name": "c"})
    later = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    services.touch_contact(customer.pk, later)
    services.touch_contact(customer.pk, later - dt.timedelta(days=3))
    customer.refresh_from_db()
    assert customer.last_contact_at == later
