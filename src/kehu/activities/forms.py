"""Forms render the activity pages; the rules live in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.accounts.models import User
from kehu.accounts.scope import visible_user_ids

from .models import Consultation, FollowUp, ServiceCase

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=DATETIME_FORMAT)


def datetime_field(label, required=True, help_text=""):
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=DateTimeLocal(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        help_text=help_text,
    )


def _contact_choices(customer):
    if customer is None:
        return [("", "—")]
    return [("", "—"), *[(c.pk, str(c)) for c in customer.contacts.all()]]


def _colleagues(user):
    ids = visible_user_ids(user)
    qs = User.objects.filter(is_active=True)
    return (qs if ids is None else qs.filter(pk__in=ids)).order_by("name", "username")


class FollowUpForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=FollowUp.Kind.choices)
    contact = forms.ChoiceField(label=_("Contact"), required=False)
    content = forms.CharField(
        label=_("What was said"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.CharField(
        label=_("Outcome"), max_length=200, required=False, help_text=_("e.g. wants a quotation")
    )
    at = datetime_field(_("When"), required=False, help_text=_("Empty: now."))
    next_at = datetime_field(
        _("Next follow-up"), required=False, help_text=_("Becomes a task with a reminder.")
    )

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = _contact_choices(customer)
        if customer is None:
            del self.fields["contact"]


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    due_at = datetime_field(_("Due"))
    remind_minutes = forms.IntegerField(
        label=_("Remind minutes before"), min_value=0, max_value=43200, initial=15, required=False
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RescheduleForm(forms.Form):
    due_at = datetime_field(_("New due time"))


class AppointmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    start = datetime_field(_("Start"))
    end = datetime_field(_("End"))
    place = forms.CharField(label=_("Place"), max_length=255, required=False)
    attendees = forms.MultipleChoiceField(
        label=_("Attendees"), help_text=_("Nobody chosen: you."), required=False
    )
    contact = forms.ChoiceField(label=_("Contact"), required=False)
    remind_minutes = forms.IntegerField(
        label=_("Remind minutes before"), min_value=0, max_value=10080, initial=30
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user=None, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = User.objects.filter(is_active=True).order_by("name", "username")
        self.fields["attendees"].choices = [(u.pk, str(u)) for u in people]
        self.fields["attendees"].widget.attrs["size"] = 5
        self.fields["contact"].choices = _contact_choices(customer)
        if customer is None:
            del self.fields["contact"]


class ConsultationForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Consultation.Channel.choices)
    contact = forms.ChoiceField(label=_("Contact"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    question = forms.CharField(label=_("Question"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    answer = forms.CharField(label=_("Answer"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = _contact_choices(customer)


class CaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ServiceCase.Kind.choices)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=ServiceCase.Priority.choices, initial=ServiceCase.Priority.NORMAL
    )
    contact = forms.ChoiceField(label=_("Contact"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = _contact_choices(customer)


class CaseUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ServiceCase.Status.choices)
    assignee = forms.ChoiceField(label=_("Handled by"), required=False)
    resolution = forms.CharField(
        label=_("Resolution"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user=None, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = list(_colleagues(user))
        if current is not None and current not in people:
            people.insert(0, current)  # keep showing who handles it, even outside the viewer's scope
        self.fields["assignee"].choices = [("", "—"), *[(u.pk, str(u)) for u in people]]
