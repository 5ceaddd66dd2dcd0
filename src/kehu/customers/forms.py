"""Forms render the customer pages; the rules live in services and validation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.accounts.models import SalesRegion, User
from kehu.accounts.scope import visible_user_ids
from kehu.core.models import Industry, Region

from .models import Contact, Customer, Dealer, LostReason, Tag


class CustomerForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Customer.Kind.choices, widget=forms.RadioSelect)
    name = forms.CharField(
        label=_("Name"), max_length=200, help_text=_("A person's name, or the company's registered name.")
    )
    type = forms.ChoiceField(label=_("Type"), choices=Customer.Type.choices)
    lost_reason = forms.ModelChoiceField(
        label=_("Lost reason"), queryset=LostReason.objects.filter(active=True), required=False
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        help_text=_("Mobile, or landline with area code."),
    )
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    id_number = forms.CharField(label=_("Resident ID number"), max_length=30, required=False)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=30, required=False)
    gender = forms.ChoiceField(
        label=_("Gender"), choices=[("", "—"), *Customer.Gender.choices], required=False
    )
    occupation = forms.CharField(label=_("Occupation"), max_length=64, required=False)
    birthday = forms.DateField(
        label=_("Birthday"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    industry = forms.ModelChoiceField(label=_("Industry"), queryset=Industry.objects.all(), required=False)
    size = forms.ChoiceField(
        label=_("Company size"), choices=[("", "—"), *Customer.Size.choices], required=False
    )
    province = forms.ModelChoiceField(
        label=_("Province"), queryset=Region.objects.filter(level=1), required=False
    )
    city = forms.ModelChoiceField(label=_("City"), queryset=Region.objects.filter(level=2), required=False)
    district = forms.ModelChoiceField(
        label=_("District"), queryset=Region.objects.filter(level=3), required=False
    )
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    sales_region = forms.ModelChoiceField(
        label=_("Sales region"), queryset=SalesRegion.objects.all(), required=False
    )
    latitude = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    dealer = forms.ModelChoiceField(
        label=_("Dealer"), queryset=Dealer.objects.filter(active=True), required=False
    )
    collaborators = forms.ModelMultipleChoiceField(
        label=_("Collaborators"), queryset=User.objects.none(), required=False
    )
    tags = forms.ModelMultipleChoiceField(label=_("Tags"), queryset=Tag.objects.all(), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, instance: Customer | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = customer_initial(instance)
        super().__init__(*args, **kwargs)
        ids = visible_user_ids(user)
        owners = User.objects.filter(is_active=True)
        self.fields["owner"].queryset = owners if ids is None else owners.filter(pk__in=ids)
        self.fields["owner"].empty_label = _("— nobody (pool) —")
        self.fields["collaborators"].queryset = self.fields["owner"].queryset
        self.instance = instance
        # Cities and districts are loaded for the chosen province/city only.
        province = self.data.get("province") or (instance.province_id if instance else None)
        city = self.data.get("city") or (instance.city_id if instance else None)
        self.fields["city"].queryset = Region.objects.filter(level=2, parent_id=province or 0)
        self.fields["district"].queryset = Region.objects.filter(level=3, parent_id=city or 0)

    def service_data(self) -> dict:
        """Cleaned values as the services expect them (ids for related records)."""
        data = {}
        for name, value in self.cleaned_data.items():
            if name in ("tags", "collaborators"):
                data[name] = [obj.pk for obj in value]
            elif hasattr(value, "pk"):
                data[name] = value.pk
            else:
                data[name] = value
        return data


def customer_initial(c: Customer) -> dict:
    return {
        "kind": c.kind,
        "name": c.name,
        "type": c.type,
        "lost_reason": c.lost_reason_id,
        "phone": c.phone,
        "email": c.email,
        "id_number": c.id_number,
        "credit_code": c.credit_code,
        "gender": c.gender,
        "occupation": c.occupation,
        "birthday": c.birthday,
        "industry": c.industry_id,
        "size": c.size,
        "province": c.province_id,
        "city": c.city_id,
        "district": c.district_id,
        "address": c.address,
        "sales_region": c.sales_region_id,
        "latitude": c.latitude,
        "longitude": c.longitude,
        "owner": c.owner_id,
        "dealer": c.dealer_id,
        "collaborators": list(c.collaborator_links.values_list("user_id", flat=True)),
        "tags": list(c.tags.values_list("pk", flat=True)),
        "notes": c.notes,
    }


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "name",
            "title",
            "is_key_person",
            "gender",
            "mobile",
            "phone",
            "email",
            "wechat",
            "birthday",
            "notes",
        ]
        widgets = {
            "birthday": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class NoteForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("note", _("Note")), ("consultation", _("Consultation"))]
    )
    title = forms.CharField(label=_("Summary"), max_length=200)
    body = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
