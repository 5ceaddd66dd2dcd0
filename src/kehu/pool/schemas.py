from datetime import datetime

from ninja import Schema
from pydantic import Field

from kehu.core.schemas import Id, Text


class ReasonIn(Schema):
    reason: Text = Field(..., max_length=500, description="Why the record is given back (required).")


class TransferIn(Schema):
    to_user: Id
    reason: Text = Field(..., max_length=500)


class ConvertIn(Schema):
    customer: Id | None = Field(None, description="Attach to this existing customer instead of creating one.")
    opportunity: dict[str, Text | float | int | None] | None = Field(
        None, description="Fields of an opportunity to open (name, amount, expected_close …)."
    )


class UserRef(Schema):
    id: int
    name: str


class EventOut(Schema):
    id: int
    kind: str
    kind_label: str
    at: datetime
    actor: UserRef | None
    from_user: UserRef | None
    to_user: UserRef | None
    pool: str | None
    rule_id: int | None
    rule_name: str
    reason: str


class TenureOut(Schema):
    owner: UserRef | None
    pool: str | None
    since: datetime | None
    follow_up_due: datetime | None
    convert_due: datetime | None
    due: datetime | None
    remaining_seconds: int | None
    hold_until: datetime | None


class PoolLeadOut(Schema):
    id: int
    name: str
    company: str
    grade: str
    channel: str
    province: str | None
    industry: str | None
    pool: str | None
    entered_pool_at: datetime | None


class PoolOut(Schema):
    id: int
    name: str
    kind: str
    department: str | None
    product_line: str
    is_default: bool
    cooling_off_days: int
    hold_hours: int


class ConvertOut(Schema):
    customer_id: int
    lead_id: int
