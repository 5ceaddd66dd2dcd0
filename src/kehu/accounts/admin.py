from django import forms
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from kehu.core.admin_site import CapabilityAdmin, site

from .capabilities import CAPABILITIES
from .models import Department, Role, SalesRegion, Team, User


class RoleForm(forms.ModelForm):
    capabilities = forms.MultipleChoiceField(
        label=_("capabilities"), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Role
        fields = ["code", "name", "scope", "capabilities"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["capabilities"].choices = [(code, label) for code, label in CAPABILITIES.items()]


class RoleAdmin(CapabilityAdmin):
    form = RoleForm
    list_display = ["__str__", "code", "scope"]


class DepartmentAdmin(CapabilityAdmin):
    list_display = ["name", "parent", "manager"]
    search_fields = ["name"]
    autocomplete_fields = ["manager"]


class TeamAdmin(CapabilityAdmin):
    list_display = ["name", "department", "leader"]
    list_filter = ["department"]
    autocomplete_fields = ["leader"]


class SalesRegionAdmin(CapabilityAdmin):
    list_display = ["name"]
    filter_horizontal = ["regions", "members"]


class UserAdmin(CapabilityAdmin, BaseUserAdmin):
    list_display = ["username", "name", "department", "role", "is_active", "on_leave"]
    list_filter = ["role", "department", "is_active", "on_leave"]
    search_fields = ["username", "name", "email", "mobile"]
    filter_horizontal = ["teams", "industries"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("name", "email", "mobile", "language")}),
        (_("Organisation"), {"fields": ("department", "teams", "role", "is_active", "on_leave")}),
        (_("Lead matching"), {"fields": ("hire_date", "level", "industries", "customer_scales")}),
        (_("System"), {"fields": ("is_staff", "is_superuser", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "name", "password1", "password2", "department", "role"),
            },
        ),
    )
    readonly_fields = ["last_login", "date_joined"]

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser makes superusers.
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, "is_superuser", "is_staff"]


site.register(User, UserAdmin)
site.register(Role, RoleAdmin)
site.register(Department, DepartmentAdmin)
site.register(Team, TeamAdmin)
site.register(SalesRegion, SalesRegionAdmin)
