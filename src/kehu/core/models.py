from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BilingualName(models.Model):
    """Reference data named in Chinese with an English (or pinyin) rendering."""

    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class Region(BilingualName):
    """An administrative division (GB/T 2260): province, city or district."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("province")
        CITY = 2, _("city")
        DISTRICT = 3, _("district")

    code = models.CharField(_("code"), max_length=6, unique=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey("self", models.CASCADE, null=True, blank=True, related_name="children")

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    @property
    def full_name(self) -> str:
        parts, node = [], self
        while node is not None:
            parts.append(node.label)
            node = node.parent
        sep = ", " if (get_language() or "").startswith("en") else ""
        return sep.join(parts if sep else reversed(parts))

    def ancestors_and_self(self) -> list["Region"]:
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]


class Industry(BilingualName):
    """Industry classification (sections of GB/T 4754), shared by customers, leads and users."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    parent = models.ForeignKey("self", models.CASCADE, null=True, blank=True, related_name="children")

    class Meta:
        ordering = ["code"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")


class AuditEntry(models.Model):
    """One change to one record: who, when, what changed from what to what."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")
        RESTORE = "restore", _("restored")

    content_type = models.ForeignKey(ContentType, models.CASCADE)
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=200)
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=16, blank=True)  # ui, api, cli, system
    # {field: [old, new]} with values rendered for people (labels, not ids).
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"], name="audit_object_idx")]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"


class WorkerHeartbeat(models.Model):
    """When each task worker last ran its heartbeat task (shown by /healthz)."""

    name = models.CharField(max_length=100, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class MetricDay(models.Model):
    """One person's figure of one summable performance metric on one day (``core.metrics``).

    Rebuilt by ``metrics.refresh()`` for the days before ``MetricCoverage.covered_until``.
    """

    metric = models.CharField(max_length=32)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    value = models.DecimalField(max_digits=20, decimal_places=4)

    class Meta:
        constraints = [
            # The value included: a period's sum reads only the index (PostgreSQL).
            models.UniqueConstraint(
                fields=["metric", "user", "day"], include=["value"], name="metricday_metric_user_day_value"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.user_id} {self.day}: {self.value}"


class MetricCoverage(models.Model):
    """How far the daily summary of one metric reaches: every day before ``covered_until``."""

    metric = models.CharField(max_length=32, unique=True)
    covered_until = models.DateField()
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.metric} < {self.covered_until}"
