"""Routing new leads through the active rules, for real, through the pool's ledger."""

import collections

import pytest

from kehu.assignment import services
from kehu.assignment.models import RoutingFailure, Rule, StrategyCursor
from kehu.core.models import Region
from kehu.leads.models import Lead
from kehu.leads.signals import leads_received
from kehu.pool.models import Limit, OwnershipEvent, Pool, Target


def owners(leads):
    return [Lead.objects.get(pk=lead.pk).owner_id for lead in leads]


def test_round_robin_takes_turns_in_order(sellers, rule, make_lead):
    rule(users=[s.pk for s in sellers[:3]], strategy="round_robin")
    leads = [make_lead() for _ in range(7)]
    services.route_leads(leads)
    ids = [s.pk for s in sellers[:3]]
    assert owners(leads) == [ids[0], ids[1], ids[2], ids[0], ids[1], ids[2], ids[0]]


def test_round_robin_cursor_survives_a_restart(sellers, rule, make_lead):
    """The turn is kept in the database: a fresh router (a new process) continues it."""
    r = rule(users=[s.pk for s in sellers[:3]], strategy="round_robin")
    services.route_leads([make_lead(), make_lead()])
    cursor = StrategyCursor.objects.get(rule=r, group="")
    assert cursor.last_user_id == sellers[1].pk and cursor.served == 2
    # Nothing in memory survives between calls; the next lead goes to the third person.
    lead = make_lead()
    services.route_leads([lead])
    assert owners([lead]) == [sellers[2].pk]


def test_first_matching_rule_wins_and_no_match_goes_to_default_pool(org, sellers, rule, make_lead):
    a_rule = rule(name="A级", conditions={"grades": ["A"]}, users=[sellers[0].pk])
    rule(name="A和B级", conditions={"grades": ["A", "B"]}, users=[sellers[1].pk])
    a, b, c = make_lead(grade="A"), make_lead(grade="B"), make_lead(grade="C")
    services.route_leads([a, b, c])
    assert owners([a, b]) == [sellers[0].pk, sellers[1].pk]
    c.refresh_from_db()
    assert c.owner_id is None and c.status == Lead.Status.IN_POOL
    event = OwnershipEvent.objects.get(lead=a, kind=OwnershipEvent.Kind.ASSIGN)
    assert event.rule_id == a_rule.pk and event.rule_name == "A级"
    pool_event = OwnershipEvent.objects.get(lead=c, kind=OwnershipEvent.Kind.POOL)
    assert pool_event.pool.is_default
    assert "No assignment rule matched" in pool_event.reason or "没有匹配" in pool_event.reason


def test_conditions_on_channel_tree_region_and_other_fields(org, sellers, rule, make_lead, channel):
    from kehu.leads.models import Channel, DemandType

    paid = Channel.objects.get_or_create(code="paid", defaults={"name": "付费"})[0]
    sem = Channel.objects.update_or_create(code="sem", defaults={"name": "SEM", "parent": paid})[0]
    zhejiang = Region.objects.get(code="330000")
    hangzhou = Region.objects.get(code="330100")
    quote = DemandType.objects.get_or_create(code="quote", defaults={"name": "报价"})[0]
    rule(
        name="付费·浙江·大客户",
        conditions={
            "channels": [paid.pk],
            "regions": [zhejiang.pk],
            "company_sizes": ["large"],
            "demand_types": [quote.pk],
            "urgencies": ["high"],
        },
        users=[sellers[0].pk],
    )
    fits = {
        "channel": sem,
        "province": zhejiang,
        "city": hangzhou,
        "company_size": "large",
        "demand_type": quote,
        "urgency": "high",
    }
    good = make_lead(**fits)
    wrong_channel = make_lead(**{**fits, "channel": channel})
    wrong_region = make_lead(**{**fits, "province": Region.objects.get(code="440000"), "city": None})
    wrong_size = make_lead(**{**fits, "company_size": "small"})
    services.route_leads([good, wrong_channel, wrong_region, wrong_size])
    assert owners([good, wrong_channel, wrong_region, wrong_size]) == [sellers[0].pk, None, None, None]


def test_rule_to_a_pool(org, sellers, rule, make_lead):
    vip = Pool.objects.create(name="大客户池", kind=Target.LEAD)
    rule(name="大客户进池", conditions={"company_sizes": ["large"]}, target="pool", pool=vip.pk)
    lead = make_lead(company_size="large")
    services.route_leads([lead])
    event = OwnershipEvent.objects.get(lead=lead)
    assert event.kind == OwnershipEvent.Kind.POOL and event.pool == vip
    assert "大客户进池" in event.reason


