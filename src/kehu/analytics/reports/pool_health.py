"""Pool health: how leads move in and out of people's hands.

From the ownership ledger (``pool.OwnershipEvent``) in the period, attributed to the person
concerned: claims and assignments to the person who received the lead, releases and
reclaims to the person who lost it. Cooling-offs are the releases and reclaims in pools
with a cooling-off period (the previous owner may not claim the lead back for a while).
Time to first follow-up: from a claim or assignment to that person's first follow-up of
the lead. Quota refusals: claims refused by a daily limit or a holding quota (recorded by
the pool app as ``ClaimRefusal``, since a refused claim changes no owner).
"""

from collections import Counter

from django.db.models import Count, F, Q, Sum
from django.db.models.fields.json import KT
from django.utils.translation import gettext_lazy as _

from kehu.accounts.models import User
from kehu.pool.models import ClaimRefusal, OwnershipEvent
from kehu.pool.services.sweeps import CAUSE_LABELS, DEADLINE_REASON

from ..models import GainFact, LeadFact
from .base import Filters, HoursBetween, Period, apply_lead_filters, owned, people

Kind = OwnershipEvent.Kind
GAINED = [Kind.CLAIM, Kind.ASSIGN, Kind.TRANSFER]
LOST = [Kind.RELEASE, Kind.RECLAIM]


def _events(viewer, period: Period, filters: Filters):
    qs = OwnershipEvent.objects.filter(lead__isnull=False, at__gte=period.start_at, at__lt=period.end_at)
    return apply_lead_filters(qs, filters, prefix="lead__")


def _person_q(ids, field: str) -> Q:
    return Q() if ids is None else Q(**{f"{field}__in": ids})


def pool_health(viewer, period: Period, filters: Filters | None = None) -> dict:
    filters = filters or Filters()
    ids = people(viewer, filters)
    events = _events(viewer, period, filters)
    gained = events.filter(_person_q(ids, "to_user_id"), kind__in=GAINED, to_user__isnull=False)
    lost = events.filter(_person_q(ids, "from_user_id"), kind__in=LOST, from_user__isnull=False)

    per_person: dict[int, dict] = {}

    def entry(user_id):
        return per_person.setdefault(
            user_id,
            {
                "user_id": user_id,
                "claims": 0,
                "assigned": 0,
                "releases": 0,
                "reclaims": 0,
                "cooling_offs": 0,
                "quota_refusals": 0,
                "first_follow_up_hours": None,
                "followed_up": 0,
            },
        )

    for row in gained.values("to_user_id", "kind").annotate(n=Count("id")).order_by():
        key = "claims" if row["kind"] == Kind.CLAIM else "assigned"
        entry(row["to_user_id"])[key] += row["n"]
    for row in (
        lost.values("from_user_id", "kind")
        .annotate(n=Count("id"), cooling=Count("id", filter=Q(pool__cooling_off_days__gt=0)))
        .order_by()
    ):
        item = entry(row["from_user_id"])
        item["releases" if row["kind"] == Kind.RELEASE else "reclaims"] += row["n"]
        item["cooling_offs"] += row["cooling"]

    refusals = apply_lead_filters(
        ClaimRefusal.objects.filter(
            _person_q(ids, "user_id"), lead__isnull=False, at__gte=period.start_at, at__lt=period.end_at
        ),
        filters,
        prefix="lead__",
    )
    for row in refusals.values("user_id").annotate(n=Count("id")).order_by():
        entry(row["user_id"])["quota_refusals"] += row["n"]

    # First follow-up by the new owner after each claim or assignment (kept in GainFact).
    timed = owned(viewer, GainFact, "to_user_id", filters).filter(
        at__gte=period.start_at, at__lt=period.end_at, first_follow_up_at__isnull=False
    )
    if filters.channel or filters.grade:
        timed = timed.filter(
            lead_id__in=apply_lead_filters(LeadFact.objects.all(), filters).values("lead_id")
        )
    wait = HoursBetween(F("first_follow_up_at"), F("at"))
    # One pass: sums and counts per person; the overall average is their total / count.
    overall = {"hours": 0.0, "n": 0}
    for row in timed.values("to_user_id").annotate(hours=Sum(wait), n=Count("*")).order_by():
        hours = float(row["hours"] or 0)  # numeric on PostgreSQL
        item = entry(row["to_user_id"])
        item["first_follow_up_hours"] = round(hours / row["n"], 1) if row["n"] else None
        item["followed_up"] = row["n"]
        overall["hours"] += hours
        overall["n"] += row["n"]
    overall["hours"] = overall["hours"] / overall["n"] if overall["n"] else None

    # Deadline reclaims by the sweep carry the reason "deadline" and the cause in their data;
    # people's reclaims carry their own words.
    by_reason: Counter = Counter()
    for row in (
        lost.filter(kind=Kind.RECLAIM)
        .values("reason", cause=KT("data__cause"))
        .annotate(n=Count("id"))
        .order_by()
    ):
        if row["reason"] == DEADLINE_REASON:
            label = CAUSE_LABELS.get(row["cause"], _("Deadline passed"))
        else:
            label = row["reason"] or _("(no reason given)")
        by_reason[str(label)] += row["n"]
    reasons = [
        {"reason": reason, "count": n}
        for reason, n in sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=list(per_person))}
    rows = sorted(per_person.values(), key=lambda r: names.get(r["user_id"], ""))
    for row in rows:
        row["name"] = names.get(row["user_id"], "")
    keys = ("claims", "assigned", "releases", "reclaims", "cooling_offs", "quota_refusals")
    totals = {key: sum(r[key] for r in rows) for key in keys}
    totals["first_follow_up_hours"] = round(overall["hours"], 1) if overall["hours"] is not None else None
    totals["followed_up"] = overall["n"]
    return {
        "period": period,
        "totals": totals,
        "people": rows,
        "reclaim_reasons": reasons,
    }


COLUMNS = [
    ("claims", _("Claims")),
    ("assigned", _("Assigned")),
    ("releases", _("Releases")),
    ("reclaims", _("Reclaims")),
    ("cooling_offs", _("Cooling-offs")),
    ("quota_refusals", _("Quota refusals")),
    ("first_follow_up_hours", _("Hours to first follow-up")),
]


def export_rows(report: dict):
    headers = [str(_("Salesperson")), *[str(label) for _k, label in COLUMNS]]
    rows = [[r["name"], *[r[k] for k, _l in COLUMNS]] for r in report["people"]]
    rows.append([str(_("Total")), *[report["totals"][k] for k, _l in COLUMNS]])
    rows.append([])
    rows.append([str(_("Reclaim reason")), str(_("Reclaims"))])
    rows += [[r["reason"], r["count"]] for r in report["reclaim_reasons"]]
    return headers, rows
