"""Forms for the sales pages; the rules live in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.accounts.models import User
from kehu.accounts.scope import scoped, visible_user_ids
from kehu.customers.models import Customer, Dealer, LostReason

from .models import Contract, Payment, ProductCategory, Stage

DATE = forms.DateInput(attrs={"type": "date"})
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0}


def _owners(user):
    ids = visible_user_ids(user)
    qs = User.objects.filter(is_active=True).order_by("name")
    return qs if ids is None else qs.filter(pk__in=ids)


def _customers(user, customer_id=None):
    qs = scoped(user, Customer).order_by("-last_contact_at", "-id")
    if customer_id:
        return qs.filter(pk=customer_id)
    return Customer.objects.filter(pk__in=list(qs.values_list("pk", flat=True)[:300]))


class SalesForm(forms.Form):
    def __init__(self, *args, user, customer_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            self.fields["owner"].queryset = _owners(user)
        if "customer" in self.fields:
            self.fields["customer"].queryset = _customers(user, customer_id)
            self.fields["customer"].help_text = _(
                "Your most recent customers; start from a customer's page for any other."
            )

    def service_data(self) -> dict:
        data = {}
        for name, value in self.cleaned_data.items():
            data[name] = value.pk if hasattr(value, "pk") else value
        return data


class OpportunityForm(SalesForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.filter(active=True))
    amount = forms.DecimalField(label=_("Amount"), **MONEY)
    probability = forms.IntegerField(
        label=_("Probability (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Empty: the stage's default."),
    )
    expected_close = forms.DateField(label=_("Expected close date"), required=False, widget=DATE)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    lost_reason = forms.ModelChoiceField(
        label=_("Lost reason"), queryset=LostReason.objects.filter(active=True), required=False
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ContractForm(SalesForm):
    number = forms.CharField(label=_("Contract number"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=200)
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    amount = forms.DecimalField(label=_("Amount"), **MONEY)
    status = forms.ChoiceField(label=_("Status"), choices=Contract.Status.choices)
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=DATE)
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DATE)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PlanForm(forms.Form):
    due_on = forms.DateField(label=_("Due on"), widget=DATE)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0.01)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0.01)
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    method = forms.ChoiceField(label=_("Method"), choices=Payment.Method.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))


class OrderForm(SalesForm):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    owner = forms.ModelChoiceField(label=_("Salesperson"), queryset=User.objects.none(), required=False)
    dealer = forms.ModelChoiceField(
        label=_("Dealer"), queryset=Dealer.objects.filter(active=True), required=False
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0.01)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class ProductForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=200)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=ProductCategory.objects.all(), required=False
    )
    unit = forms.CharField(label=_("Unit"), max_length=16, required=False)
    price = forms.DecimalField(label=_("Price"), **MONEY)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def service_data(self) -> dict:
        return {k: (v.pk if hasattr(v, "pk") else v) for k, v in self.cleaned_data.items()}


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = forms.ModelChoiceField(label=_("Parent"), queryset=ProductCategory.objects.all(), required=False)

    def service_data(self) -> dict:
        return {k: (v.pk if hasattr(v, "pk") else v) for k, v in self.cleaned_data.items()}
