"""Loading what the engine needs from the database, in a handful of queries per batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import connection
from django.db.models import Count

from kehu.accounts.models import SalesRegion, User
from kehu.accounts.scope import department_subtree
from kehu.core import clock
from kehu.core import metrics as metric_registry
from kehu.core.models import Industry
from kehu.leads.models import Channel, Lead
from kehu.pool.capabilities import CLAIM

from .engine import Capacity, CompiledRule, Context, CursorStore, Engine, Person, compile_rule
from .models import Rule, RuleSet

OPEN_STATUSES = (Lead.Status.ASSIGNED, Lead.Status.FOLLOWING)


def candidate_ids(rules: list[Rule]) -> dict[int, list[int]]:
    """{rule id: active user ids} — people, team members, department (sub-tree) members and
    sales-region members, resolved with one query per kind for all rules together."""
    team_ids = {pk for r in rules for pk in r.teams or []}
    region_ids = {pk for r in rules for pk in r.sales_regions or []}
    dept_ids = {pk for r in rules for pk in r.departments or []}
    team_members: dict[int, set[int]] = {}
    if team_ids:
        for user_id, team_id in User.teams.through.objects.filter(team_id__in=team_ids).values_list(
            "user_id", "team_id"
        ):
            team_members.setdefault(team_id, set()).add(user_id)
    region_members: dict[int, set[int]] = {}
    if region_ids:
        for user_id, region_id in SalesRegion.members.through.objects.filter(
            salesregion_id__in=region_ids
        ).values_list("user_id", "salesregion_id"):
            region_members.setdefault(region_id, set()).add(user_id)
    dept_members: dict[int, set[int]] = {}
    if dept_ids:
        subtrees = {pk: department_subtree(pk) for pk in dept_ids}
        all_depts = set().union(*subtrees.values())
        by_dept: dict[int, set[int]] = {}
        for user_id, dept_id in User.objects.filter(department_id__in=all_depts).values_list(
            "pk", "department_id"
        ):
            by_dept.setdefault(dept_id, set()).add(user_id)
        for pk, subtree in subtrees.items():
            dept_members[pk] = set().union(*(by_dept.get(d, set()) for d in subtree))
    named, grouped = {}, {}
    for rule in rules:
        ids = set()
        for pk in rule.teams or []:
            ids |= team_members.get(pk, set())
        for pk in rule.sales_regions or []:
            ids |= region_members.get(pk, set())
        for pk in rule.departments or []:
            ids |= dept_members.get(pk, set())
        named[rule.pk], grouped[rule.pk] = set(rule.users or []), ids
    everyone = set().union(*named.values(), *grouped.values()) if rules else set()
    active, sellers = set(), set()
    for pk, capabilities, superuser in User.objects.filter(pk__in=everyone, is_active=True).values_list(
        "pk", "role__capabilities", "is_superuser"
    ):
        active.add(pk)
        # Named by team, department or region: only people who work leads (may claim from
        # pools), not the finance clerk of a sales department. People named one by one count.
        if superuser or CLAIM in (capabilities or []):
            sellers.add(pk)
    return {pk: sorted((named[pk] & active) | (grouped[pk] & sellers)) for pk in named}


def load_people(ids) -> dict[int, Person]:
    ids = set(ids)
    if not ids:
        return {}
    people = {
        pk: Person(
            id=pk,
            name=name or username,
            active=active,
            on_leave=on_leave,
            level=level,
            hire_date=hire_date,
            scales=frozenset(scales or []),
        )
        for pk, name, username, active, on_leave, level, hire_date, scales in User.objects.filter(
            pk__in=ids
        ).values_list(
            "pk", "name", "username", "is_active", "on_leave", "level", "hire_date", "customer_scales"
        )
    }
    industries: dict[int, set[int]] = {}
    for user_id, industry_id in User.industries.through.objects.filter(user_id__in=ids).values_list(
        "user_id", "industry_id"
    ):
        industries.setdefault(user_id, set()).add(industry_id)
    # An industry section covers its sub-industries.
    tree = dict(Industry.objects.values_list("pk", "parent_id"))
    children: dict[int, set[int]] = {}
    for pk, parent in tree.items():
        children.setdefault(parent, set()).add(pk)
    regions_of_sales_region: dict[int, set[int]] = {}
    for region_id, sales_region_id in SalesRegion.regions.through.objects.values_list(
        "region_id", "salesregion_id"
    ):
        regions_of_sales_region.setdefault(sales_region_id, set()).add(region_id)
    regions: dict[int, set[int]] = {}
    for user_id, sales_region_id in SalesRegion.members.through.objects.filter(user_id__in=ids).values_list(
        "user_id", "salesregion_id"
    ):
        regions.setdefault(user_id, set()).update(regions_of_sales_region.get(sales_region_id, set()))
    for pk, person in people.items():
        mine = industries.get(pk, set())
        person.industries = frozenset(mine | {c for i in mine for c in children.get(i, ())})
        person.regions = frozenset(regions.get(pk, set()))
    return people


def open_counts(ids: list[int]) -> dict[int, int]:
    return dict(
        Lead.objects.filter(owner_id__in=ids, status__in=OPEN_STATUSES)
        .values_list("owner_id")
        .annotate(n=Count("id"))
        .order_by()
    )


def open_counts_at_most(caps: dict[int, int]) -> dict[int, int]:
    """Open leads per person, counted no further than ``caps[person]``: a holding quota only
    needs to know whether it is reached, and someone holding thousands of leads then costs
    as little to check as someone holding three."""
    if not caps:
        return {}
    meta = Lead._meta
    qn = connection.ops.quote_name
    owner, status = (qn(meta.get_field(name).column) for name in ("owner", "status"))
    marks = ", ".join(["%s"] * len(OPEN_STATUSES))
    one = (
        f"SELECT %s, (SELECT COUNT(*) FROM (SELECT 1 FROM {qn(meta.db_table)}"  # noqa: S608 - names from model meta
        f" WHERE {owner} = %s AND {status} IN ({marks}) LIMIT %s) AS held)"
    )
    counts: dict[int, int] = {}
    items = list(caps.items())
    for start in range(0, len(items), 200):
        part = items[start : start + 200]
        params: list = []
        for pk, cap in part:
            params += [pk, pk, *OPEN_STATUSES, max(int(cap), 0)]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join([one] * len(part)), params)
            counts.update((int(pk), n) for pk, n in cursor.fetchall())
    return counts


class OpenCounts:
    """Open leads per person for one batch, counted once for both who read them: the
    capacity check (up to each quota: ``at_most``) and the strategies that compare
    workloads (exact: calling it)."""

    def __init__(self):
        self.known: dict[int, int] = {}

    def __call__(self, ids: list[int]) -> dict[int, int]:
        missing = [pk for pk in dict.fromkeys(ids) if pk not in self.known]
        if missing:
            found = open_counts(missing)
            for pk in missing:
                self.known[pk] = found.get(pk, 0)
        return {pk: self.known[pk] for pk in ids}

    def at_most(self, caps: dict[int, int]) -> dict[int, int]:
        counts = {pk: min(self.known[pk], cap) for pk, cap in caps.items() if pk in self.known}
        counts.update(open_counts_at_most({pk: cap for pk, cap in caps.items() if pk not in self.known}))
        return counts


class DbCapacityLoader:
    """(remaining, [(group key, group remaining)]) per person from the pool's limits.

    People are read in one query, their limits resolved with the pool's ``limits_for_many``
    (its precedence of person, team, department and default rows) in a few queries, then the
    holdings of those with a quota counted in one statement, each only as far as its quota
    (``OpenCounts.at_most``), and each team or department cap computed once per batch.
    """

    def __init__(self, candidate_ids=(), counts: OpenCounts | None = None):
        self.ids = set(candidate_ids)
        self.counts = counts or OpenCounts()
        self.held: dict[int, int] | None = None
        self.users: dict[int, User] = {}
        self.groups: dict[str, int | None] = {}
        self.limits: dict = {}

    def _preload(self, person_id: int) -> None:
        from kehu.pool.models import Target
        from kehu.pool.services.limits import limits_for_many

        ids = self.ids | {person_id}
        self.users = {u.pk: u for u in User.objects.filter(pk__in=ids)}
        self.limits = limits_for_many(self.users.values(), Target.LEAD)
        # Only people with a holding quota are counted, and only as far as the quota.
        caps = {pk: limits.held for pk, limits in self.limits.items() if limits.held is not None}
        self.held = self.counts.at_most(caps)

    def __call__(self, person_id: int):
        from kehu.pool.models import Target
        from kehu.pool.services import held_count
        from kehu.pool.services.limits import group_member_ids

        if self.held is None or person_id not in self.users:
            self._preload(person_id)
        limits = self.limits[person_id]
        remaining = None if limits.held is None else limits.held - self.held.get(person_id, 0)
        groups = []
        for group in limits.groups:
            if group.total_held is None:
                continue
            key = f"{group.kind}:{group.pk}"
            if key not in self.groups:
                held = held_count(group_member_ids(group), Target.LEAD, at_most=group.total_held)
                self.groups[key] = group.total_held - held
            groups.append((key, self.groups[key]))
        return remaining, groups


def ranking_for(now: dt.datetime):
    """Candidates ranked by the rule's weighted metrics over its period (best first)."""

    def rank(rule: CompiledRule, ids: list[int]) -> list[tuple[int, float]]:
        settings = rule.settings
        days = int(settings.get("period_days") or 30)
        start = now - dt.timedelta(days=days)
        scores = dict.fromkeys(ids, 0.0)
        for item in settings.get("metrics") or [{"code": "lead_conversions", "weight": 1}]:
            code, weight = item.get("code"), float(item.get("weight", 1))
            if code not in metric_registry.METRICS or not ids:
                continue
            values = metric_registry.compute(code, ids, start, now)
            if not metric_registry.get(code).higher_is_better:
                values = {pk: -v for pk, v in values.items()}
            top = max((abs(v) for v in values.values()), default=0) or 1.0
            for pk in ids:
                scores[pk] += weight * values.get(pk, 0.0) / top
        return sorted(scores.items(), key=lambda item: (-item[1], item[0]))

    return rank


