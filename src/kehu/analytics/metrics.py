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


def _for(qs, user_field: str, user_ids):
    """Narrow to the people asked for (None: everyone, for the daily summary)."""
    return qs if user_ids is None else qs.filter(**{f"{user_field}__in": list(user_ids)})


def claims(user_ids, start, end, *, by_day: bool = False) -> dict:
    """Leads the person claimed from a pool in the period."""
    from kehu.pool.models import OwnershipEvent

    qs = OwnershipEvent.objects.filter(kind=OwnershipEvent.Kind.CLAIM, at__gte=start, at__lt=end)
    qs = _for(qs, "to_user_id", user_ids)
    return metrics.tally(qs, "to_user_id", Count("id"), "at" if by_day else None)


def contract_amount(user_ids, start, end, *, by_day: bool = False) -> dict:
    """Amounts of contracts the person signed in the period (drafts and terminated excluded)."""
    from kehu.sales.models import Contract

    qs = Contract.objects.filter(
        signed_on__gte=start.date(),
        signed_on__lt=end.date(),
        status__in=[Contract.Status.ACTIVE, Contract.Status.COMPLETED],
    )
    qs = _for(qs, "owner_id", user_ids)
    return metrics.tally(qs, "owner_id", Sum("amount"), "signed_on" if by_day else None)


def payments(user_ids, start, end, *, by_day: bool = False) -> dict:
    """Receipts less refunds on the person's contracts, by date received."""
    from kehu.sales.models import Payment

    qs = Payment.objects.filter(received_on__gte=start.date(), received_on__lt=end.date())
    signed = Sum(Case(When(kind=Payment.Kind.REFUND, then=-F("amount")), default=F("amount")))
    qs = _for(qs, "contract__owner_id", user_ids)
    return metrics.tally(qs, "contract__owner_id", signed, "received_on" if by_day else None)


def register() -> None:
    for metric in (
        # All three are sums over days, kept in the daily summary (kehu.core.metrics).
        metrics.Metric(CLAIMS, _("Claims"), claims, days=metrics.DATETIME_DAYS),
        metrics.Metric(CONTRACT_AMOUNT, _("Contract amount"), contract_amount, days=metrics.DATE_DAYS),
        metrics.Metric(PAYMENTS, _("Payments received"), payments, days=metrics.DATE_DAYS),
    ):
        if metric.code not in metrics.METRICS:
            metrics.register(metric)
