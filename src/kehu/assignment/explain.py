"""Why was this lead assigned (or pooled)? Read from the pool's ownership ledger."""

from . import reasons
from .models import Rule
from .summary import describe_rules

ROUTING_KINDS = ("assign", "pool")


def explain(lead) -> dict | None:
    """The latest routing event of the lead with its reason in the reader's language, and
    the rule as it reads now (rules may have been edited since)."""
    from kehu.pool.models import OwnershipEvent

    event = (
        OwnershipEvent.objects.filter(lead=lead, kind__in=ROUTING_KINDS)
        .select_related("to_user", "pool", "actor")
        .order_by("-at", "-id")
        .first()
    )
    if event is None:
        return None
    data = (event.data or {}).get("assignment") or {}
    # Structured reason data (when stored) is rendered in the reader's language.
    text = reasons.describe(data) if data.get("why") else event.reason
    rule_id = event.rule_id or data.get("rule")
    rule = Rule.objects.select_related("rule_set").filter(pk=rule_id).first() if rule_id else None
    return {
        "event": event,
        "text": text,
        "rule": rule,
        "rule_name": event.rule_name or data.get("rule_name", ""),
        "summary": describe_rules([rule])[0] if rule else None,
        "skipped": data.get("skipped") or [],
        "skip_labels": reasons.SKIP_LABELS,
    }
