from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "kehu.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self):
        from kehu.accounts import scope

        from .models import Lead

        # Owned leads follow the owner's scope; the pool app extends this for pooled leads.
        scope.register(Lead)
