from django.utils.translation import gettext_lazy as _

from kehu.accounts.capabilities import register
from kehu.accounts.roles import grant_by_default

MANAGE_ASSIGNMENT = register("manage_assignment", _("Manage assignment rules and run rule simulations"))

grant_by_default("sales_manager", MANAGE_ASSIGNMENT)
