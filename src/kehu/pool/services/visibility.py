"""Who sees which pool, and which part of it (差异化展示).

``pool_filter(user, target)`` is the one answer: a Q over leads (or customers) that the user
may see and claim in pools. The scope extension, the pool list and the claim check all use
it, so what a person can see is exactly what they can claim.
"""

import time
from collections import defaultdict

from django.db.models import Exists, OuterRef, Q

from kehu.accounts.models import Scope, User
from kehu.accounts.scope import NOTHING, department_subtree, forget_scopes

from ..capabilities import CLAIM, MANAGE_POOLS
from ..models import DisplayRule, Pool, Target, Tenure


def _user_team_ids(user: User) -> set[int]:
    cached = getattr(user, "_kehu_team_ids", None)
    if cached is None:
        cached = set(user.teams.order_by().values_list("pk", flat=True))
        user._kehu_team_ids = cached
    return cached


def _sees_whole_org(user: User) -> bool:
    return user.is_superuser or user.scope == Scope.ALL


# The active pools and their members, kept per process for a few seconds: this runs in
# every scoped list (pool records are OR-ed into the scope). Saving a pool or its members
# clears it at once in this process; other processes see the change within TABLE_SECONDS.
TABLE_SECONDS = 5.0
_table: dict = {"at": 0.0, "value": None}


def forget_pools(**kwargs) -> None:
    _table["value"] = None
    forget_scopes()  # scoped querysets carry the pool part of the scope


def _pool_table():
    now = time.monotonic()
    if _table["value"] is None or now - _table["at"] > TABLE_SECONDS:
        pools = list(Pool.objects.filter(active=True))
        # Membership as id pairs from the link tables, not whole user rows.
        pool_members, pool_teams = defaultdict(set), defaultdict(set)
        for pool_id, user_id in Pool.members.through.objects.filter(pool__active=True).values_list(
            "pool_id", "user_id"
        ):
            pool_members[pool_id].add(user_id)
        for pool_id, team_id in Pool.teams.through.objects.filter(pool__active=True).values_list(
            "pool_id", "team_id"
        ):
            pool_teams[pool_id].add(team_id)
        _table.update(at=now, value=(pools, pool_members, pool_teams))
        forget_scopes()
    return _table["value"]


def visible_pools(user: User, target: str | None = None) -> list[Pool]:
    """Active pools ``user`` sees. Cached on the user object (one request or one task)."""
    if not user.is_authenticated or not user.is_active:
        return []
    if not (_sees_whole_org(user) or user.can(CLAIM) or user.can(MANAGE_POOLS)):
        return []  # pools are for the people who work them
    cache = getattr(user, "_kehu_pools", None)
    if cache is None:
        pools, pool_members, pool_teams = _pool_table()
        cache = []
        for pool in pools:
            members = pool_members.get(pool.pk, frozenset())
            teams = pool_teams.get(pool.pk, frozenset())
            if _sees_whole_org(user):
                cache.append(pool)
            elif members or teams:
                # The user's teams are read only when a pool is limited to teams.
                if user.pk in members or (teams and _user_team_ids(user) & teams):
                    cache.append(pool)
            elif pool.department_id is None or (
                user.department_id and user.department_id in department_subtree(pool.department_id)
            ):
                cache.append(pool)
        user._kehu_pools = cache
    return [p for p in cache if target is None or p.kind == target]


def managed_pools(user: User) -> list[Pool]:
    """Pools ``user`` may configure: all for the whole-org view, else those of departments
    the user manages (or belongs to, with the capability)."""
    if not user.can(MANAGE_POOLS):
        return []
    pools = list(Pool.objects.all())
    if _sees_whole_org(user):
        return pools
    allowed = set()
    for dept_id in [user.department_id, *user.managed_departments.values_list("pk", flat=True)]:
        if dept_id:
            allowed |= department_subtree(dept_id)
    return [p for p in pools if p.department_id in allowed]


def can_manage(user: User, pool: Pool) -> bool:
    return any(p.pk == pool.pk for p in managed_pools(user))


def display_rules_for(user: User, pool: Pool) -> list[DisplayRule]:
    """The most specific display rules for ``user`` in ``pool`` (empty = the whole pool)."""
    if user.can(MANAGE_POOLS):
        return []  # managers see the whole pool
    cache = user.__dict__.setdefault("_kehu_display_rules", {})
    if pool.pk not in cache:
        cache[pool.pk] = _display_rules_for(user, pool)
    return cache[pool.pk]


