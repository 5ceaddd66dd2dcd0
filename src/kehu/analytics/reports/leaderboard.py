"""Sales leaderboard and per-salesperson performance.

Every figure comes from ``kehu.core.metrics`` — the same functions the leaderboard
assignment strategy ranks people by — for the people the viewer's scope covers.
"""

from django.utils.translation import gettext_lazy as _

from kehu.accounts.models import Team
from kehu.core import metrics

from .base import Filters, Period, visible_people

# The leaderboard's columns, in order: claims, follow-ups, conversions, contract amount,
# payments, renewals, then the sales amount the assignment strategy also offers.
SALES_ROLES = ["salesperson", "sales_manager"]
CODES = ["claims", "activity", "lead_conversions", "contract_amount", "payments", "renewals", "sales_amount"]


def columns() -> list[tuple[str, str]]:
    return [(code, str(metrics.get(code).label)) for code in CODES if code in metrics.METRICS]


def leaderboard(
    viewer, period: Period, filters: Filters | None = None, sort: str = "lead_conversions"
) -> dict:
    filters = filters or Filters()
    codes = [code for code, _label in columns()]
    if sort not in codes:
        sort = "lead_conversions" if "lead_conversions" in codes else codes[0]
    people = visible_people(viewer, filters).filter(role__code__in=SALES_ROLES)
    people = list(people.select_related("department").order_by("name", "pk"))
    ids = [p.pk for p in people]
    start = period.start_at
    end = period.end_at
    values = {code: metrics.compute(code, ids, start, end) for code in codes} if ids else {}
    teams: dict[int, list[str]] = {}
    for user_id, name in Team.objects.filter(members__in=ids).values_list("members", "name"):
        teams.setdefault(user_id, []).append(name)
    rows = []
    for person in people:
        row = {
            "user_id": person.pk,
            "name": str(person),
            "department": person.department.name if person.department else "",
            "teams": ", ".join(sorted(teams.get(person.pk, []))),
        }
        for code in codes:
            row[code] = values[code].get(person.pk, 0.0)
        rows.append(row)
    rows.sort(key=lambda r: (-r[sort], r["name"], r["user_id"]))
    rank, previous = 0, None
    for index, row in enumerate(rows, start=1):
        if row[sort] != previous:
            rank, previous = index, row[sort]
        row["rank"] = rank
    totals = {code: sum(r[code] for r in rows) for code in codes}
    return {
        "period": period,
        "columns": columns(),
        "sort": sort,
        "rows": rows,
        "totals": totals,
    }


def export_rows(report: dict):
    headers = [str(_("Rank")), str(_("Salesperson")), str(_("Department")), str(_("Teams"))]
    headers += [label for _code, label in report["columns"]]
    rows = [
        [r["rank"], r["name"], r["department"], r["teams"], *[r[code] for code, _l in report["columns"]]]
        for r in report["rows"]
    ]
    return headers, rows
