"""Rules described for people: conditions and target in a line each (reader's language)."""

from django.utils.translation import gettext as _

from kehu.accounts.models import Department, SalesRegion, Team, User
from kehu.core.models import Industry, Region
from kehu.leads.models import Channel, DemandType, Lead

from .models import Rule

SIZE_LABELS = {"micro": "micro", "small": "small", "medium": "medium", "large": "large"}


def _names(model, ids: set) -> dict:
    return {obj.pk: str(obj) for obj in model.objects.filter(pk__in=ids)} if ids else {}


def _short(names: list[str], limit: int = 4) -> str:
    text = _(", ").join(names[:limit])
    if len(names) > limit:
        text += " " + _("and %(n)s more") % {"n": len(names) - limit}
    return text


def describe_rules(rules: list[Rule]) -> list[dict]:
    """[{rule, conditions: [text], target: text}] with every related name loaded once."""
    wanted: dict[str, set] = {k: set() for k in ("channels", "regions", "industries", "demand_types")}
    people: dict[str, set] = {k: set() for k in ("users", "teams", "departments", "sales_regions")}
    pool_ids = set()
    for rule in rules:
        for key in wanted:
            wanted[key].update((rule.conditions or {}).get(key) or [])
        for key in people:
            people[key].update(getattr(rule, key) or [])
        if rule.pool_id:
            pool_ids.add(rule.pool_id)
    from kehu.pool.models import Pool

    names = {
        "channels": _names(Channel, wanted["channels"]),
        "regions": _names(Region, wanted["regions"]),
        "industries": _names(Industry, wanted["industries"]),
        "demand_types": _names(DemandType, wanted["demand_types"]),
        "users": _names(User, people["users"]),
        "teams": _names(Team, people["teams"]),
        "departments": _names(Department, people["departments"]),
        "sales_regions": _names(SalesRegion, people["sales_regions"]),
        "pools": _names(Pool, pool_ids),
    }
    grade_labels = dict(Lead.Grade.choices)
    urgency_labels = dict(Lead.Urgency.choices)
    size_labels = {"micro": _("micro"), "small": _("small"), "medium": _("medium"), "large": _("large")}
    labels = {
        "channels": _("Channel"),
        "regions": _("Region"),
        "grades": _("Grade"),
        "industries": _("Industry"),
        "company_sizes": _("Company size"),
        "demand_types": _("Demand"),
        "urgencies": _("Urgency"),
    }
    out = []
    for rule in rules:
        conditions = []
        for key, label in labels.items():
            values = (rule.conditions or {}).get(key) or []
            if not values:
                continue
            if key == "grades":
                shown = [str(grade_labels.get(v, v)) for v in values]
            elif key == "urgencies":
                shown = [str(urgency_labels.get(v, v)) for v in values]
            elif key == "company_sizes":
                shown = [str(size_labels.get(v, v)) for v in values]
            else:
                shown = [names[key].get(v, f"#{v}") for v in values]
            conditions.append(f"{label}: {_short(shown)}")
        pool_name = names["pools"].get(rule.pool_id, "") if rule.pool_id else ""
        if rule.target == Rule.Target.POOL:
            target = _("Pool “%(pool)s”") % {"pool": pool_name or _("default")}
        else:
            who = []
            for key, label in (
                ("users", _("people")),
                ("teams", _("teams")),
                ("departments", _("departments")),
                ("sales_regions", _("sales regions")),
            ):
                ids = getattr(rule, key) or []
                if ids:
                    who.append(f"{label} {_short([names[key].get(v, f'#{v}') for v in ids], 3)}")
            target = f"{rule.get_strategy_display()} · {'; '.join(who) or _('nobody')}"
            if pool_name:
                target += " · " + _("else pool “%(pool)s”") % {"pool": pool_name}
        out.append({"rule": rule, "conditions": conditions or [_("every lead")], "target": target})
    return out
