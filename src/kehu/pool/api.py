"""Pool API: claim, release, transfer, convert, the ledger, pools and their leads.

Refusals are HTTP 409 with a specific ``code`` (``daily_limit``, ``quota_exceeded``,
``cooling_off``, ``already_claimed`` …) and a message saying why.
"""

from django.db.models import F
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from kehu.accounts.models import User
from kehu.accounts.scope import can_see_user, get_scoped
from kehu.core import clock
from kehu.core.errors import NotFound, ValidationFailed
from kehu.core.pagination import paginate
from kehu.core.schemas import ErrorOut, Id, Page, PageNumber, PageSize
from kehu.customers.models import Customer
from kehu.leads.models import Lead

from . import services
from .models import OwnershipEvent, Tenure
from .schemas import ConvertIn, ConvertOut, EventOut, PoolLeadOut, PoolOut, ReasonIn, TenureOut, TransferIn

router = Router(tags=["pool"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _ref(user):
    return {"id": user.pk, "name": str(user)} if user else None


def _event_out(e: OwnershipEvent) -> dict:
    return {
        "id": e.pk,
        "kind": e.kind,
        "kind_label": str(e.get_kind_display()),
        "at": e.at,
        "actor": _ref(e.actor),
        "from_user": _ref(e.from_user),
        "to_user": _ref(e.to_user),
        "pool": str(e.pool) if e.pool else None,
        "rule_id": e.rule_id,
        "rule_name": e.rule_name,
        "reason": e.reason,
    }


def tenure_out(tenure: Tenure | None, owner) -> dict:
    now = clock.now()
    due = tenure.due if tenure and owner else None
    return {
        "owner": _ref(owner),
        "pool": str(tenure.pool) if tenure and tenure.pool else None,
        "since": tenure.since if tenure else None,
        "follow_up_due": tenure.follow_up_due if tenure else None,
        "convert_due": tenure.convert_due if tenure else None,
        "due": due,
        "remaining_seconds": int((due - now).total_seconds()) if due else None,
        "hold_until": tenure.hold_until if tenure else None,
    }


def _lead(request, pk):
    return get_scoped(request.user, Lead, pk=pk)


def _customer(request, pk):
    return get_scoped(request.user, Customer, pk=pk)


@router.post("/leads/{lead_id}/claim", response={200: TenureOut, **ERRORS})
def claim_lead(request, lead_id: Id):
    """Claim a lead from a pool you see. 409 with a code when refused."""
    lead = _lead(request, lead_id)
    services.claim(request.user, lead)
    return tenure_out(Tenure.objects.select_related("pool").get(lead=lead), request.user)


@router.post("/leads/{lead_id}/release", response={200: TenureOut, **ERRORS})
def release_lead(request, lead_id: Id, payload: ReasonIn):
    """Give a lead back to its pool; a reason is required."""
    lead = _lead(request, lead_id)
    services.release(request.user, lead, payload.reason)
    return tenure_out(Tenure.objects.select_related("pool").get(lead=lead), None)


@router.post("/leads/{lead_id}/transfer", response={200: TenureOut, **ERRORS})
def transfer_lead(request, lead_id: Id, payload: TransferIn):
    lead = _lead(request, lead_id)
    to_user = User.objects.filter(pk=payload.to_user, is_active=True).first()
    if to_user is None or not can_see_user(request.user, to_user.pk):
        raise ValidationFailed(fields={"to_user": [_("Unknown or inactive user.")]})
    services.transfer(lead, to_user, actor=request.user, reason=payload.reason)
    return tenure_out(Tenure.objects.select_related("pool").get(lead=lead), to_user)


@router.post("/leads/{lead_id}/convert", response={201: ConvertOut, **ERRORS})
def convert_lead(request, lead_id: Id, payload: ConvertIn):
    """Convert a lead you own into a customer (plus contact; plus an opportunity if given)."""
    lead = _lead(request, lead_id)
    customer = _customer(request, payload.customer) if payload.customer else None
    customer = services.convert(lead, request.user, customer=customer, opportunity=payload.opportunity)
    return Status(201, {"customer_id": customer.pk, "lead_id": lead.pk})


@router.get("/leads/{lead_id}/ownership", response={200: list[EventOut], **ERRORS})
def lead_ledger(request, lead_id: Id):
    """Every claim, assignment, transfer, release and reclaim of the lead, newest first."""
    lead = _lead(request, lead_id)
    events = OwnershipEvent.objects.filter(lead=lead).select_related("actor", "from_user", "to_user", "pool")
    return [_event_out(e) for e in events]


@router.get("/leads/{lead_id}/tenure", response={200: TenureOut, **ERRORS})
def lead_tenure(request, lead_id: Id):
    """Owner, pool, deadlines and the remaining protection time."""
    lead = _lead(request, lead_id)
    return tenure_out(Tenure.objects.select_related("pool").filter(lead=lead).first(), lead.owner)


@router.post("/customers/{customer_id}/claim", response={200: TenureOut, **ERRORS})
def claim_customer(request, customer_id: Id):
    """Claim a customer from a customer pool (客户公海)."""
    customer = _customer(request, customer_id)
    services.claim(request.user, customer)
    return tenure_out(Tenure.objects.select_related("pool").get(customer=customer), request.user)


@router.post("/customers/{customer_id}/release", response={200: TenureOut, **ERRORS})
def release_customer(request, customer_id: Id, payload: ReasonIn):
    customer = _customer(request, customer_id)
    services.release(request.user, customer, payload.reason)
    return tenure_out(Tenure.objects.select_related("pool").get(customer=customer), None)


@router.get("/pools", response={200: list[PoolOut], **ERRORS})
def list_pools(request):
    """The pools you see."""
    return [
        {
            "id": p.pk,
            "name": p.name,
            "kind": p.kind,
            "department": str(p.department) if p.department_id else None,
            "product_line": p.product_line,
            "is_default": p.is_default,
            "cooling_off_days": p.cooling_off_days,
            "hold_hours": p.hold_hours,
        }
        for p in services.visible_pools(request.user)
    ]


class PoolLeadQuery(Schema):
    grade: str = Field("", pattern=r"^(|A|B|C)$")


@router.get("/pools/{pool_id}/leads", response={200: Page[PoolLeadOut], **ERRORS})
def pool_leads(
    request, pool_id: Id, filters: Query[PoolLeadQuery], page: PageNumber = 1, page_size: PageSize = 50
):
    """The part of a lead pool you see, in your display order."""
    pool = next((p for p in services.visible_pools(request.user, "lead") if p.pk == pool_id), None)
    if pool is None:
        raise NotFound()
    qs = Lead.objects.filter(services.pool_filter(request.user, "lead", pool))
    if filters.grade:
        qs = qs.filter(grade=filters.grade)
    qs = qs.select_related("channel", "province", "industry").annotate(entered=F("tenure__entered_pool_at"))
    qs = qs.order_by(*services.order_for(request.user, pool))

    def rows(items):
        return [
            {
                "id": lead.pk,
                "name": lead.name,
                "company": lead.company,
                "grade": lead.grade,
                "channel": str(lead.channel),
                "province": str(lead.province) if lead.province_id else None,
                "industry": str(lead.industry) if lead.industry_id else None,
                "pool": pool.name,
                "entered_pool_at": lead.entered,
            }
            for lead in items
        ]

    return paginate(qs, page, page_size, rows=rows)
