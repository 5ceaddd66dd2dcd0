import datetime as dt

import pytest
from django.utils import timezone

from kehu.core import clock
from kehu.core.errors import Conflict, ValidationFailed
from kehu.leads.models import Lead
from kehu.pool import services
from kehu.pool.models import ClaimRefusal, Limit, OwnershipEvent, Tenure

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))


def refusal_code(fn, *args, **kwargs):
    with pytest.raises(Conflict) as info:
        fn(*args, **kwargs)
    return info.value.code


def test_claim_takes_an_unowned_lead_and_writes_the_ledger(org, make_lead, lead_pool):
    with clock.frozen(T0):
        lead = make_lead(lead_pool, grade="A")
        event = services.claim(org.sales_a1, lead)
    lead.refresh_from_db()
    assert lead.owner == org.sales_a1 and lead.status == Lead.Status.ASSIGNED
    assert event.kind == "claim" and event.to_user == org.sales_a1 and event.pool == lead_pool
    tenure = Tenure.objects.get(lead=lead)
    # Grade A: first follow-up within 24 h, conversion within 14 days (seeded policy).
    assert tenure.follow_up_due == T0 + dt.timedelta(hours=24)
    assert tenure.convert_due == T0 + dt.timedelta(days=14)
    assert tenure.due == tenure.follow_up_due
    assert refusal_code(services.claim, org.sales_a2, lead) == "already_claimed"
    assert refusal_code(services.claim, org.sales_a1, lead) == "already_yours"


def test_release_needs_a_reason_and_starts_cooling_off(org, make_lead, lead_pool):
    with clock.frozen(T0):
        lead = make_lead(lead_pool)
        services.claim(org.sales_a1, lead)
        with pytest.raises(ValidationFailed) as info:
            services.release(org.sales_a1, lead, "  ")
        assert "reason" in info.value.fields
        services.release(org.sales_a1, lead, "not interested")
    lead.refresh_from_db()
    assert lead.owner is None and lead.status == Lead.Status.IN_POOL
    with clock.frozen(T0 + dt.timedelta(days=6, hours=23)):
        assert refusal_code(services.claim, org.sales_a1, lead) == "cooling_off"
    with clock.frozen(T0 + dt.timedelta(days=7, minutes=1)):
        services.claim(org.sales_a1, lead)


def test_cooling_off_holds_through_other_owners(org, make_lead, lead_pool):
    """A → pool → B → pool → A: still refused inside A's cooling-off."""
    with clock.frozen(T0):
        lead = make_lead(lead_pool)
        services.claim(org.sales_a1, lead)
        services.reclaim(lead, reason="deadline", cause="follow_up")
    with clock.frozen(T0 + dt.timedelta(days=1)):
        services.claim(org.sales_a2, lead)
        services.release(org.sales_a2, lead, "wrong region")
    with clock.frozen(T0 + dt.timedelta(days=2)):
        assert refusal_code(services.claim, org.sales_a1, lead) == "cooling_off"
        # B is also cooling off now; a third person may claim.
        assert refusal_code(services.claim, org.sales_a2, lead) == "cooling_off"
        services.claim(org.sales_b, lead)
    kinds = list(OwnershipEvent.objects.filter(lead=lead).order_by("at", "id").values_list("kind", flat=True))
    assert kinds == ["pool", "claim", "reclaim", "claim", "release", "claim"]


def test_daily_limit_across_pools_and_refusals_consume_nothing(org, make_lead, lead_pool):
    from kehu.pool.models import Pool

    other = Pool.objects.create(name="华南池", kind="lead")
    Limit.objects.create(user=org.sales_a1, daily_claims=2)
    with clock.frozen(T0):
        a, b, c = make_lead(lead_pool), make_lead(other), make_lead(other)
        services.claim(org.sales_a1, a)
        services.claim(org.sales_a1, b)
        assert refusal_code(services.claim, org.sales_a1, c) == "daily_limit"
        assert refusal_code(services.claim, org.sales_a1, c) == "daily_limit"
        assert services.claims_today([org.sales_a1.pk]) == 2
    with clock.frozen(T0 + dt.timedelta(days=1)):
        services.claim(org.sales_a1, c)


def test_limit_refusals_are_recorded_for_pool_health_and_others_are_not(org, make_lead, lead_pool):
    Limit.objects.create(user=org.sales_a1, daily_claims=1)
    Limit.objects.create(team=org.teams["a"], total_max_held=2)
    with clock.frozen(T0):
        a, b, c = make_lead(lead_pool), make_lead(lead_pool), make_lead(lead_pool)
        services.claim(org.sales_a1, a)
        assert refusal_code(services.claim, org.sales_a1, b) == "daily_limit"
        assert refusal_code(services.claim, org.sales_a1, a) == "already_yours"  # not a limit
        services.claim(org.sales_a2, b)
        assert refusal_code(services.claim, org.sales_a2, c) == "team_quota_exceeded"
    recorded = list(
        ClaimRefusal.objects.order_by("id").values_list("user_id", "lead_id", "pool_id", "code", "at")
    )
    assert recorded == [
        (org.sales_a1.pk, b.pk, lead_pool.pk, "daily_limit", T0),
        (org.sales_a2.pk, c.pk, lead_pool.pk, "team_quota_exceeded", T0),
    ]
    # The refused claims changed nothing else.
    c.refresh_from_db()
    assert c.owner is None and not OwnershipEvent.objects.filter(lead=c).exclude(kind="pool").exists()


