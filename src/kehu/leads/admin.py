"""Leads' settings: channels (tree, cost, required fields), demand types, grading, capture
forms and enrichment sources — in the settings area, for people who may manage leads."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kehu.core.admin_site import CapabilityAdmin, site

from .models import (
    CaptureForm,
    Channel,
    ChannelCost,
    DemandType,
    EnrichmentSource,
    GradingRule,
    GradingSettings,
)
from .services.validation import REQUIRABLE


class ChannelForm(forms.ModelForm):
    required_fields = forms.MultipleChoiceField(
        label=_("required fields"),
        choices=REQUIRABLE,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Besides the channel, what a lead from this channel must have."),
    )

    class Meta:
        model = Channel
        fields = ["code", "name", "name_en", "parent", "category", "required_fields", "active", "order"]

    def clean_required_fields(self):
        return ["channel", *self.cleaned_data["required_fields"]]


class ChannelCostInline(admin.TabularInline):
    model = ChannelCost
    extra = 1


class ChannelAdmin(CapabilityAdmin):
    capability = "manage_leads"
    form = ChannelForm
    list_display = ["name", "name_en", "code", "parent", "category", "active", "order"]
    list_filter = ["category", "active"]
    search_fields = ["name", "name_en", "code"]
    inlines = [ChannelCostInline]


class DemandTypeAdmin(CapabilityAdmin):
    capability = "manage_leads"
    list_display = ["name", "name_en", "code", "active"]


class RegradeOnSave:
    """Changed rules or thresholds re-grade every lead, in the background after commit."""

    def _regrade(self):
        from django.db import transaction

        from .tasks import regrade_leads

        transaction.on_commit(regrade_leads)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._regrade()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._regrade()


class GradingRuleAdmin(RegradeOnSave, CapabilityAdmin):
    capability = "manage_leads"
    list_display = ["field", "value", "points", "active"]
    list_editable = ["points", "active"]
    list_display_links = ["field"]


class GradingSettingsAdmin(RegradeOnSave, CapabilityAdmin):
    capability = "manage_leads"
    list_display = ["__str__", "a_at", "b_at"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not GradingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class CaptureFormAdmin(CapabilityAdmin):
    capability = "manage_leads"
    list_display = ["name", "channel", "key", "active", "per_key_per_minute", "per_ip_per_minute"]
    readonly_fields = ["created_at"]

    def get_changeform_initial_data(self, request):
        import secrets

        return {"key": secrets.token_urlsafe(24)}


class EnrichmentSourceAdmin(CapabilityAdmin):
    capability = "manage_leads"
    list_display = ["name", "kind", "location", "timeout", "active", "order"]


site.register(Channel, ChannelAdmin)
site.register(DemandType, DemandTypeAdmin)
site.register(GradingRule, GradingRuleAdmin)
site.register(GradingSettings, GradingSettingsAdmin)
site.register(CaptureForm, CaptureFormAdmin)
site.register(EnrichmentSource, EnrichmentSourceAdmin)
