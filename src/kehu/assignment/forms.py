"""Forms render the rule pages; the checks live in services.rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.accounts.models import Department, SalesRegion, Team, User
from kehu.core import metrics as metric_registry
from kehu.core.models import Industry, Region
from kehu.leads.models import Channel, DemandType, Lead

from .engine import DIMENSIONS
from .models import Rule, RuleSet
from .reasons import DIMENSION_LABELS

SIZES = [("micro", _("micro")), ("small", _("small")), ("medium", _("medium")), ("large", _("large"))]
TIERS = 3


def _multi(label, queryset, **kwargs):
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=queryset,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        **kwargs,
    )


class RegionChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.label} · {obj.label}" if obj.level > 1 and obj.parent else obj.label


class RuleSetForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    copy_from = forms.ModelChoiceField(
        label=_("Start from the rules of"),
        queryset=RuleSet.objects.all(),
        required=False,
        empty_label=_("— no rules (empty) —"),
    )


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    # Conditions
    grades = forms.MultipleChoiceField(
        label=_("Grades"), choices=Lead.Grade.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    urgencies = forms.MultipleChoiceField(
        label=_("Urgency"), choices=Lead.Urgency.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    company_sizes = forms.MultipleChoiceField(
        label=_("Company size"), choices=SIZES, required=False, widget=forms.CheckboxSelectMultiple
    )
    channels = _multi(
        _("Channels"), Channel.objects.all(), help_text=_("A channel includes its sub-channels.")
    )
    regions = RegionChoice(
        label=_("Provinces / cities"),
        queryset=Region.objects.filter(level__in=[1, 2]).select_related("parent").order_by("code"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    industries = _multi(_("Industries"), Industry.objects.all())
    demand_types = _multi(_("Demand types"), DemandType.objects.all())

    # Target
    target = forms.ChoiceField(label=_("Send to"), choices=Rule.Target.choices, widget=forms.RadioSelect)
    pool = forms.ModelChoiceField(
        label=_("Pool"),
        queryset=None,
        required=False,
        help_text=_(
            "The target pool, or the fallback when nobody can take the lead (empty: the default pool)."
        ),
    )
    strategy = forms.ChoiceField(label=_("Strategy"), choices=Rule.Strategy.choices)
    users = _multi(_("People"), User.objects.filter(is_active=True).order_by("name", "username"))
    teams = _multi(_("Teams"), Team.objects.all())
    departments = _multi(_("Departments"), Department.objects.all(), help_text=_("With sub-departments."))
    sales_regions = _multi(_("Sales regions"), SalesRegion.objects.all())

    # Direct matching
    dimensions = forms.MultipleChoiceField(
        label=_("Match on"),
        choices=[(d, DIMENSION_LABELS[d]) for d in DIMENSIONS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("In order of importance: when nobody fits, the last ones are relaxed first."),
    )
    relax = forms.BooleanField(label=_("Relax the match when nobody fits"), required=False, initial=True)

    # Leaderboard
    period_days = forms.IntegerField(
        label=_("Ranking period (days)"), min_value=1, max_value=366, initial=30, required=False
    )
    others_weight = forms.IntegerField(
        label=_("Turns per cycle for everyone else"), min_value=0, max_value=20, initial=1, required=False
    )

    def __init__(self, *args, instance: Rule | None = None, **kwargs):
        from kehu.pool.models import Pool, Target

        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = rule_initial(instance)
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["pool"].queryset = Pool.objects.filter(kind=Target.LEAD)
        self.fields["pool"].empty_label = _("— the lead's default pool —")
        for grade in Lead.Grade.values:
            self.fields[f"levels_{grade}"] = forms.MultipleChoiceField(
                label=_("Levels for grade %(grade)s") % {"grade": grade},
                choices=User.Level.choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            self.fields[f"tenure_{grade}"] = forms.FloatField(
                label=_("Minimum tenure for grade %(grade)s (years)") % {"grade": grade},
                required=False,
                min_value=0,
                max_value=60,
            )
        self.metric_fields = []
        for code, metric in sorted(metric_registry.METRICS.items()):
            name = f"metric_{code}"
            self.fields[name] = forms.FloatField(
                label=metric.label, required=False, min_value=0, max_value=100, initial=0
            )
            self.metric_fields.append(name)
        for i in range(TIERS):
            self.fields[f"tier_top_{i}"] = forms.IntegerField(
                label=_("Top ranks"), required=False, min_value=1, max_value=1000
            )
            self.fields[f"tier_weight_{i}"] = forms.IntegerField(
                label=_("Turns per cycle"), required=False, min_value=0, max_value=20
            )

    def tier_rows(self):
        return [(self[f"tier_top_{i}"], self[f"tier_weight_{i}"]) for i in range(TIERS)]

    def grade_rows(self):
        return [(g, self[f"levels_{g}"], self[f"tenure_{g}"]) for g in Lead.Grade.values]

    def metric_rows(self):
        return [self[name] for name in self.metric_fields]

    def service_data(self) -> dict:
        d = self.cleaned_data
        data = {
            "name": d["name"],
            "active": d["active"],
            "conditions": {
                "grades": d["grades"],
                "urgencies": d["urgencies"],
                "company_sizes": d["company_sizes"],
                "channels": [o.pk for o in d["channels"]],
                "regions": [o.pk for o in d["regions"]],
                "industries": [o.pk for o in d["industries"]],
                "demand_types": [o.pk for o in d["demand_types"]],
            },
            "target": d["target"],
            "pool": d["pool"].pk if d["pool"] else None,
            "strategy": d["strategy"],
            "users": [o.pk for o in d["users"]],
            "teams": [o.pk for o in d["teams"]],
            "departments": [o.pk for o in d["departments"]],
            "sales_regions": [o.pk for o in d["sales_regions"]],
        }
        settings: dict = {}
        if d["strategy"] == Rule.Strategy.DIRECT_MATCH:
            # Keep the order of importance of DIMENSIONS for the ticked boxes.
            settings = {
                "dimensions": [dim for dim in DIMENSIONS if dim in d["dimensions"]],
                "relax": d["relax"],
                "grade_levels": {g: d[f"levels_{g}"] for g in Lead.Grade.values if d[f"levels_{g}"]},
                "grade_min_tenure": {
                    g: d[f"tenure_{g}"] for g in Lead.Grade.values if d[f"tenure_{g}"] not in (None, 0)
                },
            }
        elif d["strategy"] == Rule.Strategy.LEADERBOARD:
            settings = {
                "metrics": [
                    {"code": name.removeprefix("metric_"), "weight": d[name]}
                    for name in self.metric_fields
                    if d.get(name)
                ],
                "period_days": d["period_days"] or 30,
                "tiers": [
                    {"top": d[f"tier_top_{i}"], "weight": d[f"tier_weight_{i}"]}
                    for i in range(TIERS)
                    if d[f"tier_top_{i}"] and d[f"tier_weight_{i}"] is not None
                ],
                "others_weight": 1 if d["others_weight"] is None else d["others_weight"],
            }
        data["settings"] = settings
        return data

    def add_service_errors(self, fields: dict) -> None:
        for key, messages in fields.items():
            name = key.split(".", 1)[1] if "." in key else key
            if name in ("metrics",):
                name = self.metric_fields[0] if self.metric_fields else None
            elif name == "tiers":
                name = "tier_top_0"
            elif name in ("grade_levels", "grade_min_tenure"):
                name = None
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


def rule_initial(rule: Rule) -> dict:
    c = rule.conditions or {}
    s = rule.settings or {}
    initial = {
        "name": rule.name,
        "active": rule.active,
        "grades": c.get("grades", []),
        "urgencies": c.get("urgencies", []),
        "company_sizes": c.get("company_sizes", []),
        "channels": c.get("channels", []),
        "regions": c.get("regions", []),
        "industries": c.get("industries", []),
        "demand_types": c.get("demand_types", []),
        "target": rule.target,
        "pool": rule.pool_id,
        "strategy": rule.strategy,
        "users": rule.users,
        "teams": rule.teams,
        "departments": rule.departments,
        "sales_regions": rule.sales_regions,
        "dimensions": s.get("dimensions", list(DIMENSIONS)),
        "relax": s.get("relax", True),
        "period_days": s.get("period_days", 30),
        "others_weight": s.get("others_weight", 1),
    }
    for grade in Lead.Grade.values:
        initial[f"levels_{grade}"] = (s.get("grade_levels") or {}).get(grade, [])
        initial[f"tenure_{grade}"] = (s.get("grade_min_tenure") or {}).get(grade)
    for item in s.get("metrics") or []:
        initial[f"metric_{item['code']}"] = item.get("weight")
    for i, tier in enumerate((s.get("tiers") or [])[:TIERS]):
        initial[f"tier_top_{i}"] = tier.get("top")
        initial[f"tier_weight_{i}"] = tier.get("weight")
    return initial


def new_rule_initial() -> dict:
    return {
        "active": True,
        "target": Rule.Target.PEOPLE,
        "strategy": Rule.Strategy.ROUND_ROBIN,
        "dimensions": list(DIMENSIONS),
        "relax": True,
        "period_days": 30,
        "others_weight": 1,
        "metric_lead_conversions": 1,
        "tier_top_0": 3,
        "tier_weight_0": 2,
    }
