"""Per-salesperson performance metrics, contributed by the domains that own the data.

The leaderboard assignment strategy and the analytics leaderboard read the same metrics
through this registry, so a figure is computed by one piece of code. A domain registers
its metrics in its AppConfig.ready():

    metrics.register(metrics.Metric("payments", _("Payments received"), compute_payments))

``compute(user_ids, start, end)`` returns {user_id: value} for the half-open period
[start, end); users without activity may be left out (they count as 0).

Daily summary. A metric that is a sum over days may say so with ``days``; its compute
function then also answers ``compute(user_ids, start, end, by_day=True)`` with
{(user_id, day): value} (``user_ids`` None: everyone) — the same query, grouped by day
as well (``tally`` does both). ``refresh()`` (a periodic task) stores those daily figures
for every closed day in ``MetricDay``; ``compute`` then adds the stored days that lie
wholly inside the period to a live computation of the rest (the partial first and last
days, and the days since the last refresh). Without a refresh everything is live.

- ``days="datetime"``: the period bounds filter a timestamp; a day is a calendar day in
  the site's time zone.
- ``days="date"``: the period bounds filter a date as [start.date(), end.date()).

A metric that is not a sum over days (renewals: it depends on where the period starts) may
keep a summary of its own (``rebuild``) and summable ``parts``, and combine them itself.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, models, transaction
from django.db.models.functions import TruncDate
from django.utils import timezone

from . import bulk, clock

Compute = Callable[..., dict]

DATETIME_DAYS = "datetime"
DATE_DAYS = "date"
# Where a full rebuild of the daily summary starts (everything before counts as zero).
EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Metric:
    code: str
    label: object
    compute: Compute
    higher_is_better: bool = True
    days: str | None = None  # DATETIME_DAYS or DATE_DAYS when summable by day (see above)
    # Summable helper figures the compute function reads through ``summed`` (stored in the
    # daily summary under their own codes; not offered as metrics themselves).
    parts: tuple["Metric", ...] = ()
    # Rebuilds a summary the metric keeps itself, for everything before the given day's
    # midnight; ``refresh`` calls it and records that day as the metric's coverage, which
    # the metric's compute reads (``coverage()``) to use that summary.
    rebuild: Callable[[dt.date], object] | None = None


METRICS: dict[str, Metric] = {}


def register(metric: Metric) -> None:
    METRICS[metric.code] = metric


def get(code: str) -> Metric:
    try:
        return METRICS[code]
    except KeyError:
        raise LookupError(f"no metric {code!r}; known: {sorted(METRICS)}") from None


def tally(qs, user_field: str, value, day_field: str | None = None) -> dict:
    """``value`` aggregated per person ({user_id: value}), or per person and day.

    With ``day_field`` the keys are (user_id, day): the field's date, or for a timestamp
    its calendar day in the site's time zone. Rows without a person are left out.
    """
    if day_field is None:
        return {
            row[user_field]: float(row["value"] or 0)
            for row in qs.values(user_field).annotate(value=value).order_by()
            if row[user_field] is not None
        }
    field = qs.model._meta.get_field(day_field)
    if isinstance(field, models.DateTimeField):
        day = TruncDate(day_field, tzinfo=timezone.get_default_timezone())
    else:
        day = models.F(day_field)
    rows = qs.annotate(metric_day=day).values(user_field, "metric_day").annotate(value=value).order_by()
    return {
        (row[user_field], row["metric_day"]): row["value"] or 0 for row in rows if row[user_field] is not None
    }


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def _local_day(at: dt.datetime) -> dt.date:
    return timezone.localtime(at, timezone.get_default_timezone()).date()


def _split(metric: Metric, start: dt.datetime, end: dt.datetime, covered_until: dt.date | None):
    """(stored days [first, last) or None, live [start, end) ranges) for one period."""
    if covered_until is None or metric.days is None:
        return None, [(start, end)]
    if metric.days == DATE_DAYS:
        first, last = start.date(), min(end.date(), covered_until)
        if first >= last:
            return None, [(start, end)]
        if last == end.date():
            return (first, last), []
        # compute() reads start.date(): a bound on the day the live part begins.
        tail = dt.datetime.combine(last, dt.time.min, tzinfo=start.tzinfo)
        return (first, last), [(tail, end)]
    first = _local_day(start)
    if _midnight(first) < start:
        first += dt.timedelta(days=1)
    last = min(_local_day(end), covered_until)
    if first >= last:
        return None, [(start, end)]
    live = []
    if start < _midnight(first):
        live.append((start, _midnight(first)))
    if _midnight(last) < end:
        live.append((_midnight(last), end))
    return (first, last), live


def compute(code: str, user_ids: Iterable[int], start: dt.datetime, end: dt.datetime) -> dict[int, float]:
    return summed(get(code), user_ids, start, end)


def summed(metric: Metric, user_ids: Iterable[int], start: dt.datetime, end: dt.datetime) -> dict[int, float]:
    """{user_id: value} for every id: stored closed days (if any) plus the rest live."""
    ids = list(user_ids)
    code = metric.code
    covered_until = coverage().get(code) if metric.days and ids else None
    stored, live = _split(metric, start, end, covered_until)
    totals: dict[int, float] = dict.fromkeys(ids, 0.0)
    if stored is not None:
        from .models import MetricDay

        rows = (
            MetricDay.objects.filter(metric=code, user_id__in=ids, day__gte=stored[0], day__lt=stored[1])
            .values("user_id")
            .annotate(total=models.Sum("value"))
            .order_by()
        )
        for row in rows:
            totals[row["user_id"]] += float(row["total"] or 0)
    for live_start, live_end in live:
        for user_id, value in metric.compute(ids, live_start, live_end).items():
            if user_id in totals:
                totals[user_id] += float(value or 0)
    return totals


def coverage() -> dict[str, dt.date]:
    """{metric code: first day not in the daily summary} for the summarised metrics."""
    from .models import MetricCoverage

    return dict(MetricCoverage.objects.values_list("metric", "covered_until"))


def refresh(today: dt.date | None = None, codes: Iterable[str] | None = None) -> dict[str, int]:
    """Rebuild the daily summary of every summable metric for all days before ``today``.

    Each metric is rebuilt in one transaction (delete, insert, coverage), so a reader sees
    either the old or the new summary. Returns {code: rows written}.
    """
    from .models import MetricCoverage, MetricDay

    today = today or clock.today()
    start, end = _midnight(EPOCH), _midnight(today)
    written = {}
    for code in list(codes) if codes is not None else list(METRICS):
        top = get(code)
        # Parts first: a metric's own summary may be read together with its parts'.
        for metric in (*top.parts, top):
            if metric.days is None and metric.rebuild is None:
                continue
            with transaction.atomic():
                if metric.days is not None:
                    values = metric.compute(None, start, end, by_day=True)
                    rows = [
                        (metric.code, pk, day, Decimal(str(value)))
                        for (pk, day), value in values.items()
                        if value
                    ]
                    MetricDay.objects.filter(metric=metric.code).delete()
                    # COPY on PostgreSQL, executemany on SQLite (a few hundred thousand rows at scale).
                    bulk.insert_rows(MetricDay, ["metric", "user", "day", "value"], rows)
                    written[metric.code] = len(rows)
                if metric.rebuild is not None:
                    metric.rebuild(today)
                    written.setdefault(metric.code, 0)
                MetricCoverage.objects.update_or_create(
                    metric=metric.code, defaults={"covered_until": today, "refreshed_at": clock.now()}
                )
    if written and connection.vendor == "postgresql":
        table = connection.ops.quote_name(MetricDay._meta.db_table)
        with connection.cursor() as cursor:
            # The table was just rewritten: fresh statistics for planning the period sums,
            # and (outside a transaction) the visibility map, so they read only the index.
            cursor.execute(f"{'ANALYZE' if connection.in_atomic_block else 'VACUUM ANALYZE'} {table}")
    return written


def midnight(day: dt.date) -> dt.datetime:
    """The first instant of ``day`` in the site's time zone (where stored days begin)."""
    return _midnight(day)


def refreshed_at(codes: Iterable[str]) -> dt.datetime | None:
    """When the oldest of these metrics' summaries was built (None: some are fully live)."""
    from .models import MetricCoverage

    wanted = [code for code in codes if code in METRICS and (METRICS[code].days or METRICS[code].rebuild)]
    stamps = dict(MetricCoverage.objects.filter(metric__in=wanted).values_list("metric", "refreshed_at"))
    if not wanted or len(stamps) < len(wanted):
        return None
    return min(stamps.values())
