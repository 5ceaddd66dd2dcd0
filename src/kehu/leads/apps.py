from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "kehu.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self):
        from kehu.accounts import scope
        from kehu.core import nav

        from . import capabilities, panels  # noqa: F401 - registers capabilities and the customer panel
        from .models import ImportRun, Lead
        from .services import notices  # noqa: F401 - registers timeline and notification kinds
        from .services.setup import ensure_defaults

        # Owned leads follow the owner's scope; the pool app extends this for pooled leads.
        scope.register(Lead)
        scope.register(ImportRun, owner_field="created_by")  # an import is its importer's
        nav.register(nav.NavItem(10, "leads:list", _("Leads"), "leads"))
        post_migrate.connect(ensure_defaults, sender=self, dispatch_uid="kehu.leads.defaults")

        from django.db.models.signals import post_delete, post_save

        from kehu.core.models import Industry, Region

        from . import models
        from .services.intake import forget_configuration

        configuration = (models.Channel, models.DemandType, models.GradingRule, models.GradingSettings)
        configuration += (models.EnrichmentSource, Industry, Region)
        # A flush (TransactionTestCase) re-creates reference rows with bulk inserts: forget too.
        post_migrate.connect(forget_configuration, dispatch_uid="kehu.leads.config.migrate")
        for model in configuration:
            uid = f"kehu.leads.config.{model.__name__}"
            post_save.connect(forget_configuration, sender=model, dispatch_uid=uid)
            post_delete.connect(forget_configuration, sender=model, dispatch_uid=uid + ".delete")
