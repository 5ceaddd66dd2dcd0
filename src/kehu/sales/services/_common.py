"""Checks shared by the sales services."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from kehu.accounts import scope
from kehu.accounts.models import User
from kehu.core.errors import NotFound, ValidationFailed
from kehu.customers.models import Customer, Dealer

CENT = Decimal("0.01")


def money(value, field: str, *, minimum: Decimal | None = Decimal("0"), required: bool = True) -> Decimal:
    if value in (None, ""):
        if required:
            raise ValidationFailed(fields={field: [_("This field is required.")]})
        return Decimal("0.00")
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed(fields={field: [_("Enter an amount, e.g. 1200.50.")]}) from None
    if not amount.is_finite() or abs(amount) >= Decimal("1e12"):
        raise ValidationFailed(fields={field: [_("This amount is too large.")]})
    if minimum is not None and amount < minimum:
        raise ValidationFailed(fields={field: [_("Must be at least %(minimum)s.") % {"minimum": minimum}]})
    return amount


def visible_customer(actor, customer_id, field: str = "customer") -> Customer:
    if not customer_id:
        raise ValidationFailed(fields={field: [_("Choose a customer.")]})
    try:
        return (
            scope.get_scoped(actor, Customer, pk=customer_id)
            if actor
            else Customer.objects.get(pk=customer_id)
        )
    except (NotFound, Customer.DoesNotExist):
        raise ValidationFailed(fields={field: [_("No such customer, or not visible to you.")]}) from None


def assignable_user(actor, user_id, field: str = "owner") -> User | None:
    """Owners must be active people the actor can see."""
    if not user_id:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or (actor is not None and not scope.can_see_user(actor, user.pk)):
        raise ValidationFailed(fields={field: [_("You cannot give records to this user.")]})
    return user


def active_dealer(dealer_id, field: str = "dealer") -> Dealer | None:
    if not dealer_id:
        return None
    dealer = Dealer.objects.filter(pk=dealer_id, active=True).first()
    if dealer is None:
        raise ValidationFailed(fields={field: [_("No such active dealer.")]})
    return dealer


def text(data: dict, field: str, max_length: int, *, required: bool = False) -> str:
    value = str(data.get(field) or "").strip()
    if required and not value:
        raise ValidationFailed(fields={field: [_("This field is required.")]})
    if len(value) > max_length:
        raise ValidationFailed(fields={field: [_("At most %(n)d characters.") % {"n": max_length}]})
    return value
