"""Sales pages: the opportunity board, contracts, orders, products, commission statements."""

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.accounts.capabilities import EXPORT
from kehu.accounts.models import User
from kehu.accounts.scope import get_scoped, scoped, visible_user_ids
from kehu.core import clock
from kehu.core.errors import Forbidden, NotFound, ServiceError, ValidationFailed
from kehu.core.exports import export_response

from . import exports
from .forms import (
    AttachmentForm,
    CategoryForm,
    ContractForm,
    OpportunityForm,
    OrderForm,
    PaymentForm,
    PlanForm,
    ProductForm,
    RefundForm,
)
from .models import (
    Contract,
    ContractAttachment,
    CustomerValue,
    Opportunity,
    Order,
    Payment,
    Product,
    Stage,
)
from .services import catalogue, commissions, contracts, opportunities, orders

PAGE_SIZE = 50
BOARD_CARDS = 50


def _form_errors(form, exc: ValidationFailed) -> None:
    for field, errors in exc.fields.items():
        name = field if field in form.fields else None
        for error in errors:
            form.add_error(name, error)
    if not exc.fields:
        form.add_error(None, str(exc.message))


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 18 else None


def _owner_filter(request, qs):
    owner = _int(request.GET.get("owner"))
    return (qs.filter(owner_id=owner) if owner else qs), owner


def _owners_for(user):
    ids = visible_user_ids(user)
    if ids is not None and len(ids) <= 1:
        return None
    qs = User.objects.filter(is_active=True).order_by("name")
    return qs if ids is None else qs.filter(pk__in=ids)


# --- Opportunities -------------------------------------------------------------------------


@login_required
def board(request):
    """The opportunity kanban: one column per stage, cards movable by buttons or a menu."""
    stages = list(Stage.objects.filter(active=True))
    qs, owner = _owner_filter(request, scoped(request.user, Opportunity))
    q = request.GET.get("q", "")[:100]
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(customer__name__icontains=q))
    totals = {
        row["stage_id"]: row
        for row in qs.values("stage_id").annotate(n=Count("id"), amount=Sum("amount")).order_by()
    }
    columns = []
    for i, stage in enumerate(stages):
        cards = list(
            qs.filter(stage=stage)
            .select_related("customer", "owner")
            .order_by("expected_close", "-id")[:BOARD_CARDS]
        )
        columns.append(
            {
                "stage": stage,
                "cards": cards,
                "count": totals.get(stage.pk, {}).get("n", 0),
                "amount": totals.get(stage.pk, {}).get("amount") or 0,
                "prev": stages[i - 1] if i > 0 else None,
                "next": stages[i + 1] if i + 1 < len(stages) else None,
            }
        )
    context = {
        "columns": columns,
        "stages": stages,
        "owners": _owners_for(request.user),
        "owner": owner,
        "q": q,
        "querystring": request.GET.urlencode(),
    }
    if request.htmx and request.htmx.target == "board":
        return render(request, "sales/_board.html", context)
    return render(request, "sales/board.html", context)


@login_required
def opportunity_list(request):
    qs, owner = _owner_filter(
        request, scoped(request.user, Opportunity).select_related("customer", "owner", "stage")
    )
    stage = _int(request.GET.get("stage"))
    if stage:
        qs = qs.filter(stage_id=stage)
    q = request.GET.get("q", "")[:100]
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(customer__name__icontains=q))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sales/opportunity_list.html",
        {
            "page": page,
            "stages": Stage.objects.all(),
            "stage": stage,
            "owners": _owners_for(request.user),
            "owner": owner,
            "q": q,
        },
    )


