"""Analytics API: every report as JSON, and as CSV or Excel through ``…/export``."""

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Query, Router

from kehu.accounts.capabilities import EXPORT
from kehu.core.errors import Forbidden
from kehu.core.exports import export_response
from kehu.core.schemas import ErrorOut

from . import services
from .reports import channels as channel_report
from .reports.base import Filters, Period
from .schemas import ChannelReportOut, FunnelOut, LeaderboardOut, PoolHealthOut, ReportQuery, TimeToConvertOut

router = Router(tags=["analytics"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
EXPORT_DOC = {
    "responses": {
        200: {
            "description": "CSV or Excel file",
            "content": {
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            },
        }
    }
}
ChannelSort = Literal[tuple(channel_report.SORTS)]  # type: ignore[valid-type]
Dimension = Literal["channel", "grade", "team", "owner"]
MetricCode = Literal[
    "claims", "activity", "lead_conversions", "contract_amount", "payments", "renewals", "sales_amount"
]


def _inputs(query: ReportQuery):
    period = Period.parse(query.start, query.end)
    filters = Filters(channel=query.channel, grade=query.grade, team=query.team, owner=query.owner)
    return period, filters


def _period(report):
    report = dict(report)
    report["period"] = {"start": report["period"].start, "end": report["period"].end}
    return report


def _export(request, code, query, format, **options):
    if not request.user.can(EXPORT):
        raise Forbidden(_("Your role may not export."))
    period, filters = _inputs(query)
    report = services.run(code, request.user, period, filters, **options)
    headers, rows = services.export(code, report)
    return export_response(
        format, headers, rows, services.filename(code, period), str(services.REPORTS[code].title)
    )


@router.get("/analytics/channels", response={200: ChannelReportOut, **ERRORS})
def channels(request, query: Query[ReportQuery], sort: ChannelSort = "leads", desc: bool = True):
    """Leads, conversion, customer value, cost and ROI per channel and channel category."""
    period, filters = _inputs(query)
    return _period(services.run("channels", request.user, period, filters, sort=sort, desc=desc))


@router.get("/analytics/channels/export", response={200: None, **ERRORS}, openapi_extra=EXPORT_DOC)
def channels_export(
    request,
    query: Query[ReportQuery],
    sort: ChannelSort = "leads",
    desc: bool = True,
    format: Literal["csv", "xlsx"] = "csv",
):
    return _export(request, "channels", query, format, sort=sort, desc=desc)


@router.get("/analytics/time-to-convert", response={200: TimeToConvertOut, **ERRORS})
def time_to_convert(request, query: Query[ReportQuery], by: Dimension = "channel"):
    """Days from intake to customer for leads converted in the period: histogram and percentiles."""
    period, filters = _inputs(query)
    return _period(services.run("time-to-convert", request.user, period, filters, by=by))


@router.get("/analytics/time-to-convert/export", response={200: None, **ERRORS}, openapi_extra=EXPORT_DOC)
def time_to_convert_export(
    request, query: Query[ReportQuery], by: Dimension = "channel", format: Literal["csv", "xlsx"] = "csv"
):
    return _export(request, "time-to-convert", query, format, by=by)


@router.get("/analytics/funnel", response={200: FunnelOut, **ERRORS})
def funnel(request, query: Query[ReportQuery]):
    """Stages of the period's leads, where open leads are stuck, and weekly intake cohorts."""
    period, filters = _inputs(query)
    return _period(services.run("funnel", request.user, period, filters))


@router.get("/analytics/funnel/export", response={200: None, **ERRORS}, openapi_extra=EXPORT_DOC)
def funnel_export(request, query: Query[ReportQuery], format: Literal["csv", "xlsx"] = "csv"):
    return _export(request, "funnel", query, format)


@router.get("/analytics/leaderboard", response={200: LeaderboardOut, **ERRORS})
def leaderboard(request, query: Query[ReportQuery], sort: MetricCode = "lead_conversions"):
    """Salespeople ranked by the metrics the leaderboard assignment strategy uses."""
    period, filters = _inputs(query)
    report = _period(services.run("leaderboard", request.user, period, filters, sort=sort))
    codes = [code for code, _label in report["columns"]]
    report["columns"] = [{"code": code, "label": label} for code, label in report["columns"]]
    report["rows"] = [
        {
            **{k: row[k] for k in ("rank", "user_id", "name", "department", "teams")},
            "metrics": {c: row[c] for c in codes},
        }
        for row in report["rows"]
    ]
    return report


@router.get("/analytics/leaderboard/export", response={200: None, **ERRORS}, openapi_extra=EXPORT_DOC)
def leaderboard_export(
    request,
    query: Query[ReportQuery],
    sort: MetricCode = "lead_conversions",
    format: Literal["csv", "xlsx"] = "csv",
):
    return _export(request, "leaderboard", query, format, sort=sort)


@router.get("/analytics/pool-health", response={200: PoolHealthOut, **ERRORS})
def pool_health(request, query: Query[ReportQuery]):
    """Claims, assignments, releases, reclaims by reason, cooling-offs, time to first follow-up."""
    period, filters = _inputs(query)
    return _period(services.run("pool-health", request.user, period, filters))


@router.get("/analytics/pool-health/export", response={200: None, **ERRORS}, openapi_extra=EXPORT_DOC)
def pool_health_export(request, query: Query[ReportQuery], format: Literal["csv", "xlsx"] = "csv"):
    return _export(request, "pool-health", query, format)
