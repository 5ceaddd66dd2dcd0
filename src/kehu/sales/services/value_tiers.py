"""Value tiers (客户价值分层) from each customer's orders: recency, frequency, monetary (RFM).

The recomputation runs in the database as a few set-based statements (the same SQL on
SQLite and PostgreSQL): aggregate live orders per customer, score R, F and M from 1 to 3
(fixed thresholds, or thirds of the buying customers with NTILE), map the score sum to a
tier, store the figures in ``sales_customervalue`` and hand the tiers to the customers
domain, which updates only the customers whose tier changed.
"""

import datetime as dt
import time

from django.db import connection, transaction
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.errors import Forbidden, ValidationFailed
from kehu.customers import services as customer_services

from ..models import CustomerValue, Order, ValueTierSettings

MANAGE_SALES_SETTINGS = "manage_sales_settings"
NEW, CHANGES = "kehu_rfm_new", "kehu_rfm_changes"
WORK_MEM = "256MB"


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


def recompute(now: dt.datetime | None = None, *, full: bool = False) -> dict:
    """Recompute every buying customer's RFM figures and tier; returns counts and step times.

    Only what changed is written: figures that differ, and the tiers of the customers
    whose tier moved — a nightly run touches few rows even with a million customers.
    ``full`` (automatic when no figures are stored yet) compares with every customer's
    stored tier instead, which also repairs tiers changed behind the service's back.
    """
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
    scored_sql = f"""
        SELECT customer_id, last_at, freq, monetary, r, f, m,
               CASE WHEN r + f + m >= %(high)s THEN 'high'
                    WHEN r + f + m >= %(middle)s THEN 'middle' ELSE 'low' END AS tier
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
    steps: dict[str, float] = {}

    def run(cursor, label: str, sql: str, args=None) -> int:
        started = time.perf_counter()
        cursor.execute(sql, args)
        steps[label] = round(time.perf_counter() - started, 2)
        return cursor.rowcount

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One hash aggregate over all orders: give it the memory to stay in one batch.
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        for table in (NEW, CHANGES):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"SELECT 1 FROM {value_table} LIMIT 1")  # noqa: S608
        full = full or cursor.fetchone() is None
        # 1. The new figures, in a temporary table (not written to the WAL).
        run(cursor, "aggregate", f"CREATE TEMPORARY TABLE {NEW} AS {scored_sql}", params)
        cursor.execute(f"CREATE UNIQUE INDEX {NEW}_pk ON {NEW} (customer_id)")
        cursor.execute(f"SELECT COUNT(*) FROM {NEW}")  # noqa: S608
        valued = cursor.fetchone()[0]
        # 2. Customers whose tier changes: new or different tier, or no longer buying.
        run(
            cursor,
            "changes",
            f"""
            CREATE TEMPORARY TABLE {CHANGES} AS
            SELECT n.customer_id, n.tier FROM {NEW} n
            LEFT JOIN {value_table} o ON o.customer_id = n.customer_id
            WHERE o.customer_id IS NULL OR o.tier <> n.tier
            UNION ALL
            SELECT o.customer_id, '' FROM {value_table} o
            WHERE NOT EXISTS (SELECT 1 FROM {NEW} n WHERE n.customer_id = o.customer_id)
            """,  # noqa: S608
        )
        # 3. The stored figures: drop those no longer buying, upsert the rows that differ.
        run(
            cursor,
            "delete",
            f"DELETE FROM {value_table} WHERE NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {NEW} n WHERE n.customer_id = {value_table}.customer_id)",
        )
        run(
            cursor,
            "upsert",
            f"""
            INSERT INTO {value_table}
                (customer_id, last_order_at, frequency, monetary, r_score, f_score, m_score, tier,
                 computed_at)
            SELECT n.customer_id, n.last_at, n.freq, n.monetary, n.r, n.f, n.m, n.tier, %(now)s
            FROM {NEW} n
            WHERE NOT EXISTS (
                SELECT 1 FROM {value_table} o
                WHERE o.customer_id = n.customer_id AND o.last_order_at = n.last_at
                  AND o.frequency = n.freq AND o.monetary = n.monetary AND o.r_score = n.r
                  AND o.f_score = n.f AND o.m_score = n.m AND o.tier = n.tier)
            ON CONFLICT (customer_id) DO UPDATE SET
                last_order_at = excluded.last_order_at, frequency = excluded.frequency,
                monetary = excluded.monetary, r_score = excluded.r_score, f_score = excluded.f_score,
                m_score = excluded.m_score, tier = excluded.tier, computed_at = excluded.computed_at
            """,  # noqa: S608
            params,
        )
        # 4. The customers domain writes the changed tiers to its own table.
        started = time.perf_counter()
        if full:
            changed = customer_services.set_value_tiers(
                f"SELECT customer_id, tier FROM {NEW}",  # noqa: S608
                clear_missing=True,
            )
        else:
            changed = customer_services.set_value_tiers(f"SELECT customer_id, tier FROM {CHANGES}")  # noqa: S608
        steps["customers"] = round(time.perf_counter() - started, 2)
        for table in (NEW, CHANGES):
            cursor.execute(f"DROP TABLE {table}")
        ValueTierSettings.objects.filter(pk=conf.pk).update(computed_at=now)
    return {"valued": valued, "changed": changed, "steps": steps}


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