@login_required
def opportunity_form(request, pk: int | None = None):
    opp = get_scoped(request.user, Opportunity, pk=pk) if pk else None
    customer_id = _int(request.GET.get("customer")) or (opp.customer_id if opp else None)
    if opp:
        initial = {
            "name": opp.name,
            "customer": opp.customer_id,
            "stage": opp.stage_id,
            "amount": opp.amount,
            "probability": opp.probability,
            "expected_close": opp.expected_close,
            "owner": opp.owner_id,
            "lost_reason": opp.lost_reason_id,
            "notes": opp.notes,
        }
    else:
        first = opportunities.first_stage()
        initial = {
            "customer": customer_id,
            "owner": request.user.pk,
            "stage": first.pk if first else None,
            "amount": 0,
        }
    if _int(request.GET.get("stage")):
        initial["stage"] = _int(request.GET.get("stage"))
    form = OpportunityForm(request.POST or None, user=request.user, customer_id=customer_id, initial=initial)
    if opp:
        form.fields["customer"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        # A new stage brings its default probability unless the user changed the figure too.
        stage_moved = opp is not None and data.get("stage") != opp.stage_id
        if data.get("probability") is None or (stage_moved and data["probability"] == opp.probability):
            data.pop("probability")
        try:
            if opp:
                data.pop("customer", None)
                opp = opportunities.update_opportunity(request.user, opp, data)
            else:
                opp = opportunities.create_opportunity(request.user, data)
        except ValidationFailed as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Opportunity “%(name)s” saved.") % {"name": opp.name})
            return redirect("sales:board")
    return render(request, "sales/opportunity_form.html", {"form": form, "opp": opp})


@login_required
@require_POST
def opportunity_move(request, pk: int):
    opp = get_scoped(request.user, Opportunity, pk=pk)
    # A ‹ or › button sends "stage"; the stage menu sends "to".
    stage = _int(request.POST.get("stage")) or _int(request.POST.get("to"))
    try:
        opportunities.move(request.user, opp, stage, _int(request.POST.get("lost_reason")))
    except ValidationFailed as exc:
        if "lost_reason" in exc.fields:
            # Losing needs a reason: finish on the form.
            url = f"{redirect('sales:opportunity_edit', pk).url}?stage={stage}"
            if request.htmx:
                response = render(request, "sales/_empty.html")
                response["HX-Redirect"] = url
                return response
            return redirect(url)
        messages.error(request, " ".join(m for ms in exc.fields.values() for m in ms) or str(exc.message))
    if request.htmx:
        return board(request)
    return redirect("sales:board")


# --- Contracts -------------------------------------------------------------------------------


def _contract_qs(request):
    overdue = request.GET.get("overdue") == "1"
    qs = contracts.overdue_contracts(request.user) if overdue else scoped(request.user, Contract)
    qs, owner = _owner_filter(request, qs.select_related("customer", "owner"))
    status = request.GET.get("status", "")
    if status in Contract.Status.values:
        qs = qs.filter(status=status)
    q = request.GET.get("q", "")[:100]
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(customer__name__icontains=q))
    return qs, {"overdue": overdue, "owner": owner, "status": status, "q": q}


@login_required
def contract_list(request):
    qs, flt = _contract_qs(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sales/contract_list.html",
        {
            "page": page,
            **flt,
            "statuses": Contract.Status.choices,
            "owners": _owners_for(request.user),
            "can_export": request.user.can(EXPORT),
            "querystring": request.GET.urlencode(),
        },
    )


@login_required
def contract_export(request):
    if not request.user.can(EXPORT):
        raise Forbidden(_("Your role may not export."))
    qs, _flt = _contract_qs(request)
    headers, rows = exports.contract_rows(qs)
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    return export_response(fmt, headers, rows, "contracts", _("Contracts"))


