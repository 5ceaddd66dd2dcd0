"""Rule sets and rules: every path (UI, API, demo data) edits them here."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from kehu.accounts.models import Department, SalesRegion, Team, User
from kehu.core import audit, clock
from kehu.core import metrics as metric_registry
from kehu.core.errors import Conflict, Forbidden, ValidationFailed
from kehu.core.models import Industry, Region
from kehu.leads.models import Channel, DemandType, Lead

from ..capabilities import MANAGE_ASSIGNMENT
from ..engine import DIMENSIONS
from ..models import CONDITION_FIELDS, Rule, RuleSet

RULE_FIELDS = (
    "name",
    "active",
    "conditions",
    "target",
    "pool",
    "strategy",
    "users",
    "teams",
    "departments",
    "sales_regions",
    "settings",
)
MAX_IDS = 1000
LEVELS = set(User.Level.values)
SIZES = {"micro", "small", "medium", "large"}


def require_manager(actor) -> None:
    if actor is None or not actor.can(MANAGE_ASSIGNMENT):
        raise Forbidden(_("Only people who manage assignment rules may do this."))


# --- Validation ----------------------------------------------------------------------------


def _ids(value, field: str, model, errors: dict, **filters) -> list[int]:
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**63 for v in value
    ):
        errors[field] = [_("Give a list of ids.")]
        return []
    ids = sorted(set(value))
    if len(ids) > MAX_IDS:
        errors[field] = [_("At most %(n)s entries.") % {"n": MAX_IDS}]
        return []
    found = set(model.objects.filter(pk__in=ids, **filters).values_list("pk", flat=True))
    missing = [v for v in ids if v not in found]
    if missing:
        errors[field] = [_("Unknown ids: %(ids)s.") % {"ids": ", ".join(map(str, missing[:10]))}]
    return ids


def _choices(value, field: str, allowed: set[str], errors: dict) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors[field] = [_("Give a list of values.")]
        return []
    bad = [v for v in value if v not in allowed]
    if bad:
        errors[field] = [_("Not allowed: %(values)s.") % {"values": ", ".join(bad[:10])}]
    return sorted(set(value))


def clean_conditions(raw, errors: dict) -> dict:
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        errors["conditions"] = [_("Give the conditions as an object.")]
        return {}
    unknown = [key for key in raw if key not in CONDITION_FIELDS]
    if unknown:
        errors["conditions"] = [
            _("Unknown conditions: %(keys)s.") % {"keys": ", ".join(map(str, unknown[:10]))}
        ]
    out: dict = {}
    sub: dict = {}
    out["channels"] = _ids(raw.get("channels"), "channels", Channel, sub)
    out["regions"] = _ids(raw.get("regions"), "regions", Region, sub, level__in=[1, 2, 3])
    out["grades"] = _choices(raw.get("grades"), "grades", set(Lead.Grade.values), sub)
    out["industries"] = _ids(raw.get("industries"), "industries", Industry, sub)
    out["company_sizes"] = _choices(raw.get("company_sizes"), "company_sizes", SIZES, sub)
    out["demand_types"] = _ids(raw.get("demand_types"), "demand_types", DemandType, sub)
    out["urgencies"] = _choices(raw.get("urgencies"), "urgencies", set(Lead.Urgency.values), sub)
    for key, messages in sub.items():
        errors[f"conditions.{key}"] = messages
    return {key: value for key, value in out.items() if value}


def _number(value, field: str, errors: dict, *, low: float, high: float, integer: bool = False):
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors[field] = [_("Give a number.")]
        return None
    if not (low <= value <= high) or (integer and int(value) != value):
        errors[field] = [_("Give a number from %(low)s to %(high)s.") % {"low": low, "high": high}]
        return None
    return int(value) if integer else float(value)


def clean_settings(strategy: str, raw, errors: dict) -> dict:
    """Only the settings of the chosen strategy are kept, each checked."""
    if raw in (None, ""):
        raw = {}
    if not isinstance(raw, dict):
        errors["settings"] = [_("Give the strategy settings as an object.")]
        return {}
    out: dict = {}
    if strategy == Rule.Strategy.DIRECT_MATCH:
        dims = raw.get("dimensions", list(DIMENSIONS))
        if not isinstance(dims, list) or any(not isinstance(d, str) or d not in DIMENSIONS for d in dims):
            errors["settings.dimensions"] = [_("Choose from: %(dims)s.") % {"dims": ", ".join(DIMENSIONS)}]
        else:
            out["dimensions"] = list(dict.fromkeys(dims))
        out["relax"] = bool(raw.get("relax", True))
        levels = raw.get("grade_levels") or {}
        if not isinstance(levels, dict) or any(
            g not in Lead.Grade.values
            or not isinstance(v, list)
            or any(not isinstance(lv, str) or lv not in LEVELS for lv in v)
            for g, v in levels.items()
        ):
            errors["settings.grade_levels"] = [_("Map grades (A, B, C) to lists of levels.")]
        else:
            out["grade_levels"] = {g: sorted(set(v)) for g, v in levels.items() if v}
        tenure = raw.get("grade_min_tenure") or {}
        if not isinstance(tenure, dict) or any(g not in Lead.Grade.values for g in tenure):
            errors["settings.grade_min_tenure"] = [_("Map grades (A, B, C) to years.")]
        else:
            cleaned = {}
            for grade, years in tenure.items():
                if years in (None, ""):
                    continue
                value = _number(years, "settings.grade_min_tenure", errors, low=0, high=60)
                if value is not None and value > 0:
                    cleaned[grade] = value
            out["grade_min_tenure"] = cleaned
    elif strategy == Rule.Strategy.LEADERBOARD:
        chosen = raw.get("metrics") or [{"code": "lead_conversions", "weight": 1}]
        if not isinstance(chosen, list) or not all(isinstance(m, dict) for m in chosen):
            errors["settings.metrics"] = [_("Give a list of metrics with weights.")]
        else:
            out["metrics"] = []
            for item in chosen:
                code = item.get("code")
                if not isinstance(code, str) or code not in metric_registry.METRICS:
                    errors["settings.metrics"] = [_("Unknown metric: %(code)s.") % {"code": code}]
                    continue
                weight = _number(item.get("weight", 1), "settings.metrics", errors, low=0, high=100)
                if weight is not None:
                    out["metrics"].append({"code": code, "weight": weight})
            if not out["metrics"] and "settings.metrics" not in errors:
                errors["settings.metrics"] = [_("Choose at least one metric.")]
        days = _number(
            raw.get("period_days", 30), "settings.period_days", errors, low=1, high=366, integer=True
        )
        if days is not None:
            out["period_days"] = days
        tiers = raw.get("tiers") or [{"top": 3, "weight": 2}]
        if not isinstance(tiers, list) or not all(isinstance(t, dict) for t in tiers):
            errors["settings.tiers"] = [_("Give a list of tiers (top N ranks, turns per cycle).")]
        else:
            out["tiers"] = []
            for tier in tiers:
                top = _number(tier.get("top"), "settings.tiers", errors, low=1, high=1000, integer=True)
                weight = _number(tier.get("weight"), "settings.tiers", errors, low=0, high=20, integer=True)
                if top is not None and weight is not None:
                    out["tiers"].append({"top": top, "weight": weight})
            out["tiers"].sort(key=lambda t: t["top"])
        others = _number(
            raw.get("others_weight", 1), "settings.others_weight", errors, low=0, high=20, integer=True
        )
        if others is not None:
            out["others_weight"] = others
    return out


def clean_rule(data: dict, instance: Rule | None = None) -> dict:
    """Checked values for a rule (all fields for a new rule, the given ones for an update)."""
    errors: dict = {}
    values: dict = {}
    current = {f: getattr(instance, f if f != "pool" else "pool_id") for f in RULE_FIELDS} if instance else {}

    def given(field):
        return field in data or instance is None

    if given("name"):
        name = str(data.get("name") or "").strip()
        if not name:
            errors["name"] = [_("This field is required.")]
        elif len(name) > 100:
            errors["name"] = [_("At most %(n)s characters.") % {"n": 100}]
        values["name"] = name
    if given("active"):
        values["active"] = bool(data.get("active", True))
    if given("conditions"):
        values["conditions"] = clean_conditions(data.get("conditions"), errors)
    target = data.get("target", current.get("target", Rule.Target.PEOPLE))
    if target not in Rule.Target.values:
        errors["target"] = [_("Choose a pool or salespeople.")]
    values["target"] = target
    strategy = data.get("strategy", current.get("strategy") or Rule.Strategy.ROUND_ROBIN)
    if strategy not in Rule.Strategy.values:
        errors["strategy"] = [_("Choose a strategy.")]
    values["strategy"] = strategy
    if given("pool"):
        pool_id = data.get("pool")
        if pool_id in (None, "", 0):
            values["pool_id"] = None
        else:
            from kehu.pool.models import Pool, Target

            if not Pool.objects.filter(pk=pool_id, kind=Target.LEAD).exists():
                errors["pool"] = [_("Choose a lead pool.")]
            values["pool_id"] = pool_id
    for field, model in (
        ("users", User),
        ("teams", Team),
        ("departments", Department),
        ("sales_regions", SalesRegion),
    ):
        if given(field):
            values[field] = _ids(data.get(field), field, model, errors)
    pool_id = values.get("pool_id", current.get("pool"))
    if target == Rule.Target.POOL and not pool_id:
        errors["pool"] = [_("Choose the pool these leads go to.")]
    if target == Rule.Target.PEOPLE:
        sources = [values.get(f, current.get(f)) for f in ("users", "teams", "departments", "sales_regions")]
        if not any(sources):
            errors["users"] = [_("Name the salespeople: people, teams, departments or sales regions.")]
    if given("settings") or "strategy" in data:
        values["settings"] = clean_settings(strategy, data.get("settings", current.get("settings")), errors)
    if errors:
        raise ValidationFailed(fields=errors)
    return values


# --- Rule sets -----------------------------------------------------------------------------


def _copy_rules(source: RuleSet, target: RuleSet) -> None:
    Rule.objects.bulk_create(
        [
            Rule(
                rule_set=target,
                order=r.order,
                name=r.name,
                active=r.active,
                conditions=r.conditions,
                target=r.target,
                pool_id=r.pool_id,
                strategy=r.strategy,
                users=r.users,
                teams=r.teams,
                departments=r.departments,
                sales_regions=r.sales_regions,
                settings=r.settings,
            )
            for r in source.rules.order_by("order", "id")
        ]
    )


def _clean_set(data: dict, instance: RuleSet | None = None) -> dict:
    values = {}
    if "name" in data or instance is None:
        name = str(data.get("name") or "").strip()
        if not name or len(name) > 100:
            raise ValidationFailed(fields={"name": [_("Give a name of at most 100 characters.")]})
        values["name"] = name
    if "description" in data:
        values["description"] = str(data.get("description") or "").strip()[:2000]
    return values


@transaction.atomic
def create_rule_set(actor, data: dict, *, copy_from: RuleSet | None = None) -> RuleSet:
    """A new draft, empty or a copy of another set's rules (to change and simulate)."""
    require_manager(actor)
    values = _clean_set(data)
    now = clock.now()
    rule_set = RuleSet.objects.create(created_by=actor, created_at=now, updated_at=now, **values)
    if copy_from is not None:
        _copy_rules(copy_from, rule_set)
    audit.record(actor, rule_set, "create", audit.diff({}, audit.snapshot(rule_set)))
    return rule_set


