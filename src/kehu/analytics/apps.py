from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "kehu.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self):
        from kehu.accounts import scope
        from kehu.core import nav

        from . import metrics, models

        metrics.register()
        # Summary rows belong to the salesperson they are attributed to.
        scope.register(models.LeadFact)
        scope.register(models.CustomerSales)
        scope.register(models.GainFact, owner_field="to_user")
        scope.register(models.SummaryState, lambda user, ids: None)
        nav.register(nav.NavItem(80, "analytics:dashboard", _("Analytics"), "analytics"))