@login_required
def contract_form(request, pk: int | None = None):
    contract = get_scoped(request.user, Contract, pk=pk) if pk else None
    customer_id = _int(request.GET.get("customer")) or (contract.customer_id if contract else None)
    if contract:
        initial = {
            f: getattr(contract, f)
            for f in ("number", "title", "amount", "status", "signed_on", "starts_on", "ends_on", "notes")
        }
        initial.update(customer=contract.customer_id, owner=contract.owner_id)
    else:
        initial = {
            "customer": customer_id,
            "owner": request.user.pk,
            "status": Contract.Status.ACTIVE,
            "signed_on": clock.today(),
        }
    form = ContractForm(request.POST or None, user=request.user, customer_id=customer_id, initial=initial)
    if contract:
        form.fields["customer"].disabled = True
        form.fields["number"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        try:
            if contract:
                data.pop("customer", None)
                data.pop("number", None)
                contract = contracts.update_contract(request.user, contract, data)
            else:
                contract = contracts.create_contract(request.user, data)
        except ValidationFailed as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Contract %(number)s saved.") % {"number": contract.number})
            return redirect("sales:contract_detail", contract.pk)
    return render(request, "sales/contract_form.html", {"form": form, "contract": contract})


@login_required
def contract_detail(request, pk: int):
    contract = get_scoped(
        request.user, Contract.objects.select_related("customer", "owner", "opportunity"), pk=pk
    )
    plan_form = PlanForm(prefix="plan")
    payment_form = PaymentForm(
        prefix="pay",
        initial={
            "received_on": clock.today(),
            "amount": contract.outstanding if contract.outstanding > 0 else None,
        },
    )
    attachment_form = AttachmentForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "plan":
                plan_form = PlanForm(request.POST, prefix="plan")
                if plan_form.is_valid():
                    plans = [
                        {"due_on": p.due_on, "amount": p.amount, "note": p.note} for p in contract.plans.all()
                    ]
                    plans.append(plan_form.cleaned_data)
                    contracts.update_contract(request.user, contract, {"plans": plans})
                    messages.success(request, _("Payment plan added."))
                    return redirect("sales:contract_detail", pk)
            elif action == "payment":
                payment_form = PaymentForm(request.POST, prefix="pay")
                if payment_form.is_valid():
                    contracts.record_payment(request.user, contract, payment_form.cleaned_data)
                    messages.success(request, _("Payment recorded."))
                    return redirect("sales:contract_detail", pk)
            elif action == "attachment":
                attachment_form = AttachmentForm(request.POST, request.FILES)
                if attachment_form.is_valid():
                    contracts.add_attachment(request.user, contract, attachment_form.cleaned_data["file"])
                    messages.success(request, _("File attached."))
                    return redirect("sales:contract_detail", pk)
            elif action == "refund":
                payment = get_scoped(request.user, Payment, pk=_int(request.POST.get("payment")) or 0)
                contracts.refund_payment(request.user, payment, {})
                messages.success(request, _("Payment refunded."))
                return redirect("sales:contract_detail", pk)
            elif action == "delete_attachment":
                attachment = get_scoped(
                    request.user, ContractAttachment, pk=_int(request.POST.get("attachment")) or 0
                )
                contracts.delete_attachment(request.user, attachment)
                return redirect("sales:contract_detail", pk)
        except ValidationFailed as exc:
            target = {"plan": plan_form, "payment": payment_form, "attachment": attachment_form}.get(action)
            if target is not None:
                _form_errors(target, exc)
            else:
                messages.error(request, str(exc.message))
        except ServiceError as exc:
            messages.error(request, str(exc.message))
    contract.refresh_from_db()
    payments = list(contract.payments.all())
    refunded = {p.refund_of_id for p in payments if p.kind == Payment.Kind.REFUND}
    return render(
        request,
        "sales/contract_detail.html",
        {
            "contract": contract,
            "plans": contracts.plan_status(contract),
            "payments": payments,
            "refunded": refunded,
            "attachments": contract.attachments.all(),
            "orders": contract.orders.all()[:20],
            "plan_form": plan_form,
            "payment_form": payment_form,
            "attachment_form": attachment_form,
        },
    )


@login_required
def attachment_download(request, pk: int):
    attachment = get_scoped(request.user, ContractAttachment, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise NotFound() from None
    return FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )


# --- Orders ----------------------------------------------------------------------------------


def _order_qs(request):
    qs, owner = _owner_filter(
        request, scoped(request.user, Order).select_related("customer", "owner", "dealer")
    )
    status = request.GET.get("status", "")
    if status in Order.Status.values:
        qs = qs.filter(status=status)
    q = request.GET.get("q", "")[:100]
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(customer__name__icontains=q))
    return qs, {"owner": owner, "status": status, "q": q}


