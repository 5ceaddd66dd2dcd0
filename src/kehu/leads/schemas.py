import datetime as dt
from typing import Literal

from ninja import Field, Schema
from pydantic import BaseModel

from kehu.accounts.masking import phone_for
from kehu.core.schemas import Id, Text

Urgency = Literal["high", "medium", "low", ""]
Size = Literal["micro", "small", "medium", "large", ""]


class LeadIn(Schema):
    """A lead from a program. Reference fields take an id, a code or a name."""

    channel: Text | Id = Field(..., description="Channel id or code (e.g. `website`).")
    kind: Literal["person", "company", ""] = ""
    name: Text = Field("", max_length=64)
    company: Text = Field("", max_length=200)
    title: Text = Field("", max_length=64)
    phone: Text = Field("", max_length=40)
    email: Text = Field("", max_length=254)
    wechat: Text = Field("", max_length=64)
    id_number: Text = Field("", max_length=30)
    credit_code: Text = Field("", max_length=30)
    address: Text = Field("", max_length=255)
    province: Text | Id | None = Field(None, description="Region id or name; else read from the address.")
    city: Text | Id | None = None
    district: Text | Id | None = None
    industry: Text | Id | None = None
    company_size: Size = ""
    demand_type: Text | Id | None = Field(None, description="Demand type id, code or name.")
    urgency: Urgency = ""
    notes: Text = Field("", max_length=5000)
    owner: Id | None = Field(None, description="Give the lead to this user; else routing decides.")
    extra: dict[Text, Text] = Field({}, description="Other fields, kept as they are.")
    intake_key: Text = Field(
        "",
        max_length=64,
        description="Idempotency key: a lead already received with this key is not created again.",
    )


class LeadPatch(Schema):
    """Only the fields sent are changed. Owner and status belong to the pool endpoints."""

    channel: Text | Id | None = None
    kind: Literal["person", "company"] | None = None
    name: Text | None = Field(None, max_length=64)
    company: Text | None = Field(None, max_length=200)
    title: Text | None = Field(None, max_length=64)
    phone: Text | None = Field(None, max_length=40)
    email: Text | None = Field(None, max_length=254)
    wechat: Text | None = Field(None, max_length=64)
    id_number: Text | None = Field(None, max_length=30)
    credit_code: Text | None = Field(None, max_length=30)
    address: Text | None = Field(None, max_length=255)
    province: Text | Id | None = None
    city: Text | Id | None = None
    district: Text | Id | None = None
    industry: Text | Id | None = None
    company_size: Size | None = None
    demand_type: Text | Id | None = None
    urgency: Urgency | None = None
    notes: Text | None = Field(None, max_length=5000)


class BatchIn(Schema):
    leads: list[LeadIn] = Field(..., min_length=1, max_length=1000)


class Ref(BaseModel):
    id: int
    name: str


class ReasonOut(Schema):
    code: str
    text: str
    points: float
    veto: bool


class DedupOut(Schema):
    outcome: Literal["new", "duplicate_lead", "existing_customer"]
    duplicate_of: int | None = None
    existing_customer: int | None = None
    score: float | None = None
    reasons: list[ReasonOut] = []


def _viewer(context):
    return context["request"].user


class LeadListItem(Schema):
    id: int
    name: str
    company: str
    phone: str
    email: str
    channel: Ref
    status: str
    grade: str
    score: int
    city: str
    owner: Ref | None
    duplicate_of: int | None = Field(None, alias="duplicate_of_id")
    existing_customer: int | None = Field(None, alias="matched_customer_id")
    created_at: dt.datetime

    @staticmethod
    def resolve_phone(obj, context):
        return phone_for(_viewer(context), obj.phone)

    @staticmethod
    def resolve_channel(obj):
        return {"id": obj.channel_id, "name": obj.channel.label}

    @staticmethod
    def resolve_city(obj):
        return obj.city.label if obj.city_id else ""

    @staticmethod
    def resolve_owner(obj):
        return {"id": obj.owner_id, "name": str(obj.owner)} if obj.owner_id else None


class LeadOut(LeadListItem):
    kind: str
    title: str
    wechat: str
    credit_code: str
    address: str
    province: Ref | None
    district: Ref | None
    industry: Ref | None
    company_size: str
    demand_type: Ref | None
    urgency: str
    notes: str
    extra: dict
    intake: str
    archived_at: dt.datetime | None
    updated_at: dt.datetime
    dedup: DedupOut

    @staticmethod
    def _ref(obj):
        return {"id": obj.pk, "name": obj.label} if obj is not None else None

    @staticmethod
    def resolve_province(obj):
        return LeadOut._ref(obj.province)

    @staticmethod
    def resolve_district(obj):
        return LeadOut._ref(obj.district)

    @staticmethod
    def resolve_industry(obj):
        return LeadOut._ref(obj.industry)

    @staticmethod
    def resolve_demand_type(obj):
        return LeadOut._ref(obj.demand_type)

    @staticmethod
    def resolve_dedup(obj):
        from kehu.dedup.reasons_text import describe_reasons

        outcome = (
            "existing_customer"
            if obj.matched_customer_id
            else "duplicate_lead"
            if obj.duplicate_of_id
            else "new"
        )
        match = getattr(obj, "deciding_match", None)
        reasons = []
        if match is not None:
            texts = iter(describe_reasons(match.reasons))
            for item in match.reasons:
                if item.get("points") or item.get("veto"):
                    text = next(texts, None)
                    if text is not None:
                        reasons.append(
                            {
                                "code": item["code"],
                                "text": text[0],
                                "points": item["points"],
                                "veto": item["veto"],
                            }
                        )
        return {
            "outcome": outcome,
            "duplicate_of": obj.duplicate_of_id,
            "existing_customer": obj.matched_customer_id,
            "score": match.score if match is not None else None,
            "reasons": reasons,
        }


class BatchRowOut(Schema):
    index: int
    outcome: Literal["new", "duplicate_lead", "existing_customer", "already_imported", "rejected"]
    id: int | None = None
    duplicate_of: int | None = None
    existing_customer: int | None = None
    score: float | None = None
    errors: dict[str, list[str]] | None = None


class BatchOut(Schema):
    results: list[BatchRowOut]
    counts: dict[str, int]
