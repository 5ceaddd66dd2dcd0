from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kehu.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import nav, reference

        nav.register(nav.NavItem(90, "settings:index", _("Settings"), "settings", capability="manage_org"))

        post_migrate.connect(reference.ensure, sender=self, dispatch_uid="kehu.core.reference")
