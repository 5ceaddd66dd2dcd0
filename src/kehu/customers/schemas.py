import datetime as dt
from typing import Literal

from ninja import Field, Schema
from pydantic import BaseModel

from kehu.accounts.masking import phone_for
from kehu.core.schemas import Id, Text

from .models import Customer

Kind = Literal["person", "company"]
Type = Literal["potential", "target", "closed", "lost"]
Gender = Literal["male", "female", ""]
Size = Literal["micro", "small", "medium", "large", ""]


def _viewer(context):
    return context["request"].user


class Ref(BaseModel):
    """A related record: its id and its name in the reader's language."""

    id: int
    name: str


class ContactIn(Schema):
    name: Text = Field(..., max_length=64)
    title: Text = Field("", max_length=64)
    is_key_person: bool = False
    gender: Gender = ""
    mobile: Text = Field("", max_length=40)
    phone: Text = Field("", max_length=40)
    email: Text = Field("", max_length=254)
    wechat: Text = Field("", max_length=64)
    birthday: dt.date | None = None
    notes: Text = Field("", max_length=2000)


class ContactPatch(Schema):
    name: Text | None = Field(None, max_length=64)
    title: Text | None = Field(None, max_length=64)
    is_key_person: bool | None = None
    gender: Gender | None = None
    mobile: Text | None = Field(None, max_length=40)
    phone: Text | None = Field(None, max_length=40)
    email: Text | None = Field(None, max_length=254)
    wechat: Text | None = Field(None, max_length=64)
    birthday: dt.date | None = None
    notes: Text | None = Field(None, max_length=2000)


class ContactOut(Schema):
    id: int
    customer_id: int
    name: str
    title: str
    is_key_person: bool
    gender: str
    mobile: str
    phone: str
    email: str
    wechat: str
    birthday: dt.date | None

    @staticmethod
    def resolve_mobile(obj, context):
        return phone_for(_viewer(context), obj.mobile)

    @staticmethod
    def resolve_phone(obj, context):
        return phone_for(_viewer(context), obj.phone)


class CustomerIn(Schema):
    kind: Kind = "person"
    name: Text = Field(..., min_length=1, max_length=200)
    type: Type = "potential"
    lost_reason: Id | None = None
    phone: Text = Field("", max_length=40)
    email: Text = Field("", max_length=254)
    id_number: Text = Field("", max_length=30)
    credit_code: Text = Field("", max_length=30)
    gender: Gender = ""
    occupation: Text = Field("", max_length=64)
    birthday: dt.date | None = None
    industry: Id | None = None
    size: Size = ""
    address: Text = Field("", max_length=255)
    province: Id | None = None
    city: Id | None = None
    district: Id | None = None
    sales_region: Id | None = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    owner: Id | None = Field(None, description="Defaults to the caller.")
    collaborators: list[Id] = []
    dealer: Id | None = None
    tags: list[Text | Id] = Field([], description="Tag ids or names.")
    notes: Text = Field("", max_length=5000)
    contacts: list[ContactIn] = []


class CustomerPatch(Schema):
    """Only the fields sent are changed."""

    kind: Kind | None = None
    name: Text | None = Field(None, min_length=1, max_length=200)
    type: Type | None = None
    lost_reason: Id | None = None
    phone: Text | None = Field(None, max_length=40)
    email: Text | None = Field(None, max_length=254)
    id_number: Text | None = Field(None, max_length=30)
    credit_code: Text | None = Field(None, max_length=30)
    gender: Gender | None = None
    occupation: Text | None = Field(None, max_length=64)
    birthday: dt.date | None = None
    industry: Id | None = None
    size: Size | None = None
    address: Text | None = Field(None, max_length=255)
    province: Id | None = None
    city: Id | None = None
    district: Id | None = None
    sales_region: Id | None = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    owner: Id | None = None
    collaborators: list[Id] | None = None
    dealer: Id | None = None
    tags: list[Text | Id] | None = Field(None, description="Tag ids or names.")
    notes: Text | None = Field(None, max_length=5000)