@transaction.atomic
def update_rule_set(actor, rule_set: RuleSet, data: dict) -> RuleSet:
    require_manager(actor)
    before = audit.snapshot(rule_set)
    for field, value in _clean_set(data, rule_set).items():
        setattr(rule_set, field, value)
    rule_set.updated_at = clock.now()
    rule_set.save()
    audit.record(actor, rule_set, "update", audit.diff(before, audit.snapshot(rule_set)))
    return rule_set


@transaction.atomic
def activate_rule_set(actor, rule_set: RuleSet) -> RuleSet:
    """Switch routing to this set; the set active until now is archived (kept, reusable)."""
    require_manager(actor)
    rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    if rule_set.status == RuleSet.Status.ACTIVE:
        return rule_set
    now = clock.now()
    for old in RuleSet.objects.select_for_update().filter(status=RuleSet.Status.ACTIVE):
        old.status, old.updated_at = RuleSet.Status.ARCHIVED, now
        old.save(update_fields=["status", "updated_at"])
        audit.record(actor, old, "update", {"status": [RuleSet.Status.ACTIVE, RuleSet.Status.ARCHIVED]})
    before = rule_set.status
    rule_set.status, rule_set.activated_at, rule_set.updated_at = RuleSet.Status.ACTIVE, now, now
    rule_set.save(update_fields=["status", "activated_at", "updated_at"])
    audit.record(actor, rule_set, "update", {"status": [before, RuleSet.Status.ACTIVE]})
    return rule_set


