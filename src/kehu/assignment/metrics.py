"""Per-salesperson metrics for the leaderboard, registered in ``kehu.core.metrics``.

The one place these figures are computed: the leaderboard strategy reads them here and
analytics reuses them through the registry. Each returns {user_id: value} for [start, end).

Sales figures (orders, renewals) and follow-ups belong to the sales and activities domains;
their tables are looked up by name so this module works before those apps have data (or
models): a missing model simply counts as zero for everyone.
"""

from django.apps import apps
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils.translation import gettext_lazy as _

from kehu.core import metrics


def _model(app_label: str, name: str):
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def _by_user(qs, user_field: str, value) -> dict[int, float]:
    return {
        row[user_field]: float(row["value"] or 0)
        for row in qs.values(user_field).annotate(value=value).order_by()
        if row[user_field] is not None
    }


def lead_conversions(user_ids, start, end) -> dict[int, float]:
    """Leads the person converted into customers in the period (performance)."""
    Lead = apps.get_model("leads", "Lead")
    qs = Lead.objects.filter(owner_id__in=list(user_ids), converted_at__gte=start, converted_at__lt=end)
    return _by_user(qs, "owner_id", Count("id"))


def sales_amount(user_ids, start, end) -> dict[int, float]:
    """Confirmed order totals less refunds, by the order's salesperson (performance)."""
    Order = _model("sales", "Order")
    if Order is None:
        return {}
    qs = Order.objects.filter(
        owner_id__in=list(user_ids), ordered_at__gte=start, ordered_at__lt=end, cancelled_at__isnull=True
    )
    # One pass over the orders: total less refunds per row.
    return _by_user(qs, "owner_id", Sum(F("total") - F("refunded")))


def renewals(user_ids, start, end) -> dict[int, float]:
    """Orders in the period from customers who had ordered before (repeat business)."""
    Order = _model("sales", "Order")
    if Order is None:
        return {}
    # EXISTS per order on the (customer, ordered_at) index, not IN over every earlier order.
    earlier = Order.objects.filter(
        customer_id=OuterRef("customer_id"), cancelled_at__isnull=True, ordered_at__lt=start
    )
    qs = Order.objects.filter(
        Exists(earlier),
        owner_id__in=list(user_ids),
        ordered_at__gte=start,
        ordered_at__lt=end,
        cancelled_at__isnull=True,
    )
    return _by_user(qs, "owner_id", Count("id"))


def activity(user_ids, start, end) -> dict[int, float]:
    """Follow-ups written in the period (calls, visits, messages …)."""
    FollowUp = _model("activities", "FollowUp")
    ids = list(user_ids)
    if FollowUp is not None:
        return _by_user(
            FollowUp.objects.filter(author_id__in=ids, at__gte=start, at__lt=end), "author_id", Count("id")
        )
    # Without follow-up records: leads and customers the person touched in the period.
    Lead = apps.get_model("leads", "Lead")
    Customer = apps.get_model("customers", "Customer")
    out = _by_user(
        Lead.objects.filter(owner_id__in=ids, last_follow_up_at__gte=start, last_follow_up_at__lt=end),
        "owner_id",
        Count("id"),
    )
    for pk, value in _by_user(
        Customer.objects.filter(Q(owner_id__in=ids), last_contact_at__gte=start, last_contact_at__lt=end),
        "owner_id",
        Count("id"),
    ).items():
        out[pk] = out.get(pk, 0) + value
    return out


LEAD_CONVERSIONS = "lead_conversions"
SALES_AMOUNT = "sales_amount"
RENEWALS = "renewals"
ACTIVITY = "activity"


def register() -> None:
    metrics.register(metrics.Metric(LEAD_CONVERSIONS, _("Leads converted"), lead_conversions))
    metrics.register(metrics.Metric(SALES_AMOUNT, _("Sales amount"), sales_amount))
    metrics.register(metrics.Metric(RENEWALS, _("Renewals (repeat orders)"), renewals))
    metrics.register(metrics.Metric(ACTIVITY, _("Follow-ups"), activity))
