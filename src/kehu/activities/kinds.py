"""Timeline and notification kinds the activities domain writes.

Entries store codes (the follow-up's kind, a case's status); these functions turn them into
text in the reader's language when the timeline is shown.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.customers import timeline
from kehu.messaging import services as messaging

from .models import FollowUp, ServiceCase


def _follow_up_text(data: dict) -> str:
    kind = FollowUp.Kind(data["kind"]).label
    if data.get("outcome"):
        return _("%(kind)s — %(outcome)s") % {"kind": kind, "outcome": data["outcome"]}
    return str(kind)


def _case_text(data: dict) -> str:
    status = ServiceCase.Status(data["status"]).label
    return _("After-sales case “%(subject)s”: %(status)s") % {"subject": data["subject"], "status": status}


def _appointment_text(data: dict) -> str:
    if data.get("event") == "cancelled":
        return _("Appointment cancelled: %(title)s") % data
    if data.get("event") == "moved":
        return _("Appointment moved: %(title)s, %(when)s") % data
    return _("Appointment: %(title)s, %(when)s") % data


FOLLOW_UP = timeline.register_kind("follow_up", gettext_lazy("Follow-up"), _follow_up_text)
CONSULTATION = timeline.CONSULTATION  # registered by customers: notes written as consultations share it
AFTER_SALES = timeline.register_kind("after_sales", gettext_lazy("After-sales"), _case_text)
APPOINTMENT = timeline.register_kind("appointment", gettext_lazy("Appointment"), _appointment_text)

TASK_DUE = messaging.register_kind(
    "task_due", gettext_lazy("Task reminder"), gettext_lazy("Task due %(due)s: %(title)s")
)
APPOINTMENT_SOON = messaging.register_kind(
    "appointment_soon",
    gettext_lazy("Appointment reminder"),
    gettext_lazy("Appointment at %(start)s: %(title)s"),
)
APPOINTMENT_INVITED = messaging.register_kind(
    "appointment_invited",
    gettext_lazy("Appointment invitation"),
    gettext_lazy("%(organizer)s added you to “%(title)s” at %(start)s"),
)
APPOINTMENT_CHANGED = messaging.register_kind(
    "appointment_changed",
    gettext_lazy("Appointment changed"),
    gettext_lazy("“%(title)s” is now at %(start)s"),
)
APPOINTMENT_CANCELLED = messaging.register_kind(
    "appointment_cancelled",
    gettext_lazy("Appointment cancelled"),
    gettext_lazy("“%(title)s” at %(start)s was cancelled"),
)
