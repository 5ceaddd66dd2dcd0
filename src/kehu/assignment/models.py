"""Assignment rules (系统分配): which new lead goes to whom, configured by managers.

A rule set is an ordered list of rules; exactly one set is active, others are drafts a
manager edits and simulates before switching them on. The first active rule whose
conditions match a lead decides: send it to a pool, or pick a salesperson with a strategy.
Ownership itself changes only through ``kehu.pool.services``; this app only picks.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Lead fields a rule may test. Values are lists; an empty or missing list matches anything.
CONDITION_FIELDS = {
    "channels": _("channels"),
    "regions": _("provinces / cities"),
    "grades": _("grades"),
    "industries": _("industries"),
    "company_sizes": _("company sizes"),
    "demand_types": _("demand types"),
    "urgencies": _("urgencies"),
}


class RuleSet(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("active")
        ARCHIVED = "archived", _("archived")

    name = models.CharField(_("name"), max_length=100)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)

    class Meta:
        ordering = ["status", "-updated_at", "-id"]
        verbose_name = _("assignment rule set")
        verbose_name_plural = _("assignment rule sets")
        constraints = [
            # At most one set routes leads at a time.
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="active"), name="assignment_one_active_set"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Rule(models.Model):
    class Target(models.TextChoices):
        POOL = "pool", _("a pool")
        PEOPLE = "people", _("salespeople")

    class Strategy(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("round-robin")
        LOAD_BALANCED = "load_balanced", _("load-balanced (fewest open leads)")
        DIRECT_MATCH = "direct_match", _("direct matching")
        LEADERBOARD = "leaderboard", _("leaderboard")

    rule_set = models.ForeignKey(RuleSet, models.CASCADE, related_name="rules", verbose_name=_("rule set"))
    order = models.PositiveIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    # {field: [values]} with the fields of CONDITION_FIELDS; ids for related records.
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    target = models.CharField(_("send to"), max_length=8, choices=Target.choices, default=Target.PEOPLE)
    # The target pool, or where leads go when no candidate can take them.
    pool = models.ForeignKey(
        "pool.Pool",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pool"),
        help_text=_("The target pool, or the fallback when nobody can take the lead."),
    )
    strategy = models.CharField(
        _("strategy"), max_length=16, choices=Strategy.choices, default=Strategy.ROUND_ROBIN
    )
    # Candidates: the union of these people, teams, departments (with sub-departments)
    # and sales regions. Ids, so a draft copy needs no join tables.
    users = models.JSONField(_("people"), default=list, blank=True)
    teams = models.JSONField(_("teams"), default=list, blank=True)
    departments = models.JSONField(_("departments"), default=list, blank=True)
    sales_regions = models.JSONField(_("sales regions"), default=list, blank=True)
    # Strategy settings (direct matching dimensions, leaderboard metrics and tiers …).
    settings = models.JSONField(_("strategy settings"), default=dict, blank=True)

    class Meta:
        ordering = ["rule_set", "order", "id"]
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")

    def __str__(self) -> str:
        return self.name


class StrategyCursor(models.Model):
    """Where a strategy stands (the last person served, weights) for one rule and lead group.

    Stored in the database so turns survive restarts and are shared by every worker: a
    batch locks its cursors (``select_for_update``; SQLite writes one at a time anyway),
    advances them in memory and writes them back in the same transaction.
    """

    rule = models.ForeignKey(Rule, models.CASCADE, related_name="cursors")
    group = models.CharField(max_length=200, blank=True)  # direct matching: one cursor per lead group
    last_user_id = models.BigIntegerField(null=True, blank=True)
    served = models.BigIntegerField(default=0)
    state = models.JSONField(default=dict, blank=True)  # leaderboard: smooth weighted round-robin weights
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "group"], name="assignment_cursor_once")]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.group or '*'} → {self.last_user_id}"


class RoutingFailure(models.Model):
    """A lead the router could not place (it stays NEW); the retry sweep clears these."""

    lead = models.OneToOneField("leads.Lead", models.CASCADE, related_name="+")
    error = models.CharField(max_length=500)
    attempts = models.PositiveIntegerField(default=1)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.error}"


class CustomerFirstOrder(models.Model):
    """When each customer first placed a live (not cancelled) order, before a cutoff.

    The renewals metric's own summary (``assignment.metrics``): rebuilt with the metric
    daily summary for every order before the midnight of ``MetricCoverage.covered_until``.
    """

    customer = models.OneToOneField("customers.Customer", models.CASCADE, primary_key=True, related_name="+")
    first_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.customer_id} {self.first_at:%Y-%m-%d}"
