"""Commission arithmetic (提成) and the ledger.

Earned commissions are written when an order or a contract payment arrives, as one ledger
row per earner and rule; refunds and cancellations write negative rows that point at what
they reverse. The ledger is append-only: a statement is a sum over it.
"""

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.errors import Forbidden, NotFound, ValidationFailed

from ..models import CommissionEntry, CommissionRule, CreditSplit, Order, Payment, ProductCategory

VIEW_COMMISSIONS = "view_commissions"
MANAGE_COMMISSIONS = "manage_commissions"
CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- Rules ---------------------------------------------------------------------------------


def clean_tiers(tiers) -> list[dict]:
    """Brackets as [{"from": "0", "rate": "3"}, …], sorted, starting at 0, rates 0–100."""
    if not isinstance(tiers, list) or not tiers:
        raise ValidationFailed(fields={"tiers": [_("Give at least one bracket.")]})
    cleaned = []
    for i, tier in enumerate(tiers):
        try:
            start, rate = Decimal(str(tier["from"])), Decimal(str(tier["rate"]))
        except Exception:
            raise ValidationFailed(
                fields={f"tiers.{i}": [_("Each bracket needs a start amount and a rate.")]}
            ) from None
        if (
            not start.is_finite()
            or not rate.is_finite()
            or start < 0
            or not 0 <= rate <= HUNDRED
            or start >= Decimal("1e12")
        ):
            raise ValidationFailed(fields={f"tiers.{i}": [_("Amounts from 0, rates between 0 and 100.")]})
        cleaned.append({"from": str(cents(start)), "rate": str(rate.quantize(Decimal("0.0001")))})
    cleaned.sort(key=lambda t: Decimal(t["from"]))
    if Decimal(cleaned[0]["from"]) != 0:
        raise ValidationFailed(fields={"tiers": [_("The first bracket starts at 0.")]})
    if len({t["from"] for t in cleaned}) != len(cleaned):
        raise ValidationFailed(fields={"tiers": [_("Two brackets start at the same amount.")]})
    return cleaned


def save_rule(actor, data: dict, rule: CommissionRule | None = None) -> CommissionRule:
    from kehu.accounts.models import Role

    from ..models import Product
    from ._common import money, text

    if actor is not None and not actor.can(MANAGE_COMMISSIONS):
        raise Forbidden()
    rule = rule or CommissionRule()
    rule.name = text(data, "name", 100, required=True)
    for field, choices in (
        ("basis", CommissionRule.Basis),
        ("kind", CommissionRule.Kind),
        ("earner", CommissionRule.Earner),
    ):
        value = data.get(field) or getattr(rule, field)
        if value not in choices.values:
            raise ValidationFailed(fields={field: [_("Not a valid choice.")]})
        setattr(rule, field, value)
    rule.active = bool(data.get("active", True))
    for field, model in (("product", Product), ("category", ProductCategory), ("role", Role)):
        pk = data.get(field) or None
        obj = model.objects.filter(pk=pk).first() if pk else None
        if pk and obj is None:
            raise ValidationFailed(fields={field: [_("No such record.")]})
        setattr(rule, field, obj)
    if rule.product and rule.category:
        raise ValidationFailed(fields={"category": [_("Choose a product or a category, not both.")]})
    if rule.basis == CommissionRule.Basis.PAYMENT and (rule.product or rule.category):
        raise ValidationFailed(
            fields={"product": [_("Payments carry no products: leave product and category empty.")]}
        )
    if rule.earner == CommissionRule.Earner.DEALER and rule.basis == CommissionRule.Basis.PAYMENT:
        raise ValidationFailed(fields={"earner": [_("Dealers earn on orders only.")]})
    rule.rate = Decimal(0)
    rule.fixed_amount = Decimal(0)
    rule.tiers = []
    if rule.kind == CommissionRule.Kind.PERCENTAGE:
        rate = money(data.get("rate"), "rate")
        if rate > HUNDRED:
            raise ValidationFailed(fields={"rate": [_("Between 0 and 100.")]})
        rule.rate = Decimal(str(data.get("rate")))
    elif rule.kind == CommissionRule.Kind.FIXED:
        rule.fixed_amount = money(data.get("fixed_amount"), "fixed_amount")
    else:
        rule.tiers = clean_tiers(data.get("tiers"))
    rule.save()
    return rule


