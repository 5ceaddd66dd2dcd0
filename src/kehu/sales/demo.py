"""Demo sales data: a product catalogue, commission rules, and for a share of the demo
customers opportunities across the stages, contracts with payment plans and receipts, and
orders (some through dealers, some cancelled or refunded). Written through the services, so
commissions, timelines and totals are what real use would produce. Idempotent: tops up to
one buying customer in four.
"""

import datetime as dt
import random
from decimal import ROUND_DOWN, Decimal

from django.db import transaction

from kehu.accounts.models import Role
from kehu.core import clock
from kehu.customers.models import Customer, Dealer, LostReason

from .models import CommissionRule, Contract, Opportunity, Order, Product, ProductCategory, Stage
from .services import contracts, opportunities, orders, value_tiers

CATALOGUE = {
    ("办公设备", None): [
        ("OF-LT14", "商务笔记本 14 英寸", "台", "5999"),
        ("OF-PR01", "激光打印机", "台", "1899"),
        ("OF-MN27", "27 英寸显示器", "台", "1599"),
    ],
    ("网络设备", "办公设备"): [
        ("NW-SW24", "24 口交换机", "台", "2299"),
        ("NW-AP6", "无线接入点 Wi-Fi 6", "个", "899"),
    ],
    ("软件", None): [
        ("SW-CRM", "客户管理软件（年）", "套", "12000"),
        ("SW-ERP", "进销存软件（年）", "套", "18000"),
        ("SW-SEC", "终端安全软件（年）", "套", "300"),
    ],
    ("服务", None): [
        ("SV-INST", "上门安装调试", "次", "500"),
        ("SV-MAINT", "年度维保服务", "年", "3600"),
        ("SV-TRAIN", "使用培训（半天）", "次", "1500"),
    ],
}


# Enough for every salesperson's pipeline and two years of charts. Each buying customer goes
# through the real services (orders, commissions, contracts, timeline, audit: ≈ 30 ms), so
# this, not the number of customers, sets the time this part takes.
MAX_BUYING = 1000


def _catalogue() -> list[Product]:
    categories = {}
    for (name, parent), products in CATALOGUE.items():
        category, _ = ProductCategory.objects.get_or_create(name=name, parent=categories.get(parent))
        categories[name] = category
        for code, pname, unit, price in products:
            Product.objects.get_or_create(
                code=code,
                defaults={"name": pname, "unit": unit, "price": Decimal(price), "category": category},
            )
    if not CommissionRule.objects.exists():
        software = categories["软件"]
        manager = Role.objects.filter(code="sales_manager").first()
        CommissionRule.objects.bulk_create(
            [
                CommissionRule(name="订单通用 3%", kind="percentage", rate=Decimal("3")),
                CommissionRule(
                    name="软件阶梯提成",
                    kind="tiered",
                    category=software,
                    tiers=[
                        {"from": "0", "rate": "5"},
                        {"from": "50000", "rate": "8"},
                        {"from": "200000", "rate": "10"},
                    ],
                ),
                CommissionRule(name="主管订单 1%", kind="percentage", rate=Decimal("1"), role=manager),
                CommissionRule(
                    name="安装服务每次 50 元",
                    kind="fixed",
                    fixed_amount=Decimal("50"),
                    product=Product.objects.get(code="SV-INST"),
                ),
                CommissionRule(name="经销商返点 8%", kind="percentage", rate=Decimal("8"), earner="dealer"),
                CommissionRule(name="合同回款 2%", kind="percentage", rate=Decimal("2"), basis="payment"),
            ]
        )
    return list(Product.objects.filter(active=True))


