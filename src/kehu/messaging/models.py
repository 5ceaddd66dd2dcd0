from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """Something a person should know (a new lead, a deadline, a reminder).

    Like the customer timeline it stores data, not sentences: the kind's template renders
    it in the reader's language. ``dedupe_key`` makes repeated sweeps idempotent.
    """

    class Level(models.TextChoices):
        QUIET = "quiet", _("quiet")
        NORMAL = "normal", _("normal")
        STRONG = "strong", _("strong")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=40)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices, default=Level.NORMAL)
    data = models.JSONField(default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(_("created"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_once",
            ),
        ]

    def __str__(self) -> str:
        from .services import describe

        return describe(self)


class DeliveryChannel(models.Model):
    """Where notifications go besides the in-app inbox: e-mail, or an HTTP gateway
    (SMS gateway, WeCom / DingTalk / Feishu group robots). Configured by administrators."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("e-mail (SMTP)")
        SMS = "sms", _("SMS gateway (HTTP)")
        WECOM = "wecom", _("WeCom robot")
        DINGTALK = "dingtalk", _("DingTalk robot")
        FEISHU = "feishu", _("Feishu robot")
        WEBHOOK = "webhook", _("generic webhook (JSON)")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    url = models.URLField(_("gateway URL"), max_length=500, blank=True)
    min_level = models.CharField(
        _("send from level"),
        max_length=8,
        choices=Notification.Level.choices,
        default=Notification.Level.STRONG,
        help_text=_("Only notifications at least this important are sent here."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("delivery channel")
        verbose_name_plural = _("delivery channels")

    def __str__(self) -> str:
        return self.name