def tiered(base: Decimal, tiers: list[dict]) -> Decimal:
    """Progressive brackets: each part of ``base`` earns the rate of the bracket it falls in."""
    total = Decimal(0)
    bounds = [(Decimal(t["from"]), Decimal(t["rate"])) for t in tiers]
    for i, (start, rate) in enumerate(bounds):
        end = bounds[i + 1][0] if i + 1 < len(bounds) else None
        if base <= start:
            break
        part = (min(base, end) if end is not None else base) - start
        total += part * rate / HUNDRED
    return total


def commission(rule: CommissionRule, base: Decimal, quantity: Decimal, share: Decimal) -> Decimal:
    """What one earner with ``share`` percent gets from ``base`` (and ``quantity`` units) under ``rule``."""
    if rule.kind == CommissionRule.Kind.PERCENTAGE:
        full = base * rule.rate / HUNDRED
    elif rule.kind == CommissionRule.Kind.TIERED:
        # Brackets apply to the whole sale, then the share is taken: splitting a sale
        # does not move it into lower brackets.
        full = tiered(base, rule.tiers)
    else:
        full = rule.fixed_amount * quantity
    return cents(full * share / HUNDRED)


class RuleBook:
    """Active rules of one basis, with the most specific rule found per (earner, role, product)."""

    def __init__(self, basis: str):
        self.rules = list(CommissionRule.objects.filter(active=True, basis=basis))
        self.parents = dict(ProductCategory.objects.values_list("pk", "parent_id"))

    def _category_chain(self, category_id: int | None) -> list[int]:
        chain, seen = [], set()
        while category_id is not None and category_id not in seen:
            chain.append(category_id)
            seen.add(category_id)
            category_id = self.parents.get(category_id)
        return chain

    def find(self, earner: str, role_id: int | None, product_id: int | None, category_id: int | None):
        chain = self._category_chain(category_id)
        best, best_key = None, None
        for rule in self.rules:
            if rule.earner != earner:
                continue
            if earner == CommissionRule.Earner.SALESPERSON and rule.role_id not in (None, role_id):
                continue
            if rule.product_id is not None:
                if rule.product_id != product_id:
                    continue
                level = 0
            elif rule.category_id is not None:
                if rule.category_id not in chain:
                    continue
                level = 1 + chain.index(rule.category_id)
            else:
                level = 10_000
            key = (level, 0 if rule.role_id else 1, rule.pk)
            if best_key is None or key < best_key:
                best, best_key = rule, key
        return best


def _earners(splits, owner) -> list[tuple[object, Decimal]]:
    splits = list(splits)
    if splits:
        return [(s.user, s.share) for s in splits]
    return [(owner, HUNDRED)] if owner is not None else []


def _write(rows: list[CommissionEntry]) -> list[CommissionEntry]:
    rows = [r for r in rows if r.amount != 0]
    CommissionEntry.objects.bulk_create(rows)
    return rows


def on_order(order: Order) -> list[CommissionEntry]:
    """Commissions earned by an order's salespeople (by split) and its dealer."""
    book = RuleBook(CommissionRule.Basis.ORDER)
    if not book.rules:
        return []
    lines = list(order.lines.select_related("product"))
    earners = _earners(CreditSplit.objects.filter(order=order).select_related("user"), order.owner)
    now = clock.now()
    on = clock.today() if order.ordered_at is None else order.ordered_at.date()
    groups: dict[tuple, list] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in lines:
        for user, share in earners:
            rule = book.find(
                CommissionRule.Earner.SALESPERSON, user.role_id, line.product_id, line.product.category_id
            )
            if rule:
                group = groups[("user", user.pk, share, rule)]
                group[0] += line.amount
                group[1] += line.quantity
        if order.dealer_id:
            rule = book.find(CommissionRule.Earner.DEALER, None, line.product_id, line.product.category_id)
            if rule:
                group = groups[("dealer", order.dealer_id, HUNDRED, rule)]
                group[0] += line.amount
                group[1] += line.quantity
    rows = [
        CommissionEntry(
            user_id=pk if kind == "user" else None,
            dealer_id=pk if kind == "dealer" else None,
            source=CommissionEntry.Source.ORDER,
            order=order,
            rule=rule,
            base_amount=base,
            share=share,
            amount=commission(rule, base, quantity, share),
            occurred_on=on,
            created_at=now,
        )
        for (kind, pk, share, rule), (base, quantity) in groups.items()
    ]
    return _write(rows)


