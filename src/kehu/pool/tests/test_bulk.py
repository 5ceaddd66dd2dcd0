import datetime as dt

from django.utils import timezone

from kehu.core import clock
from kehu.leads.models import Lead
from kehu.messaging.models import Notification
from kehu.pool import services
from kehu.pool.models import Limit, OwnershipEvent, Tenure

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))


def test_a_big_batch_tells_each_person_once_per_pool(org, make_lead, lead_pool):
    """An import's chunk of pooled leads: one notice counting them by grade, not one per lead."""
    with clock.frozen(T0):
        leads = [make_lead(grade=g) for g in "AABBBBC"]
        services.send_many_to_pool([(lead, None, "import", None) for lead in leads])
    assert not Notification.objects.filter(kind="pool_entered", recipient=org.sales_a1).exists()
    (notice,) = Notification.objects.filter(kind="pool_entered_many", recipient=org.sales_a1)
    # C is not notified; A makes the summary strong; it links to the pool's list.
    assert notice.data["count"] == 6 and notice.data["grades"] == "A 2 · B 4"
    assert notice.level == "strong" and notice.url.endswith(f"?pool={lead_pool.pk}")
    assert "6" in str(notice) and str(lead_pool) in str(notice)


def test_send_many_then_assign_many(org, make_lead, lead_pool):
    with clock.frozen(T0):
        leads = [make_lead(grade=g) for g in "AABC"]
        events = services.send_many_to_pool([(lead, None, "intake", {"source": "form"}) for lead in leads])
        assert len(events) == 4 and {e.kind for e in events} == {"pool"}
        assert set(
            Lead.objects.filter(pk__in=[lead.pk for lead in leads]).values_list("status", flat=True)
        ) == {"in_pool"}
        # A: strong, B: normal, C: none — to each salesperson who sees the pool.
        told = Notification.objects.filter(kind="pool_entered", recipient=org.sales_a1)
        assert sorted(told.values_list("level", flat=True)) == ["normal", "strong", "strong"]

        Limit.objects.create(user=org.sales_a2, max_held=1)
        items = [
            (leads[0], org.sales_a1, None, "round-robin", {"strategy": "rr"}),
            (leads[1], org.sales_a1, None, "round-robin", None),
            (leads[2], org.sales_a2, None, "load", None),
            (leads[3], org.sales_a2, None, "load", None),
        ]
        events, refused = services.assign_many(items)
    assert [e.lead_id for e in events] == [leads[0].pk, leads[1].pk]
    assert events[0].data == {"strategy": "rr"}
    # sales_a2 would pass the quota with two: both come back, explained.
    assert [(item[0].pk, r.code) for item, r in refused] == [(leads[2].pk, "quota_exceeded")] * 1 + [
        (leads[3].pk, "quota_exceeded")
    ]
    lead = Lead.objects.get(pk=leads[0].pk)
    assert lead.owner == org.sales_a1 and lead.status == "assigned"
    assert Tenure.objects.get(lead=lead).due == T0 + dt.timedelta(hours=24)
    assert Notification.objects.filter(kind="pool_assigned", recipient=org.sales_a1).count() == 2


def test_assign_many_respects_cooling_off_and_races(org, make_lead, lead_pool):
    with clock.frozen(T0):
        lost, taken = make_lead(lead_pool), make_lead(lead_pool)
        services.claim(org.sales_a1, lost)
        services.release(org.sales_a1, lost, "no answer")
        services.claim(org.sales_b, taken)
        events, refused = services.assign_many(
            [(lost, org.sales_a1, None, "rr", None), (taken, org.sales_a2, None, "rr", None)]
        )
    assert events == []
    assert sorted(r.code for _, r in refused) == ["already_claimed", "cooling_off"]
    assert OwnershipEvent.objects.filter(kind="assign").count() == 0


def test_leads_arriving_owned_get_a_tenure_and_a_ledger_entry(org, make_lead, lead_pool):
    from kehu.leads.signals import leads_received

    with clock.frozen(T0):
        mine = make_lead(owner=org.sales_a1, status="assigned", grade="A")
        leads_received.send(sender=Lead, leads=[mine], actor=org.sales_a1)
        leads_received.send(sender=Lead, leads=[mine], actor=org.sales_a1)  # idempotent
    tenure = Tenure.objects.get(lead=mine)
    assert tenure.owner == org.sales_a1 and tenure.due == T0 + dt.timedelta(hours=24)
    assert list(OwnershipEvent.objects.filter(lead=mine).values_list("kind", "to_user")) == [
        ("assign", org.sales_a1.pk)
    ]


def test_batch_rows_get_real_ids_and_reach_delivery_channels(
    org, make_lead, lead_pool, django_capture_on_commit_callbacks
):
    from kehu.messaging import services as messaging

    delivered = []
    messaging.register_channel(delivered.extend)
    try:
        with clock.frozen(T0), django_capture_on_commit_callbacks(execute=True):
            leads = [make_lead(grade="A") for _ in range(3)]
            events, refused = services.assign_many([(lead, org.sales_a1, None, "rr", None) for lead in leads])
    finally:
        messaging.CHANNELS.remove(delivered.extend)
    assert refused == []
    assert [e.pk for e in events] == list(
        OwnershipEvent.objects.filter(kind="assign").order_by("id").values_list("pk", flat=True)
    )
    stored = Notification.objects.filter(kind="pool_assigned").order_by("id")
    assert [n.pk for n in delivered] == [n.pk for n in stored] and len(delivered) == 3
    assert stored[0].data["id"] == leads[0].pk and stored[0].url.endswith(f"/{leads[0].pk}/")
    assert stored[0].created_at == T0
    # The ORM's next rows do not collide with the ids the batch took.
    services.release(org.sales_a1, leads[0], "no answer")
    assert OwnershipEvent.objects.filter(kind="release").get().pk > events[-1].pk
    assert Tenure.objects.get(lead=leads[0]).pk is not None


def test_batch_default_pool_matches_default_pool(org, make_lead, lead_pool):
    from kehu.core.models import Region
    from kehu.pool.models import Pool, Target
    from kehu.pool.services.bulk import _Pools
    from kehu.pool.services.ownership import default_pool

    province, other = Region.objects.filter(level=1)[:2]
    city = Region.objects.filter(level=2, parent=province).first()
    late = Pool.objects.create(name="省池", kind=Target.LEAD, order=5)
    late.regions.add(province)
    early = Pool.objects.create(name="市池", kind=Target.LEAD, order=1)
    early.regions.add(city)
    Pool.objects.create(name="停用", kind=Target.LEAD, order=0, active=False).regions.add(province)
    leads = [
        make_lead(province=province, city=city),  # both match: the lower order wins
        make_lead(province=province),
        make_lead(province=other),  # no match: the default pool
        make_lead(),
    ]
    pools = _Pools()
    assert [pools.default_for(lead) for lead in leads] == [default_pool(Target.LEAD, lead) for lead in leads]
    assert [pools.default_for(lead) for lead in leads] == [early, late, lead_pool, lead_pool]
