"""The per-process table of pools is cleared when pools or their members change."""

from kehu.pool.models import Pool, Target
from kehu.pool.services.visibility import visible_pools


def _fresh(user):
    user.__dict__.pop("_kehu_pools", None)  # the per-request copy on the user object
    return user


def test_membership_changes_apply_at_once(org):
    pool = Pool.objects.create(name="南区专属池", kind=Target.LEAD)
    pool.members.add(org.sales_a2)
    assert pool in visible_pools(_fresh(org.sales_a2)) and pool not in visible_pools(_fresh(org.sales_a1))
    pool.members.add(org.sales_a1)
    assert pool in visible_pools(_fresh(org.sales_a1))
    pool.members.remove(org.sales_a1)
    assert pool not in visible_pools(_fresh(org.sales_a1))
    pool.active = False
    pool.save()
    assert pool not in visible_pools(_fresh(org.sales_a2))
