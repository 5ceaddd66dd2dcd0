from django.utils.translation import gettext_lazy as _

from kehu.core import nav

nav.register(nav.NavItem(15, "pool:list", _("Lead pool"), "pool"))
