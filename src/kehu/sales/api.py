"""Sales API: products, opportunities, contracts, payments, orders, commissions, value tiers."""

from typing import Literal

from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from kehu.accounts.capabilities import EXPORT
from kehu.accounts.models import User
from kehu.accounts.scope import get_scoped, scoped
from kehu.core.errors import Forbidden, NotFound, ValidationFailed
from kehu.core.exports import export_response
from kehu.core.pagination import paginate
from kehu.core.schemas import ErrorOut, Id, Page, PageNumber, PageSize, Text
from kehu.customers.models import Customer

from . import exports
from .models import (
    CommissionRule,
    Contract,
    ContractAttachment,
    CustomerValue,
    Opportunity,
    Order,
    Payment,
    Product,
    Stage,
    ValueTierSettings,
)
from .schemas import (
    AttachmentOut,
    CancelIn,
    CategoryIn,
    CategoryOut,
    ContractDetailOut,
    ContractIn,
    ContractOut,
    ContractPatch,
    CustomerValueOut,
    Date,
    MoveIn,
    OpportunityIn,
    OpportunityOut,
    OpportunityPatch,
    OrderDetailOut,
    OrderIn,
    OrderOut,
    OrderRefundIn,
    OrderRefundOut,
    PaymentIn,
    PaymentOut,
    ProductIn,
    ProductOut,
    ProductPatch,
    RecomputeOut,
    RefundIn,
    RuleIn,
    RuleOut,
    StageIn,
    StageOut,
    StatementOut,
    TierSettingsIO,
)
from .services import catalogue, commissions, contracts, opportunities, orders, value_tiers

