"""Listening to the leads domain: new leads are routed as soon as intake stores them."""

import logging

log = logging.getLogger(__name__)


def on_leads_arriving(sender, leads, actor=None, **kwargs):
    """Route the batch before intake stores it (owners and statuses set on the instances).
    On failure the instances are as they were: the leads are stored new and routed after
    the store (``on_leads_received``), one by one if need be, with failures recorded."""
    from .services.routing import routable, route_arriving

    leads = routable(leads)
    before = [(lead.owner_id, lead.status, lead.updated_at) for lead in leads]
    try:
        route_arriving(leads, actor=actor)
    except Exception:
        log.exception("routing %s arriving leads failed; routed after they are stored", len(leads))
        for lead, (owner_id, status, updated_at) in zip(leads, before, strict=True):
            lead.owner_id, lead.status, lead.updated_at = owner_id, status, updated_at


def on_leads_received(sender, leads, actor=None, **kwargs):
    """Route the batch; never raise into intake (failed leads stay NEW for the retry sweep)."""
    from .services.routing import route_leads

    try:
        route_leads(list(leads), actor=actor)
    except Exception:
        log.exception("routing %s new leads failed; left for the retry sweep", len(leads))
