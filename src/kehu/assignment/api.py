"""Assignment API: rule sets and rules (managers), simulation, and why a lead went where."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kehu.accounts.scope import get_scoped, scoped
from kehu.core.errors import NotFound
from kehu.core.schemas import ErrorOut, Id
from kehu.leads.models import Lead

from . import explain, services
from .models import Rule, RuleSet
from .schemas import (
    OrderIn,
    RuleIn,
    RuleOut,
    RulePatch,
    RuleSetDetailOut,
    RuleSetIn,
    RuleSetOut,
    RuleSetPatch,
    SimulationOut,
    WhyOut,
)
from .services.simulation import MAX_DAYS

router = Router(tags=["assignment"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _set(request, pk) -> RuleSet:
    services.require_manager(request.user)
    return get_scoped(request.user, RuleSet, pk=pk)


def _rule(request, pk) -> Rule:
    services.require_manager(request.user)
    return get_scoped(request.user, Rule, pk=pk)


def _detail(rule_set: RuleSet) -> RuleSet:
    return RuleSet.objects.prefetch_related(
        Prefetch("rules", queryset=Rule.objects.order_by("order", "id"))
    ).get(pk=rule_set.pk)


def _rule_data(payload, *, exclude_unset: bool) -> dict:
    data = payload.dict(exclude_unset=exclude_unset)
    if isinstance(data.get("settings"), dict):
        data["settings"] = {k: v for k, v in data["settings"].items() if v is not None}
    return data


@router.get("/assignment/rule-sets", response={200: list[RuleSetOut], **ERRORS})
def list_rule_sets(request):
    services.require_manager(request.user)
    return list(scoped(request.user, RuleSet).order_by("status", "-updated_at"))


@router.post("/assignment/rule-sets", response={201: RuleSetDetailOut, **ERRORS})
def create_rule_set(request, payload: RuleSetIn):
    services.require_manager(request.user)
    source = get_scoped(request.user, RuleSet, pk=payload.copy_from) if payload.copy_from else None
    rule_set = services.create_rule_set(
        request.user, {"name": payload.name, "description": payload.description}, copy_from=source
    )
    return Status(201, _detail(rule_set))


@router.get("/assignment/rule-sets/{set_id}", response={200: RuleSetDetailOut, **ERRORS})
def get_rule_set(request, set_id: Id):
    return _detail(_set(request, set_id))


@router.patch("/assignment/rule-sets/{set_id}", response={200: RuleSetDetailOut, **ERRORS})
def update_rule_set(request, set_id: Id, payload: RuleSetPatch):
    rule_set = services.update_rule_set(
        request.user, _set(request, set_id), payload.dict(exclude_unset=True, exclude_none=True)
    )
    return _detail(rule_set)


@router.post("/assignment/rule-sets/{set_id}/activate", response={200: RuleSetDetailOut, **ERRORS})
def activate_rule_set(request, set_id: Id):
    return _detail(services.activate_rule_set(request.user, _set(request, set_id)))


@router.delete("/assignment/rule-sets/{set_id}", response={204: None, **ERRORS})
def delete_rule_set(request, set_id: Id):
    services.delete_rule_set(request.user, _set(request, set_id))
    return Status(204, None)


@router.post("/assignment/rule-sets/{set_id}/rules", response={201: RuleOut, **ERRORS})
def create_rule(request, set_id: Id, payload: RuleIn):
    rule_set = _set(request, set_id)
    return Status(201, services.create_rule(request.user, rule_set, _rule_data(payload, exclude_unset=False)))


@router.put("/assignment/rule-sets/{set_id}/order", response={200: list[RuleOut], **ERRORS})
def order_rules(request, set_id: Id, payload: OrderIn):
    return services.reorder_rules(request.user, _set(request, set_id), payload.rules)


@router.get("/assignment/rule-sets/{set_id}/simulation", response={200: SimulationOut, **ERRORS})
def simulate(request, set_id: Id, days: int = Query(30, ge=1, le=MAX_DAYS)):
    """Replay the leads of the last ``days`` days through the set; changes nothing."""
    return services.simulate(_set(request, set_id), days=days)


@router.get("/assignment/rules/{rule_id}", response={200: RuleOut, **ERRORS})
def get_rule(request, rule_id: Id):
    return _rule(request, rule_id)


@router.patch("/assignment/rules/{rule_id}", response={200: RuleOut, **ERRORS})
def update_rule(request, rule_id: Id, payload: RulePatch):
    data = _rule_data(payload, exclude_unset=True)
    return services.update_rule(request.user, _rule(request, rule_id), data)


@router.delete("/assignment/rules/{rule_id}", response={204: None, **ERRORS})
def delete_rule(request, rule_id: Id):
    services.delete_rule(request.user, _rule(request, rule_id))
    return Status(204, None)


@router.get("/leads/{lead_id}/assignment", response={200: WhyOut, **ERRORS})
def why(request, lead_id: Id):
    """Why the lead went to its owner or pool: the rule, and the reason in your language."""
    lead = get_scoped(request.user, Lead, pk=lead_id)
    found = explain.explain(lead)
    if found is None:
        raise NotFound(_("This lead has not been routed yet."), code="not_routed")
    event = found["event"]
    return {
        "lead": lead.pk,
        "kind": event.kind,
        "at": event.at,
        "to_user": event.to_user_id,
        "pool": event.pool_id,
        "rule_id": event.rule_id or (found["rule"].pk if found["rule"] else None),
        "rule_name": found["rule_name"],
        "reason": found["text"] or "",
    }
