"""What a role may do beyond reading within its data scope.

Apps add their own capabilities with ``register`` (in their AppConfig.ready or at import
of this module below); the role editor lists them all.
"""

from django.utils.translation import gettext_lazy as _

CAPABILITIES: dict[str, object] = {}


def register(code: str, label) -> str:
    CAPABILITIES[code] = label
    return code


VIEW_FULL_PHONE = register("view_full_phone", _("See full phone numbers"))
EXPORT = register("export", _("Export lists to CSV / Excel"))
DELETE_CUSTOMERS = register("delete_customers", _("Delete customers"))
MANAGE_ORG = register("manage_org", _("Manage users, departments, teams, roles and regions"))
MANAGE_DEALERS = register("manage_dealers", _("Manage dealers"))
MANAGE_CATALOGUES = register("manage_catalogues", _("Manage tags, lost reasons and other lists"))
VIEW_AUDIT = register("view_audit", _("See the change history of records"))
