"""Demo assignment rules: an active rule set that uses every strategy, a draft to simulate,
and a few fresh leads routed through it so the lead pages show why they were assigned.

Idempotent: nothing is added when the demo rule set exists already.
"""

import datetime as dt
import random

from kehu.accounts.models import Department, SalesRegion, User
from kehu.core import clock
from kehu.core.models import Region

from . import services
from .models import RuleSet

ACTIVE_NAME = "标准分配规则"
DRAFT_NAME = "草案：华东改为负载均衡"
REGIONS = {
    "east": ("330000", "310000", "320000"),
    "south": ("440000", "350000"),
    "north": ("110000", "120000", "130000"),
    "west": ("510000", "500000", "610000"),
}
FRESH_LEADS = 40


def _ids(model, **filters) -> list[int]:
    return list(model.objects.filter(**filters).values_list("pk", flat=True))


def load(options) -> None:
    if RuleSet.objects.filter(name=ACTIVE_NAME).exists():
        return
    manager = (
        User.objects.filter(username="director").first()
        or User.objects.filter(is_superuser=True).order_by("pk").first()
    )
    if manager is None:
        return
    from kehu.pool.models import Pool, Target

    regions = {key: _ids(Region, code__in=codes) for key, codes in REGIONS.items()}
    departments = {d.name: d.pk for d in Department.objects.filter(name__endswith="销售部")}
    east_pool = Pool.objects.filter(kind=Target.LEAD, name="华东线索池").first()
    default_pool = Pool.objects.filter(kind=Target.LEAD, is_default=True).first()
    east_region = SalesRegion.objects.filter(name="华东大区").first()

    rules = [
        {
            "name": "低质量线索进公海",
            "conditions": {"grades": ["C"]},
            "target": "pool",
            "pool": default_pool.pk if default_pool else None,
        },
        {
            "name": "华东 A 级：排名榜",
            "conditions": {"regions": regions["east"], "grades": ["A"]},
            "strategy": "leaderboard",
            "departments": [departments["华东销售部"]] if "华东销售部" in departments else [],
            "settings": {
                "metrics": [{"code": "lead_conversions", "weight": 2}, {"code": "activity", "weight": 1}],
                "period_days": 30,
                "tiers": [{"top": 1, "weight": 3}, {"top": 2, "weight": 2}],
                "others_weight": 1,
            },
        },
        {
            "name": "华东 中大型企业：直接匹配",
            "conditions": {"regions": regions["east"], "company_sizes": ["medium", "large"]},
            "strategy": "direct_match",
            "sales_regions": [east_region.pk] if east_region else [],
            "settings": {
                "dimensions": ["region", "industry", "scale", "level"],
                "grade_levels": {"A": ["senior", "expert"]},
                "relax": True,
            },
        },
        {
            "name": "华东 其他：轮流",
            "conditions": {"regions": regions["east"]},
            "strategy": "round_robin",
            "departments": [departments["华东销售部"]] if "华东销售部" in departments else [],
            "pool": east_pool.pk if east_pool else None,
        },
        {
            "name": "华南：负载均衡",
            "conditions": {"regions": regions["south"]},
            "strategy": "load_balanced",
            "departments": [departments["华南销售部"]] if "华南销售部" in departments else [],
        },
        {
            "name": "华北：轮流",
            "conditions": {"regions": regions["north"]},
            "strategy": "round_robin",
            "departments": [departments["华北销售部"]] if "华北销售部" in departments else [],
        },
        {
            "name": "西部：轮流",
            "conditions": {"regions": regions["west"]},
            "strategy": "round_robin",
            "departments": [departments["西部销售部"]] if "西部销售部" in departments else [],
        },
    ]
    rule_set = services.create_rule_set(
        manager, {"name": ACTIVE_NAME, "description": "按区域分配；A 级线索按业绩排名多分；C 级进公海。"}
    )
    for data in rules:
        has_people = any(data.get(k) for k in ("users", "teams", "departments", "sales_regions"))
        if data.get("target") == "pool" and not data.get("pool"):
            continue
        if data.get("target", "people") == "people" and not has_people:
            continue
        services.create_rule(manager, rule_set, data)
    services.activate_rule_set(manager, rule_set)

    draft = services.create_rule_set(
        manager, {"name": DRAFT_NAME, "description": "试算：华东其他线索改为负载均衡。"}, copy_from=rule_set
    )
    for rule in draft.rules.filter(name="华东 其他：轮流"):
        services.update_rule(manager, rule, {"strategy": "load_balanced", "name": "华东 其他：负载均衡"})

    _route_fresh_leads(random.Random(options.seed), regions)
    options.say(f"assignment: rule set “{ACTIVE_NAME}” active with {rule_set.rules.count()} rules, one draft")


def _route_fresh_leads(rng: random.Random, regions: dict) -> None:
    """A few new leads (intake="demo-assignment") routed by the active rules."""
    from kehu.core.models import Industry
    from kehu.leads.models import Channel, Lead

    channel = Channel.objects.filter(active=True).first()
    if channel is None:
        return
    provinces = [pk for ids in regions.values() for pk in ids]
    if not provinces:
        return
    cities: dict[int, list[int]] = {}
    for pk, parent in Region.objects.filter(level=2, parent_id__in=provinces).values_list("pk", "parent_id"):
        cities.setdefault(parent, []).append(pk)
    industries = _ids(Industry, parent__isnull=True)
    surnames, given = "王李张刘陈杨黄赵吴周", "伟芳娜敏静丽强磊军洋"
    now = clock.now()
    leads = []
    for i in range(FRESH_LEADS):
        province = rng.choice(provinces)
        at = now - dt.timedelta(minutes=rng.randint(5, 600))
        leads.append(
            Lead.objects.create(
                channel=channel,
                kind="company",
                name=rng.choice(surnames) + rng.choice(given) + rng.choice(given),
                company=f"{rng.choice(['华信', '恒通', '远景', '博达', '启明', '瑞丰'])}{i}号科技有限公司",
                phone=f"139{rng.randint(10_000_000, 99_999_999)}",
                province_id=province,
                city_id=rng.choice(cities[province]) if cities.get(province) else None,
                industry_id=rng.choice(industries) if industries else None,
                company_size=rng.choice(["small", "medium", "large", ""]),
                urgency=rng.choice(["high", "medium", "low"]),
                grade=rng.choice("AABBBC"),
                score=rng.randint(30, 95),
                intake="demo-assignment",
                created_at=at,
                updated_at=at,
            )
        )
    services.route_leads(leads)
