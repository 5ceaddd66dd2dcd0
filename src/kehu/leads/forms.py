"""Forms render the lead pages; the rules live in services (validation and intake)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.core.models import Industry

from .models import Channel, DemandType, Lead


class LeadForm(forms.Form):
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=Channel.objects.filter(active=True))
    name = forms.CharField(label=_("Contact name"), max_length=64, required=False)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    title = forms.CharField(label=_("Job title"), max_length=64, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "autofocus": True}),
        help_text=_("Mobile, or landline with area code."),
    )
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    wechat = forms.CharField(label=_("WeChat"), max_length=64, required=False)
    address = forms.CharField(
        label=_("Address"),
        max_length=255,
        required=False,
        help_text=_("Province, city and district are recognised in the address."),
    )
    demand_type = forms.ModelChoiceField(
        label=_("Demand type"), queryset=DemandType.objects.filter(active=True), required=False
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=[("", "—"), *Lead.Urgency.choices], required=False
    )
    industry = forms.ModelChoiceField(label=_("Industry"), queryset=Industry.objects.all(), required=False)
    company_size = forms.ChoiceField(
        label=_("Company size"),
        choices=[("", "—"), *Lead._meta.get_field("company_size").choices],
        required=False,
    )
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=30, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def service_data(self) -> dict:
        data = {}
        for name, value in self.cleaned_data.items():
            data[name] = value.pk if hasattr(value, "pk") else value
        return data

    @classmethod
    def initial_from(cls, lead: Lead) -> dict:
        return {
            name: (
                getattr(lead, f"{name}_id")
                if name in ("channel", "demand_type", "industry")
                else getattr(lead, name)
            )
            for name in cls.base_fields
        }


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV or Excel (.xlsx) file"))
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=Channel.objects.filter(active=True))
