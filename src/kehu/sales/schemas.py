import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict

from kehu.core.schemas import Id, Text


def _iso_text(value):
    # Dates come as ISO text ("2026-06-30"); a bare number is not a date.
    if isinstance(value, dt.date) or (isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value)):
        return value
    raise ValueError("expected an ISO 8601 date as text")


# Amounts may come as JSON numbers or as decimal text ("1200.50"), hence strict=False.
Money = Annotated[
    Decimal, Field(ge=0, le=Decimal("99999999999.99"), max_digits=14, decimal_places=2, strict=False)
]
Positive = Annotated[
    Decimal, Field(gt=0, le=Decimal("99999999999.99"), max_digits=14, decimal_places=2, strict=False)
]
Rate = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4, strict=False)]
Date = Annotated[dt.date, BeforeValidator(_iso_text), Field(strict=False)]
DateTime = Annotated[dt.datetime, BeforeValidator(_iso_text), Field(strict=False)]
Percent = Annotated[int, Field(ge=0, le=100)]


class In(Schema):
    """Request bodies: strict types, so that 0 is not taken for false nor "5" for 5."""

    model_config = ConfigDict(strict=True)


class Named(Schema):
    id: int
    name: str


class CategoryIn(In):
    name: Text = Field(..., min_length=1, max_length=100)
    parent: Id | None = None
    sort: int = Field(0, ge=0, le=100_000)


class CategoryOut(Schema):
    id: int
    name: str
    parent_id: int | None
    depth: int = 0


class ProductIn(In):
    code: Text = Field(..., min_length=1, max_length=40)
    name: Text = Field(..., min_length=1, max_length=200)
    category: Id | None = None
    unit: Text = Field("", max_length=16)
    price: Money
    active: bool = True
    description: Text = Field("", max_length=5000)


class ProductPatch(In):
    code: Text | None = Field(None, min_length=1, max_length=40)
    name: Text | None = Field(None, min_length=1, max_length=200)
    category: Id | None = None
    unit: Text | None = Field(None, max_length=16)
    price: Money | None = None
    active: bool | None = None
    description: Text | None = Field(None, max_length=5000)


class ProductOut(Schema):
    id: int
    code: str
    name: str
    category_id: int | None
    unit: str
    price: Decimal
    active: bool
    description: str


class StageOut(Schema):
    id: int
    code: str
    name: str
    order: int
    probability: int
    is_won: bool
    is_lost: bool
    active: bool

    @staticmethod
    def resolve_name(obj):
        return str(obj.label)


class StageIn(In):
    name: Text = Field(..., min_length=1, max_length=60)
    order: int = Field(0, ge=0, le=100_000)
    probability: Percent = 0
    is_won: bool = False
    is_lost: bool = False
    active: bool = True


class OpportunityIn(In):
    name: Text = Field(..., min_length=1, max_length=200)
    customer: Id
    owner: Id | None = None
    stage: Id | None = None
    amount: Money = Decimal(0)
    probability: Percent | None = None
    expected_close: Date | None = None
    notes: Text = Field("", max_length=5000)


class OpportunityPatch(In):
    name: Text | None = Field(None, min_length=1, max_length=200)
    owner: Id | None = None
    stage: Id | None = None
    amount: Money | None = None
    probability: Percent | None = None
    expected_close: Date | None = None
    lost_reason: Id | None = None
    notes: Text | None = Field(None, max_length=5000)


class MoveIn(In):
    stage: Id
    lost_reason: Id | None = None


class OpportunityOut(Schema):
    id: int
    name: str
    customer: Named
    owner: Named | None
    stage: StageOut
    amount: Decimal
    probability: int
    expected_close: dt.date | None
    lost_reason: Named | None
    notes: str
    closed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class SplitIn(In):
    user: Id
    share: Positive


class SplitOut(Schema):
    user_id: int
    share: Decimal


class PlanIn(In):
    due_on: Date
    amount: Positive
    note: Text = Field("", max_length=200)


class ContractIn(In):
    number: Text = Field(..., min_length=1, max_length=40)
    title: Text = Field(..., min_length=1, max_length=200)
    customer: Id
    owner: Id | None = None
    opportunity: Id | None = None
    amount: Money
    status: Literal["draft", "active", "completed", "terminated"] = "draft"
    signed_on: Date | None = None
    starts_on: Date | None = None
    ends_on: Date | None = None
    notes: Text = Field("", max_length=5000)
    plans: list[PlanIn] = Field(default_factory=list, max_length=120)
    splits: list[SplitIn] = Field(default_factory=list, max_length=20)


class ContractPatch(In):
    title: Text | None = Field(None, min_length=1, max_length=200)
    owner: Id | None = None
    amount: Money | None = None
    status: Literal["draft", "active", "completed", "terminated"] | None = None
    signed_on: Date | None = None
    starts_on: Date | None = None
    ends_on: Date | None = None
    notes: Text | None = Field(None, max_length=5000)
    plans: list[PlanIn] | None = Field(None, max_length=120)
    splits: list[SplitIn] | None = Field(None, max_length=20)