@transaction.atomic
def delete_rule_set(actor, rule_set: RuleSet) -> None:
    require_manager(actor)
    if rule_set.status == RuleSet.Status.ACTIVE:
        raise Conflict(
            _("The active rule set routes new leads; activate another one first."), code="rule_set_active"
        )
    audit.record(actor, rule_set, "delete", audit.snapshot(rule_set))
    rule_set.delete()


# --- Rules ---------------------------------------------------------------------------------


def _touch(rule_set: RuleSet) -> None:
    RuleSet.objects.filter(pk=rule_set.pk).update(updated_at=clock.now())


@transaction.atomic
def create_rule(actor, rule_set: RuleSet, data: dict) -> Rule:
    require_manager(actor)
    values = clean_rule(data)
    last = rule_set.rules.aggregate(m=Max("order"))["m"]
    rule = Rule.objects.create(rule_set=rule_set, order=(last or 0) + 10, **values)
    _touch(rule_set)
    audit.record(actor, rule, "create", audit.diff({}, audit.snapshot(rule)))
    return rule


@transaction.atomic
def update_rule(actor, rule: Rule, data: dict) -> Rule:
    require_manager(actor)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    before = audit.snapshot(rule)
    for field, value in clean_rule(data, rule).items():
        setattr(rule, field, value)
    rule.save()
    _touch(rule.rule_set)
    audit.record(actor, rule, "update", audit.diff(before, audit.snapshot(rule)))
    return rule