def on_payment(payment: Payment) -> list[CommissionEntry]:
    """Commissions on a contract receipt, for the contract's salespeople (by split)."""
    book = RuleBook(CommissionRule.Basis.PAYMENT)
    if not book.rules:
        return []
    contract = payment.contract
    earners = _earners(CreditSplit.objects.filter(contract=contract).select_related("user"), contract.owner)
    now = clock.now()
    rows = []
    for user, share in earners:
        rule = book.find(CommissionRule.Earner.SALESPERSON, user.role_id, None, None)
        if rule:
            rows.append(
                CommissionEntry(
                    user=user,
                    source=CommissionEntry.Source.PAYMENT,
                    payment=payment,
                    rule=rule,
                    base_amount=payment.amount,
                    share=share,
                    amount=commission(rule, payment.amount, Decimal(1), share),
                    occurred_on=payment.received_on,
                    created_at=now,
                )
            )
    return _write(rows)


def _reverse(originals, fraction_done: Decimal, source: str, on: dt.date, **target) -> list[CommissionEntry]:
    """Bring each original entry's reversals up to ``fraction_done`` of it (1 = fully reversed).

    Working from the cumulative fraction keeps rounding from drifting: after refunds that
    add up to the whole sale, the entries net to exactly zero.
    """
    originals = list(originals)
    reversed_so_far = dict(
        CommissionEntry.objects.filter(reverses__in=originals)
        .values("reverses")
        .annotate(total=Sum("amount"))
        .values_list("reverses", "total")
    )
    now = clock.now()
    rows = []
    for entry in originals:
        target_total = -cents(entry.amount * fraction_done)
        delta = target_total - (reversed_so_far.get(entry.pk) or Decimal(0))
        rows.append(
            CommissionEntry(
                user_id=entry.user_id,
                dealer_id=entry.dealer_id,
                source=source,
                rule_id=entry.rule_id,
                reverses=entry,
                base_amount=entry.base_amount,
                share=entry.share,
                amount=delta,
                occurred_on=on,
                created_at=now,
                **target,
            )
        )
    return _write(rows)


def reverse_order(order: Order, *, cancelled: bool) -> list[CommissionEntry]:
    originals = CommissionEntry.objects.filter(order=order, reverses__isnull=True)
    if cancelled:
        fraction, source = Decimal(1), CommissionEntry.Source.ORDER_CANCEL
    else:
        fraction = order.refunded / order.total if order.total else Decimal(1)
        source = CommissionEntry.Source.ORDER_REFUND
    return _reverse(originals, min(fraction, Decimal(1)), source, clock.today(), order=order)


def reverse_payment(payment: Payment, refund: Payment) -> list[CommissionEntry]:
    refunded = payment.refunds.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    fraction = min(refunded / payment.amount, Decimal(1))
    originals = CommissionEntry.objects.filter(payment=payment, reverses__isnull=True)
    return _reverse(
        originals, fraction, CommissionEntry.Source.PAYMENT_REFUND, refund.received_on, payment=refund
    )


# --- Statements ----------------------------------------------------------------------------


def check_statement_access(viewer, user_id: int) -> None:
    """A person sees their own statement; finance (the capability) sees everyone's."""
    if viewer.pk != user_id and not viewer.can(VIEW_COMMISSIONS):
        raise NotFound()


def statement_entries(viewer, user_id: int, start: dt.date, end: dt.date):
    check_statement_access(viewer, user_id)
    return (
        CommissionEntry.objects.filter(user_id=user_id, occurred_on__gte=start, occurred_on__lte=end)
        .select_related("order", "payment__contract", "rule")
        .order_by("occurred_on", "id")
    )


def statement_totals(viewer, user_id: int, start: dt.date, end: dt.date) -> dict:
    """Earned, reversed and net commission of a person in a period, by source."""
    check_statement_access(viewer, user_id)
    zero = Value(Decimal(0), output_field=DecimalField(max_digits=14, decimal_places=2))
    qs = CommissionEntry.objects.filter(user_id=user_id, occurred_on__gte=start, occurred_on__lte=end)
    sources = {
        f"source_{code}": Sum("amount", filter=Q(source=code)) for code in CommissionEntry.Source.values
    }
    # One pass over the person's rows of the period.
    totals = qs.aggregate(
        earned=Coalesce(Sum("amount", filter=Q(amount__gt=0)), zero),
        reversed=Coalesce(Sum("amount", filter=Q(amount__lt=0)), zero),
        net=Coalesce(Sum("amount"), zero),
        entries=Count("*"),
        orders=Count("order", filter=Q(source=CommissionEntry.Source.ORDER), distinct=True),
        **sources,
    )
    by_source = {key.removeprefix("source_"): totals.pop(key) for key in sources}
    totals["by_source"] = {code: total for code, total in by_source.items() if total is not None}
    return totals
