import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from kehu.accounts.capabilities import EXPORT
from kehu.accounts.scope import get_scoped
from kehu.core import audit
from kehu.core.errors import Forbidden, ValidationFailed
from kehu.core.exports import export_response
from kehu.core.pagination import paginate
from kehu.core.schemas import ErrorOut, Id, Page, PageNumber, PageSize, Text
from kehu.dedup.models import DedupMatch

from . import services
from .models import Lead
from .queries import SORTS, LeadFilter, find_leads
from .schemas import BatchIn, BatchOut, LeadIn, LeadListItem, LeadOut, LeadPatch
from .views import lead_rows

router = Router(tags=["leads"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
RELATED = ("channel", "owner", "city", "province", "district", "industry", "demand_type")


class LeadQuery(Schema):
    q: Text = Field("", max_length=100, description="Name, company, phone, e-mail or credit code.")
    status: Literal["", "new", "in_pool", "assigned", "following", "converted", "invalid"] = ""
    grade: Literal["", "A", "B", "C"] = ""
    channel: Id | None = Field(None, description="A channel id (its sub-channels included).")
    owner: Text = Field("", pattern=r"^(|me|none|\d{1,18})$", description="A user id, `me` or `none`.")
    created_from: Text = Field("", pattern=r"^(|\d{4}-\d{2}-\d{2})$", description="YYYY-MM-DD")
    created_to: Text = Field("", pattern=r"^(|\d{4}-\d{2}-\d{2})$", description="YYYY-MM-DD")
    dedup: Literal["", "unique", "duplicate", "customer"] = ""
    sort: Literal[tuple(SORTS)] = "-created"  # type: ignore[valid-type]

    def to_filter(self) -> LeadFilter:
        values = self.dict()
        for name in ("created_from", "created_to"):
            try:
                values[name] = dt.date.fromisoformat(values[name]) if values[name] else None
            except ValueError:
                raise ValidationFailed(fields={name: [_("Enter a date as YYYY-MM-DD.")]}) from None
        return LeadFilter(**values)


def _detail(user, pk):
    lead = get_scoped(user, Lead.objects.select_related(*RELATED), pk=pk)
    lead.deciding_match = DedupMatch.objects.filter(lead=lead, deciding=True).first()
    return lead


def _payload(payload) -> tuple[dict, str]:
    data = payload.dict(exclude_unset=True)
    key = data.pop("intake_key", "") or ""
    return data, key


@router.post("/leads", response={201: LeadOut, 200: LeadOut, **ERRORS})
def create_lead(request, payload: LeadIn):
    """One lead through the intake pipeline. 200 when ``intake_key`` was already received."""
    data, key = _payload(payload)
    with audit.source("api"):
        result = services.intake_one(request.user, data, path="api", key=key)
    lead = result.lead
    lead.deciding_match = DedupMatch.objects.filter(lead=lead, deciding=True).first()
    return Status(200 if result.outcome == services.ALREADY_IMPORTED else 201, lead)


@router.post("/leads/batch", response={200: BatchOut, **ERRORS})
def create_leads(request, payload: BatchIn):
    """Up to 1,000 leads; a result per row, in order (rejected rows carry field errors)."""
    rows, keys = [], []
    for item in payload.leads:
        data, key = _payload(item)
        rows.append(data)
        keys.append(key)
    with audit.source("api"):
        results = services.intake_batch(request.user, rows, path="api", keys=keys if any(keys) else None)
    counts: dict[str, int] = {}
    out = []
    for r in results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
        lead = r.lead
        out.append(
            {
                "index": r.index,
                "outcome": r.outcome,
                "id": lead.pk if lead else None,
                "duplicate_of": lead.duplicate_of_id if lead else None,
                "existing_customer": lead.matched_customer_id if lead else None,
                "score": r.score,
                "errors": r.errors or None,
            }
        )
    return {"results": out, "counts": counts}


@router.get("/leads", response={200: Page[LeadListItem], **ERRORS})
def list_leads(request, filters: Query[LeadQuery], page: PageNumber = 1, page_size: PageSize = 50):
    qs = find_leads(request.user, filters.to_filter()).select_related("channel", "owner", "city")
    return paginate(qs, page, page_size)


@router.get(
    "/leads/export",
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
def export_leads(request, filters: Query[LeadQuery], format: Literal["csv", "xlsx"] = "csv"):
    if not request.user.can(EXPORT):
        raise Forbidden(_("Your role may not export."))
    headers, rows = lead_rows(request.user, find_leads(request.user, filters.to_filter()))
    return export_response(format, headers, rows, "leads", _("Leads"))


@router.get("/leads/{lead_id}", response={200: LeadOut, **ERRORS})
def get_lead(request, lead_id: Id):
    return _detail(request.user, lead_id)


@router.patch("/leads/{lead_id}", response={200: LeadOut, **ERRORS})
def update_lead(request, lead_id: Id, payload: LeadPatch):
    lead = get_scoped(request.user, Lead, pk=lead_id)
    with audit.source("api"):
        services.update_lead(request.user, lead, payload.dict(exclude_unset=True))
    return _detail(request.user, lead_id)
