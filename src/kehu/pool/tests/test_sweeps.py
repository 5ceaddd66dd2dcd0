import datetime as dt

import pytest
from django.utils import timezone

from kehu.activities.signals import follow_up_recorded
from kehu.core import clock
from kehu.core.errors import Conflict
from kehu.leads.models import Lead
from kehu.pool import services
from kehu.pool.models import OwnershipEvent, SweepRun, Tenure
from kehu.pool.services import sweeps

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))
H = dt.timedelta(hours=1)


def test_expired_lead_returns_to_pool_once_with_cooling_off(org, make_lead, lead_pool):
    with clock.frozen(T0):
        a = make_lead(lead_pool, grade="A")  # follow-up within 24 h
        b = make_lead(lead_pool, grade="A")
        services.claim(org.sales_a1, a)
        services.claim(org.sales_a1, b)
    with clock.frozen(T0 + 2 * H):
        follow_up_recorded.send(sender=None, follow_up=None, lead_id=b.pk, customer_id=None, at=clock.now())
    with clock.frozen(T0 + 23 * H):
        assert sweeps.reclaim_expired().done == 0
    with clock.frozen(T0 + 25 * H):
        report = sweeps.reclaim_expired(batch_size=1)
        assert report.done == 1 and not report.failures
        # Second run changes nothing.
        assert sweeps.reclaim_expired().done == 0
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.owner is None and a.status == Lead.Status.IN_POOL
    assert b.owner == org.sales_a1 and b.status == Lead.Status.FOLLOWING
    event = OwnershipEvent.objects.filter(lead=a).first()
    assert (event.kind, event.from_user, event.data["cause"]) == ("reclaim", org.sales_a1, "follow_up")
    assert org.sales_a1.notifications.filter(kind="pool_reclaimed").count() == 1
    assert SweepRun.objects.filter(name="reclaim").first().done == 0
    with clock.frozen(T0 + 26 * H):
        with pytest.raises(Conflict) as refused:
            services.claim(org.sales_a1, a)
        assert refused.value.code == "cooling_off"
        services.claim(org.sales_a2, a)


def test_conversion_deadline_after_follow_up(org, make_lead, lead_pool):
    with clock.frozen(T0):
        lead = make_lead(lead_pool, grade="A")  # convert within 14 days
        services.claim(org.sales_a1, lead)
    with clock.frozen(T0 + H):
        services.record_follow_up(lead_id=lead.pk)
    tenure = Tenure.objects.get(lead=lead)
    assert tenure.due == T0 + dt.timedelta(days=14)
    with clock.frozen(T0 + dt.timedelta(days=14, minutes=1)):
        assert sweeps.reclaim_expired().done == 1
    assert OwnershipEvent.objects.filter(lead=lead).first().data["cause"] == "conversion"


def test_escalating_reminders(org, make_lead, lead_pool):
    lead_pool.remind_owner_hours = 6
    lead_pool.remind_manager_hours = 2
    lead_pool.save()
    with clock.frozen(T0):
        lead = make_lead(lead_pool, grade="A")
        services.claim(org.sales_b, lead)  # team B has no leader: the East manager is told
    with clock.frozen(T0 + 17 * H):
        assert sweeps.send_reminders().done == 0
    with clock.frozen(T0 + 19 * H):
        assert sweeps.send_reminders().done == 1
        assert sweeps.send_reminders().done == 0
    assert org.sales_b.notifications.filter(kind="pool_due_follow_up").count() == 1
    with clock.frozen(T0 + 23 * H):
        sweeps.send_reminders()
        sweeps.send_reminders()
    late = org.manager_east.notifications.filter(kind="pool_late_follow_up")
    assert late.count() == 1 and late[0].level == "strong"
    assert "sales_b" in str(late[0])


def test_reassign_on_expiry_through_hook(org, make_lead, lead_pool):
    lead_pool.on_expiry = "reassign"
    lead_pool.save()
    saved = list(services.reassigners)  # the assignment app's hook stays registered after
    services.reassigners[:] = [lambda obj, previous, actor: org.sales_a2]
    try:
        with clock.frozen(T0):
            lead = make_lead(lead_pool, grade="A")
            services.claim(org.sales_a1, lead)
        with clock.frozen(T0 + 25 * H):
            assert sweeps.reclaim_expired().done == 1
    finally:
        services.reassigners[:] = saved
    lead.refresh_from_db()
    assert lead.owner == org.sales_a2
    kinds = list(OwnershipEvent.objects.filter(lead=lead).values_list("kind", flat=True))
    assert kinds[:2] == ["assign", "reclaim"]


