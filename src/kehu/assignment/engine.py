"""The routing engine: rules compiled once per batch, evaluated in Python for each lead.

Nothing here writes to the database. ``Engine.route(lead)`` returns a ``Decision`` (assign
to a person, or send to a pool) with the data of its reason; the live router applies the
decisions through the pool services, the simulator only counts them. State that must
persist (strategy cursors) lives in ``CursorStore`` objects the caller loads and saves.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .models import Rule

ON_LEAVE = "on_leave"
INACTIVE = "inactive"
QUOTA = "quota"
GROUP_QUOTA = "group_quota"
SKIP_REASONS = (ON_LEAVE, INACTIVE, QUOTA, GROUP_QUOTA)
# Direct matching dimensions, in the default order of importance.
DIMENSIONS = ("region", "industry", "scale", "level", "tenure")
LEAD_FIELDS = (
    "id",
    "channel_id",
    "province_id",
    "city_id",
    "district_id",
    "grade",
    "industry_id",
    "company_size",
    "demand_type_id",
    "urgency",
    "created_at",
)


@dataclass(slots=True)
class LeadFacts:
    """The lead fields rules look at (from a model instance or a ``values_list`` row)."""

    id: int
    channel_id: int | None
    province_id: int | None
    city_id: int | None
    district_id: int | None
    grade: str
    industry_id: int | None
    company_size: str
    demand_type_id: int | None
    urgency: str
    created_at: dt.datetime | None = None

    @classmethod
    def of(cls, lead) -> LeadFacts:
        return cls(*(getattr(lead, name) for name in LEAD_FIELDS))


@dataclass(slots=True)
class Person:
    id: int
    name: str
    active: bool = True
    on_leave: bool = False
    level: str = ""
    hire_date: dt.date | None = None
    industries: frozenset[int] = frozenset()
    scales: frozenset[str] = frozenset()
    regions: frozenset[int] = frozenset()  # provinces/cities of the person's sales regions


@dataclass
class Decision:
    lead_id: int
    rule: CompiledRule | None
    user_id: int | None = None
    pool_id: int | None = None
    # Data of the reason (rendered in the reader's language by reasons.describe).
    reason: dict = field(default_factory=dict)

    @property
    def assigned(self) -> bool:
        return self.user_id is not None


# --- Conditions ----------------------------------------------------------------------------


@dataclass
class CompiledRule:
    id: int
    name: str
    order: int
    target: str
    pool_id: int | None
    strategy: str
    settings: dict
    tests: list[tuple[str, frozenset]]
    candidates: list[int]  # sorted user ids

    def matches(self, lead: LeadFacts) -> bool:
        for attr, allowed in self.tests:
            if attr == "regions":
                if not (
                    lead.province_id in allowed or lead.city_id in allowed or lead.district_id in allowed
                ):
                    return False
            elif getattr(lead, attr) not in allowed:
                return False
        return True


CONDITION_ATTRS = {
    "channels": "channel_id",
    "regions": "regions",
    "grades": "grade",
    "industries": "industry_id",
    "company_sizes": "company_size",
    "demand_types": "demand_type_id",
    "urgencies": "urgency",
}


def descendants(roots: Iterable, parents: dict) -> frozenset:
    """The roots and everything below them in a tree given as {id: parent_id}."""
    children: dict = {}
    for pk, parent in parents.items():
        children.setdefault(parent, []).append(pk)
    found, todo = set(), list(roots)
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.add(pk)
            todo.extend(children.get(pk, ()))
    return frozenset(found)


def compile_rule(rule: Rule, candidates: list[int], trees: dict[str, dict]) -> CompiledRule:
    """``trees``: {"channels": {id: parent}, "industries": {id: parent}} so a rule on a parent
    channel or industry section also matches its children."""
    tests = []
    for key, attr in CONDITION_ATTRS.items():
        values = (rule.conditions or {}).get(key) or []
        if not values:
            continue
        allowed = descendants(values, trees[key]) if key in trees else frozenset(values)
        tests.append((attr, allowed))
    # Cheap, selective tests first.
    tests.sort(key=lambda t: len(t[1]))
    return CompiledRule(
        id=rule.pk,
        name=rule.name,
        order=rule.order,
        target=rule.target,
        pool_id=rule.pool_id,
        strategy=rule.strategy,
        settings=rule.settings or {},
        tests=tests,
        candidates=sorted(set(candidates)),
    )


# --- Capacity and cursors ------------------------------------------------------------------


class Capacity:
    """How many more leads each person may be given now (holding quotas, leave).

    ``loader(person_id) -> (remaining | None, [(group_key, group_remaining | None)])`` is
    asked once per person per batch; the batch then counts in memory, so people and groups
    at their quota are skipped without a query per lead.
    """

    def __init__(self, loader: Callable[[int], tuple[int | None, list[tuple[str, int | None]]]]):
        self.loader = loader
        self.remaining: dict[int, int | None] = {}
        self.groups_of: dict[int, list[str]] = {}
        self.group_remaining: dict[str, int | None] = {}
        self.taken: dict[int, int] = {}

    def _load(self, person_id: int) -> None:
        remaining, groups = self.loader(person_id)
        self.remaining[person_id] = remaining
        self.groups_of[person_id] = [key for key, _ in groups]
        for key, value in groups:
            self.group_remaining.setdefault(key, value)

    def refusal(self, person_id: int) -> str | None:
        if person_id not in self.remaining:
            self._load(person_id)
        remaining = self.remaining[person_id]
        if remaining is not None and remaining <= 0:
            return QUOTA
        for key in self.groups_of[person_id]:
            value = self.group_remaining.get(key)
            if value is not None and value <= 0:
                return GROUP_QUOTA
        return None

    def take(self, person_id: int) -> None:
        self.taken[person_id] = self.taken.get(person_id, 0) + 1
        if self.remaining.get(person_id) is not None:
            self.remaining[person_id] -= 1
        for key in self.groups_of.get(person_id, ()):
            if self.group_remaining.get(key) is not None:
                self.group_remaining[key] -= 1

    def give_back(self, person_id: int) -> bool:
        """One of the leads given in this batch left the person (simulated turnover)."""
        if not self.taken.get(person_id):
            return False
        self.taken[person_id] -= 1
        if self.remaining.get(person_id) is not None:
            self.remaining[person_id] += 1
        for key in self.groups_of.get(person_id, ()):
            if self.group_remaining.get(key) is not None:
                self.group_remaining[key] += 1
        return True


@dataclass
class Cursor:
    last_user_id: int | None = None
    served: int = 0
    state: dict = field(default_factory=dict)
    dirty: bool = False


class CursorStore:
    """Cursors by (rule id, group); the live router fills it from locked rows and saves it."""

    def __init__(self, cursors: dict[tuple[int, str], Cursor] | None = None):
        self.cursors = cursors or {}

    def get(self, rule_id: int, group: str = "") -> Cursor:
        key = (rule_id, group)
        cursor = self.cursors.get(key)
        if cursor is None:
            cursor = self.cursors[key] = Cursor()
        return cursor

    def changed(self) -> dict[tuple[int, str], Cursor]:
        return {key: c for key, c in self.cursors.items() if c.dirty}


# --- Strategies ----------------------------------------------------------------------------


class Context:
    """What strategies read during one batch: people, capacity, open-lead counts, cursors."""

    def __init__(
        self,
        *,
        people: dict[int, Person],
        capacity: Capacity,
        cursors: CursorStore,
        open_counts: Callable[[list[int]], dict[int, int]],
        ranking: Callable[[CompiledRule, list[int]], list[tuple[int, float]]],
        today: dt.date,
    ):
        self.people = people
        self.capacity = capacity
        self.cursors = cursors
        self._open_counts = open_counts
        self.open: dict[int, int] = {}
        self._ranking = ranking
        self.rankings: dict[int, list[tuple[int, float]]] = {}
        self.today = today
        self.cache: dict = {}

    def refusal(self, person_id: int) -> str | None:
        person = self.people.get(person_id)
        if person is None or not person.active:
            return INACTIVE
        if person.on_leave:
            return ON_LEAVE
        return self.capacity.refusal(person_id)

    def open_count(self, person_id: int) -> int:
        if person_id not in self.open:
            self.open.update(self._open_counts([person_id]))
            self.open.setdefault(person_id, 0)
        return self.open[person_id]

    def preload_open(self, ids: list[int]) -> None:
        missing = [pk for pk in ids if pk not in self.open]
        if missing:
            counts = self._open_counts(missing)
            for pk in missing:
                self.open[pk] = counts.get(pk, 0)

    def given(self, person_id: int) -> None:
        self.capacity.take(person_id)
        self.open[person_id] = self.open_count(person_id) + 1

    def ranking(self, rule: CompiledRule) -> list[tuple[int, float]]:
        if rule.id not in self.rankings:
            self.rankings[rule.id] = self._ranking(rule, rule.candidates)
        return self.rankings[rule.id]


Pick = tuple[int | None, dict]


def _in_turn(members: list[int], cursor: Cursor, ctx: Context, skipped: list) -> int | None:
    """The next available person after the cursor's last one, in id order (fair rotation)."""
    if not members:
        return None
    start = bisect.bisect_right(members, cursor.last_user_id) if cursor.last_user_id is not None else 0
    n = len(members)
    for step in range(n):
        person_id = members[(start + step) % n]
        why = ctx.refusal(person_id)
        if why is None:
            cursor.last_user_id = person_id
            cursor.served += 1
            cursor.dirty = True
            return person_id
        skipped.append((person_id, why))
    return None


