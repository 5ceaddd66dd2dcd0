"""Sales records: products, opportunities, contracts, payments, orders, commissions, value tiers."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from kehu.customers.models import Collaborator

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


# --- Catalogue -----------------------------------------------------------------------------


class ProductCategory(models.Model):
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    sort = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort", "name"]
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="sales_category_unique_name")]

    def __str__(self) -> str:
        return self.name

    def ancestor_ids(self) -> list[int]:
        """This category and its ancestors, nearest first."""
        ids, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            ids.append(node.pk)
            seen.add(node.pk)
            node = node.parent
        return ids


class Product(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(
        ProductCategory,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("category"),
    )
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    price = models.DecimalField(_("price"), **MONEY, validators=[MinValueValidator(ZERO)])
    active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name


# --- Opportunities -------------------------------------------------------------------------


class Stage(models.Model):
    """A step of the opportunity pipeline, ordered; the built-in ones carry a code."""

    # code: (English name, order, probability, won, lost); names translated when shown.
    BUILTIN = {
        "initial": (gettext_noop("Initial contact"), 10, 10, False, False),
        "needs": (gettext_noop("Needs analysis"), 20, 25, False, False),
        "proposal": (gettext_noop("Proposal"), 30, 50, False, False),
        "negotiation": (gettext_noop("Negotiation"), 40, 75, False, False),
        "won": (gettext_noop("Won"), 50, 100, True, False),
        "lost": (gettext_noop("Lost"), 60, 0, False, True),
    }

    code = models.CharField(max_length=20, blank=True)
    name = models.CharField(_("name"), max_length=60)
    order = models.PositiveIntegerField(_("sort order"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("default probability (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    is_won = models.BooleanField(_("counts as won"), default=False)
    is_lost = models.BooleanField(_("counts as lost"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("opportunity stage")
        verbose_name_plural = _("opportunity stages")
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="sales_stage_unique_code")
        ]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        # A built-in stage whose name was not changed shows in the reader's language.
        builtin = self.BUILTIN.get(self.code)
        if builtin and self.name == builtin[0]:
            return gettext(self.name)
        return self.name

    @property
    def closed(self) -> bool:
        return self.is_won or self.is_lost


class Opportunity(models.Model):
    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="opportunities", verbose_name=_("customer")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("owner"),
    )
    stage = models.ForeignKey(Stage, models.PROTECT, related_name="opportunities", verbose_name=_("stage"))
    amount = models.DecimalField(_("amount"), **MONEY, default=ZERO)
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    expected_close = models.DateField(_("expected close date"), null=True, blank=True)
    lost_reason = models.ForeignKey(
        "customers.LostReason",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lost reason"),
    )
    notes = models.TextField(_("notes"), blank=True)
    lead_id = models.BigIntegerField(null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["owner", "stage"], name="opp_owner_stage"),
            models.Index(fields=["stage", "-id"], name="opp_stage"),
        ]

    def __str__(self) -> str:
        return self.name


# --- Contracts and payments ----------------------------------------------------------------


class Contract(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("active")
        COMPLETED = "completed", _("completed")
        TERMINATED = "terminated", _("terminated")

    number = models.CharField(_("contract number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="contracts", verbose_name=_("customer")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("owner"),
    )
    opportunity = models.ForeignKey(
        Opportunity,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("opportunity"),
    )
    amount = models.DecimalField(_("amount"), **MONEY, validators=[MinValueValidator(ZERO)])
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    received = models.DecimalField(_("received"), **MONEY, default=ZERO)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        indexes = [
            models.Index(fields=["owner", "-id"], name="contract_owner"),
            # Contracts signed in a date range (the contract_amount metric's live days).
            models.Index(fields=["signed_on"], name="contract_signed_on"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.received


def attachment_path(instance, filename: str) -> str:
    return f"sales/contracts/{instance.contract_id}/{filename}"


class ContractAttachment(models.Model):
    contract = models.ForeignKey(
        Contract, models.CASCADE, related_name="attachments", verbose_name=_("contract")
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class PaymentPlan(models.Model):
    """One planned instalment (回款计划); receipts cover plans in order of their due dates."""

    contract = models.ForeignKey(Contract, models.CASCADE, related_name="plans", verbose_name=_("contract"))
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("payment plan")
        verbose_name_plural = _("payment plans")

    def __str__(self) -> str:
        return f"{self.due_on} {self.amount}"


class Payment(models.Model):
    """A receipt (回款) against a contract, or the refund of one."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("receipt")
        REFUND = "refund", _("refund")

    class Method(models.TextChoices):
        TRANSFER = "transfer", _("bank transfer")
        CASH = "cash", _("cash")
        WECHAT = "wechat", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")
        OTHER = "other", _("other")

    contract = models.ForeignKey(
        Contract, models.PROTECT, related_name="payments", verbose_name=_("contract")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.RECEIPT)
    refund_of = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="refunds", verbose_name=_("refund of")
    )
    amount = models.DecimalField(_("amount"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    received_on = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, default=Method.TRANSFER)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        # Payments received in a date range (the payments metric's live days).
        indexes = [models.Index(fields=["received_on"], name="payment_received_on")]

    def __str__(self) -> str:
        return f"{self.contract.number} {self.amount}"

    @property
    def signed_amount(self) -> Decimal:
        return -self.amount if self.kind == self.Kind.REFUND else self.amount


# --- Orders ----------------------------------------------------------------------------------


class Order(models.Model):
    """A sale (订单 / 销售记录), made by a salesperson or through a dealer."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        CANCELLED = "cancelled", _("cancelled")

    number = models.CharField(_("order number"), max_length=40, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="orders", verbose_name=_("customer")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("salesperson"),
    )
    dealer = models.ForeignKey(
        "customers.Dealer",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("dealer"),
    )
    contract = models.ForeignKey(
        Contract, models.SET_NULL, null=True, blank=True, related_name="orders", verbose_name=_("contract")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    ordered_at = models.DateTimeField(_("ordered"))
    total = models.DecimalField(_("total"), **MONEY, default=ZERO)
    refunded = models.DecimalField(_("refunded"), **MONEY, default=ZERO)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-ordered_at", "-id"]
        verbose_name = _("sales order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["owner", "-ordered_at"], name="order_owner_at"),
            # Value tiers read each customer's live orders.
            models.Index(fields=["customer", "status"], name="order_customer"),
            # Repeat business ("had this customer ordered before?") probes live orders by
            # customer and date; with the owner included the renewals metric reads only this.
            models.Index(
                fields=["customer", "ordered_at"],
                include=["owner"],
                condition=Q(cancelled_at__isnull=True),
                name="order_customer_live",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def net(self) -> Decimal:
        return ZERO if self.status == self.Status.CANCELLED else self.total - self.refunded


class OrderLine(models.Model):
    order = models.ForeignKey(Order, models.CASCADE, related_name="lines", verbose_name=_("sales order"))
    product = models.ForeignKey(Product, models.PROTECT, related_name="+", verbose_name=_("product"))
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    unit_price = models.DecimalField(_("unit price"), **MONEY, validators=[MinValueValidator(ZERO)])
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        ordering = ["id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"


class OrderRefund(models.Model):
    order = models.ForeignKey(Order, models.CASCADE, related_name="refunds", verbose_name=_("sales order"))
    amount = models.DecimalField(_("amount"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    refunded_at = models.DateTimeField(_("refunded"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("order refund")
        verbose_name_plural = _("order refunds")

    def __str__(self) -> str:
        return f"{self.order} −{self.amount}"


class CreditSplit(models.Model):
    """Who shares the credit of an order or a contract, and how much (shares add up to 100)."""

    order = models.ForeignKey(Order, models.CASCADE, null=True, blank=True, related_name="splits")
    contract = models.ForeignKey(Contract, models.CASCADE, null=True, blank=True, related_name="splits")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    share = models.DecimalField(
        _("share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(order__isnull=False, contract__isnull=True)
                | Q(order__isnull=True, contract__isnull=False),
                name="sales_split_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.share}%"


# --- Commissions -------------------------------------------------------------------------


class CommissionRule(models.Model):
    """How much a person (or a dealer) earns on a sale.

    The most specific active rule applies to each order line or payment: product before
    category (nearest first) before a general rule; a rule for the earner's role before one
    for every role. ``basis`` says whether it pays on orders or on contract payments.
    """

    class Basis(models.TextChoices):
        ORDER = "order", _("orders")
        PAYMENT = "payment", _("contract payments")

    class Kind(models.TextChoices):
        PERCENTAGE = "percentage", _("percentage")
        TIERED = "tiered", _("tiered by amount")
        FIXED = "fixed", _("fixed amount")

    class Earner(models.TextChoices):
        SALESPERSON = "salesperson", _("salespeople")
        DEALER = "dealer", _("dealers")

    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    basis = models.CharField(_("paid on"), max_length=8, choices=Basis.choices, default=Basis.ORDER)
    earner = models.CharField(_("earner"), max_length=12, choices=Earner.choices, default=Earner.SALESPERSON)
    product = models.ForeignKey(
        Product, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    category = models.ForeignKey(
        ProductCategory, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("category")
    )
    role = models.ForeignKey(
        "accounts.Role", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("role")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERCENTAGE)
    rate = models.DecimalField(
        _("rate (%)"),
        max_digits=7,
        decimal_places=4,
        default=ZERO,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    fixed_amount = models.DecimalField(
        _("fixed amount"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    # Tiers: [{"from": "0", "rate": "3"}, {"from": "100000", "rate": "5"}] — progressive brackets.
    tiers = models.JSONField(_("tiers"), default=list, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("commission rule")
        verbose_name_plural = _("commission rules")

    def __str__(self) -> str:
        return self.name


class CommissionEntry(models.Model):
    """One row of the commission ledger: earned (positive) or reversed (negative)."""

    class Source(models.TextChoices):
        ORDER = "order", _("sales order")
        ORDER_REFUND = "order_refund", _("order refund")
        ORDER_CANCEL = "order_cancel", _("order cancelled")
        PAYMENT = "payment", _("payment")
        PAYMENT_REFUND = "payment_refund", _("payment refund")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="commission_entries",
        verbose_name=_("salesperson"),
    )
    dealer = models.ForeignKey(
        "customers.Dealer", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("dealer")
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    order = models.ForeignKey(Order, models.PROTECT, null=True, blank=True, related_name="commissions")
    payment = models.ForeignKey(Payment, models.PROTECT, null=True, blank=True, related_name="commissions")
    rule = models.ForeignKey(CommissionRule, models.SET_NULL, null=True, blank=True, related_name="+")
    reverses = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="reversals")
    base_amount = models.DecimalField(_("base amount"), **MONEY)
    share = models.DecimalField(_("share (%)"), max_digits=5, decimal_places=2, default=Decimal("100"))
    amount = models.DecimalField(_("commission"), **MONEY)
    occurred_on = models.DateField(_("date"))
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["occurred_on", "id"]
        verbose_name = _("commission entry")
        verbose_name_plural = _("commission ledger")
        indexes = [
            # A statement sums one person's rows of a period: on PostgreSQL the index covers
            # the summed columns, so the totals are read from the index alone.
            models.Index(
                fields=["user", "occurred_on"],
                name="commission_user_on",
                include=["source", "amount", "order"],
            ),
            models.Index(fields=["dealer", "occurred_on"], name="commission_dealer_on"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(dealer__isnull=False), name="sales_commission_earner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user or self.dealer} {self.amount}"


# --- Value tiers ---------------------------------------------------------------------------


class ValueTierSettings(models.Model):
    """How recency, frequency and monetary figures map to high / middle / low value (one row)."""

    class Method(models.TextChoices):
        THRESHOLDS = "thresholds", _("fixed thresholds")
        QUANTILES = "quantiles", _("thirds of the customers (quantiles)")

    method = models.CharField(_("method"), max_length=10, choices=Method.choices, default=Method.THRESHOLDS)
    window_days = models.PositiveIntegerField(
        _("orders of the last N days (0 = all)"), default=0, validators=[MaxValueValidator(36500)]
    )
    recency_high_days = models.PositiveIntegerField(_("recent: bought within N days"), default=90)
    recency_middle_days = models.PositiveIntegerField(_("fairly recent: within N days"), default=365)
    frequency_high = models.PositiveIntegerField(_("frequent: at least N orders"), default=5)
    frequency_middle = models.PositiveIntegerField(_("fairly frequent: at least N orders"), default=2)
    monetary_high = models.DecimalField(_("big spender: at least"), **MONEY, default=Decimal("50000"))
    monetary_middle = models.DecimalField(_("fair spender: at least"), **MONEY, default=Decimal("5000"))
    # Each of R, F and M scores 1–3; their sum (3–9) decides the tier.
    high_score = models.PositiveSmallIntegerField(
        _("high value from score"), default=7, validators=[MinValueValidator(3), MaxValueValidator(9)]
    )
    middle_score = models.PositiveSmallIntegerField(
        _("middle value from score"), default=5, validators=[MinValueValidator(3), MaxValueValidator(9)]
    )
    computed_at = models.DateTimeField(_("last recomputed"), null=True, blank=True)

    class Meta:
        verbose_name = _("value tier settings")
        verbose_name_plural = _("value tier settings")

    def __str__(self) -> str:
        return str(_("value tier settings"))

    @classmethod
    def current(cls) -> "ValueTierSettings":
        return cls.objects.order_by("pk").first() or cls.objects.create()


class CustomerValue(models.Model):
    """Each buying customer's RFM figures and tier, rewritten by the periodic recomputation."""

    customer = models.OneToOneField(
        "customers.Customer", models.CASCADE, primary_key=True, related_name="sales_value"
    )
    last_order_at = models.DateTimeField(_("last order"))
    frequency = models.PositiveIntegerField(_("orders"))
    monetary = models.DecimalField(_("spent"), **MONEY)
    r_score = models.PositiveSmallIntegerField()
    f_score = models.PositiveSmallIntegerField()
    m_score = models.PositiveSmallIntegerField()
    tier = models.CharField(_("value tier"), max_length=8)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("customer value")
        verbose_name_plural = _("customer values")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.tier}"


# --- Scope rules -----------------------------------------------------------------------------


def owner_rule(prefix: str = ""):
    def rule(user, ids):
        return None if ids is None else Q(**{f"{prefix}owner_id__in": ids})

    return rule


def customer_value_rule(user, ids):
    if ids is None:
        return None
    return Q(customer__owner_id__in=ids) | Q(
        customer_id__in=Collaborator.objects.filter(user=user).values("customer_id")
    )


def commission_rule(user, ids):
    if user.can("view_commissions"):
        return None
    return Q(user_id=user.pk)
