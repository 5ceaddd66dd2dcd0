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

    # Indexes: every one costs on each of the many rows an import writes. A column the
    # composite indexes in Meta start with (channel, owner) has no index of its own, grade
    # (three values) none at all, the keys only plain ones (no LIKE-prefix twins) except
    # phone_key, which the search matches by prefix, and references that most leads arrive
    # without only partial ones (Meta).
    channel = models.ForeignKey(
        Channel, models.PROTECT, related_name="leads", verbose_name=_("channel"), db_index=False
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("contact name"), max_length=64, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("job title"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    phone_key = models.CharField(max_length=24, blank=True)  # index in Meta
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    # Company-name core (尚祈, 尚祈/上海 for a branch): finds a company's leads across spellings.
    company_key = models.CharField(max_length=80, blank=True)
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
        "core.Industry",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("industry"),
        db_index=False,  # partial index in Meta: mostly empty on arrival
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
        db_index=False,  # partial index in Meta: mostly empty on arrival
    )
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    extra = models.JSONField(_("other fields"), default=dict, blank=True)  # unmapped form/import columns

    score = models.PositiveSmallIntegerField(_("score"), default=0)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_leads",
        verbose_name=_("owner"),
        db_index=False,
    )

    # De-duplication outcome (details and reasons live in the dedup app).
    duplicate_of = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
        db_index=False,  # partial index in Meta: mostly empty on arrival
    )
    matched_customer = models.ForeignKey(
        "customers.Customer",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="matched_leads",
        verbose_name=_("existing customer"),
        db_index=False,  # partial index in Meta: mostly empty on arrival
    )
    # Conversion keeps the link to the customer, so the channel's ROI can be measured.
    customer = models.ForeignKey(
        "customers.Customer",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="source_leads",
        verbose_name=_("converted to"),
        db_index=False,  # partial index in Meta: mostly empty on arrival
    )
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)

    intake = models.CharField(_("intake path"), max_length=16, blank=True)  # form, api, capture, import
    intake_key = models.CharField(max_length=64, blank=True)  # idempotent re-imports
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        db_index=False,  # partial index in Meta: mostly empty on arrival
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
            # Conversions in a time range (the lead_conversions metric's live days); partial,
            # so intake of unconverted leads does not touch it.
            models.Index(
                fields=["converted_at"],
                include=["owner"],
                name="lead_converted_owner",
                condition=models.Q(converted_at__isnull=False),
            ),
            models.Index(fields=["email"], name="lead_email"),
            # One index serves the phone search's equality and prefix matches (PostgreSQL's
            # pattern operator class does both), not the plain one beside a LIKE twin.
            models.Index(fields=["phone_key"], name="lead_phone_key", opclasses=["varchar_pattern_ops"]),
            # References most leads arrive without (a duplicate's original, a matched or
            # converted customer, a creator for imports, industry and demand type until
            # known): indexed only where set, so intake does not write an entry for each
            # empty one. A lookup by value (``duplicate_of=…``, ``IN``) implies NOT NULL.
            *[
                models.Index(
                    fields=[name], name=f"lead_{name}", condition=models.Q(**{f"{name}__isnull": False})
                )
                for name in (
                    "duplicate_of",
                    "matched_customer",
                    "customer",
                    "created_by",
                    "industry",
                    "demand_type",
                )
            ],
            models.Index(fields=["company_key"], name="lead_company_key"),
            models.Index(fields=["intake_key"], name="lead_intake_key"),
        ]

    INTAKE_PATHS = {
        "form": _("entered by hand"),
        "api": _("API"),
        "capture": _("website form"),
        "import": _("import"),
    }

    def __str__(self) -> str:
        if self.company and self.name:
            return f"{self.name} · {self.company}"
        return self.name or self.company or f"#{self.pk}"

    def intake_label(self) -> str:
        return str(self.INTAKE_PATHS.get(self.intake, self.intake))


