from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "kehu.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self):
        from kehu.core import nav

        from . import metrics

        metrics.register()
        nav.register(nav.NavItem(80, "analytics:dashboard", _("Analytics"), "analytics"))