def _customer_sales(rng: random.Random, customer: Customer, products, stages, dealers, reasons, now) -> None:
    owner = customer.owner
    # Orders over the last two years.
    for _ in range(rng.choice((1, 1, 2, 3, 4, 6))):
        at = now - dt.timedelta(days=rng.randrange(0, 720), hours=rng.randrange(0, 10))
        lines = [
            {"product": p.pk, "quantity": rng.choice((1, 1, 2, 3, 5, 10))}
            for p in rng.sample(products, k=rng.choice((1, 1, 2, 3)))
        ]
        dealer = rng.choice(dealers).pk if dealers and rng.random() < 0.15 else None
        with clock.frozen(at):
            order = orders.create_order(
                owner,
                {
                    "customer": customer.pk,
                    "ordered_at": at,
                    "lines": lines,
                    "dealer": dealer,
                    "owner": owner.pk,
                },
            )
            roll = rng.random()
            if roll < 0.05:
                orders.cancel_order(owner, order, "客户取消")
            elif roll < 0.1:
                orders.refund_order(owner, order, (order.total / 4).quantize(Decimal("0.01")), "部分退货")
    # An opportunity somewhere in the pipeline.
    stage = rng.choice(stages)
    opp = opportunities.create_opportunity(
        owner,
        {
            "name": f"{customer.name[:20]} {rng.choice(('年度采购', '系统升级', '扩容项目', '维保续约'))}",
            "customer": customer.pk,
            "amount": rng.choice((8000, 20000, 56000, 120000, 300000)),
            "expected_close": (now + dt.timedelta(days=rng.randrange(-20, 120))).date(),
        },
    )
    if stage.pk != opp.stage_id:
        opportunities.move(
            owner, opp, stage.pk, rng.choice(reasons).pk if stage.is_lost and reasons else None
        )
    # Won deals have a contract with a payment plan, partly paid.
    if stage.is_won:
        amount = opp.amount
        third = (amount / 3).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        parts = [third, third, amount - 2 * third]
        signed = (now - dt.timedelta(days=rng.randrange(10, 300))).date()
        contract = contracts.create_contract(
            owner,
            {
                "number": f"HT{signed:%Y%m}-{customer.pk:06d}",
                "title": opp.name,
                "customer": customer.pk,
                "opportunity": opp.pk,
                "amount": amount,
                "status": Contract.Status.ACTIVE,
                "signed_on": signed,
                "starts_on": signed,
                "ends_on": signed + dt.timedelta(days=365),
                "plans": [
                    {"due_on": signed + dt.timedelta(days=90 * i), "amount": parts[i]} for i in range(3)
                ],
            },
        )
        paid = rng.choice((0, 1, 1, 2, 3))
        for i in range(paid):
            contracts.record_payment(
                owner,
                contract,
                {"amount": parts[i], "received_on": signed + dt.timedelta(days=90 * i + 5)},
            )


def load(options) -> None:
    products = _catalogue()
    stages = list(Stage.objects.filter(active=True))
    dealers = list(Dealer.objects.filter(active=True))
    reasons = list(LostReason.objects.filter(active=True))
    target = min(options.customers // 4, MAX_BUYING)
    buying = set(Order.objects.values_list("customer_id", flat=True).distinct())
    missing = target - len(buying)
    if missing <= 0:
        options.say(f"Sales records already present for {len(buying)} customers.")
        return
    candidates = list(
        Customer.objects.filter(owner__isnull=False, owner__is_active=True)
        .exclude(pk__in=buying)
        .select_related("owner")
        .order_by("pk")[: missing * 2]
    )
    rng = random.Random(options.seed * 7919 + len(buying))
    chosen = rng.sample(candidates, k=min(missing, len(candidates)))
    now = clock.now()
    with options.progress("sales", len(chosen)) as advance:
        for customer in chosen:
            with transaction.atomic():
                _customer_sales(rng, customer, products, stages, dealers, reasons, now)
            advance(1)
    result = value_tiers.recompute()
    options.say(
        f"Sales records for {len(chosen)} more customers ({Opportunity.objects.count()} opportunities, "
        f"{Order.objects.count()} orders); value tiers for {result['valued']} customers."
    )
