"""Dashboards per role and one page per report; every figure comes from ``services``."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.accounts.capabilities import EXPORT
from kehu.core import clock
from kehu.core.errors import Forbidden, ValidationFailed
from kehu.core.exports import export_response
from kehu.leads.models import Channel

from . import charts, services, summaries
from .reports import channels as channel_report
from .reports import leaderboard as leaderboard_report
from .reports import time_to_convert as ttc_report
from .reports.base import Filters, Period, visible_people, visible_teams

FILTER_FIELDS = ("start", "end", "channel", "grade", "team", "owner")
VIEWS = {
    "salesperson": gettext_lazy("Salesperson"),
    "manager": gettext_lazy("Manager"),
    "marketer": gettext_lazy("Marketer"),
}
ROLE_VIEWS = {"salesperson": "salesperson", "sales_manager": "manager", "marketer": "marketer"}


def _inputs(request, default_months: int | None = None):
    """Period and filters from the query string; bad values become field errors, not a 500."""
    get = request.GET
    errors: dict[str, list[str]] = {}
    try:
        if default_months and not get.get("start") and not get.get("end"):
            period = Period.months(default_months)
        else:
            period = Period.parse(get.get("start", ""), get.get("end", ""))
    except ValidationFailed as exc:
        errors.update(exc.fields)
        period = Period.parse(None, None)
    try:
        filters = Filters.parse(
            channel=get.get("channel", ""),
            grade=get.get("grade", ""),
            team=get.get("team", ""),
            owner=get.get("owner", ""),
        )
    except ValidationFailed as exc:
        errors.update(exc.fields)
        filters = Filters()
    return period, filters, errors


def _context(request, period, filters, errors, **extra):
    people = visible_people(request.user).order_by("name")
    context = {
        "period": period,
        "filters": filters,
        "errors": errors,
        "channels": Channel.objects.select_related("parent"),
        "grades": ["A", "B", "C"],
        "teams": visible_teams(request.user).order_by("name"),
        "people": people,
        "show_people": people.count() > 1,
        "can_export": request.user.can(EXPORT),
        "querystring": request.GET.urlencode(),
        "base_query": _without(request, "sort", "dir", "by", "format"),
        "reports": [(code, r.title) for code, r in services.REPORTS.items()],
        "presets": _presets(request, period),
        "as_of": summaries.state().refreshed_at,
    }
    context.update(extra)
    return context


def _presets(request, current: Period) -> list[dict]:
    """One-click periods: the last 30 and 90 days, this month and the last 12 months."""
    today = clock.today()
    choices = [
        (gettext_lazy("30 days"), Period(today - dt.timedelta(days=29), today)),
        (gettext_lazy("90 days"), Period(today - dt.timedelta(days=89), today)),
        (gettext_lazy("This month"), Period.months(1, today)),
        (gettext_lazy("12 months"), Period.months(12, today)),
    ]
    query = request.GET.copy()
    out = []
    for label, period in choices:
        query["start"], query["end"] = period.start.isoformat(), period.end.isoformat()
        out.append({"label": label, "query": query.urlencode(), "current": period == current})
    return out


def _without(request, *names) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _default_view(user) -> str:
    code = user.role.code if getattr(user, "role", None) else ""
    if code in ROLE_VIEWS:
        return ROLE_VIEWS[code]
    return "manager" if code == "admin" else "marketer"


@login_required
def dashboard(request):
    view = request.GET.get("view") or _default_view(request.user)
    if view not in VIEWS:
        view = _default_view(request.user)
    period, filters, errors = _inputs(request)
    run = lambda code, **options: services.run(code, request.user, period, filters, **options)  # noqa: E731
    chart_options = {}
    extra = {}
    if view == "salesperson":
        board = run("leaderboard", sort="lead_conversions")
        funnel = run("funnel")
        ttc = run("time-to-convert", by="grade")
        mine = next((r for r in board["rows"] if r["user_id"] == request.user.pk), None)
        extra.update(board=board, mine=mine, funnel=funnel, ttc=ttc)
        chart_options = {
            "funnel": charts.funnel(funnel["stages"]),
            "stuck": charts.stuck_chart(funnel),
            "histogram": charts.histogram_chart(ttc),
        }
    elif view == "manager":
        board = run("leaderboard", sort="lead_conversions")
        funnel = run("funnel")
        pool = run("pool-health")
        extra.update(
            board=board, funnel=funnel, pool=pool, board_label=dict(board["columns"]).get(board["sort"])
        )
        chart_options = {
            "leaderboard": charts.leaderboard_chart(board, board["sort"]),
            "funnel": charts.funnel(funnel["stages"]),
            "reasons": charts.reasons_chart(pool),
            "cohorts": charts.cohort_chart(funnel),
        }
    else:
        report = run("channels", sort="leads")
        ttc = run("time-to-convert", by="channel")
        extra.update(channel_report=report, ttc=ttc)
        chart_options = {
            "channels": charts.channel_chart(report),
            "categories": charts.pie([(r["name"], r["leads"]) for r in report["categories"]]),
            "percentiles": charts.percentile_chart(ttc),
        }
    context = _context(
        request, period, filters, errors, view=view, views=VIEWS, charts=chart_options, **extra
    )
    return render(request, "analytics/dashboard.html", context)


def _report_page(request, code, template, build_charts, **options):
    period, filters, errors = _inputs(request)
    report = services.run(code, request.user, period, filters, **options)
    context = _context(
        request,
        period,
        filters,
        errors,
        report=report,
        code=code,
        title=services.REPORTS[code].title,
        charts=build_charts(report),
        options=options,
        columns=channel_report.COLUMNS,
        dimensions=[(key, label) for key, (_field, label) in ttc_report.DIMENSIONS.items()],
        dimension_label=ttc_report.DIMENSIONS.get(options.get("by", ""), ("", ""))[1],
        sort_label=dict(report.get("columns") or []).get(report.get("sort"), ""),
    )
    return render(request, template, context)


@login_required
def channels(request):
    sort = request.GET.get("sort", "leads")
    sort = sort if sort in channel_report.SORTS else "leads"
    desc = request.GET.get("dir", "desc") != "asc"
    return _report_page(
        request,
        "channels",
        "analytics/channels.html",
        lambda r: {"channels": charts.channel_chart(r)},
        sort=sort,
        desc=desc,
    )


@login_required
def time_to_convert(request):
    by = request.GET.get("by", "channel")
    by = by if by in ttc_report.DIMENSIONS else "channel"
    return _report_page(
        request,
        "time-to-convert",
        "analytics/time_to_convert.html",
        lambda r: {"histogram": charts.histogram_chart(r), "percentiles": charts.percentile_chart(r)},
        by=by,
    )


@login_required
def funnel(request):
    return _report_page(
        request,
        "funnel",
        "analytics/funnel.html",
        lambda r: {
            "funnel": charts.funnel(r["stages"]),
            "stuck": charts.stuck_chart(r),
            "cohorts": charts.cohort_chart(r),
        },
    )


@login_required
def leaderboard(request):
    sort = request.GET.get("sort", "lead_conversions")
    sort = sort if sort in leaderboard_report.CODES else "lead_conversions"
    return _report_page(
        request,
        "leaderboard",
        "analytics/leaderboard.html",
        lambda r: {"leaderboard": charts.leaderboard_chart(r, r["sort"])},
        sort=sort,
    )


@login_required
def pool_health(request):
    return _report_page(
        request,
        "pool-health",
        "analytics/pool_health.html",
        lambda r: {"people": charts.pool_people_chart(r), "reasons": charts.reasons_chart(r)},
    )


@login_required
def export(request, code):
    if code not in services.REPORTS:
        raise Http404
    if not request.user.can(EXPORT):
        raise Forbidden(_("Your role may not export."))
    period, filters, errors = _inputs(request)
    if errors:
        return HttpResponseBadRequest("; ".join(str(m) for msgs in errors.values() for m in msgs))
    options = {}
    if code == "channels":
        sort = request.GET.get("sort", "leads")
        options = {
            "sort": sort if sort in channel_report.SORTS else "leads",
            "desc": request.GET.get("dir") != "asc",
        }
    elif code == "time-to-convert":
        by = request.GET.get("by", "channel")
        options = {"by": by if by in ttc_report.DIMENSIONS else "channel"}
    elif code == "leaderboard":
        sort = request.GET.get("sort", "")
        options = {"sort": sort if sort in leaderboard_report.CODES else "lead_conversions"}
    report = services.run(code, request.user, period, filters, **options)
    headers, rows = services.export(code, report)
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    return export_response(
        fmt, headers, rows, services.filename(code, period), str(services.REPORTS[code].title)
    )