def test_people_on_leave_are_skipped_and_named_in_the_reason(sellers, rule, make_lead):
    sellers[1].on_leave = True
    sellers[1].save()
    rule(users=[s.pk for s in sellers[:3]])
    leads = [make_lead() for _ in range(4)]
    services.route_leads(leads)
    assert owners(leads) == [sellers[0].pk, sellers[2].pk, sellers[0].pk, sellers[2].pk]
    reason = OwnershipEvent.objects.get(lead=leads[1], kind="assign").reason
    assert sellers[1].name in reason


def test_people_at_their_holding_quota_are_skipped_then_the_rule_pool(org, sellers, rule, make_lead):
    fallback = Pool.objects.create(name="溢出池", kind=Target.LEAD)
    for s in sellers[:2]:
        Limit.objects.create(target=Target.LEAD, user=s, max_held=2)
    rule(users=[s.pk for s in sellers[:2]], pool=fallback.pk)
    leads = [make_lead() for _ in range(6)]
    services.route_leads(leads)
    got = collections.Counter(owners(leads))
    assert got == {sellers[0].pk: 2, sellers[1].pk: 2, None: 2}
    overflow = [lead for lead in leads if Lead.objects.get(pk=lead.pk).owner_id is None]
    for lead in overflow:
        event = OwnershipEvent.objects.get(lead=lead)
        assert event.pool == fallback and event.kind == OwnershipEvent.Kind.POOL


def test_a_batch_nobody_can_take_enters_the_pool_once_with_the_rules_reason(org, sellers, rule, make_lead):
    """Everyone of the rule is at their quota before the batch (an import's chunk): each lead
    enters the rule's pool exactly once, and the ledger says which rule and who was skipped."""
    fallback = Pool.objects.create(name="溢出池", kind=Target.LEAD)
    for s in sellers[:2]:
        Limit.objects.create(target=Target.LEAD, user=s, max_held=0)
    chosen = rule(name="满额规则", users=[s.pk for s in sellers[:2]], pool=fallback.pk)
    leads = [make_lead() for _ in range(5)]
    decisions = services.route_leads(leads)
    assert owners(leads) == [None] * 5
    events = OwnershipEvent.objects.filter(lead__in=leads)
    assert collections.Counter(e.lead_id for e in events) == {lead.pk: 1 for lead in leads}
    for event in events:
        assert event.kind == OwnershipEvent.Kind.POOL and event.pool == fallback
        assert "满额规则" in event.reason and event.data["assignment"]["rule"] == chosen.pk
        assert {entry[0] for entry in event.data["assignment"]["skipped"]} == {s.pk for s in sellers[:2]}
    assert [d.lead_id for d in decisions] == [lead.pk for lead in leads]
    assert {d.reason["why"] for d in decisions} == {"nobody_available"}


def test_a_batch_no_rule_matches_enters_the_default_pool_once(org, sellers, rule, make_lead):
    rule(conditions={"company_sizes": ["large"]}, users=[sellers[0].pk])
    leads = [make_lead(company_size="small") for _ in range(3)]
    services.route_leads(leads)
    events = OwnershipEvent.objects.filter(lead__in=leads)
    assert sorted(e.lead_id for e in events) == sorted(lead.pk for lead in leads)
    assert {e.kind for e in events} == {OwnershipEvent.Kind.POOL}


def test_department_quota_is_respected(org, sellers, rule, make_lead):
    Limit.objects.create(target=Target.LEAD, department=org.departments["east"], total_max_held=3)
    rule(users=[s.pk for s in sellers])
    leads = [make_lead() for _ in range(5)]
    services.route_leads(leads)
    assert sum(1 for o in owners(leads) if o) == 3


def test_load_balanced_gives_to_the_least_loaded(sellers, rule, make_lead):
    busy = rule(name="先填满", conditions={"grades": ["C"]}, users=[sellers[0].pk])
    services.route_leads([make_lead(grade="C") for _ in range(3)])
    assert busy
    rule(name="均衡", users=[s.pk for s in sellers[:3]], strategy="load_balanced")
    leads = [make_lead() for _ in range(7)]
    services.route_leads(leads)
    # s1 already held 3: the others catch up first, then everyone takes turns.
    final = collections.Counter(Lead.objects.filter(owner__in=sellers[:3]).values_list("owner_id", flat=True))
    assert final == {sellers[0].pk: 4, sellers[1].pk: 3, sellers[2].pk: 3}
    assert owners(leads)[:6].count(sellers[0].pk) == 0