def _display_rules_for(user: User, pool: Pool) -> list[DisplayRule]:
    rules = list(pool.display_rules.all().prefetch_related("regions", "industries"))
    if not rules:
        return []
    team_ids = _user_team_ids(user)
    chain = set()
    if user.department_id:
        from .limits import _department_chain

        chain = set(_department_chain(user.department_id))
    for level in (
        [r for r in rules if r.user_id == user.pk],
        [r for r in rules if r.user_id is None and r.team_id in team_ids],
        [r for r in rules if r.user_id is None and r.team_id is None and r.department_id in chain],
        [r for r in rules if r.user_id is None and r.team_id is None and r.department_id is None],
    ):
        if level:
            return level
    # Rules exist for others only: this viewer sees the whole pool.
    return []


def _rule_q(rule: DisplayRule, target: str) -> Q:
    q = Q()
    regions = [r.pk for r in rule.regions.all()]
    if regions:
        q &= Q(province_id__in=regions) | Q(city_id__in=regions) | Q(district_id__in=regions)
    industries = [i.pk for i in rule.industries.all()]
    if industries:
        q &= Q(industry_id__in=industries)
    if rule.grades and target == Target.LEAD:
        q &= Q(grade__in=rule.grades)
    return q


def pool_filter(user: User, target: str = Target.LEAD, pool: Pool | None = None) -> Q:
    """Unowned records in the visible part of the user's pools (or of one pool)."""
    if pool is not None:
        pools = [p for p in visible_pools(user, target) if p.pk == pool.pk]
    else:
        pools = visible_pools(user, target)
    if not pools:
        return NOTHING
    base = Q(owner__isnull=True)
    if target == Target.LEAD:
        from kehu.leads.models import Lead

        base &= Q(status=Lead.Status.IN_POOL, archived_at__isnull=True)
    # Pool membership as a correlated EXISTS on the tenure's unique key, not a join: it is
    # OR-ed into the scope of every list, and a list walking its own index with LIMIT 50 then
    # probes one tenure per row instead of first collecting every unowned record in the pools.
    fk = "lead_id" if target == Target.LEAD else "customer_id"

    def members(pool_ids):
        return Q(
            Exists(Tenure.objects.filter(**{fk: OuterRef("pk")}, pool_id__in=pool_ids, owner__isnull=True))
        )

    whole, parts = [], Q(pk__in=[])
    for p in pools:
        rules = display_rules_for(user, p)
        if not rules:
            whole.append(p.pk)
            continue
        either = Q(pk__in=[])
        for rule in rules:
            either |= _rule_q(rule, target)
        parts |= members([p.pk]) & either
    if whole:
        parts |= members(whole)
    return base & parts


def order_for(user: User, pool: Pool) -> list[str]:
    rules = display_rules_for(user, pool)
    choice = rules[0].order_by if rules else DisplayRule.Order.NEWEST
    return {
        DisplayRule.Order.NEWEST: ["-tenure__entered_pool_at", "-id"],
        DisplayRule.Order.OLDEST: ["tenure__entered_pool_at", "id"],
        DisplayRule.Order.GRADE: ["grade", "-tenure__entered_pool_at", "-id"],
        DisplayRule.Order.SCORE: ["-score", "-tenure__entered_pool_at", "-id"],
    }[choice]


class RuleTest:
    """Whether a display rule shows a record (the same test as ``_rule_q``, in Python), with
    the rule's regions and industries read once for testing many records."""

    READS = ("province_id", "city_id", "district_id", "industry_id", "grade")  # all it looks at

    def __init__(self, rule: DisplayRule):
        self.regions = frozenset(r.pk for r in rule.regions.all())
        self.industries = frozenset(i.pk for i in rule.industries.all())
        self.grades = rule.grades

    def __call__(self, obj) -> bool:
        if self.regions and self.regions.isdisjoint((obj.province_id, obj.city_id, obj.district_id)):
            return False
        if self.industries and obj.industry_id not in self.industries:
            return False
        return not (self.grades and getattr(obj, "grade", None) is not None and obj.grade not in self.grades)


def rule_shows(rule: DisplayRule, obj) -> bool:
    return RuleTest(rule)(obj)


def sees_in_pool(user: User, obj, pool_id: int | None, target: str) -> bool:
    """Whether ``obj`` (unowned, in pool ``pool_id``) is in the part of the pool ``user`` sees.

    Equivalent to filtering by ``pool_filter`` for one record, without the subquery."""
    pool = next((p for p in visible_pools(user, target) if p.pk == pool_id), None)
    if pool is None:
        return False
    rules = display_rules_for(user, pool)
    return not rules or any(rule_shows(rule, obj) for rule in rules)