class GradingRule(models.Model):
    """Points a lead earns for having a field (or a field with a given value)."""

    FIELDS = [
        ("phone", _("phone")),
        ("mobile", _("mobile phone")),
        ("email", _("e-mail")),
        ("wechat", _("WeChat")),
        ("company", _("company")),
        ("credit_code", _("unified social credit code")),
        ("title", _("job title")),
        ("address", _("address")),
        ("city", _("city")),
        ("industry", _("industry")),
        ("company_size", _("company size")),
        ("demand_type", _("demand type")),
        ("urgency", _("urgency")),
        ("notes", _("notes")),
    ]

    field = models.CharField(_("field"), max_length=20, choices=FIELDS)
    # Empty: any value counts. Otherwise the value (a code: urgency "high", size "large" …).
    value = models.CharField(_("value"), max_length=40, blank=True)
    points = models.SmallIntegerField(_("points"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["field", "value"]
        verbose_name = _("grading rule")
        verbose_name_plural = _("grading rules")

    def __str__(self) -> str:
        label = dict(self.FIELDS).get(self.field, self.field)
        return f"{label}{'=' + self.value if self.value else ''}: {self.points}"


class GradingSettings(models.Model):
    """Score thresholds for grades A and B (one row); below ``b_at`` is C."""

    a_at = models.PositiveSmallIntegerField(_("grade A from score"), default=70)
    b_at = models.PositiveSmallIntegerField(_("grade B from score"), default=40)

    class Meta:
        verbose_name = _("grade thresholds")
        verbose_name_plural = _("grade thresholds")

    def __str__(self) -> str:
        return f"A ≥ {self.a_at}, B ≥ {self.b_at}"


class CaptureForm(models.Model):
    """A website or landing-page form that posts leads to the public capture endpoint."""

    name = models.CharField(_("name"), max_length=100)
    channel = models.ForeignKey(
        Channel, models.PROTECT, related_name="capture_forms", verbose_name=_("channel")
    )
    key = models.CharField(_("form key"), max_length=64, unique=True)
    allowed_origins = models.TextField(
        _("allowed origins"),
        blank=True,
        help_text=_("One per line, e.g. https://www.example.com; empty allows no cross-site posts."),
    )
    honeypot_field = models.CharField(_("honeypot field"), max_length=40, default="website")
    per_key_per_minute = models.PositiveIntegerField(_("posts per minute for this form"), default=120)
    per_ip_per_minute = models.PositiveIntegerField(_("posts per minute per visitor IP"), default=10)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("capture form")
        verbose_name_plural = _("capture forms")

    def __str__(self) -> str:
        return self.name

    def origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.allowed_origins.splitlines() if o.strip()]


class EnrichmentSource(models.Model):
    """Where missing company facts (industry, size, credit code) are looked up."""

    class Kind(models.TextChoices):
        CSV = "csv", _("company registry CSV file")
        HTTP = "http", _("HTTP service")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    location = models.CharField(_("file path or URL"), max_length=500)
    timeout = models.FloatField(_("timeout (seconds)"), default=2.0)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("enrichment source")
        verbose_name_plural = _("enrichment sources")

    def __str__(self) -> str:
        return self.name


class ImportRun(models.Model):
    """One file imported into leads: the mapping used and what became of every row."""

    class Status(models.TextChoices):
        MAPPING = "mapping", _("waiting for column mapping")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    channel = models.ForeignKey(
        Channel, models.PROTECT, null=True, related_name="+", verbose_name=_("channel")
    )
    filename = models.CharField(_("file"), max_length=255)
    file_hash = models.CharField(max_length=64)
    stored_path = models.CharField(max_length=500, blank=True)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)  # column header -> lead field
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.MAPPING)
    total = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("new leads"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates of leads"), default=0)
    existing = models.PositiveIntegerField(_("existing customers"), default=0)
    skipped = models.PositiveIntegerField(_("already imported"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    # [{"row": n, "values": {...}, "errors": {"field": [..]}}] for every rejected row.
    errors = models.JSONField(default=list)
    created_at = models.DateTimeField(_("created"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("lead import")
        verbose_name_plural = _("lead imports")

    def __str__(self) -> str:
        return self.filename
