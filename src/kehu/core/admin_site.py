"""The settings area (Django's admin) for organisation and reference data.

Access follows Kehu's capabilities, not Django's staff flag and model permissions: a
user with ``manage_org`` manages users, departments, teams, roles and regions; with
``manage_dealers`` dealers; with ``manage_catalogues`` tags, lost reasons and the like.
Customers, leads and other scoped records are not here: they have their own pages, which
apply data scopes.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class KehuAdminSite(admin.AdminSite):
    site_header = _("Kehu settings")
    site_title = _("Kehu settings")
    index_title = _("Settings")
    site_url = "/"

    def has_permission(self, request):
        user = request.user
        return (
            user.is_active
            and user.is_authenticated
            and any(user.can(code) for code in CapabilityAdmin.all_capabilities())
        )


class CapabilityAdmin(admin.ModelAdmin):
    """A model admin guarded by one Kehu capability."""

    capability = "manage_org"
    _registered: set[str] = set()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        CapabilityAdmin._registered.add(cls.capability)

    @classmethod
    def all_capabilities(cls) -> set[str]:
        return cls._registered | {cls.capability}

    def _allowed(self, request) -> bool:
        return request.user.is_active and request.user.can(self.capability)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)


site = KehuAdminSite(name="settings")


def discover() -> KehuAdminSite:
    """Import every app's admin.py (they register their models on ``site``)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("admin", register_to=site)
    return site
