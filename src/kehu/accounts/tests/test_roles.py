from kehu.accounts import capabilities
from kehu.accounts.models import Role
from kehu.accounts.roles import ensure_builtin_roles, grant_by_default
from kehu.accounts.services import manager_of


def test_builtin_roles_exist_with_their_scopes(db):
    scopes = dict(Role.objects.values_list("code", "scope"))
    assert scopes == {
        "admin": "all",
        "sales_manager": "department",
        "salesperson": "own",
        "marketer": "all",
        "customer_service": "all",
        "finance": "all",
    }
    assert set(Role.objects.get(code="admin").capabilities) == set(capabilities.CAPABILITIES)


def test_a_removed_default_capability_stays_removed(db):
    role = Role.objects.get(code="marketer")
    role.capabilities = []
    role.save()
    ensure_builtin_roles()
    assert Role.objects.get(code="marketer").capabilities == []
    # …but a default added by a later version is granted once.
    code = capabilities.register("test_new_capability", "test")
    grant_by_default("marketer", code)
    try:
        ensure_builtin_roles()
        assert Role.objects.get(code="marketer").capabilities == [code]
    finally:
        capabilities.CAPABILITIES.pop(code)
        from kehu.accounts.roles import DEFAULTS

        DEFAULTS["marketer"].discard(code)


def test_capabilities_follow_the_role(org):
    assert org.sales_a1.can(capabilities.VIEW_FULL_PHONE)
    assert not org.marketer.can(capabilities.VIEW_FULL_PHONE)
    assert not org.sales_a1.can(capabilities.EXPORT)
    assert org.admin.can("anything-at-all")


def test_manager_of(org):
    assert manager_of(org.sales_a2) == org.sales_a1  # team leader
    assert manager_of(org.sales_a1) == org.manager_east  # leader's manager is the department's
    assert manager_of(org.sales_b) == org.manager_east  # sub-department without a manager: walk up
    assert manager_of(org.sales_south) is None
