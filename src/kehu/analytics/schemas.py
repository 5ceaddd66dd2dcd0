import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from kehu.core.schemas import Id


class ReportQuery(Schema):
    start: dt.date | None = Field(None, description="First day (default: 29 days before `end`).")
    end: dt.date | None = Field(None, description="Last day, included (default: today).")
    channel: Id | None = Field(None, description="A channel; its sub-channels are included.")
    grade: Literal["", "A", "B", "C"] = ""
    team: Id | None = Field(None, description="Only people in this team.")
    owner: Id | None = Field(None, description="Only this person.")


class PeriodOut(Schema):
    start: dt.date
    end: dt.date


class ChannelRow(Schema):
    channel_id: int | None = None
    code: str = ""
    name: str
    parent: str = ""
    category: str = ""
    category_label: str = ""
    leads: int
    valid: int
    converted: int
    conversion_rate: float | None
    order_value: Decimal
    payments: Decimal
    cost: Decimal | None
    cost_per_lead: Decimal | None
    cost_per_customer: Decimal | None
    roi: float | None
    leads_url: str = ""


class ChannelReportOut(Schema):
    period: PeriodOut
    as_of: dt.datetime | None = Field(
        None, description="Figures as of this time (summaries refresh every 10 minutes)."
    )
    channels: list[ChannelRow]
    categories: list[ChannelRow]
    total: ChannelRow
    costs_visible: bool


class DurationRow(Schema):
    key: int | str | None
    label: str
    count: int
    mean_days: float | None
    p25: int | None
    p50: int | None
    p75: int | None
    p90: int | None
    histogram: list[int]


class TimeToConvertOut(Schema):
    period: PeriodOut
    as_of: dt.datetime | None = Field(
        None, description="Figures as of this time (summaries refresh every 10 minutes)."
    )
    by: str
    buckets: list[str]
    groups: list[DurationRow]
    total: DurationRow


class StageRow(Schema):
    stage: str
    label: str
    count: int
    of_previous: float | None
    of_leads: float | None


class StuckRow(Schema):
    stage: str
    label: str
    ages: list[int]
    count: int


class StuckOwnerRow(Schema):
    owner_id: int | None
    owner: str
    stages: list[int]
    ages: list[int]
    count: int


class CohortRow(Schema):
    week: dt.date
    stages: list[int]


class FunnelOut(Schema):
    period: PeriodOut
    as_of: dt.datetime | None = Field(
        None, description="Figures as of this time (summaries refresh every 10 minutes)."
    )
    stages: list[StageRow]
    ages: list[str]
    open_stages: list[str]
    stuck: list[StuckRow]
    stuck_owners: list[StuckOwnerRow]
    cohorts: list[CohortRow]


class MetricColumn(Schema):
    code: str
    label: str


class LeaderRow(Schema):
    rank: int
    user_id: int
    name: str
    department: str
    teams: str
    metrics: dict[str, float]


class LeaderboardOut(Schema):
    period: PeriodOut
    as_of: dt.datetime | None = Field(
        None,
        description=(
            "Closed days as of this time (the daily metric summary refreshes every 10 minutes); "
            "the rest of the period is live. null: every figure is live."
        ),
    )
    sort: str
    columns: list[MetricColumn]
    rows: list[LeaderRow]
    totals: dict[str, float]


class PoolPersonRow(Schema):
    user_id: int
    name: str
    claims: int
    assigned: int
    releases: int
    reclaims: int
    cooling_offs: int
    quota_refusals: int = Field(description="Claims refused by a daily limit or a holding quota.")
    first_follow_up_hours: float | None
    followed_up: int


class PoolTotals(Schema):
    claims: int
    assigned: int
    releases: int
    reclaims: int
    cooling_offs: int
    first_follow_up_hours: float | None
    followed_up: int
    quota_refusals: int = Field(description="Claims refused by a daily limit or a holding quota.")


class ReasonRow(Schema):
    reason: str
    count: int


class PoolHealthOut(Schema):
    period: PeriodOut
    as_of: dt.datetime | None = Field(
        None, description="Figures as of this time (summaries refresh every 10 minutes)."
    )
    totals: PoolTotals
    people: list[PoolPersonRow]
    reclaim_reasons: list[ReasonRow]
