"""Per-salesperson metrics for the leaderboard, registered in ``kehu.core.metrics``.

The one place these figures are computed: the leaderboard strategy reads them here and
analytics reuses them through the registry. Each returns {user_id: value} for [start, end).

Sales figures (orders, renewals) and follow-ups belong to the sales and activities domains;
their tables are looked up by name so this module works before those apps have data (or
models): a missing model simply counts as zero for everyone.
"""

from django.apps import apps
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Sum
from django.utils.translation import gettext_lazy as _

from kehu.core import metrics


def _model(app_label: str, name: str):
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def _by_user(qs, user_field: str, value) -> dict[int, float]:
    return metrics.tally(qs, user_field, value)


def _for(qs, user_field: str, user_ids):
    """Narrow to the people asked for (None: everyone, for the daily summary)."""
    return qs if user_ids is None else qs.filter(**{f"{user_field}__in": list(user_ids)})


def lead_conversions(user_ids, start, end, *, by_day: bool = False) -> dict:
    """Leads the person converted into customers in the period (performance)."""
    Lead = apps.get_model("leads", "Lead")
    qs = _for(Lead.objects.filter(converted_at__gte=start, converted_at__lt=end), "owner_id", user_ids)
    # COUNT(*): the partial conversion-time index includes the owner, no heap reads.
    return metrics.tally(qs, "owner_id", Count("*"), "converted_at" if by_day else None)


def sales_amount(user_ids, start, end, *, by_day: bool = False) -> dict:
    """Confirmed order totals less refunds, by the order's salesperson (performance)."""
    Order = _model("sales", "Order")
    if Order is None:
        return {}
    qs = Order.objects.filter(ordered_at__gte=start, ordered_at__lt=end, cancelled_at__isnull=True)
    # One pass over the orders: total less refunds per row.
    qs = _for(qs, "owner_id", user_ids)
    return metrics.tally(qs, "owner_id", Sum(F("total") - F("refunded")), "ordered_at" if by_day else None)


def live_orders(user_ids, start, end, *, by_day: bool = False) -> dict:
    """Orders not cancelled, by their salesperson (a summable part of renewals)."""
    Order = _model("sales", "Order")
    if Order is None:
        return {}
    qs = Order.objects.filter(ordered_at__gte=start, ordered_at__lt=end, cancelled_at__isnull=True)
    qs = _for(qs, "owner_id", user_ids)
    return metrics.tally(qs, "owner_id", Count("id"), "ordered_at" if by_day else None)


LIVE_ORDERS = metrics.Metric("renewals.orders", "", live_orders, days=metrics.DATETIME_DAYS)


def _repeat_orders(Order, ids, start, end, before) -> dict[int, float]:
    """Orders in [start, end) from customers with a live order before ``before`` (live)."""
    # EXISTS per order on the (customer, ordered_at) index, not IN over every earlier order.
    earlier = Order.objects.filter(
        customer_id=OuterRef("customer_id"), cancelled_at__isnull=True, ordered_at__lt=before
    )
    qs = Order.objects.filter(
        Exists(earlier),
        owner_id__in=ids,
        ordered_at__gte=start,
        ordered_at__lt=end,
        cancelled_at__isnull=True,
    )
    # COUNT(*): the partial (customer, ordered_at) index includes the owner, no heap reads.
    return _by_user(qs, "owner_id", Count("*"))


def renewals(user_ids, start, end) -> dict[int, float]:
    """Orders in the period from customers who had ordered before (repeat business).

    Not a sum over days (it depends on where the period starts), so with a summary
    (``CustomerFirstOrder`` up to a cutoff, and the daily count of live orders) the part
    of the period before the cutoff is: live orders less those of customers whose first
    order lies inside the period; the part after the cutoff is computed live.
    """
    Order = _model("sales", "Order")
    if Order is None:
        return {}
    from .models import CustomerFirstOrder

    ids = list(user_ids)
    covered = metrics.coverage().get(RENEWALS)
    cutoff = metrics.midnight(covered) if covered else None
    if cutoff is None or start >= cutoff:
        return _repeat_orders(Order, ids, start, end, start)
    middle = min(end, cutoff)
    out = metrics.summed(LIVE_ORDERS, ids, start, middle)
    newcomers = CustomerFirstOrder.objects.filter(first_at__gte=start).values("customer_id")
    first_timers = Order.objects.filter(
        customer_id__in=newcomers,
        owner_id__in=ids,
        ordered_at__gte=start,
        ordered_at__lt=middle,
        cancelled_at__isnull=True,
    )
    for pk, value in _by_user(first_timers, "owner_id", Count("*")).items():
        out[pk] -= value
    if end > cutoff:
        for pk, value in _repeat_orders(Order, ids, cutoff, end, start).items():
            out[pk] += value
    return out


def rebuild_first_orders(covered_until) -> None:
    """Rebuild ``CustomerFirstOrder`` from the live orders before that day's midnight."""
    from django.db import connection

    from .models import CustomerFirstOrder

    CustomerFirstOrder.objects.all().delete()
    Order = _model("sales", "Order")
    if Order is None:
        return
    first = (
        Order.objects.filter(cancelled_at__isnull=True, ordered_at__lt=metrics.midnight(covered_until))
        .values("customer_id")
        .annotate(first=Min("ordered_at"))
        .order_by()
    )
    sql, params = first.query.sql_with_params()
    table = connection.ops.quote_name(CustomerFirstOrder._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (customer_id, first_at) {sql}", params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {table}")  # fresh statistics for the newcomers' lookup


def activity(user_ids, start, end, *, by_day: bool = False) -> dict:
    """Follow-ups written in the period (calls, visits, messages …)."""
    FollowUp = _model("activities", "FollowUp")
    if FollowUp is not None:
        qs = _for(FollowUp.objects.filter(at__gte=start, at__lt=end), "author_id", user_ids)
        return metrics.tally(qs, "author_id", Count("id"), "at" if by_day else None)
    ids = list(user_ids)
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
    # Sums over days (kept in the daily summary, see kehu.core.metrics) except renewals,
    # whose figure depends on where the period starts (it keeps a summary of its own).
    daily = metrics.DATETIME_DAYS
    metrics.register(metrics.Metric(LEAD_CONVERSIONS, _("Leads converted"), lead_conversions, days=daily))
    sales = daily if _model("sales", "Order") is not None else None
    metrics.register(metrics.Metric(SALES_AMOUNT, _("Sales amount"), sales_amount, days=sales))
    if sales:
        # Not a sum over days: its own summary (first orders) and a summable part.
        renewal = metrics.Metric(
            RENEWALS,
            _("Renewals (repeat orders)"),
            renewals,
            parts=(LIVE_ORDERS,),
            rebuild=rebuild_first_orders,
        )
    else:
        renewal = metrics.Metric(RENEWALS, _("Renewals (repeat orders)"), renewals)
    metrics.register(renewal)
    follow_ups = daily if _model("activities", "FollowUp") is not None else None
    metrics.register(metrics.Metric(ACTIVITY, _("Follow-ups"), activity, days=follow_ups))
