from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kehu.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from kehu.accounts import scope
        from kehu.core import nav

        from . import models

        nav.register(nav.NavItem(20, "customers:list", _("Customers"), "customers"))

        scope.register(models.Customer, models.customer_scope_rule)
        scope.register(models.Contact, models.contact_scope_rule)
        scope.register(models.TimelineEntry, models.timeline_scope_rule)
        # Dealers are shared partners: every signed-in user may read them.
        scope.register(models.Dealer, lambda user, ids: None)