def round_robin(rule: CompiledRule, lead: LeadFacts, ctx: Context) -> Pick:
    skipped: list = []
    person = _in_turn(rule.candidates, ctx.cursors.get(rule.id), ctx, skipped)
    return person, {"skipped": skipped}


def load_balanced(rule: CompiledRule, lead: LeadFacts, ctx: Context) -> Pick:
    """Fewest open leads first; equal loads take turns after the rule's cursor."""
    cursor = ctx.cursors.get(rule.id)
    heap_key = ("heap", rule.id)
    heap = ctx.cache.get(heap_key)
    if heap is None:
        ctx.preload_open(rule.candidates)
        members = rule.candidates
        start = bisect.bisect_right(members, cursor.last_user_id) if cursor.last_user_id is not None else 0
        rotated = members[start:] + members[:start]
        heap = [(ctx.open_count(pk), i, pk) for i, pk in enumerate(rotated)]
        heapq.heapify(heap)
        ctx.cache[heap_key] = heap
        ctx.cache[("seq", rule.id)] = len(rotated)
    skipped: list = []
    while heap:
        load, _, person_id = heap[0]
        current = ctx.open_count(person_id)
        if current != load:  # someone else (another rule) gave this person a lead meanwhile
            seq = ctx.cache[("seq", rule.id)] = ctx.cache[("seq", rule.id)] + 1
            heapq.heapreplace(heap, (current, seq, person_id))
            continue
        why = ctx.refusal(person_id)
        if why is not None:
            heapq.heappop(heap)  # stays unavailable for the rest of the batch
            skipped.append((person_id, why))
            continue
        seq = ctx.cache[("seq", rule.id)] = ctx.cache[("seq", rule.id)] + 1
        heapq.heapreplace(heap, (load + 1, seq, person_id))
        cursor.last_user_id = person_id
        cursor.served += 1
        cursor.dirty = True
        return person_id, {"skipped": skipped, "open_leads": load}
    return None, {"skipped": skipped}


