from django import forms
from django.core.exceptions import ValidationError

from kehu.core.admin_site import CapabilityAdmin, site
from kehu.core.errors import ValidationFailed

from .models import CommissionRule, Product, ProductCategory, Stage, ValueTierSettings
from .services import commissions


class StageAdmin(CapabilityAdmin):
    capability = "manage_sales_settings"
    list_display = ["name", "order", "probability", "is_won", "is_lost", "active"]
    list_editable = ["order", "probability", "active"]
    exclude = ["code"]

    def has_delete_permission(self, request, obj=None):
        # Built-in stages stay (others point at their codes); retire them with "active".
        return super().has_delete_permission(request, obj) and not (obj and obj.code)


class CategoryAdmin(CapabilityAdmin):
    capability = "manage_products"
    list_display = ["name", "parent", "sort"]
    search_fields = ["name"]


class ProductAdmin(CapabilityAdmin):
    capability = "manage_products"
    list_display = ["code", "name", "category", "price", "unit", "active"]
    list_filter = ["active", "category"]
    search_fields = ["code", "name"]


class RuleForm(forms.ModelForm):
    class Meta:
        model = CommissionRule
        fields = [
            "name",
            "active",
            "basis",
            "earner",
            "product",
            "category",
            "role",
            "kind",
            "rate",
            "fixed_amount",
            "tiers",
        ]

    def clean(self):
        data = super().clean()
        if data.get("kind") == CommissionRule.Kind.TIERED:
            try:
                data["tiers"] = commissions.clean_tiers(data.get("tiers"))
            except ValidationFailed as exc:
                raise ValidationError({"tiers": [m for ms in exc.fields.values() for m in ms]}) from None
        return data


class CommissionRuleAdmin(CapabilityAdmin):
    capability = "manage_commissions"
    form = RuleForm
    list_display = [
        "name",
        "basis",
        "earner",
        "kind",
        "product",
        "category",
        "role",
        "rate",
        "fixed_amount",
        "active",
    ]
    list_filter = ["basis", "earner", "kind", "active"]


class ValueTierSettingsAdmin(CapabilityAdmin):
    capability = "manage_sales_settings"
    list_display = ["__str__", "method", "computed_at"]
    readonly_fields = ["computed_at"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ValueTierSettings.objects.exists()


site.register(Stage, StageAdmin)
site.register(ProductCategory, CategoryAdmin)
site.register(Product, ProductAdmin)
site.register(CommissionRule, CommissionRuleAdmin)
site.register(ValueTierSettings, ValueTierSettingsAdmin)
