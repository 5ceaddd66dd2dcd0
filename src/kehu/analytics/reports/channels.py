"""Channel report: leads, conversion, customer value, cost and ROI per channel and category.

Definitions (docs/analytics.md):
- leads in: leads created in the period (the intake cohort; merged-away leads excluded);
- valid: not marked invalid and not a duplicate of another lead;
- converted: leads of the cohort converted to a customer (at any time up to now);
- order value / payments: net orders (not cancelled, less refunds) and net payments
  (receipts less refunds) of the customers those leads became, over the customer's life;
  a customer counts once per channel however many of its leads came from that channel;
- cost: ChannelCost rows prorated by the days they overlap the period; shown only to
  viewers whose figures cover everyone (a channel's cost is spent on all of its leads);
- ROI: (order value − cost) / cost.
"""

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kehu.leads.models import Channel, ChannelCost

from ..models import CustomerSales
from .base import Filters, Period, channel_ids, lead_cohort, owned, people, ratio

COLUMNS = [
    ("name", _("Channel")),
    ("category_label", _("Category")),
    ("leads", _("Leads in")),
    ("valid", _("Valid leads")),
    ("converted", _("Converted")),
    ("conversion_rate", _("Conversion rate")),
    ("order_value", _("Order value")),
    ("payments", _("Payments")),
    ("cost", _("Cost")),
    ("cost_per_lead", _("Cost per lead")),
    ("cost_per_customer", _("Cost per customer")),
    ("roi", _("ROI")),
]
SORTS = [key for key, _label in COLUMNS]
VALID = Q(invalid=False)
CONVERTED = Q(converted_at__isnull=False)


def _sql(qs):
    return qs.query.sql_with_params()