def test_candidates_from_teams_departments_and_sales_regions(org, rule, make_lead):
    rule(teams=[org.teams["a"].pk])
    leads = [make_lead() for _ in range(4)]
    services.route_leads(leads)
    assert set(owners(leads)) == {org.sales_a1.pk, org.sales_a2.pk}


def test_signal_routes_new_leads(sellers, rule, make_lead):
    rule(users=[sellers[0].pk])
    lead = make_lead()
    leads_received.send(sender=Lead, leads=[lead], actor=None)
    assert owners([lead]) == [sellers[0].pk]


def test_only_new_unowned_leads_are_routed(sellers, rule, make_lead):
    rule(users=[sellers[0].pk])
    owned = make_lead(owner=sellers[1], status=Lead.Status.ASSIGNED)
    services.route_leads([owned])
    assert owners([owned]) == [sellers[1].pk]
    assert not OwnershipEvent.objects.filter(lead=owned).exists()


def test_a_failing_lead_is_recorded_and_does_not_stop_the_batch(sellers, rule, make_lead, monkeypatch):
    """The batch is routed in bulk; when that fails it is routed lead by lead, so only the
    bad lead stays NEW (recorded for the retry sweep) and the others are routed."""
    rule(users=[sellers[0].pk])
    good, bad = make_lead(), make_lead()
    from kehu.assignment.engine import LeadFacts
    from kehu.assignment.services import routing

    original = LeadFacts.of

    def facts(lead):
        if lead.pk == bad.pk:
            raise RuntimeError("boom")
        return original(lead)

    monkeypatch.setattr(routing.LeadFacts, "of", staticmethod(facts))
    services.route_leads([bad, good])
    assert owners([good, bad]) == [sellers[0].pk, None]
    assert Lead.objects.get(pk=bad.pk).status == Lead.Status.NEW
    assert "boom" in RoutingFailure.objects.get(lead=bad).error
    monkeypatch.setattr(routing.LeadFacts, "of", staticmethod(original))
    from kehu.core import clock

    with clock.frozen(clock.now() + __import__("datetime").timedelta(minutes=10)):
        assert services.retry_stuck() == {"routed": 1, "failed": 0}
    assert owners([bad]) == [sellers[0].pk]
    assert not RoutingFailure.objects.exists()


@pytest.mark.parametrize("grade", ["A", "B"])
def test_reason_is_stored_and_readable(sellers, rule, make_lead, grade):
    rule(name="轮流", users=[sellers[0].pk, sellers[1].pk])
    lead = make_lead(grade=grade)
    services.route_leads([lead])
    event = OwnershipEvent.objects.get(lead=lead, kind="assign")
    assert "轮流" in event.reason and sellers[0].name in event.reason


def test_a_person_the_pool_refuses_is_skipped_and_the_leads_rerouted(sellers, rule, make_lead, monkeypatch):
    """When the engine's count is stale (a claim raced the batch), the pool's own check
    wins: nobody passes a quota, and the leads go to the next person in turn."""
    from kehu.assignment import loading

    Limit.objects.create(target=Target.LEAD, user=sellers[0], max_held=1)
    monkeypatch.setattr(loading, "capacity_loader", lambda ids, counts=None: lambda pk: (None, []))
    rule(users=[sellers[0].pk, sellers[1].pk])
    leads = [make_lead() for _ in range(4)]
    services.route_leads(leads)
    held = collections.Counter(owners(leads))
    assert held[sellers[0].pk] <= 1 and sum(held.values()) == 4
    rerouted = OwnershipEvent.objects.filter(lead__in=leads, kind="assign", to_user=sellers[1]).first()
    skipped = rerouted.data["assignment"]["skipped"]
    assert any(entry[0] == sellers[0].pk and entry[1] == "refused" for entry in skipped)


def test_periodic_task_routes_leads_left_new(sellers, rule, make_lead):
    import datetime as dt

    from kehu.assignment.tasks import route_stuck_leads
    from kehu.core import clock

    rule(users=[sellers[0].pk])
    with clock.frozen(clock.now() - dt.timedelta(hours=1)):
        stuck = make_lead()  # intake stored it but routing never ran
    fresh = make_lead()  # intake may still be routing this one
    assert route_stuck_leads.call_local() == {"routed": 1, "failed": 0}
    assert owners([stuck, fresh]) == [sellers[0].pk, None]
    assert route_stuck_leads.call_local() == {"routed": 0, "failed": 0}


