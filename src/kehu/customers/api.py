from typing import Literal

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from kehu.accounts.capabilities import EXPORT, VIEW_AUDIT
from kehu.accounts.masking import mask_changes
from kehu.accounts.scope import get_scoped, scoped
from kehu.core import audit
from kehu.core.errors import Forbidden
from kehu.core.exports import export_response
from kehu.core.models import Industry, Region
from kehu.core.pagination import paginate
from kehu.core.responses import api_json
from kehu.core.schemas import ErrorOut, Id, Page, PageNumber, PageSize, Text

from . import listing, services
from .exports import customer_rows
from .models import Contact, Customer, Dealer, LostReason, Tag
from .queries import SORTS, CustomerFilter, customers_near, find_customers
from .schemas import (
    AuditOut,
    ContactIn,
    ContactOut,
    ContactPatch,
    CustomerDetailOut,
    CustomerIn,
    CustomerListItem,
    CustomerPatch,
    DealerOut,
    NearbyOut,
    Ref,
    RegionOut,
    TagIn,
    TagOut,
    TimelineOut,
)

router = Router(tags=["customers"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
LIST_RELATED = ("owner", "province", "city", "district", "industry", "dealer", "sales_region", "lost_reason")


class CustomerQuery(Schema):
    q: Text = Field("", max_length=100, description="Name, phone, e-mail, ID number or credit code.")
    owner: Text = Field("", pattern=r"^(|me|none|\d{1,18})$", description="A user id, `me` or `none`.")
    type: Literal["", "potential", "target", "closed", "lost"] = ""
    kind: Literal["", "person", "company"] = ""
    value_tier: Literal["", "high", "middle", "low"] = ""
    tag: Id | None = None
    province: Id | None = None
    city: Id | None = None
    district: Id | None = None
    sales_region: Id | None = None
    dealer: Id | None = None
    industry: Id | None = None
    sort: Literal[tuple(SORTS)] = "last_contact"  # type: ignore[valid-type]

    def to_filter(self) -> CustomerFilter:
        return CustomerFilter(**self.dict())


def _with_related(qs):
    return qs.select_related(*LIST_RELATED).prefetch_related("tags")


@router.get("/customers", response={200: Page[CustomerListItem], **ERRORS})
def list_customers(request, filters: Query[CustomerQuery], page: PageNumber = 1, page_size: PageSize = 50):
    qs = find_customers(request.user, filters.to_filter())
    body = paginate(qs, page, page_size, rows=lambda page_qs: listing.list_items(request.user, page_qs))
    # The rows are built as CustomerListItem dicts (listing.py); rendering them directly skips
    # Ninja's second validation of every row. The schema stays in the OpenAPI document.
    return api_json(body)


@router.get(
    "/customers/export",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {
            200: {
                "description": "CSV or Excel file",
                "content": {
                    "text/csv": {},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                },
            }
        }
    },
)
def export_customers(request, filters: Query[CustomerQuery], format: Literal["csv", "xlsx"] = "csv"):
    if not request.user.can(EXPORT):
        raise Forbidden(_("Your role may not export."))
    headers, rows = customer_rows(request.user, find_customers(request.user, filters.to_filter()))
    return export_response(format, headers, rows, "customers", _("Customers"))


@router.get("/customers/nearby", response={200: list[NearbyOut], **ERRORS})
def nearby_customers(
    request,
    latitude: float = Query(..., ge=-90, le=90),
    longitude: float = Query(..., ge=-180, le=180),
    radius_km: float = Query(10, gt=0, le=500),
):
    return [
        {"customer": c, "distance_km": km}
        for c, km in customers_near(request.user, latitude, longitude, radius_km)
    ]


@router.post("/customers", response={201: CustomerDetailOut, **ERRORS})
def create_customer(request, payload: CustomerIn):
    customer = services.create_customer(request.user, payload.dict(exclude_unset=True))
    return Status(201, _detail(request.user, customer.pk))


def _detail(user, pk):
    qs = _with_related(Customer.objects).prefetch_related(
        "collaborators", Prefetch("contacts", queryset=Contact.objects.order_by("-is_key_person", "id"))
    )
    return get_scoped(user, qs, pk=pk)


@router.get("/customers/{customer_id}", response={200: CustomerDetailOut, **ERRORS})
def get_customer(request, customer_id: Id):
    return _detail(request.user, customer_id)


@router.patch("/customers/{customer_id}", response={200: CustomerDetailOut, **ERRORS})
def update_customer(request, customer_id: Id, payload: CustomerPatch):
    customer = get_scoped(request.user, Customer, pk=customer_id)
    services.update_customer(request.user, customer, payload.dict(exclude_unset=True))
    return _detail(request.user, customer_id)


@router.delete("/customers/{customer_id}", response={204: None, **ERRORS})
def delete_customer(request, customer_id: Id):
    services.delete_customer(request.user, get_scoped(request.user, Customer, pk=customer_id))
    return Status(204, None)


@router.get("/customers/{customer_id}/contacts", response={200: list[ContactOut], **ERRORS})
def list_contacts(request, customer_id: Id):
    customer = get_scoped(request.user, Customer, pk=customer_id)
    return list(customer.contacts.all())


@router.post("/customers/{customer_id}/contacts", response={201: ContactOut, **ERRORS})
def add_contact(request, customer_id: Id, payload: ContactIn):
    customer = get_scoped(request.user, Customer, pk=customer_id)
    return Status(201, services.add_contact(request.user, customer, payload.dict()))


@router.patch("/contacts/{contact_id}", response={200: ContactOut, **ERRORS})
def update_contact(request, contact_id: Id, payload: ContactPatch):
    contact = get_scoped(request.user, Contact, pk=contact_id)
    return services.update_contact(request.user, contact, payload.dict(exclude_unset=True))


@router.delete("/contacts/{contact_id}", response={204: None, **ERRORS})
def delete_contact(request, contact_id: Id):
    services.delete_contact(request.user, get_scoped(request.user, Contact, pk=contact_id))
    return Status(204, None)


@router.get("/customers/{customer_id}/timeline", response={200: Page[TimelineOut], **ERRORS})
def customer_timeline(
    request,
    customer_id: Id,
    kind: Text = Query("", max_length=32),
    page: PageNumber = 1,
    page_size: PageSize = 50,
):
    customer = get_scoped(request.user, Customer, pk=customer_id)
    qs = customer.timeline.select_related("actor")
    if kind:
        qs = qs.filter(kind=kind)
    return paginate(qs, page, page_size)


@router.get("/customers/{customer_id}/audit", response={200: list[AuditOut], **ERRORS})
def customer_audit(request, customer_id: Id):
    if not request.user.can(VIEW_AUDIT):
        raise Forbidden()
    customer = get_scoped(request.user, Customer, pk=customer_id)
    entries = list(audit.history(customer)[:500])
    for entry in entries:
        entry.changes = mask_changes(request.user, entry.changes)
    return entries


# --- Reference lists ----------------------------------------------------------------------


@router.get("/tags", response={200: list[TagOut], **ERRORS}, tags=["reference"])
def list_tags(request):
    return list(Tag.objects.all())


@router.post("/tags", response={201: TagOut, **ERRORS}, tags=["reference"])
def create_tag(request, payload: TagIn):
    return Status(201, services.create_tag(request.user, payload.name, payload.color))


@router.get("/dealers", response={200: list[DealerOut], **ERRORS}, tags=["reference"])
def list_dealers(request, q: Text = Query("", max_length=100)):
    qs = scoped(request.user, Dealer).filter(active=True)
    if q:
        qs = qs.filter(name__icontains=q)
    return list(qs[:500])


@router.get("/regions", response={200: list[RegionOut], **ERRORS}, tags=["reference"])
def list_regions(request, parent: Id | None = None, level: int = Query(0, ge=0, le=3)):
    qs = Region.objects.all()
    if parent:
        qs = qs.filter(parent_id=parent)
    elif level:
        qs = qs.filter(level=level)
    else:
        qs = qs.filter(level=1)
    return list(qs)


@router.get("/industries", response={200: list[Ref], **ERRORS}, tags=["reference"])
def list_industries(request):
    return [{"id": i.pk, "name": i.label} for i in Industry.objects.all()]


@router.get("/lost-reasons", response={200: list[Ref], **ERRORS}, tags=["reference"])
def list_lost_reasons(request):
    return [{"id": r.pk, "name": r.name} for r in LostReason.objects.filter(active=True)]