@transaction.atomic
def delete_rule(actor, rule: Rule) -> None:
    require_manager(actor)
    audit.record(actor, rule, "delete", audit.snapshot(rule))
    _touch(rule.rule_set)
    rule.delete()


@transaction.atomic
def set_rule_active(actor, rule: Rule, active: bool) -> Rule:
    return update_rule(actor, rule, {"active": bool(active)})


@transaction.atomic
def reorder_rules(actor, rule_set: RuleSet, ordered_ids: list[int]) -> list[Rule]:
    """Put the set's rules in the given order (every rule of the set exactly once)."""
    require_manager(actor)
    rules = {r.pk: r for r in RuleSet.objects.select_for_update().get(pk=rule_set.pk).rules.all()}
    if sorted(ordered_ids) != sorted(rules) or len(set(ordered_ids)) != len(ordered_ids):
        raise ValidationFailed(fields={"order": [_("List every rule of the set exactly once.")]})
    for position, pk in enumerate(ordered_ids, start=1):
        rules[pk].order = position * 10
    Rule.objects.bulk_update(rules.values(), ["order"])
    _touch(rule_set)
    audit.record(actor, rule_set, "update", {"rule order": [None, [rules[pk].name for pk in ordered_ids]]})
    return [rules[pk] for pk in ordered_ids]


def move_rule(actor, rule: Rule, offset: int) -> list[Rule]:
    """Move a rule up (-1) or down (+1) in its set."""
    ids = list(rule.rule_set.rules.order_by("order", "id").values_list("pk", flat=True))
    index = ids.index(rule.pk)
    new_index = max(0, min(len(ids) - 1, index + offset))
    ids.insert(new_index, ids.pop(index))
    return reorder_rules(actor, rule.rule_set, ids)
