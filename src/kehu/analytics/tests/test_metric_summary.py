"""The daily metric summary (kehu.core.metrics): stored closed days + live rest = live.

The leaderboard report and the leaderboard assignment strategy both read metrics through
``metrics.compute``; once ``metrics.refresh`` has stored the closed days, every figure must
still equal the metric's own live computation over the whole period.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kehu.activities.models import FollowUp
from kehu.analytics.reports import leaderboard
from kehu.core import clock, metrics
from kehu.core.models import MetricCoverage, MetricDay
from kehu.core.tasks import refresh_metric_summaries
from kehu.sales.models import Contract, Order, Payment

from .conftest import NOW
from .test_reports import JUNE

SUMMED = ["claims", "activity", "lead_conversions", "contract_amount", "payments", "sales_amount"]


def local(month, day, hour=0, minute=0):
    return timezone.make_aware(dt.datetime(2026, month, day, hour, minute))


# Day-aligned and ragged periods: whole months, the assignment strategy's "last 30 days
# from now" (starts mid-day), a period ending mid-day, one inside a single day, one in UTC.
PERIODS = [
    (JUNE.start_at, JUNE.end_at),
    (local(5, 1), local(7, 1)),
    (NOW - dt.timedelta(days=30), NOW),
    (local(5, 3, 13, 30), local(6, 17, 9, 45)),
    (local(6, 10, 8), local(6, 10, 18)),
    (dt.datetime(2026, 5, 20, 22, 0, tzinfo=dt.UTC), dt.datetime(2026, 6, 21, 3, 0, tzinfo=dt.UTC)),
]


@pytest.fixture
def repeat_orders(dataset):
    """Repeat business spread over May and June (the base data set orders within days)."""
    org = dataset.org
    owners = [org.sales_a1, org.sales_a2, org.sales_b, org.sales_south]
    made = 0
    for n, customer in enumerate(dataset.customers):
        for k, days in enumerate((6, 13, 27, 44)):
            at = customer.created_at + dt.timedelta(days=days, hours=n % 7)
            if at >= NOW:
                continue
            Order.objects.create(
                number=f"R-{n}-{k}",
                customer=customer,
                owner=owners[(n + k) % len(owners)],
                ordered_at=at,
                total=Decimal(500 + n),
                cancelled_at=at if (n + k) % 6 == 0 else None,
                status="cancelled" if (n + k) % 6 == 0 else "confirmed",
                created_at=at,
            )
            made += 1
    assert made > 20
    return dataset


def everyone(dataset):
    org = dataset.org
    return [u.pk for u in (org.sales_a1, org.sales_a2, org.sales_b, org.sales_south, org.manager_east)]


def live(code, ids, start, end):
    values = metrics.get(code).compute(ids, start, end)
    return {pk: float(values.get(pk, 0)) for pk in ids}


ALL = [*SUMMED, "renewals"]


def test_the_six_additive_metrics_are_summable_and_renewals_keeps_its_own_summary(db):
    assert {code for code, m in metrics.METRICS.items() if m.days} == set(SUMMED)
    renewals = metrics.get("renewals")
    assert renewals.days is None and renewals.rebuild is not None
    assert [part.code for part in renewals.parts] == ["renewals.orders"]


@pytest.mark.parametrize("today", [dt.date(2026, 6, 30), dt.date(2026, 6, 12), dt.date(2026, 5, 2)])
def test_summary_plus_live_equals_live(repeat_orders, today):
    dataset = repeat_orders
    """Refreshed up to different days (so the live tail is a day, weeks, or nearly all)."""
    ids = everyone(dataset)
    expected = {(code, n): live(code, ids, *period) for code in ALL for n, period in enumerate(PERIODS)}
    written = metrics.refresh(today=today)
    assert set(written) == {*ALL, "renewals.orders"} and sum(written.values()) > 0
    assert not MetricDay.objects.filter(day__gte=today).exists()
    for (code, n), values in expected.items():
        got = metrics.compute(code, ids, *PERIODS[n])
        assert got == pytest.approx(values), (code, PERIODS[n])
    assert any(any(v for v in values.values()) for values in expected.values())


def test_closed_days_come_from_the_summary(dataset, monkeypatch):
    """A period of closed days is answered from the stored days alone (no live query)."""
    ids = everyone(dataset)
    expected = {code: live(code, ids, JUNE.start_at, local(6, 29)) for code in SUMMED}
    metrics.refresh()
    assert MetricCoverage.objects.get(metric="activity").covered_until == clock.today() == NOW.date()
    calls = []
    for code in SUMMED:
        metric = metrics.get(code)

        def spy(*args, metric=metric, **kwargs):
            calls.append((metric.code, args[1:]))
            return metric.compute(*args, **kwargs)

        monkeypatch.setitem(metrics.METRICS, code, metrics.Metric(code, metric.label, spy, days=metric.days))
    for code in SUMMED:
        assert metrics.compute(code, ids, JUNE.start_at, local(6, 29)) == pytest.approx(expected[code])
    assert calls == []
    # The open day (June 30, after the refresh) is live: only that part is computed.
    metrics.compute("activity", ids, JUNE.start_at, JUNE.end_at)
    assert calls == [("activity", (local(6, 30), JUNE.end_at))]


def test_stored_days_are_as_of_the_refresh_and_the_next_refresh_catches_up(dataset):
    """Changes to closed days show after the next refresh (like the analytics summaries)."""
    org = dataset.org
    ids = [org.sales_a1.pk]
    metrics.refresh()
    before = metrics.compute("activity", ids, JUNE.start_at, JUNE.end_at)[org.sales_a1.pk]
    lead = dataset.leads[0]
    FollowUp.objects.create(lead=lead, author=org.sales_a1, content="补记", at=local(6, 5, 9), created_at=NOW)
    assert metrics.compute("activity", ids, JUNE.start_at, JUNE.end_at)[org.sales_a1.pk] == before
    refresh_metric_summaries.call_local()
    assert metrics.compute("activity", ids, JUNE.start_at, JUNE.end_at)[org.sales_a1.pk] == before + 1
    assert live("activity", ids, JUNE.start_at, JUNE.end_at)[org.sales_a1.pk] == before + 1
    # Today's follow-ups count at once: today is never stored.
    today = NOW - dt.timedelta(hours=1)
    FollowUp.objects.create(lead=lead, author=org.sales_a1, content="今天", at=today, created_at=NOW)
    assert metrics.compute("activity", ids, JUNE.start_at, JUNE.end_at)[org.sales_a1.pk] == before + 2


def test_refresh_rebuilds_rather_than_adds(dataset):
    metrics.refresh()
    rows = MetricDay.objects.count()
    totals = {code: metrics.compute(code, everyone(dataset), JUNE.start_at, JUNE.end_at) for code in SUMMED}
    metrics.refresh()
    assert MetricDay.objects.count() == rows
    again = {code: metrics.compute(code, everyone(dataset), JUNE.start_at, JUNE.end_at) for code in SUMMED}
    assert again == totals


def test_money_metrics_keep_their_cents(dataset):
    contract = Contract.objects.filter(status="active").order_by("pk").first()
    owner = contract.owner
    Payment.objects.create(
        contract=contract, amount=Decimal("0.07"), received_on=dt.date(2026, 6, 3), created_at=NOW
    )
    Order.objects.create(
        number="T-cents",
        customer=contract.customer,
        owner=owner,
        ordered_at=local(6, 3, 11),
        total=Decimal("10.33"),
        refunded=Decimal("0.01"),
        created_at=NOW,
    )
    ids = [owner.pk]
    expected = {code: live(code, ids, JUNE.start_at, JUNE.end_at) for code in ("payments", "sales_amount")}
    metrics.refresh()
    for code, values in expected.items():
        assert metrics.compute(code, ids, JUNE.start_at, JUNE.end_at) == pytest.approx(values, abs=1e-6)


def test_leaderboard_report_says_as_of_when_it_reads_the_summary(dataset):
    from kehu.analytics import services
    from kehu.analytics.reports.base import Filters

    report = services.run("leaderboard", dataset.org.manager_east, JUNE, Filters())
    assert report["as_of"] is None  # no summary yet: every figure is live
    before = {row["user_id"]: row for row in report["rows"]}
    metrics.refresh()
    report = services.run("leaderboard", dataset.org.manager_east, JUNE, Filters())
    assert report["as_of"] == NOW
    after = {row["user_id"]: row for row in report["rows"]}
    for pk, row in before.items():
        for code, _label in leaderboard.columns():
            assert after[pk][code] == pytest.approx(row[code])


def test_renewals_reads_its_summary_before_the_cutoff(repeat_orders, monkeypatch):
    dataset = repeat_orders
    """Before the refresh's cutoff no per-order EXISTS runs; after it only the tail does."""
    from kehu.assignment import metrics as assignment_metrics
    from kehu.assignment.models import CustomerFirstOrder
    from kehu.sales.models import Order

    ids = everyone(dataset)
    expected = {n: live("renewals", ids, *period) for n, period in enumerate(PERIODS)}
    # June, the last 30 days and the ragged May–June period all have repeat orders.
    assert all(any(expected[n].values()) for n in (0, 2, 3, 5))
    metrics.refresh(today=dt.date(2026, 6, 20))
    cutoff = local(6, 20)
    first = {}
    for order in Order.objects.filter(cancelled_at__isnull=True, ordered_at__lt=cutoff):
        first[order.customer_id] = min(first.get(order.customer_id, order.ordered_at), order.ordered_at)
    assert dict(CustomerFirstOrder.objects.values_list("customer_id", "first_at")) == first
    calls = []
    real = assignment_metrics._repeat_orders

    def spy(Order, ids, start, end, before):
        calls.append((start, end, before))
        return real(Order, ids, start, end, before)

    monkeypatch.setattr(assignment_metrics, "_repeat_orders", spy)
    assert metrics.compute("renewals", ids, local(5, 3, 13, 30), local(6, 17, 9, 45)) == pytest.approx(
        expected[3]
    )
    assert calls == []
    for n, period in enumerate(PERIODS):
        assert metrics.compute("renewals", ids, *period) == pytest.approx(expected[n]), period
    assert all(start == cutoff for start, _end, _before in calls)


def test_one_stored_row_per_metric_person_and_day_on_every_database(dataset):
    """The unique constraint exists on PostgreSQL and, as a plain unique index, on SQLite."""
    from django.db import IntegrityError, transaction

    user = dataset.org.sales_a1
    MetricDay.objects.create(metric="claims", user=user, day=dt.date(2026, 6, 1), value=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        MetricDay.objects.create(metric="claims", user=user, day=dt.date(2026, 6, 1), value=2)
