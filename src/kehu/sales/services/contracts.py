"""Contracts (合同), attachments, payment plans and receipts (回款)."""

import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils.translation import gettext as _

from kehu.core import audit, clock
from kehu.core.errors import Conflict, ValidationFailed
from kehu.customers import timeline

from ..models import Contract, ContractAttachment, Opportunity, Payment, PaymentPlan
from . import commissions
from ._common import assignable_user, money, text, visible_customer

CONTRACT_SIGNED = "contract"
PAYMENT_RECEIVED = "payment"
PAYMENT_REFUNDED = "payment_refund"

# Extension -> (content types accepted, leading bytes of a real file of that kind or None).
ATTACHMENT_TYPES = {
    ".pdf": ({"application/pdf"}, (b"%PDF",)),
    ".png": ({"image/png"}, (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ({"image/jpeg"}, (b"\xff\xd8\xff",)),
    ".jpeg": ({"image/jpeg"}, (b"\xff\xd8\xff",)),
    ".doc": ({"application/msword"}, (b"\xd0\xcf\x11\xe0",)),
    ".xls": ({"application/vnd.ms-excel"}, (b"\xd0\xcf\x11\xe0",)),
    ".docx": (
        {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
        (b"PK\x03\x04",),
    ),
    ".xlsx": (
        {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        (b"PK\x03\x04",),
    ),
    ".zip": ({"application/zip", "application/x-zip-compressed"}, (b"PK\x03\x04",)),
    ".txt": ({"text/plain"}, None),
}


def max_attachment_bytes() -> int:
    return getattr(settings, "KEHU_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024)


def _dates(values: dict) -> None:
    starts, ends = values.get("starts_on"), values.get("ends_on")
    if starts and ends and ends < starts:
        raise ValidationFailed(fields={"ends_on": [_("The end comes before the start.")]})


@transaction.atomic
def create_contract(actor, data: dict) -> Contract:
    now = clock.now()
    number = text(data, "number", 40, required=True)
    if Contract.objects.filter(number=number).exists():
        raise ValidationFailed(fields={"number": [_("Another contract has this number.")]})
    customer = visible_customer(actor, data.get("customer"))
    owner_id = data.get("owner", actor.pk if actor else None)
    contract = Contract(
        number=number,
        title=text(data, "title", 200, required=True),
        customer=customer,
        owner=assignable_user(actor, owner_id) or None,
        amount=money(data.get("amount"), "amount"),
        status=data.get("status") or Contract.Status.DRAFT,
        signed_on=data.get("signed_on") or None,
        starts_on=data.get("starts_on") or None,
        ends_on=data.get("ends_on") or None,
        notes=text(data, "notes", 5000),
        created_at=now,
        updated_at=now,
    )
    if contract.status not in Contract.Status.values:
        raise ValidationFailed(fields={"status": [_("Not a valid status.")]})
    _dates(data)
    if data.get("opportunity"):
        opp = Opportunity.objects.filter(pk=data["opportunity"], customer=customer).first()
        if opp is None:
            raise ValidationFailed(fields={"opportunity": [_("No such opportunity of this customer.")]})
        contract.opportunity = opp
    contract.save()
    _set_splits(actor, contract, data.get("splits"))
    _set_plans(contract, data.get("plans"))
    audit.record(actor, contract, "create", audit.diff({}, audit.snapshot(contract)))
    timeline.record(
        customer,
        CONTRACT_SIGNED,
        actor=actor,
        data={"number": contract.number, "title": contract.title, "amount": str(contract.amount)},
        ref_type="contract",
        ref_id=contract.pk,
    )
    return contract


@transaction.atomic
def update_contract(actor, contract: Contract, data: dict) -> Contract:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    before = audit.snapshot(contract)
    if "title" in data:
        contract.title = text(data, "title", 200, required=True)
    if "amount" in data:
        contract.amount = money(data["amount"], "amount")
    if "status" in data:
        if data["status"] not in Contract.Status.values:
            raise ValidationFailed(fields={"status": [_("Not a valid status.")]})
        contract.status = data["status"]
    for field in ("signed_on", "starts_on", "ends_on"):
        if field in data:
            setattr(contract, field, data[field] or None)
    _dates({"starts_on": contract.starts_on, "ends_on": contract.ends_on})
    if "owner" in data:
        contract.owner = assignable_user(actor, data["owner"])
    if "notes" in data:
        contract.notes = text(data, "notes", 5000)
    contract.updated_at = clock.now()
    contract.save()
    if "splits" in data:
        _set_splits(actor, contract, data["splits"])
    if "plans" in data and data["plans"] is not None:
        _set_plans(contract, data["plans"])
    audit.record(actor, contract, "update", audit.diff(before, audit.snapshot(contract)))
    return contract


def _set_splits(actor, contract, splits) -> None:
    if splits is None:
        return
    from .orders import clean_splits

    contract.splits.all().delete()
    for user, share in clean_splits(actor, splits):
        contract.splits.create(user=user, share=share)


def _set_plans(contract: Contract, plans) -> None:
    if plans is None:
        return
    cleaned = []
    for i, plan in enumerate(plans):
        due = plan.get("due_on")
        if not isinstance(due, dt.date):
            raise ValidationFailed(fields={f"plans.{i}.due_on": [_("Enter a date.")]})
        amount = money(plan.get("amount"), f"plans.{i}.amount", minimum=Decimal("0.01"))
        cleaned.append(
            PaymentPlan(contract=contract, due_on=due, amount=amount, note=text(plan, "note", 200))
        )
    if sum((p.amount for p in cleaned), Decimal(0)) > contract.amount:
        raise ValidationFailed(fields={"plans": [_("The plans add up to more than the contract amount.")]})
    contract.plans.all().delete()
    PaymentPlan.objects.bulk_create(cleaned)


@dataclass
class PlanStatus:
    plan: PaymentPlan
    covered: Decimal
    outstanding: Decimal
    overdue: bool

    @property
    def paid(self) -> bool:
        return self.outstanding == 0


def plan_status(contract: Contract, today: dt.date | None = None) -> list[PlanStatus]:
    """Receipts cover plans in the order they fall due; an uncovered plan past its date is overdue."""
    today = today or clock.today()
    left = contract.received
    out = []
    for plan in contract.plans.all():
        covered = min(plan.amount, max(left, Decimal(0)))
        left -= covered
        outstanding = plan.amount - covered
        out.append(PlanStatus(plan, covered, outstanding, outstanding > 0 and plan.due_on < today))
    return out


def overdue_contracts(user, today: dt.date | None = None):
    """Contracts visible to ``user`` whose plans due before ``today`` add up to more than received."""
    from kehu.accounts.scope import scoped

    today = today or clock.today()
    return (
        scoped(user, Contract)
        .exclude(status=Contract.Status.TERMINATED)
        .annotate(due_before=Sum("plans__amount", filter=Q(plans__due_on__lt=today)))
        .filter(due_before__gt=F("received"))
        .order_by("-id")
    )


def _check_attachment(name: str, size: int, content_type: str, head: bytes) -> str:
    ext = os.path.splitext(name)[1].lower()
    if ext not in ATTACHMENT_TYPES:
        allowed = ", ".join(sorted(ATTACHMENT_TYPES))
        raise ValidationFailed(
            fields={
                "file": [_("This kind of file is not accepted (allowed: %(types)s).") % {"types": allowed}]
            }
        )
    if size <= 0:
        raise ValidationFailed(fields={"file": [_("The file is empty.")]})
    if size > max_attachment_bytes():
        raise ValidationFailed(
            fields={
                "file": [
                    _("The file is larger than %(mb)d MB.") % {"mb": max_attachment_bytes() // (1024 * 1024)}
                ]
            }
        )
    types, magic = ATTACHMENT_TYPES[ext]
    if content_type and content_type not in types and content_type != "application/octet-stream":
        raise ValidationFailed(fields={"file": [_("The file's type does not match its name.")]})
    if magic and not any(head.startswith(m) for m in magic):
        raise ValidationFailed(fields={"file": [_("The file's content does not match its name.")]})
    return next(iter(sorted(types)))


@transaction.atomic
def add_attachment(actor, contract: Contract, upload) -> ContractAttachment:
    """Store an uploaded file (Django UploadedFile) after checking its size, name and content."""
    name = os.path.basename(str(upload.name or "")).strip()[:200]
    if not name:
        raise ValidationFailed(fields={"file": [_("The file has no name.")]})
    head = upload.read(16)
    upload.seek(0)
    content_type = _check_attachment(name, upload.size or 0, getattr(upload, "content_type", "") or "", head)
    attachment = ContractAttachment(
        contract=contract,
        name=name,
        size=upload.size,
        content_type=content_type,
        uploaded_by=actor,
        uploaded_at=clock.now(),
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    audit.record(actor, contract, "update", {"attachments": [None, name]})
    return attachment


@transaction.atomic
def delete_attachment(actor, attachment: ContractAttachment) -> None:
    name = attachment.name
    attachment.file.delete(save=False)
    attachment.delete()
    audit.record(actor, attachment.contract, "update", {"attachments": [name, None]})


@transaction.atomic
def record_payment(actor, contract: Contract, data: dict) -> Payment:
    """A receipt against a contract; commissions on payments are earned here."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status in (Contract.Status.DRAFT, Contract.Status.TERMINATED):
        raise Conflict(
            _("Payments are recorded on active or completed contracts only."), code="contract_not_active"
        )
    amount = money(data.get("amount"), "amount", minimum=Decimal("0.01"))
    received_on = data.get("received_on") or clock.today()
    if not isinstance(received_on, dt.date):
        raise ValidationFailed(fields={"received_on": [_("Enter a date.")]})
    method = data.get("method") or Payment.Method.TRANSFER
    if method not in Payment.Method.values:
        raise ValidationFailed(fields={"method": [_("Not a valid method.")]})
    payment = Payment.objects.create(
        contract=contract,
        amount=amount,
        received_on=received_on,
        method=method,
        reference=text(data, "reference", 100),
        recorded_by=actor,
        created_at=clock.now(),
    )
    Contract.objects.filter(pk=contract.pk).update(received=F("received") + amount)
    commissions.on_payment(payment)
    audit.record(actor, payment, "create", audit.diff({}, audit.snapshot(payment)))
    timeline.record(
        contract.customer_id,
        PAYMENT_RECEIVED,
        actor=actor,
        data={"number": contract.number, "amount": str(amount)},
        ref_type="payment",
        ref_id=payment.pk,
    )
    return payment


@transaction.atomic
def refund_payment(actor, payment: Payment, data: dict) -> Payment:
    """Give back part or all of a receipt; its commissions are reversed in proportion."""
    payment = Payment.objects.select_for_update().select_related("contract").get(pk=payment.pk)
    if payment.kind != Payment.Kind.RECEIPT:
        raise Conflict(_("Only receipts can be refunded."), code="not_a_receipt")
    refunded = payment.refunds.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    amount = money(data.get("amount", payment.amount - refunded), "amount", minimum=Decimal("0.01"))
    if amount > payment.amount - refunded:
        raise ValidationFailed(
            fields={
                "amount": [_("At most %(left)s is left to refund.") % {"left": payment.amount - refunded}]
            }
        )
    refund = Payment.objects.create(
        contract=payment.contract,
        kind=Payment.Kind.REFUND,
        refund_of=payment,
        amount=amount,
        received_on=data.get("received_on") or clock.today(),
        method=payment.method,
        reference=text(data, "reference", 100),
        recorded_by=actor,
        created_at=clock.now(),
    )
    Contract.objects.filter(pk=payment.contract_id).update(received=F("received") - amount)
    commissions.reverse_payment(payment, refund)
    audit.record(actor, refund, "create", audit.diff({}, audit.snapshot(refund)))
    timeline.record(
        payment.contract.customer_id,
        PAYMENT_REFUNDED,
        actor=actor,
        data={"number": payment.contract.number, "amount": str(amount)},
        ref_type="payment",
        ref_id=refund.pk,
    )
    return refund
