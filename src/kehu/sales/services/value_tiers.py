"""Value tiers (客户价值分层) from each customer's orders: recency, frequency, monetary (RFM).

The recomputation runs in the database as a few set-based statements (the same SQL on
SQLite and PostgreSQL): aggregate live orders per customer, score R, F and M from 1 to 3
(fixed thresholds, or thirds of the buying customers with NTILE), map the score sum to a
tier, store the figures in ``sales_customervalue`` and hand the tiers to the customers
domain, which updates only the customers whose tier changed.
"""

import datetime as dt

from django.db import connection, transaction
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.errors import Forbidden, ValidationFailed
from kehu.customers import services as customer_services

from ..models import CustomerValue, Order, ValueTierSettings

MANAGE_SALES_SETTINGS = "manage_sales_settings"


def _threshold_scores(p: dict) -> tuple[str, str, str]:
    r = "CASE WHEN last_at >= %(r_high)s THEN 3 WHEN last_at >= %(r_middle)s THEN 2 ELSE 1 END"
    f = "CASE WHEN freq >= %(f_high)s THEN 3 WHEN freq >= %(f_middle)s THEN 2 ELSE 1 END"
    m = (
        "CASE WHEN monetary >= CAST(%(m_high)s AS NUMERIC) THEN 3 "
        "WHEN monetary >= CAST(%(m_middle)s AS NUMERIC) THEN 2 ELSE 1 END"
    )
    return r, f, m


def _quantile_scores() -> tuple[str, str, str]:
    # Ties are broken by customer id so that the split is deterministic.
    return (
        "NTILE(3) OVER (ORDER BY last_at, customer_id)",
        "NTILE(3) OVER (ORDER BY freq, customer_id)",
        "NTILE(3) OVER (ORDER BY monetary, customer_id)",
    )


def recompute(now: dt.datetime | None = None) -> dict:
    """Rewrite every buying customer's RFM figures and tier; returns counts."""
    now = now or clock.now()
    conf = ValueTierSettings.current()
    ops = connection.ops
    params = {
        "now": ops.adapt_datetimefield_value(now),
        "since": ops.adapt_datetimefield_value(now - dt.timedelta(days=conf.window_days or 0)),
        "r_high": ops.adapt_datetimefield_value(now - dt.timedelta(days=conf.recency_high_days)),
        "r_middle": ops.adapt_datetimefield_value(now - dt.timedelta(days=conf.recency_middle_days)),
        "f_high": conf.frequency_high,
        "f_middle": conf.frequency_middle,
        "m_high": str(conf.monetary_high),
        "m_middle": str(conf.monetary_middle),
        "high": conf.high_score,
        "middle": conf.middle_score,
        "confirmed": Order.Status.CONFIRMED,
    }
    r, f, m = (
        _quantile_scores() if conf.method == ValueTierSettings.Method.QUANTILES else _threshold_scores(params)
    )
    window = "AND ordered_at >= %(since)s" if conf.window_days else ""
    value_table = CustomerValue._meta.db_table
    order_table = Order._meta.db_table
    sql = f"""
        INSERT INTO {value_table}
            (customer_id, last_order_at, frequency, monetary, r_score, f_score, m_score, tier, computed_at)
        SELECT customer_id, last_at, freq, monetary, r, f, m,
               CASE WHEN r + f + m >= %(high)s THEN 'high'
                    WHEN r + f + m >= %(middle)s THEN 'middle' ELSE 'low' END,
               %(now)s
        FROM (
            SELECT customer_id, last_at, freq, monetary, {r} AS r, {f} AS f, {m} AS m
            FROM (
                SELECT customer_id, MAX(ordered_at) AS last_at, COUNT(*) AS freq,
                       SUM(total - refunded) AS monetary
                FROM {order_table}
                WHERE status = %(confirmed)s {window}
                GROUP BY customer_id
            ) agg
        ) scored
    """  # noqa: S608 - table names from model meta, values as parameters
    # TRUNCATE is the fast way to empty the table, but PostgreSQL refuses it inside a
    # transaction that still has deferred foreign-key checks on it (a caller's transaction).
    truncate = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            if truncate:
                cursor.execute(f"TRUNCATE {value_table}")
            else:
                cursor.execute(f"DELETE FROM {value_table}")  # noqa: S608
            cursor.execute(sql, params)
            valued = cursor.rowcount
        changed = customer_services.sync_value_tiers(f"SELECT customer_id, tier FROM {value_table}")  # noqa: S608
        ValueTierSettings.objects.filter(pk=conf.pk).update(computed_at=now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {value_table}")
    return {"valued": valued, "changed": changed}


def save_settings(actor, data: dict) -> ValueTierSettings:
    if actor is not None and not actor.can(MANAGE_SALES_SETTINGS):
        raise Forbidden()
    conf = ValueTierSettings.current()
    errors: dict[str, list[str]] = {}
    if "method" in data:
        if data["method"] not in ValueTierSettings.Method.values:
            errors["method"] = [_("Not a valid choice.")]
        conf.method = data["method"]
    for field in (
        "window_days",
        "recency_high_days",
        "recency_middle_days",
        "frequency_high",
        "frequency_middle",
        "monetary_high",
        "monetary_middle",
        "high_score",
        "middle_score",
    ):
        if field in data and data[field] is not None:
            setattr(conf, field, data[field])
    if conf.recency_high_days > conf.recency_middle_days:
        errors["recency_high_days"] = [_("“Recent” must be shorter than “fairly recent”.")]
    if conf.frequency_high < conf.frequency_middle:
        errors["frequency_high"] = [_("Must be at least the middle threshold.")]
    if conf.monetary_high < conf.monetary_middle:
        errors["monetary_high"] = [_("Must be at least the middle threshold.")]
    if not 3 <= conf.middle_score <= conf.high_score <= 9:
        errors["high_score"] = [_("Scores run from 3 to 9, high at least middle.")]
    if errors:
        raise ValidationFailed(fields=errors)
    conf.save()
    return conf
