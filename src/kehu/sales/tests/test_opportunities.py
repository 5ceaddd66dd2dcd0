"""Opportunities: seeded stages, moving, winning and losing, lead conversion."""

from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from kehu.core.errors import ValidationFailed
from kehu.customers.models import LostReason, TimelineEntry
from kehu.leads.signals import lead_converted
from kehu.sales.models import Opportunity, Stage
from kehu.sales.services import catalogue, opportunities


def test_builtin_stages_are_seeded_once_and_keep_edits(db):
    codes = list(Stage.objects.values_list("code", flat=True))
    assert codes == ["initial", "needs", "proposal", "negotiation", "won", "lost"]
    Stage.objects.filter(code="proposal").update(name="方案报价", probability=40)
    catalogue.ensure_stages()
    assert Stage.objects.count() == 6
    proposal = Stage.objects.get(code="proposal")
    assert (proposal.name, proposal.probability, proposal.label) == ("方案报价", 40, "方案报价")


def test_builtin_stage_label_is_translated(db):
    from django.utils import translation

    stage = Stage.objects.get(code="won")
    with translation.override("zh-hans"):
        assert stage.label == "赢单"
    with translation.override("en"):
        assert stage.label == "Won"


def test_create_move_and_probability_follows_stage(org, customers):
    opp = opportunities.create_opportunity(
        org.sales_a1, {"name": "年度采购", "customer": customers.mine.pk, "amount": "120000"}
    )
    assert opp.stage.code == "initial" and opp.probability == 10 and opp.owner == org.sales_a1
    opp = opportunities.move(org.sales_a1, opp, Stage.objects.get(code="negotiation").pk)
    assert opp.probability == 75 and opp.closed_at is None
    opp = opportunities.move(org.sales_a1, opp, Stage.objects.get(code="won").pk)
    assert opp.probability == 100 and opp.closed_at is not None
    kinds = list(TimelineEntry.objects.filter(customer=customers.mine).values_list("kind", flat=True))
    assert "opportunity" in kinds and "opportunity_won" in kinds


def test_losing_needs_a_reason(org, customers):
    reason = LostReason.objects.create(name="价格太高")
    opp = opportunities.create_opportunity(org.sales_a1, {"name": "x", "customer": customers.mine.pk})
    lost = Stage.objects.get(code="lost")
    with pytest.raises(ValidationFailed) as exc:
        opportunities.move(org.sales_a1, opp, lost.pk)
    assert "lost_reason" in exc.value.fields
    opp = opportunities.move(org.sales_a1, opp, lost.pk, reason.pk)
    assert opp.lost_reason == reason and opp.probability == 0


def test_cannot_open_for_an_invisible_customer(org, customers):
    with pytest.raises(ValidationFailed) as exc:
        opportunities.create_opportunity(org.sales_a1, {"name": "x", "customer": customers.theirs.pk})
    assert "customer" in exc.value.fields


def test_lead_conversion_opens_an_opportunity(org, customers):
    lead = SimpleNamespace(pk=4242)
    lead_converted.send(
        sender=None,
        lead=lead,
        customer=customers.mine,
        actor=org.sales_a1,
        opportunity={"name": "转化商机", "amount": "8800"},
    )
    opp = Opportunity.objects.get(lead_id=4242)
    assert (opp.name, opp.amount, opp.owner, opp.customer) == (
        "转化商机",
        D("8800"),
        org.sales_a1,
        customers.mine,
    )
    lead_converted.send(
        sender=None, lead=SimpleNamespace(pk=1), customer=customers.mine, actor=None, opportunity=None
    )
    assert Opportunity.objects.count() == 1
