"""Time to convert: how many whole days leads took from intake to customer.

Population: leads converted during the period (within the viewer's figures and filters).
SQL groups them by (dimension, whole days); percentiles (nearest rank) and the histogram
are read off those counts, so the database returns at most one row per group and day.
A salesperson in two teams counts in both teams' rows.
"""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from kehu.accounts.models import Team, User
from kehu.leads.models import Channel

from ..models import LeadFact
from .base import DaysBetween, Filters, Period, apply_lead_filters, owned, percentile

DIMENSIONS = {
    "channel": ("channel_id", _("Channel")),
    "grade": ("grade", _("Grade")),
    "team": ("owner__teams", _("Team")),
    "owner": ("owner_id", _("Salesperson")),
}
# Histogram buckets: [low, high) in days; None = open-ended.
BUCKETS = [(0, 1), (1, 3), (3, 7), (7, 14), (14, 30), (30, 60), (60, 90), (90, None)]
PERCENTILES = (("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p90", 0.9))


def bucket_labels() -> list[str]:
    labels = []
    for low, high in BUCKETS:
        if high is None:
            labels.append(str(_("%(low)s+ days") % {"low": low}))
        elif high == 1:
            labels.append(str(_("same day")))
        else:
            labels.append(str(_("%(low)s–%(high)s days") % {"low": low, "high": high - 1}))
    return labels


def summarise(counts: dict[int, int]) -> dict:
    total = sum(counts.values())
    histogram = [0] * len(BUCKETS)
    for days, n in counts.items():
        for index, (low, high) in enumerate(BUCKETS):
            if days >= low and (high is None or days < high):
                histogram[index] += n
                break
    row = {
        "count": total,
        "mean_days": round(sum(d * n for d, n in counts.items()) / total, 1) if total else None,
        "histogram": histogram,
    }
    for key, fraction in PERCENTILES:
        row[key] = percentile(counts, fraction)
    return row


def _labels(by: str, keys) -> dict:
    keys = [k for k in keys if k not in (None, "")]
    if by == "channel":
        return {c.pk: c.label for c in Channel.objects.filter(pk__in=keys)}
    if by == "team":
        return dict(Team.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "owner":
        return {u.pk: str(u) for u in User.objects.filter(pk__in=keys)}
    return {k: k for k in keys}


def time_to_convert(viewer, period: Period, filters: Filters | None = None, by: str = "channel") -> dict:
    filters = filters or Filters()
    if by not in DIMENSIONS:
        by = "channel"
    field, _label = DIMENSIONS[by]
    qs = owned(viewer, LeadFact, "owner_id", filters).filter(
        converted_at__isnull=False,
        converted_at__gte=period.start_at,
        converted_at__lt=period.end_at,
    )
    qs = apply_lead_filters(qs, filters)
    grouped: dict[object, dict[int, int]] = {}
    overall: dict[int, int] = {}
    rows = (
        qs.annotate(days=DaysBetween("converted_at", "created_at"))
        .values(field, "days")
        .annotate(n=Count("pk", distinct=by == "team"))
        .order_by()
    )
    for row in rows:
        days = max(int(row["days"] or 0), 0)  # a lead entered after its customer existed: same day
        grouped.setdefault(row[field], {})
        grouped[row[field]][days] = grouped[row[field]].get(days, 0) + row["n"]
    # The overall figures count each lead once (team rows may overlap).
    for row in (
        qs.annotate(days=DaysBetween("converted_at", "created_at"))
        .values("days")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        days = max(int(row["days"] or 0), 0)
        overall[days] = overall.get(days, 0) + row["n"]
    labels = _labels(by, grouped)
    groups = []
    for key, counts in grouped.items():
        label = labels.get(key) if key not in (None, "") else None
        groups.append({"key": key, "label": label or str(_("(none)")), **summarise(counts)})
    groups.sort(key=lambda g: (-g["count"], str(g["label"])))
    return {
        "period": period,
        "by": by,
        "buckets": bucket_labels(),
        "groups": groups,
        "total": {"key": None, "label": str(_("All")), **summarise(overall)},
    }


def export_rows(report: dict):
    headers = [
        str(DIMENSIONS[report["by"]][1]),
        str(_("Converted")),
        str(_("Mean (days)")),
        "P25",
        "P50",
        "P75",
        "P90",
        *report["buckets"],
    ]
    rows = []
    for g in [*report["groups"], report["total"]]:
        rows.append(
            [g["label"], g["count"], g["mean_days"], g["p25"], g["p50"], g["p75"], g["p90"], *g["histogram"]]
        )
    return headers, rows
