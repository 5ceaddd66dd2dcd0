"""Summary tables analytics maintains for itself (rebuilt by ``summaries.refresh``).

They hold facts that are expensive to derive per report at scale (a lead's furthest funnel
stage, what each customer bought, how long each claim waited for its first follow-up);
reports group them instead of probing other tables row by row. Nothing else writes them.
"""

from django.db import models


class LeadFact(models.Model):
    """One row per lead (merged-away leads left out), with its funnel stage."""

    lead_id = models.BigIntegerField(primary_key=True)
    channel_id = models.BigIntegerField()
    owner = models.ForeignKey(
        "accounts.User", models.DO_NOTHING, null=True, db_constraint=False, related_name="+"
    )
    grade = models.CharField(max_length=1, blank=True)
    status = models.CharField(max_length=12)
    created_at = models.DateTimeField()
    converted_at = models.DateTimeField(null=True)
    customer_id = models.BigIntegerField(null=True)
    invalid = models.BooleanField(default=False)  # marked invalid or a duplicate of another lead
    stage = models.PositiveSmallIntegerField()  # 0 lead … 5 paying customer (reports.funnel.STAGES)
    # The converted customer's totals over all salespeople (CustomerSales summed), so reports
    # for viewers who see everyone need no join.
    order_value = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    payments = models.DecimalField(max_digits=16, decimal_places=2, null=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], name="an_leadfact_created"),
            models.Index(fields=["owner", "created_at"], name="an_leadfact_owner_created"),
            models.Index(fields=["converted_at"], name="an_leadfact_converted"),
        ]

    def __str__(self) -> str:
        return f"lead {self.lead_id}: stage {self.stage}"


class CustomerSales(models.Model):
    """What one customer bought and paid, per salesperson who owned the order or contract."""

    customer_id = models.BigIntegerField()
    owner = models.ForeignKey(
        "accounts.User", models.DO_NOTHING, null=True, db_constraint=False, related_name="+"
    )
    order_value = models.DecimalField(max_digits=16, decimal_places=2, default=0)  # live orders less refunds
    payments = models.DecimalField(max_digits=16, decimal_places=2, default=0)  # receipts less refunds
    live_orders = models.PositiveIntegerField(default=0)
    receipts = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["customer_id", "owner"], name="an_custsales_customer")]

    def __str__(self) -> str:
        return f"customer {self.customer_id}: {self.order_value}"


class GainFact(models.Model):
    """A claim or assignment of a lead, and when its new owner first followed it up."""

    event_id = models.BigIntegerField(primary_key=True)
    lead_id = models.BigIntegerField()
    to_user = models.ForeignKey("accounts.User", models.DO_NOTHING, db_constraint=False, related_name="+")
    kind = models.CharField(max_length=8)
    at = models.DateTimeField()
    first_follow_up_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["at"], name="an_gainfact_at"),
            # With the follow-up time included, a department's waits read only the index.
            models.Index(
                fields=["to_user", "at"], include=["first_follow_up_at"], name="an_gainfact_user_at_fu"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id}"


class SummaryState(models.Model):
    """When the summaries were last rebuilt (one row)."""

    refreshed_at = models.DateTimeField()
    seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.refreshed_at:%Y-%m-%d %H:%M}"