def test_reassignment_hook_picks_by_the_rules_without_the_previous_owner(sellers, rule, make_lead):
    from kehu.pool import services as pool

    rule(users=[sellers[0].pk, sellers[1].pk])
    lead = make_lead()
    services.route_leads([lead])
    lead.refresh_from_db()
    assert lead.owner == sellers[0]
    assert services.reassign in pool.reassigners  # registered for pools set to "reassign"
    pool.reclaim(lead, reason="deadline")
    # Round-robin would give the next lead to s2 anyway; twice in a row shows s1 is excluded.
    first = services.reassign(lead, sellers[0])
    assert first.user == sellers[1]
    assert services.reassign(lead, sellers[0]).user == sellers[1]
    assert services.reassign(lead, sellers[1]).user == sellers[0]
    # The rule and why travel with the decision, for the ledger.
    assert first.rule is not None and first.rule.pk == first.data["assignment"]["rule"]
    assert first.reason and first.data["assignment"]["person"] == sellers[1].pk


def test_deadline_reassignment_writes_the_rule_and_reason_to_the_ledger(sellers, rule, make_lead):
    import datetime as dt

    from kehu.core import clock
    from kehu.pool import services as pool
    from kehu.pool.models import OwnershipEvent, Tenure
    from kehu.pool.services import sweeps

    the_rule = rule(users=[sellers[0].pk, sellers[1].pk])
    lead = make_lead()
    services.route_leads([lead])
    tenure = Tenure.objects.select_related("pool").get(lead=lead)
    tenure.pool.on_expiry = "reassign"
    tenure.pool.save()
    past = clock.now() - dt.timedelta(hours=1)
    Tenure.objects.filter(pk=tenure.pk).update(follow_up_due=past, due=past)
    assert sweeps.reclaim_expired().done == 1
    event = OwnershipEvent.objects.filter(lead=lead, kind="assign").order_by("-at", "-id").first()
    assert event.to_user == sellers[1] and event.rule_id == the_rule.pk and event.rule_name == the_rule.name
    assert event.data["reassigned_from"] == sellers[0].pk
    assert event.data["assignment"]["person"] == sellers[1].pk
    assert pool.reassigners  # still registered


def test_groups_give_leads_only_to_people_who_work_leads(org, rule, make_lead):
    from kehu.accounts.models import User

    clerk = User.objects.create_user(
        "east_clerk", role=org.roles["finance"], department=org.departments["east_sub"], name="会计"
    )
    rule(name="部门", departments=[org.departments["east"].pk])
    leads = [make_lead() for _ in range(8)]
    services.route_leads(leads)
    got = set(owners(leads))
    assert clerk.pk not in got and org.sales_b.pk in got  # sub-department included
    # Named one by one, anyone active counts.
    named = rule(name="指名", users=[clerk.pk])
    services.move_rule(org.manager_east, named, -1)
    assert list(Rule.objects.order_by("order").values_list("name", flat=True)) == ["指名", "部门"]
    lead = make_lead()
    services.route_leads([lead])
    assert owners([lead]) == [clerk.pk]


def test_a_batch_counts_open_leads_once_for_limits_and_workloads(sellers, rule, make_lead):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for s in sellers[:3]:
        Limit.objects.create(target=Target.LEAD, user=s, max_held=3)
    rule(name="均衡", users=[s.pk for s in sellers[:3]], strategy="load_balanced")
    leads = [make_lead() for _ in range(7)]
    with CaptureQueriesContext(connection) as queries:
        services.route_leads(leads)
    counting = [
        q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"] and "leads_lead" in q["sql"]
    ]
    # One count in the router serves its quota check and the balancing; the pool counts
    # again after taking its locks (its check is the one that holds under concurrency).
    assert len(counting) == 2
    got = collections.Counter(owners(leads))
    assert sorted(got.values()) == [2, 2, 3] and None not in got  # balanced, within the limits


def test_quota_checks_count_no_further_than_the_quota(sellers, make_lead):
    from kehu.assignment import loading
    from kehu.pool.services.limits import held_count

    leads = [make_lead() for _ in range(5)]
    Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(
        owner=sellers[0], status=Lead.Status.ASSIGNED
    )
    busy, idle = sellers[0].pk, sellers[1].pk
    assert loading.open_counts_at_most({busy: 2, idle: 10}) == {busy: 2, idle: 0}
    assert loading.open_counts_at_most({busy: 9}) == {busy: 5}
    assert held_count([busy, idle], at_most=3) == 3 and held_count([busy, idle]) == 5
    counts = loading.OpenCounts()
    assert counts([busy]) == {busy: 5} and counts.at_most({busy: 4}) == {busy: 4}


