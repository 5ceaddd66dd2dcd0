"""Conversion funnel of the leads that came in during a period.

Each lead is placed at the furthest stage it has reached (one CASE expression in SQL);
a stage counts every lead that reached it or a later one, so the funnel never widens:
lead → valid → assigned/claimed → followed up → converted → paying customer.

- valid: not invalid, not a duplicate;
- assigned/claimed: it has (or had) an owner — an ownership event claim/assign/transfer,
  or an owner now;
- followed up: a follow-up was recorded on it (or its last follow-up time is set);
- converted: it became a customer; paying: that customer has a live order or a receipt.

"Stuck" lists the cohort's open leads (not converted, not invalid) by their current stage,
age bucket and owner; cohorts split the same stages by intake week.
"""

import datetime as dt

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext_lazy as _

from kehu.accounts.models import User
from kehu.core import clock
from kehu.leads.models import Lead

from .base import Filters, Period, lead_cohort

STAGES = [
    ("leads", _("Leads")),
    ("valid", _("Valid")),
    ("assigned", _("Assigned or claimed")),
    ("followed", _("Followed up")),
    ("converted", _("Converted")),
    ("paying", _("Paying customer")),
]
AGES = [(0, 7), (7, 30), (30, 90), (90, None)]
OPEN_STAGES = ("leads", "valid", "assigned", "followed")
OPEN = Case(
    When(Q(converted_at__isnull=True) & ~Q(status=Lead.Status.INVALID), then=Value(1)),
    default=Value(0),
    output_field=IntegerField(),
)


def age_labels() -> list[str]:
    out = []
    for low, high in AGES:
        out.append(
            str(_("%(low)s+ days") % {"low": low})
            if high is None
            else str(_("%(low)s–%(high)s days") % {"low": low, "high": high - 1})
        )
    return out


def _cumulate(at_stage: dict[int, int]) -> list[int]:
    """Leads that reached each stage = those whose furthest stage is that one or later."""
    out, running = [], 0
    for index in range(len(STAGES) - 1, -1, -1):
        running += at_stage.get(index, 0)
        out.append(running)
    return out[::-1]


def funnel(viewer, period: Period, filters: Filters | None = None) -> dict:
    filters = filters or Filters()
    now = clock.now()
    cohort = lead_cohort(viewer, period, filters)

    # One pass over the cohort: (stage, age bucket, owner, intake week) → count. Every part of
    # the report (stages, stuck leads, cohorts) is summed from these cells.
    age = Case(
        *[
            When(created_at__gt=now - dt.timedelta(days=high), then=Value(index))
            for index, (_low, high) in enumerate(AGES)
            if high is not None
        ],
        default=Value(len(AGES) - 1),
        output_field=IntegerField(),
    )
    cells = list(
        cohort.annotate(age=age, week=TruncWeek("created_at"), open=OPEN)
        .values("stage", "age", "owner_id", "week", "open")
        .annotate(n=Count("pk"))
        .order_by()
    )
    totals: dict[int, int] = {}
    cohorts: dict[dt.date, dict[int, int]] = {}
    for cell in cells:
        totals[cell["stage"]] = totals.get(cell["stage"], 0) + cell["n"]
        week = cell["week"].date() if isinstance(cell["week"], dt.datetime) else cell["week"]
        per_week = cohorts.setdefault(week, {})
        per_week[cell["stage"]] = per_week.get(cell["stage"], 0) + cell["n"]
    reached = _cumulate(totals)
    stages = []
    for index, (code, label) in enumerate(STAGES):
        stages.append(
            {
                "stage": code,
                "label": str(label),
                "count": reached[index],
                "of_previous": round(reached[index] / reached[index - 1], 4)
                if index and reached[index - 1]
                else None,
                "of_leads": round(reached[index] / reached[0], 4) if reached[0] else None,
            }
        )

    # Where open leads (not converted, not invalid) are stuck: stage × age and by owner.
    stuck_cells = [c for c in cells if c["open"] and c["stage"] < len(OPEN_STAGES)]
    labels = age_labels()
    stuck_by_stage = []
    for index, code in enumerate(OPEN_STAGES):
        ages = [0] * len(AGES)
        for cell in stuck_cells:
            if cell["stage"] == index:
                ages[cell["age"]] += cell["n"]
        stuck_by_stage.append(
            {"stage": code, "label": str(dict(STAGES)[code]), "ages": ages, "count": sum(ages)}
        )
    by_owner: dict[int | None, dict] = {}
    for cell in stuck_cells:
        entry = by_owner.setdefault(
            cell["owner_id"],
            {"owner_id": cell["owner_id"], "stages": [0] * len(OPEN_STAGES), "ages": [0] * len(AGES)},
        )
        entry["stages"][cell["stage"]] += cell["n"]
        entry["ages"][cell["age"]] += cell["n"]
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=[k for k in by_owner if k])}
    stuck_owners = []
    for owner_id, entry in by_owner.items():
        entry["owner"] = names.get(owner_id, "") if owner_id else str(_("(in a pool)"))
        entry["count"] = sum(entry["stages"])
        stuck_owners.append(entry)
    stuck_owners.sort(key=lambda e: (-e["count"], e["owner"]))
    weeks = [{"week": week, "stages": _cumulate(cohorts[week])} for week in sorted(cohorts)]
    return {
        "period": period,
        "stages": stages,
        "ages": labels,
        "open_stages": [str(dict(STAGES)[c]) for c in OPEN_STAGES],
        "stuck": stuck_by_stage,
        "stuck_owners": stuck_owners,
        "cohorts": weeks,
    }


def export_rows(report: dict):
    headers = [str(_("Stage")), str(_("Leads")), str(_("Of previous stage")), str(_("Of all leads"))]
    rows = [[s["label"], s["count"], s["of_previous"], s["of_leads"]] for s in report["stages"]]
    rows.append([])
    rows.append([str(_("Stuck at")), *report["ages"], str(_("Total"))])
    rows += [[s["label"], *s["ages"], s["count"]] for s in report["stuck"]]
    rows.append([])
    rows.append([str(_("Intake week")), *[str(label) for _c, label in STAGES]])
    rows += [[w["week"].isoformat(), *w["stages"]] for w in report["cohorts"]]
    return headers, rows
