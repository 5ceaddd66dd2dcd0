"""Commission arithmetic: percentage, tiers, fixed, specificity, splits, dealers, reversals."""

from decimal import Decimal as D

import pytest

from kehu.core.errors import ValidationFailed
from kehu.sales.models import CommissionEntry, CommissionRule, Contract
from kehu.sales.services import commissions, contracts, orders


def rule(**kw):
    kw.setdefault("name", "r")
    return CommissionRule.objects.create(**kw)


def net(**filters):
    return sum((e.amount for e in CommissionEntry.objects.filter(**filters)), D(0))


def order(org, customers, catalogue, lines, **extra):
    data = {"customer": customers.mine.pk, "lines": lines, **extra}
    return orders.create_order(org.sales_a1, data)


def test_tiered_brackets_are_progressive():
    tiers = [{"from": "0", "rate": "2"}, {"from": "10000", "rate": "5"}, {"from": "50000", "rate": "10"}]
    assert commissions.tiered(D("5000"), tiers) == D("100")
    # 10000×2% + 40000×5% + 10000×10%
    assert commissions.tiered(D("60000"), tiers) == D("200") + D("2000") + D("1000")
    assert commissions.tiered(D("0"), tiers) == 0


def test_percentage_on_order_lines_with_most_specific_rule(org, customers, catalogue):
    rule(kind="percentage", rate=D("1"))  # general
    rule(kind="percentage", rate=D("3"), category=catalogue.hardware)
    rule(kind="percentage", rate=D("4"), category=catalogue.laptops)
    rule(kind="fixed", fixed_amount=D("50"), product=catalogue.support)
    o = order(
        org,
        customers,
        catalogue,
        [
            {"product": catalogue.laptop.pk, "quantity": 2},  # 10000 at 4 % (nearest category)
            {"product": catalogue.cable.pk, "quantity": 10, "unit_price": "9.99"},  # 99.90 at 3 %
            {"product": catalogue.support.pk, "quantity": 3},  # fixed 50 per unit
        ],
    )
    assert o.total == D("10000") + D("99.90") + D("3600")
    amounts = sorted(e.amount for e in CommissionEntry.objects.filter(order=o, user=org.sales_a1))
    assert amounts == sorted([D("400.00"), D("3.00"), D("150.00")])  # 99.90 × 3 % = 2.997 → 3.00


def test_role_specific_rule_beats_general_one(org, customers, catalogue):
    rule(kind="percentage", rate=D("1"))
    rule(kind="percentage", rate=D("2"), role=org.roles["salesperson"])
    o = order(org, customers, catalogue, [{"product": catalogue.support.pk, "quantity": 1}])
    assert net(order=o, user=org.sales_a1) == D("24.00")


def test_tiered_rule_with_split_takes_brackets_on_the_whole_sale(org, customers, catalogue):
    rule(kind="tiered", tiers=[{"from": "0", "rate": "1"}, {"from": "5000", "rate": "5"}])
    o = order(
        org,
        customers,
        catalogue,
        [{"product": catalogue.laptop.pk, "quantity": 2}],
        splits=[{"user": org.sales_a1.pk, "share": 60}, {"user": org.sales_a2.pk, "share": 40}],
    )
    full = D("5000") * D("0.01") + D("5000") * D("0.05")  # 300
    assert net(order=o, user=org.sales_a1) == full * D("0.6")
    assert net(order=o, user=org.sales_a2) == full * D("0.4")


def test_splits_must_add_up_to_100(org, customers, catalogue):
    with pytest.raises(ValidationFailed) as exc:
        order(
            org,
            customers,
            catalogue,
            [{"product": catalogue.laptop.pk, "quantity": 1}],
            splits=[{"user": org.sales_a1.pk, "share": 60}, {"user": org.sales_a2.pk, "share": 30}],
        )
    assert "splits" in exc.value.fields


def test_dealer_commission_and_salesperson_both_earn(org, customers, catalogue):
    rule(kind="percentage", rate=D("2"))
    rule(kind="percentage", rate=D("8"), earner="dealer")
    o = order(
        org,
        customers,
        catalogue,
        [{"product": catalogue.laptop.pk, "quantity": 1}],
        dealer=catalogue.dealer.pk,
        owner=org.sales_a1.pk,
    )
    assert net(order=o, dealer=catalogue.dealer) == D("400.00")
    assert net(order=o, user=org.sales_a1) == D("100.00")


