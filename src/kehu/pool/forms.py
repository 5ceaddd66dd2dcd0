from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.core.models import Industry, Region
from kehu.leads.models import Lead

from .models import DisplayRule, GradePolicy, Limit, Pool


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("Why give it back?"), "autocomplete": "off"}),
    )


class PoolForm(forms.ModelForm):
    class Meta:
        model = Pool
        fields = [
            "name",
            "kind",
            "department",
            "product_line",
            "regions",
            "teams",
            "members",
            "is_default",
            "active",
            "order",
            "cooling_off_days",
            "hold_hours",
            "on_expiry",
            "remind_owner_hours",
            "remind_manager_hours",
        ]

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].queryset = Region.objects.filter(level__lte=2)
        self.fields["regions"].widget.attrs["size"] = 6
        self.fields["members"].queryset = self.fields["members"].queryset.filter(is_active=True)
        if departments is not None:
            self.fields["department"].queryset = departments
            self.fields["department"].required = True


GRADE_CHOICES = [("", _("any grade / customers")), *Lead.Grade.choices]


class PolicyForm(forms.ModelForm):
    grade = forms.ChoiceField(label=_("grade"), choices=GRADE_CHOICES, required=False)

    class Meta:
        model = GradePolicy
        fields = ["grade", "follow_up_hours", "convert_days", "notify"]


PolicyFormSet = forms.inlineformset_factory(Pool, GradePolicy, form=PolicyForm, extra=1, can_delete=True)


class DisplayRuleForm(forms.ModelForm):
    grades = forms.MultipleChoiceField(
        label=_("only these grades"),
        choices=Lead.Grade.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = DisplayRule
        fields = ["user", "team", "department", "regions", "industries", "grades", "order_by"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].queryset = Region.objects.filter(level__lte=2)
        self.fields["industries"].queryset = Industry.objects.all()
        for name in ("regions", "industries"):
            self.fields[name].widget.attrs["size"] = 4


DisplayRuleFormSet = forms.inlineformset_factory(
    Pool, DisplayRule, form=DisplayRuleForm, extra=1, can_delete=True
)


class LimitForm(forms.ModelForm):
    class Meta:
        model = Limit
        fields = [
            "target",
            "user",
            "team",
            "department",
            "daily_claims",
            "max_held",
            "total_daily_claims",
            "total_max_held",
        ]

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = departments
        if departments is not None:
            # A department manager sets limits for their own departments, teams and people only.
            self.fields["department"].queryset = departments
            self.fields["team"].queryset = self.fields["team"].queryset.filter(department__in=departments)
            self.fields["user"].queryset = self.fields["user"].queryset.filter(department__in=departments)

    def clean(self):
        data = super().clean()
        if self.departments is not None and not any(data.get(k) for k in ("user", "team", "department")):
            raise forms.ValidationError(_("Choose a person, a team or a department you manage."))
        subjects = [data.get(k) for k in ("user", "team", "department") if data.get(k)]
        if len(subjects) > 1:
            raise forms.ValidationError(_("Choose a person, a team or a department — one of them, or none."))
        return data


LimitFormSet = forms.modelformset_factory(Limit, form=LimitForm, extra=2, can_delete=True)
