"""Per-salesperson metrics the leaderboard needs that no domain registers yet.

Registered in ``kehu.core.metrics`` only when the code is still free, so once the pool or
sales app registers its own (the better home), theirs is used by both the leaderboard
report and the leaderboard assignment strategy.
"""

from django.db.models import Case, Count, F, Sum, When
from django.utils.translation import gettext_lazy as _

from kehu.core import metrics

CLAIMS = "claims"
CONTRACT_AMOUNT = "contract_amount"
PAYMENTS = "payments"


def _by_user(qs, field: str, value) -> dict[int, float]:
    return {
        row[field]: float(row["value"] or 0)
        for row in qs.values(field).annotate(value=value).order_by()
        if row[field] is not None
    }


def claims(user_ids, start, end) -> dict[int, float]:
    """Leads the person claimed from a pool in the period."""
    from kehu.pool.models import OwnershipEvent

    qs = OwnershipEvent.objects.filter(
        to_user_id__in=list(user_ids), kind=OwnershipEvent.Kind.CLAIM, at__gte=start, at__lt=end
    )
    return _by_user(qs, "to_user_id", Count("id"))


def contract_amount(user_ids, start, end) -> dict[int, float]:
    """Amounts of contracts the person signed in the period (drafts and terminated excluded)."""
    from kehu.sales.models import Contract

    qs = Contract.objects.filter(
        owner_id__in=list(user_ids),
        signed_on__gte=start.date(),
        signed_on__lt=end.date(),
        status__in=[Contract.Status.ACTIVE, Contract.Status.COMPLETED],
    )
    return _by_user(qs, "owner_id", Sum("amount"))


def payments(user_ids, start, end) -> dict[int, float]:
    """Receipts less refunds on the person's contracts, by date received."""
    from kehu.sales.models import Payment

    qs = Payment.objects.filter(
        contract__owner_id__in=list(user_ids), received_on__gte=start.date(), received_on__lt=end.date()
    )
    signed = Sum(Case(When(kind=Payment.Kind.REFUND, then=-F("amount")), default=F("amount")))
    return _by_user(qs, "contract__owner_id", signed)


def register() -> None:
    for metric in (
        metrics.Metric(CLAIMS, _("Claims"), claims),
        metrics.Metric(CONTRACT_AMOUNT, _("Contract amount"), contract_amount),
        metrics.Metric(PAYMENTS, _("Payments received"), payments),
    ):
        if metric.code not in metrics.METRICS:
            metrics.register(metric)