class PlanOut(Schema):
    id: int
    due_on: dt.date
    amount: Decimal
    note: str
    covered: Decimal
    outstanding: Decimal
    overdue: bool


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    uploaded_at: dt.datetime


class ContractOut(Schema):
    id: int
    number: str
    title: str
    customer: Named
    owner: Named | None
    opportunity_id: int | None
    amount: Decimal
    received: Decimal
    status: str
    signed_on: dt.date | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    notes: str
    created_at: dt.datetime


class ContractDetailOut(ContractOut):
    plans: list[PlanOut]
    splits: list[SplitOut]
    attachments: list[AttachmentOut]


class PaymentIn(In):
    amount: Positive
    received_on: Date | None = None
    method: Literal["transfer", "cash", "wechat", "alipay", "other"] = "transfer"
    reference: Text = Field("", max_length=100)


class RefundIn(In):
    amount: Positive | None = None
    received_on: Date | None = None
    reference: Text = Field("", max_length=100)


class PaymentOut(Schema):
    id: int
    contract_id: int
    kind: str
    refund_of_id: int | None
    amount: Decimal
    received_on: dt.date
    method: str
    reference: str
    created_at: dt.datetime


class LineIn(In):
    product: Id
    quantity: Positive
    unit_price: Money | None = None


class OrderIn(In):
    customer: Id
    number: Text = Field("", max_length=40)
    owner: Id | None = None
    dealer: Id | None = None
    contract: Id | None = None
    ordered_at: DateTime | None = None
    notes: Text = Field("", max_length=5000)
    lines: list[LineIn] = Field(..., min_length=1, max_length=500)
    splits: list[SplitIn] = Field(default_factory=list, max_length=20)


class LineOut(Schema):
    id: int
    product: Named
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class OrderOut(Schema):
    id: int
    number: str
    customer: Named
    owner: Named | None
    dealer: Named | None
    contract_id: int | None
    status: str
    ordered_at: dt.datetime
    total: Decimal
    refunded: Decimal
    cancelled_at: dt.datetime | None
    notes: str


class OrderDetailOut(OrderOut):
    lines: list[LineOut]
    splits: list[SplitOut]


class CancelIn(In):
    reason: Text = Field("", max_length=200)


class OrderRefundIn(In):
    amount: Positive
    reason: Text = Field("", max_length=200)


class OrderRefundOut(Schema):
    id: int
    order_id: int
    amount: Decimal
    reason: str
    refunded_at: dt.datetime


class TierIn(In):
    from_: Money = Field(..., alias="from")
    rate: Rate


class RuleIn(In):
    name: Text = Field(..., min_length=1, max_length=100)
    active: bool = True
    basis: Literal["order", "payment"] = "order"
    earner: Literal["salesperson", "dealer"] = "salesperson"
    product: Id | None = None
    category: Id | None = None
    role: Id | None = None
    kind: Literal["percentage", "tiered", "fixed"] = "percentage"
    rate: Rate = Decimal(0)
    fixed_amount: Money = Decimal(0)
    tiers: list[TierIn] = Field(default_factory=list, max_length=50)


class RuleOut(Schema):
    id: int
    name: str
    active: bool
    basis: str
    earner: str
    product_id: int | None
    category_id: int | None
    role_id: int | None
    kind: str
    rate: Decimal
    fixed_amount: Decimal
    tiers: list[dict]


class EntryOut(Schema):
    id: int
    occurred_on: dt.date
    source: str
    order_id: int | None
    order_number: str | None = None
    payment_id: int | None
    contract_number: str | None = None
    rule_id: int | None
    base_amount: Decimal
    share: Decimal
    amount: Decimal
    reverses_id: int | None

    @staticmethod
    def resolve_order_number(obj):
        return obj.order.number if obj.order_id else None

    @staticmethod
    def resolve_contract_number(obj):
        return obj.payment.contract.number if obj.payment_id else None


class StatementOut(Schema):
    user: Named
    start: dt.date
    end: dt.date
    earned: Decimal
    reversed: Decimal
    net: Decimal
    orders: int
    by_source: dict[str, Decimal]
    entries: list[EntryOut]
    count: int
    page: int
    page_size: int


class CustomerValueOut(Schema):
    customer_id: int
    last_order_at: dt.datetime
    frequency: int
    monetary: Decimal
    r_score: int
    f_score: int
    m_score: int
    tier: str
    computed_at: dt.datetime


class TierSettingsIO(In):
    method: Literal["thresholds", "quantiles"]
    window_days: int = Field(0, ge=0, le=36500)
    recency_high_days: int = Field(90, ge=0, le=36500)
    recency_middle_days: int = Field(365, ge=0, le=36500)
    frequency_high: int = Field(5, ge=0, le=1_000_000)
    frequency_middle: int = Field(2, ge=0, le=1_000_000)
    monetary_high: Money = Decimal(50000)
    monetary_middle: Money = Decimal(5000)
    high_score: int = Field(7, ge=3, le=9)
    middle_score: int = Field(5, ge=3, le=9)


class RecomputeOut(Schema):
    valued: int
    changed: int
