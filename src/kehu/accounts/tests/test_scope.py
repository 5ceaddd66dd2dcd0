"""The one scope layer: who sees whose records."""

import pytest

from kehu.accounts.scope import get_scoped, scoped, visible_user_ids
from kehu.core.errors import NotFound
from kehu.customers.models import Collaborator, Customer


def _customer(owner, name):
    from kehu.core import clock

    now = clock.now()
    return Customer.objects.create(name=name, owner=owner, created_at=now, updated_at=now)


@pytest.fixture
def customers(org):
    return {
        key: _customer(getattr(org, key), f"{key}的客户")
        for key in ("manager_east", "sales_a1", "sales_a2", "sales_b", "sales_south")
    }


def names(user):
    return set(scoped(user, Customer).values_list("name", flat=True))


def test_own_scope_sees_only_own_customers(org, customers):
    assert names(org.sales_a1) == {"sales_a1的客户"}


def test_department_scope_includes_sub_departments_but_not_other_departments(org, customers):
    assert names(org.manager_east) == {
        "manager_east的客户",
        "sales_a1的客户",
        "sales_a2的客户",
        "sales_b的客户",
    }


def test_team_scope_sees_team_members(org, customers):
    org.roles["salesperson"].scope = "team"
    org.roles["salesperson"].save()
    org.sales_a1.refresh_from_db()
    assert names(org.sales_a1) == {"sales_a1的客户", "sales_a2的客户"}
    assert visible_user_ids(org.sales_a1) == {org.sales_a1.pk, org.sales_a2.pk}


def test_all_scope_and_superuser_see_everything(org, customers):
    assert len(names(org.admin)) == 5
    assert len(names(org.service)) == 5  # customer service works on everyone's customers


def test_collaborator_sees_the_customer(org, customers):
    Collaborator.objects.create(customer=customers["sales_b"], user=org.sales_a1)
    assert names(org.sales_a1) == {"sales_a1的客户", "sales_b的客户"}


def test_hidden_and_missing_records_look_the_same(org, customers):
    with pytest.raises(NotFound):
        get_scoped(org.sales_a1, Customer, pk=customers["sales_a2"].pk)
    with pytest.raises(NotFound):
        get_scoped(org.sales_a1, Customer, pk=10**12)


def test_inactive_user_sees_nothing(org, customers):
    org.sales_a1.is_active = False
    assert names(org.sales_a1) == set()


def test_deleted_customers_are_invisible_to_everyone(org, customers):
    customers["sales_a1"].deleted_at = customers["sales_a1"].created_at
    customers["sales_a1"].save()
    assert "sales_a1的客户" not in names(org.admin)


def test_extensions_widen_visibility(org, customers):
    from django.db.models import Q

    from kehu.accounts import scope

    def unowned(user, ids):
        return Q(owner__isnull=True)

    pool_customer = _customer(None, "公海客户")
    assert "公海客户" not in names(org.sales_a1)
    scope.extend(Customer, unowned)
    try:
        assert names(org.sales_a1) == {"sales_a1的客户", "公海客户"}
    finally:
        scope._extensions[Customer].remove(unowned)
        scope.forget_scopes()
    assert pool_customer.pk


def test_a_new_sub_department_is_in_its_managers_scope_at_once(org):
    from kehu.accounts.models import Department, User
    from kehu.accounts.scope import visible_user_ids

    assert org.sales_south.pk not in visible_user_ids(org.manager_east)
    team = Department.objects.create(name="宁波分部", parent=org.departments["east"])
    newcomer = User.objects.create_user("newcomer", password="x", department=team)
    org.manager_east.__dict__.pop("_kehu_visible_ids", None)  # a new request
    assert newcomer.pk in visible_user_ids(org.manager_east)


def _next_request(user):
    """What the next request sees: a fresh user object (nothing cached on it)."""
    from kehu.accounts.models import User

    return User.objects.get(pk=user.pk)


def test_the_reused_scope_follows_people_moving_between_departments_at_once(org, customers):
    """Scoped querysets are reused for a few seconds; moving a person, changing a role or a
    collaboration still shows in the very next read."""
    manager = _next_request(org.manager_east)
    assert "sales_a1的客户" in names(manager)
    org.sales_a1.department = org.departments["south"]
    org.sales_a1.save()
    assert "sales_a1的客户" not in names(_next_request(org.manager_east))

    org.roles["salesperson"].scope = "all"
    org.roles["salesperson"].save()
    assert len(names(_next_request(org.sales_a2))) == 5

    Collaborator.objects.create(customer=customers["sales_south"], user=org.sales_b)
    assert "sales_south的客户" in names(_next_request(org.sales_b))  # read when the query runs


def test_a_reused_scope_is_a_copy(org, customers):
    first = scoped(_next_request(org.manager_east), Customer).filter(name="sales_a1的客户")
    assert set(first.values_list("name", flat=True)) == {"sales_a1的客户"}
    again = scoped(_next_request(org.manager_east), Customer)
    assert "sales_a2的客户" in set(again.values_list("name", flat=True))  # not narrowed by `first`


def test_a_reused_scope_expires_for_changes_made_elsewhere(org, customers, monkeypatch):
    """A change this process hears nothing of (made by another process; here an update()
    without signals) shows once the copies are SCOPED_SECONDS / TREE_SECONDS old."""
    from kehu.accounts import scope
    from kehu.accounts.models import User

    clock = [1000.0]
    monkeypatch.setattr(scope.time, "monotonic", lambda: clock[0])
    assert "sales_a1的客户" in names(_next_request(org.manager_east))
    User.objects.filter(pk=org.sales_a1.pk).update(department=org.departments["south"])
    assert "sales_a1的客户" in names(_next_request(org.manager_east))  # the copies, within seconds
    clock[0] += max(scope.SCOPED_SECONDS, scope.TREE_SECONDS) + 0.1
    assert "sales_a1的客户" not in names(_next_request(org.manager_east))
