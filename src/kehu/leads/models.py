"""Leads (线索) and the channels they come from.

Ownership fields (``owner``, ``status`` transitions between pool/assigned/following) are
changed only by the pool app's services, which also keep the ownership ledger.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kehu.core.models import BilingualName


class Channel(BilingualName):
    """Where leads come from: a configurable tree (self-built › events, paid › SEM …)."""

    class Category(models.TextChoices):
        SELF_BUILT = "self_built", _("self-built")
        PAID = "paid", _("paid")
        FREE = "free", _("free")
        OTHER = "other", _("other")

    DEFAULT_REQUIRED = ["channel", "name", "contact", "address", "demand_type", "urgency"]

    code = models.SlugField(_("code"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent channel"),
    )
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.OTHER
    )
    # Which lead fields a lead from this channel must have ("contact" = a phone or an e-mail).
    required_fields = models.JSONField(_("required fields"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")


class ChannelCost(models.Model):
    """What a channel cost over a period, for ROI."""

    channel = models.ForeignKey(Channel, models.CASCADE, related_name="costs", verbose_name=_("channel"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-period_start"]
        verbose_name = _("channel cost")
        verbose_name_plural = _("channel costs")

    def __str__(self) -> str:
        return f"{self.channel} {self.period_start}–{self.period_end}: {self.amount}"


class DemandType(BilingualName):
    """What the lead wants (configurable list: product enquiry, quotation, trial …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("demand type")
        verbose_name_plural = _("demand types")


class Lead(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("new")
        IN_POOL = "in_pool", _("in pool")
        ASSIGNED = "assigned", _("assigned")
        FOLLOWING = "following", _("following up")
        CONVERTED = "converted", _("converted")
        INVALID = "invalid", _("invalid")

    class Urgency(models.TextChoices):
        HIGH = "high", _("urgent")
        MEDIUM = "medium", _("normal")
        LOW = "low", _("not urgent")

    class Grade(models.TextChoices):
        A = "A", _("A · high quality")
        B = "B", _("B · medium")
        C = "C", _("C · low quality")

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        COMPANY = "company", _("company")

    channel = models.ForeignKey(Channel, models.PROTECT, related_name="leads", verbose_name=_("channel"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("contact name"), max_length=64, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("job title"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    phone_key = models.CharField(max_length=24, blank=True, db_index=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True, db_index=True)
    wechat = models.CharField(_("WeChat"), max_length=64, blank=True)
    id_number = models.CharField(_("resident ID number"), max_length=18, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    province = models.ForeignKey(
        "core.Region", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("province")
    )
    city = models.ForeignKey(
        "core.Region", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("city")
    )
    district = models.ForeignKey(
        "core.Region", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("district")
    )
    industry = models.ForeignKey(
        "core.Industry", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("industry")
    )
    company_size = models.CharField(
        _("company size"),
        max_length=8,
        blank=True,
        choices=[
            ("micro", _("micro")),
            ("small", _("small")),
            ("medium", _("medium")),
            ("large", _("large")),
        ],
    )
    demand_type = models.ForeignKey(
        DemandType,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("demand type"),
    )
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    extra = models.JSONField(_("other fields"), default=dict, blank=True)  # unmapped form/import columns

    score = models.PositiveSmallIntegerField(_("score"), default=0)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_leads",
        verbose_name=_("owner"),
    )

    # De-duplication outcome (details and reasons live in the dedup app).
    duplicate_of = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    matched_customer = models.ForeignKey(
        "customers.Customer",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="matched_leads",
        verbose_name=_("existing customer"),
    )
    # Conversion keeps the link to the customer, so the channel's ROI can be measured.
    customer = models.ForeignKey(
        "customers.Customer",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="source_leads",
        verbose_name=_("converted to"),
    )
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)

    intake = models.CharField(_("intake path"), max_length=16, blank=True)  # form, api, capture, import
    intake_key = models.CharField(max_length=64, blank=True, db_index=True)  # idempotent re-imports
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), db_index=True)
    updated_at = models.DateTimeField(_("updated"))
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)  # merged away; kept for undo

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["owner", "status", "-created_at"], name="lead_owner_status"),
            models.Index(fields=["status", "grade", "-created_at"], name="lead_status_grade"),
            models.Index(fields=["channel", "-created_at"], name="lead_channel"),
        ]

    def __str__(self) -> str:
        if self.company and self.name:
            return f"{self.name} · {self.company}"
        return self.name or self.company or f"#{self.pk}"
