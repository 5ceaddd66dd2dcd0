from django.utils.translation import gettext_lazy as _

from kehu.accounts.capabilities import register
from kehu.accounts.roles import grant_by_default

CLAIM = register("pool_claim", _("Claim leads and customers from pools"))
MANAGE_POOLS = register("manage_pools", _("Manage pools, limits and deadlines; transfer and reclaim records"))

grant_by_default("salesperson", CLAIM)
grant_by_default("sales_manager", CLAIM, MANAGE_POOLS)
