"""What the engine needs stored: blocking keys of leads and customers, the matches it found
(score and reasons, for the lead page and the review screen) and merges (for undo)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

LEAD = 1
CUSTOMER = 2


class DedupKey(models.Model):
    """One blocking key of one lead or customer (see dedup.engine.keys).

    The key is stored as a signed 64-bit hash of its text: a small fixed-size index entry
    whatever the key (company names, addresses); a collision only adds a candidate, which
    the comparison then rejects.
    """

    key = models.BigIntegerField(db_index=True)
    record_type = models.PositiveSmallIntegerField()  # LEAD | CUSTOMER
    record_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["record_type", "record_id"], name="dedupkey_record")]

    def __str__(self) -> str:
        return f"{self.key} → {self.record_type}:{self.record_id}"


class DedupMatch(models.Model):
    """A lead judged the same as, or possibly the same as, another lead or a customer."""

    class Decision(models.TextChoices):
        MATCH = "match", _("same")
        POSSIBLE = "possible", _("possibly the same")

    class Review(models.TextChoices):
        OPEN = "open", _("to review")
        MERGED = "merged", _("merged")
        DISMISSED = "dismissed", _("not the same")

    lead = models.ForeignKey(
        "leads.Lead", models.CASCADE, related_name="dedup_matches", verbose_name=_("lead")
    )
    other_lead = models.ForeignKey(
        "leads.Lead", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("other lead")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    deciding = models.BooleanField(default=False)  # the match that decided the lead's outcome
    score = models.FloatField(_("score"))
    points = models.FloatField()
    reasons = models.JSONField(default=list)  # [Reason.as_dict()]
    review = models.CharField(_("review"), max_length=10, choices=Review.choices, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("found"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["review", "-created_at"], name="dedupmatch_review")]
        verbose_name = _("duplicate match")
        verbose_name_plural = _("duplicate matches")

    def __str__(self) -> str:
        return f"{self.lead_id} ~ {self.other_lead_id or self.customer_id} ({self.score:.2f})"


class Merge(models.Model):
    """Lead ``merged`` folded into ``kept``: archived, not deleted, and undoable."""

    kept = models.ForeignKey("leads.Lead", models.CASCADE, related_name="+", verbose_name=_("kept lead"))
    merged = models.ForeignKey("leads.Lead", models.CASCADE, related_name="+", verbose_name=_("merged lead"))
    match = models.ForeignKey(DedupMatch, models.SET_NULL, null=True, blank=True, related_name="+")
    # Fields of ``kept`` filled from ``merged`` ({field: [before, after]}) and the merged
    # lead's state before, so an undo puts both back.
    filled = models.JSONField(default=dict)
    merged_before = models.JSONField(default=dict)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField()
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.kept_id}"
