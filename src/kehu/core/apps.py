from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kehu.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import nav, reference

        nav.register(nav.NavItem(90, "settings:index", _("Settings"), "settings", capability="manage_org"))

        post_migrate.connect(reference.ensure, sender=self, dispatch_uid="kehu.core.reference")
        post_migrate.connect(reference.forget_names, dispatch_uid="kehu.core.reference.names")
        from .models import Industry, Region

        for model in (Region, Industry):
            uid = f"kehu.core.names.{model.__name__}"
            post_save.connect(reference.forget_names, sender=model, dispatch_uid=uid)
            post_delete.connect(reference.forget_names, sender=model, dispatch_uid=uid + ".delete")