def test_dealer_only_order_has_no_salesperson(org, customers, catalogue):
    rule(kind="percentage", rate=D("8"), earner="dealer")
    o = orders.create_order(
        org.sales_a1,
        {
            "customer": customers.mine.pk,
            "owner": None,
            "dealer": catalogue.dealer.pk,
            "lines": [{"product": catalogue.support.pk, "quantity": 1}],
        },
    )
    assert o.owner is None
    assert CommissionEntry.objects.filter(order=o).count() == 1
    assert net(order=o, dealer=catalogue.dealer) == D("96.00")


def test_cancellation_reverses_everything(org, customers, catalogue):
    rule(kind="percentage", rate=D("3"))
    o = order(org, customers, catalogue, [{"product": catalogue.laptop.pk, "quantity": 1}])
    assert net(user=org.sales_a1) == D("150.00")
    orders.cancel_order(org.sales_a1, o, "客户取消")
    assert net(user=org.sales_a1) == 0
    reversal = CommissionEntry.objects.get(source=CommissionEntry.Source.ORDER_CANCEL)
    assert reversal.amount == D("-150.00") and reversal.reverses.order_id == o.pk


def test_partial_refunds_reverse_in_proportion_without_drift(org, customers, catalogue):
    rule(kind="percentage", rate=D("3.3333"))
    o = order(
        org, customers, catalogue, [{"product": catalogue.cable.pk, "quantity": 7, "unit_price": "1.01"}]
    )
    earned = net(user=org.sales_a1)
    assert earned == D("0.24")  # 7.07 × 3.3333 % = 0.2357
    orders.refund_order(org.sales_a1, o, "2.00")
    orders.refund_order(org.sales_a1, o, "2.00")
    orders.refund_order(org.sales_a1, o, "3.07")
    assert net(user=org.sales_a1) == 0
    with pytest.raises(ValidationFailed):
        orders.refund_order(org.sales_a1, o, "0.01")


def test_cancel_after_partial_refund_reverses_the_rest(org, customers, catalogue):
    rule(kind="percentage", rate=D("10"))
    o = order(org, customers, catalogue, [{"product": catalogue.support.pk, "quantity": 1}])
    orders.refund_order(org.sales_a1, o, "200")
    assert net(user=org.sales_a1) == D("100.00")
    orders.cancel_order(org.sales_a1, o)
    assert net(user=org.sales_a1) == 0


def test_payment_commissions_and_refund(org, customers):
    rule(kind="percentage", rate=D("5"), basis="payment")
    rule(kind="percentage", rate=D("50"))  # an order rule: must not apply to payments
    contract = contracts.create_contract(
        org.sales_a1,
        {
            "number": "HT-1",
            "title": "年度合同",
            "customer": customers.mine.pk,
            "amount": "100000",
            "status": Contract.Status.ACTIVE,
            "splits": [{"user": org.sales_a1.pk, "share": 75}, {"user": org.sales_a2.pk, "share": 25}],
        },
    )
    payment = contracts.record_payment(org.finance, contract, {"amount": "40000"})
    assert net(user=org.sales_a1) == D("1500.00") and net(user=org.sales_a2) == D("500.00")
    contracts.refund_payment(org.finance, payment, {"amount": "10000"})
    assert net(user=org.sales_a1) == D("1125.00") and net(user=org.sales_a2) == D("375.00")
    contract.refresh_from_db()
    assert contract.received == D("30000")


def test_rules_are_validated(org, catalogue):
    with pytest.raises(ValidationFailed) as exc:
        commissions.save_rule(
            org.finance, {"name": "x", "kind": "tiered", "tiers": [{"from": "100", "rate": "2"}]}
        )
    assert "tiers" in exc.value.fields
    with pytest.raises(ValidationFailed):
        commissions.save_rule(
            org.finance, {"name": "x", "basis": "payment", "product": catalogue.laptop.pk, "rate": 1}
        )
    saved = commissions.save_rule(org.finance, {"name": "ok", "kind": "percentage", "rate": "2.5"})
    assert saved.rate == D("2.5")