def test_failures_are_reported_not_swallowed(org, make_lead, lead_pool, monkeypatch):
    with clock.frozen(T0):
        good, bad = make_lead(lead_pool, grade="A"), make_lead(lead_pool, grade="A")
        services.claim(org.sales_a1, good)
        services.claim(org.sales_a1, bad)
    bad_tenure = Tenure.objects.get(lead=bad).pk
    real_one = sweeps._reclaim_one

    def failing_batch(*args, **kwargs):
        raise RuntimeError("batch broke")

    def one(row, now):
        if row["pk"] == bad_tenure:
            raise RuntimeError("this row is broken")
        return real_one(row, now)

    monkeypatch.setattr(sweeps, "_reclaim_batch", failing_batch)
    monkeypatch.setattr(sweeps, "_reclaim_one", one)
    with clock.frozen(T0 + 25 * H):
        report = sweeps.reclaim_expired()
    assert report.done == 1
    assert [f["id"] for f in report.failures] == [bad_tenure]
    run = SweepRun.objects.get(name="reclaim")
    assert run.failed == 1 and "this row is broken" in run.failures[0]["error"]
    good.refresh_from_db()
    assert good.owner is None


def test_customer_not_followed_up_goes_back_to_the_customer_pool(org, customer_pool):
    from kehu.customers.models import Customer
    from kehu.pool.tasks import pool_reclaim

    day = dt.timedelta(days=1)
    with clock.frozen(T0):
        customer = Customer.objects.create(name="久未联系客户", created_at=T0, updated_at=T0)
        services.send_to_pool(customer, customer_pool)
        services.claim(org.sales_a1, customer)
    # The seeded customer pool wants a follow-up at least every 30 days.
    with clock.frozen(T0 + 10 * day):
        follow_up_recorded.send(
            sender=None, follow_up=None, lead_id=None, customer_id=customer.pk, at=clock.now()
        )
    with clock.frozen(T0 + 35 * day):
        assert pool_reclaim.call_local() == {"done": 0, "failed": 0}
    with clock.frozen(T0 + 41 * day):
        assert pool_reclaim.call_local() == {"done": 1, "failed": 0}
    customer.refresh_from_db()
    assert customer.owner is None
    event = OwnershipEvent.objects.filter(customer=customer).first()
    assert (event.kind, event.from_user) == ("reclaim", org.sales_a1)
    # The customer pool's 30-day cooling-off and 24-hour hold apply.
    with clock.frozen(T0 + 41 * day + dt.timedelta(hours=1)):
        with pytest.raises(Conflict) as refused:
            services.claim(org.sales_a2, customer)
        assert refused.value.code == "on_hold"
    with clock.frozen(T0 + 43 * day):
        with pytest.raises(Conflict) as refused:
            services.claim(org.sales_a1, customer)
        assert refused.value.code == "cooling_off"
        services.claim(org.sales_a2, customer)


def test_reminder_task_runs(org, make_lead, lead_pool):
    from kehu.pool.tasks import pool_reminders

    with clock.frozen(T0):
        lead = make_lead(lead_pool, grade="A")
        services.claim(org.sales_a1, lead)
    with clock.frozen(T0 + 1 * H):
        assert pool_reminders.call_local() == {"done": 1, "failed": 0}  # 24 h before: owner told


def test_closed_customers_stay_with_their_owner(org, customer_pool):
    from kehu.customers.models import Customer

    with clock.frozen(T0):
        customer = Customer.objects.create(name="已成交客户", created_at=T0, updated_at=T0)
        services.send_to_pool(customer, customer_pool)
        services.claim(org.sales_a1, customer)
    Customer.objects.filter(pk=customer.pk).update(type=Customer.Type.CLOSED)
    with clock.frozen(T0 + dt.timedelta(days=200)):
        assert sweeps.reclaim_expired().done == 0
    customer.refresh_from_db()
    assert customer.owner == org.sales_a1
