"""Demo rules load, route fresh leads with reasons, and do nothing the second time."""

from kehu.accounts import demo as accounts_demo
from kehu.assignment import demo
from kehu.assignment.models import Rule, RuleSet
from kehu.demo import DemoOptions
from kehu.leads.models import Channel, Lead
from kehu.pool.models import OwnershipEvent


def test_demo_rules_route_leads_and_are_idempotent(db):
    options = DemoOptions(customers=0, seed=2, quiet=True, say=lambda text: None)
    accounts_demo.load(options)
    Channel.objects.get_or_create(code="web", defaults={"name": "官网"})
    demo.load(options)
    active = RuleSet.objects.get(status=RuleSet.Status.ACTIVE)
    strategies = set(active.rules.values_list("strategy", flat=True))
    assert {"leaderboard", "direct_match", "round_robin", "load_balanced"} <= strategies
    assert RuleSet.objects.filter(status=RuleSet.Status.DRAFT).count() == 1
    leads = Lead.objects.filter(intake="demo-assignment")
    assert leads.count() == demo.FRESH_LEADS
    assert not leads.filter(status=Lead.Status.NEW).exists()
    assigned = OwnershipEvent.objects.filter(lead__in=leads, kind="assign")
    assert assigned.exists() and all(e.reason and e.rule_name for e in assigned)
    rules, events = Rule.objects.count(), OwnershipEvent.objects.count()
    demo.load(options)
    assert (Rule.objects.count(), OwnershipEvent.objects.count()) == (rules, events)
