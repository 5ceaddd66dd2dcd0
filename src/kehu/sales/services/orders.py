"""Orders / sales records (订单 / 销售记录) with line items, cancellation and refunds."""

import secrets
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.core import audit, clock
from kehu.core.errors import Conflict, ValidationFailed
from kehu.customers import timeline

from ..models import Contract, CreditSplit, Order, OrderLine, OrderRefund, Product
from . import commissions
from ._common import active_dealer, assignable_user, money, text, visible_customer

PURCHASE = "purchase"
ORDER_CANCELLED = "order_cancelled"
ORDER_REFUNDED = "order_refund"
MAX_LINES = 500


def clean_splits(actor, splits) -> list[tuple[User, Decimal]]:
    """[{"user": id, "share": 60}, …] -> [(user, share)], shares adding up to 100."""
    if not splits:
        return []
    out, seen = [], set()
    for i, split in enumerate(splits):
        # Credit may be shared with any active colleague, also one outside the actor's scope.
        user = User.objects.filter(pk=split.get("user") or 0, is_active=True).first()
        if user is None:
            raise ValidationFailed(fields={f"splits.{i}.user": [_("Choose a person.")]})
        if user.pk in seen:
            raise ValidationFailed(fields={f"splits.{i}.user": [_("This person is listed twice.")]})
        seen.add(user.pk)
        share = money(split.get("share"), f"splits.{i}.share", minimum=Decimal("0.01"))
        out.append((user, share))
    if sum((s for _, s in out), Decimal(0)) != 100:
        raise ValidationFailed(fields={"splits": [_("The shares must add up to 100%.")]})
    return out


def _lines(data_lines) -> list[OrderLine]:
    if not data_lines:
        raise ValidationFailed(fields={"lines": [_("Add at least one product.")]})
    if len(data_lines) > MAX_LINES:
        raise ValidationFailed(fields={"lines": [_("At most %(n)d lines.") % {"n": MAX_LINES}]})
    products = Product.objects.in_bulk([line.get("product") for line in data_lines if line.get("product")])
    lines = []
    for i, line in enumerate(data_lines):
        product = products.get(line.get("product"))
        if product is None or not product.active:
            raise ValidationFailed(fields={f"lines.{i}.product": [_("Choose an active product.")]})
        quantity = money(line.get("quantity"), f"lines.{i}.quantity", minimum=Decimal("0.01"))
        if quantity >= Decimal("1e10"):
            raise ValidationFailed(fields={f"lines.{i}.quantity": [_("This quantity is too large.")]})
        price = line.get("unit_price")
        unit_price = product.price if price in (None, "") else money(price, f"lines.{i}.unit_price")
        amount = commissions.cents(quantity * unit_price)
        if amount >= Decimal("1e11"):
            raise ValidationFailed(fields={f"lines.{i}.quantity": [_("This line's amount is too large.")]})
        lines.append(OrderLine(product=product, quantity=quantity, unit_price=unit_price, amount=amount))
    return lines


def new_number(prefix: str = "SO") -> str:
    return f"{prefix}{clock.now():%Y%m%d}-{secrets.token_hex(3).upper()}"


@transaction.atomic
def create_order(actor, data: dict) -> Order:
    """Record a sale; commissions are earned in the same transaction."""
    customer = visible_customer(actor, data.get("customer"))
    dealer = active_dealer(data.get("dealer"))
    owner_id = data["owner"] if "owner" in data else (None if dealer else getattr(actor, "pk", None))
    owner = assignable_user(actor, owner_id)
    if owner is None and dealer is None:
        raise ValidationFailed(
            fields={"owner": [_("An order is made by a salesperson or through a dealer.")]}
        )
    number = text(data, "number", 40) or new_number()
    if Order.objects.filter(number=number).exists():
        raise ValidationFailed(fields={"number": [_("Another order has this number.")]})
    contract = None
    if data.get("contract"):
        contract = Contract.objects.filter(pk=data["contract"], customer=customer).first()
        if contract is None:
            raise ValidationFailed(fields={"contract": [_("No such contract of this customer.")]})
    lines = _lines(data.get("lines"))
    splits = clean_splits(actor, data.get("splits"))
    now = clock.now()
    order = Order.objects.create(
        number=number,
        customer=customer,
        owner=owner,
        dealer=dealer,
        contract=contract,
        ordered_at=data.get("ordered_at") or now,
        total=sum((line.amount for line in lines), Decimal(0)),
        notes=text(data, "notes", 5000),
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
    )
    for line in lines:
        line.order = order
    OrderLine.objects.bulk_create(lines)
    CreditSplit.objects.bulk_create([CreditSplit(order=order, user=u, share=s) for u, s in splits])
    commissions.on_order(order)
    audit.record(actor, order, "create", audit.diff({}, audit.snapshot(order)))
    timeline.record(
        customer,
        PURCHASE,
        actor=actor,
        at=order.ordered_at,
        data={
            "number": order.number,
            "amount": str(order.total),
            "products": ", ".join(sorted({line.product.name for line in lines}))[:200],
        },
        ref_type="order",
        ref_id=order.pk,
    )
    return order


@transaction.atomic
def cancel_order(actor, order: Order, reason: str = "") -> Order:
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status == Order.Status.CANCELLED:
        raise Conflict(_("This order is already cancelled."), code="already_cancelled")
    before = audit.snapshot(order)
    order.status = Order.Status.CANCELLED
    order.cancelled_at = clock.now()
    if reason:
        order.notes = (order.notes + "\n" + reason).strip()[:5000]
    order.save(update_fields=["status", "cancelled_at", "notes"])
    commissions.reverse_order(order, cancelled=True)
    audit.record(actor, order, "update", audit.diff(before, audit.snapshot(order)))
    timeline.record(
        order.customer_id,
        ORDER_CANCELLED,
        actor=actor,
        data={"number": order.number, "amount": str(order.total), "reason": reason[:200]},
        ref_type="order",
        ref_id=order.pk,
    )
    return order


@transaction.atomic
def refund_order(actor, order: Order, amount, reason: str = "") -> OrderRefund:
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status == Order.Status.CANCELLED:
        raise Conflict(_("A cancelled order cannot be refunded."), code="cancelled")
    amount = money(amount, "amount", minimum=Decimal("0.01"))
    left = order.total - order.refunded
    if amount > left:
        raise ValidationFailed(fields={"amount": [_("At most %(left)s is left to refund.") % {"left": left}]})
    refund = OrderRefund.objects.create(
        order=order, amount=amount, reason=reason[:200], refunded_at=clock.now(), recorded_by=actor
    )
    Order.objects.filter(pk=order.pk).update(refunded=F("refunded") + amount)
    order.refresh_from_db()
    commissions.reverse_order(order, cancelled=False)
    audit.record(actor, order, "update", {"refunded": [str(order.refunded - amount), str(order.refunded)]})
    timeline.record(
        order.customer_id,
        ORDER_REFUNDED,
        actor=actor,
        data={"number": order.number, "amount": str(amount), "reason": reason[:200]},
        ref_type="order",
        ref_id=order.pk,
    )
    return refund