def _tenure_years(person: Person, today: dt.date) -> float | None:
    if person.hire_date is None:
        return None
    return (today - person.hire_date).days / 365.25


def _fits(person: Person, dimension: str, lead: LeadFacts, settings: dict, today: dt.date) -> bool:
    """Whether a person belongs to the salesperson group for the lead's group on one dimension.
    A person with nothing recorded for a dimension (no industries …) takes any lead."""
    if dimension == "region":
        if not person.regions:
            return True
        return bool({lead.province_id, lead.city_id, lead.district_id} & person.regions)
    if dimension == "industry":
        if not person.industries or lead.industry_id is None:
            return True
        return lead.industry_id in person.industries
    if dimension == "scale":
        if not person.scales or not lead.company_size:
            return True
        return lead.company_size in person.scales
    if dimension == "level":
        levels = (settings.get("grade_levels") or {}).get(lead.grade or "")
        return not levels or person.level in levels
    if dimension == "tenure":
        minimum = (settings.get("grade_min_tenure") or {}).get(lead.grade or "")
        if not minimum:
            return True
        years = _tenure_years(person, today)
        return years is not None and years >= float(minimum)
    return True


def _lead_group(lead: LeadFacts, dimensions: tuple[str, ...]) -> str:
    parts = []
    for dimension in dimensions:
        if dimension == "region":
            parts.append(f"r{lead.city_id or lead.province_id or ''}")
        elif dimension == "industry":
            parts.append(f"i{lead.industry_id or ''}")
        elif dimension == "scale":
            parts.append(f"s{lead.company_size}")
        elif dimension in ("level", "tenure"):
            parts.append(f"{dimension[0]}{lead.grade}")
    return "|".join(parts)


