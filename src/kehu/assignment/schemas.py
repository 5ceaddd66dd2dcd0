import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from kehu.core.schemas import Id, Text

Ids = Annotated[list[Id], Field(max_length=1000)]
Grade = Literal["A", "B", "C"]
Size = Literal["micro", "small", "medium", "large"]
Urgency = Literal["high", "medium", "low"]
Level = Literal["junior", "intermediate", "senior", "expert"]
Dimension = Literal["region", "industry", "scale", "level", "tenure"]
Strategy = Literal["round_robin", "load_balanced", "direct_match", "leaderboard"]


class ConditionsIn(Schema):
    channels: Ids = []
    regions: Ids = Field([], description="Provinces, cities or districts (a lead in any of them matches).")
    grades: Annotated[list[Grade], Field(max_length=3)] = []
    industries: Ids = []
    company_sizes: Annotated[list[Size], Field(max_length=4)] = []
    demand_types: Ids = []
    urgencies: Annotated[list[Urgency], Field(max_length=3)] = []


class MetricIn(Schema):
    code: Text = Field(..., max_length=40)
    weight: float = Field(1, ge=0, le=100)


class TierIn(Schema):
    top: int = Field(..., ge=1, le=1000, description="Ranks 1 … top")
    weight: int = Field(..., ge=0, le=20, description="Turns per cycle")


class SettingsIn(Schema):
    """Direct matching: dimensions, relax, grade_levels, grade_min_tenure.
    Leaderboard: metrics, period_days, tiers, others_weight."""

    dimensions: Annotated[list[Dimension], Field(max_length=5)] | None = None
    relax: bool | None = None
    grade_levels: dict[Grade, Annotated[list[Level], Field(max_length=4)]] | None = None
    grade_min_tenure: dict[Grade, Annotated[float, Field(ge=0, le=60)]] | None = None
    metrics: Annotated[list[MetricIn], Field(max_length=20)] | None = None
    period_days: int | None = Field(None, ge=1, le=366)
    tiers: Annotated[list[TierIn], Field(max_length=10)] | None = None
    others_weight: int | None = Field(None, ge=0, le=20)


class RuleIn(Schema):
    name: Text = Field(..., max_length=100)
    active: bool = True
    conditions: ConditionsIn = ConditionsIn()
    target: Literal["pool", "people"] = "people"
    pool: Id | None = Field(None, description="Target pool, or the fallback pool for a people rule.")
    strategy: Strategy = "round_robin"
    users: Ids = []
    teams: Ids = []
    departments: Ids = []
    sales_regions: Ids = []
    settings: SettingsIn = SettingsIn()


class RulePatch(Schema):
    name: Text | None = Field(None, max_length=100)
    active: bool | None = None
    conditions: ConditionsIn | None = None
    target: Literal["pool", "people"] | None = None
    pool: Id | None = None
    strategy: Strategy | None = None
    users: Ids | None = None
    teams: Ids | None = None
    departments: Ids | None = None
    sales_regions: Ids | None = None
    settings: SettingsIn | None = None


class RuleOut(Schema):
    id: int
    rule_set: int = Field(..., alias="rule_set_id")
    order: int
    name: str
    active: bool
    conditions: dict
    target: str
    pool: int | None = Field(None, alias="pool_id")
    strategy: str
    users: list[int]
    teams: list[int]
    departments: list[int]
    sales_regions: list[int]
    settings: dict


class RuleSetIn(Schema):
    name: Text = Field(..., max_length=100)
    description: Text = Field("", max_length=2000)
    copy_from: Id | None = Field(None, description="Start with a copy of this rule set's rules.")


class RuleSetPatch(Schema):
    name: Text | None = Field(None, max_length=100)
    description: Text | None = Field(None, max_length=2000)


class RuleSetOut(Schema):
    id: int
    name: str
    status: str
    description: str
    created_at: dt.datetime
    updated_at: dt.datetime
    activated_at: dt.datetime | None


class RuleSetDetailOut(RuleSetOut):
    rules: list[RuleOut]


class OrderIn(Schema):
    rules: Annotated[list[Id], Field(max_length=1000)] = Field(
        ..., description="Every rule id of the set, in order."
    )


class PersonRowOut(Schema):
    user_id: int
    name: str
    leads: int
    share: float
    quota_refusals: int
    expected_reclaims: float
    on_leave: bool


class RuleRowOut(Schema):
    rule_id: int
    name: str
    matched: int
    assigned: int
    to_pool: int


class SimulationOut(Schema):
    rule_set_id: int
    days: int
    start: dt.datetime
    end: dt.datetime
    leads: int
    assigned: int
    to_pool: int
    unmatched: int
    nobody_available: int
    quota_refusals: int
    expected_reclaims: float
    gini: float
    people: list[PersonRowOut]
    rules: list[RuleRowOut]
    seconds: float


class WhyOut(Schema):
    lead: int
    kind: str = Field(..., description="assign or pool")
    at: dt.datetime
    to_user: int | None
    pool: int | None
    rule_id: int | None
    rule_name: str
    reason: str = Field(..., description="In the reader's language when the reason data was stored.")