@login_required
def order_list(request):
    qs, flt = _order_qs(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sales/order_list.html",
        {
            "page": page,
            **flt,
            "statuses": Order.Status.choices,
            "owners": _owners_for(request.user),
            "can_export": request.user.can(EXPORT),
            "querystring": request.GET.urlencode(),
        },
    )


@login_required
def order_export(request):
    if not request.user.can(EXPORT):
        raise Forbidden(_("Your role may not export."))
    qs, _flt = _order_qs(request)
    headers, rows = exports.order_rows(qs)
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    return export_response(fmt, headers, rows, "orders", _("Orders"))


LINE_ROWS = 5


@login_required
def order_form(request):
    customer_id = _int(request.GET.get("customer"))
    form = OrderForm(
        request.POST or None,
        user=request.user,
        customer_id=customer_id,
        initial={"customer": customer_id, "owner": request.user.pk},
    )
    products = Product.objects.filter(active=True).order_by("name")
    lines = []
    if request.method == "POST":
        post = request.POST
        for product, quantity, price in zip(
            post.getlist("product"), post.getlist("quantity"), post.getlist("unit_price"), strict=False
        ):
            if product or quantity:
                lines.append(
                    {"product": _int(product), "quantity": quantity.strip(), "unit_price": price.strip()}
                )
        if form.is_valid():
            data = form.service_data()
            data["lines"] = lines
            try:
                order = orders.create_order(request.user, data)
            except ValidationFailed as exc:
                _form_errors(form, exc)
                form.line_errors = {k: v for k, v in exc.fields.items() if k.startswith("lines")}
            else:
                messages.success(request, _("Order %(number)s recorded.") % {"number": order.number})
                return redirect("sales:order_detail", order.pk)
    rows = lines + [{}] * max(LINE_ROWS - len(lines), 1)
    return render(request, "sales/order_form.html", {"form": form, "products": products, "rows": rows})


@login_required
def order_detail(request, pk: int):
    order = get_scoped(
        request.user, Order.objects.select_related("customer", "owner", "dealer", "contract"), pk=pk
    )
    refund_form = RefundForm(prefix="refund")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "cancel":
                orders.cancel_order(request.user, order, request.POST.get("reason", "")[:200])
                messages.success(request, _("Order cancelled."))
                return redirect("sales:order_detail", pk)
            refund_form = RefundForm(request.POST, prefix="refund")
            if refund_form.is_valid():
                orders.refund_order(
                    request.user,
                    order,
                    refund_form.cleaned_data["amount"],
                    refund_form.cleaned_data["reason"],
                )
                messages.success(request, _("Refund recorded."))
                return redirect("sales:order_detail", pk)
        except ValidationFailed as exc:
            _form_errors(refund_form, exc)
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        order.refresh_from_db()
    return render(
        request,
        "sales/order_detail.html",
        {
            "order": order,
            "lines": order.lines.select_related("product"),
            "splits": order.splits.select_related("user"),
            "refunds": order.refunds.all(),
            "refund_form": refund_form,
        },
    )


# --- Products --------------------------------------------------------------------------------


@login_required
def product_list(request):
    qs = Product.objects.select_related("category").order_by("name")
    category = _int(request.GET.get("category"))
    tree = catalogue.category_tree()
    if category:
        ids = {c.pk for c, _d in tree if category in c.ancestor_ids()}
        qs = qs.filter(category_id__in=ids)
    q = request.GET.get("q", "")[:100]
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    can_manage = request.user.can(catalogue.MANAGE_PRODUCTS)
    category_form = CategoryForm(request.POST or None) if can_manage else None
    if request.method == "POST" and can_manage and category_form.is_valid():
        try:
            catalogue.save_category(request.user, category_form.service_data())
        except ValidationFailed as exc:
            _form_errors(category_form, exc)
        else:
            return redirect("sales:products")
    return render(
        request,
        "sales/product_list.html",
        {
            "page": page,
            "tree": tree,
            "category": category,
            "q": q,
            "can_manage": can_manage,
            "category_form": category_form,
        },
    )


