"""The built-in roles and what they may do by default (editable afterwards).

Apps that add capabilities grant them to built-in roles with ``grant_by_default``; each
default is applied once, so an administrator who removes it later is not overruled.
"""

from . import capabilities as cap
from .models import Role, Scope

SCOPES = {
    "admin": Scope.ALL,
    "sales_manager": Scope.DEPARTMENT,
    "salesperson": Scope.OWN,
    "marketer": Scope.ALL,
    "customer_service": Scope.ALL,
    "finance": Scope.ALL,
}
DEFAULTS: dict[str, set[str]] = {code: set() for code in SCOPES}


def grant_by_default(role_code: str, *capabilities: str) -> None:
    DEFAULTS[role_code].update(capabilities)


grant_by_default(
    "sales_manager",
    cap.VIEW_FULL_PHONE,
    cap.EXPORT,
    cap.DELETE_CUSTOMERS,
    cap.VIEW_AUDIT,
    cap.MANAGE_CATALOGUES,
)
grant_by_default("salesperson", cap.VIEW_FULL_PHONE, cap.VIEW_AUDIT)
grant_by_default("marketer", cap.EXPORT)
grant_by_default("customer_service", cap.VIEW_FULL_PHONE)
grant_by_default("finance", cap.EXPORT, cap.VIEW_AUDIT)


def ensure_builtin_roles(**kwargs) -> None:
    for code, scope in SCOPES.items():
        wanted = set(cap.CAPABILITIES) if code == "admin" else DEFAULTS[code]
        role, _ = Role.objects.get_or_create(
            code=code, defaults={"name": str(Role.BUILTIN[code]), "scope": scope}
        )
        new = wanted - set(role.defaults_applied)
        if new:
            role.capabilities = sorted(set(role.capabilities) | new)
            role.defaults_applied = sorted(set(role.defaults_applied) | new)
            role.save(update_fields=["capabilities", "defaults_applied"])