def direct_match(rule: CompiledRule, lead: LeadFacts, ctx: Context) -> Pick:
    """Leads grouped by the rule's dimensions go to the salespeople whose attributes fit the
    group, in turn within the group. When nobody in the group can take the lead, the least
    important dimension is dropped (settings ``relax``, on by default) and the wider group
    tried, down to all candidates."""
    settings = rule.settings
    wanted = tuple(d for d in (settings.get("dimensions") or DIMENSIONS) if d in DIMENSIONS)
    relax = settings.get("relax", True)
    skipped: list = []
    seen_skips: set[int] = set()
    dims = wanted
    while True:
        group = _lead_group(lead, dims)
        cache_key = ("group", rule.id, group)
        members = ctx.cache.get(cache_key)
        if members is None:
            members = [
                pk
                for pk in rule.candidates
                if (person := ctx.people.get(pk)) is not None
                and all(_fits(person, d, lead, settings, ctx.today) for d in dims)
            ]
            ctx.cache[cache_key] = members
        tried: list = []
        person_id = _in_turn(members, ctx.cursors.get(rule.id, group), ctx, tried)
        for pk, why in tried:
            if pk not in seen_skips:
                seen_skips.add(pk)
                skipped.append((pk, why))
        if person_id is not None:
            return person_id, {
                "skipped": skipped,
                "dimensions": list(dims),
                "relaxed": [d for d in wanted if d not in dims],
                "group_size": len(members),
            }
        if not dims or not relax:
            return None, {"skipped": skipped, "dimensions": list(wanted)}
        dims = dims[:-1]


def leaderboard_weights(rule: CompiledRule, ranking: list[tuple[int, float]]) -> list[tuple[int, int, int]]:
    """(person, rank, weight): the top ranks get more turns per cycle (settings ``tiers``:
    [{"top": 3, "weight": 3}, {"top": 10, "weight": 2}], everyone else ``others_weight``)."""
    tiers = sorted(rule.settings.get("tiers") or [{"top": 3, "weight": 2}], key=lambda t: int(t["top"]))
    others = int(rule.settings.get("others_weight", 1))
    out = []
    for rank, (person_id, _) in enumerate(ranking, start=1):
        weight = next((int(t["weight"]) for t in tiers if rank <= int(t["top"])), others)
        out.append((person_id, rank, max(weight, 0)))
    return out


