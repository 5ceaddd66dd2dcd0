"""Follow-ups, tasks, appointments, consultations and after-sales cases.

Each record hangs off a customer (and optionally one of its contacts) or a lead; the
customer's timeline gets an entry for each, so the customer page tells one story.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FollowUp(models.Model):
    """A follow-up (跟进记录): one contact with a lead or a customer."""

    class Kind(models.TextChoices):
        CALL = "call", _("phone call")
        VISIT = "visit", _("visit")
        WECHAT = "wechat", _("WeChat")
        EMAIL = "email", _("e-mail")
        MEETING = "meeting", _("meeting")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.CALL)
    customer = models.ForeignKey(
        "customers.Customer",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("customer"),
    )
    lead = models.ForeignKey(
        "leads.Lead", models.CASCADE, null=True, blank=True, related_name="follow_ups", verbose_name=_("lead")
    )
    contact = models.ForeignKey(
        "customers.Contact",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )
    content = models.TextField(_("content"))
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    next_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("when"))
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(fields=["customer", "-at"], name="followup_customer"),
            models.Index(fields=["lead", "-at"], name="followup_lead"),
            models.Index(fields=["author", "-at"], name="followup_author"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | Q(lead__isnull=False), name="followup_has_subject"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.subject}"

    @property
    def subject(self):
        return self.customer or self.lead


class Task(models.Model):
    """Something a person has to do by a time (the next follow-up, a call back …)."""

    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="tasks", verbose_name=_("assignee")
    )
    due_at = models.DateTimeField(_("due"))
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("customer"),
    )
    lead = models.ForeignKey(
        "leads.Lead", models.CASCADE, null=True, blank=True, related_name="tasks", verbose_name=_("lead")
    )
    follow_up = models.ForeignKey(
        FollowUp, models.SET_NULL, null=True, blank=True, related_name="tasks", verbose_name=_("follow-up")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["owner", "done_at", "due_at"], name="task_owner_due"),
            # The reminder sweep reads only the reminders still to send.
            models.Index(
                fields=["remind_at"],
                name="task_reminder_due",
                condition=Q(reminded_at__isnull=True, done_at__isnull=True, remind_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Appointment(models.Model):
    """An appointment (预约) with a customer: who meets whom, when and where."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    title = models.CharField(_("title"), max_length=200)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    place = models.CharField(_("place"), max_length=255, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("customer"),
    )
    contact = models.ForeignKey(
        "customers.Contact",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="organized_appointments",
        verbose_name=_("organizer"),
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Attendance",
        related_name="appointments",
        verbose_name=_("attendees"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    remind_minutes = models.PositiveIntegerField(_("remind minutes before"), default=30)
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0)  # iCalendar SEQUENCE: bumped on each change
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["start", "id"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            # Customer double-booking check: live appointments of one customer around a time.
            models.Index(
                fields=["customer", "start", "end"],
                name="appt_customer_time",
                condition=~Q(status="cancelled"),
            ),
            models.Index(
                fields=["remind_at"],
                name="appt_reminder_due",
                condition=Q(reminded_at__isnull=True, remind_at__isnull=False, status="scheduled"),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="appt_end_after_start")
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """An attendee of an appointment; start/end/active are copied here for the conflict index."""

    appointment = models.ForeignKey(Appointment, models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    active = models.BooleanField(default=True)  # False once the appointment is cancelled

    class Meta:
        unique_together = [("appointment", "user")]
        indexes = [
            models.Index(fields=["user", "start", "end"], name="attend_user_time", condition=Q(active=True)),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.appointment}"


class CalendarFeed(models.Model):
    """The secret address of a person's iCalendar feed; resetting it revokes the old one."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)


class Consultation(models.Model):
    """A consultation (咨询): the customer asked something; what, through which channel, the answer."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("phone")
        ONLINE = "online", _("online chat")
        WECHAT = "wechat", _("WeChat")
        EMAIL = "email", _("e-mail")
        VISIT = "visit", _("in person")

    customer = models.ForeignKey(
        "customers.Customer", models.CASCADE, related_name="consultations", verbose_name=_("customer")
    )
    contact = models.ForeignKey(
        "customers.Contact",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.PHONE)
    subject = models.CharField(_("subject"), max_length=200)
    question = models.TextField(_("question"), blank=True)
    answer = models.TextField(_("answer"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        indexes = [models.Index(fields=["customer", "-at"], name="consult_customer")]

    def __str__(self) -> str:
        return self.subject


class ServiceCase(models.Model):
    """An after-sales case (售后): a complaint, repair or return, worked until closed."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        IN_PROGRESS = "in_progress", _("in progress")
        RESOLVED = "resolved", _("resolved")
        CLOSED = "closed", _("closed")

    class Kind(models.TextChoices):
        REPAIR = "repair", _("repair")
        COMPLAINT = "complaint", _("complaint")
        RETURN = "return", _("return or exchange")
        QUESTION = "question", _("usage question")
        OTHER = "other", _("other")

    class Priority(models.TextChoices):
        HIGH = "high", _("high")
        NORMAL = "normal", _("normal")
        LOW = "low", _("low")

    customer = models.ForeignKey(
        "customers.Customer", models.CASCADE, related_name="service_cases", verbose_name=_("customer")
    )
    contact = models.ForeignKey(
        "customers.Contact",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REPAIR)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_cases",
        verbose_name=_("handled by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("after-sales case")
        verbose_name_plural = _("after-sales cases")
        indexes = [
            models.Index(fields=["customer", "-opened_at"], name="case_customer"),
            models.Index(fields=["status", "-opened_at"], name="case_status"),
            models.Index(fields=["assignee", "status"], name="case_assignee"),
        ]

    def __str__(self) -> str:
        return self.subject
