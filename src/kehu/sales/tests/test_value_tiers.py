"""Value tiers on a small data set, cross-checked against a direct computation in Python."""

import datetime as dt
import random
from decimal import Decimal as D

import pytest
from django.utils import timezone

from kehu.customers.models import Customer
from kehu.sales.models import CustomerValue, Order, ValueTierSettings
from kehu.sales.services import orders, value_tiers

NOW = timezone.make_aware(dt.datetime(2026, 6, 30, 12, 0))


@pytest.fixture
def history(org, catalogue):
    """25 customers with random order histories (some cancelled, some refunded), 5 without orders."""
    rng = random.Random(7)
    people = []
    for i in range(30):
        customer = Customer.objects.create(
            name=f"客户{i}", owner=org.sales_a1, created_at=NOW, updated_at=NOW
        )
        people.append(customer)
        if i >= 25:
            continue
        for _ in range(rng.randrange(1, 8)):
            at = NOW - dt.timedelta(days=rng.randrange(0, 700), hours=rng.randrange(24))
            order = orders.create_order(
                org.sales_a1,
                {
                    "customer": customer.pk,
                    "ordered_at": at,
                    "lines": [
                        {
                            "product": catalogue.laptop.pk,
                            "quantity": rng.randrange(1, 5),
                            "unit_price": str(rng.randrange(100, 9000)),
                        }
                    ],
                },
            )
            roll = rng.random()
            if roll < 0.1:
                orders.cancel_order(org.sales_a1, order)
            elif roll < 0.2:
                orders.refund_order(org.sales_a1, order, str(order.total / 2))
    # A stale tier on a customer without orders must be cleared.
    Customer.objects.filter(pk=people[-1].pk).update(value_tier="high")
    return people


def expected(conf: ValueTierSettings, now):
    agg = {}
    for o in Order.objects.filter(status="confirmed"):
        if conf.window_days and o.ordered_at < now - dt.timedelta(days=conf.window_days):
            continue
        last, freq, money = agg.get(o.customer_id, (None, 0, D(0)))
        agg[o.customer_id] = (
            max(last, o.ordered_at) if last else o.ordered_at,
            freq + 1,
            money + o.total - o.refunded,
        )
    scores = {}
    if conf.method == "thresholds":
        for cid, (last, freq, money) in agg.items():
            r = (
                3
                if last >= now - dt.timedelta(days=conf.recency_high_days)
                else (2 if last >= now - dt.timedelta(days=conf.recency_middle_days) else 1)
            )
            f = 3 if freq >= conf.frequency_high else 2 if freq >= conf.frequency_middle else 1
            m = 3 if money >= conf.monetary_high else 2 if money >= conf.monetary_middle else 1
            scores[cid] = (r, f, m)
    else:
        n = len(agg)

        def ntile(key):
            ranked = sorted(agg, key=lambda cid: (key(agg[cid]), cid))
            big, extra = divmod(n, 3)
            out, i = {}, 0
            for bucket in (1, 2, 3):
                size = big + (1 if bucket <= extra else 0)
                for cid in ranked[i : i + size]:
                    out[cid] = bucket
                i += size
            return out

        r, f, m = ntile(lambda v: v[0]), ntile(lambda v: v[1]), ntile(lambda v: v[2])
        scores = {cid: (r[cid], f[cid], m[cid]) for cid in agg}
    tiers = {}
    for cid, (r, f, m) in scores.items():
        total = r + f + m
        tiers[cid] = "high" if total >= conf.high_score else "middle" if total >= conf.middle_score else "low"
    return agg, scores, tiers


@pytest.mark.parametrize("method", ["thresholds", "quantiles"])
def test_recompute_matches_direct_computation(history, method):
    conf = ValueTierSettings.current()
    conf.method = method
    conf.monetary_high, conf.monetary_middle = D("30000"), D("8000")
    conf.save()
    result = value_tiers.recompute(NOW)
    agg, scores, tiers = expected(conf, NOW)
    assert result["valued"] == len(agg) == 25
    values = {v.customer_id: v for v in CustomerValue.objects.all()}
    assert set(values) == set(agg)
    for cid, (last, freq, money) in agg.items():
        v = values[cid]
        assert (v.frequency, v.monetary, v.last_order_at) == (freq, money, last), cid
        assert (v.r_score, v.f_score, v.m_score) == scores[cid], cid
        assert v.tier == tiers[cid]
    customer_tiers = dict(Customer.objects.values_list("pk", "value_tier"))
    for customer in history:
        assert customer_tiers[customer.pk] == tiers.get(customer.pk, ""), customer.name
    assert len(set(tiers.values())) > 1  # the data set spreads over tiers
    # A second run changes nothing.
    assert value_tiers.recompute(NOW)["changed"] == 0


def test_window_excludes_old_orders(history):
    conf = ValueTierSettings.current()
    conf.window_days = 180
    conf.save()
    value_tiers.recompute(NOW)
    agg, _, tiers = expected(conf, NOW)
    assert CustomerValue.objects.count() == len(agg) < 25
    assert dict(CustomerValue.objects.values_list("customer_id", "tier")) == tiers


def test_settings_are_validated(org):
    from kehu.core.errors import Forbidden, ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        value_tiers.save_settings(org.manager_east, {"monetary_high": D("10"), "monetary_middle": D("100")})
    assert "monetary_high" in exc.value.fields
    with pytest.raises(Forbidden):
        value_tiers.save_settings(org.sales_a1, {"method": "quantiles"})


def test_periodic_task_recomputes(history):
    from kehu.sales import tasks

    tasks.nightly_value_tiers.call_local()
    assert CustomerValue.objects.count() == 25
    assert ValueTierSettings.current().computed_at is not None


def test_later_runs_write_only_what_changed(history, org):
    value_tiers.recompute(NOW)
    conf = ValueTierSettings.current()
    # A customer's tier changed behind the service's back is repaired by a full run only.
    stale = history[0]
    Customer.objects.filter(pk=stale.pk).update(value_tier="")
    assert value_tiers.recompute(NOW)["changed"] == 0
    assert value_tiers.recompute(NOW, full=True)["changed"] == 1
    # Cancelling every order of a customer removes their figures and their tier.
    buyer = Customer.objects.exclude(value_tier="").first()
    for order in Order.objects.filter(customer=buyer, status="confirmed"):
        orders.cancel_order(org.sales_a1, order)
    result = value_tiers.recompute(NOW)
    assert result["changed"] == 1 and not CustomerValue.objects.filter(customer=buyer).exists()
    buyer.refresh_from_db()
    assert buyer.value_tier == ""
    # Everything still matches a direct computation.
    _, _, tiers = expected(conf, NOW)
    assert dict(CustomerValue.objects.values_list("customer_id", "tier")) == tiers
    assert dict(Customer.objects.exclude(value_tier="").values_list("pk", "value_tier")) == tiers
