"""Rule simulation: who would have received what, and nothing changes."""

import datetime as dt

import pytest
from django.apps import apps

from kehu.assignment import services
from kehu.assignment.models import StrategyCursor
from kehu.core import clock
from kehu.leads.models import Lead
from kehu.pool.models import Limit, OwnershipEvent, Target


def test_gini():
    assert services.gini([5, 5, 5, 5]) == 0
    assert services.gini([0, 0, 0, 12]) == 0.75
    assert services.gini([]) == 0
    assert 0 < services.gini([1, 2, 3, 4]) < 0.3


def _table_state():
    """Row counts and a checksum of owners/statuses: what a simulation must not touch."""
    state = {}
    for model in apps.get_models():
        if model._meta.app_label in {"leads", "pool", "assignment", "messaging", "core", "customers"}:
            state[model._meta.label] = model.objects.count() if hasattr(model, "objects") else None
    state["owners"] = list(Lead.objects.order_by("pk").values_list("pk", "owner_id", "status", "updated_at"))
    state["cursors"] = list(
        StrategyCursor.objects.order_by("pk").values_list("pk", "last_user_id", "served", "state")
    )
    return state


@pytest.fixture
def history(sellers, rule, make_lead, active_set):
    """Ten days of leads, 5 a day, already routed round-robin to s1 and s2 by the active set."""
    rule(users=[sellers[0].pk, sellers[1].pk])
    now = clock.now()
    leads = []
    for day in range(10):
        at = now - dt.timedelta(days=day, hours=1)
        with clock.frozen(at):
            batch = [make_lead(grade="ABC"[i % 3]) for i in range(5)]
            services.route_leads(batch)
            leads += batch
    return leads


def test_simulation_counts_per_person_and_changes_nothing(org, sellers, history, active_set):
    draft = services.create_rule_set(org.manager_east, {"name": "草案"}, copy_from=active_set)
    a_rule = draft.rules.get()
    services.update_rule(
        org.manager_east, a_rule, {"users": [s.pk for s in sellers[:4]], "conditions": {"grades": ["A", "B"]}}
    )
    before = _table_state()
    report = services.simulate(draft, days=7)
    assert _table_state() == before
    # 7 days × 5 leads; grades A, B, C, A, B → 4 of 5 match, C goes to the default pool.
    assert report.leads == 35
    assert report.assigned == 28 and report.unmatched == 7 and report.to_pool == 7
    got = {row.user_id: row.leads for row in report.people}
    assert got == {s.pk: 7 for s in sellers[:4]}
    assert report.gini == 0
    assert report.rules[0].matched == 28


def test_simulation_counts_quota_refusals_and_unfairness(org, sellers, history, active_set):
    Limit.objects.create(target=Target.LEAD, user=sellers[0], max_held=0)
    draft = services.create_rule_set(org.manager_east, {"name": "草案"}, copy_from=active_set)
    report = services.simulate(draft, days=3)
    rows = {row.user_id: row for row in report.people}
    assert rows[sellers[0].pk].leads == 0 and rows[sellers[0].pk].quota_refusals > 0
    assert rows[sellers[1].pk].leads == report.assigned == 15
    assert report.quota_refusals == rows[sellers[0].pk].quota_refusals
    assert report.gini == 0.5


def test_expected_reclaims_follow_each_persons_history(org, sellers, history, active_set):
    from kehu.pool import services as pool

    # s1 lost half of the leads received in the history; s2 none.
    s1_leads = [lead for lead in history if Lead.objects.get(pk=lead.pk).owner_id == sellers[0].pk]
    for lead in s1_leads[: len(s1_leads) // 2]:
        pool.reclaim(Lead.objects.get(pk=lead.pk), reason="deadline")
    draft = services.create_rule_set(org.manager_east, {"name": "草案"}, copy_from=active_set)
    report = services.simulate(draft, days=2)
    rows = {row.user_id: row for row in report.people}
    rate = (len(s1_leads) // 2) / len(s1_leads)
    assert rows[sellers[0].pk].expected_reclaims == pytest.approx(rows[sellers[0].pk].leads * rate, abs=0.05)
    assert rows[sellers[1].pk].expected_reclaims == 0
    assert OwnershipEvent.objects.filter(kind="reclaim").count() == len(s1_leads) // 2