class CustomerListItem(BaseModel):
    """A row of the customer list (the detail endpoint has every field).

    A plain pydantic model: list rows are built as dicts (see listing.py) and need none of
    Ninja's ORM-object handling, which costs more than the query on a 50-row page.
    """

    id: int
    kind: str
    name: str
    type: str
    phone: str
    email: str
    province: Ref | None
    city: Ref | None
    district: Ref | None
    industry: Ref | None
    dealer: Ref | None
    owner: Ref | None
    tags: list[str]
    value_tier: str
    last_contact_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class CustomerOut(Schema):
    id: int
    kind: str
    name: str
    type: str
    lost_reason: Ref | None
    phone: str
    email: str
    id_number: str
    credit_code: str
    gender: str
    occupation: str
    birthday: dt.date | None
    industry: Ref | None
    size: str
    address: str
    province: Ref | None
    city: Ref | None
    district: Ref | None
    sales_region: Ref | None
    latitude: float | None
    longitude: float | None
    owner: Ref | None
    dealer: Ref | None
    tags: list[str]
    value_tier: str
    last_contact_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_phone(obj, context):
        return phone_for(_viewer(context), obj.phone)

    @staticmethod
    def resolve_tags(obj):
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def _ref(obj):
        return {"id": obj.pk, "name": str(obj)} if obj is not None else None

    @staticmethod
    def resolve_owner(obj):
        return CustomerOut._ref(obj.owner)

    @staticmethod
    def resolve_province(obj):
        return CustomerOut._ref(obj.province)

    @staticmethod
    def resolve_city(obj):
        return CustomerOut._ref(obj.city)

    @staticmethod
    def resolve_district(obj):
        return CustomerOut._ref(obj.district)

    @staticmethod
    def resolve_industry(obj):
        return CustomerOut._ref(obj.industry)

    @staticmethod
    def resolve_dealer(obj):
        return CustomerOut._ref(obj.dealer)

    @staticmethod
    def resolve_sales_region(obj):
        return CustomerOut._ref(obj.sales_region)

    @staticmethod
    def resolve_lost_reason(obj):
        return CustomerOut._ref(obj.lost_reason)


class CustomerDetailOut(CustomerOut):
    notes: str
    collaborators: list[Ref]
    contacts: list[ContactOut]

    @staticmethod
    def resolve_collaborators(obj):
        return [{"id": u.pk, "name": str(u)} for u in obj.collaborators.all()]

    @staticmethod
    def resolve_contacts(obj):
        return list(obj.contacts.all())


class TimelineOut(Schema):
    id: int
    kind: str
    kind_label: str
    at: dt.datetime
    actor: str | None
    title: str
    body: str
    data: dict

    @staticmethod
    def resolve_kind_label(obj):
        from .timeline import label

        return label(obj.kind)

    @staticmethod
    def resolve_title(obj):
        from .timeline import describe

        return describe(obj)

    @staticmethod
    def resolve_actor(obj):
        return str(obj.actor) if obj.actor_id else None


class AuditOut(Schema):
    id: int
    action: str
    at: dt.datetime
    actor: str | None
    source: str
    changes: dict

    @staticmethod
    def resolve_actor(obj):
        return str(obj.actor) if obj.actor_id else None


class NearbyOut(Schema):
    customer: CustomerOut
    distance_km: float


class TagOut(Schema):
    id: int
    name: str
    color: str


class TagIn(Schema):
    name: Text = Field(..., min_length=1, max_length=40)
    color: Text = Field("", pattern=r"^(#[0-9a-fA-F]{6})?$")


class DealerOut(Schema):
    id: int
    name: str
    code: str
    level: str
    contact_name: str
    phone: str
    email: str
    address: str
    active: bool

    @staticmethod
    def resolve_phone(obj, context):
        return phone_for(_viewer(context), obj.phone)


class RegionOut(Schema):
    id: int
    code: str
    name: str
    level: int
    parent_id: int | None

    @staticmethod
    def resolve_name(obj):
        return obj.label


__all__ = ["Customer"]