def _smooth_cycle(weights: list[tuple[int, int, int]]) -> list[int]:
    """One cycle of smooth weighted round-robin: turns spread out, not in bursts."""
    live = [(pk, w) for pk, _, w in weights if w > 0]
    total = sum(w for _, w in live)
    current = dict.fromkeys((pk for pk, _ in live), 0)
    cycle = []
    for _ in range(total):
        for pk, w in live:
            current[pk] += w
        best = max(live, key=lambda item: (current[item[0]], -item[0]))[0]
        current[best] -= total
        cycle.append(best)
    return cycle


def leaderboard(rule: CompiledRule, lead: LeadFacts, ctx: Context) -> Pick:
    """Rank the candidates by the configured metrics; top ranks get extra turns."""
    key = ("cycle", rule.id)
    if key not in ctx.cache:
        weights = leaderboard_weights(rule, ctx.ranking(rule))
        cycle = _smooth_cycle(weights)
        signature = hashlib.sha1(repr(weights).encode(), usedforsecurity=False).hexdigest()[:16]
        ctx.cache[key] = (cycle, {pk: (rank, w) for pk, rank, w in weights}, signature)
    cycle, ranks, signature = ctx.cache[key]
    cursor = ctx.cursors.get(rule.id)
    if cursor.state.get("sig") != signature:
        cursor.state = {"sig": signature, "pos": 0}  # the ranking changed: a new cycle
    skipped: list = []
    seen: set[int] = set()
    pos = int(cursor.state.get("pos", 0))
    for step in range(len(cycle)):
        person_id = cycle[(pos + step) % len(cycle)]
        if person_id in seen:
            continue
        why = ctx.refusal(person_id)
        if why is None:
            cursor.state = {"sig": signature, "pos": (pos + step + 1) % len(cycle)}
            cursor.last_user_id = person_id
            cursor.served += 1
            cursor.dirty = True
            rank, weight = ranks[person_id]
            return person_id, {"skipped": skipped, "rank": rank, "weight": weight, "ranked": len(ranks)}
        seen.add(person_id)
        skipped.append((person_id, why))
    return None, {"skipped": skipped}


STRATEGIES: dict[str, Callable[[CompiledRule, LeadFacts, Context], Pick]] = {
    Rule.Strategy.ROUND_ROBIN: round_robin,
    Rule.Strategy.LOAD_BALANCED: load_balanced,
    Rule.Strategy.DIRECT_MATCH: direct_match,
    Rule.Strategy.LEADERBOARD: leaderboard,
}


# --- The engine ----------------------------------------------------------------------------


class Engine:
    """Routes leads through compiled rules: first match wins; no match → the default pool."""

    def __init__(self, rules: list[CompiledRule], ctx: Context, default_pool_id: int | None):
        self.rules = rules
        self.ctx = ctx
        self.default_pool_id = default_pool_id

    def route(self, lead: LeadFacts) -> Decision:
        for rule in self.rules:
            if not rule.matches(lead):
                continue
            base = {"rule": rule.id, "rule_name": rule.name}
            if rule.target == Rule.Target.POOL:
                return Decision(
                    lead.id,
                    rule,
                    pool_id=rule.pool_id or self.default_pool_id,
                    reason={**base, "why": "pool"},
                )
            person_id, detail = STRATEGIES[rule.strategy](rule, lead, self.ctx)
            detail["skipped"] = [[pk, why] for pk, why in detail.get("skipped", [])]
            reason = {**base, "strategy": rule.strategy, **detail}
            if person_id is None:
                reason["why"] = "nobody_available" if rule.candidates else "no_candidates"
                return Decision(lead.id, rule, pool_id=rule.pool_id or self.default_pool_id, reason=reason)
            self.ctx.given(person_id)
            reason["why"] = "assigned"
            return Decision(lead.id, rule, user_id=person_id, reason=reason)
        return Decision(lead.id, None, pool_id=self.default_pool_id, reason={"why": "no_rule"})
