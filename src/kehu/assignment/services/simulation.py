"""Rule simulation: replay recent leads through a (draft) rule set, in memory only.

Nothing is written: the engine runs with cursors held in memory and a simulated quota
ledger — each person starts from what they hold now and their limits, every simulated
assignment takes a place, and places come free day by day at the rate the person's leads
left them recently (released, reclaimed or converted, read from the ownership ledger).
Expected reclaims are each person's recent reclaim rate times the leads they would get.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from kehu.core import clock
from kehu.leads.models import Lead

from .. import loading
from ..engine import GROUP_QUOTA, LEAD_FIELDS, QUOTA, Capacity, CursorStore, LeadFacts
from ..models import Rule, RuleSet

MAX_DAYS = 366
HISTORY_DAYS = 90


def gini(values: list[float]) -> float:
    """0 = everyone got the same, towards 1 = one person got everything."""
    values = sorted(v for v in values if v >= 0)
    n = len(values)
    total = sum(values)
    if n == 0 or total == 0:
        return 0.0
    weighted = sum((i + 1) * v for i, v in enumerate(values))
    return round((2 * weighted) / (n * total) - (n + 1) / n, 4)


@dataclass
class PersonRow:
    user_id: int
    name: str
    leads: int = 0
    quota_refusals: int = 0
    expected_reclaims: float = 0.0
    on_leave: bool = False
    share: float = 0.0


@dataclass
class RuleRow:
    rule_id: int
    name: str
    matched: int = 0
    assigned: int = 0
    to_pool: int = 0


@dataclass
class Report:
    rule_set_id: int
    days: int
    start: dt.datetime
    end: dt.datetime
    leads: int = 0
    assigned: int = 0
    to_pool: int = 0
    unmatched: int = 0
    nobody_available: int = 0
    quota_refusals: int = 0
    expected_reclaims: float = 0.0
    gini: float = 0.0
    people: list[PersonRow] = field(default_factory=list)
    rules: list[RuleRow] = field(default_factory=list)
    seconds: float = 0.0


def _history(ids: list[int], now: dt.datetime) -> tuple[dict[int, float], dict[int, float], float]:
    """Per person: reclaim rate (reclaims per lead received) and leads leaving per day,
    from the ledger of the last HISTORY_DAYS days; plus the rate over everyone."""
    from kehu.pool.models import OwnershipEvent

    since = now - dt.timedelta(days=HISTORY_DAYS)
    events = OwnershipEvent.objects.filter(lead__isnull=False, at__gte=since, at__lt=now)
    received = dict(
        events.filter(to_user_id__in=ids, kind__in=["assign", "claim", "transfer"])
        .values_list("to_user_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    lost = dict(
        events.filter(from_user_id__in=ids, kind="reclaim")
        .values_list("from_user_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    leaving = Counter(
        dict(
            events.filter(from_user_id__in=ids, kind__in=["reclaim", "release", "transfer"])
            .values_list("from_user_id")
            .annotate(n=Count("id"))
            .order_by()
        )
    )
    leaving.update(
        dict(
            Lead.objects.filter(owner_id__in=ids, converted_at__gte=since, converted_at__lt=now)
            .values_list("owner_id")
            .annotate(n=Count("id"))
            .order_by()
        )
    )
    overall = sum(lost.values()) / sum(received.values()) if sum(received.values()) else 0.0
    rates = {pk: lost.get(pk, 0) / received[pk] if received.get(pk) else overall for pk in ids}
    per_day = {pk: leaving.get(pk, 0) / HISTORY_DAYS for pk in ids}
    return rates, per_day, overall


def simulate(rule_set: RuleSet, *, days: int = 30, now: dt.datetime | None = None) -> Report:
    """Replay the leads of the last ``days`` days through ``rule_set`` (read-only)."""
    started = time.perf_counter()
    days = max(1, min(int(days), MAX_DAYS))
    now = now or clock.now()
    start = now - dt.timedelta(days=days)
    report = Report(rule_set_id=rule_set.pk, days=days, start=start, end=now)
    rules = loading.compiled_rules(rule_set)
    people_ids = sorted({pk for r in rules if r.target == Rule.Target.PEOPLE for pk in r.candidates})
    capacity = Capacity(loading.capacity_loader({pk for r in rules for pk in r.candidates}))
    engine = loading.build_engine(rules, cursors=CursorStore(), capacity=capacity, now=now)
    ctx = engine.ctx
    rates, per_day, _overall = _history(people_ids, now)
    freed: dict[int, float] = defaultdict(float)

    counts: Counter = Counter()
    refusals: Counter = Counter()
    rule_rows = {r.id: RuleRow(r.id, r.name) for r in rules}
    leads = (
        Lead.objects.filter(created_at__gte=start, created_at__lt=now, archived_at__isnull=True)
        .filter(Q(duplicate_of__isnull=True))
        .order_by("created_at", "id")
        .values_list(*LEAD_FIELDS)
    )
    current_day = None
    for row in leads.iterator(chunk_size=5000):
        facts = LeadFacts(*row)
        day = timezone.localdate(facts.created_at) if facts.created_at else None
        if day != current_day:
            if current_day is not None:
                _new_day(ctx, capacity, per_day, freed)
            current_day = day
        decision = engine.route(facts)
        report.leads += 1
        for pk, why, *_rest in decision.reason.get("skipped", []):
            if why in (QUOTA, GROUP_QUOTA):
                refusals[pk] += 1
        if decision.rule is not None:
            rule_rows[decision.rule.id].matched += 1
        if decision.assigned:
            report.assigned += 1
            counts[decision.user_id] += 1
            rule_rows[decision.rule.id].assigned += 1
        else:
            report.to_pool += 1
            if decision.rule is None:
                report.unmatched += 1
            else:
                rule_rows[decision.rule.id].to_pool += 1
                if decision.reason.get("why") == "nobody_available":
                    report.nobody_available += 1

    for pk in people_ids:
        person = ctx.people.get(pk)
        row = PersonRow(
            user_id=pk,
            name=person.name if person else f"#{pk}",
            leads=counts.get(pk, 0),
            quota_refusals=refusals.get(pk, 0),
            expected_reclaims=round(rates.get(pk, 0.0) * counts.get(pk, 0), 1),
            on_leave=bool(person and person.on_leave),
            share=round(counts.get(pk, 0) / report.assigned, 4) if report.assigned else 0.0,
        )
        report.people.append(row)
    report.people.sort(key=lambda r: (-r.leads, r.name))
    report.rules = [rule_rows[r.id] for r in rules]
    report.quota_refusals = sum(refusals.values())
    report.expected_reclaims = round(sum(r.expected_reclaims for r in report.people), 1)
    # Fairness among the people who could receive leads (those on leave are left out).
    report.gini = gini([r.leads for r in report.people if not r.on_leave])
    report.seconds = round(time.perf_counter() - started, 2)
    return report


def _new_day(ctx, capacity: Capacity, per_day: dict[int, float], freed: dict[int, float]) -> None:
    """A simulated day passes: leads leave their owners at each person's recent rate."""
    for pk, rate in per_day.items():
        if not rate:
            continue
        freed[pk] += rate
        whole = int(freed[pk])
        if whole:
            freed[pk] -= whole
            gone = sum(capacity.give_back(pk) for _ in range(whole))
            if gone and pk in ctx.open:
                ctx.open[pk] = max(0, ctx.open[pk] - gone)
    # People dropped from load-balancing heaps for the batch may have room again.
    for key in [k for k in ctx.cache if k[0] in ("heap", "seq")]:
        del ctx.cache[key]
