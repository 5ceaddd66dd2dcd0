"""Opportunities (商机): create, edit, move through the stages, win or lose."""

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import audit, clock
from kehu.core.errors import ValidationFailed
from kehu.customers import timeline
from kehu.customers.models import LostReason

from ..models import Opportunity, Stage
from ._common import assignable_user, money, text, visible_customer

OPPORTUNITY = "opportunity"


def _stage(stage_id) -> Stage:
    stage = Stage.objects.filter(pk=stage_id, active=True).first() if stage_id else None
    if stage is None:
        raise ValidationFailed(fields={"stage": [_("Choose a stage.")]})
    return stage


def first_stage() -> Stage:
    return Stage.objects.filter(active=True, is_won=False, is_lost=False).order_by("order", "id").first()


def _apply(actor, opp: Opportunity, data: dict, creating: bool) -> None:
    if "name" in data or creating:
        opp.name = text(data, "name", 200, required=True)
    if "customer" in data or creating:
        opp.customer = visible_customer(actor, data.get("customer"))
    if "owner" in data:
        opp.owner = assignable_user(actor, data["owner"])
    if "amount" in data or creating:
        opp.amount = money(data.get("amount"), "amount", required=False)
    if "expected_close" in data:
        opp.expected_close = data["expected_close"] or None
    if "notes" in data:
        opp.notes = text(data, "notes", 5000)
    stage_changed = False
    if "stage" in data or creating:
        stage = _stage(data.get("stage")) if data.get("stage") or not creating else first_stage()
        if stage is None:
            raise ValidationFailed(fields={"stage": [_("Set up the opportunity stages first.")]})
        stage_changed = opp.stage_id != stage.pk
        opp.stage = stage
    if "probability" in data and data["probability"] is not None:
        probability = data["probability"]
        if not isinstance(probability, int) or not 0 <= probability <= 100:
            raise ValidationFailed(fields={"probability": [_("Between 0 and 100.")]})
        opp.probability = probability
    elif stage_changed:
        opp.probability = opp.stage.probability
    if "lost_reason" in data:
        reason_id = data["lost_reason"] or None
        opp.lost_reason = LostReason.objects.filter(pk=reason_id, active=True).first() if reason_id else None
        if reason_id and opp.lost_reason is None:
            raise ValidationFailed(fields={"lost_reason": [_("No such lost reason.")]})
    if opp.stage.is_lost and opp.lost_reason_id is None and LostReason.objects.filter(active=True).exists():
        raise ValidationFailed(fields={"lost_reason": [_("Say why the opportunity was lost.")]})
    if not opp.stage.is_lost:
        opp.lost_reason = None
    if stage_changed:
        opp.closed_at = clock.now() if opp.stage.closed else None


@transaction.atomic
def create_opportunity(actor, data: dict) -> Opportunity:
    now = clock.now()
    opp = Opportunity(created_at=now, updated_at=now, lead_id=data.get("lead_id"))
    data = dict(data)
    data.setdefault("owner", actor.pk if actor else None)
    _apply(actor, opp, data, creating=True)
    if opp.owner is None and opp.customer.owner_id:
        opp.owner_id = opp.customer.owner_id
    opp.save()
    audit.record(actor, opp, "create", audit.diff({}, audit.snapshot(opp)))
    timeline.record(
        opp.customer_id,
        OPPORTUNITY,
        actor=actor,
        data={"name": opp.name, "stage": opp.stage.name, "amount": str(opp.amount)},
        ref_type="opportunity",
        ref_id=opp.pk,
    )
    return opp


@transaction.atomic
def update_opportunity(actor, opp: Opportunity, data: dict) -> Opportunity:
    opp = Opportunity.objects.select_for_update().select_related("stage").get(pk=opp.pk)
    before = audit.snapshot(opp)
    old_stage = opp.stage
    _apply(actor, opp, data, creating=False)
    opp.updated_at = clock.now()
    opp.save()
    audit.record(actor, opp, "update", audit.diff(before, audit.snapshot(opp)))
    if old_stage.pk != opp.stage_id and (opp.stage.is_won or opp.stage.is_lost):
        timeline.record(
            opp.customer_id,
            OPPORTUNITY_WON if opp.stage.is_won else OPPORTUNITY_LOST,
            actor=actor,
            data={"name": opp.name, "amount": str(opp.amount)},
            ref_type="opportunity",
            ref_id=opp.pk,
        )
    return opp


def move(actor, opp: Opportunity, stage_id: int, lost_reason: int | None = None) -> Opportunity:
    data = {"stage": stage_id}
    if lost_reason:
        data["lost_reason"] = lost_reason
    return update_opportunity(actor, opp, data)


OPPORTUNITY_WON = "opportunity_won"
OPPORTUNITY_LOST = "opportunity_lost"


def on_lead_converted(sender, lead, customer, actor=None, opportunity=None, **kwargs):
    """leads.signals.lead_converted: open the opportunity the converting user asked for."""
    if not opportunity:
        return
    data = {
        "name": opportunity.get("name") or customer.name,
        "customer": customer.pk,
        "amount": opportunity.get("amount") or 0,
        "expected_close": opportunity.get("expected_close") or opportunity.get("expected_close_date"),
        "owner": customer.owner_id or getattr(actor, "pk", None),
        "lead_id": lead.pk,
    }
    if opportunity.get("stage"):
        data["stage"] = opportunity["stage"]
    # The conversion already checked the actor's rights on the customer; act as the system.
    create_opportunity(None, data)