router = Router(tags=["sales"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
FILE_RESPONSE = {
    "responses": {
        200: {
            "description": "CSV or Excel file",
            "content": {
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            },
        }
    }
}


# --- Catalogue -----------------------------------------------------------------------------


@router.get("/product-categories", response={200: list[CategoryOut], **ERRORS})
def list_categories(request):
    return [
        {"id": c.pk, "name": c.name, "parent_id": c.parent_id, "depth": depth}
        for c, depth in catalogue.category_tree()
    ]


@router.post("/product-categories", response={201: CategoryOut, **ERRORS})
def create_category(request, payload: CategoryIn):
    c = catalogue.save_category(request.user, payload.dict())
    return Status(201, {"id": c.pk, "name": c.name, "parent_id": c.parent_id, "depth": 0})


@router.get("/products", response={200: Page[ProductOut], **ERRORS})
def list_products(
    request,
    q: Text = Query("", max_length=100),
    category: Id | None = None,
    active: bool | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
):
    qs = scoped(request.user, Product).order_by("name", "id")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if category:
        ids = {category} | {c.pk for c, _depth in catalogue.category_tree() if category in c.ancestor_ids()}
        qs = qs.filter(category_id__in=ids)
    if active is not None:
        qs = qs.filter(active=active)
    return paginate(qs, page, page_size)


@router.post("/products", response={201: ProductOut, **ERRORS})
def create_product(request, payload: ProductIn):
    return Status(201, catalogue.save_product(request.user, payload.dict()))


@router.patch("/products/{product_id}", response={200: ProductOut, **ERRORS})
def update_product(request, product_id: Id, payload: ProductPatch):
    product = get_scoped(request.user, Product, pk=product_id)
    data = {
        "code": product.code,
        "name": product.name,
        "category": product.category_id,
        "unit": product.unit,
        "price": product.price,
        "active": product.active,
        "description": product.description,
    }
    data.update(payload.dict(exclude_unset=True))
    return catalogue.save_product(request.user, data, product)


@router.get("/opportunity-stages", response={200: list[StageOut], **ERRORS})
def list_stages(request):
    return list(Stage.objects.all())


@router.post("/opportunity-stages", response={201: StageOut, **ERRORS})
def create_stage(request, payload: StageIn):
    return Status(201, catalogue.save_stage(request.user, payload.dict()))


# --- Opportunities -------------------------------------------------------------------------

OPP_RELATED = ("customer", "owner", "stage", "lost_reason")


@router.get("/opportunities", response={200: Page[OpportunityOut], **ERRORS})
def list_opportunities(
    request,
    q: Text = Query("", max_length=100),
    stage: Id | None = None,
    owner: Id | None = None,
    customer: Id | None = None,
    open: bool | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
):
    qs = scoped(request.user, Opportunity).select_related(*OPP_RELATED)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(customer__name__icontains=q))
    if stage:
        qs = qs.filter(stage_id=stage)
    if owner:
        qs = qs.filter(owner_id=owner)
    if customer:
        qs = qs.filter(customer_id=customer)
    if open is not None:
        closed = Q(stage__is_won=True) | Q(stage__is_lost=True)
        qs = qs.exclude(closed) if open else qs.filter(closed)
    return paginate(qs, page, page_size)


@router.post("/opportunities", response={201: OpportunityOut, **ERRORS})
def create_opportunity(request, payload: OpportunityIn):
    data = payload.dict(exclude_unset=True)
    opp = opportunities.create_opportunity(request.user, data)
    return Status(201, get_scoped(request.user, Opportunity.objects.select_related(*OPP_RELATED), pk=opp.pk))


@router.get("/opportunities/{opportunity_id}", response={200: OpportunityOut, **ERRORS})
def get_opportunity(request, opportunity_id: Id):
    return get_scoped(request.user, Opportunity.objects.select_related(*OPP_RELATED), pk=opportunity_id)


@router.patch("/opportunities/{opportunity_id}", response={200: OpportunityOut, **ERRORS})
def update_opportunity(request, opportunity_id: Id, payload: OpportunityPatch):
    opp = get_scoped(request.user, Opportunity, pk=opportunity_id)
    opportunities.update_opportunity(request.user, opp, payload.dict(exclude_unset=True))
    return get_scoped(request.user, Opportunity.objects.select_related(*OPP_RELATED), pk=opportunity_id)


@router.post("/opportunities/{opportunity_id}/move", response={200: OpportunityOut, **ERRORS})
def move_opportunity(request, opportunity_id: Id, payload: MoveIn):
    opp = get_scoped(request.user, Opportunity, pk=opportunity_id)
    opportunities.move(request.user, opp, payload.stage, payload.lost_reason)
    return get_scoped(request.user, Opportunity.objects.select_related(*OPP_RELATED), pk=opportunity_id)


# --- Contracts and payments ----------------------------------------------------------------


def _contract_detail(user, pk):
    contract = get_scoped(user, Contract.objects.select_related("customer", "owner"), pk=pk)
    contract.plans_out = [
        {
            "id": s.plan.pk,
            "due_on": s.plan.due_on,
            "amount": s.plan.amount,
            "note": s.plan.note,
            "covered": s.covered,
            "outstanding": s.outstanding,
            "overdue": s.overdue,
        }
        for s in contracts.plan_status(contract)
    ]
    return {
        **{f: getattr(contract, f) for f in ContractOut.model_fields if f not in ("customer", "owner")},
        "customer": contract.customer,
        "owner": contract.owner,
        "plans": contract.plans_out,
        "splits": list(contract.splits.all()),
        "attachments": list(contract.attachments.all()),
    }


@router.get("/contracts", response={200: Page[ContractOut], **ERRORS})
def list_contracts(
    request,
    q: Text = Query("", max_length=100),
    status: Literal["", "draft", "active", "completed", "terminated"] = "",
    customer: Id | None = None,
    overdue: bool = False,
    page: PageNumber = 1,
    page_size: PageSize = 50,
):
    qs = _contracts(request.user, q, status, customer, overdue)
    return paginate(qs, page, page_size)


def _contracts(user, q="", status="", customer=None, overdue=False):
    qs = contracts.overdue_contracts(user) if overdue else scoped(user, Contract)
    qs = qs.select_related("customer", "owner")
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(customer__name__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if customer:
        qs = qs.filter(customer_id=customer)
    return qs


@router.get("/contracts/export", response={200: None, **ERRORS}, openapi_extra=FILE_RESPONSE)
def export_contracts(
    request,
    q: Text = Query("", max_length=100),
    status: Literal["", "draft", "active", "completed", "terminated"] = "",
    overdue: bool = False,
    format: Literal["csv", "xlsx"] = "csv",
):
    if not request.user.can(EXPORT):
        raise Forbidden(_("Your role may not export."))
    headers, rows = exports.contract_rows(_contracts(request.user, q, status, None, overdue))
    return export_response(format, headers, rows, "contracts", _("Contracts"))


@router.post("/contracts", response={201: ContractDetailOut, **ERRORS})
def create_contract(request, payload: ContractIn):
    data = payload.dict(exclude_unset=True)
    contract = contracts.create_contract(request.user, data)
    return Status(201, _contract_detail(request.user, contract.pk))


@router.get("/contracts/{contract_id}", response={200: ContractDetailOut, **ERRORS})
def get_contract(request, contract_id: Id):
    return _contract_detail(request.user, contract_id)


@router.patch("/contracts/{contract_id}", response={200: ContractDetailOut, **ERRORS})
def update_contract(request, contract_id: Id, payload: ContractPatch):
    contract = get_scoped(request.user, Contract, pk=contract_id)
    contracts.update_contract(request.user, contract, payload.dict(exclude_unset=True))
    return _contract_detail(request.user, contract_id)


@router.post("/contracts/{contract_id}/attachments", response={201: AttachmentOut, **ERRORS})
def upload_attachment(request, contract_id: Id, file: File[UploadedFile]):
    contract = get_scoped(request.user, Contract, pk=contract_id)
    return Status(201, contracts.add_attachment(request.user, contract, file))


@router.get(
    "/attachments/{attachment_id}",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {200: {"description": "The file", "content": {"application/octet-stream": {}}}}
    },
)
def download_attachment(request, attachment_id: Id):
    from django.http import FileResponse

    attachment = get_scoped(request.user, ContractAttachment, pk=attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise NotFound() from None
    return FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )


@router.delete("/attachments/{attachment_id}", response={204: None, **ERRORS})
def delete_attachment(request, attachment_id: Id):
    attachment = get_scoped(request.user, ContractAttachment, pk=attachment_id)
    contracts.delete_attachment(request.user, attachment)
    return Status(204, None)


@router.get("/contracts/{contract_id}/payments", response={200: list[PaymentOut], **ERRORS})
def list_payments(request, contract_id: Id):
    contract = get_scoped(request.user, Contract, pk=contract_id)
    return list(contract.payments.all())


@router.post("/contracts/{contract_id}/payments", response={201: PaymentOut, **ERRORS})
def record_payment(request, contract_id: Id, payload: PaymentIn):
    contract = get_scoped(request.user, Contract, pk=contract_id)
    return Status(201, contracts.record_payment(request.user, contract, payload.dict(exclude_unset=True)))


@router.post("/payments/{payment_id}/refund", response={201: PaymentOut, **ERRORS})
def refund_payment(request, payment_id: Id, payload: RefundIn):
    payment = get_scoped(request.user, Payment, pk=payment_id)
    return Status(201, contracts.refund_payment(request.user, payment, payload.dict(exclude_none=True)))


# --- Orders ----------------------------------------------------------------------------------

ORDER_RELATED = ("customer", "owner", "dealer")


def _orders(user, q="", status="", customer=None, dealer=None, since=None, until=None):
    qs = scoped(user, Order).select_related(*ORDER_RELATED)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(customer__name__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if customer:
        qs = qs.filter(customer_id=customer)
    if dealer:
        qs = qs.filter(dealer_id=dealer)
    if since:
        qs = qs.filter(ordered_at__date__gte=since)
    if until:
        qs = qs.filter(ordered_at__date__lte=until)
    return qs


@router.get("/orders", response={200: Page[OrderOut], **ERRORS})
def list_orders(
    request,
    q: Text = Query("", max_length=100),
    status: Literal["", "confirmed", "cancelled"] = "",
    customer: Id | None = None,
    dealer: Id | None = None,
    since: Date | None = None,
    until: Date | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
):
    return paginate(_orders(request.user, q, status, customer, dealer, since, until), page, page_size)


@router.get("/orders/export", response={200: None, **ERRORS}, openapi_extra=FILE_RESPONSE)
def export_orders(
    request,
    q: Text = Query("", max_length=100),
    status: Literal["", "confirmed", "cancelled"] = "",
    since: Date | None = None,
    until: Date | None = None,
    format: Literal["csv", "xlsx"] = "csv",
):
    if not request.user.can(EXPORT):
        raise Forbidden(_("Your role may not export."))
    headers, rows = exports.order_rows(_orders(request.user, q, status, None, None, since, until))
    return export_response(format, headers, rows, "orders", _("Orders"))


def _order_detail(user, pk):
    order = get_scoped(user, Order.objects.select_related(*ORDER_RELATED), pk=pk)
    data = {f: getattr(order, f) for f in OrderOut.model_fields}
    data["lines"] = list(order.lines.select_related("product"))
    data["splits"] = list(order.splits.all())
    return data


@router.post("/orders", response={201: OrderDetailOut, **ERRORS})
def create_order(request, payload: OrderIn):
    order = orders.create_order(request.user, payload.dict(exclude_unset=True))
    return Status(201, _order_detail(request.user, order.pk))


@router.get("/orders/{order_id}", response={200: OrderDetailOut, **ERRORS})
def get_order(request, order_id: Id):
    return _order_detail(request.user, order_id)


@router.post("/orders/{order_id}/cancel", response={200: OrderDetailOut, **ERRORS})
def cancel_order(request, order_id: Id, payload: CancelIn):
    order = get_scoped(request.user, Order, pk=order_id)
    orders.cancel_order(request.user, order, payload.reason)
    return _order_detail(request.user, order_id)


@router.post("/orders/{order_id}/refunds", response={201: OrderRefundOut, **ERRORS})
def refund_order(request, order_id: Id, payload: OrderRefundIn):
    order = get_scoped(request.user, Order, pk=order_id)
    return Status(201, orders.refund_order(request.user, order, payload.amount, payload.reason))


# --- Commissions -----------------------------------------------------------------------------


@router.get("/commission-rules", response={200: list[RuleOut], **ERRORS})
def list_rules(request):
    return list(CommissionRule.objects.all())


@router.post("/commission-rules", response={201: RuleOut, **ERRORS})
def create_rule(request, payload: RuleIn):
    data = payload.dict()
    data["tiers"] = [{"from": t["from_"], "rate": t["rate"]} for t in data["tiers"]]
    return Status(201, commissions.save_rule(request.user, data))


@router.put("/commission-rules/{rule_id}", response={200: RuleOut, **ERRORS})
def replace_rule(request, rule_id: Id, payload: RuleIn):
    rule = get_scoped(request.user, CommissionRule, pk=rule_id)
    data = payload.dict()
    data["tiers"] = [{"from": t["from_"], "rate": t["rate"]} for t in data["tiers"]]
    return commissions.save_rule(request.user, data, rule)


def _period(start, end):
    if end < start:
        raise ValidationFailed(fields={"end": [_("The end comes before the start.")]})
    if (end - start).days > 3700:
        raise ValidationFailed(fields={"end": [_("At most ten years at a time.")]})


def _statement_user(request, user_id):
    user_id = user_id or request.user.pk
    commissions.check_statement_access(request.user, user_id)
    person = User.objects.filter(pk=user_id).first()
    if person is None:
        raise NotFound()
    return person


@router.get("/commissions/statement", response={200: StatementOut, **ERRORS})
def commission_statement(
    request,
    start: Date,
    end: Date,
    user: Id | None = None,
    page: PageNumber = 1,
    page_size: int = Query(100, ge=1, le=1000),
):
    """One person's commissions in a period: totals and the ledger rows (a page of them)."""
    _period(start, end)
    person = _statement_user(request, user)
    totals = commissions.statement_totals(request.user, person.pk, start, end)
    entries = commissions.statement_entries(request.user, person.pk, start, end)
    offset = (page - 1) * page_size
    return {
        "user": {"id": person.pk, "name": str(person)},
        "start": start,
        "end": end,
        **{k: totals[k] for k in ("earned", "reversed", "net", "orders", "by_source")},
        "entries": list(entries[offset : offset + page_size]),
        "count": totals["entries"],
        "page": page,
        "page_size": page_size,
    }


@router.get("/commissions/statement/export", response={200: None, **ERRORS}, openapi_extra=FILE_RESPONSE)
def export_statement(
    request, start: Date, end: Date, user: Id | None = None, format: Literal["csv", "xlsx"] = "xlsx"
):
    _period(start, end)
    person = _statement_user(request, user)
    headers, rows = exports.statement_rows(commissions.statement_entries(request.user, person.pk, start, end))
    return export_response(
        format, headers, rows, f"commissions-{person.username}-{start}-{end}", _("Commissions")
    )


# --- Value tiers ---------------------------------------------------------------------------


@router.get("/customers/{customer_id}/value", response={200: CustomerValueOut, **ERRORS})
def customer_value(request, customer_id: Id):
    get_scoped(request.user, Customer, pk=customer_id)
    value = CustomerValue.objects.filter(customer_id=customer_id).first()
    if value is None:
        raise NotFound(_("This customer has no orders yet."))
    return value


@router.get("/value-tiers/settings", response={200: TierSettingsIO, **ERRORS})
def get_tier_settings(request):
    return ValueTierSettings.current()


@router.put("/value-tiers/settings", response={200: TierSettingsIO, **ERRORS})
def put_tier_settings(request, payload: TierSettingsIO):
    return value_tiers.save_settings(request.user, payload.dict())


@router.post("/value-tiers/recompute", response={200: RecomputeOut, **ERRORS})
def recompute_tiers(request):
    if not request.user.can(value_tiers.MANAGE_SALES_SETTINGS):
        raise Forbidden()
    return value_tiers.recompute()
