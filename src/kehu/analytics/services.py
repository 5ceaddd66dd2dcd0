"""One entry point for every report, used by the UI, the API and exports alike."""

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from kehu.core import metrics

from . import summaries
from .reports import channels, funnel, leaderboard, pool_health, time_to_convert
from .reports.base import Filters, Period


@dataclass(frozen=True)
class Report:
    code: str
    title: Any
    run: Any  # (user, period, filters, options) -> dict
    export_rows: Any  # (report) -> (headers, rows)
    options: tuple[str, ...] = ()


def _channels(user, period, filters, options):
    return channels.channel_report(
        user, period, filters, sort=options.get("sort") or "leads", descending=options.get("desc", True)
    )


def _time(user, period, filters, options):
    return time_to_convert.time_to_convert(user, period, filters, by=options.get("by") or "channel")


def _funnel(user, period, filters, options):
    return funnel.funnel(user, period, filters)


def _leaderboard(user, period, filters, options):
    return leaderboard.leaderboard(user, period, filters, sort=options.get("sort") or "lead_conversions")


def _pool(user, period, filters, options):
    return pool_health.pool_health(user, period, filters)


REPORTS = {
    r.code: r
    for r in (
        Report("channels", _("Channel ROI"), _channels, channels.export_rows, ("sort", "desc")),
        Report("time-to-convert", _("Time to convert"), _time, time_to_convert.export_rows, ("by",)),
        Report("funnel", _("Conversion funnel"), _funnel, funnel.export_rows),
        Report("leaderboard", _("Sales leaderboard"), _leaderboard, leaderboard.export_rows, ("sort",)),
        Report("pool-health", _("Pool health"), _pool, pool_health.export_rows),
    )
}


def run(code: str, user, period: Period, filters: Filters, **options) -> dict:
    state = summaries.state()
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            # Report joins and groupings of a few hundred thousand rows stay in memory, and
            # are not worth JIT compilation (which costs more than it saves at this size).
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")
            report = REPORTS[code].run(user, period, filters, options)
    else:
        # No transaction on SQLite: Kehu's transactions there take the write lock.
        report = REPORTS[code].run(user, period, filters, options)
    # The others read the analytics summaries; the leaderboard reads the metrics, whose
    # closed days come from their daily summary once it is built (None: all live).
    if code == "leaderboard":
        report["as_of"] = metrics.refreshed_at(leaderboard.CODES)
    else:
        report["as_of"] = state.refreshed_at
    return report


def export(code: str, report: dict):
    return REPORTS[code].export_rows(report)


def filename(code: str, period: Period) -> str:
    return f"{code}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
