"""Pools (公海), who sees what of them, limits, deadlines, and the ownership ledger.

Ownership of leads and customers (``owner`` and the pool-related ``status`` values) is
changed only by ``kehu.pool.services``; every change appends an ``OwnershipEvent``.
Limits, quotas and cooling-off are computed from the ledger, never from "previous owner"
fields, so they hold over any history (A → pool → B → pool → A).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Target(models.TextChoices):
    LEAD = "lead", _("leads")
    CUSTOMER = "customer", _("customers")


class Pool(models.Model):
    """A public pool of unowned leads (线索公海) or customers (客户公海)."""

    class OnExpiry(models.TextChoices):
        POOL = "pool", _("return to the pool")
        REASSIGN = "reassign", _("reassign by the assignment rules")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("holds"), max_length=8, choices=Target.choices, default=Target.LEAD)
    department = models.ForeignKey(
        "accounts.Department",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="pools",
        verbose_name=_("department"),
        help_text=_("Its managers manage the pool; its people (with sub-departments) see it."),
    )
    product_line = models.CharField(_("product line"), max_length=100, blank=True)
    regions = models.ManyToManyField(
        "core.Region",
        blank=True,
        related_name="+",
        verbose_name=_("regions"),
        help_text=_("Leads from these provinces or cities are routed to this pool by default."),
    )
    # Audience: who sees the pool. Nobody listed = the department's people (or everyone).
    teams = models.ManyToManyField("accounts.Team", blank=True, related_name="+", verbose_name=_("teams"))
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("people")
    )
    is_default = models.BooleanField(_("default pool"), default=False)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    cooling_off_days = models.PositiveIntegerField(
        _("cooling-off (days)"),
        default=7,
        help_text=_("After losing or releasing a lead, its previous owner may not claim it for this long."),
    )
    hold_hours = models.PositiveIntegerField(
        _("hold period (hours)"),
        default=0,
        help_text=_("A record newly returned to the pool cannot be claimed for this long."),
    )
    on_expiry = models.CharField(
        _("when a deadline passes"), max_length=8, choices=OnExpiry.choices, default=OnExpiry.POOL
    )
    remind_owner_hours = models.PositiveIntegerField(_("remind the owner (hours before)"), default=24)
    remind_manager_hours = models.PositiveIntegerField(_("remind the manager (hours before)"), default=4)

    class Meta:
        ordering = ["kind", "order", "name"]
        verbose_name = _("pool")
        verbose_name_plural = _("pools")

    def __str__(self) -> str:
        return self.name


class GradePolicy(models.Model):
    """Deadlines and notifications of a pool, per lead grade ("" = any grade, and customers)."""

    class Notify(models.TextChoices):
        STRONG = "strong", _("in-app and SMS/IM")
        NORMAL = "normal", _("in-app")
        NONE = "none", _("none")

    pool = models.ForeignKey(Pool, models.CASCADE, related_name="policies", verbose_name=_("pool"))
    grade = models.CharField(_("grade"), max_length=1, blank=True)
    follow_up_hours = models.PositiveIntegerField(
        _("first follow-up within (hours)"),
        null=True,
        blank=True,
        help_text=_("For customers: a follow-up at least this often."),
    )
    convert_days = models.PositiveIntegerField(
        _("convert within (days)"),
        null=True,
        blank=True,
        help_text=_("For customers: close a deal within this many days of taking it."),
    )
    notify = models.CharField(_("notify"), max_length=8, choices=Notify.choices, default=Notify.NORMAL)

    class Meta:
        ordering = ["pool", "grade"]
        verbose_name = _("grade policy")
        verbose_name_plural = _("grade policies")
        constraints = [models.UniqueConstraint(fields=["pool", "grade"], name="pool_grade_policy_once")]

    def __str__(self) -> str:
        return f"{self.pool} · {self.grade or '*'}"


class DisplayRule(models.Model):
    """Which part of a pool a group of people sees, and in what order (差异化展示).

    The most specific rules for a viewer win: person, then team, then department, then the
    pool-wide rule; several rules at the same level (several teams) are combined.
    """

    class Order(models.TextChoices):
        NEWEST = "newest", _("newest first")
        OLDEST = "oldest", _("oldest first")
        GRADE = "grade", _("best grade first")
        SCORE = "score", _("highest score first")

    pool = models.ForeignKey(Pool, models.CASCADE, related_name="display_rules", verbose_name=_("pool"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    team = models.ForeignKey(
        "accounts.Team", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("team")
    )
    department = models.ForeignKey(
        "accounts.Department",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    regions = models.ManyToManyField(
        "core.Region", blank=True, related_name="+", verbose_name=_("only these provinces/cities")
    )
    industries = models.ManyToManyField(
        "core.Industry", blank=True, related_name="+", verbose_name=_("only these industries")
    )
    grades = models.JSONField(_("only these grades"), default=list, blank=True)
    order_by = models.CharField(_("order"), max_length=8, choices=Order.choices, default=Order.NEWEST)

    class Meta:
        ordering = ["pool", "id"]
        verbose_name = _("display rule")
        verbose_name_plural = _("display rules")

    def __str__(self) -> str:
        return f"{self.pool} · {self.user or self.team or self.department or '*'}"


class Limit(models.Model):
    """Claim limits and holding quotas (数量限制).

    A row for a department or team gives defaults for each of its people (``per_person_*``)
    and caps the group as a whole (``total_*``); a row for a person overrides the defaults;
    a row with no subject is the company-wide default. Empty = no limit.
    """

    target = models.CharField(_("for"), max_length=8, choices=Target.choices, default=Target.LEAD)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    team = models.ForeignKey(
        "accounts.Team", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("team")
    )
    department = models.ForeignKey(
        "accounts.Department",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    daily_claims = models.PositiveIntegerField(_("claims per day, each person"), null=True, blank=True)
    max_held = models.PositiveIntegerField(_("held at once, each person"), null=True, blank=True)
    total_daily_claims = models.PositiveIntegerField(_("claims per day, whole group"), null=True, blank=True)
    total_max_held = models.PositiveIntegerField(_("held at once, whole group"), null=True, blank=True)

    class Meta:
        ordering = ["target", "id"]
        verbose_name = _("limit")
        verbose_name_plural = _("limits")

    def __str__(self) -> str:
        return f"{self.get_target_display()} · {self.user or self.team or self.department or '*'}"


class Tenure(models.Model):
    """The pool state of one lead or customer: which pool, owned since when, deadlines.

    Kept beside the record (the leads and customers tables stay theirs) and indexed so the
    reclaim sweep finds expired rows without scanning the leads.
    """

    lead = models.OneToOneField("leads.Lead", models.CASCADE, null=True, blank=True, related_name="tenure")
    customer = models.OneToOneField(
        "customers.Customer", models.CASCADE, null=True, blank=True, related_name="tenure"
    )
    # Few indexes: the reclaim sweep rewrites many tenures at once ("tenure_pool_owner"
    # serves pool lookups; deleting a user is rare enough to scan).
    pool = models.ForeignKey(Pool, models.SET_NULL, null=True, blank=True, related_name="+", db_index=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    since = models.DateTimeField(null=True, blank=True)
    follow_up_due = models.DateTimeField(null=True, blank=True)
    convert_due = models.DateTimeField(null=True, blank=True)
    followed_up_at = models.DateTimeField(null=True, blank=True)
    hold_until = models.DateTimeField(null=True, blank=True)
    entered_pool_at = models.DateTimeField(null=True, blank=True)
    # 0 none sent, 1 owner reminded, 2 manager reminded (per deadline, reset on new owner)
    reminder_stage = models.PositiveSmallIntegerField(default=0)
    due = models.DateTimeField(null=True, blank=True)  # the earliest open deadline

    class Meta:
        indexes = [
            models.Index(fields=["due"], name="tenure_due", condition=Q(owner__isnull=False)),
            models.Index(fields=["pool", "owner"], name="tenure_pool_owner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lead__isnull=False, customer__isnull=True)
                | Q(lead__isnull=True, customer__isnull=False),
                name="tenure_one_subject",
            )
        ]

    def __str__(self) -> str:
        return f"lead {self.lead_id}" if self.lead_id else f"customer {self.customer_id}"


class OwnershipEvent(models.Model):
    """One change of ownership: the ledger every limit, quota and cooling-off is read from."""

    class Kind(models.TextChoices):
        POOL = "pool", _("entered the pool")
        CLAIM = "claim", _("claimed")
        ASSIGN = "assign", _("assigned")
        TRANSFER = "transfer", _("transferred")
        RELEASE = "release", _("released")
        RECLAIM = "reclaim", _("reclaimed")
        CONVERT = "convert", _("converted")

    kind = models.CharField(_("what"), max_length=8, choices=Kind.choices)
    # Foreign keys without their own index: the composite indexes below lead with lead,
    # customer, to_user and from_user; sweeps append many events at once.
    lead = models.ForeignKey(
        "leads.Lead", models.CASCADE, null=True, blank=True, related_name="ownership_events", db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="ownership_events",
        db_index=False,
    )
    pool = models.ForeignKey(
        Pool, models.SET_NULL, null=True, blank=True, related_name="+", db_index=False, verbose_name=_("pool")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("by"),
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("from"),
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("to"),
    )
    # The assignment rule (kept as id and name: rules may be edited or deleted later).
    rule_id = models.BigIntegerField(null=True, blank=True)
    rule_name = models.CharField(_("rule"), max_length=200, blank=True)
    reason = models.CharField(_("why"), max_length=500, blank=True)
    at = models.DateTimeField(_("when"))
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("ownership event")
        verbose_name_plural = _("ownership events")
        indexes = [
            models.Index(fields=["lead", "-at"], name="ownev_lead"),
            models.Index(fields=["customer", "-at"], name="ownev_customer"),
            models.Index(fields=["to_user", "kind", "at"], name="ownev_to_kind"),
            models.Index(fields=["from_user", "kind", "at"], name="ownev_from_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class ClaimRefusal(models.Model):
    """A claim refused by a daily limit or a holding quota (kept for pool health: refused
    claims change no owner, so the ownership ledger does not see them)."""

    at = models.DateTimeField(_("when"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", db_index=False, verbose_name=_("who")
    )
    lead = models.ForeignKey("leads.Lead", models.CASCADE, null=True, blank=True, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", models.CASCADE, null=True, blank=True, related_name="+"
    )
    pool = models.ForeignKey(
        Pool, models.SET_NULL, null=True, blank=True, related_name="+", db_index=False, verbose_name=_("pool")
    )
    code = models.CharField(_("reason"), max_length=40)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("refused claim")
        verbose_name_plural = _("refused claims")
        indexes = [models.Index(fields=["user", "at"], name="claimrefusal_user_at")]

    def __str__(self) -> str:
        return f"{self.code} {self.at:%Y-%m-%d %H:%M}"


class LockRow(models.Model):
    """Rows locked by claims (one per person / team / department) so that the checks and the
    claim of one subject happen one at a time on PostgreSQL. SQLite runs write transactions
    one at a time anyway (BEGIN IMMEDIATE)."""

    key = models.CharField(max_length=40, unique=True)
    touched = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return self.key


class SweepRun(models.Model):
    """One run of a periodic sweep: what it did and what failed (shown to pool managers)."""

    name = models.CharField(_("sweep"), max_length=40)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    done = models.PositiveIntegerField(_("records handled"), default=0)
    failed = models.PositiveIntegerField(_("failures"), default=0)
    failures = models.JSONField(default=list, blank=True)  # [{"id": …, "error": "…"}], capped

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("sweep run")
        verbose_name_plural = _("sweep runs")

    def __str__(self) -> str:
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M}"