def _values_by_channel(cohort, sales_qs) -> dict[int, tuple[Decimal, Decimal]]:
    """Order value and payments per channel over the distinct (channel, customer) pairs of
    the cohort's converted leads — one join, both sums."""
    try:
        pairs_sql, pairs_params = _sql(
            cohort.filter(CONVERTED, customer_id__isnull=False)
            .values("channel_id", "customer_id")
            .order_by()
            .distinct()
        )
        values_sql, values_params = _sql(sales_qs)
    except EmptyResultSet:  # a filter that matches nobody
        return {}
    # Both parts are SQL compiled by Django's ORM with their own parameters.
    sql = (
        f"SELECT p.channel_id, SUM(v.order_value), SUM(v.payments) FROM ({pairs_sql}) p "  # noqa: S608
        f"JOIN ({values_sql}) v ON v.customer_id = p.customer_id GROUP BY p.channel_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*pairs_params, *values_params])
        return {
            channel: (Decimal(str(orders or 0)), Decimal(str(paid or 0)))
            for channel, orders, paid in cursor.fetchall()
        }


def _values_for_everyone(cohort) -> dict[int, tuple[Decimal, Decimal]]:
    """The same sums for a viewer who sees every sale: the customer's totals are on the facts."""
    try:
        pairs_sql, params = _sql(
            cohort.filter(CONVERTED, customer_id__isnull=False)
            .values("channel_id", "customer_id", "order_value", "payments")
            .order_by()
            .distinct()
        )
    except EmptyResultSet:
        return {}
    sql = (
        f"SELECT p.channel_id, SUM(p.order_value), SUM(p.payments) FROM ({pairs_sql}) p GROUP BY p.channel_id"  # noqa: S608
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            channel: (Decimal(str(orders or 0)), Decimal(str(paid or 0)))
            for channel, orders, paid in cursor.fetchall()
        }


def _customer_sales(viewer, filters):
    # Per customer and salesperson; joined to the pairs and summed there, so only the
    # cohort's customers are added up, and only sales by people in the viewer's scope.
    return (
        owned(viewer, CustomerSales, "owner_id", filters)
        .values("customer_id", "order_value", "payments")
        .order_by()
    )


def prorated_costs(period: Period, only: list[int] | None = None) -> dict[int, Decimal]:
    """Each channel's cost in the period: every cost row weighted by its days inside the period."""
    qs = ChannelCost.objects.filter(period_start__lte=period.end, period_end__gte=period.start)
    if only is not None:
        qs = qs.filter(channel_id__in=only)
    out: dict[int, Decimal] = {}
    for cost in qs:
        length = (cost.period_end - cost.period_start).days + 1
        if length <= 0:
            continue
        overlap = (min(cost.period_end, period.end) - max(cost.period_start, period.start)).days + 1
        share = cost.amount * Decimal(overlap) / Decimal(length)
        out[cost.channel_id] = out.get(cost.channel_id, Decimal(0)) + share
    return {pk: value.quantize(Decimal("0.01")) for pk, value in out.items()}


def _finish(row: dict) -> dict:
    row["conversion_rate"] = ratio(row["converted"], row["leads"])
    cost = row["cost"]
    if cost is None:
        row["cost_per_lead"] = row["cost_per_customer"] = row["roi"] = None
    else:
        row["cost_per_lead"] = (cost / row["leads"]).quantize(Decimal("0.01")) if row["leads"] else None
        row["cost_per_customer"] = (
            (cost / row["converted"]).quantize(Decimal("0.01")) if row["converted"] else None
        )
        row["roi"] = ratio(row["order_value"] - cost, cost) if cost else None
    return row


def leads_url(period: Period, channel: int | None = None) -> str:
    query = {"created_from": period.start.isoformat(), "created_to": period.end.isoformat()}
    if channel:
        query["channel"] = channel
    return f"{reverse('leads:list')}?{urlencode(query)}"


def sort_rows(rows: list[dict], sort: str, descending: bool) -> list[dict]:
    if sort not in SORTS:
        return rows
    present = [r for r in rows if r.get(sort) is not None]
    missing = [r for r in rows if r.get(sort) is None]

    def key(row):
        value = row[sort]
        return value.lower() if isinstance(value, str) else value

    present.sort(key=key, reverse=descending)
    return present + missing


def channel_report(
    viewer, period: Period, filters: Filters | None = None, sort: str = "leads", descending: bool = True
) -> dict:
    """{"channels": [row…], "categories": [row…], "total": row, "costs_visible": bool}."""
    filters = filters or Filters()
    cohort = lead_cohort(viewer, period, filters)
    counts = {
        row["channel_id"]: row
        for row in cohort.values("channel_id")
        .annotate(leads=Count("pk"), valid=Count("pk", filter=VALID), converted=Count("pk", filter=CONVERTED))
        .order_by()
    }
    if people(viewer, filters) is None:
        values = _values_for_everyone(cohort)
    else:
        values = _values_by_channel(cohort, _customer_sales(viewer, filters))
    none = (Decimal(0), Decimal(0))
    costs_visible = people(viewer, filters) is None
    wanted = channel_ids(filters.channel) if filters.channel else None
    costs = prorated_costs(period, wanted) if costs_visible else {}

    channels = Channel.objects.select_related("parent").order_by("order", "code")
    if wanted is not None:
        channels = channels.filter(pk__in=wanted)
    categories = dict(Channel.Category.choices)
    rows = []
    for channel in channels:
        count = counts.get(channel.pk)
        if count is None and channel.pk not in costs:
            continue  # a channel with neither leads nor cost in the period says nothing
        rows.append(
            _finish(
                {
                    "channel_id": channel.pk,
                    "code": channel.code,
                    "name": channel.label,
                    "parent": channel.parent.label if channel.parent else "",
                    "category": channel.category,
                    "category_label": str(categories.get(channel.category, channel.category)),
                    "leads": count["leads"] if count else 0,
                    "valid": count["valid"] if count else 0,
                    "converted": count["converted"] if count else 0,
                    "order_value": values.get(channel.pk, none)[0],
                    "payments": values.get(channel.pk, none)[1],
                    "cost": costs.get(channel.pk, Decimal(0)) if costs_visible else None,
                    "leads_url": leads_url(period, channel.pk),
                }
            )
        )
    summed = ("leads", "valid", "converted", "order_value", "payments", "cost")

    def total(subset, **extra) -> dict:
        row = {
            key: sum((r[key] for r in subset), Decimal(0) if key in summed[3:] else 0)
            for key in summed
            if costs_visible or key != "cost"
        }
        row.setdefault("cost", None)
        row.update(extra)
        return _finish(row)

    by_category = []
    for code, label in Channel.Category.choices:
        subset = [r for r in rows if r["category"] == code]
        if subset:
            by_category.append(total(subset, category=code, name=str(label), category_label=str(label)))
    return {
        "period": period,
        "channels": sort_rows(rows, sort, descending),
        "categories": sort_rows(by_category, sort, descending),
        "total": total(rows, name=str(_("Total")), category_label="", leads_url=leads_url(period)),
        "costs_visible": costs_visible,
    }


def export_rows(report: dict):
    headers = [label for _key, label in COLUMNS]
    keys = [key for key, _label in COLUMNS]
    rows = [[_cell(r.get(k)) for k in keys] for r in report["channels"]]
    rows += [[_cell(r.get(k)) for k in keys] for r in report["categories"]]
    rows.append([_cell(report["total"].get(k)) for k in keys])
    return headers, rows


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