ARRIVING = [
    ("王建国", "13812345670", "浙江省杭州市西湖区文三路90号"),
    ("李秀英", "13912345671", "江苏省南京市鼓楼区中山路18号"),
    ("张伟", "13712345672", "广东省广州市天河区体育西路101号"),
    ("刘洋", "13612345673", "四川省成都市武侯区人民南路四段9号"),
    ("陈静", "15012345674", "湖北省武汉市江汉区解放大道688号"),
]


def _rows():
    return [
        {"channel": "events", "name": name, "phone": phone, "address": address}
        | {"demand_type": "quotation", "urgency": "high"}
        for name, phone, address in ARRIVING
    ]


def _tenured_once(leads):
    from kehu.pool.models import Tenure

    assert collections.Counter(
        OwnershipEvent.objects.filter(lead__in=leads).values_list("lead", flat=True)
    ) == {lead.pk: 1 for lead in leads}
    assert Tenure.objects.filter(lead__in=leads).count() == len(leads)


def _lead_updates(queries) -> list[str]:
    written = [q["sql"] for q in queries.captured_queries if '"leads_lead"' in q["sql"]]
    return [sql for sql in written if sql.lstrip().upper().startswith("UPDATE")]


def test_intake_routes_new_leads_before_storing_them(org, sellers, rule):
    """Leads are routed on arrival and inserted with their owner or pool: no lead row is
    updated after its insert. A lead the same batch gives to an existing customer's owner is
    stored first, so it counts towards that person's quota."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kehu.customers import services as customers
    from kehu.leads.services import intake_batch

    Limit.objects.create(target=Target.LEAD, user=sellers[0], max_held=1)
    rule(users=[sellers[0].pk, sellers[1].pk], strategy="round_robin")
    known = customers.create_customer(
        sellers[0], {"owner": sellers[0].pk, "kind": "person", "name": "赵敏", "phone": "13512345679"}
    )
    rows = [{**_rows()[0], "name": "赵敏", "phone": "135 1234 5679"}, *_rows()[1:]]
    with CaptureQueriesContext(connection) as queries:
        results = intake_batch(org.marketer, rows, path="import")
    assert [r.outcome for r in results] == ["existing_customer"] + ["new"] * 4
    assert results[0].lead.matched_customer_id == known.pk
    assert not _lead_updates(queries)
    leads = [Lead.objects.get(pk=r.lead.pk) for r in results]
    # sellers[0] holds the customer's lead: at the quota, so every new lead goes to sellers[1].
    assert [lead.owner_id for lead in leads] == [sellers[0].pk] + [sellers[1].pk] * 4
    assert {lead.status for lead in leads} == {Lead.Status.ASSIGNED}
    _tenured_once(leads)


def test_routing_that_fails_on_arrival_is_done_after_the_store(org, sellers, rule, monkeypatch):
    """The arriving leads are restored as they were and routed once stored, as before."""
    from kehu.leads.services import intake_batch
    from kehu.pool import services as pool

    real, failed = pool.assign_many, []

    def assign_many(items, *, actor=None, fresh=False):
        if fresh:
            failed.append(len(items))
            raise RuntimeError("boom")
        return real(items, actor=actor, fresh=fresh)

    monkeypatch.setattr(pool, "assign_many", assign_many)
    rule(users=[sellers[0].pk, sellers[1].pk], strategy="round_robin")
    results = intake_batch(org.marketer, _rows(), path="import")
    assert failed == [5]
    leads = [Lead.objects.get(pk=r.lead.pk) for r in results]
    ids = [sellers[0].pk, sellers[1].pk]
    assert [lead.owner_id for lead in leads] == [ids[0], ids[1], ids[0], ids[1], ids[0]]
    _tenured_once(leads)
    assert not RoutingFailure.objects.exists()


def test_leads_no_rule_takes_enter_the_pool_on_arrival(org, sellers, rule):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kehu.leads.services import intake_batch

    rule(conditions={"company_sizes": ["large"]}, users=[sellers[0].pk])
    with CaptureQueriesContext(connection) as queries:
        results = intake_batch(org.marketer, _rows(), path="import")
    assert not _lead_updates(queries)  # inserted in the pool, not inserted and then updated
    leads = [Lead.objects.get(pk=r.lead.pk) for r in results]
    assert {(lead.owner_id, lead.status) for lead in leads} == {(None, Lead.Status.IN_POOL)}
    _tenured_once(leads)