def test_held_quota_from_department_with_person_override(org, make_lead, lead_pool):
    Limit.objects.create(department=org.departments["east"], max_held=1)
    Limit.objects.create(user=org.sales_a2, max_held=2)
    with clock.frozen(T0):
        leads = [make_lead(lead_pool) for _ in range(4)]
        services.claim(org.sales_a1, leads[0])
        assert refusal_code(services.claim, org.sales_a1, leads[1]) == "quota_exceeded"
        # sales_b is in a sub-department of East: the department default applies.
        services.claim(org.sales_b, leads[1])
        assert refusal_code(services.claim, org.sales_b, leads[2]) == "quota_exceeded"
        services.claim(org.sales_a2, leads[2])
        services.claim(org.sales_a2, leads[3])
        assert services.check_limits(org.sales_a2, "assign").code == "quota_exceeded"
        # A released lead no longer counts as held.
        services.release(org.sales_a1, leads[0], "duplicate")
        assert services.check_limits(org.sales_a1, "assign") is None


def test_team_daily_cap(org, make_lead, lead_pool):
    Limit.objects.create(team=org.teams["a"], total_daily_claims=1)
    with clock.frozen(T0):
        a, b = make_lead(lead_pool), make_lead(lead_pool)
        services.claim(org.sales_a1, a)
        assert refusal_code(services.claim, org.sales_a2, b) == "team_daily_limit"
        services.claim(org.sales_b, b)


def test_assignment_data_is_kept_whatever_its_keys(org, make_lead, lead_pool):
    """A rule's reason data may use any key, even ones that name the verb's own arguments."""
    data = {"reason": "region 华东", "kind": "round_robin", "pool": 3, "now": "x", "cursor": 12}
    with clock.frozen(T0):
        lead = make_lead(lead_pool)
        event = services.assign(lead, org.sales_a1, reason="rule matched", data=data)
        moved = services.send_to_pool(lead, lead_pool, reason="back", data={"actor": "sweep"})
    event.refresh_from_db()
    assert (event.reason, event.data) == ("rule matched", data)
    assert moved.data == {"actor": "sweep"} and moved.actor is None


def test_on_leave_refused_and_assign_records_rule(org, make_lead, lead_pool):
    org.sales_a2.on_leave = True
    org.sales_a2.save()
    with clock.frozen(T0):
        lead = make_lead(lead_pool, grade="A")
        assert refusal_code(services.assign, lead, org.sales_a2, reason="x") == "on_leave"

        class Rule:
            pk = 7

            def __str__(self):
                return "华东 A 级轮询"

        event = services.assign(lead, org.sales_a1, rule=Rule(), reason="round-robin")
    assert (event.kind, event.rule_id, event.rule_name, event.reason) == (
        "assign",
        7,
        "华东 A 级轮询",
        "round-robin",
    )
    # Grade A notifies strongly.
    note = org.sales_a1.notifications.get(kind="pool_assigned")
    assert note.level == "strong"


def test_transfer_keeps_history(org, make_lead, lead_pool):
    with clock.frozen(T0):
        lead = make_lead(lead_pool)
        services.claim(org.sales_a1, lead)
        services.transfer(lead, org.sales_a2, actor=org.manager_east, reason="vacation cover")
    lead.refresh_from_db()
    assert lead.owner == org.sales_a2
    event = OwnershipEvent.objects.filter(lead=lead).first()
    assert (event.kind, event.from_user, event.to_user, event.actor) == (
        "transfer",
        org.sales_a1,
        org.sales_a2,
        org.manager_east,
    )


def test_hold_period(org, make_lead, lead_pool):
    lead_pool.hold_hours = 12
    lead_pool.save()
    with clock.frozen(T0):
        lead = make_lead(lead_pool)
        services.claim(org.sales_a1, lead)
        services.reclaim(lead, reason="deadline")
    with clock.frozen(T0 + dt.timedelta(hours=11)):
        assert refusal_code(services.claim, org.sales_a2, lead) == "on_hold"
    with clock.frozen(T0 + dt.timedelta(hours=12, minutes=1)):
        services.claim(org.sales_a2, lead)


def test_converted_lead_cannot_go_back_to_a_pool(org, make_lead, lead_pool):
    lead = make_lead(lead_pool)
    services.claim(org.sales_a1, lead)
    services.convert(lead, org.sales_a1)
    assert refusal_code(services.send_to_pool, lead, lead_pool) == "lead_closed"
    lead.refresh_from_db()
    assert lead.owner == org.sales_a1 and lead.status == Lead.Status.CONVERTED


def test_default_pools_seeded_once(db):
    from kehu.pool.models import Pool
    from kehu.pool.seed import ensure_default_pools

    lead_pool = Pool.objects.get(kind="lead", is_default=True)
    lead_pool.name = "改名的公海"
    lead_pool.save()
    ensure_default_pools()
    ensure_default_pools()
    assert Pool.objects.filter(kind="lead").count() == 1 and Pool.objects.filter(kind="customer").count() == 1
    assert Pool.objects.get(kind="lead").name == "改名的公海"
    assert sorted(lead_pool.policies.values_list("grade", flat=True)) == ["", "A", "B", "C"]


def test_service_refuses_what_display_rules_hide(org, make_lead, lead_pool):
    from kehu.core.models import Region
    from kehu.pool.models import DisplayRule, Pool

    zj, gd = Region.objects.filter(level=1)[:2]
    DisplayRule.objects.create(pool=lead_pool, team=org.teams["a"]).regions.add(zj)
    hidden, shown = make_lead(lead_pool, province=gd), make_lead(lead_pool, province=zj)
    assert refusal_code(services.claim, org.sales_a1, hidden) == "not_in_your_pool"
    services.claim(org.sales_a1, shown)
    south = Pool.objects.create(name="华南池", kind="lead", department=org.departments["south"])
    other = make_lead(south)
    assert refusal_code(services.claim, org.sales_a2, other) == "not_in_your_pool"