@login_required
def product_form(request, pk: int | None = None):
    if not request.user.can(catalogue.MANAGE_PRODUCTS):
        raise Forbidden()
    product = get_scoped(request.user, Product, pk=pk) if pk else None
    initial = {}
    if product:
        initial = {f: getattr(product, f) for f in ("code", "name", "unit", "price", "active", "description")}
        initial["category"] = product.category_id
    form = ProductForm(request.POST or None, initial=initial or {"active": True})
    if request.method == "POST" and form.is_valid():
        try:
            product = catalogue.save_product(request.user, form.service_data(), product)
        except ValidationFailed as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Product “%(name)s” saved.") % {"name": product.name})
            return redirect("sales:products")
    return render(request, "sales/product_form.html", {"form": form, "product": product})


# --- Commission statements -----------------------------------------------------------------


def _quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    first_month = 3 * ((today.month - 1) // 3) + 1
    start = dt.date(today.year, first_month, 1)
    end = dt.date(today.year + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def _statement_params(request):
    start, end = _quarter(clock.today())
    try:
        start = dt.date.fromisoformat(request.GET["start"]) if request.GET.get("start") else start
        end = dt.date.fromisoformat(request.GET["end"]) if request.GET.get("end") else end
    except ValueError:
        pass
    if end < start:
        start, end = end, start
    person_id = _int(request.GET.get("user")) or request.user.pk
    commissions.check_statement_access(request.user, person_id)
    person = User.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    return person, start, end


@login_required
def statement(request):
    person, start, end = _statement_params(request)
    totals = commissions.statement_totals(request.user, person.pk, start, end)
    entries = commissions.statement_entries(request.user, person.pk, start, end)
    page = Paginator(entries, 200).get_page(request.GET.get("page"))
    can_all = request.user.can(commissions.VIEW_COMMISSIONS)
    quarters = []
    q_start, _q_end = _quarter(clock.today())
    for back in range(4):
        month = q_start.month - 3 * back
        year = q_start.year + (month - 1) // 12 if month > 0 else q_start.year - 1 + (month + 11) // 12
        month = (month - 1) % 12 + 1
        s, e = _quarter(dt.date(year, month, 1))
        quarters.append((s, e, f"{s.year} Q{(s.month - 1) // 3 + 1}"))
    return render(
        request,
        "sales/statement.html",
        {
            "person": person,
            "start": start,
            "end": end,
            "totals": totals,
            "page": page,
            "people": User.objects.filter(is_active=True).order_by("name") if can_all else None,
            "quarters": quarters,
            "sources": dict(commissions.CommissionEntry.Source.choices),
        },
    )


@login_required
def statement_export(request):
    person, start, end = _statement_params(request)
    headers, rows = exports.statement_rows(commissions.statement_entries(request.user, person.pk, start, end))
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    return export_response(
        fmt, headers, rows, f"commissions-{person.username}-{start}-{end}", _("Commissions")
    )


# --- The panel on the customer page --------------------------------------------------------


def customer_panel(request, customer):
    user = request.user
    opps = scoped(user, Opportunity).filter(customer=customer).select_related("stage", "owner")[:10]
    contract_qs = scoped(user, Contract).filter(customer=customer)[:10]
    order_qs = scoped(user, Order).filter(customer=customer).select_related("owner", "dealer")[:10]
    value = CustomerValue.objects.filter(customer=customer).first()
    return render_to_string(
        "sales/_customer_panel.html",
        {
            "customer": customer,
            "opportunities": list(opps),
            "contracts": list(contract_qs),
            "orders": list(order_qs),
            "value": value,
            "zero": Decimal(0),
        },
        request=request,
    )