def trees() -> dict[str, dict]:
    return {
        "channels": dict(Channel.objects.values_list("pk", "parent_id")),
        "industries": dict(Industry.objects.values_list("pk", "parent_id")),
    }


def compiled_rules(rule_set: RuleSet | None) -> list[CompiledRule]:
    if rule_set is None:
        return []
    rules = list(rule_set.rules.filter(active=True).order_by("order", "id"))
    candidates = candidate_ids(rules)
    shared = trees()
    return [compile_rule(rule, candidates.get(rule.pk, []), shared) for rule in rules]


def build_engine(
    rules: list[CompiledRule],
    *,
    cursors: CursorStore,
    capacity: Capacity | None = None,
    now: dt.datetime | None = None,
    exclude: set[int] | None = None,
    counts: Callable[[list[int]], dict[int, int]] | None = None,
) -> Engine:
    now = now or clock.now()
    if exclude:
        for rule in rules:
            rule.candidates = [pk for pk in rule.candidates if pk not in exclude]
    people = load_people({pk for rule in rules for pk in rule.candidates})
    ctx = Context(
        people=people,
        capacity=capacity or Capacity(DbCapacityLoader({pk for rule in rules for pk in rule.candidates})),
        cursors=cursors,
        open_counts=counts or open_counts,
        ranking=ranking_for(now),
        today=now.date(),
    )
    return Engine(rules, ctx, default_pool_id=None)


def active_rule_set() -> RuleSet | None:
    return RuleSet.objects.filter(status=RuleSet.Status.ACTIVE).first()


def capacity_loader(candidate_ids, counts=None):
    """The loader the router and the simulator use (a seam for tests)."""
    return DbCapacityLoader(candidate_ids, counts)
